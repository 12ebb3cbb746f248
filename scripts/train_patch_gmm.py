"""Fit a GMM to DC-removed 8×8 patches of data/images/train/ and ship it in data/models/.

    python scripts/train_patch_gmm.py --components 200 --patches 500000 --max-iter 40 --seed 0
    python scripts/train_patch_gmm.py --images ~/data/BSDS300/images/train --out my_models  # your photos

Writes ``gmm_8x8_k{K}.npz`` (float32 parameters, loaded with ``GMM.load``) and
``gmm_8x8_k{K}.json`` (provenance: the command, seed, number of patches, iterations,
convergence, train and held-out mean log-likelihood per patch, wall time, library versions).

The held-out score is computed on ``helpers.pretrained.heldout_patches()`` - a fixed, seeded
sample of patches from data/images/test/ - after the model has been saved and loaded
again, so the JSON records exactly what the shipped file gives.  Patches are dequantised
(uniform noise of one grey level) before their mean is removed; see helpers/pretrained.py.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpers import images, pretrained  # noqa: E402
from helpers.em import fit_em  # noqa: E402
from helpers.mixture import GMM  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--components", type=int, default=200, help="number of mixture components K")
    p.add_argument("--patches", type=int, default=500_000, help="number of training patches N")
    p.add_argument("--max-iter", type=int, default=40, help="maximum number of EM iterations")
    p.add_argument("--tol", type=float, default=1e-4,
                   help="stop when the mean log-likelihood per patch changes by less than tol times "
                        "its magnitude (fit_em's relative tolerance)")
    p.add_argument("--reg-covar", type=float, default=1e-6,
                   help="added to every covariance's diagonal (pixel values in [0, 1])")
    p.add_argument("--init", default="kmeans++", help="fit_em's initialisation")
    p.add_argument("--seed", type=int, default=0, help="seed of the patch sample and of EM's initialisation")
    p.add_argument("--warm-patches", type=int, default=0,
                   help="if > 0: first run EM on the first this-many training patches (--warm-iter "
                        "iterations), then continue from that model on all --patches (saves time)")
    p.add_argument("--warm-iter", type=int, default=20, help="EM iterations of the warm-start stage")
    p.add_argument("--chunk-size", type=int, default=None, help="points per chunk in EM (default: fit_em's)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="EM arithmetic")
    p.add_argument("--images", type=Path, default=None,
                   help="fit to the photographs in this folder (helpers.images.load_folder, searched "
                        "recursively) instead of data/images/train; give --out too, or the shipped "
                        "model is replaced")
    p.add_argument("--out", type=Path, default=pretrained.MODELS_DIR, help="output folder")
    return p.parse_args(argv)


def progress_callback(bar):
    """A fit_em callback ``(t, gmm, history)`` that advances a tqdm bar by one evaluation of θ_t."""
    def callback(t, gmm, history):
        bar.update(1)
        bar.set_postfix_str(f"mean log-lik {history.log_likelihood[-1]:.3f}")
    return callback


def versions() -> dict[str, str]:
    import scipy
    out = {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__}
    try:
        out["blas"] = np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:  # noqa: BLE001 - informative only
        pass
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from tqdm.auto import tqdm

    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    if args.images is None:
        source, photos = "data/images/train", images.load_split("train")
    else:
        source, photos = str(args.images), images.load_folder(args.images, recursive=True)
    X = pretrained.patches_from(photos, args.patches, rng)
    print(f"sampled {X.shape[0]} training patches of dimension {X.shape[1]} "
          f"in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    X = X.astype(args.dtype, copy=False)
    options = dict(tol=args.tol, reg_covar=args.reg_covar, rng=rng, chunk_size=args.chunk_size,
                   dtype=getattr(np, args.dtype))
    init, stages = args.init, []
    if 0 < args.warm_patches < len(X):
        with tqdm(total=args.warm_iter + 1, desc=f"EM, K = {args.components}, first "
                  f"{args.warm_patches} patches", unit="it") as bar:
            init, warm = fit_em(X[:args.warm_patches], args.components, max_iter=args.warm_iter,
                                init=args.init, callback=progress_callback(bar), **options)
        stages.append({"n_patches": args.warm_patches, "init": args.init, "iterations": warm.n_iter,
                       "converged": warm.converged,
                       "log_likelihood_history": [round(float(v), 4) for v in warm.log_likelihood]})
    with tqdm(total=args.max_iter + 1, desc=f"EM, K = {args.components}, {len(X)} patches",
              unit="it") as bar:
        gmm, history = fit_em(X, args.components, max_iter=args.max_iter, init=init,
                              callback=progress_callback(bar), **options)
    seconds = time.perf_counter() - t0

    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"gmm_8x8_k{args.components}"
    npz = args.out / f"{stem}.npz"
    weights = np.asarray(gmm.weights, np.float64)
    gmm32 = GMM((weights / weights.sum()).astype(np.float32), np.asarray(gmm.means, np.float32),
                np.asarray(gmm.covs, np.float32))  # all float32: stored as float32 (~3.3 MB at K = 200)
    gmm32.save(npz)
    shipped = GMM.load(npz)

    record = {
        "file": npz.name,
        "command": "python " + " ".join(shlex.quote(a) for a in
                                        ["scripts/train_patch_gmm.py", *(argv if argv is not None else sys.argv[1:])]),
        "n_components": args.components,
        "patch_size": pretrained.PATCH_SIZE,
        "dim": int(shipped.dim),
        "preprocessing": f"8x8 patches of {source}, pixels in [0, 1] + uniform(-0.5, 0.5)/255 "
                         "dequantisation noise, patch mean (DC) removed",
        "seed": args.seed,
        "n_patches": int(X.shape[0]),
        "max_iter": args.max_iter,
        "tol": args.tol,
        "reg_covar": args.reg_covar,
        "init": "the warm-start model" if stages else args.init,
        "dtype": args.dtype,
        "warm_start": stages[0] if stages else None,
        "iterations": int(history.n_iter),
        "converged": bool(history.converged),
        "reinitialised_components": len(history.reinitialised),
        "log_likelihood_history": [round(float(v), 4) for v in history.log_likelihood],
        # fit_em's last pass scores the returned model on all training patches (in --dtype
        # arithmetic); re-scoring 500 000 patches in float64 would cost another E step.
        "train_mean_log_likelihood": float(history.log_likelihood[-1]),
        "heldout_mean_log_likelihood": pretrained.mean_log_likelihood(shipped, pretrained.heldout_patches()),
        "heldout": {"split": "test", "n": pretrained.HELDOUT_SIZE, "seed": pretrained.HELDOUT_SEED,
                    "function": "helpers.pretrained.heldout_patches()"},
        "wall_time_seconds": round(seconds, 1),
        "versions": versions(),
        "environment": {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
                        if k in os.environ},
    }
    (args.out / f"{stem}.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    if stages:
        print(f"\nwarm start: {stages[0]['iterations']} EM iterations on the first {args.warm_patches} patches")
    print(f"K = {args.components}: {record['iterations']} EM iterations on {len(X)} patches "
          f"({'converged' if record['converged'] else 'stopped at max-iter'}) in {seconds:.0f} s")
    print(f"  train    mean log-likelihood per patch: {record['train_mean_log_likelihood']:9.3f} nats")
    print(f"  held-out mean log-likelihood per patch: {record['heldout_mean_log_likelihood']:9.3f} nats "
          f"({pretrained.HELDOUT_SIZE} test patches, seed {pretrained.HELDOUT_SEED})")
    print(f"  wrote {npz} ({npz.stat().st_size / 1e6:.2f} MB) and {stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""EM speed and memory: helpers.em.fit_em against scikit-learn's GaussianMixture.

    python benchmarks/em.py                 # N=100 000 DC-removed 8x8 patches, K=20, 20 iterations
    python benchmarks/em.py --repeat 3      # best of 3 (the machine is shared: timings are noisy)
    python benchmarks/em.py --memory        # peak RSS of fit_em for N=2 000 000, K=200, 2 iterations

Both sides start from the same initial GMM (θ_0 from k-means++ means) and run exactly
`--iters` EM iterations (tol=0, same reg_covar) in this one process; scikit-learn also runs
its final E step inside ``fit``, as does fit_em.  The final mean log-likelihoods of both
models are evaluated by the same float64 code (``GMM.score``).  GFLOP/s counts 4·N·K·d² per
iteration (docs/architecture.md §6).  If ``OPENBLAS_CORETYPE`` is set in your environment, compare with
``env -u OPENBLAS_CORETYPE python benchmarks/em.py``.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

from helpers import em, images
from helpers.mixture import GMM


def patches(n: int, seed: int = 0) -> np.ndarray:
    """`n` DC-removed 8x8 patches (n, 64) float64 from the training images, built in blocks."""
    rng = np.random.default_rng(seed)
    imgs = images.load_split("train")
    out = np.empty((n, 64))
    step = 100_000
    for i in range(0, n, step):
        out[i:i + step] = images.sample_patches(imgs, 8, min(step, n - i), rng, remove_dc=True)
    return out


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        return ", ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture')} "
                         f"{i['num_threads']} threads" for i in info)
    except ImportError:
        return "threadpoolctl not installed"


def run_sklearn(X: np.ndarray, init: GMM, iters: int, reg_covar: float) -> tuple[tuple[float, float], GMM]:
    from sklearn.mixture import GaussianMixture
    sk = GaussianMixture(init.n_components, covariance_type="full", max_iter=iters, tol=0.0,
                         reg_covar=reg_covar, weights_init=init.weights, means_init=init.means,
                         precisions_init=np.linalg.inv(init.covs), init_params="random_from_data",
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: tol=0 never converges, on purpose
        t0, c0 = time.perf_counter(), time.process_time()
        sk.fit(X)
        elapsed = (time.perf_counter() - t0, time.process_time() - c0)
    assert sk.n_iter_ == iters, sk.n_iter_
    return elapsed, GMM(sk.weights_ / sk.weights_.sum(), sk.means_, sk.covariances_)


def run_ours(X: np.ndarray, init: GMM, iters: int, reg_covar: float, dtype) -> tuple[tuple[float, float], GMM]:
    t0, c0 = time.perf_counter(), time.process_time()
    gmm, hist = em.fit_em(X, init.n_components, max_iter=iters, tol=0.0, reg_covar=reg_covar,
                          init=init, dtype=dtype)
    elapsed = (time.perf_counter() - t0, time.process_time() - c0)
    assert hist.n_iter == iters, hist.n_iter
    return elapsed, gmm


def speed(n: int, k: int, iters: int, repeat: int, reg_covar: float) -> None:
    X = patches(n)
    N, d = X.shape
    init, _ = em.fit_em(X, k, max_iter=0, init="kmeans++", rng=np.random.default_rng(1),
                        reg_covar=reg_covar)
    flop = 4.0 * N * k * d * d * iters
    print(f"EM on N={N} DC-removed 8x8 patches, K={k}, d={d}, {iters} iterations, "
          f"reg_covar={reg_covar:g}; BLAS: {blas_info()}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; best of {repeat}")
    best: dict[str, tuple[float, float]] = {}
    models: dict[str, GMM] = {}
    for _ in range(repeat):  # interleaved, so a noisy neighbour hurts every side alike
        for name, fn in (("sklearn float64", lambda: run_sklearn(X, init, iters, reg_covar)),
                         ("fit_em float64", lambda: run_ours(X, init, iters, reg_covar, np.float64)),
                         ("fit_em float32", lambda: run_ours(X, init, iters, reg_covar, np.float32))):
            (wall, cpu), model = fn()
            old = best.get(name, (np.inf, np.inf))
            best[name] = (min(old[0], wall), min(old[1], cpu))
            models[name] = model
    ref_ll = models["sklearn float64"].score(X)
    ref_wall, ref_cpu = best["sklearn float64"]
    print(f"\n{'method':<16} {'wall [s]':>9} {'speed-up':>9} {'GFLOP/s':>8} {'CPU [s]':>8} "
          f"{'CPU ratio':>9} {'GFLOP/CPU-s':>11} {'final mean LL':>14} {'rel. diff':>10}")
    for name, (wall, cpu) in best.items():
        ll = models[name].score(X)
        rel = abs(ll - ref_ll) / abs(ref_ll)
        print(f"{name:<16} {wall:9.2f} {ref_wall / wall:8.2f}x {flop / wall / 1e9:8.1f} {cpu:8.2f} "
              f"{ref_cpu / cpu:8.2f}x {flop / cpu / 1e9:11.1f} {ll:14.8f} {rel:10.2e}")
    print("\nwall = elapsed time (best of the repeats); CPU = process CPU time summed over BLAS threads;"
          "\nGFLOP/s = 4·N·K·d²·iterations / wall, GFLOP/CPU-s the same per CPU second (on a shared"
          "\nmachine the closer measure of the BLAS bound); rel. diff = |LL - LL_sklearn| / |LL_sklearn|, both"
          "\nmodels scored by the same float64 code.")


def memory(n: int, k: int, iters: int, dtype: str, threads: int | None) -> None:
    if os.environ.get("_EM_BENCH_CHILD") != "1":  # measure in a fresh process
        env = dict(os.environ, _EM_BENCH_CHILD="1")
        cmd = [sys.executable, __file__, "--memory", "--n", str(n), "--k", str(k),
               "--iters", str(iters), "--dtype", dtype] + (["--threads", str(threads)] if threads else [])
        sys.exit(subprocess.run(cmd, env=env).returncode)
    X = patches(n)
    after_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    t0 = time.perf_counter()
    gmm, hist = em.fit_em(X, k, max_iter=iters, tol=0.0, dtype=np.dtype(dtype),
                          rng=np.random.default_rng(0))
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20
    print(f"fit_em N={n}, K={k}, d=64, {iters} iterations, dtype={dtype}, "
          f"chunk_size={em.default_chunk_size(k)}: {elapsed:.1f} s "
          f"({4.0 * n * k * 64 * 64 * iters / elapsed / 1e9:.1f} GFLOP/s incl. init)")
    print(f"data {X.nbytes / 2 ** 30:.2f} GiB; peak RSS after building the data {after_data:.2f} GiB; "
          f"peak RSS after the fit {peak:.2f} GiB; final mean LL {hist.log_likelihood[-1]:.4f}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--memory", action="store_true", help="peak-RSS run (defaults N=2e6, K=200, 2 iterations)")
    p.add_argument("--n", type=int, default=None)
    p.add_argument("--k", type=int, default=None)
    p.add_argument("--iters", type=int, default=None)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--reg-covar", type=float, default=1e-6)
    p.add_argument("--dtype", default="float64", help="dtype for --memory")
    p.add_argument("--threads", type=int, default=None, help="limit BLAS threads (threadpoolctl)")
    a = p.parse_args(argv)
    if a.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(a.threads)
    if a.memory:
        memory(a.n or 2_000_000, a.k or 200, a.iters or 2, a.dtype, a.threads)
    else:
        speed(a.n or 100_000, a.k or 20, a.iters or 20, a.repeat, a.reg_covar)


if __name__ == "__main__":
    main()

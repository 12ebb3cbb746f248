"""What limits EPLL on the bundled test images: the prior's training data, not the algorithm.

    python benchmarks/denoise_prior.py            # about 6 min on 2 cores; prints a Markdown table
    python benchmarks/denoise_prior.py --large    # adds a K = 200 prior from 2 000 000 patches (+10 min)
    python benchmarks/denoise_prior.py --adapted  # only BM3D, shipped and adapted prior (epll adapt=True,
                                                  # with and without readapt),
                                                  # with the contrast split and a τ / iteration diagnostic
    python benchmarks/denoise_prior.py --extra 10 30   # adapted prior + an image-specific extra component set:
                                                  # validation crops first, then the test images (first K only)

EPLL (``helpers.denoise.epll``, exact mode, the paper's β schedule) at σ = 25 on every image
of ``data/images/test`` (noise seed 1000·σ + image index, as in ``benchmarks/denoise.py``),
with patch priors fitted by EM (``helpers.em.fit_em``, float32, seed 0) to different data:

* K = 50, 150 000 patches, 25 EM iterations, from the eight training images
  (a) as they are, (b) with each patch randomly flipped / transposed (the 8 symmetries of the
  square: natural-image statistics are roughly invariant to them), (c) with 50 % of the patches
  from half-size copies of the training images (the test images were shrunk by 2), (d) with
  the same number of patches from every training image (instead of one per position);
* the shipped K = 200 model (``data/models/gmm_8x8_k200.npz``);
* with ``--large``: K = 200 from 2 000 000 randomly flipped / transposed training patches (4× the
  shipped model's), fitted like the shipped model: 20 EM iterations on the first 80 000 patches,
  then 15 on all of them;
* **diagnostic only**: K = 50 and K = 200 fitted to the clean *test* images themselves
  (every 8×8 patch of the three images; 30 EM iterations).  This is not a denoiser anyone
  could use; it measures how much better the same algorithm gets with a prior that matches
  the images, i.e. what better training data could buy at most.

BM3D (``bm3d`` package, the ``bench`` extra) is printed for reference if installed; then a second
table splits the squared error of BM3D, EPLL (shipped prior) and EPLL (prior fitted to the test
images) by the contrast of the clean image around each pixel (its standard deviation in the 8×8
window), to show where EPLL loses.
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time

import importlib.util
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage
from tqdm.auto import tqdm

from helpers import denoise, images, patches, pretrained
from helpers.em import fit_em
from helpers.mixture import GMM


def _load_table_bench():
    """benchmarks/denoise.py (noise seeds, machine description), loaded by its path under its own
    name: ``import denoise`` would depend on sys.path and collides with ``helpers.denoise``."""
    spec = importlib.util.spec_from_file_location("benchmarks_denoise_table", Path(__file__).with_name("denoise.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


table_bench = _load_table_bench()
SIGMA255 = 25
K_SMALL, N_SMALL, ITER_SMALL = 50, 150_000, 25
ITER_ORACLE = 30
CONTRAST_BANDS = (2, 5, 10, 20)  # grey levels: local std of the clean image in 8×8 windows


def half_size(img: np.ndarray) -> np.ndarray:
    """`img` shrunk by 2 with Lanczos (as scripts/make_data.py shrinks), rounded to 8 bits."""
    h, w = img.shape
    small = Image.fromarray((img * 255).astype(np.float32), mode="F").resize(
        (round(w / 2), round(h / 2)), Image.LANCZOS)
    return np.clip(np.round(np.asarray(small)), 0, 255) / 255.0


def random_symmetry(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each 8×8 patch (row of `X`, (N, 64)) under a random one of the square's 8 symmetries."""
    P = X.reshape(-1, 8, 8).copy()
    for flip in (lambda p: p.transpose(0, 2, 1), lambda p: p[:, ::-1], lambda p: p[:, :, ::-1]):
        sel = rng.random(len(P)) < 0.5
        P[sel] = flip(P[sel])
    return P.reshape(len(X), 64)


def training_data(variant: str, rng: np.random.Generator, n: int = N_SMALL) -> np.ndarray:
    train = images.load_split("train")
    if variant == "balanced":
        X = np.concatenate([pretrained.patches_from(im, n // len(train), rng) for im in train])
    elif variant == "half-size":
        X = np.concatenate([pretrained.patches_from(train, n // 2, rng),
                            pretrained.patches_from([half_size(im) for im in train], n // 2, rng)])
    else:
        X = pretrained.patches_from(train, n, rng)
        if variant == "symmetries":
            X = random_symmetry(X, rng)
    return X


def all_patches(imgs: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Every dequantised, DC-removed 8×8 patch of `imgs`, (N, 64)."""
    return pretrained.preprocess(np.concatenate([patches.extract(im, 8) for im in imgs]), rng)


def fit(X: np.ndarray, k: int, iters: int, warm: int = 0) -> GMM:
    """EM in float32 (seed 0); with `warm` > 0, 20 iterations on the first `warm` rows first."""
    rng, X = np.random.default_rng(0), X.astype(np.float32)
    init = "kmeans++"
    if warm:
        init, _ = fit_em(X[:warm], k, max_iter=20, tol=1e-4, rng=rng, dtype=np.float32)
    gmm, _ = fit_em(X, k, max_iter=iters, init=init, tol=0.0, rng=rng, dtype=np.float32)
    return gmm


def evaluate(gmm, denoiser=None) -> tuple[list[float], list[np.ndarray]]:
    """PSNR on every test image and the (clipped, as in benchmarks/denoise.py) estimates."""
    psnrs, estimates = [], []
    for idx, name in enumerate(images.names("test")):
        clean = images.load(name)
        y = table_bench.noisy_image(clean, SIGMA255, idx)
        est = np.clip(denoiser(y) if denoiser else denoise.epll(y, gmm, SIGMA255 / 255), 0, 1)
        psnrs.append(denoise.psnr(clean, est))
        estimates.append(est)
    return psnrs, estimates


def local_contrast(img: np.ndarray, size: int = 8) -> np.ndarray:
    """Standard deviation of `img` in the `size`×`size` window around each pixel, in grey levels."""
    mean = ndimage.uniform_filter(img, size)
    return 255 * np.sqrt(np.maximum(ndimage.uniform_filter(img**2, size) - mean**2, 0))


def where_table(methods: dict[str, list[np.ndarray]]) -> str:
    """Squared error per band of clean-image contrast, for each method (first = the reference)."""
    labels = list(methods)
    lines = ["| image | contrast (grey levels) | pixels | " + " | ".join(f"MSE {m}" for m in labels)
             + f" | share of the gap {labels[1]} − {labels[0]} |", "|---|---|---|" + "---|" * (len(labels) + 1)]
    for idx, name in enumerate(images.names("test")):
        clean = images.load(name)
        band = np.digitize(local_contrast(clean), CONTRAST_BANDS)
        err = {m: (est[idx] - clean) ** 2 * 255**2 for m, est in methods.items()}
        gap = err[labels[1]].sum() - err[labels[0]].sum()
        for b, label in enumerate(band_labels()):
            sel = band == b
            share = (err[labels[1]][sel].sum() - err[labels[0]][sel].sum()) / gap
            lines.append(f"| {name} | {label} | {sel.mean():.0%} | "
                         + " | ".join(f"{err[m][sel].mean():.1f}" for m in labels)
                         + (f" | {share:.0%} |" if gap > 0 else f" | ({labels[1]} ahead overall) |"))
    return "\n".join(lines)


def band_labels() -> list[str]:
    edges = [0, *CONTRAST_BANDS]
    return [f"{a:g}–{b:g}" for a, b in itertools.pairwise(edges)] + [f"> {edges[-1]:g}"]


def extended_prior(gmm, y: np.ndarray, sigma: float, n_extra: int, extra_iters: int = 4, seed: int = 0):
    """The adapted prior plus an image-specific component set (a mixed internal/external prior).

    After the default adaptation, the 250·`n_extra` noisy patches it explains worst are clustered by
    k-means (10 Lloyd steps) into `n_extra` groups; each group of at least 2d patches becomes a new
    component (mean, covariance minus σ²I with eigenvalues clipped at 1e-6, weight = its share of the
    patches), the universal weights are scaled down to make room, and `extra_iters` more noise-aware
    MAP-EM iterations (τ toward this extended model) run on all components.  Returns (model, K added)."""
    from scipy.special import logsumexp
    s2 = sigma**2
    Y = patches.remove_dc(patches.extract(y, 8, denoise.ADAPT_STRIDE))[0]
    w, mu, cov = denoise._adapt(gmm, Y, s2, denoise.ADAPT_TAU, denoise.ADAPT_ITERS, 8)
    table = denoise._Spectra.of(denoise._Params(w, mu, cov), 8).score_table(s2)
    buf = denoise._buffer(len(Y), table)
    ll = np.concatenate([logsumexp(denoise._scores(Y[i:i + denoise.CHUNK], table, buf), axis=1)
                         for i in range(0, len(Y), denoise.CHUNK)])
    M = min(len(Y), 250 * n_extra)
    Yw = Y[np.argsort(ll)[:M]]
    rng = np.random.default_rng(seed)
    C = Yw[rng.choice(M, n_extra, replace=False)]
    for _ in range(10):
        lab = np.argmin((Yw**2).sum(1)[:, None] - 2 * Yw @ C.T + (C**2).sum(1)[None], axis=1)
        C = np.stack([Yw[lab == c].mean(0) if np.any(lab == c) else C[c] for c in range(n_extra)])
    d = Y.shape[1]
    new_mu, new_cov, new_w = [], [], []
    for c in range(n_extra):
        X = Yw[lab == c]
        if len(X) < 2 * d:
            continue
        S = np.cov(X.T, bias=True) - s2 * np.eye(d)
        lam, V = np.linalg.eigh(0.5 * (S + S.T))
        new_mu.append(X.mean(0))
        new_cov.append((V * np.maximum(lam, 1e-6)) @ V.T)
        new_w.append(len(X) / len(Y))
    new_w = np.array(new_w)
    ext = denoise._Params(np.concatenate([w * (1 - new_w.sum()), new_w]), np.concatenate([mu, new_mu]),
                          np.concatenate([cov, new_cov]))
    w2, mu2, cov2 = denoise._adapt(ext, Y, s2, denoise.ADAPT_TAU, extra_iters, 8)
    return denoise._Params(w2, mu2, cov2), len(new_w)


def extra_report(counts: list[int]) -> int:
    """Adapted prior vs adapted + image-specific components at σ = 25: validation crops (the training
    images astronaut and coffee, central 256×256, seed 500 + index) for every count, then the test
    images for the first count only."""
    sigma = SIGMA255 / 255
    shipped = pretrained.load(200)
    cases = []
    for i, name in enumerate(("astronaut", "coffee")):
        clean = images.load(name)
        r, c = (clean.shape[0] - 256) // 2, (clean.shape[1] - 256) // 2
        clean = clean[r:r + 256, c:c + 256]
        noisy = denoise.add_noise(clean, sigma, np.random.default_rng(500 + i))
        cases.append(("validation", name, clean, noisy, counts))
    for idx, name in enumerate(images.names("test")):
        clean = images.load(name)
        cases.append(("test", name, clean, table_bench.noisy_image(clean, SIGMA255, idx), counts[:1]))
    print("| split | image | adapted | extra components | adapted + extra | gain |\n|---|---|---|---|---|---|")
    for split, name, clean, y, ks in cases:
        # the adapted prior without re-adaptation, as when this was measured (and as extended_prior starts)
        base = denoise.psnr(clean, denoise.epll(y, shipped, sigma, adapt=True, readapt=False))
        for k in ks:
            model, added = extended_prior(shipped, y, sigma, k)
            p = denoise.psnr(clean, denoise.epll(y, model, sigma))
            print(f"| {split} | {name} | {base:.2f} | {added} of {k} | {p:.2f} | {p - base:+.3f} |", flush=True)
    return 0


def adapted_report() -> int:
    """BM3D vs EPLL with the shipped and the adapted prior on the test images (σ = 25), where the
    adapted prior gains (contrast bands), and how the gain depends on τ and on the iterations.  The
    τ / iteration rows are a diagnostic on the test images; the defaults were chosen on the
    validation crops (benchmarks/denoise.py --tune-adapt) before this was run."""
    import bm3d
    sigma = SIGMA255 / 255
    names = images.names("test")
    shipped = pretrained.load(200)
    print(f"# The adapted prior on the test images\n\nCommand: `python benchmarks/denoise_prior.py --adapted` "
          f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). Machine: {table_bench.machine()}.\n")
    rows = {"BM3D": evaluate(None, lambda y: bm3d.bm3d(y, sigma_psd=sigma)),
            "EPLL, shipped prior": evaluate(shipped),
            f"EPLL, adapted once (τ = {denoise.ADAPT_TAU:g}, {denoise.ADAPT_ITERS} iterations, stride "
            f"{denoise.ADAPT_STRIDE}; readapt=False)": evaluate(
                None, lambda y: denoise.epll(y, shipped, sigma, adapt=True, readapt=False)),
            "EPLL, adapted and re-adapted (the default)": evaluate(
                None, lambda y: denoise.epll(y, shipped, sigma, adapt=True))}
    for tau, iters in ((2.0, 8), (8.0, 16)):
        label = f"EPLL, adapted once, τ = {tau:g}, {iters} iterations (diagnostic)"
        rows[label] = evaluate(None, lambda y, t=tau, n=iters: denoise.epll(
            y, denoise.adapt_prior(shipped, y, sigma, tau=t, n_iter=n), sigma))
        print(list(rows)[-1], f"{np.mean(rows[list(rows)[-1]][0]):.3f}", file=sys.stderr, flush=True)
    print(f"EPLL HQS exact at σ = {SIGMA255}, PSNR (dB)\n")
    print("| method | " + " | ".join(names) + " | mean |")
    print("|---|" + "---|" * (len(names) + 1))
    for label, (ps, _) in rows.items():
        print(f"| {label} | " + " | ".join(f"{p:.2f}" for p in ps) + f" | {np.mean(ps):.2f} |")
    labels = list(rows)
    print("\nSquared error (grey levels²) by the contrast of the clean image around each pixel; the last column is "
          "each band's share of the shipped prior's excess squared error over BM3D.\n")
    print(where_table({"BM3D": rows[labels[0]][1], "EPLL shipped": rows[labels[1]][1],
                       "EPLL adapted once": rows[labels[2]][1], "EPLL adapted + re-adapted": rows[labels[3]][1]}))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--large", action="store_true", help="also fit K = 200 to 2 000 000 patches (+10 min)")
    ap.add_argument("--adapted", action="store_true",
                    help="only BM3D vs shipped vs adapted prior: PSNR, contrast split, τ and iteration diagnostic")
    ap.add_argument("--extra", nargs="*", type=int, default=None,
                    help="extra image-specific components to try on the validation crops (the first is then run "
                         "on the test images)")
    args = ap.parse_args(argv)
    if args.adapted:
        return adapted_report()
    if args.extra:
        return extra_report(args.extra)
    names = images.names("test")
    command = " ".join(["python benchmarks/denoise_prior.py", *(sys.argv[1:] if argv is None else argv)])
    print(f"# What limits EPLL here: the prior's training data\n\nCommand: `{command}` "
          f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}). Machine: {table_bench.machine()}.\n"
          f"Priors and parameters: see the docstring of `benchmarks/denoise_prior.py`.\n")
    rows: list[tuple[str, tuple[list[float], list[np.ndarray]], float | None]] = []
    try:
        import bm3d
        rows.append(("BM3D (reference)", evaluate(None, lambda y: bm3d.bm3d(y, sigma_psd=SIGMA255 / 255)), None))
    except ImportError:
        print("bm3d not installed (pip install -e '.[bench]'): no BM3D row", file=sys.stderr)
    shipped = pretrained.load(200)
    rows.append(("shipped K = 200 (500 000 train patches)", evaluate(shipped),
                 pretrained.mean_log_likelihood(shipped, pretrained.heldout_patches())))
    variants = {"train images": "plain", "train, random flips/transposes": "symmetries",
                "train, half from half-size copies": "half-size", "train, equal patches per image": "balanced"}
    test_patches = all_patches([images.load(n) for n in names], np.random.default_rng(1))
    jobs = [(f"K = {K_SMALL}, {label}", variant, K_SMALL) for label, variant in variants.items()]
    if args.large:
        jobs.append(("K = 200, 2 000 000 train patches, random flips/transposes", "large", 200))
    jobs += [(f"K = {k}, fitted to the clean test images (diagnostic)", "oracle", k) for k in (K_SMALL, 200)]
    for label, variant, k in tqdm(jobs, desc="fit + denoise", unit="prior"):
        t = time.perf_counter()
        if variant == "oracle":
            gmm = fit(test_patches, k, ITER_ORACLE)
        elif variant == "large":
            gmm = fit(training_data("symmetries", np.random.default_rng(0), 2_000_000), k, 15, warm=80_000)
        else:
            gmm = fit(training_data(variant, np.random.default_rng(0)), k, ITER_SMALL)
        rows.append((label, evaluate(gmm), pretrained.mean_log_likelihood(gmm, pretrained.heldout_patches())))
        tqdm.write(f"{label}: {np.mean(rows[-1][1][0]):.3f} dB ({time.perf_counter() - t:.0f} s)", file=sys.stderr)

    print(f"\nEPLL HQS exact at σ = {SIGMA255}, PSNR (dB); held-out log-likelihood in nats per patch "
          f"(helpers.pretrained.heldout_patches(), patches of the test images)\n")
    print("| prior | " + " | ".join(names) + " | mean | held-out log-lik |")
    print("|---|" + "---|" * (len(names) + 2))
    for label, (ps, _), ll in rows:
        print(f"| {label} | " + " | ".join(f"{p:.2f}" for p in ps) + f" | {np.mean(ps):.2f} | "
              + ("" if ll is None else f"{ll:.1f}") + " |")
    if rows[0][0].startswith("BM3D"):
        print("\nWhere EPLL loses to BM3D at σ = 25: squared error (grey levels²) by the contrast of the clean image "
              "around each pixel (standard deviation in its 8×8 window); the last column is each band's share of "
              "EPLL's (shipped model) excess squared error over BM3D.\n")
        picked = {"BM3D": rows[0][1][1], "EPLL": rows[1][1][1], "EPLL, prior fitted to the test images": rows[-1][1][1]}
        print(where_table(picked))
    return 0


if __name__ == "__main__":
    sys.exit(main())

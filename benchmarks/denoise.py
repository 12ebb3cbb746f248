"""Denoising quality and speed: EPLL (helpers.denoise) against classical denoisers and BM3D.

    python benchmarks/denoise.py                      # the table, printed
    python benchmarks/denoise.py --write              # ... and written to benchmarks/results/denoise.md
    python benchmarks/denoise.py --speed --repeat 5   # EPLL exact vs fast vs adapted: min/median s, GFLOP/s
    python benchmarks/denoise.py --tune-readapt       # choose the re-adaptation's noise level on the validation crops
    python benchmarks/denoise.py --seeds 3            # BM3D vs adapted over several noise seeds
    python benchmarks/denoise.py --schedule           # longer β schedules / more rounds per β (σ = 25)
    python benchmarks/denoise.py --tune-adapt         # choose τ and the EM iterations on the validation crops
    python benchmarks/denoise.py --held-out           # shipped vs adapted prior vs BM3D on two held-out images

Every image of ``data/images/test`` at σ = 15, 25, 50 (pixel scale 0..255; the code works on
[0, 1]) with the fixed noise seed 1000·σ + image index.  Methods and their parameters:

* noisy input;
* Wiener filter, single-Gaussian patch prior: ``wiener_single_gaussian`` with the shipped
  K = 1 model (mean and covariance of DC-removed 8×8 training patches), overlapping estimates averaged;
* TV: ``skimage.restoration.denoise_tv_chambolle(y, weight=TV_WEIGHT·σ)``;
* wavelet: ``denoise_wavelet(y, sigma=σ, method='BayesShrink', mode='soft', rescale_sigma=True)``
  (scikit-image's defaults, with the true σ);
* NL-means: ``denoise_nl_means`` with σ̂ = ``estimate_sigma(y)`` and h = 0.8·σ̂, sigma=σ̂,
  fast_mode=True (scikit-image's documented starting point), patch size and search distance from
  Buades et al.'s σ-dependent table (IPOL 2011): σ ≤ 15: 3×3 patches, 21×21 search window;
  σ ≤ 30: 5×5, 21×21; σ ≤ 45: 7×7, 35×35; σ ≤ 75: 9×9, 35×35;
* BM3D: ``bm3d.bm3d(y, sigma_psd=σ)`` from the ``bm3d`` PyPI package (benchmark-only, the
  ``bench`` extra), if installed;
* EPLL, gradient descent: ``epll_gradient_descent`` (K = 200, λ = 1/64, floor σ²/16, 30 Nesterov steps);
* EPLL, HQS exact: ``epll`` (K = 200, β = (1/σ²)·[1, 4, 8, 16, 32], stride 1, one round per β);
* EPLL, HQS fast: ``epll(mode="fast")`` (patch grid of step 3 with a random offset per round);
* EPLL, HQS adapted: ``epll(adapt=True)``: the K = 200 prior first adapted to the noisy image's own
  patches by noise-aware MAP-EM (``helpers.denoise.adapt_prior``: τ = ``ADAPT_TAU`` = 8, ``ADAPT_ITERS`` = 8
  iterations on the patches of a stride-2 grid), re-adapted once on a fast-mode first estimate (its patches
  treated as clean + N(0, σ²/8), ``READAPT_ITERS`` = 3 iterations), then the exact schedule; the time
  includes both adaptations.

τ and the iteration count were chosen with ``--tune-adapt``, the re-adaptation's noise level and
iterations with ``--tune-readapt``, on VALIDATION crops (the central
256×256 of the training images ``astronaut`` and ``coffee``, noise seed 500 + index), never on the
test images.  ``--held-out`` reports the same comparison on two photographs bundled with
scikit-image that are in neither ``data/images/train`` nor ``data/images/test`` (``coins`` and
``retina``, grey, central 256×256 crops; ``retina`` first shrunk to 512×512).

If ``OPENBLAS_CORETYPE`` is set in your environment, compare with
``env -u OPENBLAS_CORETYPE python benchmarks/denoise.py``.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from skimage.metrics import structural_similarity
from skimage.restoration import (denoise_nl_means, denoise_tv_chambolle, denoise_wavelet,
                                 estimate_sigma)

from helpers import denoise, images, patches, pretrained

ROOT = Path(__file__).resolve().parents[1]
SIGMAS = (15, 25, 50)
TV_WEIGHT = 0.75  # weight = TV_WEIGHT·σ: best mean PSNR over σ = 15, 25, 50 on the training image astronaut (--tune-tv)
GD_ITERS = 30


def nl_means_settings(sigma255: float) -> tuple[int, int]:
    """(patch_size, patch_distance) from Buades, Coll & Morel's σ-dependent table (grey images)."""
    for limit, patch, search in ((15, 3, 21), (30, 5, 21), (45, 7, 35), (75, 9, 35)):
        if sigma255 <= limit:
            return patch, search // 2
    return 11, 17


def nl_means(y: np.ndarray, sigma: float) -> np.ndarray:
    patch, distance = nl_means_settings(sigma * 255)
    s = float(estimate_sigma(y))
    return denoise_nl_means(y, patch_size=patch, patch_distance=distance, h=0.8 * s, sigma=s,
                            fast_mode=True)


def methods(gmm, single, sigma: float) -> dict:
    """name -> function(noisy) -> estimate, for one noise level."""
    out = {
        "noisy": lambda y: y,
        "Wiener (1 Gaussian)": lambda y: denoise.wiener_single_gaussian(y, single.means[0], single.covs[0], sigma),
        "TV": lambda y: denoise_tv_chambolle(y, weight=TV_WEIGHT * sigma),
        "wavelet": lambda y: denoise_wavelet(y, sigma=sigma, method="BayesShrink", mode="soft",
                                             rescale_sigma=True),
        "NL-means": lambda y: nl_means(y, sigma),
    }
    try:
        import bm3d
        out["BM3D"] = lambda y: bm3d.bm3d(y, sigma_psd=sigma)
    except ImportError:
        print("bm3d not installed (pip install -e '.[bench]'): BM3D row skipped", file=sys.stderr)
    out["EPLL GD"] = lambda y: denoise.epll_gradient_descent(y, gmm, sigma, n_iter=GD_ITERS)
    out["EPLL HQS exact"] = lambda y: denoise.epll(y, gmm, sigma)
    out["EPLL HQS fast"] = lambda y: denoise.epll(y, gmm, sigma, mode="fast",
                                                 rng=np.random.default_rng(0))
    out["EPLL HQS adapted"] = lambda y: denoise.epll(y, gmm, sigma, adapt=True)
    return out


def noisy_image(clean: np.ndarray, sigma255: int, index: int) -> np.ndarray:
    return denoise.add_noise(clean, sigma255 / 255, np.random.default_rng(1000 * sigma255 + index))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, NumPy {np.__version__} ({blas()}); "
            f"load average at start {load:.1f}")


def blas() -> str:
    try:
        from threadpoolctl import threadpool_info
        return ", ".join(f"{i['internal_api']} {i.get('version')}, {i['num_threads']} threads"
                         for i in threadpool_info() if i.get("user_api") == "blas")
    except ImportError:
        return "BLAS unknown"


def table(gmm, single, names: list[str], sigmas: tuple[int, ...], only: list[str] | None = None
          ) -> tuple[str, dict]:
    rows, results = [], {}
    for s255 in sigmas:
        for idx, name in enumerate(names):
            clean = images.load(name)
            y = noisy_image(clean, s255, idx)
            for method, fn in methods(gmm, single, s255 / 255).items():
                if only and method not in only:
                    continue
                t = time.perf_counter()
                x = np.clip(fn(y), 0, 1) if method != "noisy" else y
                sec = time.perf_counter() - t
                p = denoise.psnr(clean, x)
                ssim = structural_similarity(clean, np.clip(x, 0, 1), data_range=1.0)
                results[(s255, name, method)] = (p, ssim, sec)
                print(f"σ={s255:2d} {name:13s} {method:20s} PSNR {p:6.2f} dB  SSIM {ssim:.4f}  {sec:6.2f} s",
                      flush=True)
    method_names = list(dict.fromkeys(k[2] for k in results))
    lines = ["| σ | image | " + " | ".join(method_names) + " |",
             "|---|---|" + "---|" * len(method_names)]
    for s255 in sigmas:
        for name in names + ["**mean**"]:
            cells = []
            for m in method_names:
                vals = ([results[(s255, name, m)]] if name != "**mean**" else
                        [results[(s255, n, m)] for n in names])
                p, q, sec = (float(np.mean([v[i] for v in vals])) for i in range(3))
                cells.append(f"{p:.2f} / {q:.3f} / {sec:.1f}")
            lines.append(f"| {s255} | {name} | " + " | ".join(cells) + " |")
    rows.append("\n".join(lines))
    return "\n".join(rows), results


def merge_table(old_doc: str, results: dict) -> str:
    """The committed table with the columns in `results` ((σ, image, method) -> (PSNR, SSIM, s)) replaced
    or appended; rows (σ, image) and the other columns as they were.  Means recomputed for new cells."""
    lines = [l for l in old_doc.split("<!-- notes -->")[0].splitlines() if l.startswith("| ")]
    header = [h.strip() for h in lines[0].strip("|").split("|")]
    body = [[c.strip() for c in l.strip("|").split("|")] for l in lines[1:] if not l.startswith("|---")]
    new_methods = list(dict.fromkeys(k[2] for k in results))
    cols = header + [m for m in new_methods if m not in header]
    out = ["| " + " | ".join(cols) + " |", "|---|---|" + "---|" * (len(cols) - 2)]
    for row in body:
        cells = dict(zip(header, row))
        s255, name = int(cells["σ"]), cells["image"]
        for m in new_methods:
            if name == "**mean**":
                vals = [v for (s, n, mm), v in results.items() if s == s255 and mm == m]
                if vals:
                    cells[m] = " / ".join(f"{float(np.mean([v[i] for v in vals])):{f}}" for i, f in
                                          enumerate((".2f", ".3f", ".1f")))
            elif (s255, name, m) in results:
                p, q, sec = results[(s255, name, m)]
                cells[m] = f"{p:.2f} / {q:.3f} / {sec:.1f}"
        out.append("| " + " | ".join(cells.get(c, "") for c in cols) + " |")
    return "\n".join(out)


def _blas_threads(n: int | None):
    """Context manager limiting BLAS to `n` threads (threadpoolctl, if installed), else a no-op."""
    try:
        from threadpoolctl import threadpool_limits
        return threadpool_limits(n, user_api="blas")
    except ImportError:
        import contextlib
        return contextlib.nullcontext()


def speed(gmm, repeat: int, threads: tuple[int, ...]) -> str:
    """Exact vs fast EPLL on camera, σ = 25, in this process, interleaved; PSNR cost on every image."""
    sigma = 25 / 255
    names = images.names("test")
    clean = images.load("camera")
    y = noisy_image(clean, 25, names.index("camera"))
    K, d = gmm.n_components, gmm.dim
    feats = d * (d + 1) // 2 + d

    def scored(step: int) -> int:
        """Patches scored over the schedule on a grid of `step`, with the offsets epll draws."""
        n, rng = 0, np.random.default_rng(0)
        for _ in range(len(denoise.default_betas(sigma))):
            off = rng.integers(0, step, size=2) if step > 1 else (0, 0)
            rows, cols = patches.positions(y.shape, 8, step, tuple(int(o) for o in off))
            n += len(rows) * len(cols)
        return n

    def flops(mode: str) -> float:
        """Scoring flops (the GEMM of patch features against all components), all rounds."""
        n = scored(denoise.FAST_STRIDE if mode == "fast" else 1)
        grid = patches.count(y.shape, 8, denoise.ADAPT_STRIDE)
        if mode.startswith("adapted"):                  # two GEMMs (scores, moments) per EM iteration
            n += 2 * denoise.ADAPT_ITERS * grid
        if mode == "adapted":                           # + the fast first pass and the re-adaptation
            n += scored(denoise.FAST_STRIDE) + 2 * denoise.READAPT_ITERS * grid
        return 2.0 * n * K * feats

    runs = [(mode, t) for t in threads for mode in ("exact", "fast", "adapted once", "adapted")]
    times: dict[tuple[str, int], list[float]] = {r: [] for r in runs}
    denoise.epll(y, gmm, sigma, mode="fast")                   # warm-up (page faults, caches)
    for _ in range(repeat):
        for mode, t in runs:
            with _blas_threads(t):
                start = time.perf_counter()
                denoise.epll(y, gmm, sigma, mode="fast" if mode == "fast" else "exact",
                             adapt=mode.startswith("adapted"), readapt=mode == "adapted",
                             rng=np.random.default_rng(0))
                times[(mode, t)].append(time.perf_counter() - start)
    lines = [f"EPLL on camera 256×256, σ = 25, K = {K}, {repeat} runs of each (interleaved, one process); "
             f"load average {os.getloadavg()[0]:.1f} at the end.", "",
             "| mode | BLAS threads | min s | median s | scoring GFLOP | GFLOP/s at min |",
             "|---|---|---|---|---|---|"]
    for (mode, t), ts in times.items():
        f = flops(mode) / 1e9
        lines.append(f"| {mode} | {t} | {min(ts):.2f} | {np.median(ts):.2f} | {f:.0f} | {f / min(ts):.0f} |")
    for t in threads:
        lines.append(f"\nspeed-up of fast over exact with {t} BLAS thread(s), at min: "
                     f"{min(times[('exact', t)]) / min(times[('fast', t)]):.1f}×")
    lines += ["", "| image | exact PSNR | fast PSNR | fast − exact |", "|---|---|---|---|"]
    diffs = []
    for idx, name in enumerate(names):
        c = images.load(name)
        yy = noisy_image(c, 25, idx)
        pe = denoise.psnr(c, denoise.epll(yy, gmm, sigma))
        pf = denoise.psnr(c, denoise.epll(yy, gmm, sigma, mode="fast", rng=np.random.default_rng(0)))
        diffs.append(pf - pe)
        lines.append(f"| {name} | {pe:.2f} | {pf:.2f} | {pf - pe:+.2f} |")
    lines.append(f"| **mean** | | | {np.mean(diffs):+.2f} |")
    return "\n".join(lines)


SCHEDULES = {
    "paper: [1, 4, 8, 16, 32], 1 round per β": (np.array([1, 4, 8, 16, 32.0]), 1),
    "paper, 2 rounds per β": (np.array([1, 4, 8, 16, 32.0]), 2),
    "[1, 4, 8, 16, 32, 64]": (np.array([1, 4, 8, 16, 32, 64.0]), 1),
    "[1, 4, 8, 16, 32, 64, 128]": (np.array([1, 4, 8, 16, 32, 64, 128.0]), 1),
    "[1, 2, 4, ..., 128] (8 β)": (2.0 ** np.arange(8), 1),
    "[1, 4, 8, ..., 512] (9 β)": (np.array([1, 4, 8, 16, 32, 64, 128, 256, 512.0]), 1),
}


def schedule(gmm) -> str:
    names = images.names("test")
    lines = ["β schedules at σ = 25 (β = factor/σ², exact mode):", "",
             "| schedule | " + " | ".join(names) + " | mean | s (total) |", "|---|" + "---|" * (len(names) + 2)]
    for label, (factors, rounds) in SCHEDULES.items():
        ps, t = [], time.perf_counter()
        for idx, name in enumerate(names):
            c = images.load(name)
            y = noisy_image(c, 25, idx)
            ps.append(denoise.psnr(c, denoise.epll(y, gmm, 25 / 255, betas=factors * (255 / 25) ** 2,
                                                   iters_per_beta=rounds)))
        sec = time.perf_counter() - t
        lines.append(f"| {label} | " + " | ".join(f"{p:.2f}" for p in ps) + f" | {np.mean(ps):.2f} | {sec:.0f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def tune_tv() -> str:
    clean = images.load("astronaut")[:256, :256]
    out = []
    for s255 in SIGMAS:
        y = denoise.add_noise(clean, s255 / 255, np.random.default_rng(s255))
        scores = {f: denoise.psnr(clean, denoise_tv_chambolle(y, weight=f * s255 / 255))
                  for f in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)}
        out.append(f"σ={s255}: " + ", ".join(f"{f}: {p:.2f}" for f, p in scores.items()))
    return "\n".join(out)


# --------------------------------------------------------------------------- adapting the prior

VALIDATION = ("astronaut", "coffee")      # training images: central 256×256 crops, noise seed 500 + index
HELD_OUT = ("coins", "retina")           # skimage.data photographs in neither train/ nor test/
TAUS = (4.0, 16.0, 64.0)
ITER_GRID = (1, 2, 3, 5)


def central_crop(img: np.ndarray, size: int = 256) -> np.ndarray:
    r, c = (img.shape[0] - size) // 2, (img.shape[1] - size) // 2
    return img[r:r + size, c:c + size]


def held_out_images() -> dict[str, np.ndarray]:
    """`coins` and `retina` from skimage.data (bundled with the package, no download): grey by PIL's
    ITU-R 601-2 luma as scripts/make_data.py, retina shrunk (Lanczos) to 512×512, central 256×256 crops."""
    import skimage.data
    from PIL import Image
    out = {}
    for name in HELD_OUT:
        im = Image.fromarray(getattr(skimage.data, name)()).convert("L")
        if max(im.size) > 512:
            im = im.resize((512, 512), Image.LANCZOS)
        out[name] = central_crop(np.asarray(im, dtype=np.float64) / 255.0)
    return out


def tune_adapt(gmm, sigmas: tuple[int, ...], taus: tuple[float, ...], iters: tuple[int, ...] = ITER_GRID,
               strides: tuple[int, ...] = (1,)) -> str:
    """PSNR gain of EPLL (exact) with the adapted over the shipped prior on the validation crops,
    for each τ, patch-grid stride of the adaptation and number of MAP-EM iterations (the
    iterations of one run, in order)."""
    lines = ["Validation: central 256×256 crops of the training images " + ", ".join(VALIDATION)
             + "; EPLL exact; gain in dB of the adapted prior over the shipped one.", "",
             "| σ | τ | stride | iterations | " + " | ".join(VALIDATION) + " | mean gain |",
             "|---|---|---|---|" + "---|" * (len(VALIDATION) + 1)]
    prior = denoise._model(gmm, 8)
    for s255 in sigmas:
        sigma = s255 / 255
        gains: dict[tuple[float, int, int], list[float]] = {}
        for i, name in enumerate(VALIDATION):
            clean = central_crop(images.load(name))
            y = denoise.add_noise(clean, sigma, np.random.default_rng(500 + i))
            base = denoise.psnr(clean, denoise.epll(y, gmm, sigma))
            for stride in strides:
                Y = patches.remove_dc(patches.extract(y, 8, stride))[0]
                for tau in taus:
                    model = gmm
                    for it in range(1, max(iters) + 1):
                        w, mu, cov, _ = denoise._map_step(model, prior, Y, sigma**2, tau, np.float32)
                        model = denoise._Params(w, mu, cov)
                        if it in iters:
                            gain = denoise.psnr(clean, denoise.epll(y, model, sigma)) - base
                            gains.setdefault((tau, stride, it), []).append(gain)
                            print(f"σ={s255} {name} τ={tau:g} stride={stride} it={it}: {gain:+.3f} dB", flush=True)
        for (tau, stride, it), g in gains.items():
            lines.append(f"| {s255} | {tau:g} | {stride} | {it} | " + " | ".join(f"{v:+.2f}" for v in g)
                         + f" | {np.mean(g):+.3f} |")
    return "\n".join(lines)


READAPT_NOISES = (16, 8, 4)    # --tune-readapt: the estimate's patches treated as clean + N(0, σ²/c), these c
READAPT_ITER_GRID = (3, 5)


def tune_readapt(gmm, sigmas: tuple[int, ...]) -> str:
    """Re-adaptation on the validation crops: after the default adaptation, a first EPLL pass (fast or
    exact) with the adapted prior, then MAP-EM from the adapted model on that estimate's patches with
    noise variance σ²/c, then the exact schedule.  Gain in dB over the adapted prior without it."""
    lines = ["Validation: central 256×256 crops of the training images " + ", ".join(VALIDATION)
             + "; gain in dB of re-adapting over the adapted prior alone (EPLL exact).", "",
             "| σ | first pass | noise variance | iterations | " + " | ".join(VALIDATION) + " | mean gain |",
             "|---|---|---|---|" + "---|" * (len(VALIDATION) + 1)]
    for s255 in sigmas:
        sigma = s255 / 255
        gains: dict[tuple[str, int, int], list[float]] = {}
        for i, name in enumerate(VALIDATION):
            clean = central_crop(images.load(name))
            y = denoise.add_noise(clean, sigma, np.random.default_rng(500 + i))
            adapted = denoise.adapt_prior(gmm, y, sigma)
            base = denoise.psnr(clean, denoise.epll(y, adapted, sigma))
            for first_mode in ("fast", "exact"):
                first = denoise.epll(y, adapted, sigma, mode=first_mode, rng=np.random.default_rng(0))
                for c in READAPT_NOISES:
                    for n in READAPT_ITER_GRID:
                        model = denoise.adapt_prior(gmm, first, sigma / np.sqrt(c), start=adapted, n_iter=n)
                        gain = denoise.psnr(clean, denoise.epll(y, model, sigma)) - base
                        gains.setdefault((first_mode, c, n), []).append(gain)
                        print(f"σ={s255} {name} first={first_mode} σ²/{c} it={n}: {gain:+.3f} dB", flush=True)
        for (first_mode, c, n), g in gains.items():
            lines.append(f"| {s255} | {first_mode} | σ²/{c} | {n} | " + " | ".join(f"{v:+.3f}" for v in g)
                         + f" | {np.mean(g):+.3f} |")
    return "\n".join(lines)


def seed_check(gmm, sigmas: tuple[int, ...], n_seeds: int) -> str:
    """BM3D vs the adapted prior with and without re-adaptation, over `n_seeds` noise draws of every test
    and held-out image (seeds 1000·σ + index + 100·j for the test images, j = 0 the table's; 2000·σ +
    index + 100·j for the held-out ones, j = 0 --held-out's)."""
    import bm3d
    sets = {"test": {n: images.load(n) for n in images.names("test")}, "held-out": held_out_images()}
    lines = [f"Noise seeds j = 0..{n_seeds - 1} (j = 0: the seeds of the main table and of --held-out); "
             "PSNR in dB, mean over the seeds.", "",
             "| σ | set | image | BM3D | adapted, no re-adaptation | adapted (default) | default − BM3D |"
             " default − BM3D, worst seed |", "|---|---|---|---|---|---|---|---|"]
    for s255 in sigmas:
        sigma = s255 / 255
        for label, imgs in sets.items():
            base = 1000 if label == "test" else 2000
            diffs_all = []
            for i, (name, clean) in enumerate(imgs.items()):
                rows = []
                for j in range(n_seeds):
                    y = denoise.add_noise(clean, sigma, np.random.default_rng(base * s255 + i + 100 * j))
                    rows.append([denoise.psnr(clean, np.clip(bm3d.bm3d(y, sigma_psd=sigma), 0, 1)),
                                 denoise.psnr(clean, denoise.epll(y, gmm, sigma, adapt=True, readapt=False)),
                                 denoise.psnr(clean, denoise.epll(y, gmm, sigma, adapt=True))])
                    print(f"σ={s255} {name} seed {j}: " + " ".join(f"{v:.3f}" for v in rows[-1]), flush=True)
                r = np.array(rows)
                diffs_all.append(r[:, 2] - r[:, 0])
                lines.append(f"| {s255} | {label} | {name} | " + " | ".join(f"{v:.2f}" for v in r.mean(0))
                             + f" | {np.mean(r[:, 2] - r[:, 0]):+.3f} | {np.min(r[:, 2] - r[:, 0]):+.3f} |")
            per_seed = np.mean(diffs_all, axis=0)            # mean over the set's images, per seed
            lines.append(f"| {s255} | {label} | **mean** | | | | {per_seed.mean():+.3f} | {per_seed.min():+.3f} |")
            print(lines[-1], flush=True)
    return "\n".join(lines)


def held_out(gmm, sigmas: tuple[int, ...]) -> str:
    """Shipped vs adapted prior (epll exact, adapt=True) vs BM3D on the held-out crops."""
    try:
        import bm3d
    except ImportError:
        bm3d = None
    imgs = held_out_images()
    names = list(imgs)
    lines = ["Held-out images (in neither train/ nor test/): " + ", ".join(names)
             + f"; noise seed 2000·σ + index; τ = {denoise.ADAPT_TAU:g}, {denoise.ADAPT_ITERS} iterations.", "",
             "| σ | method | " + " | ".join(names) + " | mean |", "|---|---|" + "---|" * (len(names) + 1)]
    for s255 in sigmas:
        sigma = s255 / 255
        rows = {"EPLL shipped": [], "EPLL adapted, no re-adaptation": [], "EPLL adapted": [], "BM3D": []}
        for i, name in enumerate(names):
            clean = imgs[name]
            y = denoise.add_noise(clean, sigma, np.random.default_rng(2000 * s255 + i))
            rows["EPLL shipped"].append(denoise.psnr(clean, denoise.epll(y, gmm, sigma)))
            rows["EPLL adapted, no re-adaptation"].append(
                denoise.psnr(clean, denoise.epll(y, gmm, sigma, adapt=True, readapt=False)))
            rows["EPLL adapted"].append(denoise.psnr(clean, denoise.epll(y, gmm, sigma, adapt=True)))
            if bm3d is not None:
                rows["BM3D"].append(denoise.psnr(clean, np.clip(bm3d.bm3d(y, sigma_psd=sigma), 0, 1)))
        for label, ps in rows.items():
            if ps:
                lines.append(f"| {s255} | {label} | " + " | ".join(f"{p:.2f}" for p in ps) + f" | {np.mean(ps):.2f} |")
                print(lines[-1], flush=True)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speed", action="store_true", help="exact vs fast timing only")
    ap.add_argument("--schedule", action="store_true", help="compare β schedules at σ = 25")
    ap.add_argument("--tune-tv", action="store_true", help="TV weight search on a training image")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", nargs="*", type=int, default=[1, 2],
                    help="--speed: BLAS thread counts to compare (needs threadpoolctl)")
    ap.add_argument("--model", type=int, default=200, help="shipped model: number of components")
    ap.add_argument("--images", nargs="*", default=None, help="subset of the test images (default: all)")
    ap.add_argument("--sigmas", nargs="*", type=int, default=list(SIGMAS))
    ap.add_argument("--tune-adapt", action="store_true",
                    help="τ × EM iterations of the prior adaptation on the validation crops")
    ap.add_argument("--held-out", action="store_true",
                    help="shipped vs adapted prior vs BM3D on two images in neither train/ nor test/")
    ap.add_argument("--tune-readapt", action="store_true",
                    help="choose the re-adaptation's noise variance and iterations on the validation crops")
    ap.add_argument("--seeds", type=int, default=0,
                    help="BM3D vs adapted over this many noise seeds of the test and held-out images")
    ap.add_argument("--taus", nargs="*", type=float, default=list(TAUS), help="--tune-adapt: relevance factors")
    ap.add_argument("--iters", nargs="*", type=int, default=list(ITER_GRID), help="--tune-adapt: iterations")
    ap.add_argument("--strides", nargs="*", type=int, default=[1], help="--tune-adapt: patch-grid strides")
    ap.add_argument("--methods", nargs="*", default=None,
                    help="run only these columns (e.g. 'EPLL HQS adapted'); with --write they are merged "
                         "into the committed table, the other columns kept")
    ap.add_argument("--write", action="store_true",
                    help="write the table to --out (default: print only; the committed results stay)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "denoise.md")
    args = ap.parse_args(argv)

    if args.tune_tv:
        print(tune_tv())
        return 0
    gmm = pretrained.load(args.model)
    if args.tune_adapt:
        print(f"Machine: {machine()}\n")
        print(tune_adapt(gmm, tuple(args.sigmas), tuple(args.taus), tuple(args.iters), tuple(args.strides)))
        return 0
    if args.tune_readapt:
        print(f"Machine: {machine()}\n")
        print(tune_readapt(gmm, tuple(args.sigmas)))
        return 0
    if args.seeds:
        print(f"Machine: {machine()}\n")
        print(seed_check(gmm, tuple(args.sigmas), args.seeds))
        return 0
    if args.held_out:
        print(f"Machine: {machine()}\n")
        print(held_out(gmm, tuple(args.sigmas)))
        return 0
    if args.speed:
        print(f"Machine: {machine()}\n")
        print(speed(gmm, args.repeat, tuple(args.threads)))
        return 0
    if args.schedule:
        print(schedule(gmm))
        return 0
    single = pretrained.load(1)
    start = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    env = "".join(f"{v}={os.environ[v]} " for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS") if v in os.environ)
    info = machine()
    text, results = table(gmm, single, args.images or images.names("test"), tuple(args.sigmas), args.methods)
    if args.methods and args.out.exists():
        text = merge_table(args.out.read_text(encoding="utf-8"), results)
    doc = "\n".join([
        "# Denoising benchmark", "",
        f"Command: `{env}python {' '.join(['benchmarks/denoise.py', *(argv if argv is not None else sys.argv[1:])])}` "
        f"({start}). Machine: {info}.", "",
        "Cells: PSNR (dB) / SSIM / seconds. Images 256×256 from `data/images/test`, noise seed "
        "1000·σ + image index, σ on the 0..255 scale. Parameters: see the docstring of "
        "`benchmarks/denoise.py`.", "", text, ""])
    print(doc)
    if args.write:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        marker = "<!-- notes -->"
        notes = old[old.index(marker):] if marker in old else marker + "\n"
        args.out.write_text(doc + "\n" + notes, encoding="utf-8")
        print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Do the defaults of helpers.sgd converge on 8×8 DC-removed patches?  NLL tables, not timings.

    python benchmarks/sgd.py                   # Gaussian: N=10 000 and 20 000, 3 seeds; GMM: K=5 and K=10
    python benchmarks/sgd.py --quick           # one seed, smaller GMM runs

Gaussian: ``fit_gaussian_sgd`` with its defaults (ε = 1e-4) against the closed-form MLE
(S + εI) and against the best NLL the parametrisation A Aᵀ + εI allows (the eigenvalues of S
clipped from below at ε).  GMM: ``fit_gmm_sgd`` with its defaults against ``em.fit_em``, both
started from the same k-means++ GMM with reg_covar = ε, for the same number of passes over the
data (one EM iteration = one SGD epoch); training NLL and held-out NLL on fresh patches.
All NLLs are mean nats per patch, evaluated by the same code (``GMM.log_pdf`` / ``gaussian.log_pdf``).
Wall times are printed for orientation only (the machines are shared).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from helpers import em, gaussian, images, sgd

EPS = 1e-4


def patches(n: int, seed: int) -> np.ndarray:
    return images.sample_patches(images.load_split("train"), 8, n, np.random.default_rng(seed),
                                 remove_dc=True)


def gaussian_table(sizes: list[int], seeds: list[int]) -> None:
    print("Gaussian by SGD (defaults: lr 0.02, β 0.9, batch 128, 20 epochs, warm-up + cosine)")
    print(f"{'N':>7} {'seed':>4} {'MLE S+εI':>9} {'best AAᵀ+εI':>11} {'SGD':>9} {'gap to best':>11} {'time':>6}")
    for n in sizes:
        X = patches(n, 0)
        mean, S = gaussian.fit(X)
        mle = -gaussian.log_pdf(X, mean, S + EPS * np.eye(X.shape[1])).mean()
        lam, V = np.linalg.eigh(S)
        best = -gaussian.log_pdf(X, mean, (V * np.maximum(lam, EPS)) @ V.T).mean()
        for seed in seeds:
            t = time.perf_counter()
            mu, cov, hist = sgd.fit_gaussian_sgd(X, eps=EPS, rng=np.random.default_rng(seed))
            sec = time.perf_counter() - t
            final = -gaussian.log_pdf(X, mu, cov).mean()
            print(f"{n:7d} {seed:4d} {mle:9.3f} {best:11.3f} {final:9.3f} "
                  f"{100 * (final - best) / abs(best):10.3f}% {sec:5.1f}s")


def gmm_table(settings: list[tuple[int, int, int]], seeds: list[int]) -> None:
    print("\nGMM: EM vs momentum SGD (defaults: lr 0.02, β 0.9, batch 256), same k-means++ start")
    print(f"{'N':>7} {'K':>3} {'passes':>6} {'seed':>4} {'start':>8} {'EM':>8} {'SGD':>8} "
          f"{'EM held':>8} {'SGD held':>8} {'EM s':>6} {'SGD s':>6}")
    for n, K, passes in settings:
        X, X_held = patches(n, 0), patches(5000, 10)
        for seed in seeds:
            init, _ = em.fit_em(X, K, max_iter=0, reg_covar=EPS, init="kmeans++",
                                rng=np.random.default_rng(seed))
            t = time.perf_counter()
            g_em, h_em = em.fit_em(X, K, max_iter=passes, tol=0.0, reg_covar=EPS, init=init)
            t_em = time.perf_counter() - t
            t = time.perf_counter()
            g_sgd, _ = sgd.fit_gmm_sgd(X, K, eps=EPS, n_epochs=passes, init=init,
                                       rng=np.random.default_rng(seed + 100))
            t_sgd = time.perf_counter() - t
            nll = {name: (-g.log_pdf(X).mean(), -g.log_pdf(X_held).mean())
                   for name, g in (("em", g_em), ("sgd", g_sgd))}
            print(f"{n:7d} {K:3d} {passes:6d} {seed:4d} {-init.log_pdf(X).mean():8.2f} "
                  f"{nll['em'][0]:8.2f} {nll['sgd'][0]:8.2f} {nll['em'][1]:8.2f} {nll['sgd'][1]:8.2f} "
                  f"{t_em:6.1f} {t_sgd:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        gaussian_table([10_000], [1])
        gmm_table([(5000, 5, 15)], [3])
    else:
        gaussian_table([10_000, 20_000], [1, 2, 3])
        gmm_table([(5000, 5, 15), (20_000, 10, 20)], [3, 4, 5])


if __name__ == "__main__":
    main()

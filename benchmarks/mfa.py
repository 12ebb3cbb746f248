"""Mixture of factor analyzers (helpers.mfa.fit_mfa) against full-covariance EM (helpers.em.fit_em).

    python benchmarks/mfa.py                  # d = 64 (digits) and d = 1 024 (digits upsampled to 32x32)
    python benchmarks/mfa.py --repeat 3       # best of 3 per cell (the machine is shared: noisy)
    python benchmarks/mfa.py --dims 64        # only the digits

Part 1 measures, in this one process, both fits on the same data with the same K, the same
number of EM iterations (tol=0) and the same N: the 1 797 UCI digits (dequantised, d = 64), and
the same digits upsampled to 32x32 (bilinear, d = 1 024).  Each fit includes its own
initialisation (k-means++ seeds, then cluster covariances for fit_em, probabilistic PCA of
each cluster for fit_mfa).  GFLOP/s uses the estimates of helpers.mfa.flops_per_iteration.

Part 2 is arithmetic only: parameters, memory for the covariances and flops per EM iteration
as d grows from 64 (8x8) to 4 096 (64x64 faces, as in Richardson & Weiss 2018).

If ``OPENBLAS_CORETYPE`` is set in your environment, compare with
``env -u OPENBLAS_CORETYPE python benchmarks/mfa.py``.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
from scipy import ndimage

from helpers import digits
from helpers.em import fit_em
from helpers.mfa import fit_mfa, flops_per_iteration, parameter_count


def digit_data(side: int, seed: int = 0) -> np.ndarray:
    """The 1 797 dequantised digits as (1797, side²) rows in [0, 1], upsampled from 8x8."""
    X, _ = digits.load_digits()
    X = digits.dequantise(X, np.random.default_rng(seed)).reshape(-1, 8, 8)
    if side != 8:
        X = ndimage.zoom(X, (1, side / 8, side / 8), order=1)
    return X.reshape(len(X), -1)


def best_time(fit, repeat: int) -> tuple[float, object]:
    best, result = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fit()
        best = min(best, time.perf_counter() - t0)
    return best, result


def timing_table(dims: list[int], K: int, l: int, iters: int, reg: float, repeat: int) -> None:
    print(f"\nPart 1: measured fitting time, K = {K}, l = {l} factors, {iters} EM iterations, "
          f"reg_covar = {reg:g}, best of {repeat}")
    print(f"{'d':>6} {'N':>6} | {'full EM s':>9} {'GFLOP/s':>7} {'mean ll':>9} | "
          f"{'MFA s':>7} {'GFLOP/s':>7} {'mean ll':>9} | {'speed-up':>8}")
    for d in dims:
        side = int(round(np.sqrt(d)))
        X = digit_data(side)
        N = len(X)
        t_full, (gmm, h_full) = best_time(
            lambda: fit_em(X, K, max_iter=iters, tol=0, reg_covar=reg, rng=np.random.default_rng(0)),
            repeat)
        t_mfa, (mfa, h_mfa) = best_time(
            lambda: fit_mfa(X, K, l, max_iter=iters, tol=0, reg_covar=reg, rng=np.random.default_rng(0)),
            repeat)
        gf_full = iters * flops_per_iteration(N, d, K) / t_full / 1e9
        gf_mfa = iters * flops_per_iteration(N, d, K, l) / t_mfa / 1e9
        print(f"{d:>6} {N:>6} | {t_full:9.2f} {gf_full:7.1f} {h_full.log_likelihood[-1]:9.1f} | "
              f"{t_mfa:7.2f} {gf_mfa:7.1f} {h_mfa.log_likelihood[-1]:9.1f} | {t_full / t_mfa:7.1f}x")


def cost_table(K: int, l: int, N: int) -> None:
    print(f"\nPart 2: cost model, K = {K}, l = {l}, N = {N:,} images "
          "(flops per EM iteration; time at 50 GFLOP/s)")
    print(f"{'image':>7} {'d':>6} | {'full params':>12} {'cov GB':>7} {'full s/iter':>11} | "
          f"{'MFA params':>11} {'MFA s/iter':>10} | {'params ratio':>12} {'flops ratio':>11}")
    for side in (8, 16, 32, 64):
        d = side * side
        p_full, p_mfa = parameter_count(d, K), parameter_count(d, K, l)
        f_full, f_mfa = flops_per_iteration(N, d, K), flops_per_iteration(N, d, K, l)
        print(f"{side:>3}x{side:<3} {d:>6} | {p_full:12.3g} {K * d * d * 8 / 1e9:7.2f} "
              f"{f_full / 50e9:11.3g} | {p_mfa:11.3g} {f_mfa / 50e9:10.3g} | "
              f"{p_full / p_mfa:11.0f}x {f_full / f_mfa:10.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, nargs="+", default=[64, 1024])
    parser.add_argument("-K", type=int, default=10)
    parser.add_argument("-l", type=int, default=10)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--reg", type=float, default=1e-4)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"OPENBLAS_NUM_THREADS={threads}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}")
    timing_table(args.dims, args.K, args.l, args.iters, args.reg, args.repeat)
    cost_table(args.K, args.l, 200_000)


if __name__ == "__main__":
    main()

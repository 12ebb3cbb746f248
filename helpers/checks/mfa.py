"""Checker for the factor-analyser exercise of notebook 06 (scaling GMMs up to whole images)."""
from __future__ import annotations

import tracemalloc
from typing import Callable

import numpy as np

from ..gaussian import log_pdf as dense_log_pdf
from ..mfa import log_pdf_woodbury
from ._common import call, expect_shape, fail, passed

__all__ = ["check_woodbury_log_pdf"]

EX = "Exercise 6.2"
LOG_2PI = float(np.log(2 * np.pi))


def _case(rng: np.random.Generator, N: int, d: int, l: int, psi_range=(0.05, 1.0), spread=1.0):
    W = rng.standard_normal((d, l))
    psi = rng.uniform(*psi_range, size=d)
    mean = rng.standard_normal(d)
    X = mean + spread * rng.standard_normal((N, d))
    return X, mean, W, psi


def _planted(X, mean, W, psi) -> dict[str, np.ndarray]:
    """Typical mistakes, each computed exactly, keyed by the message that explains it."""
    d, l = W.shape
    delta = X - mean
    M = np.eye(l) + W.T @ (W / psi[:, None])
    P = delta / psi @ W                                      # rows: Wᵀ Ψ⁻¹ δ
    corr = np.einsum("ij,ij->i", P, np.linalg.solve(M, P.T).T)
    quad = np.einsum("ij,ij->i", delta, delta / psi)
    logdet_M, logdet_psi = np.linalg.slogdet(M)[1], np.sum(np.log(psi))
    const = d * LOG_2PI

    def lp(q, logdet, c=const):
        return -0.5 * (c + logdet + q)
    M_no_eye = W.T @ (W / psi[:, None])
    corr_no_eye = np.einsum("ij,ij->i", P, np.linalg.lstsq(M_no_eye, P.T, rcond=None)[0].T)
    s2 = psi**2
    M2 = np.eye(l) + W.T @ (W / s2[:, None])
    P2 = delta / s2 @ W
    as_std = lp(np.einsum("ij,ij->i", delta, delta / s2)
                - np.einsum("ij,ij->i", P2, np.linalg.solve(M2, P2.T).T),
                np.linalg.slogdet(M2)[1] + np.sum(np.log(s2)))
    return {
        "the Woodbury correction has the wrong sign: Σ⁻¹ = Ψ⁻¹ − Ψ⁻¹W M⁻¹WᵀΨ⁻¹, so the quadratic "
        "form is δᵀΨ⁻¹δ MINUS (WᵀΨ⁻¹δ)ᵀ M⁻¹ (WᵀΨ⁻¹δ)": lp(quad + corr, logdet_M + logdet_psi),
        "you left out the Woodbury correction: δᵀΨ⁻¹δ alone is the quadratic form of Ψ, not of "
        "W Wᵀ + Ψ; subtract (WᵀΨ⁻¹δ)ᵀ M⁻¹ (WᵀΨ⁻¹δ)": lp(quad, logdet_M + logdet_psi),
        "log det Σ is missing log det M: by the matrix determinant lemma "
        "log det(W Wᵀ + Ψ) = log det(I + WᵀΨ⁻¹W) + Σ_j log ψ_j": lp(quad - corr, logdet_psi),
        "log det Σ is missing Σ_j log ψ_j (the log-determinant of the diagonal Ψ): "
        "log det(W Wᵀ + Ψ) = log det M + Σ_j log ψ_j": lp(quad - corr, logdet_M),
        "the constant is missing: log N(x; μ, Σ) = −½ (d log 2π + log det Σ + δᵀΣ⁻¹δ)":
            lp(quad - corr, logdet_M + logdet_psi, 0.0),
        "the quadratic form is not halved: log N = −½ d log 2π − ½ log det Σ − ½ δᵀΣ⁻¹δ":
            -0.5 * (const + logdet_M + logdet_psi) - (quad - corr),
        "M must be I + WᵀΨ⁻¹W (l×l), with the identity: it comes from the prior f ~ N(0, I)":
            lp(quad - corr_no_eye, np.linalg.slogdet(M_no_eye)[1] + logdet_psi),
        "psi holds the noise VARIANCES ψ_j (the diagonal of Ψ), not standard deviations; "
        "do not square it": as_std,
    }


def _diagnose(mine: np.ndarray, X, mean, W, psi, want: np.ndarray) -> str:
    for message, value in _planted(X, mean, W, psi).items():
        if np.all(np.isfinite(value)) and np.allclose(mine, value, rtol=1e-7, atol=1e-8):
            return message
    diff = mine - want
    if np.ptp(diff) < 1e-6 * max(1.0, np.abs(want).max()):
        return (f"your values differ from the right ones by the same amount ({diff[0]:+.4g}) for every "
                "point: the quadratic form is right, check the normalising terms −½ d log 2π and "
                "−½ log det Σ = −½ (log det M + Σ_j log ψ_j)")
    i = int(np.argmax(np.abs(diff)))
    return (f"log-density of point {i} should be {want[i]:.6g}, yours is {mine[i]:.6g}; compare with "
            "helpers.gaussian.log_pdf(X, mean, W @ W.T + np.diag(psi)) on a small example")


def _values(func: Callable, X, mean, W, psi, what: str) -> np.ndarray:
    out = call(EX, func, X.copy(), mean.copy(), W.copy(), psi.copy())
    return expect_shape(EX, f"the log-densities for {what}", out, (X.shape[0],)).astype(float)


def _peak_megabytes(func: Callable, X, mean, W, psi) -> float:
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        call(EX, func, X, mean, W, psi)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return (peak - base) / 2**20


def check_woodbury_log_pdf(func: Callable) -> None:
    """Check ``func(X, mean, W, psi) -> (N,)``: log N(x_i; mean, W Wᵀ + diag(psi)) by Woodbury."""
    rng = np.random.default_rng(62)
    n_checks = 0
    # 1-2. small cases against the dense Gaussian: shape, values, typical mistakes
    for N, d, l in ((5, 6, 2), (1, 4, 1), (7, 10, 3)):
        X, mean, W, psi = _case(rng, N, d, l)
        mine = _values(func, X, mean, W, psi, f"X of shape ({N}, {d}) and W of shape ({d}, {l})")
        want = dense_log_pdf(X, mean, W @ W.T + np.diag(psi))
        if not np.all(np.isfinite(mine)):
            fail(EX, f"your log-densities contain NaN or inf for a small, well-conditioned case "
                     f"(d = {d}, l = {l})")
        if not np.allclose(mine, want, rtol=1e-8, atol=1e-8):
            fail(EX, f"(d = {d}, l = {l}) " + _diagnose(mine, X, mean, W, psi, want))
        n_checks += 1
    # 3. numerically hard: 256 dimensions, small noise, points far from the mean
    X, mean, W, psi = _case(rng, 4, 256, 5, psi_range=(1e-3, 1e-2), spread=1.0)
    mine = _values(func, X, mean, W, psi, "X of shape (4, 256)")
    if not np.all(np.isfinite(mine)):
        fail(EX, "your log-densities are NaN or inf for d = 256 and points far from the mean (true "
                 "values are about −10⁵): never compute a density and then its log, and never use "
                 "np.linalg.det (it under- or overflows); sum logs of Cholesky diagonals instead")
    want = log_pdf_woodbury(X, mean, W, psi)
    if not np.allclose(mine, want, rtol=1e-8):
        fail(EX, "(d = 256, small noise) " + _diagnose(mine, X, mean, W, psi, want))
    n_checks += 1
    # 4. scaling: d = 2000 must not build a d×d matrix (32 MB in float64)
    X, mean, W, psi = _case(rng, 4, 2000, 3)
    megabytes = _peak_megabytes(func, X.copy(), mean.copy(), W.copy(), psi.copy())
    if megabytes > 8:
        fail(EX, f"for d = 2000 your function allocated {megabytes:.0f} MB, as much as a d×d matrix "
                 "(32 MB): work with Ψ⁻¹ as the vector 1/psi and with the l×l matrix "
                 "M = I + WᵀΨ⁻¹W only, never with W Wᵀ, np.diag(psi) or a d×d inverse")
    mine = _values(func, X, mean, W, psi, "X of shape (4, 2000)")
    if not np.allclose(mine, log_pdf_woodbury(X, mean, W, psi), rtol=1e-8):
        fail(EX, "(d = 2000) " + _diagnose(mine, X, mean, W, psi, log_pdf_woodbury(X, mean, W, psi)))
    n_checks += 1
    passed(EX, n_checks)

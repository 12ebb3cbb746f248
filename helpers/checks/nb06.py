"""Checkers for notebook 06 (eigenvectors, and GMMs of whole images through factor analysers).

* Exercise 6.1: sampling a zero-mean Gaussian as x = V D^½ z.
* Exercise 6.3: the log-determinant of W Wᵀ + Ψ by the matrix determinant lemma.
* Exercise 6.5: the log-density of N(μ, W Wᵀ + Ψ) through the Woodbury identity.

(6.2 and 6.4 are written answers, graded by hand.)  The truth comes from ``_oracle`` only, never from
``helpers.mfa`` or ``helpers.gaussian``; answers that call those references are refused.
"""
from __future__ import annotations

import sys
import tracemalloc
from typing import Callable

import numpy as np

from . import _oracle
from ._common import ExerciseError, call, expect_shape, fail, is_close, passed, precision_hint, tolerance

__all__ = ["check_sample_zero_mean", "check_lowrank_logdet", "check_woodbury_log_pdf"]

EX = "Exercise 6.1"
EX_LOGDET = "Exercise 6.3"
EX_WOODBURY = "Exercise 6.5"
LOG_2PI = _oracle.LOG_2PI


def _references() -> list[Callable]:
    """The course's own implementations a student answer must not call."""
    from .. import gaussian, mfa
    refs = [gaussian.sample, gaussian.log_pdf, mfa.log_pdf_woodbury, mfa.MFA.log_pdf,
            mfa.MFA.log_pdf_components, mfa.MFA.sample, mfa._woodbury_factor, mfa._log_pdf_fast]
    eigen = sys.modules.get("helpers.plots.eigen")     # only if the notebook loaded the plots
    return refs + ([eigen.eigen_sample] if eigen is not None else [])


# ============================================================================= Exercise 6.1

def _rotation(d: int, seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def _relative_error(S: np.ndarray, T: np.ndarray) -> float:
    return float(np.linalg.norm(S - T) / np.linalg.norm(T))


def _diagnose(S: np.ndarray, Sigma: np.ndarray) -> str:
    """Name the typical mistake whose covariance is closest to the sample covariance `S`.

    Uses eigh's own output (ascending eigenvalues, its signs), as a student's code would.
    """
    vals, V = np.linalg.eigh(Sigma)
    d = len(vals)
    D = np.diag(vals)
    candidates = {
        "its covariance looks like V D² Vᵀ = Σ²: you scaled z by D (or multiplied by Σ) "
        "instead of by D^½ = sqrt of the eigenvalues": V @ D @ D @ V.T,
        "its covariance looks like Vᵀ D V: you used V transposed. eigh returns the eigenvectors "
        "as the COLUMNS of V; with samples as rows, X = (Z * sqrt(λ)) @ V.T": V.T @ D @ V,
        "its covariance looks like D (diagonal): you forgot to rotate by V": D,
        "its covariance looks like the identity: you forgot to scale by D^½": np.eye(d),
        "eigenvalues and eigenvectors are mismatched: you reordered the eigenvalues (e.g. sorted them "
        "largest first) but not the columns of V, so each √λ_j scales the wrong eigenvector. Keep λ_j "
        "with column j of V": V @ np.diag(vals[::-1]) @ V.T,
    }
    errs = {msg: _relative_error(S, C) for msg, C in candidates.items()}
    best = min(errs, key=errs.get)
    if errs[best] < 0.1:
        return best
    if np.allclose(np.linalg.eigvalsh(S), vals, rtol=0.05, atol=0.02 * vals.max()):
        return ("its covariance has the right eigenvalues but along the wrong directions: eigenvalues and "
                "eigenvectors are mismatched. √λ_j must scale z_j, which then multiplies column j of V")
    return "it does not match Σ"


def check_sample_zero_mean(sample_zero_mean: Callable) -> None:
    """Check `sample_zero_mean(cov, n, rng)` -> (n, d) draws x = V D^½ z from N(0, cov)."""
    n_checks = 0
    forbidden = _references()

    def run(*args):
        return call(EX, sample_zero_mean, *args, forbidden=forbidden)

    # 1. shape, on a small case
    cov = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 0.5]])
    arr = np.asarray(run(cov, 5, np.random.default_rng(0)))
    if arr.shape == (3, 5):
        fail(EX, "shape mismatch: you returned shape (d, n) = (3, 5); return one sample per ROW, "
                 "shape (n, d) = (5, 3) (transpose your result)")
    expect_shape(EX, "sample_zero_mean(cov, 5, rng) with a 3×3 cov", arr, (5, 3))
    n_checks += 1

    # 2. uses the rng it is given
    a = np.asarray(run(cov, 4, np.random.default_rng(1)))
    b = np.asarray(run(cov, 4, np.random.default_rng(1)))
    c = np.asarray(run(cov, 4, np.random.default_rng(2)))
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        fail(EX, "your samples contain NaN or inf for a well-conditioned 3×3 covariance")
    if not np.array_equal(a, b) or np.array_equal(a, c):
        fail(EX, "two calls with np.random.default_rng(1) gave different samples (or different seeds gave "
                 "the same): draw z with the rng argument, e.g. rng.standard_normal((n, d))")
    n_checks += 1

    # 3. covariance and mean of many samples, with a rotation V that is not symmetric
    vals = np.array([4.0, 1.0, 0.25])
    V = _rotation(3, 6)
    Sigma = V @ np.diag(vals) @ V.T
    n = 100_000
    X = expect_shape(EX, f"sample_zero_mean(cov, {n}, rng)", run(Sigma, n, np.random.default_rng(3)), (n, 3))
    X = X.astype(float)
    if not np.all(np.isfinite(X)):
        fail(EX, "your samples contain NaN or inf for a positive definite covariance")
    mean = X.mean(axis=0)
    if np.max(np.abs(mean)) > 6 * np.sqrt(vals.max() / n):
        fail(EX, f"the samples should have mean zero; the mean of {n} samples is {np.round(mean, 3)}")
    S = X.T @ X / n
    err = _relative_error(S, Sigma)
    if err > 0.03:
        fail(EX, f"the covariance of {n} of your samples is off from Σ by {100 * err:.0f}% "
                 f"(relative Frobenius error): {_diagnose(S, Sigma)}.")
    n_checks += 1

    # 4. a singular covariance computed in floating point: an eigenvalue of about -1e-13
    vals4 = np.array([3.0, 1.0, 0.5, -1e-13])
    V4 = _rotation(4, 11)
    Sigma4 = V4 @ np.diag(vals4) @ V4.T
    try:
        with np.errstate(invalid="ignore"):
            X4 = np.asarray(run(Sigma4, 2000, np.random.default_rng(4)))
    except ExerciseError as err:
        if "LinAlgError" in str(err):
            fail(EX, "your function failed on a singular covariance (LinAlgError): a Cholesky factor "
                     "does not exist there. Use the eigen-decomposition np.linalg.eigh, which does")
        raise
    expect_shape(EX, "sample_zero_mean(cov, 2000, rng) with a 4×4 cov", X4, (2000, 4))
    if not np.all(np.isfinite(X4)):
        fail(EX, "your samples contain NaN for a singular covariance (like that of DC-removed patches): "
                 "in floating point eigh returns its zero eigenvalue as a tiny negative number "
                 f"(here {vals4[-1]:.0e}), and its square root is NaN. Clip the eigenvalues at zero "
                 "first: np.sqrt(np.clip(lam, 0, None))")
    float64_answer = X4.dtype == np.float64       # float32 answers get a float32-sized allowance
    X4 = X4.astype(float)
    null = V4[:, -1]
    leak = float(np.max(np.abs(X4 @ null)))
    if leak > 1e-5 * (1 if float64_answer else 100):
        fail(EX, f"for a singular covariance the samples must have no component along the null "
                 f"eigenvector; yours reach {leak:.2e} there")
    S4 = X4.T @ X4 / len(X4)
    if _relative_error(S4, Sigma4) > 0.15:
        fail(EX, f"for a singular 4×4 covariance the covariance of your samples is off from Σ by "
                 f"{100 * _relative_error(S4, Sigma4):.0f}%")
    n_checks += 1
    passed(EX, n_checks)


# ============================================================================= shared by 6.3 and 6.5

def _case(rng: np.random.Generator, N: int, d: int, l: int, psi_range=(0.05, 1.0), spread=1.0):
    W = rng.standard_normal((d, l))
    psi = rng.uniform(*psi_range, size=d)
    mean = rng.standard_normal(d)
    X = mean + spread * rng.standard_normal((N, d))
    return X, mean, W, psi


def _peak_megabytes(exercise: str, func: Callable, *args) -> float:
    """Peak memory (MB) Python allocates while `func(*args)` runs (NumPy arrays are traced)."""
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    try:
        call(exercise, func, *args, forbidden=_references())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return (peak - base) / 2**20


def _dense_refused(exercise: str, megabytes: float, d: int) -> None:
    if megabytes > 8:
        fail(exercise, f"for d = {d} your function allocated {megabytes:.0f} MB, as much as a d×d matrix "
                       f"({8 * d * d / 2**20:.0f} MB): work with Ψ⁻¹ as the vector 1/psi and with the l×l "
                       "matrix M = I + WᵀΨ⁻¹W only, never with W Wᵀ, np.diag(psi) or a d×d inverse")


# ============================================================================= Exercise 6.3

def _logdet_planted(W: np.ndarray, psi: np.ndarray) -> dict[str, float]:
    """Typical wrong log-determinants, keyed by the message that explains each."""
    l = W.shape[1]
    ld = lambda A: float(np.linalg.slogdet(A)[1])  # noqa: E731
    sum_log_psi = float(np.sum(np.log(psi)))
    G = W.T @ (W / psi[:, None])                    # WᵀΨ⁻¹W
    return {
        "the Σ_j log ψ_j term is missing: det(W Wᵀ + Ψ) = det(Ψ) · det(I + WᵀΨ⁻¹W), and det Ψ of a "
        "diagonal matrix is the product of its diagonal": ld(np.eye(l) + G),
        "the identity is missing: M = I + WᵀΨ⁻¹W, not WᵀΨ⁻¹W (factor out Ψ, then use "
        "det(I_d + A B) = det(I_l + B A))": ld(G) + sum_log_psi,
        "M must contain Ψ⁻¹: M = I + WᵀΨ⁻¹W; you used I + WᵀW (factor Ψ^½ out on both sides first)":
            ld(np.eye(l) + W.T @ W) + sum_log_psi,
        "M must contain Ψ⁻¹, not Ψ: M = I + WᵀΨ⁻¹W (you used I + WᵀΨW)":
            ld(np.eye(l) + W.T @ (W * psi[:, None])) + sum_log_psi,
        "you returned the determinant, not its logarithm": float(np.exp(ld(np.eye(l) + G) + sum_log_psi)),
        "the sign of the Σ_j log ψ_j term is wrong: log det(W Wᵀ + Ψ) = log det M + Σ_j log ψ_j":
            ld(np.eye(l) + G) - sum_log_psi,
        "you returned ½ log det: log det M = 2 Σ_j log L_jj for the Cholesky factor L of M "
        "(each diagonal entry counts twice)": 0.5 * ld(np.eye(l) + G) + sum_log_psi,
    }


def _logdet_value(func: Callable, W: np.ndarray, psi: np.ndarray, what: str) -> tuple[float, float]:
    """The student's log-determinant as a float, and the relative tolerance its dtype deserves."""
    out = call(EX_LOGDET, func, W.copy(), psi.copy(), forbidden=_references())
    arr = np.asarray(out)
    if arr.size != 1:
        fail(EX_LOGDET, f"shape mismatch: for {what} your function should return one number "
                        f"(a float or shape ()), yours has shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number):
        fail(EX_LOGDET, f"your function should return a number, yours has dtype {arr.dtype}")
    return float(arr.reshape(())), tolerance(arr, 1e-8)


def _fail_if_float32_rounding(mine: float, want: float, rtol: float, label: str) -> None:
    """A float64 answer off by float32 rounding only gets that said, not a wrong formula diagnosed."""
    hint = precision_hint(np.float64(mine), np.float64(want), rtol) if rtol <= 1e-8 else None
    if hint:
        fail(EX_LOGDET, f"{label} {hint}")


def check_lowrank_logdet(func: Callable) -> None:
    """Check ``func(W, psi) -> float``: log det(W Wᵀ + diag(psi)) by the matrix determinant lemma."""
    rng = np.random.default_rng(63)
    n_checks = 0
    # 1. small, well-conditioned cases against the dense slogdet; planted mistakes named
    for d, l in ((5, 2), (3, 1), (12, 4)):
        _, _, W, psi = _case(rng, 1, d, l, psi_range=(0.3, 2.0))
        mine, rtol = _logdet_value(func, W, psi, f"W of shape ({d}, {l})")
        want = _oracle.lowrank_plus_diag_logdet(W, psi)
        if not np.isfinite(mine):
            fail(EX_LOGDET, f"your log-determinant is {mine} for a small, well-conditioned case "
                            f"(d = {d}, l = {l}); the true value is finite")
        if abs(mine - want) > rtol * max(1.0, abs(want)):
            for message, value in _logdet_planted(W, psi).items():
                if np.isfinite(value) and abs(mine - value) <= 1e-7 * max(1.0, abs(value)):
                    fail(EX_LOGDET, f"(d = {d}, l = {l}) {message}")
            _fail_if_float32_rounding(mine, want, rtol, f"(d = {d}, l = {l})")
            fail(EX_LOGDET, f"(d = {d}, l = {l}) your log-determinant is {mine:.6g}, the true value is "
                            f"{want:.6g}; compare with np.linalg.slogdet(W @ W.T + np.diag(psi)) on this "
                            "small example")
        n_checks += 1
    # 2. d = 300 with small noise: det Ψ = Π ψ_j underflows to 0 (and with large noise overflows)
    for psi_range, what in (((1e-3, 1e-2), "underflows to 0 (log gives −inf)"),
                            ((20.0, 60.0), "overflows to inf")):
        _, _, W, psi = _case(rng, 1, 300, 3, psi_range=psi_range)
        with np.errstate(all="ignore"):
            mine, rtol = _logdet_value(func, W, psi, "W of shape (300, 3)")
        want = _oracle.lowrank_plus_diag_logdet(W, psi)
        if not np.isfinite(mine):
            fail(EX_LOGDET, f"your log-determinant is {mine} for d = 300 (true value {want:.1f}): "
                            f"the product Π_j ψ_j of 300 variances {what} in floating point, so "
                            "log(np.prod(psi)) fails. Use the sum of logs, Σ_j log ψ_j (likewise never "
                            "np.linalg.det: use slogdet or a Cholesky factor)")
        if abs(mine - want) > rtol * abs(want):
            _fail_if_float32_rounding(mine, want, rtol, "(d = 300)")
            fail(EX_LOGDET, f"(d = 300) your log-determinant is {mine:.6g}, the true value is {want:.6g}")
    n_checks += 1
    # 3. d = 2000: the lemma's point is never to build the d×d matrix
    _, _, W, psi = _case(rng, 1, 2000, 3, psi_range=(0.5, 1.5))
    _dense_refused(EX_LOGDET, _peak_megabytes(EX_LOGDET, func, W.copy(), psi.copy()), 2000)
    n_checks += 1
    passed(EX_LOGDET, n_checks)


# ============================================================================= Exercise 6.5

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


def _diagnose_log_pdf(mine: np.ndarray, X, mean, W, psi, want: np.ndarray) -> str:
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
            "a dense Gaussian log-density with covariance W @ W.T + np.diag(psi) on a small example")


def _values(func: Callable, X, mean, W, psi, what: str) -> np.ndarray:
    out = call(EX_WOODBURY, func, X.copy(), mean.copy(), W.copy(), psi.copy(), forbidden=_references())
    return expect_shape(EX_WOODBURY, f"the log-densities for {what}", out, (X.shape[0],))


def _compare(mine: np.ndarray, want: np.ndarray, X, mean, W, psi, label: str) -> None:
    if not is_close(mine, want, rtol=1e-8):
        low_precision = precision_hint(mine, want, 1e-8)
        if low_precision:
            fail(EX_WOODBURY, f"({label}) {low_precision}")
        fail(EX_WOODBURY, f"({label}) " + _diagnose_log_pdf(mine.astype(float), X, mean, W, psi, want))


def check_woodbury_log_pdf(func: Callable) -> None:
    """Check ``func(X, mean, W, psi) -> (N,)``: log N(x_i; mean, W Wᵀ + diag(psi)) by Woodbury."""
    rng = np.random.default_rng(62)
    n_checks = 0
    # 1-3. small cases against the dense oracle: shape, values, typical mistakes
    for N, d, l in ((5, 6, 2), (1, 4, 1), (7, 10, 3)):
        X, mean, W, psi = _case(rng, N, d, l)
        mine = _values(func, X, mean, W, psi, f"X of shape ({N}, {d}) and W of shape ({d}, {l})")
        if not np.all(np.isfinite(mine)):
            fail(EX_WOODBURY, f"your log-densities contain NaN or inf for a small, well-conditioned case "
                              f"(d = {d}, l = {l})")
        _compare(mine, _oracle.lowrank_plus_diag_log_pdf(X, mean, W, psi), X, mean, W, psi,
                 f"d = {d}, l = {l}")
        n_checks += 1
    # 4. numerically hard: 256 dimensions, small noise, points far from the mean
    X, mean, W, psi = _case(rng, 4, 256, 5, psi_range=(1e-3, 1e-2), spread=1.0)
    with np.errstate(all="ignore"):
        mine = _values(func, X, mean, W, psi, "X of shape (4, 256)")
    if not np.all(np.isfinite(mine)):
        fail(EX_WOODBURY, "your log-densities are NaN or inf for d = 256 and points far from the mean (true "
                          "values are about −10⁵): never compute a density and then its log, never use "
                          "np.linalg.det or log(np.prod(psi)) (they under- or overflow); sum logs instead")
    _compare(mine, _oracle.lowrank_plus_diag_log_pdf(X, mean, W, psi), X, mean, W, psi,
             "d = 256, small noise")
    n_checks += 1
    # 5. scaling: d = 2000 must not build a d×d matrix (32 MB in float64)
    X, mean, W, psi = _case(rng, 4, 2000, 3)
    _dense_refused(EX_WOODBURY, _peak_megabytes(EX_WOODBURY, func, X.copy(), mean.copy(), W.copy(),
                                                psi.copy()), 2000)
    mine = _values(func, X, mean, W, psi, "X of shape (4, 2000)")
    _compare(mine, _oracle.woodbury_log_pdf_plain(X, mean, W, psi), X, mean, W, psi, "d = 2000")
    n_checks += 1
    passed(EX_WOODBURY, n_checks)


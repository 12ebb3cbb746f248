"""Checkers for notebook 06 (eigenvectors): sampling a zero-mean Gaussian as x = V D^½ z."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._common import ExerciseError, call, expect_shape, fail, passed

__all__ = ["check_sample_zero_mean"]

EX = "Exercise 6.1"


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
    }
    errs = {msg: _relative_error(S, C) for msg, C in candidates.items()}
    best = min(errs, key=errs.get)
    return best if errs[best] < 0.1 else "it does not match Σ"


def check_sample_zero_mean(sample_zero_mean: Callable) -> None:
    """Check `sample_zero_mean(cov, n, rng)` -> (n, d) draws x = V D^½ z from N(0, cov)."""
    n_checks = 0

    # 1. shape, on a small case
    cov = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 0.5]])
    out = call(EX, sample_zero_mean, cov, 5, np.random.default_rng(0))
    arr = np.asarray(out)
    if arr.shape == (3, 5):
        fail(EX, "you returned shape (d, n) = (3, 5); return one sample per ROW, shape (n, d) = (5, 3) "
                 "(transpose your result)")
    expect_shape(EX, "sample_zero_mean(cov, 5, rng) with a 3×3 cov", arr, (5, 3))
    n_checks += 1

    # 2. uses the rng it is given
    a = np.asarray(call(EX, sample_zero_mean, cov, 4, np.random.default_rng(1)))
    b = np.asarray(call(EX, sample_zero_mean, cov, 4, np.random.default_rng(1)))
    c = np.asarray(call(EX, sample_zero_mean, cov, 4, np.random.default_rng(2)))
    if not np.array_equal(a, b) or np.array_equal(a, c):
        fail(EX, "two calls with np.random.default_rng(1) gave different samples (or different seeds gave "
                 "the same): draw z with the rng argument, e.g. rng.standard_normal((n, d))")
    n_checks += 1

    # 3. covariance and mean of many samples, with a rotation V that is not symmetric
    vals = np.array([4.0, 1.0, 0.25])
    V = _rotation(3, 6)
    Sigma = V @ np.diag(vals) @ V.T
    n = 100_000
    X = expect_shape(EX, f"sample_zero_mean(cov, {n}, rng)",
                     call(EX, sample_zero_mean, Sigma, n, np.random.default_rng(3)), (n, 3))
    mean = X.mean(axis=0)
    if np.max(np.abs(mean)) > 6 * np.sqrt(vals.max() / n):
        fail(EX, f"the samples should have mean zero; the mean of {n} samples is {np.round(mean, 3)}")
    S = X.T @ X / n
    err = _relative_error(S, Sigma)
    if not np.all(np.isfinite(S)) or err > 0.03:
        fail(EX, f"the covariance of {n} of your samples is off from Σ by {100 * err:.0f}% "
                 f"(relative Frobenius error): {_diagnose(S, Sigma)}.")
    n_checks += 1

    # 4. a singular covariance computed in floating point: an eigenvalue of about -1e-13
    vals4 = np.array([3.0, 1.0, 0.5, -1e-13])
    V4 = _rotation(4, 11)
    Sigma4 = V4 @ np.diag(vals4) @ V4.T
    try:
        with np.errstate(invalid="ignore"):
            X4 = np.asarray(call(EX, sample_zero_mean, Sigma4, 2000, np.random.default_rng(4)), dtype=float)
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
    null = V4[:, -1]
    leak = float(np.max(np.abs(X4 @ null)))
    if leak > 1e-5:
        fail(EX, f"for a singular covariance the samples must have no component along the null "
                 f"eigenvector; yours reach {leak:.2e} there")
    S4 = X4.T @ X4 / len(X4)
    if _relative_error(S4, Sigma4) > 0.15:
        fail(EX, f"for a singular 4×4 covariance the covariance of your samples is off from Σ by "
                 f"{100 * _relative_error(S4, Sigma4):.0f}%")
    n_checks += 1
    passed(EX, n_checks)

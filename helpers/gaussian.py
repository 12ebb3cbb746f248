"""The multivariate Gaussian: log-density through a Cholesky factor, MLE fit, sampling.

    log N(x; μ, Σ) = -½ [ d log 2π + log det Σ + (x-μ)ᵀ Σ⁻¹ (x-μ) ]

With Σ = L Lᵀ: log det Σ = 2 Σ_i log L_ii and (x-μ)ᵀ Σ⁻¹ (x-μ) = ||L⁻¹(x-μ)||², one
triangular solve for all points at once.  No ``det`` (which under/overflows at d = 256)
and no ``inv`` (slower and less accurate than a solve).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

from ._validation import as_data, as_mean, as_rng, cholesky, positive_int

__all__ = ["log_pdf", "log_pdf_chol", "fit", "sample"]

LOG_2PI = float(np.log(2 * np.pi))


def log_pdf_chol(X: NDArray, mean: NDArray, chol: NDArray) -> NDArray:
    """Log-density of rows of `X` (N, d) under N(mean, L Lᵀ) given the lower factor `chol` (d, d).

    No validation: the fast path for callers that have already checked their inputs.
    Returns an (N,) array.  One Gaussian, one triangular solve: the form notebook 01 teaches; a
    mixture's component scores go through ``helpers.mixture.ComponentScorer`` instead (one GEMM for
    all components), and ``tests/test_component_scores.py`` checks the two agree.
    """
    d = X.shape[1]
    z = linalg.solve_triangular(chol, (X - mean).T, lower=True, check_finite=False)  # (d, N)
    half_logdet = np.sum(np.log(np.diagonal(chol)))
    return -0.5 * (d * LOG_2PI + np.einsum("ij,ij->j", z, z)) - half_logdet


def log_pdf(X: ArrayLike, mean: ArrayLike, cov: ArrayLike) -> NDArray[np.float64]:
    """Log-density log N(x_i; mean, cov) of every row of `X`.

    Parameters
    ----------
    X : (N, d) data points (a single point may be passed as shape (d,)).
    mean : (d,) mean vector μ.
    cov : (d, d) symmetric positive-definite covariance Σ.

    Returns
    -------
    (N,) log-densities (shape () if `X` was a single point).
    """
    single = np.ndim(X) == 1
    X = as_data(np.atleast_2d(X), "X")
    mean = as_mean(mean, "mean", dim=X.shape[1])
    chol = cholesky(cov, "cov", dim=X.shape[1])
    out = log_pdf_chol(X, mean, chol)
    return out[0] if single else out


def fit(X: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Maximum-likelihood mean (d,) and covariance (d, d) of the rows of `X` (N, d).

    The MLE divides by N (not N - 1).  With N <= d the covariance is singular; add
    ``reg * np.eye(d)`` before evaluating densities.
    """
    X = as_data(X, "X")
    mean = X.mean(axis=0)
    Xc = X - mean
    cov = (Xc.T @ Xc) / X.shape[0]
    return mean, 0.5 * (cov + cov.T)


def sample(mean: ArrayLike, cov: ArrayLike, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """`n` draws x = μ + L z, z ~ N(0, I), from N(mean, cov); returns shape (n, d)."""
    mean = as_mean(mean, "mean")
    chol = cholesky(cov, "cov", dim=mean.shape[0])
    n = positive_int(n, "n")
    z = as_rng(rng).standard_normal((n, mean.shape[0]))
    return mean + z @ chol.T

"""Independent oracles for the exercise checkers: plain, slow, obviously right float64 code.

The checker principle: a checker computes the truth here, never with the package's own implementation of
the step it grades (``helpers.em``, ``helpers.gaussian``, ``helpers.mixture``, ``helpers.sgd``, ...), so a
bug there cannot make a wrong student answer pass. Everything here is intentionally a second
implementation: loops over components or points, ``numpy.linalg`` on one matrix at a time, no chunking and
no float32. It is *meant* to duplicate logic in ``helpers`` (the one exception to "no logic written twice").
Student answers that call any function of this module are refused by ``_common.call``.

Sections are per notebook; keep each function short and obviously right.
"""
from __future__ import annotations

import numpy as np

LOG_2PI = float(np.log(2.0 * np.pi))  # independent of helpers.gaussian.LOG_2PI on purpose


def gaussian_log_pdf(X: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """log N(x_i; mean, cov) for each row of X (N, d) -> (N,), via slogdet and solve, one point at a time."""
    X, mean, cov = np.asarray(X, float), np.asarray(mean, float), np.asarray(cov, float)
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        raise ValueError("oracle: cov is not positive definite")
    d = X.shape[1]
    out = np.empty(len(X))
    for i, x in enumerate(X):
        diff = x - mean
        out[i] = -0.5 * (d * LOG_2PI + logdet + diff @ np.linalg.solve(cov, diff))
    return out


def log_joint(X: np.ndarray, pi: np.ndarray, mu: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
    """log π_k + log N(x_i; μ_k, Σ_k) -> (N, K), one component at a time."""
    return np.stack([np.log(pi[k]) + gaussian_log_pdf(X, mu[k], Sigma[k]) for k in range(len(pi))], axis=1)


def logsumexp_rows(A: np.ndarray) -> np.ndarray:
    """log Σ_k exp(A_ik) -> (N,), written out (max shift) rather than scipy's."""
    m = A.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(A - m).sum(axis=1, keepdims=True)))[:, 0]


def responsibilities(X, pi, mu, Sigma) -> np.ndarray:
    """r_ik = p(z_i = k | x_i) -> (N, K)."""
    lj = log_joint(X, pi, mu, Sigma)
    return np.exp(lj - logsumexp_rows(lj)[:, None])


def mixture_log_pdf(X, pi, mu, Sigma) -> np.ndarray:
    """log p(x_i) = log Σ_k π_k N(x_i; μ_k, Σ_k) -> (N,)."""
    return logsumexp_rows(log_joint(X, pi, mu, Sigma))


# ----------------------------------------------------------------------------- notebook sections below
# Each notebook's engineer appends a section "# --- notebook NN" with that notebook's oracles.

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


# --- notebook 01
def gaussian_mle(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood (mean (d,), cov (d, d)): the covariance summed one outer product at a time, / N."""
    X = np.asarray(X, float)
    mean = X.sum(axis=0) / len(X)
    cov = np.zeros((X.shape[1], X.shape[1]))
    for x in X:
        cov += np.outer(x - mean, x - mean)
    return mean, cov / len(X)


def gaussian_nll_precision(Lam: np.ndarray, S: np.ndarray, N: int) -> float:
    """NLL(μ̂, Λ) up to its constant: −(N/2) log det Λ + ½ tr(Λ S), S the scatter matrix about μ̂."""
    sign, logdet = np.linalg.slogdet(np.asarray(Lam, float))
    if sign <= 0:
        raise ValueError("oracle: Λ is not positive definite")
    return float(-0.5 * N * logdet + 0.5 * np.trace(np.asarray(Lam, float) @ np.asarray(S, float)))


def gaussian_nll_precision_grad(Lam: np.ndarray, S: np.ndarray, N: int) -> np.ndarray:
    """∂NLL/∂Λ = −(N/2) Λ⁻¹ + ½ S (d, d), entries of Λ treated as independent (Λ, S symmetric)."""
    return -0.5 * N * np.linalg.inv(np.asarray(Lam, float)) + 0.5 * np.asarray(S, float)


# --- notebook 02
def mixture_moments(pi: np.ndarray, mu: np.ndarray, Sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E[x] (d,) and Cov[x] (d, d) of a Gaussian mixture, by the laws of total expectation and covariance,
    one component at a time: E[x] = Σ_k π_k μ_k, Cov[x] = Σ_k π_k (Σ_k + (μ_k − E x)(μ_k − E x)ᵀ)."""
    pi, mu, Sigma = np.asarray(pi, float), np.asarray(mu, float), np.asarray(Sigma, float)
    mean = np.zeros(mu.shape[1])
    for k in range(len(pi)):
        mean += pi[k] * mu[k]
    cov = np.zeros((mu.shape[1], mu.shape[1]))
    for k in range(len(pi)):
        cov += pi[k] * (Sigma[k] + np.outer(mu[k] - mean, mu[k] - mean))
    return mean, cov

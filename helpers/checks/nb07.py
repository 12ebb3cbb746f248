"""Checkers for notebook 07 (denoising with a GMM patch prior)."""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import logsumexp

from ._common import call, expect_shape, fail, passed

__all__ = ["check_log_density_grad"]

EX = "Exercise 7.1"


def _log_components(Z: np.ndarray, weights: np.ndarray, means: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """(N, K) log π_k + log N(z; μ_k, Σ_k) through Cholesky factors."""
    N, d = Z.shape
    out = np.empty((N, len(weights)))
    for k, (w, m, c) in enumerate(zip(weights, means, covs)):
        L = np.linalg.cholesky(c)
        u = np.linalg.solve(L, (Z - m).T)
        out[:, k] = np.log(w) - 0.5 * (d * np.log(2 * np.pi) + np.sum(u * u, axis=0)) \
            - np.sum(np.log(np.diag(L)))
    return out


def _log_density(Z, weights, means, covs) -> np.ndarray:
    return logsumexp(_log_components(np.atleast_2d(Z), weights, means, covs), axis=1)


def reference_log_density_grad(Z: np.ndarray, weights: np.ndarray, means: np.ndarray,
                               covs: np.ndarray) -> np.ndarray:
    """∇_z log Σ_k π_k N(z; μ_k, Σ_k) = -Σ_k r_k(z) Σ_k⁻¹ (z - μ_k) for each row of Z (N, d)."""
    logc = _log_components(Z, weights, means, covs)
    R = np.exp(logc - logsumexp(logc, axis=1, keepdims=True))
    grad = np.zeros_like(Z, dtype=float)
    for k in range(len(weights)):
        grad -= R[:, k:k + 1] * np.linalg.solve(covs[k], (Z - means[k]).T).T
    return grad


def _finite_differences(Z, weights, means, covs, eps: float = 1e-5) -> np.ndarray:
    N, d = Z.shape
    E = np.eye(d) * eps
    plus = np.stack([_log_density(Z + E[j], weights, means, covs) for j in range(d)], axis=1)
    minus = np.stack([_log_density(Z - E[j], weights, means, covs) for j in range(d)], axis=1)
    return (plus - minus) / (2 * eps)


def _random_gmm(rng: np.random.Generator, K: int, d: int, scale: float = 1.0):
    A = rng.standard_normal((K, d, d)) * scale / np.sqrt(d)
    covs = A @ A.transpose(0, 2, 1) + 0.1 * scale**2 * np.eye(d)
    means = rng.standard_normal((K, d)) * scale
    return rng.dirichlet(np.full(K, 2.0)), means, covs


def _diagnose(mine: np.ndarray, Z, weights, means, covs) -> str | None:
    """Name a typical mistake if `mine` matches it."""
    logc = _log_components(Z, weights, means, covs)
    R = np.exp(logc - logsumexp(logc, axis=1, keepdims=True))
    diff = [(Z - m) for m in means]
    planted = {
        "the sign is flipped: log p decreases away from each mean, so the gradient is "
        "-Σ_k r_k Σ_k⁻¹ (z - μ_k)": -reference_log_density_grad(Z, weights, means, covs),
        "you multiplied by Σ_k instead of solving with it: use Σ_k⁻¹ (z - μ_k), "
        "e.g. np.linalg.solve(covs[k], ...)":
            -sum(R[:, k:k + 1] * (diff[k] @ covs[k]) for k in range(len(weights))),
        "you weighted the components by π_k; weight them by the responsibilities "
        "r_k(z) = π_k N(z; μ_k, Σ_k) / p(z), which depend on z":
            -sum(weights[k] * np.linalg.solve(covs[k], diff[k].T).T for k in range(len(weights))),
        "your responsibilities are not normalised: divide π_k N(z; μ_k, Σ_k) by p(z) "
        "(the sum over k), so they sum to one":
            -sum(np.exp(logc[:, k:k + 1]) * np.linalg.solve(covs[k], diff[k].T).T
                 for k in range(len(weights))),
    }
    for message, value in planted.items():
        if np.allclose(mine, value, rtol=1e-6, atol=1e-9):
            return message
    return None


def check_log_density_grad(func: Callable) -> None:
    """Check ``func(Z, weights, means, covs) -> (N, d)``, the gradient of log p(z) for a GMM."""
    rng = np.random.default_rng(7)
    n_checks = 0
    # 1. shape and a single Gaussian: the gradient is -Σ⁻¹ (z - μ)
    w, mu, cov = _random_gmm(rng, 1, 3)
    Z = rng.standard_normal((5, 3))
    mine = expect_shape(EX, "the gradient for Z of shape (5, 3)",
                        call(EX, func, Z.copy(), w.copy(), mu.copy(), cov.copy()), (5, 3))
    n_checks += 1
    if not np.all(np.isfinite(mine)):
        fail(EX, "your gradient contains NaN or inf for a single well-conditioned Gaussian")
    want = -np.linalg.solve(cov[0], (Z - mu[0]).T).T
    if not np.allclose(mine, want, rtol=1e-6, atol=1e-9):
        fail(EX, _diagnose(mine, Z, w, mu, cov) or
             f"for one Gaussian (K = 1) the gradient is -Σ⁻¹ (z - μ); row 0 should be "
             f"{np.round(want[0], 4)}, yours is {np.round(mine[0], 4)}")
    n_checks += 1
    # 2. a mixture: compare with finite differences of log p
    for K, d in ((3, 4), (5, 8)):
        w, mu, cov = _random_gmm(rng, K, d)
        Z = mu[rng.integers(0, K, 6)] + rng.standard_normal((6, d))
        mine = expect_shape(EX, f"the gradient for Z of shape (6, {d})",
                            call(EX, func, Z.copy(), w.copy(), mu.copy(), cov.copy()), (6, d))
        fd = _finite_differences(Z, w, mu, cov)
        if not np.allclose(mine, fd, rtol=1e-4, atol=1e-6):
            hint = _diagnose(mine, Z, w, mu, cov)
            i, j = np.unravel_index(np.argmax(np.abs(mine - fd)), fd.shape)
            fail(EX, hint or f"with K = {K}, d = {d} your gradient differs from finite differences of "
                             f"log p: entry [{i}, {j}] is {mine[i, j]:.5g}, should be {fd[i, j]:.5g}")
        n_checks += 1
    # 3. numerically hard: 8×8 patches far from every component (the densities underflow)
    w, mu, cov = _random_gmm(rng, 4, 64, scale=0.05)
    Z = rng.standard_normal((3, 64)) * 2.0
    mine = expect_shape(EX, "the gradient for Z of shape (3, 64)",
                        call(EX, func, Z.copy(), w.copy(), mu.copy(), cov.copy()), (3, 64))
    if not np.all(np.isfinite(mine)):
        fail(EX, "your gradient is NaN/inf for patches far from every component: N(z; μ_k, Σ_k) "
                 "underflows to 0 in float64, so compute the responsibilities from log densities "
                 "with scipy.special.logsumexp (or subtract the largest log term before np.exp)")
    want = reference_log_density_grad(Z, w, mu, cov)
    if not np.allclose(mine, want, rtol=1e-6, atol=1e-6):
        fail(EX, _diagnose(mine, Z, w, mu, cov) or
             "for 8×8 patches far from every component your gradient is wrong although it is finite; "
             "check the responsibilities in the log domain")
    n_checks += 1
    passed(EX, n_checks)

"""Checkers for notebook 02 (mixture density and ancestral sampling).

Exercise 2.1  ``mixture_log_pdf(X, pi, mu, Sigma)`` -> (N,) log p(x_i)
Exercise 2.2  ``sample_gmm(pi, mu, Sigma, n, rng)`` -> (X (n, d), z (n,))
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import logsumexp

from ..gaussian import log_pdf as gaussian_log_pdf
from ._common import call, expect_shape, fail, passed

__all__ = ["check_mixture_log_pdf", "check_sample_gmm"]

EX_DENSITY = "Exercise 2.1"
EX_SAMPLE = "Exercise 2.2"


def _case(seed: int, K: int = 3, d: int = 2):
    """A mixture with distinct weights, separated means and correlated covariances."""
    rng = np.random.default_rng(seed)
    pi = np.array([0.5, 0.3, 0.2, 0.1, 0.05][:K])
    pi = pi / pi.sum()
    mu = 4.0 * rng.standard_normal((K, d))
    A = rng.standard_normal((K, d, d))
    Sigma = A @ np.swapaxes(A, 1, 2) + 0.3 * np.eye(d)
    return pi, mu, Sigma


def _log_terms(X, pi, mu, Sigma) -> np.ndarray:
    """log π_k + log N(x_i; μ_k, Σ_k), (N, K): the oracle every diagnosis starts from."""
    return np.log(pi) + np.stack([gaussian_log_pdf(X, m, S) for m, S in zip(mu, Sigma)], axis=1)


def _close(a, b, rtol: float = 1e-6) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=rtol, atol=1e-8)


def _diagnose_density(got, X, pi, mu, Sigma) -> str:
    terms = _log_terms(X, pi, mu, Sigma)
    no_pi = terms - np.log(pi)
    if _close(got, logsumexp(no_pi, axis=1)):
        return "you left out the weights: each component contributes π_k·N(x; μ_k, Σ_k), i.e. log π_k + log N"
    if _close(got, logsumexp(no_pi + pi, axis=1)):
        return "you added π_k instead of log π_k inside the log-sum-exp"
    if _close(got, terms.sum(axis=1)):
        return ("you summed log π_k + log N over k: the log of a sum is not the sum of the logs; "
                "combine the K terms with scipy.special.logsumexp(..., axis=1)")
    if _close(got, terms.max(axis=1)):
        return ("you kept only the best component (max over k); p(x) sums over all components: "
                "use logsumexp, not max")
    if _close(got, np.exp(logsumexp(terms, axis=1))):
        return "you returned the density p(x), not its logarithm log p(x)"
    return "your values differ from log Σ_k π_k N(x_i; μ_k, Σ_k)"


def check_mixture_log_pdf(mixture_log_pdf: Callable) -> None:
    """Check Exercise 2.1: the log-density of a Gaussian mixture at every row of X."""
    n_checks = 0
    for seed, K, d, N in [(0, 3, 2, 50), (1, 4, 5, 30), (2, 1, 3, 10)]:
        pi, mu, Sigma = _case(seed, K, d)
        X = np.random.default_rng(seed + 10).normal(scale=4.0, size=(N, d))
        got = expect_shape(EX_DENSITY, f"mixture_log_pdf(X) for X of shape {X.shape}",
                           call(EX_DENSITY, mixture_log_pdf, X, pi, mu, Sigma), (N,))
        want = logsumexp(_log_terms(X, pi, mu, Sigma), axis=1)
        if not _close(got, want):
            i = int(np.argmax(np.abs(np.nan_to_num(got - want, nan=np.inf))))
            fail(EX_DENSITY, f"{_diagnose_density(got, X, pi, mu, Sigma)} "
                 f"(K = {K}, d = {d}; point {i}: yours {got[i]:.6g}, expected {want[i]:.6g}).")
        n_checks += 2
    # A point far from every component: every N(x; μ_k, Σ_k) underflows to 0 in float64.
    pi, mu, Sigma = _case(0)
    X = np.array([[80.0, -60.0], [0.0, 0.0]])
    got = np.asarray(call(EX_DENSITY, mixture_log_pdf, X, pi, mu, Sigma), float)
    want = logsumexp(_log_terms(X, pi, mu, Sigma), axis=1)
    if got.shape != (2,) or not np.all(np.isfinite(got)):
        fail(EX_DENSITY, f"for the far-away point x = (80, -60) you returned {got.ravel()[0]:.6g}, "
             f"expected {want[0]:.6g}. Every density N(x; μ_k, Σ_k) underflows to 0 there, so "
             "log(Σ_k π_k N) is log 0 = -inf: stay in the log domain (log π_k + log N from "
             "helpers.gaussian.log_pdf) and combine with scipy.special.logsumexp.")
    if not _close(got, want):
        fail(EX_DENSITY, f"far-away point x = (80, -60): yours {got[0]:.6g}, expected {want[0]:.6g}.")
    passed(EX_DENSITY, n_checks + 1)


# --------------------------------------------------------------------------------------------
# Exercise 2.2: ancestral sampling


def _rel(A, B) -> float:
    return float(np.linalg.norm(A - B) / np.linalg.norm(B))


def _diagnose_cov(C: np.ndarray, S: np.ndarray, k: int) -> str:
    """Name the covariance mistake that best explains the sample covariance C of component k."""
    L = np.linalg.cholesky(S)
    where = (f"the samples with z = {k} have covariance {np.array2string(C, precision=2)}, "
             f"but Σ_{k} = {np.array2string(S, precision=2)}")
    candidates = [
        (S @ S, "about Σ²: you multiplied the standard normal draws by Σ. Scale them by the Cholesky "
                "factor L (Σ = L Lᵀ, np.linalg.cholesky): x = μ + L ε, for row vectors ε @ L.T"),
        (L.T @ L, "about Lᵀ L: you used Lᵀ ε (or ε @ L for row vectors). x = μ + L ε has covariance "
                  "L Lᵀ = Σ; for a row vector ε write ε @ L.T"),
        (np.diag(np.diag(S)), "the correlations are missing: use the full Cholesky factor, not the diagonal"),
        (S * S, "about Σ with every entry squared: scale by the Cholesky factor L, not by Σ elementwise"),
        (np.eye(len(S)), "about the identity: you forgot to scale ε by the Cholesky factor L"),
    ]
    dist = [_rel(C, A) for A, _ in candidates]
    best = int(np.argmin(dist))
    if dist[best] < 0.25:
        return f"{where}, {candidates[best][1]}"
    return f"{where}; draw x = μ_z + L_z ε with ε ~ N(0, I) and L_z the Cholesky factor of Σ_z"


def _check_outputs(out, n: int, K: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    if not (isinstance(out, tuple) and len(out) == 2):
        fail(EX_SAMPLE, f"return a pair (X, z); yours returned {type(out).__name__}")
    X = expect_shape(EX_SAMPLE, f"X for n = {n}", out[0], (n, d))
    z = expect_shape(EX_SAMPLE, f"z for n = {n}", out[1], (n,))
    if z.dtype.kind not in "iu":
        fail(EX_SAMPLE, f"z should hold integer component indices, yours has dtype {z.dtype}")
    if z.min() < 0 or z.max() >= K:
        hint = " (components are numbered 0, ..., K-1 in code)" if z.max() == K else ""
        fail(EX_SAMPLE, f"z should lie in 0, ..., {K - 1}; yours ranges from {z.min()} to {z.max()}{hint}")
    return X.astype(float), z


def _check_z_frequencies(z: np.ndarray, pi: np.ndarray) -> None:
    n, K = len(z), len(pi)
    counts = np.bincount(z, minlength=K)
    if np.count_nonzero(counts) == 1:
        fail(EX_SAMPLE, f"all {n} samples came from component z = {int(z[0])}: you drew one z for the "
             "whole call. Draw one z_i per sample (rng.choice(K, size=n, p=pi)).")
    freq = counts / n
    tol = 5 * np.sqrt(pi * (1 - pi) / n) + 1e-3
    if np.all(np.abs(freq - pi) <= tol):
        return
    shown = ", ".join(f"{f:.3f}" for f in freq)
    if np.all(np.abs(freq - 1 / K) <= 5 * np.sqrt((1 / K) * (1 - 1 / K) / n) + 1e-3):
        fail(EX_SAMPLE, f"each component was chosen about equally often ({shown}) but π = {pi}: "
             "draw z from Categorical(π), e.g. rng.choice(K, size=n, p=pi)")
    k = int(np.argmax(np.abs(freq - pi)))
    fail(EX_SAMPLE, f"component {k} was chosen in {100 * freq[k]:.1f}% of the samples but π_{k} = "
         f"{100 * pi[k]:.1f}% (frequencies {shown}): draw z from Categorical(π) with the weights "
         "exactly as given, without re-weighting them.")


def _check_components(X: np.ndarray, z: np.ndarray, mu: np.ndarray, Sigma: np.ndarray) -> None:
    for k in range(len(mu)):
        Xk = X[z == k]
        se = np.sqrt(np.diag(Sigma[k]) / len(Xk))
        if np.any(np.abs(Xk.mean(axis=0) - mu[k]) > 6 * se + 1e-6):
            fail(EX_SAMPLE, f"the samples labelled z = {k} are centred at "
                 f"{np.array2string(Xk.mean(axis=0), precision=2)}, not at μ_{k} = "
                 f"{np.array2string(mu[k], precision=2)}: draw each x_i from the component z_i you "
                 "return for it (same index, same sample).")
        C = np.cov(Xk.T, bias=True)
        d = len(mu[k])
        if _rel(C, Sigma[k]) > 4 * np.sqrt((d + 1) / len(Xk)) + 0.02:
            message = _diagnose_cov(C, Sigma[k], k)
            if message:
                fail(EX_SAMPLE, message)


def check_sample_gmm(sample_gmm: Callable) -> None:
    """Check Exercise 2.2: ancestral sampling z ~ Categorical(π), x ~ N(μ_z, Σ_z)."""
    pi, mu, Sigma = _case(0)
    Sigma[1] = np.array([[2.0, 1.6], [1.6, 1.5]])  # strongly correlated and not its own square root
    K, d, n = 3, 2, 20_000
    X1, z1 = _check_outputs(call(EX_SAMPLE, sample_gmm, pi, mu, Sigma, 1, np.random.default_rng(0)), 1, K, d)
    X, z = _check_outputs(call(EX_SAMPLE, sample_gmm, pi, mu, Sigma, n, np.random.default_rng(1)), n, K, d)
    again = call(EX_SAMPLE, sample_gmm, pi, mu, Sigma, n, np.random.default_rng(1))
    if not (np.array_equal(np.asarray(again[0]), X) and np.array_equal(np.asarray(again[1]), z)):
        fail(EX_SAMPLE, "two calls with np.random.default_rng(1) gave different samples: draw every "
             "random number from the `rng` argument (rng.choice, rng.standard_normal), not np.random.*")
    _check_z_frequencies(z, pi)
    _check_components(X, z, mu, Sigma)
    # Higher dimension, more components.
    pi5, mu5, Sigma5 = _case(3, K=4, d=5)
    X5, z5 = _check_outputs(call(EX_SAMPLE, sample_gmm, pi5, mu5, Sigma5, n, np.random.default_rng(2)),
                            n, 4, 5)
    _check_z_frequencies(z5, pi5)
    _check_components(X5, z5, mu5, Sigma5)
    # Weights that do not sum to one are not a mixture.
    bad = np.array([0.6, 0.3, 0.3])
    try:
        sample_gmm(bad, mu, Sigma, 10, np.random.default_rng(3))
    except ValueError:
        pass
    except NotImplementedError:
        raise
    except Exception as err:  # noqa: BLE001
        fail(EX_SAMPLE, f"weights π = {bad} (sum 1.2) should raise ValueError, yours raised "
             f"{type(err).__name__}: {err}")
    else:
        fail(EX_SAMPLE, f"your function accepted weights π = {bad}, which sum to {bad.sum():.1f}: these "
             "are not mixture weights. Raise ValueError when π is negative or does not sum to one "
             "(rng.choice(K, p=pi) already does).")
    passed(EX_SAMPLE, 9)

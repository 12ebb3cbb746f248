"""Checkers for notebook 03 (Jensen's inequality and the ELBO).

Exercise 3.1  ``elbo(X, r, pi, mu, Sigma)`` -> float
    L(r, θ) = Σ_i Σ_k r_ik [log π_k + log N(x_i; μ_k, Σ_k) − log r_ik], with 0 · log 0 = 0.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import xlogy

from ..mixture import GMM
from ._common import random_mixture_problem as _case
from ._common import call, fail, passed

__all__ = ["check_elbo"]

EX = "Exercise 3.1"


def _reference_terms(X, r, pi, mu, Sigma) -> tuple[np.ndarray, np.ndarray]:
    """(log π_k + log N(x_i; μ_k, Σ_k) (N, K), r_ik log r_ik with 0 log 0 = 0 (N, K))."""
    return GMM(pi, mu, Sigma).log_pdf_components(X), xlogy(r, r)


def _scalar(value) -> float:
    arr = np.asarray(value, dtype=float)
    if arr.size != 1:
        fail(EX, f"return L(r, θ) as one number, the sum over all points i and components k; "
             f"yours has shape {arr.shape}")
    return float(arr.reshape(()))


def _diagnose(got: float, X, r, pi, mu, Sigma) -> str:
    log_joint, rlogr = _reference_terms(X, r, pi, mu, Sigma)
    want = float(np.sum(r * log_joint - rlogr))
    N = len(X)
    candidates = [
        (np.sum(r * log_joint), "you left out the −r_ik log r_ik term (the entropy of r)"),
        (np.sum(r * log_joint + rlogr), "the r_ik log r_ik term has the wrong sign: L subtracts log r_ik"),
        (np.sum(r * (log_joint - np.log(pi))) - rlogr.sum(), "you left out log π_k"),
        (want / N, "you returned the mean over points; L(r, θ) is the sum over i"),
        (np.sum(log_joint - rlogr), "you forgot to weight log π_k + log N(x_i; μ_k, Σ_k) by r_ik"),
    ]
    for value, message in candidates:
        if np.isclose(got, value, rtol=1e-7, atol=1e-8):
            return message
    return "your value differs from Σ_i Σ_k r_ik [log π_k + log N(x_i; μ_k, Σ_k) − log r_ik]"


def _check_value(elbo: Callable, X, r, pi, mu, Sigma, what: str) -> None:
    got = _scalar(call(EX, elbo, X, r, pi, mu, Sigma))
    log_joint, rlogr = _reference_terms(X, r, pi, mu, Sigma)
    want = float(np.sum(r * log_joint - rlogr))
    if not np.isfinite(got) and what.startswith("far-away"):
        fail(EX, f"{what}: you returned {got}, expected {want:.6g}. There every density "
             "N(x; μ_k, Σ_k) underflows to 0 in float64: compute log N in the log domain "
             "(helpers.gaussian.log_pdf), never as np.log of a density.")
    if np.isnan(got) and np.any(r == 0):
        fail(EX, f"{what}: you returned nan. Some r_ik are exactly 0, and 0 · log 0 evaluates to "
             "0 · (−inf) = nan; its limit is 0, so those terms must contribute 0 "
             "(use scipy.special.xlogy(r, r), or np.where(r > 0, ...)).")
    if not np.isfinite(got):
        fail(EX, f"{what}: you returned {got}, expected {want:.6g}. Compute log N(x; μ_k, Σ_k) in the "
             "log domain (helpers.gaussian.log_pdf), not as the log of a density that underflows to 0.")
    if not np.isclose(got, want, rtol=1e-7, atol=1e-8):
        fail(EX, f"{what}: {_diagnose(got, X, r, pi, mu, Sigma)} (yours {got:.6g}, expected {want:.6g}).")


def check_elbo(elbo: Callable) -> None:
    """Check Exercise 3.1 on random r, one-hot r (zeros), the posterior and far-away points."""
    X, pi, mu, Sigma, rng = _case(0, N=40, K=3, d=2)
    r = rng.dirichlet(np.ones(3), size=len(X))
    _check_value(elbo, X, r, pi, mu, Sigma, "random r")
    X5, pi5, mu5, Sigma5, rng5 = _case(1, N=25, K=4, d=5)
    _check_value(elbo, X5, rng5.dirichlet(np.ones(4), size=25), pi5, mu5, Sigma5, "random r, d = 5")
    hard = np.eye(3)[rng.integers(3, size=len(X))]
    _check_value(elbo, X, hard, pi, mu, Sigma, "one-hot r (most r_ik = 0)")
    # At the posterior the bound is tight: L(r, θ) = Σ_i log p(x_i).
    gmm = GMM(pi, mu, Sigma)
    post = gmm.responsibilities(X)
    _check_value(elbo, X, post, pi, mu, Sigma, "r = posterior")
    # Points far from every component: densities underflow, posteriors contain exact zeros.
    far = np.array([[40.0, -30.0], [-50.0, 45.0], [0.0, 0.0]])
    _check_value(elbo, far, gmm.responsibilities(far), pi, mu, Sigma, "far-away points")
    passed(EX, 5)

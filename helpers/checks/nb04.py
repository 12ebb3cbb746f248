"""Checkers for notebook 04 (the EM algorithm).

Exercise 4.1  ``e_step(X, pi, mu, Sigma)`` -> r (N, K), r_ik = p(z_i = k | x_i)
Exercise 4.2  ``m_step(X, r, reg_covar)`` -> (pi (K,), mu (K, d), Sigma (K, d, d))

The references are :func:`helpers.em.e_step` and :func:`helpers.em.m_step`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import em
from ..mixture import GMM
from ._common import random_mixture_problem as _case
from ._common import call, expect_shape, fail, passed

__all__ = ["check_e_step", "check_m_step"]

EX_E = "Exercise 4.1"
EX_M = "Exercise 4.2"


def _close(a, b, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and bool(np.all(np.isfinite(a))) and np.allclose(a, b, rtol=rtol, atol=atol)


# ------------------------------------------------------------------------------ E step

def _diagnose_e(r: np.ndarray, X, pi, mu, Sigma) -> str | None:
    """Name the mistake that explains `r`, or None."""
    gmm = GMM(pi, mu, Sigma)
    log_joint = gmm.log_pdf_components(X)
    ref, _ = em.e_step(X, gmm)
    no_pi = np.exp(log_joint - np.log(pi) - (log_joint - np.log(pi)).max(axis=1, keepdims=True))
    with np.errstate(divide="ignore"):
        log_ref = np.log(ref)
    if _close(r, no_pi / no_pi.sum(axis=1, keepdims=True)):
        return "you left out the weights π_k: r_ik ∝ π_k N(x_i; μ_k, Σ_k)"
    if np.all(np.isfinite(log_ref)) and _close(r, log_ref):
        return "you returned log r_ik; exponentiate the normalised log values"
    if _close(r, np.exp(log_joint)):
        return ("you returned π_k N(x_i; μ_k, Σ_k) without normalising: divide by the sum over k "
                "(in the log domain: subtract logsumexp over axis=1)")
    if _close(r.sum(axis=0), np.ones(r.shape[1])):
        return "your columns sum to one: normalise over the components k (axis=1), not over the points"
    if _close(r, np.eye(r.shape[1])[ref.argmax(axis=1)]):
        return "you returned hard (one-hot) assignments; the E step gives the soft posterior probabilities"
    return None


def _check_e_case(e_step: Callable, X, pi, mu, Sigma, what: str) -> None:
    N, K = len(X), len(pi)
    r = expect_shape(EX_E, f"r ({what})", call(EX_E, e_step, X, pi, mu, Sigma), (N, K)).astype(float)
    if not np.all(np.isfinite(r)):
        i = int(np.argwhere(~np.isfinite(r))[0, 0])
        fail(EX_E, f"{what}: row {i} of r contains nan or inf (x_{i} = {np.array2string(X[i], precision=1)}). "
             "Far from every component all densities underflow to 0 and 0/0 = nan: compute "
             "log π_k + log N(x_i; μ_k, Σ_k), subtract scipy.special.logsumexp over k, then exponentiate.")
    ref, _ = em.e_step(X, GMM(pi, mu, Sigma))
    if _close(r, ref):
        return
    message = _diagnose_e(r, X, pi, mu, Sigma)
    if message is not None:
        fail(EX_E, f"{what}: {message}.")
    sums = r.sum(axis=1)
    if np.any(np.abs(sums - 1) > 1e-6):
        i = int(np.argmax(np.abs(sums - 1)))
        fail(EX_E, f"{what}: each row of r must sum to one over the components; row {i} sums to {sums[i]:.4g}.")
    i, k = np.unravel_index(int(np.argmax(np.abs(r - ref))), r.shape)
    fail(EX_E, f"{what}: your responsibilities differ from p(z_i = k | x_i) = π_k N(x_i; μ_k, Σ_k) / "
         f"Σ_j π_j N(x_i; μ_j, Σ_j) (r[{i}, {k}]: yours {r[i, k]:.6g}, expected {ref[i, k]:.6g}).")


def check_e_step(e_step: Callable) -> None:
    """Check Exercise 4.1 on small cases, d = 5, and points far from every component."""
    X, pi, mu, Sigma, _ = _case(0, N=60, K=3, d=2)
    _check_e_case(e_step, X, pi, mu, Sigma, "K = 3, d = 2")
    X5, pi5, mu5, Sigma5, _ = _case(1, N=40, K=4, d=5)
    _check_e_case(e_step, X5, pi5, mu5, Sigma5, "K = 4, d = 5")
    far = np.array([[0.5, 0.5], [60.0, -45.0], [-80.0, 70.0]])
    _check_e_case(e_step, far, pi, mu, Sigma, "points far from every component")
    passed(EX_E, 3)


# ------------------------------------------------------------------------------ M step

def _diagnose_pi(got, r, X) -> str:
    nk, N, K = r.sum(axis=0), len(X), r.shape[1]
    if _close(got, nk):
        return "π_k should be N_k / N (the average responsibility), you returned N_k = Σ_i r_ik"
    if _close(got, np.full(K, 1.0 / K)):
        return "π_k should be N_k / N, not 1/K: the weights are learned too"
    hard = np.bincount(r.argmax(axis=1), minlength=K) / N
    if _close(got, hard):
        return "you counted hard assignments (argmax); use the soft counts N_k = Σ_i r_ik"
    return "π_k should be N_k / N with N_k = Σ_i r_ik"


def _diagnose_mu(got, r, X) -> str:
    nk = r.sum(axis=0)
    if _close(got, (r.T @ X) / len(X)):
        return "μ_k = Σ_i r_ik x_i / N_k: you divided by N instead of N_k"
    if _close(got, r.T @ X):
        return "μ_k = Σ_i r_ik x_i / N_k: you forgot to divide by N_k"
    if _close(got, np.broadcast_to(X.mean(axis=0), got.shape)):
        return "every μ_k equals the mean of all points: weight x_i by r_ik"
    hard = np.eye(r.shape[1])[r.argmax(axis=1)]
    if _close(got, (hard.T @ X) / np.maximum(hard.sum(axis=0), 1)[:, None]):
        return "you used hard assignments (argmax); weight every point by r_ik"
    return f"μ_k should be Σ_i r_ik x_i / N_k (N_k = {np.array2string(nk, precision=2)})"


def _weighted_scatter(X, r, centres, divisor) -> np.ndarray:
    D = X[None, :, :] - centres[:, None, :]                      # (K, N, d)
    return np.einsum("nk,kni,knj->kij", r, D, D) / divisor[:, None, None]


def _diagnose_sigma(got, r, X, reg) -> str:
    N, d = X.shape
    nk = r.sum(axis=0)
    mu = (r.T @ X) / nk[:, None]
    eye = np.eye(d)
    right = _weighted_scatter(X, r, mu, nk)
    candidates = [
        (right, f"you forgot reg_covar: add reg_covar * I (here {reg:g}) to every Σ_k"),
        (right + reg, "you added reg_covar to every entry of Σ_k; add it to the diagonal only (reg_covar * I)"),
        (_weighted_scatter(X, r, np.zeros_like(mu), nk) + reg * eye,
         "you did not centre the points: use (x_i − μ_k)(x_i − μ_k)ᵀ with the new μ_k"),
        (_weighted_scatter(X, r, np.broadcast_to(X.mean(axis=0), mu.shape), nk) + reg * eye,
         "you centred on the mean of all points; centre each component on its own new μ_k"),
        (_weighted_scatter(X, r, mu, np.full_like(nk, N)) + reg * eye,
         "Σ_k divides by N_k = Σ_i r_ik, not by N"),
        (_weighted_scatter(X, r, mu, nk - 1) + reg * eye,
         "Σ_k divides by N_k (the maximum-likelihood estimate), not by N_k − 1"),
        (_weighted_scatter(X, r ** 2, mu, nk) + reg * eye,
         "you weighted by r_ik² (r applied to both factors); weight each outer product by r_ik once"),
    ]
    for value, message in candidates:
        if _close(got, value):
            return message
    return "Σ_k should be Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ / N_k + reg_covar * I"


def _check_m_case(m_step: Callable, X, r, reg: float, what: str) -> None:
    N, d = X.shape
    K = r.shape[1]
    out = call(EX_M, m_step, X, r, reg)
    if not (isinstance(out, tuple) and len(out) == 3):
        fail(EX_M, f"return a tuple (pi, mu, Sigma); yours returned {type(out).__name__}")
    pi = expect_shape(EX_M, f"pi ({what})", out[0], (K,)).astype(float)
    mu = expect_shape(EX_M, f"mu ({what})", out[1], (K, d)).astype(float)
    Sigma = expect_shape(EX_M, f"Sigma ({what})", out[2], (K, d, d)).astype(float)
    ref = em.m_step(X, r, reg_covar=reg)
    if not _close(pi, ref.weights):
        fail(EX_M, f"{what}: {_diagnose_pi(pi, r, X)} (yours {np.array2string(pi, precision=4)}, "
             f"expected {np.array2string(ref.weights, precision=4)}).")
    if not _close(mu, ref.means):
        fail(EX_M, f"{what}: {_diagnose_mu(mu, r, X)}.")
    if not _close(Sigma, ref.covs):
        k = int(np.argmax(np.abs(Sigma - ref.covs).reshape(K, -1).max(axis=1)))
        fail(EX_M, f"{what}: {_diagnose_sigma(Sigma, r, X, reg)} (component {k}: yours "
             f"{np.array2string(Sigma[k], precision=4)}, expected {np.array2string(ref.covs[k], precision=4)}).")


def check_m_step(m_step: Callable) -> None:
    """Check Exercise 4.2 on soft responsibilities, d = 5, and a component owning one point."""
    X, *_ , rng = _case(2, N=50, K=3, d=2)
    r = rng.dirichlet(np.ones(3), size=50)
    _check_m_case(m_step, X, r, 0.05, "K = 3, d = 2, reg_covar = 0.05")
    X5, *_, rng5 = _case(3, N=40, K=4, d=5)
    _check_m_case(m_step, X5, rng5.dirichlet(np.ones(4), size=40), 1e-3, "K = 4, d = 5, reg_covar = 0.001")
    # Component 2 is responsible for one point only: without reg_covar its Σ would be 0.
    r1 = np.zeros((50, 3))
    r1[:, :2] = rng.dirichlet(np.ones(2), size=50)
    r1[7] = [0.0, 0.0, 1.0]
    _check_m_case(m_step, X, r1, 1e-2, "a component responsible for a single point")
    passed(EX_M, 3)

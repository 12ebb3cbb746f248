"""Checkers for notebook 03 (Jensen's inequality and the ELBO).

Exercise 3.1  ``elbo_gap(r, log_post)`` -> (N,)
    the gap log p(x_i) − L_i(r, θ), written as a function of r (N, K) and the log posterior
    log p(z_i = k | x_i) (N, K): the student derives that it is KL(r_i ‖ p(z_i | x_i)).
Exercise 3.4  ``em_step_mu1(x, mu1, mu2)`` -> float
    one EM step for μ₁ in the 1-D mixture ½ N(x; μ₁, 1) + ½ N(x; μ₂, 1): the posterior of
    component 1 under the current μ₁, then the μ₁ maximising L(r, θ) for that r.

The truth comes from :mod:`helpers.checks._oracle` (the gap from its definition log p(x_i) − L_i,
not from a KL formula), never from ``helpers.em`` or ``helpers.mixture``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import xlogy

from .. import em
from ..mixture import GMM
from . import _oracle
from ._common import call, expect_finite, expect_shape, fail, passed, tolerance
from ._common import random_mixture_problem as _case

__all__ = ["check_elbo_gap", "check_em_step_mu1", "reference_elbo_gap", "reference_em_step_mu1"]

EX_GAP = "Exercise 3.1"
EX_STEP = "Exercise 3.4"


def _forbidden() -> list[Callable]:
    """The course's own code for these steps (looked up at call time, so a patched em is seen)."""
    return [em.elbo, em.e_step, em.m_step, em.fit_em, GMM.responsibilities, GMM.log_pdf,
            reference_elbo_gap, reference_em_step_mu1]


def _close(got: np.ndarray, want: np.ndarray, rtol: float) -> bool:
    """Elementwise |got − want| <= rtol·max(1, |want|): the gap can be exactly 0 (at the posterior)."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    return got.shape == want.shape and bool(np.all(np.abs(got - want) <= rtol * np.maximum(1.0, np.abs(want))))


# ------------------------------------------------------------------------------ Exercise 3.1

def reference_elbo_gap(r, log_post) -> np.ndarray:
    """The course's answer to Exercise 3.1 (used by the notebook when the exercise is unsolved)."""
    r, log_post = np.asarray(r, float), np.asarray(log_post, float)
    return xlogy(r, r).sum(axis=1) - (r * log_post).sum(axis=1)

def _diagnose_gap(got: np.ndarray, r: np.ndarray, log_post: np.ndarray, rtol: float) -> str:
    post = np.exp(log_post)
    kl = xlogy(r, r).sum(axis=1) - (r * log_post).sum(axis=1)
    K = r.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        candidates = [
            (-kl, "your gaps are negative: log p(x_i) − L_i(r, θ) is never below 0 (Jensen), so the "
                  "sign of your expression is flipped"),
            ((post * (log_post - np.log(r))).sum(axis=1),
             "that is the divergence with its two distributions swapped: the gap averages the log-ratio "
             "under r_i, not under the posterior"),
            ((np.log(r) - log_post).sum(axis=1), "each log-ratio must be weighted by r_ik before summing over k"),
            (xlogy(r, r).sum(axis=1), "you kept only the Σ_k r_ik log r_ik term; the posterior is missing"),
            (-(r * log_post).sum(axis=1), "you left out the Σ_k r_ik log r_ik term (the negative entropy of r_i)"),
            (kl / K, "you averaged over the K components; the gap is a sum over k"),
        ]
    for value, message in candidates:
        if np.all(np.isfinite(value)) and _close(got, value, rtol):
            return message
    return "your values differ from log p(x_i) − L_i(r, θ) computed from its definition"


def _check_gap_case(elbo_gap: Callable, X, r, pi, mu, Sigma, what: str) -> None:
    N = len(X)
    log_post = _oracle.log_posterior(X, pi, mu, Sigma)
    want = _oracle.elbo_gap(X, r, pi, mu, Sigma)
    got = call(EX_GAP, elbo_gap, r.copy(), log_post.copy(), forbidden=_forbidden())
    if np.ndim(got) == 0:
        fail(EX_GAP, f"{what}: return one gap per point, shape ({N},); yours is a single number "
             "(did you sum over the points as well?)")
    got = expect_shape(EX_GAP, f"the gaps ({what})", got, (N,))
    if np.issubdtype(got.dtype, np.number) and not np.all(np.isfinite(got)):
        i = int(np.argwhere(~np.isfinite(got))[0, 0])
        if np.any(r[i] == 0) and np.isnan(got[i]):
            fail(EX_GAP, f"{what}: gap {i} is nan. Row {i} of r has entries exactly 0, and 0 · log 0 "
                 "evaluates to 0 · (−inf) = nan in NumPy; its limit is 0, so those terms must contribute 0 "
                 "(scipy.special.xlogy(r, r) does this).")
        if np.min(log_post[i]) < -700:
            fail(EX_GAP, f"{what}: gap {i} is {got[i]} but should be finite ({want[i]:.6g}). This point's "
                 f"log posterior goes down to {np.min(log_post[i]):.4g}: np.exp of it underflows to 0 and the "
                 "log of that is −inf. Use log_post as it is, never np.log(np.exp(log_post)).")
    expect_finite(EX_GAP, f"the gaps ({what})", got)
    rtol = tolerance(got, 1e-8)
    if not _close(got, want, rtol):
        i = int(np.argmax(np.abs(got.astype(float) - want)))
        fail(EX_GAP, f"{what}: {_diagnose_gap(got, r, log_post, rtol)} (point {i}: yours {float(got[i]):.6g}, "
             f"expected {want[i]:.6g}).")


def check_elbo_gap(elbo_gap: Callable) -> None:
    """Check Exercise 3.1 against log p(x_i) − L_i(r, θ) computed from the definitions: random r
    (d = 2 and d = 5), one-hot r (zeros), r = posterior (gap 0) and points far from every component."""
    X, pi, mu, Sigma, rng = _case(0, N=40, K=3, d=2)
    _check_gap_case(elbo_gap, X, rng.dirichlet(np.ones(3), size=len(X)), pi, mu, Sigma, "random r")
    X5, pi5, mu5, Sigma5, rng5 = _case(1, N=25, K=4, d=5)
    _check_gap_case(elbo_gap, X5, rng5.dirichlet(np.ones(4), size=25), pi5, mu5, Sigma5, "random r, d = 5")
    hard = np.eye(3)[rng.integers(3, size=len(X))]
    _check_gap_case(elbo_gap, X, hard, pi, mu, Sigma, "one-hot r (most r_ik = 0)")
    _check_gap_case(elbo_gap, X, _oracle.responsibilities(X, pi, mu, Sigma), pi, mu, Sigma,
                    "r = the posterior (the gap is 0)")
    far = np.array([[40.0, -30.0], [-50.0, 45.0], [0.0, 0.0]])
    _check_gap_case(elbo_gap, far, rng.dirichlet(np.ones(3), size=3), pi, mu, Sigma,
                    "far-away points (log posteriors near −1000)")
    passed(EX_GAP, 5)


# ------------------------------------------------------------------------------ Exercise 3.4

def reference_em_step_mu1(x, mu1: float, mu2: float) -> float:
    """The course's answer to Exercise 3.4 (used by the notebook when the exercise is unsolved)."""
    x = np.asarray(x, float)[:, None]
    gmm = GMM(np.array([0.5, 0.5]), np.array([[float(mu1)], [float(mu2)]]), np.ones((2, 1, 1)))
    r1 = gmm.responsibilities(x)[:, 0]
    return float(r1 @ x[:, 0] / r1.sum())


def _posterior_1(x, mu1, mu2) -> np.ndarray:
    """p(z = 1 | x) = σ(log-odds), for the diagnoses only (the truth is the oracle's)."""
    from scipy.special import expit
    return expit(-0.5 * (x - mu1) ** 2 + 0.5 * (x - mu2) ** 2)


def _diagnose_step(got: float, x, mu1, mu2) -> str:
    r1 = _posterior_1(x, mu1, mu2)
    N = len(x)
    with np.errstate(all="ignore"):
        unnorm = 0.5 * np.exp(-0.5 * (x - mu1) ** 2) / np.sqrt(2 * np.pi)
        hard = (r1 > 0.5).astype(float)
        candidates = [
            (float(mu1), "you returned μ₁ unchanged"),
            (float(np.mean(x)), "you returned the mean of all points: weight every x_i by its responsibility r_i1"),
            (float(np.sum((1 - r1) * x) / np.sum(1 - r1)), "you weighted by the responsibility of component 2 "
             "(1 − r_i1); μ₁ is fitted to the points component 1 explains"),
            (float(np.sum(r1 * x)), "you forgot to divide the weighted sum by the total weight"),
            (float(np.sum(r1 * x) / N), "you divided by N; divide by the soft count of component 1 instead"),
            (float(np.sum(hard * x) / np.sum(hard)), "you used hard assignments (r_i1 rounded to 0 or 1): that "
             "is a hard-EM / k-means step, not the maximiser of L(r, θ) for the posterior r"),
            (float(np.sum(unnorm * x) / np.sum(unnorm)), "your r_i1 is not normalised over the two components: "
             "it must be ½N(x_i; μ₁, 1) / (½N(x_i; μ₁, 1) + ½N(x_i; μ₂, 1))"),
            (float(np.sum(r1 ** 2 * x) / np.sum(r1 ** 2)), "you weighted by r_i1²; weight by r_i1 once"),
        ]
    for value, message in candidates:
        if np.isfinite(value) and abs(got - value) <= 1e-7 * max(1.0, abs(value)):
            return message
    return "your μ₁ is not the maximiser of L(r, θ) over μ₁ for the posterior r under the current μ₁"


def _check_step_case(step: Callable, x, mu1: float, mu2: float, what: str) -> None:
    want = _oracle.em_step_mu1(x, mu1, mu2)
    got = call(EX_STEP, step, x.copy(), mu1, mu2, forbidden=_forbidden())
    arr = np.asarray(got)
    if arr.size != 1 or not np.issubdtype(arr.dtype, np.number):
        fail(EX_STEP, f"{what}: return the new μ₁ as one number; yours has shape {arr.shape}")
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        fail(EX_STEP, f"{what}: you returned {value}. Some points here are ~40 units from both means: "
             "both densities underflow to 0 and r_i1 = 0/0. Compute r_i1 from the difference of the two "
             "log densities (it is a logistic function of that difference), never from densities.")
    if abs(value - want) > tolerance(arr, 1e-8) * max(1.0, abs(want)):
        fail(EX_STEP, f"{what}: {_diagnose_step(value, x, mu1, mu2)} (yours {value:.6g}, expected {want:.6g}).")


def check_em_step_mu1(em_step_mu1: Callable) -> None:
    """Check Exercise 3.4 on the notebook's data-like cases, other means, and points far from both."""
    rng = np.random.default_rng(30)
    x = np.concatenate([rng.normal(-1.5, 1.0, 40), rng.normal(2.0, 1.0, 40)])
    _check_step_case(em_step_mu1, x, -4.0, 2.0, "μ₁ = −4, μ₂ = 2")
    _check_step_case(em_step_mu1, x, 0.7, -1.2, "μ₁ = 0.7, μ₂ = −1.2")
    far = np.concatenate([x, [45.0, -40.0, 38.0]])
    _check_step_case(em_step_mu1, far, 0.0, 2.0, "points far from both means")
    passed(EX_STEP, 3)

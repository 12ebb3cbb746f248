"""Checkers for notebook 04 (the EM algorithm).

Exercise 4.2  ``m_step(X, r, reg_covar)`` -> (pi (K,), mu (K, d), Sigma (K, d, d))
Exercise 4.3  ``hard_em_step(X, pi, mu, Sigma, reg_covar)`` -> (pi, mu, Sigma) after one hard-EM step
Exercise 4.4  ``run_em(X, gmm, e_step, m_step, reg_covar, max_iter, tol)`` -> (gmm, log_liks)

(4.1 and 4.5 are written answers, graded by hand.)  The truth comes from
:mod:`helpers.checks._oracle`, never from ``helpers.em``: a bug there cannot make a wrong answer pass.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import em, em_driver
from ..mixture import GMM
from . import _oracle
from ._common import ExerciseError, call, expect_finite, expect_shape, fail, passed, tolerance
from ._common import random_mixture_problem as _case

__all__ = ["check_m_step", "check_hard_em_step", "check_run_em", "reference_run_em"]

EX_M = "Exercise 4.2"
EX_H = "Exercise 4.3"
EX_L = "Exercise 4.4"


def _forbidden(allow_e_step: bool = False) -> list[Callable]:
    """The course's EM code, looked up at call time (so a monkeypatched helpers.em is seen).

    The hard-EM step may get its assignments from the reference E step (an argmax of r is the
    hard assignment); it must not call the reference M step or the reference fits."""
    refs = [em.m_step, em.fit_em, em.fit_hard_em, em_driver.run, reference_run_em]
    return refs if allow_e_step else [em.e_step, *refs]


def _close(a, b, rtol: float = 1e-7) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return (a.shape == b.shape and bool(np.all(np.isfinite(a)))
            and bool(np.all(np.abs(a - b) <= rtol * max(1.0, float(np.max(np.abs(b)))))))


# ------------------------------------------------------------------------------ M step

def _diagnose_pi(got, r, X) -> str:
    nk, N, K = r.sum(axis=0), len(X), r.shape[1]
    if _close(got, nk):
        return "π_k is a probability: you returned the soft counts N_k = Σ_i r_ik, not normalised"
    if _close(got, np.full(K, 1.0 / K)):
        return "π_k should not be 1/K: the weights are fitted too (the Lagrange condition of 4.1)"
    if _close(got, np.bincount(r.argmax(axis=1), minlength=K) / N):
        return "you counted hard assignments (argmax); the M step uses the soft counts N_k"
    return "π_k is not the maximiser of Σ_k N_k log π_k subject to Σ_k π_k = 1"


def _diagnose_mu(got, r, X) -> str:
    if _close(got, (r.T @ X) / len(X)):
        return "μ_k: you divided Σ_i r_ik x_i by N; each component has its own total weight"
    if _close(got, r.T @ X):
        return "μ_k: you forgot to divide the weighted sum Σ_i r_ik x_i by the component's total weight"
    if _close(got, np.broadcast_to(X.mean(axis=0), got.shape)):
        return "every μ_k equals the mean of all points: weight x_i by r_ik"
    hard = np.eye(r.shape[1])[r.argmax(axis=1)]
    if _close(got, (hard.T @ X) / np.maximum(hard.sum(axis=0), 1)[:, None]):
        return "you used hard assignments (argmax); weight every point by r_ik"
    return "μ_k is not the r-weighted mean of the points"


def _scatter(X, w, centres, divisor) -> np.ndarray:
    D = X[None, :, :] - centres[:, None, :]                      # (K, N, d)
    return np.einsum("nk,kni,knj->kij", w, D, D) / np.asarray(divisor, float)[:, None, None]


def _diagnose_sigma(got, r, X, reg) -> str:
    N, d = X.shape
    nk = r.sum(axis=0)
    mu = (r.T @ X) / nk[:, None]
    eye = reg * np.eye(d)
    right = _scatter(X, r, mu, nk)
    candidates = [
        (_scatter(X, r, mu, nk - (r ** 2).sum(axis=0) / nk) + eye,
         "np.cov(..., aweights=r[:, k]) divides by N_k − Σ_i r_ik²/N_k (its unbiased correction): pass "
         "bias=True to get the maximum-likelihood normalisation"),
        (_scatter(X, r, mu, nk - (r ** 2).sum(axis=0) / nk),
         "np.cov(..., aweights=r[:, k]) without bias=True divides by N_k − Σ_i r_ik²/N_k, and reg_covar·I is "
         "missing as well"),
        (right, f"you forgot reg_covar: add reg_covar·I (here {reg:g}) to every Σ_k"),
        (right + reg, "you added reg_covar to every entry of Σ_k; add it to the diagonal only (reg_covar·I)"),
        (_scatter(X, r, np.zeros_like(mu), nk) + eye,
         "you did not centre the points: the outer products are of x_i − μ_k with the new μ_k"),
        (_scatter(X, r, np.broadcast_to(X.mean(axis=0), mu.shape), nk) + eye,
         "you centred on the mean of all points; centre each component on its own new μ_k"),
        (_scatter(X, r, mu, np.full_like(nk, N)) + eye,
         "Σ_k: you divided by N; each component is normalised by its own total weight"),
        (_scatter(X, r, mu, nk - 1) + eye,
         "Σ_k: you divided by N_k − 1 (the unbiased estimate); the maximum-likelihood M step divides by N_k"),
        (_scatter(X, r ** 2, mu, nk) + eye,
         "you weighted by r_ik² (r applied to both factors); weight each outer product by r_ik once"),
        (_scatter(X, np.ones_like(r), mu, np.full_like(nk, N)) + eye,
         "you did not weight the outer products by r_ik"),
    ]
    for value, message in candidates:
        if _close(got, value):
            return message
    return "Σ_k is not the r-weighted covariance about the new μ_k plus reg_covar·I"


def _transposed_hint(N: int, K: int) -> str:
    return (f" Here r has shape (N, K) = ({N}, {K}): one row per point, one column per component, so "
            "component k's responsibilities are the column r[:, k] (r[k] is point k's row), and sums over "
            "the points run over axis 0.")


def _call_m(exercise: str, m_step: Callable, X, r, reg) -> tuple:
    N, d = X.shape
    K = r.shape[1]
    try:
        out = call(exercise, m_step, X, r, reg, forbidden=_forbidden())
    except ExerciseError as err:
        if "raised" in str(err) and any(w in str(err) for w in ("shape", "broadcast", "index", "dimension")):
            raise ExerciseError(f"{err}.{_transposed_hint(N, K)}") from None
        raise
    return out


def _expect_m_output(exercise: str, out, N: int, K: int, d: int, what: str):
    if not (isinstance(out, tuple) and len(out) == 3):
        fail(exercise, f"return a tuple (pi, mu, Sigma); yours returned {type(out).__name__}")
    pi, mu, Sigma = (np.asarray(o) for o in out)
    if pi.shape == (N,) and N != K:
        fail(exercise, f"shape mismatch: pi should have shape ({K},), yours has shape {pi.shape}: you summed over "
             f"the components, not the points.{_transposed_hint(N, K)}")
    if mu.shape == (d, K) and d != K:
        fail(exercise, f"shape mismatch: mu should have shape ({K}, {d}), yours has shape (d, K) = {mu.shape}: "
             "it is transposed (one row per component).")
    pi = expect_shape(exercise, f"pi ({what})", pi, (K,))
    mu = expect_shape(exercise, f"mu ({what})", mu, (K, d))
    if Sigma.shape == (d, d) and K > 1:
        fail(exercise, f"shape mismatch: Sigma should have shape ({K}, {d}, {d}), one covariance per "
             f"component; yours has shape {Sigma.shape}.")
    Sigma = expect_shape(exercise, f"Sigma ({what})", Sigma, (K, d, d))
    for name, v in (("pi", pi), ("mu", mu), ("Sigma", Sigma)):
        expect_finite(exercise, f"{name} ({what})", v)
    return pi, mu, Sigma


def _check_m_case(m_step: Callable, X, r, reg: float, what: str) -> None:
    N, d = X.shape
    K = r.shape[1]
    pi, mu, Sigma = _expect_m_output(EX_M, _call_m(EX_M, m_step, X, r, reg), N, K, d, what)
    want_pi, want_mu, want_Sigma = _oracle.gmm_m_step(X, r, reg)
    rt = tolerance(Sigma, 1e-7)
    if not _close(pi, want_pi, tolerance(pi, 1e-7)):
        fail(EX_M, f"{what}: {_diagnose_pi(pi, r, X)} (yours {np.array2string(pi.astype(float), precision=4)}, "
             f"expected {np.array2string(want_pi, precision=4)}).")
    if not _close(mu, want_mu, tolerance(mu, 1e-7)):
        fail(EX_M, f"{what}: {_diagnose_mu(mu.astype(float), r, X)}.")
    if not _close(Sigma, want_Sigma, rt):
        k = int(np.argmax(np.abs(Sigma - want_Sigma).reshape(K, -1).max(axis=1)))
        fail(EX_M, f"{what}: {_diagnose_sigma(Sigma.astype(float), r, X, reg)} (component {k}: yours "
             f"{np.array2string(Sigma[k].astype(float), precision=4)}, expected "
             f"{np.array2string(want_Sigma[k], precision=4)}).")


def check_m_step(m_step: Callable) -> None:
    """Check Exercise 4.2 on soft responsibilities, d = 5, and a component owning one point."""
    X, *_, rng = _case(2, N=50, K=3, d=2)
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


# ------------------------------------------------------------------------------ hard-EM step

def _hard_problem(seed: int, N: int, K: int, d: int):
    """A problem whose hard assignments give every component more than d points, and on which the
    wrong assignment rules (no π, Euclidean, argmin) give different partitions."""
    X, pi, mu, Sigma, _ = _case(seed, N=N, K=K, d=d)
    X = np.concatenate([mu[k] + (np.linalg.cholesky(Sigma[k]) @ np.random.default_rng(seed + k)
                                 .standard_normal((d, N // K))).T for k in range(K)])
    return X, pi, mu, Sigma


def _diagnose_hard(got, X, pi, mu, Sigma, reg) -> str:
    K, d = len(pi), X.shape[1]
    eye = np.eye(K)
    lj = _oracle.log_joint(X, pi, mu, Sigma)
    no_pi = lj - np.log(pi)
    dist = ((X[:, None, :] - mu[None]) ** 2).sum(axis=2)
    soft = _oracle.responsibilities(X, pi, mu, Sigma)
    hard = eye[lj.argmax(axis=1)]
    new = _oracle.gmm_m_step(X, hard, reg)
    rules = [
        (eye[no_pi.argmax(axis=1)], "you assigned each point by N(x_i; μ_k, Σ_k) alone: the weights π_k are "
         "part of the rule"),
        (eye[dist.argmin(axis=1)], "you assigned each point to the nearest mean in Euclidean distance (the "
         "k-means rule); hard EM assigns to the component with the largest π_k N(x_i; μ_k, Σ_k)"),
        (eye[lj.argmin(axis=1)], "you assigned each point to its least probable component (argmin)"),
        (soft, "you refitted with the soft responsibilities (a soft EM step); the hard step hands each point "
         "wholly to one component"),
    ]
    for r_wrong, message in rules:
        if (r_wrong.sum(axis=0) > 0).all():
            cand = _oracle.gmm_m_step(X, r_wrong, reg)
            if all(_close(g, c, 1e-6) for g, c in zip(got, cand)):
                return message
    pi_g, mu_g, S_g = got
    if _close(mu_g, new[1], 1e-6) and _close(pi_g, pi, 1e-6) and not _close(pi, new[0], 1e-6):
        return ("you kept the old weights π: hard EM refits them too (π_k = the fraction of points assigned "
                "to k); only k-means holds them fixed")
    if _close(mu_g, new[1], 1e-6) and _close(S_g, Sigma, 1e-6):
        return ("you kept the old covariances Σ: hard EM refits them too, from each component's assigned "
                "points; only k-means holds them fixed")
    if _close(mu_g, new[1], 1e-6) and _close(pi_g, new[0], 1e-6):
        if _close(S_g, new[2] - reg * np.eye(d), 1e-6):
            return f"you forgot reg_covar: add reg_covar·I (here {reg:g}) to every refitted Σ_k"
        return "the new μ and π are right but Σ is not each component's covariance of its assigned points"
    if _close(mu_g, new[1], 1e-6):
        return "the new μ is right but π is not the fraction of points assigned to each component"
    return "the refitted model is not the M step on the hard (one-hot) assignments"


def _check_hard_case(step: Callable, X, pi, mu, Sigma, reg: float, what: str) -> None:
    N, d = X.shape
    K = len(pi)
    out = call(EX_H, step, X, pi, mu, Sigma, reg, forbidden=_forbidden(allow_e_step=True))
    got = _expect_m_output(EX_H, out, N, K, d, what)
    hard = _oracle.gmm_hard_assignments(X, pi, mu, Sigma)
    want = _oracle.gmm_m_step(X, hard, reg)
    if not all(_close(g, w, tolerance(g, 1e-7)) for g, w in zip(got, want)):
        fail(EX_H, f"{what}: {_diagnose_hard(tuple(np.asarray(g, float) for g in got), X, pi, mu, Sigma, reg)}.")


def check_hard_em_step(hard_em_step: Callable) -> None:
    """Check Exercise 4.3 on two problems with unequal weights and correlated covariances."""
    X, pi, mu, Sigma = _hard_problem(4, N=90, K=3, d=2)
    _check_hard_case(hard_em_step, X, pi, mu, Sigma, 1e-3, "K = 3, d = 2")
    X4, pi4, mu4, Sigma4 = _hard_problem(5, N=120, K=4, d=3)
    _check_hard_case(hard_em_step, X4, pi4, mu4, Sigma4, 1e-2, "K = 4, d = 3")
    passed(EX_H, 2)


# ------------------------------------------------------------------------------ the EM loop

def reference_run_em(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    """The course's answer to Exercise 4.4 (used by the notebook when the exercise is unsolved)."""
    log_liks = []
    for t in range(max_iter + 1):
        r, mean_ll = e_step(X, gmm)
        log_liks.append(float(mean_ll))
        if (t > 0 and abs(log_liks[-1] - log_liks[-2]) < tol * abs(log_liks[-1])) or t == max_iter:
            break
        gmm = GMM(*m_step(X, r, reg_covar))
    return gmm, log_liks


class _Counted:
    """An E or M step for the checker's calls of the student's loop (plain NumPy, not the oracle's
    functions, which `call` refuses inside an answer); counts its calls."""

    def __init__(self, fn: Callable) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args)


def _loop_e_step(X, gmm):
    """(r (N, K), mean log-likelihood) for a GMM, with Cholesky factors and a max-shifted log-sum-exp."""
    X = np.asarray(X, float)
    d = X.shape[1]
    cols = []
    for w, m, S in zip(np.asarray(gmm.weights, float), np.asarray(gmm.means, float), np.asarray(gmm.covs, float)):
        L = np.linalg.cholesky(S)
        z = np.linalg.solve(L, (X - m).T)
        cols.append(np.log(w) - 0.5 * (d * np.log(2 * np.pi) + 2 * np.log(np.diag(L)).sum() + (z ** 2).sum(axis=0)))
    a = np.stack(cols, axis=1)
    mx = a.max(axis=1, keepdims=True)
    lse = mx + np.log(np.exp(a - mx).sum(axis=1, keepdims=True))
    return np.exp(a - lse), float(lse.mean())


def _loop_m_step(X, r, reg_covar):
    X, r = np.asarray(X, float), np.asarray(r, float)
    nk = r.sum(axis=0)
    mu = (r.T @ X) / nk[:, None]
    return nk / len(X), mu, _scatter(X, r, mu, nk) + reg_covar * np.eye(X.shape[1])


def _stop_index(lls, tol: float, max_iter: int, relative: bool = True) -> int:
    for t in range(1, len(lls)):
        if abs(lls[t] - lls[t - 1]) < tol * (abs(lls[t]) if relative else 1.0):
            return t
    return max_iter


def _check_loop_case(run_em: Callable, X, theta0, reg: float, max_iter: int, tol: float, what: str) -> None:
    (want_theta, want_lls) = _oracle.gmm_run_em(X, *theta0, reg, max_iter, tol)
    # The trace a few steps past the stop without the stopping rule, to name where a wrong loop stops.
    _, full = _oracle.gmm_run_em(X, *theta0, reg, min(max_iter, len(want_lls) + 3), 0.0)
    e, m = _Counted(_loop_e_step), _Counted(_loop_m_step)
    gmm0 = GMM(*theta0)
    out = call(EX_L, run_em, X, gmm0, e, m, reg, max_iter, tol, forbidden=_forbidden())
    if not (isinstance(out, tuple) and len(out) == 2):
        fail(EX_L, f"return a pair (gmm, log_liks); yours returned {type(out).__name__}")
    gmm, lls = out
    if not isinstance(gmm, GMM):
        fail(EX_L, f"{what}: the first element should be the final GMM (build it with GMM(*m_step(...))); "
             f"yours is {type(gmm).__name__}")
    lls = np.asarray(lls, dtype=float).ravel() if np.ndim(lls) <= 1 else np.asarray(lls)
    if lls.ndim != 1:
        fail(EX_L, f"{what}: log_liks should be a list of numbers, one per evaluated model; yours has shape "
             f"{lls.shape}")
    if e.calls == 0 or (m.calls == 0 and len(want_lls) > 1):
        which = "e_step" if e.calls == 0 else "m_step"
        fail(EX_L, f"{what}: your loop never called the {which} it was given as an argument; use the "
             "functions passed in (the checker passes its own)")
    expect_finite(EX_L, f"log_liks ({what})", lls)
    T = len(want_lls) - 1
    if len(lls) >= 1 and not np.isclose(lls[0], want_lls[0], rtol=1e-9, atol=0):
        if len(full) > 1 and np.isclose(lls[0], full[1], rtol=1e-9):
            fail(EX_L, f"{what}: log_liks[0] is the log-likelihood after the first M step; record ℓ_0, the "
                 "initial model's, before the first M step")
        fail(EX_L, f"{what}: log_liks[0] = {lls[0]:.6g} is not the mean log-likelihood of the initial model "
             f"({want_lls[0]:.6g}); record what e_step returns for θ_t before each M step")
    n = min(len(lls), len(full))
    if not np.allclose(lls[:n], full[:n], rtol=1e-9, atol=0):
        t = int(np.argmax(~np.isclose(lls[:n], full[:n], rtol=1e-9, atol=0)))
        fail(EX_L, f"{what}: log_liks[{t}] = {lls[t]:.6g}, expected {full[t]:.6g}: each E step must use the "
             "model from the previous M step, and each M step the responsibilities of the current model "
             "(with reg_covar passed on)")
    if len(lls) != len(want_lls):
        if len(lls) == max_iter + 1 and T < max_iter:
            fail(EX_L, f"{what}: your loop ran all max_iter = {max_iter} iterations, but the relative change "
                 f"|ℓ_t − ℓ_(t−1)| first fell below tol·|ℓ_t| (tol = {tol:g}) at t = {T}: stop there")
        if len(lls) - 1 == _stop_index(full, tol, max_iter, relative=False) and T < max_iter:
            fail(EX_L, f"{what}: you stopped when |ℓ_t − ℓ_(t−1)| < tol; the test is relative: stop when "
                 "|ℓ_t − ℓ_(t−1)| < tol·|ℓ_t|")
        if len(lls) > max_iter + 1:
            fail(EX_L, f"{what}: with max_iter = {max_iter} there are at most {max_iter + 1} evaluated models "
                 f"(θ_0 … θ_max_iter); yours recorded {len(lls)} log-likelihoods")
        fail(EX_L, f"{what}: your loop stopped at t = {len(lls) - 1}, expected t = {T} (tol = {tol:g}, "
             f"max_iter = {max_iter}: stop at the first t ≥ 1 with |ℓ_t − ℓ_(t−1)| < tol·|ℓ_t|, or at "
             "t = max_iter)")
    got_theta = (gmm.weights, gmm.means, gmm.covs)
    if not all(_close(g, w, 1e-7) for g, w in zip(got_theta, want_theta)):
        if T < len(full) - 1:
            nxt = _oracle.gmm_m_step(X, _oracle.responsibilities(X, *want_theta), reg)
            if all(_close(g, w, 1e-7) for g, w in zip(got_theta, nxt)):
                fail(EX_L, f"{what}: you returned the model after one more M step than the last log-likelihood "
                     "you recorded; return θ_t, the model whose ℓ_t ends log_liks")
        fail(EX_L, f"{what}: the returned GMM is not θ_{T}, the model whose log-likelihood ends log_liks")
    if m.calls != T:
        fail(EX_L, f"{what}: your loop made {m.calls} M steps for {T + 1} evaluated models; it needs {T} "
             "(no M step after the last evaluation)")


def check_run_em(run_em: Callable) -> None:
    """Check Exercise 4.4: a fit that converges (relative tol), tol = 0 (runs max_iter) and max_iter = 0."""
    rng = np.random.default_rng(40)
    X = np.concatenate([rng.normal([0, 0], 1.0, (40, 2)), rng.normal([4, 1], 0.7, (30, 2)),
                        rng.normal([-1, 4], 0.6, (20, 2))])
    theta0 = (np.full(3, 1 / 3), X[[0, 45, 80]].copy(), np.tile(np.eye(2), (3, 1, 1)))
    _check_loop_case(run_em, X, theta0, 1e-3, 100, 2e-3, "tol = 0.002, max_iter = 100")
    _check_loop_case(run_em, X, theta0, 1e-2, 6, 0.0, "tol = 0, max_iter = 6")
    _check_loop_case(run_em, X, theta0, 1e-3, 0, 2e-3, "max_iter = 0")
    passed(EX_L, 3)

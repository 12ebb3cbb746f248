"""Checkers for notebook 05 (gradient descent, momentum, fitting by SGD).

Exercise 5.1  ``momentum_step(theta, velocity, grad, lr, beta)`` -> (new θ, new v) with
              v ← β v + g, θ ← θ − η v.
Exercise 5.4  ``gaussian_nll_grad(X, mu, A, eps)`` -> (∂J/∂μ (d,), ∂J/∂A (d, d)) of the mean NLL
              J = mean_i −log N(x_i; μ, A Aᵀ + εI).
Exercise 5.5  ``sgd_epoch(params, velocity, X, grad_fn, step_fn, lrs, beta, batch_size, rng)``: one
              epoch of minibatch momentum SGD -> (params, velocity).
Exercise 5.6  ``logit_grad(w, log_lik)`` -> ∂J/∂w (K,) for J(w) = −mean_i log Σ_k softmax(w)_k e^{ℓ_ik}.

(5.2 and 5.3 are written answers, graded by hand.) The truth always comes from
:mod:`helpers.checks._oracle`, never from :mod:`helpers.sgd`; the wrong answers named in the messages
are computed here with plain NumPy.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import em, sgd
from . import _oracle
from ._common import call, expect_close, expect_finite, expect_shape, fail, is_close, passed

__all__ = ["check_momentum_step", "check_gaussian_nll_grad", "check_sgd_epoch", "check_logit_grad",
           "reference_sgd_epoch", "reference_logit_grad"]

EX_MOMENTUM = "Exercise 5.1"
EX_GRAD = "Exercise 5.4"
EX_EPOCH = "Exercise 5.5"
EX_LOGIT = "Exercise 5.6"


def _refs(*names: str) -> list[Callable]:
    """The course's implementations an answer must not call (names that exist in helpers.sgd)."""
    out = []
    for name in names:
        obj = sgd
        for part in name.split("."):
            obj = getattr(obj, part, None)
        if callable(obj):
            out.append(obj)
    return out


_STEP_REFS = ("momentum_update", "gd_update", "Momentum.step", "GradientDescent.step")
_GRAD_REFS = ("gaussian_nll_and_grad", "_gaussian_nll_grad", "numerical_gradient", "grad_check",
              "gmm_nll_and_grad", "_gmm_nll_grad")


def _close(a, b, rtol: float = 1e-6) -> bool:
    return is_close(a, b, rtol)


# ----------------------------------------------------------------------------- Exercise 5.1
def _diagnose_momentum(theta, v, g, lr, beta, got_theta, got_v) -> str | None:
    want_theta, v_new = _oracle.heavy_ball_step(theta, v, g, lr, beta)
    if not _close(got_v, v_new):
        if _close(got_v, g):
            return "your new velocity is just the gradient: keep the memory of past gradients"
        if _close(got_v, v + g):
            return "your new velocity forgets β: the old velocity must be damped by β"
        if _close(got_v, beta * v + (1 - beta) * g):
            return ("your velocity is the moving average β v + (1 − β) g; this course uses the "
                    "heavy-ball form in which v accumulates gradients with weight 1")
        if _close(got_v, beta * v - lr * g) or _close(got_v, beta * v - g):
            return ("your velocity subtracts the gradient; here v accumulates gradients "
                    "and the step on θ carries the minus sign")
        return "your new velocity is wrong: it combines the old velocity (damped by β) and the gradient"
    if _close(got_theta, want_theta):
        return None
    if _close(got_theta, theta + lr * v_new):
        return "θ moves uphill: the step must go against the velocity (a minus sign)"
    if _close(got_theta, theta - lr * v):
        return "you moved θ with the OLD velocity: update v first, then step θ with the new v"
    if _close(got_theta, theta - lr * g):
        return "θ moved by the gradient alone (plain GD): step with the new velocity"
    if _close(got_theta, theta - v_new):
        return "you forgot the learning rate in the step on θ"
    return "your new θ is wrong: it should move by the learning rate times the new velocity"


def _valley_grad(theta):
    """∇f for f(θ) = ½ θᵀ H θ with curvatures 1 and 0.01 along axes rotated by 30°."""
    a = np.deg2rad(30.0)
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return (R * np.array([1.0, 0.01])) @ R.T @ theta


def check_momentum_step(momentum_step: Callable) -> None:
    """Check Exercise 5.1: one heavy-ball update (θ, v) → (θ − η(βv + g), βv + g)."""
    n_checks = 0
    rng = np.random.default_rng(5)
    forbidden = _refs(*_STEP_REFS)
    cases = [((3,), 0.1, 0.9), ((2, 2), 0.5, 0.5), ((4,), 0.01, 0.0), ((5,), 1.0, 0.99)]
    for shape, lr, beta in cases:
        theta, v, g = (rng.normal(size=shape) for _ in range(3))
        out = call(EX_MOMENTUM, momentum_step, theta, v, g, lr, beta, forbidden=forbidden)
        if not isinstance(out, tuple) or len(out) != 2:
            fail(EX_MOMENTUM, "return a tuple (new_theta, new_velocity)")
        where = f"(lr = {lr:g}, β = {beta:g}, arrays of shape {shape})"
        got_theta = expect_shape(EX_MOMENTUM, "new_theta", out[0], shape)
        got_v = expect_shape(EX_MOMENTUM, "new_velocity", out[1], shape)
        expect_finite(EX_MOMENTUM, "new_theta", got_theta)
        expect_finite(EX_MOMENTUM, "new_velocity", got_v)
        problem = _diagnose_momentum(theta, v, g, lr, beta, got_theta, got_v)
        if problem is not None:
            fail(EX_MOMENTUM, f"{problem} {where}.")
        n_checks += 2
    # Behaviour: on a condition-100 quadratic, 300 of your steps with β = 0.9 must converge.
    theta, v = np.array([2.0, 1.0]), np.zeros(2)
    loss = lambda t: 0.5 * t @ _valley_grad(t)  # noqa: E731
    for _ in range(300):
        theta, v = momentum_step(theta, v, _valley_grad(theta), 1.0, 0.9)
    if not loss(np.asarray(theta, float)) < 1e-6 * loss(np.array([2.0, 1.0])):
        fail(EX_MOMENTUM, "300 steps with lr = 1, β = 0.9 did not converge on a quadratic bowl")
    passed(EX_MOMENTUM, n_checks + 1)


# ----------------------------------------------------------------------------- Exercise 5.4
def _grad_case(seed: int, N: int, d: int, eps: float, singular: bool = False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
    mu = rng.normal(size=d)       # far from x̄, so S about μ and S about x̄ differ
    A = rng.normal(size=(d, d)) + np.eye(d)   # not symmetric: A and Aᵀ give different answers
    if singular:
        A[:, -1] = 0.0            # rank-deficient A: Σ = A Aᵀ + εI is still invertible
    return X, mu, A, eps


def _inv(M):
    return np.linalg.solve(M, np.eye(len(M)))


def _diagnose_mu(got, X, mu, A, eps, want) -> str:
    N, d = X.shape
    D = X - mu
    if _close(got, -want):
        return "it has the wrong sign: J decreases when μ moves towards the data"
    if _close(got, N * want):
        return f"it is {N}× too large: J is the MEAN over the N = {N} points, so average, don't sum"
    if _close(got, -_inv(A.T @ A + eps * np.eye(d)) @ D.mean(axis=0)):
        return "it uses Σ = AᵀA + εI: here Σ = A Aᵀ + εI (A times its transpose)"
    if np.linalg.matrix_rank(A) == d and _close(got, -_inv(A @ A.T) @ D.mean(axis=0)):
        return "it matches Σ = A Aᵀ without the εI term: the covariance is Σ = A Aᵀ + εI"
    if _close(got, -D.mean(axis=0)) or _close(got, D.mean(axis=0)):
        return "it is missing Σ⁻¹: the gradient of ½ (x − μ)ᵀ Σ⁻¹ (x − μ) involves Σ⁻¹"
    return "it does not match the gradient of J"


def _wrong_A_gradients(X, mu, A, eps) -> list[tuple[str, np.ndarray]]:
    """(message, the wrong ∂J/∂A a typical mistake gives), most specific first."""
    N, d = X.shape
    I = np.eye(d)
    P = _inv(A @ A.T + eps * I)
    D = X - mu
    S = D.T @ D / N
    M = P - P @ S @ P
    Xc = X - X.mean(axis=0)
    out = []
    Pt = _inv(A.T @ A + eps * I)
    msg = ("it uses Σ = AᵀA + εI: here Σ = A Aᵀ + εI (A times its transpose); build Σ that way "
           "and redo the chain rule with dΣ = dA Aᵀ + A dAᵀ")
    out += [(msg, (Pt - Pt @ S @ Pt) @ A), (msg, A @ (Pt - Pt @ S @ Pt))]
    out.append(("A is on the wrong side of the bracket: redo the chain-rule step, writing "
                "tr(G dΣ) with dΣ = dA Aᵀ + A dAᵀ in the form tr(Mᵀ dA) (cyclic permutation), and read off M",
                A @ M))
    out.append(("it is the transpose of the right answer: entry (j, k) of your array must be ∂J/∂A_jk; "
                "dJ = tr(Mᵀ dA) means ∂J/∂A = M, not Mᵀ", (M @ A).T))
    for S_bar in (Xc.T @ Xc / N, Xc.T @ Xc / (N - 1)):
        out.append(("your S is centred on the sample mean x̄: J at the current μ has the data term "
                    "½ tr(Σ⁻¹ S_μ) with S_μ = mean_i (x_i − μ)(x_i − μ)ᵀ, and μ ≠ x̄ while SGD runs",
                    (P - P @ S_bar @ P) @ A))
    out.append(("your S_μ is divided by N − 1: J is the mean over the N points, so divide by N",
                (P - P @ (D.T @ D / (N - 1)) @ P) @ A))
    out.append(("it has Σ⁻¹ − S_μ: the data term needs d(Σ⁻¹) = −Σ⁻¹ dΣ Σ⁻¹, so S_μ appears "
                "between two factors Σ⁻¹", (P - S) @ A))
    out.append(("it has the wrong sign", -M @ A))
    out.append(("it is half the right answer: Σ = A Aᵀ contains A twice, and both terms of dΣ count",
                0.5 * M @ A))
    out.append(("it is twice the right answer: check the ½ in front of log det Σ and the quadratic form",
                2 * M @ A))
    out.append((f"it is {N}× too large: J is the MEAN over the N = {N} points, so average, don't sum",
                N * M @ A))
    for G in (0.5 * M, M):
        out.append(("it is the gradient with respect to Σ, not A: apply the chain rule through "
                    "Σ = A Aᵀ + εI", G))
    if np.linalg.matrix_rank(A) == d:
        P0 = _inv(A @ A.T)
        out.append(("it matches Σ = A Aᵀ without the εI term: the covariance is Σ = A Aᵀ + εI",
                    (P0 - P0 @ S @ P0) @ A))
    return out


def check_gaussian_nll_grad(gaussian_nll_grad: Callable) -> None:
    """Check Exercise 5.4: the gradients of the mean Gaussian NLL with respect to μ and A.

    Each gradient is compared with the oracle's (itself tested against finite differences); a wrong
    one is named ("your ∂J/∂A ...") with the most likely cause.
    """
    n_checks = 0
    forbidden = _refs(*_GRAD_REFS)
    cases = [(0, 20, 3, 0.5, False), (1, 50, 5, 0.1, False), (2, 7, 1, 0.3, False),
             (3, 30, 4, 1e-2, True)]
    for seed, N, d, eps, singular in cases:
        X, mu, A, eps = _grad_case(seed, N, d, eps, singular)
        want_mu, want_A = _oracle.gaussian_factor_nll_grad(X, mu, A, eps)
        out = call(EX_GRAD, gaussian_nll_grad, X, mu, A, eps, forbidden=forbidden)
        if not isinstance(out, tuple) or len(out) != 2:
            fail(EX_GRAD, "return a tuple (grad_mu, grad_A), e.g. `return grad_mu, grad_A`")
        where = f"(N = {N}, d = {d}, ε = {eps:g}{', A singular' if singular else ''})"
        g_mu = expect_shape(EX_GRAD, f"grad_mu for d = {d}", out[0], (d,))
        g_A = expect_shape(EX_GRAD, f"grad_A for d = {d}", out[1], (d, d))
        expect_finite(EX_GRAD, f"grad_mu {where}", g_mu)
        if not _close(g_mu, want_mu, 1e-7):
            fail(EX_GRAD, f"your ∂J/∂μ (grad_mu) is wrong {where}: "
                 f"{_diagnose_mu(g_mu, X, mu, A, eps, want_mu)}.")
        if not np.all(np.isfinite(g_A)):
            fail(EX_GRAD, f"your ∂J/∂A (grad_A) contains nan or inf {where}: Σ = A Aᵀ + εI is "
                 "invertible even when A is not, so solve with (or Cholesky-factor) Σ, never A.")
        if not _close(g_A, want_A, 1e-7):
            why = next((m for m, wrong in _wrong_A_gradients(X, mu, A, eps) if _close(g_A, wrong)),
                       "it does not match the gradient of J")
            fail(EX_GRAD, f"your ∂J/∂A (grad_A) is wrong {where}: {why}.")
        n_checks += 2
    passed(EX_GRAD, n_checks)


# ----------------------------------------------------------------------------- Exercise 5.5
class _Recorder:
    """The checker's grad_fn and step_fn: plain formulas that also record how they were called."""

    def __init__(self):
        self.grad_calls: list[tuple[dict, np.ndarray]] = []
        self.step_calls: list[tuple[np.ndarray, np.ndarray, float, float]] = []

    def grad_fn(self, params, X_batch):
        """Gradient of the mean of ½‖x − μ‖² + ½‖A − x xᵀ‖² over the batch."""
        Xb = np.array(X_batch, float)
        self.grad_calls.append(({k: np.array(v, float) for k, v in params.items()}, Xb))
        return {"mu": params["mu"] - Xb.mean(axis=0), "A": params["A"] - Xb.T @ Xb / len(Xb)}

    def step_fn(self, theta, velocity, grad, lr, beta):
        self.step_calls.append((np.array(velocity, float), np.array(grad, float), lr, beta))
        velocity = beta * velocity + grad
        return theta - lr * velocity, velocity


def _epoch_inputs(seed: int, N: int, d: int, B: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d)) + 2.0
    params = {"mu": rng.normal(size=d), "A": rng.normal(size=(d, d))}
    velocity = {"mu": 0.3 * rng.normal(size=d), "A": 0.3 * rng.normal(size=(d, d))}
    lrs = np.linspace(0.3, 0.05, -(-N // B))
    return X, params, velocity, lrs


def _diagnose_batches(calls, X, order, B) -> str | None:
    N = len(X)
    n_steps = -(-N // B)
    batches = [b for _, b in calls]
    if n_steps > 1 and any(len(b) == N for b in batches):
        return "your grad_fn saw all N rows at once: each step's gradient must see one minibatch only"
    if len(batches) == N // B and N % B:
        return (f"your epoch took {len(batches)} steps, one fewer than the {n_steps} expected: the last, "
                f"smaller minibatch of {N % B} rows is missing")
    if len(batches) != n_steps:
        return (f"your epoch took {len(batches)} steps; with N = {N} rows and batch_size = {B} it "
                f"should take {n_steps} (every row once, the last batch smaller)")
    for t, b in enumerate(batches):
        want = X[order[t * B:(t + 1) * B]]
        if b.shape == want.shape and np.array_equal(b, want):
            continue
        if b.shape == want.shape and np.array_equal(b, X[t * B:(t + 1) * B]):
            return ("the minibatches are the rows in their original order: shuffle first, with "
                    "order = rng.permutation(N) drawn once per epoch")
        rows = np.concatenate(batches)
        if len(rows) != N or len(np.unique(rows, axis=0)) != N:
            return "every row of X must appear exactly once per epoch (cut ONE permutation into batches)"
        if len(b) != len(want):
            return (f"minibatch {t} has {len(b)} rows, expected {len(want)}: every minibatch but the last has "
                    "exactly batch_size rows (order[t*B:(t+1)*B]); np.array_split balances the sizes instead")
        return (f"minibatch {t} is not rows order[{t * B}:{(t + 1) * B}] of order = rng.permutation(N): "
                "draw the permutation once, at the start of the epoch, and use no other random numbers")
    return None


def check_sgd_epoch(sgd_epoch: Callable) -> None:
    """Check Exercise 5.5: one epoch of minibatch momentum SGD, step by step, against the oracle."""
    n_checks = 0
    forbidden = [*_refs("run_sgd", "fit_gaussian_sgd", "fit_gmm_sgd", *_STEP_REFS), reference_sgd_epoch]
    for seed, N, d, B, beta in [(0, 23, 2, 5, 0.9), (1, 12, 3, 4, 0.5), (2, 9, 1, 20, 0.0)]:
        X, params, velocity, lrs = _epoch_inputs(seed, N, d, B)
        rec = _Recorder()
        copies = ({k: a.copy() for k, a in params.items()}, {k: a.copy() for k, a in velocity.items()})
        out = call(EX_EPOCH, sgd_epoch, *copies, X, rec.grad_fn, rec.step_fn, lrs, beta, B,
                   np.random.default_rng(100 + seed), forbidden=forbidden)
        if (not isinstance(out, tuple) or len(out) != 2 or not all(isinstance(o, dict) for o in out)):
            fail(EX_EPOCH, "return a tuple (params, velocity) of two dicts with the keys of `params`")
        where = f"(N = {N}, batch_size = {B}, β = {beta:g})"
        order = np.random.default_rng(100 + seed).permutation(N)
        problem = _diagnose_batches(rec.grad_calls, X, order, B)
        if problem:
            fail(EX_EPOCH, f"{problem} {where}.")
        n_steps = len(lrs)
        if len(rec.step_calls) != len(params) * n_steps:
            fail(EX_EPOCH, f"call step_fn once per parameter array per step ({len(params)} arrays × {n_steps} "
                 f"steps), yours made {len(rec.step_calls)} calls {where}.")
        lr_used = [c[2] for c in rec.step_calls]
        if not np.allclose(lr_used, np.repeat(lrs, len(params))):
            fail(EX_EPOCH, f"step t must use the learning rate lrs[t] (yours: {lr_used[:4]} ...) {where}.")
        if any(c[3] != beta for c in rec.step_calls):
            fail(EX_EPOCH, f"pass the momentum β = beta to step_fn {where}.")
        # replay with the oracle, step by step, to name the first step that differs
        p = {k: np.array(v, float) for k, v in params.items()}
        v = {k: np.array(u, float) for k, u in velocity.items()}
        for t in range(n_steps):
            seen = rec.grad_calls[t][0]
            if not all(_close(seen[k], p[k], 1e-10) for k in p):
                fail(EX_EPOCH, f"at step {t} grad_fn was called at other parameters than the current ones: "
                     f"evaluate each gradient at the parameters after the previous step {where}.")
            for got_v, *_ in rec.step_calls[len(p) * t:len(p) * (t + 1)]:
                k = next((k for k in p if v[k].shape == got_v.shape), None)
                if k is None or not _close(got_v, v[k], 1e-10):
                    fail(EX_EPOCH, "the velocity passed to step_fn is not the one the previous step "
                         "returned (or, at step 0, the `velocity` argument): carry it from step to step "
                         f"and never reset it {where}.")
            grads = _Recorder().grad_fn(p, X[order[t * B:(t + 1) * B]])
            for k in p:
                v[k] = beta * v[k] + grads[k]
                p[k] = p[k] - lrs[t] * v[k]
        want_p, want_v = _oracle.momentum_sgd_epoch(params, velocity, X, _Recorder().grad_fn, lrs, beta, B,
                                                    np.random.default_rng(100 + seed))
        got_p, got_v = out
        if set(got_p) != set(params) or set(got_v) != set(params):
            fail(EX_EPOCH, f"the returned dicts must have the keys {sorted(params)} {where}")
        for k in params:
            expect_close(EX_EPOCH, f"the returned params['{k}'] {where}", got_p[k], want_p[k], 1e-10,
                         hint="return the parameters after the last step")
            expect_close(EX_EPOCH, f"the returned velocity['{k}'] {where}", got_v[k], want_v[k], 1e-10,
                         hint="return the velocity after the last step")
        n_checks += 3
    passed(EX_EPOCH, n_checks)


# ----------------------------------------------------------------------------- Exercise 5.6
def _logit_case(seed: int, N: int, K: int, offset: float):
    rng = np.random.default_rng(seed)
    return rng.normal(size=K), 3.0 * rng.normal(size=(N, K)) + offset


def _softmax_rows(a):
    a = a - a.max(axis=-1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=-1, keepdims=True)


def _diagnose_logit(got, w, log_lik, want) -> str:
    N, K = log_lik.shape
    pi = _softmax_rows(w)
    R = _softmax_rows(np.log(pi) + log_lik)
    if _close(got, -want):
        return "it has the wrong sign: J must decrease when a weight moves towards its share of the points"
    if _close(got, N * want):
        return f"it is {N}× too large: J is the MEAN over the N = {N} points, so average, don't sum"
    if _close(got, -R.mean(axis=0) / pi):
        return ("it is ∂J/∂π, not ∂J/∂w: apply the chain rule through π = softmax(w), whose every "
                "entry depends on every w_j")
    if _close(got, -R.mean(axis=0)):
        return ("the term from the softmax's normaliser is missing: log π_k = w_k − log Σ_j e^{w_j} "
                "depends on every w_j")
    if _close(got, pi - _softmax_rows(log_lik).mean(axis=0)):
        return "your responsibilities leave out the weights: r_ik is proportional to π_k N(x_i | k)"
    if _close(got, pi - _softmax_rows(pi + log_lik).mean(axis=0)):
        return "your responsibilities add π_k to the log-likelihoods: add log π_k"
    E = np.exp(np.log(pi) + log_lik - log_lik.max())
    with np.errstate(all="ignore"):
        R_cols = E / E.sum(axis=0, keepdims=True)
    if np.all(np.isfinite(R_cols)) and _close(got, pi - R_cols.mean(axis=0)):
        return "your responsibilities are normalised over the points: normalise each row over the K components"
    if abs(float(np.sum(got))) > 1e-6 * max(1.0, float(np.max(np.abs(got)))):
        return ("its entries do not sum to zero, but adding the same constant to every w_k leaves π, "
                "hence J, unchanged, so the gradient must sum to zero")
    return "it does not match the gradient of J"


def check_logit_grad(logit_grad: Callable) -> None:
    """Check Exercise 5.6: ∂J/∂w for mixture weights π = softmax(w), given log N(x_i; μ_k, Σ_k)."""
    n_checks = 0
    forbidden = [*_refs("gmm_nll_and_grad", "_gmm_nll_grad", "numerical_gradient", "grad_check"),
                 *[f for f in (getattr(em, "e_step", None),) if callable(f)], reference_logit_grad]
    for seed, N, K, offset in [(0, 40, 3, 0.0), (1, 25, 5, -5.0), (2, 10, 2, 3.0), (3, 30, 4, -900.0)]:
        w, log_lik = _logit_case(seed, N, K, offset)
        want = _oracle.mixture_logit_grad(w, log_lik)
        where = f"(N = {N}, K = {K}{', log-likelihoods near −900' if offset < -100 else ''})"
        got = call(EX_LOGIT, logit_grad, w, log_lik, forbidden=forbidden)
        got = expect_shape(EX_LOGIT, f"∂J/∂w {where}", got, (K,))
        expect_finite(EX_LOGIT, f"∂J/∂w {where}", got,
                      hint="exp(ℓ) underflows to 0 for log-likelihoods this negative (0/0 = nan): "
                           "form the responsibilities in the log domain (subtract each row's maximum, "
                           "or use scipy.special.logsumexp / softmax).")
        if not _close(got, want, 1e-8):
            fail(EX_LOGIT, f"your ∂J/∂w is wrong {where}: {_diagnose_logit(got, w, log_lik, want)}.")
        n_checks += 1
    passed(EX_LOGIT, n_checks)


# ----------------------------------------------------------------------------- rung (b) fallbacks
# The notebook's later cells run on the student's 5.5/5.6 answers, or on these when an exercise is not
# solved yet (helpers.sgd has no function with these signatures). They are the course's implementation
# of the step, so the checkers above refuse answers that call them.
def reference_sgd_epoch(params, velocity, X, grad_fn, step_fn, lrs, beta, batch_size, rng):
    """One epoch of minibatch momentum SGD (the reference for Exercise 5.5); see the notebook."""
    params, velocity = dict(params), dict(velocity)
    for t, idx in enumerate(sgd.minibatches(len(X), batch_size, rng)):
        grads = grad_fn(params, X[idx])
        for k in params:
            params[k], velocity[k] = step_fn(params[k], velocity[k], grads[k], lrs[t], beta)
    return params, velocity


def reference_logit_grad(w, log_lik):
    """∂J/∂w (K,) for π = softmax(w) given log-likelihoods (N, K) (the reference for Exercise 5.6)."""
    log_pi = np.asarray(w, float) - _logsumexp(np.asarray(w, float))
    a = log_pi + np.asarray(log_lik, float)
    R = np.exp(a - _logsumexp(a, axis=1)[:, None])
    return np.exp(log_pi) - R.mean(axis=0)


def _logsumexp(a, axis=None):
    from scipy.special import logsumexp
    return logsumexp(a, axis=axis)

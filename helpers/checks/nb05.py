"""Checkers for notebook 05 (gradient descent, momentum, fitting by SGD).

Exercise 5.1  ``gaussian_nll_grad(X, mu, A, eps)`` -> (∂J/∂μ (d,), ∂J/∂A (d, d)) of the mean NLL
              J = mean_i −log N(x_i; μ, A Aᵀ + εI), compared with central finite differences.
Exercise 5.2  ``momentum_step(theta, velocity, grad, lr, beta)`` -> (new θ, new v) with
              v ← β v + g, θ ← θ − η v.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import sgd
from ._common import call, expect_shape, fail, passed

__all__ = ["check_gaussian_nll_grad", "check_momentum_step"]

EX_GRAD = "Exercise 5.1"
EX_MOMENTUM = "Exercise 5.2"


def _close(a, b, rtol: float = 1e-5) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape or not np.all(np.isfinite(a)):
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)), 1e-12)
    return float(np.max(np.abs(a - b), initial=0.0)) <= rtol * scale


# ----------------------------------------------------------------------------- Exercise 5.1
def _grad_case(seed: int, N: int, d: int, eps: float, singular: bool = False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
    mu = rng.normal(size=d)
    A = rng.normal(size=(d, d))   # not symmetric, so A and Aᵀ give different answers
    if singular:
        A[:, -1] = 0.0            # rank-deficient A: Σ = A Aᵀ + εI is still invertible
    return X, mu, A, eps


def _finite_difference_grads(X, mu, A, eps) -> dict[str, np.ndarray]:
    return sgd.numerical_gradient(lambda p: sgd.gaussian_nll(X, p["mu"], p["A"], eps),
                                  {"mu": mu, "A": A}, h=1e-6)


def _diagnose_mu(got, X, mu, A, eps, want) -> str:
    N = X.shape[0]
    if _close(got, -want):
        return ("it has the wrong sign: the NLL decreases when μ moves towards the data, "
                "so ∂J/∂μ = −Σ⁻¹(x̄ − μ)")
    if _close(got, N * want):
        return f"it is {N}× too large: J is the MEAN over the N = {N} points, so average, don't sum"
    _, g0 = sgd.gaussian_nll_and_grad(X, mu, A, 1e-12 if eps > 1e-6 else eps)
    if not _close(want, g0["mu"]) and _close(got, g0["mu"]):
        return "it matches Σ = A Aᵀ without the εI term: the covariance is Σ = A Aᵀ + εI"
    if _close(got, mu - X.mean(axis=0)) or _close(got, X.mean(axis=0) - mu):
        return "it is missing Σ⁻¹: ∂J/∂μ = −Σ⁻¹ (x̄ − μ), not −(x̄ − μ)"
    return "it does not match the finite differences of J"


def _diagnose_A(got, X, mu, A, eps, want) -> str:
    N, d = X.shape
    half_G = 0.5 * (want @ np.linalg.pinv(A)) if np.linalg.matrix_rank(A) == d else None
    if _close(got, -want):
        return "it has the wrong sign"
    if _close(got, want.T):
        return ("it is the transpose of the right answer: did you use Σ = AᵀA? "
                "Here Σ = A Aᵀ + εI, so ∂J/∂A = (Σ⁻¹ − Σ⁻¹ S Σ⁻¹) A")
    if _close(got, 0.5 * want):
        return ("it is half the right answer: Σ = A Aᵀ contains A twice, so ∂J/∂A = 2 (∂J/∂Σ) A "
                "with ∂J/∂Σ = ½ (Σ⁻¹ − Σ⁻¹ S Σ⁻¹)")
    if _close(got, 2.0 * want):
        return "it is twice the right answer: check the ½ in front of log det Σ and the quadratic form"
    if _close(got, N * want):
        return f"it is {N}× too large: J is the MEAN over the N = {N} points, so average, don't sum"
    if half_G is not None and (_close(got, half_G) or _close(got, 2 * half_G)):
        return ("it is the gradient with respect to Σ, not A: apply the chain rule through "
                "Σ = A Aᵀ + εI, i.e. multiply 2 ∂J/∂Σ by A on the right")
    _, g0 = sgd.gaussian_nll_and_grad(X, mu, A, 1e-12)
    if eps > 1e-6 and _close(got, g0["A"]):
        return "it matches Σ = A Aᵀ without the εI term: the covariance is Σ = A Aᵀ + εI"
    return "it does not match the finite differences of J"


def check_gaussian_nll_grad(gaussian_nll_grad: Callable) -> None:
    """Check Exercise 5.1: the gradients of the mean Gaussian NLL with respect to μ and A.

    Each gradient is compared with central finite differences of J; a wrong one is named
    ("your ∂J/∂A ...") with the most likely cause.
    """
    n_checks = 0
    cases = [(0, 20, 3, 0.5, False), (1, 50, 5, 0.1, False), (2, 7, 1, 0.3, False),
             (3, 30, 4, 1e-2, True)]
    for seed, N, d, eps, singular in cases:
        X, mu, A, eps = _grad_case(seed, N, d, eps, singular)
        out = call(EX_GRAD, gaussian_nll_grad, X.copy(), mu.copy(), A.copy(), eps)
        if not isinstance(out, tuple) or len(out) != 2:
            fail(EX_GRAD, "return a tuple (grad_mu, grad_A), e.g. `return grad_mu, grad_A`")
        g_mu = expect_shape(EX_GRAD, f"grad_mu for d = {d}", out[0], (d,))
        g_A = expect_shape(EX_GRAD, f"grad_A for d = {d}", out[1], (d, d))
        want = _finite_difference_grads(X, mu, A, eps)
        where = f"(N = {N}, d = {d}, ε = {eps:g}{', A singular' if singular else ''})"
        if not _close(g_mu, want["mu"]):
            fail(EX_GRAD, f"your ∂J/∂μ (grad_mu) is wrong {where}: "
                 f"{_diagnose_mu(g_mu, X, mu, A, eps, want['mu'])}.")
        if not _close(g_A, want["A"]):
            if singular and not np.all(np.isfinite(g_A)):
                fail(EX_GRAD, f"your ∂J/∂A (grad_A) is not finite when A is singular {where}: "
                     "Σ = A Aᵀ + εI is still invertible, so invert (or Cholesky-factor) Σ, never A.")
            fail(EX_GRAD, f"your ∂J/∂A (grad_A) is wrong {where}: "
                 f"{_diagnose_A(g_A, X, mu, A, eps, want['A'])}.")
        n_checks += 2
    passed(EX_GRAD, n_checks)


# ----------------------------------------------------------------------------- Exercise 5.2
def _diagnose_momentum(theta, v, g, lr, beta, got_theta, got_v) -> str | None:
    v_new = beta * v + g
    want_theta = theta - lr * v_new
    if not _close(got_v, v_new, 1e-10):
        if _close(got_v, g, 1e-10):
            return "your new velocity is just the gradient: keep the memory, v ← β v + g"
        if _close(got_v, v + g, 1e-10):
            return "your new velocity forgets β: it should be v ← β v + g, not v + g"
        if _close(got_v, beta * v + (1 - beta) * g, 1e-10):
            return ("your velocity is the moving average β v + (1 − β) g; this course uses the "
                    "heavy-ball form v ← β v + g")
        if _close(got_v, beta * v - lr * g, 1e-10) or _close(got_v, beta * v - g, 1e-10):
            return ("your velocity subtracts the gradient; here v accumulates gradients (v ← β v + g) "
                    "and the step θ ← θ − η v carries the minus sign")
        return "your new velocity should be β·velocity + grad"
    if _close(got_theta, want_theta, 1e-10):
        return None
    if _close(got_theta, theta + lr * v_new, 1e-10):
        return "θ moves uphill: the step is θ ← θ − η v (minus), not θ + η v"
    if _close(got_theta, theta - lr * v, 1e-10):
        return ("you moved θ with the OLD velocity: first update v ← β v + g, then θ ← θ − η v "
                "with the new v")
    if _close(got_theta, theta - lr * g, 1e-10):
        return "θ moved by the gradient alone (plain GD): use the new velocity, θ ← θ − η v"
    if _close(got_theta, theta - v_new, 1e-10):
        return "you forgot the learning rate: θ ← θ − η v"
    return "your new θ should be θ − lr · (new velocity)"


def check_momentum_step(momentum_step: Callable) -> None:
    """Check Exercise 5.2: one heavy-ball update (θ, v) → (θ − η(βv + g), βv + g)."""
    n_checks = 0
    rng = np.random.default_rng(5)
    cases = [((3,), 0.1, 0.9), ((2, 2), 0.5, 0.5), ((4,), 0.01, 0.0), ((5,), 1.0, 0.99)]
    for shape, lr, beta in cases:
        theta, v, g = (rng.normal(size=shape) for _ in range(3))
        originals = [a.copy() for a in (theta, v, g)]
        out = call(EX_MOMENTUM, momentum_step, theta, v, g, lr, beta)
        if not isinstance(out, tuple) or len(out) != 2:
            fail(EX_MOMENTUM, "return a tuple (new_theta, new_velocity)")
        for name, before, after in zip(("theta", "velocity", "grad"), originals, (theta, v, g)):
            if not np.array_equal(before, after):
                fail(EX_MOMENTUM, f"your function changed the input `{name}` in place; build new "
                     "arrays (e.g. `velocity = beta * velocity + grad`, not `velocity *= beta`)")
        where = f"(lr = {lr:g}, β = {beta:g}, arrays of shape {shape})"
        got_theta = expect_shape(EX_MOMENTUM, "new_theta", out[0], shape)
        got_v = expect_shape(EX_MOMENTUM, "new_velocity", out[1], shape)
        problem = _diagnose_momentum(theta, v, g, lr, beta, got_theta, got_v)
        if problem is not None:
            fail(EX_MOMENTUM, f"{problem} {where}.")
        n_checks += 2
    # Behaviour: on the condition-100 quadratic, 300 of your steps with β = 0.9 must converge.
    q = sgd.ill_conditioned_quadratic(100.0)
    theta, v = np.array([2.0, 1.0]), np.zeros(2)
    for _ in range(300):
        theta, v = momentum_step(theta, v, q.grad(theta), 1.0, 0.9)
    if not float(q.loss(theta)) < 1e-6 * float(q.loss(np.array([2.0, 1.0]))):
        fail(EX_MOMENTUM, "300 steps with lr = 1, β = 0.9 did not converge on the quadratic bowl")
    passed(EX_MOMENTUM, n_checks + 1)

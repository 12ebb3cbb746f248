"""Checkers of notebook 05 accept right answers (also loops and float32) and name each planted mistake."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from helpers import checks, sgd
from helpers.checks import ExerciseError, _oracle


# ----------------------------------------------------------------------------- the oracles themselves
def test_gaussian_gradient_oracle_equals_finite_differences_and_the_package():
    rng = np.random.default_rng(0)
    X, mu, A = rng.normal(size=(15, 3)), rng.normal(size=3), rng.normal(size=(3, 3))
    g_mu, g_A = _oracle.gaussian_factor_nll_grad(X, mu, A, 0.2)
    fd_mu = _oracle.finite_difference_grad(lambda m: _oracle.gaussian_factor_nll(X, m, A, 0.2), mu)
    fd_A = _oracle.finite_difference_grad(lambda a: _oracle.gaussian_factor_nll(X, mu, a, 0.2), A)
    assert np.allclose(g_mu, fd_mu, atol=1e-7) and np.allclose(g_A, fd_A, atol=1e-7)
    _, g = sgd.gaussian_nll_and_grad(X, mu, A, 0.2)
    assert np.allclose(g["mu"], g_mu, rtol=1e-10) and np.allclose(g["A"], g_A, rtol=1e-10)


def test_logit_gradient_oracle_equals_finite_differences():
    rng = np.random.default_rng(1)
    w, L = rng.normal(size=4), rng.normal(size=(20, 4)) - 3.0
    fd = _oracle.finite_difference_grad(lambda v: _oracle.mixture_logit_nll(v, L), w)
    assert np.allclose(_oracle.mixture_logit_grad(w, L), fd, atol=1e-8)


# ----------------------------------------------------------------------------- Exercise 5.1
def reference_momentum(theta, velocity, grad, lr, beta):
    velocity = beta * velocity + grad
    return theta - lr * velocity, velocity


def loop_momentum(theta, velocity, grad, lr, beta):
    new_t, new_v = np.empty_like(theta), np.empty_like(velocity)
    for j in np.ndindex(theta.shape):
        new_v[j] = beta * velocity[j] + grad[j]
        new_t[j] = theta[j] - lr * new_v[j]
    return new_t, new_v


def _in_place(theta, velocity, grad, lr, beta):
    velocity *= beta
    velocity += grad
    return theta - lr * velocity, velocity


MOMENTUM_MISTAKES = {
    "forgets β": lambda t, v, g, lr, b: (t - lr * (v + g), v + g),
    "just the gradient": lambda t, v, g, lr, b: (t - lr * g, g),
    "moving average": lambda t, v, g, lr, b: (t - lr * (b * v + (1 - b) * g), b * v + (1 - b) * g),
    "uphill": lambda t, v, g, lr, b: (t + lr * (b * v + g), b * v + g),
    "OLD velocity": lambda t, v, g, lr, b: (t - lr * v, b * v + g),
    "plain GD": lambda t, v, g, lr, b: (t - lr * g, b * v + g),
    "forgot the learning rate": lambda t, v, g, lr, b: (t - (b * v + g), b * v + g),
    "subtracts the gradient": lambda t, v, g, lr, b: (t + (b * v - lr * g), b * v - lr * g),
    "changed its input velocity in place": _in_place,
}


def test_momentum_checker_accepts_reference_loop_and_float32(capsys):
    checks.check_momentum_step(reference_momentum)
    checks.check_momentum_step(loop_momentum)
    checks.check_momentum_step(lambda t, v, g, lr, b: tuple(a.astype(np.float32)
                                                            for a in reference_momentum(t, v, g, lr, b)))
    assert capsys.readouterr().out.count("✓ Exercise 5.1") == 3


@pytest.mark.parametrize("message", list(MOMENTUM_MISTAKES))
def test_momentum_checker_names_each_mistake(message):
    with pytest.raises(ExerciseError, match=r"Exercise 5\.1") as err:
        checks.check_momentum_step(MOMENTUM_MISTAKES[message])
    assert message in str(err.value)


@pytest.mark.parametrize("delegate", [
    lambda t, v, g, lr, b: sgd.momentum_update(t, v, g, lr, b),
    lambda t, v, g, lr, b: (lambda o: (o.step({"x": t}, {"x": g})["x"], o.velocity["x"]))(
        _momentum_with_velocity(lr, b, v)),
])
def test_momentum_checker_refuses_the_course_implementation(delegate):
    with pytest.raises(ExerciseError, match="course's own implementation"):
        checks.check_momentum_step(delegate)


def _momentum_with_velocity(lr, beta, v):
    opt = sgd.Momentum(lr, beta)
    opt.velocity = {"x": v.copy()}
    return opt


def test_momentum_checker_wants_a_tuple_of_arrays_of_the_right_shape():
    with pytest.raises(ExerciseError, match="tuple"):
        checks.check_momentum_step(lambda t, v, g, lr, b: t - lr * g)
    with pytest.raises(ExerciseError, match="shape mismatch: new_theta"):
        checks.check_momentum_step(lambda t, v, g, lr, b: (np.sum(t), b * v + g))
    with pytest.raises(ExerciseError, match="nan"):
        checks.check_momentum_step(lambda t, v, g, lr, b: (t * np.nan, b * v + g))


# ----------------------------------------------------------------------------- Exercise 5.4
def _parts(X, mu, A, eps):
    d = X.shape[1]
    P = np.linalg.inv(A @ A.T + eps * np.eye(d))
    D = X - mu
    return P, D.T @ D / len(X), D


def reference_grad(X, mu, A, eps):
    P, S, D = _parts(X, mu, A, eps)
    return -P @ D.mean(axis=0), (P - P @ S @ P) @ A


def cholesky_grad(X, mu, A, eps):
    """Another valid route: Cholesky solves and the y_i = Σ⁻¹(x_i − μ) form."""
    from scipy.linalg import cho_factor, cho_solve
    d = X.shape[1]
    c = cho_factor(A @ A.T + eps * np.eye(d))
    Y = cho_solve(c, (X - mu).T).T
    return -Y.mean(axis=0), (cho_solve(c, np.eye(d)) - Y.T @ Y / len(X)) @ A


def loop_grad(X, mu, A, eps):
    d = X.shape[1]
    Sigma = A @ A.T + eps * np.eye(d)
    g_mu, YY = np.zeros(d), np.zeros((d, d))
    for x in X:
        y = np.linalg.solve(Sigma, x - mu)
        g_mu -= y / len(X)
        YY += np.outer(y, y) / len(X)
    return g_mu, (np.linalg.inv(Sigma) - YY) @ A


def _with_A(fn):
    return lambda X, mu, A, eps: (reference_grad(X, mu, A, eps)[0], fn(X, mu, A, eps))


def _AtA(X, mu, A, eps):
    P = np.linalg.inv(A.T @ A + eps * np.eye(len(A)))
    S = _parts(X, mu, A, eps)[1]
    return (P - P @ S @ P) @ A


def _centred_on_xbar(X, mu, A, eps):
    P = _parts(X, mu, A, eps)[0]
    S = np.cov(X.T, bias=True).reshape(len(A), len(A))
    return (P - P @ S @ P) @ A


def _M(X, mu, A, eps):
    P, S, _ = _parts(X, mu, A, eps)
    return P - P @ S @ P


A_MISTAKES = {
    "uses Σ = AᵀA": _with_A(_AtA),
    "A is on the wrong side": _with_A(lambda X, mu, A, eps: A @ _M(X, mu, A, eps)),
    "centred on the sample mean x̄": _with_A(_centred_on_xbar),
    "transpose": _with_A(lambda X, mu, A, eps: (_M(X, mu, A, eps) @ A).T),
    "half the right answer": _with_A(lambda X, mu, A, eps: 0.5 * _M(X, mu, A, eps) @ A),
    "twice the right answer": _with_A(lambda X, mu, A, eps: 2 * _M(X, mu, A, eps) @ A),
    "gradient with respect to Σ, not A": _with_A(lambda X, mu, A, eps: 0.5 * _M(X, mu, A, eps)),
    "without the εI term": _with_A(lambda X, mu, A, eps: reference_grad(X, mu, A, 1e-13)[1]),
    "wrong sign": _with_A(lambda X, mu, A, eps: -_M(X, mu, A, eps) @ A),
    "divided by N − 1": _with_A(lambda X, mu, A, eps: (lambda P, S: (P - P @ S @ P) @ A)(
        _parts(X, mu, A, eps)[0], _parts(X, mu, A, eps)[1] * len(X) / (len(X) - 1))),
    "two factors Σ⁻¹": _with_A(lambda X, mu, A, eps: (_parts(X, mu, A, eps)[0] - _parts(X, mu, A, eps)[1]) @ A),
}

MU_MISTAKES = {
    "wrong sign": lambda X, mu, A, eps: (-reference_grad(X, mu, A, eps)[0], reference_grad(X, mu, A, eps)[1]),
    "too large: J is the MEAN": lambda X, mu, A, eps: (len(X) * reference_grad(X, mu, A, eps)[0],
                                                       reference_grad(X, mu, A, eps)[1]),
    "missing Σ⁻¹": lambda X, mu, A, eps: (mu - X.mean(axis=0), reference_grad(X, mu, A, eps)[1]),
    "uses Σ = AᵀA": lambda X, mu, A, eps: (
        -np.linalg.inv(A.T @ A + eps * np.eye(len(A))) @ (X - mu).mean(axis=0), _AtA(X, mu, A, eps)),
}


def test_gradient_checker_accepts_valid_answers(capsys):
    for answer in (reference_grad, cholesky_grad, loop_grad):
        checks.check_gaussian_nll_grad(answer)
    checks.check_gaussian_nll_grad(lambda *a: tuple(g.astype(np.float32) for g in cholesky_grad(*a)))
    assert capsys.readouterr().out.count("✓ Exercise 5.4") == 4


@pytest.mark.parametrize("message", list(MU_MISTAKES))
def test_gradient_checker_names_a_wrong_mu_gradient(message):
    with pytest.raises(ExerciseError, match=r"Exercise 5\.4: your ∂J/∂μ \(grad_mu\) is wrong") as err:
        checks.check_gaussian_nll_grad(MU_MISTAKES[message])
    assert message in str(err.value)


@pytest.mark.parametrize("message", list(A_MISTAKES))
def test_gradient_checker_names_a_wrong_A_gradient(message):
    with pytest.raises(ExerciseError, match=r"Exercise 5\.4: your ∂J/∂A \(grad_A\) is wrong") as err:
        checks.check_gaussian_nll_grad(A_MISTAKES[message])
    assert message in str(err.value)


def test_gradient_checker_catches_inverting_a_singular_A():
    def via_inv_A(X, mu, A, eps):  # Σ⁻¹ ≈ A⁻ᵀ A⁻¹ ignores ε and breaks for singular A
        with np.errstate(all="ignore"):
            try:
                Ai = np.linalg.inv(A)
            except np.linalg.LinAlgError:
                Ai = np.full_like(A, np.nan)
        P = Ai.T @ Ai
        D = X - mu
        return -P @ D.mean(axis=0), (P - P @ (D.T @ D / len(X)) @ P) @ A

    with pytest.raises(ExerciseError, match="Exercise 5.4"):
        checks.check_gaussian_nll_grad(via_inv_A)


@pytest.mark.parametrize("delegate", [
    lambda X, mu, A, eps: (lambda g: (g["mu"], g["A"]))(sgd.gaussian_nll_and_grad(X, mu, A, eps)[1]),
    lambda X, mu, A, eps: (lambda g: (g["mu"], g["A"]))(sgd.numerical_gradient(
        lambda p: sgd.gaussian_nll(X, p["mu"], p["A"], eps), {"mu": mu, "A": A})),
    lambda X, mu, A, eps: _oracle.gaussian_factor_nll_grad(X, mu, A, eps),
])
def test_gradient_checker_refuses_the_course_implementation(delegate):
    with pytest.raises(ExerciseError, match="course's own implementation"):
        checks.check_gaussian_nll_grad(delegate)


def test_gradient_checker_reports_shapes_tuple_and_in_place():
    with pytest.raises(ExerciseError, match="tuple"):
        checks.check_gaussian_nll_grad(lambda X, mu, A, eps: reference_grad(X, mu, A, eps)[0])
    with pytest.raises(ExerciseError, match=r"shape mismatch: grad_A"):
        checks.check_gaussian_nll_grad(lambda X, mu, A, eps: (reference_grad(X, mu, A, eps)[0], A[0]))
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        checks.check_gaussian_nll_grad(lambda X, mu, A, eps: 1 / 0)

    def in_place(X, mu, A, eps):
        out = reference_grad(X, mu, A, eps)
        X -= mu
        return out

    with pytest.raises(ExerciseError, match="changed its input X in place"):
        checks.check_gaussian_nll_grad(in_place)


def test_unsolved_exercises_raise_not_implemented():
    def stub(*args):
        raise NotImplementedError()

    for check in (checks.check_gaussian_nll_grad, checks.check_momentum_step, checks.check_sgd_epoch,
                  checks.check_logit_grad):
        with pytest.raises(NotImplementedError, match=r"Exercise 5\.\d is not solved yet"):
            check(stub)


# ----------------------------------------------------------------------------- Exercise 5.5
def reference_epoch(params, velocity, X, grad_fn, step_fn, lrs, beta, batch_size, rng):
    order = rng.permutation(len(X))
    params, velocity = dict(params), dict(velocity)
    for t, start in enumerate(range(0, len(X), batch_size)):
        grads = grad_fn(params, X[order[start:start + batch_size]])
        for k in params:
            params[k], velocity[k] = step_fn(params[k], velocity[k], grads[k], lrs[t], beta)
    return params, velocity


def shuffle_style_epoch(params, velocity, X, grad_fn, step_fn, lrs, beta, batch_size, rng):
    """Valid variant: rng.shuffle on an index array, keys in reverse order, batch count precomputed."""
    idx = np.arange(len(X))
    rng.shuffle(idx)
    n_steps = int(np.ceil(len(X) / batch_size))
    p, v = {}, {}
    p.update(params)
    v.update(velocity)
    for t in range(n_steps):
        g = grad_fn(p, X[idx[t * batch_size:(t + 1) * batch_size]])
        for k in sorted(p, reverse=True):
            p[k], v[k] = step_fn(p[k], v[k], g[k], lrs[t], beta)
    return p, v


def _epoch_variant(kind):
    def epoch(params, velocity, X, grad_fn, step_fn, lrs, beta, batch_size, rng):
        N = len(X)
        order = np.arange(N) if kind == "no shuffle" else rng.permutation(N)
        stop = N - N % batch_size if kind == "drop last" else N
        params, velocity = dict(params), dict(velocity)
        start_params = dict(params)
        batches = [order[s:s + batch_size] for s in range(0, stop, batch_size)]
        if kind == "array_split":                          # balanced sizes instead of batch_size rows
            batches = np.array_split(order, len(batches))
        for t, idx in enumerate(batches):
            rows = X if kind == "full batch" else X[idx]
            if kind == "new permutation":
                rows = X[rng.permutation(N)[:batch_size]]
            grads = grad_fn(start_params if kind == "stale" else params, rows)
            lr = lrs[0] if kind == "one lr" else lrs[t]
            for k in params:
                v = {k: np.zeros_like(a) for k, a in velocity.items()} if kind == "reset" else velocity
                params[k], velocity[k] = step_fn(params[k], v[k], grads[k], lr, beta)
        if kind == "old velocity out":
            return params, {k: a * 0 for k, a in velocity.items()}
        return params, velocity
    return epoch


EPOCH_MISTAKES = {
    "no shuffle": "original order: shuffle first",
    "drop last": "the last, smaller minibatch",
    "full batch": "saw all N rows at once",
    "new permutation": "exactly once per epoch",
    "stale": "called at other parameters than the current ones",
    "one lr": "learning rate lrs[t]",
    "reset": "never reset it",
    "old velocity out": "the returned velocity",
    "array_split": "rows, expected",
}


def test_epoch_checker_accepts_valid_loops(capsys):
    checks.check_sgd_epoch(reference_epoch)
    checks.check_sgd_epoch(shuffle_style_epoch)
    assert capsys.readouterr().out.count("✓ Exercise 5.5") == 2


@pytest.mark.parametrize("kind", list(EPOCH_MISTAKES))
def test_epoch_checker_names_each_mistake(kind):
    with pytest.raises(ExerciseError, match=r"Exercise 5\.5") as err:
        checks.check_sgd_epoch(_epoch_variant(kind))
    assert EPOCH_MISTAKES[kind] in str(err.value)


def test_epoch_checker_refuses_the_course_optimiser_and_loop():
    def with_momentum(params, velocity, X, grad_fn, step_fn, lrs, beta, batch_size, rng):
        return reference_epoch(params, velocity, X, grad_fn, sgd.momentum_update, lrs, beta, batch_size, rng)

    with pytest.raises(ExerciseError, match="course's own implementation"):
        checks.check_sgd_epoch(with_momentum)


# ----------------------------------------------------------------------------- Exercise 5.6
def reference_logit(w, log_lik):
    R = softmax(np.log(softmax(w)) + log_lik, axis=1)
    return softmax(w) - R.mean(axis=0)


def loop_logit(w, log_lik):
    """Valid variant: w instead of log π inside the softmax (the constant cancels), one row at a time."""
    g = np.exp(w - logsumexp(w))
    for row in log_lik:
        a = w + row
        g = g - np.exp(a - logsumexp(a)) / len(log_lik)
    return g


def _naive(w, log_lik):
    pi = np.exp(w) / np.exp(w).sum()
    E = pi * np.exp(log_lik)
    with np.errstate(all="ignore"):
        return pi - (E / E.sum(axis=1, keepdims=True)).mean(axis=0)


def _R(w, L):
    return softmax(np.log(softmax(w)) + L, axis=1)


LOGIT_MISTAKES = {
    "wrong sign": lambda w, L: -reference_logit(w, L),
    "too large: J is the MEAN": lambda w, L: len(L) * reference_logit(w, L),
    "∂J/∂π, not ∂J/∂w": lambda w, L: -_R(w, L).mean(axis=0) / softmax(w),
    "softmax's normaliser is missing": lambda w, L: -_R(w, L).mean(axis=0),
    "leave out the weights": lambda w, L: softmax(w) - softmax(L, axis=1).mean(axis=0),
    "add log π_k": lambda w, L: softmax(w) - softmax(softmax(w) + L, axis=1).mean(axis=0),
    "normalised over the points": lambda w, L: softmax(w) - softmax(np.log(softmax(w)) + L, axis=0).mean(axis=0),
    "log domain": _naive,
}


def test_logit_checker_accepts_valid_answers(capsys):
    checks.check_logit_grad(reference_logit)
    checks.check_logit_grad(loop_logit)
    checks.check_logit_grad(lambda w, L: reference_logit(w, L).astype(np.float32))
    assert capsys.readouterr().out.count("✓ Exercise 5.6") == 3


@pytest.mark.parametrize("message", list(LOGIT_MISTAKES))
def test_logit_checker_names_each_mistake(message):
    with pytest.raises(ExerciseError, match=r"Exercise 5\.6") as err:
        checks.check_logit_grad(LOGIT_MISTAKES[message])
    assert message in str(err.value)


def test_logit_checker_refuses_the_course_gradient():
    def via_gmm(w, L):
        return _oracle.mixture_logit_grad(w, L)

    with pytest.raises(ExerciseError, match="course's own implementation"):
        checks.check_logit_grad(via_gmm)
    with pytest.raises(ExerciseError, match="shape mismatch"):
        checks.check_logit_grad(lambda w, L: reference_logit(w, L)[None])


def test_rung_b_fallbacks_pass_their_checks_but_are_refused_as_answers(capsys):
    from helpers.checks import nb05
    for check, ref in ((checks.check_sgd_epoch, nb05.reference_sgd_epoch),
                       (checks.check_logit_grad, nb05.reference_logit_grad)):
        with pytest.raises(ExerciseError, match="course's own implementation"):
            check(ref)
        with pytest.raises(ExerciseError, match="course's own implementation"):
            check(lambda *a, ref=ref: ref(*a))
    X, params, velocity, lrs = nb05._epoch_inputs(0, 23, 2, 5)
    rec = nb05._Recorder()
    got = nb05.reference_sgd_epoch(params, velocity, X, rec.grad_fn, rec.step_fn, lrs, 0.9, 5,
                                   np.random.default_rng(1))
    want = _oracle.momentum_sgd_epoch(params, velocity, X, nb05._Recorder().grad_fn, lrs, 0.9, 5,
                                      np.random.default_rng(1))
    for k in params:
        assert np.allclose(got[0][k], want[0][k], rtol=1e-12) and np.allclose(got[1][k], want[1][k], rtol=1e-12)
    w, L = nb05._logit_case(3, 30, 4, -900.0)
    assert np.allclose(nb05.reference_logit_grad(w, L), _oracle.mixture_logit_grad(w, L), rtol=1e-10)

"""Checkers of notebook 05 accept the reference solutions and name each planted mistake."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import checks, sgd
from helpers.checks import ExerciseError


# ----------------------------------------------------------------------------- Exercise 5.1
def reference_grad(X, mu, A, eps):
    _, g = sgd.gaussian_nll_and_grad(X, mu, A, eps)
    return g["mu"], g["A"]


def _parts(X, mu, A, eps):
    d = X.shape[1]
    cov = A @ A.T + eps * np.eye(d)
    P = np.linalg.inv(cov)
    D = X - mu
    S = D.T @ D / len(X)
    return P, S, D


def student_with_inv(X, mu, A, eps):
    """A correct student answer written with np.linalg.inv."""
    P, S, D = _parts(X, mu, A, eps)
    return -P @ D.mean(axis=0), (P - P @ S @ P) @ A


MU_MISTAKES = {
    "wrong sign": lambda X, mu, A, eps: (-reference_grad(X, mu, A, eps)[0], reference_grad(X, mu, A, eps)[1]),
    "too large: J is the MEAN": lambda X, mu, A, eps: (len(X) * reference_grad(X, mu, A, eps)[0],
                                                       reference_grad(X, mu, A, eps)[1]),
    "missing Σ⁻¹": lambda X, mu, A, eps: (mu - X.mean(axis=0), reference_grad(X, mu, A, eps)[1]),
}

A_MISTAKES = {
    "transpose": lambda X, mu, A, eps: (reference_grad(X, mu, A, eps)[0], reference_grad(X, mu, A, eps)[1].T),
    "half the right answer": lambda X, mu, A, eps: (reference_grad(X, mu, A, eps)[0],
                                                    0.5 * reference_grad(X, mu, A, eps)[1]),
    "twice the right answer": lambda X, mu, A, eps: (reference_grad(X, mu, A, eps)[0],
                                                     2 * reference_grad(X, mu, A, eps)[1]),
    "gradient with respect to Σ, not A": lambda X, mu, A, eps: (
        reference_grad(X, mu, A, eps)[0],
        0.5 * (_parts(X, mu, A, eps)[0] - _parts(X, mu, A, eps)[0] @ _parts(X, mu, A, eps)[1]
               @ _parts(X, mu, A, eps)[0])),
    "without the εI term": lambda X, mu, A, eps: (reference_grad(X, mu, A, eps)[0],
                                                  reference_grad(X, mu, A, 1e-12)[1]),
    "wrong sign": lambda X, mu, A, eps: (reference_grad(X, mu, A, eps)[0], -reference_grad(X, mu, A, eps)[1]),
}


def test_gradient_checker_accepts_reference_and_an_inv_based_answer(capsys):
    checks.check_gaussian_nll_grad(reference_grad)
    checks.check_gaussian_nll_grad(student_with_inv)
    assert capsys.readouterr().out.count("✓ Exercise 5.1") == 2


@pytest.mark.parametrize("message", list(MU_MISTAKES))
def test_gradient_checker_names_a_wrong_mu_gradient(message):
    with pytest.raises(ExerciseError, match=r"Exercise 5\.1: your ∂J/∂μ \(grad_mu\) is wrong") as err:
        checks.check_gaussian_nll_grad(MU_MISTAKES[message])
    assert message in str(err.value)


@pytest.mark.parametrize("message", list(A_MISTAKES))
def test_gradient_checker_names_a_wrong_A_gradient(message):
    with pytest.raises(ExerciseError, match=r"Exercise 5\.1: your ∂J/∂A \(grad_A\) is wrong") as err:
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
        S = D.T @ D / len(X)
        return -P @ D.mean(axis=0), (P - P @ S @ P) @ A

    with pytest.raises(ExerciseError, match="Exercise 5.1"):
        checks.check_gaussian_nll_grad(via_inv_A)


def test_gradient_checker_reports_shapes_and_tuple():
    with pytest.raises(ExerciseError, match="tuple"):
        checks.check_gaussian_nll_grad(lambda X, mu, A, eps: reference_grad(X, mu, A, eps)[0])
    with pytest.raises(ExerciseError, match=r"grad_A .* shape"):
        checks.check_gaussian_nll_grad(lambda X, mu, A, eps: (reference_grad(X, mu, A, eps)[0], A[0]))
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        checks.check_gaussian_nll_grad(lambda X, mu, A, eps: 1 / 0)


def test_unsolved_exercise_raises_not_implemented():
    def stub(*args):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        checks.check_gaussian_nll_grad(stub)
    with pytest.raises(NotImplementedError):
        checks.check_momentum_step(stub)


# ----------------------------------------------------------------------------- Exercise 5.2
def reference_momentum(theta, velocity, grad, lr, beta):
    velocity = beta * velocity + grad
    return theta - lr * velocity, velocity


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
    "in place": _in_place,
}


def test_momentum_checker_accepts_reference(capsys):
    checks.check_momentum_step(reference_momentum)
    checks.check_momentum_step(lambda t, v, g, lr, b: sgd.momentum_update(t, v, g, lr, b))
    assert capsys.readouterr().out.count("✓ Exercise 5.2") == 2


@pytest.mark.parametrize("message", list(MOMENTUM_MISTAKES))
def test_momentum_checker_names_each_mistake(message):
    with pytest.raises(ExerciseError, match=r"Exercise 5\.2") as err:
        checks.check_momentum_step(MOMENTUM_MISTAKES[message])
    assert message in str(err.value)


def test_momentum_checker_wants_a_tuple_of_arrays_of_the_right_shape():
    with pytest.raises(ExerciseError, match="tuple"):
        checks.check_momentum_step(lambda t, v, g, lr, b: t - lr * g)
    with pytest.raises(ExerciseError, match="new_theta should have shape"):
        checks.check_momentum_step(lambda t, v, g, lr, b: (np.sum(t), b * v + g))

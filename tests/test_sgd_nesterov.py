"""sgd.Nesterov: the look-ahead-coordinate form equals the textbook form and notebook 07's extrapolation form."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import sgd


def _textbook(grad, theta0, lr, beta, n):
    """v ← β v + ∇J(θ − ηβv), θ ← θ − η v; returns θ_t and the look-ahead points θ_t − ηβ v_t."""
    theta, v = np.array(theta0, float), np.zeros(len(theta0))
    thetas, looks = [theta], [theta]
    for _ in range(n):
        v = beta * v + grad(theta - lr * beta * v)
        theta = theta - lr * v
        thetas.append(theta)
        looks.append(theta - lr * beta * v)
    return np.array(thetas), np.array(looks)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_nesterov_iterates_are_the_look_ahead_points_of_the_textbook_form(beta):
    q = sgd.ill_conditioned_quadratic(50.0)
    _, looks = _textbook(q.grad, [1.5, -1.0], 0.8, beta, 60)
    path = sgd.descend(q.grad, [1.5, -1.0], sgd.Nesterov(0.8, beta), 60)
    np.testing.assert_allclose(path, looks, rtol=1e-12, atol=1e-14)


def test_nesterov_equals_extrapolate_then_gradient_step():
    """y_t = x_t + β (x_t − x_{t−1}),  x_{t+1} = y_t − η ∇J(y_t)  (helpers.denoise's form): y_t are the iterates."""
    q = sgd.ill_conditioned_quadratic(30.0)
    lr, beta = 0.9, 0.8
    x_prev = x = np.array([1.0, 2.0])
    ys = []
    for _ in range(40):
        y = x + beta * (x - x_prev)
        ys.append(y)
        x_prev, x = x, y - lr * q.grad(y)
    path = sgd.descend(q.grad, [1.0, 2.0], sgd.Nesterov(lr, beta), 39)
    np.testing.assert_allclose(path, np.array(ys), rtol=1e-12, atol=1e-14)


def test_nesterov_beats_heavy_ball_at_eta_one_on_an_ill_conditioned_quadratic():
    q = sgd.ill_conditioned_quadratic(100.0)
    start = np.array([-2.0, 1.6])
    # the envelope (largest loss over steps 80-120), since both losses oscillate
    final = {name: float(np.max(q.loss(sgd.descend(q.grad, start, opt, 120)[80:])))
             for name, opt in [("hb", sgd.Momentum(1.0, 0.9)), ("nag", sgd.Nesterov(1.0, 0.9))]}
    assert final["nag"] < 0.1 * final["hb"]


def test_nesterov_update_returns_new_arrays_and_validates_beta():
    theta, v, g = np.ones(3), np.zeros(3), np.full(3, 2.0)
    t2, v2 = sgd.nesterov_update(theta, v, g, 0.1, 0.5)
    np.testing.assert_allclose(v2, g)
    np.testing.assert_allclose(t2, theta - 0.1 * (g + 0.5 * g))
    assert np.all(theta == 1) and np.all(v == 0)
    with pytest.raises(ValueError, match="beta"):
        sgd.Nesterov(0.1, 1.0)
    opt = sgd.Nesterov(0.1, 0.5)
    opt.step({"a": theta}, {"a": g})
    opt.reset()
    assert opt.velocity is None and repr(opt) == "Nesterov(lr=0.1, beta=0.5)"

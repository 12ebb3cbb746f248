"""Optimisers on a parameter dict ``{name: array}``.

* :class:`GradientDescent`:  θ ← θ − η g
* :class:`Momentum` (heavy ball):  v ← β v + g,  then θ ← θ − η v   (0 ≤ β < 1)
* :class:`Nesterov`:  v ← β v + g,  then θ ← θ − η (g + β v)   (θ: the look-ahead point)

and the same updates on single arrays (:func:`gd_update`, :func:`momentum_update`,
:func:`nesterov_update`).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .._validation import positive_float
from ._common import DEFAULT_BETA, Params, _check_beta

__all__ = ["GradientDescent", "Momentum", "Nesterov", "gd_update", "momentum_update", "nesterov_update"]


def gd_update(theta: NDArray, grad: NDArray, lr: float) -> NDArray:
    """One gradient-descent step θ − η g (a new array; `theta` is not modified)."""
    return theta - lr * grad

def momentum_update(theta: NDArray, velocity: NDArray, grad: NDArray, lr: float,
                    beta: float) -> tuple[NDArray, NDArray]:
    """One heavy-ball step: v ← β v + g, then θ ← θ − η v.  Returns new (θ, v)."""
    velocity = beta * velocity + grad
    return theta - lr * velocity, velocity

class GradientDescent:
    """Plain (stochastic) gradient descent on a parameter dict: θ ← θ − η g."""

    def __init__(self, lr: float) -> None:
        self.lr = positive_float(lr, "lr")

    def step(self, params: Params, grads: Params) -> Params:
        """New parameters after one step; `grads` must have the keys of `params`."""
        return {k: gd_update(v, grads[k], self.lr) for k, v in params.items()}

    def reset(self) -> None:
        """Forget any state (none for plain gradient descent)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"

class Momentum(GradientDescent):
    """Heavy-ball momentum: v ← β v + g, θ ← θ − η v (the velocity starts at zero).

    With β = 0 this is plain gradient descent.  Steps along a direction of constant gradient
    grow towards η g / (1 − β): momentum picks up speed where the loss is flat and averages
    out gradients that flip sign (oscillations across a narrow valley).
    """

    _update = staticmethod(momentum_update)  # one parameter's step; Nesterov swaps in its own

    def __init__(self, lr: float, beta: float = DEFAULT_BETA) -> None:
        super().__init__(lr)
        self.beta = _check_beta(beta)
        self.velocity: Params | None = None

    def step(self, params: Params, grads: Params) -> Params:
        if self.velocity is None:
            self.velocity = {k: np.zeros_like(v) for k, v in params.items()}
        new: Params = {}
        for k, theta in params.items():
            new[k], self.velocity[k] = self._update(theta, self.velocity[k], grads[k], self.lr, self.beta)
        return new

    def reset(self) -> None:
        self.velocity = None

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr:g}, beta={self.beta:g})"


def nesterov_update(theta: NDArray, velocity: NDArray, grad: NDArray, lr: float,
                    beta: float) -> tuple[NDArray, NDArray]:
    """One Nesterov step in look-ahead coordinates: v ← β v + g, then θ ← θ − η (g + β v).

    Here θ is the look-ahead point φ_t = θ_t − ηβ v_t of the textbook form v ← β v + ∇J(θ − ηβ v),
    θ ← θ − η v, and `grad` is ∇J(φ_t): the two forms give the same iterates (φ_t is also the
    extrapolated point θ_t + β (θ_t − θ_{t−1}) that notebook 07's gradient descent steps from).
    Returns new (θ, v).
    """
    velocity = beta * velocity + grad
    return theta - lr * (grad + beta * velocity), velocity


class Nesterov(Momentum):
    """Nesterov momentum: the gradient is taken at the look-ahead point (see :func:`nesterov_update`).

    The parameters it holds are the look-ahead points, so every gradient is simply evaluated at
    the current parameters, as for the other optimisers.
    """

    _update = staticmethod(nesterov_update)

    def __repr__(self) -> str:
        return f"Nesterov(lr={self.lr:g}, beta={self.beta:g})"

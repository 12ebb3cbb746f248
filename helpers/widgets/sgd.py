"""Interactive demo for notebook 05: heavy-ball momentum on an ill-conditioned quadratic."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import figure
from ..plots.sgd import plot_loss_contours, plot_loss_curves, plot_path
from ..sgd import Momentum, descend, ill_conditioned_quadratic, steps_to_converge
from ._style import demo, float_slider, int_slider

__all__ = ["momentum_demo"]

_EXTENT = (-2.6, 2.6, -2.6, 2.6)
_START = np.array([-2.0, 1.6])


def _draw(q, lr: float, beta: float, n_steps: int) -> None:
    path = descend(q.grad, _START, Momentum(lr, beta), n_steps)
    losses = q.loss(path)
    t = steps_to_converge(losses, tol=1e-6)
    verdict = ("diverges" if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]
               else f"loss down 10⁶× after {t} steps" if t is not None
               else f"loss down {losses[0] / max(losses[-1], 1e-300):.1e}× in {n_steps} steps")
    fig, axes = figure(2, width=9.0, aspect=0.9)
    plot_loss_contours(axes[0, 0], q.loss, _EXTENT, minimum=q.minimum,
                       title=f"η = {lr:.2f}, β = {beta:.2f}: {verdict}")
    plot_path(axes[0, 0], path, color="tab:blue")
    finite = np.isfinite(losses) & (losses > 0)
    plot_loss_curves(axes[0, 1], {f"β = {beta:.2f}": np.where(finite, losses, np.nan)},
                     xlabel="step t", ylabel=r"loss $f(\theta_t)$", logy=True, markers=False,
                     title=f"condition number κ = {q.condition:.0f}")
    plt.show()


def momentum_demo(condition: float = 100.0, n_steps: int = 150):
    """Sliders for the learning rate η, the momentum β and the number of steps.

    Left: the path of θ ← θ − η v, v ← β v + ∇f(θ) from a fixed start on the contours of
    f(θ) = ½ θᵀ H θ (curvatures 1 and 1/`condition`). Right: f(θ_t) on a log scale.
    """
    q = ill_conditioned_quadratic(condition, angle_deg=30.0)
    controls = {
        "lr": float_slider("η (learning rate)", 1.0, 0.05, 2.5, 0.05, unit="1/curvature",
                           continuous_update=False),
        "beta": float_slider("β (momentum)", 0.9, 0.0, 0.99, 0.01, continuous_update=False),
        "n_steps": int_slider("steps", n_steps, 10, 500, 10, continuous_update=False),
    }
    return demo(lambda lr, beta, n_steps: _draw(q, lr, beta, n_steps), controls)

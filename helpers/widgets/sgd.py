"""Interactive demo for notebook 05: heavy-ball and Nesterov momentum on an ill-conditioned quadratic."""
from __future__ import annotations

import ipywidgets as w
import numpy as np

from ..plots import figure
from ..plots.sgd import plot_loss_contours, plot_loss_curves, plot_path
from ..sgd import ill_conditioned_quadratic
from ._style import SLIDER_LAYOUT, SLIDER_STYLE, demo, float_slider, int_slider

__all__ = ["momentum_demo", "momentum_path", "steps_below"]

_EXTENT = (-2.6, 2.6, -2.6, 2.6)
_START = np.array([-2.0, 1.6])
METHODS = ("heavy ball", "Nesterov")


def momentum_path(grad, theta0, lr: float, beta: float, n_steps: int, *, nesterov: bool = False) -> np.ndarray:
    """Path (n_steps + 1, p) of v ← β v + ∇J(θ − ηβv if `nesterov` else θ), θ ← θ − η v from v = 0.

    Once the iterate overflows (a divergent learning rate) the rest of the path is NaN.
    """
    theta = np.asarray(theta0, float).copy()
    v = np.zeros_like(theta)
    path = np.full((n_steps + 1, theta.size), np.nan)
    path[0] = theta
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, n_steps + 1):
            v = beta * v + grad(theta - lr * beta * v if nesterov else theta)
            theta = theta - lr * v
            if not np.all(np.isfinite(theta)):
                break
            path[t] = theta
    return path


def steps_below(losses, tol: float = 1e-6) -> int | None:
    """First step t after which the loss STAYS at or below tol · loss_0 (None if it is above at the end).

    Unlike the first step that dips below, this is not fooled by an oscillating iterate that
    passes close to the minimum and swings out again.
    """
    L = np.asarray(losses, float)
    if not np.all(np.isfinite(L)) or L[-1] > tol * L[0]:
        return None
    above = np.flatnonzero(L > tol * L[0])
    return int(above[-1] + 1) if above.size else 0


def _draw(q, method: str, lr: float, beta: float, n_steps: int) -> None:
    path = momentum_path(q.grad, _START, lr, beta, n_steps, nesterov=method == "Nesterov")
    losses = q.loss(path)
    t = steps_below(losses)
    verdict = ("diverges" if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]
               else f"J below 10⁻⁶ J₀ from step {t}" if t is not None
               else f"J down {losses[0] / max(losses[-1], 1e-300):.1e}× in {n_steps} steps")
    fig, axes = figure(2, width=9.0, aspect=0.9)
    plot_loss_contours(axes[0, 0], q.loss, _EXTENT, minimum=q.minimum,
                       title=f"{method}, η = {lr:.2f}, β = {beta:.2f}:\n{verdict}")
    plot_path(axes[0, 0], path, color="tab:blue")
    finite = np.isfinite(losses) & (losses > 0)
    plot_loss_curves(axes[0, 1], {f"{method}, β = {beta:.2f}": np.where(finite, losses, np.nan)},
                     xlabel="step t", ylabel=r"loss $J(\theta_t)$", logy=True, markers=False,
                     title=f"condition number κ = {q.condition:.0f}")


def momentum_demo(condition: float = 100.0, n_steps: int = 150):
    """Sliders for the learning rate η, the momentum β and the number of steps; heavy ball or Nesterov.

    Left: the path of θ ← θ − η v, v ← β v + ∇J (at θ, or at the look-ahead point θ − ηβv for
    Nesterov) from a fixed start on the contours of J(θ) = ½ θᵀ H θ (curvatures 1 and
    1/`condition`). Right: J(θ_t) on a log scale. The title gives the step from which J stays
    below 10⁻⁶ of its start.
    """
    q = ill_conditioned_quadratic(condition, angle_deg=30.0)
    controls = {
        "lr": float_slider("η (learning rate)", 1.0, 0.05, 3.5, 0.05, unit="1/curvature",
                           continuous_update=False),
        "beta": float_slider("β (momentum)", 0.9, 0.0, 0.99, 0.01, continuous_update=False),
        "n_steps": int_slider("steps", n_steps, 10, 500, 10, continuous_update=False),
        "method": w.ToggleButtons(options=list(METHODS), value=METHODS[0], description="momentum",
                                  layout=SLIDER_LAYOUT, style=SLIDER_STYLE),
    }
    return demo(lambda lr, beta, n_steps, method: _draw(q, method, lr, beta, n_steps), controls)

"""Interactive demos for the ELBO and EM notebooks: moving r and watching the gap to log p(x),
and stepping through the iterations of a precomputed EM fit."""
from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import xlogy

from ..em import History, elbo, fit_em
from ..mixture import GMM
from ..plots import figure
from ..plots.em import plot_em_state, plot_log_likelihood
from ..plots.mixture import component_colors, plot_mixture_1d
from ._style import demo, float_slider, int_slider

__all__ = ["record_fit", "em_stepper", "elbo_gap_demo"]


# ------------------------------------------------------------------ EM iteration stepper

def record_fit(X: ArrayLike, n_components: int, *, fit: Callable = fit_em,
               **fit_kwargs) -> tuple[list[GMM], History]:
    """Run `fit` (``fit_em`` or ``fit_hard_em``) and keep the model θ_t of every iteration.

    Returns (models, history) with models[t] the GMM after t M steps (models[0] = θ_0), so
    ``len(models) == len(history.log_likelihood)``.
    """
    models: list[GMM] = []
    _, history = fit(X, n_components, callback=lambda t, gmm, hist: models.append(gmm), **fit_kwargs)
    return models, history


def em_stepper(X: ArrayLike, models: list[GMM], history: History, *, hard: bool = False):
    """A slider over the EM iterations t = 0, 1, ... of a precomputed 2-D fit.

    Left: the points coloured by the responsibilities r_ik under θ_t (the E step at t; with
    ``hard=True`` by argmax_k) and each component's 2σ ellipse.  Right: the mean log-likelihood
    per iteration with iteration t marked.  `models` and `history` come from :func:`record_fit`.
    """
    X = np.asarray(X, float)
    resp = [gmm.responsibilities(X) for gmm in models]
    ll = np.asarray(history.log_likelihood)

    def draw(t: int) -> None:
        fig, axes = figure(2, aspect=0.8)
        plot_em_state(axes[0, 0], X, models[t], resp[t], hard=hard,
                      title=rf"iteration t = {t}: $r$ under $\theta_{{t}}$, 2σ ellipses")
        plot_log_likelihood(axes[0, 1], ll, current=t,
                            title=f"mean log-likelihood {ll[t]:.4f} nats at t = {t}")

    controls = {"t": int_slider("EM iteration t", 0, 0, len(models) - 1, continuous_update=False)}
    return demo(draw, controls, columns=1)


# ----------------------------------------------------------------- ELBO gap for one point

_GMM_1D = GMM(weights=np.array([0.6, 0.4]), means=np.array([[-1.5], [1.5]]),
              covs=np.array([[[1.0]], [[0.5]]]))


def _elbo_gap_draw(x: float, r1: float, gmm: GMM = _GMM_1D) -> None:
    point = np.array([[x]])
    post = gmm.responsibilities(point)[0]
    log_px = float(gmm.log_pdf(point)[0])
    grid = np.linspace(0.0, 1.0, 201)
    R = np.column_stack([grid, 1.0 - grid])
    curve = elbo(np.full((len(grid), 1), x), R, gmm)       # L(r, θ) for this one point
    r = np.array([r1, 1.0 - r1])
    L = float(elbo(point, r[None, :], gmm)[0])
    kl = float(np.sum(xlogy(r, r) - xlogy(r, post)))

    fig, axes = figure(2, aspect=0.75)
    ax1, ax2 = axes[0]
    sd = np.sqrt(gmm.covs[:, 0, 0])
    plot_mixture_1d(ax1, gmm.weights, gmm.means[:, 0], sd, x=np.linspace(-5, 5, 400),
                    title=f"the point x = {x:.2f}: p(z = 1 | x) = {post[0]:.3f}")
    ax1.axvline(x, color="tab:red", lw=2)
    ax1.set_ylim(0, 0.4)

    ax2.plot(grid, curve, color="tab:orange", lw=2, label=r"$L(r,\theta)$ as $r_1$ varies")
    ax2.axhline(log_px, color="k", ls="--", lw=1.5, label=r"$\log p_\theta(x)$")
    ax2.axvline(post[0], color=component_colors(1)[0], ls=":", lw=1.5, label=r"posterior $p(z=1\mid x)$")
    ax2.plot([r1, r1], [L, log_px], color="tab:red", lw=3, label=f"gap = KL = {kl:.3f}")
    ax2.plot(r1, L, "o", color="tab:orange", ms=8)
    low = max(float(curve.min()), log_px - 4.0)
    ax2.set_ylim(low - 0.2, log_px + 0.5)
    ax2.set_xlabel(r"$r_1$  (and $r_2 = 1 - r_1$)")
    ax2.set_ylabel("nats")
    ax2.set_title(f"L = {L:.3f} ≤ log p(x) = {log_px:.3f}")
    ax2.legend(loc="lower center")


def elbo_gap_demo():
    """Sliders for one data point x and the distribution r = (r₁, 1 − r₁) over its component.

    Left: a two-component 1-D mixture and the point.  Right: the ELBO L(r, θ) of that point as a
    function of r₁, below log p(x) everywhere and touching it at the posterior; the red bar is
    the gap log p(x) − L(r, θ) = KL(r ‖ p(z | x)).
    """
    controls = {
        "x": float_slider("data point x", 0.5, -4.0, 4.0, 0.1, unit="x units", continuous_update=False),
        "r1": float_slider("r₁ (r₂ = 1 − r₁)", 0.5, 0.0, 1.0, 0.01, continuous_update=False),
    }
    return demo(_elbo_gap_draw, controls)

"""Interactive demos for the mixture notebooks: how the weights π and means μ reshape a
mixture density, in 1-D and 2-D."""
from __future__ import annotations

import numpy as np

from ..plots import figure
from ..plots.mixture import count_modes_1d, plot_density_2d, plot_ellipses, plot_mixture_1d
from ._style import demo, float_slider

__all__ = ["mixture_shape_demo"]

# Fixed shapes of the two 2-D components; the sliders move the weights, the means and the 1-D widths.
_GRID_MODES = np.linspace(-12.0, 12.0, 6001)   # fine grid for counting the modes of the 1-D density
_COVS_2D = np.array([[[0.8, 0.5], [0.5, 0.8]], [[1.2, -0.4], [-0.4, 0.5]]])
_EXTENT = (-5.0, 5.0, -3.5, 3.5)


def _draw(pi1: float, mu1: float, mu2: float, sigma1: float = 0.6, sigma2: float = 1.2) -> None:
    weights = np.array([pi1, 1.0 - pi1])
    stds = np.array([sigma1, sigma2])
    kept1 = weights > 0
    n_modes = count_modes_1d(weights[kept1], np.array([mu1, mu2])[kept1], stds[kept1], _GRID_MODES)
    fig, axes = figure(2, aspect=0.75)
    ax1, ax2 = axes[0]
    plot_mixture_1d(ax1, weights, [mu1, mu2], stds, x=np.linspace(-6, 6, 400),
                    title=(rf"1-D: $\pi_1$ = {pi1:.2f}, $|\mu_2-\mu_1|$ = {abs(mu2 - mu1):.1f}: "
                           f"{n_modes} mode{'s' if n_modes != 1 else ''}"))
    ax1.set_ylim(0, 0.7)
    means = np.array([[mu1, 0.8], [mu2, -0.8]])
    kept = weights > 0
    plot_density_2d(ax2, weights=weights[kept], means=means[kept], covs=_COVS_2D[kept],
                    extent=_EXTENT, n=120, title="2-D: same π, means moved along $x_1$")
    plot_ellipses(ax2, weights=weights, means=means, covs=_COVS_2D, n_std=1.0,
                  colors=np.array([[1, 1, 1], [1, 0.6, 0.6]]))
    ax2.set_xlim(*_EXTENT[:2])
    ax2.set_ylim(*_EXTENT[2:])


def mixture_shape_demo():
    """Sliders for π₁ (π₂ = 1 − π₁), the means μ₁, μ₂ and the 1-D widths σ₁, σ₂ of a two-component mixture.

    Left: the 1-D density p(x) = π₁ N(x; μ₁, σ₁²) + π₂ N(x; μ₂, σ₂²) with its weighted components; the
    title counts its modes (local maxima).
    Right: a 2-D mixture with the same weights whose means move along x₁ (1σ ellipses drawn).
    One redraw takes about half a second, so the figure updates when a slider is released.
    """
    controls = {
        "pi1": float_slider("π₁ (π₂ = 1 − π₁)", 0.5, 0.0, 1.0, 0.05, continuous_update=False),
        "mu1": float_slider("μ₁", -1.5, -4.0, 4.0, 0.1, unit="x units", continuous_update=False),
        "mu2": float_slider("μ₂", 1.5, -4.0, 4.0, 0.1, unit="x units", continuous_update=False),
        "sigma1": float_slider("σ₁ (1-D)", 0.6, 0.3, 2.0, 0.05, unit="x units", continuous_update=False),
        "sigma2": float_slider("σ₂ (1-D)", 1.2, 0.3, 2.0, 0.05, unit="x units", continuous_update=False),
    }
    return demo(_draw, controls)

"""Interactive demo for notebook 01: how the variances and the correlation of a 2-D Gaussian
shape its density and its samples."""
from __future__ import annotations

import numpy as np

from ..plots import figure
from ..plots.gaussian import plot_gaussian_2d
from ._style import demo, float_slider

__all__ = ["gaussian_2d_demo"]

# Fixed standard-normal draws z: every slider setting shows x = μ + L z for the SAME z, so you
# see the cloud of samples stretch and turn instead of jumping around.
_Z = np.random.default_rng(0).standard_normal((300, 2))
_EXTENT = (-4.0, 4.0, -4.0, 4.0)


def _draw(sigma1: float, sigma2: float, rho: float) -> None:
    cov = np.array([[sigma1 ** 2, rho * sigma1 * sigma2], [rho * sigma1 * sigma2, sigma2 ** 2]])
    L = np.linalg.cholesky(cov)
    samples = _Z @ L.T
    logdet = 2 * np.sum(np.log(np.diag(L)))
    fig, axes = figure(1, width=5.5, aspect=0.85)
    plot_gaussian_2d(axes[0, 0], np.zeros(2), cov, samples, extent=_EXTENT,
                     title=(f"Σ = [[{cov[0, 0]:.2f}, {cov[0, 1]:.2f}], [{cov[1, 0]:.2f}, {cov[1, 1]:.2f}]]"
                            f"\nlog det Σ = {logdet:.2f}"))


def gaussian_2d_demo():
    """Sliders for the standard deviations σ₁, σ₂ and the correlation ρ of a zero-mean 2-D Gaussian.

    Shows the density with its 1σ/2σ ellipses and 300 samples x = L z (Σ = L Lᵀ) drawn from the
    same standard-normal z for every setting.
    """
    controls = {
        "sigma1": float_slider("σ₁ (std of x₁)", 1.0, 0.2, 2.0, 0.05, unit="x units", continuous_update=False),
        "sigma2": float_slider("σ₂ (std of x₂)", 0.6, 0.2, 2.0, 0.05, unit="x units", continuous_update=False),
        "rho": float_slider("ρ (correlation)", 0.6, -0.95, 0.95, 0.05, continuous_update=False),
    }
    return demo(_draw, controls)

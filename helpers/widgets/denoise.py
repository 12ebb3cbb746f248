"""Interactive demo for the denoising notebook: EPLL at a noise level chosen with a slider."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .. import denoise
from ..plots import figure, show_image
from ._style import demo, int_slider

__all__ = ["sigma_demo"]


def sigma_demo(clean: ArrayLike, gmm, *, mode: str = "fast", seed: int = 0,
               sigma_range: tuple[int, int] = (5, 75), value: int = 25):
    """A σ slider (grey levels of 255): noise the `clean` image at that σ (fixed seed), denoise
    it with :func:`helpers.denoise.epll` (`mode`, default "fast") and show clean / noisy /
    EPLL with their PSNR.  Redraws on release (each redraw runs EPLL once)."""
    clean = np.asarray(clean, float)
    noise = np.random.default_rng(seed).standard_normal(clean.shape)   # same noise pattern for every σ

    def update(sigma255: int) -> None:
        sigma = sigma255 / 255
        noisy = clean + sigma * noise
        estimate = denoise.epll(noisy, gmm, sigma, mode=mode, rng=np.random.default_rng(seed))
        fig, axes = figure(3)
        show_image(axes[0, 0], clean, "clean")
        show_image(axes[0, 1], np.clip(noisy, 0, 1), f"noisy, σ = {sigma255}/255\n"
                   f"PSNR {denoise.psnr(clean, noisy):.2f} dB")
        show_image(axes[0, 2], estimate, f"EPLL ({mode})\nPSNR {denoise.psnr(clean, estimate):.2f} dB")

    slider = int_slider("noise σ", value, *sigma_range, step=5, unit="grey levels of 255",
                        continuous_update=False)
    return demo(update, {"sigma255": slider})

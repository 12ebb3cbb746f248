"""Plots for the denoising notebook: estimates side by side with their PSNR and a zoomed crop,
and PSNR against iteration."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from ..denoise import psnr
from ._style import WIDTH, figure, show_image

__all__ = ["plot_denoising", "plot_psnr_curves", "plot_adapted_components"]


def plot_denoising(clean: ArrayLike, estimates: Mapping[str, ArrayLike], *,
                   crop: tuple[int, int, int] | None = (96, 96, 64), width: float = WIDTH):
    """Images side by side, the clean one first, each titled with its PSNR against `clean`.

    `estimates` maps a label to an image of `clean`'s shape (the noisy input, denoised ones).
    `crop` = (row, col, size): a square drawn as a red box on the full images and shown
    enlarged in a second row, where differences between denoisers are visible.  Returns (fig, axes).
    """
    clean = np.asarray(clean, float)
    panels = {"clean": clean, **{k: np.asarray(v, float) for k, v in estimates.items()}}
    n = len(panels)
    fig, axes = figure(n, 2 if crop else 1, width=width)
    for j, (label, img) in enumerate(panels.items()):
        title = label if label == "clean" else f"{label}\nPSNR {psnr(clean, img):.2f} dB"
        show_image(axes[0, j], np.clip(img, 0, 1), title)
        if crop:
            r, c, s = crop
            axes[0, j].add_patch(Rectangle((c - 0.5, r - 0.5), s, s, fill=False, ec="red", lw=1.2))
            show_image(axes[1, j], np.clip(img[r:r + s, c:c + s], 0, 1))
            if j == 0:
                axes[1, j].set_ylabel(f"zoom: {s}×{s} pixels", fontsize=9)
    return fig, axes


def plot_psnr_curves(ax, curves: Mapping[str, Sequence[float]], *, noisy_psnr: float | None = None,
                     xlabel: str = "iteration (one pass of the patch prior over the image)",
                     title: str = "PSNR during denoising") -> None:
    """PSNR (dB) against iteration 1, 2, ... for each labelled curve; a dashed line for the input."""
    for label, values in curves.items():
        values = np.asarray(values, float)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=label)
    if noisy_psnr is not None:
        ax.axhline(noisy_psnr, color="0.5", ls="--", lw=1, label="noisy input")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("PSNR [dB]")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()


def plot_adapted_components(before, after, ks: Sequence[int], *, n_vectors: int = 6) -> plt.Figure:
    """One row per component k in `ks`: its top eigenvectors (signed tiles, eigenvalues below) in the model
    `before` (left) and `after` adaptation (right), each after-vector's sign matched to its
    before-vector; the row label gives π_k before → after.  Returns the figure."""
    from .eigen import plot_eigenvectors, sorted_eigh
    ks = [int(k) for k in ks]
    fig, axes = figure(2, len(ks), width=WIDTH, aspect=1.25 / n_vectors)
    for row, k in zip(axes, ks):
        vals0, vecs0 = sorted_eigh(np.asarray(before.covs[k], float))
        vals1, vecs1 = sorted_eigh(np.asarray(after.covs[k], float))
        vecs1 = vecs1 * np.where(np.sum(vecs0 * vecs1, axis=0) < 0, -1.0, 1.0)
        plot_eigenvectors(row[0], vecs0[:, :n_vectors], vals0[:n_vectors], ncols=n_vectors)
        plot_eigenvectors(row[1], vecs1[:, :n_vectors], vals1[:n_vectors], ncols=n_vectors)
        row[0].set_ylabel(f"k = {k}\nπ {float(before.weights[k]):.4f}\n→ {float(after.weights[k]):.4f}",
                          rotation=0, ha="right", va="center", fontsize=9)
    axes[0, 0].set_title(f"shipped prior: top {n_vectors} eigenvectors (eigenvalues below)", fontsize=10)
    axes[0, 1].set_title("adapted to the noisy image", fontsize=10)
    return fig

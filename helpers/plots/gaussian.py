"""Plots for notebook 01 (one multivariate Gaussian): 2-D densities with samples, covariance
matrices of image patches, and histograms of filter responses."""
from __future__ import annotations

from typing import Mapping

import numpy as np
from numpy.typing import ArrayLike

from .. import gaussian
from ._style import CMAP_SIGNED
from .mixture import covariance_ellipse

__all__ = ["plot_gaussian_2d", "plot_covariance", "plot_pixel_covariance", "plot_response_histograms"]


def _signed_or_sequential(ax, A: np.ndarray, *, from_zero: bool = True):
    if A.min() >= 0:
        vmin = 0.0 if from_zero else float(A.min())
        return ax.imshow(A, cmap="viridis", vmin=vmin, vmax=float(A.max()), interpolation="nearest")
    lim = float(np.max(np.abs(A)))
    return ax.imshow(A, cmap=CMAP_SIGNED, vmin=-lim, vmax=lim, interpolation="nearest")


def plot_gaussian_2d(ax, mean: ArrayLike, cov: ArrayLike, samples: ArrayLike | None = None, *,
                     extent: tuple[float, float, float, float] = (-4.0, 4.0, -4.0, 4.0), n: int = 150,
                     title: str | None = None, colorbar: bool = True) -> None:
    """The density of N(mean, cov) in 2-D (filled, colour bar), its 1σ and 2σ ellipses, and `samples` (m, 2)."""
    mean, cov = np.asarray(mean, float), np.asarray(cov, float)
    x1 = np.linspace(extent[0], extent[1], n)
    x2 = np.linspace(extent[2], extent[3], n)
    G1, G2 = np.meshgrid(x1, x2)
    dens = np.exp(gaussian.log_pdf(np.column_stack([G1.ravel(), G2.ravel()]), mean, cov)).reshape(n, n)
    im = ax.imshow(dens, origin="lower", extent=extent, cmap="Blues", aspect="equal", interpolation="bilinear")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.8, label="density p(x)")
    for k in (1, 2):
        ax.add_patch(covariance_ellipse(mean, cov, n_std=k, edgecolor="C1", lw=1.5,
                                        ls="-" if k == 1 else "--", label=f"{k}σ ellipse"))
    if samples is not None:
        S = np.asarray(samples, float)
        ax.plot(S[:, 0], S[:, 1], ".", color="k", ms=3, alpha=0.6, label="samples")
    ax.plot(*mean, "x", color="C3", ms=9, mew=2, label="mean μ")
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8, framealpha=0.8)


def plot_covariance(ax, cov: ArrayLike, title: str | None = "covariance Σ", *,
                    label: str = "covariance [(grey level)²]") -> None:
    """A (d, d) covariance as an image with a colour bar.

    A sequential colour map from 0 when every entry is >= 0, else a signed one centred on zero.
    """
    C = np.asarray(cov, float)
    im = _signed_or_sequential(ax, C)
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label=label)
    ax.set(xlabel="pixel index j (row-major)", ylabel="pixel index i (row-major)")
    if title:
        ax.set_title(title)


def plot_pixel_covariance(ax, cov: ArrayLike, size: int, pixel: tuple[int, int], title: str | None = None,
                          *, label: str = "covariance [(grey level)²]") -> None:
    """Row of `cov` for one `pixel` (row, col) of a size × size patch, shown as a patch with a colour bar.

    The colour scale spans the row's own range (from its minimum, not from 0) to show how it decays.
    """
    C = np.asarray(cov, float)
    r, c = pixel
    row = C[r * size + c].reshape(size, size)
    im = _signed_or_sequential(ax, row, from_zero=False)
    ax.plot(c, r, "x", color="w" if row.min() >= 0 else "k", ms=8, mew=2)
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label=label)
    ax.set(xlabel="column [pixels]", ylabel="row [pixels]")
    ax.set_title(title or f"Cov(pixel {pixel}, every pixel)")


def plot_response_histograms(ax, responses: Mapping[str, ArrayLike], *, bins: int = 81,
                             limit: float | None = None, xlabel: str = "response [grey levels]",
                             title: str | None = None) -> None:
    """Normalised histograms (log-scale density) of several 1-D samples, e.g. filter responses."""
    arrays = {k: np.ravel(np.asarray(v, float)) for k, v in responses.items()}
    if limit is None:
        limit = float(max(np.quantile(np.abs(a), 0.999) for a in arrays.values()))
    edges = np.linspace(-limit, limit, bins + 1)
    for name, a in arrays.items():
        ax.hist(a, bins=edges, density=True, histtype="step", lw=2, label=name)
    ax.set_yscale("log")
    ax.set(xlabel=xlabel, ylabel="density (log scale)", xlim=(-limit, limit))
    if title:
        ax.set_title(title)
    ax.legend()

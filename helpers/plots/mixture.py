"""Plots for the mixture notebooks: 1-D and 2-D mixture densities, covariance ellipses,
samples coloured by their latent component z.

Functions take the mixture as plain arrays (weights π (K,), means μ (K, d), covariances
Σ (K, d, d)) or as any object with ``weights``, ``means`` and ``covs`` attributes, such as
:class:`helpers.mixture.GMM`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.patches import Ellipse
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from ..mixture import GMM

__all__ = ["component_colors", "mixture_params", "grid_log_density", "plot_mixture_1d",
           "plot_density_2d", "covariance_ellipse", "plot_ellipses", "plot_samples", "count_modes_1d"]


def component_colors(n_components: int) -> NDArray[np.float64]:
    """One RGB colour per component, (K, 3); the same colours in every figure of the course."""
    cmap = plt.get_cmap("tab10" if n_components <= 10 else "tab20")
    return np.array([to_rgb(cmap(k % cmap.N)) for k in range(n_components)])


def mixture_params(gmm=None, *, weights: ArrayLike | None = None, means: ArrayLike | None = None,
                   covs: ArrayLike | None = None) -> tuple[NDArray, NDArray, NDArray]:
    """(π (K,), μ (K, d), Σ (K, d, d)) as float arrays, from a GMM-like object or keywords."""
    if gmm is not None:
        weights, means, covs = gmm.weights, gmm.means, gmm.covs
    if weights is None or means is None or covs is None:
        raise ValueError("gmm: pass a GMM or all of weights, means and covs")
    return (np.asarray(weights, float), np.atleast_2d(np.asarray(means, float)),
            np.asarray(covs, float).reshape(len(weights), *(2 * np.atleast_2d(means).shape[1:])))


def _component_log_pdfs(X: NDArray, weights: NDArray, means: NDArray, covs: NDArray) -> NDArray:
    """log π_k + log N(x_i; μ_k, Σ_k) for every point and component, (N, K): the package's one value
    path for a GMM's component scores, :meth:`helpers.mixture.GMM.log_pdf_components` (a zero
    weight gives -inf)."""
    return GMM(weights, means, covs).log_pdf_components(X)


def grid_log_density(gmm=None, *, extent: tuple[float, float, float, float], n: int = 150,
                     **params) -> tuple[NDArray, NDArray, NDArray]:
    """Mixture log-density on an n×n grid over extent = (xmin, xmax, ymin, ymax).

    Returns (xs (n,), ys (n,), log p (n, n)) with log p[j, i] at (xs[i], ys[j]).
    """
    w, m, c = mixture_params(gmm, **params)
    xs = np.linspace(extent[0], extent[1], n)
    ys = np.linspace(extent[2], extent[3], n)
    XX, YY = np.meshgrid(xs, ys)
    grid = np.column_stack([XX.ravel(), YY.ravel()])
    logp = logsumexp(_component_log_pdfs(grid, w, m, c), axis=1)
    return xs, ys, logp.reshape(n, n)


def plot_mixture_1d(ax, weights: ArrayLike, means: ArrayLike, stds: ArrayLike, *,
                    x: ArrayLike | None = None, components: bool = True, label: str = "p(x)",
                    color: str = "k", xlabel: str = "x", title: str | None = None) -> None:
    """Draw the 1-D mixture density p(x) = Σ_k π_k N(x; μ_k, σ_k²).

    weights, means, stds : (K,) arrays of π_k, μ_k and standard deviations σ_k.
    components : also draw each weighted component π_k N(x; μ_k, σ_k²) dashed, in its colour;
        the solid curve is their sum.
    """
    w, mu, sd = (np.atleast_1d(np.asarray(a, float)) for a in (weights, means, stds))
    if x is None:
        x = np.linspace((mu - 4 * sd).min(), (mu + 4 * sd).max(), 400)
    x = np.asarray(x, float)
    parts = w * np.exp(-0.5 * ((x[:, None] - mu) / sd) ** 2) / (np.sqrt(2 * np.pi) * sd)  # (n, K)
    if components:
        for k, col in enumerate(component_colors(len(w))):
            ax.plot(x, parts[:, k], "--", color=col, lw=1.2,
                    label=rf"$\pi_{k + 1}\,\mathcal{{N}}(x;\mu_{k + 1},\sigma_{k + 1}^2)$")
    ax.plot(x, parts.sum(axis=1), color=color, lw=2, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_ylim(bottom=0)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper right")


def plot_density_2d(ax, gmm=None, *, extent: tuple[float, float, float, float], n: int = 150,
                    log: bool = False, colorbar: bool = True, cmap: str = "viridis",
                    title: str | None = None, xlabel: str = "$x_1$", ylabel: str = "$x_2$",
                    **params):
    """Filled image of a 2-D mixture density p(x) (or log p(x) with ``log=True``) with a colour bar."""
    xs, ys, logp = grid_log_density(gmm, extent=extent, n=n, **params)
    values = logp if log else np.exp(logp)
    if log:
        values = np.maximum(values, values.max() - 20)  # keep the colour scale readable
    im = ax.imshow(values, origin="lower", extent=extent, cmap=cmap, aspect="auto",
                   interpolation="bilinear")
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label="log p(x)" if log else "p(x)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return im


def covariance_ellipse(mean: ArrayLike, cov: ArrayLike, *, n_std: float = 2.0, **kwargs) -> Ellipse:
    """The ellipse {x : (x-μ)ᵀ Σ⁻¹ (x-μ) = n_std²} of a 2-D Gaussian as a matplotlib patch.

    Its axes point along the eigenvectors of Σ with half-lengths n_std·√λ.  Keyword arguments
    go to :class:`matplotlib.patches.Ellipse` (edgecolor, lw, ...).
    """
    cov = np.asarray(cov, float)
    if cov.shape != (2, 2):
        raise ValueError(f"cov: expected a (2, 2) matrix, got shape {cov.shape}")
    lam, vec = np.linalg.eigh(cov)
    angle = float(np.degrees(np.arctan2(vec[1, 1], vec[0, 1])))  # direction of the major axis
    width, height = 2 * n_std * np.sqrt(np.maximum(lam[::-1], 0))
    kwargs.setdefault("facecolor", "none")
    return Ellipse(xy=tuple(np.asarray(mean, float)), width=width, height=height, angle=angle, **kwargs)


def plot_ellipses(ax, gmm=None, *, n_std: float = 2.0, colors: ArrayLike | None = None,
                  show_means: bool = True, scale_by_weight: bool = True, label: bool = False,
                  weight_labels: bool = False, **params) -> None:
    """Draw each component's n_std covariance ellipse and mean.

    scale_by_weight : line width 1 + 4 π_k points (a hint only: 0.2 and 0.3 look alike), else 2 points.
    weight_labels : write "π_k = 0.50" beside each mean, the readable way to show the weights.
    """
    w, m, c = mixture_params(gmm, **params)
    colors = component_colors(len(w)) if colors is None else colors
    for k in range(len(w)):
        lw = 1.0 + 4.0 * w[k] if scale_by_weight else 2.0
        ax.add_patch(covariance_ellipse(m[k], c[k], n_std=n_std, edgecolor=colors[k], lw=lw))
        if show_means:
            ax.plot(*m[k], marker="x", ms=9, mew=2.5, color=colors[k],
                    label=rf"$\mu_{k + 1}$" if label else None)
        if weight_labels:
            ax.annotate(rf"$\pi_{k + 1}$ = {w[k]:.2f}", m[k], xytext=(6, -14), textcoords="offset points",
                        color=colors[k], fontsize=9, fontweight="bold",
                        bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))


def count_modes_1d(weights: ArrayLike, means: ArrayLike, stds: ArrayLike, x: ArrayLike) -> int:
    """Number of local maxima of the 1-D mixture density Σ_k π_k N(x; μ_k, σ_k²) on the grid `x`.

    Counts interior maxima of the grid values (up, then not up); modes closer than the grid spacing
    count once, and a maximum beyond the ends of `x` is not seen.
    """
    w, mu, sd = (np.atleast_1d(np.asarray(a, float)) for a in (weights, means, stds))
    x = np.asarray(x, float)
    p = (w * np.exp(-0.5 * ((x[:, None] - mu) / sd) ** 2) / sd).sum(axis=1)
    rising = np.diff(p) > 0
    return int(np.sum(rising[:-1] & ~rising[1:]))  # interior maxima: up, then not up


def plot_samples(ax, X: ArrayLike, z: ArrayLike | None = None, *, n_components: int | None = None,
                 s: float = 6, alpha: float = 0.6, legend: bool = True, title: str | None = None,
                 xlabel: str = "$x_1$", ylabel: str = "$x_2$") -> None:
    """Scatter 2-D points, coloured by their component z (0-based) when given."""
    X = np.asarray(X, float)
    if z is None:
        ax.scatter(X[:, 0], X[:, 1], s=s, alpha=alpha, color="0.3", lw=0)
    else:
        z = np.asarray(z)
        K = int(z.max()) + 1 if n_components is None else n_components
        for k, col in enumerate(component_colors(K)):
            sel = z == k
            ax.scatter(X[sel, 0], X[sel, 1], s=s, alpha=alpha, color=col, lw=0,
                       label=f"z = {k + 1} ({sel.sum()})")
        if legend:
            ax.legend(loc="best", markerscale=2, title="component")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(title)

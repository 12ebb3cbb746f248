"""Plots of whole digit images for notebook 06 (a GMM of whole images): digit panels, the means and
principal directions of mixture components (GMM or MFA), and how the cost of EM grows with d."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._style import CMAP_IMAGE, CMAP_SIGNED, WIDTH, figure, tile
from .eigen import fix_signs, signed_tiles

__all__ = ["plot_digit_sets", "component_directions", "plot_component_directions", "plot_cost_scaling"]


def _bare(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)


def plot_digit_sets(sets: dict[str, ArrayLike], *, ncols: int = 6, panels_per_row: int = 2) -> plt.Figure:
    """One panel per entry of `sets` (title -> (n, 64) images in [0, 1]), all on one grey scale.

    Values are clipped to [0, 1] and drawn with ink (1) black and background (0) white, as the
    digits were written, so the panels compare directly.
    """
    n = max(len(np.asarray(v)) for v in sets.values())
    cols = min(panels_per_row, len(sets))
    nrows = -(-len(sets) // cols)
    fig, axes = figure(cols, nrows, aspect=(-(-n // ncols)) / ncols * 1.1)
    for ax in axes.flat:
        ax.set_visible(False)
    for ax, (name, images) in zip(axes.flat, sets.items()):
        paper = 1.0 - np.clip(np.asarray(images, dtype=float), 0, 1)   # white paper, black ink
        ax.imshow(tile(paper, ncols, normalise="none"), cmap=CMAP_IMAGE, vmin=0, vmax=1,
                  interpolation="nearest")
        ax.set_title(name)
        ax.set_visible(True)
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ax.spines.values():       # a thin frame keeps neighbouring panels apart
            side.set_visible(True)
            side.set_color("0.6")
    return fig


def component_directions(model, k: int, n: int) -> tuple[NDArray, NDArray]:
    """Top-`n` principal directions (d, n) of component k's covariance and their variances (n,).

    For a GMM these are eigenvectors of Σ_k (O(d³)); for an MFA they come from the SVD of
    the loadings W_k (O(d·l²)): W_k W_kᵀ = U S² Uᵀ, so the directions are U and the variance
    along u_j is s_j² + u_jᵀ Ψ_k u_j.  Signs are fixed (largest entry positive).
    """
    if hasattr(model, "loadings"):
        U, s, _ = np.linalg.svd(np.asarray(model.loadings[k], dtype=float), full_matrices=False)
        U, s = U[:, :n], s[:n]
        var = s**2 + np.einsum("dj,d,dj->j", U, np.asarray(model.noise[k], dtype=float), U)
    else:
        var, U = np.linalg.eigh(np.asarray(model.covs[k], dtype=float))
        var, U = var[::-1][:n], U[:, ::-1][:, :n]
    return fix_signs(U), var


def plot_component_directions(models: dict[str, object], ks: dict[str, ArrayLike], *,
                              n_vectors: int = 5) -> plt.Figure:
    """For each model (title -> GMM or MFA) and each of its components in ks[title]: the mean
    image (grey, left) and the top `n_vectors` principal directions of Σ_k (red positive, blue
    negative, each scaled to its largest |entry|), with the standard deviation along each."""
    rows = [(name, int(k)) for name, model in models.items() for k in ks[name]]
    s, pad = 8, 1
    fig, axes = plt.subplots(len(rows), 2, figsize=(WIDTH * 0.75, 1.25 * len(rows)), squeeze=False,
                             gridspec_kw={"width_ratios": [s, n_vectors * (s + pad) - pad]})
    cmap = plt.get_cmap(CMAP_SIGNED).with_extremes(bad="white")
    for (name, k), (ax_mean, ax_dirs) in zip(rows, axes):
        model = models[name]
        ax_mean.imshow(1 - np.clip(np.asarray(model.means[k]).reshape(s, s), 0, 1), cmap=CMAP_IMAGE,
                       vmin=0, vmax=1, interpolation="nearest")
        ax_mean.set_ylabel(f"{name}\nk = {k}, π = {model.weights[k]:.2f}", rotation=0, ha="right",
                           va="center", fontsize=9)
        U, var = component_directions(model, k, n_vectors)
        strip = signed_tiles(U.T, ncols=n_vectors, pad=pad)
        ax_dirs.imshow(strip, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
        ax_dirs.set_xticks([j * (s + pad) + (s - 1) / 2 for j in range(n_vectors)],
                           [f"σ = {np.sqrt(v):.2f}" for v in var], fontsize=8)
        ax_dirs.tick_params(length=0)
        ax_dirs.set_yticks([])
        ax_mean.set_xticks([])
        ax_mean.set_yticks([])
        for ax in (ax_mean, ax_dirs):
            for side in ax.spines.values():
                side.set_visible(False)
    axes[0, 0].set_title(r"mean $\mu_k$")
    axes[0, 1].set_title(f"top {n_vectors} principal directions of $\\Sigma_k$ (red +, blue −)")
    return fig


def plot_cost_scaling(dims: ArrayLike, rows: dict[str, tuple[ArrayLike, ArrayLike]],
                      note: str = "") -> plt.Figure:
    """Two log-log panels against the dimension d: parameters and seconds per EM iteration.

    rows: label -> (parameter counts, seconds per iteration), one value per entry of `dims`;
    `note` is added to the second panel's title (e.g. the assumed N, K and GFLOP/s).
    """
    dims = np.asarray(dims)
    fig, axes = figure(2, 1, aspect=0.75)
    for label, (params, seconds) in rows.items():
        axes[0, 0].loglog(dims, params, "o-", label=label)
        axes[0, 1].loglog(dims, seconds, "o-", label=label)
    for ax, what in zip(axes[0], ("numbers stored (parameters)", "seconds per EM iteration")):
        ax.set_xlabel("image dimension d (pixels)")
        ax.set_ylabel(what)
        ax.set_xticks(dims, [f"{d}\n({int(np.sqrt(d))}×{int(np.sqrt(d))})" for d in dims])
        ax.minorticks_off()
        ax.legend()
    axes[0, 0].set_title("model size")
    axes[0, 1].set_title("cost of one EM iteration (estimate)" + (f"\n{note}" if note else ""))
    return fig

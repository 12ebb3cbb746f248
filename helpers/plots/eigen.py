"""Plots for notebook 06: what a Gaussian (or each GMM component) has learned about patches.

A covariance Σ = V D Vᵀ is shown through its eigenvectors (the columns of V), each drawn as
an 8×8 tile with a signed colour map (red positive, blue negative, white zero) and sorted by
eigenvalue, largest first: the directions the model lets patches vary in most.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._style import CMAP_SIGNED, WIDTH, figure, patch_grid, tile

__all__ = ["fix_signs", "sorted_eigh", "eigen_sample", "dct_basis", "short_sci", "signed_tiles",
           "plot_eigenvectors", "plot_spectrum", "plot_eigen_vs_dct", "plot_components", "plot_patch_sets"]


def fix_signs(vecs: ArrayLike) -> NDArray[np.float64]:
    """The package's one eigenvector sign convention: each column of `vecs` (d, n) flipped so that
    its largest-magnitude entry is positive, so pictures do not flip between runs or BLAS builds."""
    vecs = np.asarray(vecs, dtype=np.float64)
    idx = np.argmax(np.abs(vecs), axis=0)
    return vecs * np.sign(vecs[idx, np.arange(vecs.shape[1])])


def sorted_eigh(cov: ArrayLike) -> tuple[NDArray, NDArray]:
    """Eigenvalues (d,) in decreasing order and the matching unit eigenvectors as columns (d, d),
    signs fixed by :func:`fix_signs`."""
    cov = np.asarray(cov, dtype=np.float64)
    vals, vecs = np.linalg.eigh(0.5 * (cov + cov.T))
    return vals[::-1], fix_signs(vecs[:, ::-1])


def eigen_sample(cov: ArrayLike, n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """`n` samples of N(0, cov) as rows (n, d), x = V D^½ z with z ~ N(0, I) drawn from `rng`.

    Works for singular covariances (eigenvalues are clipped at 0); the reference for notebook 06's
    Exercise 6.1 and the sampler :func:`plot_components` uses by default.
    """
    vals, vecs = sorted_eigh(cov)
    z = rng.standard_normal((n, len(vals)))
    return (z * np.sqrt(np.clip(vals, 0, None))) @ vecs.T


def dct_basis(size: int = 8) -> NDArray[np.float64]:
    """The orthonormal 2-D DCT-II basis of `size`×`size` patches, one flattened basis image per row.

    Row ``u * size + v`` is cos(π(2i+1)u / 2s) cos(π(2j+1)v / 2s) (normalised): vertical
    frequency u, horizontal frequency v.  Returns (size², size²); rows are orthonormal.
    """
    i = np.arange(size)
    c = np.cos(np.pi * (2 * i[None, :] + 1) * i[:, None] / (2 * size))  # (u, i)
    c *= np.where(i[:, None] == 0, np.sqrt(1 / size), np.sqrt(2 / size))
    return np.einsum("ui,vj->uvij", c, c).reshape(size * size, size * size)


def short_sci(value: float) -> str:
    """A compact 2-significant-digit label that fits under a tile, e.g. 0.000231 -> '2.3e-4', 0.134 -> '1.3e-1'."""
    v = float(value)
    if v == 0:
        return "0"
    m, e = f"{v:.1e}".split("e")
    return f"{m}e{int(e)}"


def signed_tiles(vectors: ArrayLike, ncols: int, pad: int = 1, row_pad: int | None = None
                 ) -> NDArray[np.float64]:
    """Tile flattened square patches (n, s*s) into one image, NaN (drawn white) between tiles.

    Each tile is divided by its own largest |value|, so every tile spans [-1, 1].  `pad`
    pixels separate columns and `row_pad` (default `pad`) rows, leaving room for labels.
    (:func:`helpers.plots.tile` with ``normalise="signed"`` and a NaN fill.)
    """
    return tile(vectors, ncols, pad=pad, row_pad=row_pad, normalise="signed", fill=np.nan)


def plot_eigenvectors(ax, vecs: ArrayLike, vals: ArrayLike | None = None, *, ncols: int = 8,
                      title: str | None = None, labels: list[str] | None = None,
                      fontsize: float = 9) -> None:
    """Draw eigenvectors (columns of `vecs`, shape (d, m)) as signed tiles on one axes.

    `vals` (m,) are written under the tiles as λ values (or pass your own `labels`).
    """
    V = np.asarray(vecs, dtype=np.float64).T
    s = int(round(np.sqrt(V.shape[1])))
    cmap = plt.get_cmap(CMAP_SIGNED).with_extremes(bad="white")
    if labels is None and vals is not None:
        labels = [short_sci(v) for v in np.asarray(vals)]
    row_pad = 4 if labels else 1
    ax.imshow(signed_tiles(V, ncols, row_pad=row_pad), cmap=cmap, vmin=-1, vmax=1,
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    _no_frame(ax)
    for k, text in enumerate(labels or []):
        r, c = divmod(k, ncols)
        ax.text(c * (s + 1) + (s - 1) / 2, r * (s + row_pad) + s - 0.4, text, ha="center",
                va="top", fontsize=fontsize)
    if title:
        ax.set_title(title)


def plot_spectrum(ax, vals: ArrayLike, *, label: str | None = None, title: str | None = None,
                  omit_below: float | None = None) -> None:
    """Eigenvalues (decreasing) against their rank on a log scale.

    With `omit_below`, eigenvalues smaller than `omit_below` times the largest (e.g. the zero of a
    removed direction) are not drawn, so they do not stretch the axis; a note on the axes says so.
    """
    vals = np.asarray(vals, dtype=np.float64)
    rank = np.arange(1, len(vals) + 1)
    keep = np.ones(len(vals), bool) if omit_below is None else vals >= omit_below * vals.max()
    ax.semilogy(rank[keep], np.maximum(vals[keep], 1e-300), ".-", label=label)
    if not keep.all():
        gone = ", ".join(f"λ$_{{{r}}}$ = {v:.0e}" for r, v in zip(rank[~keep], vals[~keep]))
        ax.text(0.98, 0.97, f"not drawn: {gone}\n(zero up to rounding)", transform=ax.transAxes,
                ha="right", va="top", fontsize=9, color="0.3")
    ax.set_xlabel("rank of eigenvalue")
    ax.set_ylabel("eigenvalue λ (variance, [0, 1] pixel units²)")
    if title:
        ax.set_title(title)


def plot_eigen_vs_dct(cov: ArrayLike, n: int = 32, *, ncols: int = 8) -> plt.Figure:
    """Top-`n` eigenvectors of a patch covariance next to the DCT basis ordered by the variance
    the same covariance gives each DCT basis image (d = 64 for 8×8 patches)."""
    cov = np.asarray(cov, dtype=np.float64)
    vals, vecs = sorted_eigh(cov)
    size = int(round(np.sqrt(cov.shape[0])))
    B = dct_basis(size)
    var = np.einsum("ki,ij,kj->k", B, cov, B)  # variance of the data along each DCT image
    order = np.argsort(-var)[:n]
    fig, axes = figure(2, 1, aspect=(-(-n // ncols)) * (size + 4) / (ncols * (size + 1)) * 1.15)
    plot_eigenvectors(axes[0, 0], vecs[:, :n], vals[:n], ncols=ncols,
                      title=f"eigenvectors of Σ (top {n}, λ below)")
    plot_eigenvectors(axes[0, 1], B[order].T, var[order], ncols=ncols,
                      title=f"DCT basis, sorted by variance (top {n})")
    return fig


def plot_components(gmm, ks: ArrayLike, *, n_vectors: int = 8, n_samples: int = 8,
                    rng: np.random.Generator | None = None, sampler=None) -> plt.Figure:
    """One row per component k in `ks`: its top eigenvectors (signed) and samples (grey).

    Samples are drawn from N(μ_k, Σ_k) as x = μ_k + V D^½ z with `rng` (seeded default), or as
    μ_k + sampler(Σ_k, n_samples, rng) when a zero-mean sampler (cov, n, rng) -> (n, d) is given
    (notebook 06 passes the student's Exercise 6.1 function).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    ks = [int(k) for k in ks]
    fig, axes = figure(2, len(ks), aspect=1 / max(n_vectors, n_samples) * 1.6)
    for row, k in zip(axes, ks):
        vals, vecs = sorted_eigh(gmm.covs[k])
        plot_eigenvectors(row[0], vecs[:, :n_vectors], vals[:n_vectors], ncols=n_vectors)
        row[0].set_ylabel(f"k = {k}\nπ = {gmm.weights[k]:.3f}", rotation=0, ha="right", va="center")
        X = np.asarray(gmm.means[k], float) + np.asarray(
            (sampler or eigen_sample)(np.asarray(gmm.covs[k], float), n_samples, rng), float)
        patch_grid(row[1], X, ncols=n_samples, normalise="global")
        _no_frame(row[1])
        contrast = np.sqrt(np.clip(vals, 0, None).sum() / len(vals))
        row[1].set_ylabel(f"pixel std\n{contrast:.3f}", rotation=0, ha="right", va="center")
    axes[0, 0].set_title(f"top {n_vectors} eigenvectors (λ below)")
    axes[0, 1].set_title(f"{n_samples} samples (one grey scale per row)")
    return fig


def plot_patch_sets(sets: dict[str, ArrayLike], *, ncols: int = 8, normalise: str = "each") -> plt.Figure:
    """Side-by-side grids of flattened patches, one panel per entry of `sets` (title -> (n, d))."""
    n = max(len(np.asarray(p)) for p in sets.values())
    fig, axes = figure(len(sets), 1, width=WIDTH, aspect=(-(-n // ncols)) / ncols * 1.2)
    for ax, (name, patches) in zip(axes[0], sets.items()):
        patch_grid(ax, patches, ncols=ncols, title=name, normalise=normalise)
        _no_frame(ax)
    return fig


def _no_frame(ax) -> None:
    for side in ax.spines.values():
        side.set_visible(False)

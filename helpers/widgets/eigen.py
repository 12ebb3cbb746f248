"""Interactive demo for notebook 06: browse the components of a patch GMM."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import patch_grid
from ..plots.eigen import plot_eigenvectors, plot_spectrum, sorted_eigh
from ._style import demo, int_slider

__all__ = ["component_browser"]


def component_browser(gmm, *, n_vectors: int = 16, n_samples: int = 16, seed: int = 0):
    """A slider over the components of `gmm`, sorted by mixing weight π_k (rank 1 = largest).

    For the chosen component it shows π_k, its pixel standard deviation √(tr Σ_k / d), its eigenvalue
    spectrum, its top `n_vectors` eigenvectors (signed 8×8 tiles, λ below each) and `n_samples` samples
    x = μ_k + V D^½ z
    (seeded with `seed`, so moving back to a component shows the same samples).
    """
    order = np.argsort(-np.asarray(gmm.weights, dtype=float))
    eig = {}

    def update(rank: int) -> None:
        k = int(order[rank - 1])
        if k not in eig:
            eig[k] = sorted_eigh(gmm.covs[k])
        vals, vecs = eig[k]
        fig = plt.figure(figsize=(9.0, 4.6))
        grid = fig.add_gridspec(2, 3, width_ratios=[1.0, 1.3, 1.0])
        ax = fig.add_subplot(grid[:, 0])
        contrast = np.sqrt(np.clip(vals, 0, None).sum() / len(vals))
        plot_spectrum(ax, vals, title=f"component k = {k}: π_k = {gmm.weights[k]:.4f}\n"
                                      f"pixel std {contrast:.3f}")
        ax.set_ylabel("eigenvalue λ")
        plot_eigenvectors(fig.add_subplot(grid[:, 1]), vecs[:, :n_vectors], vals[:n_vectors],
                          ncols=4, title=f"top {n_vectors} eigenvectors (λ below)")
        rng = np.random.default_rng([seed, k])
        z = rng.standard_normal((n_samples, len(vals)))
        X = np.asarray(gmm.means[k], float) + (z * np.sqrt(np.clip(vals, 0, None))) @ vecs.T
        for row, (norm, title) in enumerate((("each", "samples (own grey scale each)"),
                                              ("global", "samples (one grey scale)"))):
            ax = fig.add_subplot(grid[row, 2])
            patch_grid(ax, X, ncols=4, normalise=norm, title=title)
            for side in ax.spines.values():
                side.set_visible(False)

    slider = int_slider("component (rank by π)", 1, 1, gmm.n_components, continuous_update=False)
    return demo(update, {"rank": slider}, columns=1)

"""Plots for notebook 05: loss contours with optimisation paths, loss curves per step or epoch."""
from __future__ import annotations

from typing import Callable, Mapping

import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

__all__ = ["plot_loss_contours", "plot_path", "plot_paths", "plot_loss_curves"]

PATH_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")


def plot_loss_contours(ax, loss: Callable[[np.ndarray], np.ndarray],
                       extent: tuple[float, float, float, float], *, minimum: ArrayLike | None = None,
                       n: int = 160, n_levels: int = 12, xlabel: str = r"$\theta_1$",
                       ylabel: str = r"$\theta_2$", title: str | None = None) -> None:
    """Contours of a 2-D loss at geometrically spaced levels above its minimum on the grid.

    `loss` maps an (..., 2) array of points to their losses (...).  `minimum` (2,) is marked
    with a star.  Contours are grey so coloured paths stand out.
    """
    x0, x1, y0, y1 = extent
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    values = np.asarray(loss(np.stack([gx, gy], axis=-1)), float)
    lo, hi = float(values.min()), float(values.max())
    levels = lo + np.geomspace(1e-3, 1.0, n_levels) * (hi - lo)
    ax.contour(gx, gy, values, levels=levels, colors="0.6", linewidths=0.8)
    if minimum is not None:
        ax.plot(*np.asarray(minimum, float), marker="*", ms=12, color="k", ls="none", label="minimum")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal", adjustable="box")
    if title:
        ax.set_title(title)


def plot_path(ax, path: ArrayLike, *, label: str | None = None, color: str = "tab:blue",
              marker: str = "o", ms: float = 2.5, lw: float = 1.0, mark_exit: bool = True) -> None:
    """An optimisation path (T, 2) as a line with small markers; the start is a large circle.

    Non-finite points (a divergent run) end the line.  When the axes' limits are fixed (as
    :func:`plot_loss_contours` sets them) and ``mark_exit`` is true, a path that leaves the plotted
    box is cut where it crosses the border, which is marked with a red ✕ and "leaves the plot at
    step t" ("diverges: ..." when its last point is farther from the start than the border).
    """
    P = np.asarray(path, float)
    finite = np.all(np.isfinite(P), axis=1)
    stop = int(np.argmin(finite)) if not finite.all() else len(P)
    P = P[:stop]
    exit_at = None
    if mark_exit and not (ax.get_autoscalex_on() or ax.get_autoscaley_on()) and len(P) > 1:
        (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
        inside = (P[:, 0] >= x0) & (P[:, 0] <= x1) & (P[:, 1] >= y0) & (P[:, 1] <= y1)
        if inside[0] and not inside.all():
            t = int(np.argmin(inside))                       # first step outside the box
            a, b = P[t - 1], P[t]
            with np.errstate(divide="ignore", invalid="ignore"):
                s = np.nanmin([(lim - a[i]) / (b[i] - a[i]) for i, lim in
                               ((0, x0), (0, x1), (1, y0), (1, y1))
                               if 0 <= (lim - a[i]) / (b[i] - a[i]) <= 1] or [1.0])
            exit_at = (t, a + s * (b - a), stop < len(np.asarray(path)) or
                       np.linalg.norm(P[-1] - P[0]) > np.linalg.norm(b - P[0]))
            P = np.vstack([P[:t], exit_at[1]])
    ax.plot(P[:, 0], P[:, 1], marker=marker, ms=ms, lw=lw, color=color, label=label)
    ax.plot(P[0, 0], P[0, 1], "o", ms=7, mfc="white", mec=color, mew=1.5)
    if exit_at is not None:
        t, where, diverged = exit_at
        ax.scatter([where[0]], [where[1]], marker="X", s=90, color="tab:red", zorder=5, clip_on=False)
        ax.annotate(f"{'diverges: ' if diverged else ''}leaves the plot\nat step {t}", where,
                    xytext=(0.5, 0.06), textcoords="axes fraction", ha="center", fontsize=9,
                    color="tab:red", bbox={"boxstyle": "round", "fc": "white", "ec": "none", "alpha": 0.85},
                    arrowprops={"arrowstyle": "->", "color": "tab:red", "lw": 0.8})


def plot_paths(loss: Callable[[np.ndarray], np.ndarray], paths: Mapping[str, ArrayLike],
               extent: tuple[float, float, float, float], *, minimum: ArrayLike | None = None,
               suptitle: str | None = None, xlabel: str = r"$\theta_1$",
               ylabel: str = r"$\theta_2$") -> plt.Figure:
    """One panel per path: the loss contours with that path, titled by its key; returns the figure."""
    from ._style import figure
    fig, axes = figure(len(paths), aspect=1.0)
    for i, (ax, (title, path)) in enumerate(zip(axes[0], paths.items())):
        plot_loss_contours(ax, loss, extent, minimum=minimum, title=title, xlabel=xlabel,
                           ylabel=ylabel if i == 0 else "")
        plot_path(ax, path, color=PATH_COLORS[i % len(PATH_COLORS)])
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_loss_curves(ax, curves: Mapping[str, ArrayLike], *, x: Mapping[str, ArrayLike] | None = None,
                     xlabel: str = "epoch", ylabel: str = "mean NLL [nats per point]",
                     title: str | None = None, logy: bool = False,
                     reference: Mapping[str, float] | None = None, markers: bool = True,
                     ylim: tuple[float, float] | None = None, legend_loc: str = "best") -> None:
    """Several loss curves against steps or epochs (from 0), with optional horizontal references.

    curves : label -> losses; x : label -> x positions (default 0, 1, 2, ...).
    reference : label -> value drawn as a dashed horizontal line (e.g. the closed-form MLE).
    """
    for i, (label, values) in enumerate(curves.items()):
        v = np.asarray(values, float)
        xs = np.arange(len(v)) if x is None or label not in x else np.asarray(x[label], float)
        ax.plot(xs, v, marker="o" if markers else None, ms=3, lw=1.3,
                color=PATH_COLORS[i % len(PATH_COLORS)], label=label)
    for j, (label, value) in enumerate((reference or {}).items()):
        ax.axhline(value, color="k", ls=("--", ":", "-.")[j % 3], lw=1, label=label)
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc=legend_loc)

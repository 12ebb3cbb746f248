"""One figure style for every notebook: sizes, grey images, labelled axes."""
from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from numpy.typing import ArrayLike

WIDTH = 9.0          # inches, the width of every full-width figure
PANEL = 3.0          # inches, the side of one square panel
CMAP_IMAGE = "gray"  # images and patches
CMAP_SIGNED = "RdBu_r"  # eigenvectors and other signed maps (zero is white)

STYLE = {
    "figure.dpi": 80,
    "savefig.dpi": 100,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": CMAP_IMAGE,
    "figure.constrained_layout.use": True,
}


def use_style() -> None:
    """Apply the course style to matplotlib (called by ``helpers.plots`` on import)."""
    mpl.rcParams.update(STYLE)


def figure(ncols: int = 1, nrows: int = 1, *, width: float = WIDTH, aspect: float = 1.0, **kw):
    """``plt.subplots`` with the course's sizes: `ncols` x `nrows` panels across `width` inches."""
    height = width / ncols * nrows * aspect
    return plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, **kw)


def show_image(ax, image: ArrayLike, title: str | None = None, *, vmin: float | None = 0.0,
               vmax: float | None = 1.0, cmap: str = CMAP_IMAGE) -> mpl.image.AxesImage:
    """Draw a grey image on `ax` without ticks (pixels carry no axis units)."""
    im = ax.imshow(np.asarray(image), cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return im


def tile(patches: ArrayLike, ncols: int, *, pad: int = 1, normalise: str = "each",
         row_pad: int | None = None, fill: float = 1.0) -> np.ndarray:
    """Arrange flattened square patches (n, s*s) into one image, `pad` pixels of `fill` between
    columns and `row_pad` (default `pad`) between rows: the one tiling routine of the plots.

    normalise: "each" scales every patch to [0, 1] on its own (shows structure), "global"
    uses one scale for all (shows contrast), "signed" divides every patch by its own largest
    |value| (so it spans [-1, 1]; eigenvectors), "none" leaves values as they are.  `fill` 1.0
    is white on the grey scale; NaN is drawn white by the signed maps.
    """
    P = np.asarray(patches, dtype=float)
    n, dd = P.shape
    s = int(round(np.sqrt(dd)))
    if s * s != dd:
        raise ValueError(f"patches: rows must be square patches flattened, got length {dd}")
    row_pad = pad if row_pad is None else row_pad
    if normalise == "signed":
        scale = np.max(np.abs(P), axis=1, keepdims=True)
        P = P / np.where(scale > 0, scale, 1.0)
    elif normalise == "each":
        lo, hi = P.min(axis=1, keepdims=True), P.max(axis=1, keepdims=True)
        P = (P - lo) / np.where(hi > lo, hi - lo, 1.0)
    elif normalise == "global":
        lo, hi = P.min(), P.max()
        P = (P - lo) / (hi - lo if hi > lo else 1.0)
    elif normalise != "none":
        raise ValueError(f"normalise: expected 'each', 'global', 'signed' or 'none', got {normalise!r}")
    nrows = -(-n // ncols)
    out = np.full((nrows * (s + row_pad) - row_pad, ncols * (s + pad) - pad), fill)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[r * (s + row_pad): r * (s + row_pad) + s, c * (s + pad): c * (s + pad) + s] = P[i].reshape(s, s)
    return out


def patch_grid(ax, patches: ArrayLike, ncols: int = 10, title: str | None = None,
               normalise: str = "each") -> None:
    """Show flattened square patches (n, s*s) as a grid on `ax`."""
    show_image(ax, tile(patches, ncols, normalise=normalise), title,
               vmin=0 if normalise != "none" else None, vmax=1 if normalise != "none" else None)

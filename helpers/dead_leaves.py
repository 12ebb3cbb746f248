"""Dead-leaves images: a synthetic, scale-invariant model of natural images (opaque random disks).

Used in notebook 06 to compare what a GMM learns on patches of dead leaves with natural images.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._validation import as_rng, positive_float, positive_int

__all__ = ["dead_leaves"]


def _radii(u: NDArray, r_min: float, r_max: float) -> NDArray:
    """Inverse CDF of p(r) ∝ r⁻³ on [r_min, r_max] applied to uniform `u`."""
    a, b = r_min ** -2, r_max ** -2
    return (a - u * (a - b)) ** -0.5


def _disk_pixels(cy: NDArray, cx: NDArray, r: NDArray, H: int, W: int) -> tuple[NDArray, NDArray]:
    """Flat pixel indices inside each disk (clipped to the image) and the disk each belongs to.

    Pixels are listed disk by disk, in the order of the disks.
    """
    y0 = np.clip(np.ceil(cy - r), 0, H).astype(np.intp)
    y1 = np.clip(np.floor(cy + r) + 1, 0, H).astype(np.intp)
    x0 = np.clip(np.ceil(cx - r), 0, W).astype(np.intp)
    x1 = np.clip(np.floor(cx + r) + 1, 0, W).astype(np.intp)
    h, w = np.maximum(y1 - y0, 0), np.maximum(x1 - x0, 0)
    n_box = h * w
    disk = np.repeat(np.arange(len(r)), n_box)
    # position of each pixel inside its disk's bounding box
    k = np.arange(n_box.sum()) - np.repeat(np.cumsum(n_box) - n_box, n_box)
    dy, dx = np.divmod(k, np.maximum(w, 1)[disk])
    y, x = y0[disk] + dy, x0[disk] + dx
    inside = (y - cy[disk]) ** 2 + (x - cx[disk]) ** 2 <= r[disk] ** 2
    return (y * W + x)[inside], disk[inside]


def dead_leaves(shape: tuple[int, int], rng: np.random.Generator, r_min: float = 1.0,
                r_max: float = 64.0, batch: int = 512, max_disks: int = 2_000_000
                ) -> NDArray[np.float64]:
    """A dead-leaves image (H, W): opaque disks of uniform random grey level in [0, 1].

    Radii follow p(r) ∝ r⁻³ on [r_min, r_max] (the scale-invariant choice of the dead-leaves
    model of natural images, Zoran & Weiss 2012); centres are uniform over the image enlarged
    by r_max on every side, so edges are statistically the same everywhere.  Disks are laid
    front to back — each new disk lies behind all earlier ones and shows only where the
    image is still uncovered — until every pixel is covered.  Disks are drawn in batches of
    `batch`; a disk hides later disks of its own batch too.  Raises ``RuntimeError`` if
    `max_disks` disks do not cover the image.
    """
    if len(tuple(shape)) != 2:
        raise ValueError(f"shape: expected (H, W), got {shape!r}")
    H, W = (positive_int(s, "shape") for s in shape)
    rng = as_rng(rng)
    r_min, r_max = positive_float(r_min, "r_min"), positive_float(r_max, "r_max")
    if r_max < r_min:
        raise ValueError(f"r_max: must be >= r_min = {r_min}, got {r_max}")
    batch = positive_int(batch, "batch")
    image = np.full(H * W, np.nan)
    uncovered = H * W
    drawn = 0
    while uncovered:
        if drawn >= max_disks:
            raise RuntimeError(f"dead_leaves: {max_disks} disks left {uncovered} pixels uncovered; "
                               "raise r_min or max_disks")
        r = _radii(rng.random(batch), r_min, r_max)
        cy = rng.uniform(-r_max, H + r_max, batch)
        cx = rng.uniform(-r_max, W + r_max, batch)
        grey = rng.random(batch)
        pix, disk = _disk_pixels(cy, cx, r, H, W)
        # np.unique keeps the first occurrence: the front-most disk of this batch at each pixel
        pix, first = np.unique(pix, return_index=True)
        free = np.isnan(image[pix])
        image[pix[free]] = grey[disk[first[free]]]
        uncovered -= int(free.sum())
        drawn += batch
    return image.reshape(H, W)

"""Square image patches: extract them on a grid, put them back (averaging overlaps), remove their DC.

A patch of side ``size`` whose top-left pixel is (r, c) is the flattened block
``image[r:r+size, c:c+size].ravel()`` (row-major), a vector of length d = size².

Patch positions lie on the grid 0, stride, 2·stride, ... along each axis, plus the last
position H - size (W - size) when the grid misses it; with stride <= size every pixel lies
in at least one patch (a larger stride is an error).  Patches are ordered row by row:
position (r_i, c_j) is row i·n_cols + j.

``assemble`` is the inverse of ``extract``: it writes each patch back to its place and
divides every pixel by the number of patches that cover it, so
``assemble(extract(img, s, t), img.shape, s, t) == img`` for every stride (exactly when
patches do not overlap; to rounding when they do).  Neither loops over patches: ``extract``
is a strided view, ``assemble`` 2·size shifted array additions.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, positive_int

__all__ = ["extract", "assemble", "remove_dc", "positions", "count", "extract_at", "assemble_at"]


def _starts(length: int, size: int, stride: int, offset: int = 0) -> NDArray[np.intp]:
    """Start indices along one axis of `length` pixels: offset, offset + stride, ..., plus the
    first (0) and the last (length - size) positions, so every pixel is covered."""
    last = length - size
    if stride == 1:
        return np.arange(last + 1)
    return np.unique(np.concatenate([[0], np.arange(offset, last + 1, stride), [last]]))


def _check_geometry(image_shape: tuple[int, ...], size: object, stride: object,
                    name: str = "image") -> tuple[int, int, int, int]:
    size = positive_int(size, "size")
    stride = positive_int(stride, "stride")
    if len(image_shape) != 2:
        raise ValueError(f"{name}: expected a 2-D grey image (H, W), got shape {tuple(image_shape)}")
    H, W = (int(n) for n in image_shape)
    if size > H or size > W:
        raise ValueError(f"size: patch side {size} is larger than the {name} of shape ({H}, {W})")
    if stride > size:
        raise ValueError(f"stride: {stride} is larger than the patch side {size}, "
                         "so some pixels would lie in no patch")
    return H, W, size, stride


def positions(image_shape: tuple[int, int], size: int, stride: int = 1,
              offset: tuple[int, int] = (0, 0)) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Top-left rows (n_rows,) and columns (n_cols,) of the patches ``extract`` takes.

    The patches are the grid ``rows × cols`` in row-major order, n = n_rows · n_cols.
    `offset` (row, column), each in [0, stride), shifts the grid (random offsets let
    successive passes see different patches); the first and last positions are always kept.
    """
    H, W, size, stride = _check_geometry(tuple(image_shape), size, stride, "image_shape")
    r0, c0 = (int(o) for o in offset)
    if not (0 <= r0 < stride and 0 <= c0 < stride):
        raise ValueError(f"offset: expected two integers in [0, {stride}), got {offset!r}")
    return _starts(H, size, stride, r0), _starts(W, size, stride, c0)


def count(image_shape: tuple[int, int], size: int, stride: int = 1) -> int:
    """Number of patches ``extract`` returns for an image of `image_shape`."""
    rows, cols = positions(image_shape, size, stride)
    return len(rows) * len(cols)


def extract(image: ArrayLike, size: int, stride: int = 1) -> NDArray[np.floating]:
    """All `size` × `size` patches of a grey `image` (H, W) on a grid with step `stride`.

    Returns an (n, size*size) array (a copy; float32 stays float32, other input becomes
    float64), n = n_rows · n_cols as given by :func:`positions`.
    """
    image = as_float_array(image, "image")
    H, W, size, stride = _check_geometry(image.shape, size, stride)
    return extract_at(image, _starts(H, size, stride), _starts(W, size, stride), size)


def extract_at(image: NDArray, rows: NDArray[np.intp], cols: NDArray[np.intp], size: int
               ) -> NDArray[np.floating]:
    """Patches (len(rows)·len(cols), size²) whose top-left corners are ``rows × cols`` (row-major).

    No validation: the fast path for callers that took `rows`, `cols` from :func:`positions`.
    """
    view = sliding_window_view(image, (size, size))  # (H-size+1, W-size+1, size, size), no copy
    if len(rows) != view.shape[0] or len(cols) != view.shape[1]:
        view = view[rows[:, None], cols[None, :]]
    return view.reshape(-1, size * size)


def _coverage(length: int, size: int, starts: NDArray[np.intp]) -> NDArray[np.float64]:
    """How many patches (along one axis) cover each of `length` pixels."""
    cover = np.zeros(length)
    for i in range(size):
        cover[starts + i] += 1.0  # starts are distinct, so += is exact
    return cover


def assemble(patches: ArrayLike, image_shape: tuple[int, int], size: int | None = None,
             stride: int = 1) -> NDArray[np.floating]:
    """Image of `image_shape` (H, W) from `patches` (n, size*size) laid out as ``extract`` makes them.

    Each pixel is the average of the patch values that cover it.  `size` defaults to
    sqrt(patches.shape[1]).  Returns an (H, W) array in the dtype of `patches`.
    """
    patches = as_float_array(patches, "patches", ndim=2)
    if size is None:
        size = int(round(np.sqrt(patches.shape[1])))
        if size * size != patches.shape[1]:
            raise ValueError(f"patches: rows of length {patches.shape[1]} are not flattened square patches")
    H, W, size, stride = _check_geometry(tuple(image_shape), size, stride, "image_shape")
    rows, cols = _starts(H, size, stride), _starts(W, size, stride)
    nr, nc = len(rows), len(cols)
    if patches.shape != (nr * nc, size * size):
        raise ValueError(f"patches: expected shape ({nr * nc}, {size * size}) for image_shape "
                         f"{(H, W)}, size {size}, stride {stride}; got {patches.shape}")
    return assemble_at(patches, (H, W), rows, cols, size)


def assemble_at(patches: NDArray, image_shape: tuple[int, int], rows: NDArray[np.intp],
                cols: NDArray[np.intp], size: int, dtype: type | None = None) -> NDArray[np.floating]:
    """Average of `patches` (len(rows)·len(cols), size²) placed at ``rows × cols``, per pixel.

    Exact per-pixel counts; every pixel must be covered.  Sums in `dtype` (default: the
    patches' dtype).  No validation: the fast path for callers that used :func:`positions`.
    """
    H, W = image_shape
    dtype = patches.dtype if dtype is None else dtype
    blocks = patches.reshape(len(rows), len(cols), size, size)  # [patch row, patch col, i, j]
    # Two passes of `size` shifted adds, reading the patches in memory order (no transpose copy):
    # spread along columns,  strips[r, cols + j, i] += blocks[r, :, i, j]   for each j,
    # then along rows,       out[rows + i, :]      += strips[r, :, i]       for each i.
    # Positions along an axis are distinct, so += through an index array adds each patch once.
    def at(starts: NDArray[np.intp], k: int) -> slice | NDArray[np.intp]:
        dense = starts[-1] - starts[0] == len(starts) - 1        # consecutive starts: a slice
        return slice(starts[0] + k, starts[-1] + k + 1) if dense else starts + k

    strips = np.zeros((len(rows), W, size), dtype=dtype)
    for j in range(size):
        strips[:, at(cols, j), :] += blocks[:, :, :, j]
    out = np.zeros((H, W), dtype=dtype)
    for i in range(size):
        out[at(rows, i)] += strips[:, :, i]
    cover = np.outer(_coverage(H, size, rows), _coverage(W, size, cols))
    out /= cover.astype(out.dtype)
    return out


def remove_dc(patches: ArrayLike) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Subtract each patch's mean (its DC component).

    Returns the centred patches (n, d), each row summing to zero, and the removed means (n,),
    so ``centred + dc[:, None]`` gives the patches back.
    """
    patches = as_float_array(patches, "patches", ndim=2)
    if patches.shape[1] == 0:
        raise ValueError(f"patches: rows are empty (shape {patches.shape})")
    dc = patches.mean(axis=1)
    return patches - dc[:, None], dc

"""Grey natural images: the bundled set, any folder of PNG/JPEG files, random patches.

(Synthetic dead-leaves images are in :mod:`helpers.dead_leaves`.)

Every image is a float64 array (H, W) with values in [0, 1].  The bundled images live in
``data/images/train`` (for fitting patch models) and ``data/images/test`` (held out, used
for likelihoods and denoising); ``data/README.md`` gives each file's source and licence.
Nothing is ever downloaded: to use your own photographs (e.g. BSDS300), call
``load_folder("path/to/BSDS300/images/train")``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray
from PIL import Image, UnidentifiedImageError

from . import _data
from ._validation import as_float_array, as_rng, positive_int
from .patches import remove_dc as _remove_dc

__all__ = ["DATA_DIR", "SPLITS", "names", "read", "load", "load_split", "load_folder", "sample_patches"]

DATA_DIR = _data.root() / "images"   # the repository's data/images, or the installed copy (helpers/_data.py)
SPLITS = ("train", "test")
EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".pgm")


def _check_split(split: str | None) -> None:
    if split is not None and split not in SPLITS:
        raise ValueError(f"split: expected one of {SPLITS} or None, got {split!r}")


def _bundled(split: str | None = None) -> dict[str, Path]:
    """name -> file of the bundled images; ``_data.MissingDataError`` if a split's folder is missing or empty."""
    _check_split(split)
    out = {}
    for s in SPLITS:
        if split in (None, s):
            folder = _data.path("images", s, kind="folder")
            files = sorted(folder.glob("*.png"))
            if not files:
                raise _data.MissingDataError(f"bundled folder data/images/{s} holds no PNG images ({folder})")
            out.update((p.stem, p) for p in files)
    return out


def names(split: str | None = None) -> list[str]:
    """Sorted names of the bundled images, of one `split` ('train' or 'test') or of both."""
    return sorted(_bundled(split))


def read(path: str | Path) -> NDArray[np.float64]:
    """One image file as a grey float64 array (H, W) in [0, 1] (colour is converted to luma).

    Raises ``FileNotFoundError`` if `path` is not a file and ``ValueError`` if PIL cannot read it.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"path: no such file: {path}")
    try:
        img = Image.open(path)
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"path: {path} is not an image file that PIL can read ({err})") from None
    with img:
        if img.mode in ("I;16", "I;16B", "I;16L", "I"):  # 16-bit grey
            arr = np.asarray(img, dtype=np.float64)
            return arr / (65535.0 if arr.max() > 255 else 255.0)
        if img.mode == "F":
            return np.clip(np.asarray(img, dtype=np.float64), 0.0, 1.0)
        return np.asarray(img.convert("L"), dtype=np.float64) / 255.0


def load(name: str) -> NDArray[np.float64]:
    """The bundled image `name` (see :func:`names`) as a float64 array (H, W) in [0, 1]."""
    paths = _bundled()
    if name not in paths:
        raise ValueError(f"name: unknown image {name!r}; valid names are {', '.join(sorted(paths))}")
    return read(paths[name])


def load_split(split: str) -> list[NDArray[np.float64]]:
    """All bundled images of `split` ('train' or 'test'), in the order of ``names(split)``."""
    if split is None:
        raise ValueError(f"split: expected one of {SPLITS}, got None")
    return [read(p) for p in _bundled(split).values()]


def load_folder(path: str | Path, recursive: bool = False) -> list[NDArray[np.float64]]:
    """Every PNG/JPEG/TIFF/BMP/PGM image in folder `path`, sorted by file name, as grey [0, 1] arrays.

    With `recursive`, sub-folders are searched too.  Raises ``FileNotFoundError`` if `path`
    is not a folder and ``ValueError`` if it holds no image files.
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"path: no such folder: {folder}")
    found = folder.rglob("*") if recursive else folder.glob("*")
    files = sorted(p for p in found if p.is_file() and p.suffix.lower() in EXTENSIONS)
    if not files:
        raise ValueError(f"path: folder {folder} holds no image files ({', '.join(EXTENSIONS)})")
    return [read(p) for p in files]


def _as_images(images: ArrayLike | Sequence[ArrayLike], size: int) -> list[NDArray[np.floating]]:
    """A list of 2-D finite images, each at least `size` on both sides."""
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    if len(images) == 0:
        raise ValueError("images: expected at least one image, got an empty sequence")
    out = []
    for k, img in enumerate(images):
        img = as_float_array(img, f"images[{k}]", ndim=2)
        if min(img.shape) < size:
            raise ValueError(f"images[{k}]: shape {img.shape} is smaller than the patch size {size}")
        out.append(img)
    return out


def sample_patches(images: ArrayLike | Sequence[ArrayLike], size: int, n: int, rng: np.random.Generator,
                   remove_dc: bool = False) -> NDArray[np.float64]:
    """`n` random `size` × `size` patches, uniform over every patch position of every image.

    `images` is one image (H, W) or a sequence of images of any sizes.  Positions are drawn
    with replacement, so a large image contributes in proportion to its number of positions.
    Returns (n, size*size) float64; with `remove_dc` each patch has its mean subtracted.
    """
    size = positive_int(size, "size")
    n = positive_int(n, "n")
    rng = as_rng(rng)
    imgs = _as_images(images, size)
    widths = np.array([img.shape[1] - size + 1 for img in imgs])
    counts = np.array([(img.shape[0] - size + 1) * w for img, w in zip(imgs, widths)])
    flat = rng.integers(0, counts.sum(), size=n)            # one index into all positions
    which = np.searchsorted(np.cumsum(counts), flat, side="right")
    local = flat - np.concatenate([[0], np.cumsum(counts)[:-1]])[which]
    out = np.empty((n, size * size))
    for k, img in enumerate(imgs):  # a loop over images, not patches
        sel = np.flatnonzero(which == k)
        if sel.size:
            r, c = np.divmod(local[sel], widths[k])
            out[sel] = sliding_window_view(img, (size, size))[r, c].reshape(sel.size, -1)
    return _remove_dc(out)[0] if remove_dc else out

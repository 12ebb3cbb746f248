"""The UCI handwritten digits: 1 797 images of 8×8 pixels with grey levels 0..16.

Shipped in ``data/digits/digits.csv.gz`` (one row per image: 64 pixels row by row, then
the label 0..9); source, licence (CC BY 4.0, E. Alpaydin and C. Kaynak) and the script that
made it are in ``data/README.md`` and ``scripts/make_digits.py``.  Nothing is downloaded.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _data
from ._validation import as_rng

__all__ = ["DIGITS_FILE", "SIDE", "LEVELS", "load_digits", "dequantise", "split"]

DIGITS_FILE = _data.root() / "digits" / "digits.csv.gz"   # in the repository or the installed copy
SIDE = 8      # images are SIDE x SIDE pixels
LEVELS = 16   # grey levels run from 0 (background) to LEVELS (ink)


def load_digits(path: str | Path | None = None) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """The digit images, flattened, and their labels.

    Returns
    -------
    X : (1797, 64) uint8 grey levels 0..16, each row an 8×8 image read row by row
        (``X[i].reshape(8, 8)`` shows it).
    labels : (1797,) uint8 digit 0..9 of each image.
    """
    path = _data.path("digits", "digits.csv.gz") if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no digits file at {path} (run scripts/make_digits.py)")
    try:
        table = np.loadtxt(path, delimiter=",", dtype=np.int64, ndmin=2)
    except ValueError as err:
        raise ValueError(f"path: {path} is not a digits table ({err})") from None
    if table.shape[1] != SIDE * SIDE + 1 or table.min() < 0 or table[:, :-1].max() > LEVELS:
        raise ValueError(f"path: {path} is not a digits table (shape {table.shape})")
    return table[:, :-1].astype(np.uint8), table[:, -1].astype(np.uint8)


def split(n: int, test_fraction: float,
          rng: np.random.Generator) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Random disjoint (train, test) index arrays over ``range(n)``; the test part has
    ``round(test_fraction * n)`` indices.  Both are sorted."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction: expected a number in (0, 1), got {test_fraction!r}")
    perm = as_rng(rng).permutation(n)
    n_test = int(round(test_fraction * n))
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


def dequantise(X: ArrayLike, rng: np.random.Generator) -> NDArray[np.float64]:
    """Grey levels 0..16 (N, 64) as continuous values in [0, 1): (X + u) / 17, u ~ U[0, 1).

    A density model of integer pixels can put unbounded density on the integers (a pixel that
    is always 0 gives a variance of 0); spreading each level uniformly over its own bin of
    width 1/17 makes the data continuous, and a log-likelihood of the dequantised data is a
    lower bound on the log-probability of the discrete images (Theis et al. 2016).
    """
    X = np.asarray(X)
    if X.dtype.kind not in "iu" or X.size == 0 or X.min() < 0 or X.max() > LEVELS:
        raise ValueError(f"X: expected integer grey levels 0..{LEVELS}, got dtype {X.dtype}")
    return (X + as_rng(rng).uniform(size=X.shape)) / (LEVELS + 1)

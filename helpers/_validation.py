"""Input validation shared by every public function of ``helpers``.

Each function raises ``ValueError`` whose message starts with the argument's name, so a
student sees which input was wrong and why.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg


def as_float_array(a: ArrayLike, name: str, ndim: int | None = None,
                   dtype: type | None = None) -> NDArray[np.floating]:
    """`a` as a finite floating array with `ndim` dimensions (float64 unless `dtype`)."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected a real numeric array, got dtype {arr.dtype}")
    if dtype is None:
        dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64
    arr = arr.astype(dtype, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name}: contains NaN or inf (first at index {tuple(int(i) for i in bad)})")
    return arr


def as_data(X: ArrayLike, name: str = "X", dim: int | None = None,
            dtype: type | None = None) -> NDArray[np.floating]:
    """Data matrix `X` of shape (N, d), N >= 1, with d == `dim` when given."""
    X = as_float_array(X, name, ndim=2, dtype=dtype)
    if X.shape[0] == 0:
        raise ValueError(f"{name}: has no rows (shape {X.shape})")
    if dim is not None and X.shape[1] != dim:
        raise ValueError(f"{name}: expected {dim} columns (the model's dimension), got shape {X.shape}")
    return X


def as_mean(mean: ArrayLike, name: str = "mean", dim: int | None = None) -> NDArray[np.floating]:
    mean = as_float_array(mean, name, ndim=1)
    if dim is not None and mean.shape[0] != dim:
        raise ValueError(f"{name}: expected length {dim}, got shape {mean.shape}")
    return mean


def cholesky(cov: ArrayLike, name: str = "cov", dim: int | None = None) -> NDArray[np.floating]:
    """Lower Cholesky factor L of a symmetric positive-definite `cov` (L @ L.T == cov).

    Raises ``ValueError`` naming `name` if `cov` is not square, not symmetric (relative
    tolerance 1e-8), or not positive definite.
    """
    cov = as_float_array(cov, name, ndim=2)
    d = cov.shape[0]
    if cov.shape != (d, d) or (dim is not None and d != dim):
        want = f"({dim}, {dim})" if dim is not None else "square"
        raise ValueError(f"{name}: expected a {want} matrix, got shape {cov.shape}")
    scale = max(float(np.max(np.abs(cov))), np.finfo(cov.dtype).tiny)
    asym = float(np.max(np.abs(cov - cov.T))) / scale
    if asym > 1e-8:
        raise ValueError(f"{name}: not symmetric (max |C - C^T| / max |C| = {asym:.2e})")
    try:
        return linalg.cholesky(cov, lower=True, check_finite=False)
    except linalg.LinAlgError:
        eig = float(np.linalg.eigvalsh(cov)[0])
        raise ValueError(
            f"{name}: not positive definite (smallest eigenvalue {eig:.3e}); "
            "add a small multiple of the identity (reg_covar) to its diagonal"
        ) from None


def as_rng(rng: object, name: str = "rng") -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"{name}: expected a numpy.random.Generator "
                         f"(np.random.default_rng(seed)), got {type(rng).__name__}")
    return rng


def positive_int(n: object, name: str, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {n!r}")
    return int(n)


def positive_float(x: object, name: str) -> float:
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a positive number, got {x!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name}: expected a positive finite number, got {x!r}")
    return value


def nonnegative_float(x: object, name: str) -> float:
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a non-negative number, got {x!r}") from None
    if not (value >= 0 and np.isfinite(value)):
        raise ValueError(f"{name}: expected a non-negative finite number, got {x!r}")
    return value

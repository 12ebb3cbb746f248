"""Shared by the :mod:`helpers.sgd` modules: the parameter-dict type, the defaults and argument checks."""
from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import as_data, as_float_array, as_rng, positive_float, positive_int

Params = dict[str, NDArray[np.float64]]
LossAndGrad = Callable[[Params, NDArray], tuple[float, Params]]

# Defaults measured on 8×8 DC-removed patches (ε = 1e-4; python benchmarks/sgd.py, recorded in
# benchmarks/results/sgd.md): in 20 epochs the Gaussian ends within 0.03 % of the best NLL its
# parametrisation allows; GMMs (K = 5, 10) end below EM's NLL after the same number of passes
# from the same start.
DEFAULT_EPS = 1e-4
DEFAULT_LR = 0.02
DEFAULT_BETA = 0.9
DEFAULT_BATCH_GAUSSIAN = 128   # 78 steps per epoch on 10 000 patches
DEFAULT_BATCH_GMM = 256


def _check_beta(beta: object) -> float:
    try:
        b = float(beta)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"beta: expected a number 0 <= beta < 1, got {beta!r}") from None
    if not 0.0 <= b < 1.0:
        raise ValueError(f"beta: expected a momentum 0 <= beta < 1, got {beta!r}")
    return b

def _check_factor(A: ArrayLike, name: str, shape: tuple[int, ...]) -> NDArray[np.float64]:
    A = as_float_array(A, name).astype(np.float64, copy=False)
    if A.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {A.shape}")
    return A

def _fit_common(X, lr, beta, batch_size, n_epochs, eps, rng):
    X = as_data(X, "X")
    return (X, positive_float(lr, "lr"), _check_beta(beta), positive_int(batch_size, "batch_size"),
            positive_int(n_epochs, "n_epochs", minimum=0), positive_float(eps, "eps"), as_rng(rng))

"""Checking an analytic gradient against central finite differences."""
from __future__ import annotations

from typing import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from .._validation import positive_float
from ._common import Params

__all__ = ["numerical_gradient", "grad_check"]


def numerical_gradient(f: Callable[[Params], float], params: Params, h: float = 1e-6) -> Params:
    """Central finite differences (f(θ + h e_j) − f(θ − h e_j)) / 2h for every entry of every array.

    `f(params)` returns a scalar; `params` is not modified.  Costs 2 evaluations per entry.
    """
    h = positive_float(h, "h")
    base = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    out: Params = {}
    for name, arr in base.items():
        g = np.zeros_like(arr)
        flat, gflat = arr.reshape(-1), g.reshape(-1)
        for j in range(flat.size):
            old = flat[j]
            flat[j] = old + h
            fp = float(f(base))
            flat[j] = old - h
            fm = float(f(base))
            flat[j] = old
            gflat[j] = (fp - fm) / (2 * h)
        out[name] = g
    return out

def grad_check(loss_and_grad: Callable[[Params], tuple[float, Params]], params: Params,
               h: float = 1e-6) -> dict[str, float]:
    """Relative error of an analytic gradient against central differences, per parameter.

    `loss_and_grad(params)` returns (loss, grads dict).  For each name the error is
    max|g − g_num| / max(max|g|, max|g_num|, 1e-12); below about 1e-6 the gradient is right.
    """
    with threadpool_limits(limits=1, user_api="blas"):  # many tiny evaluations
        return _grad_check(loss_and_grad, params, h)

def _grad_check(loss_and_grad, params, h):
    _, grads = loss_and_grad(params)
    missing = set(params) - set(grads)
    if missing:
        raise ValueError(f"loss_and_grad: returned no gradient for {sorted(missing)}")
    numeric = numerical_gradient(lambda p: loss_and_grad(p)[0], params, h)
    errors = {}
    for name, num in numeric.items():
        g = np.asarray(grads[name], dtype=np.float64)
        if g.shape != num.shape:
            raise ValueError(f"loss_and_grad: gradient '{name}' has shape {g.shape}, "
                             f"the parameter has shape {num.shape}")
        scale = max(float(np.max(np.abs(g), initial=0)), float(np.max(np.abs(num), initial=0)), 1e-12)
        errors[name] = float(np.max(np.abs(g - num), initial=0)) / scale
    return errors

"""The descent loops: minibatch epochs (:func:`run_sgd`), full-batch paths (:func:`descend`),
the learning-rate schedule and a convergence count.

Their traces are plain arrays of losses (one per epoch or step), not
:class:`helpers.em_driver.History`: there is no E/M step, no ELBO and no convergence test (a
fixed number of epochs and a schedule), and the toy quadratics they also run have no likelihood.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray
from threadpoolctl import threadpool_limits

from .._validation import as_data, as_float_array, as_rng, positive_int
from ._common import LossAndGrad, Params
from .optimizers import GradientDescent

__all__ = ["minibatches", "run_sgd", "cosine_schedule", "steps_to_converge", "descend"]


def minibatches(n: int, batch_size: int, rng: np.random.Generator) -> Iterator[NDArray[np.intp]]:
    """Index arrays of one epoch: a random permutation of range(n) cut into batches.

    Every index appears exactly once; the last batch is smaller when `batch_size` does not
    divide `n`.  ``batch_size >= n`` gives one full batch (batch gradient descent).
    """
    n, batch_size = positive_int(n, "n"), positive_int(batch_size, "batch_size")
    order = as_rng(rng).permutation(n)
    for start in range(0, n, batch_size):
        yield order[start:start + batch_size]

def run_sgd(loss_and_grad: LossAndGrad, params: Params, X: NDArray, optimizer: GradientDescent,
            *, batch_size: int, n_epochs: int, rng: np.random.Generator,
            loss: Callable[[Params, NDArray], float] | None = None,
            callback: Callable[[int, Params, float], None] | None = None,
            transform: Callable[[Params], Params] | None = None,
            schedule: Callable[[float], float] | None = None) -> tuple[Params, NDArray]:
    """Minimise a mean loss over the rows of `X` (N, d) by minibatch steps of `optimizer`.

    Each epoch visits every row once in random minibatches (``batch_size >= N``: batch
    gradient descent).  `loss(params, X)` (default: the loss part of `loss_and_grad`) is
    evaluated on all of `X` before the first epoch and after each one, then
    `callback(epoch, params, loss)` is called.  `transform(grads)` may precondition the
    gradients before each step; `schedule(t)` multiplies the learning rate at training
    progress t ∈ [0, 1) (e.g. :func:`cosine_schedule`).

    Returns the final parameters and the (n_epochs + 1,) history of full-data losses.  Raises
    ``FloatingPointError`` when the loss becomes NaN or infinite (learning rate too large).
    BLAS runs single-threaded meanwhile: minibatch products are too small to gain from
    threads, and on a busy machine idle BLAS threads cost more than the arithmetic.
    """
    X = as_data(X, "X")
    n_epochs = positive_int(n_epochs, "n_epochs", minimum=0)
    batch_size = min(positive_int(batch_size, "batch_size"), X.shape[0])
    evaluate = loss if loss is not None else (lambda p, data: loss_and_grad(p, data)[0])
    base_lr, steps_per_epoch = optimizer.lr, -(-X.shape[0] // batch_size)
    history = []
    with threadpool_limits(limits=1, user_api="blas"):
        for epoch in range(n_epochs + 1):
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    for b, idx in enumerate(minibatches(X.shape[0], batch_size, rng) if epoch else ()):
                        if schedule is not None:
                            optimizer.lr = base_lr * schedule(((epoch - 1) * steps_per_epoch + b)
                                                              / (n_epochs * steps_per_epoch))
                        _, grads = loss_and_grad(params, X[idx])
                        params = optimizer.step(params, transform(grads) if transform else grads)
                    history.append(float(evaluate(params, X)))
            except np.linalg.LinAlgError:
                history.append(np.nan)   # a covariance stopped being finite / positive definite
            if not np.isfinite(history[-1]):
                optimizer.lr = base_lr
                raise FloatingPointError(f"lr: the loss diverged at epoch {epoch} "
                                         f"(loss {history[-1]}); try a smaller learning rate")
            if callback is not None:
                callback(epoch, params, history[-1])
    optimizer.lr = base_lr
    return params, np.asarray(history)

def steps_to_converge(losses: ArrayLike, minimum: float = 0.0, tol: float = 1e-6) -> int | None:
    """First step t with loss_t − minimum ≤ tol · (loss_0 − minimum), or None if never."""
    gap = np.asarray(losses, dtype=float) - minimum
    ok = np.flatnonzero(np.isfinite(gap) & (gap <= tol * gap[0]))
    return int(ok[0]) if ok.size else None

def cosine_schedule(t: float, warmup: float = 0.05) -> float:
    """Learning-rate factor at training progress t ∈ [0, 1]: a linear warm-up from 0 to 1 over
    the first `warmup` fraction of the steps, then a cosine decay ½(1 + cos π s) to 0.

    The warm-up keeps the first, possibly huge, gradients (a poor initial scale) from throwing
    the parameters far away; the decay removes the minibatch noise at the end.
    """
    if t < warmup:
        return (t + 1e-3) / warmup
    s = (t - warmup) / (1.0 - warmup)
    return 0.5 * (1.0 + np.cos(np.pi * s))

def descend(grad: Callable[[NDArray], NDArray], theta0: ArrayLike, optimizer: GradientDescent,
            n_steps: int) -> NDArray[np.float64]:
    """Full-batch descent on one parameter vector; returns the path (n_steps + 1, p).

    `grad(θ)` is the gradient at θ (p,).  The optimiser is reset first.  Once the iterate
    overflows (a divergent learning rate) the rest of the path is NaN.
    """
    theta = as_float_array(np.atleast_1d(theta0), "theta0", ndim=1).astype(np.float64)
    n_steps = positive_int(n_steps, "n_steps", minimum=0)
    optimizer.reset()
    path = np.full((n_steps + 1, theta.size), np.nan)
    path[0] = theta
    params = {"theta": theta}
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, n_steps + 1):
            params = optimizer.step(params, {"theta": grad(params["theta"])})
            if not np.all(np.isfinite(params["theta"])):
                break
            path[t] = params["theta"]
    return path

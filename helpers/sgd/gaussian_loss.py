"""One Gaussian N(μ, A Aᵀ + εI) by gradient descent: mean NLL, its gradient, and the SGD fit.

With D = x − μ, y = Σ⁻¹ D and S_y the mean of y yᵀ (derived in notebook 05)::

    ∂J/∂μ = −mean_i y_i          ∂J/∂A = (Σ⁻¹ − S_y) A

``eps`` is ε of the lecture's Σ = A Aᵀ + εI: added to the diagonal, like ``reg_covar`` in
:func:`helpers.em.fit_em`.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg

from ..gaussian import LOG_2PI
from .._validation import as_data, as_mean, positive_float
from ._common import (DEFAULT_BATCH_GAUSSIAN, DEFAULT_BETA, DEFAULT_EPS, DEFAULT_LR, Params,
                      _check_factor, _fit_common)
from .optimizers import Momentum
from .training import cosine_schedule, run_sgd

__all__ = ["gaussian_nll", "gaussian_nll_and_grad", "fit_gaussian_sgd"]


def _gaussian_nll_grad(X: NDArray, mu: NDArray, A: NDArray, eps: float,
                       need_grad: bool = True) -> tuple[float, Params]:
    """Unvalidated core of :func:`gaussian_nll_and_grad`.

    Its log-density is a specialisation of :func:`helpers.gaussian.log_pdf_chol`, kept because the
    gradient needs the solves L⁻¹D and Σ⁻¹D themselves; ``tests/test_component_scores.py`` checks
    the NLL equals the common path."""
    N, d = X.shape
    cov = A @ A.T + eps * np.eye(d)
    L = linalg.cholesky(cov, lower=True, check_finite=False)
    D = (X - mu).T                                                   # (d, N)
    Z = linalg.solve_triangular(L, D, lower=True, check_finite=False)  # L⁻¹ D
    nll = 0.5 * d * LOG_2PI + np.sum(np.log(np.diag(L))) + 0.5 * np.einsum("ij,ij->", Z, Z) / N
    if not need_grad:
        return float(nll), {}
    Y = linalg.solve_triangular(L, Z, lower=True, trans="T", check_finite=False)  # Σ⁻¹ D
    cov_inv = linalg.cho_solve((L, True), np.eye(d), check_finite=False)
    G = cov_inv - (Y @ Y.T) / N                                        # 2 ∂J/∂Σ
    return float(nll), {"mu": -Y.mean(axis=1), "A": G @ A}

def _validate_gaussian(X, mu, A, eps):
    X = as_data(X, "X")
    d = X.shape[1]
    return X, as_mean(mu, "mu", dim=d), _check_factor(A, "A", (d, d)), positive_float(eps, "eps")

def gaussian_nll(X: ArrayLike, mu: ArrayLike, A: ArrayLike, eps: float = DEFAULT_EPS) -> float:
    """Mean negative log-likelihood of the rows of `X` (N, d) under N(μ, A Aᵀ + εI)."""
    return _gaussian_nll_grad(*_validate_gaussian(X, mu, A, eps), need_grad=False)[0]

def gaussian_nll_and_grad(X: ArrayLike, mu: ArrayLike, A: ArrayLike,
                          eps: float = DEFAULT_EPS) -> tuple[float, Params]:
    """Mean NLL J of `X` (N, d) under N(μ, Σ = A Aᵀ + εI) and its gradient.

    Returns ``(J, {"mu": ∂J/∂μ (d,), "A": ∂J/∂A (d, d)})`` with y_i = Σ⁻¹(x_i − μ)::

        ∂J/∂μ = −(1/N) Σ_i y_i,      ∂J/∂A = (Σ⁻¹ − (1/N) Σ_i y_i y_iᵀ) A
    """
    return _gaussian_nll_grad(*_validate_gaussian(X, mu, A, eps))

def _preconditioner(X: NDArray, eps: float) -> NDArray[np.float64]:
    """The data covariance S + εI, a fixed preconditioner for the gradients of μ and A."""
    Xc = X - X.mean(axis=0)
    return (Xc.T @ Xc) / X.shape[0] + eps * np.eye(X.shape[1])

def fit_gaussian_sgd(X: ArrayLike, *, lr: float = DEFAULT_LR, beta: float = DEFAULT_BETA,
                     batch_size: int = DEFAULT_BATCH_GAUSSIAN, n_epochs: int = 20,
                     eps: float = DEFAULT_EPS, precondition: bool = True,
                     schedule: Callable[[float], float] | None = cosine_schedule,
                     rng: np.random.Generator,
                     callback: Callable[[int, Params, float], None] | None = None,
                     ) -> tuple[NDArray, NDArray, NDArray]:
    """Fit N(μ, A Aᵀ + εI) to the rows of `X` (N, d) by minibatch SGD with momentum.

    Starts from μ = 0 (in data units) and A = s I with s² the mean per-coordinate variance,
    i.e. an isotropic Gaussian of the right overall scale.  With ``precondition=True`` the
    gradients of μ and A are multiplied by the data covariance S + εI (SGD on whitened data),
    so `lr` does not depend on the units of `X`; without it the gradients are multiplied by
    s² instead, and `lr` must be small enough for the direction of least variance (0.003
    works on 8×8 patches).  The default `schedule` warms the learning rate up over the first
    5 % of the steps (an isotropic start can be far too narrow in some directions, and the
    first gradients are then huge) and decays it to zero (removing the minibatch noise).

    Returns ``(mean (d,), cov (d, d), history)`` where history (n_epochs + 1,) is the mean NLL
    on `X` (nats per point) at the start and after each epoch.
    """
    X, lr, beta, batch_size, n_epochs, eps, rng = _fit_common(X, lr, beta, batch_size,
                                                             n_epochs, eps, rng)
    d = X.shape[1]
    scale = float(np.sqrt(np.mean(np.var(X, axis=0)) + eps))
    params = {"mu": np.zeros(d), "A": scale * np.eye(d)}
    transform = None
    if precondition:
        P = _preconditioner(X, eps)    # ≈ scale² I for isotropic data: same units as below
        transform = lambda g: {"mu": P @ g["mu"], "A": P @ g["A"]}  # noqa: E731
    else:
        lr = lr * scale**2
    params, history = run_sgd(
        lambda p, Xb: _gaussian_nll_grad(Xb, p["mu"], p["A"], eps), params, X,
        Momentum(lr, beta), batch_size=batch_size, n_epochs=n_epochs, rng=rng,
        loss=lambda p, Xa: _gaussian_nll_grad(Xa, p["mu"], p["A"], eps, need_grad=False)[0],
        callback=callback, transform=transform, schedule=schedule)
    A = params["A"]
    return params["mu"], A @ A.T + eps * np.eye(d), history

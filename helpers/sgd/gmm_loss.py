"""A GMM by gradient descent: π = softmax(w), Σ_k = A_k A_kᵀ + εI; mean NLL, gradients, SGD fit.

With responsibilities r_ik and y_ik = Σ_k⁻¹ (x_i − μ_k): ∂J/∂w_k = π_k − mean_i r_ik, and the
Gaussian's gradients weighted by each point's share.  Everything goes through Cholesky factors
and ``logsumexp``, vectorised over points and components.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from scipy.special import logsumexp

from ..gaussian import LOG_2PI
from ..mixture import GMM
from .._validation import as_data, as_float_array, positive_float, positive_int
from ._common import (DEFAULT_BATCH_GMM, DEFAULT_BETA, DEFAULT_EPS, DEFAULT_LR, Params,
                      _check_factor, _fit_common)
from .gaussian_loss import _preconditioner
from .optimizers import Momentum
from .training import cosine_schedule, run_sgd

__all__ = ["softmax", "gmm_nll", "gmm_nll_and_grad", "params_to_gmm", "params_from_gmm", "fit_gmm_sgd"]


def softmax(w: ArrayLike) -> NDArray[np.float64]:
    """π_k = exp(w_k) / Σ_j exp(w_j) along the last axis, without overflow."""
    w = np.asarray(w, dtype=float)
    return np.exp(w - logsumexp(w, axis=-1, keepdims=True))

def _validate_gmm_params(params: Params, d: int | None = None) -> Params:
    if not isinstance(params, dict) or set(params) != {"w", "means", "A"}:
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params: expected a dict with keys 'w', 'means', 'A', got {got}")
    means = as_float_array(params["means"], "params['means']", ndim=2).astype(np.float64, copy=False)
    K, dm = means.shape
    if d is not None and dm != d:
        raise ValueError(f"params['means']: expected {d} columns (the data's dimension), got {means.shape}")
    return {"w": _check_factor(params["w"], "params['w']", (K,)), "means": means,
            "A": _check_factor(params["A"], "params['A']", (K, dm, dm))}

def _component_factors(A: NDArray, eps: float) -> tuple[NDArray, NDArray]:
    """Lower Cholesky factors L_k of Σ_k = A_k A_kᵀ + εI and their inverses P_k = L_k⁻¹, (K, d, d)."""
    K, d, _ = A.shape
    L = np.linalg.cholesky(A @ A.transpose(0, 2, 1) + eps * np.eye(d))
    # LAPACK's triangular inverse per component: K·d³/3 flops, small next to the N·K·d² products.
    P = np.empty_like(L)
    for k in range(K):
        P[k], info = linalg.lapack.dtrtri(L[k], lower=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"component {k}: singular Cholesky factor")
    return L, P

def _gmm_log_joint(X: NDArray, log_pi: NDArray, means: NDArray, L: NDArray, P: NDArray
                   ) -> tuple[NDArray, NDArray]:
    """(K, N) log π_k + log N(x_i; μ_k, Σ_k), and Z (K, N, d) with rows z_ik = L_k⁻¹(x_i − μ_k).

    A specialisation of the one component-score path (``GMM.log_pdf_components``), kept because the
    gradients need the whitened residuals Z themselves, not only their squared norms, and the
    factors L_k, P_k = L_k⁻¹ come from the SGD parameters (A_k A_kᵀ + εI) at every step, where
    building a validated GMM would cost more than the minibatch.  ``tests/test_component_scores.py``
    checks it equals the common path."""
    d = X.shape[1]
    Z = (X[None, :, :] - means[:, None, :]) @ P.transpose(0, 2, 1)
    half_logdet = np.sum(np.log(np.diagonal(L, axis1=1, axis2=2)), axis=1)
    log_joint = (log_pi - 0.5 * d * LOG_2PI - half_logdet)[:, None] - 0.5 * np.einsum("knd,knd->kn", Z, Z)
    return log_joint, Z

def _gmm_nll_grad(X: NDArray, params: Params, eps: float) -> tuple[float, Params]:
    """Unvalidated mean NLL of a GMM (π = softmax(w), Σ_k = A_k A_kᵀ + εI) and its gradients."""
    N = X.shape[0]
    w, means, A = params["w"], params["means"], params["A"]
    log_pi = w - logsumexp(w)
    L, P = _component_factors(A, eps)
    log_joint, Z = _gmm_log_joint(X, log_pi, means, L, P)
    log_px = logsumexp(log_joint, axis=0)                   # (N,)
    R = np.exp(log_joint - log_px)                          # (K, N): r_ik
    Nk = R.sum(axis=1)                                      # (K,)
    # y_ik = Σ_k⁻¹ (x_i − μ_k) = P_kᵀ z_ik, so sums over points are formed with z and then
    # multiplied by P_k once per component (d² per component instead of d² per point).
    Pt = P.transpose(0, 2, 1)
    Rz = np.einsum("kn,knd->kd", R, Z)                      # Σ_i r_ik z_ik
    Czz = (Z * R[:, :, None]).transpose(0, 2, 1) @ Z        # Σ_i r_ik z_ik z_ikᵀ
    M = (Nk / N)[:, None, None] * np.eye(Z.shape[2]) - Czz / N
    grads = {
        "w": np.exp(log_pi) - Nk / N,
        "means": -np.einsum("kde,ke->kd", Pt, Rz) / N,     # −(1/N) Σ_i r_ik y_ik
        "A": Pt @ M @ P @ A,                                # ((N_k/N) Σ_k⁻¹ − (1/N) Σ r y yᵀ) A_k
    }
    return float(-np.mean(log_px)), grads

def _gmm_nll_only(X: NDArray, params: Params, eps: float, block: int = 2 ** 20) -> float:
    """Mean NLL over all of `X`, in chunks of about `block` numbers of the (K, n, d) intermediate."""
    K, d = params["means"].shape
    w = params["w"]
    log_pi = w - logsumexp(w)
    L, P = _component_factors(params["A"], eps)
    step = max(1, block // (K * d))
    total = 0.0
    for i in range(0, X.shape[0], step):
        log_joint, _ = _gmm_log_joint(X[i:i + step], log_pi, params["means"], L, P)
        total += float(np.sum(logsumexp(log_joint, axis=0)))
    return -total / X.shape[0]

def gmm_nll(X: ArrayLike, params: Params, eps: float = DEFAULT_EPS) -> float:
    """Mean negative log-likelihood of `X` (N, d) under the GMM with parameters `params`.

    `params` = {"w": logits (K,), "means": (K, d), "A": (K, d, d)}: π = softmax(w),
    Σ_k = A_k A_kᵀ + εI.
    """
    X = as_data(X, "X")
    return _gmm_nll_only(X, _validate_gmm_params(params, X.shape[1]), positive_float(eps, "eps"))

def gmm_nll_and_grad(X: ArrayLike, params: Params, eps: float = DEFAULT_EPS) -> tuple[float, Params]:
    """Mean NLL J of `X` (N, d) under a GMM and its gradient with respect to every parameter.

    With responsibilities r_ik, N_k = Σ_i r_ik and y_ik = Σ_k⁻¹ (x_i − μ_k)::

        ∂J/∂w_k   = π_k − N_k / N
        ∂J/∂μ_k   = −(1/N) Σ_i r_ik y_ik
        ∂J/∂A_k   = ((N_k/N) Σ_k⁻¹ − (1/N) Σ_i r_ik y_ik y_ikᵀ) A_k

    Returns ``(J, grads)`` with grads keyed like `params` ("w" (K,), "means" (K, d), "A" (K, d, d)).
    Vectorised over points and components: memory K·N·d numbers, so pass minibatches.
    """
    X = as_data(X, "X")
    return _gmm_nll_grad(X, _validate_gmm_params(params, X.shape[1]), positive_float(eps, "eps"))

def params_to_gmm(params: Params, eps: float = DEFAULT_EPS) -> GMM:
    """The :class:`helpers.mixture.GMM` with π = softmax(w), μ_k, Σ_k = A_k A_kᵀ + εI."""
    p = _validate_gmm_params(params)
    eps = positive_float(eps, "eps")
    A = p["A"]
    covs = A @ A.transpose(0, 2, 1) + eps * np.eye(A.shape[1])
    return GMM(weights=softmax(p["w"]), means=p["means"], covs=0.5 * (covs + covs.transpose(0, 2, 1)))

def params_from_gmm(gmm: GMM, eps: float = DEFAULT_EPS) -> Params:
    """Parameters {"w", "means", "A"} that represent `gmm`: w = log π and A_k = V_k (Λ_k − ε)₊^½.

    With Σ_k = V_k Λ_k V_kᵀ this gives A_k A_kᵀ + εI = V_k max(Λ_k, ε) V_kᵀ, which is Σ_k exactly
    when every eigenvalue is at least ε (true for EM fits with ``reg_covar >= eps``).
    """
    eps = positive_float(eps, "eps")
    lam, V = np.linalg.eigh(np.asarray(gmm.covs, dtype=np.float64))
    A = V * np.sqrt(np.maximum(lam - eps, 0.0))[:, None, :]
    with np.errstate(divide="ignore"):
        w = np.maximum(np.log(np.asarray(gmm.weights, np.float64)), -50.0)
    return {"w": w, "means": np.array(gmm.means, dtype=np.float64), "A": A}

def _init_gmm_params(X: NDArray, K: int, eps: float, rng: np.random.Generator) -> Params:
    """K distinct random data points as means, every Σ_k the data covariance, equal weights."""
    A0 = np.linalg.cholesky(_preconditioner(X, eps))
    return {"w": np.zeros(K), "means": X[rng.choice(X.shape[0], size=K, replace=False)].copy(),
            "A": np.repeat(A0[None], K, axis=0)}

def fit_gmm_sgd(X: ArrayLike, n_components: int, *, lr: float = DEFAULT_LR,
                beta: float = DEFAULT_BETA, batch_size: int = DEFAULT_BATCH_GMM, n_epochs: int = 20,
                eps: float = DEFAULT_EPS, precondition: bool = True,
                schedule: Callable[[float], float] | None = cosine_schedule,
                init: GMM | None = None, rng: np.random.Generator,
                callback: Callable[[int, Params, float], None] | None = None) -> tuple[GMM, NDArray]:
    """Fit a K-component GMM to the rows of `X` (N, d) by minibatch SGD with momentum.

    Parameters: logits w (π = softmax(w)), means μ_k and factors A_k (Σ_k = A_k A_kᵀ + εI).
    Starts from `init` (a GMM) or from K random data points as means, the data covariance as
    every Σ_k and equal weights.  ``precondition=True`` multiplies the gradients of μ_k and
    A_k by the data covariance S + εI (SGD in whitened coordinates); the learning rate is
    then dimensionless.  `callback(epoch, params, nll)` runs after each epoch.

    Returns ``(gmm, history)``: the fitted :class:`helpers.mixture.GMM` and the mean NLL on
    `X` (nats per point) at the start and after each epoch, shape (n_epochs + 1,).
    """
    X, lr, beta, batch_size, n_epochs, eps, rng = _fit_common(X, lr, beta, batch_size,
                                                             n_epochs, eps, rng)
    K = positive_int(n_components, "n_components")
    if K > X.shape[0]:
        raise ValueError(f"n_components: {K} components need at least {K} points, X has {X.shape[0]}")
    if init is not None:
        if not isinstance(init, GMM) or init.n_components != K or init.dim != X.shape[1]:
            raise ValueError(f"init: expected a GMM with {K} components of dimension {X.shape[1]}")
        params = params_from_gmm(init, eps)
    else:
        params = _init_gmm_params(X, K, eps, rng)
    S = _preconditioner(X, eps)
    if precondition:
        transform = lambda g: {"w": g["w"], "means": g["means"] @ S, "A": S @ g["A"]}  # noqa: E731
    else:
        scale2 = float(np.trace(S)) / X.shape[1]
        transform = lambda g: {"w": g["w"], "means": scale2 * g["means"], "A": scale2 * g["A"]}  # noqa: E731
    params, history = run_sgd(
        lambda p, Xb: _gmm_nll_grad(Xb, p, eps), params, X, Momentum(lr, beta),
        batch_size=min(batch_size, X.shape[0]), n_epochs=n_epochs, rng=rng,
        loss=lambda p, Xa: _gmm_nll_only(Xa, p, eps), callback=callback, transform=transform,
        schedule=schedule)
    return params_to_gmm(params, eps), history

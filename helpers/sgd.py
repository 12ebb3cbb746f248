"""Learning by (stochastic) gradient descent with momentum, with analytic gradients.

Optimisers work on a *parameter dict* ``{name: array}``.  A loss function returns the mean
loss over a batch and a dict of gradients with the same keys, and an optimiser turns the
gradients into new parameters::

    loss, grads = loss_and_grad(params, X_batch)
    params = optimizer.step(params, grads)

* :class:`GradientDescent`:  θ ← θ − η g
* :class:`Momentum` (heavy ball):  v ← β v + g,  then θ ← θ − η v   (0 ≤ β < 1)

Batch gradient descent and minibatch SGD use the same optimisers; they differ only in the
data each gradient sees (:func:`minibatches`, :func:`run_sgd` with ``batch_size=N`` for GD).

Models, both fitted by minimising the mean negative log-likelihood (NLL) J(θ):

* a Gaussian with Σ = A Aᵀ + εI (positive definite for every A);
* a GMM with π = softmax(w) and Σ_k = A_k A_kᵀ + εI.

Gradients (derived in notebook 05; D = x − μ, y = Σ⁻¹ D, S_y = mean of y yᵀ)::

    ∂J/∂μ = −mean_i y_i          ∂J/∂A = (Σ⁻¹ − S_y) A
    GMM: r_ik weights each point's share, ∂J/∂w_k = π_k − mean_i r_ik

Everything goes through Cholesky factors and ``logsumexp``; no loops over points, and the
GMM is vectorised over components.  :func:`grad_check` compares any analytic gradient with
central finite differences.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from scipy.special import logsumexp
from threadpoolctl import threadpool_limits

from .gaussian import LOG_2PI
from ._validation import (as_data, as_float_array, as_mean, as_rng, cholesky, positive_float,
                          positive_int)
from .mixture import GMM

__all__ = [
    "Params", "GradientDescent", "Momentum", "gd_update", "momentum_update", "minibatches",
    "run_sgd", "cosine_schedule", "steps_to_converge", "descend", "Quadratic",
    "ill_conditioned_quadratic", "softmax",
    "gaussian_nll", "gaussian_nll_and_grad", "fit_gaussian_sgd",
    "gmm_nll", "gmm_nll_and_grad", "params_to_gmm", "params_from_gmm", "fit_gmm_sgd",
    "numerical_gradient", "grad_check",
]

Params = dict[str, NDArray[np.float64]]
LossAndGrad = Callable[[Params, NDArray], tuple[float, Params]]

# Defaults measured on 8×8 DC-removed patches (ε = 1e-4; python benchmarks/sgd.py): in 20 epochs
# the Gaussian ends within 0.03 % of the best NLL its parametrisation allows; GMMs (K = 5, 10) end
# below EM's NLL after the same number of passes from the same start.
DEFAULT_EPS = 1e-4
DEFAULT_LR = 0.02
DEFAULT_BETA = 0.9
DEFAULT_BATCH_GAUSSIAN = 128   # 78 steps per epoch on 10 000 patches
DEFAULT_BATCH_GMM = 256


# ----------------------------------------------------------------------------- optimisers
def _check_beta(beta: object) -> float:
    try:
        b = float(beta)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"beta: expected a number 0 <= beta < 1, got {beta!r}") from None
    if not 0.0 <= b < 1.0:
        raise ValueError(f"beta: expected a momentum 0 <= beta < 1, got {beta!r}")
    return b


def gd_update(theta: NDArray, grad: NDArray, lr: float) -> NDArray:
    """One gradient-descent step θ − η g (a new array; `theta` is not modified)."""
    return theta - lr * grad


def momentum_update(theta: NDArray, velocity: NDArray, grad: NDArray, lr: float,
                    beta: float) -> tuple[NDArray, NDArray]:
    """One heavy-ball step: v ← β v + g, then θ ← θ − η v.  Returns new (θ, v)."""
    velocity = beta * velocity + grad
    return theta - lr * velocity, velocity


class GradientDescent:
    """Plain (stochastic) gradient descent on a parameter dict: θ ← θ − η g."""

    def __init__(self, lr: float) -> None:
        self.lr = positive_float(lr, "lr")

    def step(self, params: Params, grads: Params) -> Params:
        """New parameters after one step; `grads` must have the keys of `params`."""
        return {k: gd_update(v, grads[k], self.lr) for k, v in params.items()}

    def reset(self) -> None:
        """Forget any state (none for plain gradient descent)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g})"


class Momentum(GradientDescent):
    """Heavy-ball momentum: v ← β v + g, θ ← θ − η v (the velocity starts at zero).

    With β = 0 this is plain gradient descent.  Steps along a direction of constant gradient
    grow towards η g / (1 − β): momentum picks up speed where the loss is flat and averages
    out gradients that flip sign (oscillations across a narrow valley).
    """

    def __init__(self, lr: float, beta: float = DEFAULT_BETA) -> None:
        super().__init__(lr)
        self.beta = _check_beta(beta)
        self.velocity: Params | None = None

    def step(self, params: Params, grads: Params) -> Params:
        if self.velocity is None:
            self.velocity = {k: np.zeros_like(v) for k, v in params.items()}
        new: Params = {}
        for k, theta in params.items():
            new[k], self.velocity[k] = momentum_update(theta, self.velocity[k], grads[k],
                                                       self.lr, self.beta)
        return new

    def reset(self) -> None:
        self.velocity = None

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr:g}, beta={self.beta:g})"


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


@dataclass(frozen=True)
class Quadratic:
    """The quadratic bowl f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) with H symmetric positive definite."""

    H: NDArray[np.float64]
    minimum: NDArray[np.float64] = field(default_factory=lambda: np.zeros(2))

    def __post_init__(self) -> None:
        H = as_float_array(self.H, "H", ndim=2).astype(np.float64)
        cholesky(H, "H")   # square, symmetric, positive definite, or ValueError
        m = as_mean(self.minimum, "minimum", dim=H.shape[0]).astype(np.float64)
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "minimum", m)

    def loss(self, theta: ArrayLike) -> NDArray[np.float64]:
        """f at θ of shape (..., p); returns shape (...)."""
        D = np.asarray(theta, dtype=float) - self.minimum
        return 0.5 * np.einsum("...i,ij,...j->...", D, self.H, D)

    def grad(self, theta: ArrayLike) -> NDArray[np.float64]:
        """∇f = H (θ − θ*), same shape as θ."""
        return (np.asarray(theta, dtype=float) - self.minimum) @ self.H

    @property
    def eigenvalues(self) -> NDArray[np.float64]:
        return np.linalg.eigvalsh(self.H)

    @property
    def condition(self) -> float:
        ev = self.eigenvalues
        return float(ev[-1] / ev[0])


def ill_conditioned_quadratic(condition: float = 100.0, angle_deg: float = 30.0,
                              dim: int = 2) -> Quadratic:
    """A quadratic with largest curvature 1 and smallest 1/`condition`, minimum at 0.

    For ``dim=2`` the valley is rotated by `angle_deg`; plain GD is stable for η < 2 and
    needs about `condition` steps per e-fold along the flat direction.
    """
    condition = positive_float(condition, "condition")
    if condition < 1:
        raise ValueError(f"condition: expected a condition number >= 1, got {condition}")
    dim = positive_int(dim, "dim", minimum=2)
    ev = np.geomspace(1.0, 1.0 / condition, dim)
    a = np.deg2rad(angle_deg)
    R = np.eye(dim)
    R[:2, :2] = [[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]
    return Quadratic(H=(R * ev) @ R.T, minimum=np.zeros(dim))


# ----------------------------------------------------------------------------- numerics
def softmax(w: ArrayLike) -> NDArray[np.float64]:
    """π_k = exp(w_k) / Σ_j exp(w_j) along the last axis, without overflow."""
    w = np.asarray(w, dtype=float)
    return np.exp(w - logsumexp(w, axis=-1, keepdims=True))


def _check_factor(A: ArrayLike, name: str, shape: tuple[int, ...]) -> NDArray[np.float64]:
    A = as_float_array(A, name).astype(np.float64, copy=False)
    if A.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {A.shape}")
    return A


def _gaussian_nll_grad(X: NDArray, mu: NDArray, A: NDArray, eps: float,
                       need_grad: bool = True) -> tuple[float, Params]:
    """Unvalidated core of :func:`gaussian_nll_and_grad`."""
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


def _fit_common(X, lr, beta, batch_size, n_epochs, eps, rng):
    X = as_data(X, "X")
    return (X, positive_float(lr, "lr"), _check_beta(beta), positive_int(batch_size, "batch_size"),
            positive_int(n_epochs, "n_epochs", minimum=0), positive_float(eps, "eps"), as_rng(rng))


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


# ----------------------------------------------------------------------------- mixtures
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
    """(K, N) log π_k + log N(x_i; μ_k, Σ_k), and Z (K, N, d) with rows z_ik = L_k⁻¹(x_i − μ_k)."""
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


# ----------------------------------------------------------------------------- gradient checking
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

"""The EM loop shared by :func:`helpers.em.fit_em`, :func:`helpers.em.fit_hard_em` and
:func:`helpers.mfa.fit_mfa`, in the manner of scikit-learn's ``BaseMixture.fit_predict``.

This module owns everything the fits have in common:

* argument checks common to every fit (``n_components``, ``max_iter``, ``tol``, ``rng``,
  ``callback``);
* initial means: :func:`kmeans_pp` (the one k-means++ of the package) and :func:`initial_means`
  (``"kmeans++"``, ``"random"`` or a (K, d) array);
* the loop :func:`run`: evaluate θ_t (E step), record the :class:`History`, call the callback,
  test convergence, M step, re-initialise components that died, repeat.

A model family plugs in by subclassing :class:`EMSteps` with its E and M steps (``helpers.em``
for full-covariance GMMs, soft and hard; ``helpers.mfa`` for mixtures of factor analyzers).

The SGD fits (:mod:`helpers.sgd`) do not use this loop or :class:`History`: they minimise a loss
over epochs of minibatches, with no E/M steps, no ELBO and no convergence test (a fixed number of
epochs and a learning-rate schedule), and their trace is a plain array of full-data losses that
:func:`helpers.sgd.run_sgd` also returns for the toy quadratics, where there is no likelihood.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, as_rng, nonnegative_float, positive_int

__all__ = ["History", "EStep", "EMSteps", "run", "kmeans_pp", "initial_means", "check_fit_args"]

Model = TypeVar("Model")
Params = TypeVar("Params")


@dataclass
class History:
    """What happened during an EM fit; every quantity is per data point (divided by N), in nats.

    Attributes
    ----------
    log_likelihood : mean log p(x_i | θ_t) for t = 0 (the initial model), ..., n_iter; the last
        entry belongs to the returned model.  Non-decreasing for soft EM (GMM and MFA).
    elbo : mean L(r_t, θ_{t+1}) after each M step (length n_iter); for soft EM
        log_likelihood[t] <= elbo[t] <= log_likelihood[t + 1].  Empty for ``fit_mfa``, which
        does not compute it.
    objective : what convergence is tested on, one entry per log_likelihood entry: the
        log-likelihood for soft EM (GMM and MFA); for hard EM the mean of
        max_k log π_k N(x_i; μ_k, Σ_k), i.e. L(r, θ_t) with one-hot r, which hard EM never
        decreases.
    n_iter : number of M steps performed.
    converged : True if |objective[t] - objective[t-1]| < tol·|objective[t]| stopped the fit.
    reinitialised : (iteration, component) pairs of components that lost all their points and
        were restarted at the worst-explained data point (always empty for ``fit_mfa``).
    """

    log_likelihood: list[float] = field(default_factory=list)
    elbo: list[float] = field(default_factory=list)
    objective: list[float] = field(default_factory=list)
    n_iter: int = 0
    converged: bool = False
    reinitialised: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class EStep:
    """What an E step reports to the loop: the mean log-likelihood and the objective of θ_t,
    the indices of the worst-explained points (candidates for restarting dead components) and
    whatever the M step needs (`state`, opaque to the loop)."""

    log_likelihood: float
    objective: float
    state: Any = None
    worst: NDArray[np.intp] = field(default_factory=lambda: np.empty(0, dtype=np.intp))


class EMSteps(ABC, Generic[Model, Params]):
    """The model-specific half of an EM fit; :func:`run` supplies the loop.

    ``m_step`` returns raw parameters (any mutable container), ``dead_components`` names the
    components that must be restarted, ``restart`` rewrites them in place at the given data
    points, and ``finish`` turns the parameters into the next model (and the ELBO, if known).
    """

    #: number of data points N (for restart picks)
    n_points: int

    @abstractmethod
    def e_step(self, model: Model, accumulate: bool) -> EStep:
        """Evaluate θ_t; with `accumulate` also gather what the M step needs (``False`` on the
        final evaluation, when no M step follows)."""

    @abstractmethod
    def m_step(self, model: Model, e: EStep) -> Params:
        """The parameters maximising L(r_t, θ) for the E step `e`."""

    def dead_components(self, params: Params, e: EStep) -> NDArray[np.intp]:
        """Components to restart (default: none)."""
        return np.empty(0, dtype=np.intp)

    def restart(self, params: Params, dead: NDArray[np.intp], points: list[int]) -> None:
        """Restart components `dead` at data points `points` (same length), in place."""
        raise NotImplementedError

    @abstractmethod
    def finish(self, params: Params) -> tuple[Model, float | None]:
        """The next model θ_{t+1} from `params`, and the mean ELBO L(r_t, θ_{t+1}) or None."""

    def public(self, model: Model) -> Model:
        """The model as the caller sees it (e.g. shifted back from centred coordinates)."""
        return model


def run(steps: EMSteps, model: Any, *, max_iter: int, tol: float, rng: np.random.Generator,
        callback: Callable[[int, Any, History], object] | None) -> tuple[Any, History]:
    """EM from θ_0 = `model`: returns ``(steps.public(θ_final), history)``.

    For t = 0, 1, ...: E step on θ_t (log-likelihood and objective recorded), then
    ``callback(t, public(θ_t), history)`` (returning ``True`` stops), then stop if the relative
    change of the objective is below `tol` or t = `max_iter`; otherwise the M step, restarting
    dead components at the worst-explained points (random points once those run out, drawn
    from `rng`), and θ_{t+1}.
    """
    history = History()
    for t in range(max_iter + 1):
        e = steps.e_step(model, accumulate=t < max_iter)
        history.log_likelihood.append(e.log_likelihood)
        history.objective.append(e.objective)
        stop = callback(t, steps.public(model), history) if callback is not None else None
        if t > 0:
            new, old = history.objective[-1], history.objective[-2]
            if abs(new - old) < tol * abs(new):
                history.converged = True
                break
        if stop is True or t == max_iter:
            break
        params = steps.m_step(model, e)
        dead = steps.dead_components(params, e)
        if dead.size:
            picks = [int(i) for i in e.worst[: dead.size]]
            picks += [int(i) for i in rng.choice(steps.n_points, size=dead.size - len(picks))]
            steps.restart(params, dead, picks)
            history.reinitialised += [(t, int(k)) for k in dead]
        model, elbo = steps.finish(params)
        if elbo is not None:
            history.elbo.append(elbo)
        history.n_iter += 1
    return steps.public(model), history


# ------------------------------------------------------------------------- arguments
def check_fit_args(n_points: int, n_components: object, max_iter: object, tol: object,
                   rng: object, callback: object) -> tuple[int, int, float, np.random.Generator]:
    """Validated (K, max_iter, tol, rng) for a fit to `n_points` points; rng None means seed 0."""
    K = positive_int(n_components, "n_components")
    if K > n_points:
        raise ValueError(f"n_components: {K} components but only {n_points} data points")
    max_iter = positive_int(max_iter, "max_iter", minimum=0)
    tol = nonnegative_float(tol, "tol")
    rng = np.random.default_rng(0) if rng is None else as_rng(rng)
    if callback is not None and not callable(callback):
        raise ValueError(f"callback: expected a callable (iteration, model, history), got {callback!r}")
    return K, max_iter, tol, rng


# ---------------------------------------------------------------------- initialisation
def kmeans_max_points(n_components: int) -> int:
    """k-means++ seeds from at most this many random points: max(10 000, 50 K)."""
    return max(10_000, 50 * n_components)


def kmeans_pp(X: NDArray, K: int, rng: np.random.Generator,
              shift: NDArray | None = None) -> NDArray[np.float64]:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): K centres (K, d) float64, rows of `X`.

    Seeds from a random subset of :func:`kmeans_max_points` (K) rows when N is larger (sorted
    indices, so the subset is read in order).  Distances are computed in float64 on ``X - shift``
    (pass the data mean for data far from the origin); the centres are returned in the
    coordinates of `X`.  The first centre is uniform, each next one drawn with probability
    proportional to the squared distance to the nearest centre so far.
    """
    N = X.shape[0]
    m = min(N, kmeans_max_points(K))
    sub = X[np.sort(rng.choice(N, size=m, replace=False))] if m < N else X
    sub = np.asarray(sub, dtype=np.float64)
    if shift is not None:
        sub = sub - shift
    centres = np.empty((K, X.shape[1]))
    centres[0] = sub[rng.integers(m)]
    d2 = np.sum((sub - centres[0]) ** 2, axis=1)
    for k in range(1, K):
        total = d2.sum()
        j = rng.choice(m, p=d2 / total) if total > 0 else rng.integers(m)
        centres[k] = sub[j]
        np.minimum(d2, np.sum((sub - centres[k]) ** 2, axis=1), out=d2)
    return centres if shift is None else centres + shift


def initial_means(X: NDArray, K: int, init: str | ArrayLike, rng: np.random.Generator, *,
                  shift: NDArray | None = None, origin: NDArray | None = None,
                  models: str = " or a GMM") -> NDArray[np.float64]:
    """Initial means (K, d) float64 in the coordinates of `X`.

    `init` is ``"kmeans++"`` (:func:`kmeans_pp`, distances about `shift`), ``"random"`` (K
    distinct rows of `X`, in order) or a (K, d) array of means given in data coordinates, i.e.
    ``X + origin`` when `X` holds centred data (`origin` its centre).  `models` completes the
    error message with the model objects the caller also accepts as `init`.
    """
    N, d = X.shape
    if isinstance(init, str):
        if init == "kmeans++":
            return kmeans_pp(X, K, rng, shift)
        if init == "random":
            return np.asarray(X[np.sort(rng.choice(N, size=K, replace=False))], dtype=np.float64)
        raise ValueError(f"init: expected 'kmeans++', 'random', a (K, d) array of means{models}, "
                         f"got {init!r}")
    means = as_float_array(init, "init", ndim=2, dtype=np.float64)
    if means.shape != (K, d):
        raise ValueError(f"init: expected initial means of shape ({K}, {d}), got {means.shape}")
    return means if origin is None else means - origin

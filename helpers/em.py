"""Expectation-maximisation for Gaussian mixtures: soft EM, hard (classification) EM, the ELBO.

One EM iteration, with θ = (π, μ, Σ) and responsibilities r_ik = p(z_i = k | x_i, θ):

* E step: r_ik = π_k N(x_i; μ_k, Σ_k) / Σ_j π_j N(x_i; μ_j, Σ_j)  (through log densities and
  ``logsumexp``), which makes the ELBO L(r, θ) equal to the log-likelihood log p(X | θ);
* M step: N_k = Σ_i r_ik, π_k = N_k / N, μ_k = Σ_i r_ik x_i / N_k,
  Σ_k = Σ_i r_ik (x_i - μ_k)(x_i - μ_k)ᵀ / N_k + reg_covar·I, which maximises L(r, θ) over θ.

So log p(X | θ_t) = L(r_t, θ_t) <= L(r_t, θ_{t+1}) <= log p(X | θ_{t+1}): the log-likelihood never
decreases (up to the tiny effect of ``reg_covar``).

Implementation (docs/architecture.md §6 gives the cost model, 4·N·K·d² flops per iteration):

* points are processed in chunks of ``chunk_size`` rows; each chunk is scored against all
  components with one GEMM per block of components (``helpers.mixture.ComponentScorer``), and
  its sufficient statistics N_k, Σ_i r_ik (x_i - m_k), Σ_i r_ik (x_i - m_k)(x_i - m_k)ᵀ are
  accumulated in float64 **about the previous means m_k**, so nothing cancels catastrophically.
  Memory beyond the data is O(chunk_size·K + K·d²) whatever N;
* the data are shifted by their mean once per chunk (never copied as a whole);
* ``dtype=np.float32`` runs the products in single precision (about 2x faster); the statistics
  are still summed in float64, and the returned GMM then stores float32 parameters.

Public API: :func:`fit_em`, :func:`fit_hard_em`, :func:`e_step`, :func:`m_step`, :func:`elbo`,
:class:`History`.
"""
from __future__ import annotations

from typing import Callable, Union

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from scipy.special import logsumexp

from ._validation import as_data, as_float_array, nonnegative_float, positive_int
from .em_driver import EMSteps, EStep, History, check_fit_args, initial_means, run
from .mixture import GMM, LOG_2PI, ComponentScorer, precision_cholesky

__all__ = ["History", "fit_em", "fit_hard_em", "e_step", "m_step", "elbo", "default_chunk_size"]

Init = Union[str, NDArray, GMM]
Callback = Callable[[int, GMM, "History"], object]
# Points with r_ik <= RESP_FLOOR are left out of component k's second moments (they would add
# at most N·1e-30 of a point's weight: far below rounding).  With K = 200 on 8x8 patches this
# skips ~95% of the (point, component) pairs of the M step.
RESP_FLOOR = 1e-30


def default_chunk_size(n_components: int) -> int:
    """Rows per chunk: 4096, fewer (at least 256) when K > 256, so a chunk's (rows, K) arrays of log
    densities and responsibilities stay at most 2**20 numbers (8 MB in float64).  The dimension d
    does not enter: the chunk itself is rows·d numbers (2 MB at d = 64, 32 MB at d = 1024), and the
    scorer's work buffer is rows × ~1024 whatever d."""
    return int(np.clip(2 ** 20 // max(1, n_components), 256, 4096))


# --------------------------------------------------------------------------- validation
def _check_data(X: ArrayLike, name: str = "X") -> NDArray[np.floating]:
    """(N, d) float32/float64 data, finite; checked chunk by chunk so no N·d temporary."""
    arr = np.asarray(X)
    if arr.dtype not in (np.float32, np.float64):
        return as_data(arr, name)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        return as_data(arr, name)  # raises the shape error
    step = max(1, 2 ** 20 // arr.shape[1])
    for i in range(0, arr.shape[0], step):
        block = arr[i:i + step]
        if not np.isfinite(block).all():
            bad = np.argwhere(~np.isfinite(block))[0]
            raise ValueError(f"{name}: contains NaN or inf (first at index ({i + bad[0]}, {bad[1]}))")
    return arr


def _check_dtype(dtype: DTypeLike) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected np.float32 or np.float64, got {dt}")
    return dt


def _check_resp(resp: ArrayLike, N: int) -> NDArray[np.float64]:
    resp = as_float_array(resp, "resp", ndim=2, dtype=np.float64)
    if resp.shape[0] != N or resp.shape[1] == 0:
        raise ValueError(f"resp: expected shape ({N}, K) to match X, got {resp.shape}")
    if np.any(resp < 0):
        raise ValueError("resp: responsibilities must be non-negative")
    sums = resp.sum(axis=1)
    if np.any(np.abs(sums - 1) > 1e-6):
        i = int(np.argmax(np.abs(sums - 1)))
        raise ValueError(f"resp: each row must sum to one over components; row {i} sums to {sums[i]:.6g}")
    return resp


# ------------------------------------------------------------------ sufficient statistics
class _Stats:
    """Float64 sums over points of r_ik, r_ik (x_i - m_k), r_ik (x_i - m_k)(x_i - m_k)ᵀ, with the
    reference means m (K, d) (shifted coordinates), plus Σ log p(x_i), Σ max_k log joint and
    Σ r log r."""

    def __init__(self, ref_means: NDArray[np.float64]) -> None:
        K, d = ref_means.shape
        self.ref = ref_means
        self.nk = np.zeros(K)
        self.s1 = np.zeros((K, d))
        self.s2 = np.zeros((K, d, d))
        self.n = 0
        self.ll = 0.0
        self.hard = 0.0
        self.rlogr = 0.0

    def add(self, Xc: NDArray, resp: NDArray, labels: NDArray | None = None) -> None:
        """Accumulate a chunk: shifted points Xc (B, d) with responsibilities (B, K) in Xc's dtype
        (`labels` (B,) for one-hot responsibilities, the hard-EM fast path)."""
        nk = resp.sum(axis=0, dtype=np.float64)
        self.nk += nk
        sx = (resp.T @ Xc).astype(np.float64)  # (K, d): Σ_i r_ik x_i in this chunk
        self.s1 += sx - nk[:, None] * self.ref
        ref = self.ref.astype(Xc.dtype)
        if labels is not None:  # hard assignments: each component's own rows, contiguous
            order = np.argsort(labels, kind="stable")
            Xs = Xc[order]
            ends = np.cumsum(np.bincount(labels, minlength=len(nk)))
            for k in np.flatnonzero(nk > 0):
                D = Xs[ends[k] - int(nk[k]):ends[k]] - ref[k]
                self.s2[k] += D.T @ D
            return
        rT = np.ascontiguousarray(resp.T)
        keep = rT > RESP_FLOOR
        counts = keep.sum(axis=1)
        for k in np.flatnonzero(counts):
            if counts[k] > 0.75 * len(Xc):   # dense: W = sqrt(r) (x - m), then Wᵀ W (syrk)
                W = Xc - ref[k]
                W *= np.sqrt(rT[k])[:, None]
            else:                              # sparse: only rows with r_ik > RESP_FLOOR
                rows = np.flatnonzero(keep[k])
                W = Xc[rows]
                W -= ref[k]
                W *= np.sqrt(rT[k, rows])[:, None]
            self.s2[k] += W.T @ W


def _scan(X: NDArray, gmm: GMM, shift: NDArray, dtype: np.dtype, chunk: int,
          stats: _Stats | None, hard: bool, n_worst: int = 0) -> tuple[_Stats | None, NDArray]:
    """One pass over the data: the E step for `gmm`, accumulating `stats` (if given).

    Returns the stats and the indices of the `n_worst` points with the lowest log p(x).
    """
    N = X.shape[0]
    scorer = ComponentScorer(gmm.weights, gmm.means.astype(np.float64) - shift, gmm.prec_chol, dtype)
    ll = hard_sum = rlogr = 0.0
    worst_idx = np.empty(0, dtype=np.intp)
    worst_val = np.empty(0)
    shift_d = shift.astype(dtype)
    for i in range(0, N, chunk):
        Xc = np.asarray(X[i:i + chunk], dtype=dtype) - shift_d
        logp = scorer(Xc)
        lse = logsumexp(logp, axis=1)
        ll += float(lse.sum(dtype=np.float64))
        labels = None
        if hard:
            labels = np.argmax(logp, axis=1)
            hard_sum += float(logp[np.arange(len(labels)), labels].sum(dtype=np.float64))
            resp = np.zeros_like(logp)
            resp[np.arange(len(labels)), labels] = 1
        else:
            logp -= lse[:, None]  # now log r_ik
            resp = np.exp(logp)
            term = float(np.einsum("ik,ik->", resp, logp, dtype=np.float64))
            if not np.isfinite(term):  # a zero weight gives 0·(-inf); 0 log 0 = 0
                pos = resp > 0
                term = float(np.sum(resp[pos] * logp[pos], dtype=np.float64))
            rlogr += term
        if stats is not None:
            stats.add(Xc, resp, labels)
        if n_worst:
            m = min(n_worst, len(lse))
            part = np.argpartition(lse, m - 1)[:m]
            worst_val = np.concatenate([worst_val, lse[part]])
            worst_idx = np.concatenate([worst_idx, part + i])
            keep = np.argsort(worst_val, kind="stable")[:n_worst]
            worst_val, worst_idx = worst_val[keep], worst_idx[keep]
    if stats is None:
        stats = _Stats(np.zeros((gmm.n_components, gmm.dim)))
    stats.n, stats.ll, stats.hard, stats.rlogr = N, ll, hard_sum, rlogr
    return stats, worst_idx


def _params_from_stats(st: _Stats, reg_covar: float) -> tuple[NDArray, NDArray, NDArray]:
    """M step from the sufficient statistics: (π (K,), μ (K, d) shifted, Σ (K, d, d)), float64.

    Components with N_k = 0 get NaN-free placeholders (their reference mean, zero scatter)."""
    K, d = st.ref.shape
    nk = np.maximum(st.nk, np.finfo(np.float64).tiny)
    delta = st.s1 / nk[:, None]                        # μ_k - m_k
    means = st.ref + delta
    covs = st.s2 / nk[:, None, None] - delta[:, :, None] * delta[:, None, :]
    covs = 0.5 * (covs + covs.transpose(0, 2, 1))
    covs[:, np.arange(d), np.arange(d)] += reg_covar
    return st.nk / st.n, means, covs


def _expected_complete_ll(st: _Stats, weights: NDArray, means: NDArray, chol: NDArray) -> float:
    """Σ_i Σ_k r_ik [log π_k + log N(x_i; μ_k, Σ_k)] for any θ, from the statistics alone."""
    e = means - st.ref                                  # (K, d) offset from the reference means
    scatter = (st.s2 - e[:, :, None] * st.s1[:, None, :] - st.s1[:, :, None] * e[:, None, :]
               + st.nk[:, None, None] * e[:, :, None] * e[:, None, :])
    U = precision_cholesky(chol)
    trace = np.einsum("kia,kia->k", scatter @ U, U)    # tr(Uᵀ scatter_k U) = tr(Σ_k⁻¹ scatter_k), BLAS-3
    logdet = 2 * np.sum(np.log(np.diagonal(chol, axis1=1, axis2=2)), axis=1)
    d = means.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        log_w = np.where(st.nk > 0, np.log(weights), 0.0)
    return float(np.sum(st.nk * (log_w - 0.5 * (d * LOG_2PI + logdet))) - 0.5 * np.sum(trace))


def _make_gmm(weights: NDArray, means: NDArray, covs: NDArray, dtype: np.dtype) -> GMM:
    weights = weights / weights.sum()
    return GMM(weights.astype(dtype), means.astype(dtype), covs.astype(dtype))


# ---------------------------------------------------------------------- initialisation
def _gmm_from_means(X: NDArray, means: NDArray, shift: NDArray, reg_covar: float,
                    dtype: np.dtype, chunk: int) -> GMM:
    """θ_0 from initial means: assign every point to its nearest mean, then π_k ∝ n_k + 1, μ_k the
    cluster mean, Σ_k the cluster covariance (the pooled within-cluster covariance for clusters
    with at most d points) + reg_covar·I."""
    K, d = means.shape
    mc = means.astype(np.float64) - shift
    st = _Stats(mc)
    half_norm = 0.5 * np.sum(mc ** 2, axis=1).astype(dtype)
    mct = mc.T.astype(dtype)
    for i in range(0, X.shape[0], chunk):
        Xc = np.asarray(X[i:i + chunk], dtype=dtype) - shift.astype(dtype)
        labels = np.argmax(Xc @ mct - half_norm, axis=1)
        resp = np.zeros((len(Xc), K), dtype=dtype)
        resp[np.arange(len(Xc)), labels] = 1
        st.add(Xc, resp, labels)
    st.n = X.shape[0]
    _, new_means, covs = _params_from_stats(st, reg_covar)
    pooled = ((st.s2 - st.s1[:, :, None] * st.s1[:, None, :] / np.maximum(st.nk, 1)[:, None, None])
              .sum(axis=0) / st.n)
    pooled = 0.5 * (pooled + pooled.T) + reg_covar * np.eye(d)
    small = st.nk <= d
    covs[small] = pooled
    new_means[st.nk == 0] = mc[st.nk == 0]
    weights = (st.nk + 1) / (st.n + K)
    return _make_gmm(weights, new_means + shift, covs, dtype)


def _initial_gmm(X: NDArray, K: int, init: Init, rng: np.random.Generator, shift: NDArray,
                 reg_covar: float, dtype: np.dtype, chunk: int) -> GMM:
    N, d = X.shape
    if isinstance(init, GMM):
        if (init.n_components, init.dim) != (K, d):
            raise ValueError(f"init: GMM has {init.n_components} components of dimension {init.dim}, "
                             f"expected n_components={K} and dimension {d}")
        return _make_gmm(init.weights.astype(np.float64), init.means.astype(np.float64),
                         init.covs.astype(np.float64), dtype)
    means = initial_means(X, K, init, rng, shift=shift)
    return _gmm_from_means(X, means, shift, reg_covar, dtype, chunk)


# ---------------------------------------------------------------------------- the fit
class _GMMSteps(EMSteps[GMM, list]):
    """Full-covariance E and M steps (soft or hard) for :func:`helpers.em_driver.run`.

    Parameters between M step and model are ``[weights, means, covs, stats]`` in the coordinates
    shifted by `shift` (float64)."""

    def __init__(self, X: NDArray, shift: NDArray, dtype: np.dtype, chunk: int, hard: bool,
                 reg_covar: float) -> None:
        self.X, self.shift, self.dtype, self.chunk = X, shift, dtype, chunk
        self.hard, self.reg_covar = hard, reg_covar
        self.n_points = X.shape[0]
        self.dead_floor = 10 * np.finfo(dtype).eps * self.n_points

    def e_step(self, model: GMM, accumulate: bool) -> EStep:
        N = self.n_points
        stats = _Stats(model.means.astype(np.float64) - self.shift) if accumulate else None
        stats, worst = _scan(self.X, model, self.shift, self.dtype, self.chunk, stats, self.hard,
                             n_worst=min(model.n_components, N) if accumulate else 0)
        return EStep(stats.ll / N, (stats.hard if self.hard else stats.ll) / N, stats, worst)

    def m_step(self, model: GMM, e: EStep) -> list:
        return [*_params_from_stats(e.state, self.reg_covar), e.state]

    def dead_components(self, params: list, e: EStep) -> NDArray[np.intp]:
        return np.union1d(np.flatnonzero(e.state.nk <= self.dead_floor), _not_positive_definite(params[2]))

    def restart(self, params: list, dead: NDArray[np.intp], points: list[int]) -> None:
        """Dead components restart at `points`, with the weighted average covariance of the live
        components and weight 1/K."""
        weights, means, covs, _ = params
        X, (K, d) = self.X, means.shape
        alive = np.setdiff1d(np.arange(K), dead)
        if alive.size:
            w = weights[alive] / weights[alive].sum()
            avg = np.einsum("k,kij->ij", w, covs[alive])
        else:
            avg = np.cov(np.asarray(X[: min(len(X), 10_000)], dtype=np.float64), rowvar=False).reshape(d, d)
            avg += self.reg_covar * np.eye(d)
        for k, i in zip(dead, points):
            means[k] = np.asarray(X[i], dtype=np.float64) - self.shift
            covs[k] = avg
            weights[k] = 1.0 / K

    def finish(self, params: list) -> tuple[GMM, float]:
        weights, means, covs, stats = params
        chol = np.linalg.cholesky(covs)
        elbo_value = (_expected_complete_ll(stats, weights, means, chol) - stats.rlogr) / self.n_points
        return _make_gmm(weights, means + self.shift, covs, self.dtype), elbo_value


def _fit(X: ArrayLike, n_components: int, *, hard: bool, max_iter: int, tol: float,
         reg_covar: float, init: Init, rng: np.random.Generator | None,
         callback: Callback | None, chunk_size: int | None, dtype: DTypeLike) -> tuple[GMM, History]:
    X = _check_data(X)
    N, d = X.shape
    K, max_iter, tol, rng = check_fit_args(N, n_components, max_iter, tol, rng, callback)
    reg_covar = nonnegative_float(reg_covar, "reg_covar")
    dt = _check_dtype(dtype)
    chunk = default_chunk_size(K) if chunk_size is None else positive_int(chunk_size, "chunk_size")
    shift = np.mean(X, axis=0, dtype=np.float64)
    gmm = _initial_gmm(X, K, init, rng, shift, reg_covar, dt, chunk)
    steps = _GMMSteps(X, shift, dt, chunk, hard, reg_covar)
    return run(steps, gmm, max_iter=max_iter, tol=tol, rng=rng, callback=callback)


def _not_positive_definite(covs: NDArray) -> NDArray[np.intp]:
    """Indices of the covariances (K, d, d) whose Cholesky factorisation fails (collapsed)."""
    try:
        np.linalg.cholesky(covs)
        return np.empty(0, dtype=np.intp)
    except np.linalg.LinAlgError:
        bad = []
        for k, c in enumerate(covs):
            try:
                np.linalg.cholesky(c)
            except np.linalg.LinAlgError:
                bad.append(k)
        return np.array(bad, dtype=np.intp)


_FIT_DOC = """
    Parameters
    ----------
    X : (N, d) data, float32 or float64 (other numeric types are converted).  Never copied.
    n_components : K, at most N.
    max_iter : maximum number of M steps (0 returns the initial model).
    tol : stop when |objective_t - objective_{t-1}| < tol·|objective_t| (relative change of
        the mean log-likelihood); ``tol=0`` runs exactly ``max_iter`` iterations.
    reg_covar : added to the diagonal of every covariance (>= 0); keeps them positive definite.
    init : ``"kmeans++"`` (default; k-means++ seeding), ``"random"`` (K distinct data points),
        a (K, d) array of initial means, or a :class:`~helpers.mixture.GMM` used as θ_0 as is.
        From means, θ_0 assigns each point to its nearest mean and takes π_k ∝ n_k + 1, the
        cluster means and the cluster covariances + reg_covar·I.
    rng : numpy Generator for initialisation and re-initialisation (default: seed 0).
    callback : called as ``callback(t, gmm, history)`` after evaluating θ_t (t = 0 is the
        initial model; ``history.log_likelihood[-1]`` is gmm's); return ``True`` to stop.
    chunk_size : rows per chunk (default :func:`default_chunk_size`); the result does not
        depend on it beyond rounding.
    dtype : np.float64 (default) or np.float32 for the products; statistics are summed in
        float64 either way; the returned GMM stores parameters in `dtype`.

    Returns
    -------
    (gmm, history) : the fitted :class:`~helpers.mixture.GMM` (θ after the last M step) and a
    :class:`History` (per-point log-likelihoods, ELBO, n_iter, converged, reinitialised).
"""


def fit_em(X: ArrayLike, n_components: int, *, max_iter: int = 100, tol: float = 1e-6,
           reg_covar: float = 1e-6, init: Init = "kmeans++", rng: np.random.Generator | None = None,
           callback: Callback | None = None, chunk_size: int | None = None,
           dtype: DTypeLike = np.float64) -> tuple[GMM, History]:
    return _fit(X, n_components, hard=False, max_iter=max_iter, tol=tol, reg_covar=reg_covar,
                init=init, rng=rng, callback=callback, chunk_size=chunk_size, dtype=dtype)


def fit_hard_em(X: ArrayLike, n_components: int, *, max_iter: int = 100, tol: float = 1e-6,
                reg_covar: float = 1e-6, init: Init = "kmeans++",
                rng: np.random.Generator | None = None, callback: Callback | None = None,
                chunk_size: int | None = None, dtype: DTypeLike = np.float64) -> tuple[GMM, History]:
    return _fit(X, n_components, hard=True, max_iter=max_iter, tol=tol, reg_covar=reg_covar,
                init=init, rng=rng, callback=callback, chunk_size=chunk_size, dtype=dtype)


fit_em.__doc__ = ("Fit a K-component Gaussian mixture to the rows of `X` by (soft) EM.\n" + _FIT_DOC)
fit_hard_em.__doc__ = (
    "Fit a Gaussian mixture by hard (classification) EM: each point is assigned wholly to its\n"
    "    most probable component, r_ik = 1 if k = argmax_j π_j N(x_i; μ_j, Σ_j) else 0, then the\n"
    "    M step is the usual one on those one-hot r (with identity covariances and equal weights\n"
    "    this is k-means).  Converges on the mean of max_k log π_k N(x_i; μ_k, Σ_k).\n" + _FIT_DOC)


# ------------------------------------------------------------------- single steps (teaching)
def e_step(X: ArrayLike, gmm: GMM) -> tuple[NDArray[np.float64], float]:
    """E step: responsibilities r_ik = p(z_i = k | x_i, θ) (N, K) and the mean log-likelihood
    (1/N) Σ_i log p(x_i | θ) of the rows of `X` (N, d) under `gmm`."""
    if not isinstance(gmm, GMM):
        raise ValueError(f"gmm: expected a helpers.mixture.GMM, got {type(gmm).__name__}")
    log_joint = gmm.log_pdf_components(X)
    log_norm = logsumexp(log_joint, axis=1, keepdims=True)
    return np.exp(log_joint - log_norm), float(np.mean(log_norm))


def m_step(X: ArrayLike, resp: ArrayLike, reg_covar: float = 1e-6) -> GMM:
    """M step: the GMM maximising L(r, θ) for responsibilities `resp` (N, K) on `X` (N, d).

    π_k = N_k / N, μ_k = Σ_i r_ik x_i / N_k, Σ_k = Σ_i r_ik (x_i - μ_k)(x_i - μ_k)ᵀ / N_k + reg_covar·I.
    Raises ValueError if a component has zero total responsibility (its mean is undefined).
    """
    X = _check_data(X)
    resp = _check_resp(resp, X.shape[0])
    reg_covar = nonnegative_float(reg_covar, "reg_covar")
    nk = resp.sum(axis=0)
    if np.any(nk <= 0):
        raise ValueError(f"resp: component {int(np.argmin(nk))} has zero total responsibility")
    X = np.asarray(X, dtype=np.float64)
    means = (resp.T @ X) / nk[:, None]
    st = _Stats(means)  # second moments about the new means: exact, nothing to cancel
    chunk = default_chunk_size(resp.shape[1])
    for i in range(0, X.shape[0], chunk):
        st.add(X[i:i + chunk], resp[i:i + chunk])
    st.n = X.shape[0]
    weights, means, covs = _params_from_stats(st, reg_covar)
    return _make_gmm(weights, means, covs, np.dtype(np.float64))


def elbo(X: ArrayLike, resp: ArrayLike, gmm: GMM) -> NDArray[np.float64]:
    """Per-point evidence lower bound (N,):

        L_i(r, θ) = Σ_k r_ik [log π_k + log N(x_i; μ_k, Σ_k) - log r_ik]  <=  log p(x_i | θ),

    with equality iff r_i is the posterior p(z_i | x_i, θ); the gap is KL(r_i || p(z_i | x_i)).
    ``elbo(...).sum()`` is the lecture's L(r, θ) for the whole data set.  Terms with r_ik = 0
    contribute 0 (0 log 0 = 0).
    """
    if not isinstance(gmm, GMM):
        raise ValueError(f"gmm: expected a helpers.mixture.GMM, got {type(gmm).__name__}")
    log_joint = gmm.log_pdf_components(X)
    resp = _check_resp(resp, log_joint.shape[0])
    if resp.shape[1] != gmm.n_components:
        raise ValueError(f"resp: expected {gmm.n_components} columns (one per component), got {resp.shape[1]}")
    pos = resp > 0
    terms = np.zeros_like(log_joint)
    terms[pos] = resp[pos] * (log_joint[pos] - np.log(resp[pos]))
    return terms.sum(axis=1)

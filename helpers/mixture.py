"""Gaussian mixture models: the frozen :class:`GMM` and its log-densities.

    p(x) = Σ_k π_k N(x; μ_k, Σ_k)
    log p(x) = logsumexp_k [ log π_k + log N(x; μ_k, Σ_k) ]

Every log-density goes through Cholesky factors and ``scipy.special.logsumexp``: with the
precision factors U_k = L_k⁻ᵀ (Σ_k = L_k L_kᵀ, so Σ_k⁻¹ = U_k U_kᵀ)

    log N(x; μ_k, Σ_k) = -½ d log 2π + Σ_j log (U_k)_jj - ½ ||(x - μ_k)ᵀ U_k||²,

so nothing is exponentiated before the ``logsumexp`` and d = 256 patches, whose densities
underflow float64, are exact.  All U_k are stacked side by side into one (d, K·d) matrix, so
scoring a block of points against every component is a single matrix product (BLAS-3).

dtype policy
------------
A GMM keeps its parameters in float32 when all three arrays are float32 (the shipped
pretrained model is float32), otherwise in float64.  Validation, the cached Cholesky factors
and every method (``log_pdf``, ``responsibilities``, ``sample`` ...) compute in float64, so the
answers are the exact reference whatever the storage.  ``log_pdf_components(X, dtype=np.float32)``
is the opt-in fast path (about 2x faster, ~1e-5 relative accuracy) for denoising and EM.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from os import PathLike

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray
from scipy.linalg import lapack
from scipy.special import logsumexp

from .gaussian import LOG_2PI
from ._npz import load_tagged, save_tagged
from ._validation import as_data, as_float_array, as_rng, cholesky, positive_int

__all__ = ["GMM", "ComponentScorer", "precision_cholesky", "LOG_2PI"]

FORMAT = "helpers.mixture.GMM/1"
# Elements of the (points × components·d) intermediate per block: 2**21 float64 = 16 MB.
_BLOCK_ELEMENTS = 2 ** 21
# From this dimension on, precision factors come from LAPACK's trtri one component at a time.
_TRTRI_MIN_DIM = 128


def precision_cholesky(chol: NDArray) -> NDArray[np.float64]:
    """Upper-triangular U_k = L_k⁻ᵀ from lower Cholesky factors `chol` (K, d, d) of Σ_k.

    Then Σ_k⁻¹ = U_k U_kᵀ and (x - μ)ᵀ Σ_k⁻¹ (x - μ) = ||(x - μ)ᵀ U_k||².  Returns (K, d, d).
    """
    K, d, _ = chol.shape
    if d >= _TRTRI_MIN_DIM:
        # Large d: LAPACK's triangular inverse (d³/3 flops) per component, ~8x fewer flops than
        # a general solve; the per-call overhead no longer matters at this size.
        inv = np.empty((K, d, d))
        for k in range(K):
            inv[k], info = lapack.dtrtri(np.asarray(chol[k], np.float64), lower=1)
            if info != 0:
                raise np.linalg.LinAlgError(f"singular Cholesky factor of component {k}")
        return np.triu(inv.transpose(0, 2, 1))
    # Small d: one batched LAPACK solve L_k X = I for all k (numpy's; scipy's per-matrix
    # calls cost milliseconds each in BLAS thread start-up for small d).
    inv = np.linalg.solve(chol, np.broadcast_to(np.eye(d), (K, d, d)))
    return np.triu(inv.transpose(0, 2, 1))


class ComponentScorer:
    """Scores blocks of points against every component with one GEMM per block of components.

    Built from π (K,), μ (K, d) and the precision factors U (K, d, d); computes in `dtype`.
    ``scorer(X)`` returns the (N, K) array of log π_k + log N(x_i; μ_k, Σ_k).  `shift` (d,) is
    subtracted from points and means before the product, so data far from the origin do not
    lose digits in x U_k - μ_k U_k (the GMM uses its mean Σ π_k μ_k).  Internal building block
    of :class:`GMM` and :mod:`helpers.em`; no validation.

    The offsets ride inside the product: with x̃ = [x - shift, 1] and column block k of
    ``augmented`` equal to [U_k; -(μ_k - shift)ᵀ U_k], x̃ · block_k = (x - μ_k)ᵀ U_k, so one
    GEMM (into a reused buffer) and one ``einsum`` of squares give every Mahalanobis distance.
    """

    def __init__(self, weights: NDArray, means: NDArray, prec_chol: NDArray,
                 dtype: DTypeLike = np.float64, shift: NDArray | None = None) -> None:
        K, d = means.shape
        self.K, self.d, self.dtype = K, d, np.dtype(dtype)
        self.shift = (np.zeros(d) if shift is None else np.asarray(shift, np.float64))
        prec_chol = np.asarray(prec_chol, np.float64)
        centred = np.asarray(means, np.float64) - self.shift
        stacked = prec_chol.transpose(1, 0, 2).reshape(d, K * d)           # block k = U_k
        offsets = np.einsum("kd,kde->ke", centred, prec_chol).reshape(1, K * d)
        self.augmented = np.ascontiguousarray(np.vstack([stacked, -offsets]), dtype=self.dtype)
        log_det_prec = np.sum(np.log(np.diagonal(prec_chol, axis1=1, axis2=2)), axis=1)
        with np.errstate(divide="ignore"):
            self.const = (np.log(np.asarray(weights, np.float64)) - 0.5 * d * LOG_2PI
                          + log_det_prec)  # (K,) float64
        self.block = max(1, min(K, 1024 // max(d, 1)))  # components per GEMM: ~1024 columns
        self._work: dict[int, tuple[NDArray, NDArray]] = {}

    def _buffers(self, n: int) -> tuple[NDArray, NDArray]:
        if n not in self._work:
            self._work = {n: (np.empty((n, self.d + 1), self.dtype),
                              np.empty((n, self.block * self.d), self.dtype))}
        return self._work[n]

    def release(self) -> None:
        """Free the work buffers (they are re-allocated by the next call)."""
        self._work = {}

    def __call__(self, X: NDArray, out: NDArray | None = None) -> NDArray:
        """(N, K) log π_k + log N(x_i; μ_k, Σ_k) for the rows of `X` (N, d), in `self.dtype`."""
        N, d = X.shape
        Xa, Y = self._buffers(N)
        np.subtract(X, self.shift, out=Xa[:, :d], casting="unsafe")
        Xa[:, d] = 1
        if out is None:
            out = np.empty((N, self.K), dtype=self.dtype)
        for k0 in range(0, self.K, self.block):
            k1 = min(self.K, k0 + self.block)
            Yb = Y[:, : (k1 - k0) * d]
            np.matmul(Xa, self.augmented[:, k0 * d:k1 * d], out=Yb)
            Y3 = Yb.reshape(N, k1 - k0, d)
            np.einsum("ikd,ikd->ik", Y3, Y3, out=out[:, k0:k1])
        out *= -0.5
        out += self.const.astype(self.dtype)
        return out


def _as_param(a: ArrayLike, name: str, ndim: int) -> NDArray:
    arr = as_float_array(a, name, ndim=ndim)
    return np.array(arr, dtype=np.float64, copy=True)


@dataclass(frozen=True, eq=False)
class GMM:
    """A Gaussian mixture p(x) = Σ_k π_k N(x; μ_k, Σ_k), validated on construction.

    Parameters
    ----------
    weights : (K,) mixture weights π, non-negative, summing to one (within 1e-8; 1e-6 for
        float32 parameters).
    means : (K, d) component means μ_k.
    covs : (K, d, d) symmetric positive-definite component covariances Σ_k.

    The arrays are copied and made read-only; they stay float32 if all three are float32,
    else become float64 (see the module docstring for the dtype policy).  Any invalid input
    raises ``ValueError`` whose message starts with the offending field's name.
    """

    weights: NDArray
    means: NDArray
    covs: NDArray
    _chol: NDArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        single = all(np.asarray(a).dtype == np.float32 for a in (self.weights, self.means, self.covs))
        dtype = np.float32 if single else np.float64
        w = _as_param(self.weights, "weights", 1)
        m = _as_param(self.means, "means", 2)
        c = _as_param(self.covs, "covs", 3)
        K, d = m.shape
        if K == 0 or d == 0:
            raise ValueError(f"means: expected shape (K, d) with K, d >= 1, got {m.shape}")
        if w.shape != (K,):
            raise ValueError(f"weights: expected shape ({K},) to match means {m.shape}, got {w.shape}")
        if c.shape != (K, d, d):
            raise ValueError(f"covs: expected shape ({K}, {d}, {d}) to match means {m.shape}, got {c.shape}")
        if np.any(w < 0):
            k = int(np.argmax(w < 0))
            raise ValueError(f"weights: must be non-negative, weights[{k}] = {w[k]:.3g}")
        tol = 1e-6 if single else 1e-8
        if abs(w.sum() - 1.0) > tol:
            raise ValueError(f"weights: must sum to one (within {tol:g}), they sum to {w.sum():.10g}")
        object.__setattr__(self, "_chol", _cholesky_stack(c, single))
        for name, arr in (("weights", w), ("means", m), ("covs", c)):
            arr = arr.astype(dtype)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    def __repr__(self) -> str:
        return f"GMM(n_components={self.n_components}, dim={self.dim}, dtype={self.dtype})"

    # ----------------------------------------------------------------- properties
    @property
    def n_components(self) -> int:
        """K, the number of components."""
        return int(self.means.shape[0])

    @property
    def dim(self) -> int:
        """d, the dimension of the data."""
        return int(self.means.shape[1])

    @property
    def dtype(self) -> np.dtype:
        """Storage dtype of the parameters (float32 or float64)."""
        return self.means.dtype

    @property
    def chol(self) -> NDArray[np.float64]:
        """(K, d, d) lower Cholesky factors L_k of Σ_k (float64, read-only)."""
        return self._chol

    @cached_property
    def prec_chol(self) -> NDArray[np.float64]:
        """(K, d, d) upper factors U_k = L_k⁻ᵀ with Σ_k⁻¹ = U_k U_kᵀ (float64, read-only)."""
        U = precision_cholesky(self._chol)
        U.setflags(write=False)
        return U

    def scorer(self, dtype: DTypeLike = np.float64) -> ComponentScorer:
        """The :class:`ComponentScorer` of this model computing in `dtype` (cached per dtype)."""
        cache = self.__dict__.setdefault("_scorers", {})
        key = np.dtype(dtype)
        if key not in cache:
            shift = self.weights.astype(np.float64) @ self.means.astype(np.float64)
            cache[key] = ComponentScorer(self.weights, self.means, self.prec_chol, key, shift)
        return cache[key]

    # ------------------------------------------------------------------- densities
    def log_pdf_components(self, X: ArrayLike, dtype: DTypeLike = np.float64) -> NDArray:
        """(N, K) log π_k + log N(x_i; μ_k, Σ_k) for every row of `X` (N, d).

        Computed in `dtype` (float64 by default; float32 is the fast, less exact option) in
        blocks of points, so the intermediates stay a few MB whatever N and K.
        """
        X = as_data(X, "X", dim=self.dim)
        scorer = self.scorer(dtype)
        out = np.empty((X.shape[0], self.n_components), dtype=scorer.dtype)
        step = max(1, _BLOCK_ELEMENTS // (scorer.block * self.dim))
        for i in range(0, X.shape[0], step):
            scorer(X[i:i + step], out=out[i:i + step])
        scorer.release()
        return out

    def log_pdf(self, X: ArrayLike) -> NDArray[np.float64]:
        """(N,) log p(x_i) = logsumexp_k [log π_k + log N(x_i; μ_k, Σ_k)] of the rows of `X` (N, d)."""
        return logsumexp(self.log_pdf_components(X), axis=1)

    def score(self, X: ArrayLike) -> float:
        """Mean log-likelihood (1/N) Σ_i log p(x_i) (nats per point), as scikit-learn's ``score``."""
        return float(np.mean(self.log_pdf(X)))

    def responsibilities(self, X: ArrayLike) -> NDArray[np.float64]:
        """(N, K) posterior r_ik = p(z = k | x_i); each row sums to one."""
        log_joint = self.log_pdf_components(X)
        return np.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))

    # -------------------------------------------------------------------- sampling
    def sample(self, n: int, rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Ancestral sampling: z_i ~ Categorical(π), then x_i = μ_{z_i} + L_{z_i} ε_i, ε_i ~ N(0, I).

        Returns ``(X, z)``: X (n, d) float64 samples and z (n,) their component labels.
        """
        n = positive_int(n, "n")
        rng = as_rng(rng)
        w = self.weights.astype(np.float64)
        z = rng.choice(self.n_components, size=n, p=w / w.sum())
        eps = rng.standard_normal((n, self.dim))
        X = np.empty((n, self.dim))
        for k in np.unique(z):  # one product per component, not per point
            idx = np.flatnonzero(z == k)
            X[idx] = self.means[k] + eps[idx] @ self._chol[k].T
        return X, z

    # ------------------------------------------------------------------ save/load
    def save(self, path: str | PathLike) -> None:
        """Write the parameters to `path` as an uncompressed ``.npz`` (dtype preserved)."""
        save_tagged(path, "format", FORMAT, weights=self.weights, means=self.means, covs=self.covs)

    @classmethod
    def load(cls, path: str | PathLike) -> "GMM":
        """Read a GMM written by :meth:`save` (``allow_pickle=False``).

        A missing file raises ``FileNotFoundError``, a damaged or foreign one ``ValueError``; both
        messages start with ``path``.
        """
        return cls(**load_tagged(path, "format", FORMAT, ("weights", "means", "covs"), "GMM"))


def _cholesky_stack(covs: NDArray[np.float64], single: bool) -> NDArray[np.float64]:
    """(K, d, d) lower Cholesky factors of float64 `covs`; ValueError naming ``covs[k]``."""
    scale = np.maximum(np.abs(covs).max(axis=(1, 2)), np.finfo(np.float64).tiny)
    asym = np.abs(covs - covs.transpose(0, 2, 1)).max(axis=(1, 2)) / scale
    tol = 1e-6 if single else 1e-8
    if np.any(asym > tol):
        k = int(np.argmax(asym))
        raise ValueError(f"covs[{k}]: not symmetric (max |C - C^T| / max |C| = {asym[k]:.2e})")
    try:
        chol = np.linalg.cholesky(covs)
    except np.linalg.LinAlgError:
        for k, c in enumerate(covs):
            cholesky(c, f"covs[{k}]")  # raises the explanatory ValueError
        raise ValueError("covs: not positive definite") from None
    if not np.all(np.isfinite(chol)) or np.any(np.diagonal(chol, axis1=1, axis2=2) <= 0):
        raise ValueError("covs: not positive definite (Cholesky factor has a zero pivot)")
    chol.setflags(write=False)
    return chol

"""Mixture of factor analyzers (MFA): a GMM whose covariances are low rank plus diagonal.

Component k generates x = μ_k + W_k f + ε with factors f ~ N(0, I_l) and noise
ε ~ N(0, Ψ_k), Ψ_k diagonal, so

    x | z = k  ~  N(μ_k, Σ_k),    Σ_k = W_k W_kᵀ + Ψ_k,    W_k of shape (d, l).

A full covariance has d(d+1)/2 numbers and costs O(d²) per point to evaluate; Σ_k here has
d(l + 1), and its log-density needs only l×l matrices (Woodbury identity and the matrix
determinant lemma, with M_k = I_l + W_kᵀ Ψ_k⁻¹ W_k):

    Σ_k⁻¹ = Ψ_k⁻¹ − Ψ_k⁻¹ W_k M_k⁻¹ W_kᵀ Ψ_k⁻¹,      log det Σ_k = log det M_k + Σ_j log ψ_kj.

So one log-density costs O(d·l) per point (after O(d·l²) per component), never a d×d
inverse.  :func:`fit_mfa` fits the model by EM (Ghahramani & Hinton 1996), every step in
O(N·K·d·l); :meth:`MFA.to_gmm` gives the equivalent :class:`helpers.mixture.GMM` (with the
implied full covariances) for sampling, plotting eigenvectors, or comparing with ``fit_em``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg
from scipy.special import logsumexp

from .gaussian import LOG_2PI
from ._npz import load_tagged, save_tagged
from ._validation import as_data, as_float_array, as_mean, as_rng, positive_float, positive_int
from .em_driver import EMSteps, EStep, History, check_fit_args, initial_means, run
from .mixture import GMM

__all__ = ["MFA", "History", "fit_mfa", "log_pdf_woodbury", "parameter_count", "flops_per_iteration"]

FORMAT = "helpers.mfa.MFA/1"   # the tag entry "format", as helpers.mixture.GMM files carry


# ----------------------------------------------------------------------------- densities
def _woodbury_factor(W: NDArray, psi: NDArray) -> tuple[NDArray, float]:
    """Lower Cholesky factor of M = I + Wᵀ Ψ⁻¹ W (l, l) and log det(W Wᵀ + Ψ)."""
    M = np.eye(W.shape[1]) + W.T @ (W / psi[:, None])
    chol = linalg.cholesky(M, lower=True, check_finite=False)
    return chol, float(2 * np.sum(np.log(np.diagonal(chol))) + np.sum(np.log(psi)))


def _log_pdf_fast(X: NDArray, mean: NDArray, W: NDArray, psi: NDArray) -> NDArray:
    """Woodbury log N(x_i; mean, W Wᵀ + diag psi) of rows of `X` (N, d), no validation; (N,).

    One of the two Woodbury forms, kept on purpose: one component, through the l×l Cholesky
    factor and a triangular solve, exactly as notebook 06's Exercise 6.5 derives it (it is that
    exercise's reference).  :func:`_scores` is the other: all K components in two GEMMs, for EM.
    ``tests/test_component_scores.py`` checks both against ``GMM.log_pdf_components``."""
    chol, logdet = _woodbury_factor(W, psi)
    scaled = (X - mean) / psi                                     # Ψ⁻¹ δ_i            (N, d)
    maha = np.einsum("ij,ij->i", scaled, X - mean)                # δᵀ Ψ⁻¹ δ            (N,)
    proj = linalg.solve_triangular(chol, W.T @ scaled.T, lower=True, check_finite=False)  # (l, N)
    maha -= np.einsum("ij,ij->j", proj, proj)                     # − |L⁻¹ Wᵀ Ψ⁻¹ δ|²
    return -0.5 * (X.shape[1] * LOG_2PI + logdet + maha)


def log_pdf_woodbury(X: ArrayLike, mean: ArrayLike, W: ArrayLike, psi: ArrayLike) -> NDArray[np.float64]:
    """Log-density of every row of `X` under N(mean, W Wᵀ + diag(psi)), in O(d·l) per point.

    Parameters
    ----------
    X : (N, d) points (or one point of shape (d,)).
    mean : (d,) mean μ.
    W : (d, l) factor loadings.
    psi : (d,) positive noise variances, the diagonal of Ψ.

    Returns
    -------
    (N,) log-densities (shape () for a single point).
    """
    single = np.ndim(X) == 1
    X = as_data(np.atleast_2d(X), "X")
    d = X.shape[1]
    mean = as_mean(mean, "mean", dim=d)
    W = as_float_array(W, "W", ndim=2)
    if W.shape[0] != d:
        raise ValueError(f"W: expected shape ({d}, l), got {W.shape}")
    psi = _as_noise(psi, "psi", (d,))
    out = _log_pdf_fast(X, mean, W, psi)
    return out[0] if single else out


def _as_noise(psi: ArrayLike, name: str, shape: tuple[int, ...]) -> NDArray[np.float64]:
    psi = as_float_array(psi, name, ndim=len(shape))
    if psi.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {psi.shape}")
    if np.any(psi <= 0):
        raise ValueError(f"{name}: noise variances must be positive (smallest {psi.min():.3e})")
    return psi


# ----------------------------------------------------------------------------- the model
@dataclass(frozen=True, eq=False)
class MFA:
    """A mixture of K factor analyzers in d dimensions with l factors each.

    Attributes
    ----------
    weights : (K,) mixing weights π, positive, summing to one.
    means : (K, d) means μ_k.
    loadings : (K, d, l) factor loadings W_k.
    noise : (K, d) positive diagonals of Ψ_k.
    """

    weights: NDArray[np.float64]
    means: NDArray[np.float64]
    loadings: NDArray[np.float64]
    noise: NDArray[np.float64]

    def __post_init__(self) -> None:
        weights = as_float_array(self.weights, "weights", ndim=1, dtype=np.float64)
        K = weights.shape[0]
        if K == 0 or np.any(weights <= 0) or abs(weights.sum() - 1) > 1e-6:
            raise ValueError(f"weights: expected K >= 1 positive weights summing to one, got sum "
                             f"{weights.sum():.6g} and minimum {weights.min() if K else float('nan'):.3g}")
        means = as_float_array(self.means, "means", ndim=2, dtype=np.float64)
        if means.shape[0] != K:
            raise ValueError(f"means: expected {K} rows (one per weight), got shape {means.shape}")
        d = means.shape[1]
        loadings = as_float_array(self.loadings, "loadings", ndim=3, dtype=np.float64)
        if loadings.shape[:2] != (K, d) or loadings.shape[2] == 0:
            raise ValueError(f"loadings: expected shape ({K}, {d}, l) with l >= 1, got {loadings.shape}")
        noise = _as_noise(self.noise, "noise", (K, d)).astype(np.float64)
        for name, value in [("weights", weights / weights.sum()), ("means", means),
                            ("loadings", loadings), ("noise", noise)]:
            value = value.copy()
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    @property
    def n_components(self) -> int:
        return self.weights.shape[0]

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    @property
    def n_factors(self) -> int:
        return self.loadings.shape[2]

    @property
    def covs(self) -> NDArray[np.float64]:
        """(K, d, d) implied full covariances W_k W_kᵀ + Ψ_k (O(K·d²) memory)."""
        covs = np.einsum("kil,kjl->kij", self.loadings, self.loadings)
        idx = np.arange(self.dim)
        covs[:, idx, idx] += self.noise
        return covs

    def to_gmm(self) -> GMM:
        """The same distribution as a :class:`helpers.mixture.GMM` with full covariances."""
        return GMM(self.weights, self.means, self.covs)

    def log_pdf_components(self, X: ArrayLike) -> NDArray[np.float64]:
        """(N, K) log π_k + log N(x_i; μ_k, Σ_k) for rows of `X` (N, d), by Woodbury: the same
        quantity as :meth:`helpers.mixture.GMM.log_pdf_components` (``to_gmm()``) in O(d·l)."""
        X = as_data(X, "X", dim=self.dim)
        return _component_log_pdf(X, self.means, self.loadings, self.noise) + np.log(self.weights)

    def log_pdf(self, X: ArrayLike) -> NDArray[np.float64]:
        """(N,) log p(x_i) = log Σ_k π_k N(x_i; μ_k, Σ_k)."""
        return logsumexp(self.log_pdf_components(X), axis=1)

    def responsibilities(self, X: ArrayLike) -> NDArray[np.float64]:
        """(N, K) posterior p(z = k | x_i); rows sum to one."""
        joint = self.log_pdf_components(X)
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))

    def sample(self, n: int, rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
        """Ancestral sampling: z ~ π, f ~ N(0, I_l), ε ~ N(0, Ψ_z), x = μ_z + W_z f + ε.

        Returns X (n, d) and the components z (n,).
        """
        n, rng = positive_int(n, "n"), as_rng(rng)
        z = rng.choice(self.n_components, size=n, p=self.weights)
        f = rng.standard_normal((n, self.n_factors))
        eps = rng.standard_normal((n, self.dim))
        X = self.means[z] + np.einsum("ndl,nl->nd", self.loadings[z], f) + np.sqrt(self.noise[z]) * eps
        return X, z

    @property
    def n_parameters(self) -> int:
        """Numbers stored: weights, means, loadings and noise variances."""
        return parameter_count(self.dim, self.n_components, self.n_factors)

    def save(self, path: str | Path) -> None:
        """Write the model to a ``.npz`` file (no pickles)."""
        save_tagged(path, "format", FORMAT, weights=self.weights, means=self.means,
                    loadings=self.loadings, noise=self.noise)

    @classmethod
    def load(cls, path: str | Path) -> "MFA":
        """Read a model written by :meth:`save` (``allow_pickle=False``).

        A missing file raises ``FileNotFoundError``, a damaged or foreign one ``ValueError``; both
        messages start with ``path``.
        """
        return cls(**load_tagged(path, "format", FORMAT, ("weights", "means", "loadings", "noise"), "MFA"))


def _inverse_factor(M: NDArray) -> NDArray:
    """L⁻¹ for the lower Cholesky factor L of a small SPD matrix M (l, l).

    An l×l inverse (LAPACK trtri) instead of triangular solves with many right-hand sides:
    same accuracy here (M = I + ... has eigenvalues >= 1), and many times faster than
    ``solve_triangular`` for tiny l on a busy multi-threaded BLAS.
    """
    inv, info = linalg.lapack.dtrtri(linalg.cholesky(M, lower=True, check_finite=False), lower=1)
    if info != 0:
        raise np.linalg.LinAlgError("singular Cholesky factor")
    return inv


def _factor_maps(loadings: NDArray, noise: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """Per component: G_k = L_k⁻¹ W_kᵀ Ψ_k⁻¹ (K, l, d), the posterior-mean map
    β_k = M_k⁻¹ W_kᵀ Ψ_k⁻¹ = L_k⁻ᵀ G_k (K, l, d) and log det Σ_k (K,), where L_k L_kᵀ = M_k."""
    K, d, l = loadings.shape
    scaled = loadings / noise[:, :, None]                                       # Ψ⁻¹ W  (K, d, l)
    M = np.eye(l) + np.einsum("kdi,kdj->kij", loadings, scaled)                 # (K, l, l)
    Linv = np.stack([_inverse_factor(M[k]) for k in range(K)])
    G = np.einsum("kij,kdj->kid", Linv, scaled)
    beta = np.einsum("kji,kjd->kid", Linv, G)
    logdet = -2 * np.log(np.diagonal(Linv, axis1=1, axis2=2)).sum(axis=1) + np.log(noise).sum(axis=1)
    return G, beta, logdet


def _scores(X: NDArray, X2: NDArray, means: NDArray, loadings: NDArray, noise: NDArray,
            with_factors: bool = False) -> tuple[NDArray, NDArray | None, NDArray]:
    """(N, K) Woodbury log N(x_i; μ_k, Σ_k), no validation; `X2` is X * X.

    The second Woodbury form (see :func:`_log_pdf_fast` for the first and why both exist): the
    E step needs every component at BLAS-3 speed and, from the same product, X β_kᵀ for the M step.

    All components at once, two matrix products (BLAS-3), O(N·K·d·l):
    δᵀΨ⁻¹δ = x²·(1/ψ) − 2 x·(μ/ψ) + μ²·(1/ψ) and L⁻¹WᵀΨ⁻¹δ = G x − G μ.  With `with_factors`
    the same product also gives X β_kᵀ (N, K, l) for the M step; β (K, l, d) is returned too.
    """
    N, d = X.shape
    K, _, l = loadings.shape
    G, beta, logdet = _factor_maps(loadings, noise)
    inv = 1.0 / noise                                                            # (K, d)
    blocks = [(means * inv).T, G.reshape(K * l, d).T]
    if with_factors:
        blocks.append(beta.reshape(K * l, d).T)
    Y = X @ np.hstack(blocks)
    maha = X2 @ inv.T - 2 * Y[:, :K] + np.einsum("kd,kd->k", means * means, inv)
    proj = Y[:, K:K + K * l].reshape(N, K, l) - np.einsum("kld,kd->kl", G, means)
    maha -= np.einsum("nkl,nkl->nk", proj, proj)
    logp = -0.5 * (d * LOG_2PI + logdet + np.maximum(maha, 0.0))
    return logp, (Y[:, K + K * l:].reshape(N, K, l) if with_factors else None), beta


def _component_log_pdf(X: NDArray, means: NDArray, loadings: NDArray, noise: NDArray) -> NDArray:
    """(N, K) Woodbury log-densities of rows of `X`, no validation."""
    centre = means.mean(axis=0)            # expand around a nearby point: no cancellation
    X, means = X - centre, means - centre
    return _scores(X, X * X, means, loadings, noise)[0]


# ----------------------------------------------------------------------------- EM
def _e_step(X: NDArray, X2: NDArray, model: MFA) -> tuple[float, NDArray, NDArray, NDArray]:
    """Mean log-likelihood, (N, K) responsibilities, X βᵀ (N, K, l) and β (K, l, d) under `model`."""
    logp, XB, beta = _scores(X, X2, model.means, model.loadings, model.noise, with_factors=True)
    joint = logp + np.log(model.weights)
    norm = logsumexp(joint, axis=1, keepdims=True)
    return float(norm.mean()), np.exp(joint - norm), XB, beta


def _m_step(X: NDArray, X2: NDArray, resp: NDArray, XB: NDArray, beta: NDArray, model: MFA,
            reg: float) -> MFA:
    """π_k = N_k / N and μ_k (weighted mean), then one factor-analyser EM step for every (W_k, Ψ_k).

    With β_k = M_k⁻¹ W_kᵀ Ψ_k⁻¹ (l, d) the posterior factor means are E[f_i] = β_k (x_i − μ_k),
    and with the weighted covariance S_k = Σ_i r_ik δ_i δ_iᵀ / N_k (never formed):
        A_k = S_k β_kᵀ = Σ_i r_ik x_i (β_k x_i)ᵀ / N_k − μ_k (β_k μ_k)ᵀ   (d, l),
        B_k = I − β_k W_k + β_k A_k (l, l),   W_k ← A_k B_k⁻¹,
        ψ_k ← diag(S_k) − rowsum(W_k ∘ A_k), floored at `reg`.
    `XB` = X β_kᵀ (N, K, l) comes from the E step; two more products for all components
    together (BLAS-3), O(N·K·d·l).
    """
    (N, d), K, l = X.shape, resp.shape[1], model.n_factors
    Nk = resp.sum(axis=0) + 10 * np.finfo(float).eps
    sums = X.T @ np.hstack([resp, (resp[:, :, None] * XB).reshape(N, K * l)])  # (d, K + K·l)
    means = sums[:, :K].T / Nk[:, None]
    A = sums[:, K:].reshape(d, K, l).transpose(1, 0, 2) / Nk[:, None, None]
    A -= means[:, :, None] * np.einsum("kld,kd->kl", beta, means)[:, None, :]
    diag_S = np.maximum((X2.T @ resp).T / Nk[:, None] - means**2, 0.0)           # (K, d)
    loadings, noise = np.empty((K, d, l)), np.empty((K, d))
    eye = np.eye(l)
    for k in range(K):
        B = eye - beta[k] @ model.loadings[k] + beta[k] @ A[k]
        Linv = _inverse_factor(0.5 * (B + B.T))                                   # B⁻¹ = L⁻ᵀ L⁻¹
        loadings[k] = (A[k] @ Linv.T) @ Linv
        noise[k] = np.maximum(diag_S[k] - np.einsum("ij,ij->i", loadings[k], A[k]), reg)
    return MFA(Nk / Nk.sum(), means, loadings, noise)


def _ppca(D: NDArray, l: int, reg: float, rng: np.random.Generator, n_power: int = 4
          ) -> tuple[NDArray, NDArray]:
    """Probabilistic PCA (Tipping & Bishop 1999) of S = Dᵀ D without forming S: O(n·d·l).

    Randomised subspace iteration for the top-l eigenpairs (U, λ) of S, then W = U (λ − σ²)^½ with
    σ² the mean variance left over, and ψ = diag(S) − rowsum(W²) floored at `reg`.
    """
    d = D.shape[1]
    Q = rng.standard_normal((d, min(l + 5, d)))
    for _ in range(n_power):
        Q, _ = np.linalg.qr(D.T @ (D @ Q))
    lam, U = np.linalg.eigh((D @ Q).T @ (D @ Q))
    lam, U = lam[::-1][:l], (Q @ U[:, ::-1])[:, :l]
    diag_S = np.einsum("ij,ij->j", D, D)
    sigma2 = max((diag_S.sum() - lam.sum()) / max(d - l, 1), reg)
    W = U * np.sqrt(np.maximum(lam - sigma2, 0.0))
    return W, np.maximum(diag_S - np.einsum("ij,ij->i", W, W), reg)


def _mfa_from_means(X: NDArray, means: NDArray, l: int, reg: float, rng: np.random.Generator) -> MFA:
    """θ_0 from initial means (as ``fit_em``): each point joins its nearest mean; π_k ∝ n_k + 1,
    μ_k the cluster mean and (W_k, Ψ_k) the probabilistic PCA of the cluster (of all data if
    the cluster has at most l points)."""
    K = means.shape[0]
    labels = np.argmax(X @ means.T - 0.5 * np.sum(means**2, axis=1), axis=1)
    counts = np.bincount(labels, minlength=K)
    new_means, loadings, noise = means.copy(), [], []
    for k in range(K):
        members = X[labels == k] if counts[k] > l else X
        new_means[k] = members.mean(axis=0) if counts[k] > 0 else means[k]
        D = (members - members.mean(axis=0)) / np.sqrt(len(members))
        W, psi = _ppca(D, l, reg, rng)
        loadings.append(W)
        noise.append(psi)
    return MFA((counts + 1) / (counts.sum() + K), new_means, np.array(loadings), np.array(noise))


def _mfa_from_gmm(gmm: GMM, l: int, reg: float) -> MFA:
    """The MFA closest to a GMM in the PPCA sense: top-l eigenvectors of each Σ_k (O(K·d³))."""
    d = gmm.dim
    loadings, noise = [], []
    for cov in np.asarray(gmm.covs, dtype=np.float64):
        lam, U = np.linalg.eigh(cov)
        lam, U = lam[::-1], U[:, ::-1]
        sigma2 = max(lam[l:].mean() if l < d else reg, reg)
        W = U[:, :l] * np.sqrt(np.maximum(lam[:l] - sigma2, 0.0))
        loadings.append(W)
        noise.append(np.maximum(np.diagonal(cov) - np.einsum("ij,ij->i", W, W), reg))
    return MFA(gmm.weights.astype(np.float64), gmm.means.astype(np.float64), np.array(loadings),
               np.array(noise))


def _initial_model(X: NDArray, K: int, l: int, init: object, reg: float,
                   rng: np.random.Generator, centre: NDArray) -> MFA:
    """θ_0 in the centred coordinates of `X` (data minus `centre`)."""
    N, d = X.shape
    if isinstance(init, (MFA, GMM)):
        if (init.n_components, init.dim) != (K, d) or (isinstance(init, MFA) and init.n_factors != l):
            raise ValueError(f"init: expected a model with n_components={K} and dimension {d}"
                             f"{f' and {l} factors' if isinstance(init, MFA) else ''}, got "
                             f"{init.n_components} components of dimension {init.dim}")
        return _shift(init if isinstance(init, MFA) else _mfa_from_gmm(init, l, reg), -centre)
    means = initial_means(X, K, init, rng, origin=centre, models=", a GMM or an MFA")
    return _mfa_from_means(X, means, l, reg, rng)


class _MFASteps(EMSteps[MFA, MFA]):
    """E and M steps of :func:`fit_mfa` for :func:`helpers.em_driver.run`, on centred data.

    No re-initialisation: N_k is kept away from zero (+10 eps) and Ψ_k is floored, so a
    component that loses its points keeps a valid (if useless) covariance."""

    def __init__(self, X: NDArray, centre: NDArray, reg: float) -> None:
        self.X, self.X2, self.centre, self.reg = X, X * X, centre, reg
        self.n_points = X.shape[0]

    def e_step(self, model: MFA, accumulate: bool) -> EStep:
        ll, resp, XB, beta = _e_step(self.X, self.X2, model)
        return EStep(ll, ll, (resp, XB, beta))

    def m_step(self, model: MFA, e: EStep) -> MFA:
        return _m_step(self.X, self.X2, *e.state, model, self.reg)

    def finish(self, params: MFA) -> tuple[MFA, None]:
        return params, None

    def public(self, model: MFA) -> MFA:
        return _shift(model, self.centre)


def fit_mfa(X: ArrayLike, n_components: int, n_factors: int, *, max_iter: int = 100,
            tol: float = 1e-6, reg_covar: float = 1e-6, init: object = "kmeans++",
            rng: np.random.Generator | None = None,
            callback: Callable[[int, MFA, History], object] | None = None,
            ) -> tuple[MFA, History]:
    """Fit a mixture of K factor analyzers with l factors each to the rows of `X` by EM.

    Each iteration: E step (responsibilities r_ik from Woodbury log-densities), M step
    (π_k = N_k / N, μ_k the weighted mean, then one factor-analyser EM step for W_k and Ψ_k
    using the posterior of the factors, Ghahramani & Hinton 1996).  Every step is O(N·K·d·l)
    and BLAS-3; no d×d matrix is formed.  Each step raises the lower bound L(r, θ), so the
    log-likelihood never decreases.

    Parameters
    ----------
    X : (N, d) data.
    n_components : K >= 1, at most N.
    n_factors : l, 1 <= l <= d − 1 (d − 1 factors represent any covariance; with l = d the
        noise Ψ_k can shrink to zero, the factors then explain x exactly and EM stops moving).
    max_iter : maximum number of M steps (0 returns the initial model).
    tol : stop when |ℓ_t − ℓ_{t−1}| < tol·|ℓ_t| for the mean log-likelihood ℓ (as ``fit_em``);
        0 runs exactly `max_iter` iterations.
    reg_covar : floor (> 0) of every noise variance ψ_kj, so Σ_k stays positive definite when a
        pixel never varies.  ``fit_em`` adds it to the diagonal instead; the meaning is the same
        in both: every eigenvalue of every Σ_k is at least reg_covar (here because W_k W_kᵀ is
        positive semi-definite and Ψ_k >= reg_covar).
    init : 'kmeans++' (default; k-means++ seeds as ``fit_em``), 'random' (K distinct data
        points), a (K, d) array of initial means, a GMM (its top-l eigenvectors, O(K·d³)) or an
        MFA used as is.  From means: nearest-mean clusters, then probabilistic PCA of each.
    rng : numpy Generator for the initialisation (default: seed 0).
    callback : called as ``callback(t, model, history)`` after evaluating θ_t (t = 0 is the
        initial model); return ``True`` to stop.

    Returns
    -------
    (model, history) : the fitted :class:`MFA` (``model.to_gmm()`` for the equivalent GMM) and
    a :class:`helpers.em_driver.History` (``elbo`` and ``reinitialised`` stay empty).
    """
    X = as_data(X, "X", dtype=np.float64)
    N, d = X.shape
    K, max_iter, tol, rng = check_fit_args(N, n_components, max_iter, tol, rng, callback)
    l = positive_int(n_factors, "n_factors")
    if l >= d:
        raise ValueError(f"n_factors: expected 1 <= l <= d - 1 = {d - 1} (d - 1 factors already "
                         f"represent any covariance; with l = d EM stalls), got {l}")
    reg = positive_float(reg_covar, "reg_covar")
    centre = X.mean(axis=0)                # fit centred data (accurate E[x²] − μ²), shift back
    X = X - centre
    model = _initial_model(X, K, l, init, reg, rng, centre)
    return run(_MFASteps(X, centre, reg), model, max_iter=max_iter, tol=tol, rng=rng, callback=callback)


def _shift(model: MFA, offset: NDArray) -> MFA:
    return MFA(model.weights, model.means + offset, model.loadings, model.noise)


# ----------------------------------------------------------------------------- cost model
def parameter_count(d: int, n_components: int, n_factors: int | None = None) -> int:
    """Numbers a mixture stores: K − 1 weights, K·d means and K covariances, either full
    (d(d+1)/2 each, `n_factors` None) or factor form (d·l loadings + d noise variances)."""
    d, K = positive_int(d, "d"), positive_int(n_components, "n_components")
    per_cov = d * (d + 1) // 2 if n_factors is None else d * (positive_int(n_factors, "n_factors") + 1)
    return K - 1 + K * d + K * per_cov


def flops_per_iteration(n_points: int, d: int, n_components: int, n_factors: int | None = None) -> float:
    """Approximate floating-point operations of one EM iteration.

    Full covariances: a Cholesky factor (d³/3), a triangular solve for every point (N·d²) and
    a weighted scatter matrix (2·N·d²) per component, i.e. K·(3·N·d² + d³/3).
    Factor form: per component the E step (2·N·d·l + N·l²) and the M step (4·N·d·l) plus
    O(d·l²) for the l×l matrices, i.e. K·(6·N·d·l + N·l² + 2·d·l²); terms O(N·K·d) omitted.
    """
    N, d, K = (positive_int(v, name) for v, name in
               [(n_points, "n_points"), (d, "d"), (n_components, "n_components")])
    if n_factors is None:
        return float(K * (3 * N * d**2 + d**3 / 3))
    l = positive_int(n_factors, "n_factors")
    return float(K * (6 * N * d * l + N * l**2 + 2 * d * l**2))

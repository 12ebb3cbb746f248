"""Image denoising with a GMM patch prior: EPLL (Zoran & Weiss, ICCV 2011).

Noise model: a clean grey image x (pixels in [0, 1]) is observed as y = x + n with
n ~ N(0, σ² I).  With a prior p(x), the MAP estimate minimises

    -log p(y | x) - log p(x) = ||x - y||² / (2σ²) - log p(x) + const.

A GMM over 8×8 patches is not a prior over whole images.  The *expected patch log-likelihood*
EPLL(x) = Σ_i log p(P_i x) sums the patch log-density over every overlapping patch P_i x
(stride 1, each patch with its mean -- its DC -- removed, as the model was trained), and the
denoiser minimises

    E(x) = ||x - y||² / (2σ²) - λ · EPLL(x).                                    (1)

Each pixel lies in d = 64 patches, so λ = 1/d counts every pixel's prior once; this is the
weighting of the paper's code (its λ = d/σ² multiplies ||x - y||²/2 instead).

Two solvers:

* :func:`epll_gradient_descent` follows the gradient of (1) (Nesterov momentum, step 1/L).
  The patch gradient is ∇ log p(z) = -Σ_k r_k(z) Σ_k⁻¹ (z - μ_k).  The smallest eigenvalues
  of the patch covariances make (1) badly conditioned, which is why it is slow; it also
  settles in a worse image than HQS (about 1.8 dB lower PSNR at σ = 25 in the benchmark).
* :func:`epll` is the paper's half-quadratic splitting (HQS): auxiliary patches z_i with
  a penalty β/2 Σ_i ||P_i x - z_i||², minimised alternately for an increasing schedule of β:

  - z-step, per patch: pick the component k maximising log π_k + log N(P_i x; μ_k, Σ_k + I/β)
    and take its Wiener estimate z_i = μ_k + Σ_k (Σ_k + I/β)⁻¹ (P_i x - μ_k) (DC restored);
  - x-step, closed form: x = (y + βσ²·avg) / (1 + βσ²), where avg is the average of the
    overlapping z_i at each pixel (exact per-pixel counts).

  Each step is a well-conditioned, closed-form problem, so five values of β suffice.

Speed (exact mode).  With Σ_k = V_k D_k V_kᵀ (one eigen-decomposition per model), each β
needs only (D_k + 1/β).  The score of patch z under component k is a quadratic form
-½ zᵀ A_k z + b_kᵀ z + c_k (A_k = (Σ_k + I/β)⁻¹), i.e. a linear function of the d(d+1)/2
products z_a z_b (a ≤ b) and of z.  So all N patches are scored against all K components by
one float32 matrix product per chunk of patches: N·K·d(d+1) flops per β, half of scoring
through whitened projections (2·N·K·d²), and with no N×K×d intermediate to square and sum.

Fast mode (``mode="fast"``, Parameswaran et al. 2019, "Accelerating GMM-based patch priors
for image restoration: three ingredients for a 100× speed-up"): in each iteration only the
patches on a stride-``stride`` grid with a random offset (plus the image borders) are used,
so each iteration costs about 1/stride² of an exact one and successive iterations see
different patches.  With the default stride 3 (K = 200, 256×256, 2 cores) it measured 5-6×
faster than exact mode and 0.04 dB lower in PSNR at σ = 25 (0.13 dB at σ = 50); see
``benchmarks/results/denoise.md``.

Adapted prior (``adapt=True``): :func:`adapt_prior` first fits the pretrained GMM to the noisy
image's own patches by noise-aware MAP-EM (E step under Σ_k + σ²I, M step with each clean
patch's posterior mean and covariance, pulled toward the pretrained parameters by a relevance
factor τ), then re-adapts once on a fast first estimate (``readapt``), then runs the schedule.
Its settings were chosen on validation crops of training images
(``benchmarks/results/denoise_adapt.md``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import logsumexp

from .gaussian import LOG_2PI
from . import patches
from ._validation import as_float_array, as_rng, positive_float, positive_int

__all__ = ["add_noise", "psnr", "default_betas", "patch_log_density", "patch_log_density_grad",
           "epll_energy", "epll", "epll_gradient_descent", "wiener_single_gaussian", "adapt_prior",
           "FAST_STRIDE", "ADAPT_TAU", "ADAPT_ITERS", "ADAPT_STRIDE", "READAPT_NOISE", "READAPT_ITERS"]

BETA_FACTORS = (1.0, 4.0, 8.0, 16.0, 32.0)   # Zoran & Weiss: β = (1/σ²)·[1, 4, 8, 16, 32]
FAST_STRIDE = 3            # fast mode: patch grid step (about 1/stride² of the patches)
CHUNK = 1024               # patches scored at once (a 9 MB feature buffer, reused)

Callback = Callable[[int, NDArray[np.float64]], None]


class PatchGMM(Protocol):
    """What the denoisers need from a model (``helpers.mixture.GMM`` provides it)."""

    weights: NDArray   # (K,)
    means: NDArray     # (K, d)
    covs: NDArray      # (K, d, d)


# --------------------------------------------------------------------------- noise and PSNR

def add_noise(image: ArrayLike, sigma: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """`image` + σ·N(0, 1) noise, independently per pixel; not clipped (the Gaussian model).

    `image` is a float image with pixels in [0, 1]; `sigma` on the same scale (25/255 for the
    usual "σ = 25").  Returns a float64 array of the image's shape.
    """
    image = _image(image, "image")
    sigma = _sigma(sigma)
    return image + sigma * as_rng(rng).standard_normal(image.shape)


def psnr(clean: ArrayLike, estimate: ArrayLike) -> float:
    """Peak signal-to-noise ratio in dB for peak 1: 10·log10(1 / MSE) (inf if identical)."""
    clean = as_float_array(clean, "clean")
    estimate = as_float_array(estimate, "estimate")
    if clean.shape != estimate.shape:
        raise ValueError(f"estimate: shape {estimate.shape} differs from clean's {clean.shape}")
    mse = float(np.mean((clean.astype(np.float64) - estimate) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


def default_betas(sigma: float) -> NDArray[np.float64]:
    """The paper's HQS schedule β = (1/σ²)·[1, 4, 8, 16, 32]."""
    return np.asarray(BETA_FACTORS) / _sigma(sigma) ** 2


# --------------------------------------------------------------------------- validation

def _sigma(sigma: object) -> float:
    value = positive_float(sigma, "sigma")
    if value >= 1:
        raise ValueError(f"sigma: expected the noise level on the [0, 1] pixel scale (e.g. 25/255), "
                         f"got {sigma!r}")
    return value


def _image(image: ArrayLike, name: str, min_side: int = 1) -> NDArray[np.float64]:
    arr = np.asarray(image)
    if arr.dtype.kind != "f":
        raise ValueError(f"{name}: expected a float image with pixels in [0, 1], got dtype {arr.dtype}"
                         + ("; divide by 255" if arr.dtype.kind in "ui" else ""))
    arr = as_float_array(arr, name, dtype=np.float64)
    if arr.ndim != 2 or min(arr.shape) < min_side:
        raise ValueError(f"{name}: expected a 2-D grey image with sides >= {min_side}, got shape {arr.shape}")
    return arr


def _model(gmm: object, patch_size: int, name: str = "gmm") -> tuple[NDArray, NDArray, NDArray]:
    """(weights (K,), means (K, d), covs (K, d, d)) as float64; d must be patch_size²."""
    try:
        w, mu, cov = (np.asarray(getattr(gmm, a), dtype=np.float64) for a in ("weights", "means", "covs"))
    except AttributeError:
        raise ValueError(f"{name}: expected a GMM with weights, means and covs, got {type(gmm).__name__}") from None
    d = patch_size * patch_size
    if mu.ndim != 2 or mu.shape[1] != d or cov.shape != (len(w), d, d) or mu.shape[0] != len(w):
        raise ValueError(f"{name}: a model of {patch_size}×{patch_size} patches needs means (K, {d}) and "
                         f"covs (K, {d}, {d}); got means {mu.shape}, covs {cov.shape}")
    return w, mu, cov


# --------------------------------------------------------------------------- patch grids


# --------------------------------------------------------------------------- the prior per β

@dataclass(frozen=True)
class _Spectra:
    """A GMM with each covariance eigen-decomposed once: Σ_k = V_k diag(λ_k) V_kᵀ."""

    log_weights: NDArray  # (K,)
    means: NDArray        # (K, d)
    eigvals: NDArray      # (K, d), clipped at 0
    eigvecs: NDArray      # (K, d, d), columns are eigenvectors

    @classmethod
    def of(cls, gmm: object, patch_size: int) -> "_Spectra":
        w, mu, cov = _model(gmm, patch_size)
        lam, vec = np.linalg.eigh(0.5 * (cov + np.swapaxes(cov, 1, 2)))
        with np.errstate(divide="ignore"):
            return cls(np.log(w), mu, np.maximum(lam, 0.0), vec)

    def matrices(self, diag: NDArray) -> NDArray:
        """V_k diag(diag_k) V_kᵀ for every k: (K, d, d) from `diag` (K, d)."""
        return np.einsum("kab,kb,kcb->kac", self.eigvecs, diag, self.eigvecs, optimize=True)

    def score_table(self, noise_var: float, dtype=np.float32) -> tuple[NDArray, NDArray]:
        """Coefficients scoring patches against every N(μ_k, Σ_k + noise_var·I), plus log π_k.

        Returns (W, c): W is (d(d+1)/2 + d, K), c is (K,), such that
        ``_features(Z) @ W + c`` is the (N, K) matrix log π_k + log N(z; μ_k, Σ_k + noise_var·I).

        Why not ``helpers.mixture.ComponentScorer`` (the common component-score path, which this
        equals: tests/test_denoise.py)?  EPLL needs the scores for five noise levels from one
        eigen-decomposition, and at d = 64, K = 200 the quadratic-form GEMM here costs
        N·K·d(d+1) flops against 2·N·K·d² for the whitened projections, with no N×K·d intermediate
        to square and sum; adapt_prior reuses the same features for its weighted moments.
        """
        var = self.eigvals + noise_var                              # (K, d)
        return _table(self.log_weights, self.means, self.matrices(1.0 / var), np.log(var).sum(1), dtype)


def _table(log_weights: NDArray, means: NDArray, A: NDArray, logdet: NDArray, dtype) -> tuple[NDArray, NDArray]:
    """(W, c) of :meth:`_Spectra.score_table` from the precisions A_k = C_k⁻¹ (K, d, d) and log det C_k (K,)."""
    d = A.shape[1]
    iu, ju = np.triu_indices(d)
    quad = -0.5 * A[:, iu, ju] * np.where(iu == ju, 1.0, 2.0)       # zᵀAz over a ≤ b
    b = np.einsum("kab,kb->ka", A, means)                           # A_k μ_k
    c = (log_weights - 0.5 * (d * LOG_2PI + logdet)
         - 0.5 * np.einsum("ka,ka->k", b, means))
    return np.concatenate([quad, b], axis=1).T.astype(dtype), c.astype(dtype)


def _inflated(covs: NDArray, noise_var: float) -> tuple[NDArray, NDArray]:
    """Precisions (Σ_k + s I)⁻¹ (K, d, d) and log det(Σ_k + s I) (K,) by Cholesky, s = `noise_var`.

    For one noise level this is some 20× cheaper than an eigen-decomposition (adapt_prior needs a
    single level per EM step; epll's five levels share one :class:`_Spectra`)."""
    C = covs + noise_var * np.eye(covs.shape[1])
    try:
        L = np.linalg.cholesky(C)
    except np.linalg.LinAlgError:
        raise ValueError("gmm: a covariance plus the noise variance is not positive definite") from None
    logdet = 2.0 * np.log(np.diagonal(L, axis1=1, axis2=2)).sum(axis=1)
    A = np.linalg.inv(C)
    return 0.5 * (A + np.swapaxes(A, 1, 2)), logdet


def _features(Z: NDArray, out: NDArray | None = None) -> NDArray:
    """[z_a z_b for a ≤ b, then z] for each row of `Z` (n, d), returned as an (n, d(d+1)/2 + d) view.

    Built transposed, feature by patch (rows of length n, so numpy's inner loops are long and
    contiguous: 2-3× faster than writing short row segments); the matrix product reads the
    transposed view without a copy.  `out`, if given, is a (d(d+1)/2 + d, >= n) buffer reused
    across chunks (no page faults).
    """
    n, d = Z.shape
    ZT = np.ascontiguousarray(Z.T)                                   # (d, n)
    F = np.empty((d * (d + 1) // 2 + d, n), dtype=Z.dtype) if out is None else out[:, :n]
    start = 0
    for a in range(d):
        np.multiply(ZT[a], ZT[a:], out=F[start:start + d - a])
        start += d - a
    F[start:] = ZT
    return F.T


def _scores(Z: NDArray, table: tuple[NDArray, NDArray], buffer: NDArray | None = None) -> NDArray:
    """(n, K) log π_k + log N(z; ·) for a chunk of DC-removed patches `Z` (n, d)."""
    W, c = table
    S = _features(Z.astype(W.dtype, copy=False), buffer) @ W
    S += c
    return S


def _buffer(n: int, table: tuple[NDArray, NDArray]) -> NDArray:
    """A feature buffer for chunks of up to `n` patches (see :func:`_features`)."""
    return np.empty((table[0].shape[0], min(CHUNK, n)), dtype=table[0].dtype)


def _assign(Z: NDArray, table: tuple[NDArray, NDArray], chunk: int = CHUNK) -> NDArray[np.intp]:
    """Most likely component of every row of `Z` (N, d), scored in chunks of `chunk` rows."""
    labels = np.empty(Z.shape[0], dtype=np.intp)
    buffer = np.empty((table[0].shape[0], min(chunk, Z.shape[0])), dtype=table[0].dtype)
    for s in range(0, Z.shape[0], chunk):
        labels[s:s + chunk] = np.argmax(_scores(Z[s:s + chunk], table, buffer), axis=1)
    return labels


def _wiener(Z: NDArray, labels: NDArray, means: NDArray, gains: NDArray) -> NDArray:
    """μ_k + G_k (z - μ_k) for each row of `Z` with k = labels[i]; G (K, d, d) symmetric.

    Patches are grouped by component: one matrix product per component, not per patch.
    """
    out = np.empty_like(Z)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(len(means) + 1))
    for k in np.flatnonzero(np.diff(bounds)):
        idx = order[bounds[k]:bounds[k + 1]]
        out[idx] = (Z[idx] - means[k]) @ gains[k] + means[k]
    return out


# --------------------------------------------------------------------------- adapting the prior

# Chosen on validation crops of two training images (benchmarks/denoise.py --tune-adapt, results in
# benchmarks/results/denoise_adapt.md), never on the test images: τ = 4, 16, 64 changed the gain by < 0.02 dB;
# stride 2 gave 0.011 dB less than stride 1 (8 iterations) for a quarter of the cost; 8 -> 12 iterations +0.003 dB.
ADAPT_TAU = 8.0       # relevance factor τ
ADAPT_ITERS = 8       # MAP-EM iterations
ADAPT_STRIDE = 2      # adaptation uses the patches on a grid of this step
# Re-adaptation (epll(adapt=True), on by default): a fast-mode EPLL pass with the adapted prior gives a first
# estimate x̂; its patches are treated as clean + N(0, READAPT_NOISE·σ²) and READAPT_ITERS more MAP-EM steps start
# from the adapted model (still pulled toward the pretrained one).  Chosen on the same validation crops at σ = 25
# (benchmarks/denoise.py --tune-readapt): σ²/8 gained +0.101 dB against +0.092 (σ²/16) and +0.097 (σ²/4); 5
# iterations instead of 3 add 0.005 dB for about 0.7 s; a fast first pass gained as much as an exact one (+0.095).
READAPT_NOISE = 1 / 8
READAPT_ITERS = 3


def _moments(Y: NDArray, table: tuple[NDArray, NDArray], chunk: int = CHUNK
             ) -> tuple[NDArray, NDArray, NDArray, float]:
    """E step on the rows of `Y` (N, d) under the mixture that `table` scores.

    Returns (N_k (K,), Σ_i r_ik y_i (K, d), Σ_i r_ik y_i y_iᵀ (K, d, d), Σ_i log p(y_i)), float64.
    Each chunk's features [y_a y_b (a ≤ b), y] are built once (:func:`_features`) and used twice:
    scores = features @ W, then the weighted moments = featuresᵀ @ R, two GEMMs of one shape.
    """
    W, _ = table
    d = Y.shape[1]
    K = W.shape[1]
    buffer = np.empty((W.shape[0], min(chunk, Y.shape[0])), dtype=W.dtype)
    counts, acc, loglik = np.zeros(K), np.zeros((W.shape[0], K)), 0.0
    for s in range(0, Y.shape[0], chunk):
        S = _scores(Y[s:s + chunk], table, buffer)                   # fills buffer[:, :n]
        lse = logsumexp(S, axis=1, keepdims=True)
        R = np.exp(S - lse, out=S)                                    # (n, K) responsibilities
        counts += R.sum(axis=0, dtype=np.float64)
        acc += buffer[:, :R.shape[0]] @ R                              # (features, K)
        loglik += float(lse.sum(dtype=np.float64))
    iu, ju = np.triu_indices(d)
    second = np.zeros((K, d, d))
    second[:, iu, ju] = acc[:len(iu)].T
    second[:, ju, iu] = acc[:len(iu)].T
    return counts, acc[len(iu):].T.copy(), second, loglik


def _map_step(model: PatchGMM, prior: tuple[NDArray, NDArray, NDArray], Y: NDArray,
              noise_var: float, tau: float, dtype) -> tuple[NDArray, NDArray, NDArray, float]:
    """One noise-aware MAP-EM step: (weights, means, covs) from the current `model`.

    E step: r_ik ∝ π_k N(y_i; μ_k, Σ_k + s I), s = `noise_var`.  Under component k the clean
    patch x_i has the Gaussian posterior with mean b_ik = μ_k + G_k (y_i - μ_k) and covariance
    B_k = s G_k, G_k = Σ_k (Σ_k + s I)⁻¹ (Bovy, Hogg & Roweis 2011).  M step: the conjugate MAP
    update toward the pretrained (π⁰, μ⁰, Σ⁰) with relevance factor τ (Reynolds et al. 2000):

        μ_k = (τ μ⁰_k + N_k b̄_k) / (τ + N_k),
        Σ_k = [τ Σ⁰_k + Σ_i r_ik (b_ik - b̄_k)(b_ik - b̄_k)ᵀ + N_k B_k
               + τ N_k / (τ + N_k) (b̄_k - μ⁰_k)(b̄_k - μ⁰_k)ᵀ] / (τ + N_k),
        π_k ∝ α_k N_k / N + (1 - α_k) π⁰_k,   α_k = N_k / (N_k + τ),

    with N_k = Σ_i r_ik and b̄_k = Σ_i r_ik b_ik / N_k.  The scatter of the b_ik is G_k S_k G_k,
    S_k the scatter of the y_i about their weighted mean ȳ_k, so no per-patch b_ik is formed.
    """
    w0, mu0, cov0 = prior
    w, means, covs = _model(model, math.isqrt(Y.shape[1]))
    A, logdet = _inflated(covs, noise_var)
    with np.errstate(divide="ignore"):
        table = _table(np.log(w), means, A, logdet, dtype)
    counts, first, second, loglik = _moments(Y, table)
    G = np.eye(means.shape[1]) - noise_var * A                        # Σ_k (Σ_k + sI)⁻¹, symmetric
    safe = np.maximum(counts, np.finfo(float).tiny)
    ybar = first / safe[:, None]
    scatter = second - counts[:, None, None] * ybar[:, :, None] * ybar[:, None, :]
    bbar = means + np.einsum("kab,kb->ka", G, ybar - means)
    dead = tau + counts <= 0                        # τ = 0 and no patch at all: keep the prior's
    den = np.where(dead, 1.0, tau + counts)
    mu = np.where(dead[:, None], mu0, (tau * mu0 + counts[:, None] * bbar) / den[:, None])
    diff = bbar - mu0
    cov = (tau * cov0 + G @ scatter @ G + (counts * noise_var)[:, None, None] * G
           + (tau * counts / den)[:, None, None] * diff[:, :, None] * diff[:, None, :])
    cov = np.where(dead[:, None, None], cov0, cov / den[:, None, None])
    cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    alpha = counts / den
    w = alpha * counts / counts.sum() + (1 - alpha) * w0
    return w / w.sum(), mu, cov, loglik


def adapt_prior(gmm: PatchGMM, noisy: ArrayLike, sigma: float, *, tau: float = ADAPT_TAU,
                n_iter: int = ADAPT_ITERS, stride: int = ADAPT_STRIDE, patch_size: int = 8,
                dtype=np.float32, trace: list | None = None, start: PatchGMM | None = None):
    """Adapt the patch prior `gmm` to the patches of the noisy image itself by MAP-EM.

    The observed DC-removed patches are y_i = x_i + n_i with n_i ~ N(0, σ² I): the E step scores
    them against N(μ_k, Σ_k + σ² I), and the M step uses each clean patch's posterior mean *and
    covariance* under component k (the "extreme deconvolution" EM of Bovy, Hogg & Roweis 2011), so
    the covariances do not absorb the noise.  Each M step is the conjugate MAP update toward the
    pretrained parameters with relevance factor `tau` (GMM–UBM adaptation, Reynolds, Quatieri &
    Dunn 2000): a component that explains few patches stays as trained, one that explains many
    follows the image.  See :func:`_map_step` for the formulas.

    Parameters
    ----------
    gmm : the pretrained GMM over DC-removed `patch_size`² patches.
    noisy : (H, W) float image y = x + N(0, σ²) noise.
    sigma : noise standard deviation on the [0, 1] scale (> 0, as for :func:`epll`).
    tau : relevance factor τ >= 0 (``np.inf`` returns `gmm` unchanged; 0 is plain noise-aware EM).
    n_iter : MAP-EM iterations (each costs about two exact EPLL rounds).
    stride : use the patches on a grid of this step (1: every overlapping patch; default 2, a
        quarter of them: 0.01 dB below stride 1 on the validation crops, at a quarter of the cost).
    dtype : float32 (default) scores and accumulates each chunk's moments in float32 GEMMs
        (sums across chunks in float64); float64 is the exact path.
    trace : if a list, the mean noisy-patch log-likelihood (1/N) Σ_i log p(y_i) under each
        E step's model is appended to it (non-decreasing in n_iter up to the prior's pull).
    start : the model the EM iterations start from (default `gmm`), e.g. an already adapted one;
        the MAP update still pulls toward `gmm`.  Same K and d as `gmm`.

    Returns
    -------
    helpers.mixture.GMM, float64 parameters, the same K and d.
    """
    from .mixture import GMM
    y = _image(noisy, "noisy", min_side=positive_int(patch_size, "patch_size"))
    sigma = _sigma(sigma)
    tau = float(tau)
    if not tau >= 0:
        raise ValueError(f"tau: expected a relevance factor >= 0 (or inf), got {tau!r}")
    n_iter = positive_int(n_iter, "n_iter")
    stride = positive_int(stride, "stride")
    if stride > patch_size:
        raise ValueError(f"stride: must be <= patch_size ({patch_size}), got {stride}")
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype!r}")
    prior = _model(gmm, patch_size)
    if start is not None and _model(start, patch_size, "start")[0].shape != prior[0].shape:
        raise ValueError(f"start: expected {len(prior[0])} components like gmm, got {len(start.weights)}")
    if np.isinf(tau):
        return gmm if isinstance(gmm, GMM) else GMM(*prior)
    Y = patches.remove_dc(patches.extract(y, patch_size, stride))[0]
    return GMM(*_adapt(gmm, Y, sigma**2, tau, n_iter, patch_size, dtype, trace, start))


def _adapt(gmm: PatchGMM, Y: NDArray, noise_var: float, tau: float, n_iter: int, patch_size: int,
           dtype=np.float32, trace: list | None = None, start: PatchGMM | None = None
           ) -> tuple[NDArray, NDArray, NDArray]:
    """`n_iter` MAP-EM steps on the patches `Y` (N, d) from `start` (default `gmm`), pulled toward
    `gmm`; returns (weights, means, covs)."""
    prior = _model(gmm, patch_size)
    model = _Params(*(prior if start is None else _model(start, patch_size, "start")))
    for _ in range(n_iter):
        w, mu, cov, loglik = _map_step(model, prior, Y, noise_var, tau, dtype)
        if trace is not None:
            trace.append(loglik / Y.shape[0])
        model = _Params(w, mu, cov)
    return model.weights, model.means, model.covs


@dataclass(frozen=True)
class _Params:
    weights: NDArray
    means: NDArray
    covs: NDArray


# --------------------------------------------------------------------------- HQS

def epll(noisy: ArrayLike, gmm: PatchGMM, sigma: float, *, betas: ArrayLike | None = None,
         iters_per_beta: int = 1, mode: str = "exact", stride: int | None = None,
         patch_size: int = 8, rng: np.random.Generator | None = None,
         callback: Callback | None = None, clip: bool = True, adapt: bool = False,
         readapt: bool = True) -> NDArray[np.float64]:
    """Denoise `noisy` (H, W) with the GMM patch prior by half-quadratic splitting (EPLL).

    Parameters
    ----------
    noisy : (H, W) float image, y = x + N(0, σ²) noise, pixels nominally in [0, 1].
    gmm : GMM over DC-removed `patch_size`² patches (weights (K,), means (K, d), covs (K, d, d)).
    sigma : noise standard deviation on the [0, 1] scale (25/255 for "σ = 25").
    betas : increasing HQS penalties; default (1/σ²)·[1, 4, 8, 16, 32] (Zoran & Weiss).
    iters_per_beta : z-step/x-step rounds at each β (the paper: 1).
    mode : "exact" uses every overlapping patch (stride 1) in every round.  "fast" uses the
        patches on a grid of step `stride` (default ``FAST_STRIDE`` = 3) with a random offset
        per round (and the border rows/columns, so every pixel is covered): about
        1/stride² of the work per round.  Its PSNR cost is measured in benchmarks/denoise.py.
    stride : grid step for mode "fast" (1 <= stride <= patch_size).
    rng : random offsets of mode "fast" (default ``np.random.default_rng(0)``).
    callback : called as ``callback(round, x)`` after every round with the current (unclipped) x.
    clip : clip the final output (only the final output) to [0, 1].
    adapt : first adapt the prior to the noisy image's own patches by noise-aware MAP-EM
        (:func:`adapt_prior` with its defaults and the input σ; mode "fast" adapts on the
        patches of the fast grid if it is coarser), then run the unchanged HQS schedule.
    readapt : with `adapt`, re-adapt once on a first estimate before the schedule: a mode
        "fast" pass with the adapted prior gives x̂, whose patches are treated as clean +
        N(0, ``READAPT_NOISE``·σ²) for ``READAPT_ITERS`` more MAP-EM steps from the adapted
        model (toward `gmm`).  Ignored without `adapt`.

    Returns
    -------
    (H, W) float64 denoised image.
    """
    y = _image(noisy, "noisy", min_side=positive_int(patch_size, "patch_size"))
    sigma = _sigma(sigma)
    model = _Params(*_model(gmm, patch_size))                         # validated, float64 (no copy below)
    betas = default_betas(sigma) if betas is None else as_float_array(betas, "betas", ndim=1)
    if betas.size == 0 or np.any(betas <= 0):
        raise ValueError(f"betas: expected positive values, got {betas}")
    iters = positive_int(iters_per_beta, "iters_per_beta")
    if mode not in ("exact", "fast"):
        raise ValueError(f"mode: expected 'exact' or 'fast', got {mode!r}")
    step = 1 if mode == "exact" else positive_int(FAST_STRIDE if stride is None else stride, "stride")
    if step > patch_size:
        raise ValueError(f"stride: must be <= patch_size ({patch_size}) to cover every pixel, got {step}")
    rng = np.random.default_rng(0) if rng is None else as_rng(rng)
    if adapt:
        spectra = _adapted_spectra(model, y, sigma, betas, max(step, ADAPT_STRIDE), patch_size, rng, readapt)
    else:
        spectra = _Spectra.of(model, patch_size)
    x = _hqs(y, spectra, sigma, betas, iters, step, patch_size, rng, callback)
    return np.clip(x, 0.0, 1.0) if clip else x


def _adapted_spectra(gmm: PatchGMM, y: NDArray, sigma: float, betas: NDArray, grid: int,
                     patch_size: int, rng: np.random.Generator, readapt: bool) -> _Spectra:
    """epll's adapt=True: :func:`adapt_prior` on the patches of `y` (a `grid`-step grid), then, if
    `readapt`, a fast-mode pass and ``READAPT_ITERS`` more steps on that estimate's patches.  The same
    as calling those functions (tests/test_denoise.py), with each model eigen-decomposed only once."""
    def grid_patches(image: NDArray) -> NDArray:
        return patches.remove_dc(patches.extract(image, patch_size, grid))[0]

    adapted = _Params(*_adapt(gmm, grid_patches(y), sigma**2, ADAPT_TAU, ADAPT_ITERS, patch_size))
    spectra = _Spectra.of(adapted, patch_size)
    if not readapt:
        return spectra
    first = np.clip(_hqs(y, spectra, sigma, betas, 1, FAST_STRIDE, patch_size, rng), 0.0, 1.0)
    model = _adapt(gmm, grid_patches(first), (sigma * np.sqrt(READAPT_NOISE))**2, ADAPT_TAU, READAPT_ITERS, patch_size,
                   start=adapted)
    return _Spectra.of(_Params(*model), patch_size)


def _hqs(y: NDArray, spectra: _Spectra, sigma: float, betas: NDArray, iters: int, step: int, patch_size: int,
         rng: np.random.Generator, callback: Callback | None = None) -> NDArray[np.float64]:
    """The HQS rounds of :func:`epll` (unclipped result): z-step and x-step for every β, `iters` times
    each, on the patches of a `step` grid (random offsets from `rng` when step > 1)."""
    x = y.copy()
    rnd = 0
    for beta in betas:
        table = spectra.score_table(1.0 / beta)
        gains = spectra.matrices(spectra.eigvals / (spectra.eigvals + 1.0 / beta))
        for _ in range(iters):
            offsets = rng.integers(0, step, size=2) if step > 1 else (0, 0)
            rows, cols = patches.positions(x.shape, patch_size, step, offsets)
            P = patches.extract_at(x, rows, cols, patch_size)
            dc = P.mean(axis=1, keepdims=True)
            Z = P - dc
            est = _wiener(Z, _assign(Z, table), spectra.means, gains) + dc
            avg = patches.assemble_at(est, x.shape, rows, cols, patch_size, np.float64)
            x = (y + beta * sigma**2 * avg) / (1.0 + beta * sigma**2)
            rnd += 1
            if callback is not None:
                callback(rnd, x)
    return x


def wiener_single_gaussian(noisy: ArrayLike, mean: ArrayLike, cov: ArrayLike, sigma: float, *,
                           patch_size: int = 8, clip: bool = True) -> NDArray[np.float64]:
    """Denoise with a single-Gaussian prior on DC-removed patches: Wiener-filter every patch,

        z = μ + Σ (Σ + σ² I)⁻¹ (y_i - μ)   (DC restored),

    then average the overlapping estimates (exact counts).  The K = 1 baseline of EPLL.
    """
    y = _image(noisy, "noisy", min_side=positive_int(patch_size, "patch_size"))
    sigma = _sigma(sigma)
    d = patch_size * patch_size
    mean = as_float_array(mean, "mean", ndim=1)
    cov = as_float_array(cov, "cov", ndim=2)
    if mean.shape != (d,) or cov.shape != (d, d):
        raise ValueError(f"cov: expected ({d}, {d}) with mean ({d},) for {patch_size}×{patch_size} "
                         f"patches, got {cov.shape} and {mean.shape}")
    rows, cols = patches.positions(y.shape, patch_size)
    P = patches.extract_at(y, rows, cols, patch_size)
    dc = P.mean(axis=1, keepdims=True)
    gain = np.linalg.solve(cov + sigma**2 * np.eye(d), cov)        # (Σ + σ²I)⁻¹Σ = (Σ(Σ + σ²I)⁻¹)ᵀ
    est = (P - dc - mean) @ gain + mean + dc
    x = patches.assemble_at(est, y.shape, rows, cols, patch_size, np.float64)
    return np.clip(x, 0.0, 1.0) if clip else x


# --------------------------------------------------------------------------- gradient descent

@dataclass(frozen=True)
class _Density:
    """Precomputed pieces of log p(z) and ∇ log p(z) for a GMM with covariances Σ_k + floor·I."""

    table: tuple[NDArray, NDArray]   # scores (see _Spectra.score_table)
    precisions: NDArray              # (K, d, d)
    means: NDArray                   # (K, d)

    @classmethod
    def of(cls, spectra: _Spectra, floor: float, dtype=np.float64) -> "_Density":
        return cls(spectra.score_table(floor, dtype=dtype),
                   spectra.matrices(1.0 / (spectra.eigvals + floor)).astype(dtype),
                   spectra.means.astype(dtype))

    def __call__(self, Z: NDArray, block: int = 16 * CHUNK) -> tuple[NDArray, NDArray]:
        """log p (N,) and ∇ log p (N, d) at the rows of `Z` (N, d), in blocks of patches.

        Within a block each component k with r_k > 1e-10 somewhere adds r_k Σ_k⁻¹(z - μ_k):
        one matrix product over the whole block when it is responsible for many of its
        patches, else over the gathered rows where it is (few, large products: no per-patch loop).
        """
        N = Z.shape[0]
        logp, grad = np.empty(N), np.zeros(Z.shape)
        buffer = _buffer(N, self.table)
        for b in range(0, N, block):
            Zb = Z[b:b + block].astype(self.means.dtype)
            S = np.concatenate([_scores(Zb[s:s + CHUNK], self.table, buffer)
                                for s in range(0, Zb.shape[0], CHUNK)]).astype(np.float64)
            logp[b:b + block] = lp = logsumexp(S, axis=1)
            R = np.exp(S - lp[:, None])                                   # (n, K) responsibilities
            active = R > 1e-10
            g = grad[b:b + block]
            for k in np.flatnonzero(active.any(axis=0)):
                rows = np.flatnonzero(active[:, k])
                if 4 * rows.size > Zb.shape[0]:
                    g -= R[:, k, None] * ((Zb - self.means[k]) @ self.precisions[k])
                else:
                    g[rows] -= R[rows, k, None] * ((Zb[rows] - self.means[k]) @ self.precisions[k])
        return logp, grad


def patch_log_density_grad(Z: ArrayLike, gmm: PatchGMM, floor: float = 0.0
                           ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Log-density (N,) and its gradient (N, d) of the GMM at each row of `Z` (N, d):

        log p(z) = log Σ_k π_k N(z; μ_k, Σ_k),
        ∇ log p(z) = -Σ_k r_k(z) Σ_k⁻¹ (z - μ_k),   r_k(z) = π_k N(z; μ_k, Σ_k) / p(z).

    `floor` is added to every covariance's diagonal (Σ_k + floor·I).  float64 throughout
    (gradient descent uses the same code in float32);
    patches are processed in blocks and components with r_k <= 1e-10 are skipped.
    """
    Z = as_float_array(Z, "Z", ndim=2, dtype=np.float64)
    size = int(round(np.sqrt(Z.shape[1])))
    if size * size != Z.shape[1]:
        raise ValueError(f"Z: rows of length {Z.shape[1]} are not flattened square patches")
    return _Density.of(_Spectra.of(gmm, size), float(floor))(Z)


def patch_log_density(Z: ArrayLike, gmm: PatchGMM) -> NDArray[np.float64]:
    """log p(z) = log Σ_k π_k N(z; μ_k, Σ_k) for every row of `Z` (N, d); returns (N,)."""
    return patch_log_density_grad(Z, gmm)[0]


def _objective(x: NDArray, y: NDArray, density: _Density, sigma: float, lam: float,
               size: int) -> tuple[float, NDArray]:
    """E(x) = ||x - y||²/(2σ²) - λ Σ_i log p(Π P_i x) and its gradient (H, W).

    ∇E = (x - y)/σ² - λ Σ_i P_iᵀ Π ∇ log p(Π P_i x): each patch gradient has its mean removed
    (Π, the DC removal, is a symmetric projection) and is added back at the patch's pixels.
    """
    rows, cols = patches.positions(x.shape, size)
    P = patches.extract_at(x, rows, cols, size)
    logp, g = density(P - P.mean(axis=1, keepdims=True))
    g -= g.mean(axis=1, keepdims=True)
    cover = np.outer(*(np.convolve(np.ones(n - size + 1), np.ones(size)) for n in x.shape))
    prior_grad = patches.assemble_at(g, x.shape, rows, cols, size, np.float64) * cover      # sum over covering patches
    energy = float(np.sum((x - y) ** 2) / (2 * sigma**2) - lam * logp.sum())
    return energy, (x - y) / sigma**2 - lam * prior_grad


def _gd_args(y, gmm, sigma, lam, floor, patch_size):
    y = _image(y, "noisy", min_side=positive_int(patch_size, "patch_size"))
    sigma = _sigma(sigma)
    lam = 1.0 / patch_size**2 if lam is None else positive_float(lam, "lam")
    floor = sigma**2 / 16 if floor is None else float(floor)
    if not np.isfinite(floor) or floor < 0:
        raise ValueError(f"floor: expected a finite variance >= 0, got {floor!r}")
    return y, sigma, lam, floor, _Spectra.of(gmm, patch_size)


def epll_energy(x: ArrayLike, noisy: ArrayLike, gmm: PatchGMM, sigma: float, *,
                lam: float | None = None, floor: float | None = None, patch_size: int = 8
                ) -> tuple[float, NDArray[np.float64]]:
    """E(x) = ||x - y||²/(2σ²) - λ·Σ_i log p(P_i x - DC) and its gradient (H, W), in float64.

    `lam` defaults to 1/d and `floor` (variance added to every Σ_k) to σ²/16, as in
    :func:`epll_gradient_descent`, which descends this function.
    """
    y, sigma, lam, floor, spectra = _gd_args(noisy, gmm, sigma, lam, floor, patch_size)
    x = _image(x, "x", patch_size)
    if x.shape != y.shape:
        raise ValueError(f"x: shape {x.shape} differs from noisy's {y.shape}")
    return _objective(x, y, _Density.of(spectra, floor), sigma, lam, patch_size)


def epll_gradient_descent(noisy: ArrayLike, gmm: PatchGMM, sigma: float, *, lam: float | None = None,
                          n_iter: int = 30, floor: float | None = None, momentum: float | None = None,
                          patch_size: int = 8, callback: Callback | None = None,
                          clip: bool = True) -> NDArray[np.float64]:
    """Denoise by gradient descent on E(x) = ||x - y||²/(2σ²) - λ·EPLL(x) (the lecture's view).

    The gradient is (x - y)/σ² - λ Σ_i P_iᵀ Π ∇ log p(Π P_i x): each patch's GMM gradient,
    with its DC projected out (Π removes the mean), scattered back and summed over the
    patches covering each pixel (:func:`epll_energy`).  Steps use Nesterov momentum with step
    1/L, where L = 1/σ² + λ d / min eigenvalue(Σ_k + floor·I) bounds the curvature.  Patches
    are scored in float32 (the responsibilities); gradients are accumulated in float64.

    Parameters
    ----------
    noisy, gmm, sigma : as for :func:`epll`.
    lam : prior weight λ; default 1/d (every pixel is in d patches, so its prior counts once).
    n_iter : gradient steps (each costs about one exact HQS round).
    floor : variance added to every Σ_k (default σ²/16).  Without it the smallest eigenvalues
        (≈ 1e-6, quantisation noise) make L huge and descent crawl; the floor trades a
        slightly smoother prior for a condition number κ ≤ 1 + λdσ²/floor (17 by default).
    momentum : Nesterov momentum coefficient in [0, 1); default (√κ - 1)/(√κ + 1), the
        classical choice for a quadratic with condition number κ.
    callback : ``callback(step, x)`` after every step, x unclipped.

    Returns
    -------
    (H, W) float64 estimate (clipped to [0, 1] if `clip`).
    """
    y, sigma, lam, floor, spectra = _gd_args(noisy, gmm, sigma, lam, floor, patch_size)
    n_iter = positive_int(n_iter, "n_iter")
    density = _Density.of(spectra, floor, dtype=np.float32)
    min_var = float(np.min(spectra.eigvals[:, 1:])) + floor        # [:, 0] is the DC direction
    L = 1.0 / sigma**2 + lam * patch_size**2 / max(min_var, 1e-12)   # curvature bound
    step = 1.0 / L
    if momentum is None:
        root = np.sqrt(L * sigma**2)                                # √κ with κ = L / (1/σ²)
        momentum = float((root - 1) / (root + 1))
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum: expected a value in [0, 1), got {momentum!r}")
    x, x_prev = y.copy(), y.copy()
    for t in range(1, n_iter + 1):
        v = x + momentum * (x - x_prev)                              # Nesterov look-ahead
        _, grad = _objective(v, y, density, sigma, lam, patch_size)
        x_prev, x = x, v - step * grad
        if callback is not None:
            callback(t, x)
    return np.clip(x, 0.0, 1.0) if clip else x

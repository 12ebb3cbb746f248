"""Checkers for notebook 07 (denoising with a GMM patch prior): the two half-steps of HQS.

Exercise 7.1: the x-step, derived from the HQS cost (a formula, checked on random inputs, border included).
Exercise 7.3: the z-step, choose k* then Wiener-filter with it.
The truth comes from :mod:`helpers.checks._oracle` (plain float64 loops), never from helpers.denoise.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import _oracle
from ._common import call, expect_finite, expect_shape, fail, is_close, passed

__all__ = ["check_x_step", "check_z_step", "reference_x_step", "reference_z_step"]

EX_X = "Exercise 7.1"
EX_Z = "Exercise 7.3"


def reference_x_step(y, zsum, counts, sigma, beta):
    """The notebook's fallback for Exercise 7.1 (an answer may not call it): (y + βσ² z̄)/(1 + βσ²),
    z̄ = zsum / counts."""
    a = beta * sigma**2
    return (np.asarray(y, float) + a * np.asarray(zsum, float) / np.asarray(counts, float)) / (1 + a)


def reference_z_step(Z, weights, means, covs, beta):
    """The notebook's fallback for Exercise 7.3 (an answer may not call it): helpers.denoise's z-step
    (float32 scores of every patch against every component in one GEMM, then grouped Wiener filters)."""
    from .. import denoise
    from ..mixture import GMM
    Z = np.asarray(Z, float)
    size = int(round(np.sqrt(Z.shape[1])))
    spectra = denoise._Spectra.of(GMM(weights, means, covs), size)
    lam = spectra.eigvals
    gains = spectra.matrices(lam / (lam + 1.0 / beta))
    return denoise._wiener(Z, denoise._assign(Z, spectra.score_table(1.0 / beta)), spectra.means, gains)


def _forbidden() -> list[Callable]:
    """The course's own implementations an answer must not delegate to."""
    from .. import denoise, gaussian, mixture
    out = [denoise.epll, denoise.wiener_single_gaussian, denoise.epll_gradient_descent,
           denoise._wiener, denoise._assign, denoise._scores, mixture.GMM.log_pdf,
           mixture.GMM.log_pdf_components, mixture.GMM.responsibilities, reference_x_step, reference_z_step]
    out += [f for f in (getattr(gaussian, "log_pdf", None),) if f is not None]
    return out


# ----------------------------------------------------------------------------- 7.1 the x-step

def _counts(shape: tuple[int, int], size: int) -> np.ndarray:
    """How many size×size patches (stride 1) cover each pixel."""
    H, W = shape
    return np.outer(np.convolve(np.ones(H - size + 1), np.ones(size)),
                    np.convolve(np.ones(W - size + 1), np.ones(size)))


def _x_cases(rng: np.random.Generator):
    for (H, W), size, sigma, beta in (((18, 20), 8, 0.1, 2 / 0.1**2), ((9, 11), 4, 0.05, 8 / 0.05**2),
                                      ((20, 20), 8, 0.2, 32 / 0.2**2)):
        counts = _counts((H, W), size)
        y = rng.uniform(-0.1, 1.1, size=(H, W))
        zsum = counts * rng.uniform(0, 1, size=(H, W))
        yield y, zsum, counts, sigma, beta, size * size


def _x_mistakes(y, zsum, counts, sigma, beta, d) -> dict[str, np.ndarray]:
    s2 = sigma**2
    zbar = zsum / counts
    return {
        "you summed the overlapping patch estimates: the cost weights pixel j's penalty by 1/c_j, so its "
        "estimates are averaged (zsum / counts)": (y + beta * s2 * zsum) / (1 + beta * s2 * counts),
        "your x is right away from the border but wrong where fewer than d patches cover a pixel: the cost "
        "weights pixel j's penalty by 1/c_j, which equals 1/d only in the interior":
            (y + beta * s2 / d * zsum) / (1 + beta * s2 / d * counts),
        "check where σ² enters: the data term is ||x − y||²/(2σ²), so after multiplying the "
        "stationarity condition by σ² the penalty carries βσ²": (y + beta * zbar) / (1 + beta),
        "check the signs: the penalty pulls x towards the patch estimates, so both the numerator and the "
        "denominator grow with β": (y - beta * s2 * zbar) / (1 - beta * s2),
        "x must stay y when β = 0: the data term ||x − y||²/(2σ²) is missing from your solution":
            beta * s2 * zbar / (1 + beta * s2),
    }


def check_x_step(func: Callable) -> None:
    """Check ``func(y, zsum, counts, sigma, beta) -> x`` (H, W), the HQS x-step."""
    rng = np.random.default_rng(70)
    n = 0
    for y, zsum, counts, sigma, beta, d in _x_cases(rng):
        truth = _oracle.hqs_x_step(y, zsum, counts, sigma, beta)
        mine = call(EX_X, func, y.copy(), zsum.copy(), counts.copy(), sigma, beta, forbidden=_forbidden())
        mine = expect_shape(EX_X, f"x for an image of shape {y.shape}", mine, y.shape)
        expect_finite(EX_X, "x", mine)
        if not is_close(mine, truth):
            for message, wrong in _x_mistakes(y, zsum, counts, sigma, beta, d).items():
                if is_close(mine, wrong):
                    fail(EX_X, message)
            j = np.unravel_index(int(np.argmax(np.abs(mine - truth))), y.shape)
            fail(EX_X, f"x is wrong at pixel {tuple(int(i) for i in j)} (covered by {counts[j]:.0f} patches, "
                 f"σ = {sigma}, β = {beta:.4g}): yours {float(mine[j]):.6g}, expected {float(truth[j]):.6g}. "
                 "Set the gradient of the cost in x to zero pixel by pixel.")
        n += 1
    passed(EX_X, n)


# ----------------------------------------------------------------------------- 7.3 the z-step

def _z_problem(rng: np.random.Generator, K: int, d: int, N: int):
    """Components of very different weights and sizes (so log π_k and the log-determinant decide
    some patches) and patches drawn from them."""
    scales = np.geomspace(0.03, 0.5, K)
    rng.shuffle(scales)
    A = rng.standard_normal((K, d, d)) / np.sqrt(d)
    covs = scales[:, None, None] ** 2 * (A @ A.transpose(0, 2, 1) + 0.2 * np.eye(d))
    means = rng.standard_normal((K, d)) * 0.15
    weights = rng.dirichlet(np.full(K, 0.4))
    weights = np.maximum(weights, 1e-3)
    weights /= weights.sum()
    ks = rng.integers(0, K, size=N)
    Z = np.stack([rng.multivariate_normal(means[k], covs[k]) for k in ks]) + 0.1 * rng.standard_normal((N, d))
    return Z, weights, means, covs


def _z_mistakes(Z, weights, means, covs, beta) -> dict[str, np.ndarray]:
    d = Z.shape[1]
    noise = np.eye(d) / beta
    K = len(weights)

    def wiener(k: int, z: np.ndarray) -> np.ndarray:
        return means[k] + covs[k] @ np.linalg.solve(covs[k] + noise, z - means[k])

    def choose(scores: np.ndarray) -> np.ndarray:
        return np.stack([wiener(int(k), z) for k, z in zip(np.argmax(scores, axis=1), Z)])

    logN = np.stack([_oracle.gaussian_log_pdf(Z, means[k], covs[k] + noise) for k in range(K)], axis=1)
    logN_clean = np.stack([_oracle.gaussian_log_pdf(Z, means[k], covs[k]) for k in range(K)], axis=1)
    maha = np.stack([np.einsum("nd,nd->n", Z - means[k], np.linalg.solve(covs[k] + noise, (Z - means[k]).T).T)
                     for k in range(K)], axis=1)
    resp = np.exp(logN + np.log(weights) - _oracle.logsumexp_rows(logN + np.log(weights))[:, None])
    best = np.argmax(logN + np.log(weights), axis=1)
    return {
        "you chose k* without log π_k: the best component maximises log π_k + log N(z; μ_k, Σ_k + I/β), "
        "and a rare component must explain a patch much better to win": choose(logN),
        "you chose k* by the Mahalanobis distance alone: log N(z; μ_k, Σ_k + I/β) also contains "
        "−½ log det(Σ_k + I/β), without which broad components win every patch": choose(np.log(weights) - 0.5 * maha),
        "you scored the patch with Σ_k, but the patch is noisy: score it under N(μ_k, Σ_k + I/β)":
            choose(np.log(weights) + logN_clean),
        "your Wiener filter is applied to z instead of z − μ_k: filter the deviation from the mean and "
        "add μ_k back": np.stack([covs[k] @ np.linalg.solve(covs[k] + noise, z) for k, z in zip(best, Z)]),
        "you averaged the components' Wiener estimates with the responsibilities (the posterior mean); the "
        "z-step uses the best component k* alone":
            np.einsum("nk,knd->nd", resp, np.stack([np.stack([wiener(k, z) for z in Z]) for k in range(K)])),
    }


def check_z_step(func: Callable) -> None:
    """Check ``func(Z, weights, means, covs, beta) -> (N, d)``: choose k*, then Wiener."""
    rng = np.random.default_rng(71)
    n = 0
    for K, d, N, beta in ((4, 6, 40, 30.0), (6, 16, 60, 100.0)):
        Z, w, mu, cov = _z_problem(rng, K, d, N)
        truth = _oracle.hqs_z_step(Z, w, mu, cov, beta)
        mine = call(EX_Z, func, Z.copy(), w.copy(), mu.copy(), cov.copy(), beta, forbidden=_forbidden())
        mine = expect_shape(EX_Z, f"the estimates for Z of shape {Z.shape}", mine, Z.shape)
        expect_finite(EX_Z, "your estimates", mine)
        if not is_close(mine, truth, rtol=1e-7):
            for message, wrong in _z_mistakes(Z, w, mu, cov, beta).items():
                if is_close(mine, wrong, rtol=1e-7):
                    fail(EX_Z, message)
            bad = np.flatnonzero(np.abs(mine - truth).max(axis=1) > 1e-6 * np.abs(truth).max())
            fail(EX_Z, f"with K = {K}, d = {d}, β = {beta:g}: {bad.size} of {N} patches differ from the "
                 f"expected estimate (first: row {bad[0]}). Check k* = argmax_k [log π_k + "
                 "log N(z; μ_k, Σ_k + I/β)] and the Wiener estimate μ_k* + Σ_k*(Σ_k* + I/β)⁻¹(z − μ_k*).")
        n += 1
    # 8×8 patches far from every component: N(z; ·) underflows, so k* must come from log densities
    Z, w, mu, cov = _z_problem(rng, 5, 64, 8)
    Z = Z + 5.0 * rng.standard_normal(Z.shape)
    truth = _oracle.hqs_z_step(Z, w, mu, cov, 400.0)
    mine = call(EX_Z, func, Z.copy(), w.copy(), mu.copy(), cov.copy(), 400.0, forbidden=_forbidden())
    mine = expect_finite(EX_Z, "your estimates for 8×8 patches far from every component",
                         expect_shape(EX_Z, "the estimates for Z of shape (8, 64)", mine, Z.shape),
                         "Compare components by log π_k + log N (log densities), not by densities, "
                         "which underflow to 0 in 64 dimensions.")
    if not is_close(mine, truth, rtol=1e-7):
        fail(EX_Z, "for 8×8 patches far from every component you chose the wrong components: the densities "
             "underflow to 0 in 64 dimensions, so compare log π_k + log N(z; μ_k, Σ_k + I/β) in the log domain")
    passed(EX_Z, n + 1)

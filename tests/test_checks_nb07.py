"""The notebook-07 checkers (7.1 the HQS x-step, 7.3 the z-step) accept right answers (the reference,
a loop, float32, another valid formula), name each planted mistake, and refuse one-line calls to the
course's reference code."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from helpers import checks, denoise
from helpers.checks import ExerciseError
from helpers.checks.nb07 import check_x_step, check_z_step, reference_x_step, reference_z_step


# ============================================================================= Exercise 7.1

def x_ref(y, zsum, counts, sigma, beta):
    return (y + beta * sigma**2 * zsum / counts) / (1 + beta * sigma**2)


def x_as_weighted_mean(y, zsum, counts, sigma, beta):
    """Valid: x as a weighted mean of y (weight 1/σ²) and z̄ (weight β), a loop over pixels."""
    x = np.empty_like(y)
    for j in np.ndindex(y.shape):
        x[j] = (y[j] / sigma**2 + beta * zsum[j] / counts[j]) / (1 / sigma**2 + beta)
    return x


def x_float32(y, zsum, counts, sigma, beta):
    return x_ref(y.astype(np.float32), zsum.astype(np.float32), counts.astype(np.float32),
                 np.float32(sigma), np.float32(beta))


@pytest.mark.parametrize("answer", [x_ref, x_as_weighted_mean, x_float32])
def test_x_step_accepts_right_answers(answer, capsys):
    check_x_step(answer)
    assert "passed" in capsys.readouterr().out


def _interior_only(y, s, c, sg, b):
    d = c.max()
    return (y + b * sg**2 / d * s) / (1 + b * sg**2 / d * c)


@pytest.mark.parametrize("answer, message", [
    (lambda y, s, c, sg, b: (y + b * sg**2 * s) / (1 + b * sg**2 * c), "summed the overlapping"),
    (_interior_only, "fewer than d patches"),
    (lambda y, s, c, sg, b: (y + b * s / c) / (1 + b), "where σ² enters"),
    (lambda y, s, c, sg, b: (y - b * sg**2 * s / c) / (1 - b * sg**2), "signs"),
    (lambda y, s, c, sg, b: b * sg**2 * s / c / (1 + b * sg**2), "x must stay y"),
    (lambda y, s, c, sg, b: y + 0.01, "Set the gradient"),
])
def test_x_step_names_each_planted_mistake(answer, message):
    with pytest.raises(ExerciseError, match=message):
        check_x_step(answer)


def test_x_step_shape_nan_in_place_and_stub():
    with pytest.raises(ExerciseError, match="shape mismatch"):
        check_x_step(lambda y, s, c, sg, b: x_ref(y, s, c, sg, b).ravel())
    with pytest.raises(ExerciseError, match="nan or inf"):
        check_x_step(lambda y, s, c, sg, b: x_ref(y, s, c, sg, b) * np.nan)

    def in_place(y, zsum, counts, sigma, beta):
        zsum /= counts
        return (y + beta * sigma**2 * zsum) / (1 + beta * sigma**2)
    with pytest.raises(ExerciseError, match="in place"):
        check_x_step(in_place)

    def stub(*args):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError, match="Exercise 7.1"):
        check_x_step(stub)


def test_x_step_refuses_the_reference():
    with pytest.raises(ExerciseError, match="course's own implementation"):
        check_x_step(reference_x_step)


# ============================================================================= Exercise 7.3

def _log_gauss(Z, m, S):
    L = np.linalg.cholesky(S)
    u = np.linalg.solve(L, (Z - m).T)
    return -0.5 * (Z.shape[1] * np.log(2 * np.pi) + np.sum(u * u, axis=0)) - np.log(np.diag(L)).sum()


def z_ref(Z, weights, means, covs, beta):
    d = Z.shape[1]
    noise = np.eye(d) / beta
    scores = np.stack([np.log(w) + _log_gauss(Z, m, S + noise) for w, m, S in zip(weights, means, covs)], axis=1)
    best = np.argmax(scores, axis=1)
    out = np.empty_like(Z)
    for k in np.unique(best):
        sel = best == k
        G = np.linalg.solve(covs[k] + noise, covs[k]).T          # Σ(Σ + I/β)⁻¹
        out[sel] = means[k] + (Z[sel] - means[k]) @ G.T
    return out


def z_eigen(Z, weights, means, covs, beta):
    """Valid: through eigen-decompositions, float32 scores (as helpers.denoise)."""
    lam, V = np.linalg.eigh(covs)
    var = lam + 1 / beta
    scores = np.stack([np.log(w) - 0.5 * np.log(v).sum() - 0.5 * ((((Z - m) @ U) ** 2) / v).sum(1)
                       for w, m, U, v in zip(weights, means, V, var)], axis=1).astype(np.float32)
    best = np.argmax(scores, axis=1)
    return np.stack([means[k] + V[k] @ ((lam[k] / var[k]) * (V[k].T @ (z - means[k]))) for k, z in zip(best, Z)])


def z_no_log_pi(Z, weights, means, covs, beta):
    return z_ref(Z, np.ones_like(weights), means, covs, beta)


def z_no_logdet(Z, weights, means, covs, beta):
    d = Z.shape[1]
    noise = np.eye(d) / beta
    maha = np.stack([np.einsum("nd,nd->n", Z - m, np.linalg.solve(S + noise, (Z - m).T).T)
                     for m, S in zip(means, covs)], axis=1)
    best = np.argmax(np.log(weights) - 0.5 * maha, axis=1)
    return np.stack([means[k] + covs[k] @ np.linalg.solve(covs[k] + noise, z - means[k]) for k, z in zip(best, Z)])


def z_clean_scores(Z, weights, means, covs, beta):
    d = Z.shape[1]
    noise = np.eye(d) / beta
    scores = np.stack([np.log(w) + _log_gauss(Z, m, S) for w, m, S in zip(weights, means, covs)], axis=1)
    return np.stack([means[k] + covs[k] @ np.linalg.solve(covs[k] + noise, z - means[k])
                     for k, z in zip(np.argmax(scores, 1), Z)])


def z_no_centring(Z, weights, means, covs, beta):
    noise = np.eye(Z.shape[1]) / beta
    best = np.argmax(np.stack([np.log(w) + _log_gauss(Z, m, S + noise) for w, m, S in zip(weights, means, covs)], 1), 1)
    return np.stack([covs[k] @ np.linalg.solve(covs[k] + noise, z) for k, z in zip(best, Z)])


def z_posterior_mean(Z, weights, means, covs, beta):
    noise = np.eye(Z.shape[1]) / beta
    s = np.stack([np.log(w) + _log_gauss(Z, m, S + noise) for w, m, S in zip(weights, means, covs)], 1)
    R = np.exp(s - logsumexp(s, axis=1, keepdims=True))
    est = np.stack([m + (Z - m) @ np.linalg.solve(S + noise, S) for m, S in zip(means, covs)])
    return np.einsum("nk,knd->nd", R, est)


def z_densities(Z, weights, means, covs, beta):
    """Mistake: compares densities, which underflow in 64 dimensions."""
    noise = np.eye(Z.shape[1]) / beta
    p = np.stack([w * np.exp(_log_gauss(Z, m, S + noise)) for w, m, S in zip(weights, means, covs)], 1)
    return np.stack([means[k] + covs[k] @ np.linalg.solve(covs[k] + noise, z - means[k])
                     for k, z in zip(np.argmax(p, 1), Z)])


@pytest.mark.parametrize("answer", [z_ref, z_eigen])
def test_z_step_accepts_right_answers(answer, capsys):
    check_z_step(answer)
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("answer, message", [
    (z_no_log_pi, "without log π_k"),
    (z_no_logdet, "log det"),
    (z_clean_scores, "patch is noisy"),
    (z_no_centring, "z − μ_k"),
    (z_posterior_mean, "best component k\\* alone"),
    (z_densities, "underflow"),
])
def test_z_step_names_each_planted_mistake(answer, message):
    with pytest.raises(ExerciseError, match=message):
        check_z_step(answer)


def test_z_step_refuses_one_line_calls_to_course_code():
    with pytest.raises(ExerciseError, match="course's own implementation"):
        check_z_step(reference_z_step)

    def via_epll_internals(Z, weights, means, covs, beta):
        from helpers.mixture import GMM
        g = GMM(weights, means, covs + np.eye(Z.shape[1]) / beta)
        k = np.argmax(g.log_pdf_components(Z), axis=1)
        return z_ref(Z, weights, means, covs, beta) if k is not None else None
    with pytest.raises(ExerciseError, match="course's own implementation"):
        check_z_step(via_epll_internals)


def test_fallback_prints_one_line(capsys):
    def stub(*args):
        raise NotImplementedError()
    assert checks.student_or_reference("Exercise 7.3", stub, reference_z_step, check_z_step) is reference_z_step
    assert capsys.readouterr().out.count("\n") == 1
    assert checks.student_or_reference("Exercise 7.3", z_ref, reference_z_step, check_z_step) is z_ref


def test_the_two_reference_steps_are_helpers_denoise_epll():
    """HQS assembled from the fallbacks (as notebook 07 does) equals helpers.denoise.epll."""
    from helpers import images, patches, pretrained
    gmm = pretrained.load(20)
    clean = images.load("camera")[60:92, 100:132]
    sigma = 25 / 255
    y = denoise.add_noise(clean, sigma, np.random.default_rng(0))
    rows, cols = patches.positions(y.shape, 8)
    counts = np.outer(np.convolve(np.ones(y.shape[0] - 7), np.ones(8)),
                      np.convolve(np.ones(y.shape[1] - 7), np.ones(8)))
    x = y.copy()
    for beta in denoise.default_betas(sigma):
        P = patches.extract(x, 8)
        dc = P.mean(axis=1, keepdims=True)
        z = reference_z_step(P - dc, gmm.weights, gmm.means, gmm.covs, beta) + dc
        zsum = patches.assemble_at(z, y.shape, rows, cols, 8, np.float64) * counts
        x = reference_x_step(y, zsum, counts, sigma, beta)
    np.testing.assert_allclose(np.clip(x, 0, 1), denoise.epll(y, gmm, sigma), atol=1e-9)

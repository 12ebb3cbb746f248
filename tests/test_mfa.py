"""helpers.mfa against independent oracles: dense Gaussians (helpers.gaussian, scipy.stats),
full-covariance EM (helpers.em.fit_em), the EM monotonicity property, sample moments."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from helpers import gaussian, mfa
from helpers.em import fit_em
from helpers.mixture import GMM


def random_mfa(rng, K=3, d=6, l=2, scale=1.0, spread=3.0) -> mfa.MFA:
    return mfa.MFA(rng.dirichlet(np.ones(K) * 3), rng.normal(scale=spread, size=(K, d)),
                   rng.normal(scale=scale, size=(K, d, l)), rng.uniform(0.05, 0.5, size=(K, d)))


def clustered_data(rng, N=900, d=4, K=3):
    centres = rng.normal(scale=6, size=(K, d))
    A = rng.normal(size=(K, d, d))
    z = rng.integers(K, size=N)
    return centres, centres[z] + np.einsum("nij,nj->ni", A[z], rng.standard_normal((N, d)))


# ------------------------------------------------------------------------- densities
@settings(max_examples=25, deadline=None)
@given(d=st.integers(2, 40), l=st.integers(1, 8), seed=st.integers(0, 2**31 - 1),
       log_psi_spread=st.floats(0, 6))
def test_woodbury_log_pdf_equals_dense(d, l, seed, log_psi_spread):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(d, l)) * rng.uniform(0.1, 10)
    psi = 10.0 ** rng.uniform(-log_psi_spread, 0, size=d)     # ill-conditioned noise
    mean = rng.normal(size=d)
    X = mean + rng.normal(size=(7, d)) * 2
    cov = W @ W.T + np.diag(psi)
    dense = gaussian.log_pdf(X, mean, cov)
    np.testing.assert_allclose(mfa.log_pdf_woodbury(X, mean, W, psi), dense, rtol=1e-7, atol=1e-7)


def test_woodbury_matches_scipy_single_point_and_d256():
    rng = np.random.default_rng(0)
    d, l = 256, 10
    W, psi, mean = rng.normal(size=(d, l)) * 0.1, rng.uniform(1e-3, 1e-2, d), rng.normal(size=d)
    X = mean + rng.normal(size=(5, d))
    ref = stats.multivariate_normal(mean, W @ W.T + np.diag(psi)).logpdf(X)
    out = mfa.log_pdf_woodbury(X, mean, W, psi)
    assert np.all(np.isfinite(out)) and np.all(out < -1000)     # exp() would underflow
    np.testing.assert_allclose(out, ref, rtol=1e-10)
    assert np.ndim(mfa.log_pdf_woodbury(X[0], mean, W, psi)) == 0


def test_mixture_log_pdf_and_responsibilities_equal_the_gmm():
    rng = np.random.default_rng(1)
    model = random_mfa(rng)
    X = rng.normal(scale=3, size=(50, model.dim)) + 100.0     # far from the origin
    shifted = mfa.MFA(model.weights, model.means + 100.0, model.loadings, model.noise)
    gmm = shifted.to_gmm()
    assert isinstance(gmm, GMM)
    np.testing.assert_allclose(shifted.log_pdf(X), gmm.log_pdf(X), rtol=1e-10)
    np.testing.assert_allclose(shifted.responsibilities(X), gmm.responsibilities(X), atol=1e-10)
    W0 = model.loadings[0]
    np.testing.assert_allclose(model.covs[0], W0 @ W0.T + np.diag(model.noise[0]))


def test_samples_have_the_model_moments():
    rng = np.random.default_rng(2)
    model = random_mfa(rng, K=1, d=5, l=2)
    X, z = model.sample(200_000, np.random.default_rng(3))
    assert X.shape == (200_000, 5) and np.all(z == 0)
    np.testing.assert_allclose(X.mean(axis=0), model.means[0], atol=0.02)
    np.testing.assert_allclose(np.cov(X.T), model.covs[0], atol=0.03)
    model = random_mfa(rng, K=3)
    _, z = model.sample(30_000, np.random.default_rng(4))
    np.testing.assert_allclose(np.bincount(z, minlength=3) / 30_000, model.weights, atol=0.01)


# ------------------------------------------------------------------------------- EM
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_likelihood_never_decreases(seed):
    rng = np.random.default_rng(seed)
    X = random_mfa(rng, K=4, d=10, l=3).sample(600, rng)[0]
    _, hist = mfa.fit_mfa(X, 4, 2, max_iter=60, tol=0, rng=np.random.default_rng(seed), init="random")
    ll = np.array(hist.log_likelihood)
    assert hist.n_iter == 60 and len(ll) == 61
    assert np.all(np.diff(ll) >= -1e-10 * np.abs(ll[1:])), np.diff(ll).min()


def test_full_rank_factors_match_full_covariance_em():
    rng = np.random.default_rng(1)
    centres, X = clustered_data(rng)
    init = centres + rng.normal(scale=0.5, size=centres.shape)
    gmm, h = fit_em(X, 3, max_iter=1000, tol=1e-12, init=init)
    model, hm = mfa.fit_mfa(X, 3, X.shape[1] - 1, max_iter=2000, tol=1e-12, init=init)
    assert hm.converged
    assert abs(hm.log_likelihood[-1] - h.log_likelihood[-1]) < 1e-6
    order, ref = np.argsort(model.means[:, 0]), np.argsort(gmm.means[:, 0])
    np.testing.assert_allclose(model.weights[order], gmm.weights[ref], atol=1e-5)
    np.testing.assert_allclose(model.means[order], gmm.means[ref], atol=1e-4)
    np.testing.assert_allclose(model.covs[order], gmm.covs[ref], atol=2e-3)


def test_fit_recovers_a_low_rank_mixture():
    rng = np.random.default_rng(5)
    truth = random_mfa(rng, K=3, d=20, l=2, scale=2.0, spread=10.0)
    X, _ = truth.sample(3000, rng)
    test, _ = truth.sample(2000, rng)
    model, hist = mfa.fit_mfa(X, 3, 2, rng=np.random.default_rng(0))
    assert hist.converged
    assert model.log_pdf(test).mean() > truth.log_pdf(test).mean() - 0.1
    np.testing.assert_allclose(np.sort(model.weights), np.sort(truth.weights), atol=0.03)


def test_init_options_callback_and_max_iter_zero():
    rng = np.random.default_rng(6)
    X = random_mfa(rng, K=2, d=6, l=2).sample(300, rng)[0]
    seen = []
    model, hist = mfa.fit_mfa(X, 2, 2, max_iter=50, tol=0,
                              callback=lambda t, m, h: seen.append((t, m.dim)) or t == 3)
    assert seen == [(t, 6) for t in range(4)] and hist.n_iter == 3
    warm, h0 = mfa.fit_mfa(X, 2, 2, max_iter=0, init=model)
    assert h0.n_iter == 0 and np.allclose(warm.means, model.means)
    assert abs(h0.log_likelihood[0] - hist.log_likelihood[-1]) < 1e-10
    gmm, _ = fit_em(X, 2, max_iter=20)
    from_gmm, h1 = mfa.fit_mfa(X, 2, 5, max_iter=0, init=gmm)
    assert abs(h1.log_likelihood[0] - gmm.score(X)) < 1e-6    # 5 = d − 1 factors: the same model
    for init in ("random", X[:2]):
        assert mfa.fit_mfa(X, 2, 1, max_iter=5, init=init)[0].n_factors == 1


def test_save_load_roundtrip_and_foreign_file(tmp_path):
    model = random_mfa(np.random.default_rng(7))
    model.save(tmp_path / "m.npz")
    back = mfa.MFA.load(tmp_path / "m.npz")
    for name in ("weights", "means", "loadings", "noise"):
        np.testing.assert_array_equal(getattr(back, name), getattr(model, name))
    np.savez(tmp_path / "other.npz", weights=np.ones(1))
    with pytest.raises(ValueError, match="^path: .*not a saved MFA"):
        mfa.MFA.load(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="^path: .*not an .npz archive"):
        mfa.MFA.load(tmp_path / "junk.npz")
    with pytest.raises(FileNotFoundError, match="^path: no such file"):
        mfa.MFA.load(tmp_path / "missing.npz")


def test_cost_model():
    assert mfa.parameter_count(64, 10) == 9 + 640 + 10 * 64 * 65 // 2
    assert mfa.parameter_count(64, 10, 8) == 9 + 640 + 10 * 64 * 9
    assert mfa.parameter_count(4096, 1) / mfa.parameter_count(4096, 1, 10) > 150
    full, low = mfa.flops_per_iteration(1000, 1024, 10), mfa.flops_per_iteration(1000, 1024, 10, 10)
    assert full == 10 * (3 * 1000 * 1024**2 + 1024**3 / 3) and full / low > 40
    with pytest.raises(ValueError, match="^d"):
        mfa.parameter_count(0, 3)


# ---------------------------------------------------------------------- bad input
def test_invalid_input_raises_value_error_naming_the_argument():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(20, 4))
    bad = X.copy()
    bad[3, 1] = np.nan
    cases = [
        (lambda: mfa.fit_mfa(bad, 2, 1), "^X: contains NaN"),
        (lambda: mfa.fit_mfa(X[:, 0], 2, 1), "^X: expected a 2-D"),
        (lambda: mfa.fit_mfa(X, 30, 1), "^n_components"),
        (lambda: mfa.fit_mfa(X, 0, 1), "^n_components"),
        (lambda: mfa.fit_mfa(X, 2, 4), "^n_factors: expected 1 <= l <= d - 1"),
        (lambda: mfa.fit_mfa(X, 2, 0), "^n_factors"),
        (lambda: mfa.fit_mfa(X, 2, 1, reg_covar=0), "^reg_covar"),
        (lambda: mfa.fit_mfa(X, 2, 1, tol=-1), "^tol"),
        (lambda: mfa.fit_mfa(X, 2, 1, max_iter=-1), "^max_iter"),
        (lambda: mfa.fit_mfa(X, 2, 1, init="kmeans"), "^init: expected 'kmeans\\+\\+'"),
        (lambda: mfa.fit_mfa(X, 2, 1, init=X[:3]), "^init: expected initial means of shape"),
        (lambda: mfa.fit_mfa(X, 3, 1, init=random_mfa(rng, K=2, d=4, l=1)), "^init: expected a model"),
        (lambda: mfa.fit_mfa(X, 2, 1, rng=0), "^rng"),
        (lambda: mfa.fit_mfa(X, 2, 1, callback=3), "^callback"),
        (lambda: mfa.log_pdf_woodbury(X, np.zeros(4), np.ones((3, 1)), np.ones(4)), "^W: expected shape"),
        (lambda: mfa.log_pdf_woodbury(X, np.zeros(4), np.ones((4, 1)), -np.ones(4)), "^psi: noise"),
        (lambda: mfa.log_pdf_woodbury(X, np.zeros(3), np.ones((4, 1)), np.ones(4)), "^mean"),
        (lambda: mfa.MFA([0.5, 0.6], np.zeros((2, 3)), np.zeros((2, 3, 1)), np.ones((2, 3))), "^weights"),
        (lambda: mfa.MFA([0.5, 0.5], np.zeros((3, 3)), np.zeros((2, 3, 1)), np.ones((2, 3))), "^means"),
        (lambda: mfa.MFA([0.5, 0.5], np.zeros((2, 3)), np.zeros((2, 2, 1)), np.ones((2, 3))), "^loadings"),
        (lambda: mfa.MFA([0.5, 0.5], np.zeros((2, 3)), np.zeros((2, 3, 1)), np.zeros((2, 3))), "^noise"),
        (lambda: random_mfa(rng, d=4).log_pdf(np.ones((2, 5))), "^X: expected 4 columns"),
        (lambda: random_mfa(rng).sample(0, rng), "^n"),
    ]
    for call, pattern in cases:
        with pytest.raises(ValueError, match=pattern):
            call()


def test_model_is_read_only():
    model = random_mfa(np.random.default_rng(9))
    with pytest.raises(ValueError):
        model.means[0, 0] = 1.0


def test_constant_pixels_are_floored_and_em_stays_monotone():
    rng = np.random.default_rng(10)
    X = random_mfa(rng, K=3, d=8, l=2).sample(400, rng)[0]
    X[:, :2] = 0.0                                          # two pixels that never vary
    model, hist = mfa.fit_mfa(X, 3, 2, max_iter=30, tol=0, reg_covar=1e-4)
    assert np.all(np.isfinite(hist.log_likelihood))
    assert np.all(np.diff(hist.log_likelihood) >= -1e-10 * np.abs(hist.log_likelihood[1:]))
    np.testing.assert_allclose(model.noise[:, :2], 1e-4)
    np.testing.assert_allclose(model.loadings[:, :2], 0.0, atol=1e-8)

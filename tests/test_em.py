"""helpers.em: monotone EM (hypothesis), the ELBO, agreement with scikit-learn, chunking,
re-initialisation, hard EM, and every ValueError."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from sklearn.mixture import GaussianMixture

from helpers import em
from helpers.mixture import GMM


def blobs(rng: np.random.Generator, N: int = 600, K: int = 3, d: int = 2, spread: float = 4.0):
    centres = rng.standard_normal((K, d)) * spread
    z = rng.integers(K, size=N)
    scales = rng.uniform(0.5, 1.5, size=(K, d))
    return centres[z] + rng.standard_normal((N, d)) * scales[z]


def broad_init(X: np.ndarray, K: int, rng: np.random.Generator) -> GMM:
    """θ_0: K random data points as means, the data covariance for every component."""
    cov = np.cov(X.T).reshape(X.shape[1], X.shape[1]) + 1e-3 * np.eye(X.shape[1])
    return GMM(np.full(K, 1 / K), X[rng.choice(len(X), K, replace=False)], np.stack([cov] * K))


def sklearn_fit(X, init: GMM, iters: int, reg_covar: float) -> GaussianMixture:
    sk = GaussianMixture(init.n_components, covariance_type="full", max_iter=iters, tol=0.0,
                         reg_covar=reg_covar, weights_init=init.weights, means_init=init.means,
                         precisions_init=np.linalg.inv(init.covs), init_params="random_from_data",
                         random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sk.fit(X)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), K=st.integers(1, 4), d=st.integers(1, 4),
       N=st.integers(40, 200), spread=st.floats(0.0, 6.0))
def test_log_likelihood_never_decreases_and_the_elbo_sits_in_between(seed, K, d, N, spread):
    rng = np.random.default_rng(seed)
    X = blobs(rng, N, K, d, spread)
    gmm, hist = em.fit_em(X, K, max_iter=15, tol=0.0, reg_covar=1e-6, init="random", rng=rng)
    ll = np.array(hist.log_likelihood)
    slack = 1e-9 * (1 + np.abs(ll[1:]))
    if not hist.reinitialised:
        assert np.all(np.diff(ll) >= -slack)
        elbo = np.array(hist.elbo)
        assert np.all(ll[:-1] <= elbo + slack) and np.all(elbo <= ll[1:] + slack)
    assert np.all(np.isfinite(gmm.covs)) and len(ll) == hist.n_iter + 1
    assert hist.log_likelihood[-1] == pytest.approx(gmm.score(X), rel=1e-10, abs=1e-10)


def test_elbo_equals_log_likelihood_at_the_posterior_and_is_below_elsewhere():
    rng = np.random.default_rng(1)
    X = blobs(rng, 300, 3, 2)
    gmm = broad_init(X, 3, rng)
    resp, mean_ll = em.e_step(X, gmm)
    np.testing.assert_allclose(em.elbo(X, resp, gmm), gmm.log_pdf(X), rtol=1e-12, atol=1e-12)
    assert mean_ll == pytest.approx(gmm.score(X), rel=1e-12)
    other = rng.dirichlet(np.ones(3), size=len(X))
    gap = gmm.log_pdf(X) - em.elbo(X, other, gmm)
    assert np.all(gap > 0)
    # the gap is KL(r || posterior)
    kl = np.sum(other * (np.log(other) - np.log(resp)), axis=1)
    np.testing.assert_allclose(gap, kl, rtol=1e-8, atol=1e-10)
    onehot = np.eye(3)[np.argmax(resp, axis=1)]           # 0 log 0 = 0, finite
    assert np.all(np.isfinite(em.elbo(X, onehot, gmm)))


def test_one_iteration_is_e_step_then_m_step():
    rng = np.random.default_rng(2)
    X = blobs(rng, 400, 3, 3)
    gmm0 = broad_init(X, 3, rng)
    resp, _ = em.e_step(X, gmm0)
    manual = em.m_step(X, resp, reg_covar=1e-4)
    fitted, hist = em.fit_em(X, 3, max_iter=1, tol=0, reg_covar=1e-4, init=gmm0)
    for name in ("weights", "means", "covs"):
        np.testing.assert_allclose(getattr(fitted, name), getattr(manual, name), rtol=1e-10, atol=1e-12)
    assert hist.n_iter == 1 and len(hist.log_likelihood) == 2 and len(hist.elbo) == 1
    nk = resp.sum(axis=0)
    np.testing.assert_allclose(manual.weights, nk / len(X), rtol=1e-12)
    np.testing.assert_allclose(manual.means, resp.T @ X / nk[:, None], rtol=1e-10)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_matches_sklearn_from_the_same_initial_parameters(dtype, rtol):
    rng = np.random.default_rng(3)
    X = blobs(rng, 2000, 4, 5, spread=2.0)
    init = broad_init(X, 4, rng)
    sk = sklearn_fit(X, init, 25, 1e-6)
    ours, hist = em.fit_em(X, 4, max_iter=25, tol=0, reg_covar=1e-6, init=init, dtype=dtype)
    assert ours.dtype == dtype and hist.n_iter == 25
    assert ours.score(X) == pytest.approx(sk.score(X), rel=rtol)
    np.testing.assert_allclose(ours.means, sk.means_, rtol=0, atol=1e3 * rtol)


def test_chunked_equals_unchunked_to_rounding():
    rng = np.random.default_rng(4)
    X = blobs(rng, 1000, 3, 4)
    init = broad_init(X, 3, rng)
    whole, h1 = em.fit_em(X, 3, max_iter=10, tol=0, init=init, chunk_size=len(X))
    parts, h2 = em.fit_em(X, 3, max_iter=10, tol=0, init=init, chunk_size=37)
    np.testing.assert_allclose(parts.covs, whole.covs, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(h2.log_likelihood, h1.log_likelihood, rtol=1e-12)
    np.testing.assert_allclose(h2.elbo, h1.elbo, rtol=1e-12)


def test_float32_data_and_float32_fit():
    rng = np.random.default_rng(5)
    X = blobs(rng, 800, 2, 3).astype(np.float32)
    g32, h32 = em.fit_em(X, 2, max_iter=20, rng=np.random.default_rng(0), dtype=np.float32)
    g64, h64 = em.fit_em(X, 2, max_iter=20, rng=np.random.default_rng(0))
    assert g32.dtype == np.float32 and g64.dtype == np.float64
    assert g32.score(X) == pytest.approx(g64.score(X), rel=1e-4)


def test_default_run_converges_and_callback_sees_every_model():
    rng = np.random.default_rng(6)
    X = blobs(rng, 500, 3, 2, spread=8)
    seen = []
    gmm, hist = em.fit_em(X, 3, rng=rng, callback=lambda t, g, h: seen.append(
        (t, g.score(X), h.log_likelihood[-1])))
    assert hist.converged and hist.n_iter < 100
    assert [s[0] for s in seen] == list(range(hist.n_iter + 1))
    np.testing.assert_allclose([s[1] for s in seen], [s[2] for s in seen], rtol=1e-10)
    assert gmm.score(X) == pytest.approx(hist.log_likelihood[-1], rel=1e-12)
    _, stopped = em.fit_em(X, 3, rng=rng, tol=0, callback=lambda t, g, h: t == 2)
    assert stopped.n_iter == 2 and not stopped.converged


def test_an_empty_component_is_reinitialised_never_nan():
    rng = np.random.default_rng(7)
    X = np.concatenate([rng.standard_normal((200, 2)), rng.standard_normal((200, 2)) + 10])
    lost = GMM(np.ones(3) / 3, np.array([[0.0, 0.0], [10.0, 10.0], [1e3, 1e3]]), np.stack([np.eye(2)] * 3))
    gmm, hist = em.fit_em(X, 3, init=lost, max_iter=30)
    assert (0, 2) in hist.reinitialised
    assert np.all(np.isfinite(gmm.covs)) and np.all(gmm.weights > 0.01)
    assert np.all(np.isfinite(hist.log_likelihood))


def test_a_zero_weight_component_is_reinitialised_and_the_elbo_stays_finite():
    X = np.random.default_rng(11).standard_normal((300, 2))
    init = GMM(np.array([0.5, 0.5, 0.0]), X[:3], np.stack([np.eye(2)] * 3))
    gmm, hist = em.fit_em(X, 3, init=init, max_iter=5, tol=0)
    assert hist.reinitialised == [(0, 2)] and np.all(np.isfinite(hist.elbo))
    assert np.all(gmm.weights > 0)


def test_collapsing_component_without_reg_covar_stays_finite():
    rng = np.random.default_rng(8)
    X = np.concatenate([rng.standard_normal((100, 2)), np.repeat([[5.0, 5.0]], 3, axis=0)])
    init = GMM(np.array([0.5, 0.5]), np.array([[0.0, 0.0], [5.0, 5.0]]), np.stack([np.eye(2)] * 2))
    gmm, hist = em.fit_em(X, 2, init=init, reg_covar=0.0, max_iter=10, tol=0)
    assert hist.reinitialised and np.all(np.isfinite(gmm.covs))
    gmm, hist = em.fit_em(X, 2, init=init, reg_covar=1e-3, max_iter=10, tol=0)
    assert not hist.reinitialised and np.all(np.linalg.eigvalsh(gmm.covs) >= 1e-3 * (1 - 1e-9))


@pytest.mark.parametrize("init", ["kmeans++", "random", "means", "gmm"])
def test_initialisations(init):
    rng = np.random.default_rng(9)
    X = blobs(rng, 500, 3, 2, spread=6)
    arg = {"means": X[:3], "gmm": broad_init(X, 3, rng)}.get(init, init)
    gmm, hist = em.fit_em(X, 3, init=arg, rng=np.random.default_rng(0))
    assert gmm.n_components == 3 and np.isfinite(hist.log_likelihood[-1])
    g0, h0 = em.fit_em(X, 3, init=arg, max_iter=0, rng=np.random.default_rng(0))
    assert h0.n_iter == 0 and len(h0.log_likelihood) == 1 and h0.log_likelihood[0] <= hist.log_likelihood[-1]


def test_hard_em_never_decreases_its_objective_and_separates_blobs():
    rng = np.random.default_rng(10)
    X = blobs(rng, 900, 3, 2, spread=8)
    gmm, hist = em.fit_hard_em(X, 3, rng=rng)
    obj = np.array(hist.objective)
    assert hist.converged and np.all(np.diff(obj) >= -1e-10 * np.abs(obj[1:]))
    assert np.all(obj <= np.array(hist.log_likelihood) + 1e-12)  # max_k <= logsumexp_k
    labels = np.argmax(gmm.responsibilities(X), axis=1)
    assert len(np.unique(labels)) == 3
    chunked, h2 = em.fit_hard_em(X, 3, init=X[:3], chunk_size=50, tol=0, max_iter=5)
    whole, h3 = em.fit_hard_em(X, 3, init=X[:3], chunk_size=900, tol=0, max_iter=5)
    np.testing.assert_allclose(chunked.covs, whole.covs, rtol=1e-10, atol=1e-13)


X_OK = np.random.default_rng(0).standard_normal((20, 2))


@pytest.mark.parametrize("kwargs,message", [
    (dict(n_components=21), r"^n_components: 21 components but only 20 data points"),
    (dict(n_components=0), r"^n_components: "),
    (dict(X=np.array([[0.0, np.nan]] * 20)), r"^X: contains NaN or inf"),
    (dict(X=np.zeros(20)), r"^X: expected a 2-D"),
    (dict(X=np.zeros((0, 2))), r"^X: has no rows"),
    (dict(max_iter=-1), r"^max_iter: "),
    (dict(tol=-1e-3), r"^tol: "),
    (dict(reg_covar=-1.0), r"^reg_covar: "),
    (dict(reg_covar="x"), r"^reg_covar: "),
    (dict(dtype=np.int32), r"^dtype: "),
    (dict(chunk_size=0), r"^chunk_size: "),
    (dict(init="kmeans"), r"^init: expected 'kmeans\+\+'"),
    (dict(init=np.zeros((3, 2))), r"^init: expected initial means of shape \(2, 2\)"),
    (dict(init=GMM(np.ones(3) / 3, np.zeros((3, 2)), np.stack([np.eye(2)] * 3))), r"^init: GMM has 3"),
    (dict(rng=1), r"^rng: "),
    (dict(callback=3), r"^callback: "),
])
@pytest.mark.parametrize("fit", [em.fit_em, em.fit_hard_em])
def test_fit_errors_name_the_argument(fit, kwargs, message):
    args = dict(X=X_OK, n_components=2)
    args.update(kwargs)
    X, K = args.pop("X"), args.pop("n_components")
    with pytest.raises(ValueError, match=message):
        fit(X, K, **args)


def test_step_errors_name_the_argument():
    resp = np.full((20, 2), 0.5)
    with pytest.raises(ValueError, match=r"^resp: expected shape \(20, K\)"):
        em.m_step(X_OK, resp[:5])
    with pytest.raises(ValueError, match=r"^resp: responsibilities must be non-negative"):
        em.m_step(X_OK, np.tile([1.5, -0.5], (20, 1)))
    with pytest.raises(ValueError, match=r"^resp: each row must sum to one over components; row 0"):
        em.m_step(X_OK, np.full((20, 2), 0.3))
    with pytest.raises(ValueError, match=r"^resp: component 1 has zero total responsibility"):
        em.m_step(X_OK, np.tile([1.0, 0.0], (20, 1)))
    with pytest.raises(ValueError, match=r"^reg_covar: "):
        em.m_step(X_OK, resp, reg_covar=-1)
    with pytest.raises(ValueError, match=r"^gmm: expected a helpers.mixture.GMM"):
        em.e_step(X_OK, "model")  # type: ignore[arg-type]
    gmm = em.m_step(X_OK, resp)
    with pytest.raises(ValueError, match=r"^resp: expected 2 columns"):
        em.elbo(X_OK, np.full((20, 3), 1 / 3), gmm)
    with pytest.raises(ValueError, match=r"^X: expected 2 columns"):
        em.e_step(np.zeros((4, 3)), gmm)


def test_data_far_from_the_origin_give_the_same_covariances():
    """Second moments about the previous means (and the data shift) lose no digits: the fit of
    X + 1e6 is the fit of X moved by 1e6, although Σ x xᵀ would cancel 12 of 16 digits."""
    rng = np.random.default_rng(12)
    X = blobs(rng, 600, 2, 3, spread=3)
    init = broad_init(X, 2, rng)
    near, _ = em.fit_em(X, 2, init=init, max_iter=10, tol=0, chunk_size=100)
    moved = GMM(init.weights, init.means + 1e6, init.covs)
    far, _ = em.fit_em(X + 1e6, 2, init=moved, max_iter=10, tol=0, chunk_size=100)
    np.testing.assert_allclose(far.covs, near.covs, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(far.means - 1e6, near.means, atol=1e-6)

"""helpers.mixture.GMM against scipy.stats, at d = 256, saving/loading, and every ValueError."""
from __future__ import annotations

import dataclasses
import zipfile

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from helpers.mixture import GMM


def random_gmm(rng: np.random.Generator, K: int, d: int, scale: float = 1.0, jitter: float = 0.1,
               dtype=np.float64) -> GMM:
    A = rng.standard_normal((K, d, d)) * scale
    covs = A @ A.transpose(0, 2, 1) / d + jitter * scale ** 2 * np.eye(d)
    means = rng.standard_normal((K, d)) * 2 * scale
    weights = rng.dirichlet(np.ones(K))
    return GMM(weights.astype(dtype), means.astype(dtype), covs.astype(dtype))


def scipy_log_joint(X, gmm: GMM) -> np.ndarray:
    """(N, K) log π_k + log N(x; μ_k, Σ_k), one scipy.stats call per component, in float64."""
    w, m, c = (np.asarray(a, np.float64) for a in (gmm.weights, gmm.means, gmm.covs))
    return np.stack([np.log(w[k]) + stats.multivariate_normal(m[k], c[k]).logpdf(X)
                     for k in range(gmm.n_components)], axis=1)


@pytest.mark.parametrize("K,d", [(1, 1), (3, 2), (5, 7), (4, 16)])
def test_log_pdf_matches_scipy_per_component(K, d):
    rng = np.random.default_rng(K * 100 + d)
    gmm = random_gmm(rng, K, d)
    X = rng.standard_normal((200, d)) * 3
    ref = scipy_log_joint(X, gmm)
    np.testing.assert_allclose(gmm.log_pdf_components(X), ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gmm.log_pdf(X), logsumexp(ref, axis=1), rtol=1e-10, atol=1e-10)
    assert gmm.log_pdf(X).shape == (200,)
    resp = gmm.responsibilities(X)
    np.testing.assert_allclose(resp, np.exp(ref - logsumexp(ref, axis=1, keepdims=True)), atol=1e-10)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, atol=1e-12)
    assert gmm.score(X) == pytest.approx(np.mean(logsumexp(ref, axis=1)), rel=1e-12)


def test_d256_patches_do_not_underflow():
    rng = np.random.default_rng(256)
    gmm = random_gmm(rng, 3, 256, scale=0.01, jitter=0.01)
    X, _ = gmm.sample(40, rng)
    X = X + 0.05 * rng.standard_normal(X.shape)           # far from every mean: p(x) == 0.0 in float64
    ref = logsumexp(scipy_log_joint(X, gmm), axis=1)
    assert np.all(np.exp(ref) == 0.0)                      # the densities themselves underflow
    out = gmm.log_pdf(X)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref, rtol=1e-10)


def test_data_far_from_the_origin_keep_their_digits():
    rng = np.random.default_rng(3)
    base = random_gmm(rng, 3, 4)
    offset = 1e4
    gmm = GMM(base.weights, base.means + offset, base.covs)
    X = base.sample(100, rng)[0] + offset
    np.testing.assert_allclose(gmm.log_pdf(X), logsumexp(scipy_log_joint(X, gmm), axis=1), rtol=1e-9)


def test_float32_parameters_are_kept_and_evaluated_in_float64():
    rng = np.random.default_rng(4)
    g64 = random_gmm(rng, 4, 6)
    w32 = g64.weights.astype(np.float32)
    g32 = GMM(w32 / w32.sum(), g64.means.astype(np.float32), g64.covs.astype(np.float32))
    assert g32.dtype == np.float32 and g32.covs.dtype == np.float32
    X = rng.standard_normal((50, 6))
    assert g32.log_pdf(X).dtype == np.float64
    np.testing.assert_allclose(g32.log_pdf(X), logsumexp(scipy_log_joint(X, g32), axis=1), rtol=1e-10)
    fast = g32.log_pdf_components(X, dtype=np.float32)
    assert fast.dtype == np.float32
    np.testing.assert_allclose(fast, g32.log_pdf_components(X), rtol=1e-4, atol=1e-3)
    mixed = GMM(g64.weights, g64.means.astype(np.float32), g64.covs)
    assert mixed.dtype == np.float64


def test_sample_statistics_and_labels():
    rng = np.random.default_rng(5)
    gmm = random_gmm(rng, 3, 2)
    X, z = gmm.sample(60_000, np.random.default_rng(0))
    assert X.shape == (60_000, 2) and z.shape == (60_000,)
    np.testing.assert_allclose(np.bincount(z, minlength=3) / len(z), gmm.weights, atol=0.01)
    for k in range(3):
        Xk = X[z == k]
        se = np.sqrt(np.diag(gmm.covs[k]) / len(Xk))
        assert np.all(np.abs(Xk.mean(axis=0) - gmm.means[k]) < 5 * se)
        np.testing.assert_allclose(np.cov(Xk.T), gmm.covs[k], rtol=0.1, atol=0.05)
    np.testing.assert_array_equal(gmm.sample(100, np.random.default_rng(7))[0],
                                  gmm.sample(100, np.random.default_rng(7))[0])


def test_is_frozen_and_read_only():
    gmm = random_gmm(np.random.default_rng(6), 2, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        gmm.weights = np.array([0.5, 0.5])  # type: ignore[misc]
    with pytest.raises(ValueError):
        gmm.means[0, 0] = 1.0
    assert (gmm.n_components, gmm.dim) == (2, 3)
    assert "n_components=2" in repr(gmm)
    np.testing.assert_allclose(gmm.chol @ gmm.chol.transpose(0, 2, 1), gmm.covs, atol=1e-12)
    np.testing.assert_allclose(gmm.prec_chol @ gmm.prec_chol.transpose(0, 2, 1),
                               np.linalg.inv(gmm.covs), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip(tmp_path, dtype):
    gmm = random_gmm(np.random.default_rng(7), 3, 5)
    if dtype == np.float32:
        w = gmm.weights.astype(np.float32)
        gmm = GMM(w / w.sum(), gmm.means.astype(np.float32), gmm.covs.astype(np.float32))
    path = tmp_path / "model.npz"
    gmm.save(path)
    back = GMM.load(path)
    assert back.dtype == gmm.dtype
    for name in ("weights", "means", "covs"):
        np.testing.assert_array_equal(getattr(back, name), getattr(gmm, name))


def test_load_rejects_damaged_and_foreign_files(tmp_path):
    gmm = random_gmm(np.random.default_rng(8), 2, 3)
    good = tmp_path / "good.npz"
    gmm.save(good)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a model")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.arange(3))
    wrong_tag = tmp_path / "tag.npz"
    np.savez(wrong_tag, format=np.array("something else"), weights=gmm.weights, means=gmm.means,
             covs=gmm.covs)
    npy = tmp_path / "array.npy"
    np.save(npy, np.arange(3))
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, format=np.array("helpers.mixture.GMM/1"), weights=np.array([{}], dtype=object),
             means=gmm.means, covs=gmm.covs)
    for path in (garbage, truncated, foreign, wrong_tag, npy, pickled):
        with pytest.raises(ValueError, match=r"^path"):
            GMM.load(path)
    with pytest.raises(FileNotFoundError, match=r"^path: no such file"):
        GMM.load(tmp_path / "missing.npz")
    bad_values = tmp_path / "bad_values.npz"
    np.savez(bad_values, format=np.array("helpers.mixture.GMM/1"), weights=np.array([0.2, 0.2]),
             means=gmm.means, covs=gmm.covs)
    with pytest.raises(ValueError, match=r"^weights"):
        GMM.load(bad_values)
    assert zipfile.is_zipfile(good)


def _valid(K=2, d=3):
    return np.full(K, 1 / K), np.zeros((K, d)), np.stack([np.eye(d)] * K)


@pytest.mark.parametrize("change,message", [
    (dict(weights=np.array([0.5, 0.25])), r"^weights: must sum to one"),
    (dict(weights=np.array([1.5, -0.5])), r"^weights: must be non-negative"),
    (dict(weights=np.array([1.0])), r"^weights: expected shape \(2,\)"),
    (dict(weights=np.array([[0.5, 0.5]])), r"^weights: expected a 1-D"),
    (dict(weights=np.array([np.nan, 0.5])), r"^weights: contains NaN"),
    (dict(weights=np.array(["a", "b"])), r"^weights: expected a real numeric"),
    (dict(means=np.zeros(3)), r"^means: expected a 2-D"),
    (dict(means=np.array([[0, 0, np.inf], [0, 0, 0]])), r"^means: contains NaN or inf"),
    (dict(means=np.zeros((2, 0)), covs=np.zeros((2, 0, 0))), r"^means: expected shape"),
    (dict(covs=np.stack([np.eye(3)] * 3)), r"^covs: expected shape \(2, 3, 3\)"),
    (dict(covs=np.eye(3)), r"^covs: expected a 3-D"),
    (dict(covs=np.stack([np.eye(3), np.diag([1.0, -1.0, 1.0])])), r"^covs\[1\]: not positive definite"),
    (dict(covs=np.stack([np.eye(3), np.triu(np.ones((3, 3)))])), r"^covs\[1\]: not symmetric"),
    (dict(covs=np.zeros((2, 3, 3))), r"^covs\[0\]: not positive definite"),
])
def test_every_construction_error_names_the_field(change, message):
    params = dict(zip(("weights", "means", "covs"), _valid()))
    params.update(change)
    with pytest.raises(ValueError, match=message):
        GMM(**params)


def test_method_argument_errors():
    gmm = GMM(*_valid())
    with pytest.raises(ValueError, match=r"^X: expected 3 columns"):
        gmm.log_pdf(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"^X: contains NaN"):
        gmm.responsibilities(np.array([[0.0, np.nan, 0.0]]))
    with pytest.raises(ValueError, match=r"^X: has no rows"):
        gmm.log_pdf(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"^n: "):
        gmm.sample(0, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"^rng: "):
        gmm.sample(3, 0)  # type: ignore[arg-type]

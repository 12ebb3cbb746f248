"""helpers.gaussian against independent oracles: scipy.stats, np.cov, sample moments; bad input."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg, stats

from helpers import gaussian


def random_cov(d: int, rng: np.random.Generator, cond: float = 10.0) -> np.ndarray:
    """A random SPD matrix with eigenvalues log-spaced over `cond` (largest 1)."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eig = np.logspace(-np.log10(cond), 0, d)
    C = (Q * eig) @ Q.T
    return 0.5 * (C + C.T)


def draw(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n points from N(mean, cov) via numpy's Cholesky (independent of helpers.gaussian)."""
    return mean + rng.standard_normal((n, len(mean))) @ np.linalg.cholesky(cov).T


def rel_err(a, b) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.mark.parametrize("d", [1, 2, 5, 64, 256])
def test_log_pdf_matches_scipy(d):
    rng = np.random.default_rng(d)
    mean, cov = rng.standard_normal(d), random_cov(d, rng)
    X = draw(mean, cov, 50, rng) + 0.3 * rng.standard_normal((50, d))
    ours = gaussian.log_pdf(X, mean, cov)
    assert ours.shape == (50,) and ours.dtype == np.float64
    assert rel_err(ours, stats.multivariate_normal(mean, cov).logpdf(X)) < 1e-8


def test_log_pdf_at_d256_is_finite_where_det_fails():
    # 256 pixels with variance 1e-3 each: det = 1e-768 underflows to 0, log det is fine
    d = 256
    cov = 1e-3 * np.eye(d) + 1e-4 * np.ones((d, d))
    assert np.linalg.det(cov) == 0.0
    X = draw(np.zeros(d), cov, 20, np.random.default_rng(0))
    ours = gaussian.log_pdf(X, np.zeros(d), cov)
    assert np.all(np.isfinite(ours))
    assert rel_err(ours, stats.multivariate_normal(np.zeros(d), cov).logpdf(X)) < 1e-8


@pytest.mark.parametrize("d, cond", [(10, 1e8), (256, 1e6)])
def test_log_pdf_ill_conditioned_covariance_matches_scipy(d, cond):
    rng = np.random.default_rng(1)
    mean, cov = rng.standard_normal(d), random_cov(d, rng, cond=cond)
    assert np.linalg.cond(cov) > cond / 10
    X = draw(mean, cov, 30, rng)
    ours = gaussian.log_pdf(X, mean, cov)
    assert rel_err(ours, stats.multivariate_normal(mean, cov).logpdf(X)) < 1e-8


def test_log_pdf_single_point_and_chol_fast_path():
    rng = np.random.default_rng(2)
    mean, cov = rng.standard_normal(3), random_cov(3, rng)
    x = rng.standard_normal(3)
    single = gaussian.log_pdf(x, mean, cov)
    assert np.ndim(single) == 0
    assert abs(single - stats.multivariate_normal(mean, cov).logpdf(x)) < 1e-12
    L = linalg.cholesky(cov, lower=True)
    np.testing.assert_allclose(gaussian.log_pdf_chol(x[None], mean, L), [single], rtol=1e-13)


def test_fit_is_the_mle_dividing_by_n():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 6)) @ rng.standard_normal((6, 6)) + 2.0
    mean, cov = gaussian.fit(X)
    np.testing.assert_allclose(mean, X.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(cov, np.cov(X, rowvar=False, bias=True), rtol=1e-12, atol=1e-14)
    assert np.array_equal(cov, cov.T)


def test_fit_maximises_the_likelihood():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((200, 3)) @ rng.standard_normal((3, 3))
    mean, cov = gaussian.fit(X)
    best = gaussian.log_pdf(X, mean, cov).sum()
    for _ in range(20):  # any perturbation of (mean, cov) lowers the total log-likelihood
        E = 0.05 * rng.standard_normal((3, 3))
        assert gaussian.log_pdf(X, mean + 0.05 * rng.standard_normal(3), cov + E @ E.T).sum() < best
    assert gaussian.log_pdf(X, mean, np.cov(X, rowvar=False)).sum() < best  # N-1 is not the MLE


def test_sample_moments_match():
    rng = np.random.default_rng(5)
    mean = np.array([1.0, -2.0, 0.5])
    cov = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    n = 200_000
    S = gaussian.sample(mean, cov, n, np.random.default_rng(6))
    assert S.shape == (n, 3)
    se = np.sqrt(np.diag(cov) / n)
    assert np.all(np.abs(S.mean(axis=0) - mean) < 5 * se)
    np.testing.assert_allclose(np.cov(S, rowvar=False), cov, atol=0.02)
    assert np.array_equal(S[:10], gaussian.sample(mean, cov, n, np.random.default_rng(6))[:10])
    assert gaussian.sample(mean, cov, 1, rng).shape == (1, 3)


GOOD_MEAN, GOOD_COV = np.zeros(2), np.eye(2)
X2 = np.zeros((4, 2))


@pytest.mark.parametrize("call, match", [
    (lambda: gaussian.log_pdf(np.zeros((2, 2, 2)), GOOD_MEAN, GOOD_COV), r"^X: expected a 2-D array"),
    (lambda: gaussian.log_pdf(np.zeros((0, 2)), GOOD_MEAN, GOOD_COV), r"^X: has no rows"),
    (lambda: gaussian.log_pdf([[0.0, np.nan]], GOOD_MEAN, GOOD_COV), r"^X: contains NaN or inf"),
    (lambda: gaussian.log_pdf([[0.0, np.inf]], GOOD_MEAN, GOOD_COV), r"^X: contains NaN or inf"),
    (lambda: gaussian.log_pdf(X2, np.zeros(3), GOOD_COV), r"^mean: expected length 2"),
    (lambda: gaussian.log_pdf(X2, np.zeros((1, 2)), GOOD_COV), r"^mean: expected a 1-D array"),
    (lambda: gaussian.log_pdf(X2, [np.nan, 0.0], GOOD_COV), r"^mean: contains NaN"),
    (lambda: gaussian.log_pdf(X2, GOOD_MEAN, np.eye(3)), r"^cov: expected a \(2, 2\) matrix"),
    (lambda: gaussian.log_pdf(X2, GOOD_MEAN, np.ones((2, 3))), r"^cov: expected a \(2, 2\) matrix"),
    (lambda: gaussian.log_pdf(X2, GOOD_MEAN, np.ones(2)), r"^cov: expected a 2-D array"),
    (lambda: gaussian.log_pdf(X2, GOOD_MEAN, [[1.0, 0.5], [0.0, 1.0]]), r"^cov: not symmetric"),
    (lambda: gaussian.log_pdf(X2, GOOD_MEAN, [[1.0, 2.0], [2.0, 1.0]]), r"^cov: not positive definite"),
    (lambda: gaussian.log_pdf(X2, GOOD_MEAN, np.zeros((2, 2))), r"^cov: not positive definite"),
    (lambda: gaussian.log_pdf(X2, GOOD_MEAN, [[1.0, np.nan], [np.nan, 1.0]]), r"^cov: contains NaN"),
    (lambda: gaussian.log_pdf([["a", "b"]], GOOD_MEAN, GOOD_COV), r"^X: expected a real numeric array"),
    (lambda: gaussian.fit(np.zeros(5)), r"^X: expected a 2-D array"),
    (lambda: gaussian.fit(np.zeros((0, 3))), r"^X: has no rows"),
    (lambda: gaussian.fit([[1.0, np.nan]]), r"^X: contains NaN"),
    (lambda: gaussian.sample(GOOD_MEAN, GOOD_COV, 0, np.random.default_rng(0)), r"^n: expected an integer >= 1"),
    (lambda: gaussian.sample(GOOD_MEAN, GOOD_COV, 2.5, np.random.default_rng(0)), r"^n: expected an integer"),
    (lambda: gaussian.sample(GOOD_MEAN, GOOD_COV, 3, 42), r"^rng: expected a numpy.random.Generator"),
    (lambda: gaussian.sample(GOOD_MEAN, -np.eye(2), 3, np.random.default_rng(0)), r"^cov: not positive definite"),
    (lambda: gaussian.sample(np.zeros(3), GOOD_COV, 3, np.random.default_rng(0)), r"^cov: expected a \(3, 3\)"),
    (lambda: gaussian.sample([np.inf, 0.0], GOOD_COV, 3, np.random.default_rng(0)), r"^mean: contains NaN or inf"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()

"""helpers.em_driver: the one EM loop, k-means++ and History shared by fit_em, fit_hard_em and fit_mfa."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import em, em_driver, mfa
from helpers.em_driver import History, kmeans_pp


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(c, 0.5, (n // 3, 4)) for c in (-3.0, 0.0, 3.0)])


def test_one_history_type_for_every_em_fit():
    X = _data()
    for fit in (lambda: em.fit_em(X, 3, max_iter=5), lambda: em.fit_hard_em(X, 3, max_iter=5),
                lambda: mfa.fit_mfa(X, 3, 1, max_iter=5)):
        _, h = fit()
        assert type(h) is History and len(h.log_likelihood) == len(h.objective) == h.n_iter + 1
    assert em.History is History and mfa.History is History


def test_mfa_history_has_no_elbo_and_the_loop_stops_the_same_way():
    X = _data()
    seen = []
    model, h = mfa.fit_mfa(X, 3, 1, max_iter=50, tol=1e-4, callback=lambda t, m, hist: seen.append(t))
    assert h.converged and h.elbo == [] and h.reinitialised == [] and h.objective == h.log_likelihood
    assert seen == list(range(h.n_iter + 1))
    assert abs(h.log_likelihood[-1] - h.log_likelihood[-2]) < 1e-4 * abs(h.log_likelihood[-1])
    np.testing.assert_allclose(model.log_pdf(X).mean(), h.log_likelihood[-1], rtol=1e-12)
    _, h = mfa.fit_mfa(X, 3, 1, max_iter=10, callback=lambda t, m, hist: t == 2)   # True stops
    assert h.n_iter == 2 and not h.converged


def test_kmeans_pp_is_seeded_picks_rows_and_spreads_out():
    rng = np.random.default_rng(0)                    # clusters at -12, 0, 12: k-means++ finds each
    X = np.concatenate([rng.normal(c, 0.5, (200, 4)) for c in (-12.0, 0.0, 12.0)])
    C = kmeans_pp(X, 3, np.random.default_rng(0))
    assert np.array_equal(C, kmeans_pp(X, 3, np.random.default_rng(0)))
    assert all(any(np.array_equal(c, x) for x in X) for c in C)          # centres are data points
    assert sorted(np.round(C[:, 0] / 12).astype(int)) == [-1, 0, 1]        # one per cluster
    # shift only changes the arithmetic: centres are the same rows
    np.testing.assert_allclose(kmeans_pp(X, 3, np.random.default_rng(0), shift=X.mean(axis=0)), C, atol=1e-12)


def test_kmeans_pp_subsamples_large_data_like_both_fits():
    X = np.random.default_rng(1).normal(size=(em_driver.kmeans_max_points(2) + 500, 2))
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    C = kmeans_pp(X, 2, rng_a)
    # the same draws as seeding from the sorted random subset by hand
    sub = X[np.sort(rng_b.choice(len(X), size=em_driver.kmeans_max_points(2), replace=False))]
    first = sub[rng_b.integers(len(sub))]
    np.testing.assert_array_equal(C[0], first)


def test_reg_covar_means_the_same_in_fit_em_and_fit_mfa():
    """Every eigenvalue of every fitted Σ_k is at least reg_covar, even for a pixel that never varies."""
    X = _data()
    X[:, 2] = 0.25                                    # a constant coordinate
    reg = 1e-3
    gmm, _ = em.fit_em(X, 3, max_iter=10, reg_covar=reg)
    model, _ = mfa.fit_mfa(X, 3, 2, max_iter=10, reg_covar=reg)
    for covs in (gmm.covs, model.covs):
        assert np.linalg.eigvalsh(covs).min() >= reg * (1 - 1e-9)


@pytest.mark.parametrize("call, match", [
    (lambda X: em.fit_em(X, 3, tol=-1), "^tol: expected a non-negative"),
    (lambda X: mfa.fit_mfa(X, 3, 1, tol="x"), "^tol: expected a non-negative number"),
    (lambda X: mfa.fit_mfa(X, 3, 1, callback=3), "^callback: expected a callable"),
    (lambda X: em.fit_em(X, 3, callback=3), "^callback: expected a callable"),
    (lambda X: mfa.fit_mfa(X, 700, 1), "^n_components: 700 components but only 600"),
    (lambda X: mfa.fit_mfa(X, 3, 1, init="nope"), "^init: expected 'kmeans\\+\\+', 'random', .*a GMM or an MFA"),
    (lambda X: em.fit_em(X, 3, init="nope"), "^init: expected 'kmeans\\+\\+', 'random', .* or a GMM, got"),
])
def test_both_fits_validate_through_the_driver(call, match):
    with pytest.raises(ValueError, match=match):
        call(_data())

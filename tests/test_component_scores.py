"""Every implementation of a Gaussian component's log-density agrees with the one common path,
``GMM.log_pdf_components`` (``helpers.mixture.ComponentScorer``): log π_k + log N(x_i; μ_k, Σ_k).

The specialisations and why they exist (each says so in its docstring):

* ``gaussian.log_pdf_chol``: one Gaussian, one triangular solve (notebook 01's form);
* ``sgd.gmm_loss._gmm_log_joint`` and ``sgd.gaussian_loss._gaussian_nll_grad``: also keep the
  whitened residuals / solves the gradients need;
* ``mfa._log_pdf_fast`` (``mfa.log_pdf_woodbury``) and ``mfa._scores`` (``MFA.log_pdf_components``):
  the one-component and the all-components Woodbury forms, O(d·l) per point;
* ``plots.mixture._component_log_pdfs`` goes through the common path itself.

(``denoise``'s score table, with covariances re-inflated for each β, is tested in test_denoise.py.)
The independent float64 oracle (scipy's multivariate_normal) pins the common path itself.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from helpers import gaussian, mfa, sgd
from helpers.mixture import GMM
from helpers.plots.mixture import _component_log_pdfs
from helpers.sgd.gmm_loss import _component_factors, _gmm_log_joint


def _problem(d: int, K: int = 3, seed: int = 0, offset: float = 0.0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((K, d, d)) / np.sqrt(d)
    covs = A @ A.transpose(0, 2, 1) + 0.1 * np.eye(d)
    gmm = GMM(rng.dirichlet(np.ones(K)), rng.standard_normal((K, d)) + offset, covs)
    X = gmm.sample(50, rng)[0]
    return gmm, X


@pytest.mark.parametrize("d, offset", [(2, 0.0), (16, 50.0), (64, 0.0)])
def test_common_path_matches_scipy(d, offset):
    gmm, X = _problem(d, offset=offset)
    want = np.stack([np.log(w) + multivariate_normal(m, c).logpdf(X)
                     for w, m, c in zip(gmm.weights, gmm.means, gmm.covs)], axis=1)
    np.testing.assert_allclose(gmm.log_pdf_components(X), want, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("d", [2, 16, 256])
def test_single_gaussian_path_equals_the_common_path(d):
    gmm, X = _problem(d, seed=1)
    common = gmm.log_pdf_components(X)
    for k in range(gmm.n_components):
        one = gaussian.log_pdf_chol(X, gmm.means[k], gmm.chol[k]) + np.log(gmm.weights[k])
        np.testing.assert_allclose(one, common[:, k], rtol=1e-11, atol=1e-9)


@pytest.mark.parametrize("d", [2, 16])
def test_sgd_log_joint_equals_the_common_path(d):
    rng = np.random.default_rng(2)
    K, eps = 3, 1e-3
    params = {"w": rng.standard_normal(K), "means": rng.standard_normal((K, d)),
              "A": rng.standard_normal((K, d, d)) / np.sqrt(d)}
    X = rng.standard_normal((40, d))
    gmm = sgd.params_to_gmm(params, eps)
    L, P = _component_factors(params["A"], eps)
    log_pi = params["w"] - np.log(np.sum(np.exp(params["w"])))
    joint, Z = _gmm_log_joint(X, log_pi, params["means"], L, P)
    np.testing.assert_allclose(joint.T, gmm.log_pdf_components(X), rtol=1e-10, atol=1e-9)
    # and the residuals it is kept for: |z_ik|² is the Mahalanobis distance
    maha = np.einsum("knd,knd->kn", Z, Z)
    cov_inv = np.linalg.inv(gmm.covs)
    D = X[None] - params["means"][:, None]
    np.testing.assert_allclose(maha, np.einsum("knd,kde,kne->kn", D, cov_inv, D), rtol=1e-9)


@pytest.mark.parametrize("d, l", [(8, 2), (64, 8)])
def test_both_woodbury_paths_equal_the_common_path(d, l):
    rng = np.random.default_rng(3)
    K = 3
    model = mfa.MFA(rng.dirichlet(np.ones(K)), rng.standard_normal((K, d)) + 5.0,
                    rng.standard_normal((K, d, l)), rng.uniform(0.1, 1.0, (K, d)))
    X = model.sample(60, rng)[0]
    common = model.to_gmm().log_pdf_components(X)
    np.testing.assert_allclose(model.log_pdf_components(X), common, rtol=1e-10, atol=1e-8)
    for k in range(K):
        one = mfa.log_pdf_woodbury(X, model.means[k], model.loadings[k], model.noise[k])
        np.testing.assert_allclose(one + np.log(model.weights[k]), common[:, k], rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(model.log_pdf(X), model.to_gmm().log_pdf(X), rtol=1e-10)


def test_plots_grid_scores_are_the_common_path():
    gmm, X = _problem(2, seed=4)
    np.testing.assert_array_equal(_component_log_pdfs(X, gmm.weights, gmm.means, gmm.covs),
                                  gmm.log_pdf_components(X))


def test_sgd_gaussian_nll_equals_the_common_path():
    rng = np.random.default_rng(5)
    d, eps = 12, 1e-3
    A, mu = rng.standard_normal((d, d)) / np.sqrt(d), rng.standard_normal(d)
    X = rng.standard_normal((80, d))
    cov = A @ A.T + eps * np.eye(d)
    want = -GMM(np.ones(1), mu[None], cov[None]).log_pdf(X).mean()
    np.testing.assert_allclose(sgd.gaussian_nll(X, mu, A, eps), want, rtol=1e-12)
    np.testing.assert_allclose(sgd.gaussian_nll_and_grad(X, mu, A, eps)[0], want, rtol=1e-12)


def test_em_elbo_from_statistics_equals_the_elbo_from_scores():
    """History.elbo[t] (from sufficient statistics) = mean L(r_t, θ_{t+1}) computed point by point."""
    from helpers import em
    gmm, X = _problem(5, seed=6, offset=20.0)
    X = np.concatenate([X, gmm.sample(400, np.random.default_rng(7))[0]])
    models = []
    _, h = em.fit_em(X, 3, max_iter=3, tol=0.0, callback=lambda t, g, hist: models.append(g))
    for t in range(3):
        r, _ = em.e_step(X, models[t])
        np.testing.assert_allclose(h.elbo[t], em.elbo(X, r, models[t + 1]).mean(), rtol=1e-10)

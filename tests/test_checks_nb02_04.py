"""The checkers of notebooks 02-04 accept the reference solution and reject each planted
mistake with its own message."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, xlogy

from helpers import checks
from helpers.checks import ExerciseError
from helpers.gaussian import log_pdf


def _terms(X, pi, mu, Sigma):
    return np.log(pi) + np.stack([log_pdf(X, m, S) for m, S in zip(mu, Sigma)], axis=1)


# ---------------------------------------------------------------- Exercise 2.1 mixture log-density

def _naive_log_sum(terms):
    with np.errstate(divide="ignore"):
        return np.log(np.exp(terms).sum(axis=1))


def density_ref(X, pi, mu, Sigma):
    return logsumexp(_terms(X, pi, mu, Sigma), axis=1)


DENSITY_MISTAKES = {
    "no_weights": (lambda X, pi, mu, S: logsumexp(_terms(X, pi, mu, S) - np.log(pi), axis=1),
                   "left out the weights"),
    "pi_not_log": (lambda X, pi, mu, S: logsumexp(_terms(X, pi, mu, S) - np.log(pi) + pi, axis=1),
                   "instead of log π_k"),
    "sum_of_logs": (lambda X, pi, mu, S: _terms(X, pi, mu, S).sum(axis=1), "not the sum of the logs"),
    "max": (lambda X, pi, mu, S: _terms(X, pi, mu, S).max(axis=1), "max over k"),
    "density": (lambda X, pi, mu, S: np.exp(density_ref(X, pi, mu, S)), "not its logarithm"),
    "underflow": (lambda X, pi, mu, S: _naive_log_sum(_terms(X, pi, mu, S)), "underflows"),
    "shape": (lambda X, pi, mu, S: density_ref(X, pi, mu, S)[:, None], "shape"),
}


def test_density_checker_accepts_reference(capsys):
    checks.check_mixture_log_pdf(density_ref)
    assert "✓ Exercise 2.1" in capsys.readouterr().out


@pytest.mark.parametrize("name", DENSITY_MISTAKES)
def test_density_checker_rejects(name):
    func, message = DENSITY_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_mixture_log_pdf(func)


def test_checker_passes_not_implemented_through():
    def stub(*args):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        checks.check_mixture_log_pdf(stub)


# ---------------------------------------------------------------- Exercise 2.2 ancestral sampling

def sample_ref(pi, mu, Sigma, n, rng):
    K, d = mu.shape
    z = rng.choice(K, size=n, p=pi)
    L = np.linalg.cholesky(Sigma)
    eps = rng.standard_normal((n, d))
    return mu[z] + np.einsum("nij,nj->ni", L[z], eps), z


def _sample_with(matrix):
    def sample(pi, mu, Sigma, n, rng):
        z = rng.choice(len(pi), size=n, p=pi)
        M = np.stack([matrix(S) for S in Sigma])
        return mu[z] + np.einsum("nij,nj->ni", M[z], rng.standard_normal((n, mu.shape[1]))), z
    return sample


def one_z_per_call(pi, mu, Sigma, n, rng):
    z = rng.choice(len(pi), p=pi)
    return rng.multivariate_normal(mu[z], Sigma[z], size=n), np.full(n, z)


def uniform_z(pi, mu, Sigma, n, rng):
    z = rng.integers(len(pi), size=n)
    L = np.linalg.cholesky(Sigma)
    return mu[z] + np.einsum("nij,nj->ni", L[z], rng.standard_normal((n, mu.shape[1]))), z


def softmax_weights(pi, mu, Sigma, n, rng):
    p = np.exp(pi) / np.exp(pi).sum()
    return sample_ref(p, mu, Sigma, n, rng)


def no_validation(pi, mu, Sigma, n, rng):
    z = np.minimum(np.searchsorted(np.cumsum(pi), rng.random(n)), len(pi) - 1)
    L = np.linalg.cholesky(Sigma)
    return mu[z] + np.einsum("nij,nj->ni", L[z], rng.standard_normal((n, mu.shape[1]))), z


def global_rng(pi, mu, Sigma, n, rng):
    return sample_ref(pi, mu, Sigma, n, np.random.default_rng())


def mismatched_z(pi, mu, Sigma, n, rng):
    X, _ = sample_ref(pi, mu, Sigma, n, rng)
    return X, rng.choice(len(pi), size=n, p=pi)


def one_based_z(pi, mu, Sigma, n, rng):
    X, z = sample_ref(pi, mu, Sigma, n, rng)
    return X, z + 1


SAMPLE_MISTAKES = {
    "one_z_per_call": (one_z_per_call, "you drew one z for the\nwhole call|one z for the whole call"),
    "uniform_z": (uniform_z, "about equally often"),
    "softmax_weights": (softmax_weights, "without re-weighting"),
    "sigma_not_cholesky": (_sample_with(lambda S: S), "about Σ²"),
    "cholesky_transposed": (_sample_with(lambda S: np.linalg.cholesky(S).T), "about Lᵀ L"),
    "diagonal_only": (_sample_with(lambda S: np.diag(np.sqrt(np.diag(S)))), "correlations are missing"),
    "no_scaling": (_sample_with(lambda S: np.eye(len(S))), "about the identity"),
    "no_validation": (no_validation, "not mixture weights"),
    "global_rng": (global_rng, "np.random"),
    "mismatched_z": (mismatched_z, "from the component z_i you"),
    "one_based_z": (one_based_z, "numbered 0"),
    "not_a_pair": (lambda pi, mu, S, n, rng: sample_ref(pi, mu, S, n, rng)[0], "return a pair"),
}


def test_sample_checker_accepts_reference(capsys):
    checks.check_sample_gmm(sample_ref)
    assert "✓ Exercise 2.2" in capsys.readouterr().out


def test_sample_checker_accepts_other_correct_samplers(capsys):
    def with_multivariate_normal(pi, mu, Sigma, n, rng):
        z = rng.choice(len(pi), size=n, p=pi)
        X = np.empty((n, mu.shape[1]))
        for k in range(len(pi)):
            X[z == k] = rng.multivariate_normal(mu[k], Sigma[k], size=int(np.sum(z == k)))
        return X, z
    checks.check_sample_gmm(with_multivariate_normal)
    checks.check_sample_gmm(_sample_with(lambda S: np.linalg.cholesky(S)))


@pytest.mark.parametrize("name", SAMPLE_MISTAKES)
def test_sample_checker_rejects(name):
    func, message = SAMPLE_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_sample_gmm(func)


# ---------------------------------------------------------------- Exercise 3.1 the ELBO

def elbo_ref(X, r, pi, mu, Sigma):
    return float(np.sum(r * _terms(X, pi, mu, Sigma) - xlogy(r, r)))


def _elbo_naive_log(X, r, pi, mu, Sigma):
    dens = np.exp(_terms(X, pi, mu, Sigma))
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(r * np.log(dens) - xlogy(r, r)))


def _elbo_r_log_r(X, r, pi, mu, Sigma):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.sum(r * (_terms(X, pi, mu, Sigma) - np.log(r))))


ELBO_MISTAKES = {
    "no_entropy": (lambda X, r, pi, mu, S: float(np.sum(r * _terms(X, pi, mu, S))), "entropy of r"),
    "entropy_sign": (lambda X, r, pi, mu, S: float(np.sum(r * _terms(X, pi, mu, S) + xlogy(r, r))),
                     "wrong sign"),
    "no_log_pi": (lambda X, r, pi, mu, S: elbo_ref(X, r, pi, mu, S) - float(np.sum(r * np.log(pi))),
                  "left out log π_k"),
    "mean": (lambda X, r, pi, mu, S: elbo_ref(X, r, pi, mu, S) / len(X), "mean over points"),
    "unweighted": (lambda X, r, pi, mu, S: float(np.sum(_terms(X, pi, mu, S) - xlogy(r, r))),
                   "weight log π_k"),
    "zero_r_nan": (_elbo_r_log_r, "0 · log 0"),
    "underflow": (_elbo_naive_log, "underflows"),
    "per_point": (lambda X, r, pi, mu, S: np.sum(r * _terms(X, pi, mu, S) - xlogy(r, r), axis=1),
                  "as one number"),
}


def test_elbo_checker_accepts_reference(capsys):
    checks.check_elbo(elbo_ref)
    assert "✓ Exercise 3.1" in capsys.readouterr().out


@pytest.mark.parametrize("name", ELBO_MISTAKES)
def test_elbo_checker_rejects(name):
    func, message = ELBO_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_elbo(func)


# ---------------------------------------------------------------- Exercise 4.1 E step

def e_ref(X, pi, mu, Sigma):
    t = _terms(X, pi, mu, Sigma)
    return np.exp(t - logsumexp(t, axis=1, keepdims=True))


def _e_naive(X, pi, mu, Sigma):
    p = np.exp(_terms(X, pi, mu, Sigma))
    with np.errstate(invalid="ignore"):
        return p / p.sum(axis=1, keepdims=True)


def _e_hard(X, pi, mu, Sigma):
    return np.eye(len(pi))[_terms(X, pi, mu, Sigma).argmax(axis=1)]


def _e_shifted_wrong(X, pi, mu, Sigma):
    r = e_ref(X, pi, mu, Sigma)
    return r * 1.1


E_MISTAKES = {
    "no_pi": (lambda X, pi, mu, S: e_ref(X, np.full(len(pi), 1 / len(pi)), mu, S), "left out the weights"),
    "log_r": (lambda X, pi, mu, S: np.log(e_ref(X, pi, mu, S)), "returned log r"),
    "unnormalised": (lambda X, pi, mu, S: np.exp(_terms(X, pi, mu, S)), "without normalising"),
    "axis0": (lambda X, pi, mu, S: (lambda t: np.exp(t - logsumexp(t, axis=0, keepdims=True)))(
        _terms(X, pi, mu, S)), "columns sum to one"),
    "hard": (_e_hard, "hard \\(one-hot\\)"),
    "underflow": (_e_naive, "underflow"),
    "rows_not_one": (_e_shifted_wrong, "row 0 sums to|must sum to one"),
    "transposed": (lambda X, pi, mu, S: e_ref(X, pi, mu, S).T, "should have shape"),
}


def test_e_step_checker_accepts_reference(capsys):
    checks.check_e_step(e_ref)
    assert "✓ Exercise 4.1" in capsys.readouterr().out


@pytest.mark.parametrize("name", E_MISTAKES)
def test_e_step_checker_rejects(name):
    func, message = E_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_e_step(func)


# ---------------------------------------------------------------- Exercise 4.2 M step

def m_ref(X, r, reg_covar):
    nk = r.sum(axis=0)
    mu = (r.T @ X) / nk[:, None]
    D = X[None] - mu[:, None]
    Sigma = np.einsum("nk,kni,knj->kij", r, D, D) / nk[:, None, None] + reg_covar * np.eye(X.shape[1])
    return nk / len(X), mu, Sigma


def _m_variant(pi=None, mu=None, Sigma=None):
    def m_step(X, r, reg_covar):
        p, m, S = m_ref(X, r, reg_covar)
        nk = r.sum(axis=0)
        return (p if pi is None else pi(X, r, nk),
                m if mu is None else mu(X, r, nk),
                S if Sigma is None else Sigma(X, r, nk, m, reg_covar))
    return m_step


def _scatter(X, r, centres, divisor):
    D = X[None] - centres[:, None]
    return np.einsum("nk,kni,knj->kij", r, D, D) / divisor[:, None, None]


def _m_hard(X, r, reg_covar):
    return m_ref(X, np.eye(r.shape[1])[r.argmax(axis=1)], reg_covar)


M_MISTAKES = {
    "pi_counts": (_m_variant(pi=lambda X, r, nk: nk), "you returned N_k"),
    "pi_uniform": (_m_variant(pi=lambda X, r, nk: np.full(len(nk), 1 / len(nk))), "not 1/K"),
    "hard": (_m_hard, "hard assignments"),
    "mu_over_N": (_m_variant(mu=lambda X, r, nk: (r.T @ X) / len(X)), "divided by N instead of N_k"),
    "mu_not_divided": (_m_variant(mu=lambda X, r, nk: r.T @ X), "forgot to divide by N_k"),
    "mu_global": (_m_variant(mu=lambda X, r, nk: np.tile(X.mean(axis=0), (len(nk), 1))), "mean of all points"),
    "no_reg": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, m, nk)), "forgot reg_covar"),
    "reg_everywhere": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, m, nk) + reg),
                       "diagonal only"),
    "not_centred": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, 0 * m, nk) + reg * np.eye(X.shape[1])),
                    "did not centre"),
    "global_centre": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(
        X, r, np.tile(X.mean(axis=0), (len(nk), 1)), nk) + reg * np.eye(X.shape[1])), "its own new μ_k"),
    "sigma_over_N": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, m, np.full_like(nk, len(X)))
                                + reg * np.eye(X.shape[1])), "r_ik, not by N \\("),
    "unbiased": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, m, nk - 1) + reg * np.eye(X.shape[1])),
                 "not by N_k − 1"),
    "r_squared": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r ** 2, m, nk) + reg * np.eye(X.shape[1])),
                  "r_ik²"),
    "not_a_tuple": (lambda X, r, reg: list(m_ref(X, r, reg)), "return a tuple"),
}


def test_m_step_checker_accepts_reference(capsys):
    checks.check_m_step(m_ref)
    assert "✓ Exercise 4.2" in capsys.readouterr().out


@pytest.mark.parametrize("name", M_MISTAKES)
def test_m_step_checker_rejects(name):
    func, message = M_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_m_step(func)

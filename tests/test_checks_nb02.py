"""The checkers of notebooks 02-04 accept the reference solution and reject each planted
mistake with its own message."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

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

"""The notebook-02 checkers accept the reference solution and other correct answers, and reject each
planted mistake with its own message."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp

from helpers import checks, gaussian
from helpers.checks import ExerciseError
from helpers.gaussian import log_pdf
from helpers.mixture import GMM


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
    "wrong_axis": (lambda X, pi, mu, S: logsumexp(_terms(X, pi, mu, S), axis=0), "over the points \\(axis 0\\)"),
    "no_axis": (lambda X, pi, mu, S: logsumexp(_terms(X, pi, mu, S)), "without an axis"),
    "pi_times_log_n": (lambda X, pi, mu, S: logsumexp(pi * (_terms(X, pi, mu, S) - np.log(pi)), axis=1),
                       "multiplied log N by π_k"),
    "log_pi_outside_sum": (lambda X, pi, mu, S: logsumexp(_terms(X, pi, mu, S) - np.log(pi), axis=1)
                           + np.log(pi).sum(), "outside the log-sum-exp"),
    "log_pi_outside_broadcast": (lambda X, pi, mu, S: logsumexp(_terms(X, pi, mu, S) - np.log(pi), axis=1,
                                                                keepdims=True) + np.log(pi),
                                 "added log π outside the log-sum-exp, where it broadcasts"),
    "in_place": (lambda X, pi, mu, S: _in_place_density(X, pi, mu, S), "changed its input X in place"),
    "calls_gmm": (lambda X, pi, mu, S: GMM(weights=pi, means=mu, covs=S).log_pdf(X), "helpers.mixture.GMM.log_pdf"),
    "nan": (lambda X, pi, mu, S: np.full(len(X), np.nan), "contains nan or inf"),
}


def _in_place_density(X, pi, mu, Sigma):
    X -= mu[0]
    return density_ref(X + mu[0], pi, mu, Sigma)


def density_float32_loop(X, pi, mu, Sigma):
    """Also correct: a loop over the points, by hand max-shift, float32 result."""
    out = []
    for x in X:
        a = np.array([np.log(pi[k]) + log_pdf(x[None], mu[k], Sigma[k])[0] for k in range(len(pi))])
        out.append(a.max() + np.log(np.exp(a - a.max()).sum()))
    return np.array(out, dtype=np.float32)


def test_density_checker_accepts_other_correct_answers(capsys):
    checks.check_mixture_log_pdf(density_float32_loop)
    assert "✓ Exercise 2.1" in capsys.readouterr().out


def test_density_messages_are_distinct():
    messages = set()
    for func, _ in DENSITY_MISTAKES.values():
        with pytest.raises(ExerciseError) as err:
            checks.check_mixture_log_pdf(func)
        messages.add(str(err.value).split(" (K = ")[0].split(" (first at")[0])
    # "log π outside the sum" (sum and mean variants) share one message by design
    assert len(messages) == len(DENSITY_MISTAKES)


def test_density_checker_accepts_reference(capsys):
    checks.check_mixture_log_pdf(density_ref)
    assert "✓ Exercise 2.1" in capsys.readouterr().out


@pytest.mark.parametrize("name", DENSITY_MISTAKES)
def test_density_checker_rejects(name):
    func, message = DENSITY_MISTAKES[name]
    with np.errstate(all="ignore"), pytest.raises(ExerciseError, match="^Exercise 2.1: (.|\\n)*" + message):
        checks.check_mixture_log_pdf(func)


def test_checker_passes_not_implemented_through():
    def stub(*args):
        raise NotImplementedError()
    for check, ex in [(checks.check_mixture_log_pdf, "2.1"), (checks.check_sample_gmm, "2.2"),
                      (checks.check_mixture_moments, "2.3")]:
        with pytest.raises(NotImplementedError, match=f"Exercise {ex}"):
            check(stub)


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
    "nan_samples": (lambda pi, mu, S, n, rng: (np.full((n, mu.shape[1]), np.nan), sample_ref(pi, mu, S, n, rng)[1]),
                    "your samples X \\(n = 1\\) contains nan or inf"),
    "nan_rows": (lambda pi, mu, S, n, rng: _nan_for_component(pi, mu, S, n, rng), "contains nan or inf"),
    "calls_gmm_sample": (lambda pi, mu, S, n, rng: GMM(weights=pi, means=mu, covs=S).sample(n, rng),
                         "helpers.mixture.GMM.sample"),
    "calls_gaussian_sample": (lambda pi, mu, S, n, rng: _with_gaussian_sample(pi, mu, S, n, rng),
                              "helpers.gaussian.sample"),
    "wrong_error": (lambda pi, mu, S, n, rng: _type_error_on_bad_weights(pi, mu, S, n, rng),
                    "should raise ValueError; your function raised TypeError"),
}


def _nan_for_component(pi, mu, Sigma, n, rng):
    X, z = sample_ref(pi, mu, Sigma, n, rng)
    X[z == len(pi) - 1] = np.nan        # only the rows of the last component
    return X, z


def _with_gaussian_sample(pi, mu, Sigma, n, rng):
    z = rng.choice(len(pi), size=n, p=pi)
    X = np.empty((n, mu.shape[1]))
    for k in range(len(pi)):
        if np.any(z == k):
            X[z == k] = gaussian.sample(mu[k], Sigma[k], int(np.sum(z == k)), rng)
    return X, z


def _type_error_on_bad_weights(pi, mu, Sigma, n, rng):
    if not np.isclose(np.sum(pi), 1.0):
        raise TypeError("bad weights")
    return sample_ref(pi, mu, Sigma, n, rng)


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
    with pytest.raises(ExerciseError, match="^Exercise 2.2: (.|\\n)*" + message):
        checks.check_sample_gmm(func)


def test_nan_rows_are_reported_before_anything_else():
    """A NaN for one component's rows is not 'not reproducible' nor a covariance mistake."""
    with pytest.raises(ExerciseError) as err:
        checks.check_sample_gmm(_nan_for_component)
    assert "not reproducible" not in str(err.value) and "different samples" not in str(err.value)
    assert "nan or inf" in str(err.value)


# ---------------------------------------------------------------- Exercise 2.3 the moments of a mixture

def moments_ref(pi, mu, Sigma):
    m = pi @ mu
    D = mu - m
    return m, np.einsum("k,kij->ij", pi, Sigma) + (pi[:, None] * D).T @ D


def moments_second_moment_route(pi, mu, Sigma):
    """Also correct: E[xxᵀ] − E[x]E[x]ᵀ, one component at a time, float32 result."""
    m = sum(p * u for p, u in zip(pi, mu))
    second = sum(p * (S + np.outer(u, u)) for p, u, S in zip(pi, mu, Sigma))
    return m.astype(np.float32), (second - np.outer(m, m)).astype(np.float32)


def test_oracle_moments_match_monte_carlo():
    from helpers.checks import _oracle
    from helpers.checks.nb02 import _moment_cases
    for pi, mu, Sigma in _moment_cases():
        X, _ = sample_ref(pi, mu, Sigma, 400_000, np.random.default_rng(5))
        m, C = _oracle.mixture_moments(pi, mu, Sigma)
        np.testing.assert_allclose(X.mean(axis=0), m, atol=0.05 * np.sqrt(np.abs(np.diag(C)).max()))
        np.testing.assert_allclose(np.cov(X.T, bias=True).reshape(C.shape), C, atol=0.02 * np.abs(C).max())


def test_moments_checker_accepts_correct_answers(capsys):
    checks.check_mixture_moments(moments_ref)
    checks.check_mixture_moments(moments_second_moment_route)
    assert capsys.readouterr().out.count("✓ Exercise 2.3: all 3 checks passed") == 2


def _within(pi, Sigma):
    return np.einsum("k,kij->ij", pi, Sigma)


def _between(pi, mu):
    D = mu - pi @ mu
    return (pi[:, None] * D).T @ D


MOMENT_MISTAKES = {
    "mean_unweighted": (lambda pi, mu, S: (mu.mean(axis=0), moments_ref(pi, mu, S)[1]), "plain average of the μ_k"),
    "mean_summed": (lambda pi, mu, S: (mu.sum(axis=0), moments_ref(pi, mu, S)[1]), "without their probabilities"),
    "within_only": (lambda pi, mu, S: (pi @ mu, _within(pi, S)), "average of the component covariances only"),
    "not_centred": (lambda pi, mu, S: (pi @ mu, _within(pi, S) + (pi[:, None] * mu).T @ mu), "second moment about 0"),
    "weighted_sum": (lambda pi, mu, S: (pi @ mu, np.einsum("k,kij->ij", pi ** 2, S)),
                     "by π_k² and left out the spread"),
    "pi_squared_within": (lambda pi, mu, S: (pi @ mu, np.einsum("k,kij->ij", pi ** 2, S) + _between(pi, mu)),
                          "not π_k²"),
    "between_unweighted": (lambda pi, mu, S: (pi @ mu, _within(pi, S) + np.cov(mu.T, bias=True).reshape(
        S.shape[1:])), "not averaged\nuniformly|not averaged uniformly"),
    "within_unweighted": (lambda pi, mu, S: (pi @ mu, S.sum(axis=0) + _between(pi, mu)), "E\\[Cov\\[x \\| z\\]\\]"),
    "between_no_pi": (lambda pi, mu, S: (pi @ mu, _within(pi, S) + (mu - pi @ mu).T @ (mu - pi @ mu)),
                      "expectation over z"),
    "not_a_pair": (lambda pi, mu, S: moments_ref(pi, mu, S)[1], "return a pair"),
    "shape": (lambda pi, mu, S: (pi @ mu, np.diag(moments_ref(pi, mu, S)[1])), "shape mismatch"),
    "nan": (lambda pi, mu, S: (pi @ mu, np.full((mu.shape[1],) * 2, np.nan)), "contains nan or inf"),
    "garbage": (lambda pi, mu, S: (pi @ mu, np.eye(mu.shape[1])), "is wrong \\(at index"),
    "from_samples": (lambda pi, mu, S: _moments_from_gmm_samples(pi, mu, S), "helpers.mixture.GMM.sample"),
}


def _moments_from_gmm_samples(pi, mu, Sigma):
    X, _ = GMM(weights=pi, means=mu, covs=Sigma).sample(100_000, np.random.default_rng(0))
    return X.mean(axis=0), np.cov(X.T, bias=True)


@pytest.mark.parametrize("name", MOMENT_MISTAKES)
def test_moments_checker_rejects(name):
    func, message = MOMENT_MISTAKES[name]
    with pytest.raises(ExerciseError, match="^Exercise 2.3: (.|\\n)*" + message):
        checks.check_mixture_moments(func)


def test_moments_messages_are_distinct():
    messages = set()
    for func, _ in MOMENT_MISTAKES.values():
        with pytest.raises(ExerciseError) as err:
            checks.check_mixture_moments(func)
        messages.add(str(err.value).split(" (K = ")[0])
    assert len(messages) == len(MOMENT_MISTAKES)


def test_checkers_do_not_grade_with_the_course_code(monkeypatch, capsys):
    """Issue 13.3: a broken GMM / helpers.gaussian must neither fail a right answer nor pass a wrong one."""
    monkeypatch.setattr(GMM, "log_pdf", lambda self, X: np.zeros(len(X)))
    monkeypatch.setattr(GMM, "sample", lambda self, n, rng: (np.zeros((n, self.dim)), np.zeros(n, int)))
    monkeypatch.setattr(gaussian, "fit", lambda X: (np.zeros(X.shape[1]), np.eye(X.shape[1])))
    checks.check_mixture_log_pdf(density_ref)
    checks.check_sample_gmm(sample_ref)
    checks.check_mixture_moments(moments_ref)
    assert capsys.readouterr().out.count("✓ Exercise 2.") == 3
    with pytest.raises(ExerciseError):
        checks.check_mixture_log_pdf(lambda X, pi, mu, S: np.zeros(len(X)))

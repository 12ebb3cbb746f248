"""The notebook-07 checker (gradient of the GMM patch log-density) accepts the reference and
rejects each planted mistake with its own message."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from helpers import checks
from helpers.checks import ExerciseError
from helpers.checks.nb07 import reference_log_density_grad


def _logc(Z, pi, mu, S):
    return np.stack([np.log(p) + multivariate_normal(m, c).logpdf(Z).reshape(-1)
                     for p, m, c in zip(pi, mu, S)], axis=1)


def _solve_all(Z, mu, S):
    return [np.linalg.solve(c, (Z - m).T).T for m, c in zip(mu, S)]


def mine_ref(Z, pi, mu, S):
    logc = _logc(Z, pi, mu, S)
    R = np.exp(logc - logsumexp(logc, axis=1, keepdims=True))
    return -sum(R[:, [k]] * g for k, g in enumerate(_solve_all(Z, mu, S)))


def wrong_sign(Z, pi, mu, S):
    return -mine_ref(Z, pi, mu, S)


def times_cov(Z, pi, mu, S):
    logc = _logc(Z, pi, mu, S)
    R = np.exp(logc - logsumexp(logc, axis=1, keepdims=True))
    return -sum(R[:, [k]] * ((Z - m) @ c) for k, (m, c) in enumerate(zip(mu, S)))


def weights_not_resp(Z, pi, mu, S):
    return -sum(p * g for p, g in zip(pi, _solve_all(Z, mu, S)))


def unnormalised(Z, pi, mu, S):
    logc = _logc(Z, pi, mu, S)
    return -sum(np.exp(logc[:, [k]]) * g for k, g in enumerate(_solve_all(Z, mu, S)))


def underflow(Z, pi, mu, S):
    dens = np.exp(_logc(Z, pi, mu, S))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = dens / dens.sum(axis=1, keepdims=True)
    return -sum(R[:, [k]] * g for k, g in enumerate(_solve_all(Z, mu, S)))


def transposed(Z, pi, mu, S):
    return mine_ref(Z, pi, mu, S).T


def off_by_factor(Z, pi, mu, S):
    return 0.5 * mine_ref(Z, pi, mu, S)


def test_accepts_reference_solutions(capsys):
    checks.check_log_density_grad(mine_ref)
    checks.check_log_density_grad(reference_log_density_grad)
    assert "✓ Exercise 7.1: all" in capsys.readouterr().out


@pytest.mark.parametrize("func, message", [
    (wrong_sign, "sign is flipped"),
    (times_cov, "instead of solving"),
    (weights_not_resp, "weighted the components by π_k"),
    (unnormalised, "not normalised"),
    (underflow, "logsumexp"),
    (transposed, "should have shape (5, 3)"),
    (off_by_factor, "-Σ⁻¹ (z - μ)"),
])
def test_rejects_planted_mistakes(func, message):
    with pytest.raises(ExerciseError, match="Exercise 7.1") as err:
        checks.check_log_density_grad(func)
    assert message in str(err.value)


def test_unsolved_exercise_reads_as_not_implemented():
    def stub(Z, pi, mu, S):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        checks.check_log_density_grad(stub)


def test_a_crashing_answer_is_reported():
    def crash(Z, pi, mu, S):
        return Z @ np.ones((2, 2))
    with pytest.raises(ExerciseError, match="raised ValueError"):
        checks.check_log_density_grad(crash)


def test_reference_matches_finite_differences():
    rng = np.random.default_rng(0)
    pi, mu = np.array([0.3, 0.7]), rng.standard_normal((2, 3))
    S = np.stack([np.eye(3) * 0.5, np.diag([1.0, 2.0, 0.3])])
    Z = rng.standard_normal((4, 3))
    f = lambda z: logsumexp(_logc(z[None], pi, mu, S))  # noqa: E731
    E = np.eye(3) * 1e-6
    fd = np.array([[(f(z + e) - f(z - e)) / 2e-6 for e in E] for z in Z])
    np.testing.assert_allclose(reference_log_density_grad(Z, pi, mu, S), fd, rtol=1e-5, atol=1e-7)

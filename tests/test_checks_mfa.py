"""The Woodbury exercise checker accepts correct answers and names each planted mistake."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from helpers import checks
from helpers.checks import ExerciseError
from helpers.mfa import log_pdf_woodbury

LOG_2PI = np.log(2 * np.pi)


def student(X, mean, W, psi, *, sign=-1.0, logdet_M=True, logdet_psi=True, const=True, half=True,
            eye=True, square=False):
    """A student-style Woodbury log-density with switches for typical mistakes."""
    psi = psi**2 if square else psi
    d, l = W.shape
    delta = X - mean
    M = (np.eye(l) if eye else 0) + W.T @ (W / psi[:, None])
    L = np.linalg.cholesky(M) if eye else None
    P = (delta / psi) @ W
    if eye:
        v = linalg.solve_triangular(L, P.T, lower=True)
        corr, ld = np.sum(v * v, axis=0), 2 * np.sum(np.log(np.diag(L)))
    else:
        corr = np.einsum("ij,ij->i", P, np.linalg.lstsq(M, P.T, rcond=None)[0].T)
        ld = np.linalg.slogdet(M)[1]
    quad = np.sum(delta * delta / psi, axis=1) + sign * corr
    logdet = (ld if logdet_M else 0) + (np.sum(np.log(psi)) if logdet_psi else 0)
    c = d * LOG_2PI if const else 0.0
    if half:
        return -0.5 * (c + logdet + quad)
    return -0.5 * (c + logdet) - quad


def test_accepts_reference_and_student_solution(capsys):
    checks.check_woodbury_log_pdf(log_pdf_woodbury)
    checks.check_woodbury_log_pdf(student)
    assert "Exercise 6.2: all 5 checks passed" in capsys.readouterr().out


@pytest.mark.parametrize("kwargs, message", [
    (dict(sign=+1.0), "wrong sign"),
    (dict(sign=0.0), "left out the Woodbury correction"),
    (dict(logdet_M=False), "missing log det M"),
    (dict(logdet_psi=False), "missing Σ_j log ψ_j"),
    (dict(const=False), "the constant is missing"),
    (dict(half=False), "not halved"),
    (dict(eye=False), "with the identity"),
    (dict(square=True), "VARIANCES"),
])
def test_rejects_planted_mistakes_with_their_message(kwargs, message):
    with pytest.raises(ExerciseError, match=message):
        checks.check_woodbury_log_pdf(lambda X, m, W, p: student(X, m, W, p, **kwargs))


def test_rejects_dense_covariance_by_memory():
    def dense(X, mean, W, psi):
        cov = W @ W.T + np.diag(psi)
        L = np.linalg.cholesky(cov)
        z = linalg.solve_triangular(L, (X - mean).T, lower=True)
        return -0.5 * (len(mean) * LOG_2PI + np.sum(z * z, axis=0)) - np.sum(np.log(np.diag(L)))
    with pytest.raises(ExerciseError, match="allocated .* MB"):
        checks.check_woodbury_log_pdf(dense)


def test_rejects_underflow_shape_and_offsets():
    def via_det(X, mean, W, psi):
        cov = W @ W.T + np.diag(psi)
        delta = X - mean
        q = np.einsum("ij,ij->i", delta, np.linalg.solve(cov, delta.T).T)
        with np.errstate(all="ignore"):
            return np.log(np.exp(-0.5 * q) / np.sqrt(np.linalg.det(2 * np.pi * cov)))
    with pytest.raises(ExerciseError, match="NaN or inf for d = 256"):
        checks.check_woodbury_log_pdf(via_det)
    with pytest.raises(ExerciseError, match="should have shape"):
        checks.check_woodbury_log_pdf(lambda X, m, W, p: student(X, m, W, p)[:, None])
    with pytest.raises(ExerciseError, match="same amount"):
        checks.check_woodbury_log_pdf(lambda X, m, W, p: student(X, m, W, p) + 0.3)
    with pytest.raises(ExerciseError, match="point 0 should be"):
        checks.check_woodbury_log_pdf(lambda X, m, W, p: student(X, m, W, p) * 1.01)


def test_unsolved_exercise_and_crashes():
    def unsolved(X, mean, W, psi):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        checks.check_woodbury_log_pdf(unsolved)
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        checks.check_woodbury_log_pdf(lambda X, m, W, p: 1 / 0)

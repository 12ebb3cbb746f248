"""The notebook-01 checkers accept the reference solutions and name each planted mistake."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from helpers.checks import ExerciseError
from helpers.checks.nb01 import check_gaussian_log_pdf, check_gaussian_mle

LOG_2PI = np.log(2 * np.pi)


def _terms(X, mean, cov):
    L = np.linalg.cholesky(cov)
    z = linalg.solve_triangular(L, (X - mean).T, lower=True)
    return X.shape[1] * LOG_2PI, 2 * np.sum(np.log(np.diag(L))), np.sum(z * z, axis=0)


def log_pdf_reference(X, mean, cov):
    c, ld, m = _terms(X, mean, cov)
    return -0.5 * (c + ld + m)


def log_pdf_slogdet_solve(X, mean, cov):
    """Also correct: slogdet and a general solve (no det, no inv)."""
    _, ld = np.linalg.slogdet(cov)
    D = X - mean
    return -0.5 * (X.shape[1] * LOG_2PI + ld + np.sum(D * np.linalg.solve(cov, D.T).T, axis=1))


def log_pdf_with_det_inv(X, mean, cov):
    D = X - mean
    m = np.einsum("ni,ij,nj->n", D, np.linalg.inv(cov), D)
    return -0.5 * (X.shape[1] * LOG_2PI + np.log(np.linalg.det(cov)) + m)


def log_pdf_from_terms(f):
    def wrong(X, mean, cov):
        return f(*_terms(X, mean, cov))
    return wrong


def log_pdf_cov_not_inverse(X, mean, cov):
    c, ld, _ = _terms(X, mean, cov)
    D = X - mean
    return -0.5 * (c + ld + np.einsum("ni,ij,nj->n", D, cov, D))


def log_pdf_no_centring(X, mean, cov):
    c, ld, _ = _terms(X, mean, cov)
    z = linalg.solve_triangular(np.linalg.cholesky(cov), X.T, lower=True)
    return -0.5 * (c + ld + np.sum(z * z, axis=0))


def log_pdf_scipy_upper(X, mean, cov):
    U = linalg.cholesky(cov)  # upper by default
    z = linalg.solve_triangular(U, (X - mean).T, lower=True)
    return -0.5 * (X.shape[1] * LOG_2PI + 2 * np.sum(np.log(np.diag(U))) + np.sum(z * z, axis=0))


def log_pdf_full_matrix(X, mean, cov):
    D = X - mean
    return -0.5 * (D @ np.linalg.solve(cov, D.T))


def log_pdf_summed(X, mean, cov):
    return log_pdf_reference(X, mean, cov).sum()


def test_log_pdf_checker_accepts_correct_solutions(capsys):
    check_gaussian_log_pdf(log_pdf_reference)
    check_gaussian_log_pdf(log_pdf_slogdet_solve)
    out = capsys.readouterr().out
    assert out.count("Exercise 1.1: all 4 checks passed") == 2


LOG_PDF_MISTAKES = {
    "no half on quadratic": (log_pdf_from_terms(lambda c, ld, m: -0.5 * (c + ld) - m), "factor ½ on the quadratic"),
    "no half at all": (log_pdf_from_terms(lambda c, ld, m: -(c + ld + m)), "factor ½ in front of everything"),
    "wrong sign": (log_pdf_from_terms(lambda c, ld, m: 0.5 * (c + ld + m)), "wrong sign"),
    "quadratic sign": (log_pdf_from_terms(lambda c, ld, m: -0.5 * (c + ld - m)), "quadratic term has the wrong sign"),
    "no 2pi": (log_pdf_from_terms(lambda c, ld, m: -0.5 * (ld + m)), "missing the normalising term"),
    "no logdet": (log_pdf_from_terms(lambda c, ld, m: -0.5 * (c + m)), "missing the term −½ log det Σ"),
    "logdet sign": (log_pdf_from_terms(lambda c, ld, m: -0.5 * (c - ld + m)), "log det Σ has the wrong sign"),
    "logdet half": (log_pdf_from_terms(lambda c, ld, m: -0.5 * (c + 0.5 * ld + m)), "log det Σ = 2 Σᵢ log Lᵢᵢ"),
    "Sigma not inverse": (log_pdf_cov_not_inverse, "uses Σ instead of Σ⁻¹"),
    "not centred": (log_pdf_no_centring, "forgot to subtract the mean"),
    "scipy upper factor": (log_pdf_scipy_upper, "UPPER factor"),
    "det and inv": (log_pdf_with_det_inv, "underflows to 0"),
    "N x N": (log_pdf_full_matrix, "(N, N) matrix"),
    "summed": (log_pdf_summed, "did you sum over the points"),
    "garbage": (lambda X, mean, cov: np.zeros(len(X)), "wrong values"),
    "raises": (lambda X, mean, cov: X @ np.zeros((7,)), "your function raised ValueError"),
}


@pytest.mark.parametrize("name", LOG_PDF_MISTAKES)
def test_log_pdf_checker_names_each_mistake(name):
    func, message = LOG_PDF_MISTAKES[name]
    with pytest.raises(ExerciseError, match="^Exercise 1.1") as err:
        check_gaussian_log_pdf(func)
    assert message in str(err.value)


def test_log_pdf_messages_are_distinct():
    messages = set()
    for func, _ in LOG_PDF_MISTAKES.values():
        with pytest.raises(ExerciseError) as err:
            check_gaussian_log_pdf(func)
        messages.add(str(err.value).split(" (point")[0])
    assert len(messages) == len(LOG_PDF_MISTAKES)


def test_unsolved_exercise_raises_not_implemented():
    def stub(*args):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError):
        check_gaussian_log_pdf(stub)
    with pytest.raises(NotImplementedError):
        check_gaussian_mle(stub)


# ---------------------------------------------------------------------------- Exercise 1.2
def mle_reference(X):
    mean = X.mean(axis=0)
    Xc = X - mean
    return mean, Xc.T @ Xc / len(X)


def mle_np_cov(X):
    return X.mean(axis=0), np.cov(X, rowvar=False, bias=True)


def test_mle_checker_accepts_correct_solutions(capsys):
    check_gaussian_mle(mle_reference)
    check_gaussian_mle(mle_np_cov)
    assert capsys.readouterr().out.count("Exercise 1.2: all 4 checks passed") == 2


def _in_place(X):
    X -= X.mean(axis=0)
    return np.zeros(X.shape[1]), X.T @ X / len(X)


MLE_MISTAKES = {
    "N-1": (lambda X: (X.mean(0), np.cov(X, rowvar=False)), "divided by N − 1"),
    "not centred": (lambda X: (X.mean(0), X.T @ X / len(X)), "forgot to subtract the mean"),
    "no division": (lambda X: (X.mean(0), (X - X.mean(0)).T @ (X - X.mean(0))), "forgot to divide by N"),
    "variances only": (lambda X: (X.mean(0), np.diag(X.var(axis=0))), "only the variances"),
    "transposed": (lambda X: (X.mean(0), np.cov(X, bias=True)), "covariance of the transposed data"),
    "mean per point": (lambda X: (X.mean(1), np.cov(X, rowvar=False, bias=True)), "one number per point"),
    "in place": (_in_place, "changed its input X"),
    "not a pair": (lambda X: X.mean(0), "return a pair"),
    "second moment minus mean": (
        lambda X: (X.mean(0), X.T @ X / len(X) - np.outer(X.mean(0), X.mean(0))), "loses every digit"),
}


@pytest.mark.parametrize("name", MLE_MISTAKES)
def test_mle_checker_names_each_mistake(name):
    func, message = MLE_MISTAKES[name]
    with pytest.raises(ExerciseError, match="^Exercise 1.2") as err:
        check_gaussian_mle(func)
    assert message in str(err.value)

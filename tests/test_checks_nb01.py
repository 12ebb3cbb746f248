"""The notebook-01 checkers accept the reference solutions and name each planted mistake."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from helpers import gaussian
from helpers.checks import ExerciseError
from helpers.checks.nb01 import check_gaussian_log_pdf, check_gaussian_mle, check_nll_grad_precision

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


def log_pdf_float32(X, mean, cov):
    """Also correct: the whole computation in float32."""
    X, mean, cov = (np.asarray(a, np.float32) for a in (X, mean, cov))
    L = np.linalg.cholesky(cov)
    z = linalg.solve_triangular(L, (X - mean).T, lower=True)
    return -0.5 * (X.shape[1] * np.float32(LOG_2PI) + 2 * np.sum(np.log(np.diag(L))) + np.sum(z * z, axis=0))


def log_pdf_loop(X, mean, cov):
    """Also correct: one point at a time with scipy.stats."""
    from scipy import stats
    return np.array([stats.multivariate_normal(mean, cov).logpdf(x) for x in X]).reshape(len(X))


def test_log_pdf_checker_accepts_float32_and_loops(capsys):
    check_gaussian_log_pdf(log_pdf_float32)
    check_gaussian_log_pdf(log_pdf_loop)
    assert capsys.readouterr().out.count("Exercise 1.1: all 4 checks passed") == 2


def _log_pdf_in_place(X, mean, cov):
    X -= mean
    return log_pdf_reference(X, np.zeros_like(mean), cov)


def _log_pdf_scalar_for_one_point(X, mean, cov):
    out = log_pdf_reference(X, mean, cov)
    return out[0] if len(out) == 1 else out


ROBUSTNESS = {
    "in place": (_log_pdf_in_place, "changed its input X in place"),
    "shape () for one point": (_log_pdf_scalar_for_one_point, "shape mismatch: .* should have shape \\(1,\\), "
                               "yours has shape \\(\\)"),
    "calls gaussian.log_pdf": (lambda X, mean, cov: gaussian.log_pdf(X, mean, cov), "helpers.gaussian.log_pdf"),
    "calls gaussian.log_pdf_chol": (lambda X, mean, cov: gaussian.log_pdf_chol(X, mean, np.linalg.cholesky(cov)),
                                    "helpers.gaussian.log_pdf_chol"),
    "calls the oracle": (lambda X, mean, cov: __import__("helpers.checks._oracle", fromlist=["x"])
                         .gaussian_log_pdf(X, mean, cov), "course's own implementation"),
    "nan": (lambda X, mean, cov: np.full(len(X), np.nan), "contains nan or inf"),
}


@pytest.mark.parametrize("name", ROBUSTNESS)
def test_log_pdf_checker_robustness(name):
    func, message = ROBUSTNESS[name]
    with pytest.raises(ExerciseError, match="^Exercise 1.1: ") as err:
        check_gaussian_log_pdf(func)
    assert __import__("re").search(message, str(err.value)), str(err.value)


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
    with pytest.raises(NotImplementedError, match="Exercise 1.4"):
        check_gaussian_mle(stub)
    with pytest.raises(NotImplementedError, match="Exercise 1.2"):
        check_nll_grad_precision(stub)


# ---------------------------------------------------------------------------- Exercise 1.2
def grad_reference(Lam, S, N):
    return -0.5 * N * np.linalg.inv(Lam) + 0.5 * S


def grad_by_solve_loop(Lam, S, N):
    """Also correct: Λ⁻¹ column by column with solves, in float32."""
    d = len(Lam)
    inv = np.stack([np.linalg.solve(Lam, np.eye(d)[:, j]) for j in range(d)], axis=1)
    return (-0.5 * N * inv + 0.5 * S).astype(np.float32)


def test_oracle_gradient_matches_finite_differences():
    from helpers.checks import _oracle
    from helpers.checks.nb01 import _grad_cases
    for Lam, S, N in _grad_cases():
        num = np.zeros_like(Lam)
        h = 1e-6
        for i in range(len(Lam)):
            for j in range(len(Lam)):
                E = np.zeros_like(Lam)
                E[i, j] = h
                num[i, j] = (_oracle.gaussian_nll_precision(Lam + E, S, N)
                             - _oracle.gaussian_nll_precision(Lam - E, S, N)) / (2 * h)
        np.testing.assert_allclose(_oracle.gaussian_nll_precision_grad(Lam, S, N), num, rtol=1e-6, atol=1e-6)


def test_grad_checker_accepts_correct_solutions(capsys):
    check_nll_grad_precision(grad_reference)
    check_nll_grad_precision(grad_by_solve_loop)
    assert capsys.readouterr().out.count("Exercise 1.2: all 3 checks passed") == 2


GRAD_MISTAKES = {
    "logdet sign": (lambda L, S, N: 0.5 * N * np.linalg.inv(L) + 0.5 * S, "log det term has the wrong sign"),
    "no N": (lambda L, S, N: -0.5 * np.linalg.inv(L) + 0.5 * S, "lost its factor N"),
    "Lambda not inverse": (lambda L, S, N: -0.5 * N * L + 0.5 * S, "is Λ⁻¹, not Λ"),
    "log-likelihood": (lambda L, S, N: 0.5 * N * np.linalg.inv(L) - 0.5 * S, "gradient of the log-likelihood"),
    "no trace term": (lambda L, S, N: -0.5 * N * np.linalg.inv(L), "quadratic term is missing"),
    "no logdet": (lambda L, S, N: 0.5 * S, "log det term is missing"),
    "no halves": (lambda L, S, N: -N * np.linalg.inv(L) + S, "twice too large"),
    "w.r.t. Sigma": (lambda L, S, N: 0.5 * N * L - 0.5 * L @ S @ L, "with respect to Σ"),
    "S over N": (lambda L, S, N: -0.5 * N * np.linalg.inv(L) + 0.5 * S / N, "do not divide it by N"),
    "garbage": (lambda L, S, N: np.ones_like(L), "is wrong \\(at index"),
    "shape": (lambda L, S, N: np.diag(grad_reference(L, S, N)), "shape mismatch"),
    "nan": (lambda L, S, N: np.full_like(L, np.nan), "contains nan or inf"),
}


@pytest.mark.parametrize("name", GRAD_MISTAKES)
def test_grad_checker_names_each_mistake(name):
    func, message = GRAD_MISTAKES[name]
    with pytest.raises(ExerciseError, match="^Exercise 1.2: ") as err:
        check_nll_grad_precision(func)
    assert __import__("re").search(message, str(err.value)), str(err.value)


def test_grad_messages_are_distinct():
    messages = set()
    for func, _ in GRAD_MISTAKES.values():
        with pytest.raises(ExerciseError) as err:
            check_nll_grad_precision(func)
        messages.add(str(err.value).split(" (d = ")[0])
    assert len(messages) == len(GRAD_MISTAKES)


# ---------------------------------------------------------------------------- Exercise 1.4
def mle_reference(X):
    mean = X.mean(axis=0)
    Xc = X - mean
    return mean, Xc.T @ Xc / len(X)


def mle_np_cov(X):
    return X.mean(axis=0), np.cov(X, rowvar=False, bias=True)


def mle_loop_float32_result(X):
    """Also correct: outer products one point at a time, returned as float32."""
    mean = X.mean(axis=0)
    cov = sum(np.outer(x - mean, x - mean) for x in X) / len(X)
    return mean.astype(np.float32), cov.astype(np.float32)


def _mle_all_float32(X):
    X = X.astype(np.float32)
    return mle_reference(X)


def test_mle_checker_accepts_correct_solutions(capsys):
    check_gaussian_mle(mle_reference)
    check_gaussian_mle(mle_np_cov)
    check_gaussian_mle(mle_loop_float32_result)
    assert capsys.readouterr().out.count("Exercise 1.4: all 4 checks passed") == 3


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
    "in place": (_in_place, "changed its input X in place"),
    "calls gaussian.fit": (lambda X: gaussian.fit(X), "helpers.gaussian.fit"),
    "float32 far from the origin": (_mle_all_float32, "float32 numbers are 8 apart"),
    "nan": (lambda X: (X.mean(0), np.full((X.shape[1],) * 2, np.nan)), "contains nan or inf"),
    "not a pair": (lambda X: X.mean(0), "return a pair"),
    "second moment minus mean": (
        lambda X: (X.mean(0), X.T @ X / len(X) - np.outer(X.mean(0), X.mean(0))), "loses every digit"),
}


@pytest.mark.parametrize("name", MLE_MISTAKES)
def test_mle_checker_names_each_mistake(name):
    func, message = MLE_MISTAKES[name]
    with pytest.raises(ExerciseError, match="^Exercise 1.4: ") as err:
        check_gaussian_mle(func)
    assert message in str(err.value)


def test_checkers_do_not_grade_with_helpers_gaussian(monkeypatch, capsys):
    """Issue 13.3: a broken helpers.gaussian must neither fail a right answer nor pass a wrong one."""
    monkeypatch.setattr(gaussian, "log_pdf", lambda X, mean, cov: np.zeros(len(np.atleast_2d(X))))
    monkeypatch.setattr(gaussian, "fit", lambda X: (np.zeros(X.shape[1]), np.eye(X.shape[1])))
    check_gaussian_log_pdf(log_pdf_reference)
    check_gaussian_mle(mle_reference)
    assert "✓ Exercise 1.1" in capsys.readouterr().out
    with pytest.raises(ExerciseError):
        check_gaussian_log_pdf(lambda X, mean, cov: np.zeros(len(X)))
    with pytest.raises(ExerciseError):
        check_gaussian_mle(lambda X: (np.zeros(X.shape[1]), np.eye(X.shape[1])))


def log_pdf_float32_promoted(X, mean, cov):
    """Computed in float32, but the float64 constant np.log(2π) promotes the result to float64."""
    X, mean, cov = (np.asarray(a, np.float32) for a in (X, mean, cov))
    L = np.linalg.cholesky(cov)
    z = linalg.solve_triangular(L, (X - mean).T, lower=True)
    return -0.5 * (X.shape[1] * np.log(2 * np.pi) + 2 * np.sum(np.log(np.diag(L))) + np.sum(z * z, axis=0))


def test_log_pdf_checker_names_float32_rounding_in_a_float64_result():
    """Not 'wrong values: yours -13.4604, expected -13.4604': the message says the precision is float32's."""
    with pytest.raises(ExerciseError, match="^Exercise 1.1") as err:
        check_gaussian_log_pdf(log_pdf_float32_promoted)
    assert "accuracy of float32 arithmetic" in str(err.value)
    assert "wrong values" not in str(err.value)

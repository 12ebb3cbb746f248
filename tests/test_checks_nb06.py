"""The notebook-06 checkers (6.1 sampler, 6.3 log-determinant, 6.5 Woodbury log-density) accept right
answers (reference, loop, float32, another valid formula), name each planted mistake, and refuse one-line
calls to the course's reference code."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from helpers import checks, gaussian, mfa, plots
from helpers.checks import ExerciseError
from helpers.checks.nb06 import check_lowrank_logdet, check_sample_zero_mean, check_woodbury_log_pdf

LOG_2PI = np.log(2 * np.pi)


# ============================================================================= Exercise 6.1

def reference(cov, n, rng):
    lam, V = np.linalg.eigh(cov)
    z = rng.standard_normal((n, len(lam)))
    return (z * np.sqrt(np.clip(lam, 0, None))) @ V.T


def test_accepts_the_reference(capsys):
    check_sample_zero_mean(reference)
    assert "all 4 checks passed" in capsys.readouterr().out


def test_accepts_abs_of_tiny_negative_eigenvalue_a_loop_and_float32(capsys):
    def with_abs(cov, n, rng):
        lam, V = np.linalg.eigh(cov)
        return (rng.standard_normal((n, len(lam))) * np.sqrt(np.abs(lam))) @ V.T

    def loop(cov, n, rng):
        lam, V = np.linalg.eigh(cov)
        z = rng.standard_normal((n, len(lam)))
        out = np.zeros((n, len(lam)))
        for j in range(len(lam)):                       # x = Σ_j √λ_j z_j v_j
            out += np.sqrt(max(lam[j], 0.0)) * z[:, j:j + 1] * V[:, j]
        return out

    def float32(cov, n, rng):
        return reference(cov, n, rng).astype(np.float32)

    def descending_consistently(cov, n, rng):            # both reordered: still right
        lam, V = np.linalg.eigh(cov)
        lam, V = lam[::-1], V[:, ::-1]
        return (rng.standard_normal((n, len(lam))) * np.sqrt(np.clip(lam, 0, None))) @ V.T

    for f in (with_abs, loop, float32, descending_consistently):
        check_sample_zero_mean(f)
    assert capsys.readouterr().out.count("all 4 checks passed") == 4


def _mistake(transform):
    def f(cov, n, rng):
        lam, V = np.linalg.eigh(cov)
        lam = np.clip(lam, 0, None)
        z = rng.standard_normal((n, len(lam)))
        return transform(z, lam, V)
    return f


def _shuffled_pairs(cov, n, rng):
    lam, V = np.linalg.eigh(cov)
    lam = np.clip(lam, 0, None)[[1, 2, 0, *range(3, len(lam))]]
    return (rng.standard_normal((n, len(lam))) * np.sqrt(lam)) @ V.T


MISTAKES = {
    "D instead of D^½": (_mistake(lambda z, lam, V: (z * lam) @ V.T), "instead of by D^½"),
    "Sigma times z": (lambda cov, n, rng: rng.standard_normal((n, len(cov))) @ np.asarray(cov).T,
                      "instead of by D^½"),
    "V transposed": (_mistake(lambda z, lam, V: (z * np.sqrt(lam)) @ V), "V transposed"),
    "forgot V": (_mistake(lambda z, lam, V: z * np.sqrt(lam)), "forgot to rotate by V"),
    "forgot D": (_mistake(lambda z, lam, V: z @ V.T), "forgot to scale by D^½"),
    "eigenvalues sorted, V not": (_mistake(lambda z, lam, V: (z * np.sqrt(lam[::-1])) @ V.T),
                                  "eigenvalues and eigenvectors are mismatched"),
    "eigenvalues permuted": (_shuffled_pairs, "eigenvalues and eigenvectors are mismatched"),
    "shape (d, n)": (_mistake(lambda z, lam, V: ((z * np.sqrt(lam)) @ V.T).T), "shape (d, n)"),
    "global rng": (lambda cov, n, rng: reference(cov, n, np.random.default_rng()), "rng argument"),
    "no clipping": (lambda cov, n, rng: (rng.standard_normal((n, len(cov)))
                                         * np.sqrt(np.linalg.eigh(cov)[0])) @ np.linalg.eigh(cov)[1].T,
                    "Clip the eigenvalues at zero"),
    "cholesky": (lambda cov, n, rng: rng.standard_normal((n, len(cov))) @ np.linalg.cholesky(cov).T,
                 "np.linalg.eigh"),
    "non-zero mean": (lambda cov, n, rng: reference(cov, n, rng) + 0.5, "mean zero"),
    "calls gaussian.sample": (lambda cov, n, rng: gaussian.sample(np.zeros(len(cov)), cov, n, rng),
                              "course's own implementation"),
    "calls plots.eigen_sample": (lambda cov, n, rng: plots.eigen_sample(cov, n, rng), "course's own implementation"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_rejects_each_mistake_with_its_message(name):
    func, message = MISTAKES[name]
    with pytest.raises(ExerciseError, match="Exercise 6.1") as err:
        with np.errstate(invalid="ignore"):
            check_sample_zero_mean(func)
    assert message in str(err.value), str(err.value)


def test_unsolved_exercise_reads_as_not_implemented():
    def stub(cov, n, rng):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError, match="Exercise 6.1"):
        check_sample_zero_mean(stub)


def test_in_place_change_is_named():
    def in_place(cov, n, rng):
        cov *= 1.0
        cov[0, 0] += 0.0 * rng.random() + 1e-3
        return reference(cov, n, rng)
    with pytest.raises(ExerciseError, match="changed its input cov in place"):
        check_sample_zero_mean(in_place)


# ============================================================================= Exercise 6.3

def logdet_reference(W, psi):
    M = np.eye(W.shape[1]) + W.T @ (W / psi[:, None])
    return 2 * np.sum(np.log(np.diag(np.linalg.cholesky(M)))) + np.sum(np.log(psi))


def test_logdet_accepts_reference_and_alternatives(capsys):
    def with_slogdet(W, psi):                          # slogdet of the l×l matrix
        return np.linalg.slogdet(np.eye(W.shape[1]) + (W / np.sqrt(psi)[:, None]).T
                                 @ (W / np.sqrt(psi)[:, None]))[1] + np.log(psi).sum()

    def loop(W, psi):                                  # M built entry by entry
        l = W.shape[1]
        M = np.eye(l)
        for a in range(l):
            for b in range(l):
                M[a, b] += np.sum(W[:, a] * W[:, b] / psi)
        return float(np.linalg.slogdet(M)[1] + sum(np.log(p) for p in psi))

    def via_eigenvalues(W, psi):                       # det M = Π eigenvalues of the symmetric M
        return np.sum(np.log(np.linalg.eigvalsh(np.eye(W.shape[1]) + W.T @ (W / psi[:, None])))) \
            + np.sum(np.log(psi))

    def float32(W, psi):
        return np.float32(logdet_reference(W, psi))

    for f in (logdet_reference, with_slogdet, loop, via_eigenvalues, float32):
        check_lowrank_logdet(f)
    assert capsys.readouterr().out.count("Exercise 6.3: all 5 checks passed") == 5


def _ld(A):
    return np.linalg.slogdet(A)[1]


LOGDET_MISTAKES = {
    "no Σ log ψ": (lambda W, p: _ld(np.eye(W.shape[1]) + W.T @ (W / p[:, None])), "Σ_j log ψ_j term is missing"),
    "no identity": (lambda W, p: _ld(W.T @ (W / p[:, None])) + np.log(p).sum(), "identity is missing"),
    "I + WᵀW": (lambda W, p: _ld(np.eye(W.shape[1]) + W.T @ W) + np.log(p).sum(), "you used I + WᵀW"),
    "I + WᵀΨW": (lambda W, p: _ld(np.eye(W.shape[1]) + W.T @ (W * p[:, None])) + np.log(p).sum(),
                 "not Ψ"),
    "determinant": (lambda W, p: np.exp(logdet_reference(W, p)), "not its logarithm"),
    "minus Σ log ψ": (lambda W, p: _ld(np.eye(W.shape[1]) + W.T @ (W / p[:, None])) - np.log(p).sum(),
                      "sign of the Σ_j log ψ_j term"),
    "half of log det M": (lambda W, p: np.sum(np.log(np.diag(np.linalg.cholesky(
        np.eye(W.shape[1]) + W.T @ (W / p[:, None]))))) + np.log(p).sum(), "each diagonal entry counts twice"),
    "log(prod(psi))": (lambda W, p: _ld(np.eye(W.shape[1]) + W.T @ (W / p[:, None])) + np.log(np.prod(p)),
                       "log(np.prod(psi)) fails"),
    "np.linalg.det": (lambda W, p: np.log(np.linalg.det(W @ W.T + np.diag(p))), "never np.linalg.det"),
    "dense slogdet": (lambda W, p: np.linalg.slogdet(W @ W.T + np.diag(p))[1], "allocated"),
    "array shape (1,)": (lambda W, p: np.array([logdet_reference(W, p), 0.0]), "shape mismatch"),
    "calls mfa": (lambda W, p: -2 * mfa.log_pdf_woodbury(np.zeros(len(p)), np.zeros(len(p)), W, p)
                  - len(p) * LOG_2PI, "course's own implementation"),
}


@pytest.mark.parametrize("name", LOGDET_MISTAKES)
def test_logdet_rejects_each_mistake_with_its_message(name):
    func, message = LOGDET_MISTAKES[name]
    with pytest.raises(ExerciseError, match="Exercise 6.3") as err:
        with np.errstate(all="ignore"):
            check_lowrank_logdet(func)
    assert message in str(err.value), str(err.value)


def test_logdet_unsolved_names_the_exercise():
    def stub(W, psi):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError, match="Exercise 6.3"):
        check_lowrank_logdet(stub)


# ============================================================================= Exercise 6.5

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


def test_accepts_student_solution_and_alternatives(capsys):
    def with_inverse_loop(X, mean, W, psi):           # explicit l×l inverse, one point at a time
        d, l = W.shape
        M_inv = np.linalg.inv(np.eye(l) + W.T @ (W / psi[:, None]))
        logdet = np.linalg.slogdet(np.linalg.inv(M_inv))[1] + np.sum(np.log(psi))
        out = []
        for x in X:
            a = W.T @ ((x - mean) / psi)
            out.append(-0.5 * (d * LOG_2PI + logdet + np.sum((x - mean) ** 2 / psi) - a @ M_inv @ a))
        return np.array(out)

    def float32(X, mean, W, psi):
        return student(X, mean, W, psi).astype(np.float32)

    for f in (student, with_inverse_loop, float32):
        check_woodbury_log_pdf(f)
    assert capsys.readouterr().out.count("Exercise 6.5: all 5 checks passed") == 3


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
        check_woodbury_log_pdf(lambda X, m, W, p: student(X, m, W, p, **kwargs))


def test_rejects_dense_covariance_by_memory():
    def dense(X, mean, W, psi):
        cov = W @ W.T + np.diag(psi)
        L = np.linalg.cholesky(cov)
        z = linalg.solve_triangular(L, (X - mean).T, lower=True)
        return -0.5 * (len(mean) * LOG_2PI + np.sum(z * z, axis=0)) - np.sum(np.log(np.diag(L)))
    with pytest.raises(ExerciseError, match="allocated .* MB"):
        check_woodbury_log_pdf(dense)


def test_rejects_underflow_prod_shape_and_offsets():
    def via_det(X, mean, W, psi):
        cov = W @ W.T + np.diag(psi)
        delta = X - mean
        q = np.einsum("ij,ij->i", delta, np.linalg.solve(cov, delta.T).T)
        with np.errstate(all="ignore"):
            return np.log(np.exp(-0.5 * q) / np.sqrt(np.linalg.det(2 * np.pi * cov)))

    def log_prod(X, mean, W, psi):
        d, l = W.shape
        M = np.eye(l) + W.T @ (W / psi[:, None])
        P = ((X - mean) / psi) @ W
        quad = np.sum((X - mean) ** 2 / psi, axis=1) - np.einsum("ij,ij->i", P, np.linalg.solve(M, P.T).T)
        return -0.5 * (d * LOG_2PI + np.linalg.slogdet(M)[1] + np.log(np.prod(psi)) + quad)

    with pytest.raises(ExerciseError, match="NaN or inf for d = 256"):
        check_woodbury_log_pdf(via_det)
    with pytest.raises(ExerciseError, match=r"log\(np.prod\(psi\)\)"):
        check_woodbury_log_pdf(log_prod)
    with pytest.raises(ExerciseError, match="shape mismatch"):
        check_woodbury_log_pdf(lambda X, m, W, p: student(X, m, W, p)[:, None])
    with pytest.raises(ExerciseError, match="same amount"):
        check_woodbury_log_pdf(lambda X, m, W, p: student(X, m, W, p) + 0.3)
    with pytest.raises(ExerciseError, match="point 0 should be"):
        check_woodbury_log_pdf(lambda X, m, W, p: student(X, m, W, p) * 1.01)


@pytest.mark.parametrize("delegate", [
    lambda X, m, W, p: mfa.log_pdf_woodbury(X, m, W, p),
    lambda X, m, W, p: gaussian.log_pdf(X, m, W @ W.T + np.diag(p)),
    lambda X, m, W, p: mfa.MFA(np.ones(1), m[None], W[None], p[None]).log_pdf(X),
    lambda X, m, W, p: checks._oracle.woodbury_log_pdf_plain(X, m, W, p),
])
def test_refuses_one_line_calls_to_reference_code(delegate):
    with pytest.raises(ExerciseError, match="course's own implementation"):
        check_woodbury_log_pdf(delegate)


def test_unsolved_exercise_and_crashes():
    def unsolved(X, mean, W, psi):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError, match="Exercise 6.5"):
        check_woodbury_log_pdf(unsolved)
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        check_woodbury_log_pdf(lambda X, m, W, p: 1 / 0)


def test_sampler_computed_in_float32_throughout_passes(capsys):
    """eigh in float32 leaves about √(eps₃₂·λ_max) along the null vector: the float32 allowance applies."""
    def float32_throughout(cov, n, rng):
        lam, V = np.linalg.eigh(np.asarray(cov, np.float32))
        z = rng.standard_normal((n, len(lam))).astype(np.float32)
        return (z * np.sqrt(np.clip(lam, 0, None))) @ V.T

    check_sample_zero_mean(float32_throughout)
    assert "all 4 checks passed" in capsys.readouterr().out


def test_float32_rounding_in_float64_results_is_named_not_misdiagnosed():
    def woodbury_float32_promoted(X, mean, W, psi):     # float32 inside, float64 constant outside
        return student(*(np.asarray(a, np.float32) for a in (X, mean, W, psi))) + np.float64(0.0)

    with pytest.raises(ExerciseError, match="^Exercise 6.5") as err:
        check_woodbury_log_pdf(woodbury_float32_promoted)
    assert "accuracy of float32 arithmetic" in str(err.value)
    assert "normalising terms" not in str(err.value)


def test_student_or_reference_names_a_notebook_reference_without_main(capsys):
    def reference_in_notebook(cov, n, rng):
        return reference(cov, n, rng)
    reference_in_notebook.__module__ = "__main__"

    def unsolved(cov, n, rng):
        raise NotImplementedError()

    checks.student_or_reference("Exercise 6.1", unsolved, reference_in_notebook, check_sample_zero_mean)
    out = capsys.readouterr().out
    assert "use the reference `test_student_or_reference_names_a_notebook_reference_without_main" in out
    assert "reference_in_notebook`." in out
    assert "__main__" not in out

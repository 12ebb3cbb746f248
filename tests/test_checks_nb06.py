"""The notebook-06 checker accepts the reference solution and names each planted mistake."""
from __future__ import annotations

import numpy as np
import pytest

from helpers.checks import ExerciseError
from helpers.checks.nb06 import check_sample_zero_mean


def reference(cov, n, rng):
    lam, V = np.linalg.eigh(cov)
    z = rng.standard_normal((n, len(lam)))
    return (z * np.sqrt(np.clip(lam, 0, None))) @ V.T


def test_accepts_the_reference(capsys):
    check_sample_zero_mean(reference)
    assert "all 4 checks passed" in capsys.readouterr().out


def test_accepts_abs_of_tiny_negative_eigenvalue(capsys):
    def with_abs(cov, n, rng):
        lam, V = np.linalg.eigh(cov)
        return (rng.standard_normal((n, len(lam))) * np.sqrt(np.abs(lam))) @ V.T
    check_sample_zero_mean(with_abs)


def _mistake(transform):
    def f(cov, n, rng):
        lam, V = np.linalg.eigh(cov)
        lam = np.clip(lam, 0, None)
        z = rng.standard_normal((n, len(lam)))
        return transform(z, lam, V)
    return f


MISTAKES = {
    "D instead of D^½": (_mistake(lambda z, lam, V: (z * lam) @ V.T), "instead of by D^½"),
    "Sigma times z": (lambda cov, n, rng: rng.standard_normal((n, len(cov))) @ np.asarray(cov).T,
                      "instead of by D^½"),
    "V transposed": (_mistake(lambda z, lam, V: (z * np.sqrt(lam)) @ V), "V transposed"),
    "forgot V": (_mistake(lambda z, lam, V: z * np.sqrt(lam)), "forgot to rotate by V"),
    "forgot D": (_mistake(lambda z, lam, V: z @ V.T), "forgot to scale by D^½"),
    "shape (d, n)": (_mistake(lambda z, lam, V: ((z * np.sqrt(lam)) @ V.T).T), "shape (d, n)"),
    "global rng": (lambda cov, n, rng: reference(cov, n, np.random.default_rng()), "rng argument"),
    "no clipping": (lambda cov, n, rng: (rng.standard_normal((n, len(cov)))
                                         * np.sqrt(np.linalg.eigh(cov)[0])) @ np.linalg.eigh(cov)[1].T,
                    "Clip the eigenvalues at zero"),
    "cholesky": (lambda cov, n, rng: rng.standard_normal((n, len(cov))) @ np.linalg.cholesky(cov).T,
                 "np.linalg.eigh"),
    "non-zero mean": (lambda cov, n, rng: reference(cov, n, rng) + 0.5, "mean zero"),
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
    with pytest.raises(NotImplementedError):
        check_sample_zero_mean(stub)

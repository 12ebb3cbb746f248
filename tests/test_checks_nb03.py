"""The checkers of notebook 03 accept the reference solution and correct variants, reject each planted
mistake with its own message, refuse the course's own code, and take their truth from the oracle."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logsumexp, rel_entr, xlogy

from helpers import checks, em
from helpers.checks import ExerciseError
from helpers.mixture import GMM


# ---------------------------------------------------------------- Exercise 3.1 the gap is a KL divergence

def gap_ref(r, log_post):
    return xlogy(r, r).sum(axis=1) - (r * log_post).sum(axis=1)


def gap_loop(r, log_post):
    out = np.zeros(len(r))
    for i in range(r.shape[0]):
        for k in range(r.shape[1]):
            if r[i, k] > 0:
                out[i] += r[i, k] * (np.log(r[i, k]) - log_post[i, k])
    return out


def gap_float32(r, log_post):
    return gap_ref(r, log_post).astype(np.float32)


def gap_via_log_p(r, log_post):
    """Another valid formula: entropy and cross-entropy written separately."""
    H = -xlogy(r, r).sum(axis=1)
    cross = -np.einsum("ik,ik->i", r, log_post)
    return cross - H


def _nan_zero(r, log_post):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(r * (np.log(r) - log_post), axis=1)


def _underflow(r, log_post):
    with np.errstate(divide="ignore", invalid="ignore"):
        return xlogy(r, r).sum(axis=1) - xlogy(r, np.exp(log_post)).sum(axis=1)


def _rel_entr_of_exp(r, log_post):
    return rel_entr(r, np.exp(log_post)).sum(axis=1)


GAP_MISTAKES = {
    "sign": (lambda r, lp: -gap_ref(r, lp), "sign of your expression is flipped"),
    "reversed": (lambda r, lp: (np.exp(lp) * (lp - np.log(r))).sum(axis=1), "swapped"),
    "unweighted": (lambda r, lp: (np.log(r) - lp).sum(axis=1), "weighted by r_ik"),
    "entropy_only": (lambda r, lp: xlogy(r, r).sum(axis=1), "posterior is missing"),
    "cross_only": (lambda r, lp: -(r * lp).sum(axis=1), "negative entropy"),
    "mean_over_k": (lambda r, lp: gap_ref(r, lp) / r.shape[1], "averaged over the K components"),
    "total": (lambda r, lp: float(gap_ref(r, lp).sum()), "one gap per point"),
    "column": (lambda r, lp: gap_ref(r, lp)[:, None], "shape mismatch"),
    "nan_zero": (_nan_zero, "0 · log 0"),
    "underflow": (_underflow, "never np.log\\(np.exp\\(log_post\\)\\)"),
    "rel_entr_exp": (_rel_entr_of_exp, "underflows to 0"),
}


def _mutating_gap(r, log_post):
    log_post -= log_post.max()          # "normalising" the input in place
    return gap_ref(r, log_post)


GAP_MISTAKES["in_place"] = (_mutating_gap, "changed its input log_post in place")


def test_gap_checker_accepts_reference_and_variants(capsys):
    for f in (gap_ref, gap_loop, gap_float32, gap_via_log_p):
        checks.check_elbo_gap(f)
        assert "✓ Exercise 3.1" in capsys.readouterr().out


@pytest.mark.parametrize("name", GAP_MISTAKES)
def test_gap_checker_rejects(name):
    func, message = GAP_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_elbo_gap(func)


def test_gap_checker_refuses_the_reference_elbo():
    """A one-line answer through helpers.em.elbo (rebuilding a GMM is impossible here, so the student
    would smuggle it in; any call to it is refused)."""
    gmm = GMM(np.array([0.5, 0.5]), np.zeros((2, 1)), np.ones((2, 1, 1)))

    def delegating(r, log_post):
        em.elbo(np.zeros((2, 1)), np.full((2, 2), 0.5), gmm)
        return gap_ref(r, log_post)
    with pytest.raises(ExerciseError, match="helpers.em.elbo"):
        checks.check_elbo_gap(delegating)


def test_gap_checker_not_implemented_names_the_exercise():
    def stub(r, log_post):
        raise NotImplementedError()
    with pytest.raises(NotImplementedError, match="Exercise 3.1"):
        checks.check_elbo_gap(stub)


# ---------------------------------------------------------------- Exercise 3.4 one EM step for μ₁

def step_ref(x, mu1, mu2):
    r1 = expit(-0.5 * (x - mu1) ** 2 + 0.5 * (x - mu2) ** 2)
    return float(r1 @ x / r1.sum())


def step_logsumexp(x, mu1, mu2):
    """A correct variant: the log domain with logsumexp, float32 arithmetic for the mean."""
    a = np.stack([-0.5 * (x - mu1) ** 2, -0.5 * (x - mu2) ** 2], axis=1)
    r1 = np.exp(a[:, 0] - logsumexp(a, axis=1)).astype(np.float32)
    return np.float32(np.sum(r1 * x.astype(np.float32)) / np.sum(r1))


def _r1(x, mu1, mu2):
    return expit(-0.5 * (x - mu1) ** 2 + 0.5 * (x - mu2) ** 2)


def _naive(x, mu1, mu2):
    p1, p2 = np.exp(-0.5 * (x - mu1) ** 2), np.exp(-0.5 * (x - mu2) ** 2)
    with np.errstate(invalid="ignore"):
        r1 = p1 / (p1 + p2)
    return float(np.sum(r1 * x) / np.sum(r1))


STEP_MISTAKES = {
    "unchanged": (lambda x, m1, m2: m1, "unchanged"),
    "plain_mean": (lambda x, m1, m2: float(np.mean(x)), "mean of all points"),
    "other_component": (lambda x, m1, m2: step_ref(x, m2, m1), "component 2"),
    "not_divided": (lambda x, m1, m2: float(np.sum(_r1(x, m1, m2) * x)), "divide the weighted sum"),
    "over_N": (lambda x, m1, m2: float(np.sum(_r1(x, m1, m2) * x) / len(x)), "divided by N"),
    "hard": (lambda x, m1, m2: float(x[_r1(x, m1, m2) > 0.5].mean()), "hard assignments"),
    "unnormalised": (lambda x, m1, m2: (lambda w: float(w @ x / w.sum()))(
        0.5 * np.exp(-0.5 * (x - m1) ** 2) / np.sqrt(2 * np.pi)), "not normalised"),
    "r_squared": (lambda x, m1, m2: (lambda w: float(w @ x / w.sum()))(_r1(x, m1, m2) ** 2), "r_i1²"),
    "underflow": (_naive, "underflow"),
    "array": (lambda x, m1, m2: np.full(2, step_ref(x, m1, m2)), "one number"),
}


def test_step_checker_accepts_reference_and_variants(capsys):
    for f in (step_ref, step_logsumexp):
        checks.check_em_step_mu1(f)
        assert "✓ Exercise 3.4" in capsys.readouterr().out


@pytest.mark.parametrize("name", STEP_MISTAKES)
def test_step_checker_rejects(name):
    func, message = STEP_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_em_step_mu1(func)


@pytest.mark.parametrize("reference", ["reference_em_step_mu1", "responsibilities"])
def test_step_checker_refuses_course_code(reference):
    def via_reference(x, mu1, mu2):
        return checks.reference_em_step_mu1(x, mu1, mu2)

    def via_gmm(x, mu1, mu2):
        gmm = GMM(np.array([0.5, 0.5]), np.array([[mu1], [mu2]]), np.ones((2, 1, 1)))
        r1 = gmm.responsibilities(x[:, None])[:, 0]
        return float(r1 @ x / r1.sum())
    func = via_reference if reference == "reference_em_step_mu1" else via_gmm
    with pytest.raises(ExerciseError, match="course's own implementation"):
        checks.check_em_step_mu1(func)


def test_reference_passes_outside_a_check():
    """The notebook's fallback gives the same number as the reference solution."""
    x = np.linspace(-3, 4, 30)
    assert np.isclose(checks.reference_em_step_mu1(x, -4.0, 2.0), step_ref(x, -4.0, 2.0))


# ---------------------------------------------------------------- the truth is the oracle's (issue 13.3)

def test_checkers_do_not_trust_helpers(monkeypatch):
    """With helpers.em / helpers.mixture broken, the checkers still accept right answers and reject wrong ones."""
    monkeypatch.setattr(em, "elbo", lambda X, r, gmm: np.zeros(len(X)))
    monkeypatch.setattr(GMM, "responsibilities", lambda self, X: np.full((len(X), self.n_components),
                                                                          1 / self.n_components))
    monkeypatch.setattr(GMM, "log_pdf", lambda self, X: np.zeros(len(X)))
    checks.check_elbo_gap(gap_ref)
    checks.check_em_step_mu1(step_ref)
    with pytest.raises(ExerciseError):
        checks.check_elbo_gap(lambda r, lp: np.zeros(len(r)))
    with pytest.raises(ExerciseError):
        checks.check_em_step_mu1(lambda x, m1, m2: float(np.mean(x)))


def test_gap_checker_refuses_the_notebook_fallback():
    with pytest.raises(ExerciseError, match="reference_elbo_gap"):
        checks.check_elbo_gap(lambda r, log_post: checks.reference_elbo_gap(r, log_post))

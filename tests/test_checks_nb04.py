"""The checkers of notebook 04 accept the reference solution and correct variants, reject each planted
mistake with its own message, refuse the course's own code, and take their truth from the oracle."""
from __future__ import annotations

import numpy as np
import pytest

from helpers import checks, em
from helpers.checks import ExerciseError
from helpers.mixture import GMM


# ---------------------------------------------------------------- Exercise 4.2 M step

def m_ref(X, r, reg_covar):
    N, d = X.shape
    Nk = r.sum(axis=0)
    mu = (r.T @ X) / Nk[:, None]
    Sigma = np.empty((len(Nk), d, d))
    for k in range(len(Nk)):
        D = X - mu[k]
        Sigma[k] = (r[:, k, None] * D).T @ D / Nk[k] + reg_covar * np.eye(d)
    return Nk / N, mu, Sigma


def m_einsum_float32(X, r, reg_covar):
    X32, r32 = X.astype(np.float32), r.astype(np.float32)
    nk = r32.sum(axis=0)
    mu = (r32.T @ X32) / nk[:, None]
    D = X32[None] - mu[:, None]
    S = np.einsum("nk,kni,knj->kij", r32, D, D) / nk[:, None, None] + np.float32(reg_covar) * np.eye(X.shape[1],
                                                                                                   dtype=np.float32)
    return nk / len(X), mu, S


def m_np_cov(X, r, reg_covar):
    """np.cov with aweights and bias=True: a correct alternative."""
    pi, mu, _ = m_ref(X, r, reg_covar)
    S = np.stack([np.cov(X, rowvar=False, aweights=r[:, k], bias=True).reshape(X.shape[1], -1)
                  for k in range(r.shape[1])]) + reg_covar * np.eye(X.shape[1])
    return pi, mu, S


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


def _eye(X):
    return np.eye(X.shape[1])


def _np_cov_unbiased(X, r, reg_covar):
    pi, mu, _ = m_ref(X, r, reg_covar)
    S = np.stack([np.cov(X, rowvar=False, aweights=r[:, k]).reshape(X.shape[1], -1)
                  for k in range(r.shape[1])]) + reg_covar * _eye(X)
    return pi, mu, S


def _in_place(X, r, reg_covar):
    N, d = X.shape
    Nk = r.sum(axis=0)
    mu = (r.T @ X) / Nk[:, None]
    Sigma = np.empty((len(Nk), d, d))
    for k in range(len(Nk)):
        D = X
        D -= mu[k]                                    # changes X itself
        Sigma[k] = (r[:, k, None] * D).T @ D / Nk[k] + reg_covar * np.eye(d)
    return Nk / N, mu, Sigma


def _transposed_sum(X, r, reg_covar):
    pi, mu, S = m_ref(X, r, reg_covar)
    return r.sum(axis=1) / len(X), mu, S


def _transposed_index(X, r, reg_covar):
    Nk = r.sum(axis=0)
    mu = np.stack([r[k] @ X / Nk[k] for k in range(r.shape[1])])   # r[k]: row k, not column k
    return Nk / len(X), mu, m_ref(X, r, reg_covar)[2]


def _mu_transposed(X, r, reg_covar):
    pi, mu, S = m_ref(X, r, reg_covar)
    return pi, mu.T, S


M_MISTAKES = {
    "pi_counts": (_m_variant(pi=lambda X, r, nk: nk), "soft counts"),
    "pi_uniform": (_m_variant(pi=lambda X, r, nk: np.full(len(nk), 1 / len(nk))), "should not be 1/K"),
    "hard": (_m_hard, "hard assignments"),
    "mu_over_N": (_m_variant(mu=lambda X, r, nk: (r.T @ X) / len(X)), "divided Σ_i r_ik x_i by N"),
    "mu_not_divided": (_m_variant(mu=lambda X, r, nk: r.T @ X), "forgot to divide"),
    "mu_global": (_m_variant(mu=lambda X, r, nk: np.tile(X.mean(axis=0), (len(nk), 1))), "mean of all points"),
    "no_reg": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, m, nk)), "forgot reg_covar"),
    "reg_everywhere": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, m, nk) + reg), "diagonal only"),
    "not_centred": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, 0 * m, nk) + reg * _eye(X)),
                    "did not centre"),
    "global_centre": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(
        X, r, np.tile(X.mean(axis=0), (len(nk), 1)), nk) + reg * _eye(X)), "its own new μ_k"),
    "sigma_over_N": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, m, np.full_like(nk, len(X)))
                                + reg * _eye(X)), "Σ_k: you divided by N;"),
    "unbiased": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r, m, nk - 1) + reg * _eye(X)),
                 "N_k − 1"),
    "r_squared": (_m_variant(Sigma=lambda X, r, nk, m, reg: _scatter(X, r ** 2, m, nk) + reg * _eye(X)), "r_ik²"),
    "np_cov_no_bias": (_np_cov_unbiased, "bias=True"),
    "in_place": (_in_place, "changed its input X in place"),
    "transposed_sum": (_transposed_sum, "summed over the components"),
    "transposed_index": (_transposed_index, "r\\[:, k\\]"),
    "mu_transposed": (_mu_transposed, "transposed"),
    "not_a_tuple": (lambda X, r, reg: list(m_ref(X, r, reg)), "return a tuple"),
    "nan": (_m_variant(Sigma=lambda X, r, nk, m, reg: np.full((len(nk), X.shape[1], X.shape[1]), np.nan)),
            "nan or inf"),
}


def test_m_step_checker_accepts_reference_and_variants(capsys):
    for f in (m_ref, m_einsum_float32, m_np_cov):
        checks.check_m_step(f)
        assert "✓ Exercise 4.2" in capsys.readouterr().out


@pytest.mark.parametrize("name", M_MISTAKES)
def test_m_step_checker_rejects(name):
    func, message = M_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_m_step(func)


def test_m_step_checker_refuses_one_line_reference():
    def one_line(X, r, reg_covar):
        g = em.m_step(X, r, reg_covar)
        return g.weights, g.means, g.covs
    with pytest.raises(ExerciseError, match="helpers.em.m_step"):
        checks.check_m_step(one_line)


# ---------------------------------------------------------------- Exercise 4.3 hard-EM step

def hard_ref(X, pi, mu, Sigma, reg_covar):
    a = GMM(pi, mu, Sigma).log_pdf_components(X)
    return m_ref(X, np.eye(len(pi))[a.argmax(axis=1)], reg_covar)


def hard_loop(X, pi, mu, Sigma, reg_covar):
    """A correct variant: scipy's multivariate_normal, cluster statistics by boolean masks."""
    from scipy.stats import multivariate_normal
    a = np.stack([np.log(pi[k]) + multivariate_normal(mu[k], Sigma[k]).logpdf(X) for k in range(len(pi))], axis=1)
    z = a.argmax(axis=1)
    K, d = mu.shape
    new_pi, new_mu, new_S = np.empty(K), np.empty((K, d)), np.empty((K, d, d))
    for k in range(K):
        P = X[z == k]
        new_pi[k] = len(P) / len(X)
        new_mu[k] = P.mean(axis=0)
        new_S[k] = (P - new_mu[k]).T @ (P - new_mu[k]) / len(P) + reg_covar * np.eye(d)
    return new_pi, new_mu, new_S


def _assign(rule):
    def step(X, pi, mu, Sigma, reg_covar):
        a = rule(X, pi, mu, Sigma)
        return m_ref(X, np.eye(len(pi))[a], reg_covar)
    return step


def _lj(X, pi, mu, Sigma):
    return GMM(pi, mu, Sigma).log_pdf_components(X)


HARD_MISTAKES = {
    "no_pi": (_assign(lambda X, pi, mu, S: (_lj(X, pi, mu, S) - np.log(pi)).argmax(axis=1)), "weights π_k"),
    "euclidean": (_assign(lambda X, pi, mu, S: ((X[:, None] - mu[None]) ** 2).sum(axis=2).argmin(axis=1)),
                  "Euclidean"),
    "argmin": (_assign(lambda X, pi, mu, S: _lj(X, pi, mu, S).argmin(axis=1)), "least probable"),
    "soft": (lambda X, pi, mu, S, reg: m_ref(X, GMM(pi, mu, S).responsibilities(X), reg), "soft responsibilities"),
    "pi_fixed": (lambda X, pi, mu, S, reg: (pi, *hard_ref(X, pi, mu, S, reg)[1:]), "kept the old weights"),
    "sigma_fixed": (lambda X, pi, mu, S, reg: (*hard_ref(X, pi, mu, S, reg)[:2], S), "kept the old covariances"),
    "no_reg": (lambda X, pi, mu, S, reg: (*hard_ref(X, pi, mu, S, reg)[:2],
                                          hard_ref(X, pi, mu, S, reg)[2] - reg * np.eye(X.shape[1])),
               "forgot reg_covar"),
}


def test_hard_checker_accepts_reference_and_variants(capsys):
    for f in (hard_ref, hard_loop):
        checks.check_hard_em_step(f)
        assert "✓ Exercise 4.3" in capsys.readouterr().out


@pytest.mark.parametrize("name", HARD_MISTAKES)
def test_hard_checker_rejects(name):
    func, message = HARD_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_hard_em_step(func)


def test_hard_checker_refuses_fit_hard_em():
    def one_line(X, pi, mu, Sigma, reg_covar):
        g, _ = em.fit_hard_em(X, len(pi), init=GMM(pi, mu, Sigma), max_iter=1, tol=0.0, reg_covar=reg_covar)
        return g.weights, g.means, g.covs
    with pytest.raises(ExerciseError, match="helpers.em.fit_hard_em"):
        checks.check_hard_em_step(one_line)


def test_hard_checker_accepts_the_students_own_m_step_and_the_reference_e_step():
    """Reusing one's own Exercise 4.2 answer inside 4.3 is allowed, and so is an argmax of em.e_step's r."""
    def via_e_step(X, pi, mu, Sigma, reg_covar):
        r, _ = em.e_step(X, GMM(pi, mu, Sigma))
        return m_ref(X, np.eye(len(pi))[r.argmax(axis=1)], reg_covar)
    checks.check_hard_em_step(hard_ref)
    checks.check_hard_em_step(via_e_step)


def test_hard_checker_refuses_the_reference_m_step():
    def via_m_step(X, pi, mu, Sigma, reg_covar):
        a = GMM(pi, mu, Sigma).log_pdf_components(X)
        g = em.m_step(X, np.eye(len(pi))[a.argmax(axis=1)], reg_covar)
        return g.weights, g.means, g.covs
    with pytest.raises(ExerciseError, match="helpers.em.m_step"):
        checks.check_hard_em_step(via_m_step)


def test_loop_and_m_step_checkers_refuse_em_e_step():
    def m_with_e(X, r, reg_covar):
        em.e_step(X, GMM(np.full(r.shape[1], 1 / r.shape[1]), X[:r.shape[1]], np.tile(np.eye(X.shape[1]),
                                                                                       (r.shape[1], 1, 1))))
        return m_ref(X, r, reg_covar)
    with pytest.raises(ExerciseError, match="helpers.em.e_step"):
        checks.check_m_step(m_with_e)

    def loop_with_em_e_step(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
        return loop_ref(X, gmm, em.e_step, m_step, reg_covar, max_iter, tol)
    with pytest.raises(ExerciseError, match="helpers.em.e_step"):
        checks.check_run_em(loop_with_em_e_step)


# ---------------------------------------------------------------- Exercise 4.4 the EM loop

def loop_ref(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    log_liks = []
    for t in range(max_iter + 1):
        r, ll = e_step(X, gmm)
        log_liks.append(ll)
        if t > 0 and abs(log_liks[-1] - log_liks[-2]) < tol * abs(log_liks[-1]):
            break
        if t == max_iter:
            break
        gmm = GMM(*m_step(X, r, reg_covar))
    return gmm, log_liks


def loop_while(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    """A correct variant: a while loop with the E step of the next model computed in advance."""
    r, ll = e_step(X, gmm)
    lls = [ll]
    while len(lls) <= max_iter:
        new = GMM(*m_step(X, r, reg_covar))
        r_new, ll_new = e_step(X, new)
        gmm, r = new, r_new
        lls.append(ll_new)
        if abs(lls[-1] - lls[-2]) < tol * abs(lls[-1]):
            break
    return gmm, np.array(lls)


def _no_stop(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    return loop_ref(X, gmm, e_step, m_step, reg_covar, max_iter, 0.0)


def _absolute(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    log_liks = []
    for t in range(max_iter + 1):
        r, ll = e_step(X, gmm)
        log_liks.append(ll)
        if (t > 0 and abs(log_liks[-1] - log_liks[-2]) < tol) or t == max_iter:
            break
        gmm = GMM(*m_step(X, r, reg_covar))
    return gmm, log_liks


def _extra_m_step(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    log_liks = []
    for t in range(max_iter + 1):
        r, ll = e_step(X, gmm)
        log_liks.append(ll)
        gmm = GMM(*m_step(X, r, reg_covar))
        if (t > 0 and abs(log_liks[-1] - log_liks[-2]) < tol * abs(log_liks[-1])) or t == max_iter:
            break
    return gmm, log_liks


def _after_m_step(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    r, _ = e_step(X, gmm)
    gmm = GMM(*m_step(X, r, reg_covar))
    g, lls = loop_ref(X, gmm, e_step, m_step, reg_covar, max(max_iter - 1, 0), tol)
    return g, lls


def _stale_r(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    r, ll = e_step(X, gmm)
    log_liks = [ll]
    for t in range(max_iter):
        gmm = GMM(*m_step(X, r, reg_covar))
        _, ll = e_step(X, gmm)                       # r never updated
        log_liks.append(ll)
        if abs(log_liks[-1] - log_liks[-2]) < tol * abs(log_liks[-1]):
            break
    return gmm, log_liks


def _no_reg(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    return loop_ref(X, gmm, e_step, m_step, 0.0, max_iter, tol)


def _own_steps(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    return loop_ref(X, gmm, lambda X, g: (g.responsibilities(X), g.score(X)), m_ref, reg_covar, max_iter, tol)


def _returns_tuple_model(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
    g, lls = loop_ref(X, gmm, e_step, m_step, reg_covar, max_iter, tol)
    return (g.weights, g.means, g.covs), lls


LOOP_MISTAKES = {
    "no_stop": (_no_stop, "ran all max_iter"),
    "absolute_tol": (_absolute, "the test is relative"),
    "extra_m_step": (_extra_m_step, "one more M step"),
    "after_m_step": (_after_m_step, "log_liks\\[0\\]"),
    "stale_r": (_stale_r, "each E step must use the model"),
    "no_reg": (_no_reg, "reg_covar passed on"),
    "own_steps": (_own_steps, "never called the e_step"),
    "model_as_tuple": (_returns_tuple_model, "final GMM"),
    "not_a_pair": (lambda *a, **k: loop_ref(*a, **k)[1], "return a pair"),
}


def test_loop_checker_accepts_reference_and_variants(capsys):
    for f in (loop_ref, loop_while):
        checks.check_run_em(f)
        assert "✓ Exercise 4.4" in capsys.readouterr().out


@pytest.mark.parametrize("name", LOOP_MISTAKES)
def test_loop_checker_rejects(name):
    func, message = LOOP_MISTAKES[name]
    with pytest.raises(ExerciseError, match=message):
        checks.check_run_em(func)


def test_loop_checker_refuses_the_notebook_fallback():
    with pytest.raises(ExerciseError, match="reference_run_em"):
        checks.check_run_em(lambda *args, **kw: checks.reference_run_em(*args, **kw))


def test_reference_loop_passes_outside_a_check(capsys):
    """The fallback is a correct loop (checked here by its own checker, delegation guard aside)."""
    X = np.random.default_rng(0).normal(size=(30, 2))
    g0 = GMM(np.full(2, 0.5), X[:2].copy(), np.tile(np.eye(2), (2, 1, 1)))
    g1, l1 = checks.reference_run_em(X, g0, lambda X, g: (g.responsibilities(X), g.score(X)), m_ref, 1e-3, 50, 1e-6)
    g2, l2 = loop_ref(X, g0, lambda X, g: (g.responsibilities(X), g.score(X)), m_ref, 1e-3, 50, 1e-6)
    assert np.allclose(l1, l2) and np.allclose(g1.means, g2.means)


def test_loop_checker_refuses_fit_em():
    def one_line(X, gmm, e_step, m_step, reg_covar, max_iter=100, tol=1e-6):
        g, h = em.fit_em(X, gmm.n_components, init=gmm, max_iter=max_iter, tol=tol, reg_covar=reg_covar)
        return g, h.log_likelihood
    with pytest.raises(ExerciseError, match="helpers.em.fit_em"):
        checks.check_run_em(one_line)


# ---------------------------------------------------------------- the truth is the oracle's (issue 13.3)

def test_checkers_do_not_trust_helpers_em(monkeypatch):
    """helpers.em.m_step / e_step broken: the checkers still accept right answers and reject wrong ones."""
    def wrong_m_step(X, resp, reg_covar=1e-6):
        return GMM(np.full(resp.shape[1], 1 / resp.shape[1]), (resp.T @ X) / len(X),
                   np.tile(np.eye(X.shape[1]), (resp.shape[1], 1, 1)))
    monkeypatch.setattr(em, "m_step", wrong_m_step)
    monkeypatch.setattr(em, "e_step", lambda X, gmm: (np.full((len(X), gmm.n_components), 1 / gmm.n_components), 0.0))
    checks.check_m_step(m_ref)
    checks.check_hard_em_step(hard_ref)
    checks.check_run_em(loop_ref)
    for wrong in (M_MISTAKES["mu_over_N"][0], M_MISTAKES["pi_uniform"][0]):
        with pytest.raises(ExerciseError):
            checks.check_m_step(wrong)
    with pytest.raises(ExerciseError):
        checks.check_hard_em_step(HARD_MISTAKES["euclidean"][0])
    with pytest.raises(ExerciseError):
        checks.check_run_em(_no_stop)

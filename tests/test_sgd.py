"""helpers.sgd: optimisers, analytic gradients against finite differences, fits against the MLE / EM."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from helpers import gaussian, sgd
from helpers.mixture import GMM

FAST = settings(max_examples=25, deadline=None)


def _random_gaussian_problem(seed: int, n: int, d: int, scale: float):
    rng = np.random.default_rng(seed)
    X = scale * rng.normal(size=(n, d)) + rng.normal(size=d)
    return X, rng.normal(size=d), rng.normal(size=(d, d))


def _random_gmm_params(rng: np.random.Generator, K: int, d: int) -> sgd.Params:
    return {"w": 2 * rng.normal(size=K), "means": rng.normal(size=(K, d)),
            "A": rng.normal(size=(K, d, d))}


# ----------------------------------------------------------------------------- gradients
@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), d=st.integers(1, 5),
       scale=st.floats(0.1, 3.0), eps=st.floats(0.05, 1.0))
def test_gaussian_gradient_matches_central_differences(seed, n, d, scale, eps):
    X, mu, A = _random_gaussian_problem(seed, n, d, scale)
    errors = sgd.grad_check(lambda p: sgd.gaussian_nll_and_grad(X, p["mu"], p["A"], eps),
                            {"mu": mu, "A": A})
    assert set(errors) == {"mu", "A"}
    assert max(errors.values()) < 1e-6, errors


@FAST
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), K=st.integers(1, 4),
       d=st.integers(1, 4), eps=st.floats(0.05, 1.0))
@example(seed=3, n=3, K=4, d=2, eps=1.0)  # failed at h = 1e-6 (round-off), see below
def test_gmm_gradient_matches_central_differences(seed, n, K, d, eps):
    rng = np.random.default_rng(seed)
    X = 1.5 * rng.normal(size=(n, d))
    # h = 1e-5, not the default 1e-6: the central difference's round-off error is about
    # 1e-16 |J| / h, which at h = 1e-6 reached 3e-6 of a small logit gradient (seed 3, n 3, K 4,
    # d 2, eps 1); its truncation error at 1e-5 is O(h²) = 1e-10.  The tolerance is unchanged.
    errors = sgd.grad_check(lambda p: sgd.gmm_nll_and_grad(X, p, eps), _random_gmm_params(rng, K, d), h=1e-5)
    assert set(errors) == {"w", "means", "A"}
    assert max(errors.values()) < 1e-6, errors


@FAST
@given(seed=st.integers(0, 2**32 - 1), condition=st.floats(1.0, 1e3), angle=st.floats(-90, 90))
def test_quadratic_gradient_matches_central_differences(seed, condition, angle):
    q = sgd.ill_conditioned_quadratic(condition, angle)
    theta = np.random.default_rng(seed).normal(size=2)
    err = sgd.grad_check(lambda p: (float(q.loss(p["t"])), {"t": q.grad(p["t"])}), {"t": theta})
    assert err["t"] < 1e-6
    assert q.condition == pytest.approx(condition)


def test_grad_check_detects_a_wrong_gradient():
    X, mu, A = _random_gaussian_problem(0, 20, 3, 1.0)

    def wrong(p):
        loss, g = sgd.gaussian_nll_and_grad(X, p["mu"], p["A"], 0.1)
        return loss, {"mu": -g["mu"], "A": g["A"]}

    errors = sgd.grad_check(wrong, {"mu": mu, "A": A})
    assert errors["mu"] > 0.5 and errors["A"] < 1e-6


def test_one_component_gmm_gradient_equals_gaussian_gradient():
    X, mu, A = _random_gaussian_problem(1, 30, 4, 1.0)
    nll_g, g = sgd.gaussian_nll_and_grad(X, mu, A, 0.2)
    nll_m, m = sgd.gmm_nll_and_grad(X, {"w": np.array([0.3]), "means": mu[None], "A": A[None]}, 0.2)
    assert nll_m == pytest.approx(nll_g, rel=1e-12)
    np.testing.assert_allclose(m["means"][0], g["mu"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m["A"][0], g["A"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m["w"], 0.0, atol=1e-12)


# ----------------------------------------------------------------------------- losses vs oracles
def test_gaussian_nll_matches_scipy():
    X, mu, A = _random_gaussian_problem(2, 50, 6, 2.0)
    cov = A @ A.T + 1e-3 * np.eye(6)
    ref = -multivariate_normal(mu, cov).logpdf(X).mean()
    assert sgd.gaussian_nll(X, mu, A, 1e-3) == pytest.approx(ref, rel=1e-10)


def test_gmm_nll_matches_mixture_log_pdf_even_for_d_256():
    rng = np.random.default_rng(3)
    K, d = 2, 256
    X = 0.05 * rng.normal(size=(40, d))  # densities underflow float64 without log space
    p = {"w": rng.normal(size=K), "means": 0.01 * rng.normal(size=(K, d)),
         "A": 0.05 * rng.normal(size=(K, d, d)) / np.sqrt(d)}
    gmm = sgd.params_to_gmm(p, 1e-3)
    nll = sgd.gmm_nll(X, p, 1e-3)
    assert np.isfinite(nll) and nll < 0
    assert nll == pytest.approx(-gmm.log_pdf(X).mean(), rel=1e-10)
    np.testing.assert_allclose(gmm.weights, sgd.softmax(p["w"]))
    loss, grads = sgd.gmm_nll_and_grad(X, p, 1e-3)
    assert loss == pytest.approx(nll, rel=1e-10)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_params_round_trip_through_a_gmm():
    rng = np.random.default_rng(4)
    p = _random_gmm_params(rng, 3, 4)
    gmm = sgd.params_to_gmm(p, 0.1)
    back = sgd.params_from_gmm(gmm, 0.1)
    np.testing.assert_allclose(sgd.softmax(back["w"]), gmm.weights)
    again = sgd.params_to_gmm(back, 0.1)
    np.testing.assert_allclose(again.covs, gmm.covs, atol=1e-10)


# ----------------------------------------------------------------------------- softmax
@given(w=st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=20))
def test_softmax_is_a_distribution_even_for_extreme_logits(w):
    pi = sgd.softmax(np.array(w))
    assert np.all(np.isfinite(pi)) and np.all(pi >= 0)
    assert pi.sum() == pytest.approx(1.0, abs=1e-12)


def test_fitted_weights_stay_a_valid_distribution():
    rng = np.random.default_rng(5)
    X = np.concatenate([rng.normal(-3, 0.5, size=(300, 2)), rng.normal(2, 1.0, size=(100, 2))])
    seen = []
    gmm, history = sgd.fit_gmm_sgd(X, 3, n_epochs=8, batch_size=32, lr=0.05, rng=rng,
                                   callback=lambda e, p, nll: seen.append(sgd.softmax(p["w"])))
    assert isinstance(gmm, GMM) and len(seen) == 9
    for pi in seen + [gmm.weights]:
        assert np.all(pi >= 0) and pi.sum() == pytest.approx(1.0, abs=1e-12)


# ----------------------------------------------------------------------------- optimisers
def test_momentum_update_order_and_beta_zero_is_gradient_descent():
    theta, v, g = np.array([1.0, -2.0]), np.array([0.5, 0.5]), np.array([2.0, 4.0])
    new_theta, new_v = sgd.momentum_update(theta, v, g, lr=0.1, beta=0.9)
    np.testing.assert_allclose(new_v, 0.9 * v + g)
    np.testing.assert_allclose(new_theta, theta - 0.1 * (0.9 * v + g))
    np.testing.assert_allclose(theta, [1.0, -2.0], err_msg="inputs must not be modified")
    q = sgd.ill_conditioned_quadratic(10.0)
    path_gd = sgd.descend(q.grad, [1.0, 1.0], sgd.GradientDescent(0.5), 20)
    path_m0 = sgd.descend(q.grad, [1.0, 1.0], sgd.Momentum(0.5, beta=0.0), 20)
    np.testing.assert_allclose(path_gd, path_m0)


def _iterations_to_converge(path: np.ndarray, q: sgd.Quadratic, tol: float = 1e-8) -> int:
    rel = q.loss(path) / q.loss(path[0])
    hit = np.flatnonzero(rel < tol)
    return int(hit[0]) if hit.size else len(path)


def test_momentum_beats_gradient_descent_on_condition_100_quadratic():
    q = sgd.ill_conditioned_quadratic(condition=100.0, angle_deg=30.0)
    assert q.condition == pytest.approx(100.0)
    start = [2.0, 1.0]

    def iterations(opt):
        return _iterations_to_converge(sgd.descend(q.grad, start, opt, 5000), q)

    # Same learning rate (1 / largest curvature), β = 0.9.
    gd, mom = iterations(sgd.GradientDescent(1.0)), iterations(sgd.Momentum(1.0, 0.9))
    assert gd < 5000 and mom * 2 < gd, f"momentum took {mom} iterations, plain GD {gd}"
    # Each with its optimal constants (Polyak): GD needs ~κ, momentum ~√κ iterations.
    lo, hi = 0.01, 1.0
    gd_best = iterations(sgd.GradientDescent(2 / (lo + hi)))
    rho = (np.sqrt(hi) - np.sqrt(lo)) / (np.sqrt(hi) + np.sqrt(lo))
    mom_best = iterations(sgd.Momentum(4 / (np.sqrt(hi) + np.sqrt(lo)) ** 2, rho ** 2))
    assert mom_best * 5 < gd_best, f"tuned momentum took {mom_best} iterations, tuned GD {gd_best}"


def test_descend_marks_a_divergent_path_with_nan():
    q = sgd.ill_conditioned_quadratic(100.0)
    path = sgd.descend(q.grad, [1.0, 1.0], sgd.GradientDescent(2.5), 2000)
    assert path.shape == (2001, 2)
    assert np.isnan(path[-1]).all() and np.isfinite(path[:10]).all()


def test_minibatches_partition_the_data():
    batches = list(sgd.minibatches(10, 4, np.random.default_rng(0)))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches)) == list(range(10))


def test_run_sgd_raises_on_divergence():
    X = np.random.default_rng(0).normal(size=(50, 2))

    def loss_and_grad(p, Xb):
        r = p["t"] - Xb.mean(axis=0)
        return float(r @ r), {"t": 2 * r}

    with pytest.raises(FloatingPointError, match="lr"):
        sgd.run_sgd(loss_and_grad, {"t": np.ones(2)}, X, sgd.GradientDescent(10.0),
                    batch_size=50, n_epochs=2000, rng=np.random.default_rng(0))
    p, hist = sgd.run_sgd(loss_and_grad, {"t": np.ones(2)}, X, sgd.GradientDescent(0.25),
                          batch_size=50, n_epochs=30, rng=np.random.default_rng(0))
    assert hist.shape == (31,) and hist[-1] < 1e-12
    np.testing.assert_allclose(p["t"], X.mean(axis=0))


# ----------------------------------------------------------------------------- fits
@pytest.mark.parametrize("precondition, lr", [(True, sgd.DEFAULT_LR), (False, 0.005)])
def test_sgd_gaussian_reaches_the_mle_likelihood_within_one_percent(precondition, lr):
    rng = np.random.default_rng(6)
    d = 5
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    stds = np.array([3.0, 1.5, 1.0, 0.6, 0.3])          # covariance condition number 100
    X = (rng.normal(size=(2000, d)) * stds) @ Q.T + rng.normal(size=d)
    eps = 1e-4
    mean, cov = gaussian.fit(X)
    mle = -gaussian.log_pdf(X, mean, cov + eps * np.eye(d)).mean()
    # 2000 points: batches of 64 give 32 steps per epoch (the default 256 suits larger data sets).
    mu, cov_sgd, history = sgd.fit_gaussian_sgd(X, lr=lr, batch_size=64, eps=eps,
                                                precondition=precondition, rng=rng)
    assert history.shape == (21,)
    final = -gaussian.log_pdf(X, mu, cov_sgd).mean()
    assert final == pytest.approx(history[-1], rel=1e-10)
    assert abs(final - mle) <= 0.01 * abs(mle), (final, mle)
    assert history[-1] < history[0]


def test_sgd_gmm_reaches_em_likelihood_on_separated_clusters():
    from sklearn.mixture import GaussianMixture
    rng = np.random.default_rng(7)
    means = np.array([[-4.0, 0.0], [0.0, 4.0], [4.0, 0.0]])
    z = rng.choice(3, size=900, p=[0.5, 0.3, 0.2])
    X = means[z] + rng.normal(size=(900, 2)) * np.array([[1.0, 0.4]])
    em = GaussianMixture(3, reg_covar=1e-4, random_state=0, n_init=3).fit(X)
    gmm, history = sgd.fit_gmm_sgd(X, 3, n_epochs=30, batch_size=64, rng=rng)
    assert history[-1] <= -em.score(X) + 0.01 * abs(em.score(X)), (history[-1], -em.score(X))
    np.testing.assert_allclose(np.sort(gmm.weights), [0.2, 0.3, 0.5], atol=0.05)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, match", [
    (lambda: sgd.gaussian_nll_and_grad(np.ones((3, 2)), np.zeros(3), np.eye(2)), "^mu"),
    (lambda: sgd.gaussian_nll_and_grad(np.ones((3, 2)), np.zeros(2), np.eye(3)), "^A"),
    (lambda: sgd.gaussian_nll_and_grad(np.ones((3, 2)), np.zeros(2), np.eye(2), eps=0), "^eps"),
    (lambda: sgd.gaussian_nll([[np.nan, 1.0]], np.zeros(2), np.eye(2)), "^X"),
    (lambda: sgd.gmm_nll(np.ones((3, 2)), {"w": np.zeros(2), "means": np.zeros((2, 2))}), "^params"),
    (lambda: sgd.gmm_nll(np.ones((3, 2)), {"w": np.zeros(3), "means": np.zeros((2, 2)),
                                           "A": np.ones((2, 2, 2))}), r"^params\['w'\]"),
    (lambda: sgd.gmm_nll(np.ones((3, 3)), {"w": np.zeros(2), "means": np.zeros((2, 2)),
                                           "A": np.ones((2, 2, 2))}), r"^params\['means'\]"),
    (lambda: sgd.fit_gmm_sgd(np.ones((3, 2)), 4, rng=np.random.default_rng(0)), "^n_components"),
    (lambda: sgd.fit_gmm_sgd(np.ones((3, 2)), 2, lr=-1, rng=np.random.default_rng(0)), "^lr"),
    (lambda: sgd.fit_gmm_sgd(np.ones((3, 2)), 2, beta=1.0, rng=np.random.default_rng(0)), "^beta"),
    (lambda: sgd.fit_gmm_sgd(np.ones((3, 2)), 2, batch_size=0, rng=np.random.default_rng(0)), "^batch_size"),
    (lambda: sgd.fit_gmm_sgd(np.ones((3, 2)), 2, rng=0), "^rng"),
    (lambda: sgd.fit_gaussian_sgd(np.ones((3, 2)), n_epochs=-1, rng=np.random.default_rng(0)), "^n_epochs"),
    (lambda: sgd.Momentum(0.1, beta=-0.1), "^beta"),
    (lambda: sgd.GradientDescent(0.0), "^lr"),
    (lambda: sgd.ill_conditioned_quadratic(0.5), "^condition"),
    (lambda: sgd.grad_check(lambda p: (0.0, {}), {"a": np.zeros(2)}), "^loss_and_grad"),
])
def test_bad_input_raises_value_error_naming_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_params_from_gmm_is_exact_when_eigenvalues_exceed_eps():
    rng = np.random.default_rng(8)
    B = rng.normal(size=(2, 4, 2))                     # rank-2 covariances + εI: singular minus ε
    covs = B @ B.transpose(0, 2, 1) + 1e-3 * np.eye(4)
    gmm = GMM(weights=np.array([0.3, 0.7]), means=rng.normal(size=(2, 4)), covs=covs)
    p = sgd.params_from_gmm(gmm, 1e-3)
    np.testing.assert_allclose(sgd.params_to_gmm(p, 1e-3).covs, covs, atol=1e-12)
    X = rng.normal(size=(20, 4))
    assert sgd.gmm_nll(X, p, 1e-3) == pytest.approx(-gmm.log_pdf(X).mean(), rel=1e-10)


def test_quadratic_validates_its_matrix():
    with pytest.raises(ValueError, match="^H"):
        sgd.Quadratic(H=np.array([[1.0, 0.0], [0.0, -1.0]]))
    with pytest.raises(ValueError, match="^minimum"):
        sgd.Quadratic(H=np.eye(2), minimum=np.zeros(3))
    with pytest.raises(ValueError, match="^beta"):
        sgd.Momentum(0.1, beta="fast")

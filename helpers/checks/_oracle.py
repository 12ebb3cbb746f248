"""Independent oracles for the exercise checkers: plain, slow, obviously right float64 code.

The checker principle: a checker computes the truth here, never with the package's own implementation of
the step it grades (``helpers.em``, ``helpers.gaussian``, ``helpers.mixture``, ``helpers.sgd``, ...), so a
bug there cannot make a wrong student answer pass. Everything here is intentionally a second
implementation: loops over components or points, ``numpy.linalg`` on one matrix at a time, no chunking and
no float32. It is *meant* to duplicate logic in ``helpers`` (the one exception to "no logic written twice").
Student answers that call any function of this module are refused by ``_common.call``.

Sections are per notebook; keep each function short and obviously right.
"""
from __future__ import annotations

import numpy as np

LOG_2PI = float(np.log(2.0 * np.pi))  # independent of helpers.gaussian.LOG_2PI on purpose


def gaussian_log_pdf(X: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """log N(x_i; mean, cov) for each row of X (N, d) -> (N,), via slogdet and solve, one point at a time."""
    X, mean, cov = np.asarray(X, float), np.asarray(mean, float), np.asarray(cov, float)
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        raise ValueError("oracle: cov is not positive definite")
    d = X.shape[1]
    out = np.empty(len(X))
    for i, x in enumerate(X):
        diff = x - mean
        out[i] = -0.5 * (d * LOG_2PI + logdet + diff @ np.linalg.solve(cov, diff))
    return out


def log_joint(X: np.ndarray, pi: np.ndarray, mu: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
    """log π_k + log N(x_i; μ_k, Σ_k) -> (N, K), one component at a time."""
    return np.stack([np.log(pi[k]) + gaussian_log_pdf(X, mu[k], Sigma[k]) for k in range(len(pi))], axis=1)


def logsumexp_rows(A: np.ndarray) -> np.ndarray:
    """log Σ_k exp(A_ik) -> (N,), written out (max shift) rather than scipy's."""
    m = A.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(A - m).sum(axis=1, keepdims=True)))[:, 0]


def responsibilities(X, pi, mu, Sigma) -> np.ndarray:
    """r_ik = p(z_i = k | x_i) -> (N, K)."""
    lj = log_joint(X, pi, mu, Sigma)
    return np.exp(lj - logsumexp_rows(lj)[:, None])


def mixture_log_pdf(X, pi, mu, Sigma) -> np.ndarray:
    """log p(x_i) = log Σ_k π_k N(x_i; μ_k, Σ_k) -> (N,)."""
    return logsumexp_rows(log_joint(X, pi, mu, Sigma))


# ----------------------------------------------------------------------------- notebook sections below
# Each notebook's engineer appends a section "# --- notebook NN" with that notebook's oracles.


# --- notebook 01
def gaussian_mle(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood (mean (d,), cov (d, d)): the covariance summed one outer product at a time, / N."""
    X = np.asarray(X, float)
    mean = X.sum(axis=0) / len(X)
    cov = np.zeros((X.shape[1], X.shape[1]))
    for x in X:
        cov += np.outer(x - mean, x - mean)
    return mean, cov / len(X)


def gaussian_nll_precision(Lam: np.ndarray, S: np.ndarray, N: int) -> float:
    """NLL(μ̂, Λ) up to its constant: −(N/2) log det Λ + ½ tr(Λ S), S the scatter matrix about μ̂."""
    sign, logdet = np.linalg.slogdet(np.asarray(Lam, float))
    if sign <= 0:
        raise ValueError("oracle: Λ is not positive definite")
    return float(-0.5 * N * logdet + 0.5 * np.trace(np.asarray(Lam, float) @ np.asarray(S, float)))


def gaussian_nll_precision_grad(Lam: np.ndarray, S: np.ndarray, N: int) -> np.ndarray:
    """∂NLL/∂Λ = −(N/2) Λ⁻¹ + ½ S (d, d), entries of Λ treated as independent (Λ, S symmetric)."""
    return -0.5 * N * np.linalg.inv(np.asarray(Lam, float)) + 0.5 * np.asarray(S, float)


# --- notebook 02
def mixture_moments(pi: np.ndarray, mu: np.ndarray, Sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E[x] (d,) and Cov[x] (d, d) of a Gaussian mixture, by the laws of total expectation and covariance,
    one component at a time: E[x] = Σ_k π_k μ_k, Cov[x] = Σ_k π_k (Σ_k + (μ_k − E x)(μ_k − E x)ᵀ)."""
    pi, mu, Sigma = np.asarray(pi, float), np.asarray(mu, float), np.asarray(Sigma, float)
    mean = np.zeros(mu.shape[1])
    for k in range(len(pi)):
        mean += pi[k] * mu[k]
    cov = np.zeros((mu.shape[1], mu.shape[1]))
    for k in range(len(pi)):
        cov += pi[k] * (Sigma[k] + np.outer(mu[k] - mean, mu[k] - mean))
    return mean, cov


# --- notebook 05
def heavy_ball_step(theta, velocity, grad, lr: float, beta: float):
    """One heavy-ball step written out entry by entry: v' = β v + g, θ' = θ − η v'. Returns (θ', v')."""
    theta, velocity, grad = (np.array(a, float) for a in (theta, velocity, grad))
    new_v, new_theta = np.empty_like(velocity), np.empty_like(theta)
    for j in np.ndindex(theta.shape):
        new_v[j] = beta * velocity[j] + grad[j]
        new_theta[j] = theta[j] - lr * new_v[j]
    return new_theta, new_v


def gaussian_factor_nll(X, mu, A, eps: float) -> float:
    """Mean NLL of the rows of X under N(μ, A Aᵀ + εI), through :func:`gaussian_log_pdf`."""
    A = np.asarray(A, float)
    return float(-np.mean(gaussian_log_pdf(X, mu, A @ A.T + eps * np.eye(len(A)))))


def gaussian_factor_nll_grad(X, mu, A, eps: float):
    """(∂J/∂μ (d,), ∂J/∂A (d, d)) of :func:`gaussian_factor_nll`, one point at a time:
    y_i = Σ⁻¹(x_i − μ), ∂J/∂μ = −mean y_i, ∂J/∂A = (Σ⁻¹ − mean y_i y_iᵀ) A (checked against
    :func:`finite_difference_grad` in tests/test_checks_nb05.py)."""
    X, mu, A = np.asarray(X, float), np.asarray(mu, float), np.asarray(A, float)
    d = len(mu)
    Sigma = A @ A.T + eps * np.eye(d)
    Sigma_inv = np.linalg.solve(Sigma, np.eye(d))
    g_mu, YY = np.zeros(d), np.zeros((d, d))
    for x in X:
        y = np.linalg.solve(Sigma, x - mu)
        g_mu -= y / len(X)
        YY += np.outer(y, y) / len(X)
    return g_mu, (Sigma_inv - YY) @ A


def finite_difference_grad(f, theta, h: float = 1e-6) -> np.ndarray:
    """Central differences (f(θ + h e_j) − f(θ − h e_j)) / 2h for every entry of the array θ."""
    theta = np.array(theta, float)
    g = np.zeros_like(theta)
    for j in np.ndindex(theta.shape):
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        g[j] = (f(tp) - f(tm)) / (2 * h)
    return g


def mixture_logit_nll(w, log_lik) -> float:
    """J(w) = −mean_i log Σ_k softmax(w)_k exp(ℓ_ik) for log-likelihoods ℓ (N, K), one point at a time."""
    w, log_lik = np.asarray(w, float), np.asarray(log_lik, float)
    log_pi = w - (w.max() + np.log(np.sum(np.exp(w - w.max()))))
    return float(-np.mean([logsumexp_rows((log_pi + row)[None])[0] for row in log_lik]))


def mixture_logit_grad(w, log_lik) -> np.ndarray:
    """∂J/∂w (K,) of :func:`mixture_logit_nll`: π − mean_i r_i with r_i = softmax(log π + ℓ_i)."""
    w, log_lik = np.asarray(w, float), np.asarray(log_lik, float)
    log_pi = w - (w.max() + np.log(np.sum(np.exp(w - w.max()))))
    r_mean = np.zeros(len(w))
    for row in log_lik:
        a = log_pi + row
        r_mean += np.exp(a - logsumexp_rows(a[None])[0]) / len(log_lik)
    return np.exp(log_pi) - r_mean


def momentum_sgd_epoch(params: dict, velocity: dict, X, grad_fn, lrs, beta: float, batch_size: int, rng):
    """One epoch of minibatch heavy-ball SGD: order = rng.permutation(N); step t uses rows
    order[tB:(t+1)B] (the last batch may be smaller) and learning rate lrs[t]. Returns (params, velocity)."""
    order = rng.permutation(len(X))
    params = {k: np.array(v, float) for k, v in params.items()}
    velocity = {k: np.array(v, float) for k, v in velocity.items()}
    for t, start in enumerate(range(0, len(X), batch_size)):
        grads = grad_fn(params, X[order[start:start + batch_size]])
        for k in params:
            velocity[k] = beta * velocity[k] + grads[k]
            params[k] = params[k] - lrs[t] * velocity[k]
    return params, velocity


# --- notebook 03
def log_posterior(X, pi, mu, Sigma) -> np.ndarray:
    """log p(z_i = k | x_i) -> (N, K): the log joint minus log p(x_i), never through densities."""
    lj = log_joint(X, pi, mu, Sigma)
    return lj - logsumexp_rows(lj)[:, None]


def elbo_per_point(X, r, pi, mu, Sigma) -> np.ndarray:
    """L_i(r, θ) = Σ_k r_ik [log π_k + log N(x_i; μ_k, Σ_k) − log r_ik] -> (N,), 0 log 0 = 0, by loops."""
    lj = log_joint(X, pi, mu, Sigma)
    out = np.zeros(len(X))
    for i in range(len(X)):
        for k in range(len(pi)):
            if r[i, k] > 0:
                out[i] += r[i, k] * (lj[i, k] - np.log(r[i, k]))
    return out


def elbo_gap(X, r, pi, mu, Sigma) -> np.ndarray:
    """The gap log p(x_i) − L_i(r, θ) -> (N,), straight from its definition (no KL formula)."""
    return mixture_log_pdf(X, pi, mu, Sigma) - elbo_per_point(X, r, pi, mu, Sigma)


def em_step_mu1(x, mu1: float, mu2: float) -> float:
    """One EM step for μ₁ in ½ N(x; μ₁, 1) + ½ N(x; μ₂, 1), x (N,): posterior of component 1 point
    by point (in the log domain), then the r-weighted mean."""
    x = np.asarray(x, float)
    r1 = np.empty(len(x))
    for i, xi in enumerate(x):
        a = np.array([-0.5 * (xi - mu1) ** 2, -0.5 * (xi - mu2) ** 2])   # log ½ and log √(2π) cancel
        r1[i] = np.exp(a[0] - (a.max() + np.log(np.exp(a - a.max()).sum())))
    return float(np.sum(r1 * x) / np.sum(r1))


# --- notebook 04
def gmm_m_step(X, r, reg_covar: float):
    """(π (K,), μ (K, d), Σ (K, d, d)) maximising L(r, θ): weighted counts, means, covariances,
    one component and one point at a time."""
    X, r = np.asarray(X, float), np.asarray(r, float)
    N, d = X.shape
    K = r.shape[1]
    pi, mu, Sigma = np.empty(K), np.empty((K, d)), np.empty((K, d, d))
    for k in range(K):
        nk = r[:, k].sum()
        pi[k] = nk / N
        mu[k] = sum(r[i, k] * X[i] for i in range(N)) / nk
        S = np.zeros((d, d))
        for i in range(N):
            S += r[i, k] * np.outer(X[i] - mu[k], X[i] - mu[k])
        Sigma[k] = S / nk + reg_covar * np.eye(d)
    return pi, mu, Sigma


def gmm_hard_assignments(X, pi, mu, Sigma) -> np.ndarray:
    """One-hot r (N, K): r_ik = 1 for k = argmax_j log π_j + log N(x_i; μ_j, Σ_j)."""
    labels = np.argmax(log_joint(X, pi, mu, Sigma), axis=1)
    return np.eye(len(pi))[labels]


def gmm_run_em(X, pi, mu, Sigma, reg_covar: float, max_iter: int, tol: float):
    """EM from θ_0 = (π, μ, Σ): evaluate θ_t (mean log-likelihood), stop at the first t >= 1 with
    |ℓ_t − ℓ_{t−1}| < tol·|ℓ_t| or at t = max_iter, else M step.  Returns ((π, μ, Σ) of the last
    evaluated θ_t, [ℓ_0, ..., ℓ_t])."""
    theta, lls = (pi, mu, Sigma), []
    for t in range(max_iter + 1):
        lls.append(float(np.mean(mixture_log_pdf(X, *theta))))
        if t > 0 and abs(lls[-1] - lls[-2]) < tol * abs(lls[-1]):
            break
        if t == max_iter:
            break
        theta = gmm_m_step(X, responsibilities(X, *theta), reg_covar)
    return theta, lls


# --- notebook 06
def lowrank_plus_diag_logdet(W, psi) -> float:
    """log det(W Wᵀ + diag ψ) for W (d, l), ψ (d,) > 0: the dense d×d matrix and slogdet (small d only)."""
    W, psi = np.asarray(W, float), np.asarray(psi, float)
    sign, logdet = np.linalg.slogdet(W @ W.T + np.diag(psi))
    if sign <= 0:
        raise ValueError("oracle: W Wᵀ + diag ψ is not positive definite")
    return float(logdet)


def lowrank_plus_diag_log_pdf(X, mean, W, psi) -> np.ndarray:
    """log N(x_i; mean, W Wᵀ + diag ψ) -> (N,) through the dense covariance (small d only)."""
    W, psi = np.asarray(W, float), np.asarray(psi, float)
    return gaussian_log_pdf(X, mean, W @ W.T + np.diag(psi))


def woodbury_log_pdf_plain(X, mean, W, psi) -> np.ndarray:
    """The same log-densities for large d, point by point with an explicit l×l inverse:
    Σ⁻¹ = Ψ⁻¹ − Ψ⁻¹W M⁻¹WᵀΨ⁻¹ and log det Σ = log det M + Σ_j log ψ_j, M = I + WᵀΨ⁻¹W."""
    X, mean, W, psi = (np.asarray(a, float) for a in (X, mean, W, psi))
    d, l = W.shape
    M = np.eye(l) + W.T @ (W / psi[:, None])
    M_inv = np.linalg.inv(M)
    logdet = np.linalg.slogdet(M)[1] + np.sum(np.log(psi))
    out = np.empty(len(X))
    for i, x in enumerate(X):
        delta = x - mean
        a = W.T @ (delta / psi)
        out[i] = -0.5 * (d * LOG_2PI + logdet + np.sum(delta**2 / psi) - a @ M_inv @ a)
    return out


# --- notebook 07
def hqs_x_step(y, zsum, counts, sigma: float, beta: float) -> np.ndarray:
    """argmin_x ||x - y||²/(2σ²) + (β/2) Σ_i Σ_{j in patch i} ((P_i x)_j - z_ij)² / c_j, pixel by pixel:
    (x_j - y_j)/σ² + β (x_j - s_j / c_j) = 0 with s = Σ_i P_iᵀ z_i, c_j = patches covering pixel j."""
    y, zsum, counts = (np.asarray(a, float) for a in (y, zsum, counts))
    x = np.empty_like(y)
    for j in np.ndindex(y.shape):
        x[j] = (y[j] / sigma**2 + beta * zsum[j] / counts[j]) / (1 / sigma**2 + beta)
    return x


def hqs_z_step(Z, weights, means, covs, beta: float) -> np.ndarray:
    """Per patch: k* = argmax_k log π_k + log N(z; μ_k, Σ_k + I/β), then the Wiener estimate
    μ_k* + Σ_k* (Σ_k* + I/β)⁻¹ (z - μ_k*); full covariances, one component at a time."""
    Z = np.asarray(Z, float)
    d = Z.shape[1]
    noise = np.eye(d) / beta
    scores = np.stack([np.log(weights[k]) + gaussian_log_pdf(Z, means[k], covs[k] + noise)
                       for k in range(len(weights))], axis=1)
    out = np.empty_like(Z)
    for i, k in enumerate(np.argmax(scores, axis=1)):
        out[i] = means[k] + covs[k] @ np.linalg.solve(covs[k] + noise, Z[i] - means[k])
    return out

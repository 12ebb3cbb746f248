"""Checkers for notebook 02 (mixture density, ancestral sampling, the moments of a mixture).

Exercise 2.1  ``mixture_log_pdf(X, pi, mu, Sigma)`` -> (N,) log p(x_i)
Exercise 2.2  ``sample_gmm(pi, mu, Sigma, n, rng)`` -> (X (n, d), z (n,))
Exercise 2.3  ``mixture_moments(pi, mu, Sigma)`` -> (mean (d,), cov (d, d)), E[x] and Cov[x]

The truth comes from :mod:`helpers.checks._oracle`; ``helpers.mixture.GMM`` and ``helpers.gaussian`` are
named here only to refuse answers that call the course's implementation of the step being graded.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy.special import logsumexp

from . import _oracle
from ._common import call, expect_close, expect_finite, expect_shape, fail, is_close, passed

__all__ = ["check_mixture_log_pdf", "check_sample_gmm", "check_mixture_moments"]

EX_DENSITY = "Exercise 2.1"
EX_SAMPLE = "Exercise 2.2"
EX_MOMENTS = "Exercise 2.3"


def _gmm_methods(*names: str) -> list[Callable]:
    """The course's GMM methods an answer must not call (looked up by name, so a rename cannot break us)."""
    from ..mixture import GMM
    return [getattr(GMM, n) for n in names if callable(getattr(GMM, n, None))]


def _gaussian_functions(*names: str) -> list[Callable]:
    from .. import gaussian
    return [getattr(gaussian, n) for n in names if callable(getattr(gaussian, n, None))]


def _case(seed: int, K: int = 3, d: int = 2):
    """A mixture with distinct weights, separated means and correlated covariances."""
    rng = np.random.default_rng(seed)
    pi = np.array([0.5, 0.3, 0.2, 0.1, 0.05][:K])
    pi = pi / pi.sum()
    mu = 4.0 * rng.standard_normal((K, d))
    A = rng.standard_normal((K, d, d))
    Sigma = A @ np.swapaxes(A, 1, 2) + 0.3 * np.eye(d)
    return pi, mu, Sigma


# --------------------------------------------------------------------------------------------
# Exercise 2.1: the mixture log-density

def _diagnose_density(got: np.ndarray, X, pi, mu, Sigma) -> str:
    """Name the mistake whose formula reproduces `got` (shape (N,)), from the oracle's terms."""
    terms = _oracle.log_joint(X, pi, mu, Sigma)            # log π_k + log N, (N, K)
    log_n = terms - np.log(pi)                             # log N alone
    with np.errstate(divide="ignore", over="ignore"):
        candidates = [
            (logsumexp(log_n, axis=1), "you left out the weights: each component contributes π_k·N(x; μ_k, Σ_k), "
                                       "i.e. log π_k + log N inside the log-sum-exp"),
            (logsumexp(pi * log_n, axis=1), "you multiplied log N by π_k: the weight multiplies the density, "
                                            "π_k·N, so in the log domain it adds, log π_k + log N"),
            (logsumexp(log_n + pi, axis=1), "you added π_k instead of log π_k inside the log-sum-exp"),
            (logsumexp(log_n, axis=1) + np.log(pi).sum(),
             "you added the log-weights outside the log-sum-exp: log π_k belongs to its own component, "
             "inside the sum over k (log Σ_k exp(log π_k + log N_k))"),
            (logsumexp(log_n, axis=1) + np.log(pi).mean(),
             "you added the log-weights outside the log-sum-exp: log π_k belongs to its own component, "
             "inside the sum over k (log Σ_k exp(log π_k + log N_k))"),
            (terms.sum(axis=1), "you summed log π_k + log N over k: the log of a sum is not the sum of the logs; "
                                "combine the K terms with scipy.special.logsumexp(..., axis=1)"),
            (terms.max(axis=1), "you kept only the best component (max over k); p(x) sums over all components: "
                                "use logsumexp, not max"),
            (np.exp(logsumexp(terms, axis=1)), "you returned the density p(x), not its logarithm log p(x)"),
        ]
    for values, message in candidates:
        if is_close(got, values, rtol=1e-6):
            return message
    return "your values differ from log Σ_k π_k N(x_i; μ_k, Σ_k)"


def _density_shape(got: np.ndarray, X, pi, mu, Sigma) -> None:
    """Explain a wrong shape by the mistake that produced it, before the generic shape mismatch."""
    N, K = len(X), len(pi)
    terms = _oracle.log_joint(X, pi, mu, Sigma)
    if got.shape == (K,) and is_close(got, logsumexp(terms, axis=0), rtol=1e-6):
        fail(EX_DENSITY, f"shape mismatch: yours has shape ({K},), one number per component: you combined the "
             "terms over the points (axis 0). p(x_i) sums over the components k for each point: "
             "with the terms stacked as (N, K), use logsumexp(..., axis=1)")
    if got.shape == ():
        fail(EX_DENSITY, "shape mismatch: you returned one number: logsumexp without an axis combines every "
             "point and component. Give it axis=1 (over the components) to get one value per point, shape (N,)")
    if got.shape == (N, K):
        log_n = terms - np.log(pi)
        if is_close(got, logsumexp(log_n, axis=1, keepdims=True) + np.log(pi), rtol=1e-6):
            fail(EX_DENSITY, f"shape mismatch: yours has shape ({N}, {K}): you added log π outside the "
                 "log-sum-exp, where it broadcasts to every component. log π_k belongs inside the sum, "
                 "with its own component: logsumexp(log π_k + log N_k, axis=1)")
        fail(EX_DENSITY, f"shape mismatch: yours has shape ({N}, {K}), one value per point and component; "
             "combine the K columns with logsumexp(..., axis=1) to get shape (N,)")


def check_mixture_log_pdf(mixture_log_pdf: Callable) -> None:
    """Check Exercise 2.1: the log-density of a Gaussian mixture at every row of X."""
    forbidden = _gmm_methods("log_pdf", "log_pdf_components", "score", "responsibilities")
    n_checks = 0
    for seed, K, d, N in [(0, 3, 2, 50), (1, 4, 5, 30), (2, 1, 3, 10)]:
        pi, mu, Sigma = _case(seed, K, d)
        X = np.random.default_rng(seed + 10).normal(scale=4.0, size=(N, d))
        want = _oracle.mixture_log_pdf(X, pi, mu, Sigma)           # before the call: `call` guards the inputs
        got = np.asarray(call(EX_DENSITY, mixture_log_pdf, X, pi, mu, Sigma, forbidden=forbidden))
        _density_shape(got, X, pi, mu, Sigma)
        what = f"mixture_log_pdf(X) for X of shape {X.shape}"
        expect_shape(EX_DENSITY, what, got, (N,))
        expect_finite(EX_DENSITY, what, got)
        if not is_close(got, want, rtol=1e-8):
            g = got.astype(float)
            i = int(np.argmax(np.abs(g - want)))
            fail(EX_DENSITY, f"{_diagnose_density(g, X, pi, mu, Sigma)} "
                 f"(K = {K}, d = {d}; point {i}: yours {g[i]:.6g}, expected {want[i]:.6g}).")
        n_checks += 2
    # A point far from every component: every N(x; μ_k, Σ_k) underflows to 0 in float64.
    pi, mu, Sigma = _case(0)
    X = np.array([[80.0, -60.0], [0.0, 0.0]])
    want = _oracle.mixture_log_pdf(X, pi, mu, Sigma)
    with np.errstate(all="ignore"):
        got = expect_shape(EX_DENSITY, "mixture_log_pdf(X) for X of shape (2, 2)",
                           call(EX_DENSITY, mixture_log_pdf, X, pi, mu, Sigma, forbidden=forbidden), (2,))
    if not np.all(np.isfinite(got)):
        fail(EX_DENSITY, f"for the far-away point x = (80, -60) you returned {float(got[0]):.6g}, "
             f"expected {want[0]:.6g}. Every density N(x; μ_k, Σ_k) underflows to 0 there, so "
             "log(Σ_k π_k N) is log 0 = -inf: stay in the log domain (log π_k + log N from "
             "gaussian_log_pdf) and combine with scipy.special.logsumexp.")
    expect_close(EX_DENSITY, "log p(x) at the far-away point x = (80, -60)", got, want, rtol=1e-8)
    passed(EX_DENSITY, n_checks + 1)


# --------------------------------------------------------------------------------------------
# Exercise 2.2: ancestral sampling

def _frob_rel(A: np.ndarray, B: np.ndarray) -> float:
    """‖A − B‖_F / ‖B‖_F: a whole-matrix distance (the statistical tolerances below are set for it)."""
    return float(np.linalg.norm(A - B) / np.linalg.norm(B))


def _diagnose_cov(C: np.ndarray, S: np.ndarray, k: int) -> str:
    """Name the covariance mistake that best explains the sample covariance C of component k."""
    L = np.linalg.cholesky(S)
    where = (f"the samples with z = {k} have covariance {np.round(C, 2).tolist()}, "
             f"but Σ_{k} = {np.round(S, 2).tolist()}")
    candidates = [
        (S @ S, "about Σ²: you multiplied the standard normal draws by Σ. Scale them by the Cholesky "
                "factor L (Σ = L Lᵀ, np.linalg.cholesky): x = μ + L ε, for row vectors ε @ L.T"),
        (L.T @ L, "about Lᵀ L: you used Lᵀ ε (or ε @ L for row vectors). x = μ + L ε has covariance "
                  "L Lᵀ = Σ; for a row vector ε write ε @ L.T"),
        (np.diag(np.diag(S)), "the correlations are missing: use the full Cholesky factor, not the diagonal"),
        (S * S, "about Σ with every entry squared: scale by the Cholesky factor L, not by Σ elementwise"),
        (np.eye(len(S)), "about the identity: you forgot to scale ε by the Cholesky factor L"),
    ]
    dist = [_frob_rel(C, A) for A, _ in candidates]
    best = int(np.argmin(dist))
    if dist[best] < 0.25:
        return f"{where}, {candidates[best][1]}"
    return f"{where}; draw x = μ_z + L_z ε with ε ~ N(0, I) and L_z the Cholesky factor of Σ_z"


def _check_outputs(out, n: int, K: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair, shapes, finiteness (first: NaN must not pass as 'not reproducible'), integer labels in range."""
    if not (isinstance(out, tuple) and len(out) == 2):
        fail(EX_SAMPLE, f"return a pair (X, z); yours returned {type(out).__name__}")
    X = expect_shape(EX_SAMPLE, f"X for n = {n}", out[0], (n, d))
    z = expect_shape(EX_SAMPLE, f"z for n = {n}", out[1], (n,))
    expect_finite(EX_SAMPLE, f"your samples X (n = {n})", X,
                  hint="Check the Cholesky factor and the means you use for each sample.")
    if z.dtype.kind not in "iu":
        fail(EX_SAMPLE, f"z should hold integer component indices, yours has dtype {z.dtype}")
    if z.min() < 0 or z.max() >= K:
        hint = " (components are numbered 0, ..., K-1 in code)" if z.max() == K else ""
        fail(EX_SAMPLE, f"z should lie in 0, ..., {K - 1}; yours ranges from {z.min()} to {z.max()}{hint}")
    return X.astype(float), z


def _check_z_frequencies(z: np.ndarray, pi: np.ndarray) -> None:
    n, K = len(z), len(pi)
    counts = np.bincount(z, minlength=K)
    if np.count_nonzero(counts) == 1:
        fail(EX_SAMPLE, f"all {n} samples came from component z = {int(z[0])}: you drew one z for the "
             "whole call. Draw one z_i per sample (rng.choice(K, size=n, p=pi)).")
    freq = counts / n
    tol = 5 * np.sqrt(pi * (1 - pi) / n) + 1e-3
    if np.all(np.abs(freq - pi) <= tol):
        return
    shown = ", ".join(f"{f:.3f}" for f in freq)
    if np.all(np.abs(freq - 1 / K) <= 5 * np.sqrt((1 / K) * (1 - 1 / K) / n) + 1e-3):
        fail(EX_SAMPLE, f"each component was chosen about equally often ({shown}) but π = {pi}: "
             "draw z from Categorical(π), e.g. rng.choice(K, size=n, p=pi)")
    k = int(np.argmax(np.abs(freq - pi)))
    fail(EX_SAMPLE, f"component {k} was chosen in {100 * freq[k]:.1f}% of the samples but π_{k} = "
         f"{100 * pi[k]:.1f}% (frequencies {shown}): draw z from Categorical(π) with the weights "
         "exactly as given, without re-weighting them.")


def _check_components(X: np.ndarray, z: np.ndarray, mu: np.ndarray, Sigma: np.ndarray) -> None:
    for k in range(len(mu)):
        Xk = X[z == k]
        expect_finite(EX_SAMPLE, f"the samples labelled z = {k}", Xk)
        se = np.sqrt(np.diag(Sigma[k]) / len(Xk))
        if np.any(np.abs(Xk.mean(axis=0) - mu[k]) > 6 * se + 1e-6):
            fail(EX_SAMPLE, f"the samples labelled z = {k} are centred at "
                 f"{np.array2string(Xk.mean(axis=0), precision=2)}, not at μ_{k} = "
                 f"{np.array2string(mu[k], precision=2)}: draw each x_i from the component z_i you "
                 "return for it (same index, same sample).")
        C = np.cov(Xk.T, bias=True).reshape(len(mu[k]), len(mu[k]))
        d = len(mu[k])
        if _frob_rel(C, Sigma[k]) > 4 * np.sqrt((d + 1) / len(Xk)) + 0.02:
            fail(EX_SAMPLE, _diagnose_cov(C, Sigma[k], k))


def check_sample_gmm(sample_gmm: Callable) -> None:
    """Check Exercise 2.2: ancestral sampling z ~ Categorical(π), x ~ N(μ_z, Σ_z)."""
    forbidden = [*_gmm_methods("sample"), *_gaussian_functions("sample")]
    pi, mu, Sigma = _case(0)
    Sigma[1] = np.array([[2.0, 1.6], [1.6, 1.5]])  # strongly correlated and not its own square root
    K, d, n = 3, 2, 20_000
    _check_outputs(call(EX_SAMPLE, sample_gmm, pi, mu, Sigma, 1, np.random.default_rng(0), forbidden=forbidden),
                   1, K, d)
    X, z = _check_outputs(call(EX_SAMPLE, sample_gmm, pi, mu, Sigma, n, np.random.default_rng(1),
                               forbidden=forbidden), n, K, d)
    again = call(EX_SAMPLE, sample_gmm, pi, mu, Sigma, n, np.random.default_rng(1), forbidden=forbidden)
    if not (np.array_equal(np.asarray(again[0]), X) and np.array_equal(np.asarray(again[1]), z)):
        fail(EX_SAMPLE, "two calls with np.random.default_rng(1) gave different samples: draw every "
             "random number from the `rng` argument (rng.choice, rng.standard_normal), not np.random.*")
    _check_z_frequencies(z, pi)
    _check_components(X, z, mu, Sigma)
    # Higher dimension, more components.
    pi5, mu5, Sigma5 = _case(3, K=4, d=5)
    X5, z5 = _check_outputs(call(EX_SAMPLE, sample_gmm, pi5, mu5, Sigma5, n, np.random.default_rng(2),
                                 forbidden=forbidden), n, 4, 5)
    _check_z_frequencies(z5, pi5)
    _check_components(X5, z5, mu5, Sigma5)
    # Weights that do not sum to one are not a mixture.
    bad = np.array([0.6, 0.3, 0.3])
    try:
        call(EX_SAMPLE, sample_gmm, bad, mu, Sigma, 10, np.random.default_rng(3), forbidden=forbidden)
    except NotImplementedError:
        raise
    except AssertionError as err:  # ExerciseError: `call` wraps whatever the answer raised
        if "raised ValueError" not in str(err):
            if "raised" in str(err):
                fail(EX_SAMPLE, f"weights π = {bad} (sum 1.2) should raise ValueError; "
                     f"{str(err).split(': ', 1)[1]}")
            raise
    else:
        fail(EX_SAMPLE, f"your function accepted weights π = {bad}, which sum to {bad.sum():.1f}: these "
             "are not mixture weights. Raise ValueError when π is negative or does not sum to one "
             "(rng.choice(K, p=pi) already does).")
    passed(EX_SAMPLE, 9)


# --------------------------------------------------------------------------------------------
# Exercise 2.3: the mean and covariance of a mixture

def _moment_candidates(pi, mu, Sigma) -> list[tuple[str, np.ndarray | None, np.ndarray | None, str]]:
    """(what, wrong mean or None, wrong cov or None, message) for typical mistakes."""
    m = pi @ mu
    within = np.einsum("k,kij->ij", pi, Sigma)
    second = within + np.einsum("k,ki,kj->ij", pi, mu, mu)
    between = np.einsum("k,ki,kj->ij", pi, mu - m, mu - m)
    return [
        ("mean", mu.mean(axis=0), None,
         "your mean is the plain average of the μ_k: component k is chosen with probability π_k, so "
         "E[x] = Σ_k p(z = k) E[x | z = k]"),
        ("mean", mu.sum(axis=0), None, "your mean adds the μ_k without their probabilities p(z = k) = π_k"),
        ("cov", None, within,
         "your covariance is the average of the component covariances only: it leaves out how far the "
         "component means lie from E[x] (the spread of E[x | z] over z)"),
        ("cov", None, second,
         "your covariance is E[x xᵀ], the second moment about 0: subtract E[x] E[x]ᵀ (or centre each μ_k at E[x])"),
        ("cov", None, np.einsum("k,kij->ij", pi ** 2, Sigma),
         "you weighted the component covariances by π_k² and left out the spread of the means: a mixture "
         "draws x from ONE component, chosen with probability π_k, so condition on z, "
         "E[f(x)] = Σ_k π_k E[f(x) | z = k] (Exercise 2.4 asks which random variable has Σ_k π_k² Σ_k as "
         "its covariance)"),
        ("cov", None, np.einsum("k,kij->ij", pi ** 2, Sigma) + between,
         "the within-component term should weight Σ_k by π_k, not π_k²: a mixture draws x from ONE "
         "component, chosen with probability π_k (E[Cov[x | z]])"),
        ("cov", None, within + np.cov(mu.T, bias=True).reshape(within.shape),
         "the spread of the means must be weighted by π_k (the probability of each component), not averaged "
         "uniformly over the K means"),
        ("cov", None, Sigma.sum(axis=0) + between,
         "the component covariances must be weighted by π_k: E[Cov[x | z]] = Σ_k π_k Σ_k"),
        ("cov", None, within + np.einsum("ki,kj->ij", mu - m, mu - m),
         "the spread of the means must be weighted by π_k: Cov[E[x | z]] is an expectation over z"),
    ]


def _moment_cases():
    cases = []
    for seed, K, d in [(0, 3, 2), (1, 4, 5), (2, 1, 3)]:
        pi, mu, Sigma = _case(seed, K, d)
        mu = mu + 1.5                                    # E[x] ≠ 0, so E[xxᵀ] ≠ Cov[x]
        cases.append((pi, mu, Sigma))
    return cases


def check_mixture_moments(mixture_moments: Callable) -> None:
    """Check Exercise 2.3: `mixture_moments(pi, mu, Sigma)` -> (E[x] (d,), Cov[x] (d, d))."""
    EX = EX_MOMENTS
    forbidden = [*_gmm_methods("sample", "log_pdf"), *_gaussian_functions("fit", "sample")]
    n_checks = 0
    for pi, mu, Sigma in _moment_cases():
        K, d = mu.shape
        want_m, want_C = _oracle.mixture_moments(pi, mu, Sigma)
        out = call(EX, mixture_moments, pi, mu, Sigma, forbidden=forbidden)
        if not isinstance(out, tuple) or len(out) != 2:
            fail(EX, "return a pair (mean, cov), e.g. `return mean, cov`")
        m = expect_shape(EX, f"the mean for K = {K}, d = {d}", out[0], (d,))
        C = expect_shape(EX, f"the covariance for K = {K}, d = {d}", out[1], (d, d))
        expect_finite(EX, "your mean", m)
        expect_finite(EX, "your covariance", C)
        for what, wrong_m, wrong_C, message in _moment_candidates(pi, mu, Sigma):
            if K == 1:
                break                                    # every formula agrees for one component
            if what == "mean" and not is_close(m, want_m) and is_close(m, wrong_m, rtol=1e-7):
                fail(EX, f"{message} (K = {K}, d = {d}).")
            if what == "cov" and not is_close(C, want_C) and is_close(C, wrong_C, rtol=1e-7):
                fail(EX, f"{message} (K = {K}, d = {d}).")
        expect_close(EX, f"the mean for K = {K}, d = {d}", m, want_m, rtol=1e-8,
                     hint="E[x] = Σ_k p(z = k) E[x | z = k].")
        expect_close(EX, f"the covariance for K = {K}, d = {d}", C, want_C, rtol=1e-8,
                     hint="Condition on z: Cov[x] = E[Cov[x | z]] + Cov[E[x | z]].")
        n_checks += 1
    passed(EX, n_checks)


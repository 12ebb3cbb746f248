"""Checkers for notebook 01 (the multivariate Gaussian).

Exercise 1.1  ``gaussian_log_pdf(X, mean, cov)`` -> (N,) log N(x_n; μ, Σ)
Exercise 1.2  ``nll_grad_precision(Lam, S, N)`` -> (d, d) ∂NLL/∂Λ, the derivation of the MLE of Σ
Exercise 1.4  ``fit_gaussian(X)`` -> (mean (d,), cov (d, d)), the maximum-likelihood estimates

The truth comes from :mod:`helpers.checks._oracle`; ``helpers.gaussian`` is named here only to refuse
answers that call it.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np
from scipy import linalg

from . import _oracle
from ._common import (call, expect_close, expect_finite, expect_shape, fail, is_close, passed, precision_hint,
                      tolerance)

__all__ = ["check_gaussian_log_pdf", "check_nll_grad_precision", "check_gaussian_mle"]

EX_LOGPDF = "Exercise 1.1"
EX_GRAD = "Exercise 1.2"
EX_MLE = "Exercise 1.4"
LOG_2PI = _oracle.LOG_2PI


def _reference_code() -> list[Callable]:
    """The course's own Gaussian code, which an answer must not call (looked up lazily, by name)."""
    from .. import gaussian, mixture
    names = [(gaussian, "log_pdf"), (gaussian, "log_pdf_chol"), (gaussian, "fit"), (gaussian, "sample"),
             (mixture.GMM, "log_pdf"), (mixture.GMM, "log_pdf_components")]
    return [getattr(owner, name) for owner, name in names if callable(getattr(owner, name, None))]


# ---------------------------------------------------------------------------- Exercise 1.1
def _parts(X: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> dict[str, np.ndarray]:
    """The three terms of log N(x; μ, Σ) and some wrong variants, each (N,)."""
    L = linalg.cholesky(cov, lower=True)
    D = X - mean

    def sq(z: np.ndarray) -> np.ndarray:
        return np.sum(z * z, axis=0)

    return {
        "const": np.full(len(X), X.shape[1] * LOG_2PI),
        "logdet": np.full(len(X), 2 * np.sum(np.log(np.diag(L)))),
        "maha": sq(linalg.solve_triangular(L, D.T, lower=True)),
        "maha_cov": np.einsum("ni,ij,nj->n", D, cov, D),
        "maha_raw": sq(linalg.solve_triangular(L, X.T, lower=True)),
        "maha_Lt": sq(linalg.solve_triangular(L, D.T, lower=True, trans=1)),
        # scipy.linalg.cholesky(cov) is UPPER by default; solve_triangular(U, ..., lower=True)
        # then reads only U's diagonal
        "maha_upper": sq(D.T / np.diag(L)[:, None]),
    }


def _diagnose_log_pdf(got: np.ndarray, X: np.ndarray, mean: np.ndarray, cov: np.ndarray,
                      rtol: float = 1e-7) -> str | None:
    """Name the typical mistake whose formula reproduces `got`, or None."""
    p = _parts(X, mean, cov)
    c, ld, m = p["const"], p["logdet"], p["maha"]
    candidates = {
        "you forgot the factor ½ on the quadratic term: it is −½ (x−μ)ᵀ Σ⁻¹ (x−μ)": -0.5 * (c + ld) - m,
        "you forgot the factor ½ in front of everything: log N = −½ [d log 2π + log det Σ + (x−μ)ᵀΣ⁻¹(x−μ)]":
            -(c + ld + m),
        "your values have the wrong sign: a log-density is −½ [...], large distances make it very negative":
            0.5 * (c + ld + m),
        "the quadratic term has the wrong sign: it enters as −½ (x−μ)ᵀ Σ⁻¹ (x−μ)": -0.5 * (c + ld) + 0.5 * m,
        "you are missing the normalising term −(d/2) log 2π (d = X.shape[1])": -0.5 * (ld + m),
        "you are missing the term −½ log det Σ (with Σ = L Lᵀ it is −Σᵢ log Lᵢᵢ)": -0.5 * (c + m),
        "log det Σ has the wrong sign: the density has −½ log det Σ": -0.5 * (c - ld + m),
        "log det Σ is off by a factor 2: with Σ = L Lᵀ, log det Σ = 2 Σᵢ log Lᵢᵢ": -0.5 * (c + 0.5 * ld + m),
        "log det Σ is off by a factor 2 (you used 4 Σᵢ log Lᵢᵢ): log det Σ = 2 Σᵢ log Lᵢᵢ":
            -0.5 * (c + 2 * ld + m),
        "the quadratic term uses Σ instead of Σ⁻¹: solve with the Cholesky factor, z = L⁻¹(x−μ), then ‖z‖²":
            -0.5 * (c + ld + p["maha_cov"]),
        "you forgot to subtract the mean: the quadratic term is about x − μ, not x":
            -0.5 * (c + ld + p["maha_raw"]),
        "the quadratic term solved with Lᵀ instead of L: for Σ = L Lᵀ, z = L⁻¹(x−μ) "
        "(solve_triangular(L, (X − μ).T, lower=True))": -0.5 * (c + ld + p["maha_Lt"]),
        "your quadratic term ignores the off-diagonal of the factor: scipy.linalg.cholesky returns "
        "the UPPER factor unless you pass lower=True (np.linalg.cholesky returns the lower one), "
        "and solve_triangular(..., lower=True) reads only the lower triangle": -0.5 * (c + ld + p["maha_upper"]),
    }
    for message, values in candidates.items():
        if np.allclose(got, values, rtol=rtol, atol=1e-9):
            return message
    return None


@functools.lru_cache(maxsize=1)
def _hard_case_cached() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, mean, cov = _make_hard_case()
    return X, mean, cov, _oracle.gaussian_log_pdf(X, mean, cov)


def _hard_case() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fresh copies (a student's function may modify its inputs) of the d = 256 case and its answer."""
    return tuple(a.copy() for a in _hard_case_cached())  # type: ignore[return-value]


def _make_hard_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """d = 256 with every variance about 1e-3: det Σ ≈ 1e-781 underflows to 0 in float64."""
    d = 256
    rng = np.random.default_rng(256)
    A = rng.standard_normal((d, d)) / np.sqrt(d)
    cov = 1e-3 * (0.5 * np.eye(d) + 0.5 * A @ A.T)
    mean = 0.5 + 0.01 * rng.standard_normal(d)
    X = mean + rng.standard_normal((4, d)) @ linalg.cholesky(cov, lower=True).T
    return X, mean, cov



def check_gaussian_log_pdf(gaussian_log_pdf: Callable) -> None:
    """Check `gaussian_log_pdf(X, mean, cov)` -> (N,) values log N(x_n; mean, cov)."""
    EX = EX_LOGPDF
    forbidden = _reference_code()
    n_checks = 0
    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, 3)) * 2.0 + 1.0
    mean = np.array([0.5, -1.0, 2.0])
    B = np.array([[1.5, 0.0, 0.0], [0.8, 0.7, 0.0], [-0.3, 0.4, 2.0]])
    cov = B @ B.T  # log det Σ = 2 log(1.5·0.7·2.0) ≠ 0, so every term matters
    want = _oracle.gaussian_log_pdf(X, mean, cov)

    # 1. shape (the arguments are guarded against changes in place by `call`)
    got = np.asarray(call(EX, gaussian_log_pdf, X, mean, cov, forbidden=forbidden))
    if got.shape == (5, 5):
        fail(EX, "shape mismatch: you returned an (N, N) matrix. (X−μ) Σ⁻¹ (X−μ)ᵀ pairs every point with "
                 "every other; you need only each point with itself, the diagonal: sum z*z over the d axis")
    if got.shape == ():
        fail(EX, "shape mismatch: you returned one number; return one log-density per row of X, shape (N,) "
                 "(did you sum over the points?)")
    expect_shape(EX, "gaussian_log_pdf(X, mean, cov) for X of shape (5, 3)", got, (5,))
    expect_finite(EX, "gaussian_log_pdf(X, mean, cov) for X of shape (5, 3)", got)
    n_checks += 1

    # 2. values against the oracle, naming the mistake if we recognise it
    if not is_close(got, want, rtol=1e-8):
        low_precision = precision_hint(got, want, 1e-8)
        if low_precision:
            fail(EX, low_precision)
        hint = _diagnose_log_pdf(got.astype(float), X, mean, cov, rtol=max(1e-7, tolerance(got, 1e-7)))
        got = got.astype(float)
        i = int(np.argmax(np.abs(got - want)))
        fail(EX, hint + f" (point {i}: yours {got[i]:.6g}, expected {want[i]:.6g})" if hint else
             f"wrong values: for point {i} yours is {got[i]:.6g}, expected {want[i]:.6g}. "
             "log N(x; μ, Σ) = −½ [d log 2π + log det Σ + (x−μ)ᵀ Σ⁻¹ (x−μ)]")
    n_checks += 1

    # 3. one point, d = 1: the familiar 1-D normal
    X1, m1, c1 = np.array([[2.0]]), np.array([0.5]), np.array([[4.0]])
    got1 = call(EX, gaussian_log_pdf, X1, m1, c1, forbidden=forbidden)
    expect_close(EX, "gaussian_log_pdf for one point in d = 1 (x = 2, μ = 0.5, σ² = 4)", got1,
                 _oracle.gaussian_log_pdf(X1, m1, c1), rtol=1e-10)
    n_checks += 1

    # 4. d = 256 patches: det underflows, the Cholesky route does not
    Xh, mh, ch, wanth = _hard_case()
    with np.errstate(all="ignore"):
        goth = np.asarray(call(EX, gaussian_log_pdf, Xh, mh, ch, forbidden=forbidden))
    expect_shape(EX, "gaussian_log_pdf for X of shape (4, 256)", goth, (4,))
    if not np.all(np.isfinite(goth)):
        log10_det = float(np.sum(np.log10(np.linalg.eigvalsh(ch))))
        fail(EX, f"for d = 256 (a 16×16 patch) your values are {goth[:2]}...: det Σ here is about "
                 f"10^{log10_det:.0f}, which underflows "
                 "to 0 in float64, so log det Σ becomes −inf. Never form det Σ (nor Σ⁻¹): "
                 "use L = np.linalg.cholesky(cov), log det Σ = 2 Σ log diag(L), and a triangular solve")
    if not is_close(goth, wanth, rtol=1e-8):
        low_precision = precision_hint(goth, wanth, 1e-8)
        if low_precision:
            fail(EX, f"for d = 256 {low_precision}")
        tol = tolerance(goth, 1e-8)
        goth = goth.astype(float)
        i = int(np.argmax(np.abs(goth - wanth)))
        fail(EX, f"for d = 256 your value for point {i} is {goth[i]:.8g}, expected {wanth[i]:.8g} "
                 f"(relative error above {tol:g}): avoid np.linalg.inv and det; use the Cholesky factor "
                 "and scipy.linalg.solve_triangular")
    n_checks += 1
    passed(EX, n_checks)


# ---------------------------------------------------------------------------- Exercise 1.2
def _grad_candidates(Lam: np.ndarray, S: np.ndarray, N: int) -> dict[str, np.ndarray]:
    """Typical wrong derivations of ∂NLL/∂Λ, each with the message that names it."""
    inv = np.linalg.inv(Lam)
    return {
        "the log det term has the wrong sign: with Λ = Σ⁻¹, log det Σ = −log det Λ": 0.5 * N * inv + 0.5 * S,
        "the log det term lost its factor N: the NLL holds one −½ log det Σ per data point":
            -0.5 * inv + 0.5 * S,
        "the derivative of log det Λ is Λ⁻¹, not Λ": -0.5 * N * Lam + 0.5 * S,
        "that is the gradient of the log-likelihood; the NLL is its negative": 0.5 * N * inv - 0.5 * S,
        "the quadratic term is missing: write each (x_i − μ̂)ᵀ Λ (x_i − μ̂) as tr(Λ (x_i − μ̂)(x_i − μ̂)ᵀ), "
        "sum over i, then differentiate": -0.5 * N * inv,
        "the log det term is missing: the normaliser (det Σ)^(−1/2) depends on Λ too": 0.5 * S,
        "your gradient is twice too large: both terms of the NLL carry a factor ½": -N * inv + S,
        "that is the gradient with respect to Σ (written in Λ), not with respect to Λ: differentiate the NLL "
        "written as a function of Λ": 0.5 * N * Lam - 0.5 * Lam @ S @ Lam,
        "the quadratic term should give ½ S: S is already the sum over the points, do not divide it by N":
            -0.5 * N * inv + 0.5 * S / N,
    }


def _grad_cases() -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(Λ, S, N): Λ SPD and far from I (so Λ ≠ Λ⁻¹), S the scatter matrix of N points (S ≠ N Λ⁻¹)."""
    cases = []
    for seed, d, N in [(0, 3, 20), (1, 4, 7), (2, 1, 5)]:
        rng = np.random.default_rng(100 + seed)
        A = rng.standard_normal((d, d))
        Lam = A @ A.T + 0.7 * np.eye(d)
        Y = 1.5 * rng.standard_normal((N, d)) + 2.0
        Yc = Y - Y.mean(axis=0)
        cases.append((Lam, Yc.T @ Yc, N))
    return cases


def check_nll_grad_precision(nll_grad_precision: Callable) -> None:
    """Check `nll_grad_precision(Lam, S, N)` -> (d, d), the derived gradient ∂NLL/∂Λ at μ = μ̂."""
    EX = EX_GRAD
    n_checks = 0
    for Lam, S, N in _grad_cases():
        d = len(Lam)
        want = _oracle.gaussian_nll_precision_grad(Lam, S, N)
        what = f"nll_grad_precision(Lam, S, N) for d = {d}, N = {N}"
        got = expect_shape(EX, what, call(EX, nll_grad_precision, Lam, S, N, forbidden=_reference_code()),
                           (d, d))
        expect_finite(EX, what, got)
        if not is_close(got, want, rtol=1e-8):
            for message, wrong in _grad_candidates(Lam, S, N).items():
                if is_close(got, wrong, rtol=1e-7):
                    fail(EX, f"{message} (d = {d}, N = {N}).")
            expect_close(EX, what, got, want, rtol=1e-8,
                         hint="Write the NLL as a function of Λ = Σ⁻¹ (log det Σ = −log det Λ, and the "
                              "trace trick), then differentiate each term with the two facts given.")
        n_checks += 1
    passed(EX, n_checks)


# ---------------------------------------------------------------------------- Exercise 1.4
def _mle_candidates(X: np.ndarray) -> dict[str, np.ndarray]:
    N = len(X)
    mu = X.mean(axis=0)
    Xc = X - mu
    S = Xc.T @ Xc
    return {
        "you divided by N − 1 (np.cov's default, the unbiased estimate); the maximum-likelihood "
        "estimate divides by N: use np.cov(X, rowvar=False, bias=True) or Xc.T @ Xc / N": S / (N - 1),
        "you forgot to subtract the mean before the outer products: Σ = (1/N) Σₙ (xₙ − μ)(xₙ − μ)ᵀ":
            X.T @ X / N,
        "you forgot to divide by N": S,
        "you returned only the variances (a diagonal matrix): the covariance also has the "
        "off-diagonal terms (1/N) Σₙ (xₙᵢ − μᵢ)(xₙⱼ − μⱼ)": np.diag(np.diag(S) / N),
        "you divided by d instead of N": S / X.shape[1],
    }


def check_gaussian_mle(fit_gaussian: Callable) -> None:
    """Check `fit_gaussian(X)` -> (mean (d,), cov (d, d)), the maximum-likelihood estimates."""
    EX = EX_MLE
    forbidden = _reference_code()
    n_checks = 0
    rng = np.random.default_rng(2)
    N, d = 40, 3
    X = rng.standard_normal((N, d)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, -0.4], [0.0, 0.0, 0.6]]) + [1, 2, -3]
    want_mean, want_cov = _oracle.gaussian_mle(X)

    # 1. shapes (`call` reports an X changed in place before anything else)
    out = call(EX, fit_gaussian, X, forbidden=forbidden)
    if not isinstance(out, tuple) or len(out) != 2:
        fail(EX, "return a pair (mean, cov), e.g. `return mean, cov`")
    mean, cov = (np.asarray(v) for v in out)
    if mean.shape == (N,):
        fail(EX, f"shape mismatch: your mean has shape ({N},), one number per point: average over the "
                 "points, X.mean(axis=0), to get shape (d,)")
    expect_shape(EX, "the mean for X of shape (40, 3)", mean, (d,))
    if cov.shape == (N, N):
        fail(EX, f"shape mismatch: your covariance has shape ({N}, {N}), the covariance of the transposed "
                 "data. np.cov treats ROWS as variables unless you pass rowvar=False; or use Xc.T @ Xc / N")
    expect_shape(EX, "the covariance for X of shape (40, 3)", cov, (d, d))
    expect_finite(EX, "your mean", mean)
    expect_finite(EX, "your covariance", cov)
    n_checks += 1

    # 2. the mean
    if not is_close(mean, want_mean, rtol=1e-10):
        fail(EX, f"your mean {np.round(mean.astype(float), 4)} should be the average of the rows, "
                 f"{np.round(want_mean, 4)}")
    n_checks += 1

    # 3. the covariance, naming the mistake if we recognise it
    if not is_close(cov, want_cov, rtol=1e-9):
        for message, wrong in _mle_candidates(X).items():
            if is_close(cov, wrong, rtol=1e-8):
                fail(EX, message)
        c = cov.astype(float)
        if not np.allclose(c, c.T, rtol=tolerance(cov, 1e-9), atol=1e-12):
            fail(EX, "your covariance is not symmetric")
        fail(EX, f"your covariance differs from the MLE; entry (0, 1) is {c[0, 1]:.6g}, expected "
                 f"{want_cov[0, 1]:.6g}. Σ = (1/N) Σₙ (xₙ − μ)(xₙ − μ)ᵀ")
    n_checks += 1

    # 4. a large offset: E[xxᵀ] − μμᵀ cancels catastrophically, centring first does not
    Xo = 1e8 + rng.standard_normal((1000, 2)) @ np.array([[1.0, 0.3], [0.0, 0.5]])
    wo = _oracle.gaussian_mle(Xo)[1]
    out = call(EX, fit_gaussian, Xo, forbidden=forbidden)
    co = expect_shape(EX, "the covariance for X of shape (1000, 2)", out[1], (2, 2))
    if not is_close(co, wo, rtol=1e-6):
        if np.asarray(co).dtype != np.float64:
            fail(EX, f"with data far from the origin (every coordinate ≈ 1e8, spread ≈ 1) your {co.dtype} "
                     "covariance is wrong: near 1e8, float32 numbers are 8 apart, so the spread is lost. "
                     "Compute in float64 (the dtype of X)")
        fail(EX, "with data far from the origin (every coordinate ≈ 1e8, spread ≈ 1) your covariance is "
                 f"{np.round(co.astype(float), 3).tolist()}, expected {np.round(wo, 3).tolist()}. Computing "
                 "mean(x xᵀ) − μ μᵀ subtracts two numbers near 1e16 and loses every digit: "
                 "subtract the mean first, then average the outer products")
    n_checks += 1
    passed(EX, n_checks)

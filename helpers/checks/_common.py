"""What every exercise checker shares: a failure type with an actionable message, and the
'all passed' line a student sees when an exercise is right."""
from __future__ import annotations

from typing import Callable

import numpy as np


class ExerciseError(AssertionError):
    """Raised by a checker; the message tells the student what to fix."""


def fail(exercise: str, message: str) -> None:
    raise ExerciseError(f"{exercise}: {message}")


def passed(exercise: str, n_checks: int) -> None:
    print(f"✓ {exercise}: all {n_checks} checks passed.")


def call(exercise: str, func: Callable, *args, **kwargs):
    """Call the student's `func`, turning an unexpected exception into a clear failure.

    NotImplementedError passes through unchanged, so an unsolved exercise reads as such.
    """
    try:
        return func(*args, **kwargs)
    except NotImplementedError:
        raise
    except ExerciseError:
        raise
    except Exception as err:  # noqa: BLE001 - we report any student error
        raise ExerciseError(f"{exercise}: your function raised {type(err).__name__}: {err}") from err


def expect_shape(exercise: str, what: str, value: object, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != shape:
        fail(exercise, f"{what} should have shape {shape}, yours has shape {arr.shape}")
    return arr


def random_mixture_problem(seed: int, N: int, K: int, d: int):
    """A seeded test problem for mixture checkers: (X (N, d), π (K,), μ (K, d), Σ (K, d, d), rng).

    π ~ Dirichlet(2), μ_k ~ N(0, 9 I), Σ_k = A Aᵀ + ½ I (well conditioned), X ~ N(0, 9 I); the
    returned `rng` continues the same stream for drawing further inputs (e.g. responsibilities).
    """
    rng = np.random.default_rng(seed)
    pi = rng.dirichlet(np.full(K, 2.0))
    mu = 3.0 * rng.standard_normal((K, d))
    A = rng.standard_normal((K, d, d))
    Sigma = A @ np.swapaxes(A, 1, 2) + 0.5 * np.eye(d)
    X = 3.0 * rng.standard_normal((N, d))
    return X, pi, mu, Sigma, rng

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

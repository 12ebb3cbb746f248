"""What every exercise checker shares.

* :class:`ExerciseError` and :func:`fail`: a failure with an actionable message. In IPython/Jupyter the
  message is shown alone, without the traceback through checker code (:func:`install_short_tracebacks`,
  run when ``helpers.checks`` is imported inside a kernel); the cell still ends in an error, so nbval's
  ``raises-exception`` and nbgrader's autograder see it as a failure.
* :func:`call`: run the student's function safely. It
  - names the exercise when the stub still raises ``NotImplementedError``;
  - refuses an answer that delegates to the course's own implementation of the same step (any function of
    :mod:`helpers.checks._oracle`, plus the ``forbidden`` reference functions the checker names);
  - detects arguments changed in place ("your function changed X in place"), so the diagnosis is not
    confused by a mutated input;
  - turns any other exception into a clear failure.
* :func:`expect_shape`, :func:`expect_finite`, :func:`expect_close`, :func:`rel_error`: comparisons with
  messages that say *what* differs (shape, NaN, value), with a float32 tolerance for float32 answers;
  :func:`precision_hint` names a float64 answer that is off only by float32 rounding.
* :func:`student_or_reference`: the rung-(b) fallback. The notebook's later cells run on the student's
  function if it is implemented and passes its check; otherwise on the reference, saying so in one line.
* :func:`passed`: the ✓ line a student sees when an exercise is right.
"""
from __future__ import annotations

import contextlib
import inspect
import io
import sys
from typing import Any, Callable, Iterable, Iterator

import numpy as np


class ExerciseError(AssertionError):
    """Raised by a checker; the message tells the student what to fix."""


def fail(exercise: str, message: str) -> None:
    raise ExerciseError(f"{exercise}: {message}")


def passed(exercise: str, n_checks: int) -> None:
    print(f"✓ {exercise}: all {n_checks} checks passed.")


# ----------------------------------------------------------------------------- short tracebacks

def _short_traceback(shell, etype, value, tb, tb_offset=None) -> list[str]:
    """IPython custom-exception handler: the exception's one-line message, no traceback."""
    if etype is NotImplementedError and not str(value):
        value = "this exercise is not solved yet: replace `raise NotImplementedError()` with your code"
    stb = [f"\x1b[0;31m{etype.__name__}\x1b[0m: {value}"]
    # IPython discards what a custom handler returns: show it (ipykernel sends the `error` message, so the
    # cell's reply is an error).  Without this the cell showed nothing and its reply said "ok".
    shell._showtraceback(etype, value, stb)
    return stb


def install_short_tracebacks() -> bool:
    """Show ExerciseError and NotImplementedError as one line in the running IPython kernel.

    Returns False (and does nothing) outside IPython. The cell still fails, as it must for grading.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with Jupyter
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((ExerciseError, NotImplementedError), _short_traceback)
    return True


# ----------------------------------------------------------------------------- calling the student's code

def _oracle_functions() -> list[Callable]:
    from . import _oracle
    return [f for name, f in vars(_oracle).items()
            if inspect.isfunction(f) and f.__module__ == _oracle.__name__]


def _code_objects(funcs: Iterable[Callable]) -> dict[Any, str]:
    out = {}
    for f in funcs:
        f = inspect.unwrap(getattr(f, "__func__", f))
        code = getattr(f, "__code__", None)
        if code is not None:
            out[code] = f"{f.__module__}.{f.__qualname__}"
    return out


@contextlib.contextmanager
def _no_delegation(exercise: str, forbidden: Iterable[Callable]) -> Iterator[None]:
    """Fail if any of `forbidden` (or an oracle) is called while the block runs."""
    codes = _code_objects([*forbidden, *_oracle_functions()])
    hit: list[str] = []

    def profile(frame, event, arg):  # noqa: ARG001 - sys.setprofile signature
        if event == "call" and frame.f_code in codes and not hit:
            hit.append(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield
    finally:
        sys.setprofile(previous)
        if hit:
            fail(exercise, f"your function calls `{hit[0]}`, the course's own implementation of this step. "
                 "Write the computation yourself with NumPy/SciPy; the reference stays available for the "
                 "cells after the exercise.")


def _array_arguments(func: Callable, args: tuple, kwargs: dict) -> dict[str, np.ndarray]:
    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs)
        items = bound.arguments.items()
    except (TypeError, ValueError):
        items = [(f"argument {i + 1}", a) for i, a in enumerate(args)] + list(kwargs.items())
    return {name: value for name, value in items if isinstance(value, np.ndarray)}


def call(exercise: str, func: Callable, *args, forbidden: Iterable[Callable] = (), **kwargs):
    """Call the student's `func` on copies of the inputs' meaning, with the protections above.

    `forbidden`: reference functions the answer must not call (the oracle module is always forbidden).
    """
    arrays = _array_arguments(func, args, kwargs)
    before = {name: a.copy() for name, a in arrays.items()}
    try:
        with _no_delegation(exercise, forbidden):
            result = func(*args, **kwargs)
    except NotImplementedError as err:
        raise NotImplementedError(f"{exercise} is not solved yet: replace `raise NotImplementedError()` "
                                  "in the cell above with your code, run that cell, then this one") from err
    except ExerciseError:
        raise
    except Exception as err:  # noqa: BLE001 - we report any student error
        raise ExerciseError(f"{exercise}: your function raised {type(err).__name__}: {err}") from err
    for name, old in before.items():
        if not np.array_equal(arrays[name], old, equal_nan=True):
            fail(exercise, f"your function changed its input {name} in place (e.g. `{name} -= ...`). "
                 f"Work on a copy, e.g. `D = {name} - m` instead of `D = {name}; D -= m`.")
    return result


# ----------------------------------------------------------------------------- comparisons

def expect_shape(exercise: str, what: str, value: object, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != shape:
        fail(exercise, f"shape mismatch: {what} should have shape {shape}, yours has shape {arr.shape}")
    return arr


def expect_finite(exercise: str, what: str, value: np.ndarray, hint: str = "") -> np.ndarray:
    arr = np.asarray(value)
    if not np.issubdtype(arr.dtype, np.number):
        fail(exercise, f"{what} should be a numeric array, yours has dtype {arr.dtype}")
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        fail(exercise, f"{what} contains nan or inf (first at index {where}). {hint}".rstrip())
    return arr


def rel_error(a, b) -> float:
    """max |a - b| / max(|b|, tiny): one relative error for arrays of any shape."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(float(np.max(np.abs(b))), 1e-300)) if b.size else 0.0


def tolerance(value: np.ndarray, rtol: float = 1e-8) -> float:
    """`rtol` for float64 answers, a float32-sized one (1e-4) for float32/float16 answers."""
    dt = np.asarray(value).dtype
    if np.issubdtype(dt, np.floating) and np.finfo(dt).bits < 64:
        return max(rtol, 1e-4 if np.finfo(dt).bits == 32 else 1e-2)
    return rtol


def is_close(value, truth, rtol: float = 1e-8) -> bool:
    """True when shapes match, `value` is finite and its relative error is within its dtype's tolerance."""
    v, t = np.asarray(value), np.asarray(truth)
    return (v.shape == t.shape and np.issubdtype(v.dtype, np.number) and bool(np.all(np.isfinite(v)))
            and rel_error(v, t) <= tolerance(v, rtol))


def precision_hint(value, truth, rtol: float = 1e-8) -> str | None:
    """A message for a float64 answer that misses `rtol` only by float32-sized rounding, else None.

    A computation done in float32 and returned as float64 (e.g. promoted by a float64 constant such as
    ``np.log(2 * np.pi)``) is right to about 1e-7 relative; without this hint the student sees two
    numbers that agree to the printed digits.
    """
    v = np.asarray(value)
    if v.dtype != np.float64 or v.shape != np.shape(truth) or not np.all(np.isfinite(v)):
        return None
    err = rel_error(v, truth)
    if not rtol < err <= 1e-4:
        return None
    return (f"your values agree with the truth only to a relative {err:.1g}, the accuracy of float32 "
            "arithmetic (a float64 computation is exact to about 1e-15 here): part of your computation ran in "
            "float32. Compute in float64 (the dtype of the inputs), or return a float32 array, which is "
            "checked with a float32 tolerance")


def expect_close(exercise: str, what: str, value, truth, rtol: float = 1e-8, hint: str = "") -> np.ndarray:
    """Shape, then finiteness, then value (relative error within the dtype's tolerance)."""
    truth = np.asarray(truth)
    arr = expect_shape(exercise, what, value, truth.shape)
    expect_finite(exercise, what, arr)
    if not is_close(arr, truth, rtol):
        low_precision = precision_hint(arr, truth, rtol)
        if low_precision:
            fail(exercise, f"{what}: {low_precision}")
        idx = np.unravel_index(int(np.argmax(np.abs(arr.astype(float) - truth))), truth.shape) if truth.ndim else ()
        fail(exercise, f"{what} is wrong (at index {tuple(int(i) for i in idx)}: yours {float(arr[idx]):.6g}, "
             f"expected {float(truth[idx]):.6g}). {hint}".rstrip())
    return arr


# ----------------------------------------------------------------------------- rung (b): use the student's code

def student_or_reference(exercise: str, student: Callable, reference: Callable,
                         check: Callable[[Callable], None], *, name: str | None = None) -> Callable:
    """The function the rest of the notebook runs on: the student's if it passes `check`, else `reference`.

    Prints exactly one line saying which one is used (and why not the student's). Never raises, so Run All
    goes on in an untouched lecture. `check` is the exercise's checker (it prints/raises as usual; its
    output is captured here).
    """
    label = name or getattr(student, "__name__", "your function")
    module = getattr(reference, "__module__", "") or ""
    qualname = getattr(reference, "__qualname__", reference)
    # a reference defined in the notebook itself is named without the kernel's module name `__main__`
    ref_name = qualname if module in ("", "__main__") else f"{module}.{qualname}"
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            check(student)
    except NotImplementedError:
        print(f"↪ {exercise} is not solved yet: the cells below use the reference `{ref_name}`.")
        return reference
    except ExerciseError:
        print(f"↪ {exercise} does not pass its check yet: the cells below use the reference `{ref_name}`.")
        return reference
    print(f"★ The cells below run on your `{label}` ({exercise} passed its check).")
    return student


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

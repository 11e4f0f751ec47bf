"""Friendly feedback on a learner's exercise answers.

An exercise is a function the learner completes. A check cell calls :func:`check_function`,
which runs the learner's function on a few cases, compares each answer with a reference, and
prints one short message:

* ``NotImplementedError`` (the exercise is not done yet): a reminder, no traceback;
* an exception: its type and message and the case that raised it;
* a wrong answer: what differs (type, shape, the first value that is off and by how much);
* a right answer: a tick.

Under the test suite (environment variable ``QKIT_STRICT_CHECKS=1``) any answer that is not
right raises :class:`CheckFailed`, so a wrong solution notebook fails its test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np

__all__ = ["CheckResult", "CheckFailed", "run_check", "check_function", "strict_mode"]


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check: ``status`` is ``"passed"``, ``"unfinished"`` or ``"wrong"``."""

    label: str
    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == "passed"


class CheckFailed(Exception):
    """Raised by a check in strict mode; shows only its message in Jupyter."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for a short display
        return [f"CheckFailed: {self}"]


def strict_mode() -> bool:
    """True when checks must raise instead of printing (set ``QKIT_STRICT_CHECKS=1``)."""
    return os.environ.get("QKIT_STRICT_CHECKS", "") not in ("", "0")


def _call_text(case: Mapping[str, Any] | tuple) -> str:
    def short(v: Any) -> str:
        arr = np.asarray(v) if not isinstance(v, (str, dict)) else None
        if arr is not None and arr.ndim > 0:
            return f"array of shape {arr.shape}"
        text = repr(v)
        return text if len(text) <= 40 else text[:37] + "..."

    if isinstance(case, Mapping):
        return ", ".join(f"{k}={short(v)}" for k, v in case.items())
    return ", ".join(short(v) for v in case)


def _call(fn: Callable, case: Mapping[str, Any] | tuple) -> Any:
    return fn(**case) if isinstance(case, Mapping) else fn(*case)


def _compare(got: Any, expected: Any, rtol: float, atol: float) -> str:
    """Return "" when ``got`` matches ``expected``, else a sentence saying what differs."""
    if isinstance(expected, (tuple, list)) and not np.isscalar(expected):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return f"expected a sequence of {len(expected)} items, got {type(got).__name__}"
        for i, (g, e) in enumerate(zip(got, expected)):
            why = _compare(g, e, rtol, atol)
            if why:
                return f"item {i}: {why}"
        return ""
    if got is None:
        return "your function returned None (did you forget `return`?)"
    e = np.asarray(expected)
    kind = complex if np.iscomplexobj(e) or np.iscomplexobj(got) else float
    try:
        g = np.asarray(got, dtype=kind)
    except (TypeError, ValueError):
        return f"expected numbers, got {type(got).__name__}"
    e = e.astype(kind)  # complex answers are compared as complex numbers, never cast to real
    if g.shape != e.shape:
        return f"expected shape {e.shape}, got shape {g.shape}"
    if np.any(np.isnan(g) & ~np.isnan(e)):
        index = np.argwhere(np.isnan(g) & ~np.isnan(e))[0]
        where = f" at index {tuple(int(i) for i in index)}" if g.ndim else ""
        return f"your answer has a NaN{where}"
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if np.all(close):
        return ""
    bad = np.argwhere(~close)
    first = tuple(int(i) for i in bad[0]) if g.ndim else ()
    where = f" at index {first}" if g.ndim else ""
    return (
        f"value{where} is {_number(g[first])}, expected {_number(e[first])} "
        f"({len(bad)} of {e.size} values differ beyond rtol={rtol:g}, atol={atol:g})"
    )


def _number(x: Any) -> str:
    x = complex(x)
    if x.imag == 0:
        return f"{x.real:.6g}"
    return f"{x.real:.6g}{x.imag:+.6g}j"


def run_check(
    label: str,
    learner: Callable,
    reference: Callable | None = None,
    cases: Iterable[Mapping[str, Any] | tuple] = ((),),
    *,
    expected: Iterable[Any] | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-10,
) -> CheckResult:
    """Run a learner's function on ``cases`` and compare it with ``reference`` (no printing).

    Parameters
    ----------
    label : str
        The exercise label, e.g. ``"2.1"``.
    learner : callable
        The learner's function.
    reference : callable, optional
        A function giving the right answer for each case (usually a qkit function).
    cases : iterable of dict or tuple
        Keyword arguments (dict) or positional arguments (tuple) for each call.
    expected : iterable, optional
        The right answers, one per case, when there is no reference function.
    rtol, atol : float
        Tolerances of :func:`numpy.isclose`.
    """
    cases = list(cases)
    if (reference is None) == (expected is None):
        raise ValueError("give exactly one of reference= or expected=")
    answers = list(expected) if expected is not None else [_call(reference, c) for c in cases]
    if len(answers) != len(cases):
        raise ValueError(f"expected has {len(answers)} answers for {len(cases)} cases")
    name = getattr(learner, "__name__", "your function")
    for case, answer in zip(cases, answers):
        try:
            got = _call(learner, case)
        except NotImplementedError:
            return CheckResult(
                label, "unfinished",
                f"Exercise {label} is not finished yet: complete `{name}` in the cell above, "
                f"run that cell, then run this check again.",
            )
        except Exception as exc:  # the learner's code failed: show it briefly
            return CheckResult(
                label, "wrong",
                f"✗ Exercise {label}: `{name}({_call_text(case)})` raised "
                f"{type(exc).__name__}: {exc}",
            )
        why = _compare(got, answer, rtol, atol)
        if why:
            return CheckResult(
                label, "wrong", f"✗ Exercise {label}: for `{name}({_call_text(case)})`, {why}."
            )
    return CheckResult(label, "passed", f"✓ Exercise {label}: correct on all {len(cases)} cases.")


def check_function(label: str, learner: Callable, reference: Callable | None = None,
                   cases: Iterable[Mapping[str, Any] | tuple] = ((),), **kwargs: Any) -> None:
    """Check a learner's function and print a one-line verdict (see :func:`run_check`).

    In strict mode (``QKIT_STRICT_CHECKS=1``, set by the test suite) an answer that is not
    right raises :class:`CheckFailed` with the same message.
    """
    result = run_check(label, learner, reference, cases, **kwargs)
    if strict_mode() and not result:
        raise CheckFailed(result.message)
    print(result.message)

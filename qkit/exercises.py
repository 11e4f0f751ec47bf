"""Friendly feedback on a learner's exercise answers.

An exercise is a function the learner completes. A check cell calls :func:`check_function`,
which runs the learner's function on a few cases, compares each answer with a reference, and
prints a short message:

* ``NotImplementedError`` (the exercise is not done yet): a reminder, no traceback;
* a wrong answer: how many cases fail, what differs in the first one (type, shape, the first
  value that is off and by how much, the wrong part of a complex number), and, when the answers
  match a typical mistake the exercise names (a :class:`Mistake`), a hint naming the concept;
* an exception, ``sys.exit()`` or a loop that never ends (the learner's function has a time
  budget per check): what happened, in one line;
* a right answer: a tick.

The check never crashes on what the learner returns (None, text, ragged lists, arrays where a
tuple is expected, odd objects) and never passes an answer that is not numerically right.
The first case run is the *diagnostic* one, the case that best exposes the typical mistake.

Under the test suite (environment variable ``QKIT_STRICT_CHECKS=1``) and under nbgrader's
autograder any answer that is not right raises :class:`CheckFailed`, so a wrong solution
notebook fails its test and a wrong answer loses the check's points.
"""

from __future__ import annotations

import copy
import inspect
import math
import os
import time
import types
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from qkit._answers import as_list, call_text, difference, refuse_nan, short_text, tolerance
from qkit._time_limit import TimeLimitExceeded, call_with_time_limit

__all__ = [
    "CheckResult", "CheckFailed", "Mistake", "run_check", "check_function", "strict_mode",
    "default_time_limit", "DEFAULT_TIME_LIMIT", "TIME_LIMIT_ENV",
]

DEFAULT_TIME_LIMIT = 10.0
"""Seconds the learner's function may run in one check (all its cases together)."""

TIME_LIMIT_ENV = "QKIT_CHECK_TIME_LIMIT"
"""Environment variable overriding :data:`DEFAULT_TIME_LIMIT` (seconds; ``inf`` for none)."""

Case = Mapping[str, Any] | tuple | list


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check.

    ``status`` is ``"passed"``, ``"unfinished"`` or ``"wrong"``; ``failed`` lists the indices
    (in the order the cases were given) of the cases that failed; ``hint`` is the hint of the
    :class:`Mistake` the answers matched, or "".
    """

    label: str
    status: str
    message: str
    failed: tuple[int, ...] = ()
    hint: str = ""

    def __bool__(self) -> bool:
        return self.status == "passed"


class CheckFailed(Exception):
    """Raised by a check in strict mode; shows only its message in Jupyter."""

    def _render_traceback_(self) -> list[str]:  # IPython's hook for a short display
        return [f"CheckFailed: {self}"]


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer and the one-line hint that names the concept behind it.

    Parameters
    ----------
    hint : str
        One line shown when the learner's answers match ``answer``'s on every failing case,
        e.g. ``"you took the max after averaging: Eve sees E first"``.
    answer : callable
        The wrong answer, with the same arguments as the reference.

    Examples
    --------
    >>> ddof0 = Mistake("np.var uses ddof=0: a sample variance divides by n - 1",
    ...                 lambda c: np.var(c) / np.mean(c))
    """

    hint: str
    answer: Callable[..., Any]

    def __post_init__(self) -> None:
        if not isinstance(self.hint, str):
            raise TypeError(f"hint must be a str, got {type(self.hint).__name__}")
        if not self.hint.strip() or "\n" in self.hint or len(self.hint) > 200:
            raise ValueError(f"hint must be one non-empty line of at most 200 characters, got {self.hint!r:.80}")
        if not callable(self.answer):
            raise TypeError(f"answer must be a callable giving the wrong answer, got {type(self.answer).__name__}")


def strict_mode() -> bool:
    """True when checks must raise instead of printing.

    On under the test suite (``QKIT_STRICT_CHECKS=1``) and whenever nbgrader runs the notebook
    (``nbgrader autograde`` and ``nbgrader validate`` set ``NBGRADER_EXECUTION``), so that a
    check cell that is not right fails and its points are lost. ``QKIT_STRICT_CHECKS=0``
    switches it off in both cases.
    """
    flag = os.environ.get("QKIT_STRICT_CHECKS", "")
    if flag == "0":
        return False
    return flag != "" or os.environ.get("NBGRADER_EXECUTION", "") != ""


def default_time_limit() -> float:
    """The time limit of one check, in seconds of the learner's function (all cases together).

    It is :data:`DEFAULT_TIME_LIMIT` unless the environment variable ``QKIT_CHECK_TIME_LIMIT``
    holds a positive number (``inf`` switches the limit off); an unreadable value is ignored.
    """
    text = os.environ.get(TIME_LIMIT_ENV, "").strip()
    try:
        seconds = float(text) if text else DEFAULT_TIME_LIMIT
    except ValueError:
        return DEFAULT_TIME_LIMIT
    return seconds if seconds > 0 else DEFAULT_TIME_LIMIT


def run_check(
    label: str,
    learner: Callable,
    reference: Callable | None = None,
    cases: Iterable[Case] = ((),),
    *,
    expected: Iterable[Any] | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-10,
    mistakes: Iterable[Mistake | tuple[str, Callable]] = (),
    diagnostic: int | None = None,
    time_limit: float | None = None,
) -> CheckResult:
    """Run a learner's function on ``cases`` and compare it with ``reference`` (no printing).

    Parameters
    ----------
    label : str
        The exercise label, e.g. ``"2.1"``.
    learner : callable
        The learner's function. Whatever it returns or raises becomes a message.
    reference : callable, optional
        A function giving the right answer for each case (usually a qkit function).
    cases : iterable of dict or tuple
        Keyword arguments (dict) or positional arguments (tuple) for each call. Every call
        gets its own deep copy, so a function that changes its input in place spoils nothing.
    expected : iterable, optional
        The right answers, one per case, when there is no reference function.
    rtol, atol : float
        Tolerances of :func:`numpy.isclose` (relative; absolute, in the answer's units).
    mistakes : iterable of Mistake or (hint, callable)
        Typical wrong answers. When the learner's answers match one on every failing case,
        its hint is shown.
    diagnostic : int, optional
        Index of the case to run first (the one that best exposes the typical mistake).
        Default: the case on which the most ``mistakes`` differ from the right answer, or the
        first case when there are no mistakes.
    time_limit : float, optional
        Seconds the learner's function may run over all the cases together (default
        :func:`default_time_limit`; ``math.inf`` for none). The call that runs over is
        stopped (in a Jupyter kernel's main thread by a signal, elsewhere by a watchdog thread:
        see :mod:`qkit._time_limit`), and the check stops there.

    Returns
    -------
    CheckResult
        Truthy when every case is right.

    Examples
    --------
    The mistake differs from the right answer only on the second case, so that case runs
    first (and is the one reported):

    >>> halved = Mistake("a square root is not half the number", lambda x: x / 2)
    >>> result = run_check("0.0", lambda x: x / 2, np.sqrt, [(4.0,), (9.0,)], mistakes=[halved])
    >>> print(result.message)
    ✗ Exercise 0.0: wrong on 1 of 2 cases; for `<lambda>(9.0)`, value is 4.5, expected 3 (beyond rtol=1e-07, atol=1e-10).
      Hint: a square root is not half the number
    """
    cases, answers, mistakes, rtol, atol, limit = _validated(
        label, reference, cases, expected, rtol, atol, mistakes, diagnostic, time_limit)
    if not callable(learner):
        return CheckResult(label, "wrong", f"✗ Exercise {label}: the thing to check is a "
                           f"{type(learner).__name__}, not a function (did a later cell reuse its name?).")
    if _is_course_answer(learner, reference, mistakes):
        return CheckResult(label, "wrong", f"✗ Exercise {label}: `{getattr(learner, '__name__', 'your function')}` "
                           "is, or calls, the course's own answer (from qkit._checks_*), not yours: write the "
                           "function's body yourself in the cell above.")
    if answers is None:
        answers = [_reference_answer(label, reference, case, i) for i, case in enumerate(cases)]
        for i, answer in enumerate(answers):
            refuse_nan(f"the reference's answer to cases[{i}]", answer)
    wrong_answers = [[_quiet_call(m.answer, c) for c in cases] for m in mistakes]
    first = diagnostic if diagnostic is not None else _most_telling(answers, wrong_answers, rtol, atol)
    order = [first] + [i for i in range(len(cases)) if i != first]
    name = getattr(learner, "__name__", "your function")
    return _run(label, name, learner, cases, answers, order, mistakes, wrong_answers, rtol, atol, limit)


def check_function(label: str, learner: Callable, reference: Callable | None = None,
                   cases: Iterable[Case] = ((),), **kwargs: Any) -> None:
    """Check a learner's function and print the verdict (see :func:`run_check`).

    In strict mode (``QKIT_STRICT_CHECKS=1``, set by the test suite) an answer that is not
    right raises :class:`CheckFailed` with the same message.

    Examples
    --------
    A check cell of an exercise notebook, with the typical mistake named::

        check_function("1.3", fano_factor, reference=lambda c: np.var(c, ddof=1) / np.mean(c),
                       cases=[(np.array([1, 2, 3, 4]),), (sample,)], rtol=1e-12,
                       mistakes=[Mistake("a sample variance divides by n - 1 (ddof=1)",
                                         lambda c: np.var(c) / np.mean(c))])
    """
    result = run_check(label, learner, reference, cases, **kwargs)
    if strict_mode() and not result:
        raise CheckFailed(result.message)
    print(result.message)


# -- running the cases ------------------------------------------------------------------------

def _calls_course_answers(fn: Callable) -> bool:
    """Whether ``fn``'s code (nested functions included) names a global bound to a ``qkit._checks``
    module or to one of its functions."""
    code, scope = getattr(fn, "__code__", None), getattr(fn, "__globals__", None)
    if code is None or not isinstance(scope, dict):
        return False
    stack, names = [code], set()
    while stack:
        c = stack.pop()
        names.update(c.co_names)
        stack.extend(k for k in c.co_consts if hasattr(k, "co_names"))
    for name in names:
        value = scope.get(name)
        module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", "")
        if isinstance(module, str) and module.startswith("qkit._checks"):
            return True
    return False


def _is_course_answer(learner: Callable, reference: Callable | None, mistakes: list) -> bool:
    """Whether the learner handed in a function of the modules that hold the course's right and
    typical wrong answers (``qkit._checks_NN``), e.g. ``fn = answers.fn``, or a function whose body
    calls into them (``return answers.fn(x)``), instead of their own."""
    learner = inspect.unwrap(learner) if callable(learner) else learner  # a course wrapper around it
    if _calls_course_answers(learner):
        return True
    return str(getattr(learner, "__module__", "") or "").startswith("qkit._checks")


def _run(label: str, name: str, learner: Callable, cases: list, answers: list, order: list[int],
         mistakes: list[Mistake], wrong_answers: list[list], rtol: float, atol: float,
         limit: float) -> CheckResult:
    failures: list[tuple[int, str]] = []   # (case index, sentence)
    returned: dict[int, Any] = {}          # wrong answers the learner returned, by case
    stopped = ""
    deadline = time.monotonic() + limit
    for i in order:
        call = f"`{name}({call_text(cases[i])})`"
        try:
            args, kwargs = _arguments(cases[i])
            got = call_with_time_limit(learner, args, kwargs, _remaining(deadline))
        except NotImplementedError:
            return CheckResult(
                label, "unfinished",
                f"Exercise {label} is not finished yet: complete `{name}` in the cell above, "
                f"run that cell, then run this check again.",
            )
        except TimeLimitExceeded:
            stopped = (f"{call} did not return within the check's time limit of {limit:g} s "
                       "(a loop that never ends, or a slow one: a Python loop over numbers numpy could "
                       "handle as one array?), so the check stopped there")
            failures.append((i, stopped))
            break
        except SystemExit:
            failures.append((i, f"{call} called exit(): a function should `return` its answer"))
            continue
        except KeyboardInterrupt:
            stopped = f"{call} was interrupted, so the check stopped there"
            failures.append((i, stopped))
            break
        except Exception as exc:  # the learner's code failed: show it briefly
            failures.append((i, f"{call} raised {type(exc).__name__}: {short_text(exc)}"))
            continue
        except BaseException as exc:  # any other escape (GeneratorExit, a custom BaseException)
            stopped = f"{call} raised {type(exc).__name__}: {short_text(exc)}, so the check stopped there"
            failures.append((i, stopped))
            break
        why = _changed_in_place(cases[i], args, kwargs) or difference(got, answers[i], rtol, atol)
        if why:
            failures.append((i, f"for {call}, {why}"))
            returned[i] = got
    if not failures:
        cases_text = "its one case" if len(cases) == 1 else f"all {len(cases)} cases"
        return CheckResult(label, "passed", f"✓ Exercise {label}: correct on {cases_text}.")
    hint = _matching_hint(returned, mistakes, wrong_answers, rtol, atol)
    ran = order.index(failures[-1][0]) + 1 if stopped else len(cases)
    return _verdict(label, failures, len(cases), ran, hint)


def _verdict(label: str, failures: list[tuple[int, str]], n_cases: int, ran: int, hint: str) -> CheckResult:
    """One line: how many cases fail and what is wrong with the first; then the hint, if any."""
    if ran < n_cases:  # the check stopped early: count only the cases that ran
        count = f"wrong on {len(failures)} of the {ran} cases run" if len(failures) > 1 else ""
    else:
        count = f"wrong on {len(failures)} of {n_cases} cases" if n_cases > 1 else ""
    first = failures[0][1]
    text = f"✗ Exercise {label}: {count}; {first}." if count else f"✗ Exercise {label}: {first}."
    if hint:
        text += f"\n  Hint: {hint}"
    return CheckResult(label, "wrong", text, tuple(sorted(i for i, _ in failures)), hint)


def _remaining(deadline: float) -> float:
    """Seconds left before ``deadline`` (a small positive floor, so a call always starts)."""
    left = deadline - time.monotonic()
    return left if math.isinf(left) else max(left, 1e-3)


def _matching_hint(returned: dict[int, Any], mistakes: list[Mistake], wrong_answers: list[list],
                   rtol: float, atol: float) -> str:
    """The hint of the first mistake whose answers match the learner's on every wrong case."""
    if not returned:
        return ""
    loose = max(rtol, 1e-9)
    for mistake, wrong in zip(mistakes, wrong_answers):
        if all(wrong[i] is not _FAILED and not difference(got, wrong[i], loose, atol)
               for i, got in returned.items()):
            return mistake.hint
    return ""


def _most_telling(answers: list, wrong_answers: list[list], rtol: float, atol: float) -> int:
    """The case on which the most mistakes give an answer different from the right one."""
    best, best_score = 0, 0
    for i, answer in enumerate(answers):
        score = sum(1 for wrong in wrong_answers
                    if wrong[i] is not _FAILED and difference(wrong[i], answer, rtol, atol))
        if score > best_score:
            best, best_score = i, score
    return best


_FAILED = object()


def _quiet_call(fn: Callable, case: Case) -> Any:
    """``fn`` on a copy of ``case``, or ``_FAILED`` if it raises (a mistake may not apply)."""
    try:
        args, kwargs = _arguments(case)
        return fn(*args, **kwargs)
    except Exception:
        return _FAILED


def _reference_answer(label: str, reference: Callable, case: Case, index: int) -> Any:
    try:
        args, kwargs = _arguments(case)
        return reference(*args, **kwargs)
    except Exception as exc:  # a bad case or a broken reference: the author's to fix
        raise ValueError(f"cases[{index}] ({short_text(call_text(case), 80)}) made the reference of "
                         f"exercise {label} raise {type(exc).__name__}: {short_text(exc)}") from exc


def _changed_in_place(case: Case, args: tuple, kwargs: dict) -> str:
    """A sentence if the learner's call changed one of its array arguments in place, else ""."""
    given = case.items() if isinstance(case, Mapping) else enumerate(case)
    after = kwargs if isinstance(case, Mapping) else dict(enumerate(args))
    for key, original in given:
        new = after.get(key)
        if (isinstance(original, np.ndarray) and isinstance(new, np.ndarray) and new is not original
                and new.shape == original.shape and not np.array_equal(new, original, equal_nan=True)):
            which = f"`{key}`" if isinstance(key, str) else f"number {key + 1}"
            return (f"your function changed its argument {which} in place: the caller's array must stay "
                    "as it was (work on a copy, e.g. `x = x.copy()`)")
    return ""


def _arguments(case: Case) -> tuple[tuple, dict]:
    """Fresh positional and keyword arguments for one call (deep copies where possible)."""
    try:
        case = copy.deepcopy(case)
    except Exception:  # an argument that cannot be copied is passed as it is
        pass
    if isinstance(case, Mapping):
        return (), dict(case)
    return tuple(case), {}


# -- the exercise author's arguments ---------------------------------------------------------

def _validated(label: Any, reference: Any, cases: Any, expected: Any, rtol: Any, atol: Any,
               mistakes: Any, diagnostic: Any, limit: Any) -> tuple:
    if not isinstance(label, str):
        raise TypeError(f"label must be a non-empty str such as '2.1', got {type(label).__name__}")
    if not label.strip():
        raise ValueError(f"label must be a non-empty str such as '2.1', got {label!r}")
    if (reference is None) == (expected is None):
        raise ValueError("give exactly one of reference= or expected=")
    if reference is not None and not callable(reference):
        raise TypeError(f"reference must be a callable, got {type(reference).__name__}")
    cases = _validated_cases(cases)
    answers = None
    if expected is not None:
        answers = as_list("expected", expected)
        if len(answers) != len(cases):
            raise ValueError(f"expected has {len(answers)} answers for {len(cases)} cases")
        for i, answer in enumerate(answers):
            refuse_nan(f"expected[{i}]", answer)
    rtol, atol = tolerance("rtol", rtol), tolerance("atol", atol)
    mistakes = [_as_mistake(m, k) for k, m in enumerate(as_list("mistakes", mistakes))]
    if diagnostic is not None:
        if isinstance(diagnostic, bool) or not isinstance(diagnostic, (int, np.integer)):
            raise TypeError(f"diagnostic must be a case index (int), got {type(diagnostic).__name__}")
        if not 0 <= diagnostic < len(cases):
            raise ValueError(f"diagnostic must satisfy 0 <= diagnostic < {len(cases)} (the number of cases), "
                             f"got {diagnostic}")
    return cases, answers, mistakes, rtol, atol, _validated_limit(limit)


def _validated_cases(cases: Any) -> list:
    cases = as_list("cases", cases)
    if not cases:
        raise ValueError("cases must hold at least one case, got none")
    for i, case in enumerate(cases):
        if not isinstance(case, (Mapping, tuple, list)):
            raise TypeError(f"cases[{i}] must be a tuple of positional arguments or a dict of keyword "
                            f"arguments, got {type(case).__name__} (write ({case!r:.30},) for one argument)")
    return cases


def _as_mistake(item: Any, k: int) -> Mistake:
    if isinstance(item, Mistake):
        return item
    if isinstance(item, tuple) and len(item) == 2:
        try:
            return Mistake(*item)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"mistakes[{k}]: {exc}") from None
    raise TypeError(f"mistakes[{k}] must be a Mistake(hint, answer) or a (hint, answer) pair, "
                    f"got {type(item).__name__}")


def _validated_limit(limit: Any) -> float:
    if limit is None:
        return default_time_limit()
    if isinstance(limit, bool) or not isinstance(limit, (int, float, np.integer, np.floating)):
        raise TypeError(f"time_limit must be a number of seconds, got {type(limit).__name__}")
    limit = float(limit)
    if math.isnan(limit) or limit <= 0:
        raise ValueError(f"time_limit must be > 0 seconds (math.inf for no limit), got {limit:g}")
    return limit

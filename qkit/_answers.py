"""Compare a learner's answer with the right one and say, in one sentence, what differs.

Used by :mod:`qkit.exercises`. :func:`difference` never raises on what a learner returns
(None, text, ragged lists, odd objects): whatever it cannot read as numbers becomes a sentence.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np

from qkit._validate import require_finite

__all__ = ["difference", "as_numbers", "short_text", "call_text", "as_list", "tolerance", "refuse_nan",
           "NONE_HINT"]

NONE_HINT = "your function returned None (did you forget `return`?)"
_NUMERIC_KINDS = "biufc"


def short_text(text: Any, limit: int = 160) -> str:
    """One line of at most ``limit`` characters (newlines folded, the middle cut with "...")."""
    try:
        text = " ".join(str(text).split())
    except Exception:  # a learner's object whose __str__ fails
        text = "<unprintable>"
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return f"{text[:head]} ... {text[-(limit - head - 5):]}"


def difference(got: Any, expected: Any, rtol: float, atol: float) -> str:
    """Return "" when ``got`` matches ``expected`` within tolerances, else what differs."""
    try:
        return _difference(got, expected, rtol, atol)
    except Exception as exc:  # anything left over: still an answer, never a crash
        return f"your answer could not be compared ({type(exc).__name__}: {short_text(exc, 80)})"


def _difference(got: Any, expected: Any, rtol: float, atol: float) -> str:
    if isinstance(expected, (tuple, list)):
        return _sequence_difference(got, expected, rtol, atol)
    if isinstance(expected, str):
        return "" if got == expected else f"expected {expected!r}, got {short_text(repr(got), 60)}"
    if got is None:
        return NONE_HINT
    g, problem = as_numbers(got)
    if problem:
        return problem
    e, problem = as_numbers(expected)
    if problem:  # the reference is not numeric: fall back to equality
        return "" if _equal(got, expected) else f"expected {short_text(repr(expected), 60)}, got {short_text(repr(got), 60)}"
    if g.dtype.kind == "b" and e.dtype.kind != "b":
        return "your answer is True/False, expected numbers (a bool where a number was expected)"
    if np.iscomplexobj(e) or np.iscomplexobj(g):  # complex answers are never cast to real
        g, e = g.astype(complex), e.astype(complex)
    else:
        g, e = g.astype(float), e.astype(float)
    if g.shape != e.shape:
        return _shape_difference(g, e, rtol, atol)
    nan = np.isnan(g) & ~np.isnan(e)
    if np.any(nan):
        where = f" at index {_index(np.argwhere(nan)[0])}" if g.ndim else ""
        return f"your answer has a NaN{where}"
    close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if np.all(close):
        return ""
    bad = np.argwhere(~close)
    first = tuple(int(i) for i in bad[0]) if g.ndim else ()
    where = f" at index {_index(first)}" if g.ndim else ""
    if e.size > 1:
        text = (f"value{where} is {_number(g[first])}, expected {_number(e[first])} "
                f"({len(bad)} of {e.size} values differ beyond rtol={rtol:g}, atol={atol:g})")
    else:
        text = f"value{where} is {_number(g[first])}, expected {_number(e[first])} (beyond rtol={rtol:g}, atol={atol:g})"
    hint = _pattern_hint(g, e, rtol, atol) if e.size > 1 else ""
    if not hint and np.iscomplexobj(e):
        hint = _complex_part_hint(complex(g[first]), complex(e[first]), rtol, atol)
    return f"{text}; {hint}" if hint else text


def _sequence_difference(got: Any, expected: tuple | list, rtol: float, atol: float) -> str:
    n = len(expected)
    if got is None:
        return NONE_HINT
    if isinstance(got, (str, bytes)):
        return _text_problem(got)
    if isinstance(got, np.ndarray) and got.ndim >= 1 and len(got) == n:
        items = list(got)  # an array holding the right values is as good as a tuple
    elif isinstance(got, (tuple, list)):
        items = list(got)
    else:
        kind = "a single number" if np.isscalar(got) or getattr(got, "ndim", None) == 0 else type(got).__name__
        return f"expected {n} items (e.g. `return a, b`), got {kind}"
    if len(items) != n:
        return f"expected {n} items (e.g. `return a, b`), got {len(items)}"
    wrong = [(i, _difference(g, e, rtol, atol)) for i, (g, e) in enumerate(zip(items, expected))]
    wrong = [(i, why) for i, why in wrong if why]
    if not wrong:
        return ""
    i, why = wrong[0]
    more = f" ({len(wrong)} of the {n} items are wrong)" if len(wrong) > 1 else ""
    return f"item {i} of the {n} you return{more}: {why}"


def as_numbers(value: Any) -> tuple[np.ndarray | None, str]:
    """``(array, "")`` if ``value`` reads as numbers, else ``(None, why not)``."""
    if isinstance(value, (str, bytes)):
        return None, _text_problem(value)
    if callable(value) and not isinstance(value, np.ndarray):
        return None, f"your answer is a function ({getattr(value, '__name__', type(value).__name__)}): did you forget to call it?"
    if isinstance(value, (dict, set, frozenset)) or hasattr(value, "__next__"):
        return None, f"expected numbers, got a {type(value).__name__}"
    try:
        arr = np.asarray(value)
    except ValueError:
        return None, _ragged_problem(value)
    except Exception:
        return None, f"expected numbers, got {type(value).__name__}"
    if arr.dtype.kind in _NUMERIC_KINDS:
        return arr, ""
    if arr.dtype.kind in "US":
        return None, _text_problem(arr.flat[0] if arr.size else "")
    if arr.dtype.kind != "O":
        return None, f"expected numbers, got an array of dtype {arr.dtype}"
    for item in arr.flat:
        if item is None:
            return None, "your answer contains None (did a helper forget `return`?)"
        if isinstance(item, (str, bytes)):
            return None, _text_problem(item)
    try:
        return arr.astype(complex if any(isinstance(x, complex) for x in arr.flat) else float), ""
    except OverflowError:
        return None, "your answer holds a number too large for a float"
    except Exception:
        return None, f"expected numbers, got {type(value).__name__} holding {type(arr.flat[0]).__name__}"


def _text_problem(text: Any) -> str:
    if isinstance(text, (str, bytes)):
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return (f"your answer is text ({short_text(repr(text), 40)}), not a number: return the number "
            "itself, not str(...) or an f-string")


def _ragged_problem(value: Any) -> str:
    try:
        lengths = [len(item) if hasattr(item, "__len__") else 1 for item in value][:6]
        sizes = f" (items of lengths {', '.join(map(str, lengths))})"
    except Exception:
        sizes = ""
    return f"your answer is a ragged list{sizes}: every row must have the same length"


def _shape_difference(g: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> str:
    text = f"expected shape {e.shape}, got shape {g.shape}"
    if g.ndim == 2 and g.T.shape == e.shape and np.allclose(g.T, e, rtol=rtol, atol=atol):
        return f"{text}: your answer is the transpose of the expected one"
    if g.size == e.size and np.allclose(g.reshape(e.shape), e, rtol=rtol, atol=atol):
        return f"{text}: the values are right, only the shape differs (reshape or squeeze?)"
    return text


def _pattern_hint(g: np.ndarray, e: np.ndarray, rtol: float, atol: float) -> str:
    """A whole-answer pattern: a flipped sign, a conjugate, a global phase, a constant factor."""
    def near(a: np.ndarray) -> bool:
        return bool(np.allclose(a, e, rtol=rtol, atol=atol))

    if np.any(e != 0) and near(-g):
        return "the sign is flipped"
    if np.iscomplexobj(e):
        if near(g.conj()):
            return "you returned the complex conjugate (a sign of i?)"
        k = int(np.argmax(np.abs(e)))
        ek, gk = e.flat[k], g.flat[k]
        if ek != 0 and abs(gk) > 0 and np.isclose(abs(gk), abs(ek), rtol=max(rtol, 1e-9)):
            factor = gk / ek
            if near(g / factor):
                return f"right up to a global phase factor exp({np.angle(factor):.4g}i)"
    if e.size > 1 and np.all(np.isfinite(e)) and np.all(np.isfinite(g)):
        k = int(np.argmax(np.abs(e)))
        if e.flat[k] != 0 and g.flat[k] != 0:
            factor = g.flat[k] / e.flat[k]
            if near(g / factor):
                return f"every value is {_number(factor)} times the expected one (a missing or extra factor?)"
    return ""


def _complex_part_hint(g: complex, e: complex, rtol: float, atol: float) -> str:
    def same(a: float, b: float) -> bool:
        return bool(np.isclose(a, b, rtol=rtol, atol=atol))

    if same(abs(g), abs(e)):
        return (f"right modulus {abs(e):.6g}, wrong phase: {np.angle(g):.4g} rad, "
                f"expected {np.angle(e):.4g} rad")
    if same(g.real, e.real):
        return f"real part right, imaginary part is {g.imag:.6g}, expected {e.imag:.6g}"
    if same(g.imag, e.imag):
        return f"imaginary part right, real part is {g.real:.6g}, expected {e.real:.6g}"
    return "real and imaginary parts both differ"


def _equal(got: Any, expected: Any) -> bool:
    try:
        return bool(got == expected)
    except Exception:
        return False


def _index(index: Any) -> tuple[int, ...]:
    return tuple(int(i) for i in index)


def _number(x: Any) -> str:
    x = complex(x)
    if x.imag == 0:
        return f"{x.real:.6g}"
    return f"{x.real:.6g}{x.imag:+.6g}j"


# -- helpers for the exercise author's arguments ----------------------------------------------

def call_text(case: Mapping[str, Any] | tuple | list) -> str:
    """The arguments of one case as a short text, e.g. ``"array of shape (3,), 0.5"``."""
    def short(v: Any) -> str:
        if callable(v) and not isinstance(v, np.ndarray):
            return getattr(v, "__name__", type(v).__name__)
        if isinstance(v, np.random.Generator):
            return f"a Generator ({type(v.bit_generator).__name__})"
        try:
            arr = np.asarray(v) if not isinstance(v, (str, dict)) else None
        except Exception:
            arr = None
        if isinstance(v, (list, tuple)) and (arr is None or arr.dtype == object):
            return f"{type(v).__name__} of {len(v)} items"
        if arr is not None and arr.ndim > 0:
            if arr.ndim == 1 and arr.size <= 8 and arr.dtype.kind in "iuf":  # short: the values themselves
                return "[" + ", ".join(f"{x:g}" for x in arr.tolist()) + "]"
            if arr.ndim == 1 and arr.size <= 8 and arr.dtype.kind == "b":  # short flags: all of them
                return "[" + ", ".join(str(x) for x in arr.tolist()) + "]"
            return f"array of shape {arr.shape}"
        text = short_text(repr(v), 200)
        return text if len(text) <= 40 else text[:37] + "..."

    if isinstance(case, Mapping):
        return ", ".join(f"{k}={short(v)}" for k, v in case.items())
    return ", ".join(short(v) for v in case)


def as_list(name: str, values: Any) -> list:
    """``values`` as a list, or a TypeError naming ``name`` (text and mappings are refused)."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list or tuple, got {type(values).__name__}")
    return list(values)


def tolerance(name: str, value: Any) -> float:
    """A finite tolerance >= 0 as a float, or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number >= 0, got {type(value).__name__}")
    value = float(require_finite(name, value))
    if value < 0:
        raise ValueError(f"{name} must satisfy {name} >= 0, got {value:g}")
    return value


def refuse_nan(name: str, answer: Any) -> None:
    """A right answer may not hold NaN: a learner's NaN would then pass."""
    items = answer if isinstance(answer, (tuple, list)) else [answer]
    for item in items:
        values, _ = as_numbers(item)
        if values is not None and values.dtype.kind in "fc" and np.any(np.isnan(values)):
            raise ValueError(f"{name} holds NaN; a check cannot ask for NaN (a NaN answer would pass)")

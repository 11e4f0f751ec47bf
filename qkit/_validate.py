"""Argument checks shared by the qkit cores.

Each helper raises :class:`ValueError` naming the argument, the value it got and what is
allowed, so a learner who passes a bad value reads at once what to change.
"""

from __future__ import annotations

import numbers
import os
from typing import Any

import numpy as np

__all__ = [
    "require_real",
    "require_array",
    "require_pmf",
    "require_flag",
    "require_generator",
    "require_instance",
    "require_allocation",
    "memory_budget",
    "set_memory_budget",
    "MEMORY_BUDGET_ENV",
    "require_finite",
    "require_in_range",
    "require_integer",
    "require_positive",
    "require_nonnegative",
    "require_probability",
    "require_choice",
]


def _describe(value: Any) -> str:
    try:
        arr = np.asarray(value) if not isinstance(value, str) else None
    except ValueError:  # ragged nesting
        arr = None
    if arr is not None and arr.ndim > 0 and arr.size > 6:
        return f"an array of shape {arr.shape}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


MEMORY_BUDGET_ENV = "QKIT_MEMORY_BUDGET_GIB"
"""Environment variable that sets the memory budget in GiB (default 4)."""

_DEFAULT_BUDGET_GIB = 4.0
_budget_gib: float | None = None


def memory_budget() -> float:
    """The memory budget in bytes that one qkit call may allocate for its large arrays.

    It is 4 GiB unless :func:`set_memory_budget` or the environment variable
    ``QKIT_MEMORY_BUDGET_GIB`` says otherwise. Calls whose arrays would exceed it raise
    :class:`ValueError` before allocating anything.
    """
    if _budget_gib is not None:
        return _budget_gib * 2**30
    text = os.environ.get(MEMORY_BUDGET_ENV, "")
    try:
        gib = float(text) if text else _DEFAULT_BUDGET_GIB
    except ValueError:
        gib = _DEFAULT_BUDGET_GIB
    if not np.isfinite(gib) or gib <= 0:
        gib = _DEFAULT_BUDGET_GIB
    return gib * 2**30


def set_memory_budget(gib: float | None) -> None:
    """Set the memory budget (in GiB) for large arrays; ``None`` restores the default.

    Parameters
    ----------
    gib : float or None
        The budget in GiB, > 0; ``None`` goes back to ``QKIT_MEMORY_BUDGET_GIB`` or 4 GiB.
    """
    global _budget_gib
    if gib is None:
        _budget_gib = None
        return
    _budget_gib = float(require_real("gib", gib, 0.0, None, low_inclusive=False, unit="GiB"))


def require_allocation(what: str, n_bytes: float, *, hint: str = "") -> None:
    """Raise :class:`ValueError` if ``n_bytes`` for ``what`` exceed the memory budget.

    Call it *before* allocating, with the size the arrays would have, e.g.
    ``require_allocation(f"the statevector of {n} qubits x {batch} samples", 16 * 2**n * batch)``.
    """
    budget = memory_budget()
    if not n_bytes <= budget:  # also catches NaN
        extra = f" {hint}" if hint else ""
        raise ValueError(
            f"{what} would need {n_bytes / 2**30:.3g} GiB, more than the memory budget of "
            f"{budget / 2**30:.3g} GiB (raise it with qkit.set_memory_budget or {MEMORY_BUDGET_ENV}).{extra}"
        )


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def require_real(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    unit: str = "",
) -> float:
    """Return ``value`` as a ``float`` if it is one finite real number in the range.

    Bools, strings, None, complex numbers and arrays with more than one element raise
    :class:`TypeError`; NaN, infinities and values outside ``[low, high]`` raise :class:`ValueError`.
    """
    if _is_bool(value) or isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a real number{_unit(unit)}, got {_describe(value)}")
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise TypeError(f"{name} must be a single number{_unit(unit)}, got {_describe(value)}")
        value = value[()]
    if isinstance(value, (complex, np.complexfloating)):
        raise TypeError(f"{name} must be a real number{_unit(unit)}, got the complex number {value!r}")
    if not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number{_unit(unit)}, got {_describe(value)}")
    return float(require_in_range(name, float(value), low, high, low_inclusive=low_inclusive,
                                  high_inclusive=high_inclusive, unit=unit))


def require_array(
    name: str,
    value: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    dtype: Any = float,
    finite: bool = True,
    low: float | None = None,
    high: float | None = None,
    min_size: int = 0,
    unit: str = "",
) -> np.ndarray:
    """Return ``value`` as a numpy array of real numbers (or bools with ``dtype=bool``), checked.

    Parameters
    ----------
    name : str
        The argument's name, for the message.
    value : array_like
        What the caller passed.
    ndim : int or tuple of int, optional
        Allowed numbers of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries match any length.
    dtype : type
        ``float`` (default), ``int`` (whole numbers; whole floats are accepted) or ``bool``.
    finite : bool
        Refuse NaN and infinities (default).
    low, high : float, optional
        Inclusive bounds for every element.
    min_size : int
        The least number of elements.

    Raises
    ------
    TypeError
        None, strings, non-numeric or complex elements, bools where numbers are wanted.
    ValueError
        Ragged nesting, wrong dimensions or shape, NaN or infinities, values out of range, too few elements.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got {_describe(value)}")
    try:
        raw = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of numbers; its rows have different lengths") from None
    if raw.dtype == object:
        try:
            raw = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a rectangular array of numbers, got {_describe(value)}") from None
    kind = raw.dtype.kind
    if kind in "USV":
        raise TypeError(f"{name} must contain numbers, got {raw.dtype.kind == 'U' and 'strings' or 'non-numbers'}")
    if kind == "c":
        raise TypeError(f"{name} must contain real numbers, got complex values")
    if dtype is bool:
        if kind != "b":
            raise TypeError(f"{name} must be an array of True/False values, got {_describe(value)}")
        arr = raw
    else:
        if kind == "b":
            raise TypeError(f"{name} must contain numbers, not True/False values")
        arr = raw.astype(float, copy=False)
        if finite and not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite{_unit(unit)}, got {_describe(value)}")
        if dtype is int:
            if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
                raise ValueError(f"{name} must contain whole numbers, got {_describe(value)}")
            arr = raw.astype(np.int64, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {want} dimension(s), got shape {arr.shape}")
    if shape is not None:
        ok = arr.ndim == len(shape) and all(s is None or s == n for s, n in zip(shape, arr.shape))
        if not ok:
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} elements, got {arr.size}")
    if dtype is not bool and (low is not None or high is not None) and arr.size:
        require_in_range(name, arr, low, high, unit=unit)
    return arr


def require_pmf(name: str, value: Any, *, axis: int = -1, atol: float = 1e-9, normalize: bool = False) -> np.ndarray:
    """Return ``value`` as a probability vector (or stack of them along ``axis``), checked.

    Every entry must be finite and in [0, 1] and each vector must sum to 1 within ``atol``;
    with ``normalize=True`` a non-negative vector with a positive sum is divided by its sum instead.
    """
    arr = require_array(name, value, min_size=1)
    if arr.ndim == 0:
        raise ValueError(f"{name} must be a probability vector, got the single number {float(arr)!r}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must have no negative probabilities, got {_describe(value)}")
    total = arr.sum(axis=axis, keepdims=True)
    if normalize:
        if np.any(total <= 0):
            raise ValueError(f"{name} must have a positive total to be normalised, got {_describe(value)}")
        return arr / total
    if np.any(arr > 1) or np.any(np.abs(total - 1.0) > atol):
        worst = float(np.max(np.abs(total - 1.0)))
        raise ValueError(f"{name} must sum to 1 (a probability distribution); it is off by {worst:.3g}")
    return arr


def require_flag(name: str, value: Any) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (numpy bools too); anything else is a TypeError."""
    if not _is_bool(value):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def require_generator(name: str, value: Any) -> np.random.Generator:
    """Check that ``value`` is a numpy ``Generator`` (make one with ``numpy.random.default_rng(seed)``)."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy random Generator (numpy.random.default_rng(seed)), got {_describe(value)}"
        )
    return value


def require_instance(name: str, value: Any, kind: type | tuple[type, ...], what: str | None = None) -> Any:
    """Check ``isinstance(value, kind)``; ``what`` describes the expected kind in the message."""
    if not isinstance(value, kind):
        if what is None:
            kinds = kind if isinstance(kind, tuple) else (kind,)
            what = " or ".join(k.__name__ for k in kinds)
        raise TypeError(f"{name} must be a {what}, got {_describe(value)}")
    return value


def require_finite(name: str, value: Any, *, unit: str = "") -> np.ndarray:
    """Return ``value`` as a float array, or raise if any element is NaN or infinite."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number{_unit(unit)}, got {_describe(value)}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite{_unit(unit)}, got {_describe(value)}")
    return arr


def require_in_range(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    unit: str = "",
) -> np.ndarray:
    """Check ``low <= value <= high`` elementwise (bounds optional, inclusive by default)."""
    arr = require_finite(name, value, unit=unit)
    ok = np.ones(arr.shape, dtype=bool)
    if low is not None:
        ok &= arr >= low if low_inclusive else arr > low
    if high is not None:
        ok &= arr <= high if high_inclusive else arr < high
    if not np.all(ok):
        lo = "" if low is None else f"{low:g} {'<=' if low_inclusive else '<'} "
        hi = "" if high is None else f" {'<=' if high_inclusive else '<'} {high:g}"
        raise ValueError(f"{name} must satisfy {lo}{name}{hi}{_unit(unit)}, got {_describe(value)}")
    return arr


def require_positive(name: str, value: Any, *, unit: str = "") -> np.ndarray:
    """Check ``value > 0`` elementwise."""
    return require_in_range(name, value, 0.0, None, low_inclusive=False, unit=unit)


def require_nonnegative(name: str, value: Any, *, unit: str = "") -> np.ndarray:
    """Check ``value >= 0`` elementwise."""
    return require_in_range(name, value, 0.0, None, unit=unit)


def require_probability(name: str, value: Any) -> np.ndarray:
    """Check ``0 <= value <= 1`` elementwise."""
    return require_in_range(name, value, 0.0, 1.0)


def require_integer(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is a whole number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be a whole number, got {_describe(value)}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "" if low is None else f"{low} <= "
        hi = "" if high is None else f" <= {high}"
        raise ValueError(f"{name} must satisfy {lo}{name}{hi}, got {value}")
    return value


def require_choice(name: str, value: Any, choices: tuple | list) -> Any:
    """Check that ``value`` is one of ``choices``."""
    try:
        ok = any(bool(value == c) and _is_bool(value) == _is_bool(c) for c in choices)
    except Exception:  # e.g. an array compared with strings
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def _unit(unit: str) -> str:
    return f" ({unit})" if unit else ""

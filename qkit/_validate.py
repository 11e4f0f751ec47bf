"""Argument checks shared by the qkit cores.

Each helper raises :class:`ValueError` naming the argument, the value it got and what is
allowed, so a learner who passes a bad value reads at once what to change.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = [
    "require_finite",
    "require_in_range",
    "require_integer",
    "require_positive",
    "require_nonnegative",
    "require_probability",
    "require_choice",
]


def _describe(value: Any) -> str:
    arr = np.asarray(value) if not isinstance(value, str) else None
    if arr is not None and arr.ndim > 0 and arr.size > 6:
        return f"an array of shape {arr.shape}"
    return repr(value)


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
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def _unit(unit: str) -> str:
    return f" ({unit})" if unit else ""

"""Argument checks for the course's tooling (:mod:`qkit.workshop`, :mod:`qkit.authoring`).

Like :mod:`qkit._validate` for the cores: each check raises ``TypeError`` for a wrong type and
``ValueError`` for a wrong value, naming the argument, the value it got and what is allowed.
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import Any

from qkit._validate import require_in_range

__all__ = ["require_str", "require_seconds", "require_version", "require_notebook", "require_path"]


def require_str(name: str, value: Any) -> str:
    """Refuse anything but a string (TypeError naming the argument)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r} ({type(value).__name__})")
    return value


def require_seconds(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite number of seconds, > 0 (or >= 0 with ``allow_zero``); bools and strings refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number of seconds, got {value!r} ({type(value).__name__})")
    require_in_range(name, value, 0.0, None, low_inclusive=allow_zero, unit="s")
    return float(value)


def require_version(name: str, value: Any) -> str:
    """A version string packaging can read ("8.1.9", "5.0.16")."""
    from packaging.version import InvalidVersion, Version

    require_str(name, value)
    try:
        Version(value)
    except InvalidVersion:
        raise ValueError(f"{name} must be a version such as '8.1.9', got {value!r}") from None
    return value


def require_notebook(name: str, value: Any) -> Any:
    """A notebook as nbformat reads it (a mapping with a ``cells`` list)."""
    if not (isinstance(value, dict) and isinstance(value.get("cells"), list)):
        raise TypeError(f"{name} must be a notebook (an nbformat.NotebookNode with cells), got {value!r:.80}")
    return value


def require_path(name: str, value: Any, *, kind: str = "file", suffix: str = "") -> Path:
    """An existing file (with ``suffix``) or directory, given as a str or pathlib.Path."""
    if isinstance(value, bool) or not isinstance(value, (str, Path)):
        raise TypeError(f"{name} must be a path (str or pathlib.Path), got {value!r} ({type(value).__name__})")
    path = Path(value)
    ok = path.is_dir() if kind == "directory" else (path.is_file() and path.name.endswith(suffix))
    if not ok:
        what = "an existing directory" if kind == "directory" else f"an existing {suffix or ''} file".replace("  ", " ")
        raise ValueError(f"{name} must be {what}, got {str(value)!r}")
    return path


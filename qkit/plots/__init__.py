"""Figure builders shared by the notebooks, and the kit's matplotlib style.

One module per topic (``qkit.plots.basics``, ``qkit.plots.qrng_model``, ...). Every builder
takes the numbers it draws (computed by a core function) and an optional ``ax``; none computes
anything a test could not reach through the core.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import FigureBase

__all__ = ["STYLE_FILE", "PAPER_COLOR", "use_style", "mark_paper_value"]

#: The kit's matplotlib style sheet (colour-blind-safe Okabe-Ito cycle, light grid).
STYLE_FILE = Path(__file__).with_name("qkit.mplstyle")

#: Colour used to mark a value that a paper reports.
PAPER_COLOR = "#CC3311"


def use_style() -> None:
    """Apply the kit's matplotlib style to every figure drawn from now on."""
    plt.style.use(str(STYLE_FILE))


def mark_paper_value(ax, value: float, label: str, *, axis: str = "y", **kwargs) -> None:
    """Draw a dashed line at a value reported by a paper, labelled for the legend.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    value : float
        The paper's value, in the units of that axis.
    label : str
        Legend text, e.g. ``"paper: 0.982 per bit (Fig. 2b)"``.
    axis : {"y", "x"}
        Draw a horizontal (``"y"``) or vertical (``"x"``) line.
    """
    _require_axes("ax", ax)
    if not isinstance(label, str):
        raise TypeError(f"label must be a string (the legend text), got {label!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise ValueError(f"value must be a finite number in the units of the axis, got {value!r}")
    style = dict(color=PAPER_COLOR, linestyle="--", linewidth=1.2, label=label)
    style.update(kwargs)
    if axis == "y":
        ax.axhline(value, **style)
    elif axis == "x":
        ax.axvline(value, **style)
    else:
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")


def _require_figure(name: str, fig) -> None:
    """Raise TypeError unless ``fig`` is a matplotlib figure or subfigure."""
    if not isinstance(fig, FigureBase):
        raise TypeError(f"{name} must be a matplotlib Figure (or SubFigure), got {type(fig).__name__}: {fig!r:.60}")


def _require_axes(name: str, ax) -> None:
    """Raise TypeError unless ``ax`` is a matplotlib Axes."""
    if not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes, got {type(ax).__name__}: {ax!r:.60}")


def _require_view(name: str, view, fields: tuple[str, ...]) -> None:
    """Raise TypeError unless ``view`` has every attribute in ``fields`` (a view of qkit.widgets)."""
    missing = [f for f in fields if not hasattr(view, f)]
    if missing:
        raise TypeError(f"{name} must be a view with {', '.join(fields)} (built by the matching "
                        f"qkit.widgets *_view function), got {type(view).__name__} lacking {', '.join(missing)}")


def _require_text(name: str, value, *, optional: bool = False) -> None:
    """Raise TypeError unless ``value`` is a string (or None when ``optional``)."""
    if value is None and optional:
        return
    if not isinstance(value, str):
        allowed = "a string or None" if optional else "a string"
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__}: {value!r:.60}")


def _require_series(name: str, value, *, length: int | None = None, low: float | None = None,
                    high: float | None = None, keys: tuple[str, ...] | None = None,
                    min_items: int = 1) -> dict:
    """Check a ``{label: array of numbers}`` mapping: finite values in range, one length.

    Returns the mapping with each value as a float array.
    """
    from qkit._validate import require_array

    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict of label -> array of numbers, got {type(value).__name__}: {value!r:.60}")
    if len(value) < min_items:
        raise ValueError(f"{name} must hold at least {min_items} series, got {len(value)}")
    out = {}
    for key, series in value.items():
        if keys is not None and key not in keys:
            raise ValueError(f"{name} has the key {key!r}; allowed keys are {', '.join(map(repr, keys))}")
        arr = require_array(f"{name}[{key!r}]", series, low=low, high=high, min_size=1)
        if length is not None and arr.shape[-1] != length:
            raise ValueError(f"{name}[{key!r}] must have {length} values (one per point), got shape {arr.shape}")
        out[key] = arr
    return out

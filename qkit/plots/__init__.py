"""Figure builders shared by the notebooks, and the kit's matplotlib style.

One module per topic (``qkit.plots.basics``, ``qkit.plots.qrng_model``, ...). Every builder
takes the numbers it draws (computed by a core function) and an optional ``ax``; none computes
anything a test could not reach through the core.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

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
    style = dict(color=PAPER_COLOR, linestyle="--", linewidth=1.2, label=label)
    style.update(kwargs)
    if axis == "y":
        ax.axhline(value, **style)
    elif axis == "x":
        ax.axvline(value, **style)
    else:
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")

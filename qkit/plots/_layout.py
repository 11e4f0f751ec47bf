"""Fixed margins for the explorers' figures (private to :mod:`qkit.plots`).

The kit's style uses constrained layout, which measures every text on every draw. An explorer
redraws on every move of a slider, on a figure of fixed size whose texts change little, so its
figure builders place the axes on a grid with fixed margins instead: the same look, less time.
"""

from __future__ import annotations

__all__ = ["fixed_grid"]


def fixed_grid(fig, nrows: int = 1, ncols: int = 1, *, left: float = 0.09, right: float = 0.98,
               bottom: float = 0.14, top: float = 0.9, wspace: float = 0.3, **kwargs):
    """Turn off ``fig``'s layout engine and return a GridSpec with fixed margins (figure fractions)."""
    fig.set_layout_engine("none")
    return fig.add_gridspec(nrows, ncols, left=left, right=right, bottom=bottom, top=top, wspace=wspace, **kwargs)

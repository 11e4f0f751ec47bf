"""Figures of notebook 00 (start here)."""

from __future__ import annotations

from matplotlib.collections import PolyCollection

from qkit.plots import _require_figure, _require_view
from qkit.plots._layout import bar_limits, bar_verts, find_artist, fixed_grid

__all__ = ["draw_poisson", "redraw_poisson"]

_BAR_WIDTH = 0.85


def draw_poisson(fig, view) -> None:
    """Draw a Poisson pmf (a :class:`qkit.widgets.basics.PoissonView`) as a bar chart.

    The bars are one collection, so that :func:`redraw_poisson` can move them in place.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("mean", "counts", "pmf", "exact_variance"))
    ax = fig.add_subplot(fixed_grid(fig, left=0.1, bottom=0.14)[0, 0])
    ax.add_collection(PolyCollection([], facecolors="C0", edgecolors="none", gid="poisson.bars"), autolim=False)
    ax.axvline(0.0, color="C1", linestyle="--", label="mean", gid="poisson.mean")
    ax.set_xlabel("photons counted in one integration time, n")
    ax.set_ylabel("probability p(n)")
    ax.legend(loc="upper right")
    _set_poisson(fig, view)


def redraw_poisson(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_poisson` to show ``view``; False if it cannot."""
    _require_figure("fig", fig)
    _require_view("view", view, ("mean", "counts", "pmf", "exact_variance"))
    if find_artist(fig, "poisson.bars") is None or fig.axes[0].get_legend() is None:
        return False
    _set_poisson(fig, view)
    return True


def _set_poisson(fig, view) -> None:
    """Put ``view``'s numbers on the artists drawn by :func:`draw_poisson`."""
    ax = fig.axes[0]
    shown = view.pmf > 1e-6 * view.pmf.max()
    x, p = view.counts[shown], view.pmf[shown]
    find_artist(fig, "poisson.bars").set_verts(bar_verts(x, p, _BAR_WIDTH))
    mean = find_artist(fig, "poisson.mean")
    mean.set_xdata([view.mean, view.mean])
    mean.set_label(f"mean = {view.mean:g}")
    ax.get_legend().get_texts()[0].set_text(mean.get_label())
    bar_limits(ax, x[0] - _BAR_WIDTH / 2, x[-1] + _BAR_WIDTH / 2, float(p.max()))
    ax.set_title(f"Poisson light: mean {view.mean:g}, variance {view.exact_variance:.2f}")

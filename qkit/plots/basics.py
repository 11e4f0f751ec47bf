"""Figures of notebook 00 (start here)."""

from __future__ import annotations

from qkit.plots import _require_figure, _require_view
from qkit.plots._layout import fixed_grid

__all__ = ["draw_poisson"]


def draw_poisson(fig, view) -> None:
    """Draw a Poisson pmf (a :class:`qkit.widgets.basics.PoissonView`) as a bar chart."""
    _require_figure("fig", fig)
    _require_view("view", view, ("mean", "counts", "pmf", "exact_variance"))
    ax = fig.add_subplot(fixed_grid(fig, left=0.1, bottom=0.14)[0, 0])
    shown = view.pmf > 1e-6 * view.pmf.max()
    ax.bar(view.counts[shown], view.pmf[shown], width=0.85, color="C0")
    ax.axvline(view.mean, color="C1", linestyle="--", label=f"mean = {view.mean:g}")
    ax.set_xlabel("photons counted in one integration time, n")
    ax.set_ylabel("probability p(n)")
    ax.set_title(f"Poisson light: mean {view.mean:g}, variance {view.exact_variance:.2f}")
    ax.legend(loc="upper right")

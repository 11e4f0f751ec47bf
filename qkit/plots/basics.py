"""Figures of notebook 00 (start here)."""

from __future__ import annotations

__all__ = ["draw_poisson"]


def draw_poisson(fig, view) -> None:
    """Draw a Poisson pmf (a :class:`qkit.widgets.basics.PoissonView`) as a bar chart."""
    ax = fig.add_subplot()
    shown = view.pmf > 1e-6 * view.pmf.max()
    ax.bar(view.counts[shown], view.pmf[shown], width=0.85, color="C0")
    ax.axvline(view.mean, color="C1", linestyle="--", label=f"mean = {view.mean:g}")
    ax.set_xlabel("photons counted in one integration time, n")
    ax.set_ylabel("probability p(n)")
    ax.set_title(f"Poisson light: mean {view.mean:g}, variance {view.exact_variance:.2f}")
    ax.legend(loc="upper right")

"""In-place update of the notebook 03 correlation explorer's figure (see :mod:`qkit.plots.qrng_char`).

:func:`redraw_correlations` puts a new view's numbers on the artists that
:func:`qkit.plots.qrng_char.draw_correlations` drew, leaving the figure as that function would
have drawn it (``tests/test_explorer_sweep.py`` compares the pixels), and returns False,
changing nothing, when it cannot (the explorer then draws the figure anew).
"""

from __future__ import annotations

import numpy as np

from qkit.plots import PAPER_COLOR, _require_figure, _require_view
from qkit.plots._layout import autoscale_to, find_artist, relabel_legend

__all__ = ["redraw_correlations"]


def redraw_correlations(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`~qkit.plots.qrng_char.draw_correlations`; False if it cannot.

    It cannot when the number of lags or of pixels drawn differs from the view's.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("summary",))
    normal, first = find_artist(fig, "pairs.normal"), find_artist(fig, "lags.pixel0")
    summary = view.summary
    pixels = min(4, summary.lags.shape[0])  # draw_autocorrelation's default
    lines = [find_artist(fig, f"lags.pixel{i}") for i in range(pixels)]
    if (normal is None or first is None or None in lines or find_artist(fig, f"lags.pixel{pixels}") is not None
            or first.get_xdata().size != summary.lags.shape[1] or len(normal.axes.containers) != 1
            or len(normal.axes.containers[0].patches) != 40):
        return False
    _pairs(normal.axes, normal, summary)
    _lags(first.axes, lines, summary)
    return True


def _pairs(ax, normal, summary) -> None:
    """The pair histogram of ``draw_pair_histogram``, its bars moved in place as ``ax.hist`` places them."""
    scale, spread = 1e3, summary.spread
    width = max(5 * spread, 1.2 * np.abs(summary.pairs).max())
    tops, bins = np.histogram(summary.pairs * scale, 40, range=(-width * scale, width * scale), density=True)
    tops, bins = np.asarray(tops, dtype=float), np.asarray(bins, dtype=float)
    widths = np.diff(bins)
    centres = bins[:-1] + 0.5 * widths  # one data set, no rwidth: bars fill their bins, centred
    for bar, left, bar_width, top in zip(ax.containers[0].patches, centres - widths / 2, widths, tops):
        bar.set_x(left)
        bar.set_width(bar_width)
        bar.set_height(top)
    grid = np.linspace(-width, width, 200)
    curve = np.exp(-0.5 * (grid / spread) ** 2) / (spread * scale * np.sqrt(2 * np.pi))
    normal.set_data(grid * scale, curve)
    legend = ax.get_legend().get_texts()  # drawn in this order: the histogram, then the normal law
    legend[0].set_text(f"{summary.pairs.size:,} pairs, σ = {summary.pair_std * scale:.2f}e-3")
    legend[1].set_text(f"normal, σ = 1/√N = {spread * scale:.2f}e-3")
    ax.set_autoscaley_on(True)
    autoscale_to(ax, (bins, np.append(tops, 0.0)), (grid * scale, curve))
    ax.set_ylim(0, 1.4 * ax.get_ylim()[1])  # room for the legend above the histogram
    quiet = summary.pairs_outside < 0.05
    ax.set_title(f"Pixel pairs, N = {summary.n_frames:,}: " + ("independent" if quiet else "correlated"),
                 color="black" if quiet else PAPER_COLOR)


def _lags(ax, lines, summary) -> None:
    """The autocorrelation panel of ``draw_autocorrelation``: new values on the same lines."""
    fig = ax.get_figure()
    for line, row in zip(lines, summary.lags):
        line.set_ydata(row)
    for band, mult in enumerate((1.0, summary.multiplier)):
        for sign in "+-":
            value = (1 if sign == "+" else -1) * mult * summary.spread
            find_artist(fig, f"lags.band{band}{sign}").set_ydata([value, value])
    find_artist(fig, "lags.band1-").set_label(f"±{summary.multiplier:.3f}σ (99 %)" if summary.multiplier != 1.0
                                              else "±σ")
    relabel_legend(ax)
    top = max(4.2 * summary.spread, 1.1 * np.abs(summary.lags[:len(lines)]).max())
    ax.set_ylim(-top, top)
    quiet = summary.lags_outside < 0.05
    ax.set_title(f"Lags, N = {summary.n_frames:,}: " + ("no memory" if quiet else "memory stands out"),
                 color="black" if quiet else PAPER_COLOR)

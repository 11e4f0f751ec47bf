"""In-place updates of the notebook 03 explorers' figures (see :mod:`qkit.plots.qrng_char`).

:func:`redraw_transfer` and :func:`redraw_correlations` put a new view's numbers on the artists
that :func:`~qkit.plots.qrng_char.draw_transfer` and :func:`~qkit.plots.qrng_char.draw_correlations`
drew, leaving the figure as that function would have drawn it (``tests/test_explorer_sweep.py``
compares the pixels), and return False, changing nothing, when they cannot (the explorer then
draws the figure anew).
"""

from __future__ import annotations

import numpy as np

from matplotlib import colormaps

from qkit.plots import PAPER_COLOR, _require_figure, _require_view
from qkit.plots._layout import autoscale_to, find_artist, relabel_legend
from qkit.plots.qrng_char import _shown, _transfer_title

__all__ = ["redraw_transfer", "redraw_correlations"]

_TRANSFER_GIDS = ("transfer.sampled", "transfer.bars", "transfer.clipped", "transfer.exact", "transfer.fit",
                  "transfer.identity")


def redraw_transfer(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`~qkit.plots.qrng_char.draw_transfer`; False if it cannot.

    Lines of light levels are added or removed as the number of levels changes (appended after
    the others, where a fresh draw puts them), the colour bar follows the new range of levels, and
    the legend is made anew when the clipped levels appear or disappear. It cannot (returns False)
    when the figure was not drawn by ``draw_transfer`` or the levels are all equal.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("counts", "levels", "fitted", "curve", "means", "variances"))
    artists = {gid: find_artist(fig, gid) for gid in _TRANSFER_GIDS}
    levels = np.asarray(view.levels, dtype=float)
    if None in artists.values() or len(fig.axes) != 2 or not levels.max() > levels.min():
        return False
    left = fig.axes[0]
    if len(left.child_axes) != 1 or getattr(left.child_axes[0], "_colorbar", None) is None:
        return False
    _transfer_levels(left, view, levels)
    _transfer_curve(artists["transfer.sampled"].axes, artists, view)
    return True


def _transfer_levels(ax, view, levels) -> None:
    """The histograms of the left panel, one line per level coloured by level, and the colour bar."""
    bar = ax.child_axes[0]._colorbar
    bar.mappable.set_clim(levels.min(), levels.max())  # the bar redraws itself for the new range
    bar.ax.xaxis.set_label_position("top")  # which the bar's redraw puts back at the bottom, as draw_transfer did
    norm, cmap = bar.mappable.norm, colormaps["viridis"]
    lines = [line for line in ax.lines if line.get_gid() == "transfer.level"]
    for line in lines[len(levels):]:
        line.remove()
    z = np.arange(view.counts.shape[1])
    for i, (row, level) in enumerate(zip(view.counts, levels)):
        k = _shown(row.astype(float), floor=1e-3)
        x, y, color = z[k], row[k] / row.sum(), cmap(0.9 * norm(level))
        if i < len(lines):
            lines[i].set_data(x, y)
            lines[i].set_color(color)
        else:  # appended after the others, as a fresh draw orders them
            ax.plot(x, y, linewidth=1.0, color=color, gid="transfer.level")
    unclipped = view.counts[view.fitted]
    ax.relim()
    ax.autoscale_view()
    ax.set_ylim(0.0, 1.35 * (unclipped / unclipped.sum(axis=1, keepdims=True)).max())


def _transfer_curve(ax, artists, view) -> None:
    """The photon transfer panel: points, error bars, clipped levels, exact values, fit and legend."""
    c, out = view.curve, ~view.fitted
    artists["transfer.sampled"].set_data(c.means, c.variances)
    errors = np.asarray(c.variance_errors, dtype=float)
    low, high = c.variances - errors, c.variances + errors
    artists["transfer.bars"].set_segments([[(x, lo), (x, hi)] for x, lo, hi in zip(c.means, low, high)])
    clipped = artists["transfer.clipped"]
    was_clipped = not clipped.get_label().startswith("_")
    clipped.set_data(view.means[out], view.variances[out])
    clipped.set_label("clipped, left out" if out.any() else "_clipped")
    artists["transfer.exact"].set_data(view.exact_means, view.exact_variances)
    grid = np.linspace(0.0, max(view.means.max(), 1.0), 50)
    fit = c.intercept + c.gain * grid
    artists["transfer.fit"].set_data(grid, fit)
    artists["transfer.fit"].set_label(f"fit: slope {c.gain:.4f} ± {c.gain_error:.4f}")
    artists["transfer.identity"].set_data(grid, grid)
    series = [(c.means, low), (c.means, high), (c.means, c.variances), (view.exact_means, view.exact_variances),
              (grid, fit), (grid, grid)]
    if out.any():
        series.append((view.means[out], view.variances[out]))
    autoscale_to(ax, *series)
    _transfer_title(ax, view)
    if was_clipped != bool(out.any()):  # an entry appears or goes: the legend is made anew
        ax.legend(loc="upper left", fontsize=8)
    else:
        relabel_legend(ax)


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

"""Figures of notebook 07: the leftover hash lemma, worst vs average case, the chain's stages.

Each builder draws numbers computed by :mod:`qkit.qrng.extraction` and :mod:`qkit.qrng.drbg`
(passed in, usually as a view of :mod:`qkit.widgets.extraction`); none computes anything itself
beyond choosing what to show.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

from qkit._validate import require_real
from qkit.plots import _require_axes, _require_figure, _require_series, _require_view
from qkit.plots._layout import find_artist, fixed_grid, relabel_legend

__all__ = ["draw_extractor", "redraw_extractor", "draw_noise_guessing", "redraw_noise_guessing", "plot_stage_scores"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def draw_extractor(fig, view) -> None:
    """The notebook 07 main explorer: ``m / n`` against ``n``, and exact distance vs bound on a small block.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The explorer's figure.
    view : qkit.widgets.extraction.ExtractorView
        What to draw.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("block_bits", "min_entropy_rate", "epsilon", "output_length", "curve_blocks",
                                 "curve_fraction", "small_lengths", "small_distance", "small_bound"))
    grid = fixed_grid(fig, 1, 2, left=0.07, right=0.98, bottom=0.14, top=0.86, wspace=0.28)
    left, right = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    # plain axes and Unicode tick labels: log-scale axes render their labels with mathtext, which
    # costs more than the rest of the figure on every redraw of the explorer
    powers = np.log2(view.curve_blocks)
    left.plot(powers, view.curve_fraction, "o-", color="C0", markersize=4,
              label="output fraction m / n (leftover hash lemma)", gid="extractor.fraction")
    left.axhline(view.min_entropy_rate, color="C1", linestyle="--", label="rate", gid="extractor.rate")
    left.plot([np.log2(view.block_bits)], [view.output_length / view.block_bits], "o", color="C3", markersize=9,
              label="chosen", gid="extractor.chosen")
    _extractor_labels(fig, view)
    ticks = np.arange(np.ceil(powers[0]), powers[-1] + 1, 3).astype(int)
    left.set_xticks(ticks, [f"2{str(t).translate(_SUPERSCRIPT)}" for t in ticks])
    left.set_ylim(-0.02, 1.4)  # headroom above 1 for the legend, clear of the curves at every rate
    left.set_yticks(np.linspace(0.0, 1.0, 6))
    left.set_xlabel("raw bits per block n")
    left.set_ylabel("output bits per raw bit m / n")
    left.legend(loc="upper left", fontsize=8)
    right.plot(view.small_lengths, view.small_bound, "s--", color="C1", label="leftover hash bound",
               gid="extractor.bound")
    right.plot(view.small_lengths, view.small_distance, "o-", color="C0",
               label="exact distance (all seeds, all inputs)", gid="extractor.distance")
    right.set_ylim(0.0, 1.4)
    right.set_yticks(np.linspace(0.0, 1.0, 6))
    right.set_xticks(view.small_lengths)
    right.set_xlabel("output bits m")
    right.set_ylabel("statistical distance from uniform")
    right.legend(loc="upper left", fontsize=8)
    _extractor_titles(left, right, view)


_EXTRACTOR_FIELDS = ("block_bits", "min_entropy_rate", "epsilon", "output_length", "curve_blocks", "curve_fraction",
                     "small_lengths", "small_distance", "small_bound")


def _extractor_labels(fig, view) -> None:
    """The labels of the rate line and of the chosen block, which follow the view."""
    find_artist(fig, "extractor.rate").set_label(f"min-entropy rate k / n = {view.min_entropy_rate:.3f}")
    chosen = f"m = {view.output_length}" if view.output_length else "no output bits"
    find_artist(fig, "extractor.chosen").set_label(f"n = {view.block_bits}: {chosen}")


def _extractor_titles(left, right, view) -> None:
    """The two titles of :func:`draw_extractor`."""
    # y = 1.0 is where matplotlib places a title over axes without top ticks; given, it is not
    # found again by measuring the axes on every draw
    left.set_title(f"2 log2(1/ε) = {2 * -np.log2(view.epsilon):.0f} bits are lost per block", y=1.0)
    right.set_title(f"{view.small_bits} raw bits, k = {view.small_min_entropy:.2f} (set by k/n alone): exact ≤ bound",
                    fontsize=9, y=1.0)


def redraw_extractor(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_extractor`; False if it cannot.

    It cannot when the curve's block lengths or the small block's output lengths differ from
    those drawn (the ticks would change).
    """
    _require_figure("fig", fig)
    _require_view("view", view, _EXTRACTOR_FIELDS)
    fraction, distance = find_artist(fig, "extractor.fraction"), find_artist(fig, "extractor.distance")
    if (fraction is None or distance is None
            or not np.array_equal(fraction.get_xdata(), np.log2(view.curve_blocks))
            or not np.array_equal(distance.get_xdata(), view.small_lengths)):
        return False
    left, right = fraction.axes, distance.axes
    fraction.set_ydata(view.curve_fraction)
    find_artist(fig, "extractor.rate").set_ydata([view.min_entropy_rate, view.min_entropy_rate])
    find_artist(fig, "extractor.chosen").set_data([np.log2(view.block_bits)], [view.output_length / view.block_bits])
    find_artist(fig, "extractor.bound").set_ydata(view.small_bound)
    distance.set_ydata(view.small_distance)
    _extractor_labels(fig, view)
    relabel_legend(left)
    left.relim()
    left.autoscale_view()
    _extractor_titles(left, right, view)
    return True


def draw_noise_guessing(fig, view) -> None:
    """Eve's best-guess probability of ``Z23`` per noise cell, its average (Eq. (6)) and its maximum.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The explorer's figure.
    view : qkit.widgets.extraction.NoiseGuessingView
        What to draw.
    """
    _require_figure("fig", fig)
    _require_view("view", view, _GUESSING_FIELDS)
    ax = fig.add_subplot(fixed_grid(fig, left=0.11, right=0.9, bottom=0.14, top=0.88)[0, 0])
    if _atoms(view):  # atoms of E (no readout noise): one marker per value
        ax.plot([0.0], [0.0], "o", color="C0", markersize=3, label="max_b P(Z23 = b | E = e)", gid="guess.p")
    else:  # thousands of cells: draw the step function read off at 2000 noise values
        ax.plot([0.0], [0.0], color="C0", linewidth=0.8, drawstyle="steps-post", label="max_b P(Z23 = b | E = e)",
                gid="guess.p")
    ax.axhline(0.0, color="C1", linestyle="--", label="average", gid="guess.average")
    ax.axhline(0.0, color="C3", linestyle=":", label="maximum", gid="guess.worst")
    ax.set_xlabel("noise value e (ADC steps)")
    ax.set_ylabel("Eve's guessing probability")
    ax.ticklabel_format(axis="y", useOffset=False)  # no offset text (it collided with the title)
    twin = ax.twinx()
    twin.plot([0.0], [0.0], color="0.6", linewidth=0.8, gid="guess.density")
    twin.set_ylabel("density of E (per ADC step)", color="0.4")
    ax.legend(loc="upper left", fontsize=8)
    _set_noise_guessing(ax, twin, view)


_GUESSING_FIELDS = ("noise_low", "noise_high", "mass", "guessing_probability", "average", "worst", "mean",
                    "pixel_name", "average_per_bit", "worst_per_bit", "central", "saturation")


def _atoms(view) -> bool:
    """True when E has atoms only (no readout noise): the curve is drawn as markers, not steps."""
    shown = view.central
    return bool(np.allclose(view.noise_low[shown], view.noise_high[shown]))


def redraw_noise_guessing(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_noise_guessing`; False if it cannot.

    When the noise switches between atoms (markers) and a density (steps) it restyles the curve
    as :func:`draw_noise_guessing` draws it and makes the legend anew (its handles copy the style).
    """
    _require_figure("fig", fig)
    _require_view("view", view, _GUESSING_FIELDS)
    curve, density = find_artist(fig, "guess.p"), find_artist(fig, "guess.density")
    if curve is None or density is None or curve.axes.get_legend() is None:
        return False
    restyle = (curve.get_drawstyle() == "default") != _atoms(view)
    if restyle:
        _style_guess_curve(curve, _atoms(view))
    _set_noise_guessing(curve.axes, density.axes, view)
    if restyle:
        curve.axes.legend(loc="upper left", fontsize=8)
    return True


def _style_guess_curve(line, atoms: bool) -> None:
    """Style the curve as :func:`draw_noise_guessing` plots it: markers for atoms, else steps."""
    rc = mpl.rcParams
    line.set_drawstyle("default" if atoms else "steps-post")
    line.set_linestyle("None" if atoms else "-")
    line.set_marker("o" if atoms else "None")
    line.set_markersize(3 if atoms else rc["lines.markersize"])
    line.set_linewidth(rc["lines.linewidth"] if atoms else 0.8)


def _set_noise_guessing(ax, twin, view) -> None:
    """Put ``view``'s numbers on the artists of :func:`draw_noise_guessing`, with its limits and title."""
    fig = ax.get_figure()
    shown = view.central  # the cells the worst case runs over: all but one in a billion of E
    low, high, p = view.noise_low[shown], view.noise_high[shown], view.guessing_probability[shown]
    if _atoms(view):
        find_artist(fig, "guess.p").set_data(low, p)
    else:
        grid = np.linspace(low[0], high[-1], 2000)
        find_artist(fig, "guess.p").set_data(grid, p[np.clip(np.searchsorted(low, grid, side="right") - 1, 0,
                                                             p.size - 1)])
    for gid, value, label in (
            ("guess.average", view.average, f"average over E (Eq. 6): {view.average:.4f} -> "
                                            f"{view.average_per_bit:.4f} per bit"),
            ("guess.worst", view.worst, f"maximum over e (worst case): {view.worst:.4f} -> "
                                        f"{view.worst_per_bit:.4f} per bit")):
        line = find_artist(fig, gid)
        line.set_ydata([value, value])
        line.set_label(label)
    relabel_legend(ax)
    lowest, highest = min(p.min(), view.average), max(p.max(), view.worst)
    span = max(highest - lowest, 1e-3)
    ax.set_ylim(lowest - 0.05 * span, highest + 0.7 * span)  # the legend sits in the headroom, off the curve
    centres, density = 0.5 * (low + high), view.mass[shown] / np.where(high > low, high - low, 1.0)
    step = max(1, centres.size // 2000)
    find_artist(fig, "guess.density").set_data(centres[::step], density[::step])
    twin.set_ylim(0, 1.8 * density[::step].max())
    for axes in (ax, twin):
        axes.relim()
    for axes in (ax, twin):
        axes.autoscale_view()
    note = f" (ADC saturates: P = {view.saturation:.2f})" if view.saturation > 0.01 else ""
    ax.set_title(f"{view.pixel_name}, μ_e = {view.mean:g}: worst case {view.worst_per_bit:.4f} vs "
                 f"average {view.average_per_bit:.4f} per bit{note}", fontsize=10,
                 y=1.0)  # where matplotlib puts it; given, so no draw measures every tick label to place it


def plot_stage_scores(ax, scores: dict, model: float) -> None:
    """Bars of SP 800-90B's non-IID min-entropy per bit at each stage of the chain, the model's value marked.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    scores : dict of str to float
        Assessed min-entropy per bit (0..1) for each stage, e.g. ``{"raw": 0.83, "toeplitz": ..., "drbg": ...}``.
    model : float
        ``H_min(Z23 | E)`` per bit of the model (Eq. (6)), 0..1.
    """
    _require_axes("ax", ax)
    series = _require_series("scores", {k: [v] for k, v in scores.items()} if isinstance(scores, dict) else scores,
                             low=0.0, high=1.0, length=1)
    model = require_real("model", model, 0.0, 1.0, unit="bits per bit")
    names = list(series)
    values = [float(series[k][0]) for k in names]
    ax.bar(names, values, color=[f"C{i}" for i in range(len(names))])
    for i, v in enumerate(values):
        ax.text(i, v + 0.01, f"{v:.3f}", ha="center", fontsize=9)
    ax.axhline(model, color="0.2", linestyle="--", label=f"model H_min(Z23 | E) = {model:.3f} per bit")
    ax.set_ylim(0.0, 1.3)  # headroom: the legend sits above the model line, off the bars
    ax.set_yticks(np.linspace(0.0, 1.0, 6))
    ax.set_ylabel("non-IID estimate (bits per bit)")
    ax.legend(loc="upper right", fontsize=8)

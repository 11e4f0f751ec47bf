"""In-place updates of the explorer figures of notebooks 02, 04 and 05 (see :mod:`qkit.plots.qrng_model`).

Each ``redraw_*(fig, view) -> bool`` puts a new view's numbers on the artists that the matching
``draw_*`` of :mod:`qkit.plots.qrng_model` drew, leaving the figure as ``draw_*`` would have drawn
it (``tests/test_explorer_sweep.py`` compares the pixels), and returns False, changing nothing,
when it cannot (the explorer then draws the figure anew).
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

from qkit._validate import require_array
from qkit.plots import _require_figure, _require_view
from qkit.plots._layout import find_artist, relabel_legend, set_bar_groups
from qkit.plots.qrng_model import (_ADC_FIELDS, _ENTROPY_FIELDS, _adc_titles, _entropy_title, _frames_title,
                                   _plateau_middle)

__all__ = ["redraw_adc", "redraw_entropy", "redraw_frames"]


def redraw_adc(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_adc` to show ``view``; False if it cannot.

    It cannot when a bar changes group (another kept value becomes the most likely, or other
    bits are kept): the legend changes, and the figure is drawn anew.
    """
    _require_figure("fig", fig)
    _require_view("view", view, _ADC_FIELDS)
    stairs = find_artist(fig, "adc_pmf")
    if stairs is None or len(fig.axes) != 3:
        return False
    axes = fig.axes
    kept_bars = sorted((p for c in axes[1].containers for p in c.patches), key=lambda p: p.get_x())
    likely = view.kept_pmf == view.kept_pmf.max()
    k = np.arange(view.bit_min_entropy.size)
    chosen = np.isin(k, view.pixel.kept_bits)
    bit_groups = [(k[chosen], view.bit_min_entropy[chosen]), (k[~chosen], view.bit_min_entropy[~chosen])]
    # The legend of the middle panel has "other values" only when some value is not the most likely.
    others = any(t.get_text() == "other values" for t in axes[1].get_legend().get_texts())
    if len(kept_bars) != likely.size or others == bool(likely.all()) or not set_bar_groups(axes[2], bit_groups):
        return False
    for bar, height, top in zip(kept_bars, view.kept_pmf, likely):  # as plot_kept_bits: C1 the most likely
        bar.set_height(float(height))
        bar.set_facecolor("C1" if top else "C0")
    spread = max(view.kept_pmf.max() - view.kept_pmf.min(), 1e-3)  # as plot_kept_bits, before the override
    axes[1].set_ylim(max(0.0, view.kept_pmf.min() - 1.5 * spread), view.kept_pmf.max() + 1.5 * spread)
    centre = int(np.argmax(view.z_pmf))
    lo, hi = max(centre - 48, 0), min(centre + 48, view.z_pmf.size - 1)
    stairs.set_data(view.z_pmf[lo:hi + 1], np.arange(lo, hi + 2) - 0.5)
    axes[0].set_xlim(lo - 0.5, hi + 0.5)
    axes[0].relim()
    axes[0].autoscale_view()
    _adc_titles(axes, view)
    return True


def redraw_entropy(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_entropy` to show ``view``; False if it cannot.

    Between the preview (dots at a few means) and the full curve it restyles the lines as
    :func:`draw_entropy` draws them; when the comparison appears or disappears it fills or
    empties the dashed reference curves (always drawn) and makes the legend anew.
    """
    _require_figure("fig", fig)
    _require_view("view", view, _ENTROPY_FIELDS)
    marker = find_artist(fig, "entropy.marker")
    if marker is None:
        return False
    ax = marker.axes
    curves = [line for line in ax.lines if line.get_gid() is None and line.get_label().startswith(("Eve", "she"))]
    references = [find_artist(fig, "entropy.ref0"), find_artist(fig, "entropy.ref1")]
    if len(curves) != 2 or None in references:
        return False
    was_compared = not references[0].get_label().startswith("_")
    restyle = curves[0].get_label().endswith("points)") != bool(view.preview)
    suffix = f" (preview, {view.means.size} points)" if view.preview else ""
    curves[0].set_label("Eve knows E: H_min(Z23 | E)" + suffix)
    for line, values in zip(curves, (view.conditional, view.unconditional)):
        line.set_data(view.means, values)
        if restyle:  # as plot_entropy_curve and draw_entropy style them
            line.set_marker("o" if view.preview else "None")
            line.set_linestyle("none" if view.preview else mpl.rcParams["lines.linestyle"])
    compared = bool(view.compared_with)
    references[0].set_label(f"{'crosses' if view.preview else 'dashed'}: {view.compared_with}" if compared
                            else "_nolegend_")
    for line, values in zip(references, (view.reference_conditional, view.reference_unconditional)):
        line.set_data(view.means if compared else [], values if compared else [])
        if restyle:
            _style_reference(line, view.preview)
    marker.set_data([view.mean, view.mean], [view.conditional_at_mean, view.unconditional_at_mean])
    ax.relim()
    ax.autoscale_view()
    if restyle or was_compared != compared:  # the legend's handles copy the lines' styles: make them anew
        ax.legend(loc="lower center", bbox_to_anchor=(_plateau_middle(ax, view), 0.02), fontsize="small")
    else:
        relabel_legend(ax)
        ax.get_legend().set_bbox_to_anchor((_plateau_middle(ax, view), 0.02))
    _entropy_title(ax, view)
    return True


def _style_reference(line, preview: bool) -> None:
    """Style a dashed reference curve of :func:`draw_entropy` (crosses in a preview)."""
    rc = mpl.rcParams
    line.set_linestyle("none" if preview else "--")
    line.set_marker("x" if preview else rc["lines.marker"])
    line.set_markersize(5 if preview else rc["lines.markersize"])
    line.set_linewidth(rc["lines.linewidth"] if preview else 1)


def redraw_frames(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_frames` to show ``view``; False if it cannot.

    It cannot when the means differ from those drawn (the x-axis would rescale).
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("means", "failure", "entropy", "rule", "n_pixels", "window"))
    failure, entropy = find_artist(fig, "frames.failure"), find_artist(fig, "frames.entropy")
    if failure is None or entropy is None or not np.array_equal(failure.get_xdata(), view.means):
        return False
    require_array("failure", view.failure, shape=view.means.shape, low=0.0, high=1.0)
    require_array("entropy", view.entropy, shape=view.means.shape, low=0.0, high=1.0)
    floor = 1e-30  # plot_failure_and_entropy's default, as draw_frames uses it
    failure.set_ydata(np.where(view.failure >= floor, view.failure, np.nan))
    entropy.set_ydata(view.entropy)
    _frames_title(failure.axes, view)
    return True

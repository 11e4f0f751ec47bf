"""In-place redraws of the explorers' figures of notebooks 08 and 09.

Each ``redraw_*(fig, view) -> bool`` puts a new view's numbers on the artists that the matching
``draw_*`` of :mod:`qkit.plots.qnn` made (``set_data``, ``set_height``, ``set_text``) and returns
True, or returns False, changing nothing, when the figure is not one that ``draw_*`` drew; the
explorer then clears the figure and draws it anew. The figure shown is the same either way
(``tests/test_explorer_sweep.py`` compares them pixel for pixel).
"""

from __future__ import annotations

import numpy as np

from qkit.plots import _require_figure, _require_view
from qkit.plots._layout import find_artist, relabel_legend
from qkit.plots.qnn import (
    _copies,
    _measurement_titles,
    _noise_title,
    _plus_end,
    _rotation_arrows,
    _rotation_title,
    _state_label,
)

__all__ = ["redraw_rotation", "redraw_measurement_axis", "redraw_noise_deployment"]


def _move_errorbar(container, x, y, yerr) -> bool:
    """Move the points and vertical error bars of an ``ErrorbarContainer`` (no x errors, no limits).

    Sets the same coordinates ``Axes.errorbar`` computes (``y - yerr`` .. ``y + yerr``, caps at
    both ends). Returns False, changing nothing, if the container has another shape (x errors,
    other numbers of points or caps).
    """
    data_line, caplines, barcols = container
    x, y, yerr = (np.asarray(v, dtype=float) for v in (x, y, yerr))
    if container.has_xerr or len(barcols) != 1 or len(caplines) not in (0, 2) \
            or len(data_line.get_xdata()) != len(x):
        return False
    low, high = y - yerr, y + yerr
    data_line.set_data(x, y)
    barcols[0].set_segments([[(xi, lo), (xi, hi)] for xi, lo, hi in zip(x, low, high)])
    for line, ends in zip(caplines, (low, high)):
        line.set_data(x, ends)
    return True


def redraw_rotation(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`qkit.plots.qnn.draw_rotation`; False if it cannot.

    The sphere, its wireframe, labels and view angle stay; the path is moved
    (``set_data_3d``), the two arrows are drawn again, the bars get new heights.
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("gate", "angle", "start_label", "start", "end", "path", "probabilities"))
    path = find_artist(fig, "rotation.path")
    arrows = [find_artist(fig, gid) for gid in ("rotation.start", "rotation.end")]
    if path is None or None in arrows or len(fig.axes) != 2 or len(fig.axes[1].containers) != 1:
        return False
    ax, bx = fig.axes
    names = list(view.probabilities)
    bars = bx.containers[0].patches
    if [t.get_text() for t in bx.get_xticklabels()] != names or len(bars) != len(names):
        return False
    path.set_data_3d(*view.path.T)
    for arrow in arrows:
        arrow.remove()
    _rotation_arrows(ax, view)  # a quiver's head is rebuilt from its direction: draw it again
    ax.set_title(_rotation_title(view), fontsize="medium")
    for bar, name in zip(bars, names):
        bar.set_height(view.probabilities[name])
    return True


def redraw_measurement_axis(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`qkit.plots.qnn.draw_measurement_axis`."""
    _require_figure("fig", fig)
    _require_view("view", view, ("feature", "axis", "features", "curve", "reference_curves", "estimate"))
    gids = ("axis.state", "axis.state_text", "axis.axis", "axis.curve", "axis.plus")
    state, text, axis, curve, plus = (find_artist(fig, gid) for gid in gids)
    if None in (state, text, axis, curve, plus) or len(fig.axes) != 2 or len(fig.axes[1].containers) != 1 \
            or len(curve.get_xdata()) != len(view.curve):
        return False
    ax, bx = fig.axes
    x, n = view.feature, view.axis
    if not _move_errorbar(bx.containers[0], [x], [view.estimate], [view.estimate_error]):
        return False
    state.xy = (np.sin(x), np.cos(x))
    text.set_text(_state_label(view))
    axis.set_data([-n[0], n[0]], [-n[2], n[2]])
    where, mark = _plus_end(n)
    plus.set_position(where)
    plus.set_text(mark)
    axis.set_label(f"axis (y-component {n[1]:+.2f} not drawn)")
    relabel_legend(ax)
    curve.set_ydata(view.curve)
    bx.containers[0].set_label(_copies(view.shots))
    relabel_legend(bx)
    bx.set_title(_measurement_titles(view), fontsize="small")
    return True


def redraw_noise_deployment(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`qkit.plots.qnn.draw_noise_deployment`."""
    _require_figure("fig", fig)
    _require_view("view", view, ("depolarizing", "readout_error", "shots", "n_classes", "ideal", "noisy",
                                 "best_exit"))
    if len(fig.axes) != 1 or len(fig.axes[0].containers) != 2:
        return False
    ax = fig.axes[0]
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    chance = [line for line in ax.lines if line.get_linestyle() == ":"]
    if len(stars) != 1 or len(chance) != 1 or not np.allclose(chance[0].get_ydata(), 1 / view.n_classes):
        return False
    series = []
    for values in (view.ideal, view.noisy):  # as plot_exit_accuracy computes them
        acc = np.atleast_2d(np.asarray(values, dtype=float))
        series.append((np.arange(1, acc.shape[1] + 1), acc.mean(axis=0), acc.std(axis=0)))
    if not all(len(c[0].get_xdata()) == len(s[0]) for c, s in zip(ax.containers, series)):
        return False
    for container, (depth, mean, std) in zip(ax.containers, series):
        _move_errorbar(container, depth, mean, std)
    depth, mean, _ = series[1]
    best = int(np.argmax(mean))
    stars[0].set_data([depth[best]], [mean[best]])
    ax.set_title(_noise_title(view), fontsize="medium")
    return True

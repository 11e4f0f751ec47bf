"""Fixed margins for the explorers' figures (private to :mod:`qkit.plots`).

The kit's style uses constrained layout, which measures every text on every draw. An explorer
redraws on every move of a slider, on a figure of fixed size whose texts change little, so its
figure builders place the axes on a grid with fixed margins instead: the same look, less time.
"""

from __future__ import annotations

__all__ = ["fixed_grid", "find_artist", "bar_verts", "bar_limits", "set_bar_groups", "autoscale_to",
           "relabel_legend"]


def fixed_grid(fig, nrows: int = 1, ncols: int = 1, *, left: float = 0.09, right: float = 0.98,
               bottom: float = 0.14, top: float = 0.9, wspace: float = 0.3, **kwargs):
    """Turn off ``fig``'s layout engine and return a GridSpec with fixed margins (figure fractions)."""
    fig.set_layout_engine("none")
    return fig.add_gridspec(nrows, ncols, left=left, right=right, bottom=bottom, top=top, wspace=wspace, **kwargs)


def find_artist(fig, gid: str):
    """The artist of ``fig`` whose gid is ``gid`` (None if there is none): for in-place redraws."""
    for ax in fig.axes:
        for artist in ax.get_children():
            if artist.get_gid() == gid:
                return artist
    return None


def bar_verts(x, heights, width: float):
    """Corners of bars centred on ``x`` with the given heights (from 0), for a PolyCollection."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    h = np.asarray(heights, dtype=float)
    left, right, zero = x - width / 2, x + width / 2, np.zeros_like(h)
    return np.stack([np.stack([left, zero], -1), np.stack([left, h], -1),
                     np.stack([right, h], -1), np.stack([right, zero], -1)], axis=1)


def bar_limits(ax, left: float, right: float, top: float, margin: float = 0.05) -> None:
    """The limits autoscaling gives bars from 0 spanning ``left..right`` up to ``top``.

    Set explicitly so that an in-place redraw (which does not autoscale) and the first draw agree.
    """
    span = right - left
    ax.set_xlim(left - margin * span, right + margin * span)
    ax.set_ylim(0.0, top * (1 + margin) if top > 0 else 1.0)


def set_bar_groups(ax, groups) -> bool:
    """Give the bar containers of ``ax`` new heights, if they stand where ``groups`` says.

    ``groups`` is a sequence of ``(x, heights)``, one per ``ax.bar`` call of the first draw, in
    order. Returns False (changing nothing) when the containers are not at those ``x`` (e.g. a
    bar moved from one group to another), so the caller draws the figure anew.
    """
    import numpy as np

    containers = ax.containers
    if len(containers) != len(groups):
        return False
    for container, (x, _) in zip(containers, groups):
        centres = [patch.get_x() + patch.get_width() / 2 for patch in container.patches]
        if len(centres) != len(x) or not np.allclose(centres, x, rtol=0, atol=1e-9):
            return False
    for container, (_, heights) in zip(containers, groups):
        for patch, height in zip(container.patches, heights):
            patch.set_height(float(height))
    return True


def autoscale_to(ax, *series) -> None:
    """Autoscale ``ax`` to the data ``(x, y)`` of its artists, given as arrays (no walk of the artists).

    Equivalent to ``ax.relim(); ax.autoscale_view()`` for lines and filled stairs (pass a
    stairs' edges and ``[baseline, *values]``), without tracing every path segment: an
    in-place redraw of a histogram with thousands of steps stays quick. NaN values are skipped,
    as matplotlib skips them.
    """
    import numpy as np

    xs = np.concatenate([np.asarray(x, dtype=float).ravel() for x, _ in series])
    ys = np.concatenate([np.asarray(y, dtype=float).ravel() for _, y in series])
    xs, ys = xs[np.isfinite(xs)], ys[np.isfinite(ys)]
    ax.dataLim.set_points(np.array([[xs.min(), ys.min()], [xs.max(), ys.max()]]))
    ax.ignore_existing_data_limits = False
    ax.autoscale_view()


def relabel_legend(ax) -> None:
    """Give the legend's texts the current labels of the artists it shows (same order as ax.legend())."""
    _, labels = ax.get_legend_handles_labels()
    for text, label in zip(ax.get_legend().get_texts(), labels):
        text.set_text(label)

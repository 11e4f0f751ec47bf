"""Figures of notebook 14 (scaling out): the fleet's state stack, the cost of a round, a sweep's memory.

The builders draw numbers computed elsewhere (a benchmark's results, or a
:class:`qkit.widgets.scaling.ChunkView`) and compute nothing of their own.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, LogFormatter, LogLocator, NullLocator

from qkit._validate import require_array, require_integer
from qkit.plots import _require_axes, _require_figure, _require_text, _require_view
from qkit.plots._layout import fixed_grid

__all__ = ["draw_state_stack", "plot_cost_against_fleet", "draw_chunk_view"]

_CHUNK_FIELDS = ("n_vehicles", "chunk_size", "n_sweeps", "chunk_sizes", "sweep_bytes", "budget_bytes",
                 "default_chunk", "title")
_SLABS_DRAWN = 4  # vehicles drawn as slabs; the rest is "..."


def draw_state_stack(ax, n_vehicles: int, n_samples: int, n_qubits: int) -> None:
    """The statevectors of a fleet as one array ``(vehicles, samples, 2**n)``, drawn as slabs.

    Each slab is one vehicle's ``(samples, 2**n)`` block of amplitudes (a row per sample, a
    column per basis state); the slabs stack along the vehicle axis. At most four slabs are
    drawn, the others stand behind the dots.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    n_vehicles, n_samples, n_qubits : int
        The array's shape is ``(n_vehicles, n_samples, 2**n_qubits)``; ``n_qubits`` in [1, 12].
    """
    _require_axes("ax", ax)
    v = require_integer("n_vehicles", n_vehicles, 1)
    b = require_integer("n_samples", n_samples, 1)
    n = require_integer("n_qubits", n_qubits, 1, 12)
    dim = 2**n
    width, height = 4.0, 2.6          # one slab, in axes data units
    dx, dy = 0.55, 0.45               # offset of the slab behind
    shown = min(v, _SLABS_DRAWN)
    for k in reversed(range(shown)):
        x0, y0 = k * dx, k * dy
        ax.add_patch(Rectangle((x0, y0), width, height, facecolor=f"C{k % 8}", edgecolor="0.2", alpha=0.85))
        rows, cols = min(b, 8), min(dim, 16)
        for i in range(1, cols):
            ax.plot([x0 + i * width / cols] * 2, [y0, y0 + height], color="white", linewidth=0.4)
        for j in range(1, rows):
            ax.plot([x0, x0 + width], [y0 + j * height / rows] * 2, color="white", linewidth=0.4)
    ax.annotate(f"{2**n} amplitudes (2^{n})", (width / 2, -0.35), ha="center", va="top", fontsize=9)
    ax.annotate(f"{b} samples", (-0.25, height / 2), ha="right", va="center", rotation=90, fontsize=9)
    ax.annotate("", xy=(width + shown * dx + 0.15, shown * dy - 0.15), xytext=(width + 0.15, -0.15),
                arrowprops=dict(arrowstyle="->", color="0.3"))
    ax.annotate(f"{v} vehicles" + (" (4 drawn)" if v > shown else ""), (width + shown * dx * 0.5 + 0.35, shown * dy * 0.5 - 0.35),
                ha="left", va="top", fontsize=9)
    if v > shown:
        ax.annotate("...", (shown * dx + width + 0.1, shown * dy + height * 0.5), fontsize=14, color="0.3")
    ax.set_xlim(-1.0, shown * dx + width + 2.6)
    ax.set_ylim(-1.0, shown * dy + height + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"One array for the fleet: shape ({v}, {b}, {dim})", fontsize=10)


def plot_cost_against_fleet(ax, curves: dict, *, ylabel: str, title: str | None = None) -> None:
    """Log-log lines of a cost (seconds per round, peak memory, ...) against the number of vehicles.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    curves : dict of str to (vehicles, values)
        One line per label: the fleet sizes (> 0) and the cost at each (> 0, same length).
    ylabel : str
        The cost and its unit, e.g. ``"seconds per round"``.
    title : str, optional
    """
    _require_axes("ax", ax)
    _require_text("ylabel", ylabel)
    _require_text("title", title, optional=True)
    if not isinstance(curves, dict) or not curves:
        raise TypeError(f"curves must be a non-empty dict of label -> (vehicles, values), got {curves!r:.60}")
    checked = {}
    for label, pair in curves.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"curves[{label!r}] must be a pair (vehicles, values), got {pair!r:.60}")
        x = require_array(f"curves[{label!r}] vehicles", pair[0], low=0.0, ndim=1, min_size=1)
        y = require_array(f"curves[{label!r}] values", pair[1], low=0.0, ndim=1, min_size=1)
        if x.shape != y.shape or np.any(x <= 0) or np.any(y <= 0):
            raise ValueError(f"curves[{label!r}] must hold equal-length positive vehicles and values, "
                             f"got shapes {x.shape} and {y.shape}")
        checked[label] = (x, y)
    for i, (label, (x, y)) in enumerate(checked.items()):
        ax.loglog(x, y, "o-", color=f"C{i}", label=label)
    # plain numbers on the cost axis ("600", "0.1"), not powers of ten: it is read in its own unit
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1.2, 0.4)))
    ax.set_xlabel("vehicles in the fleet")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(fontsize="small")


def draw_chunk_view(fig, view) -> None:
    """The explorer's figure: memory of one sweep against the chunk size, and the chosen chunk.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    view : qkit.widgets.scaling.ChunkView
    """
    _require_figure("fig", fig)
    _require_view("view", view, _CHUNK_FIELDS)
    ax = fig.add_subplot(fixed_grid(fig, left=0.11, right=0.97, bottom=0.15, top=0.88)[0, 0])
    mib = 2.0**20
    ax.loglog(view.chunk_sizes, np.asarray(view.sweep_bytes) / mib, color="C0", label="one sweep's arrays")
    ax.axhline(view.budget_bytes / mib, color="#CC3311", linestyle="--", label="memory budget")
    chosen = view.sweep_bytes[list(view.chunk_sizes).index(view.chunk_size)] if view.chunk_size in list(
        view.chunk_sizes) else None
    if chosen is not None:
        ax.plot([view.chunk_size], [chosen / mib], "o", color="C1", markersize=9,
                label=f"chunk of {view.chunk_size}: {view.n_sweeps} sweep(s)")
    ax.axvline(view.default_chunk, color="0.5", linestyle=":", label=f"the kit's default chunk ({view.default_chunk})")
    for axis in (ax.xaxis, ax.yaxis):  # decades only: minor log ticks cost most of a redraw
        axis.set_major_locator(LogLocator(base=10.0, numticks=8))
        axis.set_minor_locator(NullLocator())
    ax.set_xlabel("vehicles per sweep (chunk size)")
    ax.set_ylabel("memory of one sweep (MiB)")
    ax.set_title(view.title, fontsize=10)
    ax.legend(fontsize="small", loc="lower right")

"""Figures of notebooks 10 (federated learning) and 12 (QFL vs DQFL).

Every builder takes numbers computed by :mod:`qkit.fl` (or a view of :mod:`qkit.widgets.fl`)
and draws them; none computes anything a test could not reach through the cores.
"""

from __future__ import annotations

import numpy as np

from qkit._validate import require_real
from qkit.plots import _require_axes, _require_figure, _require_series, _require_text, _require_view
from qkit.plots._layout import find_artist, fixed_grid, relabel_legend

__all__ = [
    "draw_label_mix",
    "redraw_label_mix",
    "draw_angle_mean",
    "redraw_angle_mean",
    "draw_reception",
    "redraw_reception",
    "plot_accuracy_curves",
    "plot_arrivals",
    "plot_vehicle_plates",
]


def draw_label_mix(fig, view) -> None:
    """Stacked bars: each vehicle's class counts (a :class:`qkit.widgets.fl.LabelMixView`)."""
    _require_figure("fig", fig)
    _require_view("view", view, ("alpha", "classes", "counts", "skew"))
    ax = fig.add_subplot()
    counts = view.counts
    k, c = counts.shape
    left = np.zeros(k)
    for j in range(c):
        ax.barh(np.arange(k), counts[:, j], left=left, color=f"C{j % 8}", label=f"class '{view.classes[j]}'")
        left += counts[:, j]
    # autoscaling stops at a bar's left edge when the last class of the fullest vehicle is empty
    # (at the total instead of 5 % past it): fixed, the axis stays put from one draw to the next
    ax.set_xlim(0.0, 1.05 * float(counts.sum(axis=1).max()))
    ax.set_yticks(np.arange(k))
    ax.set_yticklabels([f"vehicle {v}" for v in range(k)])
    ax.invert_yaxis()
    ax.set_xlabel("plates captured (images)")
    ax.set_title(_label_mix_title(view), y=1.0)  # where matplotlib puts it, without measuring the axes
    ax.legend(loc="lower right", fontsize="small", ncol=min(c, 4))


def redraw_label_mix(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_label_mix`; False (changing nothing) if it cannot.

    It cannot when the fleet or the classes differ from those drawn, or when the largest number
    of plates per vehicle changes (the x-axis would rescale).
    """
    _require_figure("fig", fig)
    _require_view("view", view, ("alpha", "classes", "counts", "skew"))
    counts = np.asarray(view.counts)
    if len(fig.axes) != 1 or fig.axes[0].get_legend() is None:
        return False
    containers = fig.axes[0].containers
    k, c = counts.shape
    labels = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    if (len(containers) != c or any(len(container.patches) != k for container in containers)
            or labels != [f"class '{name}'" for name in view.classes]):
        return False
    drawn_total = max(patch.get_x() + patch.get_width() for patch in containers[-1].patches)
    if drawn_total != counts.sum(axis=1).max():
        return False
    left = np.zeros(k)
    for j, container in enumerate(containers):
        for patch, start, width in zip(container.patches, left, counts[:, j]):
            patch.set_x(start)
            patch.set_width(width)
        left += counts[:, j]
    fig.axes[0].set_title(_label_mix_title(view))
    return True


def _label_mix_title(view) -> str:
    """The title of :func:`draw_label_mix`: alpha and the label skew."""
    alpha = "inf (IID)" if view.alpha == np.inf else f"{view.alpha:g}"
    return f"Dirichlet alpha = {alpha}: label skew {view.skew:.2f} (0 = IID, max {1 - 1 / view.counts.shape[1]:.2f})"


def draw_angle_mean(fig, view) -> None:
    """Two angles on the unit circle, their linear mean and their circular mean."""
    _require_figure("fig", fig)
    _require_view("view", view, ("angles", "weights", "linear_mean", "circular_mean"))
    # fixed margins (those constrained layout finds): the explorer moves the artists in place
    ax = fig.add_subplot(fixed_grid(fig, left=0.1014, right=0.9924, bottom=0.11, top=0.9453)[0, 0],
                         aspect="equal")
    t = np.linspace(0, 2 * np.pi, 361)
    ax.plot(np.cos(t), np.sin(t), color="0.8", linewidth=1)
    for i, name in enumerate(("client 1", "client 2")):
        ax.plot([0, 1], [0, 0], color="0.4", gid=f"angle.client{i}")
        ax.text(0, 0, name, fontsize="small", gid=f"angle.client{i}_text")
    ax.plot([0, 1], [0, 0], "--", color="C1", linewidth=2, label=" ", gid="angle.linear")
    ax.plot([0, 1], [0, 0], color="C0", linewidth=2.5, label=" ", gid="angle.circular")
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.3, 1.3)
    ax.set_xlabel("cos(theta)")
    ax.set_ylabel("sin(theta)")
    _set_angle_mean(fig, view)
    ax.legend(loc="lower left", fontsize="small")


def _set_angle_mean(fig, view) -> None:
    """Put ``view``'s angles on the artists of :func:`draw_angle_mean` (legend not relabelled)."""
    ax = fig.axes[0]
    for i, (a, w, name) in enumerate(zip(view.angles, view.weights, ("client 1", "client 2"))):
        line = find_artist(fig, f"angle.client{i}")
        line.set_data([0, np.cos(a)], [0, np.sin(a)])
        line.set_linewidth(1 + 2 * w / max(view.weights))
        text = find_artist(fig, f"angle.client{i}_text")
        text.set_position((1.05 * np.cos(a), 1.05 * np.sin(a)))
        text.set_text(f"{name}: {a:+.2f} rad")
    for key, label in (("linear", "linear mean"), ("circular", "circular mean")):
        mean = getattr(view, f"{key}_mean")
        line = find_artist(fig, f"angle.{key}")
        line.set_data([0, np.cos(mean)], [0, np.sin(mean)])
        line.set_label(f"{label} {mean:+.2f} rad")
    gap = abs((view.linear_mean - view.circular_mean + np.pi) % (2 * np.pi) - np.pi)
    ax.set_title(f"Averaging angles: the linear mean is {gap:.2f} rad off the circular one")


def redraw_angle_mean(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_angle_mean`; False (changing nothing) if it cannot."""
    _require_figure("fig", fig)
    _require_view("view", view, ("angles", "weights", "linear_mean", "circular_mean"))
    gids = ("angle.client0", "angle.client1", "angle.client0_text", "angle.client1_text",
            "angle.linear", "angle.circular")
    if len(fig.axes) != 1 or fig.axes[0].get_legend() is None or any(find_artist(fig, g) is None for g in gids):
        return False
    _set_angle_mean(fig, view)
    relabel_legend(fig.axes[0])
    return True


_RECEPTION_FIELDS = ("distances", "qfl", "base", "enhancement", "power_split", "boundary")
_RECEPTION_CURVES = ("qfl", "base", "enhancement")


def draw_reception(fig, view) -> None:
    """Reception probability against distance: QFL, DQFL base, DQFL enhancement."""
    _require_figure("fig", fig)
    _require_view("view", view, _RECEPTION_FIELDS)
    ax = fig.add_subplot()
    d = view.distances
    labels = _reception_labels(view)
    ax.plot(d, view.qfl, color="C0", linewidth=2, label=labels[0], gid="reception.qfl")
    ax.plot(d, view.base, color="C1", linewidth=2, label=labels[1], gid="reception.base")
    ax.plot(d, view.enhancement, "--", color="C2", linewidth=2, label=labels[2], gid="reception.enhancement")
    ax.set_xlabel("vehicle-to-server distance (m)")
    ax.set_ylabel("probability the message arrives")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(_reception_title(view), y=1.0)  # where matplotlib puts it, without measuring the axes
    ax.legend(loc="upper right", fontsize="small")


def redraw_reception(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_reception`; False (changing nothing) if it cannot.

    It cannot when the distances differ from those drawn (the x-axis would rescale).
    """
    _require_figure("fig", fig)
    _require_view("view", view, _RECEPTION_FIELDS)
    lines = [find_artist(fig, f"reception.{key}") for key in _RECEPTION_CURVES]
    if (len(fig.axes) != 1 or fig.axes[0].get_legend() is None or any(line is None for line in lines)
            or not np.array_equal(lines[0].get_xdata(), view.distances)):
        return False
    for line, key, label in zip(lines, _RECEPTION_CURVES, _reception_labels(view)):
        line.set_ydata(getattr(view, key))
        line.set_label(label)
    ax = fig.axes[0]
    relabel_legend(ax)
    ax.set_title(_reception_title(view))
    return True


def _reception_labels(view) -> tuple[str, str, str]:
    """The legend labels of :func:`draw_reception`: each message with its size in bits."""
    return (f"QFL: whole model ({view.total_bits:.0f} bits)", f"DQFL base ({view.base_bits:.0f} bits)",
            f"DQFL enhancement ({view.enhancement_bits:.0f} bits)")


def _reception_title(view) -> str:
    """The title of :func:`draw_reception`: the split, the boundary and how much SNR the base saves."""
    if np.isfinite(view.base_gain_db):
        verdict = (f"base needs {view.base_gain_db:.1f} dB less SNR than the whole model" if view.base_gain_db >= 0
                   else f"base needs {-view.base_gain_db:.1f} dB more SNR than the whole model")
    else:
        verdict = "the base can never be decoded (lambda too small for its rate)"
    return f"lambda = {view.power_split:.2f}, base = {view.boundary} layer(s): {verdict}"


def plot_accuracy_curves(ax, curves: dict, *, ylabel: str = "top-1 accuracy (held-out)",
                         title: str | None = None, chance: float | None = None,
                         colors: dict | None = None, legend: bool = True) -> None:
    """Mean accuracy against rounds with a min-max band over seeds.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    curves : dict
        ``label -> array (seeds, rounds + 1)``.
    chance : float, optional
        Accuracy of guessing (``1 / n_classes``), drawn as a dotted line.
    colors : dict, optional
        ``label -> colour``, to keep a scheme's colour across panels (default: the cycle).
    legend : bool
        Draw a legend on ``ax`` (turn off to draw one legend for a whole figure).
    """
    _require_axes("ax", ax)
    curves = _require_series("curves", curves, low=0.0, high=1.0)
    _require_text("ylabel", ylabel)
    _require_text("title", title, optional=True)
    if chance is not None:
        chance = require_real("chance", chance, 0.0, 1.0)
    if colors is not None and not isinstance(colors, dict):
        raise TypeError(f"colors must be a dict of label -> colour or None, got {colors!r:.60}")
    if not isinstance(legend, bool):
        raise TypeError(f"legend must be True or False, got {legend!r}")
    for i, (label, values) in enumerate(curves.items()):
        values = np.atleast_2d(np.asarray(values, dtype=float))
        r = np.arange(values.shape[1])
        color = (colors or {}).get(label, f"C{i % 8}")
        ax.plot(r, values.mean(axis=0), color=color, linewidth=2, label=f"{label} (n={values.shape[0]})")
        ax.fill_between(r, values.min(axis=0), values.max(axis=0), color=color, alpha=0.2)
    if chance is not None:
        ax.axhline(chance, color="0.5", linestyle=":", label="chance")
    ax.set_xlabel("round")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(loc="lower right", fontsize="small")


def plot_arrivals(ax, history) -> None:
    """Raster of which blocks each vehicle delivered in each round (a FederatedHistory).

    Grey: nothing arrived; orange: the base only (DQFL); blue: the whole model.
    """
    _require_axes("ax", ax)
    _require_view("history", history, ("arrived", "scheme", "block_names", "arrival_rate"))
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    arr = history.arrived
    two = arr.shape[2] > 1
    code = arr[:, :, 0].astype(int) + (arr[:, :, 1].astype(int) if two else arr[:, :, 0].astype(int))
    cmap = ListedColormap(["#eeeeee", "#E69F00", "#0072B2"])
    ax.imshow(code.T, aspect="auto", cmap=cmap, vmin=0, vmax=2, interpolation="nearest")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("round")
    ax.set_ylabel("vehicle")
    labels = ["nothing", "base only", "base + enhancement"] if two else ["lost", None, "whole model"]
    ax.legend(handles=[Patch(color=cmap(i), label=label) for i, label in enumerate(labels) if label],
              loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=3, fontsize="small", frameon=False)
    rates = history.arrival_rate()
    ax.set_title(f"{history.scheme.upper()}: what arrived ("
                 + ", ".join(f"{n} {100 * p:.0f}%" for n, p in zip(history.block_names, rates)) + ")")


def plot_vehicle_plates(fig, fleet, *, vehicles=(0, 1, 2, 3), per_vehicle: int = 6) -> None:
    """A row of each chosen vehicle's first plates, labelled with its camera conditions.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    fleet : qkit.fl.partition.FleetPlates
    vehicles : sequence of int
    per_vehicle : int
        Images shown per vehicle.
    """
    _require_figure("fig", fig)
    _require_view("fleet", fleet, ("images", "labels", "conditions", "classes"))
    from qkit._validate import require_integer

    if not isinstance(vehicles, (list, tuple)) or not vehicles:
        raise TypeError(f"vehicles must be a non-empty sequence of vehicle numbers, got {vehicles!r:.60}")
    vehicles = [require_integer("vehicles", v, 0, len(fleet.images) - 1) for v in vehicles]
    per_vehicle = require_integer("per_vehicle", per_vehicle, 1)
    axes = fig.subplots(len(vehicles), per_vehicle, squeeze=False)
    for row, v in zip(axes, vehicles):
        c = fleet.conditions[v]
        for j, ax in enumerate(row):
            ax.set_xticks([])
            ax.set_yticks([])
            if j < len(fleet.labels[v]):
                ax.imshow(fleet.images[v][j], cmap="gray", vmin=0, vmax=1)
                ax.set_title(f"'{fleet.classes[fleet.labels[v][j]]}'", fontsize="small")
        row[0].set_ylabel(f"vehicle {v}\nlight {c.light_level:.2f}\nblur {c.blur_sigma:.1f} px",
                          fontsize="small", rotation=0, ha="right", va="center")

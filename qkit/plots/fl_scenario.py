"""Figures of notebook 13 (capstone): the road map, the fleet, its uplink and the task reports.

The builders draw a :class:`qkit.widgets.fl_scenario.MapView` (or arrays computed by the cores)
and compute nothing of their own.
"""

from __future__ import annotations

import numpy as np

from qkit._validate import require_array, require_real
from qkit.plots import _require_axes, _require_figure, _require_series, _require_text, _require_view

_MAP_FIELDS = ("positions", "display_xy", "status", "mean_snr_db", "outcome", "task_xy", "task_kind",
               "server_xy", "n_streets", "block_m", "task_names", "ring_radii_m", "title")

__all__ = ["TASK_MARKERS", "STATUS_MARKERS", "UPLINK_COLORS", "draw_map", "draw_map_view",
           "plot_fleet_over_rounds", "plot_channel_states", "plot_camera_samples"]

#: One colour per task kind, in the order of :data:`qkit.fl.scenario.TASK_KINDS`.
TASK_MARKERS = ("#CC79A7", "#E69F00", "#56B4E9", "#D55E00")
#: Marker shape of each vehicle status (patrol, mobilising, on task).
STATUS_MARKERS = ("o", ">", "s")
#: Colour of a vehicle by what its uplink delivered this round.
UPLINK_COLORS = {"both": "#009E73", "base only": "#E69F00", "nothing": "#CC3311",
                 "not sent": "#FFFFFF"}


def _streets(ax, n_streets: int, block_m: float) -> None:
    extent = (n_streets - 1) * block_m
    for k in range(n_streets):
        ax.plot([0, extent], [k * block_m] * 2, color="0.85", linewidth=4, zorder=0,
                solid_capstyle="butt")
        ax.plot([k * block_m] * 2, [0, extent], color="0.85", linewidth=4, zorder=0,
                solid_capstyle="butt")
    pad = 0.08 * extent
    ax.set_xlim(-pad, extent + pad)
    ax.set_ylim(-pad, extent + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")


def draw_map(ax, view, *, legend: bool = True) -> None:
    """One round on the map: streets, server, coverage rings, tasks and vehicles.

    Vehicles are coloured by what their uplink delivered (``view.outcome``) when arrivals are
    known, else by their mean SNR; their shape says whether they patrol, mobilise or work on a
    task. Dashed lines join mobilising vehicles to their task.
    """
    _require_axes("ax", ax)
    _require_view("view", view, _MAP_FIELDS)
    if not isinstance(legend, bool):
        raise TypeError(f"legend must be True or False, got {legend!r}")
    _streets(ax, view.n_streets, view.block_m)
    sx, sy = view.server_xy
    for radius, label in zip(view.ring_radii_m, view.ring_labels):
        ax.add_patch(_circle((sx, sy), radius))
        ax.annotate(label, (sx + radius / np.sqrt(2), sy + radius / np.sqrt(2)), fontsize=7,
                    color="0.35")
    ax.plot(sx, sy, "^", color="k", markersize=11, zorder=5, label="road-side server")
    for (x, y), (tx, ty) in zip(view.mobilising_xy, view.mobilising_target):
        ax.plot([x, tx], [y, ty], "--", color="0.5", linewidth=0.8, zorder=1)
    for kind, name in enumerate(view.task_names):
        here = view.task_kind == kind
        ax.plot(view.task_xy[here, 0], view.task_xy[here, 1], "*", markersize=22,
                color=TASK_MARKERS[kind % len(TASK_MARKERS)], markeredgecolor="k",
                markeredgewidth=0.5, zorder=3, linestyle="none", label=f"task: {name}")
    for status, marker in enumerate(STATUS_MARKERS):
        sel = view.status == status
        if not sel.any():
            continue
        if view.outcome is not None:
            colors = [UPLINK_COLORS[o] for o in view.outcome[sel]]
            ax.scatter(view.display_xy[sel, 0], view.display_xy[sel, 1], c=colors, marker=marker,
                       s=42, edgecolors="k", linewidths=0.4, zorder=4)
        else:
            ax.scatter(view.display_xy[sel, 0], view.display_xy[sel, 1], c=view.mean_snr_db[sel],
                       cmap="viridis", vmin=-10, vmax=30, marker=marker, s=42,
                       edgecolors="k", linewidths=0.4, zorder=4)
    if legend:
        _legend(ax, view)
    ax.set_title(view.title)


def _circle(centre, radius):
    from matplotlib.patches import Circle

    return Circle(centre, radius, fill=False, linestyle=":", color="0.45", linewidth=1.0)


def _legend(ax, view) -> None:
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()
    for status, marker in enumerate(STATUS_MARKERS):
        handles.append(Line2D([], [], marker=marker, linestyle="none", color="0.6",
                              markeredgecolor="k"))
        labels.append(("patrol", "mobilising", "on task")[status])
    if view.outcome is not None:
        for name, color in UPLINK_COLORS.items():
            handles.append(Line2D([], [], marker="o", linestyle="none", color=color,
                                  markeredgecolor="k", markeredgewidth=0.4))  # as the vehicles: white shows
            labels.append(f"uplink: {name}")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")


def draw_map_view(fig, view) -> None:
    """The scenario explorer's figure: the map of one round (a ``MapView``)."""
    _require_figure("fig", fig)
    _require_view("view", view, _MAP_FIELDS)
    ax = fig.add_subplot()
    draw_map(ax, view)
    if view.outcome is None:
        sm = ax.collections[-1] if ax.collections else None
        if sm is not None:
            fig.colorbar(sm, ax=ax, label="mean uplink SNR (dB)", shrink=0.5,
                         location="bottom")


def plot_fleet_over_rounds(ax, rounds: np.ndarray, series: dict[str, np.ndarray]) -> None:
    """Counts per round (vehicles sensing, on task, messages delivered, ...), one line each."""
    _require_axes("ax", ax)
    rounds = require_array("rounds", rounds, ndim=1, dtype=int, low=0, min_size=1)
    series = _require_series("series", series, length=len(rounds))
    for label, values in series.items():
        ax.plot(rounds, values, marker=".", label=label)
    ax.set_xlabel("round")
    ax.set_ylabel("vehicles, or expected messages delivered")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")


def plot_channel_states(ax, mean_snr_db: np.ndarray, *, vmin: float = -5.0,
                        vmax: float = 30.0):
    """Heat map of every vehicle's mean uplink SNR (dB), rounds across, vehicles down.

    Returns the image, for a colour bar.
    """
    _require_axes("ax", ax)
    mean_snr_db = require_array("mean_snr_db", mean_snr_db, ndim=2, min_size=1, unit="dB")
    vmin = require_real("vmin", vmin, unit="dB")
    vmax = require_real("vmax", vmax, vmin, low_inclusive=False, unit="dB")
    image = ax.imshow(np.asarray(mean_snr_db).T, aspect="auto", cmap="viridis", vmin=vmin,
                      vmax=vmax, interpolation="nearest")
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("round")
    ax.set_ylabel("vehicle")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(False)
    return image


def plot_camera_samples(fig, samples: dict[str, tuple[np.ndarray, np.ndarray]],
                        classes: str) -> None:
    """One row of plate images per camera condition: ``name -> (images, labels)``."""
    _require_figure("fig", fig)
    _require_text("classes", classes)
    if not isinstance(samples, dict) or not samples:
        raise TypeError(f"samples must be a non-empty dict of name -> (images, labels), got {samples!r:.60}")
    for name, pair in samples.items():
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ValueError(f"samples[{name!r}] must be a pair (images, labels), got {type(pair).__name__}")
        imgs = require_array(f"samples[{name!r}] images", pair[0], ndim=3, low=0.0, high=1.0)
        labels = require_array(f"samples[{name!r}] labels", pair[1], shape=(len(imgs),), dtype=int, low=0)
        if labels.size and labels.max() >= len(classes):
            raise ValueError(f"classes must name every label: samples[{name!r}] has label {labels.max()}, "
                             f"classes {classes!r} has {len(classes)} characters")
    per_row = max(len(images) for images, _ in samples.values())
    axes = fig.subplots(len(samples), per_row, squeeze=False)
    for row, (name, (images, labels)) in zip(axes, samples.items()):
        for j, ax in enumerate(row):
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            if j < len(images):
                ax.imshow(images[j], cmap="gray", vmin=0, vmax=1)
                ax.set_title(f"'{classes[labels[j]]}'", fontsize="small")
        row[0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize="small")

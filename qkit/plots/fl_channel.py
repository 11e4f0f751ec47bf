"""Figures of notebook 11 (the wireless uplink).

Each builder draws numbers computed by :mod:`qkit.fl.channel` (or a view built from it) and
computes nothing of its own.
"""

from __future__ import annotations

import numpy as np

from qkit._validate import require_array, require_integer, require_real
from qkit.plots import _require_axes, _require_figure, _require_series, _require_view
from qkit.plots._layout import find_artist, relabel_legend

__all__ = [
    "MESSAGE_STYLES",
    "draw_uplink",
    "redraw_uplink",
    "plot_mean_snr",
    "plot_fading",
    "plot_decoding",
    "plot_reception_check",
    "plot_split_sweep",
]

#: Colour and label of each message, shared by every figure of the chapter.
MESSAGE_STYLES = {
    "qfl": dict(color="C0", label="QFL: whole model, full power"),
    "base": dict(color="C1", label="DQFL base (first layers)"),
    "enhancement": dict(color="C2", label="DQFL enhancement (deeper layers)"),
}


def plot_mean_snr(ax, distances_m: np.ndarray, mean_snr_db: dict[str, np.ndarray]) -> None:
    """Mean SNR (dB) against distance (m), one curve per labelled channel."""
    _require_axes("ax", ax)
    distances_m = require_array("distances_m", distances_m, ndim=1, low=1e-300, min_size=1, unit="m")
    mean_snr_db = _require_series("mean_snr_db", mean_snr_db, length=len(distances_m))
    for label, snr in mean_snr_db.items():
        ax.plot(distances_m, snr, label=label)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("distance to the road-side server, d (m)")
    ax.set_ylabel("mean SNR ρ(d) (dB)")
    ax.legend(loc="lower left")


def plot_fading(ax, gains: np.ndarray, bins: int = 60) -> None:
    """Histogram of sampled Rayleigh power gains against the Exp(1) density."""
    _require_axes("ax", ax)
    gains = require_array("gains", gains, ndim=1, low=0.0, min_size=2)
    bins = require_integer("bins", bins, 1)
    top = float(np.quantile(gains, 0.999))
    ax.hist(gains, bins=np.linspace(0.0, top, bins + 1), density=True, color="C0", alpha=0.6,
            label=f"{gains.size:,} sampled fades")
    g = np.linspace(0.0, top, 400)
    ax.plot(g, np.exp(-g), color="C3", label="Exp(1) density e$^{-g}$")
    ax.set_yscale("log")
    ax.set_xlabel("fading power gain g = |h|² (dimensionless)")
    ax.set_ylabel("probability density")
    ax.legend(loc="upper right")


def plot_decoding(ax, gains: np.ndarray, curves: dict[str, np.ndarray],
                  thresholds: dict[str, float]) -> None:
    """SINR of each message against the fade ``g`` with its decoding threshold.

    ``curves`` maps ``"qfl"``, ``"base"``, ``"enhancement"`` to SINR arrays (linear) over
    ``gains``; ``thresholds`` holds the linear thresholds under the same keys.
    """
    _require_axes("ax", ax)
    gains = require_array("gains", gains, ndim=1, low=1e-300, min_size=1)
    curves = _require_series("curves", curves, length=len(gains), low=0.0, keys=tuple(MESSAGE_STYLES))
    if not isinstance(thresholds, dict):
        raise TypeError(f"thresholds must be a dict of message -> linear threshold, got {thresholds!r:.60}")
    for key in curves:
        if key not in thresholds:
            raise ValueError(f"thresholds must give a threshold for {key!r}, got keys {list(thresholds)}")
        require_real(f"thresholds[{key!r}]", thresholds[key], 0.0, low_inclusive=False)
    for key, sinr in curves.items():
        style = MESSAGE_STYLES[key]
        ax.plot(gains, 10 * np.log10(np.maximum(sinr, 1e-30)), color=style["color"],
                label=style["label"])
        ax.axhline(10 * np.log10(thresholds[key]), color=style["color"], linestyle=":",
                   linewidth=1.2)
    ax.set_xscale("log")
    ax.set_xlabel("fading power gain g (dimensionless)")
    ax.set_ylabel("SINR at the decoder (dB)")
    ax.set_ylim(-20, 30)
    ax.legend(loc="upper left", fontsize="small")


def plot_reception_check(ax, distances_m: np.ndarray, exact: dict[str, np.ndarray],
                         sampled: dict[str, np.ndarray], n_trials: int) -> None:
    """Closed-form probabilities (lines) and Monte Carlo fractions (markers, +-2 s.e.)."""
    _require_axes("ax", ax)
    distances_m = require_array("distances_m", distances_m, ndim=1, low=0.0, min_size=1, unit="m")
    exact = _require_series("exact", exact, length=len(distances_m), low=0.0, high=1.0, keys=tuple(MESSAGE_STYLES))
    sampled = _require_series("sampled", sampled, length=len(distances_m), low=0.0, high=1.0)
    missing = [k for k in exact if k not in sampled]
    if missing:
        raise ValueError(f"sampled must hold the same messages as exact; missing {missing}")
    n_trials = require_integer("n_trials", n_trials, 1)
    for key, p in exact.items():
        style = MESSAGE_STYLES[key]
        ax.plot(distances_m, p, color=style["color"], label=style["label"] + " (closed form)")
        q = sampled[key]
        se = np.sqrt(np.maximum(q * (1.0 - q), 0.0) / n_trials)
        ax.errorbar(distances_m, q, yerr=2 * se, fmt="o", color=style["color"],
                    markerfacecolor="none", markersize=5, capsize=2)
    ax.plot([], [], "o", color="0.3", markerfacecolor="none",
            label=f"Monte Carlo, {n_trials:,} fades per point (±2 s.e.)")
    ax.set_xlabel("distance to the road-side server, d (m)")
    ax.set_ylabel("probability that the message arrives")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(loc="lower left", fontsize="small")


def plot_split_sweep(ax, splits: np.ndarray, base: np.ndarray, enhancement: np.ndarray,
                     qfl: float, *, min_feasible: float, balanced: float,
                     chosen: float | None = None) -> None:
    """SC reception probabilities against the power split ``lambda`` at one distance."""
    _require_axes("ax", ax)
    splits = require_array("splits", splits, ndim=1, low=0.0, high=1.0, min_size=1)
    base = require_array("base", base, shape=splits.shape, low=0.0, high=1.0)
    enhancement = require_array("enhancement", enhancement, shape=splits.shape, low=0.0, high=1.0)
    qfl = require_real("qfl", qfl, 0.0, 1.0)
    min_feasible = require_real("min_feasible", min_feasible, 0.0, 1.0)
    balanced = require_real("balanced", balanced, 0.0, 1.0)
    if chosen is not None:
        chosen = require_real("chosen", chosen, 0.0, 1.0)
    ax.axvspan(0.0, min_feasible, color="0.85", label="base never decodable", gid="split.infeasible")
    ax.plot(splits, base, **MESSAGE_STYLES["base"], gid="split.base")
    ax.plot(splits, enhancement, **MESSAGE_STYLES["enhancement"], gid="split.enhancement")
    ax.axhline(qfl, **MESSAGE_STYLES["qfl"], linestyle="--", gid="split.qfl")
    ax.axvline(balanced, color="0.3", linestyle=":", label=f"balanced split λ* = {balanced:.2f}", gid="split.balanced")
    if chosen is not None:
        ax.axvline(chosen, color="k", linewidth=1.0, gid="split.chosen")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("power split λ (share of power on the base)")
    ax.set_ylabel("probability that the message arrives")


def draw_uplink(fig, view) -> None:
    """The uplink explorer's figure (a :class:`qkit.widgets.fl_channel.UplinkView`)."""
    _require_figure("fig", fig)
    _require_view("view", view, ("distance_m", "transmit_power_dbm", "power_split", "distances", "splits",
                                 "qfl_vs_distance", "base_vs_split", "min_feasible_split", "balanced_split"))
    left, right = fig.subplots(1, 2)
    for key in ("qfl", "base", "enhancement"):
        left.plot(view.distances, getattr(view, f"{key}_vs_distance"), **MESSAGE_STYLES[key], gid=f"uplink.{key}")
    left.axvline(view.distance_m, color="k", linewidth=1.0, gid="uplink.distance")
    left.set_xlabel("distance to the server, d (m)")
    left.set_ylabel("probability that it arrives")
    left.set_ylim(-0.02, 1.02)
    left.legend(loc="upper right", fontsize="x-small")
    plot_split_sweep(right, view.splits, view.base_vs_split, view.enhancement_vs_split, view.qfl,
                     min_feasible=view.min_feasible_split, balanced=view.balanced_split,
                     chosen=view.power_split)
    right.legend(loc="upper left", fontsize="x-small")
    _uplink_titles(left, right, view)


_UPLINK_FIELDS = ("distance_m", "transmit_power_dbm", "power_split", "distances", "splits", "qfl_vs_distance",
                  "base_vs_split", "min_feasible_split", "balanced_split")


def _uplink_titles(left, right, view) -> None:
    """The two titles of :func:`draw_uplink`."""
    left.set_title(f"{view.transmit_power_dbm:.0f} dBm, λ = {view.power_split:.2f}")
    right.set_title(f"at {view.distance_m:.0f} m: base {view.base:.2f}, "
                    f"enh. {view.enhancement:.2f}, QFL {view.qfl:.2f}")


def redraw_uplink(fig, view) -> bool:
    """Update, in place, a figure drawn by :func:`draw_uplink`; False if it cannot.

    It cannot when the distances or the splits differ from those drawn (the x-axes would rescale).
    """
    _require_figure("fig", fig)
    _require_view("view", view, _UPLINK_FIELDS)
    qfl, base = find_artist(fig, "uplink.qfl"), find_artist(fig, "split.base")
    if (qfl is None or base is None or not np.array_equal(qfl.get_xdata(), view.distances)
            or not np.array_equal(base.get_xdata(), view.splits)):
        return False
    for key in ("qfl", "base", "enhancement"):
        find_artist(fig, f"uplink.{key}").set_ydata(getattr(view, f"{key}_vs_distance"))
    find_artist(fig, "uplink.distance").set_xdata([view.distance_m, view.distance_m])
    base.set_ydata(view.base_vs_split)
    find_artist(fig, "split.enhancement").set_ydata(view.enhancement_vs_split)
    find_artist(fig, "split.qfl").set_ydata([view.qfl, view.qfl])
    find_artist(fig, "split.infeasible").set_width(view.min_feasible_split)
    balanced = find_artist(fig, "split.balanced")
    balanced.set_xdata([view.balanced_split, view.balanced_split])
    balanced.set_label(f"balanced split λ* = {view.balanced_split:.2f}")
    find_artist(fig, "split.chosen").set_xdata([view.power_split, view.power_split])
    left, right = qfl.axes, base.axes
    relabel_legend(right)
    left.relim()
    left.autoscale_view()
    _uplink_titles(left, right, view)
    return True

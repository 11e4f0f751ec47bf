"""Widgets of notebook 13 (capstone): the public-safety map, round by round."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_array, require_instance, require_integer, require_real
from qkit.fl.channel import DEFAULT_POWER_SPLIT, Channel
from qkit.fl.scenario import MOBILISING, ScenarioTrace
from qkit.plots.fl_scenario import draw_map_view
from qkit.widgets._explorer import Explorer

__all__ = ["MapView", "map_view", "spread_colocated", "uplink_outcome", "scenario_explorer"]


@dataclass(frozen=True)
class MapView:
    """One round of the scenario as the map shows it.

    Attributes
    ----------
    round_index : int
    positions : (N, 2) -- vehicle positions (m)
    display_xy : (N, 2) -- positions spread on a small circle where vehicles share a spot (m)
    status : (N,) -- PATROL, MOBILISING or ON_TASK
    mean_snr_db : (N,) -- each vehicle's mean uplink SNR (dB)
    base_probability, enhancement_probability : (N,) -- exact DQFL reception probabilities
    outcome : (N,) array of str or None -- "both", "base only", "nothing" or "not sent", when
        arrivals are known
    task_xy, task_kind : active task reports (m; index into ``task_names``)
    mobilising_xy, mobilising_target : (M, 2) -- mobilising vehicles and their task (m)
    server_xy, n_streets, block_m, task_names : the map
    ring_radii_m, ring_labels : distances at which the QFL message arrives with 90/50/10 %
    title : str -- what the round shows, in words
    """

    round_index: int
    positions: np.ndarray
    display_xy: np.ndarray
    status: np.ndarray
    mean_snr_db: np.ndarray
    base_probability: np.ndarray
    enhancement_probability: np.ndarray
    outcome: np.ndarray | None
    task_xy: np.ndarray
    task_kind: np.ndarray
    mobilising_xy: np.ndarray
    mobilising_target: np.ndarray
    server_xy: np.ndarray
    n_streets: int
    block_m: float
    task_names: tuple[str, ...]
    ring_radii_m: tuple[float, ...]
    ring_labels: tuple[str, ...]
    title: str


def spread_colocated(xy: np.ndarray, radius_m: float) -> np.ndarray:
    """Spread vehicles sharing a position on a circle of ``radius_m`` around it (display only)."""
    xy = require_array("xy", xy, ndim=2, unit="m")
    if xy.shape[1] != 2:
        raise ValueError(f"xy must have shape (N, 2) (positions in m), got {xy.shape}")
    radius_m = require_real("radius_m", radius_m, 0.0, unit="m")
    out = xy.copy()
    _, group, counts = np.unique(np.round(xy, 6), axis=0, return_inverse=True, return_counts=True)
    group = group.ravel()
    for g in np.flatnonzero(counts > 1):
        members = np.flatnonzero(group == g)
        angle = 2 * np.pi * np.arange(members.size) / members.size + np.pi / 4
        out[members] += radius_m * np.column_stack([np.cos(angle), np.sin(angle)])
    return out


def uplink_outcome(arrived: np.ndarray, sent: np.ndarray | None = None) -> np.ndarray:
    """Words for a round's arrivals: ``(N,)`` or ``(N, 1)`` (QFL) or ``(N, 2)`` (DQFL) booleans.

    Returns "both" (the whole model), "base only" or "nothing" per vehicle, and "not sent"
    where ``sent`` (``(N,)`` booleans, optional) says the vehicle did not upload.
    """
    a = require_array("arrived", arrived, dtype=bool)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] not in (1, 2):
        raise ValueError(f"arrived must have shape (N,), (N, 1) or (N, 2), got {a.shape}")
    words = np.where(a.all(axis=1), "both", np.where(a[:, 0], "base only", "nothing"))
    if sent is not None:
        sent = require_array("sent", sent, dtype=bool, shape=(a.shape[0],))
        words = np.where(sent, words, "not sent")
    return words


def map_view(trace: ScenarioTrace, round_index: int, channel: Channel | None = None,
             power_split: float = DEFAULT_POWER_SPLIT, arrived: np.ndarray | None = None,
             sent: np.ndarray | None = None,
             ring_probabilities: tuple[float, ...] = (0.9, 0.5, 0.1)) -> MapView:
    """Everything the map of round ``round_index`` shows (exact channel numbers, no sampling).

    Parameters
    ----------
    trace : ScenarioTrace
        From :func:`qkit.fl.scenario.simulate`.
    round_index : int
        ``0 <= round_index < trace.n_rounds``.
    channel : Channel, optional
        The uplink (default ``Channel()``).
    power_split : float
        DQFL's ``lambda``.
    arrived : array, optional
        ``(R, N, B)`` arrivals of a federated run (``FederatedHistory.arrived``), or ``(N, B)``
        for this round; colours the vehicles by what got through.
    sent : array, optional
        ``(R, N)`` or ``(N,)`` booleans: which vehicles uploaded (e.g. those with plates).
    ring_probabilities : tuple of float
        QFL reception probabilities whose distances are drawn as rings around the server.
    """
    require_instance("trace", trace, ScenarioTrace, "qkit.fl.scenario.ScenarioTrace (from simulate)")
    r = require_integer("round_index", round_index, low=0, high=trace.n_rounds - 1)
    if channel is not None:
        require_instance("channel", channel, Channel, "qkit.fl.channel.Channel or None")
    channel = channel or Channel()
    if not isinstance(ring_probabilities, (tuple, list)):
        raise TypeError(f"ring_probabilities must be a tuple of probabilities, got {ring_probabilities!r}")
    for q in ring_probabilities:
        require_real("ring_probabilities", q, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    d = trace.distances[r]
    p = channel.reception_probability(d, "dqfl", power_split)
    outcome = None
    if sent is not None and arrived is None:
        require_array("sent", sent, dtype=bool, ndim=(1, 2))
    if arrived is not None:
        a = require_array("arrived", arrived, dtype=bool, ndim=(2, 3))
        want = (trace.n_rounds, d.size) if a.ndim == 3 else (d.size,)
        if a.shape[:-1] != want:
            raise ValueError(f"arrived has {a.shape[-2]} vehicles over {a.shape[0] if a.ndim == 3 else 1} "
                             f"round(s), the trace has {d.size} over {trace.n_rounds}: its shape must be "
                             f"{want + ('B',)}, got {a.shape}")
        s = None if sent is None else require_array("sent", sent, dtype=bool, ndim=(1, 2))
        outcome = uplink_outcome(a[r] if a.ndim == 3 else a,
                                 None if s is None else (s[r] if s.ndim == 2 else s))
        if outcome.shape != d.shape:
            raise ValueError(f"arrived has {outcome.size} vehicles, the trace has {d.size}")
    active = trace.active_tasks(r)
    mob = np.flatnonzero(trace.status[r] == MOBILISING)
    sc = trace.scenario
    title = (f"round {r}: {int(trace.sensing[r].sum())} of {d.size} vehicles sensing, "
             f"{active.size} task(s) active")
    if outcome is not None:
        got = int(np.sum((outcome == "both") | (outcome == "base only")))
        title += f"; {got} of {int(np.sum(outcome != 'not sent'))} uplinks got through"
    return MapView(
        round_index=r, positions=trace.positions[r],
        display_xy=spread_colocated(trace.positions[r], 0.15 * sc.road_map.block_m),
        status=trace.status[r],
        mean_snr_db=channel.mean_snr_db(d), base_probability=p.base,
        enhancement_probability=p.enhancement, outcome=outcome, task_xy=trace.task_xy[active],
        task_kind=trace.task_kind[active], mobilising_xy=trace.positions[r, mob],
        mobilising_target=trace.task_xy[trace.task_of[r, mob]],
        server_xy=sc.road_map.server_xy, n_streets=sc.road_map.n_streets,
        block_m=sc.road_map.block_m, task_names=tuple(k.name for k in sc.task_kinds),
        ring_radii_m=tuple(channel.range_m(q) for q in ring_probabilities),
        ring_labels=tuple(f"QFL {q:.0%}" for q in ring_probabilities), title=title)


def scenario_explorer(trace: ScenarioTrace, channel: Channel | None = None,
                      power_split: float = DEFAULT_POWER_SPLIT,
                      arrived: np.ndarray | None = None,
                      sent: np.ndarray | None = None) -> Explorer:
    """A round slider over the map of a simulated scenario (and a federated run's arrivals)."""
    map_view(trace, 0, channel, power_split, arrived, sent)  # refuses bad arguments, naming them
    slider = widgets.IntSlider(value=0, min=0, max=trace.n_rounds - 1, step=1,
                               description="round", style={"description_width": "initial"})
    return Explorer({"round_index": slider}, compute=map_view, draw=draw_map_view,
                    fixed={"trace": trace, "channel": channel or Channel(),
                           "power_split": power_split, "arrived": arrived, "sent": sent},
                    figsize=(9.5, 6.0), describe=lambda v: v.title)

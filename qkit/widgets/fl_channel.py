"""Widgets of notebook 11 (the wireless uplink): distance, power and power split on sliders."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_instance, require_real
from qkit.fl.channel import Channel, reception_probability_from_snr
from qkit.plots.fl_channel import draw_uplink, redraw_uplink
from qkit.widgets._explorer import Explorer

__all__ = ["UplinkView", "uplink_view", "uplink_explorer"]


@dataclass(frozen=True)
class UplinkView:
    """Everything the uplink figure shows (probabilities are exact closed forms).

    Attributes
    ----------
    distance_m, transmit_power_dbm, power_split : float
        The slider values.
    mean_snr_db : float
        Mean SNR at that distance and power (dB).
    qfl, base, enhancement : float
        Probabilities that the QFL message, the SC base and the SC enhancement arrive there.
    distances, qfl_vs_distance, base_vs_distance, enhancement_vs_distance : arrays
        The same three probabilities along a range of distances (m), at the chosen split.
    splits, base_vs_split, enhancement_vs_split : arrays
        The SC probabilities at the chosen distance along a range of splits ``lambda``.
    min_feasible_split : float
        ``gamma_b / (1 + gamma_b)``: below it the base can never be decoded.
    balanced_split : float
        ``lambda* = 1 - gamma_e / gamma_q`` (:meth:`Channel.balanced_power_split`).
    """

    distance_m: float
    transmit_power_dbm: float
    power_split: float
    mean_snr_db: float
    qfl: float
    base: float
    enhancement: float
    distances: np.ndarray
    qfl_vs_distance: np.ndarray
    base_vs_distance: np.ndarray
    enhancement_vs_distance: np.ndarray
    splits: np.ndarray
    base_vs_split: np.ndarray
    enhancement_vs_split: np.ndarray
    min_feasible_split: float
    balanced_split: float


def uplink_view(distance_m: float, transmit_power_dbm: float, power_split: float,
                channel: Channel | None = None, max_distance_m: float = 1200.0) -> UplinkView:
    """Reception probabilities of QFL and of the SC base/enhancement for one setting.

    Parameters
    ----------
    distance_m : float
        Vehicle-to-server distance (m, 0 to ``max_distance_m``).
    transmit_power_dbm : float
        Vehicle transmit power (dBm); replaces the channel's.
    power_split : float
        ``lambda`` in (0, 1), the base's share of the power.
    channel : Channel, optional
        The other channel parameters (default: ``Channel()``).
    max_distance_m : float
        End of the distance axis (m).
    """
    max_distance_m = require_real("max_distance_m", max_distance_m, 1.0, 1e5, unit="m")
    distance_m = require_real("distance_m", distance_m, 0.0, max_distance_m, unit="m")
    transmit_power_dbm = require_real("transmit_power_dbm", transmit_power_dbm, -100.0, 100.0, unit="dBm")
    require_real("power_split", power_split, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    if channel is not None:
        require_instance("channel", channel, Channel, "qkit.fl.channel.Channel or None")
    ch = dataclasses.replace(channel or Channel(), transmit_power_dbm=transmit_power_dbm)
    here = ch.reception_probability(distance_m, "dqfl", power_split)
    distances = np.linspace(0.0, max_distance_m, 241)
    along = ch.reception_probability(distances, "dqfl", power_split)
    splits = np.linspace(0.005, 0.995, 100)
    log_snr = np.log(ch.mean_snr(distance_m))  # one SNR and one set of thresholds for the sweep
    thresholds = ch.thresholds
    per_split = [reception_probability_from_snr(log_snr, "dqfl", lam, thresholds, log=True)
                 for lam in splits]
    gamma_b = thresholds["base"]
    return UplinkView(
        distance_m=distance_m, transmit_power_dbm=float(transmit_power_dbm),
        power_split=float(power_split), mean_snr_db=float(ch.mean_snr_db(distance_m)),
        qfl=float(ch.reception_probability(distance_m, "qfl").base),
        base=float(here.base), enhancement=float(here.enhancement), distances=distances,
        qfl_vs_distance=ch.reception_probability(distances, "qfl").base,
        base_vs_distance=along.base, enhancement_vs_distance=along.enhancement, splits=splits,
        base_vs_split=np.array([float(p.base) for p in per_split]),
        enhancement_vs_split=np.array([float(p.enhancement) for p in per_split]),
        min_feasible_split=gamma_b / (1.0 + gamma_b), balanced_split=ch.balanced_power_split())


def _describe(v: UplinkView) -> str:
    return (f"at {v.distance_m:.0f} m (mean SNR {v.mean_snr_db:.1f} dB): QFL arrives with "
            f"probability {v.qfl:.3f}; SC base {v.base:.3f}, enhancement {v.enhancement:.3f}")


def uplink_explorer(distance_m: float = 400.0, transmit_power_dbm: float = 23.0,
                    power_split: float = 0.8, channel: Channel | None = None) -> Explorer:
    """Sliders for distance, transmit power and power split over the uplink figure (notebook 11).

    The initial values must lie on the sliders: distance in [0, 1200] m, power in [0, 33] dBm,
    split in [0.02, 0.98].
    """
    distance_m = require_real("distance_m", distance_m, 0.0, 1200.0, unit="m")
    transmit_power_dbm = require_real("transmit_power_dbm", transmit_power_dbm, 0.0, 33.0, unit="dBm")
    power_split = require_real("power_split", power_split, 0.02, 0.98)
    if channel is not None:
        require_instance("channel", channel, Channel, "qkit.fl.channel.Channel or None")
    style = {"description_width": "initial"}
    controls = {
        "distance_m": widgets.FloatSlider(value=distance_m, min=0.0, max=1200.0, step=10.0,
                                          description="distance (m)", style=style),
        "transmit_power_dbm": widgets.FloatSlider(value=transmit_power_dbm, min=0.0, max=33.0,
                                                  step=1.0, description="power (dBm)",
                                                  style=style),
        "power_split": widgets.FloatSlider(value=power_split, min=0.02, max=0.98, step=0.01,
                                           description="power split λ", style=style),
    }
    return Explorer(controls, compute=uplink_view, draw=draw_uplink, redraw=redraw_uplink,
                    fixed={"channel": channel or Channel()}, figsize=(10, 3.8),
                    describe=_describe)

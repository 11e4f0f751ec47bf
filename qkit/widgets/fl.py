"""Widgets of notebooks 10 (federated learning) and 12 (QFL vs DQFL).

Each explorer wraps a pure ``*_view`` function defined here from the tested cores of
:mod:`qkit.fl`; the tests call the views directly and drive the explorers headlessly.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_array, require_instance, require_integer, require_real
from qkit.fl.aggregate import circular_mean, fedavg
from qkit.fl.channel import Channel, reception_probability_from_snr
from qkit.fl.partition import dirichlet_class_probabilities, label_skew
from qkit.plots.fl import (
    draw_angle_mean, draw_label_mix, draw_reception, redraw_angle_mean, redraw_label_mix, redraw_reception,
)
from qkit.widgets._explorer import Explorer

__all__ = [
    "LabelMixView",
    "label_mix_view",
    "label_mix_explorer",
    "AngleMeanView",
    "angle_mean_view",
    "angle_mean_explorer",
    "ReceptionView",
    "reception_view",
    "reception_explorer",
]

_STYLE = {"description_width": "initial"}


def _require_classes(classes) -> str:
    """Characters naming the classes: a string of distinct characters."""
    if not isinstance(classes, str):
        raise TypeError(f"classes must be a string of characters, got {classes!r}")
    if len(classes) < 1 or len(set(classes)) != len(classes):
        raise ValueError(f"classes must be at least one distinct character, got {classes!r}")
    return classes


def _layers(params_per_layer) -> np.ndarray:
    """Trainable values per layer: at least two layers (a base and an enhancement), each >= 1."""
    per_layer = require_array("params_per_layer", params_per_layer, ndim=1, dtype=int, low=1, high=10**6)
    if per_layer.size < 2:
        raise ValueError(f"params_per_layer must list at least 2 layers (a base and an enhancement), "
                         f"got {per_layer.size}")
    return per_layer


@dataclass(frozen=True, eq=False)
class LabelMixView:
    """What each vehicle captured under a Dirichlet label skew."""

    alpha: float
    classes: str
    counts: np.ndarray  # (K, C)
    skew: float


def label_mix_view(log10_alpha: float, n_vehicles: int = 8, seed: int = 0, classes: str = "0123",
                   samples_per_vehicle: int = 100) -> LabelMixView:
    """Class counts of each vehicle: ``q_k ~ Dir(alpha)``, counts ``~ Multinomial(n, q_k)``.

    Parameters
    ----------
    log10_alpha : float
        ``log10`` of the Dirichlet concentration, in [-3, 3]; 3 is shown as ``inf`` (IID).
    n_vehicles, seed, classes, samples_per_vehicle
        Fleet size, random seed, characters, images per vehicle.
    """
    log10_alpha = require_real("log10_alpha", log10_alpha, -3.0, 3.0)
    k = require_integer("n_vehicles", n_vehicles, 1, 200)
    n = require_integer("samples_per_vehicle", samples_per_vehicle, 1, 10**7)
    _require_classes(classes)
    alpha = np.inf if log10_alpha >= 3.0 else 10.0**log10_alpha
    rng = np.random.default_rng(require_integer("seed", seed, 0))
    q = dirichlet_class_probabilities(k, len(classes), alpha, rng)
    counts = np.array([rng.multinomial(n, p) for p in q])
    return LabelMixView(alpha, classes, counts, label_skew(counts))


def label_mix_explorer(log10_alpha: float = 0.0, n_vehicles: int = 8) -> Explorer:
    """Slide the Dirichlet alpha and watch the vehicles' label mixes (notebook 10)."""
    log10_alpha = require_real("log10_alpha", log10_alpha, -2.0, 3.0)
    n_vehicles = require_integer("n_vehicles", n_vehicles, 1, 200)
    return Explorer(
        {"log10_alpha": widgets.FloatSlider(value=log10_alpha, min=-2.0, max=3.0, step=0.25,
                                            description="log10(alpha) (3 = IID)", style=_STYLE),
         "seed": widgets.IntSlider(value=0, min=0, max=20, description="seed", style=_STYLE)},
        compute=label_mix_view, draw=draw_label_mix, redraw=redraw_label_mix, fixed={"n_vehicles": n_vehicles},
        figsize=(7.5, 3.8),
        describe=lambda v: f"mean total-variation distance to the pooled label mix: {v.skew:.3f}",
    )


@dataclass(frozen=True, eq=False)
class AngleMeanView:
    """Two clients' rotation angles and their two averages."""

    angles: np.ndarray
    weights: np.ndarray
    linear_mean: float
    circular_mean: float


def angle_mean_view(theta_1: float, theta_2: float, samples_1: int = 1, samples_2: int = 1) -> AngleMeanView:
    """FedAvg of two angles (radians) done linearly and on the circle (period 2 pi).

    Raises ValueError when the two phasors cancel (equal weights, opposite angles).
    """
    a = np.array([[require_real("theta_1", theta_1, -np.pi, np.pi, unit="rad")],
                  [require_real("theta_2", theta_2, -np.pi, np.pi, unit="rad")]])
    w = np.array([require_integer("samples_1", samples_1, 1, 10**9),
                  require_integer("samples_2", samples_2, 1, 10**9)], float)
    return AngleMeanView(a[:, 0], w, float(fedavg(a, w)[0]), float(circular_mean(a, w)[0]))


def angle_mean_explorer() -> Explorer:
    """Two angle sliders and the linear vs circular mean of them (notebook 10)."""
    def slider(value, name):
        return widgets.FloatSlider(value=value, min=-np.pi, max=np.pi, step=0.05, description=name, style=_STYLE)

    return Explorer(
        {"theta_1": slider(2.8, "client 1 angle (rad)"), "theta_2": slider(-2.8, "client 2 angle (rad)"),
         "samples_1": widgets.IntSlider(value=1, min=1, max=10, description="client 1 samples", style=_STYLE)},
        compute=angle_mean_view, draw=draw_angle_mean, redraw=redraw_angle_mean, figsize=(5.5, 4.6),
        describe=lambda v: f"linear mean {v.linear_mean:+.3f} rad, circular mean {v.circular_mean:+.3f} rad",
    )


@dataclass(frozen=True, eq=False)
class ReceptionView:
    """Exact reception probabilities of QFL and DQFL messages against distance."""

    distances: np.ndarray
    qfl: np.ndarray
    base: np.ndarray
    enhancement: np.ndarray
    power_split: float
    boundary: int
    base_bits: float
    enhancement_bits: float
    base_gain_db: float
    enhancement_loss_db: float

    @property
    def total_bits(self) -> float:
        """Bits of the whole model (the QFL message)."""
        return self.base_bits + self.enhancement_bits


def reception_view(power_split: float, boundary: int, params_per_layer=(24, 24, 24),
                   exit_params: int = 0, bits_per_parameter: int = 32, max_distance_m: float = 1000.0,
                   channel: Channel = Channel()) -> ReceptionView:
    """Reception probability of each message when the base is the first ``boundary`` layers.

    Parameters
    ----------
    power_split : float
        ``lambda`` in (0, 1), the base's share of the transmit power.
    boundary : int
        Layers in the base message, ``1 <= boundary < len(params_per_layer)``.
    params_per_layer : sequence of int
        Trainable values of each DQNN layer (plus ``exit_params`` per layer for its readout).
    bits_per_parameter : int
        Bits per value; message rates are ``bits / (W T)`` (:meth:`Channel.with_message_bits`).
    max_distance_m : float
        Largest distance shown (m).
    channel : Channel
        The link budget.

    Returns
    -------
    ReceptionView
        Under Rayleigh fading every message arrives with probability ``exp(-c / rho(d))``, so one
        message beats another at *every* distance or at none. ``base_gain_db`` is
        ``10 log10(c_qfl / c_base)``: how much less mean SNR the base needs than the whole model
        (``-inf`` if the base can never be decoded); ``enhancement_loss_db`` is
        ``10 log10(c_enh / c_qfl) >= 0``: how much more the enhancement needs.
    """
    per_layer = _layers(params_per_layer) + require_integer("exit_params", exit_params, 0, 10**6)
    require_real("power_split", power_split, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    require_instance("channel", channel, Channel, "qkit.fl.channel.Channel")
    b = require_integer("boundary", boundary, 1, len(per_layer) - 1)
    bits = require_integer("bits_per_parameter", bits_per_parameter, 1)
    base_bits, enh_bits = float(per_layer[:b].sum() * bits), float(per_layer[b:].sum() * bits)
    ch = channel.with_message_bits(base_bits, enh_bits)
    d = np.linspace(1.0, require_real("max_distance_m", max_distance_m, 10.0, 1e5, unit="m"), 400)
    q = ch.reception_probability(d, "qfl")
    p = ch.reception_probability(d, "dqfl", power_split)
    # at mean SNR rho = c_qfl the whole model arrives with probability 1/e and a message of cost
    # c arrives with exp(-c / c_qfl): its cost ratio is -ln P there.
    gamma_q = ch.thresholds["qfl"]
    at = reception_probability_from_snr(np.log(gamma_q), "dqfl", power_split, ch.thresholds, log=True)
    with np.errstate(divide="ignore"):
        gain = float(-10 * np.log10(-np.log(at.base))) if at.base > 0 else -np.inf
        loss = float(10 * np.log10(-np.log(at.enhancement))) if at.enhancement > 0 else np.inf
    return ReceptionView(d, q.base, p.base, p.enhancement, float(power_split), b, base_bits, enh_bits, gain, loss)


def reception_explorer(params_per_layer=(24, 24, 24), exit_params: int = 0) -> Explorer:
    """Sliders for lambda and the base/enhancement boundary over the reception curves (notebook 12)."""
    params_per_layer = tuple(int(v) for v in _layers(params_per_layer))
    exit_params = require_integer("exit_params", exit_params, 0, 10**6)
    return Explorer(
        {"power_split": widgets.FloatSlider(value=0.8, min=0.05, max=0.95, step=0.05,
                                            description="power split lambda", style=_STYLE),
         "boundary": widgets.IntSlider(value=1, min=1, max=len(params_per_layer) - 1,
                                       description="layers in the base", style=_STYLE)},
        compute=reception_view, draw=draw_reception, redraw=redraw_reception,
        fixed={"params_per_layer": tuple(params_per_layer), "exit_params": exit_params},
        figsize=(7.5, 4.0),
        describe=lambda v: (f"base {v.base_bits:.0f} bits, enhancement {v.enhancement_bits:.0f} bits; "
                            f"at 500 m: QFL {np.interp(500, v.distances, v.qfl):.2f}, "
                            f"base {np.interp(500, v.distances, v.base):.2f}, "
                            f"enhancement {np.interp(500, v.distances, v.enhancement):.2f}"),
    )

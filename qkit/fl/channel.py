"""The wireless uplink of vehicular federated learning (Sec. III and IV B 3-4 of the DQFL paper).

The paper describes the uplink in words only (superposition coding, successive decoding); the
model below and every default are the kit's choices, documented on :class:`Channel`.
Each vehicle sends its model parameters to the road-side server over a block-fading channel:

* **large-scale loss** -- log-distance path loss ``PL(d) = PL(d0) + 10 n log10(d / d0)`` dB, with
  ``PL(d0)`` the free-space loss at the reference distance ``d0``;
* **small-scale fading** -- Rayleigh: the power gain ``g = |h|^2`` is exponential with mean 1,
  constant during one uplink slot and independent from round to round (block fading);
* **mean SNR** ``rho(d) = P / (N0 W) * 10**(-PL(d) / 10)``, received SNR ``g * rho``.

A message sent at spectral efficiency ``R`` (bit/s/Hz) is decoded when its SINR clears
``gamma = 2**R - 1`` (Shannon capacity ``log2(1 + SINR) >= R``).

Schemes
-------
``"qfl"``
    the whole QNN is one message at full power and rate ``R_b + R_e``: it arrives or it is lost.
``"dqfl"``
    superposition coding (SC) of a *base* message (the first DQNN layers, rate ``R_b``) with power
    ``lambda * P`` and an *enhancement* message (the deeper layers, rate ``R_e``) with power
    ``(1 - lambda) * P``. Both occupy the same slot and bandwidth as the QFL message, so the two
    schemes deliver the same bits in the same time. The server decodes successively (SIC): the
    base first, treating the enhancement as interference,
    ``SINR_b = lambda g rho / ((1 - lambda) g rho + 1)``; then, only if the base was decoded and
    cancelled, the enhancement, ``SNR_e = (1 - lambda) g rho``.

Closed forms (Rayleigh, exact -- no truncation): with ``x = gamma / rho``,
``P(qfl) = exp(-gamma_q / rho)``,
``P(base) = exp(-gamma_b / (rho (lambda - gamma_b (1 - lambda))))`` if
``gamma_b < lambda / (1 - lambda)``, else 0 (the interference alone blocks the base at any SNR),
``P(enhancement) = exp(-max(x_base, gamma_e / ((1 - lambda) rho)))`` (it needs both decodings).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from qkit._validate import (require_allocation, require_array, require_choice, require_flag,
                            require_generator, require_instance, require_integer, require_real)
from qkit.fl._checks import (_MAX_RATE, SCHEMES, _check_split, _check_thresholds, _distances,
                             _gain_snr, _power_split, _rate)

__all__ = ["Channel", "DEFAULT_POWER_SPLIT", "SCHEMES", "Reception", "ReceptionProbability",
           "rate_threshold", "uplink_bits", "sample_fading", "sinr_base", "snr_enhancement",
           "decode", "reception_probability_from_snr", "monte_carlo_reception", "coherence_time_s"]

DEFAULT_POWER_SPLIT = 0.8
"""Default share ``lambda`` of the transmit power given to the base message."""

_SPEED_OF_LIGHT = 299_792_458.0  # m/s
_LN10_OVER_10 = np.log(10.0) / 10.0
_MAX_LOG = 709.0  # exp(709) ~ 8e307: the largest exponent that does not overflow a float64


class Reception(NamedTuple):
    """Which messages arrived (boolean arrays of the distances' shape).

    For ``"qfl"`` both fields are the same array: the whole model arrived or not.
    """

    base: np.ndarray
    enhancement: np.ndarray


class ReceptionProbability(NamedTuple):
    """Probabilities that the base / the enhancement arrive (float arrays).

    For ``"qfl"`` both fields equal the probability that the whole model arrives.
    """

    base: np.ndarray
    enhancement: np.ndarray


def rate_threshold(rate: float | np.ndarray) -> np.ndarray:
    """SINR threshold ``gamma = 2**R - 1`` for a target spectral efficiency ``R`` (bit/s/Hz).

    ``R`` is in (0, 1000] (a number or an array).
    """
    rate = _rate("rate", rate)
    if not (np.all(rate > 0) and np.all(rate <= _MAX_RATE)):
        raise ValueError(f"rate must satisfy 0 < rate <= {_MAX_RATE:g} (bit/s/Hz), got {rate!r:.60}")
    return np.expm1(rate * np.log(2.0))


def _threshold(rate: float) -> float:
    """:func:`rate_threshold` of one checked rate."""
    return float(np.expm1(rate * np.log(2.0)))


def uplink_bits(n_parameters: int, bits_per_parameter: int = 32) -> int:
    """Bits in an uplink message carrying ``n_parameters`` values of ``bits_per_parameter`` each.

    ``bits_per_parameter = 32`` is a float32; 16 or 8 model a quantised upload.
    """
    n = require_integer("n_parameters", n_parameters, low=0)
    b = require_integer("bits_per_parameter", bits_per_parameter, low=1)
    return n * b


@dataclass(frozen=True)
class Channel:
    """A vehicle-to-road-side-unit uplink (one vehicle per orthogonal sub-band).

    Parameters
    ----------
    transmit_power_dbm : float
        Vehicle transmit power ``P`` (dBm), in [-100, 60], or ``-inf`` for zero power (nothing
        ever arrives). Default 23 dBm (200 mW): the 3GPP power class 3 maximum of an LTE/NR user
        equipment, also used for C-V2X on-board units.
    noise_psd_dbm_per_hz : float
        Thermal noise spectral density ``N0`` (dBm/Hz). Default -174 dBm/Hz (kT at 290 K).
    noise_figure_db : float
        Receiver noise figure of the road-side unit (dB, >= 0). Default 5 dB, the base-station
        value of 3GPP TR 36.942.
    bandwidth_hz : float
        Bandwidth ``W`` of each vehicle's sub-band (Hz). Default 1 MHz: a 20 MHz carrier shared
        by 20 vehicles.
    carrier_frequency_hz : float
        Carrier frequency (Hz); sets the free-space loss at ``d0``. Default 5.9 GHz (the ITS band).
    path_loss_exponent : float
        ``n >= 2``. Default 3: between free space (2) and dense urban (3.5-4) vehicular links.
    reference_distance_m : float
        ``d0`` (m). Distances below ``d0`` (including 0) are treated as ``d0``: the far-field
        model does not apply closer in, and this keeps the SNR finite. Default 1 m.
    base_rate, enhancement_rate : float
        Target spectral efficiencies ``R_b``, ``R_e`` (bit/s/Hz) of the base and enhancement
        messages; QFL sends ``R_b + R_e`` in one message. Default 1 bit/s/Hz each (QPSK at code
        rate 1/2, a robust uplink scheme). :meth:`with_message_bits` sets them from message sizes.
    slot_s : float
        Uplink slot duration (s). Default 1 ms (an LTE subframe). A message of ``B`` bits needs
        rate ``B / (W * slot_s)``. At 10 m/s (36 km/h, the scenario's speed) and 5.9 GHz the
        Doppler shift is 197 Hz and the coherence time ``0.423 / f_d`` is 2.15 ms
        (:func:`coherence_time_s`), about twice the slot: the fade is taken as constant over a
        slot (block fading), an approximation that lasts up to about 21 m/s (76 km/h), where the
        coherence time falls to 1 ms. Rounds seconds apart see independent fades.

    With the defaults the noise power is -109 dBm, ``PL(1 m) = 47.9`` dB and the mean SNR is
    24 dB at 100 m, 3 dB at 500 m and -6 dB at 1 km.
    """

    transmit_power_dbm: float = 23.0
    noise_psd_dbm_per_hz: float = -174.0
    noise_figure_db: float = 5.0
    bandwidth_hz: float = 1.0e6
    carrier_frequency_hz: float = 5.9e9
    path_loss_exponent: float = 3.0
    reference_distance_m: float = 1.0
    base_rate: float = 1.0
    enhancement_rate: float = 1.0
    slot_s: float = 1.0e-3

    def __post_init__(self) -> None:
        power = self.transmit_power_dbm
        if not (isinstance(power, (float, np.floating)) and power == -np.inf):  # -inf: zero power
            require_real("transmit_power_dbm", power, -100.0, 60.0, unit="dBm; -inf for zero power")
        require_real("noise_psd_dbm_per_hz", self.noise_psd_dbm_per_hz, -250.0, 0.0, unit="dBm/Hz")
        require_real("noise_figure_db", self.noise_figure_db, 0.0, unit="dB")
        positive = dict(low=0.0, low_inclusive=False)
        require_real("bandwidth_hz", self.bandwidth_hz, **positive, unit="Hz")
        require_real("carrier_frequency_hz", self.carrier_frequency_hz, **positive, unit="Hz")
        require_real("path_loss_exponent", self.path_loss_exponent, 2.0, 8.0)
        require_real("reference_distance_m", self.reference_distance_m, **positive, unit="m")
        require_real("base_rate", self.base_rate, high=30.0, **positive, unit="bit/s/Hz")
        require_real("enhancement_rate", self.enhancement_rate, high=30.0, **positive, unit="bit/s/Hz")
        require_real("slot_s", self.slot_s, **positive, unit="s")

    # ---- link budget -------------------------------------------------------------------------
    @property
    def noise_power_dbm(self) -> float:
        """Noise power ``N0 W`` times the noise figure (dBm)."""
        return self.noise_psd_dbm_per_hz + 10.0 * np.log10(self.bandwidth_hz) + self.noise_figure_db

    @property
    def reference_loss_db(self) -> float:
        """Free-space loss at ``d0``: ``20 log10(4 pi d0 f / c)`` (dB)."""
        return 20.0 * np.log10(4.0 * np.pi * self.reference_distance_m
                               * self.carrier_frequency_hz / _SPEED_OF_LIGHT)

    def path_loss_db(self, distance_m: float | np.ndarray) -> np.ndarray:
        """Log-distance path loss ``PL(d) = PL(d0) + 10 n log10(max(d, d0) / d0)`` (dB).

        ``distance_m`` >= 0 (m); ``inf`` gives an infinite loss.
        """
        d = _distances(distance_m)
        d = np.maximum(d, self.reference_distance_m)
        return self.reference_loss_db + 10.0 * self.path_loss_exponent * np.log10(
            d / self.reference_distance_m)

    def mean_snr_db(self, distance_m: float | np.ndarray) -> np.ndarray:
        """Mean received SNR ``P - PL(d) - N`` (dB) at full power, averaged over the fading."""
        return self.transmit_power_dbm - self.path_loss_db(distance_m) - self.noise_power_dbm

    def mean_snr(self, distance_m: float | np.ndarray) -> np.ndarray:
        """Mean received SNR ``rho(d)`` (linear); underflows to 0 at astronomical distances and is
        exactly 0 at zero power or infinite distance."""
        log_snr = self.mean_snr_db(distance_m) * _LN10_OVER_10
        return np.where(np.isneginf(log_snr), 0.0, np.exp(np.maximum(log_snr, -745.0)))

    # ---- thresholds and message sizes ----------------------------------------------------------
    @property
    def thresholds(self) -> dict[str, float]:
        """SINR thresholds ``2**R - 1`` (linear) for ``"base"``, ``"enhancement"`` and ``"qfl"``."""
        return {
            "base": _threshold(self.base_rate),
            "enhancement": _threshold(self.enhancement_rate),
            "qfl": _threshold(self.base_rate + self.enhancement_rate),
        }

    def balanced_power_split(self) -> float:
        """The split ``lambda* = 1 - gamma_e / gamma_q`` at which SC matches QFL exactly.

        Since ``log2(1 + g rho) = log2(1 + SINR_b) + log2(1 + SNR_e)`` (the chain rule behind
        SIC), the enhancement never arrives more often than the QFL message, at any split. At
        ``lambda*`` base and enhancement both need the QFL fade ``gamma_q / rho`` and all three
        probabilities are equal. Above it the base beats QFL and the enhancement loses; below it
        both SC messages arrive together, and less often than QFL (a dominated choice).
        """
        th = self.thresholds
        return 1.0 - th["enhancement"] / th["qfl"]

    def message_bits(self) -> tuple[float, float]:
        """Bits ``R W slot_s`` carried per slot by the base and the enhancement message."""
        per_rate = self.bandwidth_hz * self.slot_s
        return self.base_rate * per_rate, self.enhancement_rate * per_rate

    def with_message_bits(self, base_bits: float, enhancement_bits: float) -> "Channel":
        """A copy whose rates carry ``base_bits`` and ``enhancement_bits`` in one slot.

        ``R = bits / (W * slot_s)``; e.g. ``uplink_bits(n_base_parameters)``. QFL then sends
        ``base_bits + enhancement_bits`` in the same slot.
        """
        per_rate = self.bandwidth_hz * self.slot_s
        b = require_real("base_bits", base_bits, 0.0, None, low_inclusive=False, unit="bits")
        e = require_real("enhancement_bits", enhancement_bits, 0.0, None, low_inclusive=False, unit="bits")
        return dataclasses.replace(self, base_rate=b / per_rate, enhancement_rate=e / per_rate)

    # ---- probabilities and sampling ----------------------------------------------------------
    def outage_probability(self, distance_m: float | np.ndarray,
                           rate: float | None = None) -> np.ndarray:
        """Probability that one full-power message at ``rate`` (default ``R_b + R_e``) is lost.

        ``P_out = 1 - exp(-gamma / rho(d))`` under Rayleigh fading.
        """
        rate = self.base_rate + self.enhancement_rate if rate is None else require_real("rate", rate)
        gamma = float(rate_threshold(rate))
        log_x = np.log(gamma) - self.mean_snr_db(distance_m) * _LN10_OVER_10
        return -np.expm1(-np.exp(np.minimum(log_x, _MAX_LOG)))

    def reception_probability(self, distance_m: float | np.ndarray, scheme: str = "dqfl",
                              power_split: float = DEFAULT_POWER_SPLIT) -> ReceptionProbability:
        """Exact probabilities that each message arrives, vectorised over distances.

        Parameters
        ----------
        distance_m : float or array
            Vehicle-to-server distances (m, >= 0, finite).
        scheme : {"qfl", "dqfl"}
            One full-power message, or the superposition-coded base + enhancement.
        power_split : float
            ``lambda`` in (0, 1): the base's share of the power (``"dqfl"`` only; ignored for
            ``"qfl"``).

        Returns
        -------
        ReceptionProbability
            ``(base, enhancement)`` arrays of the distances' shape; see the module docstring for
            the closed forms. For ``"qfl"`` both are ``exp(-gamma_q / rho)``.
        """
        lam = _check_split(scheme, power_split)
        log_snr = self.mean_snr_db(distance_m) * _LN10_OVER_10
        return _probability_from_log_snr(log_snr, scheme, lam, self.thresholds)

    def range_m(self, probability: float, scheme: str = "qfl", message: str = "base",
                power_split: float = DEFAULT_POWER_SPLIT) -> float:
        """Distance (m) at which a message arrives with the given probability.

        Inverts ``P = exp(-x / rho(d))``: ``rho = x / (-ln P)``, then the path loss. Returns 0
        when even the reference distance does not reach ``probability`` (or the message can
        never be decoded), and at least ``d0`` otherwise (the SNR is flat inside ``d0``).

        Parameters
        ----------
        probability : float
            In (0, 1).
        scheme : {"qfl", "dqfl"}
        message : {"base", "enhancement"}
            Which DQFL message (ignored for ``"qfl"``).
        power_split : float
            ``lambda`` (``"dqfl"`` only).
        """
        p = require_real("probability", probability, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        require_choice("message", message, ("base", "enhancement"))
        _check_split(scheme, power_split)
        at_d0 = self.reception_probability(self.reference_distance_m, scheme, power_split)
        if float(getattr(at_d0, message)) <= p:
            return 0.0
        # the fade numerator x: P = exp(-x / rho), read from the closed form at rho = 1
        x = -np.log(float(getattr(reception_probability_from_snr(
            1.0, scheme, power_split, self.thresholds), message)))
        snr_db = 10.0 * np.log10(x / -np.log(p))
        excess_db = (self.transmit_power_dbm - self.noise_power_dbm - self.reference_loss_db
                     - snr_db)
        decades = excess_db / (10.0 * self.path_loss_exponent)
        return float(self.reference_distance_m * 10.0 ** decades)

    def reception(self, distance_m: float | np.ndarray, rng: np.random.Generator,
                  scheme: str = "dqfl",
                  power_split: float = DEFAULT_POWER_SPLIT) -> Reception:
        """Draw one Rayleigh fade per vehicle and decode: which messages arrived this round.

        Parameters
        ----------
        distance_m : float or array
            Distances of the fleet's vehicles to the server this round (m).
        rng : numpy.random.Generator
            Source of the fades (one exponential draw per distance).
        scheme, power_split
            As in :meth:`reception_probability`.

        Returns
        -------
        Reception
            Boolean arrays ``(base, enhancement)``; the enhancement never arrives without the
            base (SIC). For ``"qfl"`` both are the same array.
        """
        lam = _check_split(scheme, power_split)
        require_generator("rng", rng)
        snr = self.mean_snr(distance_m)
        return _decode(rng.exponential(1.0, size=snr.shape), snr, scheme, lam, self.thresholds)


def coherence_time_s(speed_m_s: float, carrier_frequency_hz: float = 5.9e9) -> float:
    """Channel coherence time ``T_c = 0.423 / f_d`` (s), with Doppler shift ``f_d = v f_c / c``.

    The rule of Rappaport, *Wireless Communications: Principles and Practice*, 2nd ed. (2002),
    Sec. 5.4.3, Eq. (5.40.c): the geometric mean of ``9 / (16 pi f_d)`` (the lag at which the
    envelope correlation of Clarke's model falls to 0.5) and ``1 / f_d``. Other textbooks use
    other constants (Tse and Viswanath's order-of-magnitude ``1 / (4 D_s)`` with Doppler spread
    ``D_s = 2 f_d`` gives 0.30 of this value): block fading over a slot is an approximation whose
    margin is this factor of a few.

    Parameters
    ----------
    speed_m_s : float
        Vehicle speed ``v`` (m/s, > 0).
    carrier_frequency_hz : float
        ``f_c`` (Hz, > 0). Default 5.9 GHz (the ITS band, :class:`Channel`'s default).

    Returns
    -------
    float
        ``T_c`` in seconds; ``inf`` when it exceeds the float range (a practically static link).
    """
    v = require_real("speed_m_s", speed_m_s, 0.0, None, low_inclusive=False, unit="m/s")
    f = require_real("carrier_frequency_hz", carrier_frequency_hz, 0.0, None, low_inclusive=False, unit="Hz")
    with np.errstate(over="ignore"):
        return float(np.float64(0.423 * _SPEED_OF_LIGHT) / f / v)


def sample_fading(shape: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Rayleigh power gains ``|h|^2 ~ Exp(1)`` (dimensionless, mean 1) of the given shape.

    ``shape`` is a non-negative int or a tuple of them; the array must fit the memory budget.
    """
    dims = (shape,) if not isinstance(shape, (tuple, list)) else tuple(shape)
    dims = tuple(require_integer(f"shape[{i}]", d, 0) for i, d in enumerate(dims))
    require_allocation(f"fading gains of shape={dims}", 8.0 * float(np.prod(dims, dtype=float)))
    require_generator("rng", rng)
    return rng.exponential(1.0, size=dims)


def sinr_base(gain: np.ndarray, mean_snr: np.ndarray, power_split: float) -> np.ndarray:
    """SINR of the base message with the enhancement as interference.

    ``SINR_b = lambda g rho / ((1 - lambda) g rho + 1)``; it never exceeds
    ``lambda / (1 - lambda)``, however strong the signal.

    Parameters
    ----------
    gain : array
        Fading power gains ``g >= 0``.
    mean_snr : array
        Mean SNRs ``rho >= 0`` (linear), broadcastable against ``gain``.
    power_split : float
        ``lambda`` in (0, 1).
    """
    g, rho = _gain_snr(gain, mean_snr)
    return _sinr_base(g, rho, _power_split(power_split))


def _sinr_base(gain: np.ndarray, mean_snr: np.ndarray, lam: float) -> np.ndarray:
    received = gain * mean_snr
    return lam * received / ((1.0 - lam) * received + 1.0)


def snr_enhancement(gain: np.ndarray, mean_snr: np.ndarray, power_split: float) -> np.ndarray:
    """SNR of the enhancement once the base has been cancelled: ``(1 - lambda) g rho``.

    Arguments as in :func:`sinr_base`.
    """
    g, rho = _gain_snr(gain, mean_snr)
    return (1.0 - _power_split(power_split)) * g * rho


def decode(gains: np.ndarray, mean_snr: np.ndarray, scheme: str, power_split: float,
           thresholds: dict[str, float]) -> Reception:
    """Decide which messages are decoded for given fades (the successive decoder).

    Parameters
    ----------
    gains : array
        Fading power gains ``g`` (dimensionless).
    mean_snr : array
        Mean SNRs ``rho`` (linear), broadcastable against ``gains``.
    scheme : {"qfl", "dqfl"}
    power_split : float
        ``lambda`` in (0, 1) (``"dqfl"`` only).
    thresholds : dict
        ``Channel.thresholds``: linear SINR thresholds for "base", "enhancement", "qfl".

    Returns
    -------
    Reception
        ``"qfl"``: ``g rho >= gamma_q``. ``"dqfl"``: base iff ``SINR_b >= gamma_b``; enhancement
        iff the base was decoded and ``SNR_e >= gamma_e``.
    """
    lam = _check_split(scheme, power_split)
    g, rho = _gain_snr(gains, mean_snr, "gains")
    return _decode(g, rho, scheme, lam, _check_thresholds(thresholds))


def _decode(g: np.ndarray, rho: np.ndarray, scheme: str, lam: float, thresholds: dict) -> Reception:
    """:func:`decode` without the checks."""
    if scheme == "qfl":
        ok = g * rho >= thresholds["qfl"]
        return Reception(ok, ok)
    base = _sinr_base(g, rho, lam) >= thresholds["base"]
    enhancement = base & ((1.0 - lam) * g * rho >= thresholds["enhancement"])
    return Reception(base, enhancement)


def _exp_neg_ratio(log_numerator: float, log_snr: np.ndarray) -> np.ndarray:
    """``exp(-exp(log_numerator - log_snr))`` without overflow: ``exp(-num / rho)``."""
    return np.exp(-np.exp(np.minimum(log_numerator - log_snr, _MAX_LOG)))


def reception_probability_from_snr(mean_snr: np.ndarray, scheme: str, power_split: float,
                                   thresholds: dict[str, float], *,
                                   log: bool = False) -> ReceptionProbability:
    """Closed-form reception probabilities under Rayleigh fading, for given mean SNRs.

    Parameters
    ----------
    mean_snr : array
        Mean SNR ``rho`` (linear, >= 0), or ``ln rho`` when ``log=True`` (safe for tiny SNRs).
    scheme, power_split, thresholds
        As in :func:`decode`.

    Returns
    -------
    ReceptionProbability
        ``P(qfl) = exp(-gamma_q / rho)``;
        ``P(base) = exp(-gamma_b / (rho (lambda - gamma_b (1 - lambda))))`` when
        ``gamma_b < lambda / (1 - lambda)``, else 0;
        ``P(enh) = exp(-max(gamma_b / (rho (lambda - gamma_b (1 - lambda))),
        gamma_e / ((1 - lambda) rho)))``, 0 when the base is infeasible.
    """
    lam = _check_split(scheme, power_split)
    thresholds = _check_thresholds(thresholds)
    if require_flag("log", log):
        log_snr = require_array("mean_snr", mean_snr, finite=False)
        if np.any(np.isnan(log_snr)):
            raise ValueError("mean_snr must not be NaN (ln rho; -inf means zero SNR)")
    else:
        rho = require_array("mean_snr", mean_snr, low=0.0, finite=False)
        if np.any(np.isnan(rho)):
            raise ValueError("mean_snr must not be NaN (linear SNR >= 0, inf allowed)")
        with np.errstate(divide="ignore"):
            log_snr = np.log(rho)  # log(0) = -inf gives probability 0 below
    return _probability_from_log_snr(log_snr, scheme, lam, thresholds)


def _probability_from_log_snr(log_snr, scheme: str, lam: float, thresholds: dict) -> ReceptionProbability:
    """:func:`reception_probability_from_snr` of checked ``ln rho`` (the closed forms)."""
    if scheme == "qfl":
        p = _exp_neg_ratio(np.log(thresholds["qfl"]), log_snr)
        return ReceptionProbability(p, p)
    gamma_b, gamma_e = thresholds["base"], thresholds["enhancement"]
    margin = lam - gamma_b * (1.0 - lam)  # > 0 iff gamma_b < lambda / (1 - lambda)
    if margin <= 0.0:
        zero = np.zeros(np.shape(log_snr))
        return ReceptionProbability(zero, zero.copy())
    log_num_base = np.log(gamma_b) - np.log(margin)
    log_num_enh = max(log_num_base, np.log(gamma_e) - np.log1p(-lam))
    return ReceptionProbability(_exp_neg_ratio(log_num_base, log_snr),
                                _exp_neg_ratio(log_num_enh, log_snr))


def monte_carlo_reception(channel: Channel, distance_m: float | np.ndarray, n_trials: int,
                          rng: np.random.Generator, scheme: str = "dqfl",
                          power_split: float = DEFAULT_POWER_SPLIT) -> ReceptionProbability:
    """Fraction of ``n_trials`` independent fades in which each message arrived, per distance.

    Draws ``n_trials`` fades per distance and decodes them with :func:`decode` (the SINRs, not
    the closed form), so it checks :meth:`Channel.reception_probability`. The binomial standard
    error of each fraction is ``sqrt(p (1 - p) / n_trials)``.
    """
    require_instance("channel", channel, Channel, "qkit.fl.channel.Channel")
    n = require_integer("n_trials", n_trials, low=1)
    lam = _check_split(scheme, power_split)
    require_generator("rng", rng)
    snr = channel.mean_snr(distance_m)
    require_allocation(f"n_trials={n} fades at {snr.size} distance(s)", 8.0 * 4 * n * max(snr.size, 1),
                       hint="Use fewer trials (the standard error falls as 1/sqrt(n_trials)).")
    got = _decode(rng.exponential(1.0, size=(n,) + snr.shape), snr, scheme, lam, channel.thresholds)
    return ReceptionProbability(got.base.mean(axis=0), got.enhancement.mean(axis=0))

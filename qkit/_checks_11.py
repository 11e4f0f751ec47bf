"""Right and typical wrong answers behind the checks of ``exercises/11_wireless_uplink.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer it
checks. The right answers call the tested functions of :mod:`qkit.fl.channel` (the link budget,
the closed-form reception probabilities, the successive decoder); each wrong answer is one
misconception a check names (with :class:`qkit.exercises.Mistake`) when a learner's function
returns what it returns. Rates are in bit/s/Hz, SNRs linear unless a name ends in ``_db``.
"""

from __future__ import annotations

import numpy as np

from qkit.fl.channel import Channel, decode, reception_probability_from_snr

__all__ = [
    "mean_snr_db", "mean_snr_db_unclamped", "mean_snr_db_bandwidth_in_mhz", "mean_snr_db_amplitude_loss",
    "mean_snr_db_linear",
    "qfl_probability", "qfl_probability_rate_as_threshold", "qfl_probability_outage",
    "qfl_probability_without_minus_one",
    "base_probability", "base_probability_without_zero", "base_probability_no_interference",
    "base_probability_rate_as_threshold",
    "successive_decoding", "decoding_ignoring_base", "decoding_rate_as_threshold", "decoding_without_cancellation",
    "balanced_split", "balanced_split_snr_sum", "balanced_split_enhancement_share", "balanced_split_rates",
    "monte_carlo_layers", "monte_carlo_ignoring_base", "monte_carlo_db_as_linear", "monte_carlo_amplitude_gain",
    "exact_layers", "exact_layers_independent", "exact_layers_ignoring_base", "exact_layers_db_as_linear",
]


def _thresholds(base_rate: float, enhancement_rate: float) -> dict[str, float]:
    return Channel(base_rate=base_rate, enhancement_rate=enhancement_rate).thresholds


def _quiet_exp(x):
    with np.errstate(all="ignore"):
        return np.exp(x)


# -- Exercise 11.1 ------------------------------------------------------------------------------

def mean_snr_db(distance_m, transmit_power_dbm, n):
    """The link budget: ``P - PL(max(d, d0)) - (N0 + 10 log10 W + F)`` in dB (qkit's :class:`Channel`)."""
    return Channel(transmit_power_dbm=transmit_power_dbm, path_loss_exponent=n).mean_snr_db(distance_m)


def mean_snr_db_unclamped(distance_m, transmit_power_dbm, n):
    """Wrong: distances below d0 = 1 m not raised to d0 (the log-distance law then gains power near 0)."""
    ch = Channel(transmit_power_dbm=transmit_power_dbm, path_loss_exponent=n)
    with np.errstate(all="ignore"):
        loss = ch.reference_loss_db + 10 * n * np.log10(np.asarray(distance_m, dtype=float))
    return transmit_power_dbm - loss - ch.noise_power_dbm


def mean_snr_db_bandwidth_in_mhz(distance_m, transmit_power_dbm, n):
    """Wrong: the bandwidth put in the noise as 10 log10(1) for 1 MHz instead of 10 log10(1e6 Hz)."""
    return mean_snr_db(distance_m, transmit_power_dbm, n) + 60.0


def mean_snr_db_amplitude_loss(distance_m, transmit_power_dbm, n):
    """Wrong: the distance term written 20 n log10(d/d0), as for amplitudes; power decays as 10 n log10."""
    d = np.maximum(np.asarray(distance_m, dtype=float), 1.0)
    return mean_snr_db(distance_m, transmit_power_dbm, n) - 10 * n * np.log10(d)


def mean_snr_db_linear(distance_m, transmit_power_dbm, n):
    """Wrong: the answer converted to a linear SNR, 10^(dB/10), where dB were asked for."""
    return 10.0 ** (mean_snr_db(distance_m, transmit_power_dbm, n) / 10.0)


# -- Exercise 11.2 ------------------------------------------------------------------------------

def qfl_probability(mean_snr, rate):
    """``exp(-(2^R - 1) / rho)``: a Rayleigh fade clears the capacity threshold."""
    return reception_probability_from_snr(mean_snr, "qfl", 0.5, _thresholds(rate / 2, rate / 2)).base


def qfl_probability_rate_as_threshold(mean_snr, rate):
    """Wrong: the rate R used as the SNR threshold (no 2^R - 1)."""
    return _quiet_exp(-rate / np.asarray(mean_snr, dtype=float))


def qfl_probability_outage(mean_snr, rate):
    """Wrong: the outage probability 1 - exp(-gamma / rho), the message lost."""
    return 1.0 - qfl_probability(mean_snr, rate)


def qfl_probability_without_minus_one(mean_snr, rate):
    """Wrong: the threshold 2^R, without the -1 of log2(1 + SNR) >= R."""
    return _quiet_exp(-(2.0 ** rate) / np.asarray(mean_snr, dtype=float))


# -- Exercise 11.3 ------------------------------------------------------------------------------

def base_probability(mean_snr, power_split, base_rate):
    """``P(SINR_b >= gamma_b)`` under Rayleigh fading; exactly 0 when gamma_b >= lambda / (1 - lambda)."""
    return reception_probability_from_snr(mean_snr, "dqfl", power_split, _thresholds(base_rate, 1.0)).base


def base_probability_without_zero(mean_snr, power_split, base_rate):
    """Wrong: ``exp(-gamma_b / (rho m))`` even when the margin m = lambda - gamma_b (1 - lambda) is <= 0."""
    margin = power_split - (2.0 ** base_rate - 1.0) * (1.0 - power_split)
    with np.errstate(all="ignore"):
        return np.exp(-(2.0 ** base_rate - 1.0) / (np.asarray(mean_snr, dtype=float) * margin))


def base_probability_no_interference(mean_snr, power_split, base_rate):
    """Wrong: the enhancement's power forgotten as interference: ``exp(-gamma_b / (lambda rho))``."""
    return _quiet_exp(-(2.0 ** base_rate - 1.0) / (power_split * np.asarray(mean_snr, dtype=float)))


def base_probability_rate_as_threshold(mean_snr, power_split, base_rate):
    """Wrong: the base rate R_b used as the SINR threshold (no 2^R - 1)."""
    th = {"base": float(base_rate), "enhancement": 1.0, "qfl": 3.0}
    return reception_probability_from_snr(mean_snr, "dqfl", power_split, th).base


# -- Exercise 11.4 ------------------------------------------------------------------------------

def successive_decoding(gains, mean_snr, power_split, base_rate, enhancement_rate):
    """``(base, enhancement)`` decoded: base iff SINR_b >= gamma_b; enhancement iff base and SNR_e >= gamma_e."""
    got = decode(gains, mean_snr, "dqfl", power_split, _thresholds(base_rate, enhancement_rate))
    return got.base, got.enhancement


def decoding_ignoring_base(gains, mean_snr, power_split, base_rate, enhancement_rate):
    """Wrong: the enhancement decoded whenever (1 - lambda) g rho >= gamma_e, whether the base arrived or not."""
    base, _ = successive_decoding(gains, mean_snr, power_split, base_rate, enhancement_rate)
    snr_e = (1 - power_split) * np.asarray(gains, dtype=float) * mean_snr
    return base, snr_e >= 2.0 ** enhancement_rate - 1


def decoding_rate_as_threshold(gains, mean_snr, power_split, base_rate, enhancement_rate):
    """Wrong: the rates used as SINR thresholds (no 2^R - 1)."""
    th = {"base": float(base_rate), "enhancement": float(enhancement_rate), "qfl": 1.0}
    got = decode(gains, mean_snr, "dqfl", power_split, th)
    return got.base, got.enhancement


def decoding_without_cancellation(gains, mean_snr, power_split, base_rate, enhancement_rate):
    """Wrong: the enhancement decoded with the base still there as interference (no SIC)."""
    base, _ = successive_decoding(gains, mean_snr, power_split, base_rate, enhancement_rate)
    received = np.asarray(gains, dtype=float) * mean_snr
    sinr_e = (1 - power_split) * received / (power_split * received + 1)
    return base, base & (sinr_e >= 2.0 ** enhancement_rate - 1)


# -- Exercise 11.5 ------------------------------------------------------------------------------

def balanced_split(base_rate, enhancement_rate):
    """``lambda* = 1 - gamma_e / gamma_q`` (qkit's :meth:`Channel.balanced_power_split`)."""
    return Channel(base_rate=base_rate, enhancement_rate=enhancement_rate).balanced_power_split()


def balanced_split_snr_sum(base_rate, enhancement_rate):
    """Wrong: gamma_q taken as gamma_b + gamma_e; the rates add, the SNR thresholds do not."""
    gamma_b, gamma_e = 2.0 ** base_rate - 1, 2.0 ** enhancement_rate - 1
    return 1 - gamma_e / (gamma_b + gamma_e)


def balanced_split_enhancement_share(base_rate, enhancement_rate):
    """Wrong: gamma_e / gamma_q, the enhancement's share of the power rather than the base's."""
    return 1 - balanced_split(base_rate, enhancement_rate)


def balanced_split_rates(base_rate, enhancement_rate):
    """Wrong: the split of the rates, R_b / (R_b + R_e), in place of the SNR thresholds."""
    return base_rate / (base_rate + enhancement_rate)


# -- Exercise 11.6 ------------------------------------------------------------------------------

def _simulated(gains, mean_snr_db, power_split, base_rate, enhancement_rate, decoder=successive_decoding,
               linear=True):
    rho = 10.0 ** (np.asarray(mean_snr_db, dtype=float) / 10.0) if linear else np.asarray(mean_snr_db, float)
    base, enh = decoder(gains, rho, power_split, base_rate, enhancement_rate)
    return base.mean(axis=0), enh.mean(axis=0)


def _fades(mean_snr_db, n_trials, rng):
    return rng.exponential(1.0, size=(int(n_trials),) + np.shape(mean_snr_db))


def monte_carlo_layers(mean_snr_db, power_split, base_rate, enhancement_rate, n_trials, rng):
    """Fractions of ``n_trials`` Rayleigh fades (per mean SNR) in which the base / the enhancement is decoded."""
    return _simulated(_fades(mean_snr_db, n_trials, rng), mean_snr_db, power_split, base_rate, enhancement_rate)


def monte_carlo_ignoring_base(mean_snr_db, power_split, base_rate, enhancement_rate, n_trials, rng):
    """Wrong: the simulation with a decoder that ignores whether the base arrived."""
    return _simulated(_fades(mean_snr_db, n_trials, rng), mean_snr_db, power_split, base_rate, enhancement_rate,
                      decoding_ignoring_base)


def monte_carlo_db_as_linear(mean_snr_db, power_split, base_rate, enhancement_rate, n_trials, rng):
    """Wrong: the mean SNR in dB used as a linear SNR."""
    return _simulated(_fades(mean_snr_db, n_trials, rng), mean_snr_db, power_split, base_rate, enhancement_rate,
                      linear=False)


def monte_carlo_amplitude_gain(mean_snr_db, power_split, base_rate, enhancement_rate, n_trials, rng):
    """Wrong: the Rayleigh amplitude |h| (mean square 1) used as the power gain instead of |h|^2 ~ Exp(1)."""
    amplitude = rng.rayleigh(np.sqrt(0.5), size=(int(n_trials),) + np.shape(mean_snr_db))
    return _simulated(amplitude, mean_snr_db, power_split, base_rate, enhancement_rate)


# -- Exercise 11.7 ------------------------------------------------------------------------------

def exact_layers(mean_snr_db, power_split, base_rate, enhancement_rate):
    """``(P(base), P(enhancement))`` in closed form; the enhancement needs both decodings (the larger threshold)."""
    rho = 10.0 ** (np.asarray(mean_snr_db, dtype=float) / 10.0)
    p = reception_probability_from_snr(rho, "dqfl", power_split, _thresholds(base_rate, enhancement_rate))
    return p.base, p.enhancement


def exact_layers_independent(mean_snr_db, power_split, base_rate, enhancement_rate):
    """Wrong: P(base) times P(SNR_e >= gamma_e), as if the two conditions were independent (one fade decides both)."""
    base, _ = exact_layers(mean_snr_db, power_split, base_rate, enhancement_rate)
    rho = 10.0 ** (np.asarray(mean_snr_db, dtype=float) / 10.0)
    alone = np.exp(-(2.0 ** enhancement_rate - 1) / ((1 - power_split) * rho))
    return base, base * alone


def exact_layers_ignoring_base(mean_snr_db, power_split, base_rate, enhancement_rate):
    """Wrong: P(enhancement) = exp(-gamma_e / ((1 - lambda) rho)), whether the base arrived or not."""
    base, _ = exact_layers(mean_snr_db, power_split, base_rate, enhancement_rate)
    rho = 10.0 ** (np.asarray(mean_snr_db, dtype=float) / 10.0)
    return base, np.exp(-(2.0 ** enhancement_rate - 1) / ((1 - power_split) * rho))


def exact_layers_db_as_linear(mean_snr_db, power_split, base_rate, enhancement_rate):
    """Wrong: the mean SNR in dB used as a linear SNR."""
    rho = np.asarray(mean_snr_db, dtype=float)
    p = reception_probability_from_snr(rho, "dqfl", power_split, _thresholds(base_rate, enhancement_rate))
    return p.base, p.enhancement

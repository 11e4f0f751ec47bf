"""Right and typical wrong answers behind the checks of ``exercises/11_wireless_uplink.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer it
checks. The right answers call the tested functions of :mod:`qkit.fl.channel` (the link budget,
the closed-form reception probabilities, the successive decoder); each wrong answer is one
misconception a check names (with :class:`qkit.exercises.Mistake`) when a learner's function
returns what it returns. Rates are in bit/s/Hz, SNRs linear unless a name ends in ``_db``.
"""

from __future__ import annotations

import numpy as np

from qkit._answers import as_numbers
from qkit.exercises import CheckFailed, Mistake, strict_mode
from qkit.fl.channel import Channel, decode, reception_probability_from_snr

__all__ = [
    "mean_snr_db", "mean_snr_db_unclamped", "mean_snr_db_bandwidth_in_mhz", "mean_snr_db_amplitude_loss",
    "mean_snr_db_linear",
    "qfl_probability", "qfl_probability_rate_as_threshold", "qfl_probability_outage",
    "qfl_probability_without_minus_one",
    "base_probability", "base_probability_without_zero", "base_probability_no_interference",
    "base_probability_rate_as_threshold",
    "successive_decoding", "decoding_ignoring_base", "decoding_rate_as_threshold", "decoding_without_cancellation",
    "balanced_split", "balanced_split_snr_sum", "balanced_split_snr_sum_unsimplified",
    "balanced_split_enhancement_share", "balanced_split_rates",
    "monte_carlo_exact", "same_seed_same_fractions",
    "monte_carlo_layers", "monte_carlo_ignoring_base", "monte_carlo_db_as_linear", "monte_carlo_amplitude_gain",
    "exact_layers", "exact_layers_independent", "exact_layers_ignoring_base", "exact_layers_db_as_linear",
    "shared_band", "shared_band_noise_fixed", "shared_band_rate_fixed", "shared_band_most_likely",
    "shared_band_zero_based", "shared_band_rate_as_threshold",
    "MISTAKES", "demo_failed",
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


def balanced_split_snr_sum_unsimplified(base_rate, enhancement_rate):
    """Wrong: the two thresholds equated unsimplified, ``gamma_b (1 + g) / (g (1 + gamma_b))``, with
    ``g = gamma_b + gamma_e`` in place of gamma_q."""
    gamma_b, gamma_e = 2.0 ** base_rate - 1, 2.0 ** enhancement_rate - 1
    g = gamma_b + gamma_e
    return gamma_b * (1 + g) / (g * (1 + gamma_b))


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


def monte_carlo_exact(mean_snr_db, power_split, base_rate, enhancement_rate, n_trials, rng):
    """What 11.6's fractions estimate: the exact ``(P(base), P(enhancement))`` (``n_trials`` and ``rng`` unused)."""
    return exact_layers(mean_snr_db, power_split, base_rate, enhancement_rate)


def same_seed_same_fractions(label: str, simulate) -> bool:
    """Whether ``simulate`` gives the same fractions twice from two Generators with the same seed.

    A simulation that draws from ``np.random``'s global generator (or any source but ``rng``) does
    not. False, with a message (CheckFailed in strict mode), only when both calls returned numbers
    that differ; anything else (not finished, an error, odd answers) is left to the check itself.
    """
    def run():
        return simulate(np.array([0.0, 5.0, 13.0]), 0.7, 0.5, 1.0, 2_000, np.random.default_rng(2024))
    try:
        first, second = run(), run()
        (a, _), (b, _) = as_numbers(first), as_numbers(second)
    except Exception:
        return True
    if a is None or b is None or np.shape(a) != np.shape(b) or np.array_equal(a, b, equal_nan=True):
        return True
    message = (f"✗ Exercise {label}: two runs with Generators of the same seed gave different fractions: "
               "every random number must come from rng (np.random.* uses a global generator of its own).")
    if strict_mode():
        raise CheckFailed(message)
    print(message)
    return False


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


# -- Exercise 11.8 ------------------------------------------------------------------------------

def _shared(mean_snr_full_band, message_bits, band_hz, slot_s, k_max, snr_scales=True, rate_scales=True,
            threshold=lambda rate: 2.0 ** rate - 1.0):
    k = np.arange(1, int(k_max) + 1, dtype=float)
    rate = float(message_bits) * (k if rate_scales else 1.0) / (float(band_hz) * float(slot_s))
    rho = float(mean_snr_full_band) * (k if snr_scales else 1.0)
    return _quiet_exp(-threshold(rate) / rho), k


def shared_band(mean_snr_full_band, message_bits, band_hz, slot_s, k_max):
    """``(P, K*)``: P(arrive) for K = 1..k_max vehicles sharing ``band_hz`` (W = B/K, mean SNR K rho_B,
    R = b K / (B T)) and the K that maximises the expected arrivals K P (the first, on a tie)."""
    p, k = _shared(mean_snr_full_band, message_bits, band_hz, slot_s, k_max)
    return p, int(k[np.argmax(k * p)])


def shared_band_noise_fixed(mean_snr_full_band, message_bits, band_hz, slot_s, k_max):
    """Wrong: the mean SNR kept at rho_B for every K, as if a narrower slice collected the same noise."""
    p, k = _shared(mean_snr_full_band, message_bits, band_hz, slot_s, k_max, snr_scales=False)
    return p, int(k[np.argmax(k * p)])


def shared_band_rate_fixed(mean_snr_full_band, message_bits, band_hz, slot_s, k_max):
    """Wrong: the rate kept at b / (B T), as if every vehicle still had the whole band for its message."""
    p, k = _shared(mean_snr_full_band, message_bits, band_hz, slot_s, k_max, rate_scales=False)
    return p, int(k[np.argmax(k * p)])


def shared_band_most_likely(mean_snr_full_band, message_bits, band_hz, slot_s, k_max):
    """Wrong: the K that maximises P(arrive) itself (K = 1, since P falls) instead of K P."""
    p, k = _shared(mean_snr_full_band, message_bits, band_hz, slot_s, k_max)
    return p, int(k[np.argmax(p)])


def shared_band_zero_based(mean_snr_full_band, message_bits, band_hz, slot_s, k_max):
    """Wrong: the array index of the best K (0-based) returned instead of K itself."""
    p, k = _shared(mean_snr_full_band, message_bits, band_hz, slot_s, k_max)
    return p, int(np.argmax(k * p))


def shared_band_rate_as_threshold(mean_snr_full_band, message_bits, band_hz, slot_s, k_max):
    """Wrong: the rate R used as the SNR threshold (no 2^R - 1)."""
    p, k = _shared(mean_snr_full_band, message_bits, band_hz, slot_s, k_max, threshold=lambda rate: rate)
    return p, int(k[np.argmax(k * p)])


# -- the hints of the checks --------------------------------------------------------------------

MISTAKES = {
    "11.1": [
        Mistake("closer than d0 = 1 m the log-distance law does not hold: use max(d, d0)", mean_snr_db_unclamped),
        Mistake("the noise power is N0 + 10 log10(W) with W in hertz (1 MHz = 1e6 Hz, +60 dB), not in MHz",
                mean_snr_db_bandwidth_in_mhz),
        Mistake("a power falls 10 n log10(d/d0) dB; 20 log10 is for amplitudes", mean_snr_db_amplitude_loss),
        Mistake("the answer stays in dB: you converted it to a linear SNR", mean_snr_db_linear)],
    "11.2": [
        Mistake("R is a rate, not an SNR: log2(1 + SNR) >= R needs SNR >= 2^R - 1", qfl_probability_rate_as_threshold),
        Mistake("that is the outage probability 1 - e^(-gamma/rho); asked for: the probability that it arrives",
                qfl_probability_outage),
        Mistake("log2(1 + SNR) >= R gives SNR >= 2^R - 1: the -1 is missing", qfl_probability_without_minus_one)],
    "11.3": [
        Mistake("the enhancement is interference while the base is decoded: SINR_b = lam g rho / ((1-lam) g rho + 1)",
                base_probability_no_interference),
        Mistake("R_b is a rate, not an SINR: the threshold is gamma_b = 2^R_b - 1", base_probability_rate_as_threshold),
        Mistake("when gamma_b >= lam / (1 - lam) no fade decodes the base: the probability is exactly 0",
                base_probability_without_zero)],
    "11.4": [
        Mistake("the enhancement can only be decoded after the base was decoded and cancelled "
                "(below lambda* this matters)", decoding_ignoring_base),
        Mistake("rates are not SINRs: a message of rate R needs SINR >= 2^R - 1", decoding_rate_as_threshold),
        Mistake("once the base is decoded it is subtracted: the enhancement sees no interference from it",
                decoding_without_cancellation)],
    "11.5": [
        Mistake("the rates add, the SNR thresholds do not: gamma_q = 2^(R_b + R_e) - 1, not gamma_b + gamma_e",
                balanced_split_snr_sum),
        Mistake("the rates add, the SNR thresholds do not: gamma_q = 2^(R_b + R_e) - 1, not gamma_b + gamma_e",
                balanced_split_snr_sum_unsimplified),
        Mistake("lambda is the base's share of the power; you returned the enhancement's, 1 - lambda*",
                balanced_split_enhancement_share),
        Mistake("the split depends on the SNR thresholds 2^R - 1, not on the rates' ratio R_b / (R_b + R_e)",
                balanced_split_rates)],
    "11.6": [
        Mistake("the enhancement is decoded only after the base: below lambda* it cannot arrive more often "
                "than the base", monte_carlo_ignoring_base),
        Mistake("the mean SNR comes in dB: convert it, rho = 10^(dB/10), before multiplying by the fade",
                monte_carlo_db_as_linear),
        Mistake("the power gain is |h|^2 ~ Exp(1); you used the Rayleigh amplitude |h| itself",
                monte_carlo_amplitude_gain)],
    "11.7": [
        Mistake("the enhancement needs the base too: below lambda* the base's threshold is the larger one",
                exact_layers_ignoring_base),
        Mistake("one fade g decides both layers, so they are not independent: which single condition on g "
                "decodes both?", exact_layers_independent),
        Mistake("the mean SNR comes in dB: convert it, rho = 10^(dB/10)", exact_layers_db_as_linear)],
    "11.8": [
        Mistake("a slice of width B/K collects 1/K of the noise power N0 W F: the mean SNR is K rho_B",
                shared_band_noise_fixed),
        Mistake("the b bits must fit into a slice of width B/K in one slot: R = b K / (B T) grows with K",
                shared_band_rate_fixed),
        Mistake("asked for: the K with the most arrivals per round, K P(arrive), not the largest P(arrive)",
                shared_band_most_likely),
        Mistake("return K itself (K runs from 1), not the array index of the best K", shared_band_zero_based),
        Mistake("R is a rate, not an SNR: log2(1 + SNR) >= R needs SNR >= 2^R - 1", shared_band_rate_as_threshold)],
}
"""The typical mistakes of each check, by exercise label."""


def demo_failed(exc: Exception, labels: str) -> None:
    """Say, in a demo cell, that a learner's function raised ``exc``; re-raise it in strict mode."""
    if strict_mode():
        raise exc
    print(f"Your answer to Exercise {labels} raised {type(exc).__name__} here ({str(exc)[:120]}): "
          "make its check pass, then run this cell again.")

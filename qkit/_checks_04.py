"""Right and typical wrong answers behind the checks of ``exercises/04_min_entropy.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.qrng.entropy`; each wrong
answer is one misconception a check names (with :class:`qkit.exercises.Mistake`) when a
learner's function returns exactly what it returns. :data:`MISTAKES` pairs each wrong answer
with its one-line hint, by exercise label, so that the hints stay out of the check cells too (a
hint read before answering gives the answer away).
"""

from __future__ import annotations

import numpy as np

from qkit.exercises import Mistake
from qkit.qrng.entropy import guessing_probability, kept_bits_given_noise, min_entropy, shannon_entropy
from qkit.qrng.photons import poisson_pmf
from qkit.qrng.pixel import Pixel

__all__ = [
    "guess_and_min_entropy", "guess_and_shannon_entropy", "guess_and_min_entropy_per_bit",
    "guess_and_min_entropy_natural_log",
    "eve_prediction", "eve_prediction_without_clip", "eve_prediction_bits_swapped", "eve_prediction_low_bits",
    "guessing_probability_discrete", "guessing_probability_max_after_mixing", "guessing_probability_worst_noise",
    "guessing_probability_unweighted",
    "eve_steps", "eve_steps_of_the_max_only", "eve_steps_of_the_best_b_only", "eve_steps_point_before",
    "MISTAKES",
]


# -- Exercise 4.1 ------------------------------------------------------------------------------

def guess_and_min_entropy(pmf: np.ndarray) -> tuple[float, float]:
    """``(max_b p_b, -log2 max_b p_b)``: the guessing probability and the min-entropy in bits."""
    return float(guessing_probability(pmf)), float(min_entropy(pmf))


def guess_and_shannon_entropy(pmf: np.ndarray) -> tuple[float, float]:
    """Wrong: the Shannon entropy ``-sum p log2 p`` (an average) in place of the min-entropy."""
    return float(guessing_probability(pmf)), float(shannon_entropy(pmf))


def guess_and_min_entropy_per_bit(pmf: np.ndarray) -> tuple[float, float]:
    """Wrong: the min-entropy divided by ``log2 len(pmf)`` (per bit, where the exercise asks for bits)."""
    p_guess = float(guessing_probability(pmf))
    return p_guess, float(-np.log2(p_guess) / np.log2(len(pmf)))


def guess_and_min_entropy_natural_log(pmf: np.ndarray) -> tuple[float, float]:
    """Wrong: ``-ln p_guess`` (nats) in place of ``-log2 p_guess`` (bits)."""
    p_guess = float(guessing_probability(pmf))
    return p_guess, float(-np.log(p_guess))


# -- Exercise 4.2 ------------------------------------------------------------------------------

def eve_prediction(e: float, mean: float, gain: float) -> np.ndarray:
    """``P(Z23 = b | E = e)``, b = 0..3, for a 10-bit ADC of gain ``gain`` (Eq. (6)'s integrand)."""
    return kept_bits_given_noise(e, mean, Pixel(gain=gain))


def eve_prediction_without_clip(e: float, mean: float, gain: float) -> np.ndarray:
    """Wrong: the same sum with ``floor(K n + e)`` never clipped to the ADC's 0..1023."""
    n = np.arange(0, int(mean + 12 * np.sqrt(mean) + 30))
    unclipped = np.floor(gain * n + e + 1e-9).astype(np.int64)
    return np.bincount((unclipped >> 2) & 3, weights=poisson_pmf(n, mean), minlength=4)


def _readings(e: float, mean: float, gain: float) -> tuple[np.ndarray, np.ndarray]:
    """The clipped readings ``Z`` for ``n = 0..`` and their Poisson weights (Exercise 4.2's sum)."""
    n = np.arange(0, int(mean + 12 * np.sqrt(mean) + 30))
    return np.clip(np.floor(gain * n + e + 1e-9), 0, 1023).astype(np.int64), poisson_pmf(n, mean)


def eve_prediction_bits_swapped(e: float, mean: float, gain: float) -> np.ndarray:
    """Wrong: bit 3 of Z taken as the least significant bit of ``b`` (the two kept bits swapped)."""
    z, weights = _readings(e, mean, gain)
    return np.bincount(((z >> 3) & 1) | (((z >> 2) & 1) << 1), weights=weights, minlength=4)


def eve_prediction_low_bits(e: float, mean: float, gain: float) -> np.ndarray:
    """Wrong: bits 0 and 1 of Z (``z & 3``), which the chip discards, in place of bits 2 and 3."""
    z, weights = _readings(e, mean, gain)
    return np.bincount(z & 3, weights=weights, minlength=4)


# -- Exercise 4.3 ------------------------------------------------------------------------------

def guessing_probability_discrete(noise_values: np.ndarray, noise_weights: np.ndarray, mean: float,
                                  gain: float) -> float:
    """Eq. (6) for a noise with a few values: Eve's best guess for each ``e``, then the average."""
    best = kept_bits_given_noise(np.asarray(noise_values, dtype=float), mean, Pixel(gain=gain)).max(axis=-1)
    return float(np.dot(noise_weights, best))


def guessing_probability_max_after_mixing(noise_values: np.ndarray, noise_weights: np.ndarray, mean: float,
                                          gain: float) -> float:
    """Wrong: the average prediction first, then the best guess: ``p_guess`` of ``Z23`` alone (Eve without E)."""
    mixed = np.dot(noise_weights, kept_bits_given_noise(np.asarray(noise_values, dtype=float), mean, Pixel(gain=gain)))
    return float(np.max(mixed))


def guessing_probability_worst_noise(noise_values: np.ndarray, noise_weights: np.ndarray, mean: float,
                                     gain: float) -> float:
    """Wrong: Eve's best guess at the most helpful noise value (a worst case), not the average over E."""
    best = kept_bits_given_noise(np.asarray(noise_values, dtype=float), mean, Pixel(gain=gain)).max(axis=-1)
    return float(np.max(best))


def guessing_probability_unweighted(noise_values: np.ndarray, noise_weights: np.ndarray, mean: float,
                                    gain: float) -> float:
    """Wrong: the plain mean of the best guesses, each noise value counted once whatever its probability."""
    best = kept_bits_given_noise(np.asarray(noise_values, dtype=float), mean, Pixel(gain=gain)).max(axis=-1)
    return float(np.mean(best))


# -- Exercise 4.4 ------------------------------------------------------------------------------

STEP_TOLERANCE = 1e-12
"""A change of ``max_b P(Z23 = b | E = e)`` smaller than this is not a step (Exercise 4.4)."""


def _step_flags(mean: float, gain: float, e_grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid, and for each pair of neighbours whether the max moved and whether the best b changed."""
    grid = np.asarray(e_grid, dtype=float)
    table = kept_bits_given_noise(grid, mean, Pixel(gain=gain))
    moved = np.abs(np.diff(table.max(axis=-1))) > STEP_TOLERANCE
    switched = np.diff(table.argmax(axis=-1)) != 0
    return grid, moved, switched


def eve_steps(mean: float, gain: float, e_grid: np.ndarray) -> np.ndarray:
    """The points ``e_grid[j]`` (j >= 1) where Eve's best guess ``argmax_b`` or its probability
    ``max_b P(Z23 = b | E = e)`` (by more than :data:`STEP_TOLERANCE`) differs from ``e_grid[j - 1]``."""
    grid, moved, switched = _step_flags(mean, gain, e_grid)
    return grid[1:][moved | switched]


def eve_steps_of_the_max_only(mean: float, gain: float, e_grid: np.ndarray) -> np.ndarray:
    """Wrong: only the changes of the max; a new best b with the same probability is missed."""
    grid, moved, _ = _step_flags(mean, gain, e_grid)
    return grid[1:][moved]


def eve_steps_of_the_best_b_only(mean: float, gain: float, e_grid: np.ndarray) -> np.ndarray:
    """Wrong: only the changes of the best b; a move of its probability is missed."""
    grid, _, switched = _step_flags(mean, gain, e_grid)
    return grid[1:][switched]


def eve_steps_point_before(mean: float, gain: float, e_grid: np.ndarray) -> np.ndarray:
    """Wrong: the grid point before each change (``e_grid[j - 1]``), where the old value still holds."""
    grid, moved, switched = _step_flags(mean, gain, e_grid)
    return grid[:-1][moved | switched]


# -- The hints, by exercise -----------------------------------------------------------------------

MISTAKES: dict[str, list[Mistake]] = {
    "4.1": [
        Mistake("that is the Shannon entropy -sum p log2 p, an average; the min-entropy is -log2 of the largest p",
                guess_and_shannon_entropy),
        Mistake("the min-entropy of the whole value is in bits: do not divide by log2 of the number of values",
                guess_and_min_entropy_per_bit),
        Mistake("entropies here are in bits: take log2, not the natural log (nats)",
                guess_and_min_entropy_natural_log),
    ],
    "4.2": [
        Mistake("clip floor(K n + e) to 0..1023 first: the 10-bit ADC reads 1023 (kept bits 11) when it saturates",
                eve_prediction_without_clip),
        Mistake("bit 2 of Z is the least significant bit of b: b = (Z >> 2) & 3, not bit 3 first",
                eve_prediction_bits_swapped),
        Mistake("the chip keeps bits 2 and 3 of Z, not bits 0 and 1: shift right by 2 before taking two bits",
                eve_prediction_low_bits),
    ],
    "4.3": [
        Mistake("max after mixing is p_guess of Z23 alone (Eve without E): Eve sees e first, so max for each e, "
                "then average", guessing_probability_max_after_mixing),
        Mistake("that is the best case for Eve (max over e); Eq. (6) averages her success over the noise's law",
                guessing_probability_worst_noise),
        Mistake("weight each noise value by its probability P(E = e_m): an expectation, not a plain mean",
                guessing_probability_unweighted),
    ],
    "4.4": [
        Mistake("the best b can change while its probability stays (with no light Eve is always sure, of a new b "
                "every 4 ADC steps): report both kinds of change", eve_steps_of_the_max_only),
        Mistake("the probability of Eve's best guess moves at a crossing even when the best b stays: report both "
                "kinds of change", eve_steps_of_the_best_b_only),
        Mistake("report the first grid point where the new value holds (e_grid[j] when j differs from j - 1), "
                "not the point before it", eve_steps_point_before),
    ],
}
"""The typical mistakes of each exercise of chapter 04 (``mistakes=`` of its check), by label."""

"""Right and typical wrong answers behind the checks of ``exercises/04_min_entropy.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.qrng.entropy`; each wrong
answer is one misconception a check names (with :class:`qkit.exercises.Mistake`) when a
learner's function returns exactly what it returns.
"""

from __future__ import annotations

import numpy as np

from qkit.qrng.entropy import guessing_probability, kept_bits_given_noise, min_entropy, shannon_entropy
from qkit.qrng.photons import poisson_pmf
from qkit.qrng.pixel import Pixel

__all__ = [
    "guess_and_min_entropy", "guess_and_shannon_entropy",
    "eve_prediction", "eve_prediction_without_clip",
    "guessing_probability_discrete", "guessing_probability_max_after_mixing",
]


# -- Exercise 4.1 ------------------------------------------------------------------------------

def guess_and_min_entropy(pmf: np.ndarray) -> tuple[float, float]:
    """``(max_b p_b, -log2 max_b p_b)``: the guessing probability and the min-entropy in bits."""
    return float(guessing_probability(pmf)), float(min_entropy(pmf))


def guess_and_shannon_entropy(pmf: np.ndarray) -> tuple[float, float]:
    """Wrong: the Shannon entropy ``-sum p log2 p`` (an average) in place of the min-entropy."""
    return float(guessing_probability(pmf)), float(shannon_entropy(pmf))


# -- Exercise 4.2 ------------------------------------------------------------------------------

def eve_prediction(e: float, mean: float, gain: float) -> np.ndarray:
    """``P(Z23 = b | E = e)``, b = 0..3, for a 10-bit ADC of gain ``gain`` (Eq. (6)'s integrand)."""
    return kept_bits_given_noise(e, mean, Pixel(gain=gain))


def eve_prediction_without_clip(e: float, mean: float, gain: float) -> np.ndarray:
    """Wrong: the same sum with ``floor(K n + e)`` never clipped to the ADC's 0..1023."""
    n = np.arange(0, int(mean + 12 * np.sqrt(mean) + 30))
    unclipped = np.floor(gain * n + e + 1e-9).astype(np.int64)
    return np.bincount((unclipped >> 2) & 3, weights=poisson_pmf(n, mean), minlength=4)


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

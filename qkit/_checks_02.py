"""Right and typical wrong answers behind the checks of ``exercises/02_adc_and_pileup.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not show the answer it
checks. The right answers are written from the model of :mod:`qkit.qrng.sensor` (Eqs. 2-4 of
the QRNG paper) and agree with its tested functions; each wrong answer is one misconception a
check names (with :class:`qkit.exercises.Mistake`) when a learner's function returns exactly what
it returns. :data:`MISTAKES` pairs each wrong answer with its one-line hint, by exercise label, so
that the hints stay out of the check cells too (a hint read before answering gives the answer away).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from qkit.exercises import Mistake
from qkit.qrng.entropy import min_entropy
from qkit.qrng.photons import poisson_pmf
from qkit.qrng.pixel import Pixel
from qkit.qrng.sensor import FLOOR_GUARD, adc_floor, adc_pmf, extract_bits, kept_bits_pmf

__all__ = [
    "z_pmf", "z_pmf_matches_kit", "z_pmf_without_clip", "z_pmf_rounded",
    "bits_2_and_3", "bits_0_and_1", "bits_swapped",
    "kept_bits_distribution", "kept_bits_distribution_low_bits", "kept_bits_distribution_unweighted",
    "doubled_outputs", "outputs_not_single", "outputs_not_single_minlength", "doubled_outputs_uncut",
    "kept_bits_entropy", "full_z_entropy_per_bit", "low_bits_entropy", "kept_bits_entropy_not_per_bit",
    "MISTAKES",
]


# -- Exercise 2.1 ------------------------------------------------------------------------------

def _cell_mass(electron_pmf, gain, readout_mean, readout_sigma, adc_bits, *, clip: bool, rounding: bool):
    """``P(Z = z)`` for z = 0..2^bits - 1, Eqs. (2)-(4) with any electron pmf (options: the mistakes)."""
    weights = np.asarray(electron_pmf, dtype=float)
    top = 2**adc_bits - 1
    centre = readout_mean + gain * np.arange(weights.size)          # mean of X given n, ADC steps
    shift = 0.5 if rounding else 0.0                               # round(x) = floor(x + 1/2)
    if readout_sigma == 0:
        z = np.floor(centre + shift + FLOOR_GUARD).astype(np.int64)
        inside = (z >= 0) & (z <= top)
        z = np.clip(z, 0, top) if clip else z[inside]
        w = weights if clip else weights[inside]
        return np.bincount(z, weights=w, minlength=top + 1)[: top + 1]
    edges = np.arange(top + 2, dtype=float) - shift                 # cell [z, z + 1) of each z
    cdf = special.ndtr((edges[None, :] - centre[:, None]) / readout_sigma)
    if clip:
        cdf[:, 0], cdf[:, -1] = 0.0, 1.0                           # below 0 reads 0, above top reads top
    return weights @ np.diff(cdf, axis=1)


def z_pmf(electron_pmf: np.ndarray, gain: float, readout_mean: float, readout_sigma: float,
          adc_bits: int = 10) -> np.ndarray:
    """``P(Z = z)``, ``Z = clip(floor(K N + E_r), 0, 2^bits - 1)``, ``E_r ~ Normal(mu_r, sigma_r)``.

    Agrees with :func:`qkit.qrng.sensor.adc_pmf` for a Poisson ``N`` (see :func:`z_pmf_matches_kit`).
    """
    return _cell_mass(electron_pmf, gain, readout_mean, readout_sigma, adc_bits, clip=True, rounding=False)


def z_pmf_matches_kit(mean: float, pixel: Pixel) -> float:
    """Largest difference between :func:`z_pmf` of a Poisson count and ``adc_pmf`` (a self-test)."""
    n = np.arange(int(mean + pixel.dark_mean + 40 * np.sqrt(mean + pixel.dark_mean + 1) + 40))
    mine = z_pmf(poisson_pmf(n, mean + pixel.dark_mean), pixel.gain, pixel.readout_mean, pixel.readout_sigma,
                 pixel.adc_bits)
    return float(np.abs(mine - adc_pmf(mean, pixel)).max())


def z_pmf_without_clip(electron_pmf, gain, readout_mean, readout_sigma, adc_bits=10):
    """Wrong: readings below 0 or above the top are dropped instead of read as 0 or the top."""
    return _cell_mass(electron_pmf, gain, readout_mean, readout_sigma, adc_bits, clip=False, rounding=False)


def z_pmf_rounded(electron_pmf, gain, readout_mean, readout_sigma, adc_bits=10):
    """Wrong: the ADC rounds (cells ``[z - 1/2, z + 1/2)``) instead of flooring."""
    return _cell_mass(electron_pmf, gain, readout_mean, readout_sigma, adc_bits, clip=True, rounding=True)


# -- Exercise 2.2 ------------------------------------------------------------------------------

def bits_2_and_3(z: np.ndarray) -> np.ndarray:
    """Bits 2 and 3 of ``z`` as 0..3, bit 2 least significant (the kit's :func:`extract_bits`)."""
    return extract_bits(np.asarray(z))


def bits_0_and_1(z: np.ndarray) -> np.ndarray:
    """Wrong: the two lowest bits, ``z & 3``."""
    return np.asarray(z) & 3


def bits_swapped(z: np.ndarray) -> np.ndarray:
    """Wrong: bit 3 taken as the least significant bit."""
    z = np.asarray(z)
    return ((z >> 3) & 1) | (((z >> 2) & 1) << 1)


# -- Exercise 2.3 ------------------------------------------------------------------------------

def kept_bits_distribution(z_pmf: np.ndarray) -> np.ndarray:
    """``P(Z23 = b)``, b = 0..3: the probabilities of all ``z`` with those bits 2-3, added."""
    return kept_bits_pmf(np.asarray(z_pmf, dtype=float))


def kept_bits_distribution_low_bits(z_pmf: np.ndarray) -> np.ndarray:
    """Wrong: the pmf folded on bits 0 and 1 (``z & 3``)."""
    p = np.asarray(z_pmf, dtype=float)
    return np.bincount(np.arange(p.size) & 3, weights=p, minlength=4)


def kept_bits_distribution_unweighted(z_pmf: np.ndarray) -> np.ndarray:
    """Wrong: counts how many ``z`` have each value of the kept bits (normalised), ignoring P(Z = z)."""
    p = np.asarray(z_pmf, dtype=float)
    counts = np.bincount(extract_bits(np.arange(p.size)), minlength=4).astype(float)
    return counts / counts.sum()


# -- Exercise 2.4 ------------------------------------------------------------------------------

def doubled_outputs(gain: float, n_max: int) -> np.ndarray:
    """Outputs below ``floor(K n_max)`` reached by exactly two electron numbers ``n < n_max``."""
    counts = np.bincount(adc_floor(gain * np.arange(n_max), 10**9))
    return np.flatnonzero(counts[: int(adc_floor(gain * n_max, 10**9))] == 2)


def outputs_not_single(gain: float, n_max: int) -> np.ndarray:
    """Wrong: ``counts != 1`` also takes the outputs reached by none (K > 1) or by three (K < 1/2)."""
    counts = np.bincount(adc_floor(gain * np.arange(n_max), 10**9))
    return np.flatnonzero(counts[: int(adc_floor(gain * n_max, 10**9))] != 1)


def outputs_not_single_minlength(gain: float, n_max: int) -> np.ndarray:
    """Wrong: ``counts != 1`` with ``np.bincount(z, minlength=floor(K n_max))``: the unreached top outputs too."""
    top = int(adc_floor(gain * n_max, 10**9))
    counts = np.bincount(adc_floor(gain * np.arange(n_max), 10**9), minlength=top)
    return np.flatnonzero(counts[:top] != 1)


def outputs_not_single_uncut(gain: float, n_max: int) -> np.ndarray:
    """Wrong twice: ``counts != 1`` and no cut at ``floor(K n_max)`` (the natural first attempt)."""
    return np.flatnonzero(np.bincount(adc_floor(gain * np.arange(n_max), 10**9)) != 1)


def doubled_outputs_uncut(gain: float, n_max: int) -> np.ndarray:
    """Wrong: the last outputs are kept although electrons ``n >= n_max`` would also reach them."""
    counts = np.bincount(adc_floor(gain * np.arange(n_max), 10**9))
    return np.flatnonzero(counts == 2)


# -- Exercise 2.5 ------------------------------------------------------------------------------

def _noise_free_z(mean: float, gain: float) -> np.ndarray:
    """P(Z = z) of Poisson electrons of mean ``mean``, gain ``gain``, no noise, 10-bit ADC."""
    return adc_pmf(mean, Pixel(gain=gain))


def kept_bits_entropy(mean: float, gain: float) -> float:
    """Min-entropy per bit of ``Z23`` for Poisson electrons of mean ``mean``, no noise, gain ``gain``."""
    return float(min_entropy(kept_bits_pmf(_noise_free_z(mean, gain)), per_bit=True))


def full_z_entropy_per_bit(mean: float, gain: float) -> float:
    """Wrong: the min-entropy per bit of the whole 10-bit ``Z``, not of the kept bits."""
    return float(min_entropy(_noise_free_z(mean, gain), per_bit=True))


def low_bits_entropy(mean: float, gain: float) -> float:
    """Wrong: the min-entropy per bit of bits 0 and 1 instead of bits 2 and 3."""
    return float(min_entropy(kept_bits_pmf(_noise_free_z(mean, gain), (0, 1)), per_bit=True))


def kept_bits_entropy_not_per_bit(mean: float, gain: float) -> float:
    """Wrong: the min-entropy of the two kept bits together, ``-log2 max_b P(Z23 = b)``, not halved."""
    return float(min_entropy(kept_bits_pmf(_noise_free_z(mean, gain))))


# -- The hints, by exercise -----------------------------------------------------------------------

_NOT_SINGLE = ("ask for exactly two (counts == 2): counts != 1 also takes the outputs no electron reaches "
               "(K > 1) and those three reach (K < 1/2)")

MISTAKES: dict[str, list[Mistake]] = {
    "2.1": [
        Mistake("missing clip: every X < 1 reads 0 and every X >= 2^bits - 1 reads the top, so the pmf must sum to 1",
                z_pmf_without_clip),
        Mistake("the ADC floors (Eq. 3): the cell of z is [z, z + 1), so 0.82 steps read 0; rounding would read 1",
                z_pmf_rounded),
    ],
    "2.2": [
        Mistake("the chip keeps bits 2 and 3, not bits 0 and 1: shift the two lowest bits out first", bits_0_and_1),
        Mistake("bit 2 is the least significant bit of Z23 (Z = 4 gives 1, Z = 8 gives 2): the order is swapped",
                bits_swapped),
    ],
    "2.3": [
        Mistake("bits 2 and 3 of z, not bits 0 and 1: fold z on (z >> 2) & 3", kept_bits_distribution_low_bits),
        Mistake("weight each z by its probability P(Z = z): counting the z of each value ignores the distribution",
                kept_bits_distribution_unweighted),
    ],
    "2.4": [
        Mistake(_NOT_SINGLE, outputs_not_single),
        Mistake(_NOT_SINGLE, outputs_not_single_minlength),
        Mistake(_NOT_SINGLE + "; and stop below floor(K n_max), where electrons n >= n_max also arrive",
                outputs_not_single_uncut),
        Mistake("stop below floor(K n_max): the last outputs may also be reached by electron numbers n >= n_max",
                doubled_outputs_uncut),
    ],
    "2.5": [
        Mistake("that is the min-entropy per bit of the whole 10-bit Z: the chip keeps only bits 2 and 3",
                full_z_entropy_per_bit),
        Mistake("bits 0 and 1 in place of bits 2 and 3: the kept bits are (z >> 2) & 3", low_bits_entropy),
        Mistake("that is the min-entropy of the two kept bits together (up to 2 bits): per bit, divide it by 2",
                kept_bits_entropy_not_per_bit),
    ],
}
"""The typical mistakes of each exercise of chapter 02 (``mistakes=`` of its check), by label."""

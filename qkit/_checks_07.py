"""Right and typical wrong answers behind the checks of ``exercises/07_random_bits.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.qrng.extraction` and
:mod:`qkit.qrng.drbg`; each wrong answer is one misconception a check names (with
:class:`qkit.exercises.Mistake`) when a learner's function returns exactly what it returns.
:data:`MISTAKES` pairs each wrong answer with its one-line hint, by exercise label, so that the
hints stay out of the check cells too (a hint read before answering gives the answer away).
"""

from __future__ import annotations

import numpy as np

from qkit.exercises import Mistake
from qkit.qrng.drbg import chip_seed_budget
from qkit.qrng.entropy import conditional_min_entropy
from qkit.qrng.extraction import NoiseGuessing, leftover_hash_length, toeplitz_extract
from qkit.qrng.pixel import PIXEL_1

__all__ = [
    "toeplitz_hash", "toeplitz_without_mod", "toeplitz_as_hankel", "toeplitz_reversed",
    "extractable_bits", "extractable_worst_noise", "extractable_averaged_entropies",
    "extractable_one_epsilon", "extractable_doubled", "extractable_halved", "extractable_rounded",
    "seed_samples", "seed_samples_per_bit", "seed_samples_floor", "seed_samples_full_entropy",
    "seed_samples_rounded_rate",
    "MISTAKES",
]


# -- Exercise 7.1 ------------------------------------------------------------------------------

def _matrix(x, seed_bits, m: int, index) -> np.ndarray:
    """The ``m x n`` matrix ``s[index(i, j, n, m)]`` built from the seed bits."""
    n = len(x)
    return np.asarray(seed_bits)[index(np.arange(m)[:, None], np.arange(n)[None, :], n, m)]


def toeplitz_hash(x: np.ndarray, seed_bits: np.ndarray, m: int) -> np.ndarray:
    """``T x mod 2`` with ``T[i, j] = s[i - j + n - 1]`` (qkit's FFT version, as 0/1 integers)."""
    return toeplitz_extract(x, seed_bits, m).astype(int)


def toeplitz_without_mod(x: np.ndarray, seed_bits: np.ndarray, m: int) -> np.ndarray:
    """Wrong: the integer product ``T x``, never reduced mod 2."""
    return _matrix(x, seed_bits, m, lambda i, j, n, m: i - j + n - 1) @ np.asarray(x)


def toeplitz_as_hankel(x: np.ndarray, seed_bits: np.ndarray, m: int) -> np.ndarray:
    """Wrong: ``T[i, j] = s[i + j]``, constant along anti-diagonals (a Hankel matrix)."""
    return (_matrix(x, seed_bits, m, lambda i, j, n, m: i + j) @ np.asarray(x)) % 2


def toeplitz_reversed(x: np.ndarray, seed_bits: np.ndarray, m: int) -> np.ndarray:
    """Wrong: ``T[i, j] = s[j - i + m - 1]``, the seed read the other way round."""
    return (_matrix(x, seed_bits, m, lambda i, j, n, m: j - i + m - 1) @ np.asarray(x)) % 2


# -- Exercise 7.2 ------------------------------------------------------------------------------

def _floor_or_zero(k: float, epsilon: float) -> int:
    """``max(0, floor(k - 2 log2(1/epsilon)))``: the leftover hash lemma's output length."""
    return max(0, int(np.floor(k - 2 * np.log2(1 / epsilon))))


def extractable_bits(p_guess, noise_mass, n_samples: int, epsilon: float) -> int:
    """The leftover hash lemma's output length for ``n_samples`` samples, ``k`` from Eq. (6) (qkit)."""
    cells = NoiseGuessing(np.zeros(len(p_guess)), np.zeros(len(p_guess)), np.asarray(noise_mass), np.asarray(p_guess))
    return leftover_hash_length(2 * n_samples, n_samples * -np.log2(cells.average), epsilon)


def extractable_worst_noise(p_guess, noise_mass, n_samples: int, epsilon: float) -> int:
    """Wrong: the worst noise cell (``max p_guess``) in place of Eq. (6)'s average."""
    return _floor_or_zero(n_samples * -np.log2(np.max(p_guess)), epsilon)


def extractable_averaged_entropies(p_guess, noise_mass, n_samples: int, epsilon: float) -> int:
    """Wrong: the average of ``-log2 p_guess`` over the cells (Eq. (6) averages ``p_guess`` first)."""
    return _floor_or_zero(n_samples * float(np.dot(noise_mass, -np.log2(p_guess))), epsilon)


def extractable_one_epsilon(p_guess, noise_mass, n_samples: int, epsilon: float) -> int:
    """Wrong: the lemma's cost taken as ``log2(1/epsilon)`` instead of ``2 log2(1/epsilon)``."""
    return max(0, int(np.floor(n_samples * -np.log2(np.dot(noise_mass, p_guess)) - np.log2(1 / epsilon))))


def extractable_doubled(p_guess, noise_mass, n_samples: int, epsilon: float) -> int:
    """Wrong: a sample's min-entropy counted twice (once per raw bit)."""
    return _floor_or_zero(2 * n_samples * -np.log2(np.dot(noise_mass, p_guess)), epsilon)


def extractable_halved(p_guess, noise_mass, n_samples: int, epsilon: float) -> int:
    """Wrong: a sample's min-entropy halved (taken as per bit)."""
    return _floor_or_zero(n_samples * -np.log2(np.dot(noise_mass, p_guess)) / 2, epsilon)


def extractable_rounded(p_guess, noise_mass, n_samples: int, epsilon: float) -> int:
    """Wrong: ``round(k - 2 log2(1/epsilon))``, to the nearest integer, in place of the floor."""
    return max(0, int(round(n_samples * -np.log2(np.dot(noise_mass, p_guess)) - 2 * np.log2(1 / epsilon))))


# -- Exercise 7.3 ------------------------------------------------------------------------------

def _per_sample(mean: float) -> float:
    """Eq. (6) min-entropy of one ``Z23`` sample (2 kept bits) of pixel 1, in bits."""
    return 2 * conditional_min_entropy(mean, PIXEL_1, per_bit=True)


def seed_samples(mean_photoelectrons: float, security_bits: int) -> int:
    """Samples whose Eq. (6) min-entropy reaches ``security_bits`` (qkit's Hash_DRBG seed budget)."""
    return chip_seed_budget(mean_photoelectrons, PIXEL_1, security_strength_bits=security_bits).entropy_samples


def seed_samples_per_bit(mean_photoelectrons: float, security_bits: int) -> int:
    """Wrong: one kept bit's min-entropy taken for a whole 2-bit sample."""
    return int(np.ceil(security_bits / (_per_sample(mean_photoelectrons) / 2)))


def seed_samples_floor(mean_photoelectrons: float, security_bits: int) -> int:
    """Wrong: rounded down, so the seed falls just short of the security strength."""
    return int(np.floor(security_bits / _per_sample(mean_photoelectrons)))


def seed_samples_full_entropy(mean_photoelectrons: float, security_bits: int) -> int:
    """Wrong: 2 full bits per sample, as if the chip's output had full entropy."""
    return int(np.ceil(security_bits / 2))


def seed_samples_rounded_rate(mean_photoelectrons: float, security_bits: int) -> int:
    """Wrong: the rounded rates of the prompt (0.98, 0.90 per bit) in place of the exact Eq. (6) value."""
    return int(np.ceil(security_bits / (2 * round(_per_sample(mean_photoelectrons) / 2, 2))))


# -- The hints, by exercise -----------------------------------------------------------------------

MISTAKES: dict[str, list[Mistake]] = {
    "7.1": [
        Mistake("the product T x must be taken mod 2: bits add with XOR over GF(2)", toeplitz_without_mod),
        Mistake("T[i, j] = s[i + j] is a Hankel matrix (constant along anti-diagonals); "
                "Toeplitz needs s[i - j + n - 1]", toeplitz_as_hankel),
        Mistake("your matrix reads the seed the other way round (s[j - i + m - 1]); use T[i, j] = s[i - j + n - 1]",
                toeplitz_reversed),
    ],
    "7.2": [
        Mistake("you took the worst noise value (max of p_guess): Eq. 6 averages Eve's guessing probability over E",
                extractable_worst_noise),
        Mistake("you averaged the min-entropies -log2 p: Eq. 6 averages the guessing probability, then takes -log2",
                extractable_averaged_entropies),
        Mistake("the lemma costs 2 log2(1/epsilon) bits, not log2(1/epsilon)", extractable_one_epsilon),
        Mistake("-log2 p_guess is already a whole sample's min-entropy (both raw bits): do not multiply it by 2",
                extractable_doubled),
        Mistake("-log2 p_guess is already a whole sample's min-entropy (both raw bits): do not halve it",
                extractable_halved),
        Mistake("m is the floor of k - 2 log2(1/epsilon): rounding to the nearest integer can promise a bit the "
                "lemma does not guarantee", extractable_rounded),
    ],
    "7.3": [
        Mistake("each Z23 sample holds 2 kept bits: multiply the per-bit min-entropy by 2", seed_samples_per_bit),
        Mistake("round up: a seed needs at least the security strength, so take the ceiling", seed_samples_floor),
        Mistake("a sample carries less than 2 bits of min-entropy: divide by 2 H_min per bit, not by 2",
                seed_samples_full_entropy),
        Mistake("use the exact H_min from conditional_min_entropy, not the rounded rates (0.98, 0.90) of the prompt",
                seed_samples_rounded_rate),
    ],
}
"""The typical mistakes of each exercise of chapter 07 (``mistakes=`` of its check), by label."""

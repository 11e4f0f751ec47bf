"""Right and typical wrong answers behind the checks of ``exercises/06_estimating_entropy.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested estimators of :mod:`qkit.qrng.estimators`
(SP 800-90B Secs. 6.3.1 and 6.3.3); each wrong answer is one misconception a check names (with
:class:`qkit.exercises.Mistake`) when a learner's function returns exactly what it returns.
:data:`MISTAKES` pairs each wrong answer with its one-line hint, by exercise label, so that the
hints stay out of the check cells too (a hint read before answering gives the answer away).
"""

from __future__ import annotations

import math

import numpy as np

from qkit.exercises import Mistake
from qkit.qrng.estimators import markov_estimate, most_common_value

__all__ = [
    "sticky_bits",
    "mcv_min_entropy", "mcv_without_bound", "mcv_divides_by_length", "mcv_per_bit", "mcv_rounded_quantile",
    "markov_min_entropy", "markov_pairs_over_all", "markov_without_start", "markov_runs_only",
    "markov_starts_counted_over_all_bits", "markov_starts_over_all_bits_complemented",
    "markov_estimate_limit", "markov_limit_without_start", "markov_limit_per_transition",
    "markov_limit_runs_only", "markov_limit_shannon",
    "MISTAKES",
]

Z = 2.5758293035489008
"""The 99.5 % quantile of the standard normal law: SP 800-90B's 2.576 in full."""

PATH = 128
"""Length of the paths of the Markov estimate (SP 800-90B Sec. 6.3.3)."""


def sticky_bits(repeat_probability: float, n_bits: int, seed: int) -> np.ndarray:
    """Bits of a two-state Markov source: a fair first bit, then each bit repeats the last one
    with probability ``repeat_probability`` (0.5: fair independent bits; above: long runs)."""
    rng = np.random.default_rng(seed)
    flips = (rng.random(n_bits) >= repeat_probability).astype(np.uint8)
    flips[0] = rng.integers(0, 2)
    return (np.cumsum(flips) % 2).astype(np.uint8)


# -- Exercise 6.1 ------------------------------------------------------------------------------

def mcv_min_entropy(symbols: np.ndarray, k: int) -> float:
    """SP 800-90B Sec. 6.3.1: ``-log2 p_u`` with the 99 % upper bound ``p_u`` (bits per symbol)."""
    return float(most_common_value(symbols, k).min_entropy)


def mcv_without_bound(symbols: np.ndarray, k: int) -> float:
    """Wrong: ``-log2 p_hat``, the confidence bound left out."""
    return -math.log2(np.bincount(symbols, minlength=k).max() / symbols.size)


def mcv_divides_by_length(symbols: np.ndarray, k: int) -> float:
    """Wrong: the standard error with ``L`` in place of the standard's ``L - 1``."""
    n = symbols.size
    p_hat = np.bincount(symbols, minlength=k).max() / n
    return -math.log2(min(1.0, p_hat + Z * math.sqrt(p_hat * (1 - p_hat) / n)))


def mcv_per_bit(symbols: np.ndarray, k: int) -> float:
    """Wrong: the estimate divided by ``log2 k`` (per bit, where the standard reports per symbol)."""
    return mcv_min_entropy(symbols, k) / math.log2(k)


def mcv_rounded_quantile(symbols: np.ndarray, k: int) -> float:
    """Wrong: the rounded 2.576 of the formula in place of the exact quantile :data:`Z`."""
    n = symbols.size
    p_hat = np.bincount(symbols, minlength=k).max() / n
    return -math.log2(min(1.0, p_hat + 2.576 * math.sqrt(p_hat * (1 - p_hat) / (n - 1))))


# -- Exercise 6.2 ------------------------------------------------------------------------------

def markov_min_entropy(bits: np.ndarray) -> float:
    """SP 800-90B Sec. 6.3.3: ``min(1, -log2 p_max / 128)`` over the six candidate paths (per bit)."""
    return float(markov_estimate(bits).min_entropy)


def markov_pairs_over_all(bits: np.ndarray) -> float:
    """Wrong: ``P_ab = C_ab / (L - 1)``; every path is then below ``2^-128`` and the estimate is 1."""
    return 1.0


def _markov_paths(bits: np.ndarray, *, start: bool = True, runs_only: bool = False,
                  starts_from_all_bits: str = "") -> float:
    """The Markov estimate of Sec. 6.3.3, optionally without start probabilities or with the runs only.

    ``starts_from_all_bits`` (a wrong variant): ``"all"`` divides every ``C_ab`` by ``C_a`` counted
    over all ``L`` bits; ``"complement"`` does so for ``P_00`` and ``P_10`` and takes
    ``P_01 = 1 - P_00``, ``P_11 = 1 - P_10``.
    """
    bits = np.asarray(bits)
    head, tail = bits[:-1], bits[1:]
    c0 = np.count_nonzero((bits if starts_from_all_bits else head) == 0)
    c1 = (bits.size if starts_from_all_bits else head.size) - c0
    p00 = np.count_nonzero((head == 0) & (tail == 0)) / c0 if c0 else 0.0
    p10 = np.count_nonzero((head == 1) & (tail == 0)) / c1 if c1 else 0.0
    p01, p11 = (1 - p00 if c0 else 0.0), (1 - p10 if c1 else 0.0)
    if starts_from_all_bits == "all":
        p01 = np.count_nonzero((head == 0) & (tail == 1)) / c0 if c0 else 0.0
        p11 = np.count_nonzero((head == 1) & (tail == 1)) / c1 if c1 else 0.0
    p0 = np.count_nonzero(bits == 0) / bits.size
    starts = (p0, 1 - p0) if start else (1.0, 1.0)
    paths = [(starts[0], ((p00, 127),)), (starts[1], ((p11, 127),))]
    if not runs_only:
        paths += [(starts[0], ((p01, 64), (p10, 63))), (starts[1], ((p10, 64), (p01, 63))),
                  (starts[0], ((p01, 1), (p11, 126))), (starts[1], ((p10, 1), (p00, 126)))]
    best = float(PATH)
    for first, steps in paths:
        if first > 0 and all(q > 0 for q, _ in steps):
            best = min(best, -math.log2(first) - sum(n * math.log2(q) for q, n in steps))
    return min(1.0, best / PATH)


def markov_without_start(bits: np.ndarray) -> float:
    """Wrong: the paths' probabilities without the initial probability ``P_0`` or ``P_1``."""
    return _markov_paths(bits, start=False)


def markov_runs_only(bits: np.ndarray) -> float:
    """Wrong: only the all-0 and all-1 paths; an alternating source then looks random."""
    return _markov_paths(bits, runs_only=True)


def markov_starts_counted_over_all_bits(bits: np.ndarray) -> float:
    """Wrong: ``P_ab = C_ab / C_a`` with ``C_a`` counted over all ``L`` bits, not over ``S_0..S_{L-2}``."""
    return _markov_paths(bits, starts_from_all_bits="all")


def markov_starts_over_all_bits_complemented(bits: np.ndarray) -> float:
    """Wrong: as :func:`markov_starts_counted_over_all_bits`, with ``P_01 = 1 - P_00`` and ``P_11 = 1 - P_10``."""
    return _markov_paths(bits, starts_from_all_bits="complement")


# -- Exercise 6.3 ------------------------------------------------------------------------------

def _check_q(q: float) -> float:
    """``q`` as a float in [0, 1] (ValueError otherwise)."""
    q = float(q)
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"repeat_probability must be in [0, 1], got {q!r}")
    return q


def markov_estimate_limit(repeat_probability: float) -> float:
    """What the Markov estimate tends to on a long sticky source (per bit).

    ``P_0 = 1/2`` and the likeliest path repeats (``q >= 1/2``, all 0 or all 1) or alternates
    (``q < 1/2``), with 127 transitions of probability ``max(q, 1 - q)``:
    ``min(1, (1 - 127 log2 max(q, 1 - q)) / 128)``.
    """
    q = _check_q(repeat_probability)
    return min(1.0, (1.0 - (PATH - 1) * math.log2(max(q, 1 - q))) / PATH)


def markov_limit_without_start(repeat_probability: float) -> float:
    """Wrong: the initial probability 1/2 of the path's first bit left out."""
    q = _check_q(repeat_probability)
    return min(1.0, -(PATH - 1) * math.log2(max(q, 1 - q)) / PATH)


def markov_limit_per_transition(repeat_probability: float) -> float:
    """Wrong: ``-log2 max(q, 1 - q)``, one transition per bit, as if the path had 128 transitions."""
    q = _check_q(repeat_probability)
    return min(1.0, -math.log2(max(q, 1 - q)))


def markov_limit_runs_only(repeat_probability: float) -> float:
    """Wrong: only the runs (probability ``q`` per step), even when alternating is likelier."""
    q = _check_q(repeat_probability)
    return 1.0 if q == 0 else min(1.0, (1.0 - (PATH - 1) * math.log2(q)) / PATH)


def markov_limit_shannon(repeat_probability: float) -> float:
    """Wrong: the Shannon entropy rate ``h(q)`` of the source, an average, not the likeliest path."""
    q = _check_q(repeat_probability)
    return float(-sum(p * math.log2(p) for p in (q, 1 - q) if p > 0))


# -- The hints, by exercise -----------------------------------------------------------------------

_C_A_OVER_ALL_BITS = ("C_a counts a among S_0..S_(L-2), the first bits of the L - 1 pairs, not among all L bits "
                      "(P_a alone uses all L)")

MISTAKES: dict[str, list[Mistake]] = {
    "6.1": [
        Mistake("the 99 % upper bound is missing: take -log2 of p_u = p_hat + 2.576 sqrt(...), not of p_hat",
                mcv_without_bound),
        Mistake("the standard error of p_hat divides by L - 1, not L (SP 800-90B Sec. 6.3.1, step 3)",
                mcv_divides_by_length),
        Mistake("the standard reports MCV per sample: -log2 p_u is already per symbol, do not divide by log2 k",
                mcv_per_bit),
        Mistake("use the exact quantile Z = 2.5758293035489008 given in the cell: 2.576 is its rounding, which "
                "moves the estimate in the 6th digit", mcv_rounded_quantile),
    ],
    "6.2": [
        Mistake("an alternating source has a likely path too: try all six candidates (0101..., 1010..., one switch)",
                markov_runs_only),
        Mistake("an estimate of 1 on every case: P_ab is C_ab / C_a (pairs that start with a), not C_ab / (L - 1)",
                markov_pairs_over_all),
        Mistake("a path's probability starts with its first bit: multiply by P_0 (or P_1) before the transitions",
                markov_without_start),
        Mistake(_C_A_OVER_ALL_BITS, markov_starts_counted_over_all_bits),
        Mistake(_C_A_OVER_ALL_BITS, markov_starts_over_all_bits_complemented),
    ],
    "6.3": [
        Mistake("the path's first bit has probability P_0 = 1/2: -log2 P(path) includes 1 bit for it",
                markov_limit_without_start),
        Mistake("a 128-bit path has 127 transitions and a first bit: not 128 transitions",
                markov_limit_per_transition),
        Mistake("for q < 1/2 the alternating path 0101... is the likeliest: use max(q, 1 - q)",
                markov_limit_runs_only),
        Mistake("that is the Shannon entropy rate h(q), an average; Markov takes -log2 of the single likeliest path",
                markov_limit_shannon),
    ],
}
"""The typical mistakes of each exercise of chapter 06 (``mistakes=`` of its check), by label."""

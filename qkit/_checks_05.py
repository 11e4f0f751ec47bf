"""Right and typical wrong answers behind the checks of ``exercises/05_frames_and_failures.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.qrng.frames`; each wrong
answer is one misconception a check names (with :class:`qkit.exercises.Mistake`) when a
learner's function returns exactly what it returns. :data:`MISTAKES` pairs each wrong answer
with its one-line hint, by exercise label, so that the hints stay out of the check cells too (a
hint read before answering gives the answer away).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from qkit.exercises import Mistake
from qkit.qrng._tails import log_uniform_fail_pass
from qkit.qrng.frames import FrameRule, out_of_range_probabilities, pass_probability
from qkit.qrng.pixel import PIXEL_1
from qkit.qrng.sensor import adc_pmf, adc_pmf_many

__all__ = [
    "out_of_range", "out_of_range_inclusive", "out_of_range_high_inclusive",
    "uniform_frame_failure", "one_minus_pass", "independent_counts",
    "frame_pass_probability", "uniform_at_mean", "independent_sides", "strict_counts",
    "most_shaded_pixels", "first_failing_count", "shaded_without_tolerance", "shaded_by_expected_count",
    "shaded_frame_tails", "frame_tails", "MISTAKES",
]

BRIGHT_MEAN = 625.0
"""Photoelectrons on the lit pixels of Exercise 5.4 (the operating point of notebook 04)."""


# -- Exercise 5.1 ------------------------------------------------------------------------------

def out_of_range(z_pmf: np.ndarray, low_threshold: int, high_threshold: int) -> tuple[float, float]:
    """``(P(Z < T-), P(Z > T+))`` for one pixel's ADC distribution (T- and T+ themselves inside)."""
    p_low, p_high, _ = out_of_range_probabilities(np.asarray(z_pmf, dtype=float), FrameRule(low_threshold, high_threshold))
    return float(p_low), float(p_high)


def out_of_range_inclusive(z_pmf: np.ndarray, low_threshold: int, high_threshold: int) -> tuple[float, float]:
    """Wrong: ``P(Z <= T-)`` and ``P(Z >= T+)``, the thresholds counted as out of range."""
    z = np.asarray(z_pmf, dtype=float)
    return float(np.sum(z[:low_threshold + 1])), float(np.sum(z[high_threshold:]))


def out_of_range_high_inclusive(z_pmf: np.ndarray, low_threshold: int, high_threshold: int) -> tuple[float, float]:
    """Wrong: the low side right, but ``P(Z >= T+)`` on the high side (``z[T+:]``)."""
    z = np.asarray(z_pmf, dtype=float)
    return float(np.sum(z[:low_threshold])), float(np.sum(z[high_threshold:]))


# -- Exercise 5.2 ------------------------------------------------------------------------------

def uniform_frame_failure(p_low: float, p_high: float, n_pixels: int, max_low: int, max_high: int) -> float:
    """qkit's sum of the failing multinomial terms (binomial tails in log space)."""
    with np.errstate(divide="ignore"):  # log 0 = -inf: a probability of 0
        logs = np.log([p_low]), np.log([p_high]), np.log1p([-p_low - p_high])
    return float(np.exp(log_uniform_fail_pass(*logs, n_pixels, FrameRule(64, 940, max_low, max_high))[0])[0])


def one_minus_pass(p_low: float, p_high: float, n_pixels: int, max_low: int, max_high: int) -> float:
    """Wrong: ``1 - P(pass)``, which cancels to 0 (or to rounding noise) for a small failure."""
    p_in = 1.0 - p_low - p_high
    return 1.0 - sum(math.comb(n_pixels, a) * math.comb(n_pixels - a, b) * p_low**a * p_high**b
                     * p_in ** (n_pixels - a - b)
                     for a in range(min(max_low, n_pixels) + 1) for b in range(min(max_high, n_pixels - a) + 1))


def independent_counts(p_low: float, p_high: float, n_pixels: int, max_low: int, max_high: int) -> float:
    """Wrong: ``n-`` and ``n+`` taken as independent binomials (they share the same pixels)."""
    low, high = stats.binom.sf(max_low, n_pixels, p_low), stats.binom.sf(max_high, n_pixels, p_high)
    return float(low + high - low * high)


# -- Exercise 5.3 ------------------------------------------------------------------------------

def _arrays(p_low, p_high) -> tuple[np.ndarray, np.ndarray]:
    """``p_low`` and ``p_high`` as float arrays."""
    return np.asarray(p_low, dtype=float), np.asarray(p_high, dtype=float)


def frame_pass_probability(p_low: np.ndarray, p_high: np.ndarray, max_low: int, max_high: int) -> float:
    """``P(n- <= N- and n+ <= N+)`` for pixels with their own out-of-range probabilities (qkit's DP)."""
    lo, hi = _arrays(p_low, p_high)
    return float(pass_probability(lo, hi, np.clip(1 - lo - hi, 0, 1), FrameRule(64, 940, max_low, max_high)))


def _poisson_binomial_cdf(p: np.ndarray, k: int) -> float:
    """``P(sum of independent Bernoulli(p_i) <= k)`` (a one-sided table)."""
    table = np.zeros(k + 2)
    table[0] = 1.0
    for q in p:
        table[1:] = table[1:] * (1 - q) + table[:-1] * q
        table[0] *= 1 - q
    return float(table[:k + 1].sum())


def uniform_at_mean(p_low: np.ndarray, p_high: np.ndarray, max_low: int, max_high: int) -> float:
    """Wrong: a uniform frame at the mean ``p-`` and ``p+`` (the multinomial law of 5.2)."""
    lo, hi = _arrays(p_low, p_high)
    m_lo, m_hi, n = float(np.mean(lo)), float(np.mean(hi)), lo.size
    return sum(math.comb(n, a) * math.comb(n - a, b) * m_lo**a * m_hi**b * (1 - m_lo - m_hi) ** (n - a - b)
               for a in range(min(max_low, n) + 1) for b in range(min(max_high, n - a) + 1))


def independent_sides(p_low: np.ndarray, p_high: np.ndarray, max_low: int, max_high: int) -> float:
    """Wrong: ``P(n- <= N-) P(n+ <= N+)``, as if the two counts did not compete for the same pixels."""
    lo, hi = _arrays(p_low, p_high)
    return _poisson_binomial_cdf(lo, max_low) * _poisson_binomial_cdf(hi, max_high)


def strict_counts(p_low: np.ndarray, p_high: np.ndarray, max_low: int, max_high: int) -> float:
    """Wrong: ``P(n- < N- and n+ < N+)``: a frame with exactly N- pixels below still passes."""
    if max_low == 0 or max_high == 0:
        return 0.0
    return frame_pass_probability(p_low, p_high, max_low - 1, max_high - 1)


def frame_tails(means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel ``(P(Z < 64), P(Z > 940))`` of pixel-1 pixels lit at ``means`` (electrons): a test frame."""
    lows, highs, _ = out_of_range_probabilities(adc_pmf_many(np.asarray(means, dtype=float), PIXEL_1))
    return lows, highs


# -- Exercise 5.4 ------------------------------------------------------------------------------

def shaded_frame_tails(dim_mean: float) -> tuple[float, float, float, float]:
    """``(p-, p+)`` of a pixel at ``dim_mean`` and of one at :data:`BRIGHT_MEAN` (pixel 1, paper's T-, T+)."""
    dim = out_of_range_probabilities(adc_pmf(float(dim_mean), PIXEL_1))
    lit = out_of_range_probabilities(adc_pmf(BRIGHT_MEAN, PIXEL_1))
    return float(dim[0]), float(dim[1]), float(lit[0]), float(lit[1])


def _shaded_pass(dim_mean: float, rule: FrameRule, n_pixels: int = 64) -> np.ndarray:
    """P(pass) of a 64-pixel frame with k = 0..64 pixels at ``dim_mean``, the rest at 625 electrons."""
    d_lo, d_hi, b_lo, b_hi = shaded_frame_tails(dim_mean)
    k = np.arange(n_pixels + 1)[:, None]
    shaded = np.arange(n_pixels)[None, :] < k
    lo, hi = np.where(shaded, d_lo, b_lo), np.where(shaded, d_hi, b_hi)
    return pass_probability(lo, hi, np.clip(1 - lo - hi, 0, 1), rule)


def _largest_passing(passes: np.ndarray, min_pass: float) -> int:
    """The largest index ``k`` such that ``passes[0..k]`` are all ``>= min_pass`` (-1 if none)."""
    ok = passes >= min_pass
    return int(np.argmin(ok)) - 1 if not ok.all() else len(passes) - 1


def most_shaded_pixels(dim_mean: float, min_pass: float) -> int:
    """The largest k for which a frame with k pixels at ``dim_mean`` still passes with P >= ``min_pass``."""
    return _largest_passing(_shaded_pass(dim_mean, FrameRule(64, 940, 1, 1)), min_pass)


def first_failing_count(dim_mean: float, min_pass: float) -> int:
    """Wrong: the smallest k whose frame passes less often than ``min_pass`` (one too many)."""
    return most_shaded_pixels(dim_mean, min_pass) + 1


def shaded_without_tolerance(dim_mean: float, min_pass: float) -> int:
    """Wrong: N- = N+ = 0, every shaded pixel must stay inside (the frame's tolerance forgotten)."""
    return _largest_passing(_shaded_pass(dim_mean, FrameRule(64, 940, 0, 0)), min_pass)


def shaded_by_expected_count(dim_mean: float, min_pass: float) -> int:
    """Wrong: the largest k with k p- <= N- = 1, the mean count in place of the probability."""
    p_low = shaded_frame_tails(dim_mean)[0]
    return int(min(64, math.floor(1.0 / p_low))) if p_low > 0 else 64


# -- The hints, by exercise -----------------------------------------------------------------------

MISTAKES: dict[str, list[Mistake]] = {
    "5.1": [
        Mistake("Z = T- and Z = T+ are inside: P(Z < T-) stops at T- - 1, P(Z > T+) starts at T+ + 1",
                out_of_range_inclusive),
        Mistake("Z = T+ is inside the range: P(Z > T+) starts at z = T+ + 1, so slice from T+ + 1",
                out_of_range_high_inclusive),
    ],
    "5.2": [
        Mistake("1 - P(pass) cancels: near 1 a float resolves only 1e-16, so add up the failing terms themselves",
                one_minus_pass),
        Mistake("n- and n+ are not independent binomials: they compete for the same pixels (one multinomial law)",
                independent_counts),
    ],
    "5.3": [
        Mistake("P(n- <= N-) P(n+ <= N+) treats the counts as independent: a pixel below cannot also be above",
                independent_sides),
        Mistake("the frame passes with n- = N- (and n+ = N+): sum the table over a <= N-, b <= N+",
                strict_counts),
        Mistake("the pixels differ: a uniform frame at the mean p-, p+ is another law; update the table pixel by pixel",
                uniform_at_mean),
    ],
    "5.4": [
        Mistake("that is the first k that fails: return the largest k whose frame still passes often enough",
                first_failing_count),
        Mistake("the rule tolerates N- = 1 pixel below: a frame with one pixel under T- still passes",
                shaded_without_tolerance),
        Mistake("k p- <= 1 bounds the mean count, not the probability: P(n- <= 1) is still 1/2 at a mean of "
                "about 1.7", shaded_by_expected_count),
    ],
}
"""The typical mistakes of each exercise of chapter 05 (``mistakes=`` of its check), by label."""

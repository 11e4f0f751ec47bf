"""Pieces shared by the SP 800-90B estimators: the result record, the 99 % upper bound and
the predictor estimate of Sec. 6.3.7-6.3.10 (global and local guessing probability)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from qkit._validate import require_integer

__all__ = [
    "ZALPHA",
    "EstimateResult",
    "upper_bound",
    "prediction_estimate",
    "run_bound_log_probability",
    "longest_run",
]

#: The 99.5 % quantile of the standard normal distribution (SP 800-90B's 2.576, to full precision).
ZALPHA = 2.5758293035489008


@dataclass(frozen=True)
class EstimateResult:
    """One estimator's answer on one sequence.

    Attributes
    ----------
    name : str
        The estimator, e.g. ``"Most Common Value"``.
    min_entropy : float
        Estimated min-entropy in bits per sample of the sequence it ran on.
    values : dict
        The intermediate values the reference tool prints (counts, p-hat, p_u, ...).
    """

    name: str
    min_entropy: float
    values: dict = field(default_factory=dict)


def upper_bound(p_hat: float, n: int) -> float:
    """The 99 % upper confidence bound ``min(1, p + 2.576 sqrt(p (1-p) / (n-1)))``."""
    return min(1.0, p_hat + ZALPHA * math.sqrt(p_hat * (1.0 - p_hat) / (n - 1.0)))


def run_bound_log_probability(p: float, r: int, n: int) -> float:
    """Log of the probability that ``n`` trials of success probability ``p`` have no run of
    ``r`` successes (SP 800-90B Sec. 6.3.7 step 4, the series solution used by the tool).

    ``x`` solves ``x = 1 + q p^r x^(r+1)`` by fixed-point iteration from 1; then
    ``log P = log(1 - p x) - log((r + 1 - r x) q) - (n + 1) log x``.
    """
    q = 1.0 - p
    x, last = 1.0, 0.0
    for _ in range(66):
        if x - last <= np.finfo(float).eps * x:
            break
        last = x
        x = 1.0 + q * p**r * x ** (r + 1.0)
    if 1.0 - p * x <= 0.0 or (r + 1.0 - r * x) * q <= 0.0:
        return -math.inf
    return math.log(1.0 - p * x) - math.log((r + 1.0 - r * x) * q) - (n + 1.0) * math.log(x)


def _local_probability(r: int, n: int, low: float) -> float:
    """Bisection for ``p`` in ``[low, 1]`` with ``run_bound_log_probability(p, r, n) = log 0.99``."""
    target = math.log(0.99)
    lo, hi = low, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if mid >= 1.0:
            break
        value = run_bound_log_probability(mid, r, n)
        if value > target:
            lo = mid
        else:
            hi = mid
    return hi


def prediction_estimate(correct: int, trials: int, longest: int, k: int) -> tuple[float, dict]:
    """Min-entropy from a predictor's score (SP 800-90B Sec. 6.3.7-6.3.10, final steps).

    Parameters
    ----------
    correct : int
        ``C``, the number of correct predictions.
    trials : int
        ``N``, the number of predictions made.
    longest : int
        The longest run of correct predictions (the tool prints ``r = longest + 1``).
    k : int
        Alphabet size; the estimate never exceeds ``log2 k``.

    Returns
    -------
    (float, dict)
        The min-entropy ``-log2 max(1/k, P_global', P_local)`` and the values the tool prints.
    """
    trials = require_integer("trials", trials, 2)
    correct, longest = require_integer("correct", correct, 0, trials), require_integer("longest", longest, 0, trials)
    k = require_integer("k", k, 2, 256)
    p_global = correct / trials
    if p_global > 0:
        p_prime = min(1.0, p_global + ZALPHA * math.sqrt(p_global * (1.0 - p_global) / (trials - 1.0)))
    else:
        p_prime = 1.0 - 0.01 ** (1.0 / trials)
    best = max(1.0 / k, p_prime)
    r = longest + 1
    values = {"C": int(correct), "r": int(r), "N": int(trials), "P_global": p_global,
              "P_global'": p_prime, "P_local": None}
    if best < 1.0 and run_bound_log_probability(best, r, trials) > math.log(0.99):
        p_local = _local_probability(r, trials, best)
        values["P_local"] = p_local
        best = max(best, p_local)
    return -math.log2(best), values


def longest_run(hits: np.ndarray, carry: int = 0) -> tuple[int, int]:
    """Longest run of True in ``hits`` (a run may continue ``carry`` from before).

    Returns ``(longest, trailing)``, the trailing run to carry into the next block.
    """
    hits = np.asarray(hits, dtype=bool)
    if hits.size == 0:
        return carry, carry
    misses = np.flatnonzero(~hits)
    if misses.size == 0:
        return carry + hits.size, carry + hits.size
    first = carry + int(misses[0])
    gaps = np.diff(misses) - 1
    inner = int(gaps.max()) if gaps.size else 0
    trailing = hits.size - 1 - int(misses[-1])
    return max(first, inner, trailing), trailing

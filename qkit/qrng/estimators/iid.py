"""The IID track's chi-square tests and longest-repeated-substring test (SP 800-90B Sec. 5.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from ._substrings import substring_counts

__all__ = ["ChiSquareResult", "chi_square_independence", "chi_square_goodness_of_fit",
           "LRSTestResult", "lrs_test", "tool_proportions"]

#: A chi-square statistic fails when its p-value is below this.
CHI_SQUARE_ALPHA = 0.001


@dataclass(frozen=True)
class ChiSquareResult:
    """A chi-square statistic ``T``, its degrees of freedom and p-value."""

    T: float
    df: int
    p_value: float

    @property
    def passed(self) -> bool:
        return self.p_value >= CHI_SQUARE_ALPHA


def _result(t: float, df: int) -> ChiSquareResult:
    return ChiSquareResult(float(t), int(df), float(special.gammaincc(df / 2.0, t / 2.0)) if df > 0 else 1.0)


def tool_proportions(symbols: np.ndarray, k: int) -> np.ndarray:
    """Symbol proportions as the reference tool forms them: ``1/n`` added once per occurrence
    (a sequential float sum, which can differ from ``count / n`` in the last bits)."""
    n = symbols.size
    counts = np.bincount(symbols, minlength=k)
    step = 1.0 / n
    return np.array([np.cumsum(np.full(c, step))[-1] if c else 0.0 for c in counts])


def _bins(expected: np.ndarray) -> np.ndarray:
    """Bin index per category: categories in increasing expectation (ties by index) are
    merged until each bin expects at least 5; a short last bin joins the one before."""
    order = np.lexsort((np.arange(expected.size), expected))
    bins = np.empty(expected.size, dtype=np.int64)
    current, acc = 0, 0.0
    for idx in order.tolist():
        if acc >= 5.0:
            current += 1
            acc = 0.0
        bins[idx] = current
        acc += expected[idx]
    if current != 0 and acc < 5.0:
        bins[bins == current] = current - 1
    return bins


def _binned_expectations(expected: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Bin expectations summed in the tool's order (increasing expectation)."""
    order = np.lexsort((np.arange(expected.size), expected))
    nb = int(bins.max()) + 1
    out = np.zeros(nb)
    for idx in order.tolist():
        out[bins[idx]] += expected[idx]
    return out


def chi_square_independence(symbols: np.ndarray, k: int) -> ChiSquareResult:
    """Chi-square test of independence (SP 800-90B Sec. 5.2.1 / 5.2.3).

    Non-binary data: non-overlapping pairs ``(S[2j], S[2j+1])`` against ``p_a p_b floor(L/2)``,
    with sparse pairs merged into bins of expectation >= 5; ``df = bins - k``.
    Binary data: non-overlapping ``m``-bit words (``m <= 11``, the largest with
    ``min(p0,p1)^m floor(L/m) >= 5``) against their binomial expectation; ``df = 2^m - 2``.
    """
    n = symbols.size
    if k == 2:
        p1 = float(np.count_nonzero(symbols)) / n
        p0 = 1.0 - p1
        m = 11
        while m > 1 and not min(p0, p1) ** m * (n // m) >= 5:
            m -= 1
        if m < 2:
            return ChiSquareResult(0.0, 0, 1.0)
        blocks = n // m
        words = symbols[: blocks * m].reshape(blocks, m).astype(np.int64) @ (1 << np.arange(m - 1, -1, -1))
        occ = np.bincount(words, minlength=1 << m)
        w = np.bitwise_count(np.arange(1 << m, dtype=np.uint32)).astype(float)
        e = p1 ** w * p0 ** (m - w) * blocks
        t = 0.0
        for o_i, e_i in zip(occ.tolist(), e.tolist()):
            t += (o_i - e_i) ** 2 / e_i
        return _result(t, (1 << m) - 2)
    p = tool_proportions(symbols, k)
    expected = (p[:, None] * p[None, :] * math.floor(n * 0.5)).reshape(-1)
    bins = _bins(expected)
    pairs = symbols[: (n // 2) * 2].reshape(-1, 2).astype(np.int64)
    observed = np.bincount(pairs[:, 0] * k + pairs[:, 1], minlength=k * k)
    e = _binned_expectations(expected, bins)
    o = np.bincount(bins, weights=observed, minlength=e.size)
    t = 0.0
    for o_i, e_i in zip(o.tolist(), e.tolist()):
        t += (o_i - e_i) ** 2 / e_i
    return _result(t, e.size - k)


def chi_square_goodness_of_fit(symbols: np.ndarray, k: int) -> ChiSquareResult:
    """Chi-square goodness of fit across ten equal parts (SP 800-90B Sec. 5.2.2 / 5.2.4)."""
    n = symbols.size
    part = n // 10
    if k == 2:
        p = float(np.count_nonzero(symbols)) / n
        e0, e1 = (1.0 - p) * part, p * part
        t = 0.0
        for j in range(10):
            o1 = int(np.count_nonzero(symbols[j * part:(j + 1) * part]))
            o0 = part - o1
            t += (o0 - e0) ** 2 / e0 + (o1 - e1) ** 2 / e1
        return _result(t, 9)
    p = tool_proportions(symbols, k)
    expected = p * math.floor(n / 10.0)
    bins = _bins(expected)
    e = _binned_expectations(expected, bins)
    t = 0.0
    for j in range(10):
        counts = np.bincount(symbols[j * part:(j + 1) * part], minlength=k)
        o = np.bincount(bins, weights=counts, minlength=e.size)
        for o_i, e_i in zip(o.tolist(), e.tolist()):
            t += (o_i - e_i) ** 2 / e_i
    return _result(t, 9 * (e.size - 1))


@dataclass(frozen=True)
class LRSTestResult:
    """Length-of-the-longest-repeated-substring test (SP 800-90B Sec. 5.2.5)."""

    W: int
    P_col: float
    probability_at_least_one: float
    passed: bool


def lrs_test(symbols: np.ndarray, k: int) -> LRSTestResult:
    """Is the longest repeated substring ``W`` plausible for IID data?

    With ``P_col = sum p_i^2`` and ``N = C(L - W + 1, 2)`` pairs of ``W``-tuples,
    ``Pr(X >= 1) = 1 - (1 - P_col^W)^N``; the test passes when this is at least 1/1000.
    """
    n = symbols.size
    p = tool_proportions(symbols, k)
    p_col = float(np.sum(p * p))
    w = substring_counts(symbols, k).longest
    if p_col > 1.0 - np.finfo(float).eps:
        return LRSTestResult(int(w), p_col, 1.0, True)
    log_no = math.log1p(-(p_col ** w))
    pairs = (n - w + 1) * (n - w) // 2
    prob = -math.expm1(pairs * log_no)
    return LRSTestResult(int(w), p_col, prob, math.log(0.999) >= pairs * log_no)

"""The IID-track tests of SP 800-90B written step by step, as the standard's pseudo-code reads.

This module is for reading and for checking: every function walks the samples one at a time
with plain Python loops, so it is slow (use it on a few thousand samples). The fast versions
are :func:`.permutation_statistics` / :func:`.permutation_tests` (Sec. 5.1) and the
functions of :mod:`.iid` (Sec. 5.2); the tests check that both give the same numbers.

Conventions follow NIST's reference tool (SP800-90B_EntropyAssessment 1.1.7) where the
standard leaves a choice: the proportions are sums of ``1/L``, the bins of the chi-square
tests are merged in increasing order of expectation, and the permutation tests stop early.
"""

from __future__ import annotations

import bz2
import math

import numpy as np

from qkit._validate import require_integer

from ._perm_kernels import make_shuffler
from ._symbols import (check_all_symbols_occur, check_alphabet, check_alphabet_size, check_bits, check_real,
                       check_seed, check_symbols)

__all__ = ["conversion_1", "conversion_2", "reference_statistics", "reference_permutation_counts",
           "reference_chi_square_independence", "reference_chi_square_goodness_of_fit",
           "reference_lrs_test"]


# ---------------------------------------------------------------- Sec. 5.1 conversions
def conversion_1(bits: list[int]) -> list[int]:
    """Conversion I: the number of ones in each 8-bit block (a short last block is padded with 0)."""
    bits = check_bits("bits", bits).tolist()
    return [sum(bits[i:i + 8]) for i in range(0, len(bits), 8)]


def conversion_2(bits: list[int]) -> list[int]:
    """Conversion II: each 8-bit block read as a byte, most significant bit first (padded with 0)."""
    bits = check_bits("bits", bits).tolist()
    out = []
    for i in range(0, len(bits), 8):
        block = bits[i:i + 8] + [0] * (8 - len(bits[i:i + 8]))
        value = 0
        for b in block:
            value = 2 * value + b
        out.append(value)
    return out


# ---------------------------------------------------------------- Sec. 5.1.1 - 5.1.11
def _excursion(raw: list[int], mean: float) -> float:                       # 5.1.1
    running, best = 0.0, 0.0
    for i, x in enumerate(raw):
        running += x
        best = max(best, abs(running - (i + 1) * mean))
    return best


def _run_lengths(signs: list[int]) -> list[int]:
    if not signs:              # no runs; the tool reports the longest as 1
        return []
    lengths = [1]
    for a, b in zip(signs, signs[1:]):
        if a == b:
            lengths[-1] += 1
        else:
            lengths.append(1)
    return lengths


def _directional(seq: list[int]) -> tuple[int, int, int]:                  # 5.1.2 - 5.1.4
    signs = [-1 if seq[i] > seq[i + 1] else 1 for i in range(len(seq) - 1)]
    runs = _run_lengths(signs)
    ups = signs.count(1)
    return len(runs), max(runs, default=1), max(ups, len(signs) - ups)


def _median_runs(seq: list[int], median: float) -> tuple[int, int]:        # 5.1.5 - 5.1.6
    runs = _run_lengths([-1 if x < median else 1 for x in seq])
    return len(runs), max(runs, default=1)


def _collisions(seq: list[int]) -> tuple[float, int]:                      # 5.1.7 - 5.1.8
    lengths, i = [], 0
    while i < len(seq):
        seen = set()
        for j in range(i, len(seq)):
            if seq[j] in seen:
                lengths.append(j - i + 1)
                i = j + 1
                break
            seen.add(seq[j])
        else:
            break
    if not lengths:
        return 0.0, 0
    return sum(lengths) / len(lengths), max(lengths)


def _periodicity(seq: list[int], lag: int) -> int:                         # 5.1.9
    return sum(1 for i in range(len(seq) - lag) if seq[i] == seq[i + lag])


def _covariance(seq: list[int], lag: int) -> int:                          # 5.1.10
    return sum(seq[i] * seq[i + lag] for i in range(len(seq) - lag))


def _compression(raw: list[int]) -> int:                                   # 5.1.11
    text = " ".join(str(x) for x in raw)
    return len(bz2.compress(text.encode("ascii"), 5))


def reference_statistics(symbols, raw, k: int, raw_mean: float, median: float) -> list[float]:
    """The 19 statistics of Sec. 5.1, one sample at a time (same order as ``STATISTICS``).

    Parameters
    ----------
    symbols, raw : sequence of int
        Renumbered symbols ``0..k-1`` and the raw values, one per sample.
    k : int
        Alphabet size; 2 applies conversion I (runs, periodicity, covariance) and II (collisions).
    raw_mean, median : float
        Mean of the raw values and median of the renumbered symbols of the original sequence.
    """
    k = check_alphabet_size("k", k)
    s = check_symbols("symbols", symbols, k, minimum=2).tolist()
    r = check_symbols("raw", raw, 256, minimum=2).tolist()
    if len(r) != len(s):
        raise ValueError(f"raw must hold one value per symbol ({len(s)}), got {len(r)}")
    raw_mean, median = check_real("raw_mean", raw_mean, 0, 255), check_real("median", median, 0, k - 1)
    binary = k == 2
    seq = conversion_1(s) if binary else s
    out = [_excursion(r, raw_mean), *_directional(seq),
           *_median_runs(s, 0.5 if binary else median),
           *_collisions(conversion_2(s) if binary else s)]
    out += [_periodicity(seq, lag) for lag in (1, 2, 8, 16, 32)]
    out += [_covariance(seq if binary else r, lag) for lag in (1, 2, 8, 16, 32)]
    out.append(_compression(r))
    return [float(v) for v in out]


def reference_permutation_counts(symbols, alphabet, *, seed=None, max_permutations: int = 10_000):
    """The permutation tests of Sec. 5.1 with the tool's early stopping, one shuffle at a time.

    Shuffle ``j`` is made by the ``j``-th generator spawned from ``numpy.random.default_rng(seed)``
    with the arrangement sampler of :func:`.permutation_tests` (so the counts can be compared
    with it; any uniformly random shuffle would do). Returns ``(unpermuted, counts, permutations)``:
    the 19 original statistics, ``[C0, C1, C2]`` per statistic, and the shuffles made.
    """
    alphabet = check_alphabet("alphabet", alphabet)
    s = check_symbols("symbols", symbols, alphabet.size, minimum=2)
    max_permutations = require_integer("max_permutations", max_permutations, 1)
    seed = check_seed("seed", seed)
    k = alphabet.size
    raw = alphabet[s]
    mean = sum(raw.tolist()) / s.size
    ordered = sorted(s.tolist())
    half = s.size // 2
    median = 0.5 if k == 2 else (ordered[half] if s.size % 2 else (ordered[half] + ordered[half - 1]) / 2)
    t = reference_statistics(s, raw, k, mean, median)
    counts = [[0, 0, 0] for _ in t]
    undecided = [True] * len(t)
    rng = np.random.default_rng(seed)
    shuffle = make_shuffler(s, k)
    done = 0
    while done < max_permutations and any(undecided):
        shuffled = shuffle(rng.spawn(1)[0])
        tp = reference_statistics(shuffled, alphabet[shuffled], k, mean, median)
        for i in range(len(t)):
            if undecided[i]:
                counts[i][0 if tp[i] > t[i] else 1 if tp[i] == t[i] else 2] += 1
                c0, c1, c2 = counts[i]
                if c0 + c1 > 5 and c1 + c2 > 5:
                    undecided[i] = False
        done += 1
    return t, counts, done


# ---------------------------------------------------------------- Sec. 5.2
def _proportions(s: list[int], k: int) -> list[float]:
    p = [0.0] * k
    for x in s:
        p[x] += 1.0 / len(s)
    return p


def _merge_bins(expected: list[float]) -> list[list[int]]:
    """Categories in increasing expectation, merged until each bin expects at least 5; a
    short last bin joins the one before."""
    order = sorted(range(len(expected)), key=lambda i: (expected[i], i))
    bins, acc = [[]], 0.0
    for i in order:
        if acc >= 5.0:
            bins.append([])
            acc = 0.0
        bins[-1].append(i)
        acc += expected[i]
    if len(bins) > 1 and acc < 5.0:
        bins[-2].extend(bins.pop())
    return bins


def _chi2(observed: list[float], expected: list[float]) -> float:
    return sum((o - e) ** 2 / e for o, e in zip(observed, expected))


def _p_value(t: float, df: int) -> float:
    from scipy import special                      # the regularised upper incomplete gamma
    return float(special.gammaincc(df / 2.0, t / 2.0)) if df > 0 else 1.0


def reference_chi_square_independence(symbols, k: int) -> tuple[float, int, float]:
    """Sec. 5.2.1 (non-binary) and 5.2.3 (binary): ``(T, df, p-value)``."""
    k = check_alphabet_size("k", k)
    s = _symbols_checked(symbols, k, minimum=2)
    n = len(s)
    if k == 2:
        p1 = sum(s) / n
        p0 = 1.0 - p1
        m = 11
        while m > 1 and not min(p0, p1) ** m * (n // m) >= 5:
            m -= 1
        if m < 2:
            return 0.0, 0, 1.0
        observed = [0] * (1 << m)
        for j in range(n // m):
            word = 0
            for b in s[j * m:(j + 1) * m]:
                word = 2 * word + b
            observed[word] += 1
        ones = [bin(w).count("1") for w in range(1 << m)]
        expected = [p1 ** w * p0 ** (m - w) * (n // m) for w in ones]
        return _result(_chi2(observed, expected), (1 << m) - 2)
    p = _proportions(s, k)
    expected = [p[a] * p[b] * math.floor(n * 0.5) for a in range(k) for b in range(k)]
    observed = [0] * (k * k)
    for j in range(n // 2):
        observed[s[2 * j] * k + s[2 * j + 1]] += 1
    bins = _merge_bins(expected)
    o = [sum(observed[i] for i in b) for b in bins]
    e = [_ordered_sum(expected, b) for b in bins]
    return _result(_chi2(o, e), len(bins) - k)


def _ordered_sum(values: list[float], members: list[int]) -> float:
    total = 0.0
    for i in sorted(members, key=lambda i: (values[i], i)):
        total += values[i]
    return total


def _result(t: float, df: int) -> tuple[float, int, float]:
    if df < 1:
        raise ValueError(f"symbols must be long enough for the chi-square test: binning leaves "
                         f"df = {df} (need >= 1)")
    return float(t), int(df), _p_value(t, df)


def _symbols_checked(symbols, k: int, minimum: int) -> list[int]:
    arr = check_symbols("symbols", symbols, k, minimum=minimum)
    check_all_symbols_occur("symbols", arr, k)
    return arr.tolist()


def reference_chi_square_goodness_of_fit(symbols, k: int) -> tuple[float, int, float]:
    """Sec. 5.2.2 (non-binary) and 5.2.4 (binary): ten equal parts, ``(T, df, p-value)``."""
    k = check_alphabet_size("k", k)
    s = _symbols_checked(symbols, k, minimum=10)
    n, part = len(s), len(s) // 10
    if k == 2:
        p = sum(s) / n
        e = [(1.0 - p) * part, p * part]
        t = 0.0
        for j in range(10):
            ones = sum(s[j * part:(j + 1) * part])
            t += _chi2([part - ones, ones], e)
        return _result(t, 9)
    p = _proportions(s, k)
    expected = [q * math.floor(n / 10.0) for q in p]
    bins = _merge_bins(expected)
    e = [_ordered_sum(expected, b) for b in bins]
    t = 0.0
    for j in range(10):
        counts = [0] * k
        for x in s[j * part:(j + 1) * part]:
            counts[x] += 1
        t += _chi2([sum(counts[i] for i in b) for b in bins], e)
    return _result(t, 9 * (len(bins) - 1))


def reference_lrs_test(symbols, k: int) -> tuple[int, float, float, bool]:
    """Sec. 5.2.5: ``(W, P_col, Pr(X >= 1), passed)`` with ``W`` the length of the longest
    substring that occurs twice (found by trying every length), ``P_col = sum p_i^2`` and
    ``Pr(X >= 1) = 1 - (1 - P_col^W)^C(L-W+1, 2)``; the test passes if that is >= 1/1000."""
    k = check_alphabet_size("k", k)
    s = _symbols_checked(symbols, k, minimum=2)
    n = len(s)
    w = 0
    while w + 1 < n and len({tuple(s[i:i + w + 1]) for i in range(n - w)}) < n - w:
        w += 1
    p = _proportions(s, k)
    p_col = sum(q * q for q in p)
    if p_col > 1.0 - np.finfo(float).eps:
        return w, p_col, 1.0, True
    pairs = (n - w + 1) * (n - w) // 2
    prob = 1.0 - (1.0 - p_col ** w) ** pairs
    return w, p_col, prob, prob >= 0.001

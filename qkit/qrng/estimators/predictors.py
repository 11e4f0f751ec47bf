"""The four predictor estimates (SP 800-90B Sec. 6.3.7-6.3.10): MultiMCW, Lag, MultiMMC, LZ78Y.

Each predictor guesses every sample from the ones before it; the fraction of right guesses
and the longest run of them bound the guessing probability (:func:`prediction_estimate`).
The conventions are those of NIST's reference tool (windows 63/255/1023/4095; lags 1-128;
Markov orders 1-16 with at most 100,000 (prefix, next) entries each; LZ78Y prefixes of
length 1-16, at most 65,536 prefixes in all; ties go to the larger symbol, and in
MultiMCW to the symbol seen most recently).
"""

from __future__ import annotations

import numpy as np

from ._common import EstimateResult, longest_run, prediction_estimate
from ._grouping import TupleCodes, group_prefix_max, sort_groups
from ._scoreboard import follow_scoreboard

__all__ = ["multi_mcw_estimate", "lag_estimate", "multi_mmc_estimate", "lz78y_estimate",
           "WINDOWS", "LAGS", "MMC_ORDERS", "MMC_MAX_ENTRIES", "LZ78Y_LENGTH", "LZ78Y_MAX_PREFIXES"]

WINDOWS = (63, 255, 1023, 4095)
LAGS = 128
MMC_ORDERS = 16
MMC_MAX_ENTRIES = 100_000
LZ78Y_LENGTH = 16
LZ78Y_MAX_PREFIXES = 65_536


def _result(name: str, correct: int, trials: int, longest: int, k: int) -> EstimateResult:
    h, values = prediction_estimate(correct, trials, longest, k)
    return EstimateResult(name, h, values)


def _window_modes(s: np.ndarray, k: int, window: int, start: int, stop: int) -> np.ndarray:
    """Most common symbol of ``s[i-window : i]`` for ``i = start..stop-1`` (``start >= window``);
    ties go to the symbol whose latest occurrence is latest."""
    lo = start - window
    seg = s[lo:stop]
    if k == 2 and window % 2 == 1:
        ones = np.concatenate(([0], np.cumsum(seg, dtype=np.int64)))
        count1 = ones[window: window + stop - start] - ones[: stop - start]
        return (2 * count1 > window).astype(np.int64)
    onehot = seg[:, None] == np.arange(k)[None, :]
    cum = np.zeros((seg.size + 1, k), dtype=np.int32)
    np.cumsum(onehot, axis=0, out=cum[1:])
    counts = cum[window: window + stop - start] - cum[: stop - start]
    last = np.where(onehot, np.arange(seg.size)[:, None], -1)
    np.maximum.accumulate(last, axis=0, out=last)
    before = last[window - 1: window - 1 + stop - start]       # latest index < i, per symbol
    key = counts.astype(np.int64) * (seg.size + 2) + (before + 1)
    return np.argmax(key, axis=1)


def multi_mcw_estimate(symbols: np.ndarray, k: int) -> EstimateResult:
    """MultiMCW prediction estimate: the most common symbol in the last 63, 255, 1023 or
    4095 samples, whichever window has guessed best so far (Sec. 6.3.7).

    Returns
    -------
    EstimateResult
        ``values``: ``C``, ``r``, ``N``, ``P_global``, ``P_global'``, ``P_local``.
    """
    s = symbols.astype(np.int64)
    n = s.size
    first = WINDOWS[0]
    if n <= WINDOWS[-1]:
        raise ValueError(f"symbols must hold more than {WINDOWS[-1]} samples for MultiMCW, got {n}")

    def correct(a: int, b: int) -> np.ndarray:
        out = np.zeros((b - a, len(WINDOWS)), dtype=bool)
        for col, w in enumerate(WINDOWS):
            lo = max(w, first + a)
            if lo >= first + b:
                continue
            guess = _window_modes(s, k, w, lo, first + b)
            out[lo - first - a:, col] = guess == s[lo:first + b]
        return out

    c, longest = follow_scoreboard(correct, n - first, len(WINDOWS), chunk=32768)
    return _result("MultiMCW", c, n - first, longest, k)


def lag_estimate(symbols: np.ndarray, k: int) -> EstimateResult:
    """Lag prediction estimate: guess ``S[i] = S[i - lag]`` with the best of lags 1-128
    so far (Sec. 6.3.8).

    Returns
    -------
    EstimateResult
    """
    s = symbols.astype(np.int16)
    n = s.size
    padded = np.concatenate((np.full(LAGS, -1, dtype=np.int16), s))
    windows = np.lib.stride_tricks.sliding_window_view(padded, LAGS)   # row i: s[i-128..i-1]

    def correct(a: int, b: int) -> np.ndarray:
        rows = windows[1 + a: 1 + b, ::-1]                                 # lag 1 first
        return rows == s[1 + a: 1 + b, None]

    c, longest = follow_scoreboard(correct, n - 1, LAGS, chunk=4096)
    return _result("Lag", c, n - 1, longest, k)


def _mmc_order(codes: TupleCodes, s: np.ndarray, k: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Order-``d+1`` Markov guesses: for each tuple start ``p``, whether the prefix
    ``s[p..p+d]`` was seen before (among admitted entries) and the guessed next symbol."""
    z = codes.codes(d + 2)
    x = codes.codes(d + 1)[: z.size]
    y = s[d + 1:]
    order, start = sort_groups(z, codes.bits(d + 2))
    rank = np.arange(z.size) - np.maximum.accumulate(np.where(start, np.arange(z.size), 0))
    admitted = np.ones(z.size, dtype=bool)
    first_times = order[start]
    if first_times.size > MMC_MAX_ENTRIES:
        cutoff = np.partition(first_times, MMC_MAX_ENTRIES - 1)[MMC_MAX_ENTRIES - 1]
        group_first = first_times[np.cumsum(start) - 1]
        admitted[order] = group_first <= cutoff
    key = np.empty(z.size, dtype=np.int64)
    key[order] = rank + 1
    key = np.where(admitted, key * k + y, -1)
    xorder, xstart = sort_groups(x, codes.bits(d + 1))
    best = np.empty(z.size, dtype=np.int64)
    best[xorder] = group_prefix_max(key[xorder], xstart)
    return best >= 0, best % k


def multi_mmc_estimate(symbols: np.ndarray, k: int) -> EstimateResult:
    """MultiMMC prediction estimate: Markov models of order 1-16, whichever has guessed best
    so far (Sec. 6.3.9).

    Returns
    -------
    EstimateResult
    """
    s = symbols.astype(np.int64)
    n = s.size
    codes = TupleCodes(symbols, k)
    found = np.zeros((n, MMC_ORDERS), dtype=bool)
    guess = np.zeros((n, MMC_ORDERS), dtype=np.int16)
    for d in range(MMC_ORDERS):
        if d + 2 >= n:
            break
        f, g = _mmc_order(codes, s, k, d)
        found[d + 1: d + 1 + f.size, d] = f                  # tuple start p guesses round p+d+1
        guess[d + 1: d + 1 + g.size, d] = g
    np.logical_and.accumulate(found, axis=1, out=found)
    right = found & (guess == symbols.astype(np.int16)[:, None])

    def correct(a: int, b: int) -> np.ndarray:
        return right[2 + a: 2 + b]

    c, longest = follow_scoreboard(correct, n - 2, MMC_ORDERS, chunk=16384)
    return _result("MultiMMC", c, n - 2, longest, k)


def _lz_admission(codes: TupleCodes, n: int) -> int | None:
    """Ordering key of the last prefix admitted to the LZ78Y dictionary (None: no cap)."""
    keys = []
    for j in range(1, LZ78Y_LENGTH + 1):
        x = codes.codes(j)[LZ78Y_LENGTH - j: n - j]             # prefix ending at i-1, i = 16..n-1
        order, start = sort_groups(x, codes.bits(j))
        first = order[start]                                    # event index = round - 16
        within = np.where(first == 0, j - 1, LZ78Y_LENGTH - j)
        keys.append((first + LZ78Y_LENGTH) * LZ78Y_LENGTH + within)
    keys = np.concatenate(keys)
    if keys.size <= LZ78Y_MAX_PREFIXES:
        return None
    return int(np.partition(keys, LZ78Y_MAX_PREFIXES - 1)[LZ78Y_MAX_PREFIXES - 1])


def lz78y_estimate(symbols: np.ndarray, k: int) -> EstimateResult:
    """LZ78Y prediction estimate: the longest-context dictionary guess (Sec. 6.3.10).

    Returns
    -------
    EstimateResult
    """
    s = symbols.astype(np.int64)
    n = s.size
    if n < LZ78Y_LENGTH + 3:
        raise ValueError(f"symbols must hold at least {LZ78Y_LENGTH + 3} samples for LZ78Y, got {n}")
    codes = TupleCodes(symbols, k)
    cutoff = _lz_admission(codes, n)
    codes = TupleCodes(symbols, k)
    events = n - LZ78Y_LENGTH
    y = s[LZ78Y_LENGTH:]
    best_count = np.zeros(events, dtype=np.int64)
    best_guess = np.full(events, -1, dtype=np.int64)
    for j in range(1, LZ78Y_LENGTH + 1):
        z = codes.codes(j + 1)[LZ78Y_LENGTH - j: n - j]
        x = codes.codes(j)[LZ78Y_LENGTH - j: n - j]
        order, start = sort_groups(z, codes.bits(j + 1))
        rank = np.arange(events) - np.maximum.accumulate(np.where(start, np.arange(events), 0))
        key = np.empty(events, dtype=np.int64)
        key[order] = (rank + 1) * k + y[order]
        xorder, xstart = sort_groups(x, codes.bits(j))
        prior = group_prefix_max(key[xorder], xstart)
        if cutoff is not None:
            first = xorder[xstart]
            within = np.where(first == 0, j - 1, LZ78Y_LENGTH - j)
            admitted = ((first + LZ78Y_LENGTH) * LZ78Y_LENGTH + within) <= cutoff
            prior = np.where(admitted[np.cumsum(xstart) - 1], prior, -1)
        best = np.empty(events, dtype=np.int64)
        best[xorder] = prior
        count = np.where(best >= 0, best // k, 0)
        take = (count > 0) & (count >= best_count)
        best_count[take] = count[take]
        best_guess[take] = best[take] % k
    hits = (best_guess == y)[1:]                                # rounds 17..n-1
    longest, _ = longest_run(hits)
    return _result("LZ78Y", int(np.count_nonzero(hits)), events - 1, longest, k)

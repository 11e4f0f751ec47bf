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
from ._compiled import kernel
from ._binary import context_codes, first_seen, prior_counts, prior_counts_small, symbol_codes
from ._grouping import TupleCodes, group_prefix_max, sort_groups
from ._scoreboard import follow_scoreboard
from ._symbols import check_alphabet_size, check_symbols

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

    When the C kernel ``_cpredict`` is built, it runs the standard's loop with window counts
    kept incrementally (``_c/predict.c``; the same numbers as this numpy path).

    Returns
    -------
    EstimateResult
        ``values``: ``C``, ``r``, ``N``, ``P_global``, ``P_global'``, ``P_local``.
    """
    k = check_alphabet_size("k", k)
    symbols = check_symbols("symbols", symbols, k, minimum=2)
    n = symbols.size
    first = WINDOWS[0]
    if n <= WINDOWS[-1]:
        raise ValueError(f"symbols must hold more than {WINDOWS[-1]} samples for MultiMCW, got {n}")
    fast = kernel("multi_mcw")
    if fast is not None:                                     # the C loop: same numbers
        c, longest = fast(symbols, k)
        return _result("MultiMCW", c, n - first, longest, k)
    s = symbols.astype(np.int64)

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
    """Lag prediction estimate (SP 800-90B Sec. 6.3.8): guess ``S[i] = S[i - d]`` with the lag
    ``d`` in 1..128 that has guessed best so far.

    Subpredictor ``d`` guesses that the next sample repeats the one ``d`` samples back. A
    scoreboard counts each subpredictor's right guesses; the winner before a round (a tie
    goes to the latest to reach the top score) makes the ensemble's guess. From the ``C``
    right guesses in ``N = L - 1`` rounds and the longest run ``r - 1`` of them,
    ``H = -log2 max(P_global', P_local, 1/k)`` with ``P_global' = C/N + 2.576 sqrt(...)``
    (:func:`prediction_estimate`, steps 4-6 of Sec. 6.3.7).

    How this differs from the standard's loop: the guesses of all 128 lags for a block of
    4096 rounds are one comparison of the sequence with 128 shifted copies of itself, and the
    scoreboard is followed with cumulative sums (:func:`follow_scoreboard`). The loop exactly
    as the standard writes it is :func:`qkit.qrng.estimators.reference.lag`; the tests check
    both give the same number (``tests/test_estimators_reference.py``). When the C kernel
    ``_cpredict`` is built, it runs that loop round by round instead, in a few KiB
    (``_c/predict.c``; same numbers, ``tests/test_kernel_predict.py``).

    Parameters
    ----------
    symbols : numpy.ndarray of int
        The samples, values ``0..k-1``, at least 2.
    k : int
        Alphabet size (2..256); the estimate never exceeds ``log2 k``.

    Returns
    -------
    EstimateResult
        ``min_entropy`` in bits per sample; ``values``: ``C``, ``N``, ``r``, ``P_global``,
        ``P_global'``, ``P_local`` (None when the longest run does not raise the bound).
    """
    k = check_alphabet_size("k", k)
    symbols = check_symbols("symbols", symbols, k, minimum=2)
    fast = kernel("lag")
    if fast is not None:                                     # the C loop: same numbers
        c, longest = fast(symbols, k)
        return _result("Lag", c, symbols.size - 1, longest, k)
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

    When the C kernel ``_cmmc`` is built, it runs the same loop sample by sample (same tie
    rules, same 100,000-entry cap, same numbers) in 1 MiB of tables on binary data.

    Returns
    -------
    EstimateResult
    """
    k = check_alphabet_size("k", k)
    symbols = check_symbols("symbols", symbols, k, minimum=2)
    n = symbols.size
    fast = kernel("multi_mmc")
    if fast is not None:                                     # the C loop: same numbers
        c, longest = fast(symbols, k, MMC_MAX_ENTRIES)
        return _result("MultiMMC", c, n - 2, longest, k)
    if k == 2:
        right = _mmc_binary_right(symbols)
    elif k <= 4:
        right = _mmc_small_right(symbols, k)
    else:
        right = _mmc_right(symbols, k)

    def correct(a: int, b: int) -> np.ndarray:
        return right[2 + a: 2 + b]

    c, longest = follow_scoreboard(correct, n - 2, MMC_ORDERS, chunk=16384)
    return _result("MultiMMC", c, n - 2, longest, k)


def _mmc_binary_right(bits: np.ndarray) -> np.ndarray:
    """``right[i, d]``: whether the order-``d+1`` model guessed bit ``i`` right (binary data)."""
    n = bits.size
    flags = np.zeros((n, MMC_ORDERS), dtype=np.uint8)         # bit 0: prefix found, bit 1: hit
    for j, codes in context_codes(bits, MMC_ORDERS):
        if j + 1 >= n:
            break
        order, key, ys, c0, c1 = prior_counts(codes[: n - j], j, bits[j:])   # events i = j..n-1
        first = first_seen((codes[: n - j] << np.uint32(1)) | bits[j:], 1 << (j + 1))
        seen = first[first < order.size]
        if seen.size > MMC_MAX_ENTRIES:                        # entries admitted in time order
            admitted = first <= np.partition(seen, MMC_MAX_ENTRIES - 1)[MMC_MAX_ENTRIES - 1]
            key <<= np.uint32(1)
            c0[~admitted[key]] = 0
            c1[~admitted[key | np.uint32(1)]] = 0
        flag = ((c0 + c1) > 0).astype(np.uint8)
        flag |= ((c1 >= c0) == (ys == 1)).astype(np.uint8) << np.uint8(1)
        column = np.empty(order.size, dtype=np.uint8)
        column[order] = flag
        flags[j:, j - 1] = column
    found = (flags & 1).astype(bool)
    np.logical_and.accumulate(found, axis=1, out=found)
    found &= flags >= 2
    return found


def _mmc_right(symbols: np.ndarray, k: int) -> np.ndarray:
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
    return found & (guess == symbols.astype(np.int16)[:, None])


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

    When the C kernel ``_clz78y`` is built, it runs the same loop sample by sample (same
    dictionary cap and tie rules, same numbers) in a few MiB (1 MiB on binary data).

    Returns
    -------
    EstimateResult
    """
    k = check_alphabet_size("k", k)
    symbols = check_symbols("symbols", symbols, k, minimum=2)
    n = symbols.size
    if n < LZ78Y_LENGTH + 3:
        raise ValueError(f"symbols must hold at least {LZ78Y_LENGTH + 3} samples for LZ78Y, got {n}")
    fast = kernel("lz78y")
    if fast is not None:                                     # the C loop: same numbers
        c, longest = fast(symbols, k, LZ78Y_MAX_PREFIXES)
        return _result("LZ78Y", c, n - LZ78Y_LENGTH - 1, longest, k)
    s = symbols.astype(np.int64)
    if k == 2:
        hits = _lz78y_binary_hits(symbols)
        longest, _ = longest_run(hits)
        return _result("LZ78Y", int(np.count_nonzero(hits)), n - LZ78Y_LENGTH - 1, longest, k)
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


def _lz78y_binary_hits(bits: np.ndarray) -> np.ndarray:
    """Whether LZ78Y guessed each bit ``17 .. n-1`` right (binary data)."""
    n, top = bits.size, LZ78Y_LENGTH
    events = n - top
    y = bits[top:]
    tables = []
    for j, codes in context_codes(bits, top):                # admission: first event of each
        first = first_seen(codes[top - j: n - j], 1 << j)    # prefix, ordered as the tool adds
        within = np.where(first == 0, j - 1, top - j)
        tables.append(np.where(first < events, (first + top) * top + within, np.iinfo(np.int64).max))
    seen = np.concatenate([t[t < np.iinfo(np.int64).max] for t in tables])
    cutoff = None
    if seen.size > LZ78Y_MAX_PREFIXES:
        cutoff = np.partition(seen, LZ78Y_MAX_PREFIXES - 1)[LZ78Y_MAX_PREFIXES - 1]
    best = np.zeros(events, dtype=np.int32)                    # 2 * count + guess
    for (j, codes), table in zip(context_codes(bits, top), tables):
        ctx = codes[top - j: n - j]
        order, key, _, c0, c1 = prior_counts(ctx, j, y)
        if cutoff is not None:
            refused = table[key] > cutoff
            c0[refused] = 0
            c1[refused] = 0
        code = np.empty(events, dtype=np.int32)
        code[order] = 2 * np.maximum(c0, c1) + (c1 >= c0)
        take = (code >= 2) & ((code >> 1) >= (best >> 1))
        best[take] = code[take]
    return ((best >= 2) & ((best & 1) == y))[1:]


def _guess_of(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest count per event and the symbol that has it (ties to the larger symbol)."""
    k = counts.shape[0]
    return counts.max(axis=0), (k - 1 - np.argmax(counts[::-1], axis=0)).astype(np.uint8)


def _mmc_small_right(symbols: np.ndarray, k: int) -> np.ndarray:
    """:func:`_mmc_binary_right` for 3 or 4 symbols (2 bits per symbol in the context code)."""
    n = symbols.size
    flags = np.zeros((n, MMC_ORDERS), dtype=np.uint8)         # bit 0: prefix found, bit 1: hit
    for j, codes in symbol_codes(symbols, MMC_ORDERS, 2):
        if j + 1 >= n:
            break
        order, ys, counts, gid = prior_counts_small(codes[: n - j], 2 * j, symbols[j:], k)
        new = [(ys == a) & (counts[a] == 0) for a in range(k)]  # first event of entry (x, a)
        if sum(int(np.count_nonzero(f)) for f in new) > MMC_MAX_ENTRIES:
            times = np.concatenate([order[f] for f in new])
            cutoff = np.partition(times, MMC_MAX_ENTRIES - 1)[MMC_MAX_ENTRIES - 1]
            for a, f in enumerate(new):
                admitted = np.zeros(int(gid[-1]) + 1, dtype=bool)
                admitted[gid[f]] = order[f] <= cutoff
                counts[a][~admitted[gid]] = 0
        best, guess = _guess_of(counts)
        flag = (best > 0).astype(np.uint8) | ((guess == ys).astype(np.uint8) << np.uint8(1))
        column = np.empty(order.size, dtype=np.uint8)
        column[order] = flag
        flags[j:, j - 1] = column
    found = (flags & 1).astype(bool)
    np.logical_and.accumulate(found, axis=1, out=found)
    found &= flags >= 2
    return found


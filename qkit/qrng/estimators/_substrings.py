"""Counting repeated substrings: how often each ``t``-tuple occurs, for every ``t``.

The t-Tuple and LRS estimates and the IID track's longest-repeated-substring test need, for
each length ``t``, the largest count of any ``t``-tuple and the number of equal pairs
``sum_x C(count_x, 2)``. Both follow from the suffixes sorted lexicographically and the
longest common prefix (LCP) of neighbours: equal ``t``-tuples form runs of neighbours whose
LCP is at least ``t``.

Fast path: each position is keyed by the 63-bit integer of its next ``c = 63 // b`` symbols
(``b`` bits per symbol), one ``numpy.sort``; the last ``c - 1`` positions (shorter suffixes)
are added exactly by binary search. If some LCP reaches ``c``, the exact suffix array is
built by prefix doubling instead (slower, any data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SubstringCounts", "substring_counts"]


@dataclass(frozen=True)
class SubstringCounts:
    """Per-length tuple statistics of a sequence of ``n`` symbols.

    Attributes
    ----------
    max_count : numpy.ndarray
        ``max_count[t]`` is the largest number of occurrences of any ``t``-tuple
        (overlapping), for ``t = 1 .. longest + 1`` (index 0 unused).
    pairs : numpy.ndarray
        ``pairs[t] = sum over distinct t-tuples of C(count, 2)`` (exact integers, as float
        beyond 2**53 is never reached for n < 10**8).
    longest : int
        ``v``, the length of the longest repeated substring.
    """

    max_count: np.ndarray
    pairs: np.ndarray
    longest: int


def _bit_length(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.uint64)
    for s in (1, 2, 4, 8, 16, 32):
        x |= x >> np.uint64(s)
    return np.bitwise_count(x).astype(np.int64)


def _window_codes(s: np.ndarray, b: int, c: int) -> np.ndarray:
    """Integer of ``s[i:i+c]`` (``b`` bits per symbol, first symbol most significant) for
    ``i = 0 .. n-c``, built by doubling."""
    n = s.size
    codes = {1: s.astype(np.uint64)}
    width = 1
    while 2 * width <= c:
        prev = codes[width]
        codes[2 * width] = (prev[: prev.size - width] << np.uint64(b * width)) | prev[width:]
        width *= 2
    out = None
    done = 0
    for w in sorted(codes, reverse=True):
        if done + w <= c:
            part = codes[w][done: done + n - c + 1]
            out = part if out is None else (out << np.uint64(b * w)) | part
            done += w
    return out


def _runs(lcp: np.ndarray, t: int, total: int) -> np.ndarray:
    """Sizes of the runs of sorted entries whose neighbour LCPs are >= t."""
    cuts = np.flatnonzero(lcp < t)
    edges = np.concatenate(([0], cuts + 1, [total]))
    return np.diff(edges)


def _fast(s: np.ndarray, k: int):
    n = s.size
    b = max(1, int(k - 1).bit_length())
    c = 63 // b
    if n <= 2 * c:
        return None
    keys = np.sort(_window_codes(s, b, c).astype(np.int64))
    diff = keys[1:] ^ keys[:-1]
    lcp = (c * b - _bit_length(diff)) // b
    if lcp.size and lcp.max() >= c:
        return None
    tails = [s[i:].astype(np.int64) for i in range(n - c + 1, n)]
    return keys, lcp, tails, b, c


def _tail_correction(keys, tails, t, b, c):
    """Extra count and pairs from the short suffixes' ``t``-tuples."""
    codes = {}
    for tail in tails:
        if tail.size >= t:
            code = 0
            for sym in tail[:t].tolist():
                code = (code << b) | sym
            codes[code] = codes.get(code, 0) + 1
    best, extra = 0, 0
    shift = b * (c - t)
    for code, e in codes.items():
        lo = np.searchsorted(keys, code << shift, side="left")
        upper = (code + 1) << shift
        hi = keys.size if upper >= 1 << 63 else np.searchsorted(keys, upper, side="left")
        m = int(hi - lo)
        best = max(best, m + e)
        extra += (m + e) * (m + e - 1) // 2 - m * (m - 1) // 2
    return best, extra


def _suffix_array_lcp(s: np.ndarray):
    """Suffix array by prefix doubling and neighbour LCPs by binary lifting (exact)."""
    n = s.size
    rank = s.astype(np.int64)
    levels = [rank]
    h = 1
    while True:
        second = np.full(n, -1, dtype=np.int64)
        second[: n - h] = rank[h:]
        key = rank * (n + 1) + (second + 1)
        order = np.argsort(key)
        sk = key[order]
        new = np.empty(n, dtype=np.int64)
        new[order] = np.concatenate(([0], np.cumsum(sk[1:] != sk[:-1])))
        rank = new
        levels.append(rank)
        h *= 2
        if rank.max() == n - 1 or h >= n:
            break
    sa = np.argsort(rank)
    a, bb = sa[:-1].copy(), sa[1:].copy()
    lcp = np.zeros(n - 1, dtype=np.int64)
    for m in range(len(levels) - 1, -1, -1):
        step = 1 << m
        pa, pb = a + lcp, bb + lcp
        ok = (pa + step <= n) & (pb + step <= n)
        idx = np.flatnonzero(ok)
        eq = levels[m][pa[idx]] == levels[m][pb[idx]]
        lcp[idx[eq]] += step
    return lcp


def substring_counts(symbols: np.ndarray, k: int, up_to: int | None = None) -> SubstringCounts:
    """Tuple counts for every length up to the longest repeated substring.

    Parameters
    ----------
    symbols : numpy.ndarray of uint8
        Symbols ``0..k-1``.
    k : int
        Alphabet size.
    up_to : int, optional
        Stop once ``max_count[t] < 2`` or ``t > up_to``.

    Returns
    -------
    SubstringCounts
    """
    s = np.ascontiguousarray(symbols)
    n = s.size
    fast = _fast(s, k)
    if fast is not None:
        keys, lcp, tails, b, c = fast
    else:
        lcp, tails, b, c = _suffix_array_lcp(s), [], 0, 0
    total = lcp.size + 1
    max_count, pairs = [0], [0]
    t = 1
    while True:
        sizes = _runs(lcp, t, total)
        best = int(sizes.max())
        pair = int((sizes * (sizes - 1) // 2).sum())
        if tails:
            tb, extra = _tail_correction(keys, tails, t, b, c)
            best, pair = max(best, tb), pair + extra
        max_count.append(best)
        pairs.append(pair)
        if best < 2 or t >= n - 1 or (up_to is not None and t >= up_to):
            break
        t += 1
    longest = max(i for i, q in enumerate(max_count) if q >= 2) if max(max_count) >= 2 else 0
    return SubstringCounts(np.asarray(max_count, dtype=np.int64),
                           np.asarray(pairs, dtype=np.int64), longest)

"""Counting repeated substrings: how often each ``t``-tuple occurs, for every ``t``.

The t-Tuple and LRS estimates and the IID track's longest-repeated-substring test need, for
each length ``t``, the largest count of any ``t``-tuple and the number of equal pairs
``sum_x C(count_x, 2)``. Both follow from the suffixes sorted lexicographically and the
longest common prefix (LCP) of neighbours: equal ``t``-tuples form runs of neighbours whose
LCP is at least ``t``.

Fast path: each position is keyed by the 63-bit integer of its next ``c = 63 // b`` symbols
(``b`` bits per symbol), one ``numpy.sort``; the last ``c - 1`` positions (shorter suffixes)
are added exactly by binary search. If some LCP reaches ``c`` (long repeats: periodic,
constant or text-like data), the exact suffix array and LCP array come from libdivsufsort
(through ``pydivsufsort``, the library NIST's own tool uses; O(n log n) on any data) and the
counts for every length from one pass over the LCP array. Prefix doubling in numpy, the
readable fallback, is used only if ``pydivsufsort`` is not installed.

When the C kernel ``_csuffix`` is built (see :mod:`._compiled`), it computes the same arrays
from its own suffix array (SA-IS), Kasai's LCP and one stack pass, in 8 bytes per sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._compiled import kernel

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
    """Extra count and pairs from the short suffixes' ``t``-tuples (the last ``c - 1``
    positions, which have no full window), all tails at once."""
    long_enough = [tail for tail in tails if tail.size >= t]
    if not long_enough:
        return 0, 0
    prefixes = np.array([tail[:t] for tail in long_enough], dtype=np.int64)
    codes = prefixes @ (np.int64(1) << (b * np.arange(t - 1, -1, -1, dtype=np.int64)))
    codes, e = np.unique(codes, return_counts=True)
    shift = b * (c - t)
    lo = np.searchsorted(keys, codes << shift, side="left")
    upper = (codes + 1).astype(np.uint64) << np.uint64(shift)      # may reach 2**63
    inside = upper < np.uint64(1 << 63)
    hi = np.full(codes.size, keys.size)
    hi[inside] = np.searchsorted(keys, upper[inside].astype(np.int64), side="left")
    m = (hi - lo).astype(np.int64)
    best = int((m + e).max())
    extra = int(((m + e) * (m + e - 1) // 2 - m * (m - 1) // 2).sum())
    return best, extra


def _doubling_step(rank: np.ndarray, h: int) -> np.ndarray:
    """Ranks of the ``2h``-prefixes of the suffixes from the ranks of their ``h``-prefixes
    (a suffix that ends early sorts first)."""
    n = rank.size
    second = np.zeros(n, dtype=np.int64)
    second[: n - h] = rank[h:] + 1
    pbits = max(1, int(n + 1).bit_length())
    key = (rank.astype(np.int64) << pbits) | second
    if 3 * pbits <= 63:                                  # one sort of (key, position) packed
        packed = np.sort((key << pbits) | np.arange(n, dtype=np.int64))
        order = packed & ((1 << pbits) - 1)
        sk = packed >> pbits
    else:
        order = np.argsort(key)
        sk = key[order]
    new = np.empty(n, dtype=np.int32)
    new[order] = np.concatenate(([0], np.cumsum(sk[1:] != sk[:-1])))
    return new


def _suffix_array_lcp(s: np.ndarray) -> np.ndarray:
    """Neighbour LCPs of the sorted suffixes: suffix array by prefix doubling (int32 ranks
    kept per level), then each LCP by binary lifting over the levels (exact, any data)."""
    n = s.size
    rank = np.unique(s, return_inverse=True)[1].astype(np.int32)
    levels = [rank]
    h = 1
    while h < n and int(rank.max()) < n - 1:
        rank = _doubling_step(rank, h)
        levels.append(rank)
        h *= 2
    sa = np.argsort(rank)
    a, bb = sa[:-1].copy(), sa[1:].copy()
    lcp = np.zeros(n - 1, dtype=np.int64)
    for m in range(len(levels) - 1, -1, -1):
        step, level = 1 << m, levels[m]
        pa, pb = a + lcp, bb + lcp
        ok = (np.maximum(pa, pb) + step <= n)
        ok &= level[np.minimum(pa, n - 1)] == level[np.minimum(pb, n - 1)]
        lcp += np.where(ok, step, 0)
    return lcp


def _suffix_lcp(s: np.ndarray) -> np.ndarray:
    """Neighbour LCPs of the sorted suffixes of ``s`` (``n - 1`` values)."""
    try:
        from pydivsufsort import divsufsort, kasai
    except ImportError:                                   # pragma: no cover - optional speed-up
        return _suffix_array_lcp(s)
    text = np.ascontiguousarray(s, dtype=np.uint8)
    if not text.flags.writeable:                          # pydivsufsort refuses read-only arrays
        text = text.copy()
    return kasai(text, divsufsort(text))[:-1].astype(np.int64)


def _spans(lcp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each neighbour pair ``e``: the nearest ``l < e`` with ``lcp[l] < lcp[e]`` and the
    nearest ``r > e`` with ``lcp[r] <= lcp[e]`` (-1 and ``lcp.size`` if none), by binary
    search over a sparse table of range minima."""
    m = lcp.size
    table = [lcp.astype(np.int32)]
    while 2 * (1 << (len(table) - 1)) <= m:
        prev, half = table[-1], 1 << (len(table) - 1)
        table.append(np.minimum(prev[:-half], prev[half:]))
    idx = np.arange(m, dtype=np.int32)
    left, right = idx.copy(), idx + 1                    # [left, e) >= lcp[e]; (e, right) > lcp[e]
    height = table[0]
    for level in range(len(table) - 1, -1, -1):
        step, mins = 1 << level, table[level]
        top = mins.size - 1
        cand = left - step
        ok = (cand >= 0) & (mins[np.clip(cand, 0, top)] >= height)
        left = np.where(ok, cand, left)
        ok = (right + step <= m) & (mins[np.minimum(right, top)] > height)
        right = np.where(ok, right + step, right)
    return left - 1, right


def _counts_from_lcp(lcp: np.ndarray, n: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """``max_count[t]`` and ``pairs[t]`` for ``t = 0 .. last`` from the neighbour LCPs.

    A pair of suffixes shares a ``t``-tuple iff the smallest LCP between them is ``>= t``;
    attributing each pair to the (leftmost) smallest LCP between them, edge ``e`` owns
    ``(e - left) (right - e)`` pairs, and the largest run of suffixes around it is
    ``right - left`` long. Sums and maxima over ``lcp >= t`` give every ``t`` at once.
    """
    left, right = _spans(lcp)
    idx = np.arange(lcp.size)
    height = np.minimum(lcp, last + 1)
    pairs = np.bincount(height, weights=((idx - left) * (right - idx)).astype(float),
                        minlength=last + 2)
    best = np.zeros(last + 2, dtype=np.int64)
    if lcp.size == 0:
        return best[: last + 1] + 1, np.zeros(last + 1, dtype=np.int64)
    order = np.argsort(height, kind="stable")             # the largest run per height, by groups
    starts = np.flatnonzero(np.diff(height[order], prepend=-1))
    best[height[order][starts]] = np.maximum.reduceat((right - left)[order], starts)
    pairs = np.cumsum(pairs[::-1])[::-1]                 # exact: integers below 2**53
    best = np.maximum.accumulate(best[::-1])[::-1]
    best = np.where(best > 0, best, 1)
    return best[: last + 1], np.rint(pairs[: last + 1]).astype(np.int64)


def _loop_counts(fast, n: int, up_to: int | None) -> tuple[list, list]:
    """Per-length counts from the window-code sort, one length at a time (``<= c`` lengths)."""
    keys, lcp, tails, b, c = fast
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
    return max_count, pairs


def substring_counts(symbols: np.ndarray, k: int, up_to: int | None = None) -> SubstringCounts:
    """Tuple counts for every length up to the longest repeated substring.

    For uint8 input of 2 or more samples the C kernel ``_csuffix`` runs the counting when it
    is built (the same numbers as the numpy path, in 8 bytes per sample); otherwise numpy.

    Parameters
    ----------
    symbols : numpy.ndarray of uint8
        Symbols ``0..k-1``.
    k : int
        Alphabet size.
    up_to : int, optional
        Stop once ``max_count[t] < 2`` or ``t > up_to`` (an integer >= 1).

    Returns
    -------
    SubstringCounts
    """
    if up_to is not None and (isinstance(up_to, bool) or not isinstance(up_to, (int, np.integer))
                              or up_to < 1):
        raise ValueError(f"up_to must be None or an integer >= 1, got {up_to!r}")
    s = np.ascontiguousarray(symbols)
    compiled = kernel("substrings")
    if compiled is not None and s.dtype == np.uint8 and 2 <= s.size < 2**31 - 1:
        best, pair = compiled(s, int(k), -1 if up_to is None else int(up_to))
        max_count, pairs = np.frombuffer(best, np.int64), np.frombuffer(pair, np.int64)
    else:
        max_count, pairs = _numpy_counts(s, k, up_to)
    longest = int(np.count_nonzero(max_count[1:] >= 2))   # max_count falls as t grows
    max_count, pairs = np.asarray(max_count, np.int64), np.asarray(pairs, np.int64)
    return SubstringCounts(max_count, pairs, longest)


def _numpy_counts(s: np.ndarray, k: int, up_to: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``max_count`` and ``pairs`` by the numpy path (window codes, or the suffix array)."""
    n = s.size
    fast = _fast(s, k)
    if fast is None:
        lcp = _suffix_lcp(s)
        last = min(int(lcp.max()) + 1, n - 1) if lcp.size else 1
        if up_to is not None:
            last = min(last, up_to)
        max_count, pairs = _counts_from_lcp(lcp, n, last)
        max_count[0] = pairs[0] = 0
        return max_count, pairs
    return tuple(np.asarray(a, dtype=np.int64) for a in _loop_counts(fast, n, up_to))

"""Grouping equal tuples in time order, the workhorse of the dictionary predictors.

A tuple of ``m`` symbols is keyed by an integer: ``b`` bits per symbol when that fits in
40 bits, otherwise a dense rank computed by repeated sorting. Sorting ``(key, position)``
pairs packed into one int64 keeps equal keys together in time order with a single
``numpy.sort``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TupleCodes", "sort_groups", "group_prefix_max"]

_DIRECT_BITS = 40


class TupleCodes:
    """Integer keys of every window ``s[p : p + m]`` for ``m = 1, 2, ...``, built incrementally.

    ``codes(m)`` has length ``n - m + 1``; equal windows get equal keys and ``bits(m)``
    bounds the keys (``key < 2**bits``).
    """

    def __init__(self, symbols: np.ndarray, k: int):
        self.s = symbols.astype(np.int64)
        self.k = k
        self.b = max(1, int(k - 1).bit_length())
        self._codes = {1: self.s}
        self._bits = {1: self.b}

    def codes(self, m: int) -> np.ndarray:
        while max(self._codes) < m:
            top = max(self._codes)
            prev = self._codes[top]
            nxt = self.s[top:]
            if self._bits[top] + self.b <= _DIRECT_BITS:
                code = (prev[:-1] << self.b) | nxt
                bits = self._bits[top] + self.b
            else:
                raw = prev[:-1] * self.k + nxt
                uniq, code = np.unique(raw, return_inverse=True)
                bits = max(1, int(uniq.size - 1).bit_length())
            self._codes[top + 1] = code
            self._bits[top + 1] = bits
            if top - 1 in self._codes and top - 1 > 1:
                del self._codes[top - 1]
        return self._codes[m]

    def bits(self, m: int) -> int:
        self.codes(m)
        return self._bits[m]


def sort_groups(keys: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions sorted by ``(key, position)`` and a flag marking each group's first entry."""
    n = keys.size
    pbits = max(1, int(n).bit_length())
    if bits + pbits <= 63:
        packed = np.sort((keys.astype(np.int64) << pbits) | np.arange(n, dtype=np.int64))
        order = packed & ((1 << pbits) - 1)
        sorted_keys = packed >> pbits
    else:
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
    start = np.empty(n, dtype=bool)
    start[:1] = True
    start[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return order, start


def group_prefix_max(values: np.ndarray, start: np.ndarray, exclusive: bool = True) -> np.ndarray:
    """Running maximum within each group (``values >= -1``); ``-1`` before a group's first entry
    when ``exclusive``."""
    gid = np.cumsum(start) - 1
    span = int(values.max()) + 2
    run = np.maximum.accumulate(values + gid * span) - gid * span
    if not exclusive:
        return run
    out = np.empty_like(run)
    out[0] = -1
    out[1:] = run[:-1]
    out[start] = -1
    return out

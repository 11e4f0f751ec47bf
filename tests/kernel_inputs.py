"""Inputs shared by the C kernels' tests (``test_kernel_*.py``): random and adversarial sequences.

Every generator returns a uint8 array of symbols ``0..k-1`` (``text`` also returns its ``k``).
"""

from __future__ import annotations

import numpy as np

_LINE = b"It was the best of times, it was the worst of times; entropy is what you cannot guess. "


def rand(n, k, seed=0, p=None):
    """``n`` i.i.d. symbols of ``k`` values (uniform, or with probabilities ``p``)."""
    return np.random.default_rng(seed).choice(k, size=n, p=p).astype(np.uint8)


def text(n):
    """English text, its bytes renumbered to ``0..k-1``: ``(symbols, k)``."""
    raw = np.frombuffer(_LINE * (n // len(_LINE) + 1), dtype=np.uint8)[:n]
    alphabet, symbols = np.unique(raw, return_inverse=True)
    return symbols.astype(np.uint8), int(alphabet.size)


def distinct_bytes(n, seed=0):
    """Random permutations of all 256 byte values, one after the other."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(256) for _ in range(-(-n // 256))])[:n].astype(np.uint8)


def long_repeats(n, k, seed=0):
    """A random block of 700, repeated, with a fresh random stretch in the middle."""
    s = np.resize(rand(700, k, seed), n)
    s[n // 2: n // 2 + 300] = rand(300, k, seed + 1)
    return s


def outlier(n, k):
    """Constant 0 with one ``k - 1`` a third of the way in."""
    s = np.zeros(n, dtype=np.uint8)
    s[n // 3] = k - 1
    return s


def sorted_median(s, k):
    """The median the permutation tests compare with, found by sorting (Sec. 5.1.1): the middle
    value, or the mean of the two middle values; 0.5 for binary data (k = 2)."""
    if k == 2:
        return 0.5
    o = np.sort(s)
    h = s.size // 2
    return float(o[h]) if s.size % 2 else (float(o[h]) + float(o[h - 1])) / 2

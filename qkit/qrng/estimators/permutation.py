"""The IID track's permutation tests (SP 800-90B Sec. 5.1): 19 statistics of the sequence
are compared with the same statistics of shuffled copies.

If the samples are IID, the original order is as likely as any shuffle, so its statistic
should rank neither among the very highest nor among the very lowest. For each statistic
the shuffles that score above (``C0``), equal to (``C1``) and below (``C2``) the original
are counted; as in NIST's tool, a statistic stops being evaluated once ``C0 + C1 > 5`` and
``C1 + C2 > 5`` (it has passed), testing stops when all have, and a statistic fails if
after 10,000 shuffles ``C0 + C1 <= 5`` or ``C1 + C2 <= 5``.

Binary data are first converted as the standard asks: 8-bit blocks summed (conversion I)
for the directional-run, periodicity and covariance statistics, and read as bytes
(conversion II) for the collision statistics.
"""

from __future__ import annotations

import bz2
from dataclasses import dataclass

import numpy as np

__all__ = ["STATISTICS", "permutation_statistics", "PermutationResult", "permutation_tests",
           "MAX_PERMUTATIONS"]

STATISTICS = ("excursion", "numDirectionalRuns", "lenDirectionalRuns", "numIncreasesDecreases",
              "numRunsMedian", "lenRunsMedian", "avgCollision", "maxCollision",
              "periodicity(1)", "periodicity(2)", "periodicity(8)", "periodicity(16)",
              "periodicity(32)", "covariance(1)", "covariance(2)", "covariance(8)",
              "covariance(16)", "covariance(32)", "compression")
LAG_VALUES = (1, 2, 8, 16, 32)
MAX_PERMUTATIONS = 10_000
_NEEDED = 6          # C0 + C1 and C1 + C2 must exceed 5


def _conversion1(bits: np.ndarray) -> np.ndarray:
    pad = (-bits.size) % 8
    return np.concatenate((bits, np.zeros(pad, bits.dtype))).reshape(-1, 8).sum(axis=1, dtype=np.int64)


def _conversion2(bits: np.ndarray) -> np.ndarray:
    pad = (-bits.size) % 8
    return np.packbits(np.concatenate((bits, np.zeros(pad, bits.dtype)))).astype(np.int64)


def _runs(signs: np.ndarray) -> tuple[int, int]:
    """Number of runs and longest run of equal values."""
    if signs.size == 0:
        return 0, 0
    change = np.flatnonzero(signs[1:] != signs[:-1])
    edges = np.concatenate(([-1], change, [signs.size - 1]))
    return int(change.size + 1), int(np.diff(edges).max())


def _collision_lengths(seq: np.ndarray) -> np.ndarray:
    """Lengths of the successive windows that end at their first repeated value."""
    n = seq.size
    pbits = int(n).bit_length()
    packed = np.sort((seq.astype(np.int64) << pbits) | np.arange(n))
    pos = packed & ((1 << pbits) - 1)
    same = (packed[1:] >> pbits) == (packed[:-1] >> pbits)
    nxt = np.full(n, n, dtype=np.int64)
    nxt[pos[:-1][same]] = pos[1:][same]
    end = np.minimum.accumulate(nxt[::-1])[::-1].tolist()
    out, i = [], 0
    while i < n:
        e = end[i]
        if e >= n:
            break
        out.append(e - i + 1)
        i = e + 1
    return np.asarray(out, dtype=np.int64)


def _compressed_length(raw: np.ndarray) -> int:
    """Length of the bzip2 (level 5) compression of the samples written as decimal text
    separated by single spaces."""
    v = raw.astype(np.int64)
    digits = np.stack((v // 100, (v // 10) % 10, v % 10), axis=1)
    width = np.where(v >= 100, 3, np.where(v >= 10, 2, 1))
    chars = np.empty((v.size, 4), dtype=np.uint8)
    chars[:, :3] = digits + 48
    chars[:, 3] = 32
    keep = np.ones((v.size, 4), dtype=bool)
    keep[:, 0] = width >= 3
    keep[:, 1] = width >= 2
    text = chars[keep][:-1].tobytes()
    return len(bz2.compress(text, 5))


def permutation_statistics(symbols: np.ndarray, raw: np.ndarray, k: int, raw_mean: float,
                           median: float, active=None) -> np.ndarray:
    """The 19 statistics of SP 800-90B Sec. 5.1.1-5.1.11 (NaN where not ``active``).

    Parameters
    ----------
    symbols, raw : numpy.ndarray
        The renumbered and the raw symbols (same order).
    k : int
        Alphabet size (2 selects the binary conversions).
    raw_mean, median : float
        Mean of the raw symbols and median of the renumbered ones (0.5 for binary data)
        of the *original* sequence.
    """
    on = np.ones(len(STATISTICS), bool) if active is None else np.asarray(active, bool)
    out = np.full(len(STATISTICS), np.nan)
    binary = k == 2
    s = symbols.astype(np.int64)
    cs1 = _conversion1(s) if binary and on[1:4].any() | on[8:18].any() else None
    if on[0]:
        walk = np.cumsum(raw, dtype=np.int64) - np.arange(1, raw.size + 1) * raw_mean
        out[0] = float(np.max(np.abs(walk)))
    if on[1:4].any():
        seq = cs1 if binary else s
        signs = np.where(seq[:-1] > seq[1:], -1, 1)
        out[1], out[2] = _runs(signs)
        ups = int(np.count_nonzero(signs == 1))
        out[3] = max(ups, signs.size - ups)
    if on[4:6].any():
        out[4], out[5] = _runs(np.where(s < (0.5 if binary else median), -1, 1))
    if on[6:8].any():
        lengths = _collision_lengths(_conversion2(s) if binary else s)
        out[6] = lengths.sum() / lengths.size
        out[7] = lengths.max()
    seq = cs1 if binary else s
    cov = cs1 if binary else raw.astype(np.int64)
    for j, lag in enumerate(LAG_VALUES):
        if on[8 + j]:
            out[8 + j] = np.count_nonzero(seq[:-lag] == seq[lag:])
        if on[13 + j]:
            out[13 + j] = int(np.dot(cov[:-lag], cov[lag:]))
    if on[18]:
        out[18] = _compressed_length(raw)
    return out


@dataclass(frozen=True)
class PermutationResult:
    """Outcome of the permutation tests.

    Attributes
    ----------
    unpermuted : dict
        Each statistic of the original sequence.
    counts : dict
        ``(C0, C1, C2)`` per statistic: shuffles above, equal to, below the original.
    permutations : int
        Number of shuffles made.
    """

    unpermuted: dict
    counts: dict
    permutations: int

    @property
    def failed(self) -> tuple:
        return tuple(name for name, (c0, c1, c2) in self.counts.items()
                     if c0 + c1 < _NEEDED or c1 + c2 < _NEEDED)

    @property
    def passed(self) -> bool:
        return not self.failed


def permutation_tests(symbols: np.ndarray, alphabet: np.ndarray, *, seed=None,
                      max_permutations: int = MAX_PERMUTATIONS, progress=None) -> PermutationResult:
    """Run the permutation tests with seeded shuffles and the tool's early stopping.

    Parameters
    ----------
    symbols : numpy.ndarray of uint8
        Renumbered symbols ``0..k-1``.
    alphabet : numpy.ndarray
        Raw value of each renumbered symbol.
    seed : int, numpy.random.Generator or None
        Source of the shuffles.
    max_permutations : int
        At most this many shuffles (10,000 in SP 800-90B).
    progress : callable, optional
        Called with the number of statistics still undecided after each shuffle.
    """
    rng = np.random.default_rng(seed)
    k = alphabet.size
    raw = alphabet[symbols]
    raw_mean = float(raw.sum(dtype=np.int64)) / raw.size
    ordered = np.sort(symbols)
    half = symbols.size // 2
    median = 0.5 if k == 2 else (float(ordered[half]) if symbols.size % 2 else
                                 (float(ordered[half]) + float(ordered[half - 1])) / 2.0)
    t = permutation_statistics(symbols, raw, k, raw_mean, median)
    counts = np.zeros((len(STATISTICS), 3), dtype=np.int64)
    active = np.ones(len(STATISTICS), dtype=bool)
    done = 0
    while done < max_permutations and active.any():
        shuffled = rng.permutation(symbols)
        tp = permutation_statistics(shuffled, alphabet[shuffled], k, raw_mean, median, active)
        idx = np.flatnonzero(active)
        counts[idx, 0] += tp[idx] > t[idx]
        counts[idx, 1] += tp[idx] == t[idx]
        counts[idx, 2] += tp[idx] < t[idx]
        decided = (counts[:, 0] + counts[:, 1] >= _NEEDED) & (counts[:, 1] + counts[:, 2] >= _NEEDED)
        active &= ~decided
        done += 1
        if progress is not None:
            progress(int(active.sum()))
    return PermutationResult(
        unpermuted={name: float(v) for name, v in zip(STATISTICS, t)},
        counts={name: tuple(int(c) for c in row) for name, row in zip(STATISTICS, counts)},
        permutations=done)

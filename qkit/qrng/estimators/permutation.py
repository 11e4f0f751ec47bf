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

When built, a C kernel (``_c/perm.c``) computes the same statistics and shuffles in the same
loops, in less time and memory (``QKIT_NUMPY_ONLY=1`` switches it off).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from qkit._validate import require_integer

from ._perm_kernels import PermutationPlan, make_shuffler
from ._symbols import check_alphabet, check_alphabet_size, check_real, check_seed, check_symbols

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


def permutation_statistics(symbols: np.ndarray, raw: np.ndarray, k: int, raw_mean: float,
                           median: float, active=None) -> np.ndarray:
    """The 19 statistics of SP 800-90B Sec. 5.1.1-5.1.11 (NaN where not ``active``).

    Parameters
    ----------
    symbols, raw : numpy.ndarray
        The renumbered symbols ``0..k-1`` and the raw symbols (same order, one per sample).
    k : int
        Alphabet size (2 selects the binary conversions I and II of Sec. 5.1).
    raw_mean, median : float
        Mean of the raw symbols and median of the renumbered ones (0.5 for binary data)
        of the *original* sequence.
    active : sequence of bool, optional
        Which of the 19 statistics to compute (default all).

    Returns
    -------
    numpy.ndarray of float, shape (19,)
        In the order of :data:`STATISTICS`. :mod:`.reference_iid` computes the same values
        step by step, as the standard's pseudo-code reads.
    """
    k = check_alphabet_size("k", k)
    s, raw = check_symbols("symbols", symbols, k, minimum=2), check_symbols("raw", raw, 256)
    if raw.shape != s.shape:
        raise ValueError(f"raw must have the shape of symbols {s.shape}, got {raw.shape}")
    raw_mean = check_real("raw_mean", raw_mean, 0.0, 255.0)
    median = check_real("median", median, 0.0, k - 1.0)
    on = _check_active(active)
    alphabet = np.zeros(k, dtype=np.uint8)
    alphabet[s] = raw
    if not np.array_equal(alphabet[s], raw):
        raise ValueError("raw must be a function of symbols (one raw value per renumbered symbol)")
    return PermutationPlan(alphabet, raw_mean, median).statistics(s, on)


def _check_active(active) -> np.ndarray:
    if active is None:
        return np.ones(len(STATISTICS), dtype=bool)
    on = np.asarray(active)
    if on.shape != (len(STATISTICS),) or on.dtype.kind not in "bi":
        raise ValueError(f"active must be {len(STATISTICS)} booleans, one per statistic, "
                         f"got {active!r}")
    return on.astype(bool)


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


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _median(symbols: np.ndarray, k: int) -> float:
    if k == 2:
        return 0.5
    counts = np.cumsum(np.bincount(symbols, minlength=k))
    n, half = symbols.size, symbols.size // 2
    upper = float(np.searchsorted(counts, half, side="right"))        # sorted[half]
    if n % 2:
        return upper
    return (upper + float(np.searchsorted(counts, half - 1, side="right"))) / 2.0


def _tally(counts: np.ndarray, active: np.ndarray, t: np.ndarray, tp: np.ndarray) -> None:
    """Count one shuffle for the undecided statistics (C0: above, C1: equal, C2: below the
    original) and retire those with ``C0 + C1 > 5`` and ``C1 + C2 > 5`` (in place)."""
    idx = np.flatnonzero(active)
    counts[idx, 0] += tp[idx] > t[idx]
    counts[idx, 1] += tp[idx] == t[idx]
    counts[idx, 2] += tp[idx] < t[idx]
    active &= ~((counts[:, 0] + counts[:, 1] >= _NEEDED) & (counts[:, 1] + counts[:, 2] >= _NEEDED))


def permutation_tests(symbols: np.ndarray, alphabet: np.ndarray, *, seed=None,
                      max_permutations: int = MAX_PERMUTATIONS, progress=None,
                      workers: int | None = None) -> PermutationResult:
    """Run the permutation tests with seeded shuffles and the tool's early stopping.

    Parameters
    ----------
    symbols : numpy.ndarray of uint8
        Renumbered symbols ``0..k-1``.
    alphabet : numpy.ndarray
        Raw value (0..255) of each renumbered symbol, increasing; ``k = alphabet.size >= 2``.
    seed : int, numpy.random.Generator or None
        Source of the shuffles: shuffle ``j`` uses the ``j``-th generator spawned from it, so
        the result depends on the seed only, not on ``workers``. Each shuffle is a uniformly
        random arrangement of the symbols (see ``_perm_kernels.make_shuffler``).
    max_permutations : int
        At most this many shuffles, >= 1 (10,000 in SP 800-90B).
    progress : callable, optional
        Called with the number of statistics still undecided after each shuffle.
    workers : int, optional
        Threads computing shuffles side by side (default: the CPU count, at most 4).
        numpy and bzip2 release the GIL, so two threads run near twice as fast on two cores.

    Returns
    -------
    PermutationResult
        As if the shuffles were made one after another: a batch's shuffles past the point
        where every statistic is decided are not counted.
    """
    alphabet = check_alphabet("alphabet", alphabet)
    symbols = check_symbols("symbols", symbols, alphabet.size)
    budget = require_integer("max_permutations", max_permutations, 1)
    workers = _default_workers() if workers is None else require_integer("workers", workers, 1, 64)
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable or None, got {progress!r}")
    rng = np.random.default_rng(check_seed("seed", seed))
    k = alphabet.size
    raw_mean = float(alphabet[symbols].sum(dtype=np.int64)) / symbols.size
    plan = PermutationPlan(alphabet, raw_mean, _median(symbols, k))
    t = plan.statistics(symbols, np.ones(len(STATISTICS), dtype=bool))
    shuffle = make_shuffler(symbols, k)
    counts = np.zeros((len(STATISTICS), 3), dtype=np.int64)
    active = np.ones(len(STATISTICS), dtype=bool)
    done = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while done < budget and active.any():
            snapshot = active.copy()
            jobs = [pool.submit(lambda g: plan.statistics(shuffle(g), snapshot), g)
                    for g in rng.spawn(min(workers, budget - done))]
            for job in jobs:
                tp = job.result()
                if done >= budget or not active.any():
                    continue
                _tally(counts, active, t, tp)
                done += 1
                if progress is not None:
                    progress(int(active.sum()))
    return PermutationResult(
        unpermuted={name: float(v) for name, v in zip(STATISTICS, t)},
        counts={name: tuple(int(c) for c in row) for name, row in zip(STATISTICS, counts)},
        permutations=done)

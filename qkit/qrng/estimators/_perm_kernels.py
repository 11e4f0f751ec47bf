"""Fast kernels for the 19 permutation-test statistics (SP 800-90B Sec. 5.1).

The plain, step-by-step version of every statistic is in :mod:`.reference_iid`; the functions
here compute the same numbers (tests check them equal) with less memory traffic:

* long arrays are walked in chunks of :data:`CHUNK` samples, so the temporaries of one
  permutation stay near a megabyte whatever the sample size;
* covariances multiply bytes into uint16 and sum in uint64 (exact, no BLAS threads);
* the collision windows of Sec. 5.1.7-5.1.8 are found for all start positions at once and
  then followed with a jump table (16 windows per step) instead of one window at a time;
* the bzip2 statistic writes the decimal text with array operations and leaves the
  compression to Python's :mod:`bz2` (the libbz2 NIST's tool uses), which releases the GIL,
  so two permutations can compress at the same time on two threads.

When the C kernel ``_cperm`` is built (``_c/perm.c``, see :mod:`._compiled`), it computes the
first 18 statistics in one call with no temporaries but the binary conversions, draws the
shuffler's first step in one pass, and writes the bzip2 text piece by piece
(:func:`streamed_compressed_length`); the numpy functions here stay as the fallback.

libbz2's block sort is slow on repetitive text (a 1000-byte block tiled to 10^6 samples takes
3-4 times as long as random bytes). When the kernel ``_cbzip2`` (``_c/bzip2.c``) is built, it
counts the length NIST's libbz2 call gives, sorting each block in linear time, for the original
data and for every shuffle (why, and the one case where Python's bz2 differs:
:func:`compressed_length`).
"""

from __future__ import annotations

import bz2

import numpy as np

from ._compiled import kernel
from ._symbols import symbol_counts

__all__ = ["CHUNK", "PermutationPlan", "MultisetShuffler", "make_shuffler", "compressed_length",
           "streamed_compressed_length"]

#: Samples per chunk in the chunked statistics.
CHUNK = 1 << 16
_LAGS = (1, 2, 8, 16, 32)
_DRAW_CHUNK = 1 << 16       # random words per call in the shuffler's kernel path (even)
_JUMP_LEVELS = 4            # collision walk: 2**4 windows per step of the jump table


def _runs(flags: np.ndarray) -> tuple[int, int]:
    """Number of runs of equal values in a bool array and the longest one (chunked).
    An empty array has 0 runs, the longest of length 1 (the reference tool's convention)."""
    n = flags.size
    if n == 0:
        return 0, 1
    changes, longest, last = 0, 0, -1           # last: index of the last change (-1 = start)
    for a in range(0, n - 1, CHUNK):
        b = min(n - 1, a + CHUNK)
        where = np.flatnonzero(flags[a:b] != flags[a + 1:b + 1])
        if where.size:
            where += a
            changes += where.size
            longest = max(longest, int(where[0]) - last)
            if where.size > 1:
                longest = max(longest, int(np.diff(where).max()))
            last = int(where[-1])
    longest = max(longest, n - 1 - last)
    return changes + 1, longest


def _excursion(raw: np.ndarray, raw_mean: float) -> float:
    """max_i |sum_{j<=i} raw_j - (i+1) mean| (Sec. 5.1.1), chunked; same doubles as the tool."""
    best, carry = 0.0, 0.0
    for a in range(0, raw.size, CHUNK):
        walk = np.cumsum(raw[a:a + CHUNK], dtype=np.float64)
        walk += carry
        carry = float(walk[-1])
        walk -= np.arange(a + 1, a + 1 + walk.size, dtype=np.float64) * raw_mean
        best = max(best, float(walk.max()), -float(walk.min()))
    return best


def _covariances(values: np.ndarray, lags) -> list[int]:
    """sum_i x_i x_{i+lag} for each lag (Sec. 5.1.10): uint8 values, uint16 products (at most
    255**2), summed in uint64 (exact)."""
    out = []
    for lag in lags:
        if lag >= values.size:
            out.append(0)
            continue
        prod = np.multiply(values[:-lag], values[lag:], dtype=np.uint16)
        out.append(int(prod.sum(dtype=np.uint64)))
    return out


def _window_lengths(seq: np.ndarray, k: int) -> np.ndarray:
    """For each start i, the length of the shortest window ``seq[i..j]`` holding a repeated
    value (``j - i + 1``), or 0 if the sequence ends first. int16 (at most 257), one more entry (0) at the end."""
    n = seq.size
    length = np.zeros(n + 1, dtype=np.int16)
    if k <= 8:
        # a window of k+1 values always repeats one: test offsets j = 1..k directly
        for j in range(1, min(k, n - 1) + 1):
            hit = seq[j:] == seq[:n - j]
            for m in range(1, j):
                hit |= seq[j:] == seq[m:n - j + m]
            open_ = length[:n - j] == 0
            hit &= open_
            length[:n - j][hit] = j + 1
        return length
    order = np.argsort(seq, kind="stable")
    same = seq[order[1:]] == seq[order[:-1]]
    nxt = np.full(n, n, dtype=np.int64)
    nxt[order[:-1][same]] = order[1:][same]
    end = np.minimum.accumulate(nxt[::-1])[::-1]
    idx = np.arange(n)
    length[:n] = np.where(end < n, end - idx + 1, 0)
    return length


def _walk_by_blocks(length: np.ndarray, span: int, block: int = 256) -> tuple[int, int, int]:
    """Follow the windows ``i -> i + length[i]`` from 0 (``length[i] = 0``: no repeat, stop).

    Windows are at most ``span`` long, so the chain enters each block of ``block`` positions
    at one of its first ``span`` offsets. All blocks are walked at once from every such
    entry (array steps, about ``block / 2`` of them); the blocks are then chained in order.
    Returns ``(windows, longest, end)`` where ``end`` is the sum of the window lengths.
    """
    n = length.size - 1
    nb = -(-n // block)
    padded = np.zeros(nb * block + span + 1, dtype=np.int16)
    padded[:n] = length[:n]
    start = np.arange(nb, dtype=np.int64)[:, None] * block
    pos = start + np.arange(span)[None, :]                      # (blocks, entries)
    stop = start + block
    count = np.zeros(pos.shape, dtype=np.int64)
    longest = np.zeros(pos.shape, dtype=np.int64)
    live = pos < stop
    while live.any():
        step = padded[pos]
        moving = live & (step > 0)
        count += moving
        np.maximum(longest, np.where(moving, step, 0), out=longest)
        pos += np.where(moving, step, 0)
        live = moving & (pos < stop)
    exit_ = pos.tolist()
    counts, tops, stops = count.tolist(), longest.tolist(), padded[pos].tolist()
    windows, top, entry = 0, 0, 0
    for b in range(nb):
        windows += counts[b][entry]
        top = max(top, tops[b][entry])
        p = exit_[b][entry]
        if p < (b + 1) * block or p >= n:                      # stopped inside: no repeat
            return windows, top, min(p, n)
        entry = p - (b + 1) * block
    return windows, top, n


def collision_statistics(seq: np.ndarray, k: int) -> tuple[float, int]:
    """Average and maximum collision-window length (Sec. 5.1.7-5.1.8).

    Windows are taken one after another from the start; each ends at its first repeated
    value. Up to 8 symbols a window is at most 9 long and the chain is walked block-wise
    (:func:`_walk_by_blocks`); otherwise ``F[i] = i + length[i]`` (``F[i] = i`` where no
    repeat follows, an absorbing state) and a table of 16-window jumps walks the chain.
    """
    n = seq.size
    length = _window_lengths(seq, k)
    if k <= 8 and n > 4096:
        windows, top, end = _walk_by_blocks(length, k + 1)
        return (end / windows, top) if windows else (0.0, 0)
    jump = np.arange(n + 1, dtype=np.intp)
    jump += length
    count = (length > 0).astype(np.int32)
    longest = length
    for _ in range(_JUMP_LEVELS if n > 4096 else 0):
        longest = np.maximum(longest, longest[jump])
        count = count + count[jump]
        jump = jump[jump]
    pos, windows, top = 0, 0, 0
    while True:
        nxt = int(jump[pos])
        if nxt == pos:
            break
        windows += int(count[pos])
        top = max(top, int(longest[pos]))
        pos = nxt
    if windows == 0:
        return 0.0, 0
    return pos / windows, top


def _decimal_text(raw: np.ndarray):
    """The samples as decimal text separated by single spaces (a bytes-like buffer)."""
    n = raw.size
    if n == 0:
        return b""
    if int(raw.max()) < 10:
        text = np.full(2 * n - 1, 32, dtype=np.uint8)
        np.add(raw, np.uint8(48), out=text[0::2])
        return memoryview(text)
    pieces = []
    for a in range(0, n, CHUNK):
        v = raw[a:a + CHUNK]
        chars = _CHARS[v]
        pieces.append(chars[_KEEP[v]].tobytes())
    return b"".join(pieces)[:-1]


def compressed_length(raw: np.ndarray) -> int:
    """Bytes of the bzip2 (level 5) compression of the samples as decimal text separated by
    single spaces (Sec. 5.1.11), as NIST's tool writes them and compresses them (one
    ``BZ2_bzBuffToBuffCompress(..., 5, 0, 0)`` call).

    Without the kernel ``_cbzip2`` this is ``len(bz2.compress(text, 5))``: the same library,
    and the same length except when the text ends exactly as a bzip2 block fills (e.g. 999,963
    random bits: 155,832 bytes, the tool's call 155,808), where Python's compress-then-flush
    writes the last run as one more block. When the kernel is built, it counts the length of
    the tool's call (the bits libbz2 writes, with a linear-time block sort; ``one_call=False``
    gives Python's), for every compression length: measured side by side on the
    text of 10^6 random samples (CPU time, load 1-2.5) it takes 0.43-0.46 of libbz2's time on
    1-bit text, 0.93-0.96 on 2-bit and 1.2 on 8-bit, and 0.2 on repetitive text, where libbz2's
    sort slows down (corner / random input of the same width: at most 0.8 with the kernel, 3.5
    with libbz2). The permutation tests call the kernel on the symbols, which writes the text as
    it counts (:meth:`PermutationPlan.statistics`).
    """
    count = kernel("bzip2_length")
    text = _decimal_text(raw)
    return len(bz2.compress(text, 5)) if count is None else count(text, 5)


def streamed_compressed_length(symbols: np.ndarray, alphabet: np.ndarray, text) -> int:
    """:func:`compressed_length` of ``alphabet[symbols]`` with the text written and compressed
    :data:`CHUNK` samples at a time (``text(chunk, alphabet, last)`` writes one piece).

    bzip2 cuts its blocks by how much text it has taken in, not by how the text arrives, so
    the compressed stream is the same as ``bz2.compress`` of the whole text (with its one
    difference from NIST's call, see :func:`compressed_length`); the whole text is never held.
    """
    packer = bz2.BZ2Compressor(5)
    size, n = 0, symbols.size
    for a in range(0, n, CHUNK):
        b = min(n, a + CHUNK)
        size += len(packer.compress(text(symbols[a:b], alphabet, b == n)))
    return size + len(packer.flush())


def _char_tables() -> tuple[np.ndarray, np.ndarray]:
    chars = np.zeros((256, 4), dtype=np.uint8)
    keep = np.zeros((256, 4), dtype=bool)
    for v in range(256):
        s = f"{v} ".encode()
        chars[v, 4 - len(s):] = np.frombuffer(s, dtype=np.uint8)
        keep[v, 4 - len(s):] = True
    return chars, keep


_CHARS, _KEEP = _char_tables()


class MultisetShuffler:
    """Uniformly random arrangements of a fixed multiset of symbols, faster than a shuffle.

    Every statistic depends on the shuffled sequence only, so what the permutation tests need
    is an arrangement drawn uniformly from all arrangements of the original symbols (what a
    Fisher-Yates shuffle gives). This draws one in three steps:

    1. ``y``: each position independently gets symbol ``s`` with probability close to
       ``n_s / n`` (a 16-bit random number per position);
    2. for each symbol drawn ``d_s > 0`` times too often, a uniformly random set of ``d_s`` of
       its positions is freed;
    3. the freed positions get the missing symbols, in a uniformly random order.

    The law of the result is unchanged by any permutation of positions (step 1 is i.i.d. and
    steps 2-3 choose uniformly among positions), and it always holds exactly ``n_s`` of each
    symbol; an exchangeable law on the arrangements of one multiset is the uniform one. Only
    about ``sqrt(n)`` positions are touched after step 1.

    Parameters
    ----------
    symbols : numpy.ndarray of uint8
        The sequence whose arrangements are drawn (renumbered symbols ``0..k-1``).
    k : int
        Alphabet size.
    """

    def __init__(self, symbols: np.ndarray, k: int):
        self.n, self.k = int(symbols.size), int(k)
        self.counts = symbol_counts(symbols, k)
        edges = np.round(np.cumsum(self.counts) * (65536.0 / self.n)).astype(np.int64)
        self.thresholds = edges[:-1]                      # y = number of thresholds <= u
        self.table = np.repeat(np.arange(k, dtype=np.uint8),
                               np.diff(np.concatenate(([0], edges))))

    def _draw(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Step 1 and the count of each symbol drawn."""
        fast = kernel("perm_draw")
        if fast is not None:
            # Table lookup and counts in one pass, _DRAW_CHUNK words at a time: numpy makes two
            # uint16 of each 32-bit draw, so even-sized chunks give the words of one call.
            y = np.empty(self.n, dtype=np.uint8)
            counts = np.zeros(self.k, dtype=np.int64)
            for a in range(0, self.n, _DRAW_CHUNK):
                u = rng.integers(0, 65536, min(_DRAW_CHUNK, self.n - a), dtype=np.uint16)
                drawn = fast(u, self.table, y[a:a + u.size])
                counts[:len(drawn)] += drawn
            return y, counts
        u = rng.integers(0, 65536, self.n, dtype=np.uint16)
        if self.k <= 4:
            y = np.zeros(self.n, dtype=np.uint8)
            for t in self.thresholds.tolist():
                if t < 65536:
                    y += u >= t
        else:
            y = self.table.take(u)
        return y, symbol_counts(y, self.k)

    def _free(self, y: np.ndarray, s: int, m: int, drawn: int, rng) -> np.ndarray:
        """A uniformly random set of ``m`` of the ``drawn`` positions where ``y == s``."""
        n = self.n
        if 4.0 * m * n / drawn < n / 16.0:              # few enough: sample positions, keep hits
            picked = np.empty(0, dtype=np.int64)
            while picked.size < m:
                r = rng.integers(0, n, size=int(2.0 * (m - picked.size) * n / drawn) + 64)
                picked = np.concatenate((picked, r[y[r] == s]))
                _, first = np.unique(picked, return_index=True)
                picked = picked[np.sort(first)]          # distinct, in order of first draw
            return picked[:m]
        return rng.choice(np.flatnonzero(y == s), size=m, replace=False)

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        """One arrangement (uint8 array), drawn with ``rng``."""
        y, drawn = self._draw(rng)
        excess = drawn - self.counts
        over = np.flatnonzero(excess > 0).tolist()
        if over:
            freed = np.concatenate([self._free(y, s, int(excess[s]), int(excess[s] + self.counts[s]), rng)
                                    for s in over])
            missing = np.repeat(np.arange(self.k, dtype=np.uint8), np.maximum(-excess, 0))
            y[freed] = rng.permutation(missing)
        return y


def make_shuffler(symbols: np.ndarray, k: int):
    """``shuffle(rng) -> uint8 array``: a uniformly random arrangement of ``symbols``.

    Up to 16 distinct symbols: :class:`MultisetShuffler` (several times faster than a
    shuffle); more: numpy's Fisher-Yates ``Generator.permutation``. Both are exact.
    """
    if k <= 16:
        return MultisetShuffler(symbols, k)
    frozen = np.array(symbols, dtype=np.uint8)
    return lambda rng: rng.permutation(frozen)


class PermutationPlan:
    """What the statistics of one data set need, computed once for all its shuffles.

    Parameters
    ----------
    alphabet : numpy.ndarray of uint8
        Raw value of each renumbered symbol (``k = alphabet.size``; 2 selects conversions I, II).
    raw_mean : float
        Mean of the raw values of the original sequence.
    median : float
        Median of the renumbered symbols of the original sequence (0.5 for binary data).
    """

    def __init__(self, alphabet: np.ndarray, raw_mean: float, median: float):
        self.alphabet = np.ascontiguousarray(alphabet, dtype=np.uint8)
        self.k = int(self.alphabet.size)
        self.binary = self.k == 2
        self.raw_mean = float(raw_mean)
        self.median = 0.5 if self.binary else float(median)

    def statistics(self, symbols: np.ndarray, active: np.ndarray) -> np.ndarray:
        """The 19 statistics of ``symbols`` (renumbered, uint8) where ``active``; NaN elsewhere."""
        on = np.asarray(active, dtype=bool)
        s = np.ascontiguousarray(symbols, dtype=np.uint8)
        fast = kernel("perm_statistics")
        if fast is not None and s.size:
            out = np.full(19, np.nan)
            if on[:18].any():
                mask = sum(1 << int(j) for j in np.flatnonzero(on[:18]))
                out[:18] = fast(s, self.alphabet, self.raw_mean, self.median, mask)
            if on[18]:
                out[18] = self._compression(s)
            return out
        return self._numpy_statistics(s, on)

    def _compression(self, s: np.ndarray) -> int:
        """Statistic 18: :func:`compressed_length` of ``alphabet[s]``; the bzip2 kernel writes
        the text into its count byte by byte, so the text (2 MB for 10^6 bits) is never held."""
        count = kernel("bzip2_decimal_length")
        if count is not None:
            return count(s, self.alphabet, 5)
        text = kernel("perm_text")
        if text is not None:
            return streamed_compressed_length(s, self.alphabet, text)
        return compressed_length(self.alphabet[s])

    def _numpy_statistics(self, s: np.ndarray, on: np.ndarray) -> np.ndarray:
        out = np.full(19, np.nan)
        raw = self.alphabet[s] if on[0] or on[18] or (on[13:18].any() and not self.binary) else None
        packed = np.packbits(s) if self.binary and (on[1:4].any() or on[6:18].any()) else None
        seq = np.bitwise_count(packed) if packed is not None else s       # conversion I or symbols
        if on[0]:
            out[0] = _excursion(raw, self.raw_mean)
        if on[1:4].any():
            down = seq[:-1] > seq[1:]
            out[1], out[2] = _runs(down)
            downs = int(np.count_nonzero(down))
            out[3] = max(downs, down.size - downs)
        if on[4:6].any():
            below = (s == 0) if self.binary else (s < self.median)
            out[4], out[5] = _runs(below)
        if on[6:8].any():
            out[6], out[7] = collision_statistics(packed, 256) if self.binary else \
                collision_statistics(s, self.k)
        for j, lag in enumerate(_LAGS):
            if on[8 + j]:
                out[8 + j] = np.count_nonzero(seq[:-lag] == seq[lag:])
        lags = [lag for j, lag in enumerate(_LAGS) if on[13 + j]]
        if lags:
            cov = _covariances(seq if self.binary else raw, lags)
            for lag, value in zip(lags, cov):
                out[13 + _LAGS.index(lag)] = value
        if on[18]:
            out[18] = compressed_length(raw)
        out[~on] = np.nan            # the collision pair is computed together
        return out

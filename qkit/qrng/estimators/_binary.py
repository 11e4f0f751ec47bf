"""Fast kernels of the dictionary predictors (MultiMMC, LZ78Y) for binary sequences (and,
for MultiMMC, alphabets of up to 4 symbols: :func:`prior_counts_small`).

For two symbols a context's dictionary entry is just two counters, ``c0`` and ``c1``: how often
the context was followed by 0 and by 1 so far. Sorting the events by ``(context, time)`` once
per context length gives both counters as segmented exclusive cumulative sums, and the
guess is 1 when ``c1 >= c0`` (ties go to the larger symbol, as in NIST's tool). Dictionary
caps are applied by the time of each entry's first occurrence (``numpy.minimum.at`` on the
small table of all ``2**j`` contexts).
"""

from __future__ import annotations

import numpy as np

__all__ = ["context_codes", "prior_counts", "first_seen", "symbol_codes", "prior_counts_small"]


def context_codes(bits: np.ndarray, length: int):
    """Yield ``(j, codes)`` for ``j = 1 .. length``, ``codes[p]`` the integer of
    ``bits[p : p + j]`` (first bit most significant); one array is kept at a time."""
    b = bits.astype(np.uint32)
    codes = b
    yield 1, codes
    for j in range(2, length + 1):
        codes = (codes[:-1] << np.uint32(1)) | b[j - 1:]
        yield j, codes


def first_seen(keys: np.ndarray, size: int) -> np.ndarray:
    """Index of the first occurrence of each key ``0 .. size-1`` (``keys.size`` if never)."""
    first = np.full(size, keys.size, dtype=np.int64)
    np.minimum.at(first, keys, np.arange(keys.size, dtype=np.int64))
    return first


def prior_counts(ctx: np.ndarray, ctx_bits: int, y: np.ndarray):
    """Events sorted by ``(context, time)``, with how many earlier events of the same context
    were followed by 0 (``c0``) and by 1 (``c1``).

    Parameters
    ----------
    ctx : numpy.ndarray of uint32
        Context code of each event (time order), ``< 2**ctx_bits``.
    y : numpy.ndarray of uint8 (0/1)
        The symbol that followed each event's context.

    Returns
    -------
    order, key, ys, c0, c1
        ``order``: event indices in sorted order; ``key``: their contexts; ``ys``: their
        symbols; ``c0``, ``c1`` (int32): the counts, all in sorted order.
    """
    m = ctx.size
    pbits = max(1, int(m).bit_length())
    dtype = np.uint32 if ctx_bits + pbits <= 32 else np.uint64
    packed = (ctx.astype(dtype) << dtype(pbits)) | np.arange(m, dtype=dtype)
    packed.sort()
    order = (packed & dtype((1 << pbits) - 1)).astype(np.intp)
    key = (packed >> dtype(pbits)).astype(np.uint32)
    del packed
    heads = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    sizes = np.diff(np.append(heads, m))
    ys = y[order]
    ones = np.cumsum(ys, dtype=np.int32)
    ones -= ys                                             # ones strictly before, overall
    c1 = ones - np.repeat(ones[heads], sizes)
    rank = np.arange(m, dtype=np.int32) - np.repeat(heads.astype(np.int32), sizes)
    c0 = rank - c1
    return order, key, ys, c0, c1


def symbol_codes(symbols: np.ndarray, length: int, b: int):
    """Like :func:`context_codes` for symbols of ``b`` bits (``length * b <= 32``)."""
    s = symbols.astype(np.uint32)
    codes = s
    yield 1, codes
    for j in range(2, length + 1):
        codes = (codes[:-1] << np.uint32(b)) | s[j - 1:]
        yield j, codes


def prior_counts_small(ctx: np.ndarray, ctx_bits: int, y: np.ndarray, k: int):
    """:func:`prior_counts` for ``k`` symbols (small ``k``): ``counts[a]`` is how many earlier
    events of the same context were followed by ``a``.

    Returns
    -------
    order, ys, counts, gid
        Sorted event indices, their symbols, ``counts`` of shape ``(k, m)`` (int32) and the
        group number of each sorted event, all in sorted order.
    """
    m = ctx.size
    pbits = max(1, int(m).bit_length())
    dtype = np.uint32 if ctx_bits + pbits <= 32 else np.uint64
    packed = (ctx.astype(dtype) << dtype(pbits)) | np.arange(m, dtype=dtype)
    packed.sort()
    order = (packed & dtype((1 << pbits) - 1)).astype(np.intp)
    packed >>= dtype(pbits)
    start = np.empty(m, dtype=bool)
    start[0] = True
    np.not_equal(packed[1:], packed[:-1], out=start[1:])
    del packed
    heads = np.flatnonzero(start)
    sizes = np.diff(np.append(heads, m))
    gid = np.cumsum(start, dtype=np.int32) - 1
    ys = y[order]
    counts = np.empty((k, m), dtype=np.int32)
    for a in range(k):
        hit = (ys == a).astype(np.int32)
        run = np.cumsum(hit, dtype=np.int32)
        run -= hit
        counts[a] = run - np.repeat(run[heads], sizes)
    return order, ys, counts, gid

"""Compression estimate (SP 800-90B Sec. 6.3.4), for binary sequences.

The sequence is cut into 6-bit blocks; the first 1000 fill a dictionary and each later block
scores ``log2`` of the distance back to its previous occurrence (Maurer's universal
statistic). The mean score, lowered by its 99 % bound, is matched to the expectation under
the near-uniform family in which one block value has probability ``p``.
"""

from __future__ import annotations

import math

import numpy as np

from qkit._validate import require_integer

from ._common import ZALPHA, EstimateResult
from ._symbols import check_bits, check_real

__all__ = ["compression_estimate", "compression_expectation"]

BLOCK_BITS = 6
DICTIONARY_BLOCKS = 1000


def _blocks(bits: np.ndarray) -> np.ndarray:
    """The 6-bit block values (most significant bit first), one uint8 per block."""
    nb = bits.size // BLOCK_BITS
    blocks = np.zeros(nb, dtype=np.uint8)
    for b in range(BLOCK_BITS):                          # a strided view per bit: no wide copy
        blocks <<= np.uint8(1)
        blocks |= bits[b: nb * BLOCK_BITS: BLOCK_BITS]
    return blocks


def _log_distances(blocks: np.ndarray, chunk: int = 16384) -> np.ndarray:
    """For blocks ``d..nb-1`` (0-based), ``log2`` of ``i + 1 - (1-based index of the previous
    occurrence)``, or of ``i + 1`` if the value has not occurred before.

    Blocks are taken ``chunk`` at a time (a stable sort by value inside the chunk finds each
    block's predecessor; ``last`` carries every value's latest index across chunks), so the
    working memory is the float64 result plus ``~ 40 * chunk`` bytes."""
    nb = blocks.size
    out = np.zeros(nb - DICTIONARY_BLOCKS, dtype=float)
    last = np.zeros(1 << BLOCK_BITS, dtype=np.int64)     # 1-based latest index, 0: none yet
    for a in range(0, nb, chunk):
        part = blocks[a:a + chunk]
        order = np.argsort(part, kind="stable")
        value = part[order]
        index = order + (a + 1)                          # 1-based, grouped by value
        first = np.ones(part.size, dtype=bool)
        first[1:] = value[1:] != value[:-1]
        prev = np.empty_like(index)
        prev[1:] = index[:-1]
        prev[first] = last[value[first]]
        ends = np.append(np.flatnonzero(first[1:]), part.size - 1)
        last[value[ends]] = index[ends]
        keep = index > DICTIONARY_BLOCKS
        out[index[keep] - 1 - DICTIONARY_BLOCKS] = index[keep] - prev[keep]
    return np.log2(out, out=out)


def compression_expectation(p: float, num_blocks: int, k: int = 1 << BLOCK_BITS,
                            d: int = DICTIONARY_BLOCKS) -> float:
    """Expected Maurer statistic when one block value has probability ``p`` (SP 800-90B 6.3.4 step 7).

    The Compression estimate's model family: one of the ``k`` block values has probability
    ``p``, the other ``k - 1`` share the rest, ``q = (1-p)/(k-1)`` each. The expected mean score
    (mean ``log2`` distance back to a block's previous occurrence) is ``G(p) + (k-1) G(q)`` with
    ``G(z) = 1/v sum_{t=d+1}^{L} sum_{u=1}^{t} log2(u) F(z, t, u)``, ``v = L - d``. It is largest
    at the uniform point ``p = 1/k`` (5.2177 for 6-bit blocks, Maurer's value) and falls as ``p``
    grows; the estimator solves ``expectation(p) = X'`` for ``p``.

    The double sum is evaluated in closed form,
    ``z/v [ z ((L-d) A_d + sum_{i=d+1}^{L-1} (L-i) a_i) + sum_{i=d+1}^{L} a_i ]`` with
    ``a_i = log2(i) (1-z)^(i-1)`` and ``A_d = sum_{i=2}^{d} a_i``.

    Parameters
    ----------
    p : float
        Probability of the most likely block value, ``0 <= p <= 1``.
    num_blocks : int
        ``L``, the number of blocks in the sequence.
    k : int
        Number of block values, ``2^6 = 64`` for the standard's 6-bit blocks.
    d : int
        Blocks that only fill the dictionary (1000 in the standard).

    Returns
    -------
    float
        The expected mean score, in bits.
    """
    p, num_blocks = check_real("p", p, 0.0, 1.0), require_integer("num_blocks", num_blocks, 1)
    k, d = require_integer("k", k, 2), require_integer("d", d, 1)
    q = (1.0 - p) / (k - 1.0)
    return _g(p, num_blocks, d) + (k - 1.0) * _g(q, num_blocks, d)


class _Terms:
    """Arrays over ``i = 2..stop`` that do not depend on ``z``: ``i - 1``, ``log2(i)`` and the
    weights ``nb - i``, kept between the evaluations of one solve (grown to the largest
    ``stop`` asked so far; low-entropy data asks for up to ``nb`` terms), and a work buffer."""

    def __init__(self, nb: int) -> None:
        self.nb = nb
        self.size = 0

    def upto(self, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self.size < stop - 1:
            i = np.arange(2, stop + 1, dtype=float)
            self.log2_i, self.weights = np.log2(i), self.nb - i
            self.i_minus_1 = np.subtract(i, 1.0, out=i)
            self.work = np.empty_like(i)
            self.size = stop - 1
        n = stop - 1
        return self.i_minus_1[:n], self.log2_i[:n], self.weights[:n], self.work[:n]


def _g(z: float, nb: int, d: int, terms: _Terms | None = None) -> float:
    """``G(z)`` in closed form; terms with ``(1-z)^(i-1) < e^-60`` are dropped (they change
    nothing at double precision), so the cost is ``~ d + 60 / z`` terms rather than ``nb``."""
    if z <= 0.0 or z >= 1.0:
        return 0.0
    stop = min(nb, d + 2 + int(60.0 / -math.log1p(-z)))
    i_minus_1, log2_i, weights, a = (terms or _Terms(nb)).upto(stop)
    np.multiply(i_minus_1, math.log1p(-z), out=a)
    with np.errstate(under="ignore"):
        np.exp(a, out=a)
    a *= log2_i                                          # a_i = log2(i) (1-z)^(i-1)
    head = float(a[: d - 1].sum())                       # i = 2..d
    tail = a[d - 1:]                                     # i = d+1..stop
    first = (nb - d) * head + float(np.dot(weights[d - 1:], tail))   # (nb - i), zero at i = nb
    return z / (nb - d) * (z * first + float(tail.sum()))


def _expectation(p: float, nb: int, terms: _Terms) -> float:
    """:func:`compression_expectation` for 6-bit blocks, reusing ``terms``."""
    k = 1 << BLOCK_BITS
    q = (1.0 - p) / (k - 1.0)
    return _g(p, nb, DICTIONARY_BLOCKS, terms) + (k - 1.0) * _g(q, nb, DICTIONARY_BLOCKS, terms)


def _solve(target: float, nb: int) -> float | None:
    """``p`` in ``[1/64, 1]`` with expectation ``target`` (decreasing in ``p``), or None.

    The bracket ``[lo, hi]`` (expectation above the target at ``lo``, at or below it at ``hi``)
    shrinks until its ends are neighbouring doubles, as plain bisection would leave it, and
    ``lo`` is returned. The steps are false-position steps with the Illinois rule (the end
    that stays put twice has its value halved), with a bisection step whenever the bracket
    did not halve over two steps: about 10 evaluations instead of bisection's 55. It matters
    on low-entropy data, where each evaluation sums up to ``nb`` terms (:func:`_g`).
    """
    terms = _Terms(nb)
    lo, hi = 1.0 / (1 << BLOCK_BITS), 1.0
    f_lo = _expectation(lo, nb, terms) - target
    if not f_lo > 0:
        return None
    f_hi = _expectation(hi, nb, terms) - target
    if f_hi >= 0:
        return hi
    kept, width, step = 0, hi - lo, 0
    while True:
        step += 1
        mid = lo + f_lo * (hi - lo) / (f_lo - f_hi)      # false position (f_lo > 0 > f_hi)
        if step % 2 == 0 and hi - lo > 0.5 * width:      # too slow: bisect instead
            mid = 0.5 * (lo + hi)
        if step % 2 == 0:
            width = hi - lo
        if not lo < mid < hi:
            mid = 0.5 * (lo + hi)
            if not lo < mid < hi:                        # neighbouring doubles: done
                return lo
        f = _expectation(mid, nb, terms) - target
        if f > 0:
            lo, f_lo = mid, f
            f_hi, kept = (0.5 * f_hi, kept) if kept == 1 else (f_hi, 1)
        else:
            hi, f_hi = mid, min(f, -0.0)
            f_lo, kept = (0.5 * f_lo, kept) if kept == -1 else (f_lo, -1)


def compression_estimate(bits: np.ndarray) -> EstimateResult:
    """Min-entropy per bit from Maurer's universal statistic on 6-bit blocks.

    Parameters
    ----------
    bits : numpy.ndarray of uint8 (0/1)
        The binary sequence; it needs more than 6000 bits.

    Returns
    -------
    EstimateResult
        ``values``: ``X_bar``, ``sigma_hat`` (with the 0.5907 correction),
        ``X_bar_prime``, ``p``, ``found_p``. The estimate is ``-log2(p) / 6``.
    """
    bits = check_bits("bits", bits)
    blocks = _blocks(bits)
    nb = blocks.size
    if nb <= DICTIONARY_BLOCKS:
        raise ValueError(f"bits must hold more than {DICTIONARY_BLOCKS * BLOCK_BITS} bits "
                         f"for the Compression estimate, got {bits.size}")
    scores = _log_distances(blocks)
    v = scores.size
    x_bar = float(scores.sum()) / v
    sigma = 0.5907 * math.sqrt(float(np.dot(scores, scores)) / (v - 1.0) - x_bar * x_bar)
    x_prime = x_bar - ZALPHA * sigma / math.sqrt(v)
    p = _solve(x_prime, nb)
    found = p is not None and p > 1.0 / (1 << BLOCK_BITS)
    if not found:
        p, h = 1.0 / (1 << BLOCK_BITS), 1.0
    else:
        h = -math.log2(p) / BLOCK_BITS
    return EstimateResult("Compression", h, {
        "X_bar": x_bar, "sigma_hat": sigma, "X_bar_prime": x_prime, "p": p, "found_p": found})

"""t-Tuple and Longest Repeated Substring (LRS) estimates (SP 800-90B Sec. 6.3.5-6.3.6)."""

from __future__ import annotations

import math

import numpy as np

from qkit._validate import require_integer

from ._common import ZALPHA, EstimateResult
from ._substrings import SubstringCounts, substring_counts
from ._symbols import check_alphabet_size, check_symbols

__all__ = ["t_tuple_estimate", "lrs_estimate", "tuple_estimates", "TUPLE_THRESHOLD"]

#: A tuple length counts for the t-Tuple estimate while some tuple occurs this often.
TUPLE_THRESHOLD = 35

_CHUNK = 1 << 16                       # lengths per block: constant-like data has ~n lengths


def _bound(p: float, n: int) -> float:
    return min(1.0, p + ZALPHA * math.sqrt(p * (1.0 - p) / (n - 1.0)))


def _first_rare_length(max_count: np.ndarray) -> int:
    """The smallest length ``u >= 1`` whose most common tuple occurs fewer than 35 times
    (``max_count.size`` if every length up to the last counted one is that frequent)."""
    rare = np.flatnonzero(max_count[1:] < TUPLE_THRESHOLD)
    return int(rare[0]) + 1 if rare.size else int(max_count.size)


def _check_counts(counts) -> SubstringCounts:
    if not isinstance(counts, SubstringCounts):
        raise TypeError(f"counts must be a SubstringCounts record (from substring_counts), "
                        f"got {type(counts).__name__}")
    return counts


def t_tuple_estimate(counts: SubstringCounts, n: int) -> EstimateResult:
    """Min-entropy from the most frequent ``i``-tuples, ``i = 1 .. t``.

    ``t`` is the largest length whose most common tuple occurs at least 35 times;
    ``p_hat = max_i (Q_i / (L - i + 1))^(1/i)`` and the estimate is ``-log2 p_u``.
    The counts come from :func:`substring_counts`, where a C kernel runs the same counting
    (suffix array, LCP array, one pass) when it is built.

    Parameters
    ----------
    counts : SubstringCounts
        From :func:`substring_counts` on the sequence.
    n : int
        Sequence length ``L``.

    Returns
    -------
    EstimateResult
        ``values``: ``t``, ``p_hat_max``, ``p_u``. ``min_entropy`` is NaN-free: a
        sequence with no tuple repeated 35 times raises ``ValueError``.
    """
    counts, n = _check_counts(counts), require_integer("n", n, 2)
    q = counts.max_count
    u = _first_rare_length(q)
    t = u - 1
    if t < 1:
        raise ValueError("the t-Tuple estimate needs a symbol that occurs at least "
                         f"{TUPLE_THRESHOLD} times; the sequence is too short")
    p_hat = 0.0
    for start in range(1, t + 1, _CHUNK):                # blocks keep temporaries small
        i = np.arange(start, min(start + _CHUNK, t + 1))
        p_hat = max(p_hat, float(np.max((q[i[0]: i[-1] + 1] / (n - i + 1.0)) ** (1.0 / i))))
    p_u = _bound(p_hat, n)
    return EstimateResult("t-Tuple", -math.log2(p_u), {"t": t, "p_hat_max": p_hat, "p_u": p_u})


def lrs_estimate(counts: SubstringCounts, n: int) -> EstimateResult | None:
    """Min-entropy from the collision rate of tuples of lengths ``u .. v``.

    ``u`` is the smallest length whose most common tuple occurs fewer than 35 times and
    ``v`` the longest repeated substring; ``P_W = sum C(count, 2) / C(L - W + 1, 2)`` and
    ``p_hat = max_W P_W^(1/W)``. The counts come from :func:`substring_counts`, where a C
    kernel runs the same counting when it is built.

    Returns
    -------
    EstimateResult or None
        ``values``: ``u``, ``v``, ``p_hat``, ``p_u``; None if ``v < u`` (the tool then
        skips the estimate).
    """
    counts, n = _check_counts(counts), require_integer("n", n, 2)
    q = counts.max_count
    u = _first_rare_length(q)
    v = counts.longest
    if v < u:
        return None
    p_hat = 0.0
    for start in range(u, v + 1, _CHUNK):                # blocks keep temporaries small
        w = np.arange(start, min(start + _CHUNK, v + 1))
        pairs_total = (n - w) * (n - w + 1.0) / 2.0
        p_w = counts.pairs[w[0]: w[-1] + 1] / pairs_total
        p_hat = max(p_hat, float(np.max(p_w ** (1.0 / w))))
    p_u = _bound(p_hat, n)
    return EstimateResult("LRS", -math.log2(p_u), {"u": int(u), "v": int(v), "p_hat": p_hat, "p_u": p_u})


def tuple_estimates(symbols: np.ndarray, k: int) -> tuple[EstimateResult, EstimateResult | None]:
    """Both tuple estimates from one pass of substring counting."""
    k = check_alphabet_size("k", k)
    symbols = check_symbols("symbols", symbols, k, minimum=2)
    counts = substring_counts(symbols, k)
    n = symbols.size
    return t_tuple_estimate(counts, n), lrs_estimate(counts, n)

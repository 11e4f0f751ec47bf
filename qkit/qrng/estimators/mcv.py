"""Most Common Value estimate (SP 800-90B Sec. 6.3.1; also the IID track's estimate)."""

from __future__ import annotations

import math

import numpy as np

from ._common import EstimateResult, upper_bound
from ._symbols import check_alphabet_size, check_symbols, symbol_counts

__all__ = ["most_common_value"]


def most_common_value(symbols: np.ndarray, k: int) -> EstimateResult:
    """Min-entropy from the frequency of the most common symbol.

    ``p_u = min(1, p_hat + 2.576 sqrt(p_hat (1 - p_hat) / (L - 1)))`` with
    ``p_hat = max count / L``; the estimate is ``-log2 p_u`` bits per sample.

    Parameters
    ----------
    symbols : numpy.ndarray of uint8
        Symbols ``0..k-1``.
    k : int
        Alphabet size.

    Returns
    -------
    EstimateResult
        ``values``: ``mode`` (count), ``p_hat``, ``p_u``.
    """
    k = check_alphabet_size("k", k)
    symbols = check_symbols("symbols", symbols, k, minimum=2)
    n = symbols.size
    mode = int(symbol_counts(symbols, k).max())          # chunked: no 8-byte copy of the input
    p_hat = mode / n
    p_u = upper_bound(p_hat, n)
    return EstimateResult("Most Common Value", -math.log2(p_u),
                          {"mode": mode, "p_hat": p_hat, "p_u": p_u})

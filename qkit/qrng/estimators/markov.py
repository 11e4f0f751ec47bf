"""Markov estimate (SP 800-90B Sec. 6.3.3), for binary sequences."""

from __future__ import annotations

import math

import numpy as np

from ._common import EstimateResult
from ._symbols import check_bits

__all__ = ["markov_estimate"]

#: The most likely path is sought among sequences of this many bits.
PATH_LENGTH = 128


def markov_estimate(bits: np.ndarray) -> EstimateResult:
    """Min-entropy of the most likely 128-bit path under a first-order Markov model.

    Transition probabilities ``P_ab`` are estimated from the ``L-1`` pairs, initial
    probabilities from all ``L`` bits; the six candidate paths (all 0, all 1, alternating,
    one switch) give ``-log2 P(path)``, and the estimate is ``min(1, min / 128)``.

    Returns
    -------
    EstimateResult
        ``values``: ``P_0``, ``P_1``, ``P_00``, ``P_01``, ``P_10``, ``P_11``, ``p_max``.
    """
    bits = check_bits("bits", bits, minimum=2)
    n = bits.size
    c1 = int(np.count_nonzero(bits[:-1]))                 # pairs starting with 1 (no copy)
    c0 = n - 1 - c1
    c00 = c10 = 0
    for a in range(0, n - 1, 1 << 16):                     # chunks: temporaries stay small
        head, tail = bits[a:a + (1 << 16)], bits[a + 1:a + 1 + (1 << 16)]
        head = head[:tail.size]
        c00 += head.size - int(np.count_nonzero(head | tail))
        c10 += int(np.count_nonzero(head > tail))
    p00, p01 = (c00 / c0, 1.0 - c00 / c0) if c0 else (0.0, 0.0)
    p10, p11 = (c10 / c1, 1.0 - c10 / c1) if c1 else (0.0, 0.0)
    p0 = (c0 + int(bits[-1] == 0)) / n
    p1 = 1.0 - p0
    m = PATH_LENGTH
    half = m // 2
    paths = [  # (needed probabilities, -log2 P(path))
        ((p00,), lambda: -math.log2(p0) - (m - 1) * math.log2(p00)),
        ((p01, p10), lambda: -math.log2(p0) - half * math.log2(p01) - (half - 1) * math.log2(p10)),
        ((p01, p11), lambda: -math.log2(p0) - math.log2(p01) - (m - 2) * math.log2(p11)),
        ((p10, p00), lambda: -math.log2(p1) - math.log2(p10) - (m - 2) * math.log2(p00)),
        ((p10, p01), lambda: -math.log2(p1) - half * math.log2(p10) - (half - 1) * math.log2(p01)),
        ((p11,), lambda: -math.log2(p1) - (m - 1) * math.log2(p11)),
    ]
    h_min = float(m)
    for needed, value in paths:
        if all(q > 0.0 for q in needed):
            h_min = min(h_min, value())
    return EstimateResult("Markov", min(h_min / m, 1.0), {
        "P_0": p0, "P_1": p1, "P_00": p00, "P_01": p01, "P_10": p10, "P_11": p11,
        "p_max": 2.0 ** -h_min})

"""Collision estimate (SP 800-90B Sec. 6.3.2), for binary sequences."""

from __future__ import annotations

import math

import numpy as np

from ._common import ZALPHA, EstimateResult
from ._compiled import kernel
from ._symbols import check_bits

__all__ = ["collision_estimate", "collision_times"]


def collision_times(bits: np.ndarray) -> np.ndarray:
    """Waiting times to the first collision, scanning a bit sequence left to right.

    From each start ``i``, a collision comes after 2 bits if ``S[i] == S[i+1]``, otherwise
    after 3 (any 3 bits hold a repeat); the next scan starts after it. A final start with
    fewer than 3 bits left and no pair is dropped, as in the reference tool.

    Returns
    -------
    numpy.ndarray of int
        The times ``t_1, t_2, ...`` (each 2 or 3).
    """
    bits = check_bits("bits", bits)
    n = bits.size
    step = np.where(bits[:-1] == bits[1:], 2, 3).tolist()
    times = []
    append = times.append
    i = 0
    while i < n - 1:
        t = step[i]
        if t == 3 and i >= n - 2:
            break
        append(t)
        i += t
    return np.asarray(times, dtype=np.int64)


def collision_estimate(bits: np.ndarray) -> EstimateResult:
    """Min-entropy from the mean time to a collision (binary data).

    The lower bound ``X' = X - 2.576 s / sqrt(v)`` on the mean time is matched to the
    binary family's expected time ``2 + 2p(1-p)`` and solved in closed form,
    ``p = 1/2 + sqrt(5/4 - X'/2)`` (valid for ``2 <= X' < 2.5``; otherwise ``p = 1/2``).
    When the C kernel ``_cpredict`` is built, it scans the collision times without storing
    them (the same count, sum and sum of squares as :func:`collision_times`).

    Returns
    -------
    EstimateResult
        ``values``: ``v``, ``sum_t``, ``X_bar``, ``sigma_hat``, ``X_bar_prime``, ``p``,
        ``found_p``.
    """
    bits = check_bits("bits", bits, minimum=6)  # two collision times at least
    fast = kernel("collision")
    if fast is not None:                        # the C scan: the same v, sum and sum of squares
        v, total, squares = fast(bits)
    else:
        t = collision_times(bits)
        v, total, squares = t.size, int(t.sum()), int(np.dot(t, t))
    x_bar = total / v
    sigma = math.sqrt((squares - total * x_bar) / (v - 1))
    x_prime = max(2.0, x_bar - ZALPHA * sigma / math.sqrt(v))
    found = x_prime < 2.5
    if found:
        p = 0.5 + math.sqrt(1.25 - 0.5 * x_prime)
        h = -math.log2(p)
    else:
        p, h = 0.5, 1.0
    return EstimateResult("Collision", h, {
        "v": int(v), "sum_t": total, "X_bar": x_bar, "sigma_hat": sigma,
        "X_bar_prime": x_prime, "p": p, "found_p": found})

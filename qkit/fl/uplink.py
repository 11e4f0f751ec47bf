"""Uplink resources of one round: who is scheduled, in what bandwidth, with how many bits per value.

The DQFL paper lets every vehicle upload in every round over its own channel. A real road-side
unit has one carrier of fixed total bandwidth ``B_tot`` to share; the kit's model of that:

* **scheduling** -- each round the server draws ``K`` of the ``N`` vehicles uniformly at random
  without replacement (every subset of size ``K`` equally likely, from a seeded ``Generator``);
  the others neither train nor send that round;
* **shared bandwidth** -- the ``K`` scheduled vehicles split the carrier into ``K`` equal
  orthogonal sub-bands of ``W = B_tot / K`` (OFDMA). A narrower sub-band collects less noise
  (``N0 W``: the mean SNR rises by 3 dB when ``K`` doubles), but a message of ``b`` bits in a slot
  ``T`` needs spectral efficiency ``R = b / (W T)``, whose threshold ``2**R - 1`` grows
  exponentially with ``K``: past a few bit/s/Hz, sharing the band among more vehicles costs reception;
* **quantised uploads** -- with ``bits_per_parameter < 32`` a vehicle sends its *update*
  ``Delta = w_k - w_global`` (angle differences wrapped into one period), quantised per block with
  a uniform quantiser of ``2**b`` levels over the block's range ``[min Delta, max Delta]``, plus a
  header of two float32 numbers (the minimum and the step) per block. The server knows
  ``w_global`` (it sent it) and rebuilds ``w_global + Q(Delta)``. Rounding is deterministic (to the
  nearest level): its error is at most half a step, ``(max - min) / (2 (2**b - 1))`` -- half the
  worst case of stochastic rounding -- and it draws no random numbers, so quantised and
  unquantised runs of one seed see the same fades (paired comparisons). Stochastic rounding
  would make ``Q`` unbiased (QSGD, Alistarh et al., NeurIPS 2017), which matters when many
  vehicles' errors are averaged; with the few arrivals of a fading uplink the smaller error wins.
  Quantising the update rather than the parameters follows FedPAQ (Reisizadeh et al., AISTATS
  2020): updates span a far smaller range than the parameters, so the step is far finer.
  The header's own float32 rounding (relative ``6e-8``) is neglected.

``bits_per_parameter = 32`` keeps the kit's historical behaviour: float32 values, no header, no
quantisation error modelled.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from qkit._validate import require_array, require_generator, require_integer, require_real

__all__ = ["UNQUANTISED_BITS", "HEADER_BITS", "QuantisedUpdate", "schedule_vehicles",
           "shared_bandwidth_channel", "quantise_update", "upload_bits"]

UNQUANTISED_BITS = 32
"""Bits per value of an unquantised (float32) upload: no quantisation is applied."""
HEADER_BITS = 64
"""Header bits per block of a quantised upload: the block's minimum and step as two float32."""


class QuantisedUpdate(NamedTuple):
    """A quantised update as the server rebuilds it.

    ``values``: the dequantised update, the shape of the input; ``step``: the quantiser step of
    each block, shape (n_blocks,) (0 for a block whose values are all equal, or that is empty).
    """

    values: np.ndarray
    step: np.ndarray


def schedule_vehicles(n_vehicles: int, clients_per_round: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``K`` vehicles scheduled this round, drawn uniformly without replacement.

    Parameters
    ----------
    n_vehicles : int
        Fleet size ``N >= 1``.
    clients_per_round : int
        ``K``, with ``1 <= K <= N``.
    rng : numpy.random.Generator
        The scheduler's stream (one ``choice`` call per round).

    Returns
    -------
    numpy.ndarray of int, shape (K,)
        Sorted indices; every subset of size ``K`` is equally likely. ``K = N`` gives
        ``0 .. N-1``.
    """
    n = require_integer("n_vehicles", n_vehicles, 1)
    k = require_integer("clients_per_round", clients_per_round, 1, n)
    require_generator("rng", rng)
    return np.sort(rng.choice(n, size=k, replace=False))


def shared_bandwidth_channel(channel: Any, total_bandwidth_hz: float, clients_per_round: int) -> Any:
    """A copy of ``channel`` whose sub-band is ``W = total_bandwidth_hz / clients_per_round``.

    Parameters
    ----------
    channel : qkit.fl.channel.Channel
        Any frozen dataclass with a ``bandwidth_hz`` field.
    total_bandwidth_hz : float
        ``B_tot > 0`` (Hz), split equally among the scheduled vehicles.
    clients_per_round : int
        ``K >= 1``.

    Returns
    -------
    The channel with ``bandwidth_hz = B_tot / K``; its noise power is ``N0 W F`` and, through
    :meth:`~qkit.fl.channel.Channel.with_message_bits`, the rate of a ``b``-bit message is
    ``b / (W T)``.
    """
    if not (dataclasses.is_dataclass(channel) and hasattr(channel, "bandwidth_hz")):
        raise TypeError(f"channel must be a qkit.fl.channel.Channel (a dataclass with bandwidth_hz), "
                        f"got {channel!r:.60}")
    total = require_real("total_bandwidth_hz", total_bandwidth_hz, 0.0, None, low_inclusive=False, unit="Hz")
    k = require_integer("clients_per_round", clients_per_round, 1)
    return dataclasses.replace(channel, bandwidth_hz=total / k)


def _bits(bits_per_parameter) -> int:
    return require_integer("bits_per_parameter", bits_per_parameter, 2, UNQUANTISED_BITS)


def _blocks(block_of, n: int | None = None) -> np.ndarray:
    blocks = require_array("block_of", block_of, dtype=int, low=0, ndim=1)
    if np.asarray(block_of).dtype.kind not in "iu":
        raise ValueError(f"block_of must hold integer block indices, got dtype {np.asarray(block_of).dtype}")
    if n is not None and blocks.size != n:
        raise ValueError(f"block_of must have one block index per value ({n}), got {blocks.size}")
    return blocks


def upload_bits(block_of, bits_per_parameter: int = UNQUANTISED_BITS) -> np.ndarray:
    """Bits of each uplink block: ``n_block * b``, plus :data:`HEADER_BITS` when quantised.

    Parameters
    ----------
    block_of : int array (P,)
        Block index (>= 0) of each transmitted parameter.
    bits_per_parameter : int
        ``b`` in [2, 32]; 32 is an unquantised float32 upload (no header).

    Returns
    -------
    numpy.ndarray of float, shape (n_blocks,)
    """
    b = _bits(bits_per_parameter)
    counts = np.bincount(_blocks(block_of), minlength=1).astype(float)
    header = 0.0 if b == UNQUANTISED_BITS else float(HEADER_BITS)
    return counts * b + np.where(counts > 0, header, 0.0)


def quantise_update(update, block_of, bits_per_parameter: int) -> QuantisedUpdate:
    """Uniform deterministic quantiser of an update, per block over the block's range.

    With ``lo, hi`` the block's minimum and maximum and ``L = 2**b`` levels, the step is
    ``s = (hi - lo) / (L - 1)`` and ``Q(x) = lo + s * round((x - lo) / s)``, so
    ``|Q(x) - x| <= s / 2`` (up to float rounding). Computed about the block's midpoint, so that
    no intermediate overflows even for values near the float64 limit.

    Parameters
    ----------
    update : array (P,)
        Finite values (e.g. ``w_k - w_global``, angle differences already wrapped).
    block_of : int array (P,)
        Block index of each value; each block gets its own range.
    bits_per_parameter : int
        ``b`` in [2, 32]; 32 returns the update unchanged (float32 upload, step 0).

    Returns
    -------
    QuantisedUpdate
        ``values`` (P,) and ``step`` (n_blocks,).
    """
    x = require_array("update", update, ndim=1)
    blocks = _blocks(block_of, x.size)
    b = _bits(bits_per_parameter)
    n_blocks = int(blocks.max()) + 1 if blocks.size else 1
    steps = np.zeros(n_blocks)
    if b == UNQUANTISED_BITS:
        return QuantisedUpdate(x.copy(), steps)
    out = x.copy()
    levels = float(2**b - 1)
    for j in range(n_blocks):
        sel = blocks == j
        if not sel.any():
            continue
        lo, hi = float(x[sel].min()), float(x[sel].max())
        steps[j] = hi / levels - lo / levels  # (hi - lo) / (L - 1) without overflow
        if steps[j] > 0:
            mid = lo / 2 + hi / 2
            codes = np.clip(np.rint((x[sel] - mid) / steps[j] + levels / 2), 0.0, levels)
            out[sel] = mid + steps[j] * (codes - levels / 2)
    return QuantisedUpdate(out, steps)

"""Server-side aggregation of model parameters (Sec. III A and IV B 4 of the DQFL paper).

The paper names three aggregation rules, FedAvg [23], FedBN [24] and FedProx [25], and lets
the server combine whatever arrived over the uplink. This module holds the pure arithmetic:

* :func:`fedavg` -- the sample-count weighted mean ``w = sum_k n_k w_k / sum_k n_k``.
* :func:`circular_mean` -- the same for rotation angles, which are periodic: the angle of the
  weighted sum of ``exp(2 pi i theta / T)``. A plain mean of ``+3.1`` and ``-3.1`` rad is 0,
  the opposite of both; the circular mean is ``pi``.
* :func:`aggregate` -- the partial rule the wireless uplink needs: parameters travel in blocks
  (the whole QNN in QFL; a base and an enhancement message in DQFL); each parameter is averaged
  over the clients whose block arrived and keeps its previous global value where none did.
  A ``local`` mask keeps designated parameters out of the average entirely (FedBN's batch-norm
  layers, :mod:`qkit.fl.batchnorm`, or a personalised layer).
* :func:`proximal_gradient` -- FedProx's local term ``mu/2 ||w - w_global||^2`` and its gradient
  ``mu (w - w_global)``, added to each client's loss during local training.

Parameters are flat vectors of length ``P``; ``K`` clients' vectors are stacked as ``(K, P)``.
Blocks are given as ``block_of``, an integer array of length ``P`` naming each parameter's block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qkit._validate import require_array, require_integer, require_real

__all__ = [
    "AggregationResult",
    "fedavg",
    "circular_mean",
    "aggregate",
    "blocks_from_slices",
    "proximal_term",
    "proximal_gradient",
    "wrap_periodic",
]

_RESULTANT_TOL = 1e-12  # a resultant shorter than this fraction of the total weight is "no direction"


def _as_weights(sample_counts, n_clients: int, name: str = "sample_counts") -> np.ndarray:
    """Non-negative finite weights, one per client, with a positive sum. Weights whose largest
    is above 1e150 or below 1 are scaled so the largest is 1: the weighted mean is unchanged and
    neither overflows nor underflows (sample counts of 1 or more are used as they are)."""
    w = require_array(name, sample_counts, low=0.0, unit="samples")
    if w.shape != (n_clients,):
        raise ValueError(f"{name} must have one entry per client ({n_clients}), got shape {w.shape}")
    if not np.any(w > 0):
        raise ValueError(f"{name} must have a positive sum, got {sample_counts!r:.80}")
    top = w.max()
    return w / top if (top > 1e150 or top < 1.0) else w


def _as_vector(name: str, value, n: int) -> np.ndarray:
    arr = require_array(name, value)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr


def _as_stack(client_params, name: str = "client_params") -> np.ndarray:
    arr = require_array(name, client_params)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a (clients, parameters) array with >= 1 client, got shape {arr.shape}")
    return arr


def _as_period(period, n_params: int) -> np.ndarray:
    """Per-parameter period; ``inf`` (or 0) marks a parameter that is not periodic."""
    if period is None:
        return np.full(n_params, np.inf)
    p = require_array("period", period, ndim=(0, 1), finite=False, unit="rad")
    if np.any(np.isnan(p)) or np.any(p < 0):
        raise ValueError(f"period must be > 0 (radians) or inf/0 for non-periodic parameters, got {period!r:.80}")
    if p.ndim == 1 and p.shape != (n_params,):
        raise ValueError(f"period must be one number or one per parameter ({n_params}), got shape {p.shape}")
    p = np.broadcast_to(p, (n_params,)).copy()
    p[p == 0] = np.inf
    return p


def wrap_periodic(delta: np.ndarray, period) -> np.ndarray:
    """Map differences of periodic parameters into ``[-T/2, T/2)``; non-periodic ones pass through.

    Parameters
    ----------
    delta : array
        Parameter differences (radians for angles).
    period : float or array
        Period ``T`` of each parameter (``2 pi`` for a rotation angle); ``inf`` (or 0) means not
        periodic. A number, or an array of the shape of ``delta``.
    """
    delta = require_array("delta", delta)
    if period is None:
        raise TypeError("period must be a number or an array of periods (inf: not periodic), got None")
    p = _as_period(period, delta.size) if np.ndim(period) else _as_period(period, 1)[0]
    return _wrap(delta, np.reshape(p, delta.shape) if np.ndim(p) else p)


def _wrap(delta: np.ndarray, period) -> np.ndarray:
    """:func:`wrap_periodic` without the checks."""
    p = np.broadcast_to(np.asarray(period, dtype=float), delta.shape)
    finite = np.isfinite(p) & (p > 0)
    safe = np.where(finite, p, 1.0)
    wrapped = (delta + safe / 2) % safe - safe / 2
    return np.where(finite, wrapped, delta)


def fedavg(client_params, sample_counts) -> np.ndarray:
    """FedAvg: the sample-count weighted mean of the clients' parameter vectors.

    ``w_global = sum_k n_k w_k / sum_k n_k`` (McMahan et al.; ref. [23] of the DQFL paper).

    Parameters
    ----------
    client_params : array, shape (K, P)
        One flat parameter vector per client.
    sample_counts : array, shape (K,)
        Number of training samples ``n_k >= 0`` of each client; at least one must be > 0.

    Returns
    -------
    numpy.ndarray, shape (P,)
    """
    theta = _as_stack(client_params)
    w = _as_weights(sample_counts, theta.shape[0])
    return (w @ theta) / w.sum()


def circular_mean(angles, weights, *, period: float = 2 * np.pi, reference=None) -> np.ndarray:
    """Weighted circular mean of periodic parameters, column by column.

    The mean direction is ``T/(2 pi) * arg( sum_k w_k exp(2 pi i theta_k / T) )``; for
    rotation angles ``T = 2 pi`` and this is the angle of the weighted sum of unit phasors.

    Parameters
    ----------
    angles : array, shape (K, P)
        Angles (radians) of ``K`` clients.
    weights : array, shape (K,)
        Non-negative weights (sample counts), positive sum.
    period : float
        Period ``T`` in radians (``2 pi`` for a single-qubit rotation angle).
    reference : array, shape (P,), optional
        If given, each mean is returned as the representative closest to ``reference``
        (so a global model changes continuously from round to round); otherwise in ``[-T/2, T/2)``.

    Returns
    -------
    numpy.ndarray, shape (P,)

    Raises
    ------
    ValueError
        If the phasors cancel (resultant shorter than 1e-12 of the total weight): the mean
        direction is then undefined, e.g. two equal weights at ``0`` and ``pi``.
    """
    theta = _as_stack(angles, "angles")
    w = _as_weights(weights, theta.shape[0], "weights")
    period = require_real("period", period, 0.0, None, low_inclusive=False, unit="rad")
    ref = None if reference is None else _as_vector("reference", reference, theta.shape[1])
    resultant = w @ np.exp(2j * np.pi * theta / period)
    if np.any(np.abs(resultant) <= _RESULTANT_TOL * w.sum()):
        bad = np.flatnonzero(np.abs(resultant) <= _RESULTANT_TOL * w.sum())
        raise ValueError(f"circular mean of angles undefined for parameters {bad.tolist()[:10]}: "
                         "the weighted phasors cancel")
    mean = np.angle(resultant) * period / (2 * np.pi)
    mean = _wrap(mean, period)
    if ref is not None:
        mean = ref + _wrap(mean - ref, period)
    return mean


@dataclass(frozen=True, eq=False)
class AggregationResult:
    """What the server computed in one aggregation.

    Attributes
    ----------
    params : numpy.ndarray, shape (P,)
        The new global parameter vector.
    updated : numpy.ndarray of bool, shape (P,)
        Which parameters were recomputed from at least one arrived client update.
    contributors : numpy.ndarray of int, shape (B,)
        How many clients' copies of each block arrived.
    """

    params: np.ndarray
    updated: np.ndarray
    contributors: np.ndarray

    @property
    def any_update(self) -> bool:
        """True if at least one parameter changed source (some client update arrived)."""
        return bool(self.updated.any())


def aggregate(
    global_params,
    client_params,
    sample_counts,
    arrived,
    block_of,
    *,
    period=None,
    local=None,
) -> AggregationResult:
    """Partial FedAvg over whatever arrived, block by block.

    For parameter ``j`` in block ``b(j)``, with ``A_b`` the clients whose block ``b`` arrived::

        w_j  <-  sum_{k in A_b} n_k w_kj / sum_{k in A_b} n_k      if A_b has positive weight
        w_j  <-  w_j (previous global value)                          otherwise

    Periodic parameters (finite ``period``) use the circular mean instead, returned next to
    the previous global value; where their phasors cancel the previous value is kept.
    Parameters flagged ``local`` (FedBN's batch-norm layer, :mod:`qkit.fl.batchnorm`, or a
    personalised input layer) are never averaged: the global vector keeps its value and each
    client keeps its own.

    Parameters
    ----------
    global_params : array, shape (P,)
        The current global model.
    client_params : array, shape (K, P)
        The clients' locally trained vectors (entries of blocks that did not arrive are ignored).
    sample_counts : array, shape (K,)
        Samples per client (FedAvg weights).
    arrived : array of bool, shape (K, B)
        ``arrived[k, b]``: block ``b`` of client ``k`` was decoded by the server.
    block_of : array of int, shape (P,)
        Block index ``0 <= b < B`` of each parameter.
    period : float or array, shape (P,), optional
        Period of each parameter in radians (``2 pi`` for rotation angles); ``inf`` or 0 for
        parameters that are not periodic. Default: none periodic.
    local : array of bool, shape (P,), optional
        Parameters kept out of the average (FedBN's batch-norm layer, a personalised layer).

    Returns
    -------
    AggregationResult
    """
    theta = _as_stack(client_params)
    n_clients, n_params = theta.shape
    g = _as_vector("global_params", global_params, n_params)
    w = _as_weights(sample_counts, n_clients)
    blocks = require_array("block_of", block_of, dtype=int, low=0)
    if np.asarray(block_of).dtype.kind not in "iu":
        raise ValueError(f"block_of must hold integer block indices, got dtype {np.asarray(block_of).dtype}")
    if blocks.shape != (n_params,):
        raise ValueError(f"block_of must be {n_params} non-negative integers, got shape {blocks.shape}")
    arr = require_array("arrived", arrived, dtype=bool)
    n_blocks = int(blocks.max()) + 1 if n_params else 0
    if arr.ndim != 2 or arr.shape[0] != n_clients or arr.shape[1] < n_blocks:
        raise ValueError(f"arrived must be a bool array of shape ({n_clients}, {n_blocks}), got {arr.shape}")
    periods = _as_period(period, n_params)
    is_local = np.zeros(n_params, bool) if local is None else require_array("local", local, dtype=bool)
    if is_local.shape != (n_params,):
        raise ValueError(f"local must be a bool mask of shape ({n_params},), got {is_local.shape}")

    weight = arr[:, blocks] * w[:, None]  # (K, P): weight of client k in parameter j
    total = weight.sum(axis=0)
    has = (total > 0) & ~is_local
    new = g.copy()
    linear = has & ~np.isfinite(periods)
    new[linear] = (weight[:, linear] * theta[:, linear]).sum(axis=0) / total[linear]
    circ = has & np.isfinite(periods)
    if circ.any():
        phase = 2 * np.pi * theta[:, circ] / periods[circ]
        resultant = (weight[:, circ] * np.exp(1j * phase)).sum(axis=0)
        defined = np.abs(resultant) > _RESULTANT_TOL * total[circ]
        mean = np.angle(resultant) * periods[circ] / (2 * np.pi)
        step = _wrap(mean - g[circ], periods[circ])
        new[circ] = np.where(defined, g[circ] + step, g[circ])
        idx = np.flatnonzero(circ)
        has[idx[~defined]] = False
    contributors = np.array([int(arr[:, b].sum()) for b in range(arr.shape[1])])
    return AggregationResult(params=new, updated=has, contributors=contributors)


def blocks_from_slices(n_params: int, blocks: list) -> np.ndarray:
    """Build ``block_of`` from a list of blocks, each a slice or a list of slices/index arrays.

    Every parameter must belong to exactly one block.

    Examples
    --------
    >>> blocks_from_slices(5, [slice(0, 2), [slice(2, 4), np.array([4])]]).tolist()
    [0, 0, 1, 1, 1]
    """
    n_params = require_integer("n_params", n_params, 0)
    if not isinstance(blocks, (list, tuple)):
        raise TypeError(f"blocks must be a list of blocks (slices or lists of slices/index arrays), got {blocks!r:.60}")
    block_of = np.full(n_params, -1, dtype=int)
    for b, parts in enumerate(blocks):
        for part in parts if isinstance(parts, (list, tuple)) else [parts]:
            try:
                idx = np.arange(n_params)[part]
            except (IndexError, TypeError, ValueError):
                raise ValueError(f"blocks[{b}] must be a slice or an integer index array within "
                                 f"0..{n_params - 1}, got {part!r:.60}") from None
            if np.any(block_of[idx] >= 0):
                raise ValueError(f"blocks overlap: block {b} repeats parameters {idx[block_of[idx] >= 0].tolist()}")
            block_of[idx] = b
    if np.any(block_of < 0):
        raise ValueError(f"blocks must cover every parameter; missing {np.flatnonzero(block_of < 0).tolist()}")
    return block_of


def proximal_term(params, global_params, mu: float, *, period=None) -> float:
    """FedProx's proximal term ``mu/2 ||w - w_global||^2`` (ref. [25] of the DQFL paper).

    Differences of periodic parameters are wrapped to ``[-T/2, T/2)`` first.

    Parameters
    ----------
    params, global_params : array (P,)
        The local and the global parameter vectors.
    mu : float
        Strength (>= 0).
    period : float or array (P,), optional
        Periods (rad; inf or 0: not periodic).
    """
    d = _proximal_difference(params, global_params, mu, period)
    return 0.5 * float(mu) * float(d @ d)


def _proximal_difference(params, global_params, mu, period) -> np.ndarray:
    require_real("mu", mu, 0.0)
    w = require_array("params", params, ndim=1)
    g = _as_vector("global_params", global_params, w.size)
    return _wrap(w - g, _as_period(period, w.size))


def proximal_gradient(grad, params, global_params, mu: float, *, period=None) -> np.ndarray:
    """Local gradient plus FedProx's pull towards the global model: ``grad + mu (w - w_global)``.

    Arguments as in :func:`proximal_term`; ``grad`` has the shape of ``params``.
    """
    d = _proximal_difference(params, global_params, mu, period)
    return _as_vector("grad", grad, d.size) + float(mu) * d

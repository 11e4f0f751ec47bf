"""Dropped clients against a fading uplink: two ways of losing updates (issue 13, chapter 14).

A real fleet loses updates in two ways. The **channel** loses blocks when a fade pushes the SINR
under the decoding threshold (:class:`qkit.fl.channel.Channel`): far vehicles lose more often, and
with DQFL the base block survives fades the enhancement does not. A **dropped client** (a crash, a
lost connection, a vehicle out of range: ``run_federated(..., drop_probability=p)``) loses both
blocks, whatever its distance, with the same probability ``p`` for every vehicle.

:func:`compare_drops_with_fading` measures both on one setting, with paired seeds (every run uses
the same training streams and fades, :mod:`qkit.fl.rounds`):

* the **split of the losses** in the setting with drops: the fraction of sent blocks lost because
  the vehicle dropped, and the fraction lost to fading;
* the **accuracy after R rounds** with drops of probability ``p`` over an ideal uplink, against a
  fading uplink, without drops, that loses the same expected fraction ``p`` of the blocks (the
  same fleet moved away from the server: every distance times one factor, found from the channel's
  closed-form reception probabilities).

This module does not need Flower; :mod:`qkit.fl.flower` runs the drops as real client failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from qkit._validate import require_array, require_integer, require_real
from qkit.fl.clients import ClientData, LocalTraining, check_clients
from qkit.fl.rounds import FederatedHistory, _distances_for_round, _Federation, run_federated

__all__ = ["DropsVsFading", "compare_drops_with_fading"]

_SCALE_RANGE = (1e-3, 1e3)  # distance factors searched for the matched fading uplink


@dataclass(frozen=True, eq=False)
class DropsVsFading:
    """The comparison :func:`compare_drops_with_fading` returns.

    Attributes
    ----------
    drop_probability : float
        ``p``.
    lost_to_drops, lost_to_fading : float
        In the setting's run with drops: the fraction of the scheduled vehicles' blocks lost
        because the vehicle dropped out, and lost to fading (the vehicle sent, the block did not
        arrive). Their sum is the fraction lost.
    distance_scale : float
        The factor on every distance that makes the fading uplink lose a fraction ``p`` of the
        blocks in expectation.
    fading_loss : float
        The fraction of blocks the matched fading uplink did lose in its run (close to ``p``).
    accuracy_drops, accuracy_fading : numpy.ndarray (E,)
        Accuracy per exit after the last round: drops over an ideal uplink, and the matched fading
        uplink without drops.
    histories : dict of str to FederatedHistory
        ``"setting"`` (the channel and drops together), ``"drops"`` and ``"fading"``.
    """

    drop_probability: float
    lost_to_drops: float
    lost_to_fading: float
    distance_scale: float
    fading_loss: float
    accuracy_drops: np.ndarray
    accuracy_fading: np.ndarray
    histories: dict


def _expected_block_loss(federation: _Federation, distances, rounds: int, scale: float = 1.0) -> float:
    """Expected fraction of blocks a fading uplink loses over ``rounds`` rounds, every distance x ``scale``.

    ``federation`` is a connected :class:`qkit.fl.rounds._Federation` (its channel sized for the
    message bits); distances as in ``run_federated`` (rows cycled). Mean over rounds, vehicles
    and blocks of ``1 - P(block arrives)`` (closed form, :meth:`Channel.reception_probability`).
    """
    rounds = require_integer("rounds", rounds, 1)
    scale = require_real("scale", scale, 0.0, None, low_inclusive=False)
    channel, scheme = federation.channel, "dqfl" if federation.scheme == "dqfl" else "qfl"
    n = len(federation.clients)
    d = np.array([_distances_for_round(distances, r, n) for r in range(rounds)]) * scale
    prob = channel.reception_probability(d, scheme, federation.power_split)
    blocks = (prob.base, prob.enhancement) if scheme == "dqfl" else (prob.base,)
    return float(np.mean([1.0 - np.mean(b) for b in blocks]))


def _matched_scale(federation: _Federation, distances, rounds: int, target: float) -> float:
    """The distance factor whose expected block loss is ``target`` (bisection on log scale)."""
    lo, hi = _SCALE_RANGE
    loss_lo, loss_hi = (_expected_block_loss(federation, distances, rounds, s) for s in (lo, hi))
    if not loss_lo <= target <= loss_hi:
        raise ValueError(f"no fading uplink of this channel loses drop_probability = {target} of the blocks: "
                         f"moving the fleet {lo:g}x to {hi:g}x as far loses {loss_lo:.3g} to {loss_hi:.3g}")
    for _ in range(60):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if _expected_block_loss(federation, distances, rounds, mid) < target else (lo, mid)
    return float(np.sqrt(lo * hi))


def _lost_fractions(h: FederatedHistory) -> tuple[float, float]:
    """Blocks lost to drops and to fading, as fractions of the scheduled vehicles' blocks."""
    slots = h.scheduled[..., None] & np.ones(h.arrived.shape, dtype=bool)
    dropped = h.dropped[..., None] & slots
    faded = slots & ~dropped & ~h.arrived
    total = max(int(slots.sum()), 1)
    return float(dropped.sum() / total), float(faded.sum() / total)


def compare_drops_with_fading(model: Any, clients: Sequence[ClientData], test_set, channel: Any, scheme: str,
                              rounds: int, *, drop_probability: float, distances, initial_params, seed: int,
                              training: LocalTraining = LocalTraining(), power_split: float = 0.8,
                              base_mask=None, period=None) -> DropsVsFading:
    """Dropped clients against a fading uplink that loses as many blocks, with paired seeds.

    Three :func:`qkit.fl.rounds.run_federated` runs, each with ``rng=default_rng(seed)`` (the same
    training streams, fades and drop draws): the setting with ``channel`` and drops of probability
    ``p``; drops of probability ``p`` over an ideal uplink; and the fading uplink without drops,
    every distance scaled so that it loses a fraction ``p`` of the blocks in expectation.

    Parameters
    ----------
    model, clients, test_set, channel, scheme, rounds
        As for :func:`~qkit.fl.rounds.run_federated` (``channel`` is required; ``rounds >= 1``).
    drop_probability : float
        ``p`` in (0, 1).
    distances : array (K,) or (rounds, K)
        Metres, as for ``run_federated``.
    initial_params : array (P,)
    seed : int
        Seed of every run's generator (>= 0).
    training, power_split, base_mask, period
        As for ``run_federated``.

    Returns
    -------
    DropsVsFading
    """
    p = require_real("drop_probability", drop_probability, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    rounds = require_integer("rounds", rounds, 1)
    seed = require_integer("seed", seed, 0)
    if channel is None:
        raise ValueError("channel must be a qkit.fl.channel.Channel to compare with fading, got None")
    clients = check_clients(clients)
    initial = require_array("initial_params", initial_params, ndim=1)
    extra = {"base_mask": base_mask, "period": period, "training": training, "power_split": power_split}

    def run(ch, d, drop):
        return run_federated(model, clients, test_set, ch, scheme, rounds, initial_params=initial,
                             rng=np.random.default_rng(seed), distances=d, drop_probability=drop, **extra)

    setting = run(channel, distances, p)
    federation = _Federation(model, clients, test_set, scheme, training, np.random.default_rng(seed), initial,
                             base_mask, period, None)
    federation.schedule_with(None, None, channel)
    federation.connect(channel, distances, power_split, 32, True)
    scale = _matched_scale(federation, distances, rounds, p)
    drops, fading = run(None, None, p), run(channel, np.asarray(distances, dtype=float) * scale, 0.0)
    lost_to_drops, lost_to_fading = _lost_fractions(setting)
    return DropsVsFading(drop_probability=p, lost_to_drops=lost_to_drops, lost_to_fading=lost_to_fading,
                         distance_scale=scale, fading_loss=float(1.0 - fading.arrived.mean()),
                         accuracy_drops=drops.accuracy[-1].copy(), accuracy_fading=fading.accuracy[-1].copy(),
                         histories={"setting": setting, "drops": drops, "fading": fading})

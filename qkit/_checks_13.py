"""Right and typical wrong answers behind the checks of ``exercises/13_capstone_public_safety.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.fl` where the kit has one;
each wrong answer is one misconception a check names (with :class:`qkit.exercises.Mistake`)
when a learner's function returns exactly what it returns.
"""

from __future__ import annotations

import numpy as np

from qkit.fl.rounds import draw_arrivals

__all__ = [
    "distance_to_mast", "distance_on_the_street", "distance_plus_height",
    "expected_arrivals", "expected_arrivals_fraction", "expected_arrivals_at_least_one",
    "expected_arrivals_enhancement_twice",
    "round_ledger", "round_ledger_without_data", "round_ledger_in_parameters", "round_ledger_with_broadcast",
    "round_ledger_with_one_broadcast", "round_ledger_base_for_all", "round_ledger_boundary_inclusive",
    "can_train", "can_train_this_round", "can_train_before_this_round", "can_train_across_vehicles",
    "city_ledger", "city_ledger_everybody_sends", "city_ledger_forgets_data",
]


# -- Exercise 13.1 -----------------------------------------------------------------------------

def _planar(xy, server_xy) -> np.ndarray:
    delta = np.asarray(xy, dtype=float) - np.asarray(server_xy, dtype=float)
    return np.sqrt(np.sum(delta**2, axis=-1))


def distance_to_mast(xy, server_xy, antenna_height_m) -> np.ndarray:
    """Straight-line distance (m) from street positions ``(..., 2)`` to an antenna ``h`` above ``server_xy``."""
    return np.hypot(_planar(xy, server_xy), float(antenna_height_m))


def distance_on_the_street(xy, server_xy, antenna_height_m) -> np.ndarray:
    """Wrong: the distance along the street plane, the antenna's height left out."""
    return _planar(xy, server_xy)


def distance_plus_height(xy, server_xy, antenna_height_m) -> np.ndarray:
    """Wrong: the height added to the planar distance instead of in quadrature."""
    return _planar(xy, server_xy) + float(antenna_height_m)


# -- Exercise 13.2 -----------------------------------------------------------------------------

def _probabilities(distances, channel, power_split):
    qfl = channel.reception_probability(distances, "qfl").base
    sc = channel.reception_probability(distances, "dqfl", power_split)
    return qfl, sc.base, sc.enhancement


def expected_arrivals(distances, channel, power_split):
    """Expected QFL messages, DQFL bases and enhancements per round: sums of exact probabilities, ``(R,)`` each."""
    return tuple(np.sum(p, axis=1) for p in _probabilities(distances, channel, power_split))


def expected_arrivals_fraction(distances, channel, power_split):
    """Wrong: the mean probability per round (an expected fraction of the fleet, not a count)."""
    return tuple(np.mean(p, axis=1) for p in _probabilities(distances, channel, power_split))


def expected_arrivals_at_least_one(distances, channel, power_split):
    """Wrong: the probability that at least one message arrives in each round."""
    return tuple(1.0 - np.prod(1.0 - p, axis=1) for p in _probabilities(distances, channel, power_split))


def expected_arrivals_enhancement_twice(distances, channel, power_split):
    """Wrong: the enhancement's probability multiplied by the base's again (SIC counted twice)."""
    qfl, base, enhancement = _probabilities(distances, channel, power_split)
    return np.sum(qfl, axis=1), np.sum(base, axis=1), np.sum(enhancement * base, axis=1)


# -- Exercise 13.3 -----------------------------------------------------------------------------

def _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, *, everybody=False,
            base_for_all=False, broadcast=0, bits=True, shift=0):
    sends = np.ones(len(has_data), dtype=bool) if everybody else np.asarray(has_data, dtype=bool)
    got = np.asarray(arrived, dtype=bool) & sends[:, None]
    per_layer = np.asarray(params_per_layer, dtype=float)
    block = np.where(np.arange(per_layer.size) < boundary + shift, 0, 1)
    block = np.minimum(block, got.shape[1] - 1)
    if base_for_all:
        block[:] = 0
    updates = got[:, block].sum(axis=0)
    unit = bits_per_parameter if bits else 1
    block_size = np.bincount(block, weights=per_layer, minlength=got.shape[1]) * unit
    sent = sends.sum() * per_layer.sum() * unit + broadcast * per_layer.sum() * unit
    return updates, float(sent), float(got.sum(axis=0) @ block_size)


def round_ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """``(updates per layer, uplink bits sent, bits delivered)`` for one round.

    Only vehicles with data train and send (both messages, superposed, in one slot); layer l
    travels in block 0 if ``l < boundary`` else in block 1 (a one-column ``arrived``: one message).
    """
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter)


def round_ledger_without_data(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: every vehicle counted as a sender, those without a plate included."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, everybody=True)


def round_ledger_in_parameters(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: traffic counted in parameters, not bits."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, bits=False)


def round_ledger_with_broadcast(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: the global model sent back to every vehicle (stage 5) counted as uplink traffic."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, broadcast=len(has_data))


def round_ledger_with_one_broadcast(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: one broadcast of the global model (stage 5) counted as uplink traffic."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, broadcast=1)


def round_ledger_base_for_all(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: every layer counted from the base's arrivals."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, base_for_all=True)


def round_ledger_boundary_inclusive(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: layers 0..boundary (one too many) in the base."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, shift=1)


# -- Exercise 13.4 -----------------------------------------------------------------------------

def can_train(captures) -> np.ndarray:
    """``(R, N)``: vehicle k holds at least one plate captured in rounds 0..r."""
    return np.maximum.accumulate(np.asarray(captures) > 0, axis=0)


def can_train_this_round(captures) -> np.ndarray:
    """Wrong: only the plates captured in round r count (captured data is forgotten)."""
    return np.asarray(captures) > 0


def can_train_before_this_round(captures) -> np.ndarray:
    """Wrong: only plates from rounds 0..r-1 (a round's own captures come too late)."""
    held = can_train(captures)
    return np.vstack([np.zeros((1, held.shape[1]), dtype=bool), held[:-1]])


def can_train_across_vehicles(captures) -> np.ndarray:
    """Wrong: the running total taken along the vehicles axis instead of the rounds axis."""
    return np.cumsum(np.asarray(captures), axis=1) > 0


# -- Exercise 13.5 -----------------------------------------------------------------------------

def _city(trace, link, scheme, power_split, seed, holds):
    rng = np.random.default_rng(seed)
    params_per_layer, boundary = (32, 32, 32), (1 if scheme == "dqfl" else 3)
    updates, delivered = np.zeros(3), 0.0
    for r in range(trace.n_rounds):
        arrived = draw_arrivals(link, trace.distances[r], scheme, power_split, rng)
        u, _, bits = round_ledger(holds[r], arrived, params_per_layer, boundary)
        updates, delivered = updates + u, delivered + bits
    return updates, delivered


def city_ledger(trace, link, scheme, power_split, seed):
    """Layer updates (3,) and bits delivered over a whole trace, for the DQNN (32 parameters per layer)."""
    return _city(trace, link, scheme, power_split, seed, can_train(trace.captures))


def city_ledger_everybody_sends(trace, link, scheme, power_split, seed):
    """Wrong: every vehicle sends in every round, with or without plates."""
    return _city(trace, link, scheme, power_split, seed, np.ones(trace.captures.shape, dtype=bool))


def city_ledger_forgets_data(trace, link, scheme, power_split, seed):
    """Wrong: a vehicle sends only in the rounds in which it captures (its stored plates forgotten)."""
    return _city(trace, link, scheme, power_split, seed, can_train_this_round(trace.captures))

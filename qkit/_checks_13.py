"""Right and typical wrong answers behind the checks of ``exercises/13_capstone_public_safety.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.fl` where the kit has one;
each wrong answer is one misconception a check names (with :class:`qkit.exercises.Mistake`)
when a learner's function returns exactly what it returns. :data:`MISTAKES` pairs each wrong
answer with its one-line hint, by exercise label, so that the hints stay out of the check cells
too (a hint read before answering gives the answer away).
"""

from __future__ import annotations

import numpy as np

from qkit.exercises import Mistake
from qkit.fl.cost import circuit_executions
from qkit.fl.rounds import draw_arrivals
from qkit.qnn.models import DynamicQNN

__all__ = [
    "distance_to_mast", "distance_on_the_street", "distance_plus_height", "distance_city_block_plus_height",
    "distance_city_block_in_quadrature",
    "expected_arrivals", "expected_arrivals_fraction", "expected_arrivals_at_least_one",
    "expected_arrivals_enhancement_twice",
    "round_ledger", "round_ledger_without_data", "round_ledger_in_parameters", "round_ledger_with_broadcast",
    "round_ledger_with_one_broadcast", "round_ledger_base_for_all", "round_ledger_boundary_inclusive",
    "round_ledger_arrivals_without_data", "round_ledger_updates_without_data", "round_ledger_bits_without_data",
    "round_ledger_sent_is_delivered",
    "can_train", "can_train_this_round", "can_train_before_this_round", "can_train_across_vehicles",
    "can_train_plate_counts", "can_train_running_max", "returns_numbers",
    "executions_per_plate", "executions_no_inert", "executions_inert_deepest_only", "executions_without_forward",
    "executions_theta_two_term", "executions_one_circuit",
    "city_ledger", "city_ledger_everybody_sends", "city_ledger_forgets_data", "city_ledger_draws_for_senders_only",
    "MISTAKES",
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


def _city_block(xy, server_xy) -> np.ndarray:
    delta = np.asarray(xy, dtype=float) - np.asarray(server_xy, dtype=float)
    return np.sum(np.abs(delta), axis=-1)


def distance_city_block_plus_height(xy, server_xy, antenna_height_m) -> np.ndarray:
    """Wrong: the city-block distance along the streets (notebook 13's dispatch) plus the height."""
    return _city_block(xy, server_xy) + float(antenna_height_m)


def distance_city_block_in_quadrature(xy, server_xy, antenna_height_m) -> np.ndarray:
    """Wrong: the city-block distance along the streets, the height then added in quadrature."""
    return np.hypot(_city_block(xy, server_xy), float(antenna_height_m))


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
            base_for_all=False, broadcast=0, bits=True, shift=0, unmasked=(), sent_is_delivered=False):
    sends = np.ones(len(has_data), dtype=bool) if everybody else np.asarray(has_data, dtype=bool)
    got = np.asarray(arrived, dtype=bool) & sends[:, None]
    drawn = np.asarray(arrived, dtype=bool)     # what the channel decodes, senders or not
    per_layer = np.asarray(params_per_layer, dtype=float)
    block = np.where(np.arange(per_layer.size) < boundary + shift, 0, 1)
    block = np.minimum(block, got.shape[1] - 1)
    if base_for_all:
        block[:] = 0
    updates = (drawn if "updates" in unmasked else got)[:, block].sum(axis=0)
    unit = bits_per_parameter if bits else 1
    block_size = np.bincount(block, weights=per_layer, minlength=got.shape[1]) * unit
    sent = sends.sum() * per_layer.sum() * unit + broadcast * per_layer.sum() * unit
    delivered = float((drawn if "bits" in unmasked else got).sum(axis=0) @ block_size)
    return updates, (delivered if sent_is_delivered else float(sent)), delivered


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


def round_ledger_arrivals_without_data(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: the bits sent right, but updates and bits delivered counted from every vehicle's draw,
    those of vehicles without a plate (which send nothing) included."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, unmasked=("updates", "bits"))


def round_ledger_updates_without_data(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: the updates counted from every vehicle's draw, those without a plate included."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, unmasked=("updates",))


def round_ledger_bits_without_data(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: the bits delivered counted from every vehicle's draw, those without a plate included."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, unmasked=("bits",))


def round_ledger_sent_is_delivered(has_data, arrived, params_per_layer, boundary, bits_per_parameter=32):
    """Wrong: ``bits_sent`` counts only the messages that got through (it equals ``bits_delivered``)."""
    return _ledger(has_data, arrived, params_per_layer, boundary, bits_per_parameter, sent_is_delivered=True)


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


def can_train_plate_counts(captures) -> np.ndarray:
    """Wrong: the running number of plates captured in rounds 0..r, not whether there is one."""
    return np.cumsum(np.asarray(captures), axis=0)


def can_train_running_max(captures) -> np.ndarray:
    """Wrong: the largest number of plates captured in one round of 0..r, not whether there is one."""
    return np.maximum.accumulate(np.asarray(captures), axis=0)


def returns_numbers(captures) -> bool:
    """Wrong (for the True/False check of 13.4): the answer's array holds numbers, not booleans."""
    return False


# -- Exercise 13.5 -----------------------------------------------------------------------------

def _city(trace, link, scheme, power_split, seed, holds, senders_only=False):
    rng = np.random.default_rng(seed)
    params_per_layer, boundary = (32, 32, 32), (1 if scheme == "dqfl" else 3)
    updates, delivered = np.zeros(3), 0.0
    for r in range(trace.n_rounds):
        if senders_only:        # notebook 13's loop: a draw for the vehicles that send, and only them
            arrived = draw_arrivals(link, trace.distances[r][holds[r]], scheme, power_split, rng)
            u, _, bits = round_ledger(np.ones(len(arrived), dtype=bool), arrived, params_per_layer, boundary)
        else:
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


def city_ledger_draws_for_senders_only(trace, link, scheme, power_split, seed):
    """Wrong: each round's arrivals drawn for the vehicles that send only (as notebook 13's loop
    does), so the random numbers fall on other vehicles than the check's draw for the whole fleet."""
    return _city(trace, link, scheme, power_split, seed, can_train(trace.captures), senders_only=True)


# -- Exercise 13.6 -----------------------------------------------------------------------------

def _executions(n_qubits, n_layers, *, inert="per_exit", forward=True, theta_runs=4):
    """Parameter-shift executions per plate of a DQNN (U3 on every qubit, a CU3 ring, an exit
    after every layer); ``inert``: "per_exit" (right), "deepest" (skipped in the deepest exit
    only) or "none"."""
    n, L = int(n_qubits), int(n_layers)
    per_layer = 6 * n + (theta_runs + 4) * n      # U3: 3 two-term angles; CU3: theta + 2 phases
    total = 0
    for e in range(L):
        skipped = 2 * (n - 1) if inert == "per_exit" or (inert == "deepest" and e == L - 1) else 0
        total += int(forward) + per_layer * (e + 1) - skipped
    return total


def executions_per_plate(n_qubits, n_layers) -> int:
    """Circuit executions per training plate of ``DynamicQNN(n_qubits, n_layers)``
    (:func:`qkit.fl.cost.circuit_executions`)."""
    return circuit_executions(DynamicQNN(int(n_qubits), int(n_layers), 2)).total


def executions_no_inert(n_qubits, n_layers) -> int:
    """Wrong: every angle shifted in every exit, the inert phases included."""
    return _executions(n_qubits, n_layers, inert="none")


def executions_inert_deepest_only(n_qubits, n_layers) -> int:
    """Wrong: the inert phases skipped in the deepest exit's circuit only."""
    return _executions(n_qubits, n_layers, inert="deepest")


def executions_without_forward(n_qubits, n_layers) -> int:
    """Wrong: the forward run of each exit left out."""
    return _executions(n_qubits, n_layers, forward=False)


def executions_theta_two_term(n_qubits, n_layers) -> int:
    """Wrong: CU3's theta shifted with two runs, like a one-frequency angle."""
    return _executions(n_qubits, n_layers, theta_runs=2)


def executions_one_circuit(n_qubits, n_layers) -> int:
    """Wrong: the deepest exit's shifts only, as if one circuit gave every exit (the simulator's view)."""
    n, L = int(n_qubits), int(n_layers)
    return L + 14 * n * L - 2 * (n - 1)


def executions_one_circuit_one_forward(n_qubits, n_layers) -> int:
    """Wrong: one circuit for every exit, with a single forward run (the same misconception)."""
    return executions_one_circuit(n_qubits, n_layers) - int(n_layers) + 1


# -- The hints, by exercise -----------------------------------------------------------------------

_BROADCAST = "the global model's broadcast (stage 5) goes down the downlink: it is not uplink traffic"
_NO_PLATE = "a vehicle without a plate trains nothing and sends nothing: its channel draw delivers nothing"
_STREETS = ("the radio path is a straight line, not the streets: Euclidean distance in the plane (not city-block), "
            "the height in quadrature")

MISTAKES: dict[str, list[Mistake]] = {
    "13.1": [
        Mistake("the antenna is up the mast: the distance is three-dimensional, not along the street",
                distance_on_the_street),
        Mistake("the height is at right angles to the street: add it in quadrature (Pythagoras), not to the distance",
                distance_plus_height),
        Mistake(_STREETS, distance_city_block_plus_height),
        Mistake(_STREETS, distance_city_block_in_quadrature),
    ],
    "13.2": [
        Mistake("that is the expected fraction of the fleet: the expected number is the sum of the probabilities",
                expected_arrivals_fraction),
        Mistake("that is P(at least one arrives); an expected count adds the probabilities (linearity, no "
                "independence needed)", expected_arrivals_at_least_one),
        Mistake("the enhancement's probability already includes decoding the base (SIC): do not multiply by it again",
                expected_arrivals_enhancement_twice),
    ],
    "13.3": [
        Mistake(_NO_PLATE, round_ledger_without_data),
        Mistake(_NO_PLATE, round_ledger_arrivals_without_data),
        Mistake(_NO_PLATE, round_ledger_updates_without_data),
        Mistake(_NO_PLATE, round_ledger_bits_without_data),
        Mistake("traffic is counted in bits: each parameter travels as bits_per_parameter bits",
                round_ledger_in_parameters),
        Mistake(_BROADCAST, round_ledger_with_broadcast),
        Mistake(_BROADCAST, round_ledger_with_one_broadcast),
        Mistake("layers past the boundary travel in the enhancement: count them from its arrivals",
                round_ledger_base_for_all),
        Mistake("a base of `boundary` layers holds layers 0..boundary-1, not 0..boundary",
                round_ledger_boundary_inclusive),
        Mistake("sent is not delivered: every vehicle with a plate transmits its whole model, whether or not the "
                "channel decodes it; bits_sent counts all of it", round_ledger_sent_is_delivered),
    ],
    "13.4": [
        Mistake("captured plates stay in the vehicle's memory: a vehicle that captured once can train in every later "
                "round", can_train_this_round),
        Mistake("sensing comes first: plates captured in round r are trained on in round r", can_train_before_this_round),
        Mistake("accumulate along the rounds (axis 0), not across the vehicles", can_train_across_vehicles),
        Mistake("return True/False (can vehicle k train in round r?), not a number of plates: compare with 0",
                can_train_plate_counts),
        Mistake("return True/False (can vehicle k train in round r?), not a number of plates: compare with 0",
                can_train_running_max),
    ],
    "13.4 True/False": [
        Mistake("the values are right but they are numbers: return a boolean array (e.g. compare the running total "
                "with 0, `> 0`), so it can index the fleet (`vehicles[can_train(c)[r]]`)", returns_numbers),
    ],
    "13.5": [
        Mistake("only vehicles holding a plate train and send: use 13.4 for each round", city_ledger_everybody_sends),
        Mistake("captured plates stay: a vehicle keeps sending after the round in which it captured",
                city_ledger_forgets_data),
        Mistake("draw each round's arrivals for the whole fleet, draw_arrivals(link, trace.distances[r], ...), so the "
                "random numbers match; senders are picked by 13.3", city_ledger_draws_for_senders_only),
    ],
    "13.6": [
        Mistake("an angle the exit's readout cannot depend on needs no shift: skip the n - 1 last-layer CU3 phases "
                "in every exit's circuit", executions_no_inert),
        Mistake("the inert phases are those of each exit circuit's last layer: exit e skips layer e's phases, not only "
                "the deepest exit", executions_inert_deepest_only),
        Mistake("each exit is also run once unshifted (its forward pass)", executions_without_forward),
        Mistake("CU3's theta is a controlled rotation angle: its shift rule takes four runs, not two",
                executions_theta_two_term),
        Mistake("measuring ends a circuit on hardware: exit e is its own circuit and needs the shifts of layers 0..e",
                executions_one_circuit),
        Mistake("measuring ends a circuit on hardware: exit e is its own circuit, run once as it is and once per "
                "shifted angle of layers 0..e", executions_one_circuit_one_forward),
    ],
}
"""The typical mistakes of each exercise of chapter 13 (``mistakes=`` of its check), by label."""

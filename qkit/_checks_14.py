"""Right and typical wrong answers behind the checks of ``exercises/14_scaling_out.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. Each wrong answer is one misconception a check names (with
:class:`qkit.exercises.Mistake`) when a learner's function returns exactly what it returns.
:data:`MISTAKES` pairs each wrong answer with its one-line hint, by exercise label.
"""

from __future__ import annotations

import numpy as np

from qkit.exercises import Mistake
from qkit.qnn import gates
from qkit.qnn import statevector as sv

__all__ = [
    "rotate_every_vehicle", "rotate_by_loop", "rotate_first_angle_only", "rotate_wire_from_the_right",
    "rotate_backwards", "rotate_full_angle",
    "aggregate_replies", "aggregate_unweighted", "aggregate_dropped_as_global", "aggregate_dropped_as_zeros",
    "aggregate_nothing_as_zeros", "aggregate_nothing_as_nan",
    "chunk_plan", "chunk_plan_real_amplitudes", "chunk_plan_linear_dimension", "chunk_plan_sweeps_rounded_down",
    "chunk_plan_uncapped", "chunk_plan_rounded_up",
    "matched_drop_probability", "matched_arrival_probability", "matched_at_mean_distance",
    "matched_for_the_base", "make_states",
    "MISTAKES",
]


# -- Exercise 14.1 -----------------------------------------------------------------------------

def make_states(n_vehicles: int, n_samples: int, n_qubits: int, seed: int) -> np.ndarray:
    """Random normalised states of shape ``(vehicles, samples, 2**n)`` (complex), for the checks."""
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=(n_vehicles, n_samples, 2**n_qubits)) + 1j * rng.normal(size=(n_vehicles, n_samples, 2**n_qubits))
    return psi / np.linalg.norm(psi, axis=-1, keepdims=True)


def _ry_stack(angles) -> np.ndarray:
    a = np.asarray(angles, dtype=float)
    c, s = np.cos(a / 2), np.sin(a / 2)
    return np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)      # (V, 2, 2)


def _rotate(states, mats, wire) -> np.ndarray:
    psi = np.asarray(states, dtype=complex)
    v, b, dim = psi.shape
    n = int(round(np.log2(dim)))
    view = psi.reshape(v, b, 2**wire, 2, 2 ** (n - wire - 1))
    return np.einsum("vij,vbxjy->vbxiy", mats, view).reshape(v, b, dim)


def rotate_every_vehicle(states, angles, wire) -> np.ndarray:
    """``R_Y(angles[v])`` on ``wire`` (0 = most significant) of every state of vehicle ``v``; ``(V, B, 2**n)``."""
    return _rotate(states, _ry_stack(angles), wire)


def rotate_by_loop(states, angles, wire) -> np.ndarray:
    """The same, vehicle by vehicle with :func:`qkit.qnn.statevector.apply_gate` (the loop it must equal)."""
    psi = np.asarray(states, dtype=complex)
    v, b, dim = psi.shape
    n = int(round(np.log2(dim)))
    out = np.empty_like(psi)
    for k in range(v):
        one = psi[k].T.reshape((2,) * n + (b,))             # qkit's layout: wires first, samples last
        out[k] = sv.apply_gate(one, gates.ry(float(angles[k])), [wire]).reshape(dim, b).T
    return out


def rotate_first_angle_only(states, angles, wire) -> np.ndarray:
    """Wrong: one angle (the first vehicle's) for the whole fleet."""
    return _rotate(states, _ry_stack(np.full(len(angles), np.asarray(angles, float)[0])), wire)


def rotate_wire_from_the_right(states, angles, wire) -> np.ndarray:
    """Wrong: the wire counted from the least significant bit."""
    n = int(round(np.log2(np.shape(states)[-1])))
    return _rotate(states, _ry_stack(angles), n - 1 - wire)


def rotate_backwards(states, angles, wire) -> np.ndarray:
    """Wrong: the transposed matrix, i.e. R_Y(-theta)."""
    return _rotate(states, np.swapaxes(_ry_stack(angles), -1, -2), wire)


def rotate_full_angle(states, angles, wire) -> np.ndarray:
    """Wrong: cos(theta) and sin(theta) instead of the half angle."""
    return _rotate(states, _ry_stack(2 * np.asarray(angles, float)), wire)


# -- Exercise 14.2 -----------------------------------------------------------------------------

def _weighted(replies, weights, fallback):
    w = np.asarray(weights, dtype=float)
    if w.sum() == 0:
        return np.asarray(fallback, dtype=float).copy()
    return w @ np.asarray(replies, dtype=float) / w.sum()


def aggregate_replies(global_params, replies, n_samples, delivered) -> np.ndarray:
    """FedAvg over the delivered replies, weighted by samples; the global model if none arrived."""
    got = np.asarray(delivered, dtype=bool)
    return _weighted(replies, np.asarray(n_samples, float) * got, global_params)


def aggregate_unweighted(global_params, replies, n_samples, delivered) -> np.ndarray:
    """Wrong: every delivered reply counts the same, whatever its number of samples."""
    return _weighted(replies, np.asarray(delivered, dtype=float), global_params)


def aggregate_dropped_as_global(global_params, replies, n_samples, delivered) -> np.ndarray:
    """Wrong: a dropped vehicle counted as if it had sent back the global model unchanged."""
    rows = np.where(np.asarray(delivered, bool)[:, None], replies, np.asarray(global_params, float)[None, :])
    return _weighted(rows, n_samples, global_params)


def aggregate_dropped_as_zeros(global_params, replies, n_samples, delivered) -> np.ndarray:
    """Wrong: the delivered replies summed with their weights, divided by every vehicle's samples."""
    got = np.asarray(delivered, bool)
    w = np.asarray(n_samples, float)
    if not got.any():
        return np.asarray(global_params, dtype=float).copy()
    return (w * got) @ np.asarray(replies, float) / w.sum()


def aggregate_nothing_as_zeros(global_params, replies, n_samples, delivered) -> np.ndarray:
    """Wrong: a round in which nothing arrived gives a model of zeros."""
    got = np.asarray(delivered, bool)
    if not got.any():
        return np.zeros(np.shape(global_params))
    return aggregate_replies(global_params, replies, n_samples, delivered)


def aggregate_nothing_as_nan(global_params, replies, n_samples, delivered) -> np.ndarray:
    """Wrong: no test for "no reply arrived", so that round divides 0 by 0 and returns NaN."""
    weights = np.asarray(n_samples, float) * np.asarray(delivered, bool)
    with np.errstate(invalid="ignore", divide="ignore"):   # the learner sees the NaN, not our warning
        return weights @ np.asarray(replies, float) / weights.sum()


# -- Exercise 14.3 -----------------------------------------------------------------------------

def _plan(n_vehicles, n_qubits, samples, copies, budget_bytes, *, amplitude=16, dim=None, sweeps=None,
          cap=True, chunk_round=np.floor):
    per = amplitude * copies * samples * (2**n_qubits if dim is None else dim)
    chunk = int(chunk_round(budget_bytes / per))
    if cap:
        chunk = min(chunk, n_vehicles)
    count = -(-n_vehicles // chunk) if sweeps is None else sweeps(n_vehicles, chunk)
    return int(chunk), int(count)


def chunk_plan(n_vehicles, n_qubits, samples, copies, budget_bytes):
    """``(vehicles per sweep, sweeps)``: complex128 states, ``copies`` per vehicle, within the budget."""
    return _plan(n_vehicles, n_qubits, samples, copies, budget_bytes)


def chunk_plan_real_amplitudes(n_vehicles, n_qubits, samples, copies, budget_bytes):
    """Wrong: 8 bytes per amplitude (a float64), not 16 (a complex128)."""
    return _plan(n_vehicles, n_qubits, samples, copies, budget_bytes, amplitude=8)


def chunk_plan_linear_dimension(n_vehicles, n_qubits, samples, copies, budget_bytes):
    """Wrong: 2 n amplitudes per state instead of 2**n."""
    return _plan(n_vehicles, n_qubits, samples, copies, budget_bytes, dim=2 * n_qubits)


def chunk_plan_sweeps_rounded_down(n_vehicles, n_qubits, samples, copies, budget_bytes):
    """Wrong: the number of sweeps rounded down (the last, partial chunk forgotten)."""
    return _plan(n_vehicles, n_qubits, samples, copies, budget_bytes, sweeps=lambda v, c: max(v // c, 1))


def chunk_plan_uncapped(n_vehicles, n_qubits, samples, copies, budget_bytes):
    """Wrong: a chunk larger than the fleet itself."""
    return _plan(n_vehicles, n_qubits, samples, copies, budget_bytes, cap=False)


def chunk_plan_rounded_up(n_vehicles, n_qubits, samples, copies, budget_bytes):
    """Wrong: the chunk rounded up, so that one sweep exceeds the budget."""
    return _plan(n_vehicles, n_qubits, samples, copies, budget_bytes, chunk_round=np.ceil)


# -- Exercise 14.4 -----------------------------------------------------------------------------

def matched_drop_probability(link, distances) -> float:
    """``1 - mean P(QFL message arrives)`` over every vehicle and round of ``distances``."""
    return float(1.0 - np.mean(link.reception_probability(np.asarray(distances, float), "qfl").base))


def matched_arrival_probability(link, distances) -> float:
    """Wrong: the mean probability that the message arrives, not that it is lost."""
    return float(np.mean(link.reception_probability(np.asarray(distances, float), "qfl").base))


def matched_at_mean_distance(link, distances) -> float:
    """Wrong: the loss of a vehicle at the mean distance (the mean of a curve is not the curve at the mean)."""
    d = float(np.mean(distances))
    return float(1.0 - link.reception_probability(np.array([d]), "qfl").base[0])


def matched_for_the_base(link, distances) -> float:
    """Wrong: the loss of DQFL's base (with lambda = 0.8) instead of the one QFL message."""
    return float(1.0 - np.mean(link.reception_probability(np.asarray(distances, float), "dqfl", 0.8).base))


# -- The hints, by exercise -----------------------------------------------------------------------

_DROPPED = "a dropped vehicle sent nothing: it is in neither the sum nor the total of the weights"

MISTAKES: dict[str, list[Mistake]] = {
    "14.1": [
        Mistake("every vehicle has its own angle: the matrix stack is (V, 2, 2), one R_Y per vehicle",
                rotate_first_angle_only),
        Mistake("wire 0 is the most significant bit of the basis index (qkit's and PennyLane's order)",
                rotate_wire_from_the_right),
        Mistake("R_Y(theta) = [[cos, -sin], [sin, cos]] of theta/2: you applied its transpose, R_Y(-theta)",
                rotate_backwards),
        Mistake("a rotation by theta uses the half angle: cos(theta/2), sin(theta/2)", rotate_full_angle),
    ],
    "14.2": [
        Mistake("FedAvg weights each reply by the vehicle's number of samples", aggregate_unweighted),
        Mistake(_DROPPED, aggregate_dropped_as_global),
        Mistake(_DROPPED, aggregate_dropped_as_zeros),
        Mistake("when no reply arrived the server keeps the global model it had", aggregate_nothing_as_zeros),
        Mistake("no reply arrived: the weights sum to 0 and 0/0 is NaN; keep the global model it had instead",
                aggregate_nothing_as_nan),
    ],
    "14.3": [
        Mistake("an amplitude is a complex128: 16 bytes", chunk_plan_real_amplitudes),
        Mistake("n qubits have 2**n amplitudes, not 2 n", chunk_plan_linear_dimension),
        Mistake("the last, partial chunk is a sweep too: round the number of sweeps up",
                chunk_plan_sweeps_rounded_down),
        Mistake("a chunk cannot hold more vehicles than the fleet has", chunk_plan_uncapped),
        Mistake("a chunk must fit the budget: round the vehicles per sweep down", chunk_plan_rounded_up),
    ],
    "14.4": [
        Mistake("a drop loses the update: match the probability that the message is lost, not that it arrives",
                matched_arrival_probability),
        Mistake("average the loss over the vehicles' distances; the loss at the mean distance is another number",
                matched_at_mean_distance),
        Mistake("QFL sends the whole model as one message: use scheme 'qfl'", matched_for_the_base),
    ],
}
"""The typical mistakes of each exercise of chapter 14 (``mistakes=`` of its check), by label."""

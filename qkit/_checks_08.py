"""Right and typical wrong answers behind the checks of ``exercises/08_qubits_and_circuits.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.qnn` (gates, statevector,
gradients); each wrong answer is one misconception a check names (with
:class:`qkit.exercises.Mistake`) when a learner's function returns exactly what it returns.
:data:`MISTAKES` pairs each wrong answer with its one-line hint, by exercise label, so that the
hints stay out of the check cells too (a hint read before answering gives the answer away).
"""

from __future__ import annotations

import numpy as np

from qkit.exercises import Mistake
from qkit.qnn import gates
from qkit.qnn import statevector as sv
from qkit.qnn.gradients import adjoint_gradient

__all__ = [
    "cu3_matrix", "cu3_phi_lambda_swapped", "cu3_without_phase", "cu3_full_angle", "cu3_control_on_right",
    "apply_single_qubit_gate", "apply_gate_little_endian", "apply_gate_transposed", "apply_gate_axis_not_moved",
    "shift_gradient", "shift_gradient_quarter_pi", "shift_gradient_not_halved", "shift_gradient_reversed",
    "control_phase_readout", "control_phase_ignored", "control_phase_conjugated",
    "MISTAKES",
]


# -- Exercise 8.1 ------------------------------------------------------------------------------

def cu3_matrix(theta: float, phi: float, lam: float) -> np.ndarray:
    """``|0><0| (x) I + |1><1| (x) U3(theta, phi, lam)``, control = left bit (``qkit.qnn.gates.cu3``)."""
    return gates.cu3(theta, phi, lam)


def _controlled_block(block: np.ndarray) -> np.ndarray:
    out = np.eye(4, dtype=complex)
    out[2:, 2:] = block
    return out


def cu3_phi_lambda_swapped(theta: float, phi: float, lam: float) -> np.ndarray:
    """Wrong: ``phi`` and ``lam`` exchanged (``e^{i lam}`` on the lower-left, ``e^{i phi}`` upper-right)."""
    return gates.cu3(theta, lam, phi)


def cu3_without_phase(theta: float, phi: float, lam: float) -> np.ndarray:
    """Wrong: the controlled ``Rot`` = ``U3`` without its global phase ``e^{i(phi+lam)/2}``."""
    return _controlled_block(np.exp(-0.5j * (phi + lam)) * gates.u3(theta, phi, lam))


def cu3_full_angle(theta: float, phi: float, lam: float) -> np.ndarray:
    """Wrong: ``cos(theta)``, ``sin(theta)`` in place of the half angles."""
    return gates.cu3(2 * theta, phi, lam)


def cu3_control_on_right(theta: float, phi: float, lam: float) -> np.ndarray:
    """Wrong: the control taken as the right bit, ``I (x) |0><0| + U3 (x) |1><1|``."""
    return gates.SWAP @ gates.cu3(theta, phi, lam) @ gates.SWAP


# -- Exercise 8.2 ------------------------------------------------------------------------------

def _tensor(state: np.ndarray) -> tuple[np.ndarray, int]:
    state = np.asarray(state)
    n = int(round(np.log2(state.shape[0])))
    return state.reshape((2,) * n + (state.shape[-1],)), n


def apply_single_qubit_gate(state: np.ndarray, matrix: np.ndarray, wire: int) -> np.ndarray:
    """``matrix`` on qubit ``wire`` of a flat batched state ``(2**n, batch)``, qubit 0 the most significant bit."""
    tensor, _ = _tensor(state)
    return sv.apply_gate(tensor, matrix, wire).reshape(np.shape(state))


def apply_gate_little_endian(state: np.ndarray, matrix: np.ndarray, wire: int) -> np.ndarray:
    """Wrong: qubit ``wire`` read as bit ``wire`` of the index from the right (little-endian)."""
    tensor, n = _tensor(state)
    return sv.apply_gate(tensor, matrix, n - 1 - wire).reshape(np.shape(state))


def apply_gate_transposed(state: np.ndarray, matrix: np.ndarray, wire: int) -> np.ndarray:
    """Wrong: the state contracted with the matrix's row index (``G^T`` applied)."""
    return apply_single_qubit_gate(state, np.asarray(matrix).T, wire)


def apply_gate_axis_not_moved(state: np.ndarray, matrix: np.ndarray, wire: int) -> np.ndarray:
    """Wrong: ``tensordot`` puts the new axis first and it is never moved back to ``wire``."""
    tensor, _ = _tensor(state)
    return np.tensordot(matrix, tensor, axes=([1], [wire])).reshape(np.shape(state))


# -- Exercise 8.3 ------------------------------------------------------------------------------

def shift_gradient(model, params: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``d<Z_0>/dparams`` after the last layer of a QNN, one input, by the adjoint method of qkit."""
    z0 = sv.z_eigenvalues(model.n_qubits)[0][:, None]
    return adjoint_gradient(model.circuit, params, x, {model.n_layers - 1: z0})


def _shifted(model, params: np.ndarray, x: np.ndarray, shift: float, divide: float) -> np.ndarray:
    grad = np.zeros(model.n_params)
    for j in range(model.n_params):
        step = np.zeros(model.n_params)
        step[j] = shift
        up = model.exit_readouts(params + step, x)[-1, 0, 0]
        down = model.exit_readouts(params - step, x)[-1, 0, 0]
        grad[j] = (up - down) / divide
    return grad


def shift_gradient_quarter_pi(model, params: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Wrong: shifted by pi/4 (the half angle of the gate taken for the shift), divided by 2."""
    return _shifted(model, params, x, np.pi / 4, 2.0)


def shift_gradient_not_halved(model, params: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Wrong: ``f(theta + pi/2) - f(theta - pi/2)`` without the division by 2."""
    return 2.0 * shift_gradient(model, params, x)


def shift_gradient_reversed(model, params: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Wrong: ``[f(theta - pi/2) - f(theta + pi/2)] / 2``, the sign of the gradient flipped."""
    return -shift_gradient(model, params, x)


# -- Exercise 8.4 ------------------------------------------------------------------------------

def _control_readout(alpha: float, sign: float) -> tuple[float, float]:
    state = sv.apply_gate(sv.zero_state(2), gates.ry(np.pi / 2), 0)
    state = sv.apply_gate(state, gates.controlled(np.exp(sign * 1j * alpha) * np.eye(2)), (0, 1))
    along_x = sv.apply_gate(state, gates.H, 0)
    along_y = sv.apply_gate(state, gates.H @ gates.phase(-np.pi / 2), 0)
    return float(sv.expval_z(along_x)[0, 0]), float(sv.expval_z(along_y)[0, 0])


def control_phase_readout(alpha: float) -> tuple[float, float]:
    """``(<X_0>, <Y_0>)`` after ``R_Y(pi/2)`` on qubit 0 and a controlled ``e^{i alpha} I`` on (0, 1)."""
    return _control_readout(alpha, 1.0)


def control_phase_ignored(alpha: float) -> tuple[float, float]:
    """Wrong: the controlled phase treated as global, i.e. dropped: ``(1, 0)`` for every ``alpha``."""
    return _control_readout(alpha, 0.0)


def control_phase_conjugated(alpha: float) -> tuple[float, float]:
    """Wrong: ``<Y_0>`` of the opposite sign (``S`` in place of ``S^dagger`` before ``H``, or ``e^{-i alpha}``)."""
    return _control_readout(alpha, -1.0)


# -- The hints, by exercise -----------------------------------------------------------------------

MISTAKES: dict[str, list[Mistake]] = {
    "8.1": [
        Mistake("phi and lambda are swapped: e^{i phi} multiplies the lower-left entry, e^{i lambda} the upper-right",
                cu3_phi_lambda_swapped),
        Mistake("that is the controlled Rot: U3 keeps its phase e^{i(phi+lam)/2}, which a control makes a "
                "relative phase", cu3_without_phase),
        Mistake("U3 uses the half angle: cos(theta/2) and sin(theta/2), as every rotation exp(-i theta P/2)",
                cu3_full_angle),
        Mistake("qubit order: the control is the left (most significant) bit, so U3 acts on rows and columns 2-3",
                cu3_control_on_right),
    ],
    "8.2": [
        Mistake("qubit order: qubit 0 is the leftmost, most significant bit of the index, not the rightmost",
                apply_gate_little_endian),
        Mistake("the sum runs over G's column index (G[b_k, c] psi[..c..]); you applied the transpose of G",
                apply_gate_transposed),
        Mistake("the new b_k axis came out first: move it back to position `wire` before flattening",
                apply_gate_axis_not_moved),
    ],
    "8.3": [
        Mistake("theta vs theta/2: the gate is exp(-i theta P/2), and the exact rule shifts theta itself by pi/2",
                shift_gradient_quarter_pi),
        Mistake("the two-term rule divides the difference by 2: [f(theta + pi/2) - f(theta - pi/2)] / 2",
                shift_gradient_not_halved),
        Mistake("the sign is flipped: the rule is f(theta + pi/2) minus f(theta - pi/2)",
                shift_gradient_reversed),
    ],
    "8.4": [
        Mistake("the phase multiplies only the control's |1> branch: a relative phase, which turns the control "
                "about z", control_phase_ignored),
        Mistake("<Y_0> has the wrong sign: to bring y onto z apply S^dagger and then H (the phase is e^{+i alpha})",
                control_phase_conjugated),
    ],
}
"""The typical mistakes of each exercise of chapter 08 (``mistakes=`` of its check), by label."""

"""Gradients of a loss of layer-wise readouts: the adjoint method and parameter shift.

The models of :mod:`qkit.qnn.models` read the Born probabilities ``p_k = |psi_k|^2`` of the
state after some layers ``k`` (the *exits*) and compute a loss ``L`` from them. Everything a
gradient needs from the model is ``w_k = dL/dp_k`` (shape ``(2**n, batch)``), the
``prob_grads`` mapping ``{layer k: w_k}``. Then

    dL/dtheta = sum_k sum_{basis j, sample b} w_k[j, b] dp_k[j, b]/dtheta
              = 2 Re sum_k <psi_k| W_k d|psi_k>/dtheta,      W_k = diag(w_k) (per sample).

Adjoint method (Jones & Gacon 2020, "Efficient calculation of gradients in classical
simulations of variational quantum algorithms", arXiv:2009.02823), generalised to several
readouts: start from the final state ``phi`` and ``lambda = 0``; walk the layers backwards; at
an exit layer ``k`` add ``W_k phi`` to ``lambda``; for every gate ``G`` un-apply it from
``phi`` (``phi <- G^dagger phi``, now the state *before* ``G``), accumulate
``dL/dtheta = 2 Re <lambda| dG/dtheta |phi>``, and un-apply it from ``lambda``. One backward
sweep serves the losses of all exits. The gate's parameters are shared by the batch, so the
inner product also sums over the batch; for a one-qubit target it reduces to the ``2 x 2``
overlap ``C[a, b] = sum conj(lambda)[.., a, ..] phi[.., b, ..]`` contracted with ``dG[a, b]``,
so all angles of a gate (three for ``U3``) cost one overlap. ``conj(lambda)`` is propagated
directly (by ``G^T``) so that no conjugate copies are made.

Parameter shift (Schuld et al. 2019, Phys. Rev. A 99, 032331; four-term rule of Anselmetti et
al. 2021, New J. Phys. 23, 113010) evaluates the circuit at shifted angles; it is what a quantum
computer can do, costs 2-4 circuit runs per angle, and is kept as a teaching reference.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from qkit._validate import require_array, require_flag
from qkit.qnn import statevector as sv
from qkit.qnn.circuits import GATE_KINDS, Circuit, _check_circuit, block_tables, layer_states, run

__all__ = [
    "adjoint_backward",
    "adjoint_gradient",
    "parameter_shift_gradient",
    "parameter_shift_input_gradient",
    "SHIFT_RULES",
]

_C_PLUS = (np.sqrt(2.0) + 1.0) / (4.0 * np.sqrt(2.0))
_C_MINUS = (np.sqrt(2.0) - 1.0) / (4.0 * np.sqrt(2.0))

#: shift rules: list of (coefficient, shift in rad); ``df = sum c * f(theta + s)``.
SHIFT_RULES: dict[str, tuple[tuple[float, float], ...]] = {
    "two-term": ((0.5, np.pi / 2), (-0.5, -np.pi / 2)),
    "four-term": ((_C_PLUS, np.pi / 2), (-_C_PLUS, -np.pi / 2),
                  (-_C_MINUS, 3 * np.pi / 2), (_C_MINUS, -3 * np.pi / 2)),
}


def _check_prob_grads(circuit: Circuit, prob_grads: Mapping[int, np.ndarray], batch: int) -> dict:
    if not isinstance(prob_grads, Mapping):
        raise TypeError(f"prob_grads must be a dict {{layer index: array (2**n, batch)}}, got {prob_grads!r:.60}")
    out = {}
    for k, w in prob_grads.items():
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or not 0 <= k < circuit.n_layers:
            raise ValueError(f"prob_grads keys must be layer indices in 0..{circuit.n_layers - 1}, "
                             f"got {k!r}")
        w = require_array(f"prob_grads[{k}]", w)
        if w.shape != (2**circuit.n_qubits, batch):
            raise ValueError(f"prob_grads[{k}] must have shape ({2**circuit.n_qubits}, {batch}), "
                             f"got {w.shape}")
        out[int(k)] = w
    return out


def adjoint_backward(circuit: Circuit, params, final_state: np.ndarray,
                     prob_grads: Mapping[int, np.ndarray], input_grad: bool = False):
    """Backward sweep of the adjoint method from the final state of a forward :func:`run`.

    Parameters
    ----------
    circuit : Circuit
    params : array of shape (circuit.n_params,)
        The angles the forward pass used (rad).
    final_state : numpy.ndarray
        State after the last layer, ``(2,)*n + (batch,)`` (not modified).
    prob_grads : mapping {layer index: array (2**n, batch)}
        ``dL/dp_k`` at each exit layer ``k``.
    input_grad : bool
        Also return ``dL/dfeatures``, shape ``(batch, n_qubits)`` (rad^-1), from the same sweep:
        after the first layer the sweep holds the encoded state, and each feature ``x_i``
        enters through one rotation ``exp(-i x_i P / 2)`` (``P = Y`` or ``X``), so
        ``dL/dx_i = 2 Re <lambda| (-i P_i / 2) |psi_0>`` per sample.

    Returns
    -------
    numpy.ndarray or (numpy.ndarray, numpy.ndarray)
        ``dL/dparams``, shape ``(circuit.n_params,)`` (zero where no gate reads an entry), and
        ``dL/dfeatures`` if ``input_grad``.

    Notes
    -----
    ``phi`` and ``mu = conj(lambda)`` are stacked in one array and un-applied together
    (``phi <- G^dagger phi``, ``mu <- G^T mu``). The gradient is read *before* the gate is
    un-applied, on its output side: ``<lambda| dG |phi_in> = <lambda| dG G^dagger |phi_out>``.
    """
    _check_circuit(circuit)
    require_flag("input_grad", input_grad)
    final_state, n = sv._check_state(final_state, name="final_state")
    if n != circuit.n_qubits:
        raise ValueError(f"final_state has {n} qubits, the circuit {circuit.n_qubits}")
    shape = final_state.shape
    weights = _check_prob_grads(circuit, prob_grads, shape[-1])
    sv._require_state_size(n, shape[-1], copies=4, name="final_state batch")
    mats, derivs = block_tables(circuit, params)
    stack = np.empty((2,) + shape, dtype=complex)
    stack[0] = final_state
    buf = np.empty_like(stack)
    grad = np.zeros(circuit.n_params)
    active = False  # lambda is zero above the deepest exit: only phi is un-applied there
    number = len(mats)
    for k in range(circuit.n_layers - 1, -1, -1):
        if k in weights:
            injected = weights[k].reshape(shape) * stack[0].conj()
            if active:
                stack[1] += injected
            else:
                stack[1] = injected
            active = True
        n_stacked = 2 if active else 1
        for block in reversed(circuit.blocks[k]):
            number -= 1
            f = mats[number]
            controlled = block.kind == "controlled"
            if active and derivs[number] is not None:
                overlap = sv._overlap(stack[1], stack[0], block.wires, controlled)
                index, d_out = derivs[number]
                grad[index] += 2.0 * (d_out.reshape(len(index), -1) @ overlap.ravel()).real
            u = np.stack([f.conj().T, f.T])[:n_stacked]  # phi <- F^dagger phi, mu <- F^T mu
            if controlled:
                sv._apply_c1q_inplace(u, stack[:n_stacked], buf[:n_stacked], *block.wires)
            else:
                sv._apply_1q_into(u, stack[:n_stacked], buf[:n_stacked], block.wires[0])
                stack, buf = buf, stack
    if not input_grad:
        return grad
    return grad, _encoding_gradient(circuit, stack[0], stack[1] if active else None)


def _encoding_gradient(circuit: Circuit, psi0: np.ndarray, mu: np.ndarray | None) -> np.ndarray:
    """``dL/dx[b, i] = 2 Re <lambda_b| (-i P_i / 2) |psi0_b>`` with ``mu = conj(lambda)``.

    For ``P = Y``: ``-i Y / 2 = [[0, -1/2], [1/2, 0]]``, giving ``Re(C10 - C01)``; for ``P = X``:
    ``-i X / 2 = [[0, -i/2], [-i/2, 0]]``, giving ``Im(C01 + C10)``, where
    ``C_ac[b] = sum over the other wires of mu[.., a, .., b] psi0[.., c, .., b]``.
    """
    n, batch = circuit.n_qubits, psi0.shape[-1]
    out = np.zeros((batch, n))
    if mu is None:
        return out
    for i in range(n):
        m = mu.reshape(2**i, 2, -1, batch)
        p = psi0.reshape(2**i, 2, -1, batch)
        c01 = np.einsum("lrb,lrb->b", m[:, 0], p[:, 1])
        c10 = np.einsum("lrb,lrb->b", m[:, 1], p[:, 0])
        out[:, i] = (c10 - c01).real if circuit.encoding == "ry" else (c01 + c10).imag
    return out


def adjoint_gradient(circuit: Circuit, params, features,
                     prob_grads: Mapping[int, np.ndarray], input_grad: bool = False):
    """Forward pass + :func:`adjoint_backward`: ``dL/dparams`` (and ``dL/dfeatures`` if
    ``input_grad``) for fixed ``dL/dp_k``."""
    final = run(circuit, params, features)
    return adjoint_backward(circuit, params, final, prob_grads, input_grad)


def parameter_shift_gradient(circuit: Circuit, params, features,
                             prob_grads: Mapping[int, np.ndarray]) -> np.ndarray:
    """``dL/dparams`` by the parameter-shift rule (slow; a reference for teaching and tests).

    For every angle ``theta_j``, ``dp_k/dtheta_j = sum_s c_s p_k(theta_j + s)`` with the rule of
    its gate (``GATE_KINDS[kind].shift_rules``), then contracted with ``prob_grads``. Exact (no
    finite-difference error). The derivative of one expectation value, e.g. ``d<Z_0>/dtheta``
    of sample 0, is obtained with ``prob_grads = {k: w}`` where ``w[:, 0] = z_eigenvalues(n)[0]``
    and ``w[:, 1:] = 0``.
    """
    p = _check_circuit(circuit).check_params(params)
    x = circuit.check_features(features)
    weights = _check_prob_grads(circuit, prob_grads, x.shape[0])

    def contracted(shifted: np.ndarray) -> float:
        total = [0.0]

        def on_layer(k: int, psi: np.ndarray) -> None:
            if k in weights:
                total[0] += float(np.sum(weights[k] * sv._probabilities(psi)))

        run(circuit, shifted, x, on_layer)
        return total[0]

    grad = np.zeros(circuit.n_params)
    for layer in circuit.layers:
        for op in layer:
            for j, rule in enumerate(GATE_KINDS[op.kind].shift_rules):
                for coeff, shift in SHIFT_RULES[rule]:
                    shifted = p.copy()
                    shifted[op.offset + j] += shift
                    grad[op.offset + j] += coeff * contracted(shifted)
    return grad


def parameter_shift_input_gradient(circuit: Circuit, params, features,
                                   prob_grads: Mapping[int, np.ndarray]) -> np.ndarray:
    """``dL/dfeatures`` (``(batch, n_qubits)``) by the two-term shift rule on each encoding angle.

    Each feature enters through one Pauli rotation, so ``dp/dx_i = [p(x_i + pi/2) -
    p(x_i - pi/2)] / 2`` exactly; the contraction with ``prob_grads`` is per sample.
    """
    p = _check_circuit(circuit).check_params(params)
    x = circuit.check_features(features)
    weights = _check_prob_grads(circuit, prob_grads, x.shape[0])
    out = np.zeros(x.shape)
    for i in range(circuit.n_qubits):
        for coeff, shift in SHIFT_RULES["two-term"]:
            shifted = x.copy()
            shifted[:, i] += shift
            states = layer_states(circuit, p, shifted)
            out[:, i] += coeff * sum(np.sum(w * sv._probabilities(states[k]), axis=0)
                                     for k, w in weights.items())
    return out

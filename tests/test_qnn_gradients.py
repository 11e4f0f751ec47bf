"""Adjoint gradients against parameter shift and finite differences; circuit validation."""

import numpy as np
import pytest

from qkit.qnn import circuits as C
from qkit.qnn import gradients as G
from qkit.qnn import statevector as sv


def random_circuit(n_qubits, n_layers, rng):
    kinds = [k for k, s in C.GATE_KINDS.items() if s.n_wires <= n_qubits]
    layers = []
    for _ in range(n_layers):
        layer = []
        for _ in range(2 * n_qubits + 1):
            kind = kinds[rng.integers(len(kinds))]
            layer.append((kind, tuple(rng.choice(n_qubits, C.GATE_KINDS[kind].n_wires, replace=False))))
        layers.append(layer)
    return C.build_circuit(n_qubits, layers)


def weighted_probs(circ, params, x, weights):
    states = C.layer_states(circ, params, x)
    return sum(float(np.sum(w * sv.probabilities(states[k]))) for k, w in weights.items())


@pytest.mark.parametrize("n_qubits,n_layers,exits", [(1, 3, (0, 2)), (2, 2, (1,)), (3, 4, (0, 1, 2, 3)), (4, 3, (1,))])
def test_adjoint_equals_parameter_shift_and_finite_differences(n_qubits, n_layers, exits):
    rng = np.random.default_rng(n_qubits * 10 + n_layers)
    circ = random_circuit(n_qubits, n_layers, rng)
    params = rng.uniform(-np.pi, np.pi, circ.n_params)
    x = rng.uniform(0, np.pi, (3, n_qubits))
    weights = {k: rng.normal(size=(2**n_qubits, 3)) for k in exits}
    adj = G.adjoint_gradient(circ, params, x, weights)
    shift = G.parameter_shift_gradient(circ, params, x, weights)
    h = 1e-6
    fd = np.array([(weighted_probs(circ, params + h * e, x, weights)
                    - weighted_probs(circ, params - h * e, x, weights)) / (2 * h)
                   for e in np.eye(circ.n_params)])
    np.testing.assert_allclose(adj, shift, atol=1e-12)
    np.testing.assert_allclose(adj, fd, atol=1e-7)
    assert np.abs(adj).max() > 1e-3  # the test is not comparing zeros


def test_gradient_zero_above_deepest_exit():
    rng = np.random.default_rng(2)
    circ = random_circuit(3, 3, rng)
    params = rng.uniform(-3, 3, circ.n_params)
    x = rng.uniform(0, 3, (2, 3))
    adj = G.adjoint_gradient(circ, params, x, {0: rng.normal(size=(8, 2))})
    later = [op.offset + j for layer in circ.layers[1:] for op in layer for j in range(op.n_params)]
    assert np.all(adj[later] == 0.0)


def test_layer_states_are_the_states_after_each_layer():
    rng = np.random.default_rng(3)
    circ = random_circuit(3, 3, rng)
    params = rng.uniform(-3, 3, circ.n_params)
    x = rng.uniform(0, 3, (2, 3))
    states = C.layer_states(circ, params, x)
    psi = sv.angle_encode(x)
    for k, layer in enumerate(circ.layers):
        for op in layer:
            u = C.gate_matrix(op.kind, params[op.offset:op.offset + op.n_params])
            psi = (sv.apply_controlled(psi, u, *op.wires) if C.GATE_KINDS[op.kind].controlled
                   else sv.apply_gate(psi, u, op.wires))
        np.testing.assert_allclose(states[k], psi, atol=1e-13)
    np.testing.assert_allclose(C.run(circ, params, x), states[-1], atol=1e-15)


def test_bad_circuits_and_inputs_raise():
    with pytest.raises(ValueError, match="kind must be one of"):
        C.Op("toffoli", (0, 1, 2))
    with pytest.raises(ValueError, match="2 distinct wire"):
        C.Op("cnot", (1, 1))
    with pytest.raises(ValueError, match="qubit indices in 0..1"):
        C.build_circuit(2, [[("cu3", (0, 2))]])
    circ = C.build_circuit(2, [[("ry", 0), ("cnot", (0, 1))]])
    with pytest.raises(ValueError, match=r"features must have shape \(batch, 2\)"):
        C.run(circ, [0.1], np.zeros((3, 3)))
    with pytest.raises(ValueError, match="features must be finite"):
        C.run(circ, [0.1], np.array([[0.1, np.nan]]))
    with pytest.raises(ValueError, match="params must be a flat vector of length 1"):
        C.run(circ, [0.1, 0.2], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="prob_grads keys must be layer indices"):
        G.adjoint_gradient(circ, [0.1], np.zeros((1, 2)), {1: np.zeros((4, 1))})
    with pytest.raises(ValueError, match=r"prob_grads\[0\] must have shape \(4, 1\)"):
        G.adjoint_gradient(circ, [0.1], np.zeros((1, 2)), {0: np.zeros((4, 2))})


def _full(circ, op, mat):
    """Brute force 2**n matrix of one op."""
    from qkit.qnn import gates

    n = circ.n_qubits
    psi = np.eye(2**n, dtype=complex).T.reshape((2,) * n + (2**n,))
    if C.GATE_KINDS[op.kind].controlled:
        out = sv.apply_gate(psi, gates.controlled(mat), op.wires)
    else:
        out = sv.apply_gate(psi, mat, op.wires)
    return out.reshape(2**n, 2**n)


@pytest.mark.parametrize("seed", range(4))
def test_fused_blocks_multiply_to_the_layer(seed):
    rng = np.random.default_rng(seed)
    circ = random_circuit(4, 2, rng)
    params = rng.uniform(-3, 3, circ.n_params)
    mats, _ = C.gate_tables(circ, params)
    blocks, _ = C.block_tables(circ, params)
    number, start = 0, 0
    for layer, fused in zip(circ.layers, circ.blocks):
        ref = np.eye(16, dtype=complex)
        for i, op in enumerate(layer, start):
            ref = _full(circ, op, mats[i]) @ ref
        got = np.eye(16, dtype=complex)
        for block in fused:
            if block.kind == "pair":
                big = sv.apply_gate(np.eye(16, dtype=complex).T.reshape((2,) * 4 + (16,)), blocks[number],
                                    block.wires).reshape(16, 16)
            else:
                big = _full(circ, circ.ops[block.members[0]], blocks[number])
            got = big @ got
            number += 1
        start += len(layer)
        np.testing.assert_allclose(got, ref, atol=1e-13)
        assert sorted(m for b in fused for m in b.members) == list(range(start - len(layer), start))


def test_dqnn_layer_fuses_into_n_blocks():
    from qkit.qnn import DynamicQNN

    blocks = DynamicQNN(6, 2, 2).circuit.blocks
    for layer in blocks:
        assert [b.kind for b in layer] == ["pair"] * 5 + ["controlled"]
        assert [b.wires for b in layer] == [(i, i + 1) for i in range(5)] + [(5, 0)]

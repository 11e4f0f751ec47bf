"""qkit.qnn against PennyLane default.qubit: states, expectations and gradients to 1e-10."""

import numpy as np
import pennylane as qml
import pytest
from pennylane import numpy as pnp

from qkit.qnn import DynamicQNN, QNN, NoiseModel
from qkit.qnn import circuits as C
from qkit.qnn import gradients as G
from qkit.qnn import statevector as sv

TOL = 1e-10

_PL_GATES = {"rx": qml.RX, "ry": qml.RY, "rz": qml.RZ, "u3": qml.U3, "rot": qml.Rot,
             "cnot": qml.CNOT, "cz": qml.CZ, "crx": qml.CRX, "cry": qml.CRY, "crz": qml.CRZ}


def _pl_ops(circuit, params, x, upto=None):
    for i in range(circuit.n_qubits):
        (qml.RY if circuit.encoding == "ry" else qml.RX)(x[:, i], wires=i)
    for k, layer in enumerate(circuit.layers):
        if upto is not None and k > upto:
            break
        for op in layer:
            a = params[op.offset:op.offset + op.n_params]
            if op.kind == "cu3":
                qml.ctrl(qml.U3(*a, wires=op.wires[1]), control=op.wires[0])
            else:
                _PL_GATES[op.kind](*a, wires=list(op.wires))


def random_circuit(n_qubits, n_layers, rng, encoding="ry"):
    kinds = list(C.GATE_KINDS) if n_qubits > 1 else [k for k, s in C.GATE_KINDS.items() if s.n_wires == 1]
    layers = []
    for _ in range(n_layers):
        layer = []
        for _ in range(2 * n_qubits):
            kind = kinds[rng.integers(len(kinds))]
            wires = tuple(rng.choice(n_qubits, C.GATE_KINDS[kind].n_wires, replace=False))
            layer.append((kind, wires))
        layers.append(layer)
    return C.build_circuit(n_qubits, layers, encoding)


CASES = [(1, 2, "ry"), (2, 3, "rx"), (3, 2, "ry"), (4, 4, "ry"), (5, 3, "rx")]


@pytest.mark.parametrize("n_qubits,n_layers,encoding", CASES)
def test_states_and_expectations_match_pennylane(n_qubits, n_layers, encoding):
    rng = np.random.default_rng(100 + n_qubits)
    circ = random_circuit(n_qubits, n_layers, rng, encoding)
    params = rng.uniform(-np.pi, np.pi, circ.n_params)
    x = rng.uniform(0, np.pi, (5, n_qubits))
    dev = qml.device("default.qubit", wires=n_qubits)

    @qml.qnode(dev)
    def state(xx, pp, upto):
        _pl_ops(circ, pp, xx, upto)
        return qml.state()

    @qml.qnode(dev)
    def expvals(xx, pp):
        _pl_ops(circ, pp, xx)
        return [qml.expval(qml.PauliZ(i)) for i in range(n_qubits)]

    ours = C.layer_states(circ, params, x)
    for k in range(n_layers):
        theirs = np.asarray(state(x, params, k))
        assert np.max(np.abs(theirs - ours[k].reshape(2**n_qubits, -1).T)) < TOL
    theirs_z = np.array(expvals(x, params)).reshape(n_qubits, -1)
    assert np.max(np.abs(theirs_z - sv.expval_z(ours[-1]))) < TOL

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

# autograd's own vjp of complex fancy indexing warns inside PennyLane; not our code
pytestmark = pytest.mark.filterwarnings("ignore:Casting complex values to real:numpy.exceptions.ComplexWarning")

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


@pytest.mark.parametrize("n_qubits,n_layers,encoding", CASES[1:])
def test_adjoint_gradient_matches_pennylane_autograd(n_qubits, n_layers, encoding):
    """d/dtheta of sum_{k,i,b} c[k,i,b] <Z_i>_k over several readout layers."""
    rng = np.random.default_rng(200 + n_qubits)
    circ = random_circuit(n_qubits, n_layers, rng, encoding)
    params = rng.uniform(-np.pi, np.pi, circ.n_params)
    batch = 4
    x = rng.uniform(0, np.pi, (batch, n_qubits))
    exits = sorted({0, n_layers - 1})
    coeff = {k: rng.normal(size=(n_qubits, batch)) for k in exits}
    dev = qml.device("default.qubit", wires=n_qubits)

    @qml.qnode(dev, interface="autograd", diff_method="backprop")
    def expvals(pp, upto):
        _pl_ops(circ, pp, x, upto)
        return [qml.expval(qml.PauliZ(i)) for i in range(n_qubits)]

    def loss(pp):
        return sum(pnp.sum(pnp.stack(expvals(pp, k)) * coeff[k]) for k in exits)

    theirs = qml.grad(loss)(pnp.array(params, requires_grad=True))
    z = sv.z_eigenvalues(n_qubits)
    ours = G.adjoint_gradient(circ, params, x, {k: z.T @ c for k, c in coeff.items()})
    assert np.max(np.abs(ours - theirs)) < TOL
    assert np.max(np.abs(theirs)) > 1e-3


def pennylane_model_loss(model, X, y):
    dev = qml.device("default.qubit", wires=model.n_qubits)
    onehot = np.eye(model.n_classes)[y].T

    @qml.qnode(dev, interface="autograd", diff_method="backprop")
    def readout(pp, upto):
        _pl_ops(model.circuit, pp, X, upto)
        return [qml.expval(qml.PauliZ(c)) for c in range(model.n_classes)]

    def loss(pp):
        total = 0.0
        for k in model.exit_layers:
            z = pnp.stack(readout(pp, k))
            block = pp[model.layout[f"exit{k}"]]
            logits = block[: model.n_classes, None] * z + block[model.n_classes:, None]
            total = total + pnp.mean(pnp.log(pnp.sum(pnp.exp(logits), axis=0)) - pnp.sum(onehot * logits, axis=0))
        return total

    return loss


@pytest.mark.parametrize("model", [DynamicQNN(2, 2, 2), DynamicQNN(3, 3, 3), DynamicQNN(4, 2, 4),
                                   QNN(3, 2, 2), QNN(4, 3, 3, rotation="u3", entangler="cu3")],
                         ids=lambda m: f"{type(m).__name__}-{m.n_qubits}q{m.n_layers}L")
def test_model_loss_and_gradient_match_pennylane(model):
    rng = np.random.default_rng(model.n_qubits * 7 + model.n_layers)
    params = model.init_params(rng)
    X = rng.uniform(0, np.pi, (6, model.n_qubits))
    y = rng.integers(0, model.n_classes, 6)
    loss_fn = pennylane_model_loss(model, X, y)
    p = pnp.array(params, requires_grad=True)
    theirs = qml.grad(loss_fn)(p)
    loss, grad = model.loss_and_grad(params, X, y)
    assert abs(loss - float(loss_fn(p))) < TOL
    assert np.max(np.abs(grad - theirs)) < TOL


def test_global_depolarising_matches_pennylane_mixed_state():
    """Our exact readout under global depolarising == PennyLane default.mixed with a
    global depolarising channel (a Kraus map on all wires) after every layer."""
    n, p = 2, 0.15
    model = DynamicQNN(n, 3, 2, noise=NoiseModel(depolarizing=p))
    params = model.init_params(np.random.default_rng(9))
    X = np.random.default_rng(10).uniform(0, np.pi, (3, n))
    paulis = [qml.Identity, qml.PauliX, qml.PauliY, qml.PauliZ]
    kraus = []
    for a in paulis:
        for b in paulis:
            m = np.kron(qml.matrix(a(0)), qml.matrix(b(0)))
            w = 1 - p + p / 16 if (a is qml.Identity and b is qml.Identity) else p / 16
            kraus.append(np.sqrt(w) * m)
    dev = qml.device("default.mixed", wires=n)

    @qml.qnode(dev)
    def readout(x, upto):
        for i in range(n):
            qml.RY(x[i], wires=i)
        for k, layer in enumerate(model.circuit.layers[: upto + 1]):
            for op in layer:
                a = params[op.offset:op.offset + op.n_params]
                if op.kind == "cu3":
                    qml.ctrl(qml.U3(*a, wires=op.wires[1]), control=op.wires[0])
                else:
                    qml.U3(*a, wires=op.wires[0])
            qml.QubitChannel(kraus, wires=range(n))
        return [qml.expval(qml.PauliZ(c)) for c in range(n)]

    ours = model.exit_readouts(params, X)
    for k in range(3):
        theirs = np.array([readout(X[b], k) for b in range(3)]).T
        assert np.max(np.abs(ours[k] - theirs)) < TOL

"""Registry cases for ``qkit.qnn`` (see ``__init__.py`` beside this file)."""

import numpy as np

from api_registry import Case
from qkit.qnn import gates
from qkit.qnn import statevector as sv
from qkit.qnn.circuits import Op, build_circuit
from qkit.qnn.classical import MLP
from qkit.qnn.models import DynamicQNN, QNN
from qkit.qnn.noise import NoiseModel
from qkit.qnn.optim import Adam


def _rng():
    return np.random.default_rng(0)


def _state():
    return sv.angle_encode(np.array([[0.3, 1.2], [2.0, 0.1]]))


def _probs():
    return sv.probabilities(_state())


def _circuit():
    return build_circuit(2, [[("u3", (0,)), ("ry", (1,)), ("cu3", (0, 1))], [("rx", (0,)), ("cnot", (1, 0))]])


def _params():
    return np.linspace(0.1, 0.9, _circuit().n_params)


_FEATURES = np.array([[0.3, 1.2], [2.0, 0.1], [1.0, 1.0]])


def _prob_grads():
    return {0: np.full((4, 3), 0.25), 1: np.linspace(-1.0, 1.0, 12).reshape(4, 3)}


def _model():
    return DynamicQNN(2, 2, 2)


def run_final():
    from qkit.qnn.circuits import run

    return run(_circuit(), _params(), _FEATURES)


_X = np.array([[0.3, 1.2], [2.0, 0.1], [1.0, 1.0], [0.5, 2.5]])
_Y = np.array([0, 1, 0, 1])

# A non-unitary "gate" (2 I: the state's norm doubles) and a state of norm 2.
_TWICE_I = 2.0 * np.eye(2, dtype=complex)

CASES = [
    # --- gates -------------------------------------------------------------------------------
    Case("qkit.qnn.gates.rx", args=(0.3,)),
    Case("qkit.qnn.gates.ry", args=(np.array([0.3, 1.0]),)),
    Case("qkit.qnn.gates.rz", args=(0.3,)),
    Case("qkit.qnn.gates.phase", args=(0.3,)),
    Case("qkit.qnn.gates.u3", args=(0.1, 0.2, 0.3), bad={"phi": [np.ones((2, 2))]}),
    Case("qkit.qnn.gates.rot", args=(0.1, 0.2, 0.3)),
    Case("qkit.qnn.gates.controlled", args=(gates.PAULI_X,),
         bad={"matrix": [_TWICE_I, np.eye(3), [[1.0, np.nan], [0.0, 1.0]]]}),
    Case("qkit.qnn.gates.cu3", args=(0.1, 0.2, 0.3)),
    Case("qkit.qnn.gates.rx_derivative", args=(0.3,)),
    Case("qkit.qnn.gates.ry_derivative", args=(0.3,)),
    Case("qkit.qnn.gates.rz_derivative", args=(0.3,)),
    Case("qkit.qnn.gates.u3_derivatives", args=(0.1, 0.2, 0.3)),
    Case("qkit.qnn.gates.rot_derivatives", args=(0.1, 0.2, 0.3)),
    Case("qkit.qnn.gates.is_unitary", args=(gates.H, 1e-12), bad={"atol": [-1.0]}),
    # --- statevector -------------------------------------------------------------------------
    Case("qkit.qnn.statevector.zero_state", args=(2, 3),
         bad={"n_qubits": [0, 25], "batch": [0, -1, 10**12]}),
    Case("qkit.qnn.statevector.zero_state", id="zero_state budget", args=(20, 10),
         bad={"batch": [10**4]}),
    Case("qkit.qnn.statevector.n_qubits_of", args=(_state(),), bad={"state": [np.ones((3, 2)), [1.0]]}),
    Case("qkit.qnn.statevector.apply_gate", make=lambda: ((_state(), gates.H, 0), {}),
         bad={"matrix": [_TWICE_I, np.eye(4)], "wires": [2, (0, 0), -1],
              "state": [2.0 * _state(), np.ones((2, 2, 2)) * np.nan]}),
    Case("qkit.qnn.statevector.apply_controlled", make=lambda: ((_state(), gates.PAULI_X, 0, 1), {}),
         bad={"matrix_1q": [_TWICE_I], "target": [0, 2]}),
    Case("qkit.qnn.statevector.angle_encode", args=(np.array([[0.3, 1.2]]), "ry"),
         bad={"features": [np.ones((1, 40)), np.ones(3), np.ones((0, 2))], "rotation": ["RY", "rz"]}),
    Case("qkit.qnn.statevector.angle_encode", id="angle_encode budget", args=(np.ones((2, 20)),),
         bad={"features": [np.ones((10**4, 20))]}),
    Case("qkit.qnn.statevector.probabilities", args=(_state(),), bad={"state": [np.ones(4)]}),
    Case("qkit.qnn.statevector.z_eigenvalues", args=(2,), bad={"n_qubits": [0, 40]}),
    Case("qkit.qnn.statevector.expval_z", args=(_state(),), bad={"state": [np.ones(4)]}),
    Case("qkit.qnn.statevector.sample_counts", args=(_state(), 100, _rng()), bad={"shots": [0, -5]}),
    Case("qkit.qnn.statevector.sample_probabilities", args=(_probs(), 100, _rng()),
         bad={"probs": [np.full((4, 2), 0.5), -_probs(), np.ones(3)], "shots": [0]}),
    Case("qkit.qnn.statevector.sample_expval_z", args=(_state(), 100, _rng()), bad={"shots": [0]}),
    # --- circuits ----------------------------------------------------------------------------
    Case("qkit.qnn.circuits.Op", args=("u3", (0,), 0),
         bad={"kind": ["U3", "cu3"], "wires": [(0, 0), (-1,), ()], "offset": [-1]}),
    Case("qkit.qnn.circuits.Circuit", make=lambda: ((2, _circuit().layers, _circuit().n_params, "ry"), {}),
         bad={"n_qubits": [0, 1, 30], "n_params": [0, -1], "encoding": ["RY"],
              "layers": [[["u3"]], [[Op("u3", (0,))], "x"]]}),
    Case("qkit.qnn.circuits.build_circuit", args=(2, [[("ry", (0,)), ("cnot", (0, 1))]], "ry"),
         bad={"layers": [[[("ry", (2,))]], [[("bogus", (0,))]], [["ry"]], 5], "n_qubits": [0]}),
    Case("qkit.qnn.circuits.gate_matrix", args=("u3", [0.1, 0.2, 0.3]),
         bad={"angles": [[0.1], [0.1, np.nan, 0.3], ["a", "b", "c"]], "kind": ["U3"]}),
    Case("qkit.qnn.circuits.gate_tables", make=lambda: ((_circuit(), _params()), {}),
         bad={"params": [np.ones(3), np.ones((2, 8)), [True] * 8], "circuit": [DynamicQNN(2, 1, 2)]}),
    Case("qkit.qnn.circuits.fuse_layer", make=lambda: ((_circuit().layers[0], 0), {}),
         bad={"layer": [["u3"], [Op("u3", (0,)), 3]], "start": [-1]}),
    Case("qkit.qnn.circuits.block_tables", make=lambda: ((_circuit(), _params(), True), {})),
    Case("qkit.qnn.circuits.run", make=lambda: ((_circuit(), _params(), _FEATURES), {}),
         bad={"features": [np.ones((3, 3)), np.ones(2), [[True, False]]], "on_layer": ["x", 3]}),
    Case("qkit.qnn.circuits.layer_states", make=lambda: ((_circuit(), _params(), _FEATURES), {}),
         bad={"features": [np.ones((3, 3))]}),
    # --- gradients ---------------------------------------------------------------------------
    Case("qkit.qnn.gradients.adjoint_backward",
         make=lambda: ((_circuit(), _params(), run_final(), _prob_grads(), False), {}),
         bad={"final_state": [2.0 * run_final(), np.ones((2, 2))],
              "prob_grads": [{5: np.ones((4, 3))}, {0: np.ones((4, 2))}, {0: np.full((4, 3), np.nan)}, {"a": 1}]}),
    Case("qkit.qnn.gradients.adjoint_gradient",
         make=lambda: ((_circuit(), _params(), _FEATURES, _prob_grads(), False), {}),
         bad={"prob_grads": [{0: np.ones((4, 2))}, {True: np.ones((4, 3))}]}),
    Case("qkit.qnn.gradients.parameter_shift_gradient",
         make=lambda: ((_circuit(), _params(), _FEATURES, _prob_grads()), {}),
         bad={"prob_grads": [{0: np.ones((4, 2))}]}),
    Case("qkit.qnn.gradients.parameter_shift_input_gradient",
         make=lambda: ((_circuit(), _params(), _FEATURES, _prob_grads()), {}),
         bad={"prob_grads": [{0: np.ones((4, 2))}]}),
    # --- models ------------------------------------------------------------------------------
    Case("qkit.qnn.models.DynamicQNN", args=(2, 2, 2),
         kwargs=dict(rotation="u3", entangler="cu3", readout="expval", readout_scale=True,
                     logit_scale=5.0, encoding="ry", noise=NoiseModel(0.01)),
         bad={"n_layers": [0, 10**6], "n_qubits": [0, 17], "n_classes": [1, 3],
              "noise": ["depolarizing", 0.1], "rotation": ["U3"]}),
    Case("qkit.qnn.models.QNN", args=(2, 1, 2), kwargs=dict(rotation="rot", entangler="cnot"),
         bad={"n_layers": [10**6]}),
    Case("qkit.qnn.models.ring_pairs", args=(3,), bad={"n_qubits": [0, -2, 10**9]}),
    Case("qkit.qnn.models.DynamicQNN.init_params", instance=_model, args=(_rng(), 1.0),
         bad={"angle_spread": [-1.0]}),
    Case("qkit.qnn.models.DynamicQNN.forward", instance=_model,
         make=lambda: ((_model().init_params(_rng()), _X), {}),
         bad={"X": [np.ones((2, 3))], "params": [np.ones(3)]}),
    Case("qkit.qnn.models.DynamicQNN.predict", instance=_model,
         make=lambda: ((_model().init_params(_rng()), _X, -1), {}), bad={"exit": [2, -3]}),
    Case("qkit.qnn.models.DynamicQNN.accuracy", instance=_model,
         make=lambda: ((_model().init_params(_rng()), _X, _Y), {}),
         bad={"y": [np.array([0, 1, 2, 0]), np.array([0.5, 1, 0, 1]), np.array([0, 1])]}),
    Case("qkit.qnn.models.DynamicQNN.loss_and_grad", instance=_model,
         make=lambda: ((_model().init_params(_rng()), _X, _Y, np.array([1.0, 0.5]), "adjoint"), {}),
         bad={"exit_weights": [np.array([1.0]), np.array([-1.0, 1.0])], "method": ["Adjoint", "finite"],
              "input_grad": [1, "yes"]}),
    Case("qkit.qnn.models.DynamicQNN.exit_losses", instance=_model,
         make=lambda: ((_model().init_params(_rng()), _X, _Y), {}), bad={"y": [np.array([0, 1, 5, 0])]}),
    Case("qkit.qnn.models.DynamicQNN.with_noise", instance=_model, args=(NoiseModel(0.1),),
         bad={"noise": ["noisy", 0.1]}),
    Case("qkit.qnn.models.DynamicQNN.prefix_slice", instance=_model, args=(1,), bad={"depth": [0, 3]}),
    Case("qkit.qnn.models.QNN.predict", instance=lambda: QNN(2, 2, 2, noise=NoiseModel(shots=50)),
         make=lambda: ((QNN(2, 2, 2).init_params(_rng()), _X, -1, _rng()), {}), bad={"rng": [None, 3]}),
    # --- noise -------------------------------------------------------------------------------
    Case("qkit.qnn.noise.NoiseModel", args=(0.1, 0.05, 100),
         bad={"depolarizing": [-0.1, 1.5], "readout_error": [0.6], "shots": [0, 10**30]}),
    Case("qkit.qnn.noise.NoiseModel.retained_fraction", instance=lambda: NoiseModel(0.1), args=(3,),
         bad={"layers_done": [-1]}),
    Case("qkit.qnn.noise.depolarize_probabilities", make=lambda: ((_probs(), 0.9), {}),
         bad={"probs": [np.full((4, 2), 0.5), np.ones(4)], "retained": [1.5, -0.1]}),
    Case("qkit.qnn.noise.apply_readout_error", make=lambda: ((_probs(), 2, 0.1), {}),
         bad={"probs": [np.full((4, 2), 0.5), np.ones((8, 2)) / 8], "n_qubits": [0, 3],
              "flip_probability": [0.7, -0.1]}),
    # --- optim -------------------------------------------------------------------------------
    Case("qkit.qnn.optim.SGD", args=(0.1, 0.5), bad={"lr": [0.0, -1.0], "momentum": [1.0, -0.1]}),
    Case("qkit.qnn.optim.Adam", args=(0.05, 0.9, 0.999, 1e-8), bad={"beta1": [1.0], "eps": [0.0]}),
    Case("qkit.qnn.optim.Adam.step", instance=Adam, args=(np.ones(3), np.array([0.1, -0.2, 0.3])),
         bad={"grad": [np.ones(2), np.ones((3, 1))]}),
    Case("qkit.qnn.optim.train",
         make=lambda: ((_model(), _model().init_params(_rng()), _X, _Y),
                       dict(epochs=1, batch_size=2, optimizer=Adam(), rng=_rng(),
                            exit_weights=np.array([1.0, 1.0]), progress=False)),
         bad={"optimizer": ["adam", None, Adam], "model": ["dqnn", None], "epochs": [0, 10**12],
              "batch_size": [0], "y": [np.array([0, 1, 2, 0]), np.array([0, 1])],
              "X": [np.ones((4, 3)), np.ones(4)], "params": [np.ones(3)],
              "callback": ["stop", 3], "exit_weights": [np.array([1.0])]}),
    # --- classical ---------------------------------------------------------------------------
    Case("qkit.qnn.classical.MLP", args=(4, 2, (3,)),
         bad={"hidden": [(0,), (-2,), 3, "3", (10**6, 10**6)], "n_classes": [1]}),
    Case("qkit.qnn.classical.MLP.init_params", instance=lambda: MLP(4, 2, (3,)), args=(_rng(),),
         bad={"rng": [0, None]}),
    Case("qkit.qnn.classical.mlp_param_count", args=(4, 2, (3,)),
         bad={"hidden": [(0,), "3"], "n_features": [0], "n_classes": [1]}),
    Case("qkit.qnn.classical.hidden_width_for", args=(50, 4, 2), bad={"n_params": [1, -5]}),
]

EXEMPT = {
    "qkit.qnn.circuits.GateKind": "a static row of qkit.qnn.circuits.GATE_KINDS: qkit builds every one, "
                                  "a user never constructs it",
    "qkit.qnn.circuits.Block": "a record of fused gates that only qkit.qnn.circuits.fuse_layer builds",
}

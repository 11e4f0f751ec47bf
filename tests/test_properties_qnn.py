"""Property-based tests (hypothesis) for qkit.qnn: unitarity, normalisation, probabilities, limits."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qkit.qnn import gates
from qkit.qnn import statevector as sv
from qkit.qnn.circuits import GATE_KINDS, build_circuit, layer_states, run
from qkit.qnn.models import DynamicQNN, QNN
from qkit.qnn.noise import NoiseModel, apply_readout_error, depolarize_probabilities

SETTINGS = settings(max_examples=40, deadline=None)
ANGLE = st.floats(-20.0, 20.0, allow_nan=False)
ANGLES = st.lists(ANGLE, min_size=1, max_size=5).map(np.array)


def _column_sums_ok(p, tol=1e-12):
    return np.all(np.abs(p.sum(axis=0) - 1.0) <= tol) and np.all(p >= 0.0) and np.all(p <= 1.0 + tol)


@SETTINGS
@given(theta=ANGLE, phi=ANGLE, lam=ANGLE)
def test_every_gate_is_unitary(theta, phi, lam):
    for m in (gates.rx(theta), gates.ry(theta), gates.rz(theta), gates.phase(phi), gates.u3(theta, phi, lam),
              gates.rot(phi, theta, lam), gates.cu3(theta, phi, lam), gates.controlled(gates.u3(theta, phi, lam))):
        assert gates.is_unitary(m, atol=1e-12)


@SETTINGS
@given(theta=ANGLES, phi=st.floats(-20.0, 20.0), lam=st.floats(-20.0, 20.0))
def test_batched_gates_are_unitary(theta, phi, lam):
    # one gate per sample: a (2, 2, batch) stack, each slice unitary
    ones = np.ones_like(theta)
    assert gates.is_unitary(gates.u3(theta, phi * ones, lam * ones), atol=1e-12)
    assert gates.is_unitary(gates.rot(phi * ones, theta, lam * ones), atol=1e-12)


@SETTINGS
@given(theta=ANGLE)
def test_a_scaled_gate_is_not_unitary(theta):
    assert not gates.is_unitary(2.0 * gates.ry(theta))


def _random_layers(draw, n):
    kinds = sorted(GATE_KINDS)
    layers = []
    for _ in range(draw(st.integers(1, 3))):
        layer = []
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(kinds))
            if GATE_KINDS[kind].n_wires == 1:
                wires = (draw(st.integers(0, n - 1)),)
            else:
                a = draw(st.integers(0, n - 1))
                b = draw(st.integers(0, n - 2))
                wires = (a, b + (b >= a))
            layer.append((kind, wires))
        layers.append(layer)
    return layers


@st.composite
def circuits(draw):
    n = draw(st.integers(2, 4))
    circuit = build_circuit(n, _random_layers(draw, n), draw(st.sampled_from(["ry", "rx"])))
    params = np.array(draw(st.lists(ANGLE, min_size=circuit.n_params, max_size=circuit.n_params)))
    batch = draw(st.integers(1, 3))
    features = np.array(draw(st.lists(st.floats(0.0, np.pi), min_size=n * batch, max_size=n * batch)))
    return circuit, params, features.reshape(batch, n)


@SETTINGS
@given(circuits())
def test_circuits_keep_norm_and_give_probabilities(case):
    circuit, params, x = case
    for psi in layer_states(circuit, params, x) + [run(circuit, params, x)]:
        p = sv.probabilities(psi)
        assert _column_sums_ok(p)
        z = sv.expval_z(psi)
        assert np.all(np.abs(z) <= 1.0 + 1e-12)


@SETTINGS
@given(features=st.lists(st.floats(-10.0, 10.0), min_size=1, max_size=6), theta=ANGLE, wire=st.integers(0, 5))
def test_apply_gate_keeps_norm(features, theta, wire):
    x = np.array(features)[None, :]
    psi = sv.angle_encode(x)
    w = wire % x.shape[1]
    psi = sv.apply_gate(psi, gates.u3(theta, 0.3, -0.7), w)
    if x.shape[1] > 1:
        psi = sv.apply_controlled(psi, gates.rx(theta), w, (w + 1) % x.shape[1])
    assert abs(np.sum(np.abs(psi) ** 2) - 1.0) <= 1e-12


@SETTINGS
@given(x=st.floats(-10.0, 10.0))
def test_angle_encoding_known_values(x):
    # <Z> = cos x for RY and RX encodings; RY(pi)|0> = |1>
    for rotation in ("ry", "rx"):
        psi = sv.angle_encode(np.array([[x]]), rotation)
        assert abs(sv.expval_z(psi)[0, 0] - np.cos(x)) <= 1e-12
    assert abs(sv.probabilities(sv.angle_encode(np.array([[np.pi]])))[1, 0] - 1.0) <= 1e-15


@st.composite
def probability_columns(draw, n_qubits=None):
    n = draw(st.integers(1, 3)) if n_qubits is None else n_qubits
    batch = draw(st.integers(1, 3))
    raw = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=2**n * batch, max_size=2**n * batch)))
    raw = raw.reshape(2**n, batch) + 1e-3
    return n, raw / raw.sum(axis=0)


@SETTINGS
@given(probability_columns(), st.floats(0.0, 1.0), st.floats(0.0, 0.5))
def test_noise_keeps_probabilities(case, retained, q):
    n, p = case
    assert _column_sums_ok(depolarize_probabilities(p, retained))
    assert _column_sums_ok(apply_readout_error(p, n, q))
    # limits: nothing retained or fair-coin readout gives the uniform distribution
    np.testing.assert_allclose(depolarize_probabilities(p, 0.0), np.full_like(p, 2.0**-n), atol=1e-15)
    np.testing.assert_allclose(apply_readout_error(p, n, 0.5), np.full_like(p, 2.0**-n), atol=1e-15)
    np.testing.assert_allclose(depolarize_probabilities(p, 1.0), p, atol=1e-15)
    model = NoiseModel(depolarizing=1.0 - retained, readout_error=q)
    assert _column_sums_ok(model.measured_probabilities(p, 3, n))


@SETTINGS
@given(probability_columns(), st.integers(1, 10**6), st.integers(0, 2**32 - 1))
def test_sampled_counts_add_up_to_shots(case, shots, seed):
    _, p = case
    counts = sv.sample_probabilities(p, shots, np.random.default_rng(seed))
    assert counts.shape == p.shape and np.all(counts >= 0)
    assert np.all(counts.sum(axis=0) == shots)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 3), noise=st.floats(0.0, 0.3))
def test_models_give_finite_losses_and_accuracies_in_range(seed, depth, noise):
    rng = np.random.default_rng(seed)
    for model in (DynamicQNN(3, depth, 2, noise=NoiseModel(noise, noise / 2)), QNN(3, depth, 3)):
        params = model.init_params(rng)
        X, y = rng.uniform(0.0, np.pi, (5, 3)), rng.integers(0, model.n_classes, 5)
        loss, grad = model.loss_and_grad(params, X, y)
        assert np.isfinite(loss) and loss >= 0.0 and np.all(np.isfinite(grad))
        acc = model.accuracy(params, X, y)
        assert acc.shape == (model.n_exits,) and np.all((acc >= 0.0) & (acc <= 1.0))

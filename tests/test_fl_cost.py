"""The hardware cost model (qkit.fl.cost): executions by hand, times, and the samples-per-round budget."""

import numpy as np
import pytest

from qkit.fl.cost import (QuantumHardware, circuit_executions, classical_seconds_per_sample, samples_in_round,
                          seconds_per_sample)
from qkit.qnn.models import QNN, DynamicQNN


def test_executions_of_the_course_models_by_hand():
    # a DQNN layer on n qubits: n U3 (3 two-term angles: 6 runs) + n CU3 (theta four-term, phi and
    # lam two-term: 8 runs); exit e shifts the angles of layers 0..e except the n - 1 CU3 phases
    # of layer e (two-term each), inert in exit e's own circuit, where that layer is the last.
    for n, layers, classes in ((4, 3, 4), (8, 4, 6)):
        per_layer = 6 * n + 8 * n
        count = circuit_executions(DynamicQNN(n, layers, classes))
        assert count.forward == layers
        assert count.inert == n - 1
        assert count.shifted == per_layer * sum(range(1, layers + 1)) - 2 * (n - 1) * layers
        assert count.total == layers + per_layer * layers * (layers + 1) // 2 - 2 * (n - 1) * layers
        assert count.angles == 6 * n * layers - (n - 1)
    assert circuit_executions(DynamicQNN(4, 3, 4)).total == 321
    assert circuit_executions(DynamicQNN(8, 4, 6)).total == 1068
    # the fixed-depth QNN with CNOTs: one exit, two runs per angle; the last layer's Rot omegas
    # (RZ applied last, then only CNOTs, which keep a diagonal diagonal) are inert
    qnn = QNN(4, 3, 4, entangler="cnot")
    assert circuit_executions(qnn) == (1, 2 * (12 * 3 - 4), 1 + 64, 32, 4)


def test_executions_match_the_parameter_shift_implementation():
    """The count is the number of shifted circuits qkit's own parameter-shift gradient runs (per exit)."""
    from qkit.qnn import gradients

    model = DynamicQNN(2, 2, 2)
    calls = []
    original = gradients.run

    def counting(circuit, params, x, on_layer=None):
        calls.append(1)
        return original(circuit, params, x, on_layer)

    gradients.run = counting
    try:
        prob_grads = {k: np.ones((4, 1)) for k in model.exit_layers}
        gradients.parameter_shift_gradient(model.circuit, model.init_params(np.random.default_rng(0)),
                                           np.zeros((1, 2)), prob_grads)
    finally:
        gradients.run = original
    # the simulator reads every exit from one shifted run of the full circuit; hardware runs one
    # truncated circuit per exit, so it needs the shifted runs of each prefix.
    per_layer = [sum(len(gradients.SHIFT_RULES[r]) for op in layer for r in gradients.GATE_KINDS[op.kind].shift_rules)
                 for layer in model.circuit.layers]
    assert len(calls) == sum(per_layer)
    # hardware skips the angles inert in each exit's own circuit (two-term each): the 2 CU3 phases of
    # layer 0 in exit 1's circuit, those of layer 1 in exit 2's (layer 0's matter there)
    from qkit.qnn.circuits import _inert_angles

    first, second = (_inert_angles(model.circuit, [e]) for e in model.exit_layers)
    assert first.sum() == second.sum() == 2 and not (first & second).any()
    assert (second == model.inert_mask()).all()
    assert circuit_executions(model).shifted == (per_layer[0] - 2 * 2) + (per_layer[0] + per_layer[1] - 2 * 2)
    assert circuit_executions(model).inert == 2


def test_times_and_budget():
    hw = QuantumHardware(shots=1000, shot_rate_hz=4000.0, circuit_latency_s=0.01)
    model = DynamicQNN(4, 3, 4)
    assert hw.seconds_per_execution == pytest.approx(0.26)
    assert seconds_per_sample(model, hw) == pytest.approx(321 * 0.26)
    assert classical_seconds_per_sample(96, 1e9) == pytest.approx(576e-9)
    b = samples_in_round(model, 1000.0, hw, flop_rate=1e9, epochs=2)
    assert b.quantum == int(1000.0 // (2 * 321 * 0.26)) == 5
    # the classical network of equal size has the model's 93 trained parameters
    assert b.classical == int(np.floor(1000.0 / (2 * 6 * 93e-9)))
    assert samples_in_round(model, 10.0).quantum == 0  # 80.25 s per sample at the defaults
    assert samples_in_round(model, 1e300) == (2**62, 2**62, 80.25, 558e-9)  # capped, not an overflow


def test_bad_input():
    with pytest.raises(ValueError, match="shots"):
        QuantumHardware(shots=0)
    with pytest.raises(ValueError, match="shot_rate_hz"):
        QuantumHardware(shot_rate_hz=0.0)
    with pytest.raises(TypeError, match="model"):
        circuit_executions("qnn")
    with pytest.raises(TypeError, match="hardware"):
        seconds_per_sample(DynamicQNN(2, 1, 2), "ibm")
    with pytest.raises(ValueError, match="round_s"):
        samples_in_round(DynamicQNN(2, 1, 2), 0.0)

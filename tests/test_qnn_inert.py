"""Inert angles (issue 12, item 6): the ones the loss cannot depend on, found from the circuit alone."""

import numpy as np
import pytest

from qkit.qnn.models import QNN, DynamicQNN


@pytest.mark.parametrize("n_qubits, n_layers, n_classes, n_inert", [(4, 3, 4, 3), (8, 4, 6, 7)])
def test_dqnn_inert_phases_have_zero_gradient_and_the_others_do_not(n_qubits, n_layers, n_classes, n_inert):
    model = DynamicQNN(n_qubits, n_layers, n_classes)
    mask = model.inert_mask()
    assert mask.shape == (model.n_params,) and mask.sum() == n_inert
    assert model.n_trainable == model.n_params - n_inert          # 93 of 96, 233 of 240
    # they are the phase phi (angle 1) of the last layer's CU3s on pairs (1, 2), ..., (n - 1, 0)
    last = model.layout[f"layer{n_layers - 1}"].start + 3 * n_qubits
    assert np.flatnonzero(mask).tolist() == [last + 3 * j + 1 for j in range(1, n_qubits)]
    rng = np.random.default_rng(7)
    smallest_other = np.inf
    for _ in range(3):                                             # random parameters and inputs
        params = model.init_params(rng)
        X = rng.uniform(0.0, np.pi, (6, n_qubits))
        y = rng.integers(0, n_classes, 6)
        grad = model.loss_and_grad(params, X, y)[1]
        assert np.all(np.abs(grad[mask]) < 1e-12)                  # zero to rounding
        smallest_other = min(smallest_other, np.abs(grad[~mask]).min())
    assert smallest_other > 1e-7
    # and the loss does not move when they do, by any amount
    moved = params.copy()
    moved[mask] += rng.uniform(-np.pi, np.pi, n_inert)
    assert model.loss(moved, X, y) == pytest.approx(model.loss(params, X, y), abs=1e-12)


def test_inert_angles_of_other_architectures():
    # Rot's omega (RZ applied last) survives a CNOT ring, which maps diagonal to diagonal
    assert np.flatnonzero(QNN(4, 3, 4).inert_mask()).tolist() == [26, 29, 32, 35]
    # with two qubits the last U3's phi on the control wire is inert too
    assert np.flatnonzero(DynamicQNN(2, 2, 2).inert_mask()).tolist() == [14, 20]
    # a one-layer model measured after every gate has no later gate to hide behind
    model = DynamicQNN(3, 1, 3)
    rng = np.random.default_rng(0)
    params, X, y = model.init_params(rng), rng.uniform(0, np.pi, (5, 3)), rng.integers(0, 3, 5)
    grad = model.loss_and_grad(params, X, y)[1]
    assert np.all(np.abs(grad[model.inert_mask()]) < 1e-12)
    assert np.abs(grad[model.layout["layer0"]][~model.inert_mask()[model.layout["layer0"]]]).min() > 1e-9

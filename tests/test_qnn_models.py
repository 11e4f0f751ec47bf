"""QNN and DynamicQNN: layout, forward, loss gradients, noise, truncation, bad input."""

import numpy as np
import pytest

from qkit.qnn import QNN, DynamicQNN, NoiseModel
from qkit.qnn import statevector as sv


def data(model, batch, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, np.pi, (batch, model.n_qubits)), rng.integers(0, model.n_classes, batch)


def fd_grad(model, params, X, y, w, h=1e-6):
    return np.array([(model.loss(params + h * e, X, y, w) - model.loss(params - h * e, X, y, w)) / (2 * h)
                     for e in np.eye(model.n_params)])


MODELS = [
    DynamicQNN(4, 3, 3),
    DynamicQNN(3, 2, 5, readout="probs"),
    DynamicQNN(2, 3, 2, readout_scale=False, logit_scale=3.0),
    DynamicQNN(3, 3, 2, noise=NoiseModel(depolarizing=0.1, readout_error=0.05)),
    DynamicQNN(1, 2, 2, readout="probs", encoding="rx"),
    QNN(4, 3, 4),
    QNN(3, 2, 3, rotation="ry", entangler="cz"),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{type(m).__name__}-{m.n_qubits}q{m.n_layers}L-{m.readout}")
def test_loss_gradient_matches_finite_differences_and_parameter_shift(model):
    rng = np.random.default_rng(model.n_qubits + 10 * model.n_layers)
    params = model.init_params(rng)
    X, y = data(model, 7, 1)
    w = np.linspace(0.5, 1.5, model.n_exits)
    loss, grad = model.loss_and_grad(params, X, y, exit_weights=w)
    assert loss == pytest.approx(model.loss(params, X, y, w), abs=1e-13)
    assert loss == pytest.approx(float(w @ model.exit_losses(params, X, y)), abs=1e-13)
    np.testing.assert_allclose(grad, fd_grad(model, params, X, y, w), atol=2e-8)
    _, shift = model.loss_and_grad(params, X, y, exit_weights=w, method="parameter-shift")
    np.testing.assert_allclose(grad, shift, atol=1e-12)
    assert np.abs(grad).max() > 1e-3


def test_layout_is_a_contiguous_partition():
    m = DynamicQNN(4, 3, 3)
    assert m.n_params == 3 * (4 * 3 + 4 * 3) + 3 * 6
    pos = 0
    for name, s in m.layout.items():
        assert s.start == pos
        pos = s.stop
    assert pos == m.n_params
    assert list(m.layout) == ["layer0", "exit0", "layer1", "exit1", "layer2", "exit2"]
    assert m.layer_slices(1) == slice(m.layout["layer1"].start, m.layout["exit1"].stop)
    assert m.prefix_slice(2) == slice(0, m.layout["exit1"].stop)
    q = QNN(3, 2, 2)
    assert list(q.layout) == ["layer0", "layer1", "exit1"]
    assert q.n_params == 2 * 3 * 3 + 4  # Rot angles; CNOTs have none; one exit
    assert DynamicQNN(2, 1, 2).circuit.layers[0][-1].wires == (0, 1)  # a single ring pair
    assert len(DynamicQNN(1, 1, 2, readout="probs").circuit.layers[0]) == 1  # no entangler


def test_truncated_model_reproduces_the_exits():
    """The DQNN's exit k equals a DQNN of depth k+1 run on the parameter prefix (slimmable)."""
    full = DynamicQNN(4, 4, 3)
    params = full.init_params(np.random.default_rng(3))
    X, y = data(full, 5, 2)
    logits = full.forward(params, X)
    for depth in range(1, 5):
        small = DynamicQNN(4, depth, 3)
        sub = params[full.prefix_slice(depth)]
        np.testing.assert_allclose(small.forward(sub, X), logits[:depth], atol=1e-13)
        np.testing.assert_array_equal(full.predict(params, X, exit=depth - 1), small.predict(sub, X))


def test_readout_definitions():
    m = DynamicQNN(3, 2, 3, readout_scale=False, logit_scale=1.0)
    params = m.init_params(np.random.default_rng(4))
    X, _ = data(m, 4, 3)
    from qkit.qnn.circuits import layer_states

    states = layer_states(m.circuit, params, X)
    np.testing.assert_allclose(m.exit_readouts(params, X)[1], sv.expval_z(states[1]), atol=1e-14)
    mp = DynamicQNN(3, 2, 3, readout="probs", readout_scale=False)
    p = sv.probabilities(states[0]).reshape(2, 2, 2, -1)
    marg = p.sum(axis=2).reshape(4, -1)[:3]  # first two qubits read c = 0, 1, 2
    np.testing.assert_allclose(mp.exit_readouts(params, X)[0], marg, atol=1e-14)


def test_depolarising_scales_the_readout_and_shots_scatter_around_it():
    p, q = 0.2, 0.05
    clean = DynamicQNN(3, 3, 3)
    noisy = DynamicQNN(3, 3, 3, noise=NoiseModel(depolarizing=p, readout_error=q))
    params = clean.init_params(np.random.default_rng(5))
    X, y = data(clean, 6, 4)
    r0, r1 = clean.exit_readouts(params, X), noisy.exit_readouts(params, X)
    for k in range(3):
        np.testing.assert_allclose(r1[k], (1 - p) ** (k + 1) * (1 - 2 * q) * r0[k], atol=1e-14)
    shots = NoiseModel(depolarizing=p, readout_error=q, shots=4000)
    sampled_model = DynamicQNN(3, 3, 3, noise=shots)
    est = sampled_model.exit_readouts(params, X, rng=np.random.default_rng(6))
    sigma = np.sqrt((1 - r1**2) / 4000)
    assert np.all(np.abs(est - r1) < 5 * sigma + 1e-12)
    again = sampled_model.exit_readouts(params, X, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(est, again)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator when noise.shots"):
        sampled_model.predict(params, X)
    # training loss ignores shots: same as the exact noisy model
    assert sampled_model.loss(params, X, y) == pytest.approx(noisy.loss(params, X, y), abs=1e-14)


def test_full_depolarisation_leaves_only_the_bias():
    m = DynamicQNN(2, 2, 2, noise=NoiseModel(depolarizing=1.0))
    params = m.init_params(np.random.default_rng(7))
    X, y = data(m, 4, 5)
    loss, grad = m.loss_and_grad(params, X, y)
    assert np.isfinite(loss)
    for k in range(2):
        assert np.all(grad[m.layout[f"layer{k}"]] == 0.0)
    np.testing.assert_allclose(m.forward(params, X), 0.0, atol=1e-15)  # scale * 0 + bias 0


def test_predict_and_accuracy_shapes():
    m = DynamicQNN(4, 3, 4)
    params = m.init_params(np.random.default_rng(8))
    X, y = data(m, 9, 6)
    logits = m.forward(params, X)
    assert logits.shape == (3, 9, 4)
    np.testing.assert_array_equal(m.predict(params, X), np.argmax(logits[-1], axis=1))
    np.testing.assert_array_equal(m.predict(params, X, exit=0), np.argmax(logits[0], axis=1))
    acc = m.accuracy(params, X, y)
    np.testing.assert_allclose(acc, (np.argmax(logits, axis=2) == y).mean(axis=1))
    assert QNN(4, 2, 3).forward(QNN(4, 2, 3).init_params(np.random.default_rng(1)), X).shape == (1, 9, 3)


def test_bad_input_raises():
    m = DynamicQNN(3, 2, 2)
    params = m.init_params(np.random.default_rng(0))
    X, y = data(m, 4, 0)
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 3\)"):
        m.forward(params, X[:, :2])
    with pytest.raises(ValueError, match="X must be finite"):
        m.loss(params, np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="y must be 4 integer labels in 0..1"):
        m.loss(params, X, y + 5)
    with pytest.raises(ValueError, match="y must be 4 integer labels"):
        m.loss(params, X, y.astype(float))
    with pytest.raises(ValueError, match="params must be a flat vector"):
        m.forward(params[:-1], X)
    with pytest.raises(ValueError, match="exit_weights must have one weight per exit"):
        m.loss(params, X, y, exit_weights=[1.0])
    with pytest.raises(ValueError, match="exit_weights must satisfy"):
        m.loss(params, X, y, exit_weights=[1.0, -1.0])
    with pytest.raises(ValueError, match="exit must satisfy"):
        m.predict(params, X, exit=2)
    with pytest.raises(ValueError, match="n_classes must be <= 3"):
        DynamicQNN(3, 2, 4)
    with pytest.raises(ValueError, match="entangler must be one of"):
        DynamicQNN(3, 2, 2, entangler="swap")
    with pytest.raises(ValueError, match="method must be one of"):
        m.loss_and_grad(params, X, y, method="backprop")
    with pytest.raises(TypeError, match="noise must be a qkit.qnn.NoiseModel"):
        DynamicQNN(3, 2, 2, noise=0.1)


@pytest.mark.parametrize("model", [DynamicQNN(3, 2, 3), DynamicQNN(2, 2, 2, encoding="rx"),
                                   QNN(3, 2, 2, noise=NoiseModel(depolarizing=0.1, readout_error=0.02))],
                         ids=["dqnn-ry", "dqnn-rx", "qnn-noisy"])
def test_input_gradient_matches_finite_differences_and_shift(model):
    params = model.init_params(np.random.default_rng(11))
    X, y = data(model, 5, 12)
    loss, grad, grad_x = model.loss_and_grad(params, X, y, input_grad=True)
    assert grad_x.shape == X.shape
    np.testing.assert_allclose(grad, model.loss_and_grad(params, X, y)[1], atol=1e-14)
    h = 1e-6
    fd = np.zeros_like(X)
    for b in range(X.shape[0]):
        for i in range(X.shape[1]):
            e = np.zeros_like(X)
            e[b, i] = h
            fd[b, i] = (model.loss(params, X + e, y) - model.loss(params, X - e, y)) / (2 * h)
    np.testing.assert_allclose(grad_x, fd, atol=1e-8)
    _, _, shift_x = model.loss_and_grad(params, X, y, method="parameter-shift", input_grad=True)
    np.testing.assert_allclose(grad_x, shift_x, atol=1e-12)
    assert np.abs(grad_x).max() > 1e-3


def test_with_noise_keeps_architecture_and_parameters():
    m = DynamicQNN(3, 2, 2)
    noisy = m.with_noise(NoiseModel(depolarizing=0.3))
    assert noisy.noise == NoiseModel(depolarizing=0.3) and m.noise is None
    assert noisy.layout == m.layout and noisy.n_params == m.n_params
    params = m.init_params(np.random.default_rng(2))
    X, _ = data(m, 3, 1)
    np.testing.assert_allclose(noisy.exit_readouts(params, X)[1], 0.7**2 * m.exit_readouts(params, X)[1], atol=1e-14)
    assert noisy.with_noise(None) == m

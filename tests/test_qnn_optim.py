"""Optimisers and the training loop."""

import numpy as np
import pytest

from qkit.qnn import SGD, Adam, DynamicQNN, QNN, train


def test_sgd_and_momentum_updates():
    opt = SGD(lr=0.1, momentum=0.5)
    p = opt.step(np.array([1.0, 2.0]), np.array([1.0, -1.0]))
    np.testing.assert_allclose(p, [0.9, 2.1])
    p = opt.step(p, np.array([1.0, -1.0]))  # v = 0.5 * 1 + 1 = 1.5
    np.testing.assert_allclose(p, [0.75, 2.25])
    opt.reset()
    np.testing.assert_allclose(opt.step(p, np.array([2.0, 0.0])), [0.55, 2.25])


def test_adam_first_step_and_convergence_on_a_quadratic():
    opt = Adam(lr=0.01)
    p = opt.step(np.array([1.0, -3.0]), np.array([4.0, -0.001]))
    np.testing.assert_allclose(p, [0.99, -2.99], atol=1e-6)  # first step = lr * sign(grad)
    target = np.array([0.3, -1.2, 2.0])
    opt, p = Adam(lr=0.1), np.zeros(3)
    for _ in range(500):
        p = opt.step(p, 2 * (p - target))
    np.testing.assert_allclose(p, target, atol=1e-3)


def toy_data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, np.pi, (n, 3))
    y = (X[:, 0] > np.pi / 2).astype(int)
    return X, y


def test_train_learns_and_is_reproducible():
    X, y = toy_data(120, 0)
    model = DynamicQNN(3, 2, 2)
    p0 = model.init_params(np.random.default_rng(1))
    kwargs = dict(epochs=8, batch_size=16, exit_weights=[0.5, 1.0])
    p1, h1 = train(model, p0, X, y, optimizer=Adam(0.1), rng=np.random.default_rng(2), **kwargs)
    p2, h2 = train(model, p0, X, y, optimizer=Adam(0.1), rng=np.random.default_rng(2), **kwargs)
    np.testing.assert_array_equal(p1, p2)
    assert h1["loss"].shape == (8,) and h1["accuracy"].shape == (8, 2)
    assert h1["loss"][-1] < 0.5 * h1["loss"][0]
    assert h1["accuracy"][-1, -1] > 0.9
    np.testing.assert_allclose(h1["accuracy"][-1], model.accuracy(p1, X, y))
    assert not np.shares_memory(p0, p1)


def test_callback_stops_early_and_progress_bar_runs():
    X, y = toy_data(40, 3)
    model = QNN(3, 1, 2)
    seen = []
    p, hist = train(model, model.init_params(np.random.default_rng(0)), X, y, epochs=5, batch_size=20,
                    optimizer=SGD(0.1), rng=np.random.default_rng(0), progress=True,
                    callback=lambda epoch, params, h: seen.append(epoch) or epoch == 1)
    assert seen == [0, 1] and hist["loss"].shape == (2,)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="lr must satisfy 0 < lr"):
        Adam(lr=0)
    with pytest.raises(ValueError, match="momentum must satisfy"):
        SGD(momentum=1.0)
    with pytest.raises(ValueError, match="grad must be finite"):
        SGD().step(np.zeros(2), np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match="flat vectors of one length"):
        Adam().step(np.zeros(2), np.zeros(3))
    model = QNN(3, 1, 2)
    X, y = toy_data(10, 0)
    with pytest.raises(ValueError, match="epochs must satisfy 1 <= epochs"):
        train(model, model.init_params(np.random.default_rng(0)), X, y, epochs=0, batch_size=4,
              optimizer=SGD(), rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy random Generator"):
        train(model, model.init_params(np.random.default_rng(0)), X, y, epochs=1, batch_size=4,
              optimizer=SGD(), rng=0)

import numpy as np
import pytest

from qkit.qnn import Adam, DynamicQNN, train
from qkit.qnn.classical import MLP, hidden_width_for, mlp_param_count


def _data(n=40, d=5, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.integers(0, c, n)


def _numerical_gradient(model, params, X, y, h=1e-6):
    grad = np.zeros_like(params)
    for i in range(params.size):
        e = np.zeros_like(params)
        e[i] = h
        grad[i] = (model.loss(params + e, X, y) - model.loss(params - e, X, y)) / (2 * h)
    return grad


@pytest.mark.parametrize("hidden", [(), (7,), (4, 6)])
def test_gradient_matches_finite_differences(hidden):
    X, y = _data()
    model = MLP(5, 3, hidden)
    params = model.init_params(np.random.default_rng(1)) + 0.1  # nonzero biases too
    loss, grad = model.loss_and_grad(params, X, y)
    assert np.isclose(loss, model.loss(params, X, y))
    np.testing.assert_allclose(grad, _numerical_gradient(model, params, X, y), rtol=1e-6, atol=1e-9)


def test_loss_is_the_mean_cross_entropy_by_hand():
    model = MLP(2, 2, ())
    params = np.array([1.0, -1.0, 0.5, 2.0, 0.1, -0.2])  # W (2 x 2) row-major, then b
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([0, 1])
    z = X @ params[:4].reshape(2, 2) + params[4:]
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.isclose(model.loss(params, X, y), -np.mean(np.log(p[[0, 1], [0, 1]])), rtol=1e-14)
    np.testing.assert_allclose(model.forward(params, X)[0], z)


def test_parameter_counts():
    assert MLP(8, 4, ()).n_params == 8 * 4 + 4
    assert MLP(8, 4, (10,)).n_params == 9 * 10 + 11 * 4
    assert mlp_param_count(3, 2, (5, 5)) == 4 * 5 + 6 * 5 + 6 * 2
    model = MLP(6, 3, (5, 4))
    assert model.init_params(np.random.default_rng(0)).shape == (model.n_params,)


@pytest.mark.parametrize("budget", [21, 111, 240, 1000])
def test_hidden_width_for_budget_is_closest(budget):
    h = hidden_width_for(budget, 8, 6)
    best = min(range(1, 200), key=lambda w: (abs(mlp_param_count(8, 6, (w,)) - budget), w))
    assert h == best


def test_matches_a_dqnn_budget():
    qnn = DynamicQNN(n_qubits=6, n_layers=3, n_classes=4)
    h = hidden_width_for(qnn.n_params, 6, 4)
    assert abs(MLP(6, 4, (h,)).n_params - qnn.n_params) <= (6 + 1 + 4) // 2 + 1


def test_trains_with_the_qnn_loop_and_separates_separable_data():
    rng = np.random.default_rng(3)
    centres = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    y = rng.integers(0, 3, 300)
    X = centres[y] + 0.3 * rng.normal(size=(300, 2))
    model = MLP(2, 3, (4,))
    params, history = train(model, model.init_params(rng), X, y, epochs=20, batch_size=20,
                            optimizer=Adam(0.05), rng=rng)
    assert history["accuracy"].shape == (20, 1)
    assert history["loss"][-1] < 0.3 * history["loss"][0]
    assert model.accuracy(params, X, y)[0] == 1.0
    assert model.predict(params, X, exit=0).shape == (300,)


def test_exit_weight_scales_loss_and_gradient():
    X, y = _data()
    model = MLP(5, 3, (3,))
    params = model.init_params(np.random.default_rng(0))
    loss, grad = model.loss_and_grad(params, X, y)
    loss2, grad2 = model.loss_and_grad(params, X, y, exit_weights=[2.5])
    assert np.isclose(loss2, 2.5 * loss)
    np.testing.assert_allclose(grad2, 2.5 * grad)


def test_huge_logits_stay_finite():
    model = MLP(1, 2, ())
    params = np.array([1e6, -1e6, 0.0, 0.0])
    loss, grad = model.loss_and_grad(params, np.array([[1.0], [-1.0]]), np.array([1, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))
    assert np.isclose(loss, 1e6)  # one sample is wrong by a margin of 2e6 -> mean 1e6


def test_bad_input():
    model = MLP(3, 2, (2,))
    params = model.init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_classes must satisfy 2 <= n_classes"):
        MLP(3, 1)
    with pytest.raises(TypeError, match="hidden must be a tuple"):
        MLP(3, 2, [4])
    with pytest.raises(ValueError, match=r"hidden\[0\] must satisfy 1 <= hidden\[0\]"):
        MLP(3, 2, (0,))
    with pytest.raises(ValueError, match="params must be a flat vector of 14"):
        model.forward(params[:-1], np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 3\)"):
        model.forward(params, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="y must be 2 integer labels in 0..1"):
        model.loss_and_grad(params, np.zeros((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match="exit_weights must hold one weight"):
        model.loss_and_grad(params, np.zeros((2, 3)), np.array([0, 1]), exit_weights=[1, 1])
    with pytest.raises(ValueError, match="exit must satisfy -1 <= exit <= 0"):
        model.predict(params, np.zeros((2, 3)), exit=1)
    with pytest.raises(TypeError, match="rng must be a numpy random Generator"):
        model.init_params(0)
    with pytest.raises(ValueError, match="n_params must satisfy"):
        hidden_width_for(3, 8, 4)

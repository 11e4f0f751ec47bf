"""The fleet sweep (qkit.qnn.fleet, qkit.fl.fleet_update) equals the per-vehicle loop.

References are the existing one-vehicle code paths: ``model.loss_and_grad`` (adjoint),
``qkit.qnn.circuits.layer_states`` for the probabilities and ``qkit.fl.clients.local_update`` for
local training.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import qkit
from qkit.fl.clients import ClientData, LocalTraining, local_update
from qkit.fl.fleet_update import FleetOptimizerState, fleet_local_update
from qkit.qnn import QNN, DynamicQNN, NoiseModel
from qkit.qnn import statevector as sv
from qkit.qnn.circuits import layer_states
from qkit.qnn.fleet import fleet_chunk_size, fleet_loss_and_grad, fleet_probabilities

TOL = 1e-12

MODELS = {
    "dqnn-2q-1l": DynamicQNN(2, 1, 2),
    "dqnn-3q-3l": DynamicQNN(3, 3, 3),
    "dqnn-4q-2l-noscale": DynamicQNN(4, 2, 2, readout_scale=False),
    "dqnn-5q-2l-probs": DynamicQNN(5, 2, 4, readout="probs"),
    "dqnn-3q-2l-noise": DynamicQNN(3, 2, 2, noise=NoiseModel(depolarizing=0.05, readout_error=0.02)),
    "qnn-4q-3l": QNN(4, 3, 3),
    "qnn-2q-2l-rx": QNN(2, 2, 2, encoding="rx"),
}


def _fleet(model, rng, n_vehicles=5, batch=6):
    """Random parameter stack, padded data and unequal sample counts (1 .. batch)."""
    params = np.stack([model.init_params(rng) for _ in range(n_vehicles)])
    X = rng.uniform(0.0, np.pi, (n_vehicles, batch, model.n_qubits))
    y = rng.integers(0, model.n_classes, (n_vehicles, batch))
    counts = rng.integers(1, batch + 1, n_vehicles)
    counts[0] = batch
    return params, X, y, counts


@pytest.mark.parametrize("name", MODELS)
def test_loss_and_grad_equal_the_loop(name):
    model, rng = MODELS[name], np.random.default_rng(11)
    params, X, y, counts = _fleet(model, rng)
    w = np.linspace(1.0, 0.5, model.n_exits)
    loss, grad = fleet_loss_and_grad(model, params, X, y, counts, exit_weights=w)
    assert loss.shape == (5,) and grad.shape == params.shape
    for v in range(5):
        n = counts[v]
        ref_loss, ref_grad = model.loss_and_grad(params[v], X[v, :n], y[v, :n], w)
        assert abs(loss[v] - ref_loss) < TOL
        np.testing.assert_allclose(grad[v], ref_grad, rtol=0, atol=TOL)
    assert np.abs(grad).max() > 1e-3  # the comparison is not between zeros


def test_padding_rows_are_ignored():
    model, rng = MODELS["dqnn-3q-3l"], np.random.default_rng(2)
    params, X, y, counts = _fleet(model, rng)
    X2, y2 = X.copy(), y.copy()
    for v in range(5):
        X2[v, counts[v]:] = rng.uniform(0, np.pi, X2[v, counts[v]:].shape)
        y2[v, counts[v]:] = 0
    a, b = fleet_loss_and_grad(model, params, X, y, counts), fleet_loss_and_grad(model, params, X2, y2, counts)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["dqnn-3q-3l", "dqnn-3q-2l-noise", "qnn-4q-3l", "qnn-2q-2l-rx"])
def test_probabilities_equal_the_loop(name):
    model, rng = MODELS[name], np.random.default_rng(5)
    params, X, _, _ = _fleet(model, rng, n_vehicles=4, batch=3)
    probs = fleet_probabilities(model, params, X)
    assert probs.shape == (4, model.n_exits, 2**model.n_qubits, 3)
    for v in range(4):
        states = layer_states(model.circuit, params[v], X[v])
        for e, k in enumerate(model.exit_layers):
            ref = sv.probabilities(states[k])
            if model.noise is not None:
                ref = model.noise.measured_probabilities(ref, k + 1, model.n_qubits)
            np.testing.assert_allclose(probs[v, e], ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(probs.sum(axis=2), 1.0, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7])
def test_chunking_gives_identical_results(chunk):
    model, rng = MODELS["dqnn-4q-2l-noscale"], np.random.default_rng(8)
    params, X, y, counts = _fleet(model, rng, n_vehicles=7)
    whole = fleet_loss_and_grad(model, params, X, y, counts, chunk_size=7)
    parts = fleet_loss_and_grad(model, params, X, y, counts, chunk_size=chunk)
    np.testing.assert_array_equal(parts[0], whole[0])
    np.testing.assert_array_equal(parts[1], whole[1])
    np.testing.assert_array_equal(fleet_probabilities(model, params, X, chunk_size=chunk),
                                  fleet_probabilities(model, params, X, chunk_size=7))


# --- local training -----------------------------------------------------------------------------

def _clients(model, rng, sizes):
    return [ClientData(rng.uniform(0, np.pi, (n, model.n_qubits)), rng.integers(0, model.n_classes, n))
            for n in sizes]


def _loop(model, params, clients, training, rngs, **kw):
    out = [local_update(model, params[v], c, training, rngs if isinstance(rngs, np.random.Generator) else rngs[v],
                        **({} if "period" not in kw else {"period": kw["period"]}))
           for v, c in enumerate(clients)]
    return np.stack([o[0] for o in out]), np.array([o[1] for o in out])


TRAININGS = {
    "sgd-minibatch": LocalTraining(epochs=2, batch_size=4, learning_rate=0.1, optimizer="sgd"),
    "sgd-fullbatch-prox": LocalTraining(epochs=3, batch_size=None, learning_rate=0.2, optimizer="sgd",
                                        proximal_mu=0.3),
    "sgd-exit-weights": LocalTraining(epochs=1, batch_size=3, learning_rate=0.1, optimizer="sgd",
                                      exit_weights=(0.2, 1.0)),
}


@pytest.mark.parametrize("shared_rng", [True, False])
@pytest.mark.parametrize("name", TRAININGS)
def test_local_update_sgd_equals_the_loop(name, shared_rng):
    model, rng = DynamicQNN(3, 2, 3), np.random.default_rng(21)
    training = TRAININGS[name]
    sizes = [9, 1, 4, 13, 5, 8]
    clients = _clients(model, rng, sizes)
    params = np.stack([model.init_params(rng) for _ in sizes])
    period = np.where(np.arange(model.n_params) % 2 == 0, 2 * np.pi, np.inf)

    def rngs():
        return np.random.default_rng(4) if shared_rng else [np.random.default_rng(40 + v) for v in range(len(sizes))]

    ref_w, ref_loss = _loop(model, params, clients, training, rngs(), period=period)
    w, loss, state = fleet_local_update(model, params, clients, training, rngs(), period=period, chunk_size=4)
    np.testing.assert_allclose(w, ref_w, rtol=0, atol=TOL)
    np.testing.assert_allclose(loss, ref_loss, rtol=0, atol=TOL)
    assert np.abs(w - params).max() > 1e-3
    steps = [training.epochs * -(-n // (n if training.batch_size is None else min(training.batch_size, n)))
             for n in sizes]
    np.testing.assert_array_equal(state.steps, steps)


def _inert(model, params, clients) -> np.ndarray:
    """Parameters whose gradient is zero by structure at every point (e.g. the phi of a DQNN's
    last-layer CU3 gates that only dephase before the measurement): |grad| < 1e-12 for every
    vehicle at its random starting point."""
    grads = [model.loss_and_grad(p, c.X, c.y)[1] for p, c in zip(params, clients)]
    return np.all(np.abs(grads) < 1e-12, axis=0)


@pytest.mark.parametrize("model", [DynamicQNN(3, 2, 3), DynamicQNN(2, 3, 2), QNN(4, 2, 2)], ids=str)
def test_local_update_adam_equals_the_loop(model):
    """Adam divides each gradient coordinate by its own size, so a coordinate whose gradient is zero
    by structure moves by rounding noise (1e-16) x lr / eps in *both* paths, differently; those
    parameters do not affect the model, and every other one must agree to 1e-12."""
    rng = np.random.default_rng(33)
    sizes = [7, 3, 12, 1, 6]
    clients = _clients(model, rng, sizes)
    params = np.stack([model.init_params(rng) for _ in sizes])
    training = LocalTraining(epochs=2, batch_size=5, learning_rate=0.05, optimizer="adam")
    ref_w, ref_loss = _loop(model, params, clients, training, np.random.default_rng(9))
    w, loss, _ = fleet_local_update(model, params, clients, training, np.random.default_rng(9))
    inert = _inert(model, params, clients)
    assert inert.sum() < model.n_params // 4
    np.testing.assert_allclose(w[:, ~inert], ref_w[:, ~inert], rtol=0, atol=TOL)
    assert np.abs(w[:, inert] - ref_w[:, inert]).max(initial=0.0) < 1e-6
    np.testing.assert_allclose(loss, ref_loss, rtol=0, atol=TOL)


def test_optimizer_state_carries_over_between_calls():
    """Two calls of one epoch, the state passed back in, equal one call of two epochs (one
    generator per vehicle, so the minibatch orders are drawn in the same sequence)."""
    model, rng = DynamicQNN(2, 2, 2), np.random.default_rng(3)
    clients = _clients(model, rng, [6, 4, 9])
    params = np.stack([model.init_params(rng) for _ in range(3)])
    one = LocalTraining(epochs=1, batch_size=4, learning_rate=0.05, optimizer="adam")
    two = LocalTraining(epochs=2, batch_size=4, learning_rate=0.05, optimizer="adam")
    w2, loss2, s2 = fleet_local_update(model, params, clients, two, [np.random.default_rng(v) for v in range(3)])
    gens = [np.random.default_rng(v) for v in range(3)]
    w1, _, s1 = fleet_local_update(model, params, clients, one, gens)
    w11, loss11, s11 = fleet_local_update(model, w1, clients, one, gens, state=s1)
    np.testing.assert_array_equal(w11, w2)
    np.testing.assert_array_equal(loss11, loss2)
    np.testing.assert_array_equal(s11.steps, s2.steps)
    assert np.all(s1.steps == [2, 1, 3])  # the input state is not modified


# --- memory budget and input checks ---------------------------------------------------------------

def test_memory_budget_refuses_before_allocating():
    model = DynamicQNN(16, 1, 2)
    rng = np.random.default_rng(0)
    params = np.stack([model.init_params(rng) for _ in range(64)])
    X, y = rng.uniform(0, 1, (64, 64, 16)), np.zeros((64, 64), dtype=int)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="chunk_size=64 vehicles.*memory budget"):
            fleet_loss_and_grad(model, params, X, y, chunk_size=64)  # ~ 70 GiB of states
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20
    qkit.set_memory_budget(0.01)
    try:  # a single vehicle over the budget: no chunk fits
        with pytest.raises(ValueError, match="memory budget"):
            fleet_chunk_size(model, 64)
        with pytest.raises(ValueError, match="memory budget"):
            fleet_probabilities(model, params[:1], X[:1])
    finally:
        qkit.set_memory_budget(None)
    assert fleet_chunk_size(DynamicQNN(4, 3, 4), 20) > 100  # the default fits many small vehicles


def test_bad_input_is_refused_with_the_argument_named():
    model, rng = DynamicQNN(3, 2, 2), np.random.default_rng(0)
    params, X, y, counts = _fleet(model, rng)
    with pytest.raises(ValueError, match="params"):
        fleet_loss_and_grad(model, params[:, :-1], X, y)
    with pytest.raises(ValueError, match="X"):
        fleet_loss_and_grad(model, params, X[:, :, :2], y)
    with pytest.raises(ValueError, match="X"):
        fleet_loss_and_grad(model, params, X[:4], y)
    with pytest.raises(ValueError, match="y"):
        fleet_loss_and_grad(model, params, X, y + model.n_classes)
    with pytest.raises(ValueError, match="counts"):
        fleet_loss_and_grad(model, params, X, y, counts + X.shape[1])
    with pytest.raises(ValueError, match="exit_weights"):
        fleet_loss_and_grad(model, params, X, y, exit_weights=[1.0])
    with pytest.raises(TypeError, match="model"):
        fleet_probabilities("dqnn", params, X)
    clients = _clients(model, rng, [3, 4])
    with pytest.raises(TypeError, match="rng"):
        fleet_local_update(model, params[:2], clients, LocalTraining(), [np.random.default_rng(0)])
    with pytest.raises(ValueError, match="state"):
        fleet_local_update(model, params[:2], clients, LocalTraining(), np.random.default_rng(0),
                           state=FleetOptimizerState.zeros("sgd", 2, model.n_params))
    with pytest.raises(ValueError, match="global_params"):
        fleet_local_update(model, params[:2], clients, LocalTraining(), np.random.default_rng(0),
                           global_params=np.zeros(3))
    with pytest.raises(ValueError, match="diverged"):
        fleet_local_update(model, params[:2], clients, LocalTraining(learning_rate=1e300, optimizer="sgd", epochs=3),
                           np.random.default_rng(0))

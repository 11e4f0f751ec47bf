"""Local training as FL studies run it: SGD with momentum, and optimiser state kept per vehicle."""

import numpy as np
import pytest

from qkit.fl.clients import ClientData, LocalTraining, local_update
from qkit.fl.rounds import run_federated
from qkit.qnn.models import DynamicQNN
from qkit.qnn.optim import SGD, Adam

X = np.array([[0.3, 1.2], [2.0, 0.1], [1.0, 1.0], [0.5, 2.5], [2.2, 0.4], [0.1, 0.9]])
Y = np.array([0, 1, 0, 1, 1, 0])


def _model():
    return DynamicQNN(2, 2, 2)


def _start():
    return _model().init_params(np.random.default_rng(4))


def test_momentum_only_for_sgd_and_persistent_state_is_a_flag():
    with pytest.raises(ValueError, match="momentum"):
        LocalTraining(optimizer="adam", momentum=0.5)
    with pytest.raises(ValueError, match="momentum"):
        LocalTraining(optimizer="sgd", momentum=1.0)
    with pytest.raises(TypeError, match="persistent_state"):
        LocalTraining(persistent_state="yes")
    assert repr(LocalTraining(optimizer="sgd", momentum=0.9, learning_rate=0.2).new_optimizer()) == \
        "SGD(lr=0.2, momentum=0.9)"
    assert LocalTraining() == LocalTraining(momentum=0.0, persistent_state=False)  # defaults unchanged


def test_sgd_momentum_is_heavy_ball_over_the_local_epochs():
    model, w0, data = _model(), _start(), ClientData(X, Y)
    training = LocalTraining(epochs=4, optimizer="sgd", learning_rate=0.2, momentum=0.7)  # full batch
    got, _ = local_update(model, w0, data, training, np.random.default_rng(0))
    w, v = w0.copy(), np.zeros_like(w0)
    for _ in range(4):
        v = 0.7 * v + model.loss_and_grad(w, X, Y, None)[1]
        w = w - 0.2 * v
    np.testing.assert_allclose(got, w, rtol=0, atol=1e-13)


@pytest.mark.parametrize("kind", ["adam", "sgd"])
def test_a_passed_optimizer_carries_its_state_between_calls(kind):
    model, w0, data = _model(), _start(), ClientData(X, Y)
    one = LocalTraining(epochs=1, optimizer=kind, learning_rate=0.05,
                        momentum=0.5 if kind == "sgd" else 0.0)
    two = LocalTraining(epochs=2, optimizer=kind, learning_rate=0.05, momentum=one.momentum)
    opt = one.new_optimizer()
    w1, _ = local_update(model, w0, data, one, np.random.default_rng(0), optimizer=opt)
    w2, _ = local_update(model, w1, data, one, np.random.default_rng(0), optimizer=opt)
    both, _ = local_update(model, w0, data, two, np.random.default_rng(0))
    np.testing.assert_allclose(w2, both, rtol=0, atol=1e-13)          # state kept = one longer run
    fresh, _ = local_update(model, w1, data, one, np.random.default_rng(0))
    assert np.abs(fresh - w2).max() > 1e-4                             # a fresh optimiser differs


def _single_vehicle_run(training, rounds=4):
    model = _model()
    return run_federated(model, [ClientData(X, Y)], (X, Y), None, "qfl", rounds, initial_params=_start(),
                         rng=np.random.default_rng(1), training=training)


def test_persistent_adam_in_a_federation_is_one_continuous_adam_run():
    # One vehicle over a perfect uplink: the global model is the vehicle's vector, so with the
    # state kept the federation is Adam run for `rounds` epochs; fresh, Adam restarts each round.
    model, rounds = _model(), 4
    kept = _single_vehicle_run(LocalTraining(learning_rate=0.05, persistent_state=True), rounds)
    fresh = _single_vehicle_run(LocalTraining(learning_rate=0.05), rounds)
    opt, w = Adam(0.05), _start()
    for _ in range(rounds):
        w = opt.step(w, model.loss_and_grad(w, X, Y, None)[1])
    np.testing.assert_allclose(kept.params, w, rtol=0, atol=1e-8)  # FedAvg round-off
    w = _start()
    for _ in range(rounds):
        w = Adam(0.05).step(w, model.loss_and_grad(w, X, Y, None)[1])
    np.testing.assert_allclose(fresh.params, w, rtol=0, atol=1e-8)
    assert np.abs(kept.params - fresh.params).max() > 1e-4


def test_persistent_state_keeps_one_optimizer_per_vehicle():
    # Two vehicles with the same data: each owns its optimiser, so the run equals each vehicle
    # stepping its own Adam from the shared global model, then the mean.
    model, rounds = _model(), 3
    data = [ClientData(X, Y), ClientData(X[::-1], Y[::-1])]
    hist = run_federated(model, data, (X, Y), None, "qfl", rounds, initial_params=_start(),
                         rng=np.random.default_rng(2), training=LocalTraining(persistent_state=True))
    opts, g = [Adam(0.05), Adam(0.05)], _start()
    for _ in range(rounds):
        g = np.mean([o.step(g, model.loss_and_grad(g, d.X, d.y, None)[1]) for o, d in zip(opts, data)], axis=0)
    np.testing.assert_allclose(hist.params, g, rtol=0, atol=1e-8)  # FedAvg round-off
    assert isinstance(LocalTraining(optimizer="sgd").new_optimizer(), SGD)

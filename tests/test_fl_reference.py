"""The two references of a federated run: centralised training and FedAvg over a perfect uplink."""

import numpy as np
import pytest

from qkit.fl.clients import ClientData, LocalTraining, local_update
from qkit.fl.reference import centralised_reference, federated_steps_per_round
from qkit.fl.rounds import evaluate, run_federated, training_stream
from qkit.qnn.models import DynamicQNN
from qkit.qnn.optim import SGD, Adam

RNG = np.random.default_rng(11)
X = RNG.uniform(0, np.pi, (12, 2))
Y = (X[:, 0] > X[:, 1]).astype(int)
TEST = (RNG.uniform(0, np.pi, (10, 2)), np.arange(10) % 2)


def _model():
    return DynamicQNN(2, 2, 2)


def _start():
    return _model().init_params(np.random.default_rng(4))


def _fleet():
    return [ClientData(X[:5], Y[:5]), ClientData(X[5:], Y[5:])]  # 5 and 7 samples


def test_steps_per_round_counts_every_vehicles_local_steps():
    assert federated_steps_per_round(_fleet(), LocalTraining(epochs=2, batch_size=3)) == 2 * (2 + 3)
    assert federated_steps_per_round(_fleet(), LocalTraining(epochs=3)) == 3 * 2   # full batch: E per vehicle
    assert federated_steps_per_round(_fleet(), LocalTraining(batch_size=100)) == 2


@pytest.mark.parametrize("persistent", [True, False])
def test_centralised_full_batch_is_plain_optimiser_steps_on_pooled_data(persistent):
    # One vehicle holding everything, full batch: a round-equivalent is E steps on all the data.
    model = _model()
    training = LocalTraining(epochs=2, learning_rate=0.05, persistent_state=persistent)
    hist = centralised_reference(model, [ClientData(X, Y)], TEST, 3, initial_params=_start(),
                                 rng=np.random.default_rng(0), training=training)
    assert hist.steps_per_round == 2 and hist.batch_size == 12 and hist.rounds == 3
    w, opt = _start(), Adam(0.05)
    acc = [evaluate(model, w, TEST)[0]]
    for _ in range(3):
        if not persistent:
            opt.reset()
        for _ in range(2):
            w = opt.step(w, model.loss_and_grad(w, X, Y, None)[1])
        acc.append(evaluate(model, w, TEST)[0])
    # round-off only: the pooled batch is a permutation of X, so the gradient sums in another order
    np.testing.assert_allclose(hist.params, w, rtol=0, atol=1e-8)
    np.testing.assert_allclose(hist.accuracy, np.array(acc), rtol=0, atol=1e-15)


def test_centralised_minibatches_cover_the_pooled_data_each_pass():
    # batch 4 of 12 pooled samples: every 3 steps are one pass over a permutation, continued
    # across round-equivalents (4 steps each, 2 vehicles x 2 steps).
    seen = []

    class Recorder:
        n_params, n_exits = 1, 1

        def loss_and_grad(self, params, Xb, yb, exit_weights=None):
            seen.append(sorted(Xb[:, 0].tolist()))
            return 0.0, np.zeros(1)

        def accuracy(self, params, Xa, ya):
            return np.array([0.5])

        def loss(self, params, Xa, ya, exit_weights=None):
            return 0.0

    data = [ClientData(np.arange(6.0).reshape(-1, 1), np.zeros(6, int)),
            ClientData(np.arange(6.0, 12.0).reshape(-1, 1), np.zeros(6, int))]
    hist = centralised_reference(Recorder(), data, (np.zeros((1, 1)), np.zeros(1, int)), 2,
                                 initial_params=np.zeros(1), rng=np.random.default_rng(0),
                                 training=LocalTraining(batch_size=4, optimizer="sgd"))
    assert hist.steps_per_round == 4 and len(seen) == 8
    assert sorted(sum(seen[:3], [])) == list(np.arange(12.0))
    assert sorted(sum(seen[3:6], [])) == list(np.arange(12.0))


@pytest.mark.parametrize("scheme", ["qfl", "dqfl", "classical"])
def test_perfect_uplink_is_exactly_fedavg(scheme):
    # run_federated(channel=None) == McMahan's FedAvg: every vehicle trains from the global model
    # (minibatches from the run's training stream), the server takes the sample-weighted mean.
    model, rounds, seed = _model(), 3, 5
    training = LocalTraining(epochs=2, batch_size=3, optimizer="sgd", learning_rate=0.2)
    extra = {"base_mask": np.arange(model.n_params) < 6} if scheme == "dqfl" else {}
    hist = run_federated(model, _fleet(), TEST, None, scheme, rounds, initial_params=_start(),
                         rng=np.random.default_rng(seed), training=training, **extra)
    seeds = np.random.default_rng(seed).spawn(2)[1].bit_generator.seed_seq  # run_federated's training stream
    g, counts = _start(), np.array([5.0, 7.0])
    for r in range(rounds):
        local = [local_update(model, g, c, training, training_stream(seeds, k, r))[0] for k, c in enumerate(_fleet())]
        g = counts @ np.array(local) / counts.sum()
    np.testing.assert_allclose(hist.params, g, rtol=0, atol=1e-12)
    assert hist.arrived.all() and hist.updated.all()


def test_centralised_refuses_per_vehicle_test_sets_and_bad_steps():
    with pytest.raises(ValueError, match="test_set"):
        centralised_reference(_model(), _fleet(), [TEST, TEST], 1, initial_params=_start(),
                              rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="steps_per_round"):
        centralised_reference(_model(), _fleet(), TEST, 1, initial_params=_start(),
                              rng=np.random.default_rng(0), steps_per_round=0)
    assert isinstance(LocalTraining(optimizer="sgd").new_optimizer(), SGD)

"""FedBN as published (qkit.fl.batchnorm): batch statistics, running statistics, exact gradients,
and local entries that a federated run never averages."""

from types import SimpleNamespace

import numpy as np
import pytest

from qkit.fl.aggregate import fedavg
from qkit.fl.batchnorm import BatchNormQNN, vehicle_params
from qkit.fl.clients import ClientData, LocalTraining, local_update
from qkit.fl.rounds import evaluate, run_federated, training_stream
from qkit.qnn import QNN, DynamicQNN

EPS = 1e-5


def _bn(n_qubits=2, **kw):
    return BatchNormQNN(DynamicQNN(n_qubits, 2, 2), **kw)


def _with_layer(model, params, gamma, beta, mean=None, var=None):
    p = np.array(params, dtype=float)
    p[model.layout["bn_gamma"]], p[model.layout["bn_beta"]] = gamma, beta
    if mean is not None:
        p[model.layout["bn_mean"]], p[model.layout["bn_var"]] = mean, var
    return p


def test_layout_init_and_local_mask():
    inner = DynamicQNN(3, 2, 3)
    model = BatchNormQNN(inner)
    p = model.init_params(np.random.default_rng(0))
    m = inner.n_params
    assert model.n_params == m + 12
    np.testing.assert_array_equal(p[m:], [1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1])  # gamma, beta, mean, var
    mask = model.local_mask()
    assert mask.sum() == 12 and mask[m:].all() and not mask[:m].any()
    assert model.prefix_slice(1) == inner.prefix_slice(1)


def test_batch_normalisation_on_a_known_batch():
    model = _bn()
    p = _with_layer(model, model.init_params(np.random.default_rng(0)), [2.0, 0.5], [0.5, -1.0],
                    mean=[10.0, 0.0], var=[4.0, 0.25])
    X = np.array([[1.0, 5.0], [3.0, 5.0]])  # feature 0: mean 2, biased var 1; feature 1 constant
    train = model.normalise(p, X, training=True)
    s = np.sqrt(1.0 + EPS)
    np.testing.assert_allclose(train[:, 0], [2.0 * -1 / s + 0.5, 2.0 * 1 / s + 0.5], rtol=1e-12)
    np.testing.assert_allclose(train[:, 1], [-1.0, -1.0])  # zero variance: x_hat = 0, only beta, no NaN
    evaluation = model.normalise(p, X)  # running statistics: mean (10, 0), var (4, 0.25)
    np.testing.assert_allclose(evaluation[:, 0], 2.0 * (X[:, 0] - 10.0) / np.sqrt(4.0 + EPS) + 0.5)
    np.testing.assert_allclose(evaluation[:, 1], 0.5 * 5.0 / np.sqrt(0.25 + EPS) - 1.0)
    # one sample in training: x_hat = 0 (no NaN), the layer outputs beta
    np.testing.assert_allclose(model.normalise(p, X[:1], training=True), [[0.5, -1.0]])


def test_running_statistics_update_and_converge():
    model = _bn(momentum=0.1)
    p = model.init_params(np.random.default_rng(0))
    X = np.array([[1.0, 5.0], [3.0, 5.0]])
    q = model.update_statistics(p, X)
    np.testing.assert_allclose(q[model.layout["bn_mean"]], [0.1 * 2.0, 0.1 * 5.0])
    np.testing.assert_allclose(q[model.layout["bn_var"]], [0.9 + 0.1 * 2.0, 0.9])  # unbiased: 1 * 2/1
    np.testing.assert_array_equal(q[~model.local_mask()], p[~model.local_mask()])
    # a batch of one moves the mean only
    one = model.update_statistics(p, X[:1])
    np.testing.assert_allclose(one[model.layout["bn_var"]], [1.0, 1.0])
    # many batches from one distribution: the statistics approach its mean and variance
    rng = np.random.default_rng(3)
    for _ in range(300):
        q = model.update_statistics(q, rng.normal([1.5, -0.5], [0.5, 2.0], (50, 2)))
    np.testing.assert_allclose(q[model.layout["bn_mean"]], [1.5, -0.5], atol=0.15)
    np.testing.assert_allclose(q[model.layout["bn_var"]], [0.25, 4.0], rtol=0.15)
    # previous=: the statistics come from the vector before a step, whatever the step did to them
    moved = q.copy()
    moved[model.local_mask()] += 7.0
    out = model.update_statistics(moved, X, previous=q)
    expected = 0.9 * q[model.layout["bn_mean"]] + 0.1 * np.array([2.0, 5.0])
    np.testing.assert_allclose(out[model.layout["bn_mean"]], expected)
    np.testing.assert_array_equal(out[model.layout["bn_gamma"]], moved[model.layout["bn_gamma"]])


@pytest.mark.parametrize("inner", [DynamicQNN(3, 2, 3), QNN(3, 2, 3)], ids=["dqnn", "qnn"])
def test_gamma_beta_gradient_matches_finite_differences(inner):
    model = BatchNormQNN(inner)
    rng = np.random.default_rng(11)
    p = _with_layer(model, model.init_params(rng), [1.3, 0.6, 0.9], [0.2, -0.4, 0.7],
                    mean=[1.0, 2.0, 0.5], var=[0.3, 2.0, 1.0])
    X, y = rng.uniform(0, np.pi, (7, 3)), rng.integers(0, 3, 7)
    ew = np.ones(inner.n_exits) if inner.n_exits == 1 else np.array([0.5, 1.0])
    loss, grad = model.loss_and_grad(p, X, y, ew)
    assert np.isclose(loss, model.training_loss(p, X, y, ew))
    assert not np.isclose(loss, model.loss(p, X, y, ew))  # training (batch) and evaluation (running) differ
    h = 1e-6
    numeric = np.array([(model.training_loss(p + h * e, X, y, ew) - model.training_loss(p - h * e, X, y, ew)) / (2 * h)
                        for e in np.eye(model.n_params)])
    np.testing.assert_allclose(grad, numeric, atol=1e-7)
    stats = np.r_[model.layout["bn_mean"].start:model.n_params]
    np.testing.assert_array_equal(grad[stats], 0.0)  # statistics: no gradient (and none in the loss)
    assert np.abs(grad[model.layout["bn_gamma"]]).max() > 1e-4


def test_local_update_moves_statistics_by_the_batch_not_by_the_step():
    model = _bn()
    rng = np.random.default_rng(2)
    p = model.init_params(rng)
    data = ClientData(rng.uniform(0, np.pi, (6, 2)), rng.integers(0, 2, 6))
    for mu in (0.0, 5.0):  # FedProx's term must not move the statistics either
        training = LocalTraining(epochs=1, batch_size=None, learning_rate=0.3, optimizer="sgd", proximal_mu=mu)
        w, _ = local_update(model, p, data, training, np.random.default_rng(0))
        expected = model.update_statistics(p, data.X)
        for name in ("bn_mean", "bn_var"):
            np.testing.assert_allclose(w[model.layout[name]], expected[model.layout[name]], rtol=1e-14)
        assert np.abs(w[model.layout["bn_gamma"]] - 1.0).max() > 1e-6  # the affine part trained


def test_local_entries_are_never_averaged_over_two_rounds():
    model = _bn()
    rng = np.random.default_rng(4)
    clients = [ClientData(rng.normal(m, s, (12, 2)), rng.integers(0, 2, 12)) for m, s in ((0.5, 0.2), (2.5, 0.8))]
    clients[1] = ClientData(clients[1].X[:8], clients[1].y[:8])  # unequal counts: a weighted average
    tests = [(c.X, c.y) for c in clients]
    p0 = model.init_params(np.random.default_rng(1))
    local = model.local_mask()
    training = LocalTraining(epochs=1, batch_size=4, learning_rate=0.3, optimizer="sgd")
    h = run_federated(model, clients, tests, None, "qfl", 2, initial_params=p0, rng=np.random.default_rng(5),
                      training=training, local_mask=local)
    # the same two rounds by hand
    seeds = np.random.default_rng(5).spawn(2)[1].bit_generator.seed_seq
    g, own = p0.copy(), [p0.copy(), p0.copy()]
    for r in range(2):
        sent = []
        for k, data in enumerate(clients):
            start = np.where(local, own[k], g)
            w, _ = local_update(model, start, data, training, training_stream(seeds, k, r), global_params=start)
            own[k], _ = w, sent.append(w)
        g = np.where(local, g, fedavg(np.array(sent), np.array([12.0, 8.0])))
        np.testing.assert_allclose(h.global_params[r + 1], g, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(h.params[local], p0[local])  # the server's copy never moves
    mine = vehicle_params(h, local)
    for k in range(2):
        np.testing.assert_allclose(mine[k][local], own[k][local], rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(mine[k][~local], h.params[~local])
    means = mine[:, model.layout["bn_mean"]]
    assert means[1].mean() > means[0].mean() + 0.3  # each vehicle tracked its own data
    # per-vehicle scoring uses each vehicle's own layer
    acc, _ = evaluate(model, list(mine), tests)
    np.testing.assert_allclose(h.accuracy[-1], acc)


def test_evaluation_uses_running_statistics():
    model = _bn()
    rng = np.random.default_rng(8)
    p = _with_layer(model, model.init_params(rng), [1.1, 0.8], [0.1, 0.2], mean=[1.0, 2.0], var=[0.5, 1.5])
    X, y = rng.uniform(0, np.pi, (9, 2)), rng.integers(0, 2, 9)
    inner, w = model.model, p[:model.model.n_params]
    x_run = p[model.layout["bn_gamma"]] * (X - [1.0, 2.0]) / np.sqrt(np.array([0.5, 1.5]) + EPS) + [0.1, 0.2]
    np.testing.assert_allclose(model.forward(p, X), inner.forward(w, x_run))
    np.testing.assert_allclose(model.accuracy(p, X, y), inner.accuracy(w, x_run, y))
    np.testing.assert_array_equal(model.predict(p, X), inner.predict(w, x_run))
    assert np.isclose(model.loss(p, X, y), inner.loss(w, x_run, y))
    # per sample: a sample's score does not depend on the rest of the batch
    np.testing.assert_allclose(model.forward(p, X[:1]), model.forward(p, X)[:, :1])


def test_bad_inputs_name_the_argument():
    for kw, name in (({"momentum": 0.0}, "momentum"), ({"momentum": 1.5}, "momentum"),
                     ({"momentum": float("nan")}, "momentum"), ({"eps": 0.0}, "eps")):
        with pytest.raises(ValueError, match=name):
            _bn(**kw)
    with pytest.raises((ValueError, TypeError), match="model"):
        BatchNormQNN("dqnn")
    model = _bn()
    p, X = model.init_params(np.random.default_rng(0)), np.ones((3, 2))
    with pytest.raises(ValueError, match="params"):
        model.forward(p[:-1], X)
    bad = p.copy()
    bad[-1] = -0.5
    with pytest.raises(ValueError, match="params.*variance"):
        model.forward(bad, X)
    with pytest.raises(ValueError, match="X"):
        model.forward(p, np.ones((3, 3)))
    with pytest.raises(ValueError, match="X"):
        model.update_statistics(p, np.ones((0, 2)))
    with pytest.raises((ValueError, TypeError), match="training"):
        model.normalise(p, X, training="yes")
    with pytest.raises(ValueError, match="client_local"):
        vehicle_params(SimpleNamespace(client_local=None, params=p), model.local_mask())
    with pytest.raises(ValueError, match="local_mask"):
        vehicle_params(SimpleNamespace(client_local=np.tile(p, (2, 1)), params=p), np.ones(3, bool))
    clients = [ClientData(X, np.array([0, 1, 0]))]
    with pytest.raises(ValueError, match="engine='batched'"):
        run_federated(model, clients, (X, np.array([0, 1, 0])), None, "qfl", 1, initial_params=p,
                      rng=np.random.default_rng(0), local_mask=model.local_mask(), engine="batched")


def test_centralised_reference_tracks_the_running_statistics():
    from qkit.fl.reference import centralised_reference

    model = _bn()
    rng = np.random.default_rng(9)
    clients = [ClientData(rng.normal(2.0, 0.5, (10, 2)), rng.integers(0, 2, 10)) for _ in range(2)]
    p0 = model.init_params(np.random.default_rng(0))
    h = centralised_reference(model, clients, (clients[0].X, clients[0].y), 20, initial_params=p0,
                              rng=np.random.default_rng(1), training=LocalTraining(batch_size=5, optimizer="sgd"))
    pooled = np.concatenate([c.X for c in clients])
    np.testing.assert_allclose(h.params[model.layout["bn_mean"]], pooled.mean(axis=0), atol=0.25)  # from 0
    np.testing.assert_allclose(h.params[model.layout["bn_var"]], pooled.var(axis=0, ddof=1), atol=0.15)  # from 1


def test_dqfl_over_a_channel_keeps_the_layer_local():
    from qkit.fl.channel import Channel
    from qkit.fl.clients import angle_periods, base_mask

    model = _bn(3)
    mask = model.local_mask()
    assert not np.isfinite(angle_periods(model)[mask]).any()  # the layer is not periodic
    np.testing.assert_array_equal(base_mask(model, 1)[:model.model.n_params], base_mask(model.model, 1))
    rng = np.random.default_rng(3)
    clients = [ClientData(rng.uniform(0, np.pi, (8, 3)), rng.integers(0, 2, 8)) for _ in range(3)]
    p0 = model.init_params(np.random.default_rng(0))
    h = run_federated(model, clients, [(c.X, c.y) for c in clients], Channel(), "dqfl", 2, initial_params=p0,
                      rng=np.random.default_rng(1), distances=np.array([50.0, 100.0, 150.0]),
                      base_mask=base_mask(model, 1), period=angle_periods(model), local_mask=mask,
                      training=LocalTraining(batch_size=4, learning_rate=0.3, optimizer="sgd"))
    np.testing.assert_array_equal(h.global_params[:, mask], np.tile(p0[mask], (3, 1)))
    assert np.ptp(h.client_local[:, model.layout["bn_mean"]], axis=0).max() > 1e-3
    assert np.isfinite(h.accuracy).all()


def test_local_entries_are_not_sent_so_they_cost_no_uplink_bits():
    # FedBN's layer never leaves the vehicle: the uplink message carries only what is averaged
    from qkit.fl.clients import base_mask

    model = _bn(3)
    mask = model.local_mask()
    rng = np.random.default_rng(5)
    clients = [ClientData(rng.uniform(0, np.pi, (6, 3)), rng.integers(0, 2, 6)) for _ in range(2)]
    p0 = model.init_params(np.random.default_rng(0))
    common = dict(initial_params=p0, rng=np.random.default_rng(1), base_mask=base_mask(model, 1),
                  training=LocalTraining(batch_size=6, learning_rate=0.1, optimizer="sgd"))
    h = run_federated(model, clients, [(c.X, c.y) for c in clients], None, "dqfl", 1, local_mask=mask, **common)
    n_sent = int((~mask).sum())
    assert mask.sum() == 4 * 3 and n_sent == model.model.n_params
    assert h.bits_sent[0] == 2 * 32 * n_sent                 # two vehicles, float32, local entries excluded

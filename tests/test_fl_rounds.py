from types import SimpleNamespace

import numpy as np
import pytest

from qkit.fl.aggregate import fedavg
from qkit.fl.channel import Channel
from qkit.fl.clients import ClientData, LocalTraining, local_update
from qkit.fl.rounds import draw_arrivals, evaluate, message_bits, run_federated, training_stream


class TwoExitSoftmax:
    """A tiny stand-in with the qkit model interface: softmax regression with two exits.

    Exit 0 scores ``X @ W0``; exit 1 scores ``X @ (W0 + W1)``. Parameters ``[W0, W1]`` flat.
    """

    def __init__(self, n_features, n_classes):
        self.d, self.c, self.n_exits = n_features, n_classes, 2
        self.n_params = 2 * n_features * n_classes

    def _logits(self, params, X):
        w0, w1 = params.reshape(2, self.d, self.c)
        return [X @ w0, X @ (w0 + w1)]

    def loss_and_grad(self, params, X, y, exit_weights=None):
        ew = np.array([0.5, 0.5]) if exit_weights is None else np.asarray(exit_weights) / np.sum(exit_weights)
        grads, loss = np.zeros((2, self.d, self.c)), 0.0
        for e, z in enumerate(self._logits(params, X)):
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            loss += ew[e] * -np.mean(np.log(p[np.arange(y.size), y]))
            p[np.arange(y.size), y] -= 1
            g = X.T @ p / y.size * ew[e]
            grads[0] += g
            if e == 1:
                grads[1] += g
        return loss, grads.ravel()

    def predict(self, params, X, exit=-1):
        return np.argmax(self._logits(params, X)[exit], axis=1)

    def accuracy(self, params, X, y):
        return np.array([np.mean(self.predict(params, X, e) == y) for e in range(2)])

    def loss(self, params, X, y, exit_weights=None):
        return self.loss_and_grad(params, X, y, exit_weights)[0]


def blobs(n, rng, shift=0.0, classes=3, d=2):
    centres = np.array([[np.cos(a), np.sin(a)] for a in 2 * np.pi * np.arange(classes) / classes]) * 2
    y = rng.integers(0, classes, n)
    X = centres[y] + 0.6 * rng.standard_normal((n, d)) + shift
    return X, y


def fleet(k, rng, n=30):
    return [ClientData(*blobs(n, rng)) for _ in range(k)]


MODEL = TwoExitSoftmax(2, 3)
BASE = np.arange(MODEL.n_params) < MODEL.n_params // 2
TRAIN = LocalTraining(epochs=2, batch_size=10, learning_rate=0.1)


def test_ideal_channel_round_is_fedavg_of_local_updates():
    rng = np.random.default_rng(0)
    clients, test = fleet(4, rng), blobs(200, rng)
    w0 = np.zeros(MODEL.n_params)
    h = run_federated(MODEL, clients, test, None, "qfl", 1, initial_params=w0,
                      rng=np.random.default_rng(5), training=TRAIN)
    seeds = np.random.default_rng(5).spawn(2)[1].bit_generator.seed_seq  # the run's training stream
    local = [local_update(MODEL, w0, c, TRAIN, training_stream(seeds, k, 0))[0] for k, c in enumerate(clients)]
    np.testing.assert_allclose(h.params, fedavg(np.array(local), [c.n_samples for c in clients]))
    assert h.arrived.shape == (1, 4, 1) and h.arrived.all() and h.updated.all()


def test_training_improves_accuracy_at_both_exits():
    rng = np.random.default_rng(1)
    h = run_federated(MODEL, fleet(5, rng), blobs(300, rng), None, "dqfl", 8,
                      initial_params=np.zeros(MODEL.n_params), base_mask=BASE, rng=rng, training=TRAIN)
    assert h.accuracy.shape == (9, 2)
    assert np.all(h.accuracy[0] < 0.5) and np.all(h.accuracy[-1] > 0.85)
    assert h.test_loss[-1] < h.test_loss[0]
    assert h.block_names == ("base", "enhancement")


class FixedUplink:
    """Duck-typed channel: the same arrival pattern every round."""

    def __init__(self, base, enhancement):
        self.base, self.enhancement = np.asarray(base), np.asarray(enhancement)

    def reception(self, d, rng, scheme="dqfl", power_split=0.8):
        return SimpleNamespace(base=self.base, enhancement=self.enhancement)


def test_dqfl_partial_round_by_hand():
    rng = np.random.default_rng(2)
    clients, test = fleet(3, rng), blobs(50, rng)
    w0 = np.full(MODEL.n_params, 0.1)
    uplink = FixedUplink([True, True, False], [False, False, False])
    h = run_federated(MODEL, clients, test, uplink, "dqfl", 1, initial_params=w0, base_mask=BASE,
                      distances=np.zeros(3), rng=np.random.default_rng(9), training=TRAIN,
                      rates_from_bits=False)
    seeds = np.random.default_rng(9).spawn(2)[1].bit_generator.seed_seq  # the run's training stream
    local = np.array([local_update(MODEL, w0, c, TRAIN, training_stream(seeds, k, 0))[0]
                      for k, c in enumerate(clients)])
    n = np.array([c.n_samples for c in clients])
    expect = w0.copy()
    expect[BASE] = fedavg(local[:2, BASE], n[:2])  # base from vehicles 0 and 1 only
    np.testing.assert_allclose(h.params, expect)  # enhancement: nobody, previous value kept
    np.testing.assert_array_equal(h.arrived[0], [[True, False], [True, False], [False, False]])
    bits = message_bits(np.where(BASE, 0, 1))
    assert h.bits_sent[0] == 3 * bits.sum() and h.bits_delivered[0] == 2 * bits[0]


def test_channel_that_always_fails_leaves_model_unchanged():
    rng = np.random.default_rng(3)
    w0 = rng.normal(size=MODEL.n_params)
    for scheme in ("qfl", "dqfl", "classical"):
        h = run_federated(MODEL, fleet(3, rng), blobs(60, rng), Channel(), scheme, 3, initial_params=w0,
                          base_mask=BASE, distances=np.full(3, 1e7), rng=rng, training=TRAIN)
        np.testing.assert_array_equal(h.params, w0)
        assert not h.updated.any() and not h.arrived.any()
        assert all("global model unchanged" in note for note in h.notes)
        np.testing.assert_array_equal(h.accuracy, np.tile(h.accuracy[0], (4, 1)))
        assert np.all(h.bits_delivered == 0)


def test_arrival_rates_match_closed_form_reception():
    rng = np.random.default_rng(4)
    clients = fleet(40, rng, n=3)
    d = np.linspace(50.0, 900.0, 40)
    block_of = np.where(BASE, 0, 1)
    bits = message_bits(block_of)
    rounds = 60
    h = run_federated(MODEL, clients, blobs(10, rng), Channel(), "dqfl", rounds, initial_params=np.zeros(MODEL.n_params),
                      base_mask=BASE, distances=d, power_split=0.7, rng=rng,
                      training=LocalTraining(learning_rate=0.01))
    p = Channel().with_message_bits(bits[0], bits[1]).reception_probability(d, "dqfl", 0.7)
    for b, prob in enumerate([p.base, p.enhancement]):
        # pooled over vehicles: mean of independent Bernoullis, 5 sigma tolerance
        observed = h.arrived[:, :, b].mean()
        sigma = np.sqrt(np.sum(prob * (1 - prob))) / (40 * np.sqrt(rounds))
        assert abs(observed - prob.mean()) < 5 * sigma
    assert not np.any(h.arrived[:, :, 1] & ~h.arrived[:, :, 0])  # no enhancement without base


def test_same_seed_same_fades_across_schemes():
    rng = np.random.default_rng(5)
    clients, test = fleet(6, rng), blobs(20, rng)
    d = np.full(6, 400.0)
    kw = dict(initial_params=np.zeros(MODEL.n_params), distances=d, training=TRAIN, rates_from_bits=False)
    a = run_federated(MODEL, clients, test, Channel(), "qfl", 5, rng=np.random.default_rng(1), **kw)
    b = run_federated(MODEL, clients, test, Channel(), "classical", 5, rng=np.random.default_rng(1), **kw)
    np.testing.assert_array_equal(a.arrived, b.arrived)
    np.testing.assert_array_equal(a.params, b.params)


def test_fedbn_local_parameters_stay_with_each_vehicle():
    rng = np.random.default_rng(6)
    clients = [ClientData(*blobs(40, rng, shift=s)) for s in (-1.0, 0.0, 2.0)]
    tests = [blobs(30, rng, shift=s) for s in (-1.0, 0.0, 2.0)]
    local = np.zeros(MODEL.n_params, bool)
    local[-3:] = True
    w0 = np.zeros(MODEL.n_params)
    h = run_federated(MODEL, clients, tests, None, "qfl", 3, initial_params=w0, local_mask=local,
                      rng=rng, training=TRAIN)
    np.testing.assert_array_equal(h.params[local], 0.0)  # the server never averages them
    own = h.client_local[:, local]
    assert np.ptp(own, axis=0).max() > 1e-3  # the vehicles' own values differ
    assert h.accuracy.shape == (4, 2)


def test_fedprox_keeps_local_model_near_global():
    rng = np.random.default_rng(7)
    data = ClientData(*blobs(60, rng))
    w0 = np.zeros(MODEL.n_params)
    drift = []
    for mu in (0.0, 1.0, 30.0):
        tr = LocalTraining(epochs=5, batch_size=10, learning_rate=0.05, optimizer="sgd", proximal_mu=mu)
        w, _ = local_update(MODEL, w0, data, tr, np.random.default_rng(0))
        drift.append(np.linalg.norm(w - w0))
    assert drift[0] > drift[1] > drift[2]


def test_evaluate_and_draw_arrivals():
    rng = np.random.default_rng(8)
    X, y = blobs(40, rng)
    acc, loss = evaluate(MODEL, np.zeros(MODEL.n_params), (X, y))
    np.testing.assert_allclose(acc, np.mean(y == 0))  # all-zero logits: argmax picks class 0
    assert np.isclose(loss, np.log(3))
    assert draw_arrivals(None, np.zeros(4), "dqfl", 0.5, rng).shape == (4, 2)
    assert draw_arrivals(None, np.zeros(4), "qfl", 0.5, rng).shape == (4, 1)


def test_bad_input():
    rng = np.random.default_rng(9)
    clients, test, w0 = fleet(2, rng), blobs(10, rng), np.zeros(MODEL.n_params)
    kw = dict(initial_params=w0, rng=rng, training=TRAIN)
    with pytest.raises(ValueError, match="at least one vehicle"):
        run_federated(MODEL, [], test, None, "qfl", 1, **kw)
    with pytest.raises(ValueError, match="n, d"):
        ClientData(np.zeros((0,)), np.zeros(0, int))
    with pytest.raises(ValueError, match=r"clients\[1\] has no data"):
        run_federated(MODEL, [clients[0], ClientData(np.zeros((0, 2)), np.zeros(0, int))], test, None, "qfl", 1, **kw)
    with pytest.raises(ValueError, match="power_split must satisfy 0 < power_split < 1"):
        run_federated(MODEL, clients, test, None, "dqfl", 1, base_mask=BASE, power_split=1.0, **kw)
    with pytest.raises(ValueError, match="base_mask"):
        run_federated(MODEL, clients, test, None, "dqfl", 1, **kw)
    with pytest.raises(ValueError, match="scheme must be one of"):
        run_federated(MODEL, clients, test, None, "fedsgd", 1, **kw)
    with pytest.raises(ValueError, match="distances"):
        run_federated(MODEL, clients, test, Channel(), "qfl", 1, distances=[-1.0, 3.0], **kw)
    with pytest.raises(ValueError, match="distances"):
        run_federated(MODEL, clients, test, Channel(), "qfl", 1, **kw)
    with pytest.raises(ValueError, match="transmit_power_dbm"):
        Channel(transmit_power_dbm=-200.0)
    with pytest.raises(ValueError, match="learning_rate"):
        LocalTraining(learning_rate=-0.1)
    with pytest.raises(ValueError, match="rounds must satisfy"):
        run_federated(MODEL, clients, test, None, "qfl", -1, **kw)


def test_angle_periods_are_the_models_true_periods():
    from qkit.fl.clients import angle_periods
    from qkit.qnn import QNN, DynamicQNN

    rng = np.random.default_rng(10)
    X = rng.uniform(0, np.pi, (5, 3))
    for model in (DynamicQNN(3, 2, 3), QNN(3, 2, 3)):
        p = model.init_params(rng)
        periods = angle_periods(model)
        ref = model.forward(p, X)
        half_period_visible = []
        for j in np.flatnonzero(np.isfinite(periods)):
            shifted = p.copy()
            shifted[j] += periods[j]  # a full period: the same model
            np.testing.assert_allclose(model.forward(shifted, X), ref, atol=1e-10)
            if periods[j] > 2 * np.pi:
                shifted[j] -= np.pi * 2  # theta + 2 pi of a CU3: a Z on the control qubit
                half_period_visible.append(not np.allclose(model.forward(shifted, X), ref, atol=1e-6))
        # 2 pi is not a period of CU3's theta (it can be invisible when nothing acts on the control
        # qubit before it is measured, so require it for some, not all)
        assert any(half_period_visible) == isinstance(model, DynamicQNN)
        n_angles = sum(s.stop - s.start for name, s in model.layout.items() if name.startswith("layer"))
        assert np.isfinite(periods).sum() == n_angles  # readout scales and biases are not angles


def test_base_mask_is_the_first_layers_and_their_exits():
    from qkit.fl.clients import base_mask
    from qkit.qnn import DynamicQNN

    model = DynamicQNN(4, 3, 4)
    mask = base_mask(model, 1)
    assert mask.sum() == model.layer_slices(0).stop and mask[: mask.sum()].all()
    assert base_mask(model, 2).sum() == model.layer_slices(1).stop
    with pytest.raises(ValueError, match="boundary must satisfy 1 <= boundary <= 2"):
        base_mask(model, 3)


def test_disk_distances_are_uniform_over_the_area():
    from qkit.fl.clients import disk_distances

    d = disk_distances(1000, 500.0, np.random.default_rng(0), rounds=50)
    assert d.shape == (50, 1000) and d.min() >= 0 and d.max() <= 500
    # P(r <= x) = (x / R)^2: mean 2R/3, median R / sqrt(2)
    assert abs(d.mean() - 1000 / 3) < 1.0
    assert abs(np.median(d) - 500 / np.sqrt(2)) < 2.0
    with pytest.raises(ValueError, match="cell_radius_m must satisfy 0 < cell_radius_m"):
        disk_distances(3, 0.0, np.random.default_rng(0))


def test_input_normalisation_gradient_and_local_mask():
    from qkit.fl.clients import InputNormalisation, angle_periods, base_mask
    from qkit.qnn import DynamicQNN

    inner = DynamicQNN(3, 2, 3)
    model = InputNormalisation(inner)
    rng = np.random.default_rng(11)
    p = model.init_params(rng)
    p[-6:] += 0.3 * rng.standard_normal(6)
    X, y = rng.uniform(0, np.pi, (7, 3)), rng.integers(0, 3, 7)
    ew = np.array([0.5, 1.0])
    loss, grad = model.loss_and_grad(p, X, y, ew)
    eps = 1e-6
    numeric = [(model.loss(p + eps * e, X, y, ew) - model.loss(p - eps * e, X, y, ew)) / (2 * eps)
               for e in np.eye(model.n_params)]
    np.testing.assert_allclose(grad, numeric, atol=1e-7)
    assert np.isclose(loss, model.loss(p, X, y, ew))
    # gain 1, shift 0: exactly the wrapped model
    q = model.init_params(np.random.default_rng(1))
    np.testing.assert_allclose(model.forward(q, X), inner.forward(q[: inner.n_params], X))
    mask = model.local_mask()
    assert mask.sum() == 6 and mask[-6:].all()
    assert not np.any(np.isfinite(angle_periods(model)[mask]))
    np.testing.assert_array_equal(base_mask(model, 1)[: inner.n_params], base_mask(inner, 1))
    with pytest.raises(ValueError, match="params must have shape"):
        model.forward(q[:-1], X)


def test_disk_reception_probability_against_a_fine_grid_and_sampling():
    from qkit.fl.clients import disk_distances, disk_reception_probability

    ch = Channel().with_message_bits(1024, 2048)
    r = np.linspace(0.0, 600.0, 600001)
    for scheme in ("qfl", "dqfl"):
        got = disk_reception_probability(ch, 600.0, scheme, 0.8)
        p = ch.reception_probability(r, scheme, 0.8)
        for field in (0, 1):  # trapezoid rule on a fine grid, error ~ 1e-11 here
            ref = np.trapezoid(p[field] * 2 * r / 600.0**2, r)
            assert abs(got[field] - ref) < 1e-9
        d = disk_distances(1, 600.0, np.random.default_rng(1), 100000)[:, 0]
        mc = ch.reception_probability(d, scheme, 0.8).base.mean()
        assert abs(mc - got[0]) < 5 * 0.5 / np.sqrt(1e5)
    assert disk_reception_probability(ch, 1e6, "qfl")[0] < 1e-3  # a huge cell: almost nobody delivers
    with pytest.raises(ValueError, match="cell_radius_m"):
        disk_reception_probability(ch, -1.0)

"""run_federated(engine="batched") equals engine="loop" on every recorded quantity (issue 13, item 1).

The loop (one ``local_update`` per scheduled vehicle) is the reference; the batched engine trains the
scheduled vehicles of a round in one sweep (``qkit.fl.fleet_update``) from the same per-vehicle
training streams, so every array of ``FederatedHistory`` must agree to rounding.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest

from qkit.fl.channel import Channel
from qkit.fl.clients import ClientData, InputNormalisation, LocalTraining, angle_periods, base_mask
from qkit.fl.rounds import run_federated
from qkit.qnn import QNN, DynamicQNN, NoiseModel
from qkit.qnn.classical import MLP

TOL = 1e-12
SIZES = (7, 12, 4, 9)  # unequal: vehicles finish their epochs at different steps
DISTANCES = np.array([40.0, 150.0, 300.0, 600.0])  # metres: near and far, so some blocks are lost
DQNN = DynamicQNN(3, 3, 3)


def _data(model, rng, n):
    return rng.uniform(0.0, np.pi, (n, model.n_qubits)), rng.integers(0, model.n_classes, n)


def _setting(model, seed=3):
    rng = np.random.default_rng(seed)
    clients = [ClientData(*_data(model, rng, n)) for n in SIZES]
    return clients, _data(model, rng, 25), model.init_params(rng)


def _both(model, scheme, training, rounds=3, **kw):
    """The same run with both engines (fresh, equal generators)."""
    clients, test, w0 = _setting(model)
    kw = dict(dict(channel=Channel(), distances=DISTANCES, period=angle_periods(model), test_set=test), **kw)
    if scheme == "dqfl":
        kw.setdefault("base_mask", base_mask(model, 1))
    channel, test_set = kw.pop("channel"), kw.pop("test_set")

    def run(engine):
        return run_federated(model, clients, test_set, channel, scheme, rounds, initial_params=w0,
                             rng=np.random.default_rng(17), training=training, engine=engine, **kw)

    loop = run("loop")
    with mock.patch("qkit.fl.rounds.local_update", side_effect=AssertionError("engine='batched' ran the loop")):
        return loop, run("batched")


def _inert(model) -> np.ndarray:
    """Parameters whose gradient is zero by structure (the phi of the last layer's CU3 gates, which
    only dephase before the measurement): |grad| < 1e-12 at five random points."""
    rng = np.random.default_rng(99)
    grads = [model.loss_and_grad(model.init_params(rng), *_data(model, rng, 8))[1] for _ in range(5)]
    return np.all(np.abs(grads) < 1e-12, axis=0)


def _assert_equal(loop, batched, model, inert_bound=1e-6):
    """Every recorded quantity to 1e-12. Adam divides each gradient coordinate by its own size, so
    an inert parameter moves by its rounding noise x lr / eps, differently in the two paths: those
    (which do not change the model's output) agree to ``inert_bound``, all the others to 1e-12.
    (FedProx's pull ``mu (w - w_global)`` on an inert coordinate is itself that noise, which Adam
    turns into steps of up to ``lr``: there ``inert_bound=None``, and the equal losses and
    accuracies show that those coordinates change nothing.)"""
    inert = _inert(model)
    assert inert.sum() < model.n_params // 4
    for name in ("global_params", "params", "client_local"):
        a, b = getattr(loop, name), getattr(batched, name)
        if a is None:
            assert b is None, name
            continue
        assert a.shape == b.shape, name
        np.testing.assert_allclose(b[..., ~inert], a[..., ~inert], rtol=0, atol=TOL, err_msg=name)
        if inert_bound is not None:
            assert np.abs(b[..., inert] - a[..., inert]).max(initial=0.0) < inert_bound, name
    for name in ("accuracy", "test_loss", "train_loss", "bits_sent", "bits_delivered"):
        a, b = getattr(loop, name), getattr(batched, name)
        assert a.shape == b.shape, name
        np.testing.assert_allclose(b, a, rtol=0, atol=TOL, err_msg=name)
    for name in ("arrived", "updated", "scheduled", "dropped"):
        np.testing.assert_array_equal(getattr(batched, name, None), getattr(loop, name, None), err_msg=name)
    assert batched.notes == loop.notes and batched.block_names == loop.block_names
    assert set(batched.timings) == set(loop.timings) and batched.timings["local training"] > 0
    moved = np.abs(np.diff(loop.global_params, axis=0)).max(axis=1)
    assert moved.max() > 1e-3  # training changed the model: not a comparison of untouched vectors


CASES = {
    "dqfl-adam-fading": (DQNN, "dqfl", LocalTraining(epochs=2, batch_size=3, learning_rate=0.1), {}),
    "qfl-adam-fading": (DQNN, "qfl", LocalTraining(epochs=2, batch_size=5, learning_rate=0.1), {}),
    "sgd-momentum": (DQNN, "dqfl", LocalTraining(epochs=2, batch_size=3, learning_rate=0.1, optimizer="sgd",
                                                 momentum=0.5), {}),
    "persistent-adam": (DQNN, "dqfl", LocalTraining(batch_size=4, learning_rate=0.1, persistent_state=True), {}),
    "persistent-sgd-momentum": (DQNN, "qfl", LocalTraining(batch_size=4, learning_rate=0.2, optimizer="sgd",
                                                           momentum=0.5, persistent_state=True), {}),
    "fedprox-sgd": (DQNN, "dqfl", LocalTraining(epochs=2, batch_size=3, learning_rate=0.1, optimizer="sgd",
                                                proximal_mu=0.8), {}),
    "fedprox-adam": (DQNN, "qfl", LocalTraining(epochs=2, batch_size=3, learning_rate=0.1, proximal_mu=0.8),
                     dict(inert_bound=None)),
    "two-of-four-persistent": (DQNN, "dqfl", LocalTraining(batch_size=3, learning_rate=0.1, persistent_state=True),
                               dict(clients_per_round=2, rounds=4)),
    "qnn-model": (QNN(3, 2, 3), "qfl", LocalTraining(epochs=2, batch_size=3, learning_rate=0.1), {}),
    "noisy-dqnn": (DynamicQNN(3, 2, 3, noise=NoiseModel(depolarizing=0.05, readout_error=0.02)), "dqfl",
                   LocalTraining(batch_size=4, learning_rate=0.1), {}),
    "dropped-vehicles": (DQNN, "dqfl", LocalTraining(batch_size=4, learning_rate=0.1), dict(drop_probability=0.3)),
    "ideal-uplink-full-batch-exit-weights": (DQNN, "dqfl",
                                             LocalTraining(learning_rate=0.1, exit_weights=(0.2, 0.3, 1.0)),
                                             dict(channel=None, distances=None)),
    # 8-bit updates: an inert coordinate's rounding-level difference can land in the next quantisation
    # level (a step of 2 max|delta| / 255 ~ 1e-4 here), so inert coordinates are only checked to 1e-3
    "quantised-8-bits": (DQNN, "dqfl", LocalTraining(batch_size=4, learning_rate=0.1),
                         dict(bits_per_parameter=8, inert_bound=1e-3)),
}


@pytest.mark.parametrize("case", CASES)
def test_batched_equals_loop(case):
    model, scheme, training, kw = CASES[case]
    kw = dict(kw)
    rounds, bound = kw.pop("rounds", 3), kw.pop("inert_bound", 1e-6)
    loop, batched = _both(model, scheme, training, rounds=rounds, **kw)
    _assert_equal(loop, batched, model, bound)
    if kw.get("channel", True) is not None:
        assert loop.arrived.any() and not loop.arrived.all()  # the fading channel lost some blocks
    if "drop_probability" in kw:
        assert loop.dropped.any()  # some vehicles dropped out, and the engines agree on which
    if "clients_per_round" in kw:
        assert (loop.scheduled.sum(axis=1) == 2).all()


def test_fedbn_local_parts_and_per_vehicle_test_sets():
    model = DQNN
    local = np.zeros(model.n_params, dtype=bool)
    local[model.layout["exit2"]] = True  # each vehicle keeps its last readout (scales and biases)
    rng = np.random.default_rng(5)
    tests = [_data(model, rng, 6) for _ in SIZES]
    loop, batched = _both(model, "dqfl", LocalTraining(batch_size=4, learning_rate=0.1), local_mask=local,
                          test_set=tests, clients_per_round=3)
    _assert_equal(loop, batched, model)
    assert np.ptp(loop.client_local[:, local], axis=0).max() > 1e-3  # the local parts differ by vehicle


def test_bad_engine_is_refused():
    clients, test, w0 = _setting(DQNN)
    for bad in ("Batched", "fleet", None):
        with pytest.raises(ValueError, match="engine"):
            run_federated(DQNN, clients, test, None, "qfl", 1, initial_params=w0, rng=np.random.default_rng(0),
                          engine=bad)


@pytest.mark.parametrize("kind", ["mlp", "input-normalisation"])
def test_batched_refuses_models_it_cannot_sweep(kind):
    rng = np.random.default_rng(0)
    if kind == "mlp":
        model = MLP(3, 3, (4,))
    else:
        model = InputNormalisation(DynamicQNN(3, 2, 3))
    clients = [ClientData(*_data(DQNN, rng, n)) for n in SIZES]
    with pytest.raises(ValueError, match="engine='loop'"):
        run_federated(model, clients, _data(DQNN, rng, 5), None, "qfl", 1, initial_params=model.init_params(rng),
                      rng=np.random.default_rng(0), engine="batched")

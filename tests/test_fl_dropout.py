"""Dropped clients in run_federated, and their comparison with a fading uplink (issue 13 items 2-3).

A dropped vehicle sends nothing in that round (its ``arrived`` row all False); who drops is one
draw from the ``(vehicle, round)`` child of the channel stream's seed sequence, so a Flower server
can reproduce it (``tests/test_fl_flower.py`` checks Flower against these runs).
"""

import numpy as np
import pytest

import qkit.fl.rounds as rounds
from qkit.fl.channel import Channel
from qkit.fl.clients import LocalTraining
from qkit.fl.dropout import compare_drops_with_fading
from qkit.fl.rounds import run_federated, training_stream
from test_fl_rounds import BASE, MODEL, blobs, fleet

TRAIN = LocalTraining(epochs=1, batch_size=10, learning_rate=0.1)


def _setting(n=6, n_rounds=8, seed=3):
    rng = np.random.default_rng(seed)
    return fleet(n, rng), blobs(60, rng), rng.uniform(50.0, 900.0, (n_rounds, n))


def _run(scheme, n_rounds, seed=3, n=6, channel=Channel(), **kw):
    clients, test, d = _setting(n, n_rounds, seed)
    extra = {"base_mask": BASE} if scheme == "dqfl" else {}
    return run_federated(MODEL, clients, test, channel, scheme, n_rounds, initial_params=np.zeros(MODEL.n_params),
                         rng=np.random.default_rng(seed + 1), training=TRAIN,
                         distances=None if channel is None else d, **extra, **kw)


def _same(a, b):
    for name in ("arrived", "accuracy", "test_loss", "train_loss", "bits_sent", "bits_delivered", "global_params",
                 "updated", "scheduled"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.notes == b.notes


@pytest.mark.parametrize("scheme", ["qfl", "dqfl"])
def test_no_drops_draws_nothing_and_is_the_run_without_the_keyword(scheme, monkeypatch):
    today = _run(scheme, 6)

    def no_draw(*args):
        raise AssertionError("drop_probability=0 must not draw")

    monkeypatch.setattr(rounds, "_drops_out", no_draw)
    zero = _run(scheme, 6, drop_probability=0.0)
    _same(today, zero)
    assert zero.dropped.shape == (6, 6) and not zero.dropped.any()
    assert today.arrived.any() and not today.arrived.all()  # the fades decided something


@pytest.mark.parametrize("scheme", ["qfl", "dqfl"])
def test_a_dropped_vehicle_sends_nothing_and_the_others_see_the_same_fades(scheme):
    kw = {"clients_per_round": 4}
    without = _run(scheme, 12, **kw)
    with_drops = _run(scheme, 12, drop_probability=0.4, **kw)
    d = with_drops.dropped
    assert d.any() and not d.all()
    assert not (d & ~with_drops.scheduled).any()  # only a scheduled vehicle can drop out
    np.testing.assert_array_equal(with_drops.scheduled, without.scheduled)
    np.testing.assert_array_equal(with_drops.arrived, without.arrived & ~d[..., None])
    assert (without.arrived & d[..., None]).any()  # some drop cost a block the channel would have delivered
    bits = without.bits_sent / without.scheduled.sum(axis=1)  # one vehicle's message
    np.testing.assert_allclose(with_drops.bits_sent, (with_drops.scheduled & ~d).sum(axis=1) * bits)


def test_who_drops_is_the_vehicle_and_round_stream_of_the_channel_seed():
    p = 0.3
    h = _run("qfl", 10, seed=5, channel=None, drop_probability=p, clients_per_round=3)
    channel_seeds = np.random.default_rng(6).spawn(2)[0].bit_generator.seed_seq  # rng.spawn(2): (channel, train)
    own = np.array([[training_stream(channel_seeds, k, r).random() < p for k in range(6)] for r in range(10)])
    np.testing.assert_array_equal(h.dropped, own & h.scheduled)
    everyone = _run("qfl", 10, seed=5, channel=None, drop_probability=p)  # other vehicles scheduled: same draws
    np.testing.assert_array_equal(everyone.dropped, own)


def test_drop_rate_matches_the_probability():
    p = 0.3
    h = _run("qfl", 200, channel=None, drop_probability=p)
    n = h.dropped.size
    assert abs(h.dropped.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)  # 5 standard errors
    np.testing.assert_array_equal(h.arrived[..., 0], ~h.dropped)  # ideal uplink: only drops lose updates


def test_rounds_where_everybody_dropped_leave_the_model_unchanged_and_say_so():
    h = _run("dqfl", 30, n=2, channel=None, drop_probability=0.9)
    all_out = h.dropped.all(axis=1)
    assert all_out.any() and not all_out.all()
    same = np.all(h.global_params[1:] == h.global_params[:-1], axis=1)
    np.testing.assert_array_equal(same, all_out)  # unchanged exactly when nobody sent
    np.testing.assert_array_equal(h.updated, ~all_out)
    for note, out in zip(h.notes, all_out):
        assert note == ("every scheduled vehicle dropped out: global model unchanged" if out else "")


def test_drop_probability_one_means_every_vehicle_always_drops():
    h = _run("dqfl", 4, drop_probability=1.0)
    assert h.dropped.all() and not h.arrived.any() and not h.updated.any()
    assert np.all(h.global_params == h.global_params[0]) and np.all(h.bits_sent == 0)
    assert all("dropped out" in note for note in h.notes)


def test_bad_drop_probability_is_refused_by_name():
    for bad in (-0.1, 1.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="drop_probability"):
            _run("qfl", 1, drop_probability=bad)
    for bad in ("0.3", True, None):
        with pytest.raises((TypeError, ValueError), match="drop_probability"):
            _run("qfl", 1, drop_probability=bad)


def test_drops_against_a_fading_uplink_that_loses_as_many_blocks():
    clients, test, d = _setting(n=8, n_rounds=10)
    p = 0.3
    c = compare_drops_with_fading(MODEL, clients, test, Channel(), "dqfl", 10, drop_probability=p, distances=d,
                                  initial_params=np.zeros(MODEL.n_params), seed=4, training=TRAIN, base_mask=BASE)
    setting, drops, fading = (c.histories[k] for k in ("setting", "drops", "fading"))
    # the split of the setting's losses, counted directly
    assert c.lost_to_drops == pytest.approx(setting.dropped.mean())
    assert c.lost_to_drops + c.lost_to_fading == pytest.approx(1 - setting.arrived.mean())
    assert 0 < c.lost_to_fading < 1
    # the same drops in the setting and over the ideal uplink (paired draws), no drops in the fading run
    np.testing.assert_array_equal(drops.dropped, setting.dropped)
    assert not fading.dropped.any()
    # the matched uplink loses p of the blocks in expectation; 160 vehicle-rounds: within 0.15
    assert abs(c.fading_loss - p) < 0.15 and c.fading_loss == pytest.approx(1 - fading.arrived.mean())
    assert c.distance_scale > 0
    np.testing.assert_array_equal(c.accuracy_drops, drops.accuracy[-1])
    np.testing.assert_array_equal(c.accuracy_fading, fading.accuracy[-1])
    with pytest.raises(ValueError, match="drop_probability"):
        compare_drops_with_fading(MODEL, clients, test, Channel(), "dqfl", 10, drop_probability=1.0, distances=d,
                                  initial_params=np.zeros(MODEL.n_params), seed=4, base_mask=BASE)
    with pytest.raises(ValueError, match="channel"):
        compare_drops_with_fading(MODEL, clients, test, None, "dqfl", 10, drop_probability=p, distances=d,
                                  initial_params=np.zeros(MODEL.n_params), seed=4, base_mask=BASE)

"""Scheduling K of N vehicles, a shared band, quantised uploads (qkit.fl.uplink and run_federated)."""

import dataclasses

import numpy as np
import pytest

from qkit.fl.channel import Channel
from qkit.fl.clients import LocalTraining
from qkit.fl.rounds import run_federated
from qkit.fl.uplink import (HEADER_BITS, quantise_update, schedule_vehicles, shared_bandwidth_channel,
                            upload_bits)
from test_fl_rounds import BASE, MODEL, blobs, fleet

TRAIN = LocalTraining(epochs=1, batch_size=10, learning_rate=0.1)


def _run(scheme, rounds, seed=3, n=6, channel=Channel(), **kw):
    rng = np.random.default_rng(seed)
    clients, test = fleet(n, rng), blobs(60, rng)
    d = rng.uniform(50.0, 900.0, (rounds, n))
    extra = {"base_mask": BASE} if scheme == "dqfl" else {}
    return run_federated(MODEL, clients, test, channel, scheme, rounds, initial_params=np.zeros(MODEL.n_params),
                         rng=np.random.default_rng(seed + 1), training=TRAIN, distances=d, **extra, **kw)


def _same(a, b):
    for name in ("arrived", "accuracy", "test_loss", "train_loss", "bits_sent", "bits_delivered", "params"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("scheme", ["qfl", "dqfl"])
def test_all_scheduled_with_n_times_the_band_is_todays_run(scheme):
    narrow = Channel(bandwidth_hz=1e5)  # 384 bits at ~4 bit/s/Hz: a 10 % change of band moves arrivals
    today = _run(scheme, 8, channel=narrow)
    n = 6
    same = _run(scheme, 8, channel=narrow, clients_per_round=n, total_bandwidth_hz=n * narrow.bandwidth_hz)
    _same(today, same)
    assert same.scheduled.all() and today.scheduled.all()
    assert today.arrived.any() and not today.arrived.all()  # the fades did decide something
    other = _run(scheme, 8, channel=narrow, clients_per_round=n, total_bandwidth_hz=1.1 * n * narrow.bandwidth_hz)
    assert not np.array_equal(other.arrived, today.arrived)  # so the check above can fail


def test_unscheduled_vehicles_neither_train_nor_send():
    h = _run("qfl", 6, clients_per_round=2, total_bandwidth_hz=2e6)
    assert h.scheduled.shape == (6, 6) and (h.scheduled.sum(axis=1) == 2).all()
    assert not (h.arrived[..., 0] & ~h.scheduled).any()
    np.testing.assert_array_equal(h.bits_sent, 2 * MODEL.n_params * 32)
    assert len({tuple(row) for row in h.scheduled}) > 1  # a new draw each round


def test_ideal_uplink_with_one_vehicle_per_round_is_that_vehicles_update():
    rng = np.random.default_rng(0)
    clients, test = fleet(4, rng), blobs(40, rng)
    h = run_federated(MODEL, clients, test, None, "qfl", 1, initial_params=np.zeros(MODEL.n_params),
                      rng=np.random.default_rng(1), training=TRAIN, clients_per_round=1)
    (k,) = np.flatnonzero(h.scheduled[0])
    assert h.arrived[0, :, 0].tolist() == h.scheduled[0].tolist()
    assert not np.allclose(h.params, 0.0)  # one update arrived and moved the model
    assert h.train_loss.shape == (1,) and np.isfinite(h.train_loss).all()
    assert 0 <= k < 4


def test_schedule_is_uniform_over_vehicles():
    rng = np.random.default_rng(5)
    hits = np.zeros(10)
    for _ in range(4000):
        hits[schedule_vehicles(10, 3, rng)] += 1
    share = hits / 4000  # each vehicle: P = K / N = 0.3, binomial s.e. 0.0072
    assert np.all(np.abs(share - 0.3) < 5 * np.sqrt(0.3 * 0.7 / 4000))
    np.testing.assert_array_equal(schedule_vehicles(5, 5, rng), np.arange(5))


def test_shared_bandwidth_enters_outage_as_the_maths_says():
    """P_out = 1 - exp(-(2**(b / (W T)) - 1) * N0 F W / (P G(d))) with W = B / K, by hand."""
    base, bits, total, d = Channel(), 2000.0, 20e6, 300.0
    for k in (1, 4, 20, 100):
        ch = shared_bandwidth_channel(base, total, k).with_message_bits(bits / 2, bits / 2)
        w = total / k
        rate = bits / (w * base.slot_s)
        noise_mw = 10 ** ((base.noise_psd_dbm_per_hz + base.noise_figure_db) / 10) * w
        gain = 10 ** (-float(base.path_loss_db(d)) / 10)
        rho = 10 ** (base.transmit_power_dbm / 10) * gain / noise_mw
        expected = 1.0 - np.exp(-(2.0**rate - 1.0) / rho)
        assert ch.bandwidth_hz == w
        np.testing.assert_allclose(float(ch.outage_probability(d)), expected, rtol=1e-12)
    # more vehicles in the same band: a narrower sub-band, a higher rate, more outage
    outs = [float(shared_bandwidth_channel(base, total, k).with_message_bits(1e3, 1e3).outage_probability(d))
            for k in (1, 10, 40, 80)]
    assert np.all(np.diff(outs) > 0)


def test_quantiser_error_is_at_most_half_a_step():
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0, 0.01, 50), rng.normal(3.0, 2.0, 30)])
    blocks = np.repeat([0, 1], [50, 30])
    for b in (2, 8, 16):
        q = quantise_update(x, blocks, b)
        for j, sel in enumerate((blocks == 0, blocks == 1)):
            span = x[sel].max() - x[sel].min()
            assert q.step[j] == pytest.approx(span / (2**b - 1), rel=1e-12)
            assert np.max(np.abs(q.values[sel] - x[sel])) <= q.step[j] / 2 * (1 + 1e-9)
            assert len(np.unique(np.round((q.values[sel] - x[sel].min()) / q.step[j]))) <= 2**b
    np.testing.assert_array_equal(quantise_update(x, blocks, 32).values, x)


def test_quantiser_extremes():
    big = np.array([-1.7e308, 0.0, 1.7e308])
    q = quantise_update(big, np.zeros(3, int), 8)
    assert np.all(np.isfinite(q.values)) and np.isfinite(q.step[0])
    assert np.max(np.abs(q.values - big)) <= q.step[0] / 2 * (1 + 1e-9)
    flat = quantise_update(np.full(4, 0.25), np.zeros(4, int), 8)
    np.testing.assert_array_equal(flat.values, 0.25)
    assert flat.step[0] == 0.0
    with pytest.raises(ValueError, match="bits_per_parameter"):
        quantise_update(big, np.zeros(3, int), 1)
    with pytest.raises(ValueError, match="block_of"):
        quantise_update(big, np.zeros(2, int), 8)


def test_fewer_bits_shorter_message_better_reception():
    blocks = np.repeat([0, 1], [32, 64])
    np.testing.assert_array_equal(upload_bits(blocks, 32), [32 * 32, 64 * 32])
    np.testing.assert_array_equal(upload_bits(blocks, 8), [32 * 8 + HEADER_BITS, 64 * 8 + HEADER_BITS])
    ch, d = Channel(), np.array([200.0, 600.0, 900.0])
    probs = []
    for b in (32, 16, 8):
        bits = upload_bits(blocks, b)
        probs.append(ch.with_message_bits(bits[0], bits[1]).reception_probability(d, "qfl").base)
    assert np.all(probs[0] < probs[1]) and np.all(probs[1] < probs[2])
    # in a run: the same fades, and the 8-bit message arrives at least whenever the 32-bit one does
    h32, h8 = _run("qfl", 8), _run("qfl", 8, bits_per_parameter=8)
    assert np.all(h8.arrived >= h32.arrived) and h8.arrived.sum() > h32.arrived.sum()
    assert h8.bits_sent[0] == 6 * (MODEL.n_params * 8 + HEADER_BITS)


def test_quantised_upload_is_close_to_the_exact_one_on_an_ideal_uplink():
    exact = _run("qfl", 3, channel=None)
    for b, tol in ((16, 1e-3), (8, 0.05)):
        q = _run("qfl", 3, channel=None, bits_per_parameter=b)
        assert not np.array_equal(q.params, exact.params)  # the values really were quantised
        np.testing.assert_allclose(q.params, exact.params, atol=tol)


def test_bad_scheduling_and_bandwidth():
    with pytest.raises(ValueError, match="clients_per_round"):
        _run("qfl", 1, clients_per_round=7)
    with pytest.raises(ValueError, match="clients_per_round"):
        _run("qfl", 1, clients_per_round=0)
    with pytest.raises(ValueError, match="total_bandwidth_hz"):
        _run("qfl", 1, total_bandwidth_hz=-1.0)
    with pytest.raises(ValueError, match="total_bandwidth_hz"):
        _run("qfl", 1, channel=None, total_bandwidth_hz=1e6)
    with pytest.raises(ValueError, match="bits_per_parameter"):
        _run("qfl", 1, bits_per_parameter=64)
    with pytest.raises(ValueError, match="does not fit.*total_bandwidth_hz"):  # 192 bits in 1 kHz: 96 bit/s/Hz
        _run("qfl", 1, clients_per_round=6, total_bandwidth_hz=6e3)
    with pytest.raises(TypeError, match="channel"):
        shared_bandwidth_channel("wifi", 1e6, 2)
    assert dataclasses.replace(Channel(), bandwidth_hz=5e5) == shared_bandwidth_channel(Channel(), 1e6, 2)


def test_fedbn_parts_of_unscheduled_vehicles_stay_and_are_never_quantised():
    rng = np.random.default_rng(4)
    clients = fleet(4, rng)
    tests = [blobs(20, rng) for _ in range(4)]
    local = np.arange(MODEL.n_params) < 3
    w0 = np.random.default_rng(0).normal(size=MODEL.n_params)
    h, exact = (run_federated(MODEL, clients, tests, None, "qfl", 1, initial_params=w0, rng=np.random.default_rng(1),
                              training=TRAIN, local_mask=local, clients_per_round=2, bits_per_parameter=b)
                for b in (8, 32))
    idle = ~h.scheduled[0]
    np.testing.assert_array_equal(h.client_local[idle], np.tile(w0, (2, 1)))
    assert not np.allclose(h.client_local[~idle][:, local], w0[local])  # trained and kept
    np.testing.assert_array_equal(h.client_local[:, local], exact.client_local[:, local])  # never quantised
    assert not np.array_equal(h.params, exact.params)  # the sent part was

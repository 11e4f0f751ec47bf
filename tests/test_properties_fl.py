"""Property-based tests (hypothesis) for qkit.fl: FedAvg, circular means, the uplink's probabilities."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qkit.fl.aggregate import aggregate, circular_mean, fedavg, wrap_periodic
from qkit.fl.channel import Channel, decode, monte_carlo_reception, reception_probability_from_snr
from qkit.fl.clients import ClientData, LocalTraining, base_mask
from qkit.fl.rounds import draw_arrivals, run_federated
from qkit.qnn.models import DynamicQNN

SETTINGS = settings(max_examples=40, deadline=None)
VALUE = st.floats(-1e6, 1e6, allow_nan=False)
COUNT = st.floats(0.0, 1e6).filter(lambda v: v == 0.0 or v >= 1e-6)


@st.composite
def stacks(draw):
    k, p = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    params = np.array(draw(st.lists(VALUE, min_size=k * p, max_size=k * p))).reshape(k, p)
    counts = np.array(draw(st.lists(COUNT, min_size=k, max_size=k)))
    assume(counts.sum() > 0)
    return params, counts


@SETTINGS
@given(model=st.lists(VALUE, min_size=1, max_size=6), counts=st.lists(COUNT, min_size=1, max_size=5))
def test_fedavg_of_identical_models_is_that_model(model, counts):
    counts = np.array(counts)
    assume(counts.sum() > 0)
    w = np.array(model)
    out = fedavg(np.tile(w, (counts.size, 1)), counts)
    np.testing.assert_allclose(out, w, rtol=1e-12, atol=1e-300)


@SETTINGS
@given(stacks(), st.sampled_from([1e-300, 1e-9, 0.5, 3.0, 1e9, 1e150, 1e300]))
def test_fedavg_is_invariant_to_scaling_all_counts(case, scale):
    params, counts = case
    base = fedavg(params, counts)
    scaled = fedavg(params, counts * scale)
    spread = np.max(np.abs(params), axis=0)
    assert np.all(np.abs(scaled - base) <= 1e-12 * spread)


def test_fedavg_of_huge_counts_is_the_mean_not_nan():
    # 1e308 + 1e308 overflows a float; the weighted mean must not
    params = np.array([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_allclose(fedavg(params, [1e308, 1e308]), [2.0, 1.0], rtol=1e-15)


@SETTINGS
@given(angle=st.floats(-50.0, 50.0), period=st.sampled_from([2 * np.pi, 4 * np.pi, 1.0, 360.0]),
       weights=st.lists(st.floats(0.1, 100.0), min_size=1, max_size=5))
def test_circular_mean_of_equal_angles_is_that_angle(angle, period, weights):
    w = np.array(weights)
    mean = circular_mean(np.full((w.size, 1), angle), w, period=period)[0]
    # equal modulo the period, and in [-T/2, T/2)
    assert abs(wrap_periodic(np.array([mean - angle]), period)[0]) <= 1e-9 * period
    assert -period / 2 - 1e-12 <= mean < period / 2 + 1e-12
    ref = circular_mean(np.full((w.size, 1), angle), w, period=period, reference=np.array([angle]))[0]
    assert abs(ref - angle) <= 1e-9 * max(period, abs(angle))


@SETTINGS
@given(stacks())
def test_aggregate_with_nothing_arrived_keeps_the_global_model(case):
    params, counts = case
    k, p = params.shape
    g = np.linspace(-1.0, 1.0, p)
    res = aggregate(g, params, counts, np.zeros((k, 2), bool), np.arange(p) % 2, period=2 * np.pi)
    np.testing.assert_array_equal(res.params, g)
    assert not res.any_update


SNR = st.floats(-700.0, 700.0)  # ln of the mean SNR


@SETTINGS
@given(log_snr=st.lists(SNR, min_size=1, max_size=5), lam=st.floats(0.01, 0.99),
       rates=st.tuples(st.floats(0.05, 8.0), st.floats(0.05, 8.0)))
def test_reception_probabilities_obey_the_chain_rule(log_snr, lam, rates):
    channel = Channel(base_rate=rates[0], enhancement_rate=rates[1])
    x = np.array(log_snr)
    dqfl = reception_probability_from_snr(x, "dqfl", lam, channel.thresholds, log=True)
    qfl = reception_probability_from_snr(x, "qfl", lam, channel.thresholds, log=True)
    for p in (*dqfl, *qfl):
        assert np.all((p >= 0.0) & (p <= 1.0))
    # the enhancement is decoded only after the base: P(enh) <= P(base); SIC never beats one message
    assert np.all(dqfl.enhancement <= dqfl.base)
    assert np.all(dqfl.enhancement <= qfl.base * (1 + 1e-12))
    np.testing.assert_array_equal(qfl.base, qfl.enhancement)


@SETTINGS
@given(gains=st.lists(st.floats(0.0, 50.0), min_size=1, max_size=8), lam=st.floats(0.01, 0.99),
       snr_db=st.floats(-30.0, 60.0))
def test_decoding_receives_the_enhancement_only_with_the_base(gains, lam, snr_db):
    channel = Channel()
    g = np.array(gains)
    got = decode(g, np.full(g.shape, 10 ** (snr_db / 10)), "dqfl", lam, channel.thresholds)
    # P(both) = P(enh): every decoded enhancement comes with its base
    assert np.all(got.base[got.enhancement])
    assert np.array_equal(got.base & got.enhancement, got.enhancement)


@SETTINGS
@given(distance=st.floats(0.0, 5000.0), lam=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1))
def test_monte_carlo_fractions_lie_in_unit_interval(distance, lam, seed):
    p = monte_carlo_reception(Channel(), np.array([distance]), 200, np.random.default_rng(seed), "dqfl", lam)
    assert np.all((p.base >= 0) & (p.base <= 1)) and np.all(p.enhancement <= p.base)


DEAD_CHANNELS = [(Channel(transmit_power_dbm=-np.inf), np.array([10.0, 300.0])),  # zero power
                 (Channel(), np.array([np.inf, np.inf]))]  # infinitely far


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lam=st.floats(0.05, 0.95), which=st.sampled_from([0, 1]))
def test_a_channel_that_always_fails_delivers_nothing(seed, lam, which):
    channel, d = DEAD_CHANNELS[which]
    for scheme in ("qfl", "dqfl"):
        p = channel.reception_probability(d, scheme, lam)
        assert np.all(p.base == 0.0) and np.all(p.enhancement == 0.0)
        got = channel.reception(d, np.random.default_rng(seed), scheme, lam)
        assert not got.base.any() and not got.enhancement.any()
    for scheme in ("classical", "qfl", "dqfl"):
        assert not draw_arrivals(channel, d, scheme, lam, np.random.default_rng(seed)).any()


def test_a_dead_channel_leaves_the_global_model_unchanged():
    rng = np.random.default_rng(3)
    model = DynamicQNN(2, 2, 2)
    X = rng.uniform(0.0, np.pi, (8, 2))
    y = np.array([0, 1] * 4)
    clients = [ClientData(X[:4], y[:4]), ClientData(X[4:], y[4:])]
    w0 = model.init_params(rng)
    for channel, d in DEAD_CHANNELS:
        for scheme in ("qfl", "dqfl"):
            h = run_federated(model, clients, (X, y), channel, scheme, 2, initial_params=w0,
                              rng=np.random.default_rng(0), distances=d, base_mask=base_mask(model, 1),
                              training=LocalTraining(learning_rate=0.5))
            np.testing.assert_array_equal(h.params, w0)
            assert not h.arrived.any() and not h.updated.any()
            assert np.all(h.bits_delivered == 0.0)

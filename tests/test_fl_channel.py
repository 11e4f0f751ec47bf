import warnings

import numpy as np
import pytest
from scipy import integrate

from qkit.fl.channel import (
    Channel,
    decode,
    monte_carlo_reception,
    rate_threshold,
    reception_probability_from_snr,
    sample_fading,
    sinr_base,
    uplink_bits,
)

DISTANCES = np.array([0.0, 30.0, 150.0, 300.0, 450.0, 600.0, 900.0])
N_TRIALS = 200_000


def _tolerance(p, n):
    """Five binomial standard errors plus one count.

    A correct sampler misses by more than 5 sigma with probability ~6e-7 per comparison
    (normal approximation); the extra 1/n covers p so close to 0 or 1 that the normal
    approximation fails and a single stray count is the whole error.
    """
    return 5.0 * np.sqrt(p * (1.0 - p) / n) + 1.0 / n


def test_default_link_budget():
    ch = Channel()
    assert ch.noise_power_dbm == pytest.approx(-174.0 + 60.0 + 5.0)
    # free space at 1 m and 5.9 GHz: 20 log10(4 pi / wavelength)
    wavelength = 299_792_458.0 / 5.9e9
    assert ch.reference_loss_db == pytest.approx(20 * np.log10(4 * np.pi / wavelength))
    # 10 times the distance costs 10 n = 30 dB
    snr = ch.mean_snr_db([10.0, 100.0, 1000.0])
    np.testing.assert_allclose(np.diff(snr), [-30.0, -30.0])
    assert snr[1] == pytest.approx(23.0 - ch.reference_loss_db - 60.0 + 109.0)
    np.testing.assert_allclose(ch.mean_snr([100.0]), 10 ** (snr[1] / 10), rtol=1e-12)


@pytest.mark.parametrize("scheme,power_split", [("qfl", 0.5), ("dqfl", 0.8), ("dqfl", 0.6),
                                                ("dqfl", 0.95)])
def test_closed_form_matches_monte_carlo(scheme, power_split):
    ch = Channel()
    exact = ch.reception_probability(DISTANCES, scheme, power_split)
    sampled = monte_carlo_reception(ch, DISTANCES, N_TRIALS, np.random.default_rng(2024),
                                    scheme, power_split)
    for p, q in [(exact.base, sampled.base), (exact.enhancement, sampled.enhancement)]:
        assert np.all(np.abs(p - q) <= _tolerance(p, N_TRIALS)), (p, q)
    # the probabilities span the interesting range, so the comparison is not vacuous
    assert exact.base.max() > 0.99 and exact.base.min() < 0.05


@pytest.mark.parametrize("scheme,power_split", [("qfl", 0.5), ("dqfl", 0.7)])
def test_closed_form_matches_integral_over_fades(scheme, power_split):
    """Brute force: integrate the Exp(1) density over the fades the decoder accepts."""
    ch = Channel(base_rate=0.8, enhancement_rate=1.7)
    th = ch.thresholds
    grid = np.linspace(0.0, 100.0, 100_001)
    for rho in [0.3, 2.0, 40.0]:
        exact = reception_probability_from_snr(rho, scheme, power_split, th)
        for field in ("base", "enhancement"):
            def accepted(g):
                return getattr(decode(np.asarray(g, dtype=float), rho, scheme, power_split, th),
                               field)
            on_grid = accepted(grid)
            assert np.all(np.diff(on_grid.astype(int)) >= 0)  # a stronger fade never hurts
            lo, hi = 0.0, 100.0  # bisect for the smallest accepted fade
            for _ in range(200):
                mid = 0.5 * (lo + hi)
                lo, hi = (lo, mid) if accepted(mid) else (mid, hi)
            value, _ = integrate.quad(lambda g: float(accepted(g)) * np.exp(-g), 0.0, 100.0,
                                      points=[hi], limit=200, epsabs=1e-14)
            assert getattr(exact, field) == pytest.approx(value, abs=1e-10)


def test_base_feasibility_boundary():
    ch = Channel(base_rate=1.0, enhancement_rate=1.0)  # gamma_b = 1: needs lambda > 1/2
    below = ch.reception_probability(DISTANCES, "dqfl", 0.5)
    above = ch.reception_probability(DISTANCES, "dqfl", 0.5 + 1e-6)
    np.testing.assert_array_equal(below.base, 0.0)
    np.testing.assert_array_equal(below.enhancement, 0.0)
    assert above.base[0] > 0.9  # feasible, and the zero distance link is strong
    # the SINR of the base never exceeds lambda / (1 - lambda)
    s = sinr_base(np.array([1e3, 1e9]), 1e6, 0.5)
    assert np.all(s <= 1.0) and s[-1] == pytest.approx(1.0, rel=1e-9)


def test_always_failing_channel_samples_nothing():
    ch = Channel(base_rate=3.0)  # gamma_b = 7 >= lambda / (1 - lambda) = 4 at lambda = 0.8
    exact = ch.reception_probability(DISTANCES, "dqfl", 0.8)
    got = ch.reception(np.zeros(10_000), np.random.default_rng(0), "dqfl", 0.8)
    np.testing.assert_array_equal(exact.base, 0.0)
    assert not got.base.any() and not got.enhancement.any()


def test_power_split_extremes():
    ch = Channel()
    tiny = ch.reception_probability(DISTANCES, "dqfl", 1e-9)
    np.testing.assert_array_equal(tiny.base, 0.0)  # infeasible base: nothing arrives
    almost_all = ch.reception_probability(DISTANCES[1:], "dqfl", 1.0 - 1e-12)
    # all power to the base: it behaves like a lone message at rate R_b ...
    lone = np.exp(-ch.thresholds["base"] / ch.mean_snr(DISTANCES[1:]))
    np.testing.assert_allclose(almost_all.base, lone, rtol=1e-6)
    # ... and the enhancement, with 1e-12 of the power, is lost
    assert np.all(almost_all.enhancement < 1e-100)


def test_extreme_distances_give_exact_answers_without_warnings():
    ch = Channel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scheme in ("qfl", "dqfl"):
            p = ch.reception_probability([0.0, 0.5, 1e6, 1e300], scheme)
            assert p.base[0] == p.base[1]  # below d0 = 1 m the link is that of d0
            assert p.base[0] > 0.999999
            np.testing.assert_array_equal(p.base[2:], 0.0)
            np.testing.assert_array_equal(p.enhancement[2:], 0.0)
            got = ch.reception(np.full(1000, 1e300), np.random.default_rng(1), scheme)
            assert not got.base.any()
        assert ch.outage_probability(1e300) == 1.0
        assert np.isfinite(ch.mean_snr_db(1e300))


def test_reception_is_seeded_and_consistent():
    ch = Channel()
    d = np.linspace(0.0, 800.0, 2000).reshape(40, 50)  # any shape: rounds x vehicles
    a = ch.reception(d, np.random.default_rng(7))
    b = ch.reception(d, np.random.default_rng(7))
    assert a.base.shape == d.shape and a.base.dtype == bool
    np.testing.assert_array_equal(a.base, b.base)
    np.testing.assert_array_equal(a.enhancement, b.enhancement)
    assert not np.any(a.enhancement & ~a.base)  # SIC: no enhancement without the base
    assert 0 < a.enhancement.sum() < a.base.sum() < d.size
    q = ch.reception(d, np.random.default_rng(7), "qfl")
    np.testing.assert_array_equal(q.base, q.enhancement)


def test_probabilities_ordering_and_outage():
    ch = Channel()
    p = ch.reception_probability(DISTANCES, "dqfl", 0.8)
    assert np.all(p.enhancement <= p.base)
    assert np.all(np.diff(p.base) < 0)
    q = ch.reception_probability(DISTANCES, "qfl")
    np.testing.assert_allclose(ch.outage_probability(DISTANCES), 1.0 - q.base, atol=1e-15)
    # at this split the base (rate 1 at 0.8 P, interfered) is more robust than QFL (rate 2 at P)
    assert np.all(p.base[1:] > q.base[1:])


@pytest.mark.parametrize("rates", [(1.0, 1.0), (0.3, 2.2), (2.5, 0.4)])
def test_superposition_never_beats_qfl_on_the_whole_model(rates):
    ch = Channel(base_rate=rates[0], enhancement_rate=rates[1])
    star = ch.balanced_power_split()
    assert 0.0 < star < 1.0
    qfl = ch.reception_probability(DISTANCES, "qfl").base
    at_star = ch.reception_probability(DISTANCES, "dqfl", star)
    np.testing.assert_allclose(at_star.base, qfl, rtol=1e-9)
    np.testing.assert_allclose(at_star.enhancement, qfl, rtol=1e-9)
    for lam in np.linspace(0.01, 0.99, 99):
        p = ch.reception_probability(DISTANCES, "dqfl", lam)
        assert np.all(p.enhancement <= qfl * (1 + 1e-12))  # chain rule of SIC
        if lam > star:
            assert np.all(p.base >= qfl)
        else:  # below lambda*: both SC messages need the base's fade, more than QFL's
            np.testing.assert_array_equal(p.enhancement, p.base)
            assert np.all(p.base <= qfl * (1 + 1e-12))
    assert ch.balanced_power_split() == pytest.approx(1 - (2 ** rates[1] - 1)
                                                     / (2 ** sum(rates) - 1))


@pytest.mark.parametrize("scheme,message,lam", [("qfl", "base", 0.5), ("dqfl", "base", 0.8),
                                                ("dqfl", "enhancement", 0.8)])
def test_range_inverts_the_reception_probability(scheme, message, lam):
    ch = Channel()
    for p in (0.99, 0.9, 0.5, 0.1, 1e-6):
        d = ch.range_m(p, scheme, message, lam)
        got = getattr(ch.reception_probability(d, scheme, lam), message)
        assert float(got) == pytest.approx(p, rel=1e-9)
    assert ch.range_m(1 - 1e-12, scheme, message, lam) == 0.0  # not even at d0
    assert ch.range_m(0.5, "dqfl", "base", 0.4) == 0.0  # the base is never decoded
    with pytest.raises(ValueError, match="probability"):
        ch.range_m(1.0)
    with pytest.raises(ValueError, match="message"):
        ch.range_m(0.5, "dqfl", "both")


def test_message_sizes_and_rates():
    assert uplink_bits(40, 32) == 1280
    assert uplink_bits(0) == 0
    ch = Channel(bandwidth_hz=2e6, slot_s=1e-3).with_message_bits(1000.0, 3000.0)
    assert ch.base_rate == pytest.approx(0.5) and ch.enhancement_rate == pytest.approx(1.5)
    assert ch.message_bits() == pytest.approx((1000.0, 3000.0))
    assert ch.thresholds["qfl"] == pytest.approx(2.0 ** 2 - 1.0)
    assert rate_threshold(1e-20) == pytest.approx(1e-20 * np.log(2.0))  # expm1 keeps precision


def test_sample_fading_is_exponential():
    g = sample_fading(200_000, np.random.default_rng(3))
    assert g.mean() == pytest.approx(1.0, abs=5 * 1.0 / np.sqrt(g.size))
    assert np.mean(g > 2.0) == pytest.approx(np.exp(-2.0), abs=_tolerance(np.exp(-2.0), g.size))


@pytest.mark.parametrize("kwargs,match", [
    (dict(bandwidth_hz=-1.0), "bandwidth_hz must satisfy 0 <"),
    (dict(bandwidth_hz=0.0), "bandwidth_hz"),
    (dict(noise_figure_db=-3.0), "noise_figure_db"),
    (dict(path_loss_exponent=1.5), "path_loss_exponent"),
    (dict(base_rate=0.0), "base_rate"),
    (dict(transmit_power_dbm=float("nan")), "transmit_power_dbm must be finite"),
    (dict(slot_s=-1e-3), "slot_s"),
])
def test_bad_channel_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Channel(**kwargs)


def test_bad_call_arguments():
    ch = Channel()
    rng = np.random.default_rng(0)
    for lam in (0.0, 1.0, -0.2, 1.5):
        with pytest.raises(ValueError, match="power_split must satisfy 0 < power_split < 1"):
            ch.reception_probability(100.0, "dqfl", lam)
        with pytest.raises(ValueError, match="power_split"):
            ch.reception(100.0, rng, "dqfl", lam)
    with pytest.raises(ValueError, match="scheme must be one of 'qfl', 'dqfl'"):
        ch.reception_probability(100.0, "fl")
    with pytest.raises(ValueError, match="distance_m must be >= 0"):
        ch.reception_probability([-1.0, 2.0])
    with pytest.raises(ValueError, match="distance_m must be >= 0"):
        ch.reception(np.nan, rng)
    assert not ch.reception(np.inf, rng).base  # infinitely far: nothing arrives
    with pytest.raises(TypeError, match="rng must be a numpy random Generator"):
        ch.reception(100.0, 42)
    with pytest.raises(ValueError, match="n_trials"):
        monte_carlo_reception(ch, 100.0, 0, rng)
    with pytest.raises(ValueError, match="n_parameters"):
        uplink_bits(-1)
    with pytest.raises(ValueError, match="base_bits"):
        ch.with_message_bits(0.0, 10.0)


def test_coherence_time_is_rappaports_rule():
    from qkit.fl.channel import coherence_time_s

    c = 299_792_458.0
    doppler = 10.0 * 5.9e9 / c  # 196.8 Hz at 10 m/s (36 km/h)
    assert coherence_time_s(10.0) == pytest.approx(0.423 / doppler, rel=1e-12)
    assert coherence_time_s(10.0) == pytest.approx(2.149e-3, abs=1e-6)
    assert coherence_time_s(10.0) > Channel().slot_s > coherence_time_s(25.0)  # block fading up to ~21 m/s
    assert coherence_time_s(0.423 * c / (5.9e9 * Channel().slot_s)) == pytest.approx(Channel().slot_s)
    assert coherence_time_s(5e-324) == np.inf
    with pytest.raises(ValueError, match="speed_m_s"):
        coherence_time_s(0.0)

import itertools
import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from qkit.qrng.entropy import conditional_min_entropy
from qkit.qrng.frames import (
    PAPER_RULE, FrameRule, count_out_of_range, exact_out_of_range, frame_fails, frame_failure_probability,
    frame_min_entropy, frame_report, out_of_range_probabilities, pass_probability,
    uniform_failure_curve,
)
from qkit.qrng._tails import log_out_of_range, log_uniform_fail_pass
from qkit.qrng.pixel import PIXEL_1, PIXEL_2, Pixel
from qkit.qrng.sensor import adc_pmf, sample_adc


def brute_pass(lo, hi, inside, rule):
    """Enumerate every assignment of the pixels to below / inside / above."""
    total = 0.0
    for outcome in itertools.product(range(3), repeat=len(lo)):
        o = np.array(outcome)
        if (o == 0).sum() <= rule.max_low and (o == 2).sum() <= rule.max_high:
            total += np.prod(np.choose(o, [lo, inside, hi]))
    return total


def test_pass_probability_matches_enumeration():
    rng = np.random.default_rng(5)
    for rule in [PAPER_RULE, FrameRule(10, 20, 0, 2), FrameRule(10, 20, 3, 0)]:
        for _ in range(5):
            p = rng.dirichlet([1, 2, 1], size=6)
            got = pass_probability(p[:, 0], p[:, 2], p[:, 1], rule)
            assert got == pytest.approx(brute_pass(p[:, 0], p[:, 2], p[:, 1], rule), abs=1e-14)


def _gauss_range(lo, hi):
    """P(lo <= G < hi) for a standard normal G, from math.erfc on the side away from the mass."""
    def cdf(x):
        return 0.0 if x == -math.inf else 1.0 if x == math.inf else 0.5 * math.erfc(-x / math.sqrt(2))

    def sf(x):
        return 1.0 if x == -math.inf else 0.0 if x == math.inf else 0.5 * math.erfc(x / math.sqrt(2))
    if lo >= 0:
        return sf(lo) - sf(hi)
    return cdf(hi) - cdf(lo) if hi <= 0 else 1.0 - cdf(lo) - sf(hi)


def brute_range(mu, pixel, a, b):
    """P(a <= K N + mu_r + G < b): every electron number, Poisson weights in 50-digit decimals."""
    with localcontext() as ctx:
        ctx.prec = 50
        lam = Decimal(mu) + Decimal(pixel.dark_mean)
        weight, total = (-lam).exp(), Decimal(0)
        for n in range(int(float(lam) + 40 * math.sqrt(float(lam) + 1) + 1300)):
            c = pixel.readout_mean + pixel.gain * n
            if pixel.readout_sigma == 0:
                g = 1.0 if a <= c + 1e-9 < b else 0.0  # the floor guard of qkit.qrng.sensor
            else:
                g = _gauss_range((a - c) / pixel.readout_sigma, (b - c) / pixel.readout_sigma)
            total += weight * Decimal(g)
            weight = weight * lam / (n + 1)
        return float(total)


@pytest.mark.parametrize("pixel", [PIXEL_1, Pixel(readout_mean=-13.6, readout_sigma=2.5, dark_mean=17.2),
                                   Pixel(dark_mean=17.2)])
def test_exact_tails_against_high_precision(pixel):
    """Each range probability to 1e-12 relative, down to 1e-300 (truncated pmfs give 0 there)."""
    means = np.array([0.0, 60.0, 100.0, 150.0, 625.0, 1000.0, 1100.0, 1300.0])
    got = exact_out_of_range(means, pixel)
    for k, (a, b) in enumerate([(-math.inf, 64.0), (941.0, math.inf), (64.0, 941.0)]):
        want = np.array([brute_range(m, pixel, a, b) for m in means])
        np.testing.assert_allclose(got[k], want, rtol=1e-12, atol=1e-300)
    assert 0 < got[0][means == 625.0].item() < 1e-100 and 0 < got[1][means == 625.0].item() < 1e-50


def test_exact_tails_agree_with_sums_of_the_truncated_pmf():
    """Sums of adc_pmf are exact to 1e-12 in absolute terms: the same numbers where they are not tiny."""
    means = np.array([60.0, 100.0, 150.0, 625.0, 1000.0, 1100.0])
    exact = exact_out_of_range(means, PIXEL_2)
    for i, mu in enumerate(means):
        summed = out_of_range_probabilities(adc_pmf(mu, PIXEL_2))
        np.testing.assert_allclose([float(x) for x in summed], [t[i] for t in exact], rtol=0, atol=1e-12)


def _exact_uniform_failure(p_low, p_high, p_in, n, rule):
    """The failing multinomial terms summed in rational arithmetic (inputs taken as exact)."""
    lo, hi, inside = (Fraction(float(x)) for x in (p_low, p_high, p_in))
    total = Fraction(0)
    for a in range(n + 1):
        for b in range(n - a + 1):
            if a > rule.max_low or b > rule.max_high:
                total += math.comb(n, a) * math.comb(n - a, b) * lo**a * hi**b * inside ** (n - a - b)
    return total


@pytest.mark.parametrize("rule", [PAPER_RULE, FrameRule(64, 940, 0, 2), FrameRule(160, 900, 2, 0)])
def test_failure_in_the_pass_region_is_exact(rule):
    """Fig. 8's flat floor of about 2e-11 was truncation leftover: the failure is the exact sum."""
    means = np.array([150.0, 300.0, 625.0, 950.0, 1080.0])
    tails = exact_out_of_range(means, PIXEL_1, rule)
    got = uniform_failure_curve(means, 16, PIXEL_1, rule)
    for i in range(means.size):
        want = _exact_uniform_failure(*(t[i] for t in tails), 16, rule)
        assert got[i] == pytest.approx(float(want), rel=1e-12)
    assert got[means == 625.0].item() < 1e-50  # far below any truncation budget
    if rule == PAPER_RULE:  # the 64 pixels of Fig. 8 (the rational sum takes a few seconds)
        n64 = uniform_failure_curve([625.0], 64, PIXEL_1, rule)[0]
        assert n64 == pytest.approx(float(_exact_uniform_failure(*(t[2] for t in tails), 64, rule)), rel=1e-12)


def test_failure_and_pass_are_computed_apart_and_add_to_one():
    means = np.linspace(0.0, 1400.0, 57)
    for n, rule in [(64, PAPER_RULE), (5, FrameRule(30, 990, 3, 0)), (1000, FrameRule(64, 940, 4, 4))]:
        log_fail, log_pass = log_uniform_fail_pass(*log_out_of_range(means, PIXEL_1, rule), n, rule)
        np.testing.assert_allclose(np.exp(log_fail) + np.exp(log_pass), 1.0, atol=1e-14)
        assert np.all(np.isfinite(log_fail) | (log_fail == -np.inf)) and not np.any(np.isnan(log_pass))


def test_non_uniform_failure_is_the_exact_sum():
    """The dynamic programme's capped states against enumeration in rational arithmetic."""
    rule = FrameRule(64, 940, 1, 0)
    mu = np.array([300.0, 625.0, 700.0, 900.0, 1000.0, 150.0])
    lo, hi, inside = exact_out_of_range(mu, PIXEL_1, rule)
    want = Fraction(0)
    for outcome in itertools.product(range(3), repeat=mu.size):
        o = np.array(outcome)
        if (o == 0).sum() > rule.max_low or (o == 2).sum() > rule.max_high:
            want += math.prod(Fraction(float([lo, inside, hi][k][i])) for i, k in enumerate(outcome))
    assert frame_failure_probability(mu, PIXEL_1, rule) == pytest.approx(float(want), rel=1e-12)
    assert 0 < float(want) < 1e-5


def test_uniform_frame_matches_multinomial():
    mu, n = 1080.0, 64
    lo, hi, inside = (float(x) for x in exact_out_of_range(mu, PIXEL_1))
    ok = sum(
        math.comb(n, a) * math.comb(n - a, b) * lo**a * hi**b * inside ** (n - a - b)
        for a in range(2) for b in range(2)
    )
    assert uniform_failure_curve([mu], n, PIXEL_1)[0] == pytest.approx(1 - ok, abs=1e-13)
    assert frame_failure_probability(np.full((8, 8), mu), PIXEL_1) == pytest.approx(1 - ok, abs=1e-13)


def test_fig8_window():
    """Fig. 8: 64 pixels, N+- = 1, T- = 64, T+ = 940: negligible failure from 150 to 1000."""
    inside = uniform_failure_curve(np.linspace(150, 1000, 171), 64, PIXEL_1)
    assert inside.max() < 1e-6
    outside = uniform_failure_curve([0.0, 30.0, 60.0, 1150.0, 1300.0, 3000.0], 64, PIXEL_1)
    np.testing.assert_allclose(outside, 1.0, atol=1e-9)


def test_fig8_entropy_drops_only_where_frames_fail():
    means = np.arange(0.0, 1401.0, 10.0)
    fail = uniform_failure_curve(means, 64, PIXEL_1)
    h = np.array([conditional_min_entropy(m, PIXEL_1, per_bit=True) for m in means])
    assert np.all(fail[h < 0.97] > 1 - 1e-6)
    # what the paper's wording hides: just above T-, H_min is a little under 0.98 while frames pass
    assert np.any((h < 0.98) & (fail < 1e-6))


def test_fig8_epsilon_sits_where_the_entropy_crosses_the_level():
    # eps of Eq. (9) for H^l = 0.97 is P(pass) where H_min = 0.97: a grid of means misses it
    from scipy.optimize import brentq

    crossing = brentq(lambda m: conditional_min_entropy(m, PIXEL_1, per_bit=True) - 0.97, 80.0, 85.0, xtol=1e-6)
    assert 84.0 < crossing < 84.2
    inside = np.linspace(crossing - 4.0, crossing, 41)  # H_min < 0.97 there, and P(pass) rises to the edge
    assert np.all([conditional_min_entropy(m, PIXEL_1, per_bit=True) < 0.97 for m in inside[:-1:8]])
    tails = exact_out_of_range(inside, PIXEL_1)
    passing = pass_probability(*(np.repeat(t[:, None], 64, axis=1) for t in tails))  # from the passing terms
    assert np.all(np.diff(passing) > 0)
    assert 1.1e-7 < passing[-1] < 1.3e-7 and passing[0] < 1e-12  # at the crossing vs 4 electrons inside


def test_report_progress_bar_can_be_switched_off(monkeypatch, capsys):
    import qkit.qrng.frames as frames

    monkeypatch.setattr(frames, "_PROGRESS_FROM", 2)
    maps = np.linspace(500.0, 700.0, 3)[:, None] * np.ones((1, 4))
    quiet = frame_report(maps, PIXEL_1, progress=False)
    assert "H_min(Z23 | E)" not in capsys.readouterr().err
    loud = frame_report(maps, PIXEL_1)
    assert "H_min(Z23 | E)" in capsys.readouterr().err
    np.testing.assert_array_equal(quiet[1], loud[1])
    assert frame_min_entropy(maps[0], PIXEL_1, progress=False) == pytest.approx(loud[1][0], abs=1e-15)
    with pytest.raises(TypeError, match="progress must be True or False, got"):
        frame_report(maps, PIXEL_1, progress="no")


def test_non_uniform_maps():
    mu = np.full(64, 625.0)
    base = frame_failure_probability(mu, PIXEL_1)
    assert base < 1e-9
    one_dark = mu.copy()
    one_dark[0] = 0.0  # a dead pixel uses up N- = 1
    two_dark = one_dark.copy()
    two_dark[1] = 0.0
    assert frame_failure_probability(one_dark, PIXEL_1) < 1e-9
    assert frame_failure_probability(two_dark, PIXEL_1) == pytest.approx(1.0, abs=1e-12)
    # one dead pixel: the other 63 must now all stay above T-
    lo, hi, inside = exact_out_of_range(100.0, PIXEL_1)
    m = np.full(64, 100.0)
    m[0] = 0.0
    expect = 1 - (inside**63 + 63 * hi * inside**62)  # n- = 1 already, n+ <= 1
    assert frame_failure_probability(m, PIXEL_1) == pytest.approx(expect, abs=1e-12)


def test_monte_carlo_agrees():
    rng = np.random.default_rng(8)
    mu = np.linspace(1040.0, 1100.0, 64)  # a gradient across the frame near T+
    frames = np.stack([sample_adc(m, PIXEL_1, 20_000, rng) for m in mu], axis=1)
    rate = frame_fails(frames).mean()
    p = frame_failure_probability(mu, PIXEL_1)
    assert 0.05 < p < 0.95
    assert abs(rate - p) < 5 * np.sqrt(p * (1 - p) / 20_000)


def test_counts_and_rule():
    frames = np.array([[0, 63, 64, 940, 941, 1023], [100, 100, 100, 100, 100, 100]])
    n_low, n_high = count_out_of_range(frames)
    assert n_low.tolist() == [2, 0] and n_high.tolist() == [2, 0]
    assert frame_fails(frames).tolist() == [True, False]
    assert frame_fails(frames, FrameRule(64, 940, 2, 2)).tolist() == [False, False]


def test_report_and_entropy():
    maps = np.stack([np.full(64, 625.0), np.full(64, 60.0), np.linspace(400, 800, 64)])
    fail, h = frame_report(maps, PIXEL_2)
    assert fail[0] < 1e-9 and fail[1] == pytest.approx(1.0)
    assert h[0] == pytest.approx(conditional_min_entropy(625.0, PIXEL_2, per_bit=True))
    assert h[2] == pytest.approx(frame_min_entropy(maps[2], PIXEL_2))
    assert fail[2] == pytest.approx(frame_failure_probability(maps[2], PIXEL_2), abs=1e-15)


def test_bad_input():
    with pytest.raises(ValueError, match="low_threshold must be < high_threshold.*940.*940"):
        FrameRule(940, 940)
    with pytest.raises(ValueError, match="max_low must satisfy 0 <= max_low, got -1"):
        FrameRule(max_low=-1)
    with pytest.raises(ValueError, match="high_threshold must be a whole number"):
        FrameRule(high_threshold=940.5)
    with pytest.raises(ValueError, match="high_threshold must be <= 255"):
        frame_failure_probability([10.0], Pixel(adc_bits=8))
    with pytest.raises(ValueError, match="mean_map must satisfy 0 <="):
        frame_failure_probability([10.0, -1.0], PIXEL_1)
    with pytest.raises(ValueError, match="empty"):
        frame_failure_probability([], PIXEL_1)
    with pytest.raises(ValueError, match="n_pixels must satisfy 1 <="):
        uniform_failure_curve([1.0], 0, PIXEL_1)
    with pytest.raises(ValueError, match="frames must be an integer array"):
        frame_fails(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="rule must be"):
        frame_fails(np.zeros((2, 3), int), rule=(64, 940))
    with pytest.raises(ValueError, match="p_low must hold probabilities"):
        pass_probability([1.5], [0.0], [0.0])
    with pytest.raises(ValueError, match="mean_maps must have shape"):
        frame_report(np.ones(4), PIXEL_1)

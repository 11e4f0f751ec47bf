"""Property-based tests (hypothesis) of the chip model: qkit.qrng's pmfs, entropies and frames.

Each property holds for every valid input, so hypothesis draws pixels, light levels and rules at
random (few examples each, so the file runs in well under a minute) and checks:

* every pmf (Poisson, the ADC pmf of Z, the kept-bits pmf) sums to 1 within 1e-12 and lies in [0, 1];
* Shannon and min-entropies, and H_min(Z23 | E), lie in [0, kept bits]; H_min <= Shannon;
* H_min(Z23 | E) <= H_min(Z23): knowing the noise never makes guessing harder;
* no light and no noise, or a saturated ADC, give zero entropy;
* frame pass probabilities lie in [0, 1] and grow as the window widens or the counts allowed grow;
* thinning a Poisson mean by an efficiency keeps it Poisson with the product mean.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy import stats

from qkit.qrng.entropy import (
    conditional_min_entropy,
    min_entropy,
    min_entropy_curve,
    shannon_entropy,
)
from qkit.qrng.frames import FrameRule, _uniform_pass, out_of_range_probabilities, pass_probability
from qkit.qrng.photons import photoelectron_pmf, poisson_pmf, poisson_weights
from qkit.qrng.pixel import Pixel
from qkit.qrng.sensor import adc_pmf, kept_bits_pmf

FEW = settings(max_examples=25, deadline=None)
SOME = settings(max_examples=40, deadline=None)

means = st.floats(0.0, 3000.0, allow_nan=False)
sigmas = st.one_of(st.just(0.0), st.floats(0.05, 3.0))


@st.composite
def pixels(draw, adc_bits=st.integers(4, 10)):
    bits = draw(adc_bits)
    kept = draw(st.lists(st.integers(0, bits - 1), min_size=1, max_size=min(3, bits), unique=True))
    return Pixel(gain=draw(st.floats(0.1, 4.0)), readout_mean=draw(st.floats(-40.0, 40.0)),
                 readout_sigma=draw(sigmas), dark_mean=draw(st.floats(0.0, 40.0)), adc_bits=bits,
                 kept_bits=tuple(kept))


@st.composite
def probability_vectors(draw, size=st.integers(2, 64)):
    n = draw(size)
    raw = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    assume(raw.sum() > 1e-3)
    return raw / raw.sum()


def _assert_pmf(p: np.ndarray, atol: float = 1e-12) -> None:
    assert np.all(p >= 0.0) and np.all(p <= 1.0)
    assert abs(float(p.sum()) - 1.0) <= atol


# ---- pmfs --------------------------------------------------------------------------------------

@SOME
@given(mean=st.floats(0.0, 1e6))
def test_poisson_weights_are_a_pmf(mean):
    _, w = poisson_weights(mean)
    _assert_pmf(w)  # the dropped mass is at most the 1e-12 tolerance


@SOME
@given(mean=st.floats(0.0, 5e4))
def test_poisson_pmf_sums_to_one_over_its_support(mean):
    counts = np.arange(0, int(mean + 40 * np.sqrt(mean) + 60))
    _assert_pmf(poisson_pmf(counts, mean))


@FEW
@given(pixel=pixels(), mean=means)
def test_adc_pmf_and_kept_bits_pmf_are_pmfs(pixel, mean):
    z = adc_pmf(mean, pixel)
    assert z.shape == (pixel.adc_max + 1,)
    _assert_pmf(z)
    q = kept_bits_pmf(z, pixel.kept_bits)
    assert q.shape == (1 << pixel.n_kept,)
    _assert_pmf(q)


@SOME
# (scipy's binomial pmf, the reference here, overflows at subnormal efficiencies: start at 1e-6)
@given(mean_photons=st.floats(0.0, 400.0), efficiency=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(1e-6, 1.0)))
def test_thinning_keeps_poisson_with_the_product_mean(mean_photons, efficiency):
    # the explicit sum over photon numbers of Sec. II A, against the Poisson pmf of mean eta * mu
    n = np.arange(0, int(mean_photons + 20 * np.sqrt(mean_photons) + 40))
    k = np.arange(0, 40 + int(efficiency * mean_photons * 1.5))
    thinned = stats.binom.pmf(k[:, None], n[None, :], efficiency) @ poisson_pmf(n, mean_photons)
    np.testing.assert_allclose(photoelectron_pmf(k, mean_photons, efficiency), thinned, rtol=0, atol=1e-12)
    np.testing.assert_allclose(photoelectron_pmf(k, mean_photons, efficiency),
                               poisson_pmf(k, mean_photons * efficiency), rtol=1e-12, atol=0)


# ---- entropies ---------------------------------------------------------------------------------

@SOME
@given(p=probability_vectors(st.sampled_from([2, 4, 8, 16, 32])))
def test_entropies_lie_between_zero_and_the_bits(p):
    bits = np.log2(p.size)
    h, hmin = float(shannon_entropy(p)), float(min_entropy(p))
    assert -1e-12 <= hmin <= h + 1e-12
    assert h <= bits + 1e-12
    assert 0.0 <= float(min_entropy(p, per_bit=True)) <= 1.0 + 1e-12


@SOME
@given(k=st.integers(1, 10))
def test_uniform_distribution_has_all_bits(k):
    u = np.full(1 << k, 1.0 / (1 << k))
    assert float(shannon_entropy(u)) == pytest.approx(k, abs=1e-12)
    assert float(min_entropy(u)) == pytest.approx(k, abs=1e-12)


@FEW
@given(pixel=pixels(adc_bits=st.integers(6, 10)), mean=st.floats(0.0, 1500.0))
@example(pixel=Pixel(gain=1.0, readout_mean=-13.6, readout_sigma=1.0, dark_mean=17.2), mean=625.0)
def test_conditional_min_entropy_is_bounded_by_the_unconditional_one(pixel, mean):
    conditional = conditional_min_entropy(mean, pixel)
    unconditional = float(min_entropy_curve(np.array([mean]), pixel, per_bit=False)[0])
    assert 0.0 <= conditional <= pixel.n_kept
    assert 0.0 <= unconditional <= pixel.n_kept + 1e-12
    # |p_guess error| <= 1e-12 each: the bound holds up to that rounding of -log2
    assert conditional <= unconditional + 1e-9


@SOME
@given(gain=st.floats(0.1, 4.0), readout_mean=st.floats(-40.0, 1100.0), kept=st.sampled_from([(2, 3), (0,), (1, 5, 9)]))
def test_no_light_and_no_noise_gives_zero_entropy(gain, readout_mean, kept):
    pixel = Pixel(gain=gain, readout_mean=readout_mean, readout_sigma=0.0, dark_mean=0.0, kept_bits=kept)
    assert conditional_min_entropy(0.0, pixel) == 0.0
    assert float(min_entropy_curve(np.array([0.0]), pixel)[0]) == pytest.approx(0.0, abs=1e-12)


@FEW
@given(pixel=pixels(adc_bits=st.integers(4, 10)), excess=st.floats(50.0, 500.0))
# a whole-number gain: every breakpoint frac(-K n) is 0 (one f-interval per integer part)
@example(pixel=Pixel(gain=1.0, readout_sigma=1.0, adc_bits=4, kept_bits=(0,)), excess=50.0)
@example(pixel=Pixel(gain=2.0, readout_sigma=0.5, dark_mean=3.0, adc_bits=10, kept_bits=(2, 3)), excess=80.0)
def test_saturated_adc_gives_zero_entropy(pixel, excess):
    # light so strong that K * N + E exceeds adc_max by far more than any fluctuation
    noise_top = pixel.readout_mean + 10 * pixel.readout_sigma
    mean = (pixel.adc_max + excess - noise_top) / pixel.gain
    mean += 12 * np.sqrt(mean) + 20
    assert conditional_min_entropy(mean, pixel) == pytest.approx(0.0, abs=1e-9)
    assert float(min_entropy_curve(np.array([mean]), pixel)[0]) == pytest.approx(0.0, abs=1e-9)
    assert adc_pmf(mean, pixel)[-1] == pytest.approx(1.0, abs=1e-12)


# ---- frames ------------------------------------------------------------------------------------

@st.composite
def frame_pmfs(draw, n_pixels=st.integers(1, 12)):
    """ADC pmfs of 8-bit pixels: Dirichlet draws from a seeded Generator, some very peaked."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    concentration = draw(st.sampled_from([0.01, 0.3, 1.0, 30.0]))
    return rng.dirichlet(np.full(256, concentration), size=draw(n_pixels))


@SOME
@given(z=frame_pmfs(), t_low=st.integers(0, 100), t_high=st.integers(150, 255),
       widen_low=st.integers(0, 50), widen_high=st.integers(0, 50), n_low=st.integers(0, 3), n_high=st.integers(0, 3))
def test_pass_probability_is_a_probability_and_grows_with_the_window(z, t_low, t_high, widen_low, widen_high,
                                                                     n_low, n_high):
    narrow = FrameRule(t_low, t_high, n_low, n_high)
    wide = FrameRule(max(t_low - widen_low, 0), min(t_high + widen_high, 255), n_low, n_high)
    looser = FrameRule(t_low, t_high, n_low + 1, n_high + 2)
    p = {name: float(pass_probability(*out_of_range_probabilities(z, rule), rule))
         for name, rule in (("narrow", narrow), ("wide", wide), ("looser", looser))}
    assert all(0.0 <= v <= 1.0 + 1e-12 for v in p.values())
    assert p["wide"] >= p["narrow"] - 1e-12
    assert p["looser"] >= p["narrow"] - 1e-12


@SOME
@given(z=frame_pmfs(st.just(1)), n_pixels=st.integers(1, 80), n_low=st.integers(0, 4), n_high=st.integers(0, 4))
def test_uniform_closed_form_equals_the_dynamic_programme(z, n_pixels, n_low, n_high):
    z = z[0]
    rule = FrameRule(40, 200, n_low, n_high)
    lo, hi, inside = out_of_range_probabilities(z, rule)
    tiled = [np.full(n_pixels, float(x)) for x in (lo, hi, inside)]
    expected = float(pass_probability(*tiled, rule))
    got = float(_uniform_pass(np.atleast_1d(lo), np.atleast_1d(hi), np.atleast_1d(inside), n_pixels, rule)[0])
    assert 0.0 <= got <= 1.0 + 1e-12
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-14)

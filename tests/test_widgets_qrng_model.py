"""Widgets of notebooks 02, 04, 05 and the pure functions under them."""

import numpy as np
import pytest

from qkit.qrng.entropy import conditional_min_entropy, min_entropy
from qkit.qrng.frames import FrameRule, uniform_failure_curve
from qkit.qrng.pixel import PIXEL_1, Pixel
from qkit.qrng.sensor import adc_pmf, kept_bits_pmf
from qkit.widgets.qrng_model import (
    adc_explorer, adc_view, entropy_explorer, entropy_view, frame_explorer, frame_view,
)


def test_adc_view_is_fig2():
    v = adc_view(625.0)
    assert round(v.min_entropy_per_bit, 3) == 0.982
    np.testing.assert_allclose(v.kept_pmf, kept_bits_pmf(adc_pmf(625.0, v.pixel)), atol=1e-12)
    assert v.bit_min_entropy.shape == (10,)
    assert v.bit_min_entropy[2] == pytest.approx(float(min_entropy(kept_bits_pmf(v.z_pmf, (2,)))))
    assert abs(v.z_pmf.sum() - 1) < 1e-15


def test_adc_view_gain_and_noise():
    v = adc_view(625.0, gain=0.8, pixel_name="pixel 1")
    assert v.pixel == Pixel(gain=0.8, readout_mean=-13.6, readout_sigma=0.21, dark_mean=17.2)
    with pytest.raises(ValueError, match="gain must satisfy 0.5 <= gain <= 1.5"):
        adc_view(625.0, gain=2.0)
    with pytest.raises(ValueError, match="pixel_name must be one of"):
        adc_view(625.0, pixel_name="pixel 9")


def test_adc_explorer_follows_sliders():
    ex = adc_explorer()
    assert "0.982" in ex.figure.axes[1].get_title()
    ex.controls["gain"].value = 0.8
    assert ex.result.pixel.gain == 0.8
    assert ex.result.min_entropy_per_bit == pytest.approx(1.0, abs=1e-3)  # K = 4/5: bits 2, 3 uniform
    # ... but bit 0 is biased by the pile-up: outputs 0 mod 4 take two electron numbers, P(bit 0 = 0) = 3/5
    assert ex.result.bit_min_entropy[0] == pytest.approx(np.log2(5 / 3), abs=1e-3)
    ex.controls["mean"].value = 0.0
    assert ex.result.min_entropy_per_bit == 0.0 and "0.0000" in ex.text


def test_entropy_view_matches_core():
    v = entropy_view(625.0, n_means=8)
    assert v.conditional_at_mean == pytest.approx(conditional_min_entropy(625.0, PIXEL_1, per_bit=True))
    assert v.conditional_at_mean > 0.98 and v.unconditional_at_mean > 0.999
    assert v.means.shape == v.conditional.shape == v.unconditional.shape == (8,)
    assert np.all(v.conditional <= v.unconditional + 1e-12)


def test_entropy_explorer_follows_sliders():
    ex = entropy_explorer()
    before = ex.result.conditional_at_mean
    ex.controls["dark_mean"].value = 0.0
    ex.controls["readout_sigma"].value = 0.0
    assert ex.result.pixel.dark_mean == 0.0 and ex.result.pixel.readout_sigma == 0.0
    # with no noise, Eve's knowledge of E is worthless: conditional = unconditional
    assert ex.result.conditional_at_mean == pytest.approx(ex.result.unconditional_at_mean, abs=1e-12)
    assert ex.result.conditional_at_mean != before
    assert "σ_r = 0" in ex.figure.axes[0].get_title()


def test_frame_view_is_fig8():
    v = frame_view(n_means=141)
    assert v.window[0] <= 150 and v.window[1] >= 1000
    np.testing.assert_array_equal(v.failure, uniform_failure_curve(v.means, 64, PIXEL_1, FrameRule()))
    assert v.entropy.shape == v.means.shape
    assert frame_view(low_threshold=500, high_threshold=520, n_means=41).window is None
    with pytest.raises(ValueError, match="low_threshold must be < high_threshold"):
        frame_view(low_threshold=600, high_threshold=600)


def test_frame_explorer_follows_sliders():
    ex = frame_explorer()
    wide = ex.result.window
    ex.controls["max_out"].value = 0
    assert ex.result.rule.max_low == ex.result.rule.max_high == 0
    assert ex.result.window[0] >= wide[0] and ex.result.window[1] <= wide[1]  # stricter rule
    ex.controls["low_threshold"].value = 200
    assert ex.result.rule.low_threshold == 200 and ex.result.window[0] > wide[0]
    assert "T- = 200" in ex.figure.axes[0].get_title()


def test_entropy_explorer_previews_then_refines_and_memoises_the_curve():
    ex = entropy_explorer()
    ex.wait(300)
    assert not ex.result.preview and ex.result.means.size == 141
    ex.controls["readout_sigma"].value = 0.37  # new noise: the quick curve is a labelled preview
    assert ex.result.preview and ex.result.means.size in (8, 15) and "preview" in ex.text
    assert "preview" in ex.figure.axes[0].get_legend().get_texts()[1].get_text()
    quick = ex.result
    ex.wait(300)
    assert not ex.result.preview and ex.result.means.size == 141 and "preview" not in ex.text
    # the preview's points are exact: they are points of the full curve
    np.testing.assert_allclose(np.interp(quick.means, ex.result.means, ex.result.conditional), quick.conditional,
                               atol=1e-12)
    ex.controls["mean"].value = 900.0  # the curve is memoised: the marker moves, no preview
    assert not ex.result.preview and ex.result.conditional_at_mean == pytest.approx(
        conditional_min_entropy(900.0, ex.result.pixel, per_bit=True))


def test_entropy_view_refuses_bad_noise():
    with pytest.raises(ValueError, match="readout_sigma must satisfy 0 <= readout_sigma <= 3"):
        entropy_view(625.0, readout_sigma=-0.1)
    with pytest.raises(ValueError, match="dark_mean must satisfy"):
        entropy_view(625.0, dark_mean=1e6)
    with pytest.raises(ValueError, match="n_means must satisfy"):
        entropy_view(625.0, n_means=1)


def test_frame_view_memoises_the_pmfs_and_stays_exact():
    for kw in (dict(low_threshold=200), dict(n_pixels=1024, max_out=8), dict(high_threshold=1023, max_out=0)):
        v = frame_view(n_means=141, **kw)
        rule = FrameRule(kw.get("low_threshold", 64), kw.get("high_threshold", 940), kw.get("max_out", 1),
                         kw.get("max_out", 1))
        np.testing.assert_array_equal(v.failure, uniform_failure_curve(v.means, kw.get("n_pixels", 64), PIXEL_1, rule))
    with pytest.raises(ValueError, match="max_out must satisfy 0 <= max_out <= 64"):
        frame_view(max_out=-1)

"""Widgets of notebook 07 (qkit.widgets.extraction) and the plain functions under them."""

import numpy as np
import pytest

from qkit.qrng.entropy import conditional_min_entropy
from qkit.qrng.extraction import extractor_distance, leftover_hash_bound, leftover_hash_length, worst_case_min_entropy
from qkit.qrng.pixel import PIXEL_1
from qkit.widgets.extraction import (
    extractor_explorer, extractor_view, flat_source_pmf, noise_guessing_explorer, noise_guessing_view,
)


@pytest.mark.parametrize("n, k", [(6, 0.0), (6, 3.0), (6, 4.7), (6, 6.0), (3, 1.5)])
def test_flat_source_has_the_min_entropy_asked_for(n, k):
    pmf = flat_source_pmf(n, k)
    assert pmf.shape == (1 << n,) and abs(pmf.sum() - 1) < 1e-12 and pmf.min() >= 0
    assert -np.log2(pmf.max()) == pytest.approx(k, abs=1e-9)
    assert np.count_nonzero(pmf) == int(np.ceil(2.0 ** k - 1e-9))


def test_flat_source_support_follows_the_seed():
    a, b = flat_source_pmf(6, 3.0, seed=1), flat_source_pmf(6, 3.0, seed=2)
    assert not np.array_equal(a > 0, b > 0)
    np.testing.assert_array_equal(a, flat_source_pmf(6, 3.0, seed=1))


def test_extractor_view_matches_the_core():
    v = extractor_view(4096, 0.98, 64.0)
    assert v.min_entropy_bits == pytest.approx(0.98 * 4096)
    assert v.output_length == leftover_hash_length(4096, 0.98 * 4096, 2.0 ** -64) == int(np.floor(0.98 * 4096 - 128))
    assert v.bound == pytest.approx(leftover_hash_bound(0.98 * 4096, v.output_length)) and v.bound <= 2.0 ** -65
    pmf = flat_source_pmf(6, v.small_min_entropy)
    assert v.small_distance[2] == pytest.approx(extractor_distance(pmf, 3), abs=1e-15)
    assert np.all(v.small_distance <= v.small_bound + 1e-12)           # the lemma holds on the exact numbers
    assert np.all(np.diff(v.small_distance) > 0)                        # more output bits, further from uniform
    # the fraction m / n climbs to the rate as n grows (the 2 log2(1/eps) loss is per block)
    assert v.curve_fraction[-1] > 0.979 and v.curve_fraction[0] < v.curve_fraction[-1]


def test_extractor_view_refuses_bad_input():
    with pytest.raises(ValueError, match="min_entropy_rate"):
        extractor_view(4096, 1.5, 64.0)
    with pytest.raises(ValueError, match="log2_inverse_epsilon"):
        extractor_view(4096, 0.9, 0.0)
    with pytest.raises(ValueError, match="small_bits"):
        extractor_view(4096, 0.9, 64.0, small_bits=12)


def test_extractor_explorer_follows_each_control():
    ex = extractor_explorer()
    first = ex.result
    lines = lambda: [line.get_ydata().copy() for ax in ex.figure.axes for line in ax.get_lines()]  # noqa: E731
    drawn = lines()
    ex.controls["block_bits"].value = 1 << 16
    assert ex.result.block_bits == 65536 and ex.result.output_length > first.output_length
    assert "65536" in ex.text and not ex.error
    moved = lines()
    assert any(not np.array_equal(a, b) for a, b in zip(drawn, moved))   # the marker moved
    ex.controls["min_entropy_rate"].value = 0.5
    assert ex.result.output_length == leftover_hash_length(65536, 0.5 * 65536, 2.0 ** -64)
    assert not np.array_equal(ex.result.small_distance, first.small_distance)
    after_rate = lines()
    assert any(not np.array_equal(a, b) for a, b in zip(moved, after_rate))
    ex.controls["log2_inverse_epsilon"].value = 16
    assert ex.result.epsilon == 2.0 ** -16
    assert ex.result.output_length == leftover_hash_length(65536, 0.5 * 65536, 2.0 ** -16)
    assert any(not np.array_equal(a, b) for a, b in zip(after_rate, lines()))
    assert ex.updates == 4


def test_noise_guessing_view_is_worst_and_average_case():
    v = noise_guessing_view(50.0, "pixel 1")
    assert v.average_per_bit == pytest.approx(conditional_min_entropy(50.0, PIXEL_1, per_bit=True), abs=1e-9)
    assert v.worst_per_bit == pytest.approx(worst_case_min_entropy(50.0, PIXEL_1, per_bit=True), abs=1e-12)
    assert v.worst == v.guessing_probability[v.central].max() and v.worst_per_bit < v.average_per_bit
    assert abs(v.mass.sum() - 1) < 1e-9


def test_noise_guessing_explorer_follows_each_control():
    ex = noise_guessing_explorer()
    before = ex.result
    ex.controls["mean"].value = 625.0
    assert ex.result.mean == 625.0 and ex.result.average_per_bit > 0.98 > before.average_per_bit
    assert "0.98175" in ex.text
    ex.controls["pixel_name"].value = "noise-free (Fig. 2)"
    assert ex.result.pixel_name == "noise-free (Fig. 2)"
    # one noise value: nothing to average, so the worst case is the average case
    assert ex.result.worst_per_bit == pytest.approx(ex.result.average_per_bit, abs=1e-12)
    assert ex.result.noise_low.size < before.noise_low.size
    with pytest.raises(ValueError, match="pixel_name"):
        noise_guessing_view(50.0, "pixel 9")


def test_extractor_text_says_no_output_bits_when_m_is_zero():
    ex = extractor_explorer(block_bits=64, min_entropy_rate=0.5, log2_inverse_epsilon=64)
    assert ex.result.output_length == 0 and "no output bits" in ex.text and "bound" not in ex.text
    ex.controls["block_bits"].value = 4096
    assert "bound" in ex.text and "no output bits" not in ex.text


def test_noise_guessing_view_flags_adc_saturation_and_the_slider_stops_before_it():
    assert noise_guessing_view(625.0).saturation < 1e-12
    high = noise_guessing_view(1200.0)
    assert 0.01 < high.saturation < 0.5 and high.average_per_bit < 0.9   # the top of the ADC is reached
    saturated = noise_guessing_view(1400.0)
    assert saturated.saturation > 0.99 and saturated.worst_per_bit < 1e-6 and saturated.average_per_bit < 1e-4
    ex = noise_guessing_explorer()
    assert ex.controls["mean"].max == 1200
    ex.controls["mean"].value = 1200.0
    assert "ADC saturates" in ex.figure.axes[0].get_title()
    assert not ex.figure.axes[0].yaxis.get_offset_text().get_text()   # no offset text over the title
    with pytest.raises(ValueError, match="mean"):
        noise_guessing_explorer(mean=1400.0)


@pytest.mark.parametrize("first, second", [("pixel 1", "noise-free (Fig. 2)"), ("noise-free (Fig. 2)", "pixel 2")])
def test_noise_guessing_redraw_switches_markers_and_steps_in_place(first, second):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from qkit.plots.extraction import draw_noise_guessing, redraw_noise_guessing

    def pixels(fig):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    shown, fresh = Figure(figsize=(10, 3.8)), Figure(figsize=(10, 3.8))
    draw_noise_guessing(shown, noise_guessing_view(50.0, first))
    pixels(shown)
    view = noise_guessing_view(50.0, second)
    assert redraw_noise_guessing(shown, view) is True  # restyled in place, not drawn anew
    draw_noise_guessing(fresh, view)
    assert np.array_equal(pixels(shown), pixels(fresh))

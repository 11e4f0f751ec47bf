"""Widgets of notebooks 02, 04, 05 and the pure functions under them."""

import dataclasses

import numpy as np
import pytest

from qkit.qrng.entropy import conditional_min_entropy, conditional_min_entropy_curve, min_entropy, min_entropy_curve
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
    # a certain outcome: +0, never "-0.0000" (-log2(1) is -0.0 in floating point)
    assert "-0.0" not in ex.text and "-0.0" not in ex.figure.axes[1].get_title()
    assert np.all(np.signbit(ex.result.bit_min_entropy) == False)  # noqa: E712
    assert ex.figure.axes[1].get_ylim()[1] < 1.5  # the kept-bit axis no longer runs to 2.5


def test_adc_view_largest_deviation_and_fixed_kept_bit_scale():
    import matplotlib
    from matplotlib.figure import Figure
    from qkit.plots.qrng_model import draw_adc

    matplotlib.use("Agg")
    fair, fig2 = adc_view(625.0, gain=1.2), adc_view(625.0)
    assert fig2.largest_deviation == pytest.approx(np.abs(fig2.kept_pmf - 0.25).max())
    assert 0.014 < fig2.largest_deviation < 0.015 and fair.largest_deviation < 1e-4
    limits = []
    for view in (fair, fig2):
        fig = Figure(figsize=(11, 3.6))
        draw_adc(fig, view)
        limits.append(fig.axes[1].get_ylim())
        assert f"{view.largest_deviation:.1e}" in fig.axes[1].get_title()
        labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
        assert "most likely value" in labels and "uniform" in labels
        assert "kept bits 2, 3" in [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
    # one y-range for both nearly fair cases: a 0.99995-per-bit case is not stretched to look biased
    assert limits[0] == pytest.approx((0.2, 0.35)) and limits[1] == pytest.approx((0.2, 0.35))


def test_entropy_view_matches_core():
    v = entropy_view(625.0, n_means=8)
    assert v.conditional_at_mean == pytest.approx(conditional_min_entropy(625.0, PIXEL_1, per_bit=True))
    assert v.conditional_at_mean > 0.98 and v.unconditional_at_mean > 0.999
    assert v.means.shape == v.conditional.shape == v.unconditional.shape == (8,)
    assert np.all(v.conditional <= v.unconditional + 1e-12)
    # Table I noise is its own reference: nothing changes
    np.testing.assert_array_equal(v.reference_conditional, v.conditional)
    assert v.conditional_change == 0.0 and v.unconditional_change == 0.0


def test_entropy_view_compares_with_table_i_noise_at_the_same_gain():
    v = entropy_view(625.0, readout_sigma=0.0, n_means=15, gain=0.9)
    reference = dataclasses.replace(PIXEL_1, gain=0.9)
    np.testing.assert_allclose(v.reference_conditional, conditional_min_entropy_curve(v.means, reference), atol=1e-12)
    np.testing.assert_allclose(v.unconditional, min_entropy_curve(v.means, v.pixel), atol=1e-12)
    inside = (v.means >= 500) & (v.means <= 750)
    assert v.unconditional_change == pytest.approx(np.abs(v.unconditional - v.reference_unconditional)[inside].max())
    assert v.conditional_change == pytest.approx(np.abs(v.conditional - v.reference_conditional)[inside].max())
    # a grid with no mean inside [500, 750] compares everywhere instead of failing or giving NaN
    coarse = entropy_view(625.0, readout_sigma=0.0, n_means=2)
    assert np.isfinite(coarse.conditional_change) and np.isfinite(coarse.unconditional_change)


def test_entropy_view_compares_a_new_gain_with_the_factory_gain():
    # only K moved: the reference is Table I pixel 1 itself (K = 0.8192), not the pixel again
    v = entropy_view(625.0, n_means=15, gain=0.8)
    assert v.reference == PIXEL_1 and v.compared_with == "Table I pixel 1 (K = 0.8192)"
    np.testing.assert_allclose(v.reference_conditional, conditional_min_entropy_curve(v.means, PIXEL_1), atol=1e-12)
    inside = (v.means >= 500) & (v.means <= 750)
    assert v.conditional_change == pytest.approx(np.abs(v.conditional - v.reference_conditional)[inside].max())
    assert v.conditional_change > 0.01  # 1.0000 at K = 4/5 against 0.9817 at the factory gain
    # K and the noise both moved: the noise is what is compared, at the same gain
    both = entropy_view(625.0, readout_sigma=0.0, n_means=15, gain=0.8)
    assert both.reference == dataclasses.replace(PIXEL_1, gain=0.8)
    assert both.compared_with == "Table I noise at K = 0.8000"
    assert entropy_view(625.0, n_means=15).compared_with == ""


def test_entropy_text_and_title_name_the_reference_in_words():
    ex = entropy_explorer()
    ex.wait(300)
    assert "0 and 0" not in ex.text and "Table I's values" in ex.text
    assert "move K, σ_r or μ_dark" in ex.figure.axes[0].get_title()
    ex.controls["gain"].value = 0.8
    ex.wait(300)
    ax = ex.figure.axes[0]
    assert "Table I pixel 1 (K = 0.8192)" in ex.text and "Table I pixel 1 (K = 0.8192)" in ax.get_title()
    dashed = [line for line in ax.lines if line.get_linestyle() == "--" and len(line.get_xdata()) > 2]
    assert len(dashed) == 2  # the factory-gain curves are drawn when only K moved
    np.testing.assert_allclose(dashed[0].get_ydata(), conditional_min_entropy_curve(ex.result.means, PIXEL_1),
                               atol=1e-12)


def _legend_covers_a_curve(ax):
    """True if the legend box holds a drawn point of a curve (display coordinates)."""
    ax.figure.canvas.draw()
    box = ax.get_legend().get_window_extent()
    for line in ax.lines:
        if len(line.get_xdata()) <= 2:  # the paper's 0.98 line and the marker: not curves
            continue
        x, y = line.get_xdata(), line.get_ydata()
        dense = np.linspace(x[0], x[-1], 2000)  # the segments between the points count too
        xy = ax.transData.transform(np.column_stack([dense, np.interp(dense, x, y)]))
        if any(box.contains(*point) for point in xy):
            return True
    return False


def test_entropy_explorer_preview_is_dots_and_the_legend_stays_off_the_curves():
    for gain in (0.5, 0.8192, 1.2):  # at K = 1.2 the collapse is near mu_e = 850, mid-figure
        ex = entropy_explorer(gain=gain)
        ex.wait(300)
        assert not _legend_covers_a_curve(ex.figure.axes[0]), f"K = {gain}: the legend covers a curve"
    ex.controls["readout_sigma"].value = 0.53  # a new noise: the quick preview is drawn first
    assert ex.result.preview
    curves = [line for line in ex.figure.axes[0].lines if len(line.get_xdata()) == ex.result.means.size]
    assert curves and all(line.get_linestyle() == "None" and line.get_marker() != "None" for line in curves)
    ex.wait(300)


def _drawn(explorer):
    """Every line of the explorer's figure as (x, y) tuples, and its title."""
    ax = explorer.figure.axes[0]
    return [(tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax.lines], ax.get_title()


def test_entropy_explorer_every_control_changes_the_figure():
    ex = entropy_explorer()
    ex.wait(300)
    lines, title = _drawn(ex)
    for name, value in (("mean", 300.0), ("gain", 0.9), ("readout_sigma", 0.0), ("dark_mean", 60.0)):
        ex.controls[name].value = value
        ex.wait(300)
        new_lines, new_title = _drawn(ex)
        assert new_title != title, f"{name}: the title did not change"
        assert new_lines != lines, f"{name}: no drawn line changed"
        lines, title = new_lines, new_title
    assert ex.result.pixel == Pixel(gain=0.9, readout_mean=-13.6, readout_sigma=0.0, dark_mean=60.0)
    assert ex.result.mean == 300.0 and "K = 0.9000" in title and "σ_r = 0" in title


def test_entropy_explorer_shows_what_the_noise_changes():
    ex = entropy_explorer()
    ex.wait(300)
    table_i = ex.result
    assert table_i.conditional_change == table_i.unconditional_change == 0.0
    # without readout noise the pile-up comes back for a learner who does not know E (0.018 per bit),
    # while Eve, who knows E, barely notices: the change shows in the title and in the orange curve
    ex.controls["readout_sigma"].value = 0.0
    ex.wait(300)
    v = ex.result
    assert v.unconditional_change == pytest.approx(0.018, abs=0.001) and v.conditional_change < 1e-4
    assert not np.allclose(v.unconditional, table_i.unconditional, atol=1e-3)
    assert "0.018" in ex.figure.axes[0].get_title()
    # dark electrons shift E by K mu_dark on average: saturation comes earlier for both curves
    ex.controls["readout_sigma"].value = 0.21
    ex.controls["dark_mean"].value = 60.0
    ex.wait(300)
    v = ex.result
    late = v.means >= 1100
    assert np.all(v.conditional[late] <= table_i.conditional[late] + 1e-9)
    assert np.abs(v.conditional - table_i.conditional)[late].max() > 0.3
    # the gain sets the plateau (K = 0.8 = 4/5 makes bits 2 and 3 uniform)
    ex.controls["dark_mean"].value = 17.2
    ex.controls["gain"].value = 0.8
    ex.wait(300)
    assert ex.result.conditional_at_mean > 0.9999 > table_i.conditional_at_mean + 0.01
    # with no noise at all, knowing E is worthless: the two curves coincide
    ex.controls["readout_sigma"].value = 0.0
    ex.controls["dark_mean"].value = 0.0
    ex.wait(300)
    assert ex.result.conditional_at_mean == pytest.approx(ex.result.unconditional_at_mean, abs=1e-12)


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
    assert ex.result.preview and ex.result.means.size == 8 and "preview" in ex.text
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


def test_frame_explorer_reports_the_entropy_it_lets_through():
    ex = frame_explorer()
    assert "lowest H_min where frames pass: " in ex.text
    assert ex.result.lowest_passing_entropy == pytest.approx(
        ex.result.entropy[ex.result.failure < 1e-6].min(), abs=0)
    assert 0.97 < ex.result.lowest_passing_entropy < 0.98  # the dim-side dip of the paper's rule
    ex.controls["low_threshold"].value = 0  # nothing is below T- = 0: frames pass at mu_e = 0, H_min = 0
    assert ex.result.window[0] == 0.0 and ex.result.lowest_passing_entropy < 0.01
    assert f"lowest H_min where frames pass: {ex.result.lowest_passing_entropy:.4f}" in ex.text
    ex.controls["low_threshold"].value = 64
    ex.controls["high_threshold"].value = 1023  # nothing is above T+ = 1023: saturated frames pass
    assert ex.result.window[1] == 1400.0 and ex.result.lowest_passing_entropy < 0.1


def test_frame_explorer_says_when_no_frame_can_fail():
    ex = frame_explorer(n_pixels=1)
    assert ex.result.never_fails and np.all(ex.result.failure == 0.0)  # n- and n+ are at most 1 = N+-
    assert ex.text.startswith("1 pixel:") and "1 pixels" not in ex.text and "no frame can fail" in ex.text
    assert "no frame can fail" in ex.figure.axes[0].get_title()
    ex.controls["n_pixels"].value = 2  # two pixels can both read below T-
    assert not ex.result.never_fails and ex.result.failure.max() > 0.99 and "no frame can fail" not in ex.text
    none = frame_view(low_threshold=500, high_threshold=520, n_pixels=16, n_means=41)
    assert none.window is None and none.lowest_passing_entropy is None
    from qkit.widgets.qrng_model import _describe_frames
    assert _describe_frames(none) == "16 pixels: no mean gives failure < 1e-6"


@pytest.mark.parametrize("first, second", [
    (dict(readout_sigma=0.21, dark_mean=17.2), dict(readout_sigma=1.5, dark_mean=17.2)),  # the comparison appears
    (dict(readout_sigma=1.5, dark_mean=40.0), dict(readout_sigma=0.21, dark_mean=17.2)),  # ... and goes
])
def test_entropy_redraw_shows_and_hides_the_comparison_in_place(first, second):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from qkit.plots.qrng_model import draw_entropy
    from qkit.plots.qrng_model_redraw import redraw_entropy

    def pixels(fig):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    a, b = entropy_view(625.0, n_means=21, **first), entropy_view(625.0, n_means=21, **second)
    assert bool(a.compared_with) != bool(b.compared_with)
    shown, fresh = Figure(figsize=(9, 4.4)), Figure(figsize=(9, 4.4))
    draw_entropy(shown, a)
    pixels(shown)
    assert redraw_entropy(shown, b) is True  # filled or emptied in place, not drawn anew
    draw_entropy(fresh, b)
    assert np.array_equal(pixels(shown), pixels(fresh))

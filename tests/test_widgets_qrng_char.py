"""Widgets of notebooks 01 and 03: the pure views under them, and the explorers driven headlessly."""

import numpy as np
import pytest
from scipy import stats

from qkit.qrng.pixel import PIXEL_1
from qkit.widgets.qrng_char import (
    correlation_explorer,
    correlation_view,
    dark_fit_explorer,
    dark_fit_view,
    multimode_explorer,
    multimode_view,
    thinning_explorer,
    thinning_view,
    transfer_explorer,
    transfer_view,
)


def test_multimode_light_tends_to_poisson():
    one = multimode_view(20.0, 1.0)
    # one thermal mode: geometric (Bose-Einstein) law, p(n) = m^n / (1 + m)^(n + 1)
    np.testing.assert_allclose(one.thermal[:5], 20.0 ** np.arange(5) / 21.0 ** np.arange(1, 6), rtol=1e-12)
    assert one.fano == pytest.approx(21.0)
    many = multimode_view(20.0, 1e6)
    assert many.fano == pytest.approx(1.00002)
    assert many.distance < 1e-4 < one.distance
    for view in (one, many):
        n = view.counts
        assert view.thermal.sum() == pytest.approx(1.0, abs=1e-11)
        variance = np.sum(n**2 * view.thermal) - np.sum(n * view.thermal) ** 2
        assert variance == pytest.approx(view.fano * view.mean, rel=1e-9)


def test_samples_to_tell_follows_the_standard_error_of_a_sample_fano_factor():
    view = multimode_view(625.0, 1e4)  # F - 1 = 0.0625
    assert view.samples_to_tell == pytest.approx(18 / 0.0625**2)
    # the sample Fano factor of n Poisson counts scatters by sqrt(2 / n): check it by simulation
    rng = np.random.default_rng(11)
    counts = rng.poisson(625.0, (400, 4608))
    fano = counts.var(axis=1, ddof=1) / counts.mean(axis=1)
    assert fano.std() == pytest.approx(np.sqrt(2 / 4608), rel=0.15)
    # and at that many samples thermal light of 10^4 modes sits about 3 of them above 1
    thermal = rng.negative_binomial(1e4, 1e4 / (1e4 + 625.0), (400, 4608))
    shift = (thermal.var(axis=1, ddof=1) / thermal.mean(axis=1)).mean() - 1
    assert shift / np.sqrt(2 / 4608) == pytest.approx(3.0, rel=0.15)


def test_multimode_and_thinning_figures_say_what_the_numbers_say():
    import matplotlib
    from matplotlib.figure import Figure
    from qkit.plots.qrng_char import draw_multimode, draw_thinning

    matplotlib.use("Agg")
    texts = {}
    for modes in (1.0, 1e6):
        fig = Figure(figsize=(7.5, 3.8))
        draw_multimode(fig, multimode_view(20.0, modes))
        texts[modes] = (fig.axes[0].get_legend().get_texts()[0].get_text(), fig.axes[0].get_title())
    assert texts[1.0][0] == "M = 1 thermal mode" and "clearly wider" in texts[1.0][1]
    assert texts[1e6][0] == "M = $10^{6}$ thermal modes" and "4.5 \\times 10^{10}$ samples" in texts[1e6][1]
    small = thinning_view(40.0, 0.5, 100, seed=0)
    assert small.fano == pytest.approx(small.sample_variance / small.sample_mean)
    assert small.fano_error == pytest.approx(np.sqrt(2 / 100))
    fig = Figure(figsize=(7.5, 3.8))
    draw_thinning(fig, small)
    title = fig.axes[0].get_title()
    assert title.startswith("100 samples:") and f"{small.fano:.3f} ± 0.141" in title
    assert f"p = {small.test.p_value:.2f}" in title


def test_thinning_view_samples_agree_with_exact_poisson():
    view = thinning_view(200.0, 0.25, 100_000, seed=3)
    assert view.exact.sum() == pytest.approx(1.0, abs=1e-12)
    assert view.observed.sum() == 100_000
    assert view.sample_mean == pytest.approx(50.0, abs=5 * np.sqrt(50 / 1e5))
    # variance of the sample variance of a Poisson(50): about 2 * 50^2 / n
    assert view.sample_variance == pytest.approx(50.0, abs=5 * np.sqrt(2 * 50**2 / 1e5))
    assert view.test.p_value > 1e-3
    with pytest.raises(ValueError, match="efficiency must satisfy 0 < efficiency <= 1"):
        thinning_view(10.0, 0.0, 100)


def test_dark_fit_view_recovers_the_pixel():
    view = dark_fit_view(8.0, 0.21, 17.2, 100_000, seed=2)
    assert view.fit.converged and np.all(np.abs(view.pulls) < 3)
    assert view.exact.sum() == pytest.approx(1.0, abs=1e-12)
    assert view.counts.sum() == 100_000
    assert view.fit.pixel.readout_mean == pytest.approx(PIXEL_1.readout_mean, abs=3 * view.fit.error("readout_mean"))


def test_transfer_view_exact_moments_lie_on_the_line():
    view = transfer_view(1000.0, 6, 5000, seed=1)
    slope, intercept = np.polyfit(view.exact_means, view.exact_variances, 1)
    assert slope == pytest.approx(PIXEL_1.gain, rel=1e-6)
    expected = PIXEL_1.readout_sigma**2 + 1 / 12 - PIXEL_1.gain * (PIXEL_1.readout_mean - 0.5)
    assert intercept == pytest.approx(expected, rel=1e-6)
    assert abs(view.curve.gain - PIXEL_1.gain) < 3 * view.curve.gain_error
    assert np.all(view.clipped == 0)
    bright = transfer_view(2000.0, 8, 2000, seed=1)
    # mu_e = 2000 would read ~1620 steps: the 10-bit ADC saturates, and those levels are left out
    assert bright.clipped[-1] == 1.0 and bright.variances[-1] == 0.0
    assert not bright.fitted[-1] and bright.fitted[0]
    assert abs(bright.curve.gain - PIXEL_1.gain) < 3 * bright.curve.gain_error
    with pytest.raises(ValueError, match="need at least 3: the brightest level saturates at 1023: lower"):
        transfer_view(2000.0, 3, 2000, seed=1)
    # the tryout report: at mu_e = 100 the dimmest level (10 e-) is what clips, at Z = 0; lowering is not the cure
    with pytest.raises(ValueError, match="need at least 3: the dimmest level reads Z = 0 too often.*raise the bright"):
        transfer_view(100.0, 3, 10_000, seed=0)


def test_correlation_view_spread_and_led_noise():
    quiet = correlation_view(20_000, 0.0, 0.0, n_pixels=32, seed=4)
    assert quiet.expected_pair == 0.0
    assert quiet.summary.pair_std == pytest.approx(1 / np.sqrt(20_000), rel=0.1)
    noisy = correlation_view(20_000, 0.02, 0.8, n_pixels=8, seed=4)
    # common LED noise: rho_ij = (K mu s)^2 / Var Z and rho_i(l) = rho_ij * memory**l
    assert noisy.expected_pair == pytest.approx(0.196, abs=0.001)
    assert np.mean(noisy.summary.pairs) == pytest.approx(noisy.expected_pair, abs=0.03)
    lag_one = np.mean(noisy.summary.lags[:, 0])
    assert lag_one == pytest.approx(noisy.expected_pair * 0.8, abs=0.04)
    assert noisy.summary.pairs_outside > 0.5 and noisy.summary.lags_outside > 0.2


@pytest.mark.parametrize(
    "build, control, value, attribute",
    [
        (multimode_explorer, "log10_modes", 4.0, "modes"),
        (thinning_explorer, "efficiency", 0.2, "efficiency"),
        (correlation_explorer, "intensity_noise", 0.01, "intensity_noise"),
    ],
)
def test_explorers_follow_their_controls(build, control, value, attribute):
    ex = build()
    ex.wait(120)  # thinning and correlation show a labelled preview first, then the full sample
    title = ex.figure.axes[-1].get_title()
    ex.controls[control].value = value
    ex.wait(120)
    got = getattr(ex.result, attribute)
    assert got == pytest.approx(10**value if attribute == "modes" else value)
    assert ex.error == "" and ex.updates == 2 and ex.text
    assert ex.figure.axes and (ex.figure.axes[-1].get_title() != title or attribute == "efficiency")


def test_dark_fit_explorer_reports_the_fit():
    ex = dark_fit_explorer()
    assert ex.result.preview and ex.result.fit is None and "fitting" in ex.text  # histogram at once
    ex.wait(120)
    assert not ex.result.preview and ("μ_dark = 17.1" in ex.text or "μ_dark = 17.2" in ex.text)
    ex.controls["readout_sigma"].value = 0.5
    ex.wait(120)
    assert ex.result.pixel.readout_sigma == 0.5 and "(true 0.5)" in ex.text
    assert "within 3 error bars" in ex.figure.axes[0].get_title()


@pytest.mark.parametrize("offset, dark_mean", [(0.0, 1.5), (8.0, 1.5), (8.0, 3.0), (8.0, 6.0), (0.0, 17.2)])
def test_dark_fit_view_refuses_to_fit_a_clipped_histogram(offset, dark_mean):
    """The reader's report: offset 0 or 8 with a small dark mean gave NaN, +-inf or a wrong 'converged' fit."""
    view = dark_fit_view(offset, 0.21, dark_mean, 100_000, seed=1)
    assert view.clipped > 0.5 and view.fit is None and view.fitted is None and view.pulls is None
    assert "clipped at Z = 0" in view.verdict and "shift the offset" in view.verdict
    # the tryout report: the one-half line is the explorer's rule, not an impossibility (notebook 03 fits 57 %)
    assert "not an impossibility" in view.verdict and "no fit can recover" not in view.verdict
    assert np.all(np.isfinite(view.counts)) and np.all(np.isfinite(view.exact))


def test_dark_fit_view_warns_when_another_comb_fits_as_well():
    few = dark_fit_view(8.0, 0.21, 17.2, 1000, seed=0)
    # 1000 readings cannot tell the pile-up comb of mu_r from the one a gain step away
    assert few.fit is not None and "neighbouring pile-up comb" in few.verdict
    # notebook 03, cell 21: "below about 10^4 frames a neighbouring pile-up comb can win" (the slider's 10^3.5)
    below = dark_fit_view(8.0, 0.21, 17.2, 3162, seed=0)
    assert np.max(np.abs(below.pulls)) > 3 and "neighbouring pile-up comb" in below.verdict
    at = dark_fit_view(8.0, 0.21, 17.2, 10_000, seed=0)
    assert at.verdict == "" and np.all(np.abs(at.pulls) < 3)
    many = dark_fit_view(8.0, 0.21, 17.2, 100_000, seed=0)
    assert many.fit is not None and many.verdict == "" and np.all(np.abs(many.pulls) < 3)
    assert np.all(np.isfinite(many.fit.errors))


def test_dark_fit_explorer_says_why_there_is_no_fit():
    ex = dark_fit_explorer()
    ex.controls["dark_mean"].value = 2.0
    ex.wait(120)
    assert ex.result.fit is None and ex.error == ""
    assert ex.text.startswith("100 % of the readings") or "% of the readings are clipped" in ex.text
    assert "nan" not in ex.text.lower() and "inf" not in ex.text
    assert ex.figure.axes[0].get_title() == "No fit: over half the readings at Z = 0 (the explorer's rule)"


def test_transfer_explorer_shows_saturation():
    ex = transfer_explorer()
    assert "Linear" in ex.figure.axes[1].get_title()
    ex.controls["max_photoelectrons"].value = 1500.0
    assert ex.result.clipped.max() > 1e-3
    assert "Clipping bends the line" in ex.figure.axes[1].get_title()


def test_transfer_view_reports_the_gain_of_the_pixel_it_simulated():
    from qkit.qrng.pixel import Pixel
    from qkit.widgets.qrng_char import transfer_view

    pixel = Pixel(gain=0.6, readout_mean=-5.0, readout_sigma=0.3, dark_mean=10.0)
    view = transfer_view(800.0, 5, 2000, pixel=pixel)
    assert view.pixel.gain == 0.6
    assert abs(view.curve.gain - 0.6) < 5 * view.curve.gain_error


def _assert_meaningful(view):
    """What the explorer shows for one setting: numbers only with finite error bars, else a reason."""
    import re

    from matplotlib.figure import Figure

    from qkit.plots.qrng_char import draw_dark_fit
    from qkit.widgets._dark_fit import _describe_dark_fit

    text = _describe_dark_fit(view)
    assert not re.search(r"\bnan\b|\binf\b|±\s*inf", text.lower()), text
    fig = Figure()
    draw_dark_fit(fig, view)
    title = fig.axes[0].get_title()
    if view.fit is None:
        assert view.verdict and text.startswith(view.verdict[0].upper()) and title.startswith("No fit: ")
        assert "no clear optimum" not in title  # every refusal has a named reason
    else:
        assert view.fit.converged and np.all(np.isfinite(view.fit.errors)) and np.all(view.fit.errors > 0)
        if np.max(np.abs(view.pulls)) > 3:
            assert "standard errors from the truth" in view.verdict and "Why: " in view.verdict, view.verdict
            assert title == "Fit misses the truth by more than 3 error bars" and "Caution:" in text
        else:
            assert view.verdict in ("",) or "neighbouring pile-up comb" in view.verdict


_SWEEP = ([(offset, 0.21, dark, 10_000) for offset in (0.0, 8.0, 16.0) for dark in (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)]
          + [(0.0, 0.05, 40.0, 1000), (16.0, 1.5, 1.0, 1000), (16.0, 0.05, 1.0, 1000), (12.0, 1.5, 40.0, 1000)])


@pytest.mark.parametrize("offset, sigma, dark, frames", _SWEEP)
def test_dark_fit_view_sweep_shows_nothing_meaningless(offset, sigma, dark, frames):
    """The reader's report: offsets 0 and 8 with dark_mean 1-6 (and the controls' extremes) gave NaN,
    +-inf, or converged fits far from the truth without a word."""
    view = dark_fit_view(offset, sigma, dark, frames, seed=0)
    _assert_meaningful(view)
    if offset < 16.0 and dark <= 6.0:
        assert view.fit is None and "clipped at Z = 0" in view.verdict


@pytest.mark.parametrize("offset, sigma, dark, frames, words", [
    (16.0, 0.05, 1.0, 10_000, ["cannot pin σ_r down", "consistent with 0", "far below one ADC step"]),
    (10.0, 1.5, 6.0, 100_000, ["standard errors from the truth", "local optimum", "better by"]),
    (16.0, 0.21, 1.0, 10_000, ["11 standard errors from the truth", "not one quadratic bowl"]),
    (8.0, 0.21, 17.2, 1000, ["standard errors from the truth", "neighbouring pile-up comb"]),
])
def test_dark_fit_view_says_why_a_fit_means_little(offset, sigma, dark, frames, words):
    view = dark_fit_view(offset, sigma, dark, frames, seed=0)
    _assert_meaningful(view)
    for w in words:
        assert w in view.verdict, (w, view.verdict)


def test_dark_fit_view_reports_a_fit_that_did_not_converge(monkeypatch):
    import dataclasses

    from qkit.widgets import _dark_fit

    real = _dark_fit.fit_dark_histogram

    def stopped(*args, **kwargs):
        return dataclasses.replace(real(*args, **kwargs), converged=False,
                                   problem="the optimiser stopped 0.3 nats short of an optimum after 200 iterations")

    monkeypatch.setattr(_dark_fit, "fit_dark_histogram", stopped)
    view = dark_fit_view(8.0, 0.21, 17.2, 20_000, seed=3)
    _assert_meaningful(view)
    assert view.verdict.startswith("the fit did not converge: the optimiser stopped 0.3 nats short")

    def fails(*args, **kwargs):
        raise FloatingPointError("overflow in the gradient")

    monkeypatch.setattr(_dark_fit, "fit_dark_histogram", fails)
    view = dark_fit_view(8.0, 0.21, 17.2, 20_000, seed=4)
    _assert_meaningful(view)
    assert view.verdict == "the fit did not converge: overflow in the gradient"


def test_a_nearly_singular_hessian_is_named():
    import dataclasses

    from qkit.widgets._dark_fit import _undetermined

    view = dark_fit_view(12.0, 0.21, 4.0, 10_000, seed=0)
    fit = view.fit
    assert _undetermined(fit, view.pixel, 12.0, 0.38) == ""
    d = np.array([0.02, 0.01, 0.03])
    correlation = np.array([[1.0, 0.1, -0.99995], [0.1, 1.0, -0.1], [-0.99995, -0.1, 1.0]])
    ridge = dataclasses.replace(fit, covariance=correlation * np.outer(d, d), errors=d)
    text = _undetermined(ridge, view.pixel, 12.0, 0.38)
    assert text.startswith("the data cannot separate μ_r from μ_dark at this offset") and "-0.9999" in text
    assert "clipping at Z = 0 hides 38 %" in text


def test_why_names_the_cause_the_reader_can_act_on():
    """The tryout report, item 8: reasons from the parameters set, in the order that explains the fit."""
    from qkit.qrng.pixel import Pixel
    from qkit.widgets._dark_fit import _clipped_verdict, _why

    noisy = dark_fit_view(16.0, 1.5, 1.0, 1000, seed=0)  # sigma_r^2 = 2.25 >> K^2 mu_dark = 0.67
    assert noisy.fit is None and "the readout noise you set dominates" in noisy.verdict
    assert "shift the offset" not in noisy.verdict
    far = dark_fit_view(8.0, 1.5, 40.0, 1000, seed=0)  # 5 electrons off, not one comb: not the rival-comb reason
    assert "not one quadratic bowl" in far.verdict and "neighbouring pile-up comb" not in far.verdict
    comb = dark_fit_view(8.0, 0.21, 17.2, 1000, seed=0)  # the truth sits on the next comb
    assert "μ_r moved by one gain step, μ_dark by one electron" in comb.verdict and "mu_r" not in comb.verdict
    pixel = Pixel(gain=0.8192, readout_mean=-13.6, readout_sigma=0.21, dark_mean=4.0)
    assert _why(pixel, 8.0, 0.38).endswith("shift the offset up")
    assert _why(pixel, 16.0, 0.38).endswith("raise the dark mean")  # the offset slider is at its top
    assert "shift the offset" not in _clipped_verdict(0.6, 16.0) and "raise the dark mean" in _clipped_verdict(0.6, 16.0)
    washed = Pixel(gain=0.8192, readout_mean=-13.6, readout_sigma=0.9, dark_mean=17.2)
    assert _why(washed, 8.0, 0.0).startswith("the readout noise you set, σ_r = 0.9 steps, is comparable to the comb")


def test_transfer_and_correlation_figures_are_readable():
    """The tryout report, item 14: one colour per level at 15 levels, no clipped axis labels."""
    import matplotlib
    from matplotlib.figure import Figure

    from qkit.plots.qrng_char import draw_correlations, draw_transfer

    matplotlib.use("Agg")
    fig = Figure(figsize=(9, 3.8))
    draw_transfer(fig, transfer_view(1000.0, 15, 1000, seed=0))
    colours = {tuple(line.get_color()) for line in fig.axes[0].get_lines()}
    assert len(colours) == 15  # a sequential map never repeats a colour
    fig2 = Figure(figsize=(9, 3.8))
    draw_correlations(fig2, correlation_view(1000, 0.0, 0.5))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for figure in (fig, fig2):
        canvas = FigureCanvasAgg(figure)
        canvas.draw()  # lays out the tick labels, which push the axis labels outwards
        for ax in figure.axes:
            label = ax.yaxis.label
            if label.get_text():
                assert label.get_window_extent(canvas.get_renderer()).x0 >= 0, label.get_text()
            assert "ρ_" not in ax.get_xlabel() + ax.get_ylabel()  # subscripts through mathtext, not a literal _


def _agg_pixels(figure) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("first, second", [
    ((1000.0, 8), (1500.0, 8)),   # clipped levels appear: a legend entry and the square markers
    ((1500.0, 8), (1000.0, 8)),   # ... and go
    ((1000.0, 3), (100.0, 15)),   # lines of levels added, a dim level clipped, the colour bar's range moves
    ((100.0, 15), (1000.0, 4)),   # lines removed
])
def test_transfer_redraw_in_place_equals_a_fresh_draw(first, second):
    from matplotlib.figure import Figure

    from qkit.plots.qrng_char import draw_transfer
    from qkit.plots.qrng_char_redraw import redraw_transfer

    a, b = transfer_view(*first, 500), transfer_view(*second, 500)
    shown, fresh = Figure(figsize=(9, 3.8)), Figure(figsize=(9, 3.8))
    draw_transfer(shown, a)
    _agg_pixels(shown)
    assert redraw_transfer(shown, b) is True
    draw_transfer(fresh, b)
    assert len(shown.axes[0].lines) == len(b.levels)
    assert np.array_equal(_agg_pixels(shown), _agg_pixels(fresh))
    assert redraw_transfer(Figure(), b) is False  # not a transfer figure: the explorer draws anew


def test_dark_fit_quick_look_shows_a_labelled_subsample_then_the_full_sample():
    from qkit.widgets._dark_fit import PREVIEW_FRAMES, dark_fit_preview

    small = dark_fit_preview(8.0, 0.21, 17.2, 10_000)
    assert small.preview and small.planned_frames is None
    np.testing.assert_array_equal(small.counts, dark_fit_view(8.0, 0.21, 17.2, 10_000, fit=False).counts)
    big = dark_fit_preview(8.0, 0.21, 17.2, 10**6)
    assert big.preview and big.fit is None and big.planned_frames == 10**6
    assert big.counts.sum() == PREVIEW_FRAMES
    # the quick look is the histogram the explorer shows at 10^5 frames: same seed, same readings
    np.testing.assert_array_equal(big.counts, dark_fit_view(8.0, 0.21, 17.2, PREVIEW_FRAMES, fit=False).counts)
    with pytest.raises(ValueError, match="max_frames"):
        dark_fit_preview(8.0, 0.21, 17.2, 10**6, max_frames=10)
    from matplotlib.figure import Figure

    from qkit.plots.qrng_char import draw_dark_fit

    figure = Figure()
    draw_dark_fit(figure, big)
    assert figure.axes[0].get_title() == "Quick look: 100,000 of 1,000,000 readings (sampling all, then fitting...)"
    ex = dark_fit_explorer()
    ex.wait(120)
    ex.controls["log10_frames"].value = 6.0
    assert ex.compute(**ex.values).planned_frames == 10**6  # what the explorer showed first
    ex.wait(120)
    assert ex.refined and ex.result.counts.sum() == 10**6 and ex.result.planned_frames is None
    assert "within 3 error bars" in ex.figure.axes[0].get_title() and "quick look" not in ex.text

"""Notebook 06's pure functions and its explorer, driven headlessly."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from qkit.qrng.estimators import ESTIMATORS  # noqa: E402
from qkit.widgets import estimators as w  # noqa: E402


def test_chip_symbols_are_bits_2_and_3():
    symbols, frames = w.chip_symbols(625.0, 1000, seed=3)
    assert symbols.size == 1000 and frames.shape == (64, 16)
    assert np.array_equal(symbols[:64], (frames[:, 0] >> 2) & 3)
    assert np.array_equal(symbols[64:128], (frames[:, 1] >> 2) & 3)


def test_estimator_view_bars_and_model():
    v = w.estimator_view(625.0, 20_000, seed=1)
    assert list(v.per_bit) == list(ESTIMATORS)
    assert v.assessed_per_bit == min(v.per_bit.values())
    assert 0.5 < v.assessed_per_bit <= v.mcv_per_bit <= 1.0
    assert 0.98 < v.model_given_noise < v.model_no_eve <= 1.0


def test_sample_size_trend_rises():
    t = w.sample_size_trend(sizes=(10_000, 80_000), seed=2)
    assert t.assessed[1] > t.assessed[0] and t.mcv[1] > t.mcv[0]


def test_drift_view_alarm_trips_when_light_fails():
    d = w.drift_view(start=625.0, stop=5.0, segments=3, frames_per_segment=150, seed=4)
    assert d.alarm_fraction[0] == 0.0 and d.alarm_fraction[-1] > 0.3      # last stretch: mu_e 215 -> 5
    # simulated alarms agree with the exact expectation (150 frames: binomial error <= 0.04)
    np.testing.assert_allclose(d.alarm_fraction, d.expected_alarm, atol=0.15)
    # the model is averaged over the stretch: its dimmest frames (mu_e ~ 5) have almost no entropy,
    # so the average lies well below the value at the stretch's mean level (~0.97 at 110 electrons)
    assert d.model_given_noise[0] > 0.98 and d.model_given_noise[-1] < 0.95
    assert np.all(d.model_given_noise <= d.model_no_eve)
    # the frames the alarm lets through keep the plateau's entropy (Fig. 8)
    assert np.all(d.model_passing > 0.97) and d.model_passing[-1] > d.model_given_noise[-1] + 0.05


def test_drift_view_model_is_the_stretch_average():
    from qkit.qrng.entropy import conditional_min_entropy_curve
    from qkit.qrng.pixel import PIXEL_1

    d = w.drift_view(start=300.0, stop=200.0, segments=1, frames_per_segment=100, seed=1)
    grid = np.linspace(300.0, 200.0, 41)
    assert d.model_given_noise[0] == pytest.approx(conditional_min_entropy_curve(grid, PIXEL_1).mean())
    assert d.segment_means[0] == pytest.approx(250.0)
    assert d.expected_alarm[0] < 1e-6 and d.alarm_fraction[0] == 0.0
    with pytest.raises(ValueError, match="frames_per_segment"):
        w.drift_view(frames_per_segment=10)


def test_explorer_follows_controls_coarse_then_full():
    ex = w.estimator_explorer(n_samples=20_000)
    assert ex.wait(timeout=120)
    ex.controls["mean_photoelectrons"].value = 300.0
    if not ex.refined:                            # the quick answer: a shorter run, labelled coarse
        assert ex.result.coarse and ex.result.n_samples == w.COARSE_SAMPLES
        assert "coarse" in ex.text
    assert ex.wait(timeout=120)
    assert ex.refined and not ex.result.coarse
    assert ex.result.mean_photoelectrons == 300.0 and ex.result.n_samples == 20_000
    assert "assessed" in ex.text and "coarse" not in ex.text
    assert 1_000_000 in ex.controls["n_samples"].options


def test_explorer_mean_stops_change_the_model_readout():
    """Every mu_e stop is a value the estimators see; the readout gives the model's H_min(Z23),
    which moves visibly at the stops outside the plateau (weak light, ADC saturation)."""
    ex = w.estimator_explorer(n_samples=20_000)
    assert ex.wait(timeout=120)
    assert list(ex.controls["mean_photoelectrons"].options) == [(f"{m:g}", float(m)) for m in w.MEAN_STOPS]
    readouts = {}
    for mu in (625.0, 1200.0, 10.0):
        ex.controls["mean_photoelectrons"].value = mu
        assert ex.wait(timeout=120)
        assert ex.result.mean_photoelectrons == mu
        readouts[mu] = ex.text
        assert f"H_min(Z23) {ex.result.model_no_eve:.4f}" in ex.text
    assert len(set(readouts.values())) == 3
    assert ex.result.model_no_eve < 0.8                     # mu_e = 10: far from uniform


def test_bars_fall_where_the_model_falls():
    """What notebook 06 says of the mu_e stops: on the plateau the bars barely move, at 10 and
    1200 electrons (H_min(Z23) 0.79 and 0.83) most of them fall well below the plateau's (the
    lowest bar, Compression, is dominated by its own scatter at 20,000 samples)."""
    views = {mu: w.estimator_view(mu, 20_000, seed=3) for mu in (300.0, 625.0, 10.0, 1200.0)}
    median = {mu: np.median(list(v.per_bit.values())) for mu, v in views.items()}
    assert abs(median[300.0] - median[625.0]) < 0.03                  # plateau: scatter only
    for mu in (10.0, 1200.0):                                          # most bars fall by > 0.1
        assert views[mu].model_no_eve < 0.85
        assert median[mu] < min(median[300.0], median[625.0]) - 0.1
        assert views[mu].mcv_per_bit < min(views[m].mcv_per_bit for m in (300.0, 625.0)) - 0.1
    with pytest.raises(ValueError, match="mean_photoelectrons"):
        w.estimator_explorer(mean_photoelectrons=626.0)


def test_perfect_source_estimates_are_the_estimators_on_fair_bits():
    from qkit.qrng.estimators import collision_estimate, compression_estimate, tuple_estimates

    est = w.perfect_source_estimates(sizes=(10_000, 60_000), seeds=(1, 2))
    assert est.sizes == (10_000, 60_000) and est.seeds == (1, 2)
    assert list(est.estimates) == list(w.PERFECT_SOURCE_ESTIMATORS)
    assert w.PERFECT_SOURCE_ESTIMATORS == ("Most Common Value", "Markov", "Collision", "Compression",
                                           "t-Tuple", "LRS")
    bits = np.random.default_rng(2).integers(0, 2, 60_000, dtype=np.uint8)   # seed 2, all 60,000 bits
    assert est.estimates["Collision"][1, 1] == collision_estimate(bits).min_entropy
    assert est.estimates["Compression"][0, 1] == compression_estimate(bits[:10_000]).min_entropy
    t_tuple, lrs = tuple_estimates(bits[:10_000], 2)
    assert est.estimates["t-Tuple"][0, 1] == t_tuple.min_entropy and est.estimates["LRS"][0, 1] == lrs.min_entropy
    values = np.stack(list(est.estimates.values()))
    assert values.shape == (6, 2, 2) and np.all((values > 0.3) & (values <= 1.0))
    mean = {name: v.mean(axis=1) for name, v in est.estimates.items()}
    # the finite-sample bias: Collision and Compression below MCV at every size; the four of
    # Sec. 6.3.1-6.3.4 climb with L (t-Tuple and LRS barely, by less than their scatter here)
    assert np.all(np.maximum(mean["Collision"], mean["Compression"]) < mean["Most Common Value"])
    assert all(mean[name][1] > mean[name][0] for name in ("Most Common Value", "Markov", "Collision", "Compression"))
    with pytest.raises(ValueError, match="sizes"):
        w.perfect_source_estimates(sizes=(6000,))
    with pytest.raises(TypeError, match="seeds"):
        w.perfect_source_estimates(seeds=3)


def test_perfect_source_figure_draws_means_and_predictions():
    from matplotlib.figure import Figure

    from qkit.plots.estimators import draw_perfect_source

    est = w.perfect_source_estimates(sizes=(10_000, 20_000), seeds=(3,))
    fig = Figure()
    draw_perfect_source(fig, est, predicted={"Collision": [0.7, 0.75]})
    ax = fig.axes[0]
    means = [line for line in ax.lines if line.get_marker() == "o"]
    np.testing.assert_allclose(means[2].get_ydata(), est.estimates["Collision"].mean(axis=1))
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and np.allclose(dashed[0].get_ydata(), [0.7, 0.75])
    with pytest.raises(TypeError, match="predicted"):
        draw_perfect_source(fig, est, predicted=[0.7])


def test_coarse_view_is_the_estimator_view_of_a_shorter_run():
    coarse = w.coarse_estimator_view(625.0, 1_000_000, seed=2)
    plain = w.estimator_view(625.0, w.COARSE_SAMPLES, seed=2)
    assert coarse.coarse and coarse.n_samples == w.COARSE_SAMPLES
    assert coarse.per_bit == plain.per_bit and coarse.assessed_per_bit == plain.assessed_per_bit
    n_small = w.COARSE_SAMPLES - 200                 # at most COARSE_SAMPLES: the full answer at once
    small = w.coarse_estimator_view(625.0, n_small, seed=2)
    assert not small.coarse and small.n_samples == n_small
    with pytest.raises(ValueError, match="n_samples"):
        w.coarse_estimator_view(625.0, 0)


def test_trend_and_drift_figures_draw_what_they_are_given():
    from matplotlib.figure import Figure

    from qkit.plots.estimators import PAPER_NON_IID, draw_drift, draw_sample_size_trend

    trend = w.sample_size_trend(sizes=(10_000, 20_000), seed=3)
    fig = Figure()
    draw_sample_size_trend(fig, trend)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), trend.assessed)
    assert PAPER_NON_IID in [line.get_ydata()[0] for line in ax.lines[2:]]   # the paper's 0.94, marked
    drift = w.drift_view(start=625.0, stop=5.0, segments=3, frames_per_segment=120, seed=5)
    fig = Figure()
    draw_drift(fig, drift)
    left, right = fig.axes[:2]
    np.testing.assert_allclose([p.get_height() for p in left.patches], drift.alarm_fraction)
    np.testing.assert_allclose(right.lines[-1].get_ydata(), drift.assessed)


def test_perfect_source_tuple_estimate_sits_low_and_climbs_slowly():
    """What notebook 06 says of t-Tuple on fair bits: it takes the commonest tuple of each length up
    to where counts fall to 35, so its estimate is set by the largest of many counts and stays below
    MCV and Markov, with a shortfall of several hundredths that shrinks little with the data."""
    est = w.perfect_source_estimates(sizes=(20_000, 200_000), seeds=(1, 2, 3))
    mean = {name: v.mean(axis=1) for name, v in est.estimates.items()}
    assert np.all(mean["t-Tuple"] < np.minimum(mean["Most Common Value"], mean["Markov"]) - 0.04)
    assert np.all((0.85 < mean["t-Tuple"]) & (mean["t-Tuple"] < 0.95))
    assert mean["t-Tuple"][1] - mean["t-Tuple"][0] < 0.05             # 10 times the data, < 0.05 more


def test_estimator_bars_share_one_scale_from_zero_and_print_every_height():
    from matplotlib.figure import Figure

    from qkit.plots.estimators import draw_estimator_bars

    limits, views = [], {mu: w.estimator_view(mu, 7_000, seed=1) for mu in (625.0, 1250.0)}
    for view in views.values():
        fig = Figure(figsize=(8, 4.5))
        draw_estimator_bars(fig, view)
        ax = fig.axes[0]
        limits.append((ax.get_ylim(), tuple(ax.get_yticks())))
        heights = [p.get_height() for p in ax.patches]
        assert heights == pytest.approx(list(view.per_bit.values()))
        assert sorted(t.get_text() for t in ax.texts) == sorted(f"{v:.3f}" for v in view.per_bit.values())
        fig.canvas.draw()                                  # the title fits inside the figure
        title, frame = ax.title.get_window_extent(), fig.bbox
        assert frame.x0 <= title.x0 and title.x1 <= frame.x1, ax.get_title()
        assert "samples" not in ax.get_title() and "coarse" not in ax.get_title()
    assert limits[0] == limits[1] and limits[0][0][0] == 0.0           # the same scale, from 0
    assert views[1250.0].assessed_per_bit < 0.5 < views[625.0].assessed_per_bit


def test_explorer_seed_draws_another_run_and_the_text_says_coarse():
    ex = w.estimator_explorer(n_samples=20_000)
    assert ex.wait(timeout=120)
    first = ex.result.per_bit
    assert list(ex.controls["seed"].options if hasattr(ex.controls["seed"], "options") else
                range(ex.controls["seed"].min, ex.controls["seed"].max + 1)) == list(w.EXPLORER_SEEDS)
    ex.controls["seed"].value = 3
    if not ex.refined:                                     # the coarse look names itself in the text
        assert ex.text.startswith(f"coarse, {w.COARSE_SAMPLES:,} samples")
    assert ex.wait(timeout=120)
    assert ex.result.per_bit == w.estimator_view(625.0, 20_000, seed=3).per_bit != first
    assert ex.text.startswith("20,000 samples: ")
    with pytest.raises(ValueError, match="seed"):
        w.estimator_explorer(seed=10)


def test_explorer_lays_the_figure_out_again_when_tick_labels_widen():
    """The refined figure must not reuse a layout made for narrower tick labels (the y-label
    was cut): a wider label re-runs the layout engine and keeps the axis label in the figure."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from qkit.widgets._explorer import Explorer

    def draw(fig, top):
        ax = fig.add_subplot(111)
        ax.plot([0, 1], [0, top])
        ax.set_ylabel("a long y-axis label (units)")

    slider = widgets.FloatSlider(value=1.0, min=1.0, max=1e5, description="top")
    with plt.style.context({"figure.constrained_layout.use": True}):
        ex = Explorer({"top": slider}, lambda top: top, draw, figsize=(4, 3))
    runs = []
    engine = ex.figure.get_layout_engine()
    original = engine.execute
    engine.execute = lambda fig: (runs.append(1), original(fig))
    ex.update()                                            # same ticks: the layout is reused
    assert runs == []
    slider.value = 1e5                                     # tick labels 0, 20000, ...: wider
    assert runs == [1]
    label = ex.figure.axes[0].yaxis.label.get_window_extent(ex.figure.canvas.get_renderer())
    assert label.x0 >= 0


def test_at_the_dimmest_stop_the_bitstring_route_pulls_the_bars_below_the_model():
    """Notebook 06, cell under the explorer: at mu_e = 5 bit 3 is mostly 0, so the bitstring of bits
    3 and 2 is far from fair and each bar's min(symbols / 2, bitstring) takes the lower bitstring
    value, below the model's H_min(Z23) per bit, while the symbols' own route stays near it."""
    from qkit.qrng.estimators import most_common_value

    view = w.estimator_view(5.0, 20_000, seed=1)
    symbols, _ = w.chip_symbols(5.0, 20_000, seed=1)
    bits = ((symbols[:, None] >> np.array([1, 0])) & 1).reshape(-1).astype(np.uint8)   # MSB first
    on_symbols = most_common_value(symbols, 4).min_entropy / 2
    on_bits = most_common_value(bits, 2).min_entropy
    assert np.mean(symbols >> 1 == 0) > 0.75                                  # bit 3 mostly 0
    assert view.per_bit["Most Common Value"] == on_bits < on_symbols - 0.05
    assert on_bits < view.model_no_eve - 0.05 < on_symbols

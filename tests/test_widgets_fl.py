"""Widgets of notebooks 10 and 12 and the pure views under them."""

import numpy as np
import pytest

from qkit.fl.channel import Channel, monte_carlo_reception
from qkit.widgets.fl import (
    angle_mean_explorer,
    angle_mean_view,
    label_mix_explorer,
    label_mix_view,
    reception_explorer,
    reception_view,
)


def test_label_mix_view_counts_and_skew():
    v = label_mix_view(3.0, n_vehicles=6, samples_per_vehicle=50)
    assert v.alpha == np.inf and v.counts.shape == (6, 4)
    np.testing.assert_array_equal(v.counts.sum(axis=1), 50)
    skewed = label_mix_view(-2.0, n_vehicles=6, samples_per_vehicle=50)
    assert skewed.skew > 0.5 > v.skew
    with pytest.raises(ValueError, match="log10_alpha must satisfy"):
        label_mix_view(5.0)


def test_label_mix_explorer_follows_slider():
    ex = label_mix_explorer()
    ex.controls["log10_alpha"].value = -2.0
    assert np.isclose(ex.result.alpha, 0.01)
    assert "label skew" in ex.figure.axes[0].get_title()
    assert f"{ex.result.skew:.3f}" in ex.text


def test_angle_mean_view_across_branch_cut():
    v = angle_mean_view(3.0, -3.0)
    assert abs(v.linear_mean) < 1e-12 and np.isclose(abs(v.circular_mean), np.pi)
    v = angle_mean_view(0.2, 0.4, samples_1=3)
    assert np.isclose(v.linear_mean, 0.25) and abs(v.circular_mean - 0.25) < 1e-3
    with pytest.raises(ValueError, match="cancel"):
        angle_mean_view(0.0, np.pi)
    ex = angle_mean_explorer()
    ex.controls["theta_2"].value = 2.0
    assert np.isclose(ex.result.angles[1], 2.0) and "circular mean" in ex.text


def test_reception_view_matches_channel_and_monte_carlo():
    v = reception_view(0.8, 1, params_per_layer=(10, 20, 30), bits_per_parameter=16)
    assert v.base_bits == 160 and v.enhancement_bits == 800
    ch = Channel().with_message_bits(160, 800)
    d = v.distances[::80]
    mc = monte_carlo_reception(ch, d, 20000, np.random.default_rng(0), "dqfl", 0.8)
    np.testing.assert_allclose(v.base[::80], mc.base, atol=5 * 0.5 / np.sqrt(20000))
    np.testing.assert_allclose(v.enhancement[::80], mc.enhancement, atol=5 * 0.5 / np.sqrt(20000))
    # the SNR-cost ratios: P = exp(-c / rho) at every distance, so ln P_base / ln P_qfl is constant
    mid = (v.qfl > 1e-6) & (v.qfl < 1 - 1e-6)
    ratio = np.log(v.base[mid]) / np.log(v.qfl[mid])
    np.testing.assert_allclose(-10 * np.log10(ratio), v.base_gain_db, atol=1e-6)
    assert v.enhancement_loss_db >= 0  # both messages together can never beat one message


def test_reception_view_infeasible_base_and_explorer():
    v = reception_view(0.3, 2)
    assert v.base_gain_db == -np.inf and np.all(v.base == 0)
    with pytest.raises(ValueError, match="boundary must satisfy"):
        reception_view(0.5, 3, params_per_layer=(1, 2, 3))
    with pytest.raises(ValueError, match="power_split"):
        reception_view(1.2, 1)
    ex = reception_explorer()
    ex.controls["power_split"].value = 0.6
    assert ex.result.power_split == 0.6 and "lambda = 0.60" in ex.figure.axes[0].get_title()
    ex.controls["boundary"].value = 2
    assert ex.result.boundary == 2 and "base 1536 bits" in ex.text


def test_arrival_raster_and_accuracy_figures():
    import matplotlib.pyplot as plt

    from qkit.fl.rounds import FederatedHistory
    from qkit.plots.fl import plot_accuracy_curves, plot_arrivals

    arrived = np.zeros((4, 3, 2), bool)
    arrived[:2, 0, 0] = True
    arrived[0, 0, 1] = True
    h = FederatedHistory("dqfl", ("base", "enhancement"), arrived, np.zeros((5, 2)), np.zeros(5), np.zeros(4),
                         np.zeros(4), np.zeros(4), arrived.any(axis=(1, 2)), ("",) * 4, np.zeros(3))
    fig, ax = plt.subplots()
    plot_arrivals(ax, h)
    image = ax.images[0].get_array()
    assert image.shape == (3, 4) and image[0, 0] == 2 and image[0, 1] == 1 and image[1, 0] == 0
    assert "base 17%" in ax.get_title() and "enhancement 8%" in ax.get_title()
    fig, ax = plt.subplots()
    plot_accuracy_curves(ax, {"a": np.array([[0.2, 0.5], [0.4, 0.7]])}, chance=0.25, legend=False)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.3, 0.6])
    assert ax.get_legend() is None
    plt.close("all")


def test_angle_mean_redraw_equals_a_fresh_draw_and_refuses_foreign_figures():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from qkit.plots.fl import draw_angle_mean, redraw_angle_mean

    def rgba(figure):
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    moved, fresh = Figure(figsize=(5.5, 4.6)), Figure(figsize=(5.5, 4.6))
    second = angle_mean_view(-3.1, 0.4, 7, 2)
    draw_angle_mean(moved, angle_mean_view(2.8, -2.8))
    assert redraw_angle_mean(moved, second) is True
    draw_angle_mean(fresh, second)
    assert np.array_equal(rgba(moved), rgba(fresh))
    assert [t.get_text() for t in moved.axes[0].get_legend().get_texts()] == [
        f"linear mean {second.linear_mean:+.2f} rad", f"circular mean {second.circular_mean:+.2f} rad"]
    blank = Figure()
    assert redraw_angle_mean(blank, second) is False and not blank.axes


def test_reception_redraw_equals_a_fresh_draw_and_refuses_other_distances():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from qkit.plots.fl import draw_reception, redraw_reception

    def rgba(figure):
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    moved, fresh = Figure(figsize=(7.5, 4.0)), Figure(figsize=(7.5, 4.0))
    second = reception_view(0.3, 2)  # the base can never be decoded: other title, other bit counts
    assert second.base_gain_db == -np.inf
    draw_reception(moved, reception_view(0.8, 1))
    assert redraw_reception(moved, second) is True
    draw_reception(fresh, second)
    assert np.array_equal(rgba(moved), rgba(fresh))
    assert [t.get_text() for t in moved.axes[0].get_legend().get_texts()] == [
        "QFL: whole model (2304 bits)", "DQFL base (1536 bits)", "DQFL enhancement (768 bits)"]
    assert "can never be decoded" in moved.axes[0].get_title()
    np.testing.assert_array_equal(moved.axes[0].lines[1].get_ydata(), second.base)
    farther = reception_view(0.3, 2, max_distance_m=2000.0)
    assert redraw_reception(moved, farther) is False
    np.testing.assert_array_equal(moved.axes[0].lines[0].get_xdata(), second.distances)
    blank = Figure()
    assert redraw_reception(blank, second) is False and not blank.axes


def test_label_mix_redraw_equals_a_fresh_draw_and_refuses_another_fleet():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from qkit.plots.fl import draw_label_mix, redraw_label_mix

    def rgba(figure):
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba()).copy()

    moved, fresh = Figure(figsize=(7.5, 3.8)), Figure(figsize=(7.5, 3.8))
    second = label_mix_view(3.0, seed=4)  # IID: every class present, other counts, other title
    draw_label_mix(moved, label_mix_view(-2.0, seed=1))
    assert redraw_label_mix(moved, second) is True
    draw_label_mix(fresh, second)
    assert np.array_equal(rgba(moved), rgba(fresh))
    assert "inf (IID)" in moved.axes[0].get_title() and moved.axes[0].get_xlim() == (0.0, 105.0)
    widths = [[p.get_width() for p in c.patches] for c in moved.axes[0].containers]
    np.testing.assert_array_equal(np.array(widths).T, second.counts)
    assert redraw_label_mix(moved, label_mix_view(0.0, n_vehicles=5)) is False  # another fleet
    assert redraw_label_mix(moved, label_mix_view(0.0, classes="abcd")) is False  # other classes
    assert redraw_label_mix(moved, label_mix_view(0.0, samples_per_vehicle=50)) is False  # x-axis would rescale
    blank = Figure()
    assert redraw_label_mix(blank, second) is False and not blank.axes

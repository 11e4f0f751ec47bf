"""The capstone's map widget and the pure functions under it."""

import ipywidgets as widgets
import numpy as np
import pytest

from qkit.fl.channel import Channel
from qkit.fl.scenario import MOBILISING, ON_TASK, Scenario, simulate
from qkit.widgets.fl_scenario import map_view, scenario_explorer, spread_colocated, uplink_outcome


@pytest.fixture(scope="module")
def trace():
    return simulate(Scenario(n_vehicles=25, task_rate=1.5), 12, np.random.default_rng(8))


def test_uplink_outcome_words():
    dqfl = np.array([[True, True], [True, False], [False, False]])
    np.testing.assert_array_equal(uplink_outcome(dqfl), ["both", "base only", "nothing"])
    np.testing.assert_array_equal(uplink_outcome(np.array([True, False])), ["both", "nothing"])
    np.testing.assert_array_equal(uplink_outcome(dqfl, sent=[True, False, True]),
                                  ["both", "not sent", "nothing"])
    with pytest.raises(ValueError, match="arrived must have shape"):
        uplink_outcome(np.ones((3, 3), dtype=bool))


def test_spread_colocated_moves_only_shared_spots():
    xy = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [5.0, 1.0]])
    out = spread_colocated(xy, 2.0)
    np.testing.assert_array_equal(out[3], xy[3])
    np.testing.assert_allclose(np.linalg.norm(out[:3], axis=1), 2.0)
    assert len({tuple(np.round(p, 9)) for p in out[:3]}) == 3


def test_map_view_numbers_come_from_the_trace_and_channel(trace):
    ch = Channel(transmit_power_dbm=20.0)
    v = map_view(trace, 5, channel=ch, power_split=0.75)
    np.testing.assert_array_equal(v.positions, trace.positions[5])
    np.testing.assert_allclose(v.mean_snr_db, ch.mean_snr_db(trace.distances[5]))
    p = ch.reception_probability(trace.distances[5], "dqfl", 0.75)
    np.testing.assert_allclose(v.base_probability, p.base)
    np.testing.assert_array_equal(v.task_xy, trace.task_xy[trace.active_tasks(5)])
    assert v.mobilising_xy.shape[0] == np.sum(trace.status[5] == MOBILISING)
    # the rings are where QFL arrives with 90 %, 50 %, 10 %
    for radius, q in zip(v.ring_radii_m, (0.9, 0.5, 0.1)):
        assert float(ch.reception_probability(radius, "qfl").base) == pytest.approx(q)
    assert v.outcome is None and f"{int(trace.sensing[5].sum())} of 25 vehicles sensing" in v.title


def test_map_view_with_arrivals(trace):
    rng = np.random.default_rng(0)
    arrived = rng.random((12, 25, 2)) < 0.6
    arrived[..., 1] &= arrived[..., 0]
    v = map_view(trace, 3, arrived=arrived)
    np.testing.assert_array_equal(v.outcome, uplink_outcome(arrived[3]))
    assert f"{int(arrived[3, :, 0].sum())} of 25 uplinks got through" in v.title
    sent = np.ones((12, 25), dtype=bool)
    sent[3, :4] = False
    v = map_view(trace, 3, arrived=arrived, sent=sent)
    assert np.all(v.outcome[:4] == "not sent")
    assert "of 21 uplinks got through" in v.title
    with pytest.raises(ValueError, match="arrived has 5 vehicles"):
        map_view(trace, 3, arrived=arrived[3, :5])
    with pytest.raises(ValueError, match="round_index"):
        map_view(trace, 12)


def test_round_slider_drives_the_map(trace):
    ex = scenario_explorer(trace, arrived=np.ones((12, 25, 1), dtype=bool))
    assert isinstance(ex.controls["round_index"], widgets.IntSlider)
    assert ex.controls["round_index"].max == 11
    ex.controls["round_index"].value = 9
    assert ex.result.round_index == 9 and ex.text.startswith("round 9:")
    assert ex.figure.axes[0].get_title().startswith("round 9:")
    assert "25 of 25 uplinks got through" in ex.text
    on_task = trace.status[9] == ON_TASK
    np.testing.assert_array_equal(ex.result.positions[on_task],
                                  trace.task_xy[trace.task_of[9, on_task]])


def test_every_uplink_marker_in_the_legend_is_visible_on_white(trace):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qkit.plots.fl_scenario import draw_map

    arrived = np.ones((12, 25, 2), dtype=bool)
    sent = np.ones((12, 25), dtype=bool)
    sent[3, :4] = False
    fig, ax = plt.subplots()
    draw_map(ax, map_view(trace, 3, arrived=arrived, sent=sent))
    legend = ax.get_legend()
    for handle, text in zip(legend.legend_handles, legend.get_texts()):
        if text.get_text().startswith("uplink:"):
            edge = matplotlib.colors.to_rgba(handle.get_markeredgecolor())
            face = matplotlib.colors.to_rgba(handle.get_markerfacecolor())
            assert edge != (1.0, 1.0, 1.0, 1.0) or face != (1.0, 1.0, 1.0, 1.0), text.get_text()
    plt.close(fig)

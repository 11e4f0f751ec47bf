"""The uplink widget of notebook 11 and the pure function under it."""

import ipywidgets as widgets
import numpy as np
import pytest

from qkit.fl.channel import Channel
from qkit.widgets.fl_channel import uplink_explorer, uplink_view


def test_uplink_view_matches_the_channel():
    ch = Channel()
    v = uplink_view(350.0, 23.0, 0.75, channel=ch)
    p = ch.reception_probability(350.0, "dqfl", 0.75)
    assert v.base == pytest.approx(float(p.base)) and v.enhancement == pytest.approx(
        float(p.enhancement))
    assert v.qfl == pytest.approx(float(ch.reception_probability(350.0, "qfl").base))
    assert v.mean_snr_db == pytest.approx(float(ch.mean_snr_db(350.0)))
    assert v.min_feasible_split == pytest.approx(0.5)  # gamma_b = 1
    assert v.balanced_split == pytest.approx(2.0 / 3.0)
    # curves: decreasing in distance; base probability zero below the feasible split
    assert np.all(np.diff(v.qfl_vs_distance) <= 0) and v.qfl_vs_distance[0] > 0.999
    assert np.all(v.base_vs_split[v.splits <= 0.5] == 0.0)
    assert np.all(v.enhancement_vs_split <= v.qfl * (1 + 1e-12))


def test_more_power_helps():
    weak, strong = uplink_view(500.0, 10.0, 0.8), uplink_view(500.0, 30.0, 0.8)
    assert strong.qfl > weak.qfl and strong.base > weak.base
    assert strong.mean_snr_db == pytest.approx(weak.mean_snr_db + 20.0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(distance_m=-5.0, transmit_power_dbm=23.0, power_split=0.8), "distance_m"),
    (dict(distance_m=100.0, transmit_power_dbm=23.0, power_split=1.0), "power_split"),
    (dict(distance_m=100.0, transmit_power_dbm=float("nan"), power_split=0.5),
     "transmit_power_dbm"),
])
def test_uplink_view_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        uplink_view(**kwargs)


def test_sliders_drive_the_figure():
    ex = uplink_explorer(distance_m=200.0)
    assert isinstance(ex.controls["power_split"], widgets.FloatSlider)
    before = ex.result.base
    ex.controls["distance_m"].value = 800.0
    assert ex.result.distance_m == 800.0 and ex.result.base < before
    assert "at 800 m" in ex.text
    ex.controls["power_split"].value = 0.3  # below the feasible split: the base is lost
    assert ex.result.base == 0.0 and "base 0.00" in ex.figure.axes[1].get_title()
    ex.controls["transmit_power_dbm"].value = 30.0
    assert ex.result.transmit_power_dbm == 30.0 and "30 dBm" in ex.figure.axes[0].get_title()
    assert ex.error == ""

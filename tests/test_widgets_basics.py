"""The start-here widget and the pure function under it."""

import ipywidgets as widgets
import numpy as np
import pytest

from qkit.widgets import Explorer
from qkit.widgets.basics import poisson_explorer, poisson_view


@pytest.mark.parametrize("mean", [0.0, 0.5, 4.0, 625.0])
def test_poisson_view_moments_are_exact(mean):
    view = poisson_view(mean)
    assert view.dropped_mass <= 1e-12
    assert np.isclose(view.exact_mean, mean, atol=1e-9)
    assert np.isclose(view.exact_variance, mean, atol=1e-6)


def test_poisson_view_rejects_bad_mean():
    with pytest.raises(ValueError, match="mean must satisfy"):
        poisson_view(-1.0)


def test_slider_drives_the_figure():
    ex = poisson_explorer(mean=4.0)
    bars_before = _bar_heights(ex)
    ex.controls["mean"].value = 20.0
    assert ex.result.mean == 20.0
    assert "mean = 20.0000" in ex.text
    bars_after = _bar_heights(ex)
    assert bars_after.shape != bars_before.shape or not np.array_equal(bars_after, bars_before)
    shown = ex.result.pmf > 1e-6 * ex.result.pmf.max()
    np.testing.assert_array_equal(bars_after, ex.result.pmf[shown])  # the bars are the exact pmf
    assert "variance 20.00" in ex.figure.axes[0].get_title()
    assert isinstance(ex.controls["mean"], widgets.FloatSlider)


def _bar_heights(ex):
    """Heights of the bars of the start-here figure (one collection of rectangles)."""
    (bars,) = [c for c in ex.figure.axes[0].collections if c.get_gid() == "poisson.bars"]
    return np.array([path.vertices[1, 1] for path in bars.get_paths()])


def test_explorer_reports_bad_values_without_losing_the_figure():
    def compute(x):
        if x < 0:
            raise ValueError(f"x must be >= 0, got {x}")
        return x

    def draw(fig, result):
        fig.add_subplot().set_title(f"x={result}")

    ex = Explorer({"x": widgets.FloatSlider(value=1.0, min=-5, max=5)}, compute, draw)
    ex.controls["x"].value = -2.0
    assert ex.result == 1.0 and "x must be >= 0" in ex.error
    ex.controls["x"].value = 3.0
    assert ex.result == 3.0 and ex.error == "" and ex.figure.axes[0].get_title() == "x=3.0"
    with pytest.raises(ValueError, match="at least one control"):
        Explorer({}, compute, draw)


def test_explorer_figure_is_not_tracked_by_pyplot():
    """The inline backend re-shows every pyplot figure after each cell; explorers must not leak."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    ex = poisson_explorer()
    ex.controls["mean"].value = 9.0
    assert set(plt.get_fignums()) == before


def test_explorer_display_falls_back_to_a_still_image_and_a_sentence():
    import base64

    ex = poisson_explorer(mean=6.0)
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"] == (
        "Interactive figure (controls: mean): run the notebook's cells to use it.")

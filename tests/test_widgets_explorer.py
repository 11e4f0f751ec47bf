"""The Explorer framework: coarse then refine, one label width, the still image, bad input."""

import base64
import threading

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest

from qkit.widgets import Explorer


def _draw(fig, result):
    fig.add_subplot().set_title(f"{result}")


def _slider(value=1.0, description="x"):
    return widgets.FloatSlider(value=value, min=-5, max=5, step=0.5, description=description)


class Gate:
    """A refine that waits for the test to open a gate, recording what it was asked."""

    def __init__(self):
        self.calls = []
        self.opened = threading.Event()
        self.entered = threading.Event()

    def __call__(self, x):
        self.calls.append(x)
        self.entered.set()
        assert self.opened.wait(10), "the test never opened the gate"
        if x < 0:
            raise ValueError(f"x must be >= 0 for the refined figure, got {x}")
        return ("refined", x)


def test_without_refine_every_change_draws_at_once():
    ex = Explorer({"x": _slider()}, lambda x: x * 2, _draw, describe=lambda r: f"twice x is {r}")
    assert ex.result == 2.0 and ex.updates == 1 and not ex.refined and not ex.pending
    ex.controls["x"].value = 3.0
    assert ex.result == 6.0 and ex.text == "twice x is 6.0" and ex.updates == 2
    assert ex.figure.axes[0].get_title() == "6.0"
    assert ex.wait(0) is True  # nothing to wait for


def test_coarse_first_then_refined_in_the_background():
    gate = Gate()
    ex = Explorer({"x": _slider()}, lambda x: ("coarse", x), _draw, refine=gate,
                  describe=lambda r: f"{r[0]} {r[1]}")
    assert ex.result == ("coarse", 1.0) and ex.pending  # the first draw is coarse too
    assert "refining" in ex.label.value
    gate.opened.set()
    assert ex.wait(10)
    assert ex.result == ("refined", 1.0) and ex.refined and ex.refinements == 1
    assert ex.text == "refined 1.0" and "refining" not in ex.label.value
    assert ex.figure.axes[0].get_title() == "('refined', 1.0)"
    gate.opened.clear()
    ex.controls["x"].value = 2.0
    assert ex.result == ("coarse", 2.0) and not ex.refined and ex.text == "coarse 2.0"
    gate.opened.set()
    assert ex.wait(10) and ex.result == ("refined", 2.0) and ex.refinements == 2


def test_a_newer_change_supersedes_an_older_refinement():
    gate = Gate()
    ex = Explorer({"x": _slider()}, lambda x: ("coarse", x), _draw, refine=gate)
    assert gate.entered.wait(10)  # the first refinement (x = 1) is running and blocked
    for value in (2.0, 3.0, 4.0):  # queued while it runs: only the newest survives
        ex.controls["x"].value = value
    assert ex.result == ("coarse", 4.0)
    gate.opened.set()
    assert ex.wait(10)
    assert gate.calls == [1.0, 4.0]  # 2 and 3 were never refined
    assert ex.result == ("refined", 4.0) and ex.refinements == 1  # x = 1's result was dropped
    assert ex.figure.axes[0].get_title() == "('refined', 4.0)"


def test_wait_times_out_while_a_refinement_runs():
    gate = Gate()
    ex = Explorer({"x": _slider()}, lambda x: x, _draw, refine=gate)
    assert ex.wait(0.05) is False and ex.pending
    gate.opened.set()
    assert ex.wait(10) is True and not ex.pending
    with pytest.raises(ValueError, match="timeout must be >= 0 seconds and finite, or None, got -1"):
        ex.wait(-1)


def test_refine_value_error_is_shown_like_compute_s():
    gate = Gate()
    gate.opened.set()
    ex = Explorer({"x": _slider()}, lambda x: ("coarse", x), _draw, refine=gate)
    assert ex.wait(10) and ex.error == ""
    ex.controls["x"].value = -1.0
    assert ex.wait(10)
    assert ex.error == "x must be >= 0 for the refined figure, got -1.0"
    assert ex.result == ("coarse", -1.0)  # the coarse figure stays
    ex.controls["x"].value = 1.5
    assert ex.wait(10) and ex.error == "" and ex.result == ("refined", 1.5)


def test_an_unexpected_refine_failure_is_raised_by_wait():
    def refine(x):
        raise ZeroDivisionError("boom")

    ex = Explorer({"x": _slider()}, lambda x: x, _draw, refine=refine, describe=str)
    with pytest.raises(RuntimeError, match="refine failed: ZeroDivisionError"):
        ex.wait(10)
    assert ex.result == 1.0 and "could not be computed" in ex.label.value
    assert "boom" not in ex.label.value  # the learner reads a sentence, not the exception
    assert ex.wait(10)  # raised once


def test_compute_value_error_keeps_the_figure_and_cancels_the_refinement():
    gate = Gate()
    gate.opened.set()

    def compute(x):
        if x > 4:
            raise ValueError(f"x must be <= 4, got {x}")
        return ("coarse", x)

    ex = Explorer({"x": _slider()}, compute, _draw, refine=gate)
    assert ex.wait(10)
    ex.controls["x"].value = 4.5
    assert ex.wait(10)
    assert ex.error == "x must be <= 4, got 4.5" and ex.result == ("refined", 1.0)
    assert gate.calls == [1.0]  # nothing to refine for a bad combination


def test_the_figure_reaches_the_image_widget_from_the_background_thread():
    gate = Gate()
    ex = Explorer({"x": _slider()}, lambda x: ("coarse", x), _draw, refine=gate)
    coarse_png = bytes(ex.image.value)
    assert coarse_png.startswith(b"\x89PNG")
    gate.opened.set()
    assert ex.wait(10)
    refined_png = bytes(ex.image.value)
    assert refined_png.startswith(b"\x89PNG") and refined_png != coarse_png
    bundle = ex._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == refined_png  # the still image is the refined one
    assert bundle["text/plain"].startswith("Interactive figure (controls: x)")


def test_one_label_width_for_every_control():
    ex = Explorer({"a": _slider(description="x"),
                   "b": _slider(description="a much longer label"),
                   "c": widgets.Dropdown(options=["p", "q"], description="menu")},
                  lambda a, b, c: (a, b, c), _draw)
    widths = {c.style.description_width for c in ex.controls.values()}
    assert widths == {ex.description_width} and ex.description_width == f"{len('a much longer label') + 2}ch"
    layouts = {c.layout.width for c in ex.controls.values()}
    assert len(layouts) == 1 and ex.description_width in layouts.pop()


def test_a_control_with_its_own_width_keeps_it():
    wide = _slider(description="x")
    wide.layout.width = "500px"
    ex = Explorer({"x": wide}, lambda x: x, _draw)
    assert wide.layout.width == "500px" and wide.style.description_width == ex.description_width


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="at least one control"):
        Explorer({}, lambda: 0, _draw)
    with pytest.raises(TypeError, match="compute must be callable, got 3"):
        Explorer({"x": _slider()}, 3, _draw)
    with pytest.raises(TypeError, match="draw must be callable"):
        Explorer({"x": _slider()}, lambda x: x, None)
    with pytest.raises(TypeError, match="refine must be callable or None, got 'fast'"):
        Explorer({"x": _slider()}, lambda x: x, _draw, refine="fast")


def test_the_figure_stays_out_of_pyplot_with_refine():
    before = set(plt.get_fignums())
    gate = Gate()
    gate.opened.set()
    ex = Explorer({"x": _slider()}, lambda x: x, _draw, refine=gate)
    ex.controls["x"].value = 2.0
    assert ex.wait(10)
    assert set(plt.get_fignums()) == before


def test_a_bad_initial_value_is_refused():
    def compute(x):
        if x > 0.5:
            raise ValueError(f"x must be <= 0.5, got {x}")
        return x

    with pytest.raises(ValueError, match="x must be <= 0.5, got 1.0"):
        Explorer({"x": _slider()}, compute, _draw)


def test_the_layout_is_reused_while_the_axes_stay_the_same():
    def draw(fig, n):
        for i in range(int(n)):
            fig.add_subplot(1, int(n), i + 1).set_title(f"panel {i} of {n}")

    slider = widgets.IntSlider(value=1, min=1, max=3, description="panels")
    with plt.style.context({"figure.constrained_layout.use": True}):
        ex = Explorer({"n": slider}, lambda n: n, draw)
    runs = []
    engine = ex.figure.get_layout_engine()
    original = engine.execute
    engine.execute = lambda fig: (runs.append(len(fig.axes)), original(fig))
    one = ex.figure.axes[0].get_position().bounds
    slider.value = 2  # new axes: laid out afresh, side by side
    left, right = (ax.get_position() for ax in ex.figure.axes)
    assert runs == [2] and left.x1 <= right.x0 and left.width < one[2]
    ex.update()  # the same two axes: their positions are reused, the engine does not run
    assert runs == [2] and ex.figure.axes[0].get_position().bounds == pytest.approx(left.bounds)
    assert ex.figure.get_layout_engine() is engine  # and it is back for the next new arrangement


def _rgba(canvas):
    import numpy as np

    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def test_the_cached_text_canvas_draws_the_pixels_of_the_stock_canvas():
    """Glyphs reused between draws land exactly where the stock Agg renderer puts them."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from qkit.widgets._render import TEXT_CACHE_AVAILABLE, CachedTextCanvas

    def draw(fig, shift):
        fig.clear()
        ax = fig.add_subplot()
        ax.plot([0, 1 + shift], [0, 3.7])
        ax.set_title(f"shift {shift:.3f}: ÅÆ naïve")
        ax.set_xlabel(r"mean $\mu_e$ (e$^-$)")
        ax.set_ylabel(r"$\frac{1}{2}\sqrt{x}$ and $H_{\min}(Z_{23}|E)$")  # mathtext with rules
        ax.text(0.2 + shift, 0.5, "rotated text", rotation=33, transform=ax.transAxes, fontsize=9)
        ax.text(0.7, 0.3 + shift, "vertical", rotation=90, transform=ax.transAxes, antialiased=False)
        ax.legend(["a line"], loc="upper left")

    stock, cached = Figure(figsize=(4, 3), dpi=90), Figure(figsize=(4, 3), dpi=90)
    stock_canvas, cached_canvas = FigureCanvasAgg(stock), CachedTextCanvas(cached)
    for shift in (0.0, 0.013, 0.0, 0.31, 0.013):  # repeats hit the cache, new offsets miss it
        draw(stock, shift)
        draw(cached, shift)
        np.testing.assert_array_equal(_rgba(cached_canvas), _rgba(stock_canvas))
    if TEXT_CACHE_AVAILABLE:
        assert cached_canvas._text_glyphs, "the glyph cache was not used"


def test_redraw_updates_in_place_and_falls_back_to_draw():
    calls = []

    def draw(fig, result):
        calls.append(("draw", result))
        fig.add_subplot().set_title(f"{result}")

    def redraw(fig, result):
        calls.append(("redraw", result))
        if result == 3.0:
            return False  # cannot: draw anew
        if result == 4.0:
            raise RuntimeError("broken half-way")
        fig.axes[0].set_title(f"{result}")
        return True

    ex = Explorer({"x": _slider()}, lambda x: x, draw, redraw=redraw)
    assert calls == [("draw", 1.0)]
    ex.controls["x"].value = 2.0
    assert calls[-1] == ("redraw", 2.0) and ex.figure.axes[0].get_title() == "2.0"
    ex.controls["x"].value = 3.0
    assert calls[-2:] == [("redraw", 3.0), ("draw", 3.0)] and len(ex.figure.axes) == 1
    with pytest.raises(RuntimeError, match="half-way"):
        ex.controls["x"].value = 4.0
    ex.controls["x"].value = 0.5  # after a failed redraw the figure is drawn anew
    assert calls[-1] == ("draw", 0.5) and ex.figure.axes[0].get_title() == "0.5"
    with pytest.raises(TypeError, match="redraw must be callable"):
        Explorer({"x": _slider()}, lambda x: x, draw, redraw="yes")

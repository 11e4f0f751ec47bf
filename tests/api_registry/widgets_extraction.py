"""Registry cases for the widgets and figures of chapter 07 (brief H6).

``qkit.widgets.extraction`` and ``qkit.plots.extraction``. The views are built once here (small)
and handed to the figure builders; the explorers are built with the notebook's starting values.
See ``__init__.py`` beside this file.
"""

from matplotlib.figure import Figure

from api_registry import Case
from qkit.widgets import extraction

_EXTRACTOR = extraction.extractor_view(4096, 0.98, 64.0, small_bits=4)
_GUESSING = extraction.noise_guessing_view(50.0, "pixel 1")


def _draw(target, view):
    """A figure builder ``draw(fig, view)``: a fresh figure per call."""
    return Case(target, make=lambda: ((Figure(), view), {}))


CASES = [
    # ---- views: the plain functions under the explorers
    Case("qkit.widgets.extraction.flat_source_pmf", args=(6, 4.5), kwargs=dict(seed=3),
         bad={"n_bits": [0, 17], "min_entropy_bits": [-0.1, 6.5], "seed": [-1]}),
    Case("qkit.widgets.extraction.extractor_view", args=(4096, 0.98, 64.0), kwargs=dict(small_bits=4),
         bad={"block_bits": [0, 1 << 25], "min_entropy_rate": [-0.1, 1.2], "log2_inverse_epsilon": [0.0, 300.0],
              "small_bits": [1, 8]}),
    Case("qkit.widgets.extraction.noise_guessing_view", args=(50.0, "pixel 1"),
         bad={"mean": [-1.0, 2000.0], "pixel_name": ["pixel 9"]}),
    # ---- explorers (the notebook's starting values)
    Case("qkit.widgets.extraction.extractor_explorer",
         kwargs=dict(block_bits=4096, min_entropy_rate=0.98, log2_inverse_epsilon=64.0), timeout=30.0,
         bad={"block_bits": [100, 1 << 22], "min_entropy_rate": [0.0, 1.5], "log2_inverse_epsilon": [0.5, 200.0]},
         allow={"block_bits": ("fraction",)}),  # 4096.5 is refused as 'not one of the block lengths' (a ValueError)
    Case("qkit.widgets.extraction.noise_guessing_explorer", kwargs=dict(mean=50.0, pixel_name="pixel 1"),
         timeout=30.0, bad={"mean": [1.0, 2000.0], "pixel_name": ["pixel 0"]}),
    # ---- figure builders
    _draw("qkit.plots.extraction.draw_extractor", _EXTRACTOR),
    _draw("qkit.plots.extraction.draw_noise_guessing", _GUESSING),
    _draw("qkit.plots.extraction.redraw_extractor", _EXTRACTOR),  # False: a figure draw_extractor did not draw
    _draw("qkit.plots.extraction.redraw_noise_guessing", _GUESSING),
    Case("qkit.plots.extraction.plot_stage_scores",
         make=lambda: ((Figure().add_subplot(), {"raw": 0.83, "toeplitz": 0.8, "drbg": 0.79}, 0.98), {}),
         bad={"scores": [{"raw": 1.5}, {"raw": -0.1}], "model": [1.5, -0.2]}),
]

EXEMPT = {
    "qkit.widgets.extraction.ExtractorView": "a result record that only extractor_view builds",
    "qkit.widgets.extraction.NoiseGuessingView": "a result record that only noise_guessing_view builds",
}

"""Registry cases for the widgets and figures of chapters 00-05 (brief B1).

``qkit.widgets.{basics,qrng_char,qrng_model}`` and ``qkit.plots.{basics,qrng_char,qrng_model}``.
The views are built once here (small, seeded) and handed to the figure builders; the explorers
are built with their notebooks' starting values. See ``__init__.py`` beside this file.
"""

import numpy as np
from matplotlib.figure import Figure

from api_registry import Case
from qkit.qrng.correlations import correlation_summary
from qkit.qrng.pixel import PIXEL_1
from qkit.widgets import basics, qrng_char, qrng_model

_POISSON = basics.poisson_view(4.0)
_MODES = qrng_char.multimode_view(20.0, 3.0)
_THIN = qrng_char.thinning_view(40.0, 0.5, 1000)
_DARK = qrng_char.dark_fit_view(8.0, 0.21, 17.2, 20_000, seed=2)
_TRANSFER = qrng_char.transfer_view(1000.0, 4, 500)
_CORR = qrng_char.correlation_view(500, 0.01, 0.5, n_pixels=4)
_ADC = qrng_model.adc_view(625.0)
_ENTROPY = qrng_model.entropy_view(625.0, n_means=5)
_FRAMES = qrng_model.frame_view(n_means=21)
_PMF = _ADC.z_pmf


def _fig():
    return Figure()


def _ax():
    return Figure().add_subplot()


def _draw(target, view):
    """A figure builder ``draw(fig, view)``: a fresh figure per call."""
    return Case(target, make=lambda: ((_fig(), view), {}))


def _plot(target, *args, **kwargs):
    """A helper ``plot(ax, ...)``: a fresh axes per call."""
    return Case(target, make=lambda: ((_ax(), *args), dict(kwargs)))


CASES = [
    # ---- views: the plain functions under the explorers
    Case("qkit.widgets.basics.poisson_view", args=(4.0,), kwargs=dict(tolerance=1e-12),
         bad={"mean": [-1.0, 1e5], "tolerance": [0.0, 0.5]}),
    Case("qkit.widgets.qrng_char.multimode_view", args=(20.0, 3.0),
         bad={"mean": [0.0, -1.0, 1e5], "modes": [0.5, 1e13]}),
    Case("qkit.widgets.qrng_char.thinning_view", args=(40.0, 0.5, 1000), kwargs=dict(seed=1),
         bad={"mean_photons": [0.0, 1e5], "efficiency": [0.0, 1.5], "n_samples": [5, 10**8], "seed": [-1]}),
    Case("qkit.widgets.qrng_char.dark_fit_view", args=(8.0, 0.21, 17.2, 5000), kwargs=dict(seed=1, fit=False),
         bad={"offset_steps": [100.0], "readout_sigma": [0.0, -0.2], "dark_mean": [-1.0, 1e4],
              "n_frames": [10, 10**8], "seed": [-3], "fit": ["yes"]}),
    Case("qkit.widgets.qrng_char.transfer_view", args=(1000.0, 4, 500), kwargs=dict(seed=1, pixel=PIXEL_1),
         bad={"max_photoelectrons": [10.0, 1e4], "n_levels": [2, 21], "n_frames": [50, 10**7],
              "seed": [-1], "pixel": ["PIXEL_1"]}),
    Case("qkit.widgets.qrng_char.correlation_view", args=(500, 0.01, 0.5),
         kwargs=dict(n_pixels=4, mean_photoelectrons=625.0, seed=1, pixel=PIXEL_1),
         bad={"n_frames": [50], "intensity_noise": [-0.1, 0.5], "memory": [1.0], "n_pixels": [1, 300],
              "mean_photoelectrons": [-5.0, 1e5], "pixel": [3]}),
    Case("qkit.widgets.qrng_model.adc_view", args=(625.0,), kwargs=dict(gain=0.8192, pixel_name="pixel 1"),
         bad={"mean": [-1.0, 3000.0], "gain": [0.1, 2.0], "pixel_name": ["pixel 9"]}),
    Case("qkit.widgets.qrng_model.entropy_view", args=(625.0,),
         kwargs=dict(readout_sigma=0.21, dark_mean=17.2, readout_mean=-13.6, n_means=3),
         bad={"mean": [-5.0, 1500.0], "readout_sigma": [-0.1, 10.0], "dark_mean": [-1.0, 1e6],
              "readout_mean": [1e3], "n_means": [1, 10**5], "gain": [0.4, 1.3]}),
    Case("qkit.widgets.qrng_model.frame_view",
         kwargs=dict(low_threshold=64, high_threshold=940, max_out=1, n_pixels=64, pixel_name="pixel 1", n_means=21),
         bad={"low_threshold": [-1, 940], "high_threshold": [2000], "max_out": [-1, 100], "n_pixels": [0, 10**6],
              "pixel_name": ["pixel 0"], "n_means": [1]}),
    # ---- explorers (the notebooks' starting values)
    Case("qkit.widgets.basics.poisson_explorer", kwargs=dict(mean=4.0), bad={"mean": [-1.0, 100.0]}),
    Case("qkit.widgets.qrng_char.multimode_explorer", kwargs=dict(mean=20.0, log10_modes=0.0),
         bad={"mean": [0.5, 500.0], "log10_modes": [-1.0, 7.0]}),
    Case("qkit.widgets.qrng_char.thinning_explorer", kwargs=dict(mean_photons=40.0, efficiency=0.5),
         bad={"mean_photons": [0.0, 300.0], "efficiency": [0.0, 1.5]}),
    Case("qkit.widgets.qrng_char.dark_fit_explorer", timeout=30.0),
    Case("qkit.widgets.qrng_char.transfer_explorer"),
    Case("qkit.widgets.qrng_char.correlation_explorer"),
    Case("qkit.widgets.qrng_model.adc_explorer", kwargs=dict(mean=625.0, gain=0.8192, pixel_name="noise-free (Fig. 2)"),
         bad={"mean": [-1.0, 1500.0], "gain": [0.4, 1.3], "pixel_name": ["pixel 7"]}),
    Case("qkit.widgets.qrng_model.entropy_explorer", kwargs=dict(mean=625.0, readout_sigma=0.21, dark_mean=17.2),
         bad={"mean": [-1.0, 2000.0], "readout_sigma": [-0.5, 4.0], "dark_mean": [-2.0, 200.0],
              "gain": [0.4, 1.3]}, timeout=30.0),
    Case("qkit.widgets.qrng_model.frame_explorer",
         kwargs=dict(low_threshold=64, high_threshold=940, max_out=1, n_pixels=64), timeout=30.0,
         bad={"low_threshold": [-1, 600], "high_threshold": [100, 1024], "max_out": [9], "n_pixels": [0, 2000]}),
    # ---- figure builders
    _draw("qkit.plots.basics.draw_poisson", _POISSON),
    _draw("qkit.plots.basics.redraw_poisson", _POISSON),
    _draw("qkit.plots.qrng_char.draw_multimode", _MODES),
    _draw("qkit.plots.qrng_char.draw_thinning", _THIN),
    _draw("qkit.plots.qrng_char.draw_dark_fit", _DARK),
    _draw("qkit.plots.qrng_char.draw_transfer", _TRANSFER),
    _draw("qkit.plots.qrng_char.draw_correlations", _CORR),
    _draw("qkit.plots.qrng_model.draw_adc", _ADC),
    _draw("qkit.plots.qrng_model.draw_entropy", _ENTROPY),
    _draw("qkit.plots.qrng_model.draw_frames", _FRAMES),
    # in-place updates (each returns False on a figure its draw_* did not draw)
    _draw("qkit.plots.qrng_char.redraw_multimode", _MODES),
    _draw("qkit.plots.qrng_char.redraw_thinning", _THIN),
    _draw("qkit.plots.qrng_char.redraw_dark_fit", _DARK),
    _draw("qkit.plots.qrng_model_redraw.redraw_adc", _ADC),
    _draw("qkit.plots.qrng_model_redraw.redraw_entropy", _ENTROPY),
    _draw("qkit.plots.qrng_model_redraw.redraw_frames", _FRAMES),
    _draw("qkit.plots.qrng_char_redraw.redraw_correlations", _CORR),
    _draw("qkit.plots.qrng_char_redraw.redraw_transfer", _TRANSFER),
    _plot("qkit.plots.qrng_char.draw_dark_histograms", _DARK.exact, _DARK.exact, 8.0),
    Case("qkit.plots.qrng_char.fit_summary", args=(_DARK.fit, _DARK.pixel), bad={"fit": [3.0], "truth": [3.0]}),
    _plot("qkit.plots.qrng_char.draw_pulls", np.random.default_rng(0).standard_normal((20, 3))),
    _plot("qkit.plots.qrng_char.draw_pair_histogram", _CORR.summary, paper_sigma=0.01),
    _plot("qkit.plots.qrng_char.draw_autocorrelation", _CORR.summary, pixels=2),
    Case("qkit.plots.qrng_model.plot_adc_pmf", make=lambda: ((_ax(), _PMF), dict(window=(400, 560), label="P(Z)",
                                                                                    color="C0")),
         allow={"label": ("unknown",)}),  # any text is a legend label
    _plot("qkit.plots.qrng_model.plot_kept_bits", _ADC.kept_pmf, paper_value=0.982, h_per_bit=0.982),
    _plot("qkit.plots.qrng_model.plot_bit_min_entropy", _ADC.bit_min_entropy, kept=(2, 3)),
    _plot("qkit.plots.qrng_model.plot_entropy_curve", _ENTROPY.means, {"H": _ENTROPY.conditional},
          paper_value=0.98, operating_range=(500.0, 750.0)),
    _plot("qkit.plots.qrng_model.plot_failure_and_entropy", _FRAMES.means, _FRAMES.failure, _FRAMES.entropy,
          window=(150.0, 1000.0), floor=1e-14),
    Case("qkit.plots.qrng_model.plot_mean_map",
         make=lambda: ((_ax(), np.full((4, 4), 625.0)), dict(title="uniform", vmin=0.0, vmax=1400.0)),
         allow={"title": ("unknown",)}),  # any text is a title
]

EXEMPT = {
    "qkit.widgets.basics.PoissonView": "a result record that only poisson_view builds",
    "qkit.widgets.qrng_char.ModesView": "a result record that only multimode_view builds",
    "qkit.widgets.qrng_char.ThinningView": "a result record that only thinning_view builds",
    "qkit.widgets.qrng_char.DarkFitView": "a result record that only dark_fit_view builds",
    "qkit.widgets.qrng_char.TransferView": "a result record that only transfer_view builds",
    "qkit.widgets.qrng_char.CorrelationView": "a result record that only correlation_view builds",
    "qkit.widgets.qrng_model.AdcView": "a result record that only adc_view builds",
    "qkit.widgets.qrng_model.EntropyView": "a result record that only entropy_view builds",
    "qkit.widgets.qrng_model.FrameView": "a result record that only frame_view builds",
}

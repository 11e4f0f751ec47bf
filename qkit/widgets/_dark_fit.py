"""The dark-histogram fit of notebook 03 (Fig. 5, Table I), behind :mod:`qkit.widgets.qrng_char`.

:func:`dark_fit_view` samples dark readings of a pixel with the ADC offset shifted, fits Eq. (4)
of the QRNG paper by maximum likelihood (:func:`qkit.qrng.fitting.fit_dark_histogram`) and
judges the fit; :func:`dark_fit_explorer` shows the histogram at once and the fit when it is
done. Both are re-exported by :mod:`qkit.widgets.qrng_char`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_flag, require_integer, require_real
from qkit.plots import qrng_char as plots
from qkit.qrng.fitting import DarkFit, fit_dark_histogram, negative_log_likelihood
from qkit.qrng.pixel import PIXEL_1, Pixel
from qkit.qrng.sampling import adc_histogram, sample_frames
from qkit.qrng.sensor import adc_pmf
from qkit.widgets._explorer import Explorer

__all__ = ["DarkFitView", "dark_fit_view", "dark_fit_explorer"]


def _slider(value, low, high, step, description):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               style={"description_width": "initial"})


@dataclass(frozen=True)
class DarkFitView:
    """A sampled dark histogram, the exact pmf that made it and, if meaningful, the fit.

    ``fit``, ``fitted`` and ``pulls`` are None when no honest fit can be shown (most readings
    clipped, no convergence, a singular Hessian) or not yet computed (``preview``); ``verdict``
    then says why in a plain sentence. It also warns when another pile-up comb fits almost as
    well, which makes the error bars too small.
    """

    pixel: Pixel
    offset_steps: float
    counts: np.ndarray
    exact: np.ndarray
    fitted: np.ndarray | None
    fit: DarkFit | None
    pulls: np.ndarray | None
    clipped: float | None = None  # fraction of readings at Z = 0; from counts when not given
    verdict: str = ""
    preview: bool = False

    def __post_init__(self) -> None:
        if self.clipped is None:
            total = float(np.sum(self.counts))
            object.__setattr__(self, "clipped", float(self.counts[0]) / total if total > 0 else 0.0)


_MAX_CLIPPED = 0.5  # above this fraction of readings at Z = 0 the fit is not attempted
_AMBIGUOUS_NATS = 2.0  # a neighbouring comb this close in -log L makes the error bars too small


@lru_cache(maxsize=16)
def _dark_histogram(offset_steps: float, readout_sigma: float, dark_mean: float, n_frames: int, seed: int,
                    readout_mean: float, gain: float) -> tuple[Pixel, np.ndarray, np.ndarray]:
    """The simulated pixel, its histogram of dark readings and the exact pmf (memoised)."""
    pixel = Pixel(gain=gain, readout_mean=readout_mean, readout_sigma=readout_sigma, dark_mean=dark_mean)
    shifted = pixel.with_offset(offset_steps)
    z = sample_frames(0.0, shifted, n_frames, rng=np.random.default_rng(seed))
    counts = adc_histogram(z, pixel.adc_max)
    exact = adc_pmf(0.0, shifted)
    counts.setflags(write=False)
    exact.setflags(write=False)
    return pixel, counts, exact


def _check_dark_inputs(offset_steps, readout_sigma, dark_mean, n_frames, seed):
    offset_steps = require_real("offset_steps", offset_steps, -64.0, 64.0, unit="ADC steps")
    readout_sigma = require_real("readout_sigma", readout_sigma, 0.01, 5.0, unit="ADC steps")
    dark_mean = require_real("dark_mean", dark_mean, 0.0, 200.0, unit="electrons")
    n_frames = require_integer("n_frames", n_frames, 1000, 10**7)
    seed = require_integer("seed", seed, 0)
    return offset_steps, readout_sigma, dark_mean, n_frames, seed


def dark_fit_view(offset_steps: float, readout_sigma: float, dark_mean: float, n_frames: int,
                  seed: int = 0, readout_mean: float = PIXEL_1.readout_mean,
                  gain: float = PIXEL_1.gain, *, fit: bool = True) -> DarkFitView:
    """Sample dark frames of a pixel with the ADC offset shifted, and fit Eq. (4) to them.

    Parameters
    ----------
    offset_steps : float
        ADC offset shift in ADC steps (the paper: +8), ``-64 <= offset_steps <= 64``.
    readout_sigma : float
        ``sigma_r`` of the simulated pixel, ``0.01 <= readout_sigma <= 5`` ADC steps.
    dark_mean : float
        ``mu_dark`` of the simulated pixel, ``0 <= dark_mean <= 200`` electrons.
    n_frames : int
        Number of dark readings, 1e3..1e7.
    seed : int
        Seed of the generator, ``>= 0``.
    readout_mean, gain : float
        ``mu_r`` at the default offset (ADC steps) and ``K`` (held fixed in the fit).
    fit : bool, keyword-only
        False: the histogram and the exact pmf only (a quick preview, ``preview=True``).

    Returns
    -------
    DarkFitView
        Histogram, exact pmf, fraction clipped at ``Z = 0``, and the fit, the fitted pmf and the
        pulls ``(fit - truth) / error`` when the fit means something (else None and a verdict).
    """
    offset_steps, readout_sigma, dark_mean, n_frames, seed = _check_dark_inputs(
        offset_steps, readout_sigma, dark_mean, n_frames, seed)
    readout_mean = require_real("readout_mean", readout_mean, -64.0, 64.0, unit="ADC steps")
    gain = require_real("gain", gain, 0.1, 10.0, unit="ADC steps per electron")
    fit = require_flag("fit", fit)
    pixel, counts, exact = _dark_histogram(offset_steps, readout_sigma, dark_mean, n_frames, seed, readout_mean, gain)
    clipped = float(counts[0] / counts.sum())
    if clipped > _MAX_CLIPPED:
        verdict = (f"{100 * clipped:.0f} % of the readings are clipped at Z = 0, so the histogram hides most "
                   "of the dark distribution and no fit can recover the parameters: shift the offset up "
                   "(the paper uses +8 steps) or raise the dark mean")
        return DarkFitView(pixel, offset_steps, counts, exact, None, None, None, clipped, verdict)
    if not fit:
        return DarkFitView(pixel, offset_steps, counts, exact, None, None, None, clipped,
                           "fitting by maximum likelihood...", preview=True)
    return _fitted_view(pixel, offset_steps, counts, exact, clipped)


def _fitted_view(pixel: Pixel, offset_steps: float, counts: np.ndarray, exact: np.ndarray,
                 clipped: float) -> DarkFitView:
    """Fit the histogram and judge the fit: converged, finite error bars, a clear best comb."""
    try:
        fit = fit_dark_histogram(counts, gain=pixel.gain, offset_steps=offset_steps)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError, ArithmeticError):
        fit = None
    if fit is None or not fit.converged or not np.all(np.isfinite(fit.errors)):
        verdict = ("the maximum-likelihood fit did not settle on an optimum with a well-defined curvature "
                   "(its Hessian is not positive definite), so it has no error bars: take more frames or "
                   "change the parameters")
        return DarkFitView(pixel, offset_steps, counts, exact, None, None, None, clipped, verdict)
    shifted = pixel.with_offset(offset_steps)
    truth = np.array([shifted.readout_mean, pixel.readout_sigma, pixel.dark_mean])
    pulls = (fit.values - truth) / fit.errors
    fitted = adc_pmf(0.0, fit.pixel.with_offset(offset_steps))
    verdict = ""
    best = fit.pixel.with_offset(offset_steps)
    for k in (-1, 1):  # the neighbouring pile-up combs: mu_r + k K, mu_dark - k (same mean)
        if best.dark_mean - k <= 0:
            continue
        other = dataclasses.replace(best, readout_mean=best.readout_mean + k * best.gain, dark_mean=best.dark_mean - k)
        if negative_log_likelihood(counts, other) - fit.negative_log_likelihood < _AMBIGUOUS_NATS:
            verdict = ("a neighbouring pile-up comb (mu_r moved by one gain step, mu_dark by one electron) fits "
                       "these readings almost as well, so the error bars understate the uncertainty: take more "
                       "frames")
            break
    return DarkFitView(pixel, offset_steps, counts, exact, fitted, fit, pulls, clipped, verdict)


def _describe_dark_fit(view: DarkFitView) -> str:
    if view.preview:
        return f"{int(view.counts.sum()):,} dark readings; fitting by maximum likelihood..."
    if view.fit is None:
        return view.verdict[0].upper() + view.verdict[1:] + "."
    text = plots.fit_summary(view.fit, view.pixel)
    return text + (f". Caution: {view.verdict}." if view.verdict else "")


def dark_fit_explorer() -> Explorer:
    """Offset, readout sigma, dark mean and sample size of a simulated dark histogram (notebook 03).

    The histogram and the exact pmf appear at once; the maximum-likelihood fit follows (computed
    in the background). Settings where no fit is meaningful say why instead of showing numbers.
    """
    controls = {
        "offset_steps": _slider(8.0, 0.0, 16.0, 1.0, "ADC offset shift (steps)"),
        "readout_sigma": _slider(0.21, 0.05, 1.5, 0.01, "readout σ_r (steps)"),
        "dark_mean": _slider(17.2, 1.0, 40.0, 0.1, "dark mean μ_dark (e⁻)"),
        "log10_frames": _slider(5.0, 3.0, 6.0, 0.5, "log10 dark frames"),
    }

    def view(offset_steps, readout_sigma, dark_mean, log10_frames, fit=True):
        return dark_fit_view(offset_steps, readout_sigma, dark_mean, int(round(10**log10_frames)), fit=fit)

    return Explorer(
        controls,
        compute=lambda **values: view(**values, fit=False),
        refine=view,
        draw=plots.draw_dark_fit, figsize=(8, 4),
        describe=_describe_dark_fit,
    )

"""Widgets of notebooks 02, 04 and 05: the ADC, the min-entropy and the frame test.

Each explorer wraps a pure ``*_view`` function that calls the exact model of :mod:`qkit.qrng`
and returns a frozen dataclass; the tests drive the explorers headlessly.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_choice, require_integer, require_real
from qkit.plots.qrng_model import draw_adc, draw_entropy, draw_frames
from qkit.qrng.entropy import conditional_min_entropy, conditional_min_entropy_curve, min_entropy, min_entropy_curve
from qkit.qrng.frames import FrameRule, _uniform_pass, out_of_range_probabilities
from qkit.qrng.pixel import FACTORY_GAIN, NOISE_FREE, PIXEL_1, PIXEL_2, PIXEL_3, PIXEL_4, Pixel
from qkit.qrng.sensor import adc_pmf, adc_pmf_many, kept_bits_pmf
from qkit.widgets._explorer import Explorer

__all__ = [
    "PIXELS",
    "AdcView",
    "adc_view",
    "adc_explorer",
    "EntropyView",
    "entropy_view",
    "entropy_explorer",
    "FrameView",
    "frame_view",
    "frame_explorer",
]

#: The pixels a learner can pick: the noise-free chip of Fig. 2 and the four of Table I.
PIXELS = {"noise-free (Fig. 2)": NOISE_FREE, "pixel 1": PIXEL_1, "pixel 2": PIXEL_2,
          "pixel 3": PIXEL_3, "pixel 4": PIXEL_4}

_STYLE = {"description_width": "initial"}
_LAYOUT = widgets.Layout(width="520px")


@dataclass(frozen=True)
class AdcView:
    """What the ADC explorer shows for one mean, gain and pixel."""

    mean: float
    pixel: Pixel
    z_pmf: np.ndarray
    kept_pmf: np.ndarray
    min_entropy_per_bit: float
    bit_min_entropy: np.ndarray


def adc_view(mean: float, gain: float = FACTORY_GAIN, pixel_name: str = "noise-free (Fig. 2)") -> AdcView:
    """The exact ``P(Z)``, ``P(Z23)`` and single-bit min-entropies (notebook 02).

    Parameters
    ----------
    mean : float
        Mean photoelectrons ``mu_e``, ``0 <= mean <= 2000``.
    gain : float
        ``K`` (ADC steps per electron), ``0.5 <= K <= 1.5``; replaces the pixel's gain.
    pixel_name : str
        A key of :data:`PIXELS` (its noise is used).
    """
    mean = require_real("mean", mean, 0.0, 2000.0, unit="electrons")
    gain = require_real("gain", gain, 0.5, 1.5, unit="ADC steps per electron")
    pixel = dataclasses.replace(PIXELS[require_choice("pixel_name", pixel_name, tuple(PIXELS))], gain=gain)
    z = adc_pmf(mean, pixel)
    z = z / z.sum()  # spread the <= 1e-12/3 truncated mass: the plots need a proper pmf
    kept = kept_bits_pmf(z, pixel.kept_bits)
    bits = np.array([float(min_entropy(kept_bits_pmf(z, (k,)))) for k in range(pixel.adc_bits)])
    return AdcView(mean, pixel, z, kept, float(min_entropy(kept, per_bit=True)), bits)


def adc_explorer(mean: float = 625.0, gain: float = FACTORY_GAIN, pixel_name: str = "noise-free (Fig. 2)") -> Explorer:
    """Sliders for ``mu_e`` and ``K`` and a pixel menu over the notebook 02 figure.

    Parameters
    ----------
    mean, gain, pixel_name
        Starting values (see :func:`adc_view`).
    """
    adc_view(mean, gain, pixel_name)  # refuse bad starting values with the view's messages
    mean = require_real("mean", mean, 0.0, 1400.0, unit="electrons (the slider's range)")
    gain = require_real("gain", gain, 0.5, 1.2, unit="ADC steps per electron (the slider's range)")
    controls = {
        "mean": widgets.FloatSlider(value=mean, min=0, max=1400, step=5, description="mean photoelectrons μ_e",
                                    style=_STYLE, layout=_LAYOUT),
        "gain": widgets.FloatSlider(value=gain, min=0.5, max=1.2, step=0.0008, readout_format=".4f",
                                    description="gain K (ADC steps per electron)", style=_STYLE, layout=_LAYOUT),
        "pixel_name": widgets.Dropdown(options=list(PIXELS), value=pixel_name, description="noise", style=_STYLE),
    }
    return Explorer(controls, compute=adc_view, draw=draw_adc, figsize=(11, 3.6),
                    describe=lambda v: f"H_min(Z23) = {v.min_entropy_per_bit:.4f} per bit")


@dataclass(frozen=True)
class EntropyView:
    """The Fig. 7 curve for one set of noise parameters, and the value at one mean.

    ``preview`` is True for the quick curve an explorer shows first: exact values at fewer
    means (every 100 electrons), drawn as such, while the full curve is computed.
    """

    mean: float
    pixel: Pixel
    means: np.ndarray
    conditional: np.ndarray
    unconditional: np.ndarray
    conditional_at_mean: float
    unconditional_at_mean: float
    preview: bool = False


#: The curves already computed, keyed by (pixel, number of means): a move of the mean slider,
#: or a return to earlier noise values, reuses them (the curve does not depend on the marker).
_CURVES: OrderedDict = OrderedDict()
_CURVES_KEPT = 64
_PREVIEW_MEANS = 15  # 0, 100, ..., 1400 electrons: the quick curve of the explorer (8 for wide noise)
_FULL_RANGE = 1400.0


def _entropy_curves(pixel: Pixel, n_means: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, ``H_min(Z23|E)`` and ``H_min(Z23)`` per bit on ``[0, 1400]``, memoised."""
    key = (pixel, n_means)
    found = _CURVES.get(key)
    if found is None:
        means = np.linspace(0.0, _FULL_RANGE, n_means)
        found = (means, conditional_min_entropy_curve(means, pixel), min_entropy_curve(means, pixel))
        for array in found:
            array.setflags(write=False)
        _CURVES[key] = found
        while len(_CURVES) > _CURVES_KEPT:
            _CURVES.popitem(last=False)
    return found


def entropy_view(mean: float, readout_sigma: float = 0.21, dark_mean: float = 17.2,
                 readout_mean: float = -13.6, n_means: int = 141) -> EntropyView:
    """``H_min(Z23 | E)`` and ``H_min(Z23)`` per bit against ``mu_e`` for chosen noise (notebook 04).

    Eqs. (5)-(6) of the QRNG paper, exact at every point (:mod:`qkit.qrng.entropy`). The curve
    is memoised on the noise parameters, so moving only ``mean`` costs two single values.

    Parameters
    ----------
    mean : float
        The mean to mark, ``0 <= mean <= 1400`` electrons.
    readout_sigma : float
        ``sigma_r``, ``0 <= sigma_r <= 3`` ADC steps.
    dark_mean : float
        ``mu_dark``, ``0 <= mu_dark <= 100`` electrons.
    readout_mean : float
        ``mu_r``, ``-50 <= mu_r <= 50`` ADC steps. ``K = 0.8192`` (Table I pixel 1 by default).
    n_means : int
        Points of the curve over ``[0, 1400]`` electrons, ``2 <= n_means <= 2000``.

    Returns
    -------
    EntropyView
    """
    mean = require_real("mean", mean, 0.0, _FULL_RANGE, unit="electrons")
    readout_sigma = require_real("readout_sigma", readout_sigma, 0.0, 3.0, unit="ADC steps")
    dark_mean = require_real("dark_mean", dark_mean, 0.0, 100.0, unit="electrons")
    readout_mean = require_real("readout_mean", readout_mean, -50.0, 50.0, unit="ADC steps")
    n_means = require_integer("n_means", n_means, 2, 2000)
    pixel = Pixel(readout_mean=readout_mean, readout_sigma=readout_sigma, dark_mean=dark_mean)
    means, cond, uncond = _entropy_curves(pixel, n_means)
    at = conditional_min_entropy(mean, pixel, per_bit=True)
    return EntropyView(mean, pixel, means, cond, uncond, at, float(min_entropy_curve([mean], pixel)[0]))


def _entropy_preview(mean: float, readout_sigma: float, dark_mean: float) -> EntropyView:
    """The explorer's quick result: the full curve if memoised, else every 100 electrons."""
    full = entropy_view(mean, readout_sigma, dark_mean) if _is_memoised(readout_sigma, dark_mean) else None
    if full is not None:
        return full
    # the work per mean grows with the spread of the noise in ADC steps: wide noise, fewer means
    spread = FACTORY_GAIN * 14.0 * np.sqrt(dark_mean + 1.0) + 14.0 * readout_sigma
    n_means = _PREVIEW_MEANS if spread < 80.0 else 8
    view = entropy_view(mean, readout_sigma, dark_mean, n_means=n_means)
    return dataclasses.replace(view, preview=True)


def _is_memoised(readout_sigma: float, dark_mean: float, n_means: int = 141) -> bool:
    try:
        pixel = Pixel(readout_mean=-13.6, readout_sigma=readout_sigma, dark_mean=dark_mean)
    except (TypeError, ValueError):
        return False
    return (pixel, n_means) in _CURVES


def _describe_entropy(v: EntropyView) -> str:
    text = (f"at μ_e = {v.mean:g}: H_min(Z23|E) = {v.conditional_at_mean:.4f}, "
            f"H_min(Z23) = {v.unconditional_at_mean:.4f} per bit")
    return text + (f" (curve: quick preview at {v.means.size} means)" if v.preview else "")


def entropy_explorer(mean: float = 625.0, readout_sigma: float = 0.21, dark_mean: float = 17.2) -> Explorer:
    """Sliders for ``mu_e``, ``sigma_r`` and ``mu_dark`` over the Fig. 7 curve (notebook 04).

    A new noise setting first shows the exact curve at 15 means (labelled as a preview), then
    the 141-point curve computed in the background; moving only the mean moves the marker.

    Parameters
    ----------
    mean : float
        Starting ``mu_e``, ``0 <= mean <= 1400`` electrons.
    readout_sigma : float
        Starting ``sigma_r``, ``0 <= readout_sigma <= 3`` ADC steps.
    dark_mean : float
        Starting ``mu_dark``, ``0 <= dark_mean <= 100`` electrons.
    """
    entropy_view(mean, readout_sigma, dark_mean, n_means=2)  # refuse bad starting values at once
    controls = {
        "mean": widgets.FloatSlider(value=mean, min=0, max=1400, step=5, description="mean photoelectrons μ_e",
                                    style=_STYLE, layout=_LAYOUT),
        "readout_sigma": widgets.FloatSlider(value=readout_sigma, min=0.0, max=3.0, step=0.01,
                                             description="readout noise σ_r (ADC steps)", style=_STYLE, layout=_LAYOUT),
        "dark_mean": widgets.FloatSlider(value=dark_mean, min=0.0, max=100.0, step=0.2,
                                         description="dark electrons μ_dark", style=_STYLE, layout=_LAYOUT),
    }
    return Explorer(controls, compute=_entropy_preview, refine=entropy_view, draw=draw_entropy,
                    figsize=(9, 4.2), describe=_describe_entropy)


@dataclass(frozen=True)
class FrameView:
    """Failure probability of a uniformly lit frame and the entropy, against ``mu_e``."""

    rule: FrameRule
    n_pixels: int
    means: np.ndarray
    failure: np.ndarray
    entropy: np.ndarray
    window: tuple[float, float] | None  # smallest and largest mean with failure < 1e-6


@lru_cache(maxsize=8)
def _entropy_curve(pixel: Pixel, n_means: int) -> np.ndarray:
    curve = conditional_min_entropy_curve(np.linspace(0.0, 1400.0, n_means), pixel)
    curve.setflags(write=False)
    return curve


@lru_cache(maxsize=8)
def _adc_pmfs(pixel: Pixel, n_means: int) -> np.ndarray:
    """``P(Z)`` of one pixel at every mean of the curve: the rule only reads it (memoised)."""
    pmfs = adc_pmf_many(np.linspace(0.0, 1400.0, n_means), pixel)
    pmfs.setflags(write=False)
    return pmfs


def frame_view(low_threshold: int = 64, high_threshold: int = 940, max_out: int = 1, n_pixels: int = 64,
               pixel_name: str = "pixel 1", n_means: int = 281) -> FrameView:
    """Fig. 8 for a chosen rule (``N- = N+ = max_out``) and frame size (notebook 05).

    The failure probability is that of :func:`qkit.qrng.frames.uniform_failure_curve` (the
    multinomial sum over the out-of-range counts, Sec. V of the QRNG paper); the ADC pmfs it
    reads are memoised per pixel, so moving a threshold costs only the sum.

    Parameters
    ----------
    low_threshold, high_threshold : int
        ``T-`` and ``T+`` (ADC steps), ``0 <= T- < T+ <= 1023``.
    max_out : int
        ``N- = N+``, ``0 <= max_out <= 64``.
    n_pixels : int
        Uniformly lit pixels per frame, ``1 <= n_pixels <= 100000``.
    pixel_name : str
        A key of :data:`PIXELS`.
    n_means : int
        Points of the curve over ``[0, 1400]`` electrons, ``2 <= n_means <= 2000``.

    Returns
    -------
    FrameView
    """
    max_out = require_integer("max_out", max_out, 0, 64)
    rule = FrameRule(low_threshold, high_threshold, max_out, max_out)
    n_pixels = require_integer("n_pixels", n_pixels, 1, 100_000)
    n_means = require_integer("n_means", n_means, 2, 2000)
    pixel = PIXELS[require_choice("pixel_name", pixel_name, tuple(PIXELS))]
    means = np.linspace(0.0, 1400.0, n_means)
    low, high, inside = out_of_range_probabilities(_adc_pmfs(pixel, n_means), rule)
    failure = np.clip(1.0 - _uniform_pass(low, high, inside, n_pixels, rule), 0.0, 1.0)
    ok = means[failure < 1e-6]
    window = (float(ok.min()), float(ok.max())) if ok.size else None
    return FrameView(rule, n_pixels, means, failure, _entropy_curve(pixel, n_means), window)


def frame_explorer(low_threshold: int = 64, high_threshold: int = 940, max_out: int = 1, n_pixels: int = 64) -> Explorer:
    """Sliders for ``T-``, ``T+``, ``N+-`` and the number of pixels over Fig. 8 (notebook 05).

    Parameters
    ----------
    low_threshold, high_threshold, max_out, n_pixels : int
        Starting values (see :func:`frame_view`).
    """
    low_threshold = require_integer("low_threshold", low_threshold, 0, 511)
    high_threshold = require_integer("high_threshold", high_threshold, 512, 1023)
    max_out = require_integer("max_out", max_out, 0, 8)
    n_pixels = require_integer("n_pixels", n_pixels, 1, 1024)
    controls = {
        "low_threshold": widgets.IntSlider(value=low_threshold, min=0, max=511, step=1,
                                           description="T- (ADC steps)", style=_STYLE, layout=_LAYOUT),
        "high_threshold": widgets.IntSlider(value=high_threshold, min=512, max=1023, step=1,
                                            description="T+ (ADC steps)", style=_STYLE, layout=_LAYOUT),
        "max_out": widgets.IntSlider(value=max_out, min=0, max=8, description="N- = N+", style=_STYLE),
        "n_pixels": widgets.IntSlider(value=n_pixels, min=1, max=1024, description="pixels per frame", style=_STYLE),
    }
    return Explorer(controls, compute=frame_view, draw=draw_frames, figsize=(9, 4.2),
                    describe=lambda v: ("no mean gives failure < 1e-6" if v.window is None else
                                        f"failure < 1e-6 for μ_e from {v.window[0]:.0f} to {v.window[1]:.0f}"))

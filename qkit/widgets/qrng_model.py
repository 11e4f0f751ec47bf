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
from qkit.plots.qrng_model_redraw import redraw_adc, redraw_entropy, redraw_frames
from qkit.qrng.entropy import conditional_min_entropy, conditional_min_entropy_curve, min_entropy, min_entropy_curve
from qkit.qrng._tails import log_out_of_range, log_uniform_fail_pass
from qkit.qrng.frames import FrameRule
from qkit.qrng.pixel import FACTORY_GAIN, NOISE_FREE, PIXEL_1, PIXEL_2, PIXEL_3, PIXEL_4, Pixel
from qkit.qrng.sensor import adc_pmf, kept_bits_pmf
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

    @property
    def largest_deviation(self) -> float:
        """Largest ``|P(Z23 = b) - 1/4|`` over the kept-bit values (probability)."""
        return float(np.abs(self.kept_pmf - 1.0 / self.kept_pmf.size).max())


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
    # -log2(1) is -0.0, printed "-0.0000": a certain outcome has min-entropy +0.0
    per_bit = max(float(min_entropy(kept, per_bit=True)), 0.0) + 0.0
    return AdcView(mean, pixel, z, kept, per_bit, np.maximum(bits, 0.0) + 0.0)


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
    return Explorer(controls, compute=adc_view, draw=draw_adc, redraw=redraw_adc, figsize=(11, 3.6),
                    describe=lambda v: f"H_min(Z23) = {v.min_entropy_per_bit:.4f} per bit")


@dataclass(frozen=True)
class EntropyView:
    """The Fig. 7 curves for one gain and noise, the same for a reference pixel, and one mean marked.

    ``reference`` is the pixel the curves are compared with and ``reference_*`` its curves: the
    noise of Table I pixel 1 at the same gain when the chosen noise differs from it (what the
    noise changes), else Table I pixel 1 itself, factory gain K = 0.8192 (what the gain
    changes); it equals ``pixel`` when everything is Table I's. ``conditional_change`` and
    ``unconditional_change`` are the largest difference over the means of the operating range
    [500, 750] electrons (per bit).
    ``preview`` is True for the quick curve an explorer shows first: exact values at fewer
    means (every 100 or 200 electrons), drawn as such, while the full curve is computed.
    """

    mean: float
    pixel: Pixel
    means: np.ndarray
    conditional: np.ndarray
    unconditional: np.ndarray
    conditional_at_mean: float
    unconditional_at_mean: float
    reference_conditional: np.ndarray
    reference_unconditional: np.ndarray
    conditional_change: float
    unconditional_change: float
    reference: Pixel = PIXEL_1
    preview: bool = False

    @property
    def compared_with(self) -> str:
        """What the reference curves show, in words ("" when the pixel is its own reference)."""
        if self.reference == self.pixel:
            return ""
        if self.reference.gain != self.pixel.gain:
            return f"Table I pixel 1 (K = {self.reference.gain:.4f})"
        return f"Table I noise at K = {self.pixel.gain:.4f}"


#: The curves already computed, keyed by (pixel, number of means): a move of the mean slider,
#: or a return to earlier noise values, reuses them (the curve does not depend on the marker).
_CURVES: OrderedDict = OrderedDict()
_CURVES_KEPT = 64
_FULL_MEANS = 141  # 0, 10, ..., 1400 electrons: the refined curve
_PREVIEW_MEANS = 8  # 0, 200, ..., 1400 electrons: the quick curve shown first
_FULL_RANGE = 1400.0
_OPERATING = (500.0, 750.0)  # Sec. IV of the QRNG paper


def _entropy_curves(pixel: Pixel, n_means: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, ``H_min(Z23|E)`` and ``H_min(Z23)`` per bit on ``[0, 1400]``, memoised.

    A coarser grid whose means are all on a memoised finer one is read off it (same numbers).
    """
    found = _CURVES.get((pixel, n_means))
    fine = _CURVES.get((pixel, _FULL_MEANS))
    if found is None and fine is not None and (_FULL_MEANS - 1) % (n_means - 1) == 0:
        every = (_FULL_MEANS - 1) // (n_means - 1)
        return tuple(array[::every] for array in fine)
    if found is None:
        means = np.linspace(0.0, _FULL_RANGE, n_means)
        found = (means, conditional_min_entropy_curve(means, pixel), min_entropy_curve(means, pixel))
        for array in found:
            array.setflags(write=False)
        _CURVES[(pixel, n_means)] = found
        while len(_CURVES) > _CURVES_KEPT:
            _CURVES.popitem(last=False)
    return found


def _table_i_noise(gain: float) -> Pixel:
    """Pixel 1 of Table I with the gain replaced: the reference noise of the explorer."""
    return dataclasses.replace(PIXEL_1, gain=gain)


def _reference_for(pixel: Pixel) -> Pixel:
    """Table I noise at the pixel's gain if its noise differs, else Table I pixel 1 (factory gain)."""
    same_gain = _table_i_noise(pixel.gain)
    return same_gain if pixel != same_gain else PIXEL_1


def entropy_view(mean: float, readout_sigma: float = 0.21, dark_mean: float = 17.2,
                 readout_mean: float = -13.6, n_means: int = _FULL_MEANS, gain: float = FACTORY_GAIN) -> EntropyView:
    """``H_min(Z23 | E)`` and ``H_min(Z23)`` per bit against ``mu_e`` for a chosen gain and noise (notebook 04).

    Eqs. (5)-(6) of the QRNG paper, exact at every point (:mod:`qkit.qrng.entropy`), next to the
    same curves for a reference: the Table I noise of pixel 1 at the same gain when the noise
    differs from it, else Table I pixel 1 with its factory gain (see :class:`EntropyView`).
    Curves are memoised on the pixel, so moving only ``mean`` costs two single values.

    Parameters
    ----------
    mean : float
        The mean to mark, ``0 <= mean <= 1400`` electrons.
    readout_sigma : float
        ``sigma_r``, ``0 <= sigma_r <= 3`` ADC steps.
    dark_mean : float
        ``mu_dark``, ``0 <= mu_dark <= 100`` electrons.
    readout_mean : float
        ``mu_r``, ``-50 <= mu_r <= 50`` ADC steps (Table I pixel 1 by default).
    n_means : int
        Points of the curves over ``[0, 1400]`` electrons, ``2 <= n_means <= 2000``.
    gain : float
        ``K``, ``0.5 <= K <= 1.2`` ADC steps per electron (0.8192 in Table I).

    Returns
    -------
    EntropyView
    """
    mean = require_real("mean", mean, 0.0, _FULL_RANGE, unit="electrons")
    readout_sigma = require_real("readout_sigma", readout_sigma, 0.0, 3.0, unit="ADC steps")
    dark_mean = require_real("dark_mean", dark_mean, 0.0, 100.0, unit="electrons")
    readout_mean = require_real("readout_mean", readout_mean, -50.0, 50.0, unit="ADC steps")
    n_means = require_integer("n_means", n_means, 2, 2000)
    gain = require_real("gain", gain, 0.5, 1.2, unit="ADC steps per electron")
    pixel = Pixel(gain=gain, readout_mean=readout_mean, readout_sigma=readout_sigma, dark_mean=dark_mean)
    means, cond, uncond = _entropy_curves(pixel, n_means)
    reference = _reference_for(pixel)
    _, ref_cond, ref_uncond = _entropy_curves(reference, n_means)
    inside = (means >= _OPERATING[0]) & (means <= _OPERATING[1])
    if not inside.any():  # a grid too coarse to reach the range: compare everywhere
        inside = np.ones(means.size, dtype=bool)
    at = conditional_min_entropy(mean, pixel, per_bit=True)
    return EntropyView(mean, pixel, means, cond, uncond, at, float(min_entropy_curve([mean], pixel)[0]),
                       ref_cond, ref_uncond, float(np.abs(cond - ref_cond)[inside].max()),
                       float(np.abs(uncond - ref_uncond)[inside].max()), reference)


def _entropy_preview(mean: float, gain: float, readout_sigma: float, dark_mean: float) -> EntropyView:
    """The explorer's quick result: the full curves if memoised, else exact at fewer means.

    The quick curves are exact at every 200 electrons (8 means; a curve already computed in
    full is read off at those means), so a slider answers at once; the refinement adds the rest.
    """
    pixel = Pixel(gain=gain, readout_mean=-13.6, readout_sigma=readout_sigma, dark_mean=dark_mean)
    if all((p, _FULL_MEANS) in _CURVES for p in (pixel, _reference_for(pixel))):
        return entropy_view(mean, readout_sigma, dark_mean, gain=gain)
    view = entropy_view(mean, readout_sigma, dark_mean, n_means=_PREVIEW_MEANS, gain=gain)
    return dataclasses.replace(view, preview=True)


def _refine_entropy(mean: float, gain: float, readout_sigma: float, dark_mean: float) -> EntropyView:
    return entropy_view(mean, readout_sigma, dark_mean, gain=gain)


def _describe_entropy(v: EntropyView) -> str:
    text = (f"at μ_e = {v.mean:g}: H_min(Z23|E) = {v.conditional_at_mean:.4f}, "
            f"H_min(Z23) = {v.unconditional_at_mean:.4f} per bit; ")
    if v.compared_with:
        text += (f"compared with {v.compared_with}, they differ by up to {v.conditional_change:.2g} and "
                 f"{v.unconditional_change:.2g} on [500, 750]")
    else:
        text += "these are Table I's values for pixel 1 (move K, σ_r or μ_dark to compare)"
    return text + (f" (curve: quick preview at {v.means.size} means)" if v.preview else "")


def entropy_explorer(mean: float = 625.0, readout_sigma: float = 0.21, dark_mean: float = 17.2,
                     gain: float = FACTORY_GAIN) -> Explorer:
    """Sliders for ``mu_e``, ``K``, ``sigma_r`` and ``mu_dark`` over the Fig. 7 curves (notebook 04).

    Shows ``H_min(Z23|E)`` (Eve knows the noise) and ``H_min(Z23)`` (she does not), dashed the
    same for the reference of :class:`EntropyView` (Table I noise at the chosen gain, or Table I
    pixel 1 at K = 0.8192 when only the gain moved), and the largest difference on [500, 750]
    in the title. A new setting first shows exact curves at 8 means (dots only: a preview),
    then the 141-point curves computed in the background; moving only the mean moves the marker.

    Parameters
    ----------
    mean : float
        Starting ``mu_e``, ``0 <= mean <= 1400`` electrons.
    readout_sigma : float
        Starting ``sigma_r``, ``0 <= readout_sigma <= 3`` ADC steps.
    dark_mean : float
        Starting ``mu_dark``, ``0 <= dark_mean <= 100`` electrons.
    gain : float
        Starting ``K``, ``0.5 <= gain <= 1.2`` ADC steps per electron.
    """
    entropy_view(mean, readout_sigma, dark_mean, n_means=2, gain=gain)  # refuse bad starting values at once
    slider = dict(style=_STYLE, layout=_LAYOUT)
    controls = {
        "mean": widgets.FloatSlider(value=mean, min=0, max=1400, step=5, description="mean photoelectrons μ_e",
                                    **slider),
        "gain": widgets.FloatSlider(value=gain, min=0.5, max=1.2, step=0.0008, readout_format=".4f",
                                    description="gain K (ADC steps per electron)", **slider),
        "readout_sigma": widgets.FloatSlider(value=readout_sigma, min=0.0, max=3.0, step=0.01,
                                             description="readout noise σ_r (ADC steps)", **slider),
        "dark_mean": widgets.FloatSlider(value=dark_mean, min=0.0, max=100.0, step=0.2,
                                         description="dark electrons μ_dark", **slider),
    }
    return Explorer(controls, compute=_entropy_preview, refine=_refine_entropy, draw=draw_entropy,
                    redraw=redraw_entropy, figsize=(9, 4.4), describe=_describe_entropy)


@dataclass(frozen=True)
class FrameView:
    """Failure probability of a uniformly lit frame and the entropy, against ``mu_e``."""

    rule: FrameRule
    n_pixels: int
    means: np.ndarray
    failure: np.ndarray
    entropy: np.ndarray
    window: tuple[float, float] | None  # smallest and largest mean with failure < 1e-6

    @property
    def never_fails(self) -> bool:
        """True when no frame can fail: ``n- <= n_pixels <= N-`` and the same for ``n+``."""
        return self.n_pixels <= min(self.rule.max_low, self.rule.max_high)

    @property
    def lowest_passing_entropy(self) -> float | None:
        """The lowest ``H_min`` per bit among the means where failure < 1e-6 (``None``: there are none)."""
        passing = self.failure < 1e-6
        return float(self.entropy[passing].min()) if passing.any() else None


@lru_cache(maxsize=8)
def _entropy_curve(pixel: Pixel, n_means: int) -> np.ndarray:
    curve = conditional_min_entropy_curve(np.linspace(0.0, 1400.0, n_means), pixel)
    curve.setflags(write=False)
    return curve


@lru_cache(maxsize=64)
def _frame_tails(pixel: Pixel, n_means: int, low_threshold: int, high_threshold: int) -> tuple[np.ndarray, ...]:
    """``log P(Z < T-)``, ``log P(Z > T+)``, ``log P(T- <= Z <= T+)`` at every mean (memoised per thresholds)."""
    rule = FrameRule(low_threshold, high_threshold)
    logs = log_out_of_range(np.linspace(0.0, 1400.0, n_means), pixel, rule)
    for v in logs:
        v.setflags(write=False)
    return logs


def frame_view(low_threshold: int = 64, high_threshold: int = 940, max_out: int = 1, n_pixels: int = 64,
               pixel_name: str = "pixel 1", n_means: int = 281) -> FrameView:
    """Fig. 8 for a chosen rule (``N- = N+ = max_out``) and frame size (notebook 05).

    The failure probability is that of :func:`qkit.qrng.frames.uniform_failure_curve` (exact
    out-of-range probabilities, then binomial sums of failing terms, Sec. IV of the QRNG paper);
    the out-of-range probabilities are memoised per pixel and thresholds, so moving ``N+-`` or
    the number of pixels costs only the binomial sums.

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
    rule.check_adc(pixel.adc_max, "pixel")
    tails = _frame_tails(pixel, n_means, rule.low_threshold, rule.high_threshold)
    failure = np.clip(np.exp(log_uniform_fail_pass(*tails, n_pixels, rule)[0]), 0.0, 1.0)
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
    return Explorer(controls, compute=frame_view, draw=draw_frames, redraw=redraw_frames, figsize=(9, 4.2), describe=_describe_frames)


def _describe_frames(v: FrameView) -> str:
    """The explorer's sentence: the window of negligible failure and the entropy it lets through."""
    pixels = f"{v.n_pixels} pixel" + ("" if v.n_pixels == 1 else "s")
    if v.window is None:
        return f"{pixels}: no mean gives failure < 1e-6"
    text = (f"{pixels}: failure < 1e-6 for μ_e from {v.window[0]:.0f} to {v.window[1]:.0f}; "
            f"lowest H_min where frames pass: {v.lowest_passing_entropy:.4f} per bit")
    if v.never_fails:
        text += f" (no frame can fail: n- and n+ are at most {v.n_pixels} <= N± = {v.rule.max_low})"
    return text

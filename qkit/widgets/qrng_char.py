"""Widgets of notebooks 01 (Poisson photons) and 03 (characterising the chip).

The dark-histogram fit lives in :mod:`qkit.widgets._dark_fit` and is re-exported here.

Each ``*_view`` function is pure: it takes the values of the controls and returns a frozen
dataclass of numbers, computed with the qkit cores; each ``*_explorer`` wraps one view and one
figure builder of :mod:`qkit.plots.qrng_char` in an :class:`~qkit.widgets.Explorer`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from scipy import signal, stats

from qkit._validate import require_integer, require_real
from qkit.plots import qrng_char as plots
from qkit.plots.qrng_char_redraw import redraw_correlations, redraw_transfer
from qkit.qrng.correlations import CorrelationSummary, correlation_summary
from qkit.qrng.fitting import PhotonTransferCurve, photon_transfer_curve
from qkit.qrng.photons import photoelectron_pmf, poisson_pmf, sample_photoelectrons
from qkit.qrng.pixel import PIXEL_1, Pixel
from qkit.qrng.sampling import ChiSquareTest, adc_histogram, chi_square_test, sample_frames
from qkit.qrng.sensor import adc_pmf
from qkit.widgets._dark_fit import DarkFitView, dark_fit_explorer, dark_fit_view
from qkit.widgets._explorer import Explorer

__all__ = [
    "ModesView", "multimode_view", "multimode_explorer",
    "ThinningView", "thinning_view", "thinning_explorer",
    "DarkFitView", "dark_fit_view", "dark_fit_explorer",
    "TransferView", "transfer_view", "transfer_explorer",
    "CorrelationView", "correlation_view", "correlation_explorer",
]

_WIDE = {"description_width": "initial"}


def _slider(kind, value, low, high, step, description, **kwargs):
    return kind(value=value, min=low, max=high, step=step, description=description, style=_WIDE, **kwargs)


@dataclass(frozen=True)
class ModesView:
    """Photon number of ``modes`` thermal modes (negative binomial) against a Poisson law."""

    mean: float
    modes: float
    counts: np.ndarray
    thermal: np.ndarray
    poisson: np.ndarray
    fano: float
    distance: float

    @property
    def samples_to_tell(self) -> float:
        """About how many independent counts reveal the excess Fano factor ``F - 1 = mu / M``.

        The sample Fano factor (sample variance over sample mean) of ``n`` Poisson counts has a
        standard error of about ``sqrt(2 / n)`` (delta method; exact to first order for any mean).
        The excess stands 3 standard errors above 1 once ``n = 2 (3 / (F - 1))**2 = 18 / (F - 1)**2``:
        below that many samples the thermal law cannot be told from Poisson light by its variance.
        """
        return 18.0 / (self.fano - 1.0) ** 2


def multimode_view(mean: float, modes: float) -> ModesView:
    """Why LED light is Poissonian: ``M`` independent thermal modes sharing a mean ``mu``.

    One thermal mode has a geometric (Bose-Einstein) photon number with variance ``m + m^2``;
    the sum over ``M`` modes of mean ``mu / M`` each is negative binomial with variance
    ``mu + mu^2 / M``, i.e. a Fano factor ``1 + mu / M`` that tends to the Poisson value 1 as
    ``M`` grows (an LED emits into a huge number of modes). Explicitly,
    ``p_M(n) = C(n + M - 1, n) (mu / M)**n / (1 + mu / M)**(n + M)`` (scipy's ``nbinom`` with
    ``M`` successes and success probability ``M / (M + mu)``), against Eq. (1) of the QRNG paper.

    Parameters
    ----------
    mean : float
        Total mean photon number ``mu`` per integration time, in (0, 1e4].
    modes : float
        Number of modes ``M`` (``>= 1``; a real number is allowed, as in the negative binomial).

    Returns
    -------
    ModesView
        Both pmfs on the counts that hold all but 1e-12 of either, the Fano factor and the
        total-variation distance ``sum |p - q| / 2`` between them.
    """
    mean = require_real("mean", mean, 0.0, 1e4, low_inclusive=False, unit="photons")
    modes = require_real("modes", modes, 1.0, 1e12)
    thermal_law = stats.nbinom(modes, modes / (modes + mean))
    high = int(max(thermal_law.isf(1e-12), stats.poisson.isf(1e-12, mean))) + 1
    counts = np.arange(high + 1)
    thermal = thermal_law.pmf(counts)
    poisson = poisson_pmf(counts, mean)
    distance = 0.5 * float(np.abs(thermal - poisson).sum())
    return ModesView(mean, modes, counts, thermal, poisson, 1.0 + mean / modes, distance)


def multimode_explorer(mean: float = 20.0, log10_modes: float = 0.0) -> Explorer:
    """Sliders for the mean and (log10 of) the number of modes (notebook 01)."""
    mean = require_real("mean", mean, 1.0, 100.0, unit="photons (the slider's range)")
    log10_modes = require_real("log10_modes", log10_modes, 0.0, 6.0)
    controls = {
        "mean": _slider(widgets.FloatSlider, mean, 1.0, 100.0, 1.0, "mean photons μ"),
        "log10_modes": _slider(widgets.FloatSlider, log10_modes, 0.0, 6.0, 0.25, "log10 modes M"),
    }
    return Explorer(
        controls,
        compute=lambda mean, log10_modes: multimode_view(mean, 10.0**log10_modes),
        draw=plots.draw_multimode, redraw=plots.redraw_multimode, figsize=(7.5, 3.8),
        describe=lambda v: (f"Fano factor 1 + μ/M = {v.fano:.6g}; distance to Poisson {v.distance:.2e}; "
                            f"about {v.samples_to_tell:.2g} samples tell the two apart (3 standard errors)"),
    )


@dataclass(frozen=True)
class ThinningView:
    """Sampled photoelectrons (photons thinned by ``eta``) against the exact Poisson pmf."""

    mean_photons: float
    efficiency: float
    n_samples: int
    counts: np.ndarray
    observed: np.ndarray
    exact: np.ndarray
    sample_mean: float
    sample_variance: float
    test: ChiSquareTest
    preview: bool = False  # a first, smaller sample shown while the full one is drawn

    @property
    def fano(self) -> float | None:
        """Sample variance over sample mean; ``None`` when every sample is 0 (the ratio is undefined)."""
        return self.sample_variance / self.sample_mean if self.sample_mean > 0 else None

    @property
    def fano_error(self) -> float:
        """Standard error of :attr:`fano` for Poisson counts, ``sqrt(2 / n_samples)`` (delta method)."""
        return float(np.sqrt(2.0 / self.n_samples))


def thinning_view(mean_photons: float, efficiency: float, n_samples: int, seed: int = 0) -> ThinningView:
    """Draw ``n_samples`` photon counts, keep each photon with probability ``eta``, compare.

    Parameters
    ----------
    mean_photons : float
        ``mu_ph`` in (0, 1e4], photons per integration time.
    efficiency : float
        ``eta`` in (0, 1].
    n_samples : int
        Number of integration times drawn, 10..1e7.
    seed : int
        Seed of the generator.

    Returns
    -------
    ThinningView
        Histogram of the photoelectron counts, the exact pmf ``Poisson(eta * mu_ph)`` on the
        same counts, sample mean and variance, and a chi-square goodness-of-fit test.
    """
    seed = require_integer("seed", seed, 0)
    mean_photons = require_real("mean_photons", mean_photons, 0.0, 1e4, low_inclusive=False)
    efficiency = require_real("efficiency", efficiency, 0.0, 1.0, low_inclusive=False)
    n_samples = require_integer("n_samples", n_samples, 10, 10**7)
    electrons = sample_photoelectrons(mean_photons, efficiency, n_samples, np.random.default_rng(seed))
    mu = mean_photons * efficiency
    high = max(int(stats.poisson.isf(1e-13, mu)) + 1, int(electrons.max()))
    counts = np.arange(high + 1)
    exact = photoelectron_pmf(counts, mean_photons, efficiency)
    observed = np.bincount(electrons, minlength=high + 1)
    test = chi_square_test(observed, exact / exact.sum(), mass_tolerance=1e-12)
    return ThinningView(mean_photons, efficiency, n_samples, counts, observed, exact,
                        float(electrons.mean()), float(electrons.var(ddof=1)), test)


def thinning_explorer(mean_photons: float = 40.0, efficiency: float = 0.5) -> Explorer:
    """Sliders for mu_ph, eta and the sample size (notebook 01)."""
    mean_photons = require_real("mean_photons", mean_photons, 1.0, 200.0, unit="photons (the slider's range)")
    efficiency = require_real("efficiency", efficiency, 0.05, 1.0)
    controls = {
        "mean_photons": _slider(widgets.FloatSlider, mean_photons, 1.0, 200.0, 1.0, "mean photons μ_ph"),
        "efficiency": _slider(widgets.FloatSlider, efficiency, 0.05, 1.0, 0.05, "efficiency η"),
        "log10_samples": _slider(widgets.FloatSlider, 4.0, 2.0, 6.0, 0.5, "log10 samples"),
        "seed": _slider(widgets.IntSlider, 0, 0, 20, 1, "seed"),
    }
    def full(mean_photons, efficiency, log10_samples, seed):
        return thinning_view(mean_photons, efficiency, int(round(10**log10_samples)), seed)

    def quick(mean_photons, efficiency, log10_samples, seed):  # at most 10^4 samples first, labelled
        n_samples = int(round(10**log10_samples))
        view = thinning_view(mean_photons, efficiency, min(n_samples, _PREVIEW_SAMPLES), seed)
        return view if n_samples <= _PREVIEW_SAMPLES else dataclasses.replace(view, preview=True)

    return Explorer(
        controls, compute=quick, refine=full, draw=plots.draw_thinning, redraw=plots.redraw_thinning, figsize=(7.5, 3.8),
        describe=lambda v: (("preview of 10,000 samples: " if v.preview else "")
                            + f"sample mean {v.sample_mean:.3f}, sample variance {v.sample_variance:.3f}, "
                            f"exact both {v.mean_photons * v.efficiency:.3f}; chi-square p = {v.test.p_value:.3f}"),
    )


_PREVIEW_SAMPLES = 10_000
_PREVIEW_FRAMES = 3_000  # transfer and correlation explorers: the first, labelled sample


@dataclass(frozen=True)
class TransferView:
    """Illuminated histograms at several light levels and their photon transfer curve (Fig. 4)."""

    levels: np.ndarray
    counts: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    exact_means: np.ndarray
    exact_variances: np.ndarray
    clipped: np.ndarray
    fitted: np.ndarray
    curve: PhotonTransferCurve
    pixel: Pixel = PIXEL_1
    preview: bool = False  # fewer frames per level, shown while the full sample is drawn


def transfer_view(max_photoelectrons: float, n_levels: int, n_frames: int, seed: int = 0,
                  pixel: Pixel = PIXEL_1) -> TransferView:
    """Sample one pixel at ``n_levels`` light levels up to ``max_photoelectrons`` and fit Fig. 4b.

    Parameters
    ----------
    max_photoelectrons : float
        Brightest level ``mu_e`` (electrons), 50..2000; levels are evenly spaced from a tenth of it.
    n_levels : int
        Number of light levels, 3..20.
    n_frames : int
        Readings per level, 100..1e6.
    seed : int
        Seed of the generator.
    pixel : Pixel
        The pixel (default ``PIXEL_1`` of Table I).

    Returns
    -------
    TransferView
        Histograms (levels x ADC values), sample and exact (from :func:`qkit.qrng.sensor.adc_pmf`)
        mean and variance of ``Z`` at each level, the fraction of readings clipped at 0 or
        ``adc_max``, which levels the line was fitted to (those with under 0.1 % clipped; at
        least 3 are needed), and the fitted curve.
    """
    if not isinstance(pixel, Pixel):
        raise TypeError(f"pixel must be a qkit.qrng.pixel.Pixel, got {type(pixel).__name__}")
    seed = require_integer("seed", seed, 0)
    top = require_real("max_photoelectrons", max_photoelectrons, 50.0, 2000.0, unit="electrons")
    n_levels = require_integer("n_levels", n_levels, 3, 20)
    n_frames = require_integer("n_frames", n_frames, 100, 10**6)
    levels = np.linspace(top / 10, top, n_levels)
    z = sample_frames(levels, pixel, n_frames, rng=np.random.default_rng(seed))
    counts = np.stack([adc_histogram(row, pixel.adc_max) for row in z])
    values = np.arange(pixel.adc_max + 1)
    pmfs = np.stack([adc_pmf(mu, pixel) for mu in levels])
    means = pmfs @ values
    variances = np.einsum("lz,lz->l", pmfs, (values[None, :] - means[:, None]) ** 2)
    clipped = (counts[:, 0] + counts[:, -1]) / n_frames
    fitted = clipped < 1e-3
    if fitted.sum() < 3:
        raise ValueError(_too_few_levels(top, int(fitted.sum()), counts[:, 0] / n_frames,
                                         counts[:, -1] / n_frames, pixel.adc_max))
    curve = photon_transfer_curve(z[fitted])
    return TransferView(levels, counts, z.mean(axis=1), z.var(axis=1, ddof=1), means, variances,
                        clipped, fitted, curve, pixel)


def _too_few_levels(top: float, unclipped: int, at_zero: np.ndarray, at_max: np.ndarray, adc_max: int) -> str:
    """Why fewer than 3 light levels are unclipped, and which way to move the controls."""
    dim, bright = int(np.sum(at_zero >= 1e-3)), int(np.sum(at_max >= 1e-3))
    text = (f"max_photoelectrons={top:g} with n_levels={at_zero.size} leaves {unclipped} unclipped light "
            "levels; need at least 3: ")
    advice = []
    if dim:
        which = "the dimmest level reads" if dim == 1 else f"the {dim} dimmest levels read"
        advice.append(f"{which} Z = 0 too often (levels start at a tenth of the brightest): "
                      "raise the brightest level")
    if bright:
        which = "the brightest level saturates" if bright == 1 else f"the {bright} brightest levels saturate"
        advice.append(f"{which} at {adc_max}: lower the brightest level")
    return text + "; ".join(advice) + ", or add levels"


def transfer_explorer() -> Explorer:
    """Brightest level, number of levels and frames per level (notebook 03)."""
    controls = {
        "max_photoelectrons": _slider(widgets.FloatSlider, 1000.0, 100.0, 1500.0, 50.0, "brightest μ_e (e⁻)"),
        "n_levels": _slider(widgets.IntSlider, 8, 3, 15, 1, "light levels"),
        "log10_frames": _slider(widgets.FloatSlider, 4.0, 2.5, 5.0, 0.5, "log10 frames per level"),
    }
    def full(max_photoelectrons, n_levels, log10_frames):
        return transfer_view(max_photoelectrons, n_levels, int(round(10**log10_frames)))

    def quick(max_photoelectrons, n_levels, log10_frames):
        n_frames = int(round(10**log10_frames))
        view = transfer_view(max_photoelectrons, n_levels, min(n_frames, _PREVIEW_FRAMES))
        return view if n_frames <= _PREVIEW_FRAMES else dataclasses.replace(view, preview=True)

    return Explorer(
        controls, compute=quick, refine=full,
        draw=plots.draw_transfer, redraw=redraw_transfer, figsize=(9, 3.8),
        describe=lambda v: ("preview with 3,000 frames per level: " if v.preview else "") + (f"slope K·F = {v.curve.gain:.4f} ± {v.curve.gain_error:.4f} (true K {v.pixel.gain:g}, F = 1); "
                            f"χ² = {v.curve.chi_square:.1f} for {v.curve.dof} dof"),
    )


@dataclass(frozen=True)
class CorrelationView:
    """Pair and lag correlations of simulated frames with a fluctuating LED (Fig. 6)."""

    intensity_noise: float
    memory: float
    summary: CorrelationSummary
    expected_pair: float
    preview: bool = False  # fewer frames, shown while the full sample is drawn


def correlation_view(n_frames: int, intensity_noise: float, memory: float, n_pixels: int = 16,
                     mean_photoelectrons: float = 625.0, seed: int = 0,
                     pixel: Pixel = PIXEL_1) -> CorrelationView:
    """Frames of uniformly lit pixels whose shared LED intensity fluctuates from frame to frame.

    The relative intensity is ``1 + e_t`` with ``e_t`` a stationary AR(1) process of standard
    deviation ``intensity_noise`` and lag-one correlation ``memory``. A common intensity makes
    pixels correlated, ``rho_ij ~ (K mu_e s)^2 / Var Z`` (``s`` = ``intensity_noise``), and its
    memory makes each pixel correlated with its past, ``rho_i(l) ~ rho_ij * memory**l``.

    Parameters
    ----------
    n_frames : int
        Frames, 100..1e6.
    intensity_noise : float
        Relative rms of the LED intensity per frame, 0..0.1.
    memory : float
        Lag-one correlation of the intensity, 0..0.99.
    n_pixels : int
        Pixels, 2..256.
    mean_photoelectrons : float
        ``mu_e`` of every pixel at nominal intensity.
    seed : int
        Seed of the generator.
    pixel : Pixel
        Noise parameters of every pixel.

    Returns
    -------
    CorrelationView
        The correlation summary (lags 1..20) and the predicted pair correlation.
    """
    if not isinstance(pixel, Pixel):
        raise TypeError(f"pixel must be a qkit.qrng.pixel.Pixel, got {type(pixel).__name__}")
    seed = require_integer("seed", seed, 0)
    mean_photoelectrons = require_real("mean_photoelectrons", mean_photoelectrons, 0.0, 2000.0, unit="electrons")
    n_frames = require_integer("n_frames", n_frames, 100, 10**6)
    noise = require_real("intensity_noise", intensity_noise, 0.0, 0.1)
    memory = require_real("memory", memory, 0.0, 0.99)
    n_pixels = require_integer("n_pixels", n_pixels, 2, 256)
    rng = np.random.default_rng(seed)
    shocks = rng.standard_normal(n_frames) * noise * np.sqrt(1.0 - memory**2)
    shocks[0] /= np.sqrt(1.0 - memory**2)  # start in the stationary state
    drift = signal.lfilter([1.0], [1.0, -memory], shocks)  # e_t = memory * e_(t-1) + shock_t
    frames = sample_frames(np.full(n_pixels, mean_photoelectrons), pixel, n_frames, rng=rng,
                           drift=np.maximum(1.0 + drift, 0.0))
    common = (pixel.gain * mean_photoelectrons * noise) ** 2
    own = pixel.gain**2 * (mean_photoelectrons + pixel.dark_mean) + pixel.readout_sigma**2 + 1 / 12
    summary = correlation_summary(frames, max_lag=20)
    return CorrelationView(noise, memory, summary, common / (common + own))


def correlation_explorer() -> Explorer:
    """Frames, LED intensity noise and its memory (notebook 03)."""
    controls = {
        "log10_frames": _slider(widgets.FloatSlider, 4.0, 3.0, 5.0, 0.5, "log10 frames"),
        "intensity_noise": _slider(widgets.FloatSlider, 0.0, 0.0, 0.02, 0.001, "LED rms noise",
                                   readout_format=".3f"),
        "memory": _slider(widgets.FloatSlider, 0.5, 0.0, 0.95, 0.05, "LED memory"),
    }
    def full(log10_frames, intensity_noise, memory):
        return correlation_view(int(round(10**log10_frames)), intensity_noise, memory)

    def quick(log10_frames, intensity_noise, memory):
        n_frames = int(round(10**log10_frames))
        view = correlation_view(min(n_frames, _PREVIEW_FRAMES), intensity_noise, memory)
        return view if n_frames <= _PREVIEW_FRAMES else dataclasses.replace(view, preview=True)

    return Explorer(
        controls, compute=quick, refine=full,
        draw=plots.draw_correlations, redraw=redraw_correlations, figsize=(9, 3.8),
        describe=lambda v: ("preview with 3,000 frames: " if v.preview else "") + (f"pair σ = {v.summary.pair_std:.2e} vs 1/√N = {v.summary.spread:.2e}; "
                            f"predicted ρ_ij = {v.expected_pair:.1e}; "
                            f"outside the 2.57σ band: {100 * v.summary.pairs_outside:.1f} % of pairs, "
                            f"{100 * v.summary.lags_outside:.1f} % of lags"),
    )

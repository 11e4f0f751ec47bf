"""Sampled frames of the QRNG chip, sampled histograms and a goodness-of-fit test.

The sampler draws what the exact model of Secs. II A-B of the QRNG paper describes, frame
by frame, so that simulated data can be set against the exact distributions:

* photoelectrons ``N_e ~ Poisson(eta * mu_ph)`` (Eq. 1 with thinning by the efficiency),
* dark electrons ``N_d ~ Poisson(mu_dark)`` (the discrete part of Eq. 4),
* readout noise ``R ~ Normal(mu_r, sigma_r)`` (the continuous part of Eq. 4),
* the ADC reading ``Z = clip(floor(K (N_e + N_d) + R), 0, adc_max)`` (Eqs. 2-3), with the
  floor of :func:`qkit.qrng.sensor.adc_floor`.

Because the sum of two independent Poisson variables is Poisson, ``N_e + N_d`` is drawn in
one call with mean ``eta * mu_ph + mu_dark``; the distribution of ``Z`` is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from qkit._validate import (
    require_allocation,
    require_array,
    require_generator,
    require_integer,
    require_real,
)
from qkit.qrng.photons import MAX_SAMPLED_MEAN
from qkit.qrng.pixel import Pixel, _check_pixel
from qkit.qrng.sensor import _floor

__all__ = [
    "sample_frames",
    "sample_dark_frames",
    "adc_histogram",
    "merge_small_bins",
    "ChiSquareTest",
    "chi_square_test",
]

#: Default number of (pixel, frame) draws held in memory at once by :func:`sample_frames`.
CHUNK_ELEMENTS = 1 << 18

#: Largest ``adc_max`` of a histogram: the widest ADC qkit models has 16 bits.
MAX_ADC_MAX = (1 << 16) - 1


def _pixel_parameters(pixel: Any) -> tuple[dict[str, np.ndarray], int]:
    """Stack the noise parameters of one pixel or a sequence of pixels into 1-d arrays."""
    pixels = list(pixel) if isinstance(pixel, (list, tuple)) else [pixel]
    if not pixels:
        raise ValueError("pixel must be a Pixel or a non-empty sequence of Pixels, got []")
    if not all(isinstance(p, Pixel) for p in pixels):
        _check_pixel(next(p for p in pixels if not isinstance(p, Pixel)))  # raises, naming pixel
    names = ("gain", "readout_mean", "readout_sigma", "dark_mean")
    params = {n: np.array([getattr(p, n) for p in pixels], dtype=float) for n in names}
    adc_max = {p.adc_max for p in pixels}
    if len(adc_max) != 1:
        raise ValueError(f"pixel: all pixels must share one ADC, got adc_max values {sorted(adc_max)}")
    return params, adc_max.pop()


def sample_frames(
    mean_photons: float | np.ndarray,
    pixel: Any,
    n_frames: int,
    *,
    rng: np.random.Generator,
    efficiency: float | np.ndarray = 1.0,
    drift: np.ndarray | None = None,
    chunk_elements: int = CHUNK_ELEMENTS,
) -> np.ndarray:
    """Draw ADC readings of a pixel array, frame by frame (Eqs. 1-4 of the QRNG paper).

    Parameters
    ----------
    mean_photons : float or array of shape (n_pixels,)
        Illumination map: mean number of photons ``mu_ph >= 0`` reaching each pixel per frame.
        With the default ``efficiency=1`` this is the mean photoelectron number ``mu_e``.
    pixel : Pixel or sequence of Pixel
        Gain ``K`` (ADC steps per electron), readout mean and sigma (ADC steps) and dark mean
        (electrons); one Pixel for the whole array or one per pixel.
    n_frames : int
        Number of frames ``>= 1``.
    rng : numpy.random.Generator
        Source of randomness. A given seed and ``chunk_elements`` always give the same frames.
    efficiency : float or array of shape (n_pixels,), optional
        Pixel efficiency ``eta`` in [0, 1]; photoelectrons have mean ``eta * mu_ph`` (thinning).
    drift : array of shape (n_frames,), optional
        Relative light intensity of each frame (``>= 0``, 1 = nominal), e.g. a drifting LED.
    chunk_elements : int, optional
        Number of (pixel, frame) draws held in memory at once; bounds the working memory to
        about ``24 * chunk_elements`` bytes besides the output.

    Returns
    -------
    numpy.ndarray of int32, shape (n_pixels, n_frames)
        ADC readings ``Z`` in ``0..adc_max``.

    Examples
    --------
    >>> from qkit.qrng.pixel import PIXEL_1
    >>> z = sample_frames(np.full(64, 625.0), PIXEL_1, 1000, rng=np.random.default_rng(1))
    >>> z.shape, z.dtype.name
    ((64, 1000), 'int32')
    """
    params, adc_max = _pixel_parameters(pixel)
    n_frames = require_integer("n_frames", n_frames, low=1)
    chunk_elements = require_integer("chunk_elements", chunk_elements, low=1)
    require_generator("rng", rng)
    mean_photons = require_array("mean_photons", mean_photons, low=0.0, high=MAX_SAMPLED_MEAN,
                                 unit="photons per frame")
    efficiency = require_array("efficiency", efficiency, low=0.0, high=1.0)
    try:
        shape = np.broadcast_shapes(mean_photons.shape, efficiency.shape,
                                    *(v.shape for v in params.values()))
    except ValueError:
        raise ValueError(
            f"mean_photons (shape {mean_photons.shape}), efficiency (shape {efficiency.shape}) "
            f"and pixel ({params['gain'].size} pixels) must broadcast to one pixel array"
        ) from None
    if len(shape) > 1:
        raise ValueError(f"mean_photons must be a number or a 1-d pixel map, got shape {shape}")
    n_pixels = int(np.prod(shape)) if shape else 1
    if n_pixels == 0:
        raise ValueError("mean_photons must hold at least one pixel, got an empty array")
    require_allocation(f"{n_pixels} pixels x n_frames={n_frames} ADC readings", 4.0 * n_pixels * n_frames
                       + 32.0 * min(chunk_elements, n_pixels * n_frames),
                       hint="Use fewer frames or a smaller chunk_elements.")
    light = np.broadcast_to(efficiency * mean_photons, (n_pixels,))
    p = {k: np.broadcast_to(v, (n_pixels,))[:, None] for k, v in params.items()}
    top = float(light.max()) + float(p["dark_mean"].max())
    if drift is not None:
        drift = require_array("drift", drift, low=0.0, unit="relative intensity")
        if drift.shape != (n_frames,):
            raise ValueError(f"drift must have shape (n_frames,) = ({n_frames},), got {drift.shape}")
        top = float(light.max()) * float(drift.max()) + float(p["dark_mean"].max())
    if top > MAX_SAMPLED_MEAN:
        raise ValueError(f"mean_photons (times drift) plus the dark mean must be <= {MAX_SAMPLED_MEAN:g} "
                         f"electrons per frame (numpy's Poisson sampler), got up to {top:g}")

    out = np.empty((n_pixels, n_frames), dtype=np.int32)
    step = max(1, chunk_elements // n_pixels)
    for start in range(0, n_frames, step):
        stop = min(start + step, n_frames)
        relative = 1.0 if drift is None else drift[None, start:stop]
        electrons_mean = light[:, None] * relative + p["dark_mean"]
        electrons = rng.poisson(np.broadcast_to(electrons_mean, (n_pixels, stop - start)))
        x = p["gain"] * electrons + p["readout_mean"]
        if np.any(p["readout_sigma"] > 0):
            x += p["readout_sigma"] * rng.standard_normal(x.shape)
        out[:, start:stop] = _floor(x, adc_max)
    return out


def sample_dark_frames(
    pixel: Any, n_frames: int, *, rng: np.random.Generator, offset_steps: float = 8.0
) -> np.ndarray:
    """Draw dark frames (LED off) with the ADC offset shifted, as for Fig. 5 of the QRNG paper.

    Parameters
    ----------
    pixel : Pixel or sequence of Pixel
        Pixel(s) at the chip's default ADC offset (Table I).
    n_frames : int
        Number of frames ``>= 1``.
    rng : numpy.random.Generator
        Source of randomness.
    offset_steps : float, optional
        Shift of the readout mean in ADC steps; the paper uses +8 so that the dark histogram
        is not cut at ``Z = 0``.

    Returns
    -------
    numpy.ndarray of int32, shape (n_pixels, n_frames)
        Dark ADC readings ``Z_E``.
    """
    offset_steps = require_real("offset_steps", offset_steps, -1e9, 1e9, unit="ADC steps")
    _pixel_parameters(pixel)  # a clear error for anything that is not a Pixel
    pixels = list(pixel) if isinstance(pixel, (list, tuple)) else [pixel]
    shifted = [p.with_offset(offset_steps) for p in pixels]
    return sample_frames(0.0, shifted, n_frames, rng=rng)


def adc_histogram(readings: np.ndarray, adc_max: int) -> np.ndarray:
    """Count how often each ADC value occurs.

    Parameters
    ----------
    readings : array of int
        ADC readings ``Z`` in ``0..adc_max`` (any shape; all are pooled).
    adc_max : int
        Largest ADC value (1023 for a 10-bit ADC), ``0 <= adc_max <= 65535`` (16 bits).

    Returns
    -------
    numpy.ndarray of int64, shape (adc_max + 1,)
        ``counts[z]`` = number of readings equal to ``z``.
    """
    adc_max = require_integer("adc_max", adc_max, 0, MAX_ADC_MAX)
    values = require_array("readings", readings, unit="ADC steps")
    z = np.asarray(readings)
    if z.dtype.kind not in "iu":
        if np.any(values != np.round(values)):
            raise ValueError(f"readings must be whole ADC values, got dtype {z.dtype}")
        z = values.astype(np.int64)
    if z.size and (z.min() < 0 or z.max() > adc_max):
        raise ValueError(
            f"readings must satisfy 0 <= readings <= {adc_max}, got values in [{z.min()}, {z.max()}]"
        )
    return np.bincount(z.ravel(), minlength=adc_max + 1).astype(np.int64)


def merge_small_bins(expected: np.ndarray, min_expected: float = 5.0) -> np.ndarray:
    """Group adjacent bins so that each group expects at least ``min_expected`` counts.

    Bins are swept left to right and closed as soon as their expected count reaches
    ``min_expected``; an unfinished last group is merged into the one before it.

    Parameters
    ----------
    expected : array of float, shape (n_bins,)
        Expected counts per bin (``>= 0``).
    min_expected : float, optional
        Smallest expected count allowed in a group (the usual rule of thumb is 5).

    Returns
    -------
    numpy.ndarray of int, shape (n_bins,)
        Group label of every bin, ``0..n_groups-1``, non-decreasing.
    """
    expected = require_array("expected", expected, low=0.0, unit="counts")
    min_expected = require_real("min_expected", min_expected, 0.0, None, low_inclusive=False, unit="counts")
    if expected.ndim != 1 or expected.size == 0:
        raise ValueError(f"expected must be a non-empty 1-d array, got shape {expected.shape}")
    labels = np.empty(expected.size, dtype=np.int64)
    group, running = 0, 0.0
    for i, e in enumerate(expected):
        labels[i] = group
        running += e
        if running >= min_expected:
            group, running = group + 1, 0.0
    if running < min_expected and group > 0 and labels[-1] == group:
        labels[labels == group] = group - 1  # the unfinished tail joins the last full group
    return labels


@dataclass(frozen=True)
class ChiSquareTest:
    """Result of :func:`chi_square_test`.

    Attributes
    ----------
    statistic : float
        Pearson's chi-square over the merged bins.
    dof : int
        Degrees of freedom: merged bins - 1 - fitted parameters.
    p_value : float
        Probability of a statistic at least this large if the model is right.
    observed, expected : numpy.ndarray
        Counts per merged bin.
    """

    statistic: float
    dof: int
    p_value: float
    observed: np.ndarray
    expected: np.ndarray


def chi_square_test(
    counts: np.ndarray,
    pmf: np.ndarray,
    *,
    min_expected: float = 5.0,
    fitted_parameters: int = 0,
    mass_tolerance: float = 1e-9,
) -> ChiSquareTest:
    """Pearson chi-square goodness-of-fit of a histogram against an exact pmf.

    Adjacent bins with small expected counts are merged (:func:`merge_small_bins`) before
    calling :func:`scipy.stats.chisquare`.

    Parameters
    ----------
    counts : array of int, shape (n_bins,)
        Observed counts per value (e.g. from :func:`adc_histogram`).
    pmf : array of float, shape (n_bins,)
        Exact probabilities of the same values; must sum to 1 within ``mass_tolerance``.
    min_expected : float, optional
        Smallest expected count per merged bin.
    fitted_parameters : int, optional
        Parameters estimated from these counts; each removes one degree of freedom.
    mass_tolerance : float, optional
        Allowed deviation of ``pmf.sum()`` from 1 (missing mass is truncation error).

    Returns
    -------
    ChiSquareTest
    """
    counts = require_array("counts", counts, unit="readings")
    if np.any(counts != np.round(counts)):
        raise ValueError(f"counts must be whole numbers, got {counts!r}"[:200])
    counts = require_array("counts", counts, low=0.0, unit="readings")
    pmf = require_array("pmf", pmf, low=0.0, high=1.0, unit="probabilities")
    mass_tolerance = require_real("mass_tolerance", mass_tolerance, 0.0, 1.0, high_inclusive=False)
    min_expected = require_real("min_expected", min_expected, 0.0, None, low_inclusive=False, unit="counts")
    if counts.shape != pmf.shape or counts.ndim != 1:
        raise ValueError(f"counts and pmf must be 1-d of one shape, got {counts.shape} and {pmf.shape}")
    if abs(pmf.sum() - 1.0) > mass_tolerance:
        raise ValueError(f"pmf must sum to 1 within {mass_tolerance:g}, got sum {pmf.sum()!r}")
    fitted_parameters = require_integer("fitted_parameters", fitted_parameters, low=0)
    total = counts.sum()
    if total <= 0:
        raise ValueError("counts must contain at least one observation, got all zeros")
    labels = merge_small_bins(pmf * total, min_expected)
    observed = np.bincount(labels, weights=counts)
    expected = np.bincount(labels, weights=pmf) * total
    dof = observed.size - 1 - fitted_parameters
    if dof < 1:
        raise ValueError(
            f"too few merged bins ({observed.size}) for fitted_parameters={fitted_parameters}: "
            f"need more counts (got {int(total)})"
        )
    expected *= total / expected.sum()  # absorb the truncated mass (<= mass_tolerance)
    result = stats.chisquare(observed, expected, ddof=fitted_parameters)
    return ChiSquareTest(float(result.statistic), int(dof), float(result.pvalue), observed, expected)

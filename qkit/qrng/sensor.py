"""The ADC of a pixel: gain, floor, clip and the kept bits (Eqs. 2-4 of the QRNG paper).

The voltage at the ADC input is ``X = K (N_e + N_d) + G`` (Eq. 2 with the noise of Eq. 4):
photoelectrons ``N_e ~ Poisson(mu_e)``, dark electrons ``N_d ~ Poisson(mu_dark)`` and Gaussian
readout noise ``G ~ N(mu_r, sigma_r**2)``. The ADC returns ``Z = clip(floor(X), 0, adc_max)``
(Eq. 3), and the chip keeps bits 2 and 3 of ``Z`` (``Z23``).

Exactness
---------
``N_e + N_d`` is Poisson with mean ``mu_e + mu_dark``, so
``P(Z = z) = sum_n p(n) [Phi((z + 1 - mu_r - K n) / sigma_r) - Phi((z - mu_r - K n) / sigma_r)]``
with the end bins collecting the clipped tails. :func:`adc_pmf` sums ``n`` over the Poisson
quantile range that drops at most ``tolerance / 3`` of the mass, and integrates each Gaussian
over a window of ``+- sigma_r * isf(tolerance / 6)`` steps, moving the at most ``tolerance / 3``
beyond it into the window's end bins. The returned pmf is therefore within ``tolerance``
(default 1e-12) of the exact one in L1 distance, and sums to at least ``1 - tolerance / 3``.

Floating point: ``K n`` is rounded (``0.8192 * 625`` is 512 in exact arithmetic), so the
deterministic floor (``sigma_r = 0``) treats values within ``FLOOR_GUARD = 1e-9`` ADC steps
below an integer as that integer.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from qkit._validate import require_nonnegative
from qkit.qrng.photons import DEFAULT_TOLERANCE, _check_tolerance, poisson_weights
from qkit.qrng.pixel import Pixel, check_kept_bits

__all__ = [
    "FLOOR_GUARD",
    "adc_floor",
    "adc_pmf",
    "adc_pmf_many",
    "kept_bits_pmf",
    "extract_bits",
    "bit_pmfs",
    "sample_adc",
]

#: ADC steps below an integer that the deterministic floor still counts as that integer.
FLOOR_GUARD = 1e-9


def adc_floor(x: np.ndarray, adc_max: int) -> np.ndarray:
    """The ADC of Eq. (3): ``clip(floor(x), 0, adc_max)`` as int64.

    Parameters
    ----------
    x : float or array
        ADC input ``X`` in ADC steps.
    adc_max : int
        Largest output (1023 for 10 bits).

    Returns
    -------
    numpy.ndarray of int64
        ``Z``; values within ``FLOOR_GUARD`` below an integer count as that integer.
    """
    return np.clip(np.floor(np.asarray(x, dtype=float) + FLOOR_GUARD), 0, adc_max).astype(np.int64)


def adc_pmf(mean_photoelectrons: float, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """Exact distribution of the ADC output ``Z`` of one pixel, Eqs. (2)-(4) of the QRNG paper.

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e = eta * mu_ph``, mean photoelectrons per integration time, ``>= 0``.
    pixel : Pixel
        Gain, classical noise (dark electrons and readout noise) and ADC width.
    tolerance : float, keyword-only
        Bound on the L1 distance to the exact pmf (see the module docstring), in ``(0, 1)``.

    Returns
    -------
    numpy.ndarray, shape (pixel.adc_max + 1,)
        ``P(Z = z)`` for ``z = 0 .. adc_max``.

    Examples
    --------
    >>> from qkit.qrng.pixel import NOISE_FREE
    >>> p = adc_pmf(625.0, NOISE_FREE)
    >>> p.shape, round(float(p.sum()), 9)
    ((1024,), 1.0)
    """
    mu = float(require_nonnegative("mean_photoelectrons", mean_photoelectrons, unit="electrons"))
    _check_pixel(pixel)
    tolerance = _check_tolerance(tolerance)
    return _adc_pmf(mu, pixel, tolerance)


def adc_pmf_many(
    means: np.ndarray, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE
) -> np.ndarray:
    """:func:`adc_pmf` for many mean photoelectron numbers at once.

    Parameters
    ----------
    means : array of float
        Mean photoelectron numbers ``>= 0``, any shape.
    pixel : Pixel
        The pixel (same for all means).
    tolerance : float, keyword-only
        As in :func:`adc_pmf`, for each row.

    Returns
    -------
    numpy.ndarray, shape ``means.shape + (adc_max + 1,)``
    """
    mu = require_nonnegative("means", means, unit="electrons")
    _check_pixel(pixel)
    tolerance = _check_tolerance(tolerance)
    flat = mu.reshape(-1)
    unique, inverse = np.unique(flat, return_inverse=True)
    rows = np.stack([_adc_pmf(float(m), pixel, tolerance) for m in unique]) if unique.size else (
        np.zeros((0, pixel.adc_max + 1)))
    return rows[inverse.reshape(-1)].reshape(mu.shape + (pixel.adc_max + 1,))


def _adc_pmf(mu: float, pixel: Pixel, tolerance: float) -> np.ndarray:
    total = mu + pixel.dark_mean
    n, weight = poisson_weights(total, tolerance / 3)
    centre = pixel.readout_mean + pixel.gain * n  # mean of X given n electrons, ADC steps
    size = pixel.adc_max + 1
    sigma = pixel.readout_sigma
    if sigma == 0.0:
        return np.bincount(adc_floor(centre, pixel.adc_max), weights=weight, minlength=size)
    half = int(np.ceil(sigma * -special.ndtri(tolerance / 6))) + 1
    base = np.floor(centre) - half  # first bin of each window
    edges = base[:, None] + np.arange(2 * half + 2)[None, :]
    cdf = special.ndtr((edges - centre[:, None]) / sigma)
    cdf[:, 0], cdf[:, -1] = 0.0, 1.0  # the tails beyond +-half go to the window's end bins
    mass = np.maximum(np.diff(cdf, axis=1), 0.0) * weight[:, None]
    bins = np.clip(edges[:, :-1], 0, pixel.adc_max).astype(np.int64)
    return np.bincount(bins.ravel(), weights=mass.ravel(), minlength=size)


def extract_bits(z: np.ndarray, kept_bits: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """The kept bits of ADC outputs as one integer each (``Z23`` for the default bits).

    Parameters
    ----------
    z : int or array of int
        ADC outputs, ``>= 0``.
    kept_bits : tuple of int
        Bit positions to keep; ``kept_bits[0]`` becomes the least significant bit.

    Returns
    -------
    numpy.ndarray of int64
        ``sum_i ((z >> kept_bits[i]) & 1) << i``, shape of ``z``.

    Examples
    --------
    >>> int(extract_bits(0b1100, (2, 3))), int(extract_bits(0b0100, (2, 3))), int(extract_bits(0b1000, (3, 2)))
    (3, 1, 1)
    """
    try:
        bits = check_kept_bits(kept_bits, 62)
    except ValueError:
        raise ValueError(f"kept_bits must be distinct whole numbers in [0, 61], got {kept_bits!r}") from None
    arr = np.asarray(z)
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind != "f" or not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"z must be whole ADC outputs, got {z!r}")
    arr = arr.astype(np.int64)
    if np.any(arr < 0):
        raise ValueError(f"z must be >= 0 (ADC steps), got {z!r}")
    out = np.zeros(arr.shape, dtype=np.int64)
    for i, b in enumerate(bits):
        out |= ((arr >> b) & 1) << i
    return out


def kept_bits_pmf(z_pmf: np.ndarray, kept_bits: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """Distribution of the kept bits, ``P(Z23 = b)``, from the distribution of ``Z``.

    Parameters
    ----------
    z_pmf : array, shape (..., 2**adc_bits)
        ``P(Z = z)`` on its last axis (e.g. from :func:`adc_pmf`).
    kept_bits : tuple of int
        Bits of ``Z`` to keep, each ``< adc_bits``; ``kept_bits[0]`` is the least significant
        bit of ``b``.

    Returns
    -------
    numpy.ndarray, shape (..., 2**len(kept_bits))
        ``P(Z23 = b) = sum_{z : bits(z) = b} P(Z = z)``.
    """
    p = np.asarray(z_pmf, dtype=float)
    size = p.shape[-1] if p.ndim else 0
    if p.ndim == 0 or size < 2 or size & (size - 1):
        raise ValueError(f"z_pmf must have a last axis of length 2**adc_bits, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("z_pmf must hold finite probabilities >= 0")
    bits = check_kept_bits(kept_bits, size.bit_length() - 1)
    onehot = np.zeros((size, 1 << len(bits)))
    onehot[np.arange(size), extract_bits(np.arange(size), bits)] = 1.0
    return p @ onehot


def bit_pmfs(z_pmf: np.ndarray) -> np.ndarray:
    """``P(bit k of Z = 1)`` for every bit ``k`` of the ADC (to compare the bits, Sec. II A).

    Parameters
    ----------
    z_pmf : array, shape (..., 2**adc_bits)
        ``P(Z = z)`` on the last axis.

    Returns
    -------
    numpy.ndarray, shape (..., adc_bits)
        Column ``k`` is the probability that bit ``k`` of ``Z`` is 1.
    """
    p = np.asarray(z_pmf, dtype=float)
    size = p.shape[-1]
    n_bits = size.bit_length() - 1
    return np.stack([kept_bits_pmf(p, (k,))[..., 1] for k in range(n_bits)], axis=-1)


def sample_adc(
    mean_photoelectrons: float, pixel: Pixel, size: int | tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Draw ADC outputs ``Z`` of one pixel (Monte Carlo, to check :func:`adc_pmf`).

    Simulates Eqs. (2)-(4) literally: Poisson photoelectrons and dark electrons, Gaussian readout
    noise, floor and clip.

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e >= 0``.
    pixel : Pixel
        The pixel.
    size : int or tuple of int
        Output shape.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray of int64
    """
    mu = float(require_nonnegative("mean_photoelectrons", mean_photoelectrons, unit="electrons"))
    _check_pixel(pixel)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    electrons = rng.poisson(mu, size=size) + rng.poisson(pixel.dark_mean, size=size)
    x = pixel.gain * electrons + pixel.readout_mean
    if pixel.readout_sigma > 0:
        x = x + rng.normal(0.0, pixel.readout_sigma, size=size)
    return adc_floor(x, pixel.adc_max)


def _check_pixel(pixel: Pixel) -> None:
    if not isinstance(pixel, Pixel):
        raise ValueError(f"pixel must be a qkit.qrng.pixel.Pixel, got {type(pixel).__name__}")

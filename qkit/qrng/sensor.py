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
Electron numbers whose whole window lies below 0 or above ``adc_max`` go straight to the end
bins; when the window is wider than the ADC (a readout sigma of hundreds of steps), the normal
CDF is taken at every bin edge instead, which is exact and costs ``adc_max`` values per electron
number. Arrays beyond the memory budget (:func:`qkit.set_memory_budget`) are refused first.

Floating point: ``K n`` is rounded (``0.8192 * 625`` is 512 in exact arithmetic), so the
deterministic floor (``sigma_r = 0``) treats values within ``FLOOR_GUARD = 1e-9`` ADC steps
below an integer as that integer.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from qkit._validate import require_allocation, require_array, require_generator, require_integer, require_real
from qkit.qrng.photons import (
    DEFAULT_TOLERANCE,
    MAX_EXACT_MEAN,
    MAX_SAMPLED_MEAN,
    _check_size,
    _check_tolerance,
    poisson_weights,
)
from qkit.qrng.pixel import Pixel, _check_pixel, check_kept_bits

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

#: How far a pmf given to :func:`kept_bits_pmf` or :func:`bit_pmfs` may sum from 1 (truncated
#: exact pmfs miss at most their tolerance; anything further off is refused, not normalised).
PMF_ATOL = 1e-6


def adc_floor(x: np.ndarray, adc_max: int) -> np.ndarray:
    """The ADC of Eq. (3): ``clip(floor(x), 0, adc_max)`` as int64.

    Parameters
    ----------
    x : float or array
        ADC input ``X`` in ADC steps, finite.
    adc_max : int
        Largest output (1023 for 10 bits), ``>= 0``.

    Returns
    -------
    numpy.ndarray of int64
        ``Z``; values within ``FLOOR_GUARD`` below an integer count as that integer.
    """
    x = require_array("x", x, unit="ADC steps")
    adc_max = require_integer("adc_max", adc_max, 0, 2**62)
    return _floor(x, adc_max)


def _floor(x: np.ndarray, adc_max: int) -> np.ndarray:
    """:func:`adc_floor` without the checks (for inputs qkit built)."""
    return np.clip(np.floor(x + FLOOR_GUARD), 0, adc_max).astype(np.int64)


def adc_pmf(mean_photoelectrons: float, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """Exact distribution of the ADC output ``Z`` of one pixel, Eqs. (2)-(4) of the QRNG paper.

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e = eta * mu_ph``, mean photoelectrons per integration time, ``>= 0``, with
        ``mu_e + mu_dark <= 1e9``.
    pixel : Pixel
        Gain, classical noise (dark electrons and readout noise) and ADC width.
    tolerance : float, keyword-only
        Bound on the L1 distance to the exact pmf (see the module docstring), in ``(0, 1)``.

    Raises
    ------
    ValueError
        For bad arguments, or before allocating arrays larger than the memory budget
        (:func:`qkit.set_memory_budget`), which a huge readout sigma at a huge mean would need.

    Returns
    -------
    numpy.ndarray, shape (pixel.adc_max + 1,)
        ``P(Z = z)`` for ``z = 0 .. adc_max``.

    Notes
    -----
    Without readout noise this is ``P(Z = z) = sum over n with min(floor(K n), adc_max) = z of
    p(n, mu_e + mu_dark)``; with it, each ``n`` is spread over the bins by the normal law of Eq. (4).
    The sum itself is in ``_adc_pmf`` (read it with ``qkit.qrng.sensor._adc_pmf??``).

    Examples
    --------
    >>> from qkit.qrng.pixel import NOISE_FREE
    >>> p = adc_pmf(625.0, NOISE_FREE)
    >>> p.shape, round(float(p.sum()), 9)
    ((1024,), 1.0)
    """
    _check_pixel(pixel)
    mu = _check_light("mean_photoelectrons", mean_photoelectrons, pixel)
    tolerance = _check_tolerance(tolerance)
    return _adc_pmf(mu, pixel, tolerance)


def _check_light(name: str, value, pixel: Pixel) -> float:
    """A mean photoelectron number for the exact sums: ``>= 0`` with ``mu_e + mu_dark <= 1e9``."""
    mu = require_real(name, value, 0.0, unit="electrons")
    if mu + pixel.dark_mean > MAX_EXACT_MEAN:
        raise ValueError(f"{name} plus the pixel's dark_mean must be <= {MAX_EXACT_MEAN:g} electrons for "
                         f"the exact sums, got {name}={mu:g} and dark_mean={pixel.dark_mean:g}")
    return mu


def adc_pmf_many(
    means: np.ndarray, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE
) -> np.ndarray:
    """:func:`adc_pmf` for many mean photoelectron numbers at once.

    Parameters
    ----------
    means : array of float
        Mean photoelectron numbers ``>= 0`` (``mu_e + mu_dark <= 1e9``), any shape.
    pixel : Pixel
        The pixel (same for all means).
    tolerance : float, keyword-only
        As in :func:`adc_pmf`, for each row.

    Returns
    -------
    numpy.ndarray, shape ``means.shape + (adc_max + 1,)``
    """
    _check_pixel(pixel)
    mu = require_array("means", means, low=0.0, unit="electrons")
    if mu.size:
        _check_light("means", float(mu.max()), pixel)
    tolerance = _check_tolerance(tolerance)
    require_allocation(f"{mu.size} ADC pmfs of {pixel.adc_max + 1} values", 8.0 * mu.size * (pixel.adc_max + 1))
    flat = mu.reshape(-1)
    unique, inverse = np.unique(flat, return_inverse=True)
    rows = np.stack([_adc_pmf(float(m), pixel, tolerance) for m in unique]) if unique.size else (
        np.zeros((0, pixel.adc_max + 1)))
    return rows[inverse.reshape(-1)].reshape(mu.shape + (pixel.adc_max + 1,))


def _adc_pmf(mu: float, pixel: Pixel, tolerance: float) -> np.ndarray:
    """The sum of :func:`adc_pmf`, ``P(Z = z) = sum_n p(n) P(Z = z | n)``, without the checks.

    1. ``n`` runs over the Poisson quantile range of the mean ``mu + dark_mean`` (photo- and dark
       electrons together are Poisson), weights ``p(n)`` from :func:`poisson_weights`.
    2. No readout noise: ``Z = floor(K n)`` clipped (Eq. 3); one ``bincount`` adds up the weights.
    3. Readout noise: ``X`` given ``n`` is normal with mean ``mu_r + K n``; the mass of each ADC bin
       ``[z, z + 1)`` is a difference of normal CDFs, over a window of ``+- half`` bins whose tails
       go to its end bins. Windows wholly below 0 or above ``adc_max`` go to the end bins at once;
       a window wider than the ADC is replaced by the CDF at every bin edge.
    """
    total = mu + pixel.dark_mean
    n, weight = poisson_weights(total, tolerance / 3)
    centre = pixel.readout_mean + pixel.gain * n  # mean of X given n electrons, ADC steps
    size = pixel.adc_max + 1
    sigma = pixel.readout_sigma
    if sigma == 0.0:
        return np.bincount(_floor(centre, pixel.adc_max), weights=weight, minlength=size)
    half = int(np.ceil(sigma * -special.ndtri(tolerance / 6))) + 1
    out = np.zeros(size)
    below, above = centre + half < 0, centre - half >= size  # windows wholly clipped to one end bin
    out[0], out[-1] = weight[below].sum(), weight[above].sum()
    keep = ~(below | above)
    centre, weight = centre[keep], weight[keep]
    width = min(2 * half + 2, size + 1)  # CDF points per electron number
    require_allocation(
        f"the ADC pmf (readout_sigma={sigma:g} ADC steps, {centre.size} electron numbers)",
        32.0 * centre.size * width, hint="Use a smaller readout_sigma or mean, or a larger tolerance.")
    if 2 * half + 2 > size + 1:  # the window is wider than the ADC: CDFs at every bin edge, exact
        cdf = special.ndtr((np.arange(1, size)[None, :] - centre[:, None]) / sigma)
        edges = np.zeros((centre.size, size + 1))
        edges[:, 1:-1], edges[:, -1] = cdf, 1.0
        return out + weight @ np.maximum(np.diff(edges, axis=1), 0.0)
    base = np.floor(centre) - half  # first bin of each window
    edges = base[:, None] + np.arange(2 * half + 2)[None, :]
    cdf = special.ndtr((edges - centre[:, None]) / sigma)
    cdf[:, 0], cdf[:, -1] = 0.0, 1.0  # the tails beyond +-half go to the window's end bins
    mass = np.maximum(np.diff(cdf, axis=1), 0.0) * weight[:, None]
    bins = np.clip(edges[:, :-1], 0, pixel.adc_max).astype(np.int64)
    return out + np.bincount(bins.ravel(), weights=mass.ravel(), minlength=size)


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
    arr = require_array("z", z, unit="ADC steps")
    if np.any(arr != np.round(arr)):
        raise ValueError(f"z must be whole ADC outputs, got {z!r}"[:200])
    if np.any(arr < 0) or np.any(arr >= 2.0**62):
        raise ValueError(f"z must be >= 0 (ADC steps) and below 2**62, got {z!r}"[:200])
    return _bits(np.asarray(z).astype(np.int64), bits)


def _bits(arr: np.ndarray, bits: tuple[int, ...]) -> np.ndarray:
    """:func:`extract_bits` without the checks."""
    out = np.zeros(arr.shape, dtype=np.int64)
    for i, b in enumerate(bits):
        out |= ((arr >> b) & 1) << i
    return out


def _check_z_pmf(z_pmf) -> np.ndarray:
    """ADC pmfs on the last axis: 2**adc_bits values in [0, 1] summing to 1 within PMF_ATOL."""
    p = require_array("z_pmf", z_pmf, low=0.0, high=1.0 + PMF_ATOL, min_size=1, unit="probabilities")
    size = p.shape[-1] if p.ndim else 0
    if p.ndim == 0 or size < 2 or size & (size - 1) or size > 2**16:
        raise ValueError(f"z_pmf must have a last axis of length 2**adc_bits (2 to 65536), got shape {p.shape}")
    worst = float(np.max(np.abs(p.sum(axis=-1) - 1.0)))
    if worst > PMF_ATOL:
        raise ValueError(f"z_pmf must sum to 1 within {PMF_ATOL:g} on its last axis (probabilities), "
                         f"it is off by {worst:.3g}")
    return p


def kept_bits_pmf(z_pmf: np.ndarray, kept_bits: tuple[int, ...] = (2, 3)) -> np.ndarray:
    """Distribution of the kept bits, ``P(Z23 = b)``, from the distribution of ``Z``.

    Parameters
    ----------
    z_pmf : array, shape (..., 2**adc_bits)
        ``P(Z = z)`` on its last axis (e.g. from :func:`adc_pmf`), summing to 1 within
        ``PMF_ATOL = 1e-6``.
    kept_bits : tuple of int
        Bits of ``Z`` to keep, each ``< adc_bits``; ``kept_bits[0]`` is the least significant
        bit of ``b``.

    Returns
    -------
    numpy.ndarray, shape (..., 2**len(kept_bits))
        ``P(Z23 = b) = sum_{z : bits(z) = b} P(Z = z)``.
    """
    p = _check_z_pmf(z_pmf)
    bits = check_kept_bits(kept_bits, p.shape[-1].bit_length() - 1)
    return _kept_bits_pmf(p, bits)


def _kept_bits_pmf(p: np.ndarray, bits: tuple[int, ...]) -> np.ndarray:
    """:func:`kept_bits_pmf` without the checks: every kept value has ``size / 2**k`` ADC values."""
    size = p.shape[-1]
    order = np.argsort(_bits(np.arange(size), bits), kind="stable")
    return p[..., order].reshape(p.shape[:-1] + (1 << len(bits), size >> len(bits))).sum(axis=-1)


def bit_pmfs(z_pmf: np.ndarray) -> np.ndarray:
    """``P(bit k of Z = 1)`` for every bit ``k`` of the ADC (to compare the bits, Sec. II A).

    Parameters
    ----------
    z_pmf : array, shape (..., 2**adc_bits)
        ``P(Z = z)`` on the last axis, summing to 1 within ``PMF_ATOL = 1e-6``.

    Returns
    -------
    numpy.ndarray, shape (..., adc_bits)
        Column ``k`` is the probability that bit ``k`` of ``Z`` is 1.
    """
    p = _check_z_pmf(z_pmf)
    n_bits = p.shape[-1].bit_length() - 1
    return np.stack([_kept_bits_pmf(p, (k,))[..., 1] for k in range(n_bits)], axis=-1)


def sample_adc(
    mean_photoelectrons: float, pixel: Pixel, size: int | tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Draw ADC outputs ``Z`` of one pixel (Monte Carlo, to check :func:`adc_pmf`).

    Simulates Eqs. (2)-(4) literally: Poisson photoelectrons and dark electrons, Gaussian readout
    noise, floor and clip.

    Parameters
    ----------
    mean_photoelectrons : float
        ``0 <= mu_e <= 1e18`` (numpy's Poisson sampler limit).
    pixel : Pixel
        The pixel.
    size : int or tuple of int
        Output shape (whole numbers ``>= 0``; the draws must fit the memory budget).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray of int64
    """
    mu = require_real("mean_photoelectrons", mean_photoelectrons, 0.0, MAX_SAMPLED_MEAN, unit="electrons")
    _check_pixel(pixel)
    size = _check_size(size, bytes_per_item=32.0, what="the ADC draws")
    require_generator("rng", rng)
    electrons = rng.poisson(mu, size=size) + rng.poisson(pixel.dark_mean, size=size)
    x = pixel.gain * electrons + pixel.readout_mean
    if pixel.readout_sigma > 0:
        x = x + rng.normal(0.0, pixel.readout_sigma, size=size)
    return _floor(x, pixel.adc_max)

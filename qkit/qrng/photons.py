"""Photon and photoelectron statistics of the LED source (Sec. II A of the QRNG paper).

The light of a highly multimode LED has a Poissonian photon number, Eq. (1); a pixel with
efficiency ``eta`` converts it into a Poissonian number of photoelectrons with mean
``eta * mean_photons`` (thinning).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from qkit._validate import (
    require_allocation,
    require_array,
    require_generator,
    require_integer,
    require_real,
)

__all__ = [
    "poisson_pmf",
    "poisson_support",
    "poisson_weights",
    "mean_photoelectrons",
    "photoelectron_pmf",
    "sample_photoelectrons",
]

#: Default truncation: the probability mass dropped from a Poisson distribution.
DEFAULT_TOLERANCE = 1e-12

#: Largest Poisson mean of an exact truncated sum (:func:`poisson_support`): scipy's Poisson
#: quantiles are reliable up to here, and its support (~14 sqrt(mean) counts) stays small.
MAX_EXACT_MEAN = 1e9

#: Largest mean numpy's Poisson sampler accepts (it refuses means above about 9.2e18).
MAX_SAMPLED_MEAN = 1e18


def poisson_pmf(counts: np.ndarray | int, mean: float) -> np.ndarray:
    """Probability of ``counts`` photons for a Poisson source, Eq. (1) of the QRNG paper.

    Computed in the saddle-point form ``exp(-stirlerr(n) - bd0(n, mu)) / sqrt(2 pi n)`` (Loader's
    method, as in R's ``dpois``), whose relative error stays near 1e-15 for counts and means of any
    size; the plain log-space form ``n log mu - mu - log n!`` loses about ``1e-16 mu log mu``.

    Parameters
    ----------
    counts : int or array of int
        Photon numbers (whole numbers; floats such as ``3.0`` are accepted, bools are not).
        Negative counts have probability 0.
    mean : float
        Mean photon number ``mu_ph >= 0`` (photons per integration time), finite. ``mean = 0``
        (no light) gives ``P(0) = 1``.

    Returns
    -------
    numpy.ndarray
        ``p(n, mu) = mu**n exp(-mu) / n!``, with the shape of ``counts``.

    Examples
    --------
    >>> float(poisson_pmf(0, 2.0))  # doctest: +ELLIPSIS
    0.1353...
    """
    mean = require_real("mean", mean, 0.0, unit="photons")
    n = _check_counts(counts)
    nonneg = n >= 0
    safe = np.where(nonneg, n, 0)
    if mean == 0.0:
        out = (safe == 0).astype(float)
    else:
        x = np.maximum(safe, 1).astype(float)
        out = np.exp(-_stirling_error(x) - _deviance(x, mean)) / np.sqrt(2.0 * np.pi * x)
        out = np.where(safe == 0, np.exp(-mean), out)
    return np.where(nonneg, out, 0.0)


_STIRLING = (1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188)


def _stirling_error(n: np.ndarray) -> np.ndarray:
    """``log n! - log(sqrt(2 pi n) (n / e)**n)`` for ``n >= 1`` (direct below 16, series above)."""
    small = n < 16
    ns = np.where(small, n, 1.0)
    direct = special.gammaln(ns + 1.0) - (ns + 0.5) * np.log(ns) + ns - 0.5 * np.log(2.0 * np.pi)
    inv = 1.0 / n
    inv2 = inv * inv
    s0, s1, s2, s3, s4 = _STIRLING
    series = (s0 - (s1 - (s2 - (s3 - s4 * inv2) * inv2) * inv2) * inv2) * inv
    return np.where(small, direct, series)


def _deviance(x: np.ndarray, mean: float) -> np.ndarray:
    """``x log(x / mean) + mean - x`` without cancellation (a series where ``x`` is near ``mean``)."""
    d, t = x - mean, x + mean
    close = np.abs(d) < 0.1 * t
    v = np.where(close, d / t, 0.0)
    s = d * v
    term = 2.0 * x * v
    v2 = v * v
    for j in range(1, 14):  # |v| < 0.1: each term is at most 1/100 of the one before
        term = term * v2
        s = s + term / (2 * j + 1)
    far = x * (np.log(x) - np.log(mean)) + mean - x  # no overflow of x / mean for tiny means
    return np.where(close, s, far)


def poisson_support(mean: float, tolerance: float = DEFAULT_TOLERANCE) -> tuple[int, int]:
    """Counts ``[low, high]`` holding all but at most ``tolerance`` of a Poisson distribution.

    ``P(N < low) <= tolerance / 2`` and ``P(N > high) <= tolerance / 2``, from the Poisson
    quantile functions; the exact sums of qkit.qrng run over ``low..high`` only.

    Parameters
    ----------
    mean : float
        Poisson mean (photons or electrons per integration time), ``0 <= mean <= 1e9``
        (:data:`MAX_EXACT_MEAN`).
    tolerance : float
        Probability mass allowed outside ``[low, high]``, ``0 < tolerance < 1``.

    Returns
    -------
    (int, int)
        ``low`` and ``high`` (``(0, 0)`` for ``mean = 0``).

    Raises
    ------
    ValueError
        If scipy cannot compute the quantiles (a tolerance far below 1e-12 at a very large
        mean): the message says which argument to change.
    """
    mean = _check_exact_mean(mean)
    tolerance = _check_tolerance(tolerance)
    if mean == 0.0:
        return 0, 0
    low = stats.poisson.ppf(tolerance / 2, mean)  # smallest k with P(N <= k) >= tol/2
    high = stats.poisson.isf(tolerance / 2, mean)  # smallest k with P(N > k) <= tol/2
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(
            f"tolerance={tolerance!r} is too small for a Poisson mean of {mean:g}: scipy cannot "
            "place the quantiles; use a larger tolerance or a smaller mean"
        )
    low = int(low)
    return max(low, 0), max(int(high), low)


def poisson_weights(mean: float, tolerance: float = DEFAULT_TOLERANCE) -> tuple[np.ndarray, np.ndarray]:
    """The counts of :func:`poisson_support` and their probabilities, for exact truncated sums.

    The weights are rescaled so that they sum to the exact mass ``P(low <= N <= high)`` from the
    regularised incomplete gamma function (a change of order 1e-15 with the saddle-point pmf of
    :func:`poisson_pmf`; the plain log-space form would need up to ``1e-16 * mean * log(mean)``).

    Parameters
    ----------
    mean : float
        Poisson mean, ``0 <= mean <= 1e9``.
    tolerance : float
        Probability mass allowed outside the returned counts, ``0 < tolerance < 1``.

    Returns
    -------
    counts : numpy.ndarray of int64
        ``low, low + 1, ..., high``.
    weights : numpy.ndarray
        ``P(N = n)`` for those counts; ``1 - tolerance <= weights.sum() <= 1``.
    """
    low, high = poisson_support(mean, tolerance)
    require_allocation(f"the Poisson support of mean {float(mean):g}", 16.0 * (high - low + 1))
    counts = np.arange(low, high + 1, dtype=np.int64)
    weights = poisson_pmf(counts, mean)
    if mean > 0.0:
        inside = special.pdtr(high, mean) - (special.pdtr(low - 1, mean) if low > 0 else 0.0)
        weights *= inside / weights.sum()
    return counts, weights


def mean_photoelectrons(mean_photons: float | np.ndarray, efficiency: float | np.ndarray) -> np.ndarray:
    """Mean photoelectron number ``mu_e = eta * mu_ph`` of a pixel (Sec. II A).

    Parameters
    ----------
    mean_photons : float or array
        ``mu_ph``, mean photons reaching the pixel per integration time, finite and ``>= 0``.
    efficiency : float or array
        ``eta``, probability that a photon becomes a photoelectron, in ``[0, 1]``; broadcast
        against ``mean_photons``.

    Returns
    -------
    numpy.ndarray
        ``eta * mu_ph`` in electrons, broadcast over the inputs.
    """
    mu = require_array("mean_photons", mean_photons, low=0.0, unit="photons")
    eta = require_array("efficiency", efficiency, low=0.0, high=1.0)
    try:
        shape = np.broadcast_shapes(mu.shape, eta.shape)
    except ValueError:
        raise ValueError(f"mean_photons (shape {mu.shape}) and efficiency (shape {eta.shape}) "
                         "must broadcast to one shape") from None
    require_allocation("the mean photoelectron array", 8.0 * float(np.prod(shape)))
    return mu * eta


def photoelectron_pmf(counts: np.ndarray | int, mean_photons: float, efficiency: float) -> np.ndarray:
    """Probability of ``counts`` photoelectrons: a Poisson photon number thinned by ``eta``.

    Each of the ``n`` photons of Eq. (1) is detected independently with probability ``eta``, so
    ``P(N_e = k) = sum_n p(n, mu_ph) C(n, k) eta^k (1 - eta)^(n - k)``, which is exactly the
    Poisson distribution with mean ``eta * mu_ph`` (Sec. II A). This function returns that
    closed form; the tests check it against the explicit sum.

    Parameters
    ----------
    counts : int or array of int
        Photoelectron numbers ``k``.
    mean_photons : float
        ``mu_ph >= 0``, photons per integration time.
    efficiency : float
        ``eta`` in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray
        ``P(N_e = k)``, with the shape of ``counts``.
    """
    mu = require_real("mean_photons", mean_photons, 0.0, unit="photons")
    eta = require_real("efficiency", efficiency, 0.0, 1.0)
    return poisson_pmf(counts, mu * eta)


def sample_photoelectrons(
    mean_photons: float, efficiency: float, size: int | tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Draw photoelectron counts by thinning Poisson photon counts (for Monte Carlo checks).

    Draws the photon numbers of Eq. (1), then keeps each photon with probability ``eta``
    (a binomial draw), i.e. simulates the thinning rather than assuming its result.

    Parameters
    ----------
    mean_photons : float
        ``mu_ph``, photons per integration time, ``0 <= mu_ph <= 1e18`` (numpy's sampler limit).
    efficiency : float
        ``eta`` in ``[0, 1]``.
    size : int or tuple of int
        Shape of the output (non-negative whole numbers; the output must fit the memory budget).
    rng : numpy.random.Generator
        Source of randomness, e.g. ``numpy.random.default_rng(1)``.

    Returns
    -------
    numpy.ndarray of int64
        Photoelectron counts.
    """
    mu = require_real("mean_photons", mean_photons, 0.0, MAX_SAMPLED_MEAN, unit="photons")
    eta = require_real("efficiency", efficiency, 0.0, 1.0)
    size = _check_size(size, bytes_per_item=16.0, what="the photon and photoelectron counts")
    require_generator("rng", rng)
    photons = rng.poisson(mu, size=size)
    return rng.binomial(photons, eta).astype(np.int64)


def _check_tolerance(tolerance: float) -> float:
    return require_real("tolerance", tolerance, 0.0, 1.0, low_inclusive=False, high_inclusive=False)


def _check_exact_mean(mean: float, name: str = "mean", unit: str = "counts") -> float:
    """A Poisson mean for an exact truncated sum: finite, ``0 <= mean <= MAX_EXACT_MEAN``."""
    return require_real(name, mean, 0.0, MAX_EXACT_MEAN, unit=unit)


def _check_counts(counts) -> np.ndarray:
    """Whole numbers (ints, or floats equal to ints; not bools) as an int64 array."""
    return require_array("counts", counts, dtype=int)


def _check_size(size, *, bytes_per_item: float, what: str) -> tuple[int, ...]:
    """An output shape (an int or a tuple of ints >= 0) whose arrays fit the memory budget."""
    dims = tuple(size) if isinstance(size, (tuple, list)) else (size,)
    dims = tuple(require_integer("size", d, 0) for d in dims)
    require_allocation(f"{what} of size {dims}", bytes_per_item * float(np.prod(dims, dtype=float)))
    return dims

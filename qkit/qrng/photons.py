"""Photon and photoelectron statistics of the LED source (Sec. II A of the QRNG paper).

The light of a highly multimode LED has a Poissonian photon number, Eq. (1); a pixel with
efficiency ``eta`` converts it into a Poissonian number of photoelectrons with mean
``eta * mean_photons`` (thinning).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from qkit._validate import require_in_range, require_nonnegative, require_probability

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


def poisson_pmf(counts: np.ndarray | int, mean: float) -> np.ndarray:
    """Probability of ``counts`` photons for a Poisson source, Eq. (1) of the QRNG paper.

    Computed in log space, so it stays accurate for counts of many thousands.

    Parameters
    ----------
    counts : int or array of int
        Photon numbers ``n >= 0``. Negative counts have probability 0.
    mean : float
        Mean photon number ``mu_ph >= 0`` (photons per integration time). ``mean = 0``
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
    mean = float(require_nonnegative("mean", mean, unit="photons"))
    n = np.asarray(counts)
    if n.dtype.kind not in "iu":
        if not np.all(np.isfinite(n)) or np.any(n != np.round(n)):
            raise ValueError(f"counts must be whole numbers, got {counts!r}")
        n = n.astype(np.int64)
    nonneg = n >= 0
    safe = np.where(nonneg, n, 0)
    if mean == 0.0:
        out = (safe == 0).astype(float)
    else:
        out = np.exp(special.xlogy(safe, mean) - mean - special.gammaln(safe + 1.0))
    return np.where(nonneg, out, 0.0)


def poisson_support(mean: float, tolerance: float = DEFAULT_TOLERANCE) -> tuple[int, int]:
    """Counts ``[low, high]`` holding all but at most ``tolerance`` of a Poisson distribution.

    ``P(N < low) <= tolerance / 2`` and ``P(N > high) <= tolerance / 2``, from the Poisson
    quantile functions; the exact sums of qkit.qrng run over ``low..high`` only.

    Parameters
    ----------
    mean : float
        Poisson mean (photons or electrons per integration time), ``>= 0``.
    tolerance : float
        Probability mass allowed outside ``[low, high]``, ``0 < tolerance < 1``.

    Returns
    -------
    (int, int)
        ``low`` and ``high`` (``(0, 0)`` for ``mean = 0``).
    """
    mean = float(require_nonnegative("mean", mean, unit="counts"))
    tolerance = _check_tolerance(tolerance)
    if mean == 0.0:
        return 0, 0
    low = int(stats.poisson.ppf(tolerance / 2, mean))  # smallest k with P(N <= k) >= tol/2
    high = int(stats.poisson.isf(tolerance / 2, mean))  # smallest k with P(N > k) <= tol/2
    return max(low, 0), max(high, low)


def poisson_weights(mean: float, tolerance: float = DEFAULT_TOLERANCE) -> tuple[np.ndarray, np.ndarray]:
    """The counts of :func:`poisson_support` and their probabilities, for exact truncated sums.

    The log-space pmf carries a relative rounding error of about ``1e-16 * mean * log(mean)``
    (``2.5e-13`` of total mass at ``mean = 625``), which is not negligible against a
    ``1e-12`` budget. The weights are therefore rescaled so that they sum to the exact mass
    ``P(low <= N <= high)`` from the regularised incomplete gamma function.

    Parameters
    ----------
    mean : float
        Poisson mean, ``>= 0``.
    tolerance : float
        Probability mass allowed outside the returned counts.

    Returns
    -------
    counts : numpy.ndarray of int64
        ``low, low + 1, ..., high``.
    weights : numpy.ndarray
        ``P(N = n)`` for those counts; ``1 - tolerance <= weights.sum() <= 1``.
    """
    low, high = poisson_support(mean, tolerance)
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
        ``mu_ph``, mean photons reaching the pixel per integration time, ``>= 0``.
    efficiency : float or array
        ``eta``, probability that a photon becomes a photoelectron, in ``[0, 1]``.

    Returns
    -------
    numpy.ndarray
        ``eta * mu_ph`` in electrons, broadcast over the inputs.
    """
    mu = require_nonnegative("mean_photons", mean_photons, unit="photons")
    eta = require_probability("efficiency", efficiency)
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
    return poisson_pmf(counts, float(mean_photoelectrons(mean_photons, efficiency)))


def sample_photoelectrons(
    mean_photons: float, efficiency: float, size: int | tuple[int, ...], rng: np.random.Generator
) -> np.ndarray:
    """Draw photoelectron counts by thinning Poisson photon counts (for Monte Carlo checks).

    Draws the photon numbers of Eq. (1), then keeps each photon with probability ``eta``
    (a binomial draw), i.e. simulates the thinning rather than assuming its result.

    Parameters
    ----------
    mean_photons : float
        ``mu_ph >= 0``, photons per integration time.
    efficiency : float
        ``eta`` in ``[0, 1]``.
    size : int or tuple of int
        Shape of the output.
    rng : numpy.random.Generator
        Source of randomness, e.g. ``numpy.random.default_rng(1)``.

    Returns
    -------
    numpy.ndarray of int64
        Photoelectron counts.
    """
    mu = float(require_nonnegative("mean_photons", mean_photons, unit="photons"))
    eta = float(require_probability("efficiency", efficiency))
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    photons = rng.poisson(mu, size=size)
    return rng.binomial(photons, eta).astype(np.int64)


def _check_tolerance(tolerance: float) -> float:
    return float(require_in_range("tolerance", tolerance, 0.0, 1.0, low_inclusive=False, high_inclusive=False))

"""The classical noise ``E`` of a pixel, Eq. (4) of the QRNG paper.

``E = K N_d + G``: dark electrons ``N_d ~ Poisson(mu_dark)`` converted with the gain ``K``, plus
Gaussian readout noise ``G ~ N(mu_r, sigma_r**2)`` (ADC steps). Its density is the
Poisson-weighted sum of normal densities of Eq. (4)::

    P_E(e) = sum_m p(m, mu_dark) Phi_{mu_r + K m, sigma_r}(e)

This module gives that distribution exactly (density, CDF, interval masses, atoms when
``sigma_r = 0``); fitting a measured dark histogram belongs to the characterisation code.

Truncation
----------
The dark-electron sum runs over the Poisson quantile range that drops at most
``tolerance / 2`` of the mass (:func:`qkit.qrng.photons.poisson_weights`). :func:`interval_masses`
additionally integrates each normal component only within ``+- sigma_r * isf(tolerance / 4)``
of its centre and puts the tails on the window's edges; this moves at most ``tolerance / 2`` of
mass. Every returned probability is therefore within ``tolerance`` (default 1e-12) of the exact
one, and the masses of disjoint intervals are within ``tolerance`` in total.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from qkit._validate import require_allocation, require_array
from qkit.qrng.photons import DEFAULT_TOLERANCE, _check_tolerance, poisson_weights
from qkit.qrng.pixel import Pixel, _check_pixel

__all__ = [
    "noise_mean",
    "noise_variance",
    "noise_components",
    "noise_pdf",
    "noise_cdf",
    "interval_masses",
]


def noise_mean(pixel: Pixel) -> float:
    """Mean of ``E``, ``mu_r + K mu_dark`` (ADC steps), from Eq. (4).

    Parameters
    ----------
    pixel : Pixel
        Gain, readout mean and dark mean.
    """
    _check_pixel(pixel)
    return pixel.readout_mean + pixel.gain * pixel.dark_mean


def noise_variance(pixel: Pixel) -> float:
    """Variance of ``E``, ``sigma_r**2 + K**2 mu_dark`` (ADC steps squared), from Eq. (4).

    Parameters
    ----------
    pixel : Pixel
        Gain, readout sigma and dark mean.
    """
    _check_pixel(pixel)
    return pixel.readout_sigma**2 + pixel.gain**2 * pixel.dark_mean


def noise_components(pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE) -> tuple[np.ndarray, np.ndarray]:
    """Centres and weights of the normal components of Eq. (4).

    Parameters
    ----------
    pixel : Pixel
        Gain, dark mean and readout noise.
    tolerance : float, keyword-only
        Dark-electron mass that may be left out, in ``(0, 1)``.

    Returns
    -------
    centres : numpy.ndarray
        ``mu_r + K m`` for the kept dark counts ``m`` (ADC steps), ascending.
    weights : numpy.ndarray
        ``p(m, mu_dark)``; they sum to at least ``1 - tolerance``. With ``sigma_r = 0`` these
        are the atoms of ``E``.
    """
    _check_pixel(pixel)
    tolerance = _check_tolerance(tolerance)
    counts, weights = poisson_weights(pixel.dark_mean, tolerance)
    return pixel.readout_mean + pixel.gain * counts, weights


def noise_pdf(e: np.ndarray | float, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """Density ``P_E(e)`` of Eq. (4), per ADC step.

    Parameters
    ----------
    e : float or array
        Noise values (ADC steps).
    pixel : Pixel
        Needs ``readout_sigma > 0`` (without readout noise ``E`` has no density: use
        :func:`noise_components` for its atoms).
    tolerance : float, keyword-only
        Dark-electron mass left out of the sum.

    Returns
    -------
    numpy.ndarray
        ``sum_m p(m) exp(-(e - mu_r - K m)**2 / (2 sigma_r**2)) / sqrt(2 pi sigma_r**2)``.
    """
    x = require_array("e", e, unit="ADC steps")
    _check_pixel(pixel)
    if pixel.readout_sigma == 0.0:
        raise ValueError("pixel.readout_sigma must be > 0 for a density of E, got 0.0; use noise_components")
    centres, weights = noise_components(pixel, tolerance=tolerance)
    _check_table("e", x.size, centres.size)
    s = pixel.readout_sigma
    z = (x[..., None] - centres) / s
    return np.exp(-0.5 * z**2) @ weights / (s * np.sqrt(2 * np.pi))


def noise_cdf(e: np.ndarray | float, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """``P(E <= e)`` of the noise of Eq. (4) (right-continuous at the atoms when ``sigma_r = 0``).

    Parameters
    ----------
    e : float or array
        Noise values (ADC steps).
    pixel : Pixel
        The pixel.
    tolerance : float, keyword-only
        Dark-electron mass left out of the sum (the result is low by at most that).

    Returns
    -------
    numpy.ndarray
        With the shape of ``e``.
    """
    x = require_array("e", e, unit="ADC steps")
    centres, weights = noise_components(pixel, tolerance=tolerance)
    _check_table("e", x.size, centres.size)
    if pixel.readout_sigma == 0.0:
        return (x[..., None] >= centres) @ weights.astype(float)
    return special.ndtr((x[..., None] - centres) / pixel.readout_sigma) @ weights


def interval_masses(edges: np.ndarray, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """Masses ``P(edges[k] <= E < edges[k + 1])`` for ascending ``edges``, fast.

    Each normal component is evaluated only on the edges within its window (see the module
    docstring), so the cost grows with the number of edges near each component, not with
    ``len(edges) * n_components``. Used by the guessing probability of Eq. (6).

    Parameters
    ----------
    edges : 1-D array
        Ascending cell boundaries (ADC steps), at least two.
    pixel : Pixel
        Needs ``readout_sigma > 0``.
    tolerance : float, keyword-only
        Total error budget (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (len(edges) - 1,)
    """
    x = require_array("edges", edges, unit="ADC steps")
    if x.ndim != 1 or x.size < 2 or np.any(np.diff(x) < 0):
        raise ValueError(f"edges must be an ascending 1-D array of at least two values, got shape {x.shape}")
    _check_pixel(pixel)
    if pixel.readout_sigma == 0.0:
        raise ValueError("pixel.readout_sigma must be > 0 for interval_masses, got 0.0; use noise_components")
    tolerance = _check_tolerance(tolerance)
    centres, weights = noise_components(pixel, tolerance=tolerance / 2)
    s = pixel.readout_sigma
    half = s * -special.ndtri(tolerance / 4)  # each tail beyond the window holds <= tolerance / 4
    lo = np.searchsorted(x, centres - half, side="left")
    hi = np.searchsorted(x, centres + half, side="right")
    require_allocation(f"interval_masses over {x.size} edges", 40.0 * float((hi - lo).sum()),
                       hint="Use fewer edges, a smaller readout_sigma or a larger tolerance.")
    full = np.zeros(x.size + 1)
    np.add.at(full, hi, weights)  # edges from hi on lie above the window: the component counts fully
    cdf = np.cumsum(full)[: x.size]
    lengths = hi - lo
    if lengths.sum():
        comp = np.repeat(np.arange(centres.size), lengths)
        idx = lo[comp] + np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        vals = weights[comp] * special.ndtr((x[idx] - centres[comp]) / s)
        cdf += np.bincount(idx, weights=vals, minlength=x.size)
    return np.maximum(np.diff(cdf), 0.0)


def _check_table(name: str, n_values: int, n_components: int) -> None:
    """Refuse before allocating a (values x components) table beyond the memory budget."""
    require_allocation(f"{name} ({n_values} values) against {n_components} noise components",
                       16.0 * n_values * n_components)

"""The photon transfer curve of one pixel (Fig. 4b of the QRNG paper) and the Fano factor of its electrons.

* :func:`photon_transfer_curve` fits the variance of ``Z`` against its mean over several light
  levels by weighted least squares. Its slope is ``K F``: the gain times the Fano factor
  ``F = Var N_e / <N_e>`` of the photoelectrons (1 for Poissonian light); the dark electrons,
  Poissonian whatever the light, only move the intercept.
* :func:`fano_factor` divides the slope by a gain ``K`` measured independently (the spacing of
  the pile-up comb of a dark histogram, :func:`qkit.qrng.fitting.fit_dark_histogram` with
  ``fit_gain=True``), with the error propagated from both. Reading ``K`` from the slope and then
  calling the straight line proof of Poissonian light would assume the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qkit._validate import require_array, require_real

__all__ = ["PhotonTransferCurve", "photon_transfer_curve", "fano_factor"]


@dataclass(frozen=True)
class PhotonTransferCurve:
    """Variance of ``Z`` against its mean over light levels, and its straight-line fit (Fig. 4b).

    Attributes
    ----------
    means : numpy.ndarray
        Sample mean of ``Z`` at each light level (ADC steps).
    variances, variance_errors : numpy.ndarray
        Sample variance of ``Z`` (ADC steps squared) and its standard error,
        ``sqrt((m4 - (n - 3)/(n - 1) s^4) / n)`` from the sample fourth central moment ``m4``.
    gain, gain_error : float
        Slope of the weighted least-squares line ``variance = intercept + gain * mean``, and its
        standard error: ``K F``, the gain (ADC steps per electron) times the Fano factor of the
        electrons; ``K`` only if the electrons are known to be Poissonian (see :func:`fano_factor`).
    intercept, intercept_error : float
        Intercept (ADC steps squared): ``sigma_r^2 + 1/12 - K F (mu_r - 1/2)`` in the model.
    chi_square : float
        Weighted sum of squared residuals; about ``dof`` if the line fits within the errors.
    dof : int
        Levels minus 2.
    """

    means: np.ndarray
    variances: np.ndarray
    variance_errors: np.ndarray
    gain: float
    gain_error: float
    intercept: float
    intercept_error: float
    chi_square: float
    dof: int


def photon_transfer_curve(samples) -> PhotonTransferCurve:
    """Fit the photon transfer curve of one pixel: variance of ``Z`` against its mean (Fig. 4b).

    With ``N_e`` photoelectrons of mean ``mu_e`` and Fano factor ``F = Var N_e / mu_e``, and Poissonian
    dark electrons of mean ``mu_dark``, ``<Z> ~ K (mu_e + mu_dark) + mu_r - 1/2`` and
    ``Var Z ~ K^2 F mu_e + K^2 mu_dark + sigma_r^2 + 1/12
    = K F (<Z> - mu_r + 1/2 - K mu_dark) + K^2 mu_dark + sigma_r^2 + 1/12``: a straight line of slope
    ``K F`` whatever the light level (``K`` for Poissonian photoelectrons, ``F = 1``, when the dark
    terms of the intercept cancel), while ``<Z> != Var Z``. The line alone cannot tell ``K`` from
    ``F``: see :func:`fano_factor`.
    The errors of the means (``sqrt(Var Z / n)``) are neglected: their effect on the slope is ``K``
    times smaller than the variance errors. Levels that clip at ``0`` or ``adc_max`` bend the
    curve; leave them out.

    Parameters
    ----------
    samples : sequence of 1-d arrays, or 2-d array (levels x frames)
        ADC readings of the pixel at each light level; at least 3 levels with distinct means
        and at least 10 readings each.

    Returns
    -------
    PhotonTransferCurve
    """
    if samples is None or isinstance(samples, (str, bytes)) or not hasattr(samples, "__len__"):
        raise TypeError(f"samples must be a sequence of 1-d arrays of ADC readings, got {samples!r}"[:200])
    levels = [require_array(f"samples[{i}]", s, low=-1e12, high=1e12, unit="ADC steps")
              for i, s in enumerate(samples)]
    if len(levels) < 3:
        raise ValueError(f"samples must hold at least 3 light levels for a line and its error, got {len(levels)}")
    for i, s in enumerate(levels):
        if s.ndim != 1 or s.size < 10:
            raise ValueError(f"samples[{i}] must be a 1-d array of at least 10 readings, got shape {s.shape}")
    means = np.array([s.mean() for s in levels])
    n = np.array([s.size for s in levels], dtype=float)
    variances = np.array([s.var(ddof=1) for s in levels])
    m4 = np.array([np.mean((s - s.mean()) ** 4) for s in levels])
    variance_errors = np.sqrt(np.maximum(m4 - (n - 3) / (n - 1) * variances**2, 0.0) / n)
    if np.any(variance_errors <= 0):
        raise ValueError(f"samples: every light level must vary, got variances {variances}")
    if np.ptp(means) == 0:
        raise ValueError(f"samples: the light levels must have different means, got {means}")
    weights = 1.0 / variance_errors**2
    design = np.column_stack([np.ones_like(means), means])
    covariance = np.linalg.inv(design.T @ (weights[:, None] * design))
    intercept, gain = covariance @ design.T @ (weights * variances)
    residuals = variances - intercept - gain * means
    return PhotonTransferCurve(
        means=means, variances=variances, variance_errors=variance_errors,
        gain=float(gain), gain_error=float(np.sqrt(covariance[1, 1])),
        intercept=float(intercept), intercept_error=float(np.sqrt(covariance[0, 0])),
        chi_square=float(weights @ residuals**2), dof=len(levels) - 2,
    )


def fano_factor(slope: float, slope_error: float, gain: float, gain_error: float) -> tuple[float, float]:
    """Fano factor ``F = Var N_e / <N_e>`` of the photoelectrons from the transfer slope and an independent gain.

    With ``<Z> ~ K <N_e> + const`` and ``Var Z ~ K^2 Var N_e + const = K^2 F <N_e> + const`` (the dark
    electrons and the readout add constants), the
    photon transfer curve (Fig. 4b) has slope ``K F``; so ``F = slope / K``. Its standard error
    follows from the two independent measurements by the delta method,
    ``(dF / F)^2 = (d slope / slope)^2 + (dK / K)^2``. Poissonian light gives ``F = 1``,
    sub-Poissonian (e.g. amplitude-squeezed) light ``F < 1``, thermal light with few modes ``F > 1``.

    Parameters
    ----------
    slope, slope_error : float
        Slope of variance against mean of ``Z`` (ADC steps), ``> 0``, and its standard error
        (e.g. :attr:`PhotonTransferCurve.gain` and ``gain_error``).
    gain, gain_error : float
        ``K`` in ADC steps per electron, ``> 0``, measured without the light (the dark comb),
        and its standard error.

    Returns
    -------
    (float, float)
        ``F`` (dimensionless) and its standard error.
    """
    slope = require_real("slope", slope, 0.0, 1e6, low_inclusive=False, unit="ADC steps")
    slope_error = require_real("slope_error", slope_error, 0.0, 1e6, unit="ADC steps")
    gain = require_real("gain", gain, 0.0, 1e3, low_inclusive=False, unit="ADC steps per electron")
    gain_error = require_real("gain_error", gain_error, 0.0, 1e3, unit="ADC steps per electron")
    fano = slope / gain
    return fano, fano * float(np.hypot(slope_error / slope, gain_error / gain))

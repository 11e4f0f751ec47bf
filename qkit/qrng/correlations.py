"""Correlations between pixels and between frames (Sec. III C, Eq. 7 and Fig. 6 of the QRNG paper).

The entropy model assumes that pixels are independent (no crosstalk) and that a frame does
not influence the next one. The paper checks both on measured frames with the Pearson
coefficient between every pair of pixels and the autocorrelation of single pixels at lags
``l >= 1``. For ``N`` independent frames either coefficient scatters around 0 with a standard
deviation of about ``1/sqrt(N)`` (exactly ``1/sqrt(N - 1)`` for the pair coefficient of two
independent normal variables): ``3.16e-3`` for ``N = 1e5``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft, stats

from qkit._validate import require_allocation, require_integer, require_real

__all__ = [
    "pearson_matrix",
    "pair_correlations",
    "autocorrelation",
    "expected_spread",
    "confidence_multiplier",
    "CorrelationSummary",
    "correlation_summary",
]


def _frames(frames: np.ndarray, *, min_frames: int = 3) -> np.ndarray:
    """Validate a (pixels x frames) array and return it as float64, rejecting constant pixels.

    Each pixel is divided by its largest absolute value (correlations do not change), so that
    readings up to the largest float do not overflow in the sums of squares.
    """
    if frames is None or isinstance(frames, (str, bytes)):
        raise TypeError(f"frames must be a (pixels x frames) array of numbers, got {frames!r}")
    try:
        z = np.asarray(frames)
    except ValueError:  # ragged nesting
        raise ValueError("frames must be a rectangular (pixels x frames) array; its rows differ in length") from None
    if z.ndim == 1:
        z = z[None, :]
    if z.ndim != 2:
        raise ValueError(f"frames must be a (pixels x frames) array, got shape {z.shape}")
    if z.dtype.kind not in "iuf":
        raise TypeError(f"frames must hold finite real numbers (not {z.dtype}), got dtype {z.dtype}")
    if not np.all(np.isfinite(z)):
        raise ValueError(f"frames must hold finite numbers, got NaN or infinite values (dtype {z.dtype})")
    if z.shape[1] < min_frames:
        raise ValueError(f"frames must hold at least {min_frames} frames, got {z.shape[1]}")
    z = z.astype(np.float64)
    flat = np.flatnonzero(np.ptp(z, axis=1) == 0)
    if flat.size:
        raise ValueError(
            f"frames: pixel {int(flat[0])} never changes (constant value {z[flat[0], 0]:g}); "
            "its correlation coefficient is undefined"
        )
    return z / np.abs(z).max(axis=1, keepdims=True)


def pearson_matrix(frames: np.ndarray) -> np.ndarray:
    """Pearson correlation coefficient between every pair of pixels, Eq. (7) of the QRNG paper.

    Parameters
    ----------
    frames : array, shape (n_pixels, n_frames)
        ADC readings ``Z_t^(i)`` of pixel ``i`` in frame ``t``; at least 3 frames, and no
        pixel may be constant.

    Returns
    -------
    numpy.ndarray, shape (n_pixels, n_pixels)
        ``rho_ij``, symmetric, with ones on the diagonal.
    """
    z = _frames(frames)
    require_allocation(f"the Pearson matrix of {z.shape[0]} pixels (frames)", 24.0 * z.shape[0] ** 2)
    return np.atleast_2d(np.corrcoef(z))


def pair_correlations(frames: np.ndarray) -> np.ndarray:
    """The ``n (n - 1) / 2`` coefficients ``rho_ij`` with ``i < j`` (the histogram of Fig. 6a).

    Parameters
    ----------
    frames : array, shape (n_pixels, n_frames)
        ADC readings; at least 2 pixels.

    Returns
    -------
    numpy.ndarray, shape (n_pixels * (n_pixels - 1) // 2,)
    """
    rho = pearson_matrix(frames)
    if rho.shape[0] < 2:
        raise ValueError(f"frames must hold at least 2 pixels for pair correlations, got {rho.shape[0]}")
    return rho[np.triu_indices(rho.shape[0], k=1)]


def autocorrelation(frames: np.ndarray, max_lag: int) -> np.ndarray:
    """Autocorrelation ``rho_i(l)`` of each pixel at lags ``l = 1..max_lag``, Eq. (7).

    ``rho_i(l) = <(Z_t - <Z>)(Z_{t+l} - <Z>)>_t / sigma_i^2``, where the mean ``<Z>`` and the
    variance ``sigma_i^2`` are taken over all ``N`` frames and the average over ``t`` runs over
    the ``N - l`` available pairs. Computed for all lags at once with an FFT.

    Parameters
    ----------
    frames : array, shape (n_pixels, n_frames) or (n_frames,)
        ADC readings of each pixel over time.
    max_lag : int
        Largest lag, ``1 <= max_lag < n_frames``.

    Returns
    -------
    numpy.ndarray, shape (n_pixels, max_lag)
        Column ``l - 1`` holds ``rho_i(l)``.
    """
    z = _frames(frames)
    n = z.shape[1]
    max_lag = require_integer("max_lag", max_lag, low=1, high=n - 1)
    dev = z - z.mean(axis=1, keepdims=True)
    size = fft.next_fast_len(n + max_lag + 1, real=True)
    require_allocation(f"the FFTs of {z.shape[0]} pixels x {size} points (frames)", 40.0 * z.shape[0] * size)
    spectrum = fft.rfft(dev, n=size, axis=1)
    lagged = fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, 1 : max_lag + 1]
    lags = np.arange(1, max_lag + 1)
    variance = np.mean(dev**2, axis=1, keepdims=True)
    return lagged / (n - lags) / variance


def expected_spread(n_frames: int) -> float:
    """Standard deviation ``1/sqrt(N)`` of a correlation coefficient of independent data.

    Parameters
    ----------
    n_frames : int
        Number of frames ``N >= 1`` used for each coefficient.

    Returns
    -------
    float
        ``1 / sqrt(N)``; ``3.16e-3`` for ``N = 1e5`` (the sigma of Fig. 6 of the QRNG paper).
    """
    n_frames = require_integer("n_frames", n_frames, low=1)
    return 1.0 / np.sqrt(n_frames)


def confidence_multiplier(level: float = 0.99) -> float:
    """Multiple of the spread that holds a two-sided fraction ``level`` of a normal variable.

    Parameters
    ----------
    level : float, optional
        Two-sided coverage in (0, 1). ``0.99`` gives 2.576, the "2.57 sigma" band of Fig. 6b.

    Returns
    -------
    float
    """
    level = require_real("level", level, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    return float(stats.norm.isf((1.0 - level) / 2.0))


@dataclass(frozen=True)
class CorrelationSummary:
    """Pair and lag correlations of a set of frames (what Fig. 6 of the QRNG paper shows).

    Attributes
    ----------
    pairs : numpy.ndarray
        ``rho_ij`` for every pair ``i < j``.
    lags : numpy.ndarray, shape (n_pixels, max_lag)
        ``rho_i(l)`` for ``l = 1..max_lag``.
    n_frames : int
        Frames per coefficient.
    spread : float
        Expected standard deviation ``1/sqrt(n_frames)``.
    pair_std : float
        Observed standard deviation of ``pairs``.
    pairs_outside, lags_outside : float
        Fraction of ``pairs`` and of ``lags`` beyond ``multiplier * spread`` (``1 - level``
        expected for independent data: 0.01 for the 2.57 sigma band).
    multiplier : float
        The band's multiple of ``spread`` (2.576 for ``level = 0.99``).
    """

    pairs: np.ndarray
    lags: np.ndarray
    n_frames: int
    spread: float
    pair_std: float
    pairs_outside: float
    lags_outside: float
    multiplier: float


def correlation_summary(frames: np.ndarray, max_lag: int = 20, level: float = 0.99) -> CorrelationSummary:
    """Pair correlations, autocorrelations and their expected spread, in one call.

    Parameters
    ----------
    frames : array, shape (n_pixels, n_frames)
        ADC readings; at least 2 pixels.
    max_lag : int, optional
        Largest lag of the autocorrelation.
    level : float, optional
        Coverage of the band used for ``pairs_outside`` and ``lags_outside`` (0.99: the
        2.57 sigma band of Fig. 6b).

    Returns
    -------
    CorrelationSummary
    """
    max_lag = require_integer("max_lag", max_lag, low=1)
    level = require_real("level", level, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    pairs = pair_correlations(frames)
    lags = autocorrelation(frames, max_lag)
    n_frames = int(np.shape(frames)[-1])
    spread = expected_spread(n_frames)
    multiplier = confidence_multiplier(level)
    pairs_outside = float(np.mean(np.abs(pairs) > multiplier * spread))
    lags_outside = float(np.mean(np.abs(lags) > multiplier * spread))
    return CorrelationSummary(pairs, lags, n_frames, spread, float(np.std(pairs)), pairs_outside,
                              lags_outside, multiplier)

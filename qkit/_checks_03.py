"""Right and typical wrong answers behind the checks of ``exercises/03_characterising_the_chip.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not show the answer it
checks. The right answers call the tested functions of :mod:`qkit.qrng.correlations` and
:mod:`qkit.qrng.fitting`, or numpy's own estimators; each wrong answer is one misconception a
check names (with :class:`qkit.exercises.Mistake`) when a learner's function returns exactly what
it returns. :data:`MISTAKES` pairs each wrong answer with its one-line hint, by exercise label, so
that the hints stay out of the check cells too (a hint read before answering gives the answer away).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from qkit.exercises import Mistake
from qkit.qrng.correlations import autocorrelation
from qkit.qrng.fitting import negative_log_likelihood
from qkit.qrng.pixel import Pixel
from qkit.qrng.sensor import adc_pmf

__all__ = [
    "pearson", "pearson_without_centring", "pearson_sum_over_n_minus_1",
    "autocorrelation_at", "autocorrelation_recentred", "autocorrelation_sum_over_n",
    "dark_nll", "dark_nll_frequencies", "dark_nll_unweighted", "dark_nll_every_value",
    "transfer_slope", "transfer_slope_swapped_axes", "transfer_slope_ddof0", "transfer_slope_through_origin",
    "transfer_slope_of_std", "transfer_slope_of_std_ddof0",
    "fit_readout_mean", "moment_readout_mean", "coarse_grid_readout_mean", "placeholder_readout_mean",
    "shared_noise_correlation", "shared_noise_correlation_of_sd", "shared_noise_correlation_ratio",
    "shared_noise_correlation_sqrt", "MISTAKES",
]


def _floats(*arrays):
    """The arguments as float arrays."""
    return tuple(np.asarray(a, dtype=float) for a in arrays)


# -- Exercise 3.1 ------------------------------------------------------------------------------

def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Eq. (7) for two pixels: numpy's Pearson coefficient."""
    a, b = _floats(a, b)
    return float(np.corrcoef(a, b)[0, 1])


def pearson_without_centring(a: np.ndarray, b: np.ndarray) -> float:
    """Wrong: ``<a b> / (sigma_a sigma_b)``, the means not subtracted."""
    a, b = _floats(a, b)
    return float(np.mean(a * b) / (a.std() * b.std()))


def pearson_sum_over_n_minus_1(a: np.ndarray, b: np.ndarray) -> float:
    """Wrong: the covariance divided by ``N - 1`` while ``np.std`` divides by ``N``."""
    a, b = _floats(a, b)
    return float(np.sum((a - a.mean()) * (b - b.mean())) / (a.size - 1) / (a.std() * b.std()))


# -- Exercise 3.2 ------------------------------------------------------------------------------

def autocorrelation_at(z: np.ndarray, lag: int) -> float:
    """Eq. (7) at one lag, with the mean and variance of all frames (the kit's ``autocorrelation``)."""
    return float(autocorrelation(np.asarray(z, dtype=float), lag)[0, -1])


def autocorrelation_recentred(z: np.ndarray, lag: int) -> float:
    """Wrong: ``np.corrcoef`` of the two slices, which re-centres and re-scales each slice."""
    (z,) = _floats(z)
    return float(np.corrcoef(z[:-lag], z[lag:])[0, 1])


def autocorrelation_sum_over_n(z: np.ndarray, lag: int) -> float:
    """Wrong: the sum of the ``N - l`` products divided by ``N`` (by the sum over all frames)."""
    (z,) = _floats(z)
    dev = z - z.mean()
    return float(np.sum(dev[:-lag] * dev[lag:]) / np.sum(dev**2))


# -- Exercise 3.3 ------------------------------------------------------------------------------

def dark_nll(counts: np.ndarray, pixel: Pixel) -> float:
    """``-sum_z c_z ln P(Z_E = z)`` (the kit's :func:`negative_log_likelihood`)."""
    return float(negative_log_likelihood(counts, pixel))


def _log_pmf_seen(counts: np.ndarray, pixel: Pixel) -> tuple[np.ndarray, np.ndarray]:
    """The counts of the values seen and ln P(Z_E = z) there."""
    c = np.asarray(counts, dtype=float)
    seen = c > 0
    return c[seen], np.log(adc_pmf(0.0, pixel)[seen])


def dark_nll_frequencies(counts: np.ndarray, pixel: Pixel) -> float:
    """Wrong: frequencies ``c_z / N`` in place of the counts (the mean, not the total, over readings)."""
    c, log_p = _log_pmf_seen(counts, pixel)
    return float(-np.sum(c / c.sum() * log_p))


def dark_nll_unweighted(counts: np.ndarray, pixel: Pixel) -> float:
    """Wrong: ``-sum ln P(z)`` over the values seen, each counted once whatever its count."""
    _, log_p = _log_pmf_seen(counts, pixel)
    return float(-np.sum(log_p))


def dark_nll_every_value(counts: np.ndarray, pixel: Pixel) -> float:
    """Wrong: the sum over every z, seen or not: ``0 * ln 0`` is ``0 * -inf``, which is NaN."""
    c = np.asarray(counts, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(c * np.log(adc_pmf(0.0, pixel))))


# -- Exercise 3.4 ------------------------------------------------------------------------------

def _points(samples: np.ndarray, ddof: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each row: the points of a transfer curve."""
    s = np.asarray(samples, dtype=float)
    return s.mean(axis=1), s.var(axis=1, ddof=ddof)


def transfer_slope(samples: np.ndarray) -> float:
    """Least-squares slope of the variance (ddof=1) against the mean of each row."""
    x, y = _points(samples)
    return float(np.polyfit(x, y, 1)[0])


def transfer_slope_swapped_axes(samples: np.ndarray) -> float:
    """Wrong: the mean regressed on the variance (a slope near 1/K)."""
    x, y = _points(samples)
    return float(np.polyfit(y, x, 1)[0])


def transfer_slope_ddof0(samples: np.ndarray) -> float:
    """Wrong: the variances with ``ddof=0``."""
    x, y = _points(samples, ddof=0)
    return float(np.polyfit(x, y, 1)[0])


def transfer_slope_through_origin(samples: np.ndarray) -> float:
    """Wrong: ``sum x y / sum x^2``, a line forced through the origin (the means not subtracted)."""
    x, y = _points(samples)
    return float(x @ y / (x @ x))


def transfer_slope_of_std(samples: np.ndarray, ddof: int = 1) -> float:
    """Wrong: the standard deviation of each row on the y axis in place of its variance."""
    s = np.asarray(samples, dtype=float)
    return float(np.polyfit(s.mean(axis=1), s.std(axis=1, ddof=ddof), 1)[0])


def transfer_slope_of_std_ddof0(samples: np.ndarray) -> float:
    """Wrong twice: the standard deviation with ``ddof=0`` on the y axis in place of the variance."""
    return transfer_slope_of_std(samples, ddof=0)


# -- Exercise 3.5 ------------------------------------------------------------------------------

def _moment_estimate(counts: np.ndarray, pixel: Pixel) -> float:
    """``<Z> + 1/2 - K mu_dark``: the readout mean if nothing were clipped."""
    c = np.asarray(counts, dtype=float)
    return float(c @ np.arange(c.size) / c.sum() + 0.5 - pixel.gain * pixel.dark_mean)


def _nll_at(counts: np.ndarray, pixel: Pixel, readout_mean: float) -> float:
    """``-ln L`` of ``pixel`` with its readout mean set to ``readout_mean``."""
    return float(negative_log_likelihood(counts, pixel.with_offset(readout_mean - pixel.readout_mean)))


def fit_readout_mean(counts: np.ndarray, pixel: Pixel) -> float:
    """The readout mean (ADC steps) that minimises the dark histogram's ``-ln L``, others fixed.

    A scan of +-2 steps around the moment estimate in steps of 0.05, then a bounded Brent search
    of +-0.05 around the best grid point (the likelihood has one minimum on that range).
    """
    start = _moment_estimate(counts, pixel)
    grid = start + np.arange(-2.0, 2.0001, 0.05)
    best = grid[int(np.argmin([_nll_at(counts, pixel, m) for m in grid]))]
    result = optimize.minimize_scalar(lambda m: _nll_at(counts, pixel, m), bounds=(best - 0.05, best + 0.05),
                                      method="bounded", options={"xatol": 1e-7})
    return float(result.x)


def moment_readout_mean(counts: np.ndarray, pixel: Pixel) -> float:
    """Wrong: ``<Z> + 1/2 - K mu_dark``, the moment estimate, which ignores the clip at 0."""
    return _moment_estimate(counts, pixel)


def coarse_grid_readout_mean(counts: np.ndarray, pixel: Pixel) -> float:
    """Wrong: the best point of a 0.1-step grid, never refined (off by up to 0.05 steps)."""
    start = round(_moment_estimate(counts, pixel), 1)
    grid = start + np.arange(-2.0, 2.0001, 0.1)
    return float(grid[int(np.argmin([_nll_at(counts, pixel, m) for m in grid]))])


def placeholder_readout_mean(counts: np.ndarray, pixel: Pixel) -> float:
    """Wrong: the pixel's placeholder readout mean returned unchanged, nothing fitted."""
    return float(pixel.readout_mean)


# -- Exercise 3.6 ------------------------------------------------------------------------------

def shared_noise_correlation(own_sd: float, shared_sd: float) -> float:
    """Pearson coefficient of ``a = x + s``, ``b = y + s`` (x, y, s independent): ``s^2 / (o^2 + s^2)``."""
    return shared_sd**2 / (own_sd**2 + shared_sd**2)


def shared_noise_correlation_of_sd(own_sd: float, shared_sd: float) -> float:
    """Wrong: standard deviations where variances belong, ``s / (o + s)``."""
    return shared_sd / (own_sd + shared_sd)


def shared_noise_correlation_ratio(own_sd: float, shared_sd: float) -> float:
    """Wrong: ``s^2 / o^2``, the shared variance over the own variance only (can exceed 1)."""
    return shared_sd**2 / own_sd**2


def shared_noise_correlation_sqrt(own_sd: float, shared_sd: float) -> float:
    """Wrong: ``s / sqrt(o^2 + s^2)``, the square root of the right coefficient."""
    return shared_sd / np.sqrt(own_sd**2 + shared_sd**2)


# -- The hints, by exercise -----------------------------------------------------------------------

MISTAKES: dict[str, list[Mistake]] = {
    "3.1": [
        Mistake("subtract the means first: b = 50 - 2a must give rho = -1, and |rho| <= 1 always",
                pearson_without_centring),
        Mistake("np.std divides by N, so the mean of the products must too (not np.sum / (N - 1))",
                pearson_sum_over_n_minus_1),
    ],
    "3.2": [
        Mistake("take the mean and variance over all frames, not over the two slices (np.corrcoef re-centres each)",
                autocorrelation_recentred),
        Mistake("average the products over the N - l pairs that exist (np.mean), not divide their sum by N",
                autocorrelation_sum_over_n),
    ],
    "3.3": [
        Mistake("use the counts c_z themselves, not frequencies c_z / N: the likelihood multiplies every reading",
                dark_nll_frequencies),
        Mistake("weight ln P(z) by its count c_z: a value read 500 times contributes 500 times", dark_nll_unweighted),
        Mistake("sum only over the values seen (c_z > 0): where P(z) = 0, c_z ln P(z) is 0 * ln 0 = 0 * -inf, NaN",
                dark_nll_every_value),
    ],
    "3.4": [
        Mistake("the axes are swapped (a slope near 1/K): the mean goes on x, the variance on y",
                transfer_slope_swapped_axes),
        Mistake("ddof: a sample variance divides by n - 1", transfer_slope_ddof0),
        Mistake("the line has an intercept: subtract the means of x and y first (sum x y / sum x^2 forces a = 0)",
                transfer_slope_through_origin),
        Mistake("that is the standard deviation on y: the transfer curve plots the variance, which grows "
                "linearly with the mean", transfer_slope_of_std),
        Mistake("that is the standard deviation on y: the transfer curve plots the variance, which grows "
                "linearly with the mean (and use ddof=1)", transfer_slope_of_std_ddof0),
    ],
    "3.5": [
        Mistake("the clip at Z = 0 biases the moment estimate: minimise -ln L, which uses the clipped pmf",
                moment_readout_mean),
        Mistake("a grid of 0.1 steps only finds the minimum to +-0.05: refine between the best point's neighbours",
                coarse_grid_readout_mean),
        Mistake("the pixel's readout_mean is a placeholder: fit it from the counts", placeholder_readout_mean),
    ],
    "3.6": [
        Mistake("covariances add variances, not standard deviations: Cov(a, b) = sigma_s^2, "
                "Var a = sigma_o^2 + sigma_s^2", shared_noise_correlation_of_sd),
        Mistake("the denominator is the whole variance of each pixel, own plus shared: rho stays below 1",
                shared_noise_correlation_ratio),
        Mistake("that is sqrt(rho): rho = Cov(a, b) / (sigma_a sigma_b) = sigma_s^2 / (sigma_o^2 + sigma_s^2), "
                "with no square root", shared_noise_correlation_sqrt),
    ],
}
"""The typical mistakes of each exercise of chapter 03 (``mistakes=`` of its check), by label."""

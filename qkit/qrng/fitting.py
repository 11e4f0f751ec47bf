"""Characterising a pixel: the dark-histogram fit and the photon transfer curve (Sec. III of the QRNG paper).

* :func:`fit_dark_histogram` recovers the classical noise of a pixel, Table I, from a
  histogram of dark frames (LED off, ADC offset shifted by +8 steps, Fig. 5) by maximum
  likelihood on Eq. (4) integrated over the ADC bins of Eq. (3). Error bars come from the
  observed Fisher information (the inverse Hessian of the negative log-likelihood).
* :func:`photon_transfer_curve` (defined in :mod:`qkit.qrng.transfer`, re-exported here) fits the
  variance of ``Z`` against its mean over several light levels (Fig. 4b); its slope is ``K F``.

The likelihood evaluates the exact pmf of a dark reading only at the ADC values that occur,
together with its analytic gradient, which the trust-region optimiser and the Hessian (central
differences of the gradient) need; the tests check this pmf against
:func:`qkit.qrng.sensor.adc_pmf`. A fit of ``4e5`` readings takes a fraction of a second
(``benchmarks/bench_qrng_sampling.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from qkit._validate import (
    require_allocation,
    require_array,
    require_flag,
    require_integer,
    require_nonnegative,
    require_real,
)
from qkit.qrng.photons import poisson_pmf
from qkit.qrng.pixel import FACTORY_GAIN, Pixel, _check_pixel
from qkit.qrng.transfer import PhotonTransferCurve, photon_transfer_curve  # re-exported (moved)

__all__ = [
    "negative_log_likelihood",
    "DarkFit",
    "fit_dark_histogram",
    "PhotonTransferCurve",
    "photon_transfer_curve",
]

#: Poisson mass left out of the sum over dark electrons (truncation error of the pmf).
TAIL_MASS = 1e-14
_NAMES = ("readout_mean", "readout_sigma", "dark_mean", "gain")
_LOG = np.array([False, True, True, True])  # sigma_r, mu_dark and K are fitted as logarithms
_SHIFTS = 4  # starts at mu_r + k K, mu_dark - k for |k| <= _SHIFTS
_GAIN_STEP = 0.004  # relative spacing of the starting gains when K is fitted


def _bin_mass(a_lo: np.ndarray, a_hi: np.ndarray) -> np.ndarray:
    """``Phi(a_hi) - Phi(a_lo)`` without cancellation in the upper tail."""
    upper = a_lo > 0
    return np.where(upper, special.ndtr(-a_lo) - special.ndtr(-a_hi), special.ndtr(a_hi) - special.ndtr(a_lo))


def _pmf_and_gradient(z: np.ndarray, theta: np.ndarray, adc_max: int) -> tuple[np.ndarray, np.ndarray]:
    """P(Z = z) of a dark reading and its derivatives by (mu_r, sigma_r, mu_dark, K).

    ``P(z) = sum_n p(n, mu_dark) [Phi((u_z - mu_r - K n)/sigma_r) - Phi((l_z - mu_r - K n)/sigma_r)]``
    with bin edges ``l_z = z`` (``-inf`` for ``z = 0``) and ``u_z = z + 1`` (``+inf`` for
    ``z = adc_max``): Eq. (4) integrated over the ADC bins of Eq. (3).
    """
    mu_r, sigma, mu_d, gain = theta
    n = np.arange(0, int(stats.poisson.isf(TAIL_MASS, mu_d)) + 2)
    w = poisson_pmf(n, mu_d)
    lo = np.where(z > 0, z, -np.inf)[:, None]
    hi = np.where(z < adc_max, z + 1, np.inf)[:, None]
    centre = mu_r + gain * n[None, :]
    a_lo, a_hi = (lo - centre) / sigma, (hi - centre) / sigma
    mass = _bin_mass(a_lo, a_hi)
    pdf_lo, pdf_hi = _pdf(a_lo), _pdf(a_hi)
    slope = (pdf_lo - pdf_hi) / sigma  # d mass / d centre
    grad = np.stack([
        slope @ w,
        (_times(pdf_lo, a_lo) - _times(pdf_hi, a_hi)) / sigma @ w,
        mass @ (w * (n / mu_d - 1.0)),
        slope @ (w * n),
    ])
    return mass @ w, grad


def _pdf(a: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * a * a) / np.sqrt(2.0 * np.pi)


def _times(pdf: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``pdf * a`` with the limit 0 at infinite ``a``."""
    return np.where(np.isfinite(a), pdf * np.where(np.isfinite(a), a, 0.0), 0.0)


#: Largest (occurring ADC values) x (dark electron numbers) table one likelihood may fill; a
#: Table I histogram needs about 2e3. Flat histograms spread over the whole ADC would need ~1e8.
MAX_LIKELIHOOD_ENTRIES = 5e6


def _check_likelihood_work(n_values: int, dark_mean: float, what: str) -> None:
    """Refuse a likelihood whose (values x dark electrons) table exceeds the limit, before any work."""
    n_dark = stats.poisson.isf(TAIL_MASS, dark_mean) + 2 if dark_mean > 0 else 2
    entries = float(n_values) * n_dark
    if not entries <= MAX_LIKELIHOOD_ENTRIES:
        raise ValueError(
            f"{what}: {n_values} occurring ADC values x {n_dark:.3g} dark electron numbers (dark mean about "
            f"{dark_mean:.3g}) is more than {MAX_LIKELIHOOD_ENTRIES:.0e} table entries; a dark histogram of the "
            "chip spans a few tens of ADC values (check counts, gain and dark_mean)")
    require_allocation(what, 80.0 * entries)


def _histogram(counts: np.ndarray, adc_max: int) -> np.ndarray:
    """Validate a dark histogram (one whole, non-negative count per ADC value)."""
    require_array("counts", counts, unit="readings per ADC value")
    arr = np.asarray(counts)
    if arr.dtype.kind not in "iu":
        finite = arr.dtype.kind == "f" and np.all(np.isfinite(arr))
        if not finite or np.any(arr != np.round(arr)):
            raise ValueError(f"counts must be whole numbers of readings per ADC value, got dtype {arr.dtype}")
    if arr.shape != (adc_max + 1,):
        raise ValueError(f"counts must have one entry per ADC value, shape ({adc_max + 1},), got {arr.shape}")
    require_nonnegative("counts", arr)
    return arr.astype(np.float64)


def negative_log_likelihood(counts: np.ndarray, pixel: Pixel) -> float:
    """Negative log-likelihood of a dark histogram under the noise model of Eq. (4).

    ``-sum_z counts[z] * log P(Z = z)``, with ``P`` the exact pmf of a dark reading
    (no light; dark electrons, readout noise, floor and clip of Eqs. 2-4).

    Parameters
    ----------
    counts : array of int, shape (pixel.adc_max + 1,)
        Number of dark readings equal to each ADC value ``z``.
    pixel : Pixel
        Pixel whose noise parameters are tested (at the offset the data were taken with).

    Returns
    -------
    float
        The negative log-likelihood (nats); ``inf`` if a value that occurred is impossible.
    """
    _check_pixel(pixel)
    counts = _histogram(counts, pixel.adc_max)
    z = np.flatnonzero(counts)
    _check_likelihood_work(z.size, pixel.dark_mean, "negative_log_likelihood (counts, pixel)")
    if pixel.readout_sigma == 0:
        raise ValueError("pixel.readout_sigma must be > 0 (ADC steps) for a likelihood, got 0.0")
    theta = np.array([pixel.readout_mean, pixel.readout_sigma, max(pixel.dark_mean, 1e-300), pixel.gain])
    p, _ = _pmf_and_gradient(z, theta, pixel.adc_max)
    with np.errstate(divide="ignore"):
        return float(-counts[z] @ np.log(p))


@dataclass(frozen=True)
class DarkFit:
    """Maximum-likelihood noise parameters of one pixel (one row of Table I of the QRNG paper).

    Attributes
    ----------
    names : tuple of str
        Fitted parameters, in the order of ``values``: ``readout_mean`` (ADC steps, at the
        offset of the data), ``readout_sigma`` (ADC steps), ``dark_mean`` (electrons) and,
        if the gain was left free, ``gain`` (ADC steps per electron).
    values, errors : numpy.ndarray
        Estimates and their standard errors ``sqrt(diag(covariance))``.
    covariance : numpy.ndarray
        Inverse of the observed Fisher information (Hessian of the negative log-likelihood).
    gain : float
        The gain used: fitted, or held fixed.
    offset_steps : float
        ADC offset shift of the data (+8 in the paper); ``pixel`` undoes it.
    n_samples : int
        Number of dark readings in the histogram.
    negative_log_likelihood : float
        At the optimum (nats).
    converged : bool
        The optimiser converged and the Hessian is positive definite; otherwise the error bars
        are not meaningful and ``problem`` says why.
    problem : str
        Empty when ``converged``; else a plain sentence saying what went wrong.
    """

    names: tuple[str, ...]
    values: np.ndarray
    errors: np.ndarray
    covariance: np.ndarray
    gain: float
    offset_steps: float
    n_samples: int
    negative_log_likelihood: float
    converged: bool
    problem: str = ""

    def value(self, name: str) -> float:
        """Estimate of one parameter, by name."""
        return float(self.values[self.names.index(name)])

    def error(self, name: str) -> float:
        """Standard error of one parameter, by name."""
        return float(self.errors[self.names.index(name)])

    @property
    def pixel(self) -> Pixel:
        """The fitted pixel at the chip's default ADC offset (``readout_mean - offset_steps``)."""
        return Pixel(gain=self.gain, readout_mean=self.value("readout_mean") - self.offset_steps,
                     readout_sigma=self.value("readout_sigma"), dark_mean=self.value("dark_mean"))


def _normal_moments(z: np.ndarray, c: np.ndarray, adc_max: int) -> tuple[float, float]:
    """Mean and variance of ``X`` from a binned normal fit, not biased by readings clipped at 0
    or ``adc_max`` (the starting point of the likelihood fit)."""
    lo = np.where(z > 0, z, -np.inf)
    hi = np.where(z < adc_max, z + 1.0, np.inf)

    def nll(x: np.ndarray) -> float:
        scale = np.exp(x[1])
        return float(-c @ np.log(np.maximum(_bin_mass((lo - x[0]) / scale, (hi - x[0]) / scale), 1e-300)))

    total = c.sum()
    mean = c @ z / total + 0.5
    x0 = np.array([mean, 0.5 * np.log(c @ (z + 0.5 - mean) ** 2 / total + 0.1)])
    m, log_s = optimize.minimize(nll, x0, method="Nelder-Mead", options=dict(xatol=1e-4, fatol=1e-6)).x
    return float(m), float(np.exp(2 * log_s))


def _start(mean: float, variance: float, gain: float, sigma: float, shift: int = 0) -> np.ndarray:
    """Parameters with the mean ``mu_r + K mu_dark`` and variance ``sigma_r^2 + K^2 mu_dark`` of
    Eq. (4), moved by ``shift`` whole electrons along the mean (a neighbouring pile-up comb)."""
    dark = max((variance - sigma**2) / gain**2, 0.5) - shift
    return np.array([mean - gain * dark, sigma, dark, gain])


class _Likelihood:
    """Negative log-likelihood of a dark histogram in the free parameters ``theta[free]``.

    ``log=True`` works with ``y = log(theta)`` for the positive parameters (sigma_r, mu_dark,
    K), which keeps them positive without bounds; the covariance uses ``log=False``.
    """

    def __init__(self, z: np.ndarray, c: np.ndarray, adc_max: int, theta: np.ndarray, free: np.ndarray):
        self.z, self.c, self.adc_max, self.theta, self.free = z, c, adc_max, theta.copy(), free

    def full(self, x: np.ndarray, log: bool) -> np.ndarray:
        theta = self.theta.copy()
        theta[self.free] = np.where(_LOG[self.free], np.exp(x), x) if log else x
        return theta

    def value_and_gradient(self, x: np.ndarray, log: bool = True) -> tuple[float, np.ndarray]:
        theta = self.full(x, log)
        p, grad = _pmf_and_gradient(self.z, theta, self.adc_max)
        p = np.maximum(p, 1e-300)
        gradient = -(grad[self.free] / p) @ self.c
        if log:
            gradient = gradient * np.where(_LOG[self.free], theta[self.free], 1.0)
        return float(-self.c @ np.log(p)), gradient

    def hessian(self, x: np.ndarray, log: bool = True) -> np.ndarray:
        """Central differences of the analytic gradient, symmetrised."""
        step = 1e-5 * np.maximum(np.abs(x), 0.1 if log else 1e-2)
        cols = [(self.value_and_gradient(x + h * e, log)[1] - self.value_and_gradient(x - h * e, log)[1]) / (2 * h)
                for h, e in zip(step, np.eye(x.size))]
        hess = np.array(cols)
        return 0.5 * (hess + hess.T)

    def minimise(self, theta0: np.ndarray) -> optimize.OptimizeResult:
        x0 = theta0[self.free].copy()
        x0[_LOG[self.free]] = np.log(x0[_LOG[self.free]])
        return optimize.minimize(self.value_and_gradient, x0, jac=True, hess=self.hessian,
                                 method="trust-exact", options=dict(gtol=1e-4, maxiter=200))


def fit_dark_histogram(
    counts: np.ndarray,
    *,
    gain: float = FACTORY_GAIN,
    fit_gain: bool = False,
    offset_steps: float = 8.0,
    adc_bits: int = 10,
    gain_search: float = 0.03,
    initial_sigma: float = 0.3,
    min_samples: int = 1000,
) -> DarkFit:
    """Fit the classical noise of Eq. (4) to a histogram of dark readings (Fig. 5, Table I).

    Maximises the likelihood ``prod_z P(Z = z)**counts[z]`` of the exact pmf of a dark reading
    over ``(mu_r, sigma_r, mu_dark)`` and, with ``fit_gain=True``, ``K``, by a trust-region
    Newton method on the analytic gradient.

    The likelihood has local optima: parameters with the same mean and variance whose pile-up
    comb is shifted (``mu_r + k K``, ``mu_dark - k`` for whole ``k``; with ``K`` free, one every
    ~0.5 % in ``K``). The fit therefore starts from the mean and variance of a binned normal fit
    (which is not biased by clipping) moved by each ``|k| <= 4`` or, with ``K`` free, from a grid
    of gains within ``gain_search`` of ``gain``, and keeps the best optimum. When ``sigma_r``
    approaches one ADC step the comb washes out and ``K`` is barely determined by dark data:
    measure it with :func:`photon_transfer_curve` and hold it fixed.

    The covariance is the inverse of the observed Fisher information, the Hessian of the
    negative log-likelihood at the optimum.

    Parameters
    ----------
    counts : array of int, shape (2**adc_bits,)
        Number of dark readings equal to each ADC value (see
        :func:`qkit.qrng.sampling.adc_histogram`).
    gain : float, optional
        ``K`` in ADC steps per electron: held fixed, or the starting value if ``fit_gain``.
    fit_gain : bool, optional
        Leave ``K`` free.
    gain_search : float, optional
        With ``fit_gain``, relative half-width of the grid of starting gains (0.03: +-3 %).
    offset_steps : float, optional
        ADC offset shift the dark data were taken with (+8 in Sec. III B); kept in
        :attr:`DarkFit.offset_steps` so that :attr:`DarkFit.pixel` is at the default offset.
    adc_bits : int, optional
        ADC width (10 for the chip).
    initial_sigma : float, optional
        Starting value of ``sigma_r`` (ADC steps).
    min_samples : int, optional
        Fewest readings accepted (``>= 10``); below ~1e4 the error bars become rough.

    Returns
    -------
    DarkFit
    """
    adc_bits = require_integer("adc_bits", adc_bits, 1, 16)
    adc_max = (1 << adc_bits) - 1
    counts = _histogram(counts, adc_max)
    gain = require_real("gain", gain, 0.0, 1e3, low_inclusive=False, unit="ADC steps per electron")
    fit_gain = require_flag("fit_gain", fit_gain)
    offset_steps = require_real("offset_steps", offset_steps, -1e9, 1e9, unit="ADC steps")
    initial_sigma = require_real("initial_sigma", initial_sigma, 0.0, 1e9, low_inclusive=False, unit="ADC steps")
    gain_search = require_real("gain_search", gain_search, 0.0, 0.5)
    min_samples = require_integer("min_samples", min_samples, low=10)
    z = np.flatnonzero(counts)
    c = counts[z]
    if c.sum() < min_samples:
        raise ValueError(f"counts must hold at least min_samples={min_samples} readings, got {int(c.sum())}")
    spread = float(c @ (z - c @ z / c.sum()) ** 2 / c.sum())  # variance of the readings, ADC steps^2
    dark = spread / max(gain * (1 - gain_search), 1e-150) ** 2 + 5.0  # dark electrons at the start
    if dark > 1e9:
        raise ValueError(f"gain={gain:g} ADC steps per electron is too small for these counts: their variance "
                         f"({spread:.3g} ADC steps^2) would need about {dark:.2g} dark electrons")
    _check_likelihood_work(z.size, dark, "fit_dark_histogram (counts, gain)")
    mean, variance = _normal_moments(z.astype(float), c, adc_max)
    if fit_gain:  # local optima every ~0.5 % in K: start from a grid of gains
        steps = int(np.ceil(gain_search / _GAIN_STEP))
        starts = [_start(mean, variance, gain * (1 + _GAIN_STEP * j), initial_sigma) for j in range(-steps, steps + 1)]
    else:
        starts = [_start(mean, variance, gain, initial_sigma, k) for k in range(-_SHIFTS, _SHIFTS + 1)]
    likelihood = _Likelihood(z, c, adc_max, starts[0], np.arange(4 if fit_gain else 3))
    best = min((likelihood.minimise(s) for s in starts if s[2] > 0), key=lambda r: r.fun)
    theta = likelihood.full(best.x, log=True)
    x = theta[likelihood.free]
    hess = likelihood.hessian(x, log=False)
    nll, gradient = likelihood.value_and_gradient(x, log=False)
    covariance, problem = _covariance(hess, gradient, best)
    return DarkFit(
        names=tuple(_NAMES[i] for i in likelihood.free),
        values=x.copy(),
        errors=np.sqrt(np.diag(covariance)),
        covariance=covariance,
        gain=float(theta[3]),
        offset_steps=offset_steps,
        n_samples=int(c.sum()),
        negative_log_likelihood=nll,
        converged=problem == "",
        problem=problem,
    )


def _covariance(hess: np.ndarray, gradient: np.ndarray, result: optimize.OptimizeResult) -> tuple[np.ndarray, str]:
    """Inverse Hessian and, if the fit is not at a clean optimum, a sentence saying why.

    The test of the optimum is the Newton decrement ``g H^-1 g``: within ~1e-6 nats of a local
    optimum (rounding in a sum of ~1e5 log-probabilities stops trust-exact's own gradient test
    short of its tolerance).
    """
    unknown = np.full(hess.shape, np.inf)  # no error bars
    if not np.all(np.isfinite(hess)) or not np.all(np.isfinite(gradient)):
        return unknown, "the likelihood's slope or curvature is not finite at the point where the optimiser stopped"
    smallest = float(np.linalg.eigvalsh(hess).min())
    if not smallest > 0:
        return unknown, (f"the Hessian of -log L is not positive definite (smallest eigenvalue {smallest:.3g}): the "
                     "optimiser stopped on a saddle or a flat ridge, so the fit has no error bars")
    covariance = np.linalg.inv(hess)
    decrement = float(gradient @ covariance @ gradient)
    if not decrement < 1e-6:
        return covariance, (f"the optimiser stopped {decrement:.2g} nats short of an optimum after {result.nit} "
                            f"iterations ({result.message})")
    return covariance, ""

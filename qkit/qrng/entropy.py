"""Shannon entropy, min-entropy and the guessing probability of ``Z23`` given ``E`` (Eqs. 5-6).

Eve knows the classical noise ``E = K N_d + G`` of every sample (Sec. II B). Given ``E = e`` the
ADC returns ``Z = clip(floor(K N_e + e), 0, adc_max)`` with ``N_e ~ Poisson(mu_e)``, so the
guessing probability of Eq. (6) is ``p_guess = integral P_E(e) max_b P(Z23 = b | E = e) de``
and ``H_min(Z23 | E) = -log2 p_guess`` (Eq. 5).

How it is computed exactly
--------------------------
``P(Z23 | E = e)`` only changes where ``K n + e`` crosses an integer. Write ``e = j + f`` with
integer ``j`` and ``f`` in ``[0, 1)``. Between consecutive sorted breakpoints ``frac(-K n)``
the shifts ``W_n = floor(K n + f)`` are fixed, so each (f-interval, ``j``) is a cell with a fixed
distribution of ``Z = clip(j + W)``. Away from the clip edges ``Z23`` depends only on
``Z mod 2**(max(kept_bits) + 1)``; at the edges the clipped tails are added exactly with
cumulative sums. ``p_guess`` is the sum over cells of the cell's mass under ``P_E`` (normal CDFs,
:func:`qkit.qrng.noise.interval_masses`) times its largest ``P(Z23 = b)``. Without readout noise
(``sigma_r = 0``) ``E`` has atoms and the sum runs over them.

Error budget (``tolerance``, default 1e-12): photoelectrons outside the Poisson quantile range
(at most ``tolerance / 3``), the noise distribution (at most ``2 tolerance / 3``, see
:mod:`qkit.qrng.noise`). ``|p_guess - exact| <= tolerance``. Breakpoints closer than ``1e-10``
are one point (they differ only by the rounding of ``K n``).

The sums are arranged for speed in :mod:`qkit.qrng._guessing`: the noise masses are cached per
pixel, the cells away from the clip edges are folded over the period of the kept bits, and the
curve without side information is one matrix product over all means. The arrangement changes
no term of the sums, only the order they are added in.
"""

from __future__ import annotations

import numpy as np

from scipy import special

from qkit._validate import require_allocation, require_array, require_flag
from qkit.qrng import _guessing
from qkit.qrng.photons import DEFAULT_TOLERANCE, _check_tolerance, poisson_support, poisson_weights
from qkit.qrng.pixel import Pixel, _check_pixel
from qkit.qrng.sensor import _check_light, _kept_bits_pmf, adc_floor, adc_pmf_many

__all__ = [
    "shannon_entropy",
    "min_entropy",
    "guessing_probability",
    "kept_bits_given_noise",
    "conditional_guessing_probability",
    "conditional_min_entropy",
    "conditional_min_entropy_curve",
    "min_entropy_curve",
]


#: Largest number of table entries (cells x electron numbers) one exact entropy call may fill:
#: about 0.4 GB and a few seconds. A readout sigma of 1e4 ADC steps needs ~1e8 and is refused.
MAX_TABLE_ENTRIES = 5e7


def _check_work(mean: float, pixel: Pixel, tolerance: float, what: str, *, conditional: bool = True) -> None:
    """Refuse, before any work, a setting whose exact tables exceed :data:`MAX_TABLE_ENTRIES`.

    Given the noise (``conditional``), the estimate counts the integer parts of ``E`` (dark range
    times ``K`` plus the readout window ``+- sigma_r isf(tolerance / 6)``) times the cells per
    integer part (at least 1024), plus the per-electron readout windows of the ADC pmf. Without
    it, the per-electron readout windows over the electron range (at least 16384 electrons).
    """
    low, high = poisson_support(mean, tolerance / 3)
    d_low, d_high = poisson_support(pixel.dark_mean, tolerance / 3)
    half = pixel.readout_sigma * -special.ndtri(tolerance / 6) + 1.0
    n_e = high - low + 1
    if not conditional:
        entries = max(n_e + d_high - d_low + 1, 16384) * (2 * half + 2)
    elif pixel.readout_sigma == 0.0:
        entries = 3.0 * n_e * (d_high - d_low + 1)
    else:
        parts = pixel.gain * (d_high - d_low) + 2 * half + 2
        entries = parts * max(n_e, 1024) + (n_e + d_high - d_low + 1) * min(2 * half + 2, pixel.adc_max + 2)
    if entries > MAX_TABLE_ENTRIES:
        raise ValueError(
            f"{what}: a pixel with readout_sigma={pixel.readout_sigma:g} ADC steps, dark_mean={pixel.dark_mean:g} and "
            f"a mean of {mean:g} electrons needs about {entries:.2g} table entries, more than the limit of "
            f"{MAX_TABLE_ENTRIES:.0e}; use a smaller readout_sigma (a few ADC steps), dark_mean or mean, "
            "or a larger tolerance")
    require_allocation(what, 8.0 * entries)


def _check_means(name: str, means, pixel: Pixel) -> np.ndarray:
    """Mean photoelectron numbers (any shape), each ``>= 0`` with ``mu_e + mu_dark <= 1e9``."""
    _check_pixel(pixel)
    mu = require_array(name, means, low=0.0, unit="electrons")
    if mu.size:
        _check_light(name, float(mu.max()), pixel)
    return mu


def _check_pmf(pmf, name: str = "pmf") -> np.ndarray:
    p = require_array(name, pmf, min_size=1, unit="probabilities")
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"{name} must be a non-empty array of probabilities, got {pmf!r}")
    if np.any(p < 0) or np.any(p > 1.0 + 1e-6):
        raise ValueError(f"{name} must hold finite probabilities >= 0 and <= 1")
    total = p.sum(axis=-1)
    if np.any(np.abs(total - 1.0) > 1e-6):
        raise ValueError(f"{name} must sum to 1 (within 1e-6) on its last axis, got sums {total!r}"[:300])
    return p


def _bits_of(p: np.ndarray, per_bit: bool) -> float:
    if not require_flag("per_bit", per_bit):
        return 1.0
    size = p.shape[-1]
    if size < 2 or size & (size - 1):
        raise ValueError(f"per_bit needs a pmf over 2**k outcomes, got {size} outcomes")
    return float(size.bit_length() - 1)


def shannon_entropy(pmf: np.ndarray, *, per_bit: bool = False) -> np.ndarray:
    """Shannon entropy ``-sum p log2 p`` of a distribution (bits), on the last axis.

    Parameters
    ----------
    pmf : array
        Probabilities on the last axis (sum 1 within 1e-6).
    per_bit : bool, keyword-only
        Divide by ``k`` for a distribution over ``2**k`` outcomes (entropy per bit).

    Returns
    -------
    numpy.ndarray or float
    """
    p = _check_pmf(pmf)
    logs = np.log2(np.where(p > 0, p, 1.0))
    return -(p * logs).sum(axis=-1) / _bits_of(p, per_bit)


def guessing_probability(pmf: np.ndarray) -> np.ndarray:
    """Probability of guessing the outcome with one best guess: ``max_b p(b)``.

    Parameters
    ----------
    pmf : array
        Probabilities on the last axis (sum 1 within 1e-6).

    Returns
    -------
    numpy.ndarray or float
    """
    return _check_pmf(pmf).max(axis=-1)


def min_entropy(pmf: np.ndarray, *, per_bit: bool = False) -> np.ndarray:
    """Min-entropy ``-log2 max_b p(b)`` of a distribution (bits), on the last axis.

    Parameters
    ----------
    pmf : array
        Probabilities on the last axis.
    per_bit : bool, keyword-only
        Divide by ``k`` for a distribution over ``2**k`` outcomes (Fig. 2(b) reports 0.982 per bit).

    Returns
    -------
    numpy.ndarray or float
        Bits (per bit with ``per_bit``); 0 for a certain outcome, ``k`` (or 1 per bit) for a
        uniform one. Unlike :func:`shannon_entropy`, an average, it is set by the single most
        likely outcome: what one best guess achieves.
    """
    p = _check_pmf(pmf)
    return -np.log2(p.max(axis=-1)) / _bits_of(p, per_bit)


def min_entropy_curve(
    means: np.ndarray, pixel: Pixel, *, per_bit: bool = True, tolerance: float = DEFAULT_TOLERANCE
) -> np.ndarray:
    """``H_min(Z23)`` when Eve does not know the noise (Sec. V), for many mean photoelectron numbers.

    Parameters
    ----------
    means : array of float
        Mean photoelectron numbers ``mu_e >= 0`` (electrons), any shape.
    pixel : Pixel
        The pixel (its noise is part of ``Z``, unknown to Eve).
    per_bit : bool, keyword-only
        Divide by the number of kept bits (default True).
    tolerance : float, keyword-only
        Truncation of :func:`qkit.qrng.sensor.adc_pmf`.

    Returns
    -------
    numpy.ndarray
        ``min_entropy(kept_bits_pmf(adc_pmf(mu, pixel)))`` with the shape of ``means``.

    Notes
    -----
    For Table I pixel 1 this is 0.9999 per bit at ``mu_e = 625`` and at least 0.9998 on the
    operating range [500, 750] (notebook 04); Sec. V of the QRNG paper reports "a value for the
    min-entropy of 0.999 per bit", next to the NIST IID estimate of "over 0.998 per bit".
    """
    mu = _check_means("means", means, pixel)
    require_flag("per_bit", per_bit)
    tolerance = _check_tolerance(tolerance)
    if mu.size:
        _check_work(float(mu.max()), pixel, tolerance, "min_entropy_curve", conditional=False)
    q = _guessing.kept_bits_curve(mu, pixel, tolerance) if mu.size else None  # one pass over all means
    if q is None:  # an electron range too wide for one table: one adc_pmf per mean
        q = _kept_bits_pmf(adc_pmf_many(mu, pixel, tolerance=tolerance), pixel.kept_bits).reshape(-1, 1 << pixel.n_kept)
        q = q / q.sum(axis=-1, keepdims=True)  # the <= tolerance / 3 truncated mass, spread: <= 1e-12 change
    return min_entropy(q, per_bit=per_bit).reshape(mu.shape)


def kept_bits_given_noise(
    noise: np.ndarray | float, mean_photoelectrons: float, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE
) -> np.ndarray:
    """``P(Z23 = b | E = e)`` for given noise values: what Eve predicts once she knows ``e``.

    Direct evaluation, ``sum_n p(n, mu_e) [bits(clip(floor(K n + e))) = b]`` (photoelectrons
    only: the dark electrons are inside ``e``).

    Parameters
    ----------
    noise : float or array
        Values ``e`` of the classical noise (ADC steps).
    mean_photoelectrons : float
        ``mu_e >= 0``.
    pixel : Pixel
        Gain, ADC and kept bits (its noise parameters are not used: ``e`` is given).
    tolerance : float, keyword-only
        Photoelectron mass left out (each row sums to at least ``1 - tolerance``).

    Returns
    -------
    numpy.ndarray, shape ``noise.shape + (2**len(kept_bits),)``
    """
    e = require_array("noise", noise, unit="ADC steps")
    _check_pixel(pixel)
    mu = _check_light("mean_photoelectrons", mean_photoelectrons, pixel)
    low, high = poisson_support(mu, _check_tolerance(tolerance))
    require_allocation(f"kept_bits_given_noise for {e.size} noise values x {high - low + 1} electron numbers",
                       32.0 * e.size * (high - low + 1))
    n, w = poisson_weights(mu, _check_tolerance(tolerance))
    flat = e.reshape(-1)
    b = _guessing.bits(adc_floor(pixel.gain * n[None, :] + flat[:, None], pixel.adc_max), pixel.kept_bits)
    n_out = 1 << pixel.n_kept
    rows = np.repeat(np.arange(flat.size), n.size) * n_out
    out = np.bincount(rows + b.ravel(), weights=np.tile(w, flat.size), minlength=flat.size * n_out)
    return out.reshape(e.shape + (n_out,))


def conditional_guessing_probability(
    mean_photoelectrons: float, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE
) -> float:
    """Eve's guessing probability of the kept bits given the classical noise, Eq. (6).

    ``p_guess = integral P_E(e) max_b P(Z23 = b | E = e) de``: Eve learns the noise ``e`` of a
    sample (dark electrons and readout noise, Sec. II B), then bets on the most likely value of
    the kept bits, ``P(Z23 = b | E = e) = sum_n p(n, mu_e) [bits(clip(floor(K n + e))) = b]``.

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e >= 0``, mean photoelectrons per integration time.
    pixel : Pixel
        Gain, noise (Table I), ADC width and kept bits.
    tolerance : float, keyword-only
        Bound on ``|p_guess - exact|`` (module docstring).

    Returns
    -------
    float
        ``p_guess``, between ``2**-len(kept_bits)`` and 1.

    Notes
    -----
    The integrand is a step function of ``e``: it can only jump where ``K n + e`` crosses an
    integer. The integral is therefore a finite sum over the cells between jumps, each cell's
    ``max_b`` times its mass under ``P_E`` (differences of normal CDFs, Eq. 4). Without readout
    noise ``E`` is discrete and the sum runs over its values (:func:`qkit.qrng._guessing.guess_atoms`);
    otherwise over the cells (:func:`qkit.qrng._guessing.guess_continuous`, which folds the cells
    by the period of the kept bits and caches their masses: the same terms, in another order).
    Notebook 04 writes the sum out in plain numpy and compares.

    Examples
    --------
    >>> from qkit.qrng.pixel import PIXEL_1
    >>> round(conditional_guessing_probability(625.0, PIXEL_1), 6)
    0.256407
    """
    _check_pixel(pixel)
    mu = _check_light("mean_photoelectrons", mean_photoelectrons, pixel)
    tolerance = _check_tolerance(tolerance)
    _check_work(mu, pixel, tolerance, "the guessing probability given the noise (mean_photoelectrons, pixel)")
    n, w = poisson_weights(mu, tolerance / 3)
    if pixel.readout_sigma == 0.0:
        return _guessing.guess_atoms(n, w, pixel, tolerance)
    return _guessing.guess_continuous(n, w, pixel, tolerance)


def conditional_min_entropy(
    mean_photoelectrons: float, pixel: Pixel, *, per_bit: bool = False, tolerance: float = DEFAULT_TOLERANCE
) -> float:
    """``H_min(Z23 | E) = -log2 p_guess``, Eq. (5) of the QRNG paper (bits, or per bit).

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e >= 0``.
    pixel : Pixel
        The pixel.
    per_bit : bool, keyword-only
        Divide by the number of kept bits (the paper reports per bit: > 0.98 in Fig. 7).
    tolerance : float, keyword-only
        Bound on the error of ``p_guess``.

    Returns
    -------
    float
        Bits (per kept bit with ``per_bit``), in ``[0, len(kept_bits)]``; ``p_guess`` comes from
        :func:`conditional_guessing_probability`, Eq. (6).

    Examples
    --------
    >>> from qkit.qrng.pixel import PIXEL_1
    >>> round(conditional_min_entropy(625.0, PIXEL_1, per_bit=True), 4)
    0.9817
    """
    require_flag("per_bit", per_bit)
    p = conditional_guessing_probability(mean_photoelectrons, pixel, tolerance=tolerance)
    h = max(0.0, -float(np.log2(min(p, 1.0))))  # p_guess = 1 (within rounding): exactly 0, not -0
    h = min(h, float(pixel.n_kept))  # p_guess >= 2**-k exactly; truncation (<= tolerance) may dip below
    return float(h / pixel.n_kept if per_bit else h)


def conditional_min_entropy_curve(
    means: np.ndarray, pixel: Pixel, *, per_bit: bool = True, tolerance: float = DEFAULT_TOLERANCE
) -> np.ndarray:
    """:func:`conditional_min_entropy` for many means (the curve of Fig. 7), per bit by default.

    Parameters
    ----------
    means : array of float
        Mean photoelectron numbers ``mu_e >= 0`` (electrons), any shape.
    pixel : Pixel
        The pixel (Table I presets for Fig. 7).
    per_bit : bool, keyword-only
        Divide by the number of kept bits (default True).
    tolerance : float, keyword-only
        Bound on the error of each guessing probability.

    Returns
    -------
    numpy.ndarray
        ``H_min(Z23 | E)`` with the shape of ``means``.
    """
    mu = _check_means("means", means, pixel)
    require_flag("per_bit", per_bit)
    tolerance = _check_tolerance(tolerance)
    if mu.size:  # the largest mean needs the most work: refuse before computing any
        _check_work(float(mu.max()), pixel, tolerance, "conditional_min_entropy_curve (means, pixel)")
    p = _guessing.guessing_curve(mu.ravel(), pixel, tolerance)  # conditional_guessing_probability at each
    # one scalar log each, as conditional_min_entropy takes it (numpy's vector log2 may differ by an ulp)
    h = np.array([max(0.0, -float(np.log2(min(float(q), 1.0)))) for q in p])
    return (h / pixel.n_kept if per_bit else h).reshape(mu.shape)

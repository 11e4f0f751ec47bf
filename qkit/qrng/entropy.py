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
"""

from __future__ import annotations

import numpy as np
from scipy import special

from qkit._validate import require_finite, require_nonnegative
from qkit.qrng.noise import interval_masses, noise_components
from qkit.qrng.photons import DEFAULT_TOLERANCE, _check_tolerance, poisson_weights
from qkit.qrng.pixel import Pixel
from qkit.qrng.sensor import adc_floor, adc_pmf_many, extract_bits, kept_bits_pmf

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

_MERGE = 1e-10  # breakpoints closer than this are the same point up to rounding of K n


def _check_pmf(pmf, name: str = "pmf") -> np.ndarray:
    p = np.asarray(pmf, dtype=float)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError(f"{name} must be a non-empty array of probabilities, got {pmf!r}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must hold finite probabilities >= 0")
    total = p.sum(axis=-1)
    if np.any(np.abs(total - 1.0) > 1e-6):
        raise ValueError(f"{name} must sum to 1 (within 1e-6) on its last axis, got sums {total!r}")
    return p


def _bits_of(p: np.ndarray, per_bit: bool) -> float:
    if not per_bit:
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
    """
    z = adc_pmf_many(means, pixel, tolerance=tolerance)
    q = kept_bits_pmf(z, pixel.kept_bits)
    q = q / q.sum(axis=-1, keepdims=True)  # the <= tolerance / 3 truncated mass, spread: <= 1e-12 change
    return min_entropy(q, per_bit=per_bit)


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
    e = require_finite("noise", noise, unit="ADC steps")
    mu = float(require_nonnegative("mean_photoelectrons", mean_photoelectrons, unit="electrons"))
    if not isinstance(pixel, Pixel):
        raise ValueError(f"pixel must be a qkit.qrng.pixel.Pixel, got {type(pixel).__name__}")
    n, w = poisson_weights(mu, _check_tolerance(tolerance))
    flat = e.reshape(-1)
    b = _bits(adc_floor(pixel.gain * n[None, :] + flat[:, None], pixel.adc_max), pixel.kept_bits)
    n_out = 1 << pixel.n_kept
    rows = np.repeat(np.arange(flat.size), n.size) * n_out
    out = np.bincount(rows + b.ravel(), weights=np.tile(w, flat.size), minlength=flat.size * n_out)
    return out.reshape(e.shape + (n_out,))


def conditional_guessing_probability(
    mean_photoelectrons: float, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE
) -> float:
    """Eve's guessing probability of the kept bits given the classical noise, Eq. (6).

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
        ``p_guess = integral P_E(e) max_b P(Z23 = b | E = e) de``.
    """
    mu = float(require_nonnegative("mean_photoelectrons", mean_photoelectrons, unit="electrons"))
    if not isinstance(pixel, Pixel):
        raise ValueError(f"pixel must be a qkit.qrng.pixel.Pixel, got {type(pixel).__name__}")
    tolerance = _check_tolerance(tolerance)
    n, w = poisson_weights(mu, tolerance / 3)
    if pixel.readout_sigma == 0.0:
        return _guess_atoms(n, w, pixel, tolerance)
    return _guess_continuous(n, w, pixel, tolerance)


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
    """
    p = conditional_guessing_probability(mean_photoelectrons, pixel, tolerance=tolerance)
    h = max(0.0, -float(np.log2(min(p, 1.0))))  # p_guess = 1 (within rounding): exactly 0, not -0
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
    mu = require_nonnegative("means", means, unit="electrons")
    flat = [conditional_min_entropy(m, pixel, per_bit=per_bit, tolerance=tolerance) for m in mu.ravel()]
    return np.asarray(flat, dtype=float).reshape(mu.shape)


def _guess_atoms(n: np.ndarray, w: np.ndarray, pixel: Pixel, tolerance: float) -> float:
    """Eq. (6) when ``E`` is discrete (no readout noise): a sum over its atoms."""
    centres, weights = noise_components(pixel, tolerance=2 * tolerance / 3)
    z = adc_floor(pixel.gain * n[None, :] + centres[:, None], pixel.adc_max)
    b = extract_bits(z, pixel.kept_bits)
    n_out = 1 << pixel.n_kept
    rows = np.repeat(np.arange(centres.size), n.size)
    cond = np.bincount(rows * n_out + b.ravel(), weights=np.tile(w, centres.size),
                       minlength=centres.size * n_out).reshape(centres.size, n_out)
    return float(weights @ cond.max(axis=1))


def _flip_table(n: np.ndarray, gain: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The f-intervals of ``[0, 1)`` and where each ``W_n = floor(K n + f)`` steps up.

    Returns ``starts`` (left ends of the f-intervals), ``base`` (``W_n`` on the first interval),
    ``flips`` (which ``n`` step up inside ``[0, 1)``) and ``row`` (the interval where they do).
    """
    bp = np.mod(-gain * n, 1.0)  # W_n steps from floor(K n) to floor(K n) + 1 at f = 1 - frac(K n)
    flips = (bp > _MERGE) & (bp < 1.0 - _MERGE)
    base = np.floor(gain * n + _MERGE).astype(np.int64)
    order = np.sort(bp[flips])
    new = np.concatenate([[True], np.diff(order) > _MERGE]) if order.size else np.zeros(0, bool)
    starts = np.concatenate([[0.0], order[new]])
    group_of_sorted = np.cumsum(new)  # interval index (1..) of each sorted breakpoint
    row = np.empty(order.size, dtype=np.int64)
    row[np.argsort(bp[flips], kind="stable")] = group_of_sorted
    return starts, base, flips, row


def _conditional_tables(n, w, pixel: Pixel, js: np.ndarray, starts, base, flips, row) -> np.ndarray:
    """``P(Z23 = b | cell)`` for every integer part ``j`` and f-interval: shape (J, I, 2**k).

    On the first f-interval ``Z = clip(j + base_n)``; at its interval each flipping ``n`` moves
    its weight to ``clip(j + base_n + 1)``. A cumulative sum over intervals applies the moves.
    """
    A, kept, n_out = pixel.adc_max, pixel.kept_bits, 1 << pixel.n_kept
    n_j, n_int = js.size, starts.size
    v0 = np.clip(js[:, None] + base[None, :], 0, A)
    b0 = _bits(v0, kept)
    jrow = np.arange(n_j)[:, None] * (n_int * n_out)
    idx = [(jrow + b0).ravel()]
    val = [np.broadcast_to(w, b0.shape).ravel()]
    if flips.any():
        wf = w[flips]
        b_from = b0[:, flips]
        b_to = _bits(np.clip(v0[:, flips] + 1, 0, A), kept)
        at = jrow + row[None, :] * n_out
        idx += [(at + b_from).ravel(), (at + b_to).ravel()]
        val += [np.broadcast_to(-wf, b_from.shape).ravel(), np.broadcast_to(wf, b_to.shape).ravel()]
    delta = np.bincount(np.concatenate(idx), weights=np.concatenate(val), minlength=n_j * n_int * n_out)
    return np.cumsum(delta.reshape(n_j, n_int, n_out), axis=1)


def _bits(v: np.ndarray, kept: tuple[int, ...]) -> np.ndarray:
    out = (v >> kept[0]) & 1
    for i, b in enumerate(kept[1:], start=1):
        out |= ((v >> b) & 1) << i
    return out


def _guess_continuous(n: np.ndarray, w: np.ndarray, pixel: Pixel, tolerance: float) -> float:
    """Eq. (6) with readout noise: cells (f-interval, j), masses from normal CDFs."""
    starts, base, flips, row = _flip_table(n, pixel.gain)
    centres, _ = noise_components(pixel, tolerance=tolerance / 3)
    half = pixel.readout_sigma * -special.ndtri(tolerance / 6) + 1.0  # covers every window of E
    js = np.arange(int(np.floor(centres[0] - half)), int(np.floor(centres[-1] + half)) + 1)
    edges = np.append((js[:, None] + starts[None, :]).ravel(), js[-1] + 1.0)
    mass = interval_masses(edges, pixel, tolerance=2 * tolerance / 3).reshape(js.size, starts.size)
    cond = _conditional_tables(n, w, pixel, js, starts, base, flips, row)
    return float((mass * cond.max(axis=2)).sum())

"""Frame rejection: thresholds ``T-``, ``T+`` and counts ``N-``, ``N+`` (Sec. IV of the QRNG paper).

On every frame the chip counts the pixels that read below ``T-`` (``n-``) and above ``T+``
(``n+``). The frame fails, and is discarded, when ``n- > N-`` or ``n+ > N+``. Fig. 8 uses
``T- = 64``, ``T+ = 940``, ``N+- = 1`` on 64 uniformly lit pixels.

Exactness
---------
Pixels are independent (Sec. III C), so the counts follow a Poisson-multinomial law. With
``p_low = P(Z < T-)``, ``p_high = P(Z > T+)`` and ``p_in = P(T- <= Z <= T+)`` per pixel, a
dynamic programme over the pixels on ``(min(n-, N- + 1), min(n+, N+ + 1))`` gives the exact
probability that a frame passes, for any map of mean photoelectron numbers. The per-pixel
probabilities come from :func:`qkit.qrng.sensor.adc_pmf` (each within ``tolerance`` in L1,
missing at most ``tolerance / 3`` of mass); the missing mass counts as failure, so the returned
failure probability is never too small, and too large by at most ``n_pixels * tolerance``.

This module computes probabilities; drawing frames belongs to the frame sampler.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from qkit._validate import require_allocation, require_array, require_instance, require_integer
from qkit.qrng.entropy import conditional_min_entropy
from qkit.qrng.photons import DEFAULT_TOLERANCE
from qkit.qrng.pixel import Pixel, _check_pixel
from qkit.qrng.sensor import PMF_ATOL, _check_light, adc_pmf_many

__all__ = [
    "FrameRule",
    "PAPER_RULE",
    "out_of_range_probabilities",
    "pass_probability",
    "frame_failure_probability",
    "uniform_failure_curve",
    "frame_min_entropy",
    "frame_report",
    "count_out_of_range",
    "frame_fails",
]


@dataclass(frozen=True)
class FrameRule:
    """Thresholds and allowed counts of the frame test of Sec. IV.

    Parameters
    ----------
    low_threshold : int
        ``T-`` (ADC steps): a pixel with ``Z < T-`` counts in ``n-``. ``>= 0``.
    high_threshold : int
        ``T+`` (ADC steps): a pixel with ``Z > T+`` counts in ``n+``. ``T- < T+``.
    max_low : int
        ``N-``: the frame fails when ``n- > N-``. ``>= 0``.
    max_high : int
        ``N+``: the frame fails when ``n+ > N+``. ``>= 0``.
    """

    low_threshold: int = 64
    high_threshold: int = 940
    max_low: int = 1
    max_high: int = 1

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "low_threshold", require_integer("low_threshold", self.low_threshold, 0))
        set_(self, "high_threshold", require_integer("high_threshold", self.high_threshold, 0))
        set_(self, "max_low", require_integer("max_low", self.max_low, 0))
        set_(self, "max_high", require_integer("max_high", self.max_high, 0))
        if self.low_threshold >= self.high_threshold:
            raise ValueError(
                f"low_threshold must be < high_threshold (ADC steps), got T- = {self.low_threshold} "
                f"and T+ = {self.high_threshold}"
            )

    def check_adc(self, adc_max: int, name: str = "adc_max") -> None:
        """Raise if ``T+`` does not fit an ADC whose largest output is ``adc_max``.

        ``name`` is the argument the ADC came from, for the message (e.g. ``"pixel"``).
        """
        adc_max = require_integer("adc_max", adc_max, 0)
        if self.high_threshold > adc_max:
            raise ValueError(f"high_threshold must be <= {adc_max} (the largest output of the ADC of {name}), "
                             f"got {self.high_threshold}")


#: The rule of Fig. 8: T- = 64, T+ = 940, N- = N+ = 1.
PAPER_RULE = FrameRule()

#: Loops over more distinct means than this show a progress bar.
_PROGRESS_FROM = 200


def out_of_range_probabilities(z_pmf: np.ndarray, rule: FrameRule = PAPER_RULE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``P(Z < T-)``, ``P(Z > T+)`` and ``P(T- <= Z <= T+)`` from ADC distributions (last axis).

    Parameters
    ----------
    z_pmf : array, shape (..., adc_max + 1)
        ``P(Z = z)`` on the last axis, each row summing to 1 within ``PMF_ATOL = 1e-6``.
    rule : FrameRule
        The thresholds (``T+`` must fit the ADC).

    Returns
    -------
    p_low, p_high, p_in : numpy.ndarray
        Each with the shape of ``z_pmf`` without its last axis.
    """
    _check_rule(rule)
    p = require_array("z_pmf", z_pmf, low=0.0, high=1.0 + PMF_ATOL, min_size=1, unit="probabilities")
    if p.ndim == 0:
        raise ValueError(f"z_pmf must have a last axis of ADC values, got the single number {float(p)!r}")
    worst = float(np.max(np.abs(p.sum(axis=-1) - 1.0)))
    if worst > PMF_ATOL:
        raise ValueError(f"z_pmf must sum to 1 within {PMF_ATOL:g} on its last axis (probabilities), "
                         f"it is off by {worst:.3g}")
    rule.check_adc(p.shape[-1] - 1, "z_pmf")
    return _out_of_range(p, rule)


def _out_of_range(p: np.ndarray, rule: FrameRule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`out_of_range_probabilities` without the checks (truncated pmfs qkit computed)."""
    t_lo, t_hi = rule.low_threshold, rule.high_threshold
    return p[..., :t_lo].sum(-1), p[..., t_hi + 1:].sum(-1), p[..., t_lo:t_hi + 1].sum(-1)


def pass_probability(p_low: np.ndarray, p_high: np.ndarray, p_in: np.ndarray, rule: FrameRule = PAPER_RULE) -> np.ndarray:
    """Exact probability that a frame passes, from each pixel's out-of-range probabilities.

    Dynamic programme over the pixels (last axis) on the capped counts ``(n-, n+)``.

    Parameters
    ----------
    p_low, p_high, p_in : arrays of shape (..., n_pixels)
        Per pixel ``P(Z < T-)``, ``P(Z > T+)``, ``P(T- <= Z <= T+)``, each in [0, 1], with
        ``p_low + p_high + p_in = 1`` within ``PMF_ATOL = 1e-6``; leading axes are a batch.
    rule : FrameRule
        Uses ``N-`` and ``N+``.

    Returns
    -------
    numpy.ndarray, shape (...)
        ``P(n- <= N- and n+ <= N+)``.
    """
    _check_rule(rule)
    arrays = {}
    for name, a in (("p_low", p_low), ("p_high", p_high), ("p_in", p_in)):
        arr = require_array(name, a, min_size=1)
        if np.any(arr < 0) or np.any(arr > 1 + 1e-12):
            raise ValueError(f"{name} must hold probabilities in [0, 1], got values in "
                             f"[{arr.min():.3g}, {arr.max():.3g}]")
        arrays[name] = arr
    try:
        lo, hi, inside = np.broadcast_arrays(*arrays.values())
    except ValueError:
        shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        raise ValueError(f"p_low, p_high and p_in must broadcast to one shape, got {shapes}") from None
    if lo.ndim == 0:
        raise ValueError("p_low, p_high and p_in need a last axis of pixels")
    worst = float(np.max(np.abs(lo + hi + inside - 1.0)))
    if worst > PMF_ATOL:
        raise ValueError(f"p_low + p_high + p_in must be 1 for every pixel (probabilities of the three "
                         f"ranges), off by {worst:.3g}")
    return _pass_probability(lo, hi, inside, rule)


def _pass_probability(lo: np.ndarray, hi: np.ndarray, inside: np.ndarray, rule: FrameRule) -> np.ndarray:
    """:func:`pass_probability` without the checks; the missing mass of truncated pmfs fails."""
    cap_lo, cap_hi = rule.max_low + 1, rule.max_high + 1
    require_allocation(f"the frame-count table of N- = {rule.max_low}, N+ = {rule.max_high} for "
                       f"{lo[..., 0].size} frames (rule)", 32.0 * lo[..., 0].size * (cap_lo + 1) * (cap_hi + 1))
    state = np.zeros(lo.shape[:-1] + (cap_lo + 1, cap_hi + 1))
    state[..., 0, 0] = 1.0
    for k in range(lo.shape[-1]):
        a, b, c = (x[..., k, None, None] for x in (lo, hi, inside))
        new = state * c
        new[..., 1:, :] += state[..., :-1, :] * a
        new[..., -1, :] += state[..., -1, :] * a[..., 0]  # n- stays capped at N- + 1
        new[..., :, 1:] += state[..., :, :-1] * b
        new[..., :, -1] += state[..., :, -1] * b[..., 0]
        state = new
    return state[..., :cap_lo, :cap_hi].sum(axis=(-2, -1))


def frame_failure_probability(
    mean_map: np.ndarray, pixel: Pixel, rule: FrameRule = PAPER_RULE, *, tolerance: float = DEFAULT_TOLERANCE
) -> float:
    """Probability that a frame fails, for a map of mean photoelectron numbers (any shape).

    Parameters
    ----------
    mean_map : array
        ``mu_e`` of every pixel of the frame (electrons), ``>= 0``; uniform or not.
    pixel : Pixel
        Gain, noise and ADC shared by all pixels.
    rule : FrameRule
        Thresholds and counts (default: Fig. 8).
    tolerance : float, keyword-only
        Per-pixel truncation of :func:`qkit.qrng.sensor.adc_pmf`.

    Returns
    -------
    float
        ``1 - P(n- <= N- and n+ <= N+)``.
    """
    mu = _check_map("mean_map", mean_map, pixel).ravel()
    _check_rule(rule)
    rule.check_adc(pixel.adc_max, "pixel")
    lo, hi, inside = _out_of_range(adc_pmf_many(mu, pixel, tolerance=tolerance), rule)
    return float(np.clip(1.0 - _pass_probability(lo, hi, inside, rule), 0.0, 1.0))


def uniform_failure_curve(
    means: np.ndarray, n_pixels: int, pixel: Pixel, rule: FrameRule = PAPER_RULE,
    *, tolerance: float = DEFAULT_TOLERANCE,
) -> np.ndarray:
    """Failure probability of a uniformly lit frame of ``n_pixels`` for each mean (Fig. 8).

    The pixels are identical, so the counts ``(n-, n+)`` are multinomial and the pass probability
    is a sum of ``(N- + 1)(N+ + 1)`` terms: no loop over the pixels, so any ``n_pixels`` costs the
    same (the dynamic programme of :func:`pass_probability` gives the same number).

    Parameters
    ----------
    means : array of float
        ``mu_e`` shared by every pixel (electrons), any shape.
    n_pixels : int
        Pixels per frame, ``>= 1`` (64 in Fig. 8).
    pixel : Pixel
        Gain, noise and ADC of every pixel.
    rule : FrameRule
        Thresholds and counts (default: Fig. 8).
    tolerance : float, keyword-only
        Per-pixel truncation of :func:`qkit.qrng.sensor.adc_pmf`.

    Returns
    -------
    numpy.ndarray
        ``P(frame fails)`` with the shape of ``means``.
    """
    n_pixels = require_integer("n_pixels", n_pixels, 1)
    _check_pixel(pixel)
    mu = require_array("means", means, low=0.0, unit="electrons")
    if mu.size:
        _check_light("means", float(mu.max()), pixel)
    _check_rule(rule)
    rule.check_adc(pixel.adc_max, "pixel")
    lo, hi, inside = _out_of_range(adc_pmf_many(mu, pixel, tolerance=tolerance), rule)
    return np.clip(1.0 - _uniform_pass(lo, hi, inside, n_pixels, rule), 0.0, 1.0)


def _uniform_pass(lo: np.ndarray, hi: np.ndarray, inside: np.ndarray, n: int, rule: FrameRule) -> np.ndarray:
    """Pass probability of ``n`` identical pixels: the multinomial sum over ``n- <= N-``, ``n+ <= N+``.

    ``sum_{a, b} n! / (a! b! (n - a - b)!) p_low^a p_high^b p_in^(n - a - b)``, in log space; the
    same number as the dynamic programme, without a loop over the pixels.
    """
    a = np.arange(min(rule.max_low, n) + 1)[:, None]
    b = np.arange(min(rule.max_high, n) + 1)[None, :]
    require_allocation(f"the multinomial terms of N- = {rule.max_low}, N+ = {rule.max_high} for "
                       f"{lo.size} means (rule)", 32.0 * lo.size * a.size * b.size)
    rest = n - a - b
    ok = rest >= 0
    rest = np.where(ok, rest, 0)
    log_coef = special.gammaln(n + 1.0) - special.gammaln(a + 1.0) - special.gammaln(b + 1.0) \
        - special.gammaln(rest + 1.0)
    x = lo[..., None, None]
    y = hi[..., None, None]
    w = inside[..., None, None]
    terms = np.exp(log_coef + special.xlogy(a, x) + special.xlogy(b, y) + special.xlogy(rest, w))
    return np.where(ok, terms, 0.0).sum(axis=(-2, -1))


def frame_min_entropy(mean_map: np.ndarray, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE) -> float:
    """Average ``H_min(Z23 | E)`` per bit over the pixels of a frame (the bar-H of Eq. 8).

    Parameters
    ----------
    mean_map : array
        ``mu_e`` of every pixel (electrons).
    pixel : Pixel
        Gain, noise and ADC of every pixel.
    tolerance : float, keyword-only
        Bound on the error of each guessing probability.
    """
    mu = _check_map("mean_map", mean_map, pixel).ravel()
    unique, counts = np.unique(mu, return_counts=True)
    h = _entropies(unique, pixel, tolerance)
    return float(np.dot(h, counts) / mu.size)


def _entropies(means: np.ndarray, pixel: Pixel, tolerance: float) -> np.ndarray:
    """``H_min(Z23 | E)`` per bit at each mean; a progress bar when there are many of them."""
    items = means
    if means.size > _PROGRESS_FROM:
        from tqdm.auto import tqdm  # lazily: only long loops show a bar

        items = tqdm(means, desc="H_min(Z23 | E) per distinct mean", leave=False)
    return np.array([conditional_min_entropy(m, pixel, per_bit=True, tolerance=tolerance) for m in items])


def _check_map(name: str, value, pixel: Pixel) -> np.ndarray:
    """A non-empty map of mean photoelectron numbers (electrons) for ``pixel``."""
    _check_pixel(pixel)
    mu = require_array(name, value, low=0.0, unit="electrons")
    if mu.size == 0:
        raise ValueError(f"{name} must hold at least one pixel, got an empty array")
    _check_light(name, float(mu.max()), pixel)
    return mu


def frame_report(
    mean_maps: np.ndarray, pixel: Pixel, rule: FrameRule = PAPER_RULE, *, tolerance: float = DEFAULT_TOLERANCE
) -> tuple[np.ndarray, np.ndarray]:
    """Failure probability and average min-entropy per bit for a batch of frames.

    Parameters
    ----------
    mean_maps : array, shape (n_maps, ...)
        The first axis indexes the maps (e.g. times of an LED drift); the rest are pixels.

    Returns
    -------
    failure, entropy : numpy.ndarray, shape (n_maps,)
    """
    maps = _check_map("mean_maps", mean_maps, pixel)
    if maps.ndim < 2 or maps.shape[1:].count(0):
        raise ValueError(f"mean_maps must have shape (n_maps, pixels...), got shape {maps.shape}")
    flat = maps.reshape(maps.shape[0], -1)
    _check_rule(rule)
    rule.check_adc(pixel.adc_max, "pixel")
    lo, hi, inside = _out_of_range(adc_pmf_many(flat, pixel, tolerance=tolerance), rule)
    failure = np.clip(1.0 - _pass_probability(lo, hi, inside, rule), 0.0, 1.0)
    unique, inverse = np.unique(flat, return_inverse=True)
    h = _entropies(unique, pixel, tolerance)
    return failure, h[inverse.reshape(flat.shape)].mean(axis=1)


def count_out_of_range(frames: np.ndarray, rule: FrameRule = PAPER_RULE) -> tuple[np.ndarray, np.ndarray]:
    """``n-`` and ``n+`` of sampled frames: pixels with ``Z < T-`` and with ``Z > T+``.

    Parameters
    ----------
    frames : int array, shape (n_frames, pixels...)
        ADC outputs; the first axis indexes frames.
    rule : FrameRule
        Thresholds.

    Returns
    -------
    n_low, n_high : numpy.ndarray of int, shape (n_frames,)
    """
    _check_rule(rule)
    try:
        z = np.asarray(frames)
    except ValueError:  # ragged nesting
        raise ValueError("frames must be a rectangular integer array of shape (n_frames, pixels...)") from None
    if z.ndim < 2 or z.dtype.kind not in "iu":
        raise ValueError(f"frames must be an integer array of shape (n_frames, pixels...), got {z.dtype} {z.shape}")
    flat = z.reshape(z.shape[0], -1)
    return (flat < rule.low_threshold).sum(1), (flat > rule.high_threshold).sum(1)


def frame_fails(frames: np.ndarray, rule: FrameRule = PAPER_RULE) -> np.ndarray:
    """Whether each sampled frame fails the test: ``n- > N-`` or ``n+ > N+``.

    Parameters
    ----------
    frames : int array, shape (n_frames, pixels...)
        ADC outputs; the first axis indexes frames.
    rule : FrameRule
        Thresholds and counts.

    Returns
    -------
    numpy.ndarray of bool, shape (n_frames,)
    """
    n_low, n_high = count_out_of_range(frames, rule)
    return (n_low > rule.max_low) | (n_high > rule.max_high)


def _check_rule(rule) -> None:
    require_instance("rule", rule, FrameRule, "qkit.qrng.frames.FrameRule (e.g. PAPER_RULE)")

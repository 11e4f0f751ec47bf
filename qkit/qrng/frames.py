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

from qkit._validate import require_integer, require_nonnegative
from qkit.qrng.entropy import conditional_min_entropy
from qkit.qrng.photons import DEFAULT_TOLERANCE
from qkit.qrng.pixel import Pixel
from qkit.qrng.sensor import adc_pmf_many

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

    def check_adc(self, adc_max: int) -> None:
        """Raise if ``T+`` does not fit an ADC whose largest output is ``adc_max``."""
        if self.high_threshold > adc_max:
            raise ValueError(f"high_threshold must be <= {adc_max} (the ADC's largest output), "
                             f"got {self.high_threshold}")


#: The rule of Fig. 8: T- = 64, T+ = 940, N- = N+ = 1.
PAPER_RULE = FrameRule()


def out_of_range_probabilities(z_pmf: np.ndarray, rule: FrameRule = PAPER_RULE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``P(Z < T-)``, ``P(Z > T+)`` and ``P(T- <= Z <= T+)`` from ADC distributions (last axis).

    Parameters
    ----------
    z_pmf : array, shape (..., adc_max + 1)
        ``P(Z = z)`` on the last axis.
    rule : FrameRule
        The thresholds (``T+`` must fit the ADC).

    Returns
    -------
    p_low, p_high, p_in : numpy.ndarray
        Each with the shape of ``z_pmf`` without its last axis.
    """
    _check_rule(rule)
    p = np.asarray(z_pmf, dtype=float)
    if p.ndim == 0 or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError("z_pmf must be an array of finite probabilities >= 0 on its last axis")
    rule.check_adc(p.shape[-1] - 1)
    t_lo, t_hi = rule.low_threshold, rule.high_threshold
    return p[..., :t_lo].sum(-1), p[..., t_hi + 1:].sum(-1), p[..., t_lo:t_hi + 1].sum(-1)


def pass_probability(p_low: np.ndarray, p_high: np.ndarray, p_in: np.ndarray, rule: FrameRule = PAPER_RULE) -> np.ndarray:
    """Exact probability that a frame passes, from each pixel's out-of-range probabilities.

    Dynamic programme over the pixels (last axis) on the capped counts ``(n-, n+)``.

    Parameters
    ----------
    p_low, p_high, p_in : arrays of shape (..., n_pixels)
        Per pixel ``P(Z < T-)``, ``P(Z > T+)``, ``P(T- <= Z <= T+)``; leading axes are a batch.
    rule : FrameRule
        Uses ``N-`` and ``N+``.

    Returns
    -------
    numpy.ndarray, shape (...)
        ``P(n- <= N- and n+ <= N+)``.
    """
    _check_rule(rule)
    lo, hi, inside = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (p_low, p_high, p_in)))
    if lo.ndim == 0:
        raise ValueError("p_low, p_high and p_in need a last axis of pixels")
    for name, a in (("p_low", lo), ("p_high", hi), ("p_in", inside)):
        if not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a > 1 + 1e-12):
            raise ValueError(f"{name} must hold probabilities in [0, 1]")
    cap_lo, cap_hi = rule.max_low + 1, rule.max_high + 1
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
    mu = require_nonnegative("mean_map", mean_map, unit="electrons").ravel()
    if mu.size == 0:
        raise ValueError("mean_map must hold at least one pixel, got an empty array")
    _check_rule(rule)
    rule.check_adc(pixel.adc_max)
    lo, hi, inside = out_of_range_probabilities(adc_pmf_many(mu, pixel, tolerance=tolerance), rule)
    return float(np.clip(1.0 - pass_probability(lo, hi, inside, rule), 0.0, 1.0))


def uniform_failure_curve(
    means: np.ndarray, n_pixels: int, pixel: Pixel, rule: FrameRule = PAPER_RULE,
    *, tolerance: float = DEFAULT_TOLERANCE,
) -> np.ndarray:
    """Failure probability of a uniformly lit frame of ``n_pixels`` for each mean (Fig. 8).

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
    mu = require_nonnegative("means", means, unit="electrons")
    _check_rule(rule)
    rule.check_adc(pixel.adc_max)
    lo, hi, inside = out_of_range_probabilities(adc_pmf_many(mu, pixel, tolerance=tolerance), rule)
    tile = lambda x: np.repeat(x[..., None], n_pixels, axis=-1)  # noqa: E731
    return np.clip(1.0 - pass_probability(tile(lo), tile(hi), tile(inside), rule), 0.0, 1.0)


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
    mu = require_nonnegative("mean_map", mean_map, unit="electrons").ravel()
    if mu.size == 0:
        raise ValueError("mean_map must hold at least one pixel, got an empty array")
    unique, counts = np.unique(mu, return_counts=True)
    h = [conditional_min_entropy(m, pixel, per_bit=True, tolerance=tolerance) for m in unique]
    return float(np.dot(h, counts) / mu.size)


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
    maps = require_nonnegative("mean_maps", mean_maps, unit="electrons")
    if maps.ndim < 2:
        raise ValueError(f"mean_maps must have shape (n_maps, pixels...), got shape {maps.shape}")
    flat = maps.reshape(maps.shape[0], -1)
    _check_rule(rule)
    rule.check_adc(pixel.adc_max)
    lo, hi, inside = out_of_range_probabilities(adc_pmf_many(flat, pixel, tolerance=tolerance), rule)
    failure = np.clip(1.0 - pass_probability(lo, hi, inside, rule), 0.0, 1.0)
    unique, inverse = np.unique(flat, return_inverse=True)
    h = np.array([conditional_min_entropy(m, pixel, per_bit=True, tolerance=tolerance) for m in unique])
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
    z = np.asarray(frames)
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
    if not isinstance(rule, FrameRule):
        raise ValueError(f"rule must be a qkit.qrng.frames.FrameRule, got {type(rule).__name__}")

"""Frame rejection: thresholds ``T-``, ``T+`` and counts ``N-``, ``N+`` (Sec. IV of the QRNG paper).

On every frame the chip counts the pixels that read below ``T-`` (``n-``) and above ``T+``
(``n+``). The frame fails, and is discarded, when ``n- > N-`` or ``n+ > N+``. Fig. 8 uses
``T- = 64``, ``T+ = 940``, ``N+- = 1`` on 64 uniformly lit pixels.

Exactness
---------
Pixels are independent (Sec. III C), so the counts follow a Poisson-multinomial law. With
``p_low = P(Z < T-)``, ``p_high = P(Z > T+)`` and ``p_in = P(T- <= Z <= T+)`` per pixel, a
dynamic programme over the pixels on ``(min(n-, N- + 1), min(n+, N+ + 1))`` gives the exact
probability that a frame passes, and the mass it lumps in the capped states is the probability
that it fails; for identical pixels both are short binomial sums. The functions that take
means compute the three per-pixel probabilities directly, each summed in log space to a
*relative* error below 1e-12 (:func:`exact_out_of_range`), and add up only positive terms: a
failure probability of ``1e-150`` comes out as ``1e-150``, not as the ``1e-11`` that
``1 - P(pass)`` from pmfs truncated at ``1e-12`` would leave. The relative error holds for
normal floats (above about ``2.2e-308``); smaller values are subnormal and lose digits, and
below ``5e-324`` they are 0.

This module computes probabilities; drawing frames belongs to the frame sampler.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qkit._validate import require_allocation, require_array, require_flag, require_instance, require_integer
from qkit.qrng.entropy import conditional_min_entropy
from qkit.qrng._tails import log_out_of_range, log_uniform_fail_pass
from qkit.qrng.photons import DEFAULT_TOLERANCE
from qkit.qrng.pixel import Pixel, _check_pixel
from qkit.qrng.sensor import PMF_ATOL, _check_light

__all__ = [
    "FrameRule",
    "PAPER_RULE",
    "out_of_range_probabilities",
    "exact_out_of_range",
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


def _count_table(lo: np.ndarray, hi: np.ndarray, inside: np.ndarray, rule: FrameRule) -> np.ndarray:
    """The dynamic programme: ``P(min(n-, N- + 1) = i, min(n+, N+ + 1) = j)`` after every pixel."""
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
    return state


def _pass_probability(lo: np.ndarray, hi: np.ndarray, inside: np.ndarray, rule: FrameRule) -> np.ndarray:
    """:func:`pass_probability` without the checks: the uncapped states of the table."""
    return _count_table(lo, hi, inside, rule)[..., :-1, :-1].sum(axis=(-2, -1))


def _fail_probability(lo: np.ndarray, hi: np.ndarray, inside: np.ndarray, rule: FrameRule) -> np.ndarray:
    """The capped states of the table: ``P(n- > N- or n+ > N+)`` as a sum of positive terms."""
    state = _count_table(lo, hi, inside, rule)
    return state[..., -1, :].sum(axis=-1) + state[..., :-1, -1].sum(axis=-1)


def exact_out_of_range(means: np.ndarray, pixel: Pixel, rule: FrameRule = PAPER_RULE
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``P(Z < T-)``, ``P(Z > T+)``, ``P(T- <= Z <= T+)`` of one pixel, each to a relative error < 1e-12.

    ``P(a <= X < b) = sum_n p(n) P(a <= K n + mu_r + G < b)`` (Eqs. 2-4 of the QRNG paper) is
    summed in log space around the largest term, until the terms left out are below 1e-16 of
    the sum (a bound, from the log-concavity of the terms). Unlike sums of
    :func:`qkit.qrng.sensor.adc_pmf`, whose error is absolute (1e-12), a probability of
    ``1e-160`` keeps its digits. Below ``2.2e-308`` (the smallest normal float) a result is
    subnormal and keeps fewer digits; below ``5e-324`` it is 0.

    Parameters
    ----------
    means : array of float
        ``mu_e`` of the pixel (electrons), ``>= 0``, any shape.
    pixel : Pixel
        Gain, noise and ADC.
    rule : FrameRule
        The thresholds ``T-`` and ``T+`` (ADC steps).

    Returns
    -------
    p_low, p_high, p_in : numpy.ndarray
        Each with the shape of ``means``.
    """
    _check_pixel(pixel)
    mu = require_array("means", means, low=0.0, unit="electrons")
    if mu.size:
        _check_light("means", float(mu.max()), pixel)
    _check_rule(rule)
    rule.check_adc(pixel.adc_max, "pixel")
    return tuple(np.exp(v).reshape(mu.shape) for v in log_out_of_range(mu, pixel, rule))


def frame_failure_probability(mean_map: np.ndarray, pixel: Pixel, rule: FrameRule = PAPER_RULE) -> float:
    """Probability that a frame fails, for a map of mean photoelectron numbers (any shape).

    The dynamic programme of :func:`pass_probability` on the exact per-pixel probabilities of
    :func:`exact_out_of_range`; the failure is the mass of the capped states, a sum of positive
    terms, so it keeps a relative error below about 1e-12 however small it is.

    Parameters
    ----------
    mean_map : array
        ``mu_e`` of every pixel of the frame (electrons), ``>= 0``; uniform or not.
    pixel : Pixel
        Gain, noise and ADC shared by all pixels.
    rule : FrameRule
        Thresholds and counts (default: Fig. 8).

    Returns
    -------
    float
        ``P(n- > N- or n+ > N+)``.
    """
    mu = _check_map("mean_map", mean_map, pixel).ravel()
    return float(_map_failures(mu[None, :], pixel, rule)[0])


def _map_failures(maps: np.ndarray, pixel: Pixel, rule: FrameRule) -> np.ndarray:
    """Failure probability of each row of ``maps`` (electrons), from the exact tails."""
    _check_rule(rule)
    rule.check_adc(pixel.adc_max, "pixel")
    unique, inverse = np.unique(maps, return_inverse=True)
    lo, hi, inside = (np.exp(v)[inverse.reshape(maps.shape)] for v in log_out_of_range(unique, pixel, rule))
    return np.clip(_fail_probability(lo, hi, inside, rule), 0.0, 1.0)


def uniform_failure_curve(means: np.ndarray, n_pixels: int, pixel: Pixel, rule: FrameRule = PAPER_RULE) -> np.ndarray:
    """Failure probability of a uniformly lit frame of ``n_pixels`` for each mean (Fig. 8).

    The pixels are identical, so ``n-`` is binomial and, given ``n- = a``, ``n+`` is binomial on
    the other pixels:
    ``P(fail) = P(n- > N-) + sum_{a <= N-} P(n- = a) P(n+ > N+ | n- = a)``, a sum of positive
    terms on the exact tails of :func:`exact_out_of_range` (relative error below about 1e-12;
    no ``1 - P(pass)``). No loop over the pixels, so any ``n_pixels`` costs the same.

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
    log_fail, _ = log_uniform_fail_pass(*log_out_of_range(mu, pixel, rule), n_pixels, rule)
    return np.clip(np.exp(log_fail), 0.0, 1.0).reshape(mu.shape)


def _uniform_pass(lo: np.ndarray, hi: np.ndarray, inside: np.ndarray, n: int, rule: FrameRule) -> np.ndarray:
    """Pass probability of ``n`` identical pixels from their range probabilities (no checks)."""
    with np.errstate(divide="ignore"):
        logs = [np.log(np.asarray(x, dtype=float)) for x in (lo, hi, inside)]
    return np.exp(log_uniform_fail_pass(*logs, n, rule)[1])


def frame_min_entropy(mean_map: np.ndarray, pixel: Pixel, *, tolerance: float = DEFAULT_TOLERANCE,
                      progress: bool = True) -> float:
    """Average ``H_min(Z23 | E)`` per bit over the pixels of a frame (the bar-H of Eq. 8).

    Parameters
    ----------
    mean_map : array
        ``mu_e`` of every pixel (electrons).
    pixel : Pixel
        Gain, noise and ADC of every pixel.
    tolerance : float, keyword-only
        Bound on the error of each guessing probability.
    progress : bool, keyword-only
        Show a progress bar over more than 200 distinct means (``False`` keeps saved outputs clean).
    """
    mu = _check_map("mean_map", mean_map, pixel).ravel()
    unique, counts = np.unique(mu, return_counts=True)
    h = _entropies(unique, pixel, tolerance, require_flag("progress", progress))
    return float(np.dot(h, counts) / mu.size)


def _entropies(means: np.ndarray, pixel: Pixel, tolerance: float, progress: bool = True) -> np.ndarray:
    """``H_min(Z23 | E)`` per bit at each mean; a progress bar when there are many of them."""
    items = means
    if progress and means.size > _PROGRESS_FROM:
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
    mean_maps: np.ndarray, pixel: Pixel, rule: FrameRule = PAPER_RULE, *, tolerance: float = DEFAULT_TOLERANCE,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Failure probability and average min-entropy per bit for a batch of frames.

    Parameters
    ----------
    mean_maps : array, shape (n_maps, ...)
        The first axis indexes the maps (e.g. times of an LED drift); the rest are pixels.
    pixel, rule, tolerance :
        As in :func:`frame_failure_probability` and :func:`frame_min_entropy`.
    progress : bool, keyword-only
        Show a progress bar over more than 200 distinct means (``False`` keeps saved outputs clean).

    Returns
    -------
    failure, entropy : numpy.ndarray, shape (n_maps,)
    """
    maps = _check_map("mean_maps", mean_maps, pixel)
    if maps.ndim < 2 or maps.shape[1:].count(0):
        raise ValueError(f"mean_maps must have shape (n_maps, pixels...), got shape {maps.shape}")
    flat = maps.reshape(maps.shape[0], -1)
    progress = require_flag("progress", progress)
    failure = _map_failures(flat, pixel, rule)
    unique, inverse = np.unique(flat, return_inverse=True)
    h = _entropies(unique, pixel, tolerance, progress)
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

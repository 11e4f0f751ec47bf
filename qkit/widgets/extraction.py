"""Widgets of notebook 07: from min-entropy to random bits.

Two explorers, each around a pure ``*_view`` function that calls :mod:`qkit.qrng.extraction`
and returns a frozen dataclass (the tests drive them headlessly):

* :func:`extractor_explorer`, the chapter's main widget: block length ``n``, min-entropy rate
  and ``epsilon`` -> the leftover hash lemma's output length ``m`` and its bound; on a small block
  (6 raw bits) the exact statistical distance of Toeplitz-hashed bits from uniform, computed by
  enumerating every seed and input, against the bound, for every output length.
* :func:`noise_guessing_explorer`: Eve's best-guess probability of ``Z23`` on every cell of noise
  values ``e``, its average (Eq. (6) of the QRNG paper) and its maximum (the worst case).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np
from scipy.stats import poisson

from qkit._validate import require_choice, require_integer, require_real
from qkit.plots.extraction import draw_extractor, draw_noise_guessing, redraw_extractor, redraw_noise_guessing
from qkit.qrng.extraction import (
    extractor_distance, guessing_probability_by_noise, leftover_hash_bound, leftover_hash_length,
)
from qkit.widgets._explorer import Explorer
from qkit.widgets.qrng_model import PIXELS

__all__ = [
    "flat_source_pmf",
    "ExtractorView",
    "extractor_view",
    "extractor_explorer",
    "NoiseGuessingView",
    "noise_guessing_view",
    "noise_guessing_explorer",
]

_STYLE = {"description_width": "initial"}
_LAYOUT = widgets.Layout(width="520px")
#: Block lengths the explorer offers: powers of two, 2**6 .. 2**20 raw bits.
BLOCK_CHOICES = tuple(1 << p for p in range(6, 21))
#: Top of the explorer's mu_e slider: past about 1150 electrons the 10-bit ADC saturates (K mu_e nears 1023).
MAX_SLIDER_MEAN = 1200.0
_CURVE_BLOCKS = np.array([1 << p for p in range(6, 25)])  # the m / n curve: 64 .. 16.8 million raw bits


def flat_source_pmf(n_bits: int, min_entropy_bits: float, *, seed: int = 7) -> np.ndarray:
    """The flattest source of ``n`` bits with min-entropy ``k``: ``floor(2**k)`` inputs at ``2**-k``, one with the rest.

    ``floor(2**k)`` inputs at ``2**-k`` sum to less than 1 unless ``2**k`` is whole; one more input
    holds the remainder ``1 - floor(2**k) 2**-k`` (below ``2**-k``).
    Its largest probability is ``2**-k`` exactly, so ``H_min = k``; the inputs that carry the mass
    are drawn (without replacement) by ``numpy.random.default_rng(seed)``, so the support is not a
    subspace that a linear hash would treat specially.

    Parameters
    ----------
    n_bits : int
        ``n``, raw bits, ``1 .. 16``.
    min_entropy_bits : float
        ``k``, ``0 <= k <= n`` (bits).
    seed : int, keyword-only
        Seed of the draw of the support, ``>= 0``.

    Returns
    -------
    numpy.ndarray, shape (2**n,)
        Probabilities summing to 1, largest ``2**-k``; input ``x`` has bits ``(x >> j) & 1``.
    """
    n = require_integer("n_bits", n_bits, 1, 16)
    k = require_real("min_entropy_bits", min_entropy_bits, 0.0, float(n), unit="bits")
    seed = require_integer("seed", seed, 0)
    top = 2.0 ** -k
    full = min(int(np.floor(2.0 ** k + 1e-9)), 1 << n)
    values = np.full(full, top)
    rest = 1.0 - full * top
    if rest > 1e-15:
        values = np.append(values, rest)
    pmf = np.zeros(1 << n)
    pmf[np.random.default_rng(seed).permutation(1 << n)[:values.size]] = values
    return pmf / pmf.sum()


@dataclass(frozen=True)
class ExtractorView:
    """The leftover hash lemma for one block, and the exact distance on a small block.

    Attributes
    ----------
    block_bits, min_entropy_rate, epsilon, min_entropy_bits, output_length, bound
        ``n``, ``k / n``, ``epsilon``, ``k``, ``m = floor(k - 2 log2(1/epsilon))`` and the lemma's
        bound ``1/2 2**(-(k - m)/2)`` at that ``m`` (0 when ``m = 0``: no output bits, nothing to bound).
    curve_blocks, curve_fraction
        ``n`` on a grid of powers of two and ``m / n`` at the same rate and ``epsilon``.
    small_bits, small_min_entropy, small_lengths, small_distance, small_bound
        The small block (``small_bits`` raw bits, min-entropy ``rate * small_bits``, the
        :func:`flat_source_pmf`): for each output length, the exact seed-averaged distance from
        uniform (:func:`qkit.qrng.extraction.extractor_distance`) and the bound.
    """

    block_bits: int
    min_entropy_rate: float
    epsilon: float
    min_entropy_bits: float
    output_length: int
    bound: float
    curve_blocks: np.ndarray
    curve_fraction: np.ndarray
    small_bits: int
    small_min_entropy: float
    small_lengths: np.ndarray
    small_distance: np.ndarray
    small_bound: np.ndarray


@lru_cache(maxsize=256)
def _small_case(small_bits: int, small_min_entropy: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact distances and bounds for output lengths 1..small_bits (memoised: a slider revisits values)."""
    pmf = flat_source_pmf(small_bits, small_min_entropy)
    lengths = np.arange(1, small_bits + 1)
    distance = np.array([extractor_distance(pmf, int(m)) for m in lengths])
    bound = np.array([leftover_hash_bound(small_min_entropy, int(m)) for m in lengths])
    for array in (distance, bound):
        array.setflags(write=False)
    return distance, bound


def extractor_view(block_bits: int = 4096, min_entropy_rate: float = 0.98, log2_inverse_epsilon: float = 64.0,
                   small_bits: int = 6) -> ExtractorView:
    """Output length and bound of the leftover hash lemma; exact distance on a small block (notebook 07).

    Parameters
    ----------
    block_bits : int
        ``n``, raw bits per block, ``1 .. 2**24``.
    min_entropy_rate : float
        ``k / n``, min-entropy per raw bit, ``0 <= rate <= 1`` (e.g. ``H_min(Z23 | E)`` per bit, Eq. (6)).
    log2_inverse_epsilon : float
        ``log2(1 / epsilon)``, ``0 < value <= 256`` (64 means ``epsilon = 2**-64``).
    small_bits : int
        Raw bits of the enumerated small block, ``2 .. 7``.

    Returns
    -------
    ExtractorView
    """
    n = require_integer("block_bits", block_bits, 1, 1 << 24)
    rate = require_real("min_entropy_rate", min_entropy_rate, 0.0, 1.0, unit="bits per raw bit")
    log_eps = require_real("log2_inverse_epsilon", log2_inverse_epsilon, 0.0, 256.0, low_inclusive=False, unit="bits")
    small = require_integer("small_bits", small_bits, 2, 7)
    eps = 2.0 ** -log_eps
    k = rate * n
    m = leftover_hash_length(n, k, eps)
    bound = leftover_hash_bound(k, m) if m > 0 else 0.0
    fraction = np.array([leftover_hash_length(int(b), rate * b, eps) / b for b in _CURVE_BLOCKS])
    small_k = round(rate * small, 9)
    distance, small_bound = _small_case(small, small_k)
    return ExtractorView(n, rate, eps, k, m, bound, _CURVE_BLOCKS, fraction, small, small_k,
                         np.arange(1, small + 1), distance, small_bound)


def _describe_extractor(v: ExtractorView) -> str:
    head = f"n = {v.block_bits} raw bits with k = {v.min_entropy_bits:.1f} bits -> "
    if v.output_length == 0:
        return head + f"no output bits: k does not exceed 2 log2(1/ε) = {2 * -np.log2(v.epsilon):.0f} bits"
    return head + (f"m = {v.output_length} output bits ({v.output_length / v.block_bits:.3f} of n); "
                   f"bound {v.bound:.2e}")


def extractor_explorer(block_bits: int = 4096, min_entropy_rate: float = 0.98,
                       log2_inverse_epsilon: float = 64.0) -> Explorer:
    """Block length, min-entropy rate and ``epsilon`` over the leftover hash lemma (notebook 07's main widget).

    Parameters
    ----------
    block_bits : int
        Starting ``n``, a power of two from 64 to 2**20 raw bits.
    min_entropy_rate : float
        Starting ``k / n``, ``0.05 <= rate <= 1``.
    log2_inverse_epsilon : float
        Starting ``log2(1 / epsilon)``, ``1 .. 128``.
    """
    block_bits = require_choice("block_bits", block_bits, BLOCK_CHOICES)
    rate = require_real("min_entropy_rate", min_entropy_rate, 0.05, 1.0, unit="bits per raw bit")
    log_eps = require_real("log2_inverse_epsilon", log2_inverse_epsilon, 1.0, 128.0, unit="bits")
    controls = {
        "block_bits": widgets.SelectionSlider(options=list(BLOCK_CHOICES), value=block_bits,
                                              description="raw bits per block n", style=_STYLE, layout=_LAYOUT),
        "min_entropy_rate": widgets.FloatSlider(value=rate, min=0.05, max=1.0, step=0.01,
                                                description="min-entropy per raw bit k/n", style=_STYLE,
                                                layout=_LAYOUT),
        "log2_inverse_epsilon": widgets.IntSlider(value=int(round(log_eps)), min=1, max=128, step=1,
                                                  description="log2(1/ε)", style=_STYLE, layout=_LAYOUT),
    }
    return Explorer(controls, compute=extractor_view, draw=draw_extractor, redraw=redraw_extractor,
                    figsize=(11, 4.0),
                    describe=_describe_extractor)


@dataclass(frozen=True)
class NoiseGuessingView:
    """Eve's guessing probability of ``Z23`` per cell of noise values, at one mean and pixel.

    Attributes
    ----------
    mean, pixel_name
        ``mu_e`` (electrons) and the pixel's key in :data:`qkit.widgets.qrng_model.PIXELS`.
    noise_low, noise_high, mass, guessing_probability
        The cells of :func:`qkit.qrng.extraction.guessing_probability_by_noise`.
    average, worst
        ``sum mass * p_guess`` (Eq. (6)) and ``max p_guess`` over cells with mass.
    average_per_bit, worst_per_bit
        ``-log2`` of each, divided by the 2 kept bits: average- and worst-case ``H_min`` per bit.
    central
        The cells the worst case runs over (all but ``qkit.qrng.extraction.DEFAULT_NOISE_TAIL`` of ``E``).
    saturation
        ``P(K n + e_mean > adc_max)``: how often the photoelectrons alone push the reading past the ADC's
        top at the mean noise (the ADC saturates and Eve guesses every bit when this nears 1).
    """

    mean: float
    pixel_name: str
    noise_low: np.ndarray
    noise_high: np.ndarray
    mass: np.ndarray
    guessing_probability: np.ndarray
    average: float
    worst: float
    average_per_bit: float
    worst_per_bit: float
    central: np.ndarray
    saturation: float


def noise_guessing_view(mean: float = 50.0, pixel_name: str = "pixel 1") -> NoiseGuessingView:
    """Per-noise guessing probabilities and both conditional min-entropies (notebook 07).

    Parameters
    ----------
    mean : float
        ``mu_e``, ``0 <= mean <= 1400`` electrons.
    pixel_name : str
        A key of :data:`qkit.widgets.qrng_model.PIXELS`.

    Returns
    -------
    NoiseGuessingView
    """
    mean = require_real("mean", mean, 0.0, 1400.0, unit="electrons")
    pixel = PIXELS[require_choice("pixel_name", pixel_name, tuple(PIXELS))]
    g = guessing_probability_by_noise(mean, pixel)
    kept = pixel.n_kept
    avg, worst = g.average, g.worst
    per_bit = [min(1.0, max(0.0, -float(np.log2(min(p, 1.0))) / kept)) for p in (avg, worst)]
    mean_noise = float(g.mass @ (0.5 * (g.noise_low + g.noise_high)) / g.mass.sum())
    saturation = float(poisson.sf(np.floor((pixel.adc_max - mean_noise) / pixel.gain), mean)) if pixel.gain else 0.0
    return NoiseGuessingView(mean, pixel_name, g.noise_low, g.noise_high, g.mass, g.guessing_probability,
                             avg, worst, per_bit[0], per_bit[1], g.central, saturation)


def noise_guessing_explorer(mean: float = 50.0, pixel_name: str = "pixel 1") -> Explorer:
    """A slider for ``mu_e`` and a pixel menu over Eve's guessing probability per noise value (notebook 07).

    Parameters
    ----------
    mean : float
        Starting ``mu_e``, ``5 <= mean <= 1200`` electrons (the ADC starts to saturate near 1150).
    pixel_name : str
        Starting pixel, a key of :data:`qkit.widgets.qrng_model.PIXELS`.
    """
    mean = require_real("mean", mean, 5.0, MAX_SLIDER_MEAN, unit="electrons (the slider's range)")
    pixel_name = require_choice("pixel_name", pixel_name, tuple(PIXELS))
    controls = {
        "mean": widgets.FloatSlider(value=mean, min=5, max=MAX_SLIDER_MEAN, step=5,
                                    description="mean photoelectrons μ_e", style=_STYLE, layout=_LAYOUT),
        "pixel_name": widgets.Dropdown(options=list(PIXELS), value=pixel_name, description="pixel", style=_STYLE),
    }
    return Explorer(controls, compute=noise_guessing_view, draw=draw_noise_guessing, redraw=redraw_noise_guessing, figsize=(10, 3.8),
                    describe=lambda v: (f"H_min(Z23|E) per bit: average case {v.average_per_bit:.5f}, "
                                        f"worst case {v.worst_per_bit:.5f}"))

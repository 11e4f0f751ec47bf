"""From min-entropy to uniform bits: Toeplitz hashing and the leftover hash lemma.

The chip's kept bits ``Z23`` carry ``H_min(Z23 | E)`` bits of min-entropy per sample (Eqs. 5-6
of the QRNG paper), slightly less than their length. A *seeded extractor* turns ``n`` raw bits
holding ``k`` bits of min-entropy into ``m < k`` bits that are ``epsilon``-close to uniform, even
for an adversary who knows the seed.

Toeplitz hashing
----------------
A Toeplitz matrix ``T`` (``m`` rows, ``n`` columns) is constant along its diagonals, so ``n + m - 1``
seed bits ``s`` define it: ``T[i, j] = s[i - j + n - 1]``. The output ``y = T x (mod 2)`` is

    ``y_i = sum_j s[i + n - 1 - j] x_j  (mod 2)``,

entries ``n - 1 .. n + m - 2`` of the integer convolution ``s * x``. :func:`toeplitz_extract`
computes that convolution with a real FFT of length ``>= n + m - 1`` (the wrap-around lands only
on entries below ``n - 1``), rounds to integers and takes them mod 2: ``O(n log n)`` per block
instead of ``O(n m)`` for :func:`toeplitz_extract_direct`.

Exactness of the float FFT: the convolution entries are integers ``<= n``; the FFT's rounding
error is about ``eps * ||s|| ||x|| * log2(L) <= 1.1e-16 * L * log2(L)`` for transform length ``L``,
below 1e-6 up to ``L = 2**24`` (:data:`MAX_BLOCK_LENGTH`), far from the 0.5 that would flip a bit.
Every call also checks that each entry lies within 0.25 of an integer and raises otherwise.

The leftover hash lemma
-----------------------
Toeplitz matrices with a uniform seed are a universal family: ``P_s(T_s x = T_s x') = 2**-m`` for
``x != x'``. For such a family and a source of min-entropy ``k`` the lemma bounds the statistical
distance of ``(S, T_S X)`` from ``(S, U_m)``, i.e. the average over seeds of the distance of
``T_s X`` from uniform, by ``1/2 sqrt((2**m - 1) P_coll(X)) <= 1/2 2**(-(k - m) / 2)``
(:func:`leftover_hash_bound`). Choosing ``m = floor(k - 2 log2(1 / epsilon))``
(:func:`leftover_hash_length`) makes it at most ``epsilon / 2 <= epsilon``.
:func:`extractor_distance` computes the left-hand side exactly on small cases.

Worst case and average case
---------------------------
Eq. (6) averages Eve's best-guess probability over the noise ``E``: ``H_min(Z23 | E)`` of
:func:`qkit.qrng.entropy.conditional_min_entropy` is the *average-case* conditional min-entropy,
which is what the leftover hash lemma needs when Eve learns ``E`` (the lemma holds with side
information, on average over it). The *worst case* ``-log2 max_e max_b P(Z23 = b | E = e)``
(:func:`worst_case_min_entropy`) is what a bound must use if Eve could *choose* the noise. The
cells of the exact sum (:mod:`qkit.qrng._guessing`, reused read-only here) give both.

The maximum runs over the central noise values that hold all but ``noise_tail`` (default
:data:`DEFAULT_NOISE_TAIL`) of ``E``'s mass, never over the truncation residue of the exact sum.
Away from the ADC's clip edges ``max_b P(Z23 = b | E = e)`` has period 4 in ``e`` (``Z -> Z + 4``
permutes ``Z23`` cyclically), so there the worst case depends on ``K`` and ``mu_e`` only. In dim
light rare low noise values push ``K n + e`` under 0, the ADC clips to 0 and Eve guesses well: the
worst case then depends on ``noise_tail``, i.e. on how rare a noise value we agree to ignore.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import fft as sp_fft

from qkit._validate import require_allocation, require_array, require_flag, require_integer, require_real
from qkit.qrng import _guessing
from qkit.qrng.entropy import _check_work
from qkit.qrng.noise import interval_masses, noise_components
from qkit.qrng.photons import DEFAULT_TOLERANCE, _check_tolerance, poisson_weights
from qkit.qrng.pixel import Pixel, _check_pixel
from qkit.qrng.sensor import _check_light, adc_floor

__all__ = [
    "MAX_BLOCK_LENGTH",
    "samples_to_bits",
    "toeplitz_matrix",
    "toeplitz_extract",
    "toeplitz_extract_direct",
    "leftover_hash_length",
    "leftover_hash_bound",
    "extractor_distance",
    "DEFAULT_NOISE_TAIL",
    "NoiseGuessing",
    "guessing_probability_by_noise",
    "worst_case_min_entropy",
]

#: Largest ``n + m - 1`` (seed length) of one Toeplitz block: the float FFT stays exact (module docstring).
MAX_BLOCK_LENGTH = 1 << 24

#: Default ``noise_tail`` of the worst case: noise values in the two tails of ``E`` holding this much
#: mass together (one in a billion) are ignored by :attr:`NoiseGuessing.worst`.
DEFAULT_NOISE_TAIL = 1e-9

#: Largest number of (seed, input) pairs :func:`extractor_distance` enumerates.
MAX_ENUMERATION = 1 << 24

_FFT_CHUNK = 1 << 22  # transform entries per batch of blocks (about 100 MB of work arrays)


def _check_bits(name: str, value, ndim: tuple[int, ...]) -> np.ndarray:
    """0/1 values (ints or bools) as uint8, with an allowed number of dimensions."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "bui":  # fast path: no NaN, one pass each way
        arr = value
        if arr.dtype.kind != "b" and arr.size and (arr.min() < 0 or arr.max() > 1):
            raise ValueError(f"{name} must hold 0/1 bits, got values from {arr.min()} to {arr.max()}")
    else:
        arr = require_array(name, value, dtype=int, low=0, high=1)
    if arr.ndim not in ndim:
        want = " or ".join(map(str, ndim))
        raise ValueError(f"{name} must have {want} dimension(s) of 0/1 bits, got shape {arr.shape}")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must hold at least one bit, got shape {arr.shape}")
    return arr.astype(np.uint8)


def _check_shapes(bits, seed_bits, output_length) -> tuple[np.ndarray, np.ndarray, int]:
    if isinstance(bits, np.ndarray) and isinstance(seed_bits, np.ndarray) and bits.ndim and seed_bits.ndim == 1:
        if seed_bits.size > MAX_BLOCK_LENGTH:  # refuse before checking millions of values
            raise ValueError(f"seed_bits: {seed_bits.size} seed bits (n + m - 1) exceed MAX_BLOCK_LENGTH = "
                             f"{MAX_BLOCK_LENGTH}; split the input bits into shorter blocks")
    x = _check_bits("bits", bits, (1, 2))
    n = x.shape[-1]
    m = require_integer("output_length", output_length, 1, n)
    s = _check_bits("seed_bits", seed_bits, (1,))
    if s.size != n + m - 1:
        raise ValueError(f"seed_bits must hold n + m - 1 = {n} + {m} - 1 = {n + m - 1} bits for {n} input bits "
                         f"and output_length={m}, got {s.size}")
    if s.size > MAX_BLOCK_LENGTH:
        raise ValueError(f"bits: a block of n={n} bits with output_length={m} needs n + m - 1 = {s.size} seed bits, "
                         f"more than MAX_BLOCK_LENGTH = {MAX_BLOCK_LENGTH} (split the input into shorter blocks)")
    return x, s, m


def samples_to_bits(samples: np.ndarray, bits_per_sample: int) -> np.ndarray:
    """Unpack kept-bit samples (e.g. ``Z23`` in 0..3) into a flat 0/1 array, least significant bit first.

    Parameters
    ----------
    samples : array of int
        Values in ``0 .. 2**bits_per_sample - 1`` (:func:`qkit.qrng.sensor.extract_bits`), any shape.
    bits_per_sample : int
        Bits per sample, 1-16 (2 for ``Z23``).

    Returns
    -------
    numpy.ndarray of uint8, shape (samples.size * bits_per_sample,)
        Bit ``kept_bits[0]`` of each sample, then ``kept_bits[1]``, ...: bits 2, 3 of each reading for ``Z23``.
    """
    width = require_integer("bits_per_sample", bits_per_sample, 1, 16)
    top = (1 << width) - 1
    if isinstance(samples, np.ndarray) and samples.dtype.kind in "ui":  # fast path for sampled data
        z = samples
        if z.size and (z.min() < 0 or z.max() > top):
            raise ValueError(f"samples must lie in 0..{top} for bits_per_sample={width}, "
                             f"got values from {z.min()} to {z.max()}")
    else:
        z = require_array("samples", samples, dtype=int, low=0, high=top)
    flat = z.reshape(-1, 1)
    return ((flat >> np.arange(width)) & 1).astype(np.uint8).reshape(-1)


def toeplitz_matrix(seed_bits: np.ndarray, input_length: int, output_length: int) -> np.ndarray:
    """The ``m x n`` Toeplitz matrix ``T[i, j] = s[i - j + n - 1]`` of a seed of ``n + m - 1`` bits.

    Parameters
    ----------
    seed_bits : 1-D array of 0/1
        ``n + m - 1`` seed bits.
    input_length : int
        ``n``, bits per input block, ``>= 1``.
    output_length : int
        ``m``, bits per output block, ``1 <= m <= n``.

    Returns
    -------
    numpy.ndarray of uint8, shape (m, n)
    """
    n = require_integer("input_length", input_length, 1)
    m = require_integer("output_length", output_length, 1, n)
    s = _check_bits("seed_bits", seed_bits, (1,))
    if s.size != n + m - 1:
        raise ValueError(f"seed_bits must hold input_length + output_length - 1 = {n + m - 1} bits, got {s.size}")
    require_allocation(f"a {m} x {n} Toeplitz matrix", float(m) * n)
    windows = np.lib.stride_tricks.sliding_window_view(s, n)[:m]  # row i: s[i .. i + n - 1]
    return np.ascontiguousarray(windows[:, ::-1])


def toeplitz_extract_direct(bits: np.ndarray, seed_bits: np.ndarray, output_length: int) -> np.ndarray:
    """Reference Toeplitz hashing ``T x (mod 2)`` as a matrix product (``O(n m)`` per block).

    The product runs in float64 (BLAS): every partial sum is a whole number ``<= n < 2**53``, so it is exact.

    Parameters
    ----------
    bits : array of 0/1, shape (n,) or (blocks, n)
        Raw bits, one block per row.
    seed_bits : 1-D array of 0/1
        ``n + m - 1`` seed bits (:func:`toeplitz_matrix`).
    output_length : int
        ``m``, output bits per block, ``1 <= m <= n``.

    Returns
    -------
    numpy.ndarray of uint8, shape (m,) or (blocks, m)
    """
    x, s, m = _check_shapes(bits, seed_bits, output_length)
    n = x.shape[-1]
    require_allocation(f"the direct Toeplitz product ({m} x {n} matrix)", 8.0 * m * n + 16.0 * x.size)
    t = toeplitz_matrix(s, n, m).astype(np.float64)
    y = x.astype(np.float64) @ t.T
    return (y.astype(np.int64) & 1).astype(np.uint8)


def toeplitz_extract(bits: np.ndarray, seed_bits: np.ndarray, output_length: int) -> np.ndarray:
    """Toeplitz hashing ``y = T x (mod 2)`` of one block or many, by FFT convolution (exact).

    Parameters
    ----------
    bits : array of 0/1, shape (n,) or (blocks, n)
        Raw bits, one block per row; every block is hashed with the same seed.
    seed_bits : 1-D array of 0/1
        ``n + m - 1`` seed bits, uniform and independent of the raw bits; ``n + m - 1 <= MAX_BLOCK_LENGTH``.
    output_length : int
        ``m``, output bits per block, ``1 <= m <= n`` (:func:`leftover_hash_length`).

    Returns
    -------
    numpy.ndarray of uint8, shape (m,) or (blocks, m)
        Equal to :func:`toeplitz_extract_direct` bit for bit.

    Raises
    ------
    ArithmeticError
        If an FFT entry strays more than 0.25 from an integer (not seen within ``MAX_BLOCK_LENGTH``).
    """
    x, s, m = _check_shapes(bits, seed_bits, output_length)
    n = x.shape[-1]
    blocks = x.reshape(-1, n)
    length = sp_fft.next_fast_len(n + m - 1, real=True)
    per_batch = max(1, _FFT_CHUNK // length)
    require_allocation(f"the FFT of {min(per_batch, blocks.shape[0])} blocks of length {length}",
                       40.0 * length * min(per_batch, blocks.shape[0]) + float(blocks.shape[0]) * m)
    seed_spectrum = sp_fft.rfft(s.astype(np.float64), length)
    out = np.empty((blocks.shape[0], m), dtype=np.uint8)
    for start in range(0, blocks.shape[0], per_batch):
        chunk = blocks[start:start + per_batch].astype(np.float64)
        conv = sp_fft.irfft(sp_fft.rfft(chunk, length, axis=1) * seed_spectrum, length, axis=1)[:, n - 1:n - 1 + m]
        whole = np.rint(conv)
        if np.max(np.abs(conv - whole)) > 0.25:
            raise ArithmeticError(f"toeplitz_extract: FFT rounding exceeded 0.25 at block length {n} (report this)")
        out[start:start + per_batch] = whole.astype(np.int64) & 1
    return out.reshape(x.shape[:-1] + (m,))


def leftover_hash_length(n: int, min_entropy_bits: float, epsilon: float) -> int:
    """Output length ``m = floor(k - 2 log2(1 / epsilon))`` of the leftover hash lemma (0 if negative).

    Parameters
    ----------
    n : int
        Raw bits per block, ``>= 1``.
    min_entropy_bits : float
        ``k``, min-entropy of the block in bits, ``0 <= k <= n`` (e.g. ``n`` times the per-bit
        ``H_min(Z23 | E)`` of Eq. (6) for an IID source).
    epsilon : float
        Allowed distance from uniform, ``0 < epsilon < 1`` (e.g. ``2**-64``).

    Returns
    -------
    int
        ``m`` with ``0 <= m <= n``; :func:`leftover_hash_bound` at ``m`` is ``<= epsilon / 2``.
    """
    n = require_integer("n", n, 1)
    k = require_real("min_entropy_bits", min_entropy_bits, 0.0, float(n), unit="bits")
    eps = require_real("epsilon", epsilon, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    return max(0, int(np.floor(k - 2.0 * -np.log2(eps))))


def leftover_hash_bound(min_entropy_bits: float, output_length: int) -> float:
    """The leftover hash lemma's bound ``1/2 * 2**(-(k - m) / 2)`` on the distance from uniform (capped at 1).

    Parameters
    ----------
    min_entropy_bits : float
        ``k >= 0``, min-entropy of the raw block (bits).
    output_length : int
        ``m >= 1``, output bits.

    Returns
    -------
    float
        Upper bound on the seed-averaged statistical distance of a universal hash's output from uniform.
    """
    k = require_real("min_entropy_bits", min_entropy_bits, 0.0, None, unit="bits")
    m = require_integer("output_length", output_length, 1)
    return float(min(1.0, 0.5 * 2.0 ** ((m - k) / 2.0)))


def extractor_distance(source_pmf: np.ndarray, output_length: int, *, seed_bits: np.ndarray | None = None) -> float:
    """Exact statistical distance of Toeplitz-extracted bits from uniform, by enumeration.

    Parameters
    ----------
    source_pmf : 1-D array
        Probabilities of the ``2**n`` raw inputs; input ``x`` has bits ``x_j = (x >> j) & 1``.
    output_length : int
        ``m``, output bits, ``1 <= m <= n``.
    seed_bits : 1-D array of 0/1, optional
        One seed of ``n + m - 1`` bits. Default: average over all ``2**(n + m - 1)`` seeds, the
        quantity the leftover hash lemma bounds.

    Returns
    -------
    float
        ``1/2 sum_y |P(T_s X = y) - 2**-m|`` for the given seed, or its mean over all seeds.
    """
    p = require_array("source_pmf", source_pmf, ndim=1, low=0.0, high=1.0, min_size=2)
    n = int(p.size).bit_length() - 1
    if p.size != 1 << n:
        raise ValueError(f"source_pmf must have 2**n entries (n raw bits), got {p.size}")
    if abs(p.sum() - 1.0) > 1e-9:
        raise ValueError(f"source_pmf must sum to 1, got {p.sum():.12g}")
    m = require_integer("output_length", output_length, 1, n)
    n_seeds = 1 << (n + m - 1) if seed_bits is None else 1
    if n_seeds * p.size > MAX_ENUMERATION:
        raise ValueError(f"source_pmf: {n_seeds} seeds x {p.size} inputs exceed {MAX_ENUMERATION} pairs; "
                         "use fewer raw bits, a smaller output_length or one seed_bits")
    if seed_bits is None:
        seeds = ((np.arange(1 << (n + m - 1))[:, None] >> np.arange(n + m - 1)) & 1).astype(np.uint8)
    else:
        seeds = _check_bits("seed_bits", seed_bits, (1,))[None, :]
        if seeds.shape[1] != n + m - 1:
            raise ValueError(f"seed_bits must hold n + m - 1 = {n + m - 1} bits, got {seeds.shape[1]}")
    inputs = ((np.arange(p.size)[:, None] >> np.arange(n)) & 1).astype(np.float64)  # (2**n, n)
    powers = 1 << np.arange(m)
    total = 0.0
    per_batch = max(1, (1 << 20) // (p.size * m))
    for start in range(0, seeds.shape[0], per_batch):
        batch = seeds[start:start + per_batch]
        windows = np.lib.stride_tricks.sliding_window_view(batch, n, axis=1)[:, :m, ::-1]  # (S, m, n)
        y = ((inputs @ windows.astype(np.float64).transpose(0, 2, 1)).astype(np.int64) & 1) @ powers
        rows = (np.arange(batch.shape[0])[:, None] << m) + y
        out = np.bincount(rows.ravel(), weights=np.broadcast_to(p, y.shape).ravel(), minlength=batch.shape[0] << m)
        total += 0.5 * float(np.abs(out - 2.0 ** -m).sum())
    return total / seeds.shape[0]


@dataclass(frozen=True)
class NoiseGuessing:
    """Eve's best-guess probability of ``Z23`` on each cell of noise values (:func:`guessing_probability_by_noise`).

    Attributes
    ----------
    noise_low, noise_high : numpy.ndarray
        Each cell ``[noise_low, noise_high)`` of the noise ``E`` (ADC steps); equal for an atom of ``E``.
    mass : numpy.ndarray
        ``P(E in cell)``.
    guessing_probability : numpy.ndarray
        ``max_b P(Z23 = b | E = e)``, constant for ``e`` in the cell.
    noise_tail : float
        Mass of ``E``'s two tails (half each) left out of :attr:`worst`; default :data:`DEFAULT_NOISE_TAIL`.
    """

    noise_low: np.ndarray
    noise_high: np.ndarray
    mass: np.ndarray
    guessing_probability: np.ndarray
    noise_tail: float = DEFAULT_NOISE_TAIL

    @property
    def central(self) -> np.ndarray:
        """Cells (sorted by noise value) that reach into the central interval holding ``1 - noise_tail`` of ``E``."""
        after = np.cumsum(self.mass)
        total = after[-1]
        return (after > 0.5 * self.noise_tail * total) & (after - self.mass < (1 - 0.5 * self.noise_tail) * total) \
            & (self.mass > 0)

    @property
    def average(self) -> float:
        """``sum mass * guessing_probability``: Eq. (6)'s ``p_guess`` (within the tolerance)."""
        return float(self.mass @ self.guessing_probability)

    @property
    def worst(self) -> float:
        """``max`` of the guessing probability over the :attr:`central` cells (the worst case)."""
        return float(self.guessing_probability[self.central].max())


def _check_noise_tail(noise_tail: float | None, tolerance: float) -> float:
    if noise_tail is None:  # the default: one in a billion, or the exact sum's tolerance if that is larger
        return max(DEFAULT_NOISE_TAIL, tolerance)
    return require_real("noise_tail", noise_tail, tolerance, 0.5, high_inclusive=False,
                        unit="probability mass; the lower limit is tolerance")


def guessing_probability_by_noise(mean_photoelectrons: float, pixel: Pixel, *,
                                  tolerance: float = DEFAULT_TOLERANCE,
                                  noise_tail: float | None = None) -> NoiseGuessing:
    """``max_b P(Z23 = b | E = e)`` on every cell of noise values, with the cell's probability.

    The cells are those of the exact sum of Eq. (6) (:mod:`qkit.qrng.entropy`): integer parts of
    ``e`` times intervals between the breakpoints ``frac(-K n)``; noise values beyond them carry
    at most ``tolerance`` of ``E``'s mass and are left out (far out, e.g. ``e = -1000``, the ADC
    clips to 0 and Eve would guess every bit).

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e >= 0`` (electrons).
    pixel : Pixel
        The pixel (Table I presets).
    tolerance : float, keyword-only
        Photoelectron and noise mass left out.
    noise_tail : float or None, keyword-only
        Mass of ``E``'s two tails that :attr:`NoiseGuessing.worst` ignores, ``tolerance <= noise_tail < 0.5``;
        None (default) means :data:`DEFAULT_NOISE_TAIL`, or ``tolerance`` if that is larger.

    Returns
    -------
    NoiseGuessing
    """
    _check_pixel(pixel)
    mu = _check_light("mean_photoelectrons", mean_photoelectrons, pixel)
    tolerance = _check_tolerance(tolerance)
    noise_tail = _check_noise_tail(noise_tail, tolerance)
    _check_work(mu, pixel, tolerance, "guessing_probability_by_noise (mean_photoelectrons, pixel)")
    n, w = poisson_weights(mu, tolerance / 3)
    if pixel.readout_sigma == 0.0:
        centres, weights = noise_components(pixel, tolerance=2 * tolerance / 3)  # the atoms of E
        b = _guessing.bits(adc_floor(pixel.gain * n[None, :] + centres[:, None], pixel.adc_max), pixel.kept_bits)
        rows = np.repeat(np.arange(centres.size), n.size) << pixel.n_kept
        cond = np.bincount(rows + b.ravel(), weights=np.tile(w, centres.size), minlength=centres.size << pixel.n_kept)
        best = cond.reshape(centres.size, -1).max(axis=1)
        order = np.argsort(centres, kind="stable")
        return NoiseGuessing(centres[order], centres[order], weights[order], np.minimum(best[order], 1.0), noise_tail)
    starts, base, flips, row = _guessing.flip_table(n, pixel.gain)
    js = _guessing._integer_parts(pixel, tolerance)
    low = (js[:, None] + starts[None, :]).ravel()
    high = np.append(low[1:], js[-1] + 1.0)
    mass = interval_masses(np.append(low, js[-1] + 1.0), pixel, tolerance=2 * tolerance / 3)
    best = _guessing.conditional_maxima(n, w, pixel, js, starts, base, flips, row).ravel()
    return NoiseGuessing(low, high, mass, np.minimum(best, 1.0), noise_tail)


def worst_case_min_entropy(mean_photoelectrons: float, pixel: Pixel, *, per_bit: bool = False,
                           tolerance: float = DEFAULT_TOLERANCE, noise_tail: float | None = None) -> float:
    """Worst-case conditional min-entropy ``-log2 max_e max_b P(Z23 = b | E = e)`` (bits).

    Compare with the average case of Eq. (6), :func:`qkit.qrng.entropy.conditional_min_entropy`,
    which is never smaller. The maximum runs over the central noise values that carry all but
    ``noise_tail`` of ``E``'s mass (:attr:`NoiseGuessing.worst`). In dim light the worst case sits
    where rare low noise makes the ADC clip to 0, so it depends on ``noise_tail`` (module docstring).

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e >= 0`` (electrons).
    pixel : Pixel
        The pixel.
    per_bit : bool, keyword-only
        Divide by the number of kept bits.
    tolerance : float, keyword-only
        Noise and photoelectron mass left out of the exact sum.
    noise_tail : float or None, keyword-only
        Mass of ``E``'s two tails (half each) ignored, ``tolerance <= noise_tail < 0.5``; None (default) means
        :data:`DEFAULT_NOISE_TAIL` (one in a billion), or ``tolerance`` if that is larger.

    Returns
    -------
    float
        In ``[0, len(kept_bits)]`` (or ``[0, 1]`` per bit).
    """
    per_bit = require_flag("per_bit", per_bit)
    worst = guessing_probability_by_noise(mean_photoelectrons, pixel, tolerance=tolerance,
                                          noise_tail=noise_tail).worst
    h = min(max(0.0, -float(np.log2(min(worst, 1.0)))), float(pixel.n_kept))
    return h / pixel.n_kept if per_bit else h

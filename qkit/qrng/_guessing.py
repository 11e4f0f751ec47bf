"""The exact cell decomposition of Eq. (6), made fast (private to :mod:`qkit.qrng.entropy`).

Three observations keep the exact sum of :mod:`qkit.qrng.entropy` cheap enough for a slider:

1. **The noise masses do not depend on the light.** A cell is ``[j + s_i, j + s_(i+1))`` with
   ``s_i`` a breakpoint ``frac(-K n)``. Every mean's breakpoints belong to the set of all
   ``frac(-K n)`` for ``0 <= n < n_cap`` (625 values for ``K = 0.8192 = 512/625``). The mass of
   ``E`` between consecutive points of that set is computed once per pixel (cached); a mean's
   cells are unions of these, so their masses are differences of cumulative sums.
2. **Away from the clip edges the cells repeat.** If no ``Z = j + W_n`` of a cell can fall
   below 0 or above ``adc_max``, the kept bits depend on ``j`` only through ``j mod P`` with
   ``P = 2**(max(kept_bits) + 1)`` (16 for ``Z23``). The conditional table is then computed for
   ``P`` integer parts only, and the masses of all ``j`` with the same residue are added first.
   Only the integer parts next to a clip edge need their own table.
3. **Without side information the curve is linear in the light.** ``P(Z23 = b | N = n)`` for
   ``n`` total electrons is computed once per pixel; ``P(Z23)`` at every mean is a matrix
   product with Poisson weights.

All three are rearrangements of the same finite sums: the result equals the direct evaluation
up to floating-point rounding (``tests/test_qrng_entropy.py`` compares with brute force to 1e-11).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import special, stats

from qkit.qrng.noise import interval_masses, noise_components
from qkit.qrng.photons import poisson_pmf, poisson_weights
from qkit.qrng.pixel import Pixel
from qkit.qrng.sensor import adc_floor, extract_bits

_MERGE = 1e-10  # breakpoints closer than this are the same point up to rounding of K n
_MIN_CAP = 1024  # smallest photoelectron range of a cached breakpoint set
_MAX_CAP = 1 << 14  # beyond this many electrons the caches would be large: evaluate directly


def bits(v: np.ndarray, kept: tuple[int, ...]) -> np.ndarray:
    """The kept bits of non-negative integers ``v``, bit ``kept[0]`` least significant."""
    out = (v >> kept[0]) & 1
    for i, b in enumerate(kept[1:], start=1):
        out |= ((v >> b) & 1) << i
    return out


def flip_table(n: np.ndarray, gain: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
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


def conditional_maxima(n, w, pixel: Pixel, js: np.ndarray, starts, base, flips, row, *,
                       clip: bool = True) -> np.ndarray:
    """``max_b P(Z23 = b | cell)`` for every integer part ``j`` and f-interval: shape (J, I).

    On the first f-interval ``Z = clip(j + base_n)``; at its interval each flipping ``n`` moves
    its weight to ``clip(j + base_n + 1)``, which changes the kept bits only when ``Z + 1`` is a
    multiple of ``2**min(kept_bits)`` (a quarter of the moves for ``Z23``). A cumulative sum
    over intervals applies the moves. ``clip=False`` leaves ``Z`` unclipped (valid for integer
    parts away from the clip edges). The table is laid out (J, b, I): the sum runs along
    contiguous memory.
    """
    A, kept, n_out = pixel.adc_max, pixel.kept_bits, 1 << pixel.n_kept
    n_j, n_int = js.size, starts.size
    v0 = js[:, None] + base[None, :]
    if clip:
        v0 = np.clip(v0, 0, A)
    b0 = bits(v0, kept)
    first = np.bincount((np.arange(n_j)[:, None] * n_out + b0).ravel(), weights=np.broadcast_to(w, b0.shape).ravel(),
                        minlength=n_j * n_out)
    delta = np.zeros((n_j, n_out, n_int))
    delta[:, :, 0] = first.reshape(n_j, n_out)
    if flips.any():
        v = v0[:, flips]
        moves = ((v + 1) & ((1 << min(kept)) - 1)) == 0
        if clip:
            moves &= v < A
        jj, k = np.nonzero(moves)
        if jj.size:
            at = jj * (n_out * n_int) + row[k]
            wf = w[flips][k]
            b_from = b0[:, flips][jj, k]
            b_to = bits(v[jj, k] + 1, kept)
            flat = delta.reshape(-1)
            flat += np.bincount(at + b_to * n_int, weights=wf, minlength=flat.size)
            flat -= np.bincount(at + b_from * n_int, weights=wf, minlength=flat.size)
    np.cumsum(delta, axis=2, out=delta)
    return delta.max(axis=1)


def guess_atoms(n: np.ndarray, w: np.ndarray, pixel: Pixel, tolerance: float) -> float:
    """Eq. (6) when ``E`` is discrete (no readout noise): a sum over its atoms."""
    centres, weights = noise_components(pixel, tolerance=2 * tolerance / 3)
    z = adc_floor(pixel.gain * n[None, :] + centres[:, None], pixel.adc_max)
    b = extract_bits(z, pixel.kept_bits)
    n_out = 1 << pixel.n_kept
    rows = np.repeat(np.arange(centres.size), n.size)
    cond = np.bincount(rows * n_out + b.ravel(), weights=np.tile(w, centres.size),
                       minlength=centres.size * n_out).reshape(centres.size, n_out)
    return float(weights @ cond.max(axis=1))


def _integer_parts(pixel: Pixel, tolerance: float) -> np.ndarray:
    """Integer parts ``j`` of ``E`` that carry all but ``tolerance / 6`` of its mass."""
    centres, _ = noise_components(pixel, tolerance=tolerance / 3)
    half = pixel.readout_sigma * -special.ndtri(tolerance / 6) + 1.0  # covers every window of E
    return np.arange(int(np.floor(centres[0] - half)), int(np.floor(centres[-1] + half)) + 1)


@lru_cache(maxsize=8)
def _union_starts(gain: float, n_cap: int) -> np.ndarray:
    """Every breakpoint ``frac(-K n)``, ``0 <= n < n_cap``, merged as :func:`flip_table` does."""
    starts = flip_table(np.arange(n_cap), gain)[0]
    starts.setflags(write=False)
    return starts


@lru_cache(maxsize=16)
def _mass_grid(pixel: Pixel, tolerance: float, n_cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer parts ``js`` and ``cum[j, u] = P(j <= E < j + union[u])`` (``u = U``: ``j + 1``)."""
    union = _union_starts(pixel.gain, n_cap)
    js = _integer_parts(pixel, tolerance)
    cdf = _lattice_cdf(union, js, pixel, 2 * tolerance / 3)
    if cdf is not None:
        rows = np.append(cdf[:-1].reshape(js.size, union.size), cdf[union.size::union.size, None], axis=1)
        cum = rows - rows[:, :1]
    else:
        edges = np.append((js[:, None] + union[None, :]).ravel(), js[-1] + 1.0)
        mass = interval_masses(edges, pixel, tolerance=2 * tolerance / 3).reshape(js.size, union.size)
        cum = np.zeros((js.size, union.size + 1))
        np.cumsum(mass, axis=1, out=cum[:, 1:])
    cum.setflags(write=False)
    return js, cum


def _lattice_cdf(union: np.ndarray, js: np.ndarray, pixel: Pixel, tolerance: float) -> np.ndarray | None:
    """``P(E < j + u / U)`` on the lattice of ``1 / U`` steps, when the breakpoints form one.

    For a rational gain such as ``K = 0.8192 = 512/625`` the breakpoints are ``u / U`` and every
    component centre ``mu_r + K m`` of Eq. (4) is ``mu_r`` moved by a whole number ``D_m = K U m``
    of lattice steps. One table ``Phi((k / U - mu_r) / sigma)`` then serves every component,
    read at ``k = L - D_m``. Each component is evaluated within ``+- sigma isf(tolerance / 4)``
    of its centre and counts fully above it, as in :func:`qkit.qrng.noise.interval_masses`
    (the same error budget). Returns None if the breakpoints are not such a lattice.
    """
    size = union.size
    steps = pixel.gain * size
    if abs(steps - round(steps)) > 1e-9 or np.max(np.abs(union - np.arange(size) / size)) > 1e-9:
        return None
    counts, weights = poisson_weights(pixel.dark_mean, tolerance / 2)
    shifts = np.round(steps).astype(np.int64) * counts  # D_m, lattice steps
    half = pixel.readout_sigma * -special.ndtri(tolerance / 4)
    k_lo, k_hi = int(np.floor((pixel.readout_mean - half) * size)), int(np.ceil((pixel.readout_mean + half) * size))
    kernel = special.ndtr((np.arange(k_lo, k_hi + 1) / size - pixel.readout_mean) / pixel.readout_sigma)
    first = int(js[0]) * size
    cdf = np.zeros(js.size * size + 1)
    above = np.zeros(cdf.size + 1)  # components whose window lies below a lattice point count fully
    for d, p in zip(shifts, weights):
        lo, hi = first - d - k_lo, first - d - k_hi  # window of this component: L - first in [-lo, -hi]
        a, b = max(-lo, 0), min(-hi + 1, cdf.size)
        if a < b:
            cdf[a:b] += p * kernel[a + lo: b + lo]
        above[min(max(b, 0), cdf.size)] += p
    cdf += np.cumsum(above)[:-1]
    return cdf


def _cell_masses(starts: np.ndarray, pixel: Pixel, tolerance: float, n_hi: int):
    """``js`` and the masses ``M[j, i]`` of a mean's cells, from the cached grid (or None)."""
    n_cap = max(_MIN_CAP, 1 << int(n_hi).bit_length())
    if n_cap > _MAX_CAP:
        return None
    union = _union_starts(pixel.gain, n_cap)
    if union.size == 1:  # a whole-number gain: every cell starts at f = 0
        nearest = np.zeros(starts.size, dtype=np.int64)
    else:
        right = np.clip(np.searchsorted(union, starts), 1, union.size - 1)
        left = right - 1
        nearest = np.where(np.abs(union[left] - starts) <= np.abs(union[right] - starts), left, right)
    if np.max(np.abs(union[nearest] - starts)) > 2 * _MERGE:
        return None  # the merged sets disagree (breakpoints chained closer than _MERGE)
    js, cum = _mass_grid(pixel, tolerance, n_cap)
    at = np.append(nearest, union.size)
    return js, cum[:, at[1:]] - cum[:, at[:-1]]


def guess_continuous(n: np.ndarray, w: np.ndarray, pixel: Pixel, tolerance: float) -> float:
    """Eq. (6) with readout noise: cells (f-interval, j), masses from normal CDFs."""
    starts, base, flips, row = flip_table(n, pixel.gain)
    cells = _cell_masses(starts, pixel, tolerance, int(n[-1]))
    if cells is None:
        js = _integer_parts(pixel, tolerance)
        edges = np.append((js[:, None] + starts[None, :]).ravel(), js[-1] + 1.0)
        mass = interval_masses(edges, pixel, tolerance=2 * tolerance / 3).reshape(js.size, starts.size)
    else:
        js, mass = cells
    # integer parts whose every Z = j + W_n (W_n in base_n .. base_n + 1) stays inside [0, adc_max]
    first = max(int(js[0]), -int(base.min()))
    last = min(int(js[-1]), pixel.adc_max - int(base.max()) - 1)
    period = 1 << (max(pixel.kept_bits) + 1)
    total = 0.0
    edge = np.ones(js.size, dtype=bool)
    if last - first + 1 >= period:
        inner = slice(first - int(js[0]), last - int(js[0]) + 1)
        edge[inner] = False
        folded = mass[inner]
        pad = -folded.shape[0] % period
        folded = np.concatenate([folded, np.zeros((pad, folded.shape[1]))]).reshape(-1, period, folded.shape[1])
        reps = first + np.arange(period)  # one integer part per residue mod period, unclipped
        best = conditional_maxima(n, w, pixel, reps, starts, base, flips, row, clip=False)
        total += float(np.vdot(folded.sum(axis=0), best))
    if edge.any():
        best = conditional_maxima(n, w, pixel, js[edge], starts, base, flips, row)
        total += float(np.vdot(mass[edge], best))
    return total


@lru_cache(maxsize=16)
def _kept_given_electrons(pixel: Pixel, tolerance: float, low: int, high: int) -> np.ndarray:
    """``P(Z_kept = b | N = n)`` for ``n = low .. high - 1`` total electrons, shape (high - low, 2**k)."""
    n = np.arange(low, high)
    centre = pixel.readout_mean + pixel.gain * n
    n_out = 1 << pixel.n_kept
    sigma = pixel.readout_sigma
    if sigma == 0.0:
        table = np.zeros((n.size, n_out))
        table[np.arange(n.size), bits(adc_floor(centre, pixel.adc_max), pixel.kept_bits)] = 1.0
    else:
        half = int(np.ceil(sigma * -special.ndtri(tolerance / 6))) + 1
        edges = (np.floor(centre) - half)[:, None] + np.arange(2 * half + 2)[None, :]
        cdf = special.ndtr((edges - centre[:, None]) / sigma)
        cdf[:, 0], cdf[:, -1] = 0.0, 1.0  # the tails beyond +-half go to the window's end bins
        mass = np.maximum(np.diff(cdf, axis=1), 0.0)
        b = bits(np.clip(edges[:, :-1], 0, pixel.adc_max).astype(np.int64), pixel.kept_bits)
        rows = np.arange(n.size)[:, None] * n_out
        table = np.bincount((rows + b).ravel(), weights=mass.ravel(),
                            minlength=n.size * n_out).reshape(n.size, n_out)
    table.setflags(write=False)
    return table


def kept_bits_curve(means: np.ndarray, pixel: Pixel, tolerance: float) -> np.ndarray | None:
    """``P(Z_kept = b)`` at every mean (shape ``(means.size, 2**k)``), normalised; None if too wide.

    ``Z`` of Eqs. (2)-(4): ``N = N_e + N_d`` is Poisson with mean ``mu_e + mu_dark``. The
    electron range drops at most ``tolerance / 3`` of any mean's mass (as
    :func:`qkit.qrng.sensor.adc_pmf` does); wider than ``_MAX_CAP`` electrons it returns None.
    """
    flat = means.reshape(-1) + pixel.dark_mean
    low = int(stats.poisson.ppf(tolerance / 6, flat.min())) // _MIN_CAP * _MIN_CAP
    high = (int(stats.poisson.isf(tolerance / 6, flat.max())) // _MIN_CAP + 1) * _MIN_CAP
    if high - low > _MAX_CAP:
        return None
    table = _kept_given_electrons(pixel, tolerance, low, high)
    n = np.arange(low, high)
    logw = special.xlogy(n[None, :], flat[:, None]) - flat[:, None] - special.gammaln(n + 1.0)[None, :]
    q = np.exp(logw) @ table
    return q / q.sum(axis=1, keepdims=True)


def guessing_curve(means: np.ndarray, pixel: Pixel, tolerance: float) -> np.ndarray:
    """Eq. (6) at every mean of a 1-D array, as one call of the exact per-mean sum each.

    The photoelectron weights are those of :func:`qkit.qrng.photons.poisson_weights` with
    ``tolerance / 3`` (the same counts and the same rescaling to the exact inside mass), but the
    Poisson quantiles of all means come from one vectorised call.
    """
    tail = tolerance / 6  # poisson_support splits its tolerance / 3 between the two tails
    lows = np.maximum(stats.poisson.ppf(tail, means), 0).astype(np.int64)
    highs = np.maximum(stats.poisson.isf(tail, means).astype(np.int64), lows)
    out = np.empty(means.size)
    for k, (mu, low, high) in enumerate(zip(means, lows, highs)):
        if mu == 0.0:
            n, w = np.zeros(1, dtype=np.int64), np.ones(1)
        else:
            n = np.arange(low, high + 1, dtype=np.int64)
            w = poisson_pmf(n, mu)
            inside = special.pdtr(high, mu) - (special.pdtr(low - 1, mu) if low > 0 else 0.0)
            w *= inside / w.sum()
        out[k] = guess_atoms(n, w, pixel, tolerance) if pixel.readout_sigma == 0.0 else (
            guess_continuous(n, w, pixel, tolerance))
    return out

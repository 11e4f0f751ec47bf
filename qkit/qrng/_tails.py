"""Out-of-range probabilities of a pixel to a small *relative* error, and frame failure from them.

Why a second route to ``P(Z < T-)`` and ``P(Z > T+)``: :func:`qkit.qrng.sensor.adc_pmf` is exact
to an *absolute* ``1e-12`` and leaves out up to ``3e-13`` of mass. A frame failure probability
built from it carries that leftover (``64 * 3e-13``, about ``2e-11`` for Fig. 8) where the true
value is ``1e-100`` or smaller. Here each range probability is summed on its own, in log space,
so that tiny probabilities keep all their digits.

The sum
-------
``X = K N + mu_r + G`` with ``N ~ Poisson(mu_e + mu_dark)`` and ``G ~ N(0, sigma_r**2)`` (Eqs. 2
and 4 of the QRNG paper), so ``P(a <= X < b) = sum_n p(n) P(a <= K n + mu_r + G < b)``. Both
factors are log-concave in ``n`` (the Poisson law, and a Gaussian integrated over an interval),
so the terms rise to one peak and then fall at least geometrically. We find the peak by integer
bisection on the sign of ``f(n + 1) - f(n)`` (``f`` = log of a term), sum a window around it,
and bound what lies beyond each end by the geometric series with the end's ratio. The window
grows until that bound is below ``1e-16`` of the sum.

Relative error: the pmf is Loader's saddle-point form at the peak (relative error about 1e-15),
stepped outwards by ``log(lam / (n + 1))``, and the Gaussian factor is ``scipy.special.log_ndtr``
(a few 1e-16 on the log, i.e. about ``1e-16 * |log P|`` on the value); at the chip's means the
result is within 1e-12 of exact, and within about 1e-13 above 1e-100 (tested against 50-digit
``decimal`` sums). That holds for normal floats: below 2.2e-308 values are subnormal and lose
digits, and below 5e-324 they are 0. An interval narrower than
``sigma_r`` loses ``1e-16 * sigma_r / width`` to cancellation; the rules of Fig. 8 are 877 ADC
steps wide against ``sigma_r = 0.21``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from qkit._validate import require_allocation
from qkit.qrng.photons import _deviance, _stirling_error
from qkit.qrng.sensor import FLOOR_GUARD

__all__: list[str] = []

#: The window around the peak grows until the tails beyond it are below this fraction of the sum.
_TAIL_FRACTION = 1e-16

#: Readout noise out to this many sigma decides where the peak can be (e^-800 beyond: zero).
_SIGMAS = 40.0


def _log_poisson(n: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``log P(N = n)`` for ``N ~ Poisson(lam)``, Loader's saddle-point form (``n >= 0``)."""
    x = np.maximum(n, 1.0)
    lam_safe = np.where(lam > 0, lam, 1.0)
    log_p = -_stirling_error(x) - _deviance(x, lam_safe) - 0.5 * np.log(2.0 * np.pi * x)
    log_p = np.where(n == 0, -lam, log_p)
    return np.where(lam > 0, log_p, np.where(n == 0, 0.0, -np.inf))


def _log_step(n: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """``log P(N = n + 1) - log P(N = n) = log(lam / (n + 1))``."""
    with np.errstate(divide="ignore", invalid="ignore"):  # n < 0 only in masked-out corners
        return np.log(lam) - np.log(n + 1.0)


def _log_gauss(n: np.ndarray, a, b, pixel) -> np.ndarray:
    """``log P(a <= K n + mu_r + G < b)`` (ADC steps): the readout factor of one term."""
    centre = pixel.readout_mean + pixel.gain * n
    sigma = pixel.readout_sigma
    if sigma == 0.0:  # the deterministic floor of the ADC (sensor.FLOOR_GUARD)
        return np.where((centre + FLOOR_GUARD >= a) & (centre + FLOOR_GUARD < b), 0.0, -np.inf)
    alpha, beta = (a - centre) / sigma, (b - centre) / sigma
    upper = alpha >= 0  # both ends above the centre: use the upper tails, else the lower ones
    near, far = np.where(upper, -alpha, beta), np.where(upper, -beta, alpha)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_near = special.log_ndtr(near)
        one_side = log_near + np.log(-np.expm1(special.log_ndtr(far) - log_near))
        middle = np.log1p(-(special.ndtr(alpha) + special.ndtr(-beta)))  # alpha < 0 < beta
    return np.where(upper | (beta <= 0), one_side, middle)


def _rise(n: np.ndarray, lam: np.ndarray, a, b, pixel) -> np.ndarray:
    """``f(n + 1) - f(n)``, ``f`` the log of a term (``nan`` where both terms are 0)."""
    with np.errstate(invalid="ignore"):
        return _log_step(n, lam) + _log_gauss(n + 1, a, b, pixel) - _log_gauss(n, a, b, pixel)


def _peak(lam: np.ndarray, a, b, pixel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the terms peak, and the range ``[first, last]`` of ``n`` where they can be non-zero."""
    k, mu_r, sigma = pixel.gain, pixel.readout_mean, pixel.readout_sigma
    a, b = np.broadcast_to(a, lam.shape), np.broadcast_to(b, lam.shape)
    if sigma == 0.0:  # the Poisson mode, clipped to the counts that land in [a, b)
        with np.errstate(invalid="ignore"):
            first = np.maximum(np.where(np.isfinite(a), np.ceil((a - FLOOR_GUARD - mu_r) / k), 0.0), 0.0)
            last = np.where(np.isfinite(b), np.ceil((b - FLOOR_GUARD - mu_r) / k) - 1, np.inf)
        return np.clip(np.floor(lam), first, np.maximum(last, first)), first, last
    edge = np.maximum(np.where(np.isfinite(a), a, -np.inf), np.where(np.isfinite(b), b, -np.inf))
    edge = np.where(np.isfinite(edge), (edge - mu_r) / k, 0.0)
    lo, hi = np.zeros(lam.shape), np.ceil(np.maximum(np.maximum(lam, edge), 0.0) + _SIGMAS * sigma / k) + 2.0
    while np.any(lo < hi):  # the first n with f(n + 1) <= f(n): the peak of a log-concave sequence
        mid = np.floor((lo + hi) / 2)
        rising = _rise(mid, lam, a, b, pixel) > 0
        lo, hi = np.where(rising, mid + 1, lo), np.where(rising, hi, mid)
    return lo, np.zeros(lam.shape), np.full(lam.shape, np.inf)


def log_range_probability(lam: np.ndarray, a, b, pixel) -> np.ndarray:
    """``log P(a <= X < b)`` at each total Poisson mean ``lam = mu_e + mu_dark`` (ADC steps).

    ``a`` may be ``-inf`` and ``b`` ``+inf`` (floats, or arrays shaped like ``lam``); ``a < b``.
    ``-inf`` means probability 0.
    """
    lam = np.asarray(lam, dtype=float)
    peak, first, last = _peak(lam, a, b, pixel)
    with np.errstate(invalid="ignore"):  # f(peak + k + 1) - f(peak + k): falling as k grows
        rise = [_rise(np.maximum(peak + k, 0), lam, a, b, pixel) for k in (-2, -1, 0, 1)]
    widths = [_first_width(rise[1], rise[0] - rise[1]), _first_width(-rise[2], rise[2] - rise[3])]
    log_top = _log_poisson(peak, lam) + _log_gauss(peak, a, b, pixel)
    a, b = np.broadcast_to(a, lam.shape), np.broadcast_to(b, lam.shape)
    out = np.full(lam.shape, -np.inf)
    todo = np.flatnonzero(last >= first)
    for _ in range(64):  # widen only the sums whose tail bound is not yet small enough
        if todo.size == 0:
            return np.minimum(out, 0.0)
        total, sides = _window_sum(lam[todo], a[todo], b[todo], pixel, peak[todo], first[todo], last[todo],
                                   log_top[todo], widths[0][todo], widths[1][todo])
        target = total + np.log(_TAIL_FRACTION / 2)
        short = [np.isfinite(total) & (log_bound > target) for log_bound, _ in sides]
        for k, (log_bound, log_ratio) in enumerate(sides):
            with np.errstate(invalid="ignore", divide="ignore"):  # beyond the end the terms fall at least
                extra = np.ceil((log_bound - target) / -log_ratio) + 1  # geometrically with this ratio
            extra = np.where(np.isfinite(extra) & (log_ratio < 0), np.minimum(extra, 1e7), widths[k][todo])
            widths[k][todo] += np.where(short[k], extra, 0.0)
        done = ~(short[0] | short[1])
        out[todo[done]] = total[done]
        todo = todo[~done]
    raise RuntimeError("the tail sums did not converge")  # pragma: no cover - log-concavity forbids it


def _first_width(slope: np.ndarray, bend: np.ndarray) -> np.ndarray:
    """Steps ``j`` from the peak where ``slope j + bend j**2 / 2`` reaches 46 (a first guess)."""
    slope = np.where(np.isfinite(slope) & (slope > 0), slope, 0.0)
    bend = np.where(np.isfinite(bend) & (bend > 0), bend, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        j = np.where(bend > 1e-9, (np.sqrt(slope**2 + 92.0 * bend) - slope) / bend,
                     np.where(slope > 0, 46.0 / slope, 64.0))
    return np.ceil(np.minimum(j, 1e7)) + 2.0


def _window_sum(lam, a, b, pixel, peak, first, last, log_top, left, right):
    """Log of the terms summed over ``[peak - left, peak + right]``, and for each end of the
    window the log of a bound on the terms beyond it and of their ratio there."""
    wl, wr = int(left.max()), int(right.max())
    require_allocation(f"the window of {wl + wr + 1} electron numbers around the peak of {lam.size} sums",
                       48.0 * lam.size * (wl + wr + 2))
    offset = np.arange(-wl, wr + 1)[None, :]
    n = peak[:, None] + offset
    ok = (n >= first[:, None]) & (n <= last[:, None]) & (offset >= -left[:, None]) & (offset <= right[:, None])
    f = np.full(n.shape, -np.inf)  # each row evaluated on its own window only
    rows = np.broadcast_to(np.arange(lam.size)[:, None], n.shape)[ok]
    f[ok] = _window_log_poisson(n, lam, wl)[ok] + _log_gauss(n[ok], a[rows], b[rows], pixel)
    f[:, wl] = np.where(ok[:, wl], log_top, -np.inf)
    ends = np.maximum(peak - left, first), np.minimum(peak + right, last)
    at_end = [f[np.arange(lam.size), np.clip(e - peak + wl, 0, wl + wr).astype(int)] for e in ends]
    return special.logsumexp(f, axis=1), _tail_bound(*ends, *at_end, lam, a, b, pixel, first, last)


def _window_log_poisson(n: np.ndarray, lam: np.ndarray, w: int) -> np.ndarray:
    """``log P(N = n)`` on a window centred on column ``w``: Loader's form there, steps outwards."""
    steps = _log_step(n[:, :-1], lam[:, None])  # step from column j to j + 1
    centre = _log_poisson(n[:, w], lam)[:, None]
    with np.errstate(invalid="ignore"):
        right = np.cumsum(steps[:, w:], axis=1)
        left = -np.cumsum(steps[:, :w][:, ::-1], axis=1)[:, ::-1]
    return centre + np.concatenate([left, np.zeros_like(centre), right], axis=1)


def _tail_bound(left, right, f_left, f_right, lam, a, b, pixel, first, last) -> list:
    """For each end of the window: log of ``term_end r / (1 - r)``, with ``r`` the ratio of the
    next term to the end one, which bounds everything beyond (log-concave terms), and ``log r``."""
    with np.errstate(invalid="ignore"):
        sides = ((f_left, -_rise(np.maximum(left - 1, 0), lam, a, b, pixel), left > first),
                 (f_right, _rise(right, lam, a, b, pixel), right < last))
    out = []
    for f_end, log_ratio, open_ in sides:
        log_ratio = np.where(open_ & ~np.isnan(log_ratio), log_ratio, -np.inf)  # nan: both terms 0
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = np.where(log_ratio < 0, f_end + log_ratio - np.log(-np.expm1(log_ratio)), np.inf)
        out.append((np.where(open_, bound, -np.inf), log_ratio))
    return out


def threshold_edges(rule, pixel) -> tuple[float, float]:
    """The ADC-input edges of the frame test: ``Z < T-`` iff ``X < a``, ``Z > T+`` iff ``X >= b``."""
    low_edge = float(rule.low_threshold) if rule.low_threshold > 0 else -np.inf  # Z = 0 takes all below 0
    high_edge = float(rule.high_threshold) + 1.0 if rule.high_threshold < pixel.adc_max else np.inf
    return low_edge, high_edge


def log_out_of_range(means: np.ndarray, pixel, rule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``log P(Z < T-)``, ``log P(Z > T+)``, ``log P(T- <= Z <= T+)`` at each mean (flat arrays).

    At each mean, the range holding the Poisson mode ``K floor(lam) + mu_r`` is the bulk: the two
    other ranges are summed on their own (narrow windows at their edges), and the bulk is
    ``log1p(-(the other two))`` when they hold at most half the mass (relative error a few
    1e-16), else summed on its own too.
    """
    lam = np.asarray(means, dtype=float).ravel() + pixel.dark_mean
    edges = threshold_edges(rule, pixel)
    ranges = ((-np.inf, edges[0]), (edges[1], np.inf), edges)
    mode = pixel.readout_mean + pixel.gain * np.floor(lam)
    bulk = np.where(mode < edges[0], 0, np.where(mode >= edges[1], 1, 2))
    logs = [np.full(lam.shape, -np.inf) for _ in ranges]
    for k, (a, b) in enumerate(ranges):
        rows = bulk != k
        if a < b and rows.any():
            logs[k][rows] = log_range_probability(lam[rows], a, b, pixel)
    for k, (a, b) in enumerate(ranges):
        rows = np.flatnonzero(bulk == k)
        others = np.exp(np.logaddexp(*(logs[j][rows] for j in range(3) if j != k)))
        logs[k][rows] = np.log1p(-np.minimum(others, 0.5))
        own = rows[others > 0.5]
        if own.size and a < b:
            logs[k][own] = log_range_probability(lam[own], a, b, pixel)
    return tuple(logs)


def log_uniform_fail_pass(log_low, log_high, log_in, n: int, rule) -> tuple[np.ndarray, np.ndarray]:
    """``log P(fail)`` and ``log P(pass)`` of ``n`` identical pixels, each a sum of positive terms.

    ``P(fail) = P(n- > N-) + sum_{a <= N-} P(n- = a) P(n+ > N+ | n- = a)`` and
    ``P(pass) = sum_{a <= N-} P(n- = a) P(n+ <= N+ | n- = a)``: given ``n- = a``, ``n+`` is
    binomial on the other ``n - a`` pixels with ``q = p+ / (p+ + p_in)``. The binomial tails are
    regularised incomplete beta functions, ``P(Bin(m, q) > k) = I_q(k + 1, m - k)``.
    """
    log_rest = np.logaddexp(log_high, log_in)  # log(1 - p-), without the cancellation
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(np.isfinite(log_rest), np.exp(log_high - log_rest), 0.0)
        q_bar = np.where(np.isfinite(log_rest), np.exp(log_in - log_rest), 1.0)
        p_low = np.exp(log_low)
        fail = [np.log(special.betainc(rule.max_low + 1, n - rule.max_low, p_low)) if rule.max_low < n
                else none_like(p_low)]
        passing = []
        for a in range(min(rule.max_low, n) + 1):
            log_count = special.gammaln(n + 1.0) - special.gammaln(a + 1.0) - special.gammaln(n - a + 1.0) \
                + special.xlogy(a, p_low) + np.where(n - a > 0, (n - a) * log_rest, 0.0)
            m, k = n - a, rule.max_high
            high_fail = np.log(special.betainc(k + 1, m - k, q)) if k < m else none_like(q)
            high_pass = np.log(special.betainc(m - k, k + 1, q_bar)) if k < m else np.zeros_like(q)
            fail.append(log_count + high_fail)
            passing.append(log_count + high_pass)
    return special.logsumexp(np.stack(fail), axis=0), special.logsumexp(np.stack(passing), axis=0)


def none_like(x: np.ndarray) -> np.ndarray:
    """``log 0`` with the shape of ``x``."""
    return np.full(np.shape(x), -np.inf)

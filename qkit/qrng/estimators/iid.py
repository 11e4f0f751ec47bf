"""The IID track's chi-square tests and longest-repeated-substring test (SP 800-90B Sec. 5.2)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._compiled import kernel
from ._substrings import _suffix_lcp, substring_counts
from ._symbols import check_all_symbols_occur, check_alphabet_size, check_symbols, symbol_counts

__all__ = ["ChiSquareResult", "chi_square_independence", "chi_square_goodness_of_fit",
           "LRSTestResult", "lrs_test", "tool_proportions"]

#: Samples per chunk where a test would otherwise widen the whole input to 8-byte integers.
_CHUNK = 1 << 16

#: A chi-square statistic fails when its p-value is below this.
CHI_SQUARE_ALPHA = 0.001


@dataclass(frozen=True)
class ChiSquareResult:
    """A chi-square statistic ``T``, its degrees of freedom and p-value."""

    T: float
    df: int
    p_value: float

    @property
    def passed(self) -> bool:
        return self.p_value >= CHI_SQUARE_ALPHA


def upper_gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete gamma ``Q(a, x) = Gamma(a, x) / Gamma(a)`` for ``a > 0``,
    ``x >= 0``: the chi-square p-value is ``Q(df/2, T/2)``.

    A power series for ``P = 1 - Q`` when ``x < a + 1``, else a continued fraction for ``Q``
    (modified Lentz); both to about 1e-15 relative, so scipy need not be loaded.
    """
    if x <= 0.0:
        return 1.0
    log_front = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        denom = a
        for _ in range(100_000):
            denom += 1.0
            term *= x / denom
            total += term
            if term < total * 1e-17:
                break
        return max(0.0, 1.0 - math.exp(log_front) * total)
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-16:
            break
    return min(1.0, math.exp(log_front) * h)


def _result(t: float, df: int) -> ChiSquareResult:
    return ChiSquareResult(float(t), int(df), upper_gamma_q(df / 2.0, t / 2.0) if df > 0 else 1.0)


def _checked(symbols, k, minimum: int) -> tuple[np.ndarray, int]:
    k = check_alphabet_size("k", k)
    symbols = check_symbols("symbols", symbols, k, minimum=minimum)
    check_all_symbols_occur("symbols", symbols, k)
    return symbols, k


def _require_df(df: int, n: int, test: str) -> None:
    if df < 1:
        raise ValueError(f"symbols must be long enough for the chi-square {test} test: "
                         f"{n} samples leave {df} degrees of freedom after binning (need >= 1)")


def tool_proportions(symbols: np.ndarray, k: int) -> np.ndarray:
    """Symbol proportions as the reference tool forms them: ``1/n`` added once per occurrence
    (a sequential float sum, which can differ from ``count / n`` in the last bits)."""
    k = check_alphabet_size("k", k)
    symbols = check_symbols("symbols", symbols, k)
    n = symbols.size
    counts = symbol_counts(symbols, k)
    step = 1.0 / n
    return np.array([np.cumsum(np.full(c, step))[-1] if c else 0.0 for c in counts])


def _bins(expected: np.ndarray) -> np.ndarray:
    """Bin index per category: categories in increasing expectation (ties by index) are
    merged until each bin expects at least 5; a short last bin joins the one before."""
    order = np.lexsort((np.arange(expected.size), expected))
    bins = np.empty(expected.size, dtype=np.int64)
    current, acc = 0, 0.0
    for idx in order.tolist():
        if acc >= 5.0:
            current += 1
            acc = 0.0
        bins[idx] = current
        acc += expected[idx]
    if current != 0 and acc < 5.0:
        bins[bins == current] = current - 1
    return bins


def _binned_expectations(expected: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """Bin expectations summed in the tool's order (increasing expectation)."""
    order = np.lexsort((np.arange(expected.size), expected))
    nb = int(bins.max()) + 1
    out = np.zeros(nb)
    for idx in order.tolist():
        out[bins[idx]] += expected[idx]
    return out


def chi_square_independence(symbols: np.ndarray, k: int) -> ChiSquareResult:
    """Chi-square test of independence (SP 800-90B Sec. 5.2.1 / 5.2.3).

    Non-binary data: non-overlapping pairs ``(S[2j], S[2j+1])`` against ``p_a p_b floor(L/2)``,
    with sparse pairs merged into bins of expectation >= 5; ``df = bins - k``.
    Binary data: non-overlapping ``m``-bit words (``m <= 11``, the largest with
    ``min(p0,p1)^m floor(L/m) >= 5``) against their binomial expectation; ``df = 2^m - 2``.
    """
    symbols, k = _checked(symbols, k, minimum=2)
    n = symbols.size
    if k == 2:
        p1 = float(np.count_nonzero(symbols)) / n
        p0 = 1.0 - p1
        m = 11
        while m > 1 and not min(p0, p1) ** m * (n // m) >= 5:
            m -= 1
        if m < 2:
            return ChiSquareResult(0.0, 0, 1.0)
        blocks = n // m
        weights = (1 << np.arange(m - 1, -1, -1)).astype(np.uint16)
        occ = np.zeros(1 << m, dtype=np.int64)
        for a in range(0, blocks, _CHUNK):                 # chunks: no 8-byte copy of the input
            b = min(blocks, a + _CHUNK)
            words = symbols[a * m: b * m].reshape(b - a, m).astype(np.uint16) @ weights
            occ += np.bincount(words, minlength=1 << m)
        w = np.bitwise_count(np.arange(1 << m, dtype=np.uint32)).astype(float)
        e = p1 ** w * p0 ** (m - w) * blocks
        t = 0.0
        for o_i, e_i in zip(occ.tolist(), e.tolist()):
            t += (o_i - e_i) ** 2 / e_i
        return _result(t, (1 << m) - 2)
    p = tool_proportions(symbols, k)
    expected = (p[:, None] * p[None, :] * math.floor(n * 0.5)).reshape(-1)
    bins = _bins(expected)
    observed = np.zeros(k * k, dtype=np.int64)
    for a in range(0, (n // 2) * 2, 2 * _CHUNK):           # chunks: no 8-byte copy of the input
        pairs = symbols[a: min(a + 2 * _CHUNK, (n // 2) * 2)].reshape(-1, 2).astype(np.int32)
        observed += np.bincount(pairs[:, 0] * k + pairs[:, 1], minlength=k * k)
    e = _binned_expectations(expected, bins)
    o = np.bincount(bins, weights=observed, minlength=e.size)
    _require_df(e.size - k, n, "independence")
    t = 0.0
    for o_i, e_i in zip(o.tolist(), e.tolist()):
        t += (o_i - e_i) ** 2 / e_i
    return _result(t, e.size - k)


def chi_square_goodness_of_fit(symbols: np.ndarray, k: int) -> ChiSquareResult:
    """Chi-square goodness of fit across ten equal parts (SP 800-90B Sec. 5.2.2 / 5.2.4)."""
    symbols, k = _checked(symbols, k, minimum=10)
    n = symbols.size
    part = n // 10
    if k == 2:
        p = float(np.count_nonzero(symbols)) / n
        e0, e1 = (1.0 - p) * part, p * part
        t = 0.0
        for j in range(10):
            o1 = int(np.count_nonzero(symbols[j * part:(j + 1) * part]))
            o0 = part - o1
            t += (o0 - e0) ** 2 / e0 + (o1 - e1) ** 2 / e1
        return _result(t, 9)
    p = tool_proportions(symbols, k)
    expected = p * math.floor(n / 10.0)
    bins = _bins(expected)
    e = _binned_expectations(expected, bins)
    _require_df(9 * (e.size - 1), n, "goodness-of-fit")
    t = 0.0
    for j in range(10):
        counts = np.bincount(symbols[j * part:(j + 1) * part], minlength=k)
        o = np.bincount(bins, weights=counts, minlength=e.size)
        for o_i, e_i in zip(o.tolist(), e.tolist()):
            t += (o_i - e_i) ** 2 / e_i
    return _result(t, 9 * (e.size - 1))


@dataclass(frozen=True)
class LRSTestResult:
    """Length-of-the-longest-repeated-substring test (SP 800-90B Sec. 5.2.5)."""

    W: int
    P_col: float
    probability_at_least_one: float
    passed: bool


def _packed_windows(s: np.ndarray, b: int, c: int) -> np.ndarray:
    """uint64 code of ``s[i:i+c]`` (``b`` bits per symbol, first most significant), i = 0..n-c.

    Built by repeated doubling of the window width (``c`` written in binary), keeping at most
    three arrays of ``n`` codes alive.
    """
    m = s.size - c + 1
    cur, width = s.astype(np.uint64), 1                   # codes of windows of ``width``
    acc, have = None, 0                                   # codes of windows of ``have``
    remaining = c
    while True:
        if remaining & 1:                                 # append ``width`` symbols to acc
            piece = cur[have: have + m]
            if acc is None:
                acc = piece.copy()
            else:
                acc <<= np.uint64(b * width)
                acc |= piece
            have += width
        remaining >>= 1
        if not remaining:
            return acc
        nxt = cur[: cur.size - width] << np.uint64(b * width)
        nxt |= cur[width:]
        cur, width = nxt, 2 * width


def _common_symbols(x: int, b: int, c: int) -> int:
    """Leading equal symbols of two ``c``-symbol codes from their XOR ``x`` (``c`` if equal)."""
    return c - (int(x).bit_length() + b - 1) // b


def longest_repeat(symbols: np.ndarray, k: int) -> int:
    """``W``, the length of the longest substring that occurs at least twice (overlaps allowed).

    The windows of ``c = 63 // b`` symbols (``b`` bits each) are packed into integers and
    sorted: the longest common prefix of any two windows is that of some sorted neighbours.
    The last ``c - 1`` start positions (shorter suffixes) are placed by binary search. If a
    repeat reaches ``c`` symbols, the exact suffix-array count of ``_substrings`` decides.
    When the substring kernel is built, its count decides directly (8 bytes per sample
    instead of three 8-byte arrays here).
    """
    n = symbols.size
    b = max(1, int(k - 1).bit_length())
    c = 63 // b
    if n <= 2 * c or kernel("substrings") is not None:   # the C kernel: 8 bytes per sample, exact
        return substring_counts(symbols, k).longest
    codes = _packed_windows(symbols, b, c)
    codes.sort()
    last = codes.size - 1                                  # XOR of sorted neighbours, chunked
    smallest = min(int(np.bitwise_xor(codes[a + 1:min(a + 65537, last + 1)],
                                      codes[a:min(a + 65536, last)]).min())
                   for a in range(0, last, 65536))
    best = _common_symbols(smallest, b, c)                 # smallest XOR = longest prefix
    tail = symbols[n - c + 1:].astype(np.uint64)          # suffixes of length c-1 .. 1
    for i in range(tail.size):
        length = tail.size - i
        code = np.uint64(0)
        for v in tail[i:].tolist():
            code = (code << np.uint64(b)) | np.uint64(v)
        code <<= np.uint64(b * (c - length))
        at = int(np.searchsorted(codes, code))
        for j in (at - 1, at):
            if 0 <= j < codes.size:
                common = _common_symbols(int(codes[j] ^ code), b, c)
                best = max(best, min(common, length))
        rest = symbols[n - length:]                       # against the shorter tail suffixes
        for q in range(n - length + 1, n):
            m = n - q
            best = max(best, int(np.argmin(np.append(rest[:m] == symbols[q:], False))))
    if best >= c:                                          # long repeats: the suffix array's largest LCP
        lcp = _suffix_lcp(np.ascontiguousarray(symbols))
        return int(lcp.max()) if lcp.size else 0
    return best


def lrs_test(symbols: np.ndarray, k: int) -> LRSTestResult:
    """Is the longest repeated substring ``W`` plausible for IID data?

    With ``P_col = sum p_i^2`` and ``N = C(L - W + 1, 2)`` pairs of ``W``-tuples,
    ``Pr(X >= 1) = 1 - (1 - P_col^W)^N``; the test passes when this is at least 1/1000.
    """
    symbols, k = _checked(symbols, k, minimum=2)
    n = symbols.size
    p = tool_proportions(symbols, k)
    p_col = float(np.sum(p * p))
    w = longest_repeat(symbols, k)
    if p_col > 1.0 - np.finfo(float).eps or w == 0:
        # no symbol repeats (W = 0): a repeat of length 0 is certain, the test passes
        return LRSTestResult(int(w), p_col, 1.0, True)
    log_no = math.log1p(-(p_col ** w))
    pairs = (n - w + 1) * (n - w) // 2
    prob = -math.expm1(pairs * log_no)
    return LRSTestResult(int(w), p_col, prob, math.log(0.999) >= pairs * log_no)

"""Plain reference versions of the ten non-IID estimators of SP 800-90B (Sec. 6.3.1-6.3.10).

Each function follows the standard's pseudo-code step by step, sample by sample, with the
step numbers in comments, and with the conventions of NIST's reference tool
(SP800-90B_EntropyAssessment 1.1.7) where the standard leaves a choice open (tie rules,
dictionary caps). They are slow (pure Python loops, a few seconds for 10,000 samples): they
exist to be read, to be shown in notebook 06, and to check the fast versions
(``most_common_value``, ``collision_estimate``, ...) in the tests.

Every function returns the min-entropy estimate in bits per sample of the sequence it is
given (bits per bit for the binary-only Collision, Markov and Compression estimates).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from qkit._validate import require_integer

from ._common import ZALPHA, prediction_estimate
from .compression import compression_expectation
from ._symbols import check_alphabet_size, check_bits, check_symbols

__all__ = ["most_common_value", "collision", "markov", "compression", "t_tuple", "lrs",
           "multi_mcw", "lag", "multi_mmc", "lz78y"]


def _upper(p: float, n: int) -> float:
    """The 99 % upper bound ``min(1, p + 2.576 sqrt(p (1 - p) / (n - 1)))``."""
    return min(1.0, p + ZALPHA * math.sqrt(p * (1.0 - p) / (n - 1)))


def most_common_value(s: np.ndarray) -> float:
    """Sec. 6.3.1: frequency of the most common value."""
    s = check_symbols("s", s, 256, minimum=2)
    s = np.asarray(s).tolist()
    n = len(s)
    p_hat = max(Counter(s).values()) / n            # step 1: proportion of the mode
    p_u = _upper(p_hat, n)                          # step 2: 99 % upper bound
    return -math.log2(p_u)                          # step 3


def collision(bits: np.ndarray) -> float:
    """Sec. 6.3.2: mean time to the first repeated value (binary data)."""
    bits = check_bits("bits", bits, minimum=6)
    s = np.asarray(bits).tolist()
    n = len(s)
    times, i = [], 0                                # step 1: v = 0, index = 1
    while i < n - 1:                                # steps 2-3: scan for the next collision
        if s[i] == s[i + 1]:
            t = 2
        elif i + 2 < n:
            t = 3                                   # two bits differ: the third repeats one
        else:
            break                                   # no room left for a collision
        times.append(t)
        i += t
    v = len(times)
    x_bar = sum(times) / v                          # step 4: mean and standard deviation
    sigma = math.sqrt((sum(t * t for t in times) - v * x_bar * x_bar) / (v - 1))
    x_prime = max(2.0, x_bar - ZALPHA * sigma / math.sqrt(v))   # step 5: lower bound on the mean
    # step 6: solve E[t] = 2 + 2 p (1 - p) = X' for p >= 1/2 (the binary case, in closed form)
    if x_prime < 2.5:
        return -math.log2(0.5 + math.sqrt(1.25 - 0.5 * x_prime))
    return 1.0                                      # step 7: no solution, p = 1/2


def markov(bits: np.ndarray) -> float:
    """Sec. 6.3.3: most likely 128-bit path of a first-order Markov model (binary data)."""
    bits = check_bits("bits", bits, minimum=2)
    s = np.asarray(bits).tolist()
    n = len(s)
    pairs = Counter(zip(s[:-1], s[1:]))             # step 2: transition counts
    p0 = s.count(0) / n                             # step 1: initial probabilities
    p1 = 1.0 - p0
    c0, c1 = pairs[(0, 0)] + pairs[(0, 1)], pairs[(1, 0)] + pairs[(1, 1)]
    p00 = pairs[(0, 0)] / c0 if c0 else 0.0
    p01 = pairs[(0, 1)] / c0 if c0 else 0.0
    p10 = pairs[(1, 0)] / c1 if c1 else 0.0
    p11 = pairs[(1, 1)] / c1 if c1 else 0.0
    # step 3: -log2 of the six most likely 128-bit paths (a path through a zero probability
    # is impossible and skipped)
    paths = [(p0, [(p00, 127)]), (p0, [(p01, 64), (p10, 63)]), (p0, [(p01, 1), (p11, 126)]),
             (p1, [(p10, 1), (p00, 126)]), (p1, [(p10, 64), (p01, 63)]), (p1, [(p11, 127)])]
    h_min = 128.0
    for start, steps in paths:
        if all(p > 0 for p, _ in steps):
            h_min = min(h_min, -math.log2(start) - sum(m * math.log2(p) for p, m in steps))
    return min(1.0, h_min / 128)                    # step 4: per bit


def compression(bits: np.ndarray, block_bits: int = 6, dictionary: int = 1000) -> float:
    """Sec. 6.3.4: Maurer's universal statistic on 6-bit blocks (binary data)."""
    block_bits, dictionary = require_integer("block_bits", block_bits, 1, 16), require_integer("dictionary", dictionary, 1)
    bits = check_bits("bits", bits, minimum=(dictionary + 2) * block_bits)   # two blocks to score
    s = np.asarray(bits).tolist()
    blocks = []                                     # step 1: 6-bit blocks, first bit most significant
    for j in range(len(s) // block_bits):
        value = 0
        for bit in s[j * block_bits:(j + 1) * block_bits]:
            value = 2 * value + bit
        blocks.append(value)
    last = {}                                       # step 2: the dictionary of last positions
    for i in range(dictionary):
        last[blocks[i]] = i + 1
    scores = []                                     # step 3: log2 of the distance back
    for i in range(dictionary, len(blocks)):
        scores.append(math.log2(i + 1 - last.get(blocks[i], 0)))
        last[blocks[i]] = i + 1
    v = len(scores)
    x_bar = sum(scores) / v                         # step 4: mean and deviation (with c = 0.5907)
    sigma = 0.5907 * math.sqrt(sum(x * x for x in scores) / (v - 1) - x_bar * x_bar)
    x_prime = x_bar - ZALPHA * sigma / math.sqrt(v)  # step 5
    # step 6: bisect for p in [1/64, 1] with expectation(p) = X' (the expectation decreases in p)
    def expectation(p: float) -> float:
        return compression_expectation(p, len(blocks), 1 << block_bits, dictionary)

    lo, hi = 1.0 / (1 << block_bits), 1.0
    if expectation(lo) <= x_prime:
        return 1.0                                  # step 7: no solution, full entropy
    if expectation(hi) >= x_prime:
        return 0.0
    while True:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if expectation(mid) > x_prime:
            lo = mid
        else:
            hi = mid
    return -math.log2(lo) / block_bits


def _tuple_counts(s: list, t: int) -> Counter:
    """How often each ``t``-tuple occurs (overlapping)."""
    return Counter(tuple(s[i:i + t]) for i in range(len(s) - t + 1))


def t_tuple(s: np.ndarray, threshold: int = 35) -> float:
    """Sec. 6.3.5: the most frequent ``i``-tuples, for every ``i`` with a tuple seen 35 times."""
    s, threshold = check_symbols("s", s, 256, minimum=2), require_integer("threshold", threshold, 2)
    s = np.asarray(s).tolist()
    n = len(s)
    p_max, t = 0.0, 1
    while True:                                     # step 1: t = largest i with Q_i >= 35
        q = max(_tuple_counts(s, t).values())       # step 2: Q_i, the most frequent count
        if q < threshold:
            break
        p_max = max(p_max, (q / (n - t + 1)) ** (1.0 / t))   # steps 3-4: P_i^(1/i)
        t += 1
    return -math.log2(_upper(p_max, n))             # steps 5-6


def lrs(s: np.ndarray, threshold: int = 35) -> float | None:
    """Sec. 6.3.6: collision rates of tuples longer than the t-Tuple estimate uses.

    None when the longest repeated substring is shorter than ``u`` (the tool then skips it).
    """
    s, threshold = check_symbols("s", s, 256, minimum=2), require_integer("threshold", threshold, 2)
    s = np.asarray(s).tolist()
    n = len(s)
    u = 1                                           # step 1: u = smallest length with Q < 35
    while max(_tuple_counts(s, u).values()) >= threshold:
        u += 1
    p_max, w = 0.0, u
    while True:                                     # step 2: W = u .. v (longest repeated)
        counts = _tuple_counts(s, w)
        if max(counts.values()) < 2:
            break
        pairs = sum(c * (c - 1) // 2 for c in counts.values())   # step 3: P_W
        p_w = pairs / ((n - w + 1) * (n - w) / 2)
        p_max = max(p_max, p_w ** (1.0 / w))        # step 4
        w += 1
    if w == u:
        return None
    return -math.log2(_upper(p_max, n))             # steps 5-6


def _finish(correct: int, trials: int, longest: int, k: int) -> float:
    """Final steps of Sec. 6.3.7-6.3.10: global and local guessing probabilities."""
    return prediction_estimate(correct, trials, longest, k)[0]


def _score(scores: list, winner: int, right: list) -> int:
    """Scoreboard update (step 3e-f of Sec. 6.3.7): a subpredictor that guessed right gains a
    point, and becomes the winner once its score reaches the winner's."""
    for d, ok in enumerate(right):
        if ok:
            scores[d] += 1
            if scores[d] >= scores[winner]:
                winner = d
    return winner


def multi_mcw(s: np.ndarray, k: int, windows=(63, 255, 1023, 4095)) -> float:
    """Sec. 6.3.7: most common value in the last 63, 255, 1023 or 4095 samples."""
    k = check_alphabet_size("k", k)
    s = check_symbols("s", s, k, minimum=2)
    s = np.asarray(s).tolist()
    n = len(s)
    counts = [Counter() for _ in windows]           # symbol counts in each window
    last = {}                                       # latest position of each symbol
    scores, winner = [0] * len(windows), 0          # step 2: scoreboard, winner = first window
    correct = run = longest = 0
    for i in range(n):
        if i >= windows[0]:                         # step 3: each sample after the first window
            guesses = []
            for w, c in zip(windows, counts):       # step 3a: the window's most common value,
                if i < w:                           # ties to the symbol seen most recently
                    guesses.append(None)
                    continue
                top = max(c.values())
                guesses.append(max((a for a in c if c[a] == top), key=last.get))
            if guesses[winner] == s[i]:             # steps 3b-d: the winner's guess is scored
                correct, run = correct + 1, run + 1
                longest = max(longest, run)
            else:
                run = 0
            winner = _score(scores, winner, [g == s[i] for g in guesses])
        for w, c in zip(windows, counts):           # slide every window on by one sample
            c[s[i]] += 1
            if i >= w:
                c[s[i - w]] -= 1
                if c[s[i - w]] == 0:
                    del c[s[i - w]]
        last[s[i]] = i
    return _finish(correct, n - windows[0], longest, k)   # steps 4-6


def lag(s: np.ndarray, k: int, lags: int = 128) -> float:
    """Sec. 6.3.8: guess ``S[i] = S[i - d]`` with the best of the lags ``d = 1..128``."""
    k, lags = check_alphabet_size("k", k), require_integer("lags", lags, 1)
    s = check_symbols("s", s, k, minimum=2)
    s = np.asarray(s).tolist()
    n = len(s)
    scores, winner = [0] * lags, 0
    correct = run = longest = 0
    for i in range(1, n):                           # step 3: each sample after the first
        guesses = [s[i - d] if i >= d else None for d in range(1, lags + 1)]   # step 3a
        if guesses[winner] == s[i]:                 # steps 3b-d
            correct, run = correct + 1, run + 1
            longest = max(longest, run)
        else:
            run = 0
        winner = _score(scores, winner, [g == s[i] for g in guesses])
    return _finish(correct, n - 1, longest, k)


def multi_mmc(s: np.ndarray, k: int, orders: int = 16, max_entries: int = 100_000) -> float:
    """Sec. 6.3.9: Markov models of orders 1-16, each capped at ``max_entries`` entries."""
    k, orders = check_alphabet_size("k", k), require_integer("orders", orders, 1)
    s, max_entries = check_symbols("s", s, k, minimum=3), require_integer("max_entries", max_entries, 1)
    s = np.asarray(s).tolist()
    n = len(s)
    tables = [{} for _ in range(orders)]            # step 2: M_d[x][y] counts
    entries = [0] * orders
    scores, winner = [0] * orders, 0
    correct = run = longest = 0
    for i in range(1, n):
        guesses = []
        for d in range(orders):                     # step 3b: order-(d+1) guess for S[i]
            x = tuple(s[i - d - 1:i]) if i >= d + 1 else None
            counts = tables[d].get(x) if x is not None else None
            if counts:
                top = max(counts.values())
                guesses.append(max(a for a in counts if counts[a] == top))   # tie: larger symbol
            else:
                guesses.append(None)
        if i >= 2:                                  # steps 3c-e: predictions start at S[2]
            if guesses[winner] is not None and guesses[winner] == s[i]:
                correct, run = correct + 1, run + 1
                longest = max(longest, run)
            else:
                run = 0
            winner = _score(scores, winner, [g is not None and g == s[i] for g in guesses])
        for d in range(orders):                     # step 3a: add (prefix, S[i]) to model d
            if i < d + 1:
                continue
            x = tuple(s[i - d - 1:i])
            table = tables[d]
            if x in table and s[i] in table[x]:
                table[x][s[i]] += 1
            elif entries[d] < max_entries:
                table.setdefault(x, Counter())[s[i]] = 1
                entries[d] += 1
    return _finish(correct, n - 2, longest, k)


def lz78y(s: np.ndarray, k: int, length: int = 16, max_prefixes: int = 65_536) -> float:
    """Sec. 6.3.10: the longest previously seen context (up to 16 symbols) guesses next."""
    k, length = check_alphabet_size("k", k), require_integer("length", length, 1)
    s, max_prefixes = check_symbols("s", s, k, minimum=length + 3), require_integer("max_prefixes", max_prefixes, 1)
    s = np.asarray(s).tolist()
    n = len(s)
    tables = [{} for _ in range(length)]            # step 2: dictionary D[prefix][next]
    size = 0
    correct = run = longest = 0
    for i in range(length, n):                      # step 3: for i = B+1 .. L
        guess, best = None, 0
        for j in range(length, 0, -1):              # step 3b: longest prefix first
            x = tuple(s[i - j:i])
            counts = tables[j - 1].get(x)
            if counts:
                top = max(counts.values())
                if top > best:                      # a longer prefix wins ties
                    best, guess = top, max(a for a in counts if counts[a] == top)
        if i > length:                              # step 3c: predictions start at S[B+2]
            if guess is not None and guess == s[i]:
                correct, run = correct + 1, run + 1
                longest = max(longest, run)
            else:
                run = 0
        # step 3a: add every prefix ending at S[i-1] (longest first; the first round shortest first)
        for j in (range(1, length + 1) if i == length else range(length, 0, -1)):
            x = tuple(s[i - j:i])
            table = tables[j - 1]
            if x in table:
                table[x][s[i]] = table[x].get(s[i], 0) + 1
            elif size < max_prefixes:
                table[x] = {s[i]: 1}
                size += 1
    return _finish(correct, n - length - 1, longest, k)

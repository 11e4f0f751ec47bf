"""The C kernel of the tuple counts (``_csuffix``: suffix array, LCP, one stack pass) gives the
numbers of the numpy path and of plain counting, for the t-Tuple and LRS estimates
(SP 800-90B Sec. 6.3.5-6.3.6) and the IID track's LRS test.

The counts have no table caps: the kernel counts every tuple length up to the longest repeat
``v`` (plus one), so the inputs test lengths from a few symbols (random data) to ``n - 1``
(constant data), and the last length, ``up_to`` and the shortest sequences.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from qkit.qrng.estimators import _compiled, numpy_only
from qkit.qrng.estimators import reference as ref
from qkit.qrng.estimators._substrings import SubstringCounts, substring_counts
from qkit.qrng.estimators.iid import longest_repeat
from qkit.qrng.estimators.tuples import tuple_estimates

pytestmark = pytest.mark.skipif(_compiled._load("substrings") is None,
                                reason="the substring-count kernel _csuffix is not built "
                                       "(`pip install -e .` with a C compiler builds it)")

PROSE = (b"A random number generator is only as good as the entropy it can prove. The standard "
         b"asks how often the most common string of each length turns up, and how often two "
         b"strings of the same length agree; a text repeats its words, its spaces and its "
         b"endings, so its longest repeated substring is long and its tuples are frequent. ")


def rand(n, k, seed=0):
    return np.random.default_rng(seed).integers(0, k, n).astype(np.uint8)


def text(n):
    return np.frombuffer(PROSE * (n // len(PROSE) + 1), dtype=np.uint8)[:n].copy()


def one_outlier(n, k):
    s = np.zeros(n, dtype=np.uint8)
    s[n // 3] = k - 1
    return s


def all_distinct(seed=0):
    return np.random.default_rng(seed).permutation(256).astype(np.uint8)


def long_repeats(n, k, seed=0):
    block = rand(n // 4, k, seed)
    return np.concatenate([block, rand(n // 4, k, seed + 1), block, block])[:n]


def plain_counts(s):
    """``max_count`` and ``pairs`` by counting every tuple of every length in a dictionary."""
    n, t = s.size, 1
    best, pairs = [0], [0]
    while True:
        counts = Counter(s[i:i + t].tobytes() for i in range(n - t + 1)).values()
        best.append(max(counts))
        pairs.append(sum(c * (c - 1) // 2 for c in counts))
        if best[-1] < 2 or t >= n - 1:
            return np.array(best), np.array(pairs)
        t += 1


def both_paths(s, k, up_to=None):
    fast = substring_counts(s, k, up_to)
    with numpy_only():
        slow = substring_counts(s, k, up_to)
    np.testing.assert_array_equal(fast.max_count, slow.max_count)
    np.testing.assert_array_equal(fast.pairs, slow.pairs)
    assert fast.longest == slow.longest
    assert fast.max_count.dtype == fast.pairs.dtype == np.int64
    return fast


SMALL = [
    ("random k=2", rand(3000, 2, 1), 2),
    ("random k=3", rand(2000, 3, 2), 3),
    ("random k=4", rand(2000, 4, 3), 4),
    ("random k=8", rand(1500, 8, 4), 8),
    ("random k=256", rand(1500, 256, 5), 256),
    ("constant", np.zeros(300, dtype=np.uint8), 2),
    ("constant k=256", np.full(200, 255, dtype=np.uint8), 256),
    ("one outlier", one_outlier(300, 2), 2),
    ("one outlier k=256", one_outlier(250, 256), 256),
    ("periodic", np.resize(rand(7, 2, 6), 400), 2),
    ("periodic k=8", np.resize(rand(13, 8, 7), 400), 8),
    ("alternating", np.resize(np.array([0, 1], dtype=np.uint8), 301), 2),
    ("long repeats", long_repeats(400, 3, 8), 3),
    ("text", text(600), 256),
    ("all distinct", all_distinct(9), 256),
    ("decreasing", np.arange(255, -1, -1).astype(np.uint8), 256),
]


@pytest.mark.parametrize("name,s,k", SMALL, ids=[c[0] for c in SMALL])
def test_kernel_equals_numpy_and_plain_counting(name, s, k):
    fast = both_paths(s, k)
    best, pairs = plain_counts(s)
    np.testing.assert_array_equal(fast.max_count, best)
    np.testing.assert_array_equal(fast.pairs, pairs)
    assert fast.longest == best.size - 2 or (fast.longest == s.size - 1 and best[-1] == 2)


@pytest.mark.parametrize("name,s,k", SMALL, ids=[c[0] for c in SMALL])
def test_estimates_equal_the_reference(name, s, k):
    if np.bincount(s).max() < 35:                      # no t-Tuple estimate: both refuse
        with pytest.raises(ValueError, match="35"):
            tuple_estimates(s, k)
        return
    t_res, lrs_res = tuple_estimates(s, k)
    with numpy_only():
        t_np, lrs_np = tuple_estimates(s, k)
    assert t_res == t_np and lrs_res == lrs_np
    assert math.isclose(t_res.min_entropy, ref.t_tuple(s), rel_tol=1e-13, abs_tol=1e-15)
    slow = ref.lrs(s)
    if lrs_res is None:
        assert slow is None
    else:
        assert math.isclose(lrs_res.min_entropy, slow, rel_tol=1e-13, abs_tol=1e-15)


LARGE = [
    ("random bits", rand(300_000, 2, 11), 2),
    ("random k=4", rand(200_000, 4, 12), 4),
    ("random bytes", rand(200_000, 256, 13), 256),
    ("text", text(200_000), 256),
    ("bits of text", np.unpackbits(text(25_000)), 2),
    ("constant", np.zeros(100_000, dtype=np.uint8), 2),
    ("one outlier", one_outlier(100_000, 4), 4),
    ("periodic", np.resize(rand(1000, 2, 14), 200_000), 2),
    ("long repeats", long_repeats(200_000, 2, 15), 2),
]


@pytest.mark.parametrize("name,s,k", LARGE, ids=[c[0] for c in LARGE])
def test_kernel_equals_numpy_on_large_inputs(name, s, k):
    fast = both_paths(s, k)
    ends_at_v = fast.max_count[fast.longest] >= 2 and fast.max_count[-1] < 2
    assert ends_at_v or fast.longest == s.size - 1
    assert longest_repeat(s, k) == fast.longest


def test_known_counts_of_a_small_sequence():
    # 10101: 1-tuples {1: 3, 0: 2}, 2-tuples {10: 2, 01: 2}, 3-tuples {101: 2, 010: 1}
    counts = both_paths(np.array([1, 0, 1, 0, 1], dtype=np.uint8), 2)
    assert counts.max_count.tolist() == [0, 3, 2, 2, 1]
    assert counts.pairs.tolist() == [0, 3 + 1, 1 + 1, 1, 0]
    assert counts.longest == 3


@pytest.mark.parametrize("s,best,pairs", [([0, 0], [0, 2], [0, 1]), ([0, 1], [0, 1], [0, 0]),
                                          ([1, 1, 1], [0, 3, 2], [0, 3, 1])])
def test_shortest_sequences(s, best, pairs):
    counts = both_paths(np.array(s, dtype=np.uint8), 2)
    assert counts.max_count.tolist() == best and counts.pairs.tolist() == pairs


@pytest.mark.parametrize("up_to", [1, 2, 5, 40])
def test_up_to_stops_at_the_same_length(up_to):
    for s, k in [(np.zeros(500, dtype=np.uint8), 2), (rand(5000, 2, 16), 2), (text(3000), 256)]:
        counts = both_paths(s, k, up_to)
        assert counts.max_count.size - 1 <= up_to


def test_direct_kernel_returns_int64_buffers():
    fast = _compiled._load("substrings")
    best, pairs = fast(np.array([2, 2, 0, 2, 2], dtype=np.uint8), 3)
    assert np.frombuffer(best, np.int64).tolist() == [0, 4, 2, 1]
    assert np.frombuffer(pairs, np.int64).tolist() == [0, 6, 1, 0]


@pytest.mark.parametrize("args,match", [
    ((np.zeros(10, dtype=np.uint8), 1), "k must be .*2..256, got 1"),
    ((np.zeros(10, dtype=np.uint8), 257), "k must be .*got 257"),
    ((np.array([0, 1, 2, 1], dtype=np.uint8), 2), r"symbols must be in 0..1 \(k=2\), got 2 at"),
    ((np.array([255, 0, 1], dtype=np.uint8), 255), "got 255 at index 0"),
    ((np.zeros(1, dtype=np.uint8), 2), "at least|n=1"),
    ((np.zeros(0, dtype=np.uint8), 2), "n=0"),
    ((np.zeros(10, dtype=np.uint8), 2, 0), "up_to must be >= 1.*got 0"),
    ((np.zeros(10, dtype=np.uint8), 2, -5), "up_to must be >= 1.*got -5"),
])
def test_direct_kernel_refuses_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        _compiled._load("substrings")(*args)


def test_direct_kernel_refuses_non_buffers_and_wide_items():
    fast = _compiled._load("substrings")
    with pytest.raises(TypeError):
        fast([0, 1, 0], 2)
    with pytest.raises(TypeError, match="uint8.*got 4 bytes"):
        fast(np.zeros(5, dtype=np.int32), 2)
    with pytest.raises(ValueError, match="contiguous"):
        fast(np.zeros(10, dtype=np.uint8)[::2], 2)


@pytest.mark.parametrize("up_to", [0, -1, 2.0, True])
def test_up_to_is_checked_on_both_paths(up_to):
    with pytest.raises(ValueError, match="up_to"):
        substring_counts(rand(100, 2), 2, up_to)
    with numpy_only(), pytest.raises(ValueError, match="up_to"):
        substring_counts(rand(100, 2), 2, up_to)


def test_result_is_a_substring_counts_record():
    counts = substring_counts(rand(1000, 2, 17), 2)
    assert isinstance(counts, SubstringCounts)
    assert counts.max_count[0] == 0 and counts.pairs[0] == 0

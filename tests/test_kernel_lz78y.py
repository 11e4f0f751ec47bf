"""The LZ78Y C kernel (``_clz78y``, SP 800-90B Sec. 6.3.10) gives exactly the numbers of the
numpy path (``numpy_only``) and of the plain reference (:func:`reference.lz78y`).

Random data of 2, 3, 4, 8 and 256 symbols and adversarial sequences (constant, one outlier,
periodic, long repeats, alternating, English text, all-distinct bytes), small dictionary caps
(the round where the dictionary fills up), the real 65,536-prefix cap on inputs large enough
to fill it, the minimum length, and the kernel's own refusal of bad input (it is reachable
directly, without the estimator's checks).
"""

from __future__ import annotations

import numpy as np
import pytest

from qkit.qrng.estimators import _compiled, lz78y_estimate, numpy_only, predictors
from qkit.qrng.estimators import reference as ref
from qkit.qrng.estimators._common import prediction_estimate

from kernel_inputs import distinct_bytes, long_repeats, outlier, rand, text

pytestmark = pytest.mark.skipif(
    _compiled._load("lz78y") is None,
    reason="the LZ78Y C kernel _clz78y is not built (`pip install -e .` with a C compiler builds it)")

CAP = predictors.LZ78Y_MAX_PREFIXES


def kernel(symbols, k, *cap):
    return _compiled._load("lz78y")(symbols, k, *cap)


def reference_score(symbols, k, cap=CAP):
    """(hits, longest) from the kernel with dictionary cap ``cap``, checked against the numpy
    path's counts (same cap) and the reference's min-entropy."""
    hits, longest = kernel(symbols, k, cap)
    with pytest.MonkeyPatch.context() as patch, numpy_only():
        patch.setattr(predictors, "LZ78Y_MAX_PREFIXES", cap)
        slow = lz78y_estimate(symbols, k)
    assert (slow.values["C"], slow.values["r"] - 1) == (hits, longest)
    h = prediction_estimate(hits, symbols.size - 17, longest, k)[0]
    assert h == slow.min_entropy == ref.lz78y(symbols, k, max_prefixes=cap), (hits, longest)
    return hits, longest


def assert_kernel_equals_numpy(symbols, k):
    fast = lz78y_estimate(symbols, k)
    with numpy_only():
        slow = lz78y_estimate(symbols, k)
    assert fast.values == slow.values and fast.min_entropy == slow.min_entropy
    hits, longest = kernel(symbols, k)
    assert (hits, longest + 1, symbols.size - 17) == (fast.values["C"], fast.values["r"], fast.values["N"])
    return fast


def assert_kernel_equals_numpy_with_cap(s, k, cap):
    fast = lz78y_estimate(s, k)
    with numpy_only():
        slow = lz78y_estimate(s, k)
    assert fast.values == slow.values
    assert (fast.values["C"], fast.values["r"] - 1) == kernel(s, k, cap)
    return fast


SEQUENCES = [
    ("random2", rand(2500, 2, 1, [0.6, 0.4]), 2),
    ("random3", rand(2500, 3, 2, [0.5, 0.3, 0.2]), 3),
    ("random4", rand(2500, 4, 3), 4),
    ("random8", rand(2500, 8, 4), 8),
    ("random256", rand(2500, 256, 5), 256),
    ("constant", np.zeros(2000, dtype=np.uint8), 2),
    ("constant256", np.full(2000, 255, dtype=np.uint8), 256),
    ("outlier2", outlier(2000, 2), 2),
    ("outlier5", outlier(2000, 5), 5),
    ("periodic2", np.resize(rand(97, 2, 6), 2500), 2),
    ("periodic4", np.resize(rand(61, 4, 7), 2500), 4),
    ("repeats2", long_repeats(2500, 2, 8), 2),
    ("repeats8", long_repeats(2500, 8, 9), 8),
    ("alternating", np.resize(np.array([0, 1], dtype=np.uint8), 2000), 2),
    ("alternating3", np.resize(np.array([0, 2, 1], dtype=np.uint8), 2000), 3),
    ("text", *text(2500)),
    ("distinct", distinct_bytes(2500, 10), 256),
    ("distinct256", distinct_bytes(256, 11), 256),
]


@pytest.mark.parametrize("name,s,k", SEQUENCES, ids=[name for name, _, _ in SEQUENCES])
def test_kernel_equals_numpy_path_and_reference(name, s, k):
    fast = assert_kernel_equals_numpy(s, k)
    assert fast.min_entropy == ref.lz78y(s, k)


def test_sequences_are_telling():
    # the comparisons above are not all alike: from always right to never right
    results = {name: kernel(s, k) for name, s, k in SEQUENCES}
    assert results["constant"] == (2000 - 17, 2000 - 17)
    assert results["alternating"][0] >= 2000 - 17 - 2
    assert results["outlier5"][0] == 2000 - 17 - 2                # the outlier and the next one
    assert results["random2"][0] > results["random4"][0] > results["random8"][0] > results["random256"][0]
    assert results["distinct256"] == (0, 0)                       # no context ever comes back


@pytest.mark.parametrize("k", [2, 3, 4, 8, 256])
@pytest.mark.parametrize("cap", [1, 2, 15, 16, 17, 31, 40, 300, 2000])
def test_small_caps_equal_reference(k, cap):
    # a repeated random block (long contexts win), then fresh data (new prefixes refused)
    s = np.concatenate([np.resize(rand(89, k, cap), 500), rand(400, k, cap + 1)])
    reference_score(s, k, cap)


@pytest.mark.parametrize("k", [2, 3, 4, 256])
def test_every_cap_through_the_filling_round(k):
    # the dictionary fills up at every position within a round: longest contexts admitted,
    # the shorter ones refused, and later rounds walk past them
    s = rand(160, k, 40 + k)
    for cap in range(1, 120):
        reference_score(s, k, cap)


@pytest.mark.parametrize("k,cap", [(20, 53_000), (40, 30_000), (256, 4_100), (256, 9_000)])
def test_sparse_tables_with_a_binding_cap(k, cap):
    # (cap + 17) * k > 2**20 cells: hash tables instead of dense records; the cap still binds
    s = np.concatenate([np.resize(rand(300, k, cap), 1500), rand(cap // 10 + 1000, k, cap + 1)])
    assert (cap + 17) * k > 2**20 and distinct_contexts(s) > cap
    reference_score(s, k, cap)


@pytest.mark.parametrize("k,cap", [(2, 20), (3, 150), (4, 600), (8, 77)])
def test_estimator_passes_a_patched_cap_to_the_kernel(monkeypatch, k, cap):
    s = np.concatenate([np.resize(rand(89, k, 3), 1500), rand(1200, k, 4)])
    monkeypatch.setattr(predictors, "LZ78Y_MAX_PREFIXES", cap)
    fast = assert_kernel_equals_numpy_with_cap(s, k, cap)
    assert fast.min_entropy == ref.lz78y(s, k, max_prefixes=cap)


def distinct_contexts(s):
    """How many prefixes of length 1..16 the sequence offers (the dictionary's demand)."""
    total = 0
    for j in range(1, 17):
        windows = np.lib.stride_tricks.sliding_window_view(s[16 - j: s.size - 1], j)
        total += np.unique(windows, axis=0).shape[0]
    return total


@pytest.mark.parametrize("k,n", [(2, 24_000), (4, 9_000), (256, 5_000)])
def test_real_cap_binds_and_equals_reference(k, n):
    s = rand(n, k, 50 + k)
    assert distinct_contexts(s) > CAP                       # the 65,536 cap refuses prefixes
    hits, longest = reference_score(s, k)
    assert assert_kernel_equals_numpy(s, k).values["C"] == hits


@pytest.mark.parametrize("k,n", [(2, 200_000), (3, 60_000), (4, 60_000), (8, 40_000), (256, 40_000)])
def test_large_inputs_equal_numpy_path(k, n):
    assert_kernel_equals_numpy(rand(n, k, 60 + k), k)


def test_large_adversarial_inputs_equal_numpy_path():
    for s, k in [(long_repeats(100_000, 2, 70), 2), (long_repeats(50_000, 4, 71), 4),
                 (text(50_000)[0], text(50_000)[1]), (distinct_bytes(50_000, 72), 256),
                 (long_repeats(50_000, 256, 73), 256), (long_repeats(50_000, 40, 74), 40)]:
        assert_kernel_equals_numpy(s, k)


@pytest.mark.parametrize("k", [2, 3, 256])
def test_minimum_length(k):
    s = rand(19, k, 80 + k)                                 # 2 guesses
    hits, longest = reference_score(s, k)
    assert 0 <= longest <= hits <= 2
    assert kernel(np.zeros(19, dtype=np.uint8), k) == (2, 2)
    with pytest.raises(ValueError, match=r"symbols must hold 19 .* got 18"):
        kernel(s[:18], k)
    with pytest.raises(ValueError, match="got 0"):
        kernel(np.zeros(0, dtype=np.uint8), k)


def test_bad_arguments_are_refused():
    s = rand(100, 4, 90)
    for k in (1, 0, -3, 257, 2**70):
        with pytest.raises(ValueError, match=rf"k must be an integer in 2\.\.256, got {k}"):
            kernel(s, k)
    with pytest.raises(TypeError, match="k must be an integer"):
        kernel(s, 4.0)
    with pytest.raises(ValueError, match=r"symbols must take values 0\.\.2 \(k=3\), got 3 at index"):
        kernel(s | 3, 3)
    bad = np.zeros(50, dtype=np.uint8)
    bad[49] = 200
    with pytest.raises(ValueError, match="got 200 at index 49"):
        kernel(bad, 200)
    for cap in (0, -1, 2**40):
        with pytest.raises(ValueError, match=rf"max_prefixes must be an integer in 1\.\..*, got {cap}"):
            kernel(s, 4, cap)
    with pytest.raises(TypeError, match="buffer of bytes"):
        kernel(s.astype(np.int64), 4)
    with pytest.raises(TypeError):
        kernel(s.tolist(), 4)
    with pytest.raises((ValueError, BufferError)):
        kernel(np.repeat(s, 2)[::2], 4)                     # not contiguous


def test_kernel_accepts_any_byte_buffer():
    s = rand(300, 3, 91)
    assert kernel(s.tobytes(), 3) == kernel(bytearray(s.tobytes()), 3) == kernel(s, 3)

"""The C kernels of ``_cpredict`` (Lag, Sec. 6.3.8; MultiMCW, Sec. 6.3.7; the Collision scan,
Sec. 6.3.2) give exactly the numbers of the numpy paths (``numpy_only``) and of the plain
reference (:mod:`qkit.qrng.estimators.reference`).

Random data of 2, 3, 4, 8 and 256 symbols and adversarial sequences (constant, one outlier,
periodic, long repeats, alternating, English text, all-distinct bytes), every bit string of
up to 14 bits for the collision scan, the minimum lengths, the 64-bit score path of the Lag
kernel, and the kernels' own refusal of bad input (they are reachable directly, without the
estimators' checks). These estimators have no table caps.

Also the memory-lean numpy paths of the Most Common Value and Compression estimates (chunked
symbol counts, chunked predecessor scan of the 6-bit blocks) against plain loops and the
reference; these run whether or not the kernel is built.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qkit.qrng.estimators import _compiled, collision_estimate, lag_estimate, multi_mcw_estimate, numpy_only
from qkit.qrng.estimators import reference as ref
from qkit.qrng.estimators import compression
from qkit.qrng.estimators.collision import collision_times
from qkit.qrng.estimators.mcv import most_common_value

from kernel_inputs import distinct_bytes, long_repeats, outlier, rand, text

needs_kernel = pytest.mark.skipif(
    _compiled._load("lag") is None,
    reason="the C kernel _cpredict (Lag, MultiMCW, Collision) is not built "
           "(`pip install -e .` with a C compiler builds it)")


def kernel(name):
    return _compiled._load(name)


def adversarial(n):
    """(name, symbols, k) for the adversarial inputs."""
    words, kw = text(n)
    return [
        ("constant", np.zeros(n, dtype=np.uint8), 2),
        ("constant k=4", np.full(n, 3, dtype=np.uint8), 4),
        ("outlier", outlier(n, 2), 2),
        ("outlier k=256", outlier(n, 256), 256),
        ("periodic 7", np.resize(rand(7, 3, 5), n), 3),
        ("periodic 129", np.resize(rand(129, 4, 6), n), 4),
        ("periodic 4096", np.resize(rand(4096, 2, 7), n), 2),
        ("long repeats", long_repeats(n, 2), 2),
        ("long repeats k=8", long_repeats(n, 8, 3), 8),
        ("alternating", np.resize(np.array([0, 1], dtype=np.uint8), n), 2),
        ("alternating 0/255", np.resize(np.array([0, 255], dtype=np.uint8), n), 256),
        ("biased", rand(n, 4, 8, p=[0.7, 0.1, 0.1, 0.1]), 4),
        ("text", words, kw),
        ("distinct bytes", distinct_bytes(n), 256),
        ("counting bytes", np.resize(np.arange(256, dtype=np.uint8), n), 256),
    ]


RANDOM = [(k, seed) for k in (2, 3, 4, 8, 256) for seed in (0, 1)]


def same_three_ways(estimate, reference, s, k):
    fast = estimate(s, k)
    with numpy_only():
        slow = estimate(s, k)
    assert fast.values == slow.values
    assert fast.min_entropy == slow.min_entropy == reference(s, k)


# ------------------------------------------------------------------- Lag

@needs_kernel
@pytest.mark.parametrize("k,seed", RANDOM)
def test_lag_random(k, seed):
    same_three_ways(lag_estimate, ref.lag, rand(3000 + 77 * seed, k, seed), k)


@needs_kernel
@pytest.mark.parametrize("case", adversarial(3000), ids=lambda c: c[0])
def test_lag_adversarial(case):
    _, s, k = case
    same_three_ways(lag_estimate, ref.lag, s, k)


@needs_kernel
@pytest.mark.parametrize("n", [3, 4, 5, 127, 128, 129, 130, 300])
def test_lag_short_inputs_cross_the_first_128_rounds(n):
    for k, seed in ((2, n), (3, n + 1), (256, n + 2)):
        same_three_ways(lag_estimate, ref.lag, rand(n, k, seed), k)


@needs_kernel
def test_lag_kernel_counts_equal_the_numpy_path():
    s = rand(20000, 2, 11, p=[0.3, 0.7])
    hits, longest = kernel("lag")(s, 2)
    with numpy_only():
        values = lag_estimate(s, 2).values
    assert (hits, longest + 1) == (values["C"], values["r"])


@needs_kernel
@pytest.mark.parametrize("m", [150, pytest.param((1 << 24) + 10, marks=pytest.mark.slow)])
def test_lag_single_outlier_moves_the_winner(m):
    """Zeros with a single 1 at ``m``: lag 1 wins until then; round ``m`` misses, in round
    ``m+1`` lag 2 catches up (the winner) and lag 1 misses, in round ``m+2`` lag 2 misses and
    lag 1 wins back; every other round is a hit. Past 2^24 samples the kernel keeps scores in
    64 bits: with 32 bits the top score overflows there and the winner would stay lag 1."""
    n = m + 300
    s = np.zeros(n, dtype=np.uint8)
    s[m] = 1
    assert kernel("lag")(s, 2) == (n - 4, max(m - 1, n - m - 3))
    if m < 1000:
        same_three_ways(lag_estimate, ref.lag, s, 2)


# ------------------------------------------------------------------- MultiMCW

@needs_kernel
@pytest.mark.parametrize("k,seed", RANDOM)
def test_multi_mcw_random(k, seed):
    same_three_ways(multi_mcw_estimate, ref.multi_mcw, rand(6000 + 91 * seed, k, seed), k)


@needs_kernel
@pytest.mark.parametrize("case", adversarial(7000), ids=lambda c: c[0])
def test_multi_mcw_adversarial(case):
    _, s, k = case
    same_three_ways(multi_mcw_estimate, ref.multi_mcw, s, k)


@needs_kernel
@pytest.mark.parametrize("k", [5, 6, 7])
def test_multi_mcw_random_four_to_eight_symbols(k):
    """4..8 symbols take the kernel's histogram-free branch once the windows are full."""
    same_three_ways(multi_mcw_estimate, ref.multi_mcw, rand(9000, k, k, p=np.arange(1, k + 1) / (k * (k + 1) / 2)), k)


@needs_kernel
def test_multi_mcw_ties_go_to_the_latest_symbol():
    """Few symbols, small windows full of ties: the tie rule decides most guesses."""
    s = np.resize(np.array([0, 1, 2, 2, 1, 0, 3, 3], dtype=np.uint8), 5000)
    s[::37] = 4
    same_three_ways(multi_mcw_estimate, ref.multi_mcw, s, 5)


@needs_kernel
def test_multi_mcw_minimum_length():
    s = rand(4096, 3, 4)
    same_three_ways(multi_mcw_estimate, ref.multi_mcw, s, 3)
    with pytest.raises(ValueError, match="symbols must hold at least 4096 samples.*got 4095"):
        kernel("multi_mcw")(s[:4095], 3)


@needs_kernel
def test_multi_mcw_kernel_counts_equal_the_numpy_path():
    s = rand(30000, 4, 12, p=[0.4, 0.3, 0.2, 0.1])
    hits, longest = kernel("multi_mcw")(s, 4)
    with numpy_only():
        values = multi_mcw_estimate(s, 4).values
    assert (hits, longest + 1) == (values["C"], values["r"])


# ------------------------------------------------------------------- Collision

def numpy_stats(bits):
    t = collision_times(bits)
    return t.size, int(t.sum()), int(np.dot(t, t))


@needs_kernel
def test_collision_every_short_bit_string():
    scan = kernel("collision")
    for n in range(6, 15):
        for word in itertools.product((0, 1), repeat=n):
            bits = np.array(word, dtype=np.uint8)
            assert scan(bits) == numpy_stats(bits), word


@needs_kernel
@pytest.mark.parametrize("seed", range(4))
def test_collision_random_and_biased(seed):
    p = [0.5, 0.5] if seed % 2 else [0.9, 0.1]
    bits = rand(20001 + seed, 2, seed, p=p)
    assert kernel("collision")(bits) == numpy_stats(bits)
    fast = collision_estimate(bits)
    with numpy_only():
        slow = collision_estimate(bits)
    assert fast.values == slow.values
    assert fast.min_entropy == slow.min_entropy == ref.collision(bits)


@needs_kernel
@pytest.mark.parametrize("case", [c for c in adversarial(5000) if c[2] == 2], ids=lambda c: c[0])
def test_collision_adversarial(case):
    _, bits, _ = case
    assert kernel("collision")(bits) == numpy_stats(bits)
    assert collision_estimate(bits).min_entropy == ref.collision(bits)


# ------------------------------------------------------------------- bad input

@needs_kernel
@pytest.mark.parametrize("name", ["lag", "multi_mcw"])
def test_symbol_kernels_refuse_bad_input(name):
    f = kernel(name)
    s = rand(5000, 3, 9)
    for k in (1, 0, -2, 257):
        with pytest.raises(ValueError, match=f"k must be 2..256.*got {k}"):
            f(s, k)
    bad = s.copy()
    bad[4321] = 3
    with pytest.raises(ValueError, match="symbols must hold symbols 0..2 \\(k = 3\\), got 3 at index 4321"):
        f(bad, 3)
    with pytest.raises(TypeError, match="symbols must be a buffer of single bytes.*item size 2"):
        f(s.astype(np.uint16), 3)
    with pytest.raises(ValueError, match="not C-contiguous"):
        f(np.repeat(s, 2)[::2], 3)
    with pytest.raises(TypeError):
        f("0101", 2)


@needs_kernel
def test_lag_minimum_length():
    assert kernel("lag")(np.array([1, 1], dtype=np.uint8), 2) == (1, 1)
    for n in (0, 1):
        with pytest.raises(ValueError, match=f"symbols must hold at least 2 samples for Lag, got {n}"):
            kernel("lag")(np.zeros(n, dtype=np.uint8), 2)


@needs_kernel
def test_collision_refuses_bad_input():
    scan = kernel("collision")
    with pytest.raises(ValueError, match="bits must hold symbols 0..1 \\(k = 2\\), got 2 at index 3"):
        scan(np.array([0, 1, 0, 2, 1, 1, 0], dtype=np.uint8))
    with pytest.raises(ValueError, match="bits must hold at least 6 samples for the Collision estimate, got 5"):
        scan(np.zeros(5, dtype=np.uint8))
    with pytest.raises(TypeError, match="bits must be a buffer of single bytes.*item size 8"):
        scan(np.zeros(10, dtype=np.int64))
    assert scan(np.array([0, 1, 0, 1, 0, 1], dtype=np.uint8)) == (2, 6, 18)


# ------------------------------------------------------------------- MCV and Compression memory

def plain_log_distances(blocks):
    last, out = {}, []
    for i, b in enumerate(blocks.tolist()):
        if i >= compression.DICTIONARY_BLOCKS:
            out.append(np.log2(float(i + 1 - last.get(b, 0))))
        last[b] = i + 1
    return np.array(out)


@pytest.mark.parametrize("chunk", [1, 7, 1000, 8192])
def test_compression_distances_across_chunks(chunk):
    """The chunked scan (a few KiB per chunk) finds every block's predecessor, also across
    chunk boundaries and for values first seen after the dictionary."""
    rng = np.random.default_rng(chunk)
    for bits in (rand(6 * 4000 + 5, 2, chunk), np.zeros(6 * 1500, dtype=np.uint8),
                 np.resize(rng.integers(0, 2, 6 * 1200), 6 * 3000).astype(np.uint8)):
        blocks = compression._blocks(bits)
        weights = 1 << np.arange(5, -1, -1)
        assert np.array_equal(blocks, bits[: blocks.size * 6].reshape(-1, 6) @ weights)
        assert np.array_equal(compression._log_distances(blocks, chunk), plain_log_distances(blocks))


def test_compression_and_mcv_equal_the_reference():
    for bits in (rand(20000, 2, 3, p=[0.3, 0.7]), long_repeats(20000, 2), outlier(20000, 2)):
        fast, plain = compression.compression_estimate(bits).min_entropy, ref.compression(bits)
        assert math.isclose(fast, plain, rel_tol=1e-13), (fast, plain)   # sums in other orders
        assert most_common_value(bits, 2).min_entropy == ref.most_common_value(bits)
    words, k = text(70000)                       # chunked counts: more than 65536 samples
    assert most_common_value(words, k).min_entropy == ref.most_common_value(words)

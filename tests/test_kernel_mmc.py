"""The MultiMMC C kernel (``_cmmc.multi_mmc``, SP 800-90B Sec. 6.3.9) against the numpy path and
the plain reference.

The kernel must give the numpy path's ``C`` and longest run exactly, and the estimate must equal
the reference's, on random data of every alphabet width, on inputs built to break table logic
(constant, periodic, long repeats, text, all-distinct bytes), and on inputs long enough that the
100,000-entry cap of the Markov tables binds. The reference is slow, so it sees short inputs;
the cap-binding inputs are checked against the numpy path, which the reference tests cover.
"""

from __future__ import annotations

import numpy as np
import pytest

from qkit.qrng.estimators import (_compiled, multi_mmc_estimate, numpy_only, prediction_estimate,
                                  predictors, reference)
from qkit.qrng.estimators.predictors import MMC_MAX_ENTRIES, MMC_ORDERS

KERNEL = _compiled._load("multi_mmc")
pytestmark = pytest.mark.skipif(KERNEL is None, reason="the MultiMMC C kernel (_cmmc) is not built; "
                                                       "`pip install -e .` with a C compiler builds it")

TEXT = (b"It was the best of times, it was the worst of times, it was the age of wisdom, it was "
        b"the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it "
        b"was the season of Light, it was the season of Darkness, it was the spring of hope, it "
        b"was the winter of despair, we had everything before us, we had nothing before us.")


def _kernel_and_numpy(s: np.ndarray, k: int):
    """(C, longest) from the kernel; the estimate through the kernel and through numpy."""
    raw = KERNEL(s, k)
    fast = multi_mmc_estimate(s, k)
    with numpy_only():
        slow = multi_mmc_estimate(s, k)
    return raw, fast, slow


def check_three_ways(s: np.ndarray, k: int, with_reference: bool = True) -> tuple[int, int]:
    s = np.ascontiguousarray(s, dtype=np.uint8)
    raw, fast, slow = _kernel_and_numpy(s, k)
    assert raw == (slow.values["C"], slow.values["r"] - 1)
    assert fast == slow
    if with_reference:
        assert fast.min_entropy == reference.multi_mmc(s, k)
    return raw


def _random(k: int, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, k, n).astype(np.uint8)


@pytest.mark.parametrize("k", [2, 3, 4, 8, 256])
def test_random_data_matches_numpy_and_reference(k):
    for seed, n in [(1, 5), (2, 40), (3, 900)]:
        check_three_ways(_random(k, n, seed), k)


def test_skewed_two_bit_data_matches():
    s = np.random.default_rng(4).choice(4, 1200, p=[0.2, 0.3, 0.3, 0.2]).astype(np.uint8)
    check_three_ways(s, 4)


@pytest.mark.parametrize("k", [5, 16, 17, 129])
def test_odd_alphabet_widths_match(k):
    """Packed keys of 3, 4, 5 and 8 bits a symbol, and the hashed keys beyond 63 bits."""
    check_three_ways(_random(k, 700, k), k)
    check_three_ways((np.arange(700) * 7 % k).astype(np.uint8), k)


ADVERSARIAL = {
    "constant": lambda n, k: np.full(n, k - 1),
    "one outlier": lambda n, k: np.where(np.arange(n) == n // 2, 0, k - 1),
    "periodic 7": lambda n, k: np.arange(n) % 7 % k,
    "long repeats": lambda n, k: (np.arange(n) // 50) % k,
    "alternating": lambda n, k: np.arange(n) % 2 * (k - 1),
    "period 17 pattern": lambda n, k: np.resize(_random(k, 17, 9), n),
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
@pytest.mark.parametrize("k", [2, 4, 256])
def test_adversarial_inputs_match(name, k):
    check_three_ways(ADVERSARIAL[name](600, k).astype(np.uint8), k)


def test_text_and_all_distinct_bytes_match():
    check_three_ways(np.frombuffer(TEXT * 3, dtype=np.uint8), 256)
    perm = np.random.default_rng(5).permutation(256).astype(np.uint8)
    hits, longest = check_three_ways(perm, 256)                 # every symbol new: no guess right
    assert (hits, longest) == (0, 0)
    check_three_ways(np.tile(perm, 4), 256)                      # then the same 256 again


def test_constant_input_guesses_every_round():
    """From round 2 on the order-1 model has seen the constant once: all n - 2 rounds right."""
    assert check_three_ways(np.zeros(50, dtype=np.uint8), 2) == (48, 48)


@pytest.mark.parametrize("n", [4, 5, 6, 17, 18, 19])
@pytest.mark.parametrize("k", [2, 3, 256])
def test_short_inputs_around_the_order_count(n, k):
    check_three_ways(_random(k, n, n), k)


def _distinct_entries(s: np.ndarray, order: int) -> int:
    """Distinct (prefix, next) entries of the order-``order`` model (``order`` symbols of prefix)
    over the whole input: more than the cap means the cap binds."""
    windows = np.lib.stride_tricks.sliding_window_view(s, order + 1)
    return int(np.unique(windows, axis=0).shape[0])


@pytest.mark.slow
def test_cap_binds_on_a_million_bits():
    bits = _random(2, 1_000_000, 11)
    assert _distinct_entries(bits[:300_000], MMC_ORDERS) > MMC_MAX_ENTRIES   # the cap binds
    check_three_ways(bits, 2, with_reference=False)


@pytest.mark.slow
@pytest.mark.parametrize("k, n", [(3, 200_000), (4, 200_000), (8, 300_000), (256, 150_000)])
def test_cap_binds_on_wider_symbols(k, n):
    """Hashed tables fill up (k = 3, 4, 256), and for k = 8 also a direct-indexed one (order 5)."""
    s = _random(k, n, k)
    assert _distinct_entries(s, MMC_ORDERS) > MMC_MAX_ENTRIES      # the top orders fill
    if k == 8:
        assert _distinct_entries(s, 5) > MMC_MAX_ENTRIES
    check_three_ways(s, k, with_reference=False)


@pytest.mark.slow
def test_cap_binds_on_repeated_text_with_noise():
    """Long matching contexts (text) plus fresh ones (noise) until the top orders are full."""
    rng = np.random.default_rng(12)
    s = np.frombuffer(TEXT * 700, dtype=np.uint8).copy()
    flip = rng.random(s.size) < 0.05
    s[flip] = rng.integers(0, 256, int(flip.sum()))
    assert _distinct_entries(s, MMC_ORDERS) > MMC_MAX_ENTRIES
    check_three_ways(s, 256, with_reference=False)


def _block_then_fresh(k: int, seed: int) -> np.ndarray:
    """A repeated random block (long contexts recur, high orders win), then fresh data (new
    entries that a full table refuses)."""
    return np.concatenate([np.resize(_random(k, 89, seed), 1000), _random(k, 600, seed + 1)])


@pytest.mark.parametrize("k, cap", [(2, 1), (2, 40), (2, 300), (3, 25), (4, 200), (4, 900),
                                    (8, 150), (256, 60), (256, 1000)])
def test_small_caps_match_the_reference(monkeypatch, k, cap):
    """The optional ``max_entries`` makes the cap bind on inputs the reference can afford."""
    s = _block_then_fresh(k, cap)
    hits, longest = KERNEL(s, k, cap)
    assert prediction_estimate(hits, s.size - 2, longest, k)[0] == reference.multi_mmc(
        s, k, max_entries=cap)
    monkeypatch.setattr(predictors, "MMC_MAX_ENTRIES", cap)
    with numpy_only():
        slow = multi_mmc_estimate(s, k)
    assert (hits, longest) == (slow.values["C"], slow.values["r"] - 1)


def test_random_caps_and_shapes_match_numpy(monkeypatch):
    """Seeded mix of widths, lengths, shapes and caps: tables filling one after another in
    every order exercises the kernel's skipping of absent prefixes."""
    rng = np.random.default_rng(2026)
    for _ in range(60):
        k = int(rng.choice([2, 3, 4, 5, 8, 17, 256]))
        n = int(rng.integers(4, 3000))
        shape = rng.integers(0, 3)
        if shape == 0:
            s = rng.integers(0, k, n)
        elif shape == 1:
            s = np.resize(rng.integers(0, k, int(rng.integers(1, 200))), n)
        else:
            s = np.where(rng.random(n) < 0.9, 0, rng.integers(0, k, n))
        s = s.astype(np.uint8)
        cap = int(rng.choice([1, 5, 30, 200, 1000]))
        monkeypatch.setattr(predictors, "MMC_MAX_ENTRIES", cap)
        with numpy_only():
            slow = multi_mmc_estimate(s, k)
        assert KERNEL(s, k, cap) == (slow.values["C"], slow.values["r"] - 1), (k, n, shape, cap)


@pytest.mark.parametrize("k", [2, 4, 256])
def test_small_cap_changes_the_answer(k):
    """The cap tests above are not vacuous: a tight cap changes the score."""
    s = _block_then_fresh(k, 3)
    assert KERNEL(s, k, 20) != KERNEL(s, k)
    assert KERNEL(s, k, MMC_MAX_ENTRIES) == KERNEL(s, k)


@pytest.mark.parametrize("cap", [0, -1, 16_000_001])
def test_bad_cap_is_refused(cap):
    with pytest.raises(ValueError, match=f"max_entries must .*got {cap}"):
        KERNEL(np.zeros(10, dtype=np.uint8), 2, cap)


@pytest.mark.parametrize("k", [0, 1, 257, -3])
def test_bad_alphabet_size_is_refused(k):
    with pytest.raises(ValueError, match=f"k must .*got {k}"):
        KERNEL(np.zeros(10, dtype=np.uint8), k)


def test_symbol_outside_the_alphabet_is_refused():
    s = np.array([0, 1, 2, 3, 4, 1], dtype=np.uint8)
    with pytest.raises(ValueError, match="symbols must hold values 0..3 .*got 4 at index 4"):
        KERNEL(s, 4)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_too_few_samples_are_refused(n):
    with pytest.raises(ValueError, match=f"at least 3 samples .*got {n}"):
        KERNEL(np.zeros(n, dtype=np.uint8), 2)


def test_wrong_buffers_are_refused():
    with pytest.raises(TypeError, match="single bytes"):
        KERNEL(np.zeros(10, dtype=np.int64), 2)
    with pytest.raises((TypeError, ValueError, BufferError)):
        KERNEL(np.zeros(20, dtype=np.uint8)[::2], 2)
    with pytest.raises(TypeError):
        KERNEL([0, 1, 0, 1], 2)


def test_kernel_accepts_bytes_like_input():
    assert KERNEL(b"\x00\x01\x00\x01\x00", 2) == KERNEL(np.array([0, 1, 0, 1, 0], np.uint8), 2)

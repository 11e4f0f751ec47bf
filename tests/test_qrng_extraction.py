"""qkit.qrng.extraction: Toeplitz hashing, the leftover hash lemma, worst- vs average-case min-entropy.

* the FFT extractor equals the matrix product over GF(2) (random inputs by hypothesis, and rows
  checked one by one at a million bits, where the float FFT must still round exactly);
* the Toeplitz family is universal (collision probability 2**-m, by enumeration);
* a uniform source hashed with a rank-r matrix is at distance exactly 1 - 2**(r - m) from uniform
  (0 at full rank);
* the exact seed-averaged distance of enumerated sources stays below the lemma's bound;
* the per-noise guessing table reproduces Eq. (6) and the direct conditional pmf of entropy.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qkit.qrng.entropy import conditional_guessing_probability, conditional_min_entropy, kept_bits_given_noise
from qkit.qrng.extraction import (
    MAX_BLOCK_LENGTH,
    extractor_distance,
    guessing_probability_by_noise,
    leftover_hash_bound,
    leftover_hash_length,
    samples_to_bits,
    toeplitz_extract,
    toeplitz_extract_direct,
    toeplitz_matrix,
    worst_case_min_entropy,
)
from qkit.qrng.pixel import NOISE_FREE, PIXEL_1, TABLE_I, Pixel

FEW = settings(max_examples=25, deadline=None)


def _gf2_rank(t: np.ndarray) -> int:
    """Rank over GF(2) by Gaussian elimination (test-side reference)."""
    a = t.copy() % 2
    rank = 0
    for col in range(a.shape[1]):
        pivot = next((r for r in range(rank, a.shape[0]) if a[r, col]), None)
        if pivot is None:
            continue
        a[[rank, pivot]] = a[[pivot, rank]]
        for r in range(a.shape[0]):
            if r != rank and a[r, col]:
                a[r] ^= a[rank]
        rank += 1
    return rank


def _bits_of(values: np.ndarray, width: int) -> np.ndarray:
    return ((values[:, None] >> np.arange(width)) & 1).astype(np.uint8)


# ---------------------------------------------------------------- the Toeplitz matrix and products


def test_toeplitz_matrix_is_constant_along_diagonals():
    seed = np.array([1, 0, 0, 1, 1, 0, 1], dtype=np.uint8)  # n = 5, m = 3
    t = toeplitz_matrix(seed, 5, 3)
    assert t.shape == (3, 5)
    for i in range(3):
        for j in range(5):
            assert t[i, j] == seed[i - j + 4]
    assert np.array_equal(t[0], seed[4::-1]) and np.array_equal(t[:, 0], seed[4:7])


@FEW
@given(n=st.integers(1, 300), data=st.data())
def test_fft_extractor_equals_the_matrix_product(n, data):
    m = data.draw(st.integers(1, n))
    blocks = data.draw(st.integers(1, 4))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(0, 2, size=(blocks, n))
    s = rng.integers(0, 2, size=n + m - 1)
    expected = (x @ toeplitz_matrix(s, n, m).T.astype(np.int64)) % 2
    assert np.array_equal(toeplitz_extract(x, s, m), expected)
    assert np.array_equal(toeplitz_extract_direct(x, s, m), expected)
    assert np.array_equal(toeplitz_extract(x[0], s, m), expected[0])


def test_fft_extractor_is_exact_at_a_million_bits():
    """Largest convolution values (all ones) and random rows, checked against integer dot products."""
    n, m = 1 << 20, 1 << 12
    ones = np.ones(n, dtype=np.uint8)
    assert np.all(toeplitz_extract(ones, np.ones(n + m - 1, np.uint8), m) == n % 2)
    assert np.all(toeplitz_extract(ones[:-1], np.ones(n + m - 2, np.uint8), m) == (n - 1) % 2)
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2, n, dtype=np.uint8)
    s = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
    y = toeplitz_extract(x, s, m)
    xi = x.astype(np.int64)
    for i in rng.choice(m, 24, replace=False):
        assert y[i] == int(s[i:i + n][::-1].astype(np.int64) @ xi) % 2


def test_bool_and_int_bits_agree_and_shapes():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, size=(3, 40))
    s = rng.integers(0, 2, size=40 + 10 - 1)
    assert np.array_equal(toeplitz_extract(x.astype(bool), s.astype(bool), 10), toeplitz_extract(x, s, 10))
    assert toeplitz_extract(x, s, 10).dtype == np.uint8


# ---------------------------------------------------------------- the leftover hash lemma


def test_toeplitz_family_is_universal():
    """For every pair x != x', exactly a 2**-m fraction of the seeds makes T x = T x'."""
    n, m = 4, 2
    seeds = _bits_of(np.arange(1 << (n + m - 1)), n + m - 1)
    inputs = _bits_of(np.arange(1 << n), n)
    outputs = np.stack([toeplitz_extract(inputs, s, m) @ (1 << np.arange(m)) for s in seeds])  # (seeds, x)
    for a in range(1 << n):
        for b in range(a + 1, 1 << n):
            assert np.mean(outputs[:, a] == outputs[:, b]) == 2.0 ** -m


@FEW
@given(n=st.integers(2, 7), data=st.data())
def test_uniform_source_distance_is_one_minus_two_to_rank_minus_m(n, data):
    m = data.draw(st.integers(1, n))
    seed = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n + m - 1, max_size=n + m - 1)), np.uint8)
    rank = _gf2_rank(toeplitz_matrix(seed, n, m).astype(np.int64))
    d = extractor_distance(np.full(1 << n, 2.0 ** -n), m, seed_bits=seed)
    assert d == pytest.approx(1.0 - 2.0 ** (rank - m), abs=1e-15)
    if rank == m:
        assert d == 0.0


def test_uniform_source_has_distance_zero_for_a_full_rank_seed():
    seed = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1], dtype=np.uint8)  # n = 6, m = 4
    assert _gf2_rank(toeplitz_matrix(seed, 6, 4).astype(np.int64)) == 4
    assert extractor_distance(np.full(64, 1 / 64), 4, seed_bits=seed) == 0.0


@FEW
@given(n=st.integers(2, 6), data=st.data())
def test_seed_averaged_distance_is_below_the_lemma_bound(n, data):
    m = data.draw(st.integers(1, n))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    if data.draw(st.booleans()):  # a flat source on 2**k inputs: min-entropy exactly k
        k = data.draw(st.integers(0, n))
        p = np.zeros(1 << n)
        p[rng.choice(1 << n, 1 << k, replace=False)] = 2.0 ** -k
    else:
        p = rng.dirichlet(np.full(1 << n, data.draw(st.sampled_from([0.2, 1.0, 5.0]))))
    k = -np.log2(p.max())
    d = extractor_distance(p, m)
    assert 0.0 <= d <= leftover_hash_bound(k, m) + 1e-12


def test_distance_of_a_biased_source_is_positive_and_the_bound_is_not_vacuous():
    """Two biased bits per sample, three samples (n = 6); averaged over seeds, m = 2."""
    q = np.array([0.3, 0.25, 0.25, 0.2])  # a 2-bit source like Z23, but visibly biased
    p = np.einsum("a,b,c->cba", q, q, q).ravel()
    k = -np.log2(p.max())
    d, bound = extractor_distance(p, 2), leftover_hash_bound(k, 2)
    assert 0.0 < d < bound < 1.0
    d_one = extractor_distance(p, 2, seed_bits=np.array([1, 0, 1, 1, 0, 1, 0], np.uint8))
    assert d_one > 0.0


def test_leftover_hash_length_values():
    assert leftover_hash_length(1000, 980.0, 2.0 ** -64) == 852
    assert leftover_hash_length(256, 256, 2.0 ** -64) == 128
    assert leftover_hash_length(256, 255.999, 2.0 ** -64) == 127  # floor: never more than the lemma allows
    assert leftover_hash_length(100, 100, 2.0 ** -64) == 0  # not enough min-entropy: nothing to extract
    assert leftover_hash_length(8, 8, 0.5) == 6
    m = leftover_hash_length(4096, 4021.2, 2.0 ** -40)
    assert leftover_hash_bound(4021.2, m) <= 2.0 ** -40 / 2


@pytest.mark.parametrize("call, name", [
    (lambda: toeplitz_extract([0, 1, 2], [0, 1, 0, 1], 2), "bits"),
    (lambda: toeplitz_extract([0, 1, 1], [0, 1, 0], 2), "seed_bits"),
    (lambda: toeplitz_extract([0, 1, 1], [0, 1, 0, 1, 1], 4), "output_length"),
    (lambda: toeplitz_extract(np.zeros((2, 2, 2)), [0, 1, 0], 2), "bits"),
    (lambda: toeplitz_extract([], [1], 1), "bits"),
    (lambda: leftover_hash_length(10, 11, 0.1), "min_entropy_bits"),
    (lambda: leftover_hash_length(10, 5, 0.0), "epsilon"),
    (lambda: extractor_distance(np.full(6, 1 / 6), 1), "source_pmf"),
    (lambda: extractor_distance(np.full(2**14, 2.0**-14), 12), "source_pmf"),
    (lambda: samples_to_bits([0, 4], 2), "samples"),
])
def test_bad_input_is_refused_with_the_argument_named(call, name):
    with pytest.raises((ValueError, TypeError), match=name):
        call()


def test_block_length_limit_is_refused_before_work():
    n = MAX_BLOCK_LENGTH
    with pytest.raises(ValueError, match="MAX_BLOCK_LENGTH"):
        toeplitz_extract(np.zeros(n, np.uint8), np.zeros(n + 1, np.uint8), 2)


def test_samples_to_bits_order():
    assert samples_to_bits(np.array([0, 1, 2, 3]), 2).tolist() == [0, 0, 1, 0, 0, 1, 1, 1]


# ---------------------------------------------------------------- worst case vs average case


@pytest.mark.parametrize("pixel", TABLE_I, ids=["pixel1", "pixel2", "pixel3", "pixel4"])
def test_noise_table_reproduces_eq6_and_worst_is_below_average(pixel):
    table = guessing_probability_by_noise(625.0, pixel)
    assert table.mass.sum() == pytest.approx(1.0, abs=1e-11)
    assert table.average == pytest.approx(conditional_guessing_probability(625.0, pixel), abs=1e-11)
    worst = worst_case_min_entropy(625.0, pixel, per_bit=True)
    average = conditional_min_entropy(625.0, pixel, per_bit=True)
    assert 0.97 < worst <= average + 1e-12


def test_noise_table_cells_agree_with_the_direct_conditional_pmf():
    table = guessing_probability_by_noise(300.0, PIXEL_1)
    rng = np.random.default_rng(5)
    heavy = np.flatnonzero(table.mass > 1e-6)
    pick = rng.choice(heavy, 40, replace=False)
    mid = 0.5 * (table.noise_low[pick] + table.noise_high[pick])
    direct = kept_bits_given_noise(mid, 300.0, PIXEL_1).max(axis=-1)
    assert np.allclose(direct, table.guessing_probability[pick], atol=1e-11)


def test_worst_case_falls_far_below_average_near_the_clip_edge():
    """At low light some noise values push Z under 0, where Eve guesses every bit."""
    worst, average = worst_case_min_entropy(20.0, PIXEL_1), conditional_min_entropy(20.0, PIXEL_1)
    assert worst < 0.5 * average


def test_noise_free_pixel_has_one_noise_value_so_worst_equals_average():
    assert worst_case_min_entropy(625.0, NOISE_FREE) == pytest.approx(conditional_min_entropy(625.0, NOISE_FREE),
                                                                      abs=1e-12)
    dark_only = Pixel(dark_mean=3.0)  # E takes a few values: the worst one is below the average
    table = guessing_probability_by_noise(40.0, dark_only)
    assert table.average == pytest.approx(conditional_guessing_probability(40.0, dark_only), abs=1e-12)
    assert np.array_equal(table.noise_low, table.noise_high)  # atoms, not intervals
    assert worst_case_min_entropy(40.0, dark_only) < conditional_min_entropy(40.0, dark_only)
    assert worst_case_min_entropy(0.0, NOISE_FREE) == 0.0


def test_worst_case_ignores_truncation_residue_and_names_its_tail():
    """The worst case runs over E's central 1 - noise_tail, so the exact sum's truncation does not move it."""
    default = worst_case_min_entropy(20.0, PIXEL_1)
    assert default == pytest.approx(worst_case_min_entropy(20.0, PIXEL_1, tolerance=1e-14), abs=1e-9)
    # in dim light the worst noise values are rare low ones where the ADC clips to 0: a larger tail ignores more
    assert worst_case_min_entropy(20.0, PIXEL_1, noise_tail=1e-6) > default + 0.1
    table = guessing_probability_by_noise(20.0, PIXEL_1)
    assert table.mass[table.central].sum() >= 1.0 - 1e-9 - 1e-12
    assert table.mass[np.argmax(table.guessing_probability)] < 1e-15  # the residue the old maximum picked
    with pytest.raises(ValueError, match="noise_tail"):
        worst_case_min_entropy(50.0, PIXEL_1, noise_tail=1e-14)  # below the tolerance of the exact sum
    with pytest.raises(ValueError, match="noise_tail"):
        guessing_probability_by_noise(50.0, PIXEL_1, noise_tail=0.5)
    # a coarser exact sum widens the default tail to its tolerance instead of refusing
    coarse = guessing_probability_by_noise(625.0, PIXEL_1, tolerance=1e-6)
    assert coarse.noise_tail == 1e-6 and worst_case_min_entropy(625.0, PIXEL_1, tolerance=1e-6) > 1.96


def test_worst_case_away_from_the_clip_edges_does_not_depend_on_the_noise():
    """Z -> Z + 4 permutes Z23 cyclically: max_b P(Z23 | E = e) has period 4 in e, set by K and mu_e alone."""
    wide = Pixel(gain=PIXEL_1.gain, readout_mean=PIXEL_1.readout_mean, readout_sigma=3 * PIXEL_1.readout_sigma,
                 dark_mean=PIXEL_1.dark_mean)
    for mean in (50.0, 625.0):
        assert worst_case_min_entropy(mean, wide) == pytest.approx(worst_case_min_entropy(mean, PIXEL_1), abs=1e-9)
    table = guessing_probability_by_noise(50.0, PIXEL_1)
    mid = np.linspace(-4.0, 8.0, 97) + 1e-3
    cell = np.searchsorted(table.noise_low, mid, side="right") - 1
    shifted = np.searchsorted(table.noise_low, mid + 4.0, side="right") - 1
    assert np.allclose(table.guessing_probability[cell], table.guessing_probability[shifted], atol=1e-9)

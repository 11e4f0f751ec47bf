"""The fast IID track (permutation statistics and tests, chi-square, LRS) against the plain
step-by-step version in ``qkit.qrng.estimators.reference_iid``, on random and adversarial
sequences of a few thousand samples; and the input checks of the estimators' entry points."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special

from qkit.qrng import estimators as est
from qkit.qrng.estimators import _perm_kernels, iid, reference_iid as ref
from kernel_inputs import sorted_median


def _renumber(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alphabet = np.unique(raw).astype(np.uint8)
    return np.searchsorted(alphabet, raw).astype(np.uint8), alphabet


def _sequences() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2024)
    text = ("Every byte is one sample and the symbol is its low bits. " * 60).encode()
    one_outlier = np.zeros(3001, np.uint8)
    one_outlier[1234] = 1
    return {
        "random bits (n % 8 != 0)": (rng.random(3003) < 0.5).astype(np.uint8),
        "skewed bits": (rng.random(2000) < 0.9).astype(np.uint8),
        "random 2-bit, raw 1/2/5/7": np.array([1, 2, 5, 7], np.uint8)[rng.choice(4, 2003, p=[.1, .4, .3, .2])],
        "random 3 symbols": rng.integers(0, 3, 1500).astype(np.uint8),
        "random 8-bit": rng.integers(0, 256, 3000).astype(np.uint8),
        "all distinct 8-bit": rng.permutation(256).astype(np.uint8)[:200],
        "constant with one outlier": one_outlier,
        "periodic 0123": np.tile(np.arange(4, dtype=np.uint8), 500),
        "repetitive blocks": np.repeat(rng.integers(0, 4, 60).astype(np.uint8), 25),
        "sorted": np.sort(rng.integers(0, 5, 1200).astype(np.uint8)),
        "text": np.frombuffer(text, np.uint8)[:2500].copy(),
        "long bits": (rng.random(6000 * 8) < 0.5).astype(np.uint8)[:6000],
        "long 2-bit (block walk)": rng.integers(0, 4, 6000).astype(np.uint8),
        "long 5 symbols (block walk)": rng.integers(0, 5, 7000).astype(np.uint8),
        "long 8-bit (jump table)": rng.integers(0, 40, 6000).astype(np.uint8),
        "two samples": np.array([3, 1], np.uint8),
    }


SEQUENCES = _sequences()


@pytest.mark.parametrize("chunk", [_perm_kernels.CHUNK, 7])
@pytest.mark.parametrize("name", list(SEQUENCES))
def test_statistics_equal_the_step_by_step_reference(name, chunk, monkeypatch):
    monkeypatch.setattr(_perm_kernels, "CHUNK", chunk)
    raw = SEQUENCES[name]
    s, alphabet = _renumber(raw)
    k = alphabet.size
    mean = float(raw.sum(dtype=np.int64)) / raw.size
    fast = est.permutation_statistics(s, raw, k, mean, sorted_median(s, k))
    slow = ref.reference_statistics(s, raw, k, mean, sorted_median(s, k))
    for stat, a, b in zip(est.STATISTICS, fast, slow):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-9), f"{name}: {stat} {a} vs {b}"


def test_a_subset_of_statistics_leaves_the_rest_nan():
    raw = SEQUENCES["random 3 symbols"]
    s, alphabet = _renumber(raw)
    on = np.zeros(19, bool)
    on[[0, 7, 18]] = True
    got = est.permutation_statistics(s, raw, 3, float(raw.mean()), 1.0, active=on)
    full = est.permutation_statistics(s, raw, 3, float(raw.mean()), 1.0)
    assert np.array_equal(got[on], full[on]) and np.isnan(got[~on]).all()


@pytest.mark.parametrize("name", ["random bits (n % 8 != 0)", "random 2-bit, raw 1/2/5/7", "sorted"])
def test_permutation_tests_equal_the_reference_loop(name):
    raw = SEQUENCES[name][:400]
    s, alphabet = _renumber(raw)
    fast = est.permutation_tests(s, alphabet, seed=11, max_permutations=60, workers=2)
    t, counts, done = ref.reference_permutation_counts(s, alphabet, seed=11, max_permutations=60)
    assert fast.permutations == done
    assert [fast.counts[n] for n in est.STATISTICS] == [tuple(c) for c in counts]
    assert [fast.unpermuted[n] for n in est.STATISTICS] == pytest.approx(t, rel=1e-12)


def test_permutation_tests_do_not_depend_on_the_thread_count():
    s, alphabet = _renumber(SEQUENCES["random 2-bit, raw 1/2/5/7"])
    runs = [est.permutation_tests(s, alphabet, seed=5, max_permutations=300, workers=w) for w in (1, 2, 3)]
    assert runs[0] == runs[1] == runs[2]


def test_early_stopping_rule():
    s, alphabet = _renumber(SEQUENCES["random bits (n % 8 != 0)"])
    r = est.permutation_tests(s, alphabet, seed=3, max_permutations=2000)
    assert r.passed and r.permutations < 2000
    for c0, c1, c2 in r.counts.values():
        assert c0 + c1 >= 6 and c1 + c2 >= 6
    # at least one statistic was still undecided one shuffle before the end
    assert any(c0 + c1 + c2 == r.permutations for c0, c1, c2 in r.counts.values())
    sorted_ = est.permutation_tests(*_renumber(SEQUENCES["sorted"]), seed=1, max_permutations=40)
    assert sorted_.permutations == 40 and "numDirectionalRuns" in sorted_.failed


@pytest.mark.parametrize("name", [n for n in SEQUENCES if n not in ("two samples",)])
def test_chi_square_and_lrs_equal_the_reference(name):
    raw = SEQUENCES[name][:2500]
    s, alphabet = _renumber(raw)
    k = alphabet.size
    for fast, slow in ((est.chi_square_independence, ref.reference_chi_square_independence),
                       (est.chi_square_goodness_of_fit, ref.reference_chi_square_goodness_of_fit)):
        try:
            expected = slow(s, k)
        except ValueError as exc:                      # too few samples for the binned test
            with pytest.raises(ValueError, match="symbols"):
                fast(s, k)
            assert "symbols" in str(exc)
            continue
        got = fast(s, k)
        assert (got.T, got.df) == (pytest.approx(expected[0], rel=1e-12, abs=1e-12), expected[1])
        assert got.p_value == pytest.approx(expected[2], rel=1e-9, abs=1e-12)
    for size in (200, 1500) if name.startswith("random") else (200,):   # the reference is O(n W^2)
        s_lrs, alphabet_lrs = _renumber(_window_with_two_symbols(raw, size))
        w, p_col, prob, passed = ref.reference_lrs_test(s_lrs, alphabet_lrs.size)
        got = est.lrs_test(s_lrs, alphabet_lrs.size)
        assert (got.W, got.passed) == (w, passed)
        assert got.P_col == pytest.approx(p_col, rel=1e-12)
        assert got.probability_at_least_one == pytest.approx(prob, rel=1e-6, abs=1e-12)


def _window_with_two_symbols(raw: np.ndarray, size: int) -> np.ndarray:
    for start in range(0, max(1, raw.size - size + 1), 50):
        if np.unique(raw[start:start + size]).size >= 2:
            return raw[start:start + size]
    raise AssertionError("no window of two symbols")


def test_all_distinct_symbols_pass_the_lrs_test_with_w_zero():
    s, alphabet = _renumber(SEQUENCES["all distinct 8-bit"])
    got = est.lrs_test(s, alphabet.size)
    assert got.W == 0 and got.passed and got.probability_at_least_one == 1.0


@pytest.mark.parametrize("df", [1, 2, 9, 12, 27, 100, 2046, 4094])
def test_upper_gamma_agrees_with_scipy(df):
    for t in (0.0, 0.3, df * 0.5, df * 0.95, df, df * 1.2, df * 2.0, df * 4.0 + 30):
        assert iid.upper_gamma_q(df / 2, t / 2) == pytest.approx(special.gammaincc(df / 2, t / 2),
                                                                 rel=1e-10, abs=1e-14)


# ---------------------------------------------------------------- input checks (issue 15)
SYM = np.random.default_rng(1).integers(0, 4, 8000).astype(np.uint8)


@pytest.mark.parametrize("call, argument", [
    (lambda: est.collision_estimate([0, 1]), "bits"),
    (lambda: est.most_common_value(SYM, 0), "k"),
    (lambda: est.most_common_value(SYM, 3), "symbols"),
    (lambda: est.chi_square_independence(np.zeros(1000), 4), "symbols"),
    (lambda: est.chi_square_goodness_of_fit(SYM[:9], 4), "symbols"),
    (lambda: est.assess_entropy(SYM, 2, max_permutations=0, warn=False), "max_permutations"),
    (lambda: est.assess_entropy(SYM, 2, max_permutations=-1, warn=False), "max_permutations"),
    (lambda: est.assess_entropy(np.arange(8000) % 256, 8, warn=False), "source"),
    (lambda: est.assess_entropy(SYM, 2, tracks="iid", seed=-1, warn=False), "seed"),
    (lambda: est.assess_entropy(SYM, 2, tracks="iid", permutations="yes", warn=False), "permutations"),
    (lambda: est.iid_track(SYM), "samples"),
    (lambda: est.permutation_tests(SYM, np.array([0, 1, 2, 3]), max_permutations=0), "max_permutations"),
    (lambda: est.permutation_tests(SYM, np.array([0, 2, 1, 3])), "alphabet"),
    (lambda: est.permutation_statistics(SYM, SYM, 4, float("nan"), 1.5), "raw_mean"),
    (lambda: est.lrs_test(SYM, 1), "k"),
])
def test_bad_input_is_refused_naming_the_argument(call, argument):
    with pytest.raises((ValueError, TypeError), match=argument):
        call()


def test_too_short_for_t_tuple_is_refused_before_any_estimator_runs(monkeypatch):
    from qkit.qrng.estimators import assess

    def boom(*a, **k):
        raise AssertionError("an estimator ran")

    monkeypatch.setattr(assess, "_estimator_jobs", boom)
    with pytest.raises(ValueError, match=r"source .* 35"):
        est.assess_entropy(np.arange(8000) % 256, 8, warn=False)
    # the IID track alone does not need the t-Tuple threshold
    r = est.assess_entropy(np.arange(8000) % 256, 8, tracks="iid", permutations=False, warn=False)
    assert r.iid.h_original > 7.0


def test_iid_data_is_not_rejected_with_a_small_shuffle_budget():
    bits = (np.random.default_rng(9).random(20_000) < 0.5).astype(np.uint8)
    r = est.assess_entropy(bits, 1, tracks="iid", seed=4, max_permutations=1000, warn=False)
    assert r.iid.permutation.passed and r.iid.iid_plausible


def test_longest_repeat_equals_the_suffix_array_count_on_adversarial_tails():
    from qkit.qrng.estimators._substrings import substring_counts

    rng = np.random.default_rng(77)
    for trial in range(150):
        k = int(rng.choice([2, 3, 4, 16, 200]))
        n = int(rng.integers(130, 2500))
        s = rng.integers(0, k, n)
        length = int(rng.integers(1, 70))
        if trial % 3 == 1 and n > 2 * length + 8:
            s[n - length:] = s[5:5 + length]                       # a repeat ending the sequence
        elif trial % 3 == 2:
            s = np.tile(s[:length], n // length + 1)[:n]           # periodic: W close to n
        s = s.astype(np.uint8)
        assert iid.longest_repeat(s, k) == substring_counts(s, k).longest, (trial, k, n)


@pytest.mark.parametrize("period,k", [(1, 2), (4, 4), (37, 16), (1000, 256)])
def test_longest_repeat_on_long_repeats_is_the_largest_lcp(period, k):
    """Repeats longer than the packed windows take the suffix-array branch: W = n - period."""
    from qkit.qrng.estimators._substrings import substring_counts

    rng = np.random.default_rng(period)
    block = rng.integers(0, k, period).astype(np.uint8)
    block[0] = 0 if period > 1 else block[0]
    s = np.tile(block, 5000 // period + 2)[:5000]
    assert iid.longest_repeat(s, k) == substring_counts(s, k).longest == s.size - period

"""Unit tests of qkit.qrng.estimators on small sequences, against slow literal versions
written here (sample by sample, as SP 800-90B and the reference tool describe them)."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from qkit.qrng import estimators as est
from qkit.qrng.estimators import _common, _scoreboard, _substrings, collision, compression, predictors


def rand(n, k, seed=0, p=None):
    return np.random.default_rng(seed).choice(k, size=n, p=p).astype(np.uint8)


# ---------------------------------------------------------------- simple estimators
def test_mcv_by_hand():
    s = np.array([0, 1, 1, 2, 1, 0, 1, 1] * 10, dtype=np.uint8)      # 50 ones of 80
    r = est.most_common_value(s, 3)
    p_u = 50 / 80 + 2.5758293035489008 * math.sqrt(50 / 80 * 30 / 80 / 79)
    assert r.values["mode"] == 50 and math.isclose(r.min_entropy, -math.log2(p_u), rel_tol=1e-14)


def test_collision_times_literal_scan():
    bits = rand(1001, 2, seed=3)
    t, i = [], 0
    while i < bits.size - 1:
        if bits[i] == bits[i + 1]:
            t.append(2)
        elif i < bits.size - 2:
            t.append(3)
        else:
            break
        i += t[-1]
    assert collision.collision_times(bits).tolist() == t


def test_collision_full_entropy_when_mean_time_is_high():
    bits = np.tile(np.array([0, 1], dtype=np.uint8), 5000)             # no pair ever repeats
    r = est.collision_estimate(bits)
    assert r.values["X_bar"] == 3.0 and r.min_entropy == 1.0 and not r.values["found_p"]


def test_markov_by_hand():
    bits = np.array([0, 0, 1, 1, 1, 0] * 50, dtype=np.uint8)
    r = est.markov_estimate(bits)
    pairs = Counter(zip(bits[:-1].tolist(), bits[1:].tolist()))
    p00 = pairs[(0, 0)] / (pairs[(0, 0)] + pairs[(0, 1)])
    p11 = pairs[(1, 1)] / (pairs[(1, 0)] + pairs[(1, 1)])
    assert math.isclose(r.values["P_00"], p00) and math.isclose(r.values["P_11"], p11)
    p0 = np.mean(bits == 0)
    candidates = [-math.log2(p0) - 127 * math.log2(p00), -math.log2(1 - p0) - 127 * math.log2(p11),
                  -math.log2(p0) - math.log2(1 - p00) - 126 * math.log2(p11),
                  -math.log2(1 - p0) - math.log2(1 - p11) - 126 * math.log2(p00),
                  -math.log2(p0) - 64 * math.log2(1 - p00) - 63 * math.log2(1 - p11),
                  -math.log2(1 - p0) - 64 * math.log2(1 - p11) - 63 * math.log2(1 - p00)]
    assert math.isclose(r.min_entropy, min(1.0, min(candidates) / 128), rel_tol=1e-12)


def test_compression_distances_literal():
    blocks = rand(3000, 64, seed=5).astype(np.uint8)
    last, want = {}, []
    for i, b in enumerate(blocks.tolist()):
        if i >= 1000:
            want.append(i + 1 - last.get(b, 0))
        last[b] = i + 1
    assert np.array_equal(compression._log_distances(blocks), np.log2(want))


def test_compression_expectation_matches_direct_sum():
    # G(z) = 1/v sum_{t=d+1}^{L} sum_{u=1}^{t} log2(u) F(z,t,u), F = z^2 (1-z)^(u-1) (u<t), z (1-z)^(t-1) (u=t)
    nb, d, z = 40, 10, 0.3
    total = 0.0
    for t in range(d + 1, nb + 1):
        for u in range(1, t + 1):
            f = z * z * (1 - z) ** (u - 1) if u < t else z * (1 - z) ** (t - 1)
            total += math.log2(u) * f
    assert math.isclose(compression._g(z, nb, d), total / (nb - d), rel_tol=1e-12)


def test_compression_needs_enough_bits():
    with pytest.raises(ValueError, match="6000 bits"):
        est.compression_estimate(rand(5000, 2))


# ---------------------------------------------------------------- substrings
def brute_counts(s, t):
    return Counter(tuple(s[i:i + t]) for i in range(len(s) - t + 1))


@pytest.mark.parametrize("k,n,seed", [(2, 3000, 1), (3, 2000, 2), (4, 2500, 3), (16, 800, 4)])
def test_substring_counts_brute_force(k, n, seed):
    s = rand(n, k, seed)
    got = _substrings.substring_counts(s, k)
    lst = s.tolist()
    for t in range(1, got.longest + 2):
        c = brute_counts(lst, t)
        assert got.max_count[t] == max(c.values())
        assert got.pairs[t] == sum(v * (v - 1) // 2 for v in c.values())
    assert max(brute_counts(lst, got.longest).values()) >= 2
    assert max(brute_counts(lst, got.longest + 1).values()) == 1


def test_substring_counts_periodic_data_uses_exact_suffix_array():
    s = np.tile(np.array([0, 0, 1, 1, 1], dtype=np.uint8), 60)         # LRS = n - 5
    got = _substrings.substring_counts(s, 2)
    assert got.longest == s.size - 5
    for t in (1, 7, 64, 200):
        c = brute_counts(s.tolist(), t)
        assert got.pairs[t] == sum(v * (v - 1) // 2 for v in c.values())


def _adversarial(n, seed):
    rng = np.random.default_rng(seed)
    spike = np.zeros(n, dtype=np.uint8)
    spike[n // 2] = 1
    return {
        "random": rng.integers(0, 4, n).astype(np.uint8),
        "periodic": np.tile(np.arange(7, dtype=np.uint8), n // 7 + 1)[:n],
        "constant with one outlier": spike,
        "repeated block": np.tile(rng.integers(0, 4, 37).astype(np.uint8), n // 37 + 1)[:n],
        "two symbols": np.repeat(np.array([0, 1], dtype=np.uint8), [n // 3, n - n // 3]),
    }


@pytest.mark.parametrize("name", ["random", "periodic", "constant with one outlier", "repeated block",
                                  "two symbols"])
def test_library_suffix_lcp_equals_prefix_doubling(name):
    pytest.importorskip("pydivsufsort")
    s = _adversarial(3001, seed=5)[name]
    assert np.array_equal(_substrings._suffix_lcp(s), _substrings._suffix_array_lcp(s))


def test_counts_are_the_same_without_the_suffix_library(monkeypatch):
    s = _adversarial(1500, seed=6)["repeated block"]
    with est.numpy_only():                     # the numpy path: the C kernel has its own SA
        with_library = _substrings.substring_counts(s, 4)
        monkeypatch.setattr(_substrings, "_suffix_lcp", _substrings._suffix_array_lcp)
        without = _substrings.substring_counts(s, 4)
    assert with_library.longest == without.longest == s.size - 37
    assert np.array_equal(with_library.max_count, without.max_count)
    assert np.array_equal(with_library.pairs, without.pairs)


def test_t_tuple_and_lrs_by_hand():
    s = rand(4000, 2, seed=9, p=[0.7, 0.3])
    t_res, lrs_res = est.tuple_estimates(s, 2)
    lst = s.tolist()
    t = t_res.values["t"]
    assert max(brute_counts(lst, t).values()) >= 35 > max(brute_counts(lst, t + 1).values())
    p = max((max(brute_counts(lst, i).values()) / (4000 - i + 1)) ** (1 / i) for i in range(1, t + 1))
    assert math.isclose(t_res.values["p_hat_max"], p, rel_tol=1e-12)
    assert lrs_res.values["u"] == t + 1


# ---------------------------------------------------------------- scoreboard and predictors
def test_scoreboard_matches_literal_play():
    rng = np.random.default_rng(7)
    right = rng.random((3000, 6)) < np.array([0.5, 0.52, 0.48, 0.55, 0.5, 0.3])
    fast = _scoreboard.follow_scoreboard(lambda a, b: right[a:b], 3000, 6, chunk=257)
    assert fast == _scoreboard.literal_scoreboard(right)


def literal_mcw(s, k):
    s = s.tolist()
    wins = predictors.WINDOWS
    right = np.zeros((len(s) - wins[0], len(wins)), dtype=bool)
    for i in range(wins[0], len(s)):
        for j, w in enumerate(wins):
            if i >= w:
                c = Counter(s[i - w:i])
                top = max(c.values())
                last = {a: max(p for p in range(i - w, i) if s[p] == a) for a in c if c[a] == top}
                right[i - wins[0], j] = max(last, key=last.get) == s[i]
    return right


@pytest.mark.parametrize("k", [2, 3])
def test_multi_mcw_literal(k):
    s = rand(4600, k, seed=11, p=None if k == 2 else [0.4, 0.35, 0.25])
    c, longest = _scoreboard.literal_scoreboard(literal_mcw(s, k))
    r = est.multi_mcw_estimate(s, k)
    assert (r.values["C"], r.values["r"], r.values["N"]) == (c, longest + 1, 4600 - 63)


def test_lag_literal():
    s = rand(1500, 3, seed=12)
    right = np.zeros((1499, 128), dtype=bool)
    for i in range(1, 1500):
        for d in range(min(128, i)):
            right[i - 1, d] = s[i] == s[i - d - 1]
    c, longest = _scoreboard.literal_scoreboard(right)
    r = est.lag_estimate(s, 3)
    assert (r.values["C"], r.values["r"]) == (c, longest + 1)


def literal_mmc(s, k, cap):
    s = s.tolist()
    tables = [dict() for _ in range(16)]
    entries = [0] * 16
    for d in range(16):
        tables[d][tuple(s[:d + 1])] = Counter({s[d + 1]: 1})
        entries[d] = 1
    right = np.zeros((len(s) - 2, 16), dtype=bool)
    for i in range(2, len(s)):
        for d in range(min(16, i - 1)):
            x = tuple(s[i - d - 1:i])
            table = tables[d]
            if x in table:
                counts = table[x]
                best = max(counts.values())
                guess = max(a for a in counts if counts[a] == best)
                right[i - 2, d] = guess == s[i]
                if s[i] in counts:
                    counts[s[i]] += 1
                elif entries[d] < cap:
                    counts[s[i]] = 1
                    entries[d] += 1
            elif entries[d] < cap:
                table[x] = Counter({s[i]: 1})
                entries[d] += 1
    return right


@pytest.mark.parametrize("k,cap", [(2, 100_000), (2, 300), (4, 500)])
def test_multi_mmc_literal(monkeypatch, k, cap):
    monkeypatch.setattr(predictors, "MMC_MAX_ENTRIES", cap)
    s = rand(2500, k, seed=13 + k, p=[0.6, 0.4] if k == 2 else None)
    c, longest = _scoreboard.literal_scoreboard(literal_mmc(s, k, cap))
    r = est.multi_mmc_estimate(s, k)
    assert (r.values["C"], r.values["r"], r.values["N"]) == (c, longest + 1, 2498)


def literal_lz78y(s, k, cap):
    s = s.tolist()
    tables = [dict() for _ in range(16)]
    size = 0
    for j in range(1, 17):
        tables[j - 1][tuple(s[16 - j:16])] = Counter({s[16]: 1})
        size += 1
    hits = []
    for i in range(17, len(s)):
        best_count, guess = 0, None
        for j in range(16, 0, -1):
            x = tuple(s[i - j:i])
            table = tables[j - 1]
            if x in table:
                counts = table[x]
                top = max(counts.values())
                if top > best_count:
                    best_count, guess = top, max(a for a in counts if counts[a] == top)
                counts[s[i]] += 1
            elif size < cap:
                table[x] = Counter({s[i]: 1})
                size += 1
        hits.append(guess == s[i])
    return np.array(hits)


@pytest.mark.parametrize("k,cap", [(2, 65_536), (2, 700), (3, 900)])
def test_lz78y_literal(monkeypatch, k, cap):
    monkeypatch.setattr(predictors, "LZ78Y_MAX_PREFIXES", cap)
    s = rand(2500, k, seed=21 + k, p=[0.65, 0.35] if k == 2 else None)
    hits = literal_lz78y(s, k, cap)
    longest, _ = _common.longest_run(hits)
    r = est.lz78y_estimate(s, k)
    assert (r.values["C"], r.values["r"], r.values["N"]) == (int(hits.sum()), longest + 1, 2500 - 17)


def test_prediction_estimate_uses_local_probability_for_long_runs():
    h, values = est.prediction_estimate(correct=520, trials=1000, longest=60, k=2)
    assert values["P_local"] is not None and values["P_local"] > values["P_global'"]
    assert math.isclose(h, -math.log2(values["P_local"]))
    assert math.isclose(_common.run_bound_log_probability(values["P_local"], 61, 1000),
                        math.log(0.99), abs_tol=1e-9)


def test_prediction_estimate_no_correct_guesses():
    h, values = est.prediction_estimate(correct=0, trials=1000, longest=0, k=2)
    assert values["P_global'"] == pytest.approx(1 - 0.01 ** (1 / 1000)) and h == 1.0


def test_longest_run_with_carry():
    assert _common.longest_run(np.array([1, 1, 0, 1, 1, 1, 0, 1], bool)) == (3, 1)
    assert _common.longest_run(np.array([1, 1, 0], bool), carry=4) == (6, 0)
    assert _common.longest_run(np.array([1, 1], bool), carry=4) == (6, 6)


# ---------------------------------------------------------------- IID tests
def test_permutation_statistics_brute_force():
    s = rand(2003, 4, seed=31, p=[0.1, 0.4, 0.3, 0.2])
    raw = np.array([1, 2, 5, 7], dtype=np.uint8)[s]
    mean = raw.mean()
    got = est.permutation_statistics(s, raw, 4, mean, 2.0)
    lst, r = s.tolist(), raw.tolist()
    excursion = max(abs(sum(r[:i + 1]) - (i + 1) * mean) for i in range(len(r)))
    signs = [-1 if a > b else 1 for a, b in zip(lst, lst[1:])]
    runs = 1 + sum(a != b for a, b in zip(signs, signs[1:]))
    lens, cur = [], 1
    for a, b in zip(signs, signs[1:]):
        cur = cur + 1 if a == b else (lens.append(cur) or 1)
    lens.append(cur)
    cols, i = [], 0
    while i < len(lst):
        seen = set()
        for j in range(i, len(lst)):
            if lst[j] in seen:
                cols.append(j - i + 1)
                i = j + 1
                break
            seen.add(lst[j])
        else:
            break
    assert got[0] == pytest.approx(excursion, abs=1e-9)
    assert got[1] == runs and got[2] == max(lens) and got[3] == max(signs.count(1), signs.count(-1))
    assert got[6] == pytest.approx(sum(cols) / len(cols)) and got[7] == max(cols)
    assert got[9] == sum(lst[i] == lst[i + 2] for i in range(len(lst) - 2))
    assert got[14] == sum(r[i] * r[i + 2] for i in range(len(r) - 2))


def test_permutation_tests_seeded_and_early_stopping():
    s = rand(20_000, 2, seed=41)
    a = est.permutation_tests(s, np.array([0, 1], np.uint8), seed=5, max_permutations=400)
    b = est.permutation_tests(s, np.array([0, 1], np.uint8), seed=5, max_permutations=400)
    assert a == b and a.passed
    for c0, c1, c2 in a.counts.values():
        assert c0 + c1 >= 6 and c1 + c2 >= 6
    assert a.permutations < 400


def test_permutation_tests_reject_sorted_data():
    s = np.sort(rand(20_000, 4, seed=42))
    r = est.permutation_tests(s, np.arange(4, dtype=np.uint8), seed=1, max_permutations=30)
    assert not r.passed and "numDirectionalRuns" in r.failed


def test_chi_square_flags_dependent_pairs():
    s = np.repeat(rand(10_000, 4, seed=43), 2)                         # pairs (a, a)
    assert not est.chi_square_independence(s, 4).passed


# ---------------------------------------------------------------- entry point and bad input
def test_assess_entropy_small_binary_sequence_warns_and_reports():
    data = rand(20_000, 2, seed=50, p=[0.6, 0.4])
    with pytest.warns(est.SmallSampleWarning):
        a = est.assess_entropy(bytes(data), 1, seed=3, max_permutations=50)
    assert a.non_iid.h_bitstring is None
    assert a.non_iid.assessed == min(r.min_entropy for r in a.non_iid.literal.values() if r)
    assert 0.3 < a.non_iid.assessed < -math.log2(0.6)          # conservative, below the MCV value
    d = a.to_dict()
    assert d["non_iid"]["literal"]["Markov"]["min_entropy"] == a.non_iid.literal["Markov"].min_entropy
    assert "Most Common Value (literal)" in a.summary()


def test_two_symbols_of_a_wide_alphabet_are_binary():
    data = np.where(rand(20_000, 2, seed=51) == 1, 3, 0).astype(np.uint8)
    a = est.assess_entropy(data, 2, tracks="non_iid", warn=False)
    assert a.non_iid.bitstring == {} and "Collision" in a.non_iid.literal


@pytest.mark.parametrize("k,bits", [(2, 1), (4, 2)])
def test_non_iid_track_gives_the_same_numbers_on_any_number_of_workers(k, bits):
    samples = est.load_samples(rand(20_000, k, seed=53), bits, warn=False)
    one = est.non_iid_track(samples, workers=1)
    for workers in (2, 3):
        many = est.non_iid_track(samples, workers=workers)
        for ours, theirs in ((many.literal, one.literal), (many.bitstring, one.bitstring)):
            assert list(ours) == list(theirs)              # same estimators, in ESTIMATORS order
            assert [r.min_entropy for r in ours.values()] == [r.min_entropy for r in theirs.values()]
    assert list(one.literal)[0] == "Most Common Value" and len(one.literal) == (10 if k == 2 else 7)


def test_assess_from_file(tmp_path):
    path = tmp_path / "x.bin"
    rand(10_000, 4, seed=52).tofile(path)
    a = est.assess_entropy(path, 2, tracks=["iid"], permutations=False, warn=False)
    assert a.non_iid is None and a.iid.permutation is None and a.iid.mcv_bitstring is not None


@pytest.mark.parametrize("kwargs,match", [
    (dict(bits_per_symbol=0), "bits_per_symbol"),
    (dict(bits_per_symbol=9), "bits_per_symbol"),
    (dict(bits_per_symbol=1.5), "bits_per_symbol"),
])
def test_bad_width(kwargs, match):
    with pytest.raises(ValueError, match=match):
        est.load_samples(rand(10_000, 2), **kwargs)


def test_bad_input():
    with pytest.raises(ValueError, match="fit in bits_per_symbol=1"):
        est.load_samples(rand(10_000, 3), 1)
    with pytest.raises(ValueError, match="byte values"):
        est.load_samples(np.full(10_000, 300), 8)
    with pytest.raises(ValueError, match="integer byte values"):
        est.load_samples(np.zeros(10_000) + 0.5, 8)
    with pytest.raises(ValueError, match="at least 6006 samples"):
        est.load_samples(rand(5000, 2), 1)
    with pytest.raises(ValueError, match="2 distinct symbols"):
        est.load_samples(np.zeros(10_000, np.uint8), 1)
    with pytest.raises(ValueError, match="existing file"):
        est.load_samples("/nonexistent/file.bin", 1)
    with pytest.raises(ValueError, match="tracks"):
        est.assess_entropy(rand(10_000, 2), 1, tracks=("fast",), warn=False)

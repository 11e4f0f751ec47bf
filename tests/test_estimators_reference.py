"""The fast SP 800-90B estimators equal the plain step-by-step ones of
``qkit.qrng.estimators.reference`` on random and adversarial sequences (small sizes, so that
the loop-based reference runs in seconds), dictionary caps included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qkit.qrng import estimators as est
from qkit.qrng.estimators import predictors
from qkit.qrng.estimators import reference as ref


def rand(n, k, seed=0, p=None):
    return np.random.default_rng(seed).choice(k, size=n, p=p).astype(np.uint8)


def periodic(n, period, k, seed=0):
    return np.resize(rand(period, k, seed), n).astype(np.uint8)


def outlier(n, k):
    s = np.zeros(n, dtype=np.uint8)
    s[n // 3] = k - 1
    return s


def text(n):
    line = b"the quick brown fox jumps over the lazy dog; entropy is what you cannot guess. "
    raw = np.frombuffer(line * (n // len(line) + 1), dtype=np.uint8)[:n]
    return np.unique(raw, return_inverse=True)[1].astype(np.uint8), int(np.unique(raw).size)


def agree(fast, slow, rel=1e-13):
    assert slow is not None and math.isclose(fast, slow, rel_tol=rel, abs_tol=1e-15), (fast, slow)


# sequences: (name, symbols, k); each has more than 4095 samples (MultiMCW) and two symbols
SEQUENCES = [
    ("binary", rand(4600, 2, 1, [0.6, 0.4]), 2),
    ("three", rand(4300, 3, 2, [0.5, 0.3, 0.2]), 3),
    ("periodic", periodic(4400, 97, 2, 3), 2),
    ("outlier", outlier(4200, 2), 2),
    ("periodic4", periodic(4200, 61, 4, 4), 4),
    ("text", *text(4200)),
]
IDS = [name for name, _, _ in SEQUENCES]


@pytest.mark.parametrize("name,s,k", SEQUENCES, ids=IDS)
def test_most_common_value(name, s, k):
    agree(est.most_common_value(s, k).min_entropy, ref.most_common_value(s))


@pytest.mark.parametrize("name,s,k", SEQUENCES, ids=IDS)
def test_multi_mcw(name, s, k):
    agree(est.multi_mcw_estimate(s, k).min_entropy, ref.multi_mcw(s, k))


@pytest.mark.parametrize("name,s,k", SEQUENCES, ids=IDS)
def test_lag(name, s, k):
    s = s[:2500]
    agree(est.lag_estimate(s, k).min_entropy, ref.lag(s, k))


@pytest.mark.parametrize("name,s,k", SEQUENCES, ids=IDS)
def test_multi_mmc(name, s, k):
    s = s[:2500]
    agree(est.multi_mmc_estimate(s, k).min_entropy, ref.multi_mmc(s, k))


@pytest.mark.parametrize("name,s,k", SEQUENCES, ids=IDS)
def test_lz78y(name, s, k):
    s = s[:2500]
    agree(est.lz78y_estimate(s, k).min_entropy, ref.lz78y(s, k))


@pytest.mark.parametrize("k,cap,seed", [(2, 40, 5), (2, 300, 6), (2, 3000, 7), (3, 200, 8), (4, 900, 9)])
def test_multi_mmc_dictionary_cap(monkeypatch, k, cap, seed):
    # a repeated random block (high orders win) followed by fresh data (new entries refused)
    s = np.concatenate([periodic(1500, 89, k, seed), rand(1200, k, seed + 1)])
    monkeypatch.setattr(predictors, "MMC_MAX_ENTRIES", cap)
    agree(est.multi_mmc_estimate(s, k).min_entropy, ref.multi_mmc(s, k, max_entries=cap))


def test_multi_mmc_cap_changes_the_answer(monkeypatch):
    s = np.concatenate([periodic(1500, 89, 2, 5), rand(1200, 2, 6)])
    full = est.multi_mmc_estimate(s, 2).values["C"]
    monkeypatch.setattr(predictors, "MMC_MAX_ENTRIES", 40)
    assert est.multi_mmc_estimate(s, 2).values["C"] < full        # the cap test is not vacuous


@pytest.mark.parametrize("k,cap,seed", [(2, 20, 5), (2, 200, 6), (2, 2000, 7), (3, 150, 8), (4, 600, 9)])
def test_lz78y_dictionary_cap(monkeypatch, k, cap, seed):
    s = np.concatenate([periodic(1500, 89, k, seed), rand(1200, k, seed + 1)])
    monkeypatch.setattr(predictors, "LZ78Y_MAX_PREFIXES", cap)
    got = est.lz78y_estimate(s, k).min_entropy
    agree(got, ref.lz78y(s, k, max_prefixes=cap))


def test_lz78y_cap_changes_the_answer(monkeypatch):
    s = np.concatenate([periodic(1500, 89, 2, 5), rand(1200, 2, 6)])
    full = est.lz78y_estimate(s, 2).values["C"]
    monkeypatch.setattr(predictors, "LZ78Y_MAX_PREFIXES", 20)
    assert est.lz78y_estimate(s, 2).values["C"] < full


BITS = [
    ("random", rand(7000, 2, 11)),
    ("biased", rand(7000, 2, 12, [0.8, 0.2])),
    ("periodic", periodic(7000, 13, 2, 13)),
    ("outlier", outlier(7000, 2)),
    ("alternating", np.resize(np.array([0, 1], np.uint8), 7000)),
]
BIT_IDS = [name for name, _ in BITS]


@pytest.mark.parametrize("name,bits", BITS, ids=BIT_IDS)
def test_collision(name, bits):
    agree(est.collision_estimate(bits).min_entropy, ref.collision(bits))


@pytest.mark.parametrize("name,bits", BITS, ids=BIT_IDS)
def test_markov(name, bits):
    agree(est.markov_estimate(bits).min_entropy, ref.markov(bits), rel=1e-12)


@pytest.mark.parametrize("name,bits", BITS, ids=BIT_IDS)
def test_compression(name, bits):
    agree(est.compression_estimate(bits).min_entropy, ref.compression(bits), rel=1e-12)


# the tuple estimates: the reference counts every tuple length, so long repeats stay small
TUPLE_SEQUENCES = [
    ("binary", rand(3000, 2, 21, [0.7, 0.3]), 2),
    ("four", rand(2000, 4, 22), 4),
    ("periodic", periodic(260, 7, 2, 23), 2),
    ("outlier", outlier(240, 2), 2),
    ("repeated block", np.concatenate([rand(90, 3, 24)] * 3), 3),
    ("text", *text(300)),
]


@pytest.mark.parametrize("name,s,k", TUPLE_SEQUENCES, ids=[t[0] for t in TUPLE_SEQUENCES])
def test_t_tuple_and_lrs(name, s, k):
    t_res, lrs_res = est.tuple_estimates(s, k)
    agree(t_res.min_entropy, ref.t_tuple(s))
    slow = ref.lrs(s)
    if lrs_res is None:
        assert slow is None
    else:
        agree(lrs_res.min_entropy, slow)


def test_reference_predictors_see_structure():
    # the references are not trivially equal to the fast code by sharing a bug: on a period-5
    # sequence Lag and MultiMMC learn to guess perfectly, on random data no predictor does
    s = periodic(2000, 5, 2, 31)
    for h in (ref.lag(s, 2), ref.multi_mmc(s, 2)):
        assert h < 0.05
    r = rand(4200, 2, 32)
    assert ref.lag(r[:2000], 2) > 0.8 and ref.multi_mcw(r, 2) > 0.8

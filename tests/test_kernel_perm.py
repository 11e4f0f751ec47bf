"""The C kernel of the permutation tests (``_cperm``) gives the numbers of the numpy path and of
the plain reference (SP 800-90B Sec. 5.1).

Three kernels: ``statistics`` (the 18 statistics of Sec. 5.1.1-5.1.10), ``draw`` (the first
step of the shuffler: table lookup and counts) and ``decimal_text`` (the text of Sec. 5.1.11),
and the bzip2 length kernel ``_cbzip2`` in place of libbz2 (its own tests are in
``test_kernel_bzip2.py``). The statistics have no table caps; the inputs cover random data of
several alphabet sizes, adversarial sequences, the binary conversions with a short last block,
texts longer than one bzip2 block, the shortest sequences and bad input.
"""

from __future__ import annotations

import bz2

import numpy as np
import pytest

from qkit.qrng import estimators as est
from qkit.qrng.estimators import _compiled, _perm_kernels, numpy_only
from qkit.qrng.estimators import reference_iid as ref
from kernel_inputs import sorted_median

pytestmark = pytest.mark.skipif(_compiled._load("perm_statistics") is None,
                                reason="the permutation-test kernel _cperm is not built "
                                       "(`pip install -e .` with a C compiler builds it)")

@pytest.fixture(autouse=True)
def _kernels_on(monkeypatch):
    """Compare the kernel even when QKIT_NUMPY_ONLY=1 is set for the rest of the suite."""
    monkeypatch.setattr(_compiled, "_enabled", True)


ENGLISH = (b"Shuffle the samples and count how often the statistic of a shuffle lies above the "
           b"original one; an English sentence has runs, repeats and a small alphabet. ")


def _renumber(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    alphabet, s = np.unique(raw, return_inverse=True)
    return s.astype(np.uint8), alphabet.astype(np.uint8)


def _inputs(n: int) -> dict[str, np.ndarray]:
    """Raw samples (bytes): random of k = 2, 3, 4, 8, 256 and adversarial sequences."""
    rng = np.random.default_rng(n)
    outlier = np.zeros(n, np.uint8)
    outlier[n // 3] = 1
    block = rng.integers(0, 4, max(1, n // 8)).astype(np.uint8)
    return {
        "random k=2": rng.integers(0, 2, n).astype(np.uint8),
        "random k=3, raw 3/9/200": np.array([3, 9, 200], np.uint8)[rng.integers(0, 3, n)],
        "random k=4": rng.integers(0, 4, n).astype(np.uint8),
        "random k=8": rng.integers(0, 8, n).astype(np.uint8),
        "random k=256": np.concatenate([np.arange(256, dtype=np.uint8),
                                        rng.integers(0, 256, n).astype(np.uint8)])[:max(n, 256)],
        "constant bits with one outlier": outlier,
        "constant 8-bit with one outlier": np.where(outlier == 1, 255, 17).astype(np.uint8),
        "periodic 0123": np.tile(np.arange(4, dtype=np.uint8), n // 4 + 1)[:n],
        "alternating bits": np.tile(np.array([0, 1], np.uint8), n // 2 + 1)[:n],
        "long repeats": np.tile(block, 9)[:n],
        "English text": np.frombuffer(ENGLISH * (n // len(ENGLISH) + 1), np.uint8)[:n].copy(),
        "all distinct bytes": rng.permutation(256).astype(np.uint8),
    }


def _both(s: np.ndarray, alphabet: np.ndarray, on=None) -> tuple[np.ndarray, np.ndarray]:
    k = alphabet.size
    plan = _perm_kernels.PermutationPlan(alphabet, float(alphabet[s].mean()), sorted_median(s, k))
    on = np.ones(19, dtype=bool) if on is None else on
    fast = plan.statistics(s, on)
    with numpy_only():
        slow = plan.statistics(s, on)
    return fast, slow


@pytest.mark.parametrize("name", list(_inputs(1500)))
def test_statistics_equal_numpy_path_and_reference(name):
    s, alphabet = _renumber(_inputs(1500)[name])
    if alphabet.size < 2:
        pytest.skip("one symbol")
    fast, slow = _both(s, alphabet)
    np.testing.assert_array_equal(fast, slow)
    want = ref.reference_statistics(s, alphabet[s], alphabet.size, float(alphabet[s].mean()),
                                    sorted_median(s, alphabet.size))
    np.testing.assert_array_equal(fast, np.array(want))


@pytest.mark.parametrize("name", ["random k=2", "random k=4", "random k=256", "English text",
                                  "constant bits with one outlier", "alternating bits"])
def test_long_inputs_span_several_bzip2_blocks(name):
    # > 500,000 characters of text: bzip2 (level 5) writes several blocks, fed in pieces
    s, alphabet = _renumber(_inputs(300_001)[name])
    fast, slow = _both(s, alphabet)
    np.testing.assert_array_equal(fast, slow)
    text = " ".join(str(v) for v in alphabet[s].tolist()).encode()
    assert len(text) > 500_000
    assert fast[18] == len(bz2.compress(text, 5))
    if _compiled._load("bzip2_length") is not None:
        assert _compiled._load("bzip2_length")(text, 5) == fast[18]


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 15, 16, 17, 33, 64])
@pytest.mark.parametrize("k", [2, 3, 256])
def test_shortest_sequences_and_short_last_blocks(n, k):
    rng = np.random.default_rng(n * 1000 + k)
    alphabet = np.sort(rng.choice(256, k, replace=False)).astype(np.uint8)
    s = rng.integers(0, k, n).astype(np.uint8)
    fast, slow = _both(s, alphabet)
    np.testing.assert_array_equal(fast, slow)
    if n >= 2:
        want = ref.reference_statistics(s, alphabet[s], k, float(alphabet[s].mean()), sorted_median(s, k))
        np.testing.assert_array_equal(fast, np.array(want))


def test_each_statistic_alone_and_none():
    s, alphabet = _renumber(_inputs(3000)["random k=3, raw 3/9/200"])
    full, _ = _both(s, alphabet)
    for j in range(19):
        on = np.zeros(19, dtype=bool)
        on[j] = True
        fast, slow = _both(s, alphabet, on)
        np.testing.assert_array_equal(fast, slow)
        assert fast[j] == full[j] and np.isnan(np.delete(fast, j)).all()
    none, _ = _both(s, alphabet, np.zeros(19, dtype=bool))
    assert np.isnan(none).all()


@pytest.mark.parametrize("k", [2, 3, 4, 5, 8, 16])
@pytest.mark.parametrize("n", [1, 9, 65_537, 200_001])
def test_shuffles_and_generator_state_equal_the_numpy_path(k, n):
    s = np.random.default_rng(k).integers(0, k, n).astype(np.uint8)
    shuffle = _perm_kernels.make_shuffler(s, k)
    fast_rng, slow_rng = np.random.default_rng(9), np.random.default_rng(9)
    fast = shuffle(fast_rng)
    with numpy_only():
        slow = shuffle(slow_rng)
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(np.bincount(fast, minlength=k), np.bincount(s, minlength=k))
    assert fast_rng.integers(0, 2**62) == slow_rng.integers(0, 2**62)


@pytest.mark.parametrize("counts", [[99_999, 1], [1, 99_999], [3, 99_990, 3, 4], [50_000, 0, 50_000],
                                    [1, 1, 1, 99_997], [25_000] * 4, [7, 0, 0, 99_993]])
def test_shuffles_of_skewed_and_empty_symbols_equal_the_numpy_path(counts):
    s = np.repeat(np.arange(len(counts), dtype=np.uint8), counts)
    s = s[np.random.default_rng(0).permutation(s.size)]
    shuffle = _perm_kernels.make_shuffler(s, len(counts))
    fast = shuffle(np.random.default_rng(3))
    with numpy_only():
        slow = shuffle(np.random.default_rng(3))
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("table", ["increasing k=3", "decreasing", "scattered k=4", "k=9"])
def test_draw_looks_up_any_table(table):
    rng = np.random.default_rng(6)
    tab = {"increasing k=3": np.repeat(np.arange(3), [100, 30_000, 35_436]),
           "decreasing": np.repeat(np.arange(2)[::-1], [40_000, 25_536]),
           "scattered k=4": rng.integers(0, 4, 65536),
           "k=9": np.sort(rng.integers(0, 9, 65536))}[table].astype(np.uint8)
    u = rng.integers(0, 65536, 1003, dtype=np.uint16)
    y = np.empty(u.size, np.uint8)
    counts = _kernel("perm_draw")(u, tab, y)
    np.testing.assert_array_equal(y, tab[u])
    assert list(counts) == np.bincount(tab[u], minlength=int(tab.max()) + 1).tolist()


def test_permutation_tests_equal_numpy_path_and_reference_loop():
    s, alphabet = _renumber(_inputs(400)["random k=3, raw 3/9/200"])
    fast = est.permutation_tests(s, alphabet, seed=4, max_permutations=40, workers=2)
    with numpy_only():
        slow = est.permutation_tests(s, alphabet, seed=4, max_permutations=40, workers=2)
    assert (fast.counts, fast.permutations) == (slow.counts, slow.permutations)
    t, counts, done = ref.reference_permutation_counts(s, alphabet, seed=4, max_permutations=40)
    assert done == fast.permutations
    assert [list(fast.counts[name]) for name in est.STATISTICS] == counts
    assert [fast.unpermuted[name] for name in est.STATISTICS] == t


def test_permutation_tests_on_bits_equal_numpy_path():
    s = np.random.default_rng(8).integers(0, 2, 20_000).astype(np.uint8)
    alphabet = np.array([0, 1], np.uint8)
    fast = est.permutation_tests(s, alphabet, seed=2, max_permutations=300)
    with numpy_only():
        slow = est.permutation_tests(s, alphabet, seed=2, max_permutations=300)
    assert fast == slow


def _kernel(name):
    return _compiled._load(name)


BITS = np.array([0, 1, 1, 0], np.uint8)
BAD_CALLS = [
    (lambda: _kernel("perm_statistics")(np.array([0, 2, 1], np.uint8), b"\x00\x01", 0.5, 0.5, 1),
     "symbols must hold symbols 0..1"),
    (lambda: _kernel("perm_statistics")(BITS, b"\x00", 0.5, 0.5, 1), "alphabet"),
    (lambda: _kernel("perm_statistics")(BITS, bytes(257), 0.5, 0.5, 1), "alphabet"),
    (lambda: _kernel("perm_statistics")(np.zeros(0, np.uint8), b"\x00\x01", 0.5, 0.5, 1),
     "at least 1 symbol"),
    (lambda: _kernel("perm_statistics")(BITS, b"\x00\x01", float("nan"), 0.5, 1), "raw_mean"),
    (lambda: _kernel("perm_statistics")(BITS, b"\x00\x01", 0.5, -1.0, 1), "median"),
    (lambda: _kernel("perm_text")(np.array([5], np.uint8), b"\x00\x01\x02", True), "symbols"),
    (lambda: _kernel("perm_draw")(np.zeros(3, np.uint8), bytes(65536), np.zeros(1, np.uint8)),
     "uint16"),
    (lambda: _kernel("perm_draw")(np.zeros(4, np.uint16), bytes(100), np.zeros(4, np.uint8)),
     "65536"),
    (lambda: _kernel("perm_draw")(np.zeros(4, np.uint16), bytes(65536), np.zeros(3, np.uint8)),
     "out must hold"),
]


@pytest.mark.parametrize("call, message", BAD_CALLS)
def test_bad_input_raises_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError):
        _kernel("perm_statistics")("0101", b"\x00\x01", 0.5, 0.5, 1)
    with pytest.raises(TypeError):
        _kernel("perm_draw")(np.zeros(4, np.uint16), bytes(65536), b"\x00" * 4)   # read-only out


def test_dispatch_reaches_the_kernel(monkeypatch):
    calls = []
    real = _compiled._load("perm_statistics")

    def spy(*args):
        calls.append(args[4])
        return real(*args)

    monkeypatch.setattr(_compiled, "_load", lambda name: spy if name == "perm_statistics" else None)
    s = np.random.default_rng(1).integers(0, 2, 100).astype(np.uint8)
    on = np.zeros(19, dtype=bool)
    on[[0, 6]] = True
    _perm_kernels.PermutationPlan(np.array([0, 1], np.uint8), 0.5, 0.5).statistics(s, on)
    assert calls == [0b1000001]


@pytest.mark.skipif(_compiled._load("bzip2_decimal_length") is None,
                    reason="the bzip2 length kernel _cbzip2 is not built")
@pytest.mark.parametrize("built", [("bzip2_decimal_length",), ("perm_text",), ()])
def test_compression_length_by_each_available_kernel(monkeypatch, built):
    # the bzip2 kernel writing the text itself, streamed libbz2 on the text kernel's pieces, and
    # libbz2 on the numpy text: the same compression statistic, for the original and the shuffles
    calls = []
    real = _compiled._load
    named = ("perm_text", "bzip2_decimal_length", "bzip2_length")

    def load(name):
        found = real(name) if name in built or name not in named else None
        if name != "bzip2_decimal_length" or found is None:
            return found
        return lambda symbols, alphabet, level: calls.append(level) or found(symbols, alphabet, level)

    s, alphabet = _renumber(_inputs(3000)["long repeats"])
    want = len(bz2.compress(" ".join(str(v) for v in alphabet[s].tolist()).encode(), 5))
    plan = _perm_kernels.PermutationPlan(alphabet, float(alphabet[s].mean()), sorted_median(s, alphabet.size))
    monkeypatch.setattr(_compiled, "_load", load)
    assert plan.statistics(s, np.ones(19, dtype=bool))[18] == want
    assert calls == ([5] if "bzip2_decimal_length" in built else [])
    result = est.permutation_tests(s, alphabet, seed=1, max_permutations=20, workers=2)
    assert result.unpermuted["compression"] == want
    with_kernel = len(calls)
    monkeypatch.setattr(_compiled, "_load", real)
    with numpy_only():
        slow = est.permutation_tests(s, alphabet, seed=1, max_permutations=20, workers=2)
    assert result == slow
    if "bzip2_decimal_length" in built:
        # the original twice and all 20 shuffles (the repeats compress far better than any
        # shuffle, so the compression statistic stays undecided)
        assert with_kernel == 2 + sum(result.counts["compression"]) == 22

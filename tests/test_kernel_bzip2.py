"""The bzip2 length kernel (``_cbzip2``) gives libbz2's stream length exactly.

The kernel counts the bits libbz2 writes (SP 800-90B Sec. 5.1.11's compression statistic)
with its own block sort. Every test compares it, with ``one_call=False``, with Python's bz2
module (libbz2 fed, then flushed) and, by default, with one ``BZ2_bzBuffToBuffCompress`` call
through ctypes (what NIST's tool calls; when the machine's libbz2 can be loaded), on texts
that exercise one part of the format: the run-length step and where blocks are cut, the
symbol map, the zero runs of the MTF values, the number of Huffman tables, the code-length
cap, several blocks and every level. The two ways differ only when a text ends exactly as
its last block fills.
"""

from __future__ import annotations

import bz2
import ctypes
import ctypes.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qkit.qrng.estimators import _compiled

bzip2_length = _compiled._load("bzip2_length")
pytestmark = pytest.mark.skipif(bzip2_length is None,
                                reason="the bzip2 length kernel _cbzip2 is not built "
                                       "(`pip install -e .` with a C compiler builds it)")

ENGLISH = (b"Shuffle the samples and count how often the statistic of a shuffle lies above the "
           b"original one; an English sentence has runs, repeats and a small alphabet. ")
CAPACITY_1 = 100_000 - 19           # bytes a level-1 block holds after the run-length step


def _decimal(values) -> bytes:
    return " ".join(str(v) for v in np.asarray(values).tolist()).encode()


def _libbz2_one_call():
    """``len`` of one ``BZ2_bzBuffToBuffCompress(..., level, 0, 0)`` call, or None without libbz2."""
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("bz2") or "libbz2.so.1.0")
    except OSError:
        return None

    def length(data: bytes, level: int) -> int:
        size = ctypes.c_uint(len(data) + len(data) // 100 + 700)
        out = ctypes.create_string_buffer(size.value)
        status = lib.BZ2_bzBuffToBuffCompress(out, ctypes.byref(size), data, ctypes.c_uint(len(data)),
                                              level, 0, 0)
        assert status == 0, f"BZ2_bzBuffToBuffCompress returned {status}"
        return size.value
    return length


ONE_CALL = _libbz2_one_call()


def _check(text, level: int = 5) -> None:
    assert bzip2_length(text, level, one_call=False) == len(bz2.compress(bytes(text), level))
    if ONE_CALL is not None:
        assert bzip2_length(text, level) == ONE_CALL(bytes(text), level)


def _texts() -> dict[str, bytes]:
    rng = np.random.default_rng(14)
    return {
        "empty": b"",
        "one byte": b"7",
        "two bytes": b"\x00\xff",
        "all 256 byte values": bytes(range(256)),
        "all 256 byte values, then reversed": bytes(range(256)) + bytes(range(255, -1, -1)),
        "constant": b"0" * 50_000,
        "constant 255s": b"\xff" * 3_000,
        "periodic": b"0 1 2 3 " * 5_000,
        "period 7": bytes(range(7)) * 3_000,
        "random 1-bit text": _decimal(rng.integers(0, 2, 20_000)),
        "random 2-bit text": _decimal(rng.integers(0, 4, 20_000)),
        "random 8-bit text": _decimal(rng.integers(0, 256, 20_000)),
        "repetitive 8-bit text": _decimal(np.tile(rng.integers(0, 256, 100), 200)),
        "constant bits with one outlier": _decimal(np.eye(1, 30_000, 10_000, dtype=int)[0]),
        "English text": ENGLISH * 300,
        "random bytes": rng.integers(0, 256, 30_000).astype(np.uint8).tobytes(),
    }


@pytest.mark.parametrize("name", list(_texts()))
def test_equals_libbz2(name):
    _check(_texts()[name])


@pytest.mark.parametrize("seed", [0, 1])
def test_code_length_cap(seed):
    # bytes with probabilities falling by 1.7 per value: some MTF values so rare that a Huffman
    # code passes 17 bits, so the frequencies are halved and the tree rebuilt (an instrumented
    # build counted 1 rebuild for each of these two blocks)
    p = 1.7 ** -np.arange(30)
    values = np.random.default_rng(seed).choice(30, 200_000, p=p / p.sum()).astype(np.uint8)
    _check(values.tobytes(), 3)


@pytest.mark.parametrize("run", list(range(1, 11)) + [250, 254, 255, 256, 257, 258, 259, 260,
                                                      261, 509, 510, 511, 600])
def test_runs_around_the_run_length_limits(run):
    _check(b"ab" + b"c" * run + b"d")
    _check(b"c" * run)
    _check((b"x" * run + b"y") * 7)


@pytest.mark.parametrize("few_values", [1, 2, 5, 30, 250])
def test_number_of_tables_at_each_size(few_values):
    # the number of MTF values picks 2..6 tables (thresholds 200, 600, 1200, 2400): random texts
    # of these sizes over many values fall on each side of every threshold
    rng = np.random.default_rng(few_values)
    for size in (150, 199, 200, 201, 599, 600, 1199, 1200, 2399, 2400, 2500):
        _check(rng.integers(0, few_values + 1, size).astype(np.uint8).tobytes())


@pytest.mark.parametrize("offset", range(-4, 5))
def test_block_cut_at_each_offset_around_the_capacity(offset):
    base = np.random.default_rng(3).integers(0, 256, CAPACITY_1 + 60).astype(np.uint8).tobytes()
    _check(base[:CAPACITY_1 + offset], 1)


@pytest.mark.parametrize("run", [2, 3, 4, 5, 255, 256, 300])
@pytest.mark.parametrize("offset", [-5, -1, 0, 1])
def test_block_cut_inside_a_run(run, offset):
    # the run starts `offset` bytes from the capacity: it is cut off, ended inside the block, or
    # pending when the block closes; then more text, or none (the run is the last thing read)
    base = np.random.default_rng(4).integers(0, 256, CAPACITY_1).astype(np.uint8).tobytes()
    head = base[:CAPACITY_1 + offset - 1] + b"\x00"          # the byte before differs from the run
    _check(head + b"\x07" * run + base[:40], 1)
    _check(head + b"\x07" * run, 1)


def test_one_call_differs_from_compress_then_flush_only_when_the_text_fills_the_last_block():
    # NIST's one call adds the pending run to a block that is full as the text ends; Python's
    # compress-then-flush closes the block and writes the run as one more block (a longer
    # stream). For 1-bit decimal text at level 1 that happens at one length here.
    text = _decimal(np.random.default_rng(0).integers(0, 2, 60_000))
    differ = [m for m in range(CAPACITY_1 - 6, CAPACITY_1 + 9)
              if bzip2_length(text[:m], 1) != bzip2_length(text[:m], 1, one_call=False)]
    assert differ == [CAPACITY_1 + 1]
    full = text[:CAPACITY_1 + 1]
    assert bzip2_length(full, 1) < bzip2_length(full, 1, one_call=False) == len(bz2.compress(full, 1))
    if ONE_CALL is not None:
        assert bzip2_length(full, 1) == ONE_CALL(full, 1)


@pytest.mark.skipif(ONE_CALL is None, reason="the machine's libbz2 cannot be loaded through ctypes")
def test_nist_call_on_a_million_bits_that_fill_the_last_block():
    # 999,963 random bits: the 2 MB text ends exactly as its fifth level-5 block fills
    text = _decimal(np.random.default_rng(0).integers(0, 2, 999_963))
    assert bzip2_length(text, 5) == ONE_CALL(text, 5) < len(bz2.compress(text, 5))


bzip2_decimal_length = _compiled._load("bzip2_decimal_length")


@pytest.mark.parametrize("k, top", [(1, 0), (2, 1), (4, 3), (3, 200), (256, 255)])
def test_decimal_length_writes_the_text_it_counts(k, top):
    # alphabet values of 1, 2 and 3 digits; the text has no space after the last value
    rng = np.random.default_rng(k)
    alphabet = np.unique(np.concatenate([[top], rng.integers(0, top + 1, k)]))[:k].astype(np.uint8)
    symbols = rng.integers(0, alphabet.size, 30_000).astype(np.uint8)
    text = _decimal(alphabet[symbols])
    assert bzip2_decimal_length(symbols, alphabet, 5) == bzip2_length(text, 5) == len(bz2.compress(text, 5))
    for n in (0, 1, 2):
        short = _decimal(alphabet[symbols[:n]])
        assert bzip2_decimal_length(symbols[:n], alphabet, 1) == len(bz2.compress(short, 1))


def test_decimal_length_where_the_text_fills_the_last_block():
    # 49,990 random values 0/1 and a last value 10: the text (no runs) has CAPACITY_1 + 1 bytes
    symbols = np.append(np.random.default_rng(0).integers(0, 2, 49_990), 2).astype(np.uint8)
    alphabet = np.array([0, 1, 10], np.uint8)
    text = _decimal(alphabet[symbols])
    assert len(text) == CAPACITY_1 + 1
    one = bzip2_decimal_length(symbols, alphabet, 1)
    flushed = bzip2_decimal_length(symbols, alphabet, 1, one_call=False)
    assert (one, flushed) == (bzip2_length(text, 1), len(bz2.compress(text, 1)))
    assert one < flushed
    if ONE_CALL is not None:
        assert one == ONE_CALL(text, 1)


@pytest.mark.parametrize("symbols, alphabet, level, error, message", [
    (np.array([0, 2], np.uint8), np.array([5, 6], np.uint8), 5, ValueError,
     r"symbols must hold symbols 0\.\.1 \(one per alphabet value\), got 2"),
    (np.array([0], np.uint8), np.array([], np.uint8), 5, ValueError,
     "alphabet must hold 1..256 raw values, got 0"),
    (np.array([0], np.uint8), np.array([1], np.uint8), 0, ValueError, "level must be a bzip2 block size"),
    ("01", np.array([1], np.uint8), 5, TypeError, "bytes-like object"),
])
def test_decimal_length_bad_input(symbols, alphabet, level, error, message):
    with pytest.raises(error, match=message):
        bzip2_decimal_length(symbols, alphabet, level)


def test_several_blocks_of_decimal_text():
    text = _decimal(np.random.default_rng(5).integers(0, 4, 130_000))   # 260 kB: 3 blocks at level 1
    _check(text, 1)
    _check(text, 2)


def test_every_level():
    text = _decimal(np.random.default_rng(6).integers(0, 8, 25_000)) + ENGLISH * 100
    for level in range(1, 10):
        _check(text, level)


def test_any_bytes_like_buffer():
    raw = np.frombuffer(ENGLISH, np.uint8)
    want = len(bz2.compress(ENGLISH, 5))
    assert bzip2_length(bytearray(ENGLISH), 5) == want
    assert bzip2_length(memoryview(ENGLISH), 5) == want
    assert bzip2_length(raw, 5) == want
    assert bzip2_length(text=ENGLISH, level=5) == want


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 300)), max_size=40),
       st.integers(1, 9))
def test_random_runs_equal_libbz2(runs, level):
    _check(b"".join(bytes([48 + value]) * length for value, length in runs), level)


@pytest.mark.parametrize("text, level, error, message", [
    (b"abc", 0, ValueError, "level must be a bzip2 block size in 1..9, got 0"),
    (b"abc", 10, ValueError, "level must be a bzip2 block size in 1..9, got 10"),
    (b"abc", -(2 ** 70), ValueError, "level must be"),
    (b"abc", 5.0, TypeError, "level must be an int in 1..9, got 5.0"),
    (b"abc", True, TypeError, "level must be an int"),
    ("abc", 5, TypeError, "text must be a contiguous bytes-like object, got str"),
    (np.zeros((4, 4), np.uint8)[:, 0], 5, TypeError, "text must be a contiguous"),
])
def test_bad_input(text, level, error, message):
    with pytest.raises(error, match=message):
        bzip2_length(text, level)


def test_bad_one_call():
    with pytest.raises(TypeError, match="one_call must be True or False, got 1"):
        bzip2_length(b"abc", 5, one_call=1)

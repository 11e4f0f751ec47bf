"""Reading samples the way NIST's SP 800-90B reference tool does.

Every byte is one sample and the symbol is its low ``bits_per_symbol`` bits. The symbols
that occur are renumbered ``0..k-1`` in increasing order (so that per-symbol estimators work
on a dense alphabet), and the *bitstring* expands each raw symbol most significant bit first.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qkit._validate import _describe, require_integer

__all__ = [
    "Samples",
    "SmallSampleWarning",
    "load_samples",
    "RECOMMENDED_SAMPLES",
    "MINIMUM_SAMPLES",
    "check_symbols",
    "check_alphabet_size",
    "check_alphabet",
    "check_bits",
    "check_real",
    "check_flag",
    "check_samples",
    "check_all_symbols_occur",
    "check_seed",
    "symbol_counts",
]

#: SP 800-90B asks for at least this many samples; the reference tool warns below it.
RECOMMENDED_SAMPLES = 1_000_000
#: Below this the estimators cannot run: the Compression estimate needs more than 1000
#: blocks of 6 bits (6006 bits) and MultiMCW needs more than 4095 samples.
MINIMUM_SAMPLES = 6006


class SmallSampleWarning(UserWarning):
    """Fewer samples than SP 800-90B requires (1,000,000): the estimates are still computed."""


@dataclass(frozen=True, eq=False)
class Samples:
    """A sample sequence prepared for the estimators.

    Attributes
    ----------
    raw : numpy.ndarray of uint8
        The symbols as read (low ``bits_per_symbol`` bits of each byte).
    symbols : numpy.ndarray of uint8
        The symbols renumbered ``0..alphabet_size-1`` (order preserved).
    bits_per_symbol : int
        Symbol width in bits, 1 to 8.
    alphabet : numpy.ndarray of uint8
        The raw symbol values that occur, increasing; ``alphabet[symbols] == raw``.
    """

    raw: np.ndarray
    symbols: np.ndarray
    bits_per_symbol: int
    alphabet: np.ndarray
    _bitstring: list = field(default_factory=list, repr=False)

    @property
    def size(self) -> int:
        """Number of samples."""
        return int(self.raw.size)

    @property
    def alphabet_size(self) -> int:
        """Number of distinct symbols ``k``."""
        return int(self.alphabet.size)

    @property
    def is_binary(self) -> bool:
        """True if exactly two symbols occur: the tool then runs every estimator on them."""
        return self.alphabet_size == 2

    @property
    def bitstring(self) -> np.ndarray:
        """The raw symbols expanded to bits, most significant bit first (uint8 0/1)."""
        if not self._bitstring:
            w = self.bits_per_symbol
            shifts = np.arange(w - 1, -1, -1, dtype=np.uint8)
            bits = (self.raw[:, None] >> shifts[None, :]) & np.uint8(1)
            self._bitstring.append(np.ascontiguousarray(bits.reshape(-1)))
        return self._bitstring[0]


def _read(source) -> np.ndarray:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"source must be a byte array or an existing file, got path {str(path)!r}")
        return np.fromfile(path, dtype=np.uint8)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return np.frombuffer(bytes(source), dtype=np.uint8).copy()
    if source is None or isinstance(source, (str, dict, set)):
        raise TypeError(f"source must be a byte array or an existing file, got {source!r}")
    try:
        arr = np.asarray(source)
    except (TypeError, ValueError):
        raise TypeError("source must be a one-dimensional array of byte values, got a ragged "
                        "or mixed sequence") from None
    if arr.ndim != 1:
        raise ValueError(f"source must be one-dimensional (one sample per byte), got shape {arr.shape}")
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iu":
        raise ValueError(f"source must hold integer byte values 0..255, got dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError(
            f"source must hold byte values 0..255, got values in [{arr.min()}, {arr.max()}]"
        )
    return arr.astype(np.uint8)


def load_samples(source, bits_per_symbol: int, *, minimum: int = MINIMUM_SAMPLES,
                 warn: bool = True) -> Samples:
    """Read samples (one per byte) and prepare them as the reference tool does.

    Parameters
    ----------
    source : bytes, array of int 0..255, str or path
        The samples, or a file holding one sample per byte.
    bits_per_symbol : int
        Symbol width, 1 to 8 bits. Every byte must fit in it (as in ``ea_non_iid``, wider
        data is refused rather than truncated).
    minimum : int
        Refuse fewer samples than this (default :data:`MINIMUM_SAMPLES`, the least the
        estimators can work with).
    warn : bool
        Issue :class:`SmallSampleWarning` below 1,000,000 samples, as the tool does.

    Returns
    -------
    Samples

    Raises
    ------
    ValueError
        For a width outside 1-8, symbols wider than the width, non-byte data, a single
        symbol value (no entropy to assess), or fewer than ``minimum`` samples.
    """
    width = require_integer("bits_per_symbol", bits_per_symbol, 1, 8)
    minimum = require_integer("minimum", minimum, 2)
    warn = check_flag("warn", warn)
    data = _read(source)
    if data.size < minimum:
        raise ValueError(
            f"source must hold at least {minimum} samples for the SP 800-90B estimators, "
            f"got {data.size}"
        )
    top = int(data.max())
    if top >> width:
        raise ValueError(
            f"symbols must fit in bits_per_symbol={width} bits (values 0..{(1 << width) - 1}), "
            f"got a value of {top}"
        )
    present = np.flatnonzero(symbol_counts(data, 1 << width)).astype(np.uint8)
    if present.size < 2:
        raise ValueError(
            f"source must contain at least 2 distinct symbols, got only the value {int(present[0])}"
        )
    if warn and data.size < RECOMMENDED_SAMPLES:
        warnings.warn(
            f"data contains {data.size} samples, fewer than the {RECOMMENDED_SAMPLES} that "
            "SP 800-90B requires", SmallSampleWarning, stacklevel=2)
    if np.array_equal(present, np.arange(present.size)):  # already 0..k-1 (binary data, say):
        symbols = data                                       # share the array, read-only
    else:
        lookup = np.zeros(256, dtype=np.uint8)
        lookup[present] = np.arange(present.size, dtype=np.uint8)
        symbols = lookup[data]
        symbols.flags.writeable = False
    data.flags.writeable = False
    return Samples(raw=data, symbols=symbols, bits_per_symbol=width, alphabet=present)


# ---------------------------------------------------------------- argument checks
# Shared by every public estimator entry: each raises ValueError (TypeError for a value that
# is not an array of integers at all) naming the argument, the value and what is allowed.

def check_alphabet_size(name: str, k, low: int = 2) -> int:
    """``k`` as an int: the number of distinct symbols, ``low`` to 256 (one byte per sample)."""
    if isinstance(k, (str, bytes)) or np.ndim(k) != 0:
        raise TypeError(f"{name} must be a whole number {low}..256 (distinct symbols), "
                        f"got {_describe(k)}")
    return require_integer(name, k, low, 256)


def check_real(name: str, value, low: float | None = None, high: float | None = None) -> float:
    """A finite real number (not a bool, string or complex) in ``[low, high]``."""
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)) or \
            not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value) or (low is not None and value < low) or \
            (high is not None and value > high):
        lo = "" if low is None else f"{low:g} <= "
        hi = "" if high is None else f" <= {high:g}"
        raise ValueError(f"{name} must be a finite number {lo}{name}{hi}, got {value!r}")
    return value


def check_flag(name: str, value) -> bool:
    """A plain ``True`` or ``False``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def check_samples(name: str, samples) -> "Samples":
    """A :class:`Samples` record, as :func:`load_samples` makes."""
    if not isinstance(samples, Samples):
        raise TypeError(f"{name} must be a Samples record from load_samples(...), "
                        f"got {type(samples).__name__}")
    return samples


def check_all_symbols_occur(name: str, symbols: np.ndarray, k: int) -> None:
    """Every symbol ``0..k-1`` occurs (the renumbering of :func:`load_samples`)."""
    present = int(np.count_nonzero(symbol_counts(symbols, k)))
    if present < k:
        raise ValueError(f"{name} must use every symbol 0..{k - 1} (renumber the symbols that "
                         f"occur, as load_samples does), got {present} distinct values for k = {k}")


def check_symbols(name: str, symbols, k: int, *, minimum: int = 1) -> np.ndarray:
    """``symbols`` as a contiguous uint8 array: one-dimensional, integers ``0..k-1``, and at
    least ``minimum`` of them."""
    if isinstance(symbols, (str, bytes, dict, set)) or symbols is None:
        raise TypeError(f"{name} must be a one-dimensional array of integer symbols 0..{k - 1}, "
                        f"got {type(symbols).__name__} {_describe(symbols)}")
    try:
        arr = np.asarray(symbols)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a one-dimensional array of integer symbols 0..{k - 1}, "
                        f"got a ragged or mixed sequence") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one symbol per sample), "
                         f"got shape {arr.shape}")
    if arr.size and arr.dtype.kind not in "iu" and not (arr.dtype.kind == "b" and k == 2):
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integer symbols 0..{k - 1}, got dtype {arr.dtype} "
                            f"({_describe(symbols)})")
    if arr.size < minimum:
        raise ValueError(f"{name} must hold at least {minimum} symbols, got {arr.size}")
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= k):
        raise ValueError(f"{name} must hold symbols 0..{k - 1} (k = {k}), got values in "
                         f"[{int(arr.min())}, {int(arr.max())}]")
    return np.ascontiguousarray(arr, dtype=np.uint8)


def check_bits(name: str, bits, *, minimum: int = 1) -> np.ndarray:
    """A binary sequence (values 0 and 1) as uint8, at least ``minimum`` long."""
    return check_symbols(name, bits, 2, minimum=minimum)


def check_alphabet(name: str, alphabet) -> np.ndarray:
    """The raw value of each renumbered symbol: at least 2 distinct byte values, increasing."""
    arr = check_symbols(name, alphabet, 256, minimum=2)
    if np.any(np.diff(arr.astype(np.int64)) <= 0):
        raise ValueError(f"{name} must list distinct raw values in increasing order, "
                         f"got {_describe(alphabet)}")
    return arr


def symbol_counts(symbols: np.ndarray, k: int, chunk: int = 1 << 16) -> np.ndarray:
    """``np.bincount(symbols, minlength=k)`` in chunks (bincount widens its input to 8-byte
    integers: a million uint8 symbols would cost 8 MB at once)."""
    counts = np.zeros(k, dtype=np.int64)
    for a in range(0, symbols.size, chunk):
        counts += np.bincount(symbols[a:a + chunk], minlength=k)[:k]
    return counts


def check_seed(name: str, seed):
    """None, a non-negative int, a numpy ``Generator`` or ``SeedSequence``.

    An int is checked without touching ``numpy.random``: numpy imports that module on first
    use (about 5 MiB), which a run of the non-IID track alone never needs."""
    if seed is None:
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        return require_integer(name, seed, 0)
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    raise TypeError(f"{name} must be None, a non-negative int or a numpy Generator, "
                    f"got {_describe(seed)}")

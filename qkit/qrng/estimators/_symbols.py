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

from qkit._validate import require_integer

__all__ = [
    "Samples",
    "SmallSampleWarning",
    "load_samples",
    "RECOMMENDED_SAMPLES",
    "MINIMUM_SAMPLES",
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
    arr = np.asarray(source)
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
    present = np.flatnonzero(np.bincount(data, minlength=1 << width)).astype(np.uint8)
    if present.size < 2:
        raise ValueError(
            f"source must contain at least 2 distinct symbols, got only the value {int(present[0])}"
        )
    if warn and data.size < RECOMMENDED_SAMPLES:
        warnings.warn(
            f"data contains {data.size} samples, fewer than the {RECOMMENDED_SAMPLES} that "
            "SP 800-90B requires", SmallSampleWarning, stacklevel=2)
    lookup = np.zeros(256, dtype=np.uint8)
    lookup[present] = np.arange(present.size, dtype=np.uint8)
    return Samples(raw=data, symbols=lookup[data], bits_per_symbol=width, alphabet=present)

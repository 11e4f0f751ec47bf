"""Hash_DRBG with SHA-256 (NIST SP 800-90A Rev. 1, Sec. 10.1.1), seeded from the chip.

The QRNG paper (Sec. II) notes that the kept bits ``Z23`` "can be seeded to a Hash-based
deterministic random bit generator (DRBG) embedded on the chip, as recommended by NIST". This
module is that DRBG, written step by step after the standard so that it can be read beside it,
and the accounting of its seed: how many ``Z23`` samples carry the security strength.

The mechanism (SHA-256: ``outlen = 256`` bits, ``seedlen = 440`` bits, security strength 256)
---------------------------------------------------------------------------------------------
State: ``V`` and ``C`` (``seedlen`` bits each) and the ``reseed_counter``.

* instantiate: ``seed = Hash_df(entropy_input || nonce || personalization, seedlen)``,
  ``V = seed``, ``C = Hash_df(0x00 || V, seedlen)``, ``reseed_counter = 1`` (Sec. 10.1.1.2).
* reseed: ``seed = Hash_df(0x01 || V || entropy_input || additional_input, seedlen)``, then as
  instantiate (Sec. 10.1.1.3).
* generate (Sec. 10.1.1.4): if ``reseed_counter > reseed_interval`` a reseed is required; with
  additional input ``w = Hash(0x02 || V || additional_input)``, ``V = (V + w) mod 2**seedlen``;
  the output is ``Hashgen(V)``: ``Hash(V) || Hash(V + 1) || ...`` cut to length; then
  ``H = Hash(0x03 || V)``, ``V = (V + H + C + reseed_counter) mod 2**seedlen``,
  ``reseed_counter += 1``.
* ``Hash_df(input, bits)`` (Sec. 10.3.1): ``Hash(counter || bits || input)`` for
  ``counter = 1, 2, ...`` (one byte; ``bits`` as 4 bytes, big-endian), concatenated and cut.

Prediction resistance is off. The entropy input must carry at least the security strength in
min-entropy; it may be longer than that (raw chip samples with less than one bit per bit): the
derivation function ``Hash_df`` condenses it. The nonce needs half the strength (128 bits).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from qkit._validate import require_choice, require_generator, require_instance, require_integer, require_real
from qkit.qrng.entropy import conditional_min_entropy
from qkit.qrng.extraction import leftover_hash_length, samples_to_bits, toeplitz_extract, worst_case_min_entropy
from qkit.qrng.photons import DEFAULT_TOLERANCE
from qkit.qrng.pixel import Pixel, _check_pixel
from qkit.qrng.sampling import sample_frames
from qkit.qrng.sensor import extract_bits

__all__ = [
    "SECURITY_STRENGTH",
    "SEED_LENGTH",
    "MAX_RESEED_INTERVAL",
    "MAX_REQUEST_BYTES",
    "ReseedRequired",
    "hash_df",
    "HashDRBG",
    "seed_samples_needed",
    "SeedBudget",
    "chip_seed_budget",
    "CHAIN_STAGES",
    "chain_bits",
    "non_iid_comparison",
]

SECURITY_STRENGTH = 256
"""Security strength of Hash_DRBG with SHA-256, bits (SP 800-90A Table 2)."""

SEED_LENGTH = 440
"""``seedlen`` of Hash_DRBG with SHA-256, bits (SP 800-90A Table 2)."""

MAX_RESEED_INTERVAL = 1 << 48
"""Largest number of generate requests between reseeds that SP 800-90A allows."""

MAX_REQUEST_BYTES = 1 << 16
"""Largest request of one generate call: 2**19 bits (SP 800-90A Table 2)."""

_MAX_INPUT_BYTES = 1 << 32  # entropy input, personalization, additional input: <= 2**35 bits
_MODULUS = 1 << SEED_LENGTH


class ReseedRequired(RuntimeError):
    """The DRBG served ``reseed_interval`` requests since it was (re)seeded: call :meth:`HashDRBG.reseed`."""


def _hash(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _check_bytes(name: str, value, min_bytes: int = 0) -> bytes:
    require_instance(name, value, (bytes, bytearray), "bytes object (e.g. bytes.fromhex('ab12'))")
    if not min_bytes <= len(value) <= _MAX_INPUT_BYTES:
        raise ValueError(f"{name} must hold {min_bytes} to 2**32 bytes, got {len(value)} bytes")
    return bytes(value)


def hash_df(input_string: bytes, no_of_bits: int) -> bytes:
    """The hash derivation function ``Hash_df`` of SP 800-90A Sec. 10.3.1 with SHA-256.

    Parameters
    ----------
    input_string : bytes
        The string to condense (at most 2**32 bytes).
    no_of_bits : int
        Bits to return, a multiple of 8, ``8 <= no_of_bits <= 255 * 256``.

    Returns
    -------
    bytes
        ``no_of_bits / 8`` bytes: ``Hash(0x01 || no_of_bits || input) || Hash(0x02 || ...) ...``, cut.
    """
    data = _check_bytes("input_string", input_string)
    bits = require_integer("no_of_bits", no_of_bits, 8, 255 * 256)
    if bits % 8:
        raise ValueError(f"no_of_bits must be a multiple of 8 (whole bytes), got {bits}")
    blocks = -(-bits // 256)  # len = ceil(no_of_bits / outlen)
    temp = b"".join(_hash(bytes([counter]) + bits.to_bytes(4, "big") + data) for counter in range(1, blocks + 1))
    return temp[: bits // 8]


def _to_int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _to_seed(value: int) -> bytes:
    return (value % _MODULUS).to_bytes(SEED_LENGTH // 8, "big")


class HashDRBG:
    """Hash_DRBG with SHA-256, security strength 256, prediction resistance off (SP 800-90A Sec. 10.1.1).

    Parameters
    ----------
    entropy_input : bytes
        At least 32 bytes carrying at least 256 bits of min-entropy (``entropy_bits``).
    nonce : bytes
        At least 16 bytes (128 bits: half the security strength), e.g. a time stamp or more chip samples.
    personalization : bytes, optional
        Optional personalization string (device identifier); default empty.
    entropy_bits : float, optional
        Min-entropy of ``entropy_input`` in bits, ``256 <= entropy_bits <= 8 * len(entropy_input)``;
        default ``8 * len(entropy_input)`` (full entropy). Use :func:`chip_seed_budget` for chip samples.
    reseed_interval : int, optional
        Generate requests allowed between reseeds, ``1 .. 2**48`` (default the maximum).

    Attributes
    ----------
    reseed_counter : int
        Requests since the last (re)seed, plus one.
    """

    def __init__(self, entropy_input: bytes, nonce: bytes, personalization: bytes = b"", *,
                 entropy_bits: float | None = None, reseed_interval: int = MAX_RESEED_INTERVAL) -> None:
        entropy_input = self._check_entropy(entropy_input, entropy_bits)
        nonce = _check_bytes("nonce", nonce, SECURITY_STRENGTH // 16)
        personalization = _check_bytes("personalization", personalization)
        self.reseed_interval = require_integer("reseed_interval", reseed_interval, 1, MAX_RESEED_INTERVAL)
        seed = hash_df(entropy_input + nonce + personalization, SEED_LENGTH)  # Sec. 10.1.1.2, steps 1-2
        self._set_state(seed)

    @staticmethod
    def _check_entropy(entropy_input, entropy_bits) -> bytes:
        data = _check_bytes("entropy_input", entropy_input, SECURITY_STRENGTH // 8)
        if entropy_bits is not None:
            require_real("entropy_bits", entropy_bits, SECURITY_STRENGTH, 8.0 * len(data), unit="bits of min-entropy")
        return data

    def _set_state(self, seed: bytes) -> None:
        """``V = seed``, ``C = Hash_df(0x00 || V, seedlen)``, ``reseed_counter = 1`` (Sec. 10.1.1.2 steps 3-5)."""
        self._v = seed
        self._c = hash_df(b"\x00" + seed, SEED_LENGTH)
        self.reseed_counter = 1

    def reseed(self, entropy_input: bytes, additional_input: bytes = b"", *, entropy_bits: float | None = None) -> None:
        """Mix fresh entropy into the state (Sec. 10.1.1.3).

        Parameters
        ----------
        entropy_input : bytes
            At least 32 bytes with at least 256 bits of min-entropy (``entropy_bits``, default full entropy).
        additional_input : bytes, optional
            Optional additional input; default empty.
        entropy_bits : float, optional
            Min-entropy of ``entropy_input`` in bits, as in the constructor.
        """
        entropy_input = self._check_entropy(entropy_input, entropy_bits)
        additional_input = _check_bytes("additional_input", additional_input)
        seed = hash_df(b"\x01" + self._v + entropy_input + additional_input, SEED_LENGTH)
        self._set_state(seed)

    def generate(self, n_bytes: int, additional_input: bytes = b"") -> bytes:
        """Return ``n_bytes`` pseudorandom bytes (Sec. 10.1.1.4).

        Parameters
        ----------
        n_bytes : int
            Bytes requested, ``1 .. 65536`` (2**19 bits per request).
        additional_input : bytes, optional
            Optional additional input mixed into ``V`` first; default empty.

        Returns
        -------
        bytes

        Raises
        ------
        ReseedRequired
            After ``reseed_interval`` requests since the last (re)seed.
        """
        n_bytes = require_integer("n_bytes", n_bytes, 1, MAX_REQUEST_BYTES)
        additional_input = _check_bytes("additional_input", additional_input)
        if self.reseed_counter > self.reseed_interval:  # step 1
            raise ReseedRequired(f"{self.reseed_counter - 1} requests since the last seed: call reseed() first")
        v = _to_int(self._v)
        if additional_input:  # step 2
            w = _hash(b"\x02" + self._v + additional_input)
            v = (v + _to_int(w)) % _MODULUS
        returned = self._hashgen(n_bytes, v)  # step 3
        h = _hash(b"\x03" + _to_seed(v))  # step 4
        v = (v + _to_int(h) + _to_int(self._c) + self.reseed_counter) % _MODULUS  # step 5
        self._v = _to_seed(v)
        self.reseed_counter += 1  # step 6
        return returned

    @staticmethod
    def _hashgen(n_bytes: int, v: int) -> bytes:
        """``Hash(V) || Hash(V + 1) || ...`` cut to ``n_bytes`` (Sec. 10.1.1.4, Hashgen)."""
        blocks = -(-n_bytes // 32)
        return b"".join(_hash(_to_seed(v + i)) for i in range(blocks))[:n_bytes]

    def random_bits(self, n_bits: int) -> np.ndarray:
        """``n_bits`` output bits as a 0/1 array (most significant bit of each byte first), over several requests.

        Parameters
        ----------
        n_bits : int
            Bits wanted, ``1 .. 2**34``.

        Returns
        -------
        numpy.ndarray of uint8, shape (n_bits,)
        """
        n_bits = require_integer("n_bits", n_bits, 1, 1 << 34)
        n_bytes = -(-n_bits // 8)
        chunks = [self.generate(min(MAX_REQUEST_BYTES, n_bytes - start))
                  for start in range(0, n_bytes, MAX_REQUEST_BYTES)]
        return np.unpackbits(np.frombuffer(b"".join(chunks), dtype=np.uint8))[:n_bits]


def seed_samples_needed(security_strength_bits: float, min_entropy_per_sample: float) -> int:
    """How many samples carry the security strength: ``ceil(s / h)``.

    Parameters
    ----------
    security_strength_bits : float
        ``s``, min-entropy wanted (bits), ``0 < s <= 2**35``: 256 for the entropy input, 128 for the nonce.
    min_entropy_per_sample : float
        ``h``, min-entropy of one sample (bits), ``0 < h <= 64`` (e.g. ``H_min(Z23 | E)`` of Eq. (6), <= 2).

    Returns
    -------
    int
    """
    s = require_real("security_strength_bits", security_strength_bits, 0.0, 2.0 ** 35, low_inclusive=False,
                     unit="bits")
    h = require_real("min_entropy_per_sample", min_entropy_per_sample, 0.0, 64.0, low_inclusive=False,
                     unit="bits per sample")
    return int(np.ceil(s / h))


@dataclass(frozen=True)
class SeedBudget:
    """The chip samples that seed a Hash_DRBG (:func:`chip_seed_budget`).

    Attributes
    ----------
    min_entropy_per_sample : float
        ``H_min(Z23 | E)`` of one sample, bits (average or worst case).
    entropy_samples, nonce_samples : int
        Samples for the entropy input (256 bits of min-entropy) and for the nonce (128 bits).
    bits_per_sample : int
        Raw bits per sample (2 for ``Z23``).
    """

    min_entropy_per_sample: float
    entropy_samples: int
    nonce_samples: int
    bits_per_sample: int

    @property
    def total_samples(self) -> int:
        """Entropy input plus nonce."""
        return self.entropy_samples + self.nonce_samples

    @property
    def entropy_input_bytes(self) -> int:
        """Bytes of packed raw bits for the entropy input (at least 32)."""
        return max(SECURITY_STRENGTH // 8, -(-self.entropy_samples * self.bits_per_sample // 8))


def chip_seed_budget(mean_photoelectrons: float, pixel: Pixel, *, worst_case: bool = False,
                     security_strength_bits: int = SECURITY_STRENGTH,
                     tolerance: float = DEFAULT_TOLERANCE) -> SeedBudget:
    """Account a Hash_DRBG seed from the chip model: min-entropy per ``Z23`` sample -> samples needed.

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e >= 0`` of the LED (electrons).
    pixel : Pixel
        The pixel (Table I presets).
    worst_case : bool, keyword-only
        Use :func:`qkit.qrng.extraction.worst_case_min_entropy` instead of Eq. (6)'s average case.
    security_strength_bits : int, keyword-only
        ``1 .. 256``; the entropy input needs this much min-entropy, the nonce half of it (SP 800-90A Sec. 8.6.7).
    tolerance : float, keyword-only
        Error budget of the min-entropy computation.

    Returns
    -------
    SeedBudget

    Raises
    ------
    ValueError
        If the samples carry no min-entropy at this light level (no number of them seeds a DRBG).
    """
    _check_pixel(pixel)
    strength = require_integer("security_strength_bits", security_strength_bits, 1, SECURITY_STRENGTH)
    if not isinstance(worst_case, (bool, np.bool_)):
        raise TypeError(f"worst_case must be True or False, got {worst_case!r}")
    entropy = worst_case_min_entropy if worst_case else conditional_min_entropy
    h = float(entropy(mean_photoelectrons, pixel, tolerance=tolerance))
    if h <= 1e-12:
        raise ValueError(f"mean_photoelectrons={mean_photoelectrons!r}: the kept bits carry no min-entropy "
                         f"({h:.3g} bits per sample), so no number of samples can seed the DRBG")
    return SeedBudget(h, seed_samples_needed(strength, h), seed_samples_needed(strength / 2, h), pixel.n_kept)


CHAIN_STAGES = ("raw", "toeplitz", "drbg")
"""Where :func:`chain_bits` taps the chain: kept bits, Toeplitz-extracted bits, Hash_DRBG output."""


def chain_bits(n_bits: int, mean_photoelectrons: float, pixel: Pixel, *, stage: str, rng: np.random.Generator,
               epsilon: float = 2.0 ** -64, block_bits: int = 1 << 16) -> np.ndarray:
    """Output bits of the chain frames -> ``Z23`` -> Toeplitz extraction -> Hash_DRBG, at one stage.

    ``"raw"``: the kept bits of sampled readings (:func:`qkit.qrng.sampling.sample_frames`, one
    pixel). ``"toeplitz"``: blocks of ``block_bits`` raw bits hashed to
    ``m = leftover_hash_length(block_bits, block_bits * h, epsilon)`` bits, ``h`` the per-bit
    ``H_min(Z23 | E)`` of Eq. (6) (independent samples: min-entropies add), one seed of
    ``block_bits + m - 1`` bits drawn from ``rng``. ``"drbg"``: a :class:`HashDRBG` seeded with 256
    extracted bits (entropy input) and 128 more (nonce), then ``n_bits`` of its output.

    Parameters
    ----------
    n_bits : int
        Output bits, ``1 .. 10**8``.
    mean_photoelectrons : float
        ``mu_e`` of the LED (electrons).
    pixel : Pixel
        The pixel.
    stage : str, keyword-only
        One of :data:`CHAIN_STAGES`.
    rng : numpy.random.Generator, keyword-only
        Draws the frames and the extractor seed.
    epsilon : float, keyword-only
        Extractor distance from uniform, ``0 < epsilon < 1``.
    block_bits : int, keyword-only
        Raw bits per Toeplitz block, ``256 .. 2**22``.

    Returns
    -------
    numpy.ndarray of uint8, shape (n_bits,)
    """
    n_bits = require_integer("n_bits", n_bits, 1, 10 ** 8)
    _check_pixel(pixel)
    require_choice("stage", stage, CHAIN_STAGES)
    require_generator("rng", rng)
    block_bits = require_integer("block_bits", block_bits, 256, 1 << 22)
    require_real("epsilon", epsilon, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    if stage == "drbg":
        seed = chain_bits(384, mean_photoelectrons, pixel, stage="toeplitz", rng=rng, epsilon=epsilon,
                          block_bits=block_bits)
        packed = np.packbits(seed).tobytes()
        return HashDRBG(packed[:32], packed[32:]).random_bits(n_bits)
    h = conditional_min_entropy(mean_photoelectrons, pixel, per_bit=True)
    m = leftover_hash_length(block_bits, block_bits * h, epsilon) if stage == "toeplitz" else block_bits
    if m == 0:
        raise ValueError(f"block_bits={block_bits}: {block_bits} bits of {h:.4f} bits of min-entropy each leave "
                         f"no output at epsilon={epsilon:g}; use longer blocks")
    blocks = -(-n_bits // m)
    n_raw = n_bits if stage == "raw" else blocks * block_bits
    z = sample_frames(mean_photoelectrons, pixel, -(-n_raw // pixel.n_kept), rng=rng)[0]
    raw = samples_to_bits(extract_bits(z, pixel.kept_bits), pixel.n_kept)[:n_raw]
    if stage == "raw":
        return raw
    seed_bits = rng.integers(0, 2, size=block_bits + m - 1, dtype=np.uint8)
    return toeplitz_extract(raw.reshape(blocks, block_bits), seed_bits, m).reshape(-1)[:n_bits]


def non_iid_comparison(n_bits: int, mean_photoelectrons: float, pixel: Pixel, *,
                       rng: np.random.Generator) -> dict[str, float]:
    """SP 800-90B's non-IID min-entropy per bit of each stage of :func:`chain_bits` (Sec. V of the QRNG paper).

    The paper reports about 0.94 per bit on the chip and on a DRBG alike, and reads it as a limit
    of the estimators at a finite sample size, not of the source. This runs
    :func:`qkit.qrng.estimators.assess_entropy` (non-IID track, 1-bit symbols) on ``n_bits`` bits of
    each stage, with the model's ``H_min(Z23 | E)`` per bit for comparison.

    Parameters
    ----------
    n_bits : int
        Bits per stage, ``10**4 .. 10**7`` (the standard asks for 10**6; a few minutes per stage on one core).
    mean_photoelectrons : float
        ``mu_e`` (electrons).
    pixel : Pixel
        The pixel.
    rng : numpy.random.Generator, keyword-only
        Draws the frames and the extractor seed.

    Returns
    -------
    dict
        ``{"model": H_min(Z23 | E) per bit, "raw": ..., "toeplitz": ..., "drbg": ...}``, bits per bit.
    """
    from qkit.qrng.estimators import assess_entropy

    n_bits = require_integer("n_bits", n_bits, 10_000, 10 ** 7)
    require_generator("rng", rng)
    out = {"model": conditional_min_entropy(mean_photoelectrons, pixel, per_bit=True)}
    for stage in CHAIN_STAGES:
        bits = chain_bits(n_bits, mean_photoelectrons, pixel, stage=stage, rng=rng)
        out[stage] = float(assess_entropy(bits, 1, tracks=("non_iid",), warn=False).non_iid.assessed)
    return out

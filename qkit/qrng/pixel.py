"""The frozen parameter set of one pixel of the QRNG chip (Secs. II and III of the QRNG paper).

A pixel turns photoelectrons into ADC steps with the gain ``K`` (Eq. 2), adds classical noise
made of Poissonian dark electrons and Gaussian readout noise (Eq. 4), and digitises with a
``adc_bits``-bit ADC that floors and clips (Eq. 3). Of the ADC output ``Z`` the chip keeps the
bits ``kept_bits`` (bits 2 and 3 by default: ``Z23``).

Presets
-------
``PIXEL_1`` ... ``PIXEL_4``
    The four pixels of Table I (readout mean ``mu_r``, readout sigma ``sigma_r``, dark mean
    ``mu_dark``) with the factory gain ``K = 0.8192`` of Fig. 2.
``TABLE_I``
    The tuple ``(PIXEL_1, PIXEL_2, PIXEL_3, PIXEL_4)``.
``NOISE_FREE``
    ``Pixel()``: the noise-free chip of Fig. 2 (``K = 0.8192``, no dark electrons, no readout
    noise, no offset).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from typing import Any

from qkit._validate import require_instance, require_integer, require_real

__all__ = [
    "Pixel",
    "FACTORY_GAIN",
    "PIXEL_1",
    "PIXEL_2",
    "PIXEL_3",
    "PIXEL_4",
    "TABLE_I",
    "NOISE_FREE",
    "check_kept_bits",
]

#: The factory gain of the chip, ADC steps per electron (Fig. 2 of the QRNG paper).
FACTORY_GAIN = 0.8192

#: Widest ADC the exact model accepts (the chip has 10 bits; 16 keeps arrays small).
_MAX_ADC_BITS = 16

#: Largest dark mean accepted (electrons): the exact sums run over its Poisson support
#: (Table I has about 18; a billion is far beyond any pixel and keeps that support finite).
_MAX_DARK_MEAN = 1e9

#: Largest gain (ADC steps per electron) and largest size of the readout mean and sigma (ADC
#: steps) accepted: far beyond a 16-bit ADC (65535 steps), small enough that no sum overflows.
_MAX_GAIN = 1e6
_MAX_STEPS = 1e9


@dataclass(frozen=True)
class Pixel:
    """Parameters of one pixel: gain, classical noise, ADC width and kept bits.

    Parameters
    ----------
    gain : float
        ``K``, ADC steps per electron (Eq. 2), ``0 < K <= 1e6``. The chip has ``K = 0.8192 < 1``.
    readout_mean : float
        ``mu_r``, mean of the Gaussian readout noise in ADC steps (Eq. 4); includes the ADC
        offset, so it may be negative (Table I: about -14); ``|mu_r| <= 1e9``.
    readout_sigma : float
        ``sigma_r``, standard deviation of the readout noise in ADC steps, ``0 <= sigma_r <= 1e9``;
        0 means no readout noise (the noise term is then deterministic).
    dark_mean : float
        ``mu_dark``, mean number of dark electrons per integration time, ``0 <= mu_dark <= 1e9`` (Eq. 4).
    adc_bits : int
        Width of the ADC in bits, ``1 <= adc_bits <= 16``; ``Z`` runs from 0 to
        ``2**adc_bits - 1`` (Eq. 3 with 1023 for 10 bits).
    kept_bits : tuple of int
        The bits of ``Z`` kept as entropy bits, distinct, each in ``[0, adc_bits - 1]``; bit
        ``kept_bits[0]`` becomes the least significant bit of the kept value. Default ``(2, 3)``.

    Examples
    --------
    >>> from qkit.qrng.pixel import PIXEL_1
    >>> PIXEL_1.adc_max
    1023
    >>> PIXEL_1.with_offset(8).readout_mean
    -5.6
    """

    gain: float = FACTORY_GAIN
    readout_mean: float = 0.0
    readout_sigma: float = 0.0
    dark_mean: float = 0.0
    adc_bits: int = 10
    kept_bits: tuple[int, ...] = (2, 3)

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise the fields once, here
        set_(self, "gain", require_real("gain", self.gain, 0.0, _MAX_GAIN, low_inclusive=False,
                                        unit="ADC steps per electron"))
        set_(self, "readout_mean",
             require_real("readout_mean", self.readout_mean, -_MAX_STEPS, _MAX_STEPS, unit="ADC steps"))
        set_(self, "readout_sigma",
             require_real("readout_sigma", self.readout_sigma, 0.0, _MAX_STEPS, unit="ADC steps"))
        set_(self, "dark_mean", require_real("dark_mean", self.dark_mean, 0.0, _MAX_DARK_MEAN, unit="electrons"))
        set_(self, "adc_bits", require_integer("adc_bits", self.adc_bits, 1, _MAX_ADC_BITS))
        set_(self, "kept_bits", check_kept_bits(self.kept_bits, self.adc_bits))

    @property
    def adc_max(self) -> int:
        """Largest ADC output, ``2**adc_bits - 1`` (1023 for the 10-bit ADC of Eq. 3)."""
        return (1 << self.adc_bits) - 1

    @property
    def n_kept(self) -> int:
        """Number of kept bits (2 for ``Z23``)."""
        return len(self.kept_bits)

    def with_offset(self, steps: float) -> "Pixel":
        """The same pixel with the ADC offset moved by ``steps`` ADC steps.

        Shifting the offset adds ``steps`` to ``readout_mean``; Sec. III B shifts it by +8
        to see the whole dark histogram.
        """
        steps = require_real("steps", steps, -_MAX_STEPS, _MAX_STEPS, unit="ADC steps")
        return dataclasses.replace(self, readout_mean=self.readout_mean + steps)


def check_kept_bits(kept_bits, adc_bits: int) -> tuple[int, ...]:
    """Validate a choice of kept bits for an ``adc_bits``-bit ADC and return it as a tuple.

    Parameters
    ----------
    kept_bits : sequence of int
        Bit positions.
    adc_bits : int
        Width of the ADC.

    Raises
    ------
    TypeError
        If ``kept_bits`` is not a sequence (a string is not one).
    ValueError
        If ``kept_bits`` is empty, repeats a bit, or names a bit outside ``[0, adc_bits - 1]``.
    """
    adc_bits = require_integer("adc_bits", adc_bits, 1)
    if isinstance(kept_bits, (str, bytes)) or not hasattr(kept_bits, "__iter__"):
        raise TypeError(f"kept_bits must be a sequence of bit positions, got {kept_bits!r}")
    bits = tuple(kept_bits)
    if not bits:
        raise ValueError("kept_bits must name at least one bit, got ()")
    out = []
    for b in bits:
        try:
            out.append(require_integer("kept_bits", b, 0, adc_bits - 1))
        except ValueError:
            raise ValueError(
                f"kept_bits must be whole numbers in [0, {adc_bits - 1}] for a {adc_bits}-bit ADC, "
                f"got {bits!r}"
            ) from None
    if len(set(out)) != len(out):
        raise ValueError(f"kept_bits must be distinct, got {bits!r}")
    return tuple(out)


# Table I of the QRNG paper, with the factory gain of Fig. 2.
PIXEL_1 = Pixel(gain=FACTORY_GAIN, readout_mean=-13.6, readout_sigma=0.21, dark_mean=17.2)
PIXEL_2 = Pixel(gain=FACTORY_GAIN, readout_mean=-16.8, readout_sigma=0.22, dark_mean=18.0)
PIXEL_3 = Pixel(gain=FACTORY_GAIN, readout_mean=-14.4, readout_sigma=0.23, dark_mean=17.2)
PIXEL_4 = Pixel(gain=FACTORY_GAIN, readout_mean=-13.6, readout_sigma=0.21, dark_mean=19.0)
TABLE_I = (PIXEL_1, PIXEL_2, PIXEL_3, PIXEL_4)

#: The noise-free chip of Fig. 2: K = 0.8192, no dark electrons, no readout noise.
NOISE_FREE = Pixel()


def _check_pixel(pixel: Any, name: str = "pixel") -> Pixel:
    """Raise :class:`TypeError` unless ``pixel`` is a :class:`Pixel` (its fields are checked on creation)."""
    return require_instance(name, pixel, Pixel, "qkit.qrng.pixel.Pixel (e.g. PIXEL_1 or Pixel(readout_sigma=0.2))")

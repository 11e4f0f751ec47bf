import dataclasses

import pytest

from qkit.qrng.pixel import (
    FACTORY_GAIN, NOISE_FREE, PIXEL_1, PIXEL_2, PIXEL_3, PIXEL_4, TABLE_I, Pixel, check_kept_bits,
)


def test_table_i_presets():
    rows = [(p.readout_mean, p.readout_sigma, p.dark_mean) for p in TABLE_I]
    assert rows == [(-13.6, 0.21, 17.2), (-16.8, 0.22, 18.0), (-14.4, 0.23, 17.2), (-13.6, 0.21, 19.0)]
    assert TABLE_I == (PIXEL_1, PIXEL_2, PIXEL_3, PIXEL_4)
    assert all(p.gain == FACTORY_GAIN == 0.8192 for p in TABLE_I)
    assert all(p.adc_bits == 10 and p.kept_bits == (2, 3) for p in TABLE_I)


def test_noise_free_is_fig2():
    assert NOISE_FREE == Pixel(gain=0.8192, readout_mean=0.0, readout_sigma=0.0, dark_mean=0.0)
    assert NOISE_FREE.adc_max == 1023 and NOISE_FREE.n_kept == 2


def test_frozen_and_with_offset():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PIXEL_1.gain = 1.0
    shifted = PIXEL_1.with_offset(8)
    assert shifted.readout_mean == pytest.approx(-5.6)
    assert (shifted.gain, shifted.readout_sigma, shifted.dark_mean) == (0.8192, 0.21, 17.2)
    assert PIXEL_1.readout_mean == -13.6  # unchanged


def test_normalisation_of_fields():
    p = Pixel(gain=1, adc_bits=8.0, kept_bits=[0, 7])
    assert isinstance(p.gain, float) and p.adc_bits == 8 and p.kept_bits == (0, 7)
    assert p.adc_max == 255


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(gain=0.0), ["gain", "0.0", "0 < gain", "ADC steps per electron"]),
        (dict(gain=-0.3), ["gain", "-0.3"]),
        (dict(gain=float("nan")), ["gain", "finite"]),
        (dict(readout_sigma=-0.1), ["readout_sigma", "-0.1", "0 <= readout_sigma"]),
        (dict(dark_mean=-1.0), ["dark_mean", "-1.0"]),
        (dict(readout_mean=float("inf")), ["readout_mean"]),
        (dict(adc_bits=0), ["adc_bits", "1 <= adc_bits"]),
        (dict(adc_bits=10.5), ["adc_bits", "whole"]),
        (dict(kept_bits=(2, 10)), ["kept_bits", "[0, 9]", "(2, 10)"]),
        (dict(kept_bits=(-1,)), ["kept_bits"]),
        (dict(kept_bits=(2, 2)), ["kept_bits", "distinct"]),
        (dict(kept_bits=()), ["kept_bits", "at least one"]),
        (dict(kept_bits=3), ["kept_bits", "sequence"]),
        (dict(adc_bits=4, kept_bits=(2, 3, 4)), ["kept_bits", "4-bit"]),
    ],
)
def test_bad_input_names_argument_value_and_range(kwargs, words):
    with pytest.raises((ValueError, TypeError)) as info:  # TypeError for a wrong type (kept_bits=3)
        Pixel(**kwargs)
    for w in words:
        assert w in str(info.value)


def test_with_offset_rejects_nan():
    with pytest.raises(ValueError, match="steps"):
        PIXEL_1.with_offset(float("nan"))


def test_check_kept_bits():
    assert check_kept_bits((3, 2), 10) == (3, 2)
    with pytest.raises(ValueError, match="whole"):
        check_kept_bits((2.5,), 10)

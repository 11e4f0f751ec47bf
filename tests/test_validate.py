import numpy as np
import pytest

from qkit import _validate as v


def test_messages_name_argument_value_and_range():
    with pytest.raises(ValueError, match=r"gain must satisfy 0 < gain \(ADC steps per electron\), got -0.3"):
        v.require_positive("gain", -0.3, unit="ADC steps per electron")
    with pytest.raises(ValueError, match=r"kept_bits must satisfy 0 <= kept_bits <= 9, got 12"):
        v.require_integer("kept_bits", 12, 0, 9)
    with pytest.raises(ValueError, match="must be finite"):
        v.require_finite("mean", [1.0, np.nan])
    with pytest.raises(ValueError, match="whole number"):
        v.require_integer("n", 2.5)
    with pytest.raises(ValueError, match="one of 'a', 'b'"):
        v.require_choice("mode", "c", ("a", "b"))


def test_valid_values_pass_through():
    assert v.require_integer("n", 3.0) == 3
    np.testing.assert_array_equal(v.require_probability("p", [0, 0.5, 1]), [0, 0.5, 1])
    assert v.require_nonnegative("x", 0.0) == 0.0

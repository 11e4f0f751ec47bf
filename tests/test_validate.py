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


def test_require_real_refuses_wrong_types_and_values():
    assert v.require_real("x", 3) == 3.0
    assert v.require_real("x", np.float32(2.5)) == 2.5
    for bad in (True, "2", None, 1 + 1j, np.array([1.0, 2.0])):
        with pytest.raises(TypeError, match="^x must be"):
            v.require_real("x", bad)
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="x must be finite"):
            v.require_real("x", bad)
    with pytest.raises(ValueError, match=r"x must satisfy 0 < x, got -1"):
        v.require_real("x", -1, 0, None, low_inclusive=False)


def test_require_array_kinds():
    np.testing.assert_array_equal(v.require_array("a", [1, 2]), [1.0, 2.0])
    with pytest.raises(ValueError, match="rows have different lengths|rectangular"):
        v.require_array("a", [[1, 2], [3]])
    with pytest.raises(TypeError, match="a must contain numbers"):
        v.require_array("a", ["1", "2"])
    with pytest.raises(TypeError, match="a must be an array"):
        v.require_array("a", None)
    with pytest.raises(TypeError, match="complex"):
        v.require_array("a", [1j, 2])
    with pytest.raises(TypeError, match="True/False"):
        v.require_array("a", [True, False])
    with pytest.raises(ValueError, match="whole numbers"):
        v.require_array("a", [1.5, 2], dtype=int)
    with pytest.raises(ValueError, match=r"shape \(any, 3\)"):
        v.require_array("a", np.zeros((2, 2)), shape=(None, 3))
    with pytest.raises(ValueError, match="1 dimension"):
        v.require_array("a", np.zeros((2, 2)), ndim=1)
    assert v.require_array("m", [True, False], dtype=bool).dtype == bool


def test_require_pmf():
    np.testing.assert_allclose(v.require_pmf("p", [0.25, 0.75]), [0.25, 0.75])
    with pytest.raises(ValueError, match="p must sum to 1"):
        v.require_pmf("p", [0.5, 0.6])
    with pytest.raises(ValueError, match="negative"):
        v.require_pmf("p", [1.5, -0.5])
    np.testing.assert_allclose(v.require_pmf("p", [1, 3], normalize=True), [0.25, 0.75])


def test_choice_flag_generator_instance():
    with pytest.raises(ValueError, match="scheme must be one of 'qfl', 'dqfl'; got 'QFL'"):
        v.require_choice("scheme", "QFL", ("qfl", "dqfl"))
    with pytest.raises(ValueError, match="one of"):
        v.require_choice("n", True, (1, 2))
    assert v.require_choice("n", np.int64(2), (1, 2)) == 2
    with pytest.raises(ValueError, match="one of"):
        v.require_choice("n", np.array([1, 2]), (1, 2))
    with pytest.raises(TypeError, match="flag must be True or False"):
        v.require_flag("flag", 1)
    with pytest.raises(TypeError, match="default_rng"):
        v.require_generator("rng", 0)
    with pytest.raises(TypeError, match="thing must be a int"):
        v.require_instance("thing", "x", int)


def test_memory_budget(monkeypatch):
    v.set_memory_budget(None)  # another test in this process may have set one
    monkeypatch.setenv(v.MEMORY_BUDGET_ENV, "2")
    assert v.memory_budget() == 2 * 2**30
    v.require_allocation("a small array", 1e6)
    with pytest.raises(ValueError, match=r"the statevector would need 156 GiB, more than the memory budget of 2 GiB"):
        v.require_allocation("the statevector", 156 * 2**30)
    try:
        v.set_memory_budget(8)
        assert v.memory_budget() == 8 * 2**30
        with pytest.raises(ValueError, match="gib must satisfy"):
            v.set_memory_budget(0)
    finally:
        v.set_memory_budget(None)
    assert v.memory_budget() == 2 * 2**30


def test_package_versions_lists_python_and_every_course_package():
    import platform

    import numpy

    import qkit
    from qkit._versions import PACKAGES

    versions = qkit.package_versions()
    assert list(versions) == ["python", *PACKAGES]
    assert versions["python"] == platform.python_version()
    assert versions["numpy"] == numpy.__version__


def test_show_versions_prints_one_line_per_package(capsys):
    import qkit

    qkit.show_versions()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("The course environment this notebook ran in")
    assert len(lines) == 1 + len(qkit.package_versions())
    assert any(line.split() == ["numpy", qkit.package_versions()["numpy"]] for line in lines)

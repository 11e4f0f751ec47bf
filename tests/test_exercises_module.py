"""qkit.exercises: the feedback a learner reads."""

import numpy as np
import pytest

from qkit.exercises import CheckFailed, check_function, run_check


def unfinished(x):
    raise NotImplementedError("Exercise 9.9: write your code here")


def test_unfinished_is_a_reminder_not_a_traceback():
    result = run_check("9.9", unfinished, np.sqrt, [(4.0,)])
    assert result.status == "unfinished" and not result
    assert "not finished yet" in result.message and "Traceback" not in result.message


def test_wrong_value_says_where_and_by_how_much():
    result = run_check("1.2", lambda x: x / 3, np.sqrt, [(np.array([0.0, 4.0, 9.0]),)])
    assert result.status == "wrong"
    assert "value at index (1,) is 1.33333, expected 2" in result.message
    assert "1 of 3 values differ" in result.message


def test_wrong_shape_none_and_exceptions_are_named():
    assert "expected shape (3,), got shape (2,)" in run_check(
        "1", lambda x: x[:2], np.sqrt, [(np.ones(3),)]).message
    assert "returned None" in run_check("1", lambda x: None, np.sqrt, [(1.0,)]).message
    message = run_check("1", lambda x: 1 / 0, np.sqrt, [(1.0,)]).message
    assert "ZeroDivisionError" in message
    assert "NaN" in run_check("1", lambda x: np.nan, np.sqrt, [(1.0,)]).message


def test_right_answer_and_expected_values():
    assert run_check("1", np.sqrt, np.sqrt, [(4.0,), (np.arange(3.0),)])
    assert run_check("1", lambda a, b: (a + b, a * b), cases=[(2, 3)], expected=[(5, 6)])
    assert not run_check("1", lambda a, b: (a + b, a), cases=[(2, 3)], expected=[(5, 6)])


def test_strict_mode_raises_and_normal_mode_prints(monkeypatch, capsys):
    monkeypatch.setenv("QKIT_STRICT_CHECKS", "1")
    with pytest.raises(CheckFailed, match="not finished yet"):
        check_function("9.9", unfinished, np.sqrt, [(4.0,)])
    monkeypatch.setenv("QKIT_STRICT_CHECKS", "0")
    check_function("9.9", unfinished, np.sqrt, [(4.0,)])
    assert "not finished yet" in capsys.readouterr().out
    assert CheckFailed("short")._render_traceback_() == ["CheckFailed: short"]


def test_misuse_is_refused():
    with pytest.raises(ValueError, match="exactly one of"):
        run_check("1", np.sqrt, cases=[(1.0,)])


def test_complex_answers_are_compared_as_complex():
    matrix = np.array([[1, 1j], [1j, 1]]) / np.sqrt(2)
    wrong = run_check("7.1", lambda: matrix.conj(), cases=[()], expected=[matrix])
    assert wrong.status == "wrong" and "j" in wrong.message
    assert run_check("7.1", lambda: matrix.copy(), cases=[()], expected=[matrix])
    # a real answer where a complex one is expected is wrong, not silently cast
    assert not run_check("7.1", lambda: matrix.real, cases=[()], expected=[matrix])

"""qkit.exercises: the feedback a learner reads."""

import math
import signal
import sys
import threading
import time

import numpy as np
import pytest

from qkit.exercises import CheckFailed, Mistake, check_function, default_time_limit, run_check


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


def test_nbgrader_execution_turns_strict_mode_on(monkeypatch):
    from qkit.exercises import strict_mode

    monkeypatch.delenv("QKIT_STRICT_CHECKS", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not strict_mode()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # set by nbgrader autograde / validate
    assert strict_mode()
    with pytest.raises(CheckFailed, match="not finished yet"):
        check_function("9.9", unfinished, np.sqrt, [(4.0,)])
    monkeypatch.setenv("QKIT_STRICT_CHECKS", "0")  # an explicit 0 wins
    assert not strict_mode()


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


# --- the checker never crashes and never passes wrongly (issue 10) ---------------------------

class _Unreadable:
    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array for you")


@pytest.mark.parametrize("answer, words", [
    ([[1.0, 2.0], [3.0]], "ragged list"),
    ("1.0", "text"),
    (["1.0", "1.0"], "text"),
    (np.array(["1.0"]), "text"),
    (b"1.0", "text"),
    ([1.0, None], "contains None"),
    (True, "True/False"),
    ({"value": 1.0}, "dict"),
    ((x for x in [1.0]), "generator"),
    (np.sqrt, "forget to call"),
    (10**400, "too large"),
    (_Unreadable(), "expected numbers"),
    (object(), "expected numbers"),
])
def test_odd_answers_are_named_never_passed_and_never_crash(answer, words):
    result = run_check("1", lambda: answer, cases=[()], expected=[1.0])
    assert result.status == "wrong", result
    assert words in result.message


def test_numeric_strings_are_not_taken_for_numbers_in_arrays_either():
    result = run_check("1", lambda x: [str(v) for v in x], np.sqrt, [(np.array([1.0, 4.0]),)])
    assert not result and "text ('1.0')" in result.message


def test_none_where_a_pair_is_expected_hints_at_return():
    result = run_check("4.1", lambda p: None, cases=[(0.5,)], expected=[(0.5, 1.0)])
    assert "did you forget `return`?" in result.message
    assert "NoneType" not in result.message


def test_an_array_where_a_pair_is_expected_is_judged_by_its_values():
    assert run_check("5.1", lambda: np.array([0.1, 0.2]), cases=[()], expected=[(0.1, 0.2)])
    wrong = run_check("5.1", lambda: np.array([0.1, 0.3]), cases=[()], expected=[(0.1, 0.2)])
    assert not wrong and "item 1 of the 2 you return" in wrong.message
    single = run_check("5.1", lambda: 0.1, cases=[()], expected=[(0.1, 0.2)])
    assert "expected 2 items" in single.message and "a single number" in single.message
    three = run_check("5.1", lambda: np.array([0.1, 0.2, 0.3]), cases=[()], expected=[(0.1, 0.2)])
    assert not three


def test_escapes_from_the_learners_code_become_messages():
    def leaves(x):
        sys.exit()

    def interrupted(x):
        raise KeyboardInterrupt

    result = run_check("1", leaves, np.sqrt, [(1.0,), (4.0,)])
    assert result.status == "wrong" and "called exit()" in result.message and result.failed == (0, 1)
    result = run_check("1", interrupted, np.sqrt, [(1.0,), (4.0,)])
    assert result.status == "wrong" and "interrupted" in result.message
    assert result.failed == (0,)   # the check stops at an interruption

    class Escape(BaseException):
        pass

    def escapes(x):
        raise Escape("out")

    result = run_check("1", escapes, np.sqrt, [(1.0,), (4.0,)])
    assert result.status == "wrong" and "raised Escape: out" in result.message


def test_a_function_replaced_by_a_value_is_a_message():
    result = run_check("1", 0.5, np.sqrt, [(1.0,)])
    assert result.status == "wrong" and "not a function" in result.message


def _endless(x):
    while True:
        pass


def _endless_swallowing(x):
    while True:
        try:
            sum(range(1000))
        except Exception:  # a learner's catch-all must not defeat the time limit
            pass


@pytest.mark.parametrize("learner", [_endless, _endless_swallowing])
def test_an_endless_loop_is_stopped_with_a_friendly_message(learner):
    calls = []

    def counted(x):
        calls.append(x)
        return learner(x)

    handler_before = signal.getsignal(signal.SIGALRM)
    result = run_check("3.2", counted, np.sqrt, [(1.0,), (4.0,), (9.0,)], time_limit=0.3)
    assert result.status == "wrong"
    assert "time limit of 0.3 s" in result.message and "loop" in result.message
    assert calls == [1.0]                          # the other cases were not run
    assert signal.getsignal(signal.SIGALRM) is handler_before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_time_limit_also_works_off_the_main_thread():
    box = {}
    worker = threading.Thread(target=lambda: box.update(r=run_check("1", _endless, np.sqrt, [(1.0,)],
                                                                   time_limit=0.3)))
    worker.start()
    worker.join(30)
    assert not worker.is_alive() and "time limit of 0.3 s" in box["r"].message
    # and a right answer still passes through the thread
    worker = threading.Thread(target=lambda: box.update(r=run_check("1", np.sqrt, np.sqrt, [(4.0,)],
                                                                   time_limit=5)))
    worker.start()
    worker.join(30)
    assert box["r"]


def test_the_default_time_limit_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("QKIT_CHECK_TIME_LIMIT", raising=False)
    assert default_time_limit() == 10.0
    monkeypatch.setenv("QKIT_CHECK_TIME_LIMIT", "2.5")
    assert default_time_limit() == 2.5
    monkeypatch.setenv("QKIT_CHECK_TIME_LIMIT", "inf")
    assert math.isinf(default_time_limit())
    for bad in ("soon", "-1", "0"):
        monkeypatch.setenv("QKIT_CHECK_TIME_LIMIT", bad)
        assert default_time_limit() == 10.0
    monkeypatch.setenv("QKIT_CHECK_TIME_LIMIT", "0.2")
    assert "time limit of 0.2 s" in run_check("1", _endless, np.sqrt, [(1.0,)]).message


def test_a_huge_exception_message_is_cut_to_one_readable_line():
    def shouts(x):
        raise ValueError("bad value " + "x" * 300 + "\nsecond line")

    message = run_check("1", shouts, np.sqrt, [(1.0,)]).message
    assert "ValueError: bad value" in message and " ... " in message
    assert len(message) < 260 and "\n" not in message


def test_a_wrong_complex_answer_says_which_part_is_wrong():
    phase = run_check("7.1", lambda: np.exp(0.3j), cases=[()], expected=[np.exp(0.5j)])
    assert "right modulus 1, wrong phase: 0.3 rad, expected 0.5 rad" in phase.message
    imag = run_check("7.1", lambda: 1 + 2j, cases=[()], expected=[1 + 3j])
    assert "real part right, imaginary part is 2, expected 3" in imag.message
    real = run_check("7.1", lambda: 2 + 3j, cases=[()], expected=[1 + 3j])
    assert "imaginary part right, real part is 2, expected 1" in real.message
    vector = np.array([1 + 2j, 3 - 1j])
    conj = run_check("7.1", lambda: vector.conj(), cases=[()], expected=[vector])
    assert "complex conjugate" in conj.message
    rotated = run_check("7.1", lambda: 1j * vector, cases=[()], expected=[vector])
    assert "global phase factor exp(1.571i)" in rotated.message
    assert "item 0" not in phase.message + imag.message + conj.message


def test_whole_answer_patterns_are_named():
    x = (np.arange(1.0, 7.0).reshape(2, 3),)
    assert "transpose" in run_check("1", lambda a: a.T, lambda a: a, [x]).message
    assert "sign is flipped" in run_check("1", lambda a: -a, lambda a: a, [x]).message
    assert "0.5 times the expected" in run_check("1", lambda a: a / 2, lambda a: a, [x]).message
    assert "only the shape differs" in run_check("1", lambda a: a.reshape(-1, 1), lambda a: a.ravel(), [x]).message


def test_every_failing_case_is_counted_not_only_the_first():
    cases = [(np.array([0.0, 9.0]),), (4.0,), (0.0,), (16.0,)]
    result = run_check("1.2", lambda x: x / 2, np.sqrt, cases)
    assert result.message.startswith("✗ Exercise 1.2: wrong on 2 of 4 cases; for ")
    assert result.failed == (0, 3)   # x/2 is right at 0 and 4


def _recording(fn, calls):
    def learner(*args):
        calls.append(args)
        return fn(*args)
    return learner


def test_the_diagnostic_case_runs_first_and_is_the_one_reported():
    calls = []
    cases = [(1.0,), (4.0,), (9.0,)]
    result = run_check("1", _recording(lambda x: x / 2, calls), np.sqrt, cases, diagnostic=2)
    assert calls[0] == (9.0,)
    assert "for `learner(9.0)`" in result.message


def test_without_a_diagnostic_the_case_that_exposes_the_mistakes_runs_first():
    calls = []
    no_clip = Mistake("the ADC saturates: clip to [0, 1023]", lambda z: np.floor(z))
    cases = [(np.array([3.2, 10.7]),), (np.array([-4.0, 5.5]),), (np.array([2000.0, 1.5]),)]
    result = run_check("2.1", _recording(lambda z: np.floor(z), calls),
                       lambda z: np.clip(np.floor(z), 0, 1023), cases, mistakes=[no_clip])
    assert calls[0][0][0] == -4.0           # case 1: the first whose right answer the mistake misses
    assert result.failed == (1, 2)
    assert result.message.endswith("Hint: the ADC saturates: clip to [0, 1023]")
    assert result.hint == no_clip.hint


def test_the_learner_cannot_spoil_the_cases_by_changing_them_in_place():
    def in_place(x):
        x *= 0.0
        return 0.0

    data = np.array([1.0, 2.0])
    result = run_check("1", in_place, np.sum, [(data,), (data,)])
    assert result.failed == (0, 1) and "changed its argument number 1 in place" in result.message
    assert np.array_equal(data, [1.0, 2.0])


# --- named mistakes: the typical errors of the course -----------------------------------------

def test_mistake_max_and_expectation_swapped_in_eq_6():
    from qkit.qrng.entropy import kept_bits_given_noise
    from qkit.qrng.pixel import Pixel

    def right(values, weights, mean):       # Eq. (6): Eve sees e first, then guesses
        return float(weights @ kept_bits_given_noise(values, mean, Pixel()).max(axis=-1))

    def swapped(values, weights, mean):     # averages over e first, then guesses
        return float((weights @ kept_bits_given_noise(values, mean, Pixel())).max())

    mistake = Mistake("you took the max after averaging: Eve sees E first", swapped)
    values, weights = np.linspace(-3.0, 3.0, 7), np.full(7, 1 / 7)
    cases = [(np.array([0.0]), np.array([1.0]), 625.0), (values, weights, 625.0), (values, weights, 40.0)]
    result = run_check("4.3", swapped, right, cases, mistakes=[mistake], rtol=1e-9)
    assert result.failed == (1, 2)          # with one noise value the two orders agree
    assert "Hint: you took the max after averaging: Eve sees E first" in result.message
    assert run_check("4.3", right, right, cases, mistakes=[mistake], rtol=1e-9)


def test_mistake_ddof_and_a_wrong_answer_that_is_not_the_mistake():
    ddof0 = Mistake("a sample variance divides by n - 1: use ddof=1", lambda c: np.var(c) / np.mean(c))
    cases = [(np.array([1.0, 2.0, 3.0, 4.0]),), (np.arange(1.0, 100.0),)]
    reference = lambda c: np.var(c, ddof=1) / np.mean(c)   # noqa: E731
    hinted = run_check("1.3", lambda c: np.var(c) / np.mean(c), reference, cases, mistakes=[ddof0])
    assert "Hint: a sample variance divides by n - 1" in hinted.message
    other = run_check("1.3", lambda c: np.std(c) / np.mean(c), reference, cases, mistakes=[ddof0])
    assert not other and "Hint" not in other.message and other.hint == ""


def test_mistake_decoder_that_ignores_the_base_layer():
    from qkit.fl.channel import Channel, decode

    def right(gains, mean_snr, power_split):
        got = decode(gains, mean_snr, "dqfl", power_split, Channel().thresholds)
        return got.base, got.enhancement

    def ignores_base(gains, mean_snr, power_split):
        base, _ = right(gains, mean_snr, power_split)
        enhancement = (1 - power_split) * gains * mean_snr >= Channel().thresholds["enhancement"]
        return base, enhancement

    mistake = Mistake("the enhancement layer is decoded only after the base layer (successive decoding)",
                      ignores_base)
    fades = np.random.default_rng(0).exponential(size=400)
    result = run_check("10.4", ignores_base, right, [(fades, 4.0, 0.8), (fades, 50.0, 0.3)],
                       mistakes=[mistake], rtol=0, atol=0)
    assert not result and "item 1 of the 2 you return" in result.message
    assert result.hint == mistake.hint


def test_mistake_wrong_phase_in_cu3():
    from qkit.qnn import gates

    def missing_phi(theta, phi, lam):
        out = gates.cu3(theta, phi, lam).copy()
        out[3, 3] = np.cos(theta / 2) * np.exp(1j * lam)
        return out

    mistake = ("the bottom-right entry carries exp(i(phi + lambda))", missing_phi)
    result = run_check("7.1", missing_phi, gates.cu3, [(0.7, 1.1, 0.9), (np.pi, 0.0, np.pi)],
                       mistakes=[mistake], atol=1e-12)
    assert result.failed == (0,)
    assert "value at index (3, 3)" in result.message and "wrong phase" in result.message
    assert result.hint == mistake[0]


def test_strict_mode_raises_for_a_time_out_too(monkeypatch):
    monkeypatch.setenv("QKIT_STRICT_CHECKS", "1")
    with pytest.raises(CheckFailed, match="did not return within"):
        check_function("1", _endless, np.sqrt, [(1.0,)], time_limit=0.2)


# --- the exercise author's arguments are refused clearly ------------------------------------

@pytest.mark.parametrize("kwargs, error, words", [
    (dict(label=2.1), TypeError, "label must be a non-empty str"),
    (dict(label=" "), ValueError, "label must be a non-empty str"),
    (dict(reference="sqrt"), TypeError, "reference must be a callable"),
    (dict(cases=[4.0]), TypeError, r"cases\[0\] must be a tuple"),
    (dict(cases=[]), ValueError, "cases must hold at least one case"),
    (dict(cases=5), TypeError, "cases must be a list or tuple"),
    (dict(rtol=-1.0), ValueError, "rtol must satisfy rtol >= 0"),
    (dict(atol=math.nan), ValueError, "atol must be finite"),
    (dict(rtol="tight"), TypeError, "rtol must be a real number"),
    (dict(mistakes=["hint only"]), TypeError, r"mistakes\[0\] must be a Mistake"),
    (dict(diagnostic=3), ValueError, "diagnostic must satisfy 0 <= diagnostic < 1"),
    (dict(diagnostic=True), TypeError, "diagnostic must be a case index"),
    (dict(time_limit=0), ValueError, "time_limit must be > 0"),
    (dict(time_limit="5 s"), TypeError, "time_limit must be a number of seconds"),
])
def test_bad_author_arguments_are_refused(kwargs, error, words):
    args = dict(label="1", learner=np.sqrt, reference=np.sqrt, cases=[(4.0,)])
    args.update(kwargs)
    with pytest.raises(error, match=words):
        run_check(**args)


def test_expected_must_match_the_cases_and_a_failing_reference_is_the_authors_bug():
    with pytest.raises(ValueError, match="expected has 2 answers for 1 cases"):
        run_check("1", np.sqrt, cases=[(4.0,)], expected=[2.0, 3.0])
    with pytest.raises(ValueError, match=r"cases\[0\] \(4.0\) made the reference of exercise 1 raise Zero"):
        run_check("1", np.sqrt, lambda x: 1 / 0, [(4.0,)])


def test_bad_mistakes_are_refused():
    with pytest.raises(TypeError, match="hint must be a str"):
        Mistake(3, np.sqrt)
    with pytest.raises(ValueError, match="hint must be one non-empty line"):
        Mistake("two\nlines", np.sqrt)
    with pytest.raises(TypeError, match="answer must be a callable"):
        Mistake("a hint", 3.0)


def test_a_right_answer_may_not_hold_nan_or_a_learners_nan_would_pass():
    with pytest.raises(ValueError, match=r"expected\[0\] holds NaN"):
        run_check("1", lambda: np.nan, cases=[()], expected=[(1.0, np.nan)])
    with pytest.raises(ValueError, match=r"the reference's answer to cases\[1\] holds NaN"):
        run_check("1", np.log, lambda x: np.log(x) if x > 0 else np.nan, [(1.0,), (-1.0,)])
    with pytest.raises(TypeError, match=r"mistakes\[0\]: answer must be a callable"):
        run_check("1", np.sqrt, np.sqrt, [(4.0,)], mistakes=[("a hint", 3.0)])


def test_off_the_main_thread_exceptions_and_exits_still_become_messages():
    box = {}

    def run():
        box["raised"] = run_check("1", lambda x: 1 / 0, np.sqrt, [(1.0,)], time_limit=5)
        box["exit"] = run_check("1", lambda x: sys.exit(3), np.sqrt, [(1.0,)], time_limit=5)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(30)
    assert "raised ZeroDivisionError" in box["raised"].message
    assert "called exit()" in box["exit"].message


def test_an_alarm_armed_by_someone_else_is_left_alone():
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *args: fired.append(args))
    signal.setitimer(signal.ITIMER_REAL, 60.0)
    try:
        result = run_check("1", _endless, np.sqrt, [(1.0,)], time_limit=0.3)
        assert "time limit of 0.3 s" in result.message
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0.0 < remaining <= 60.0 and not fired   # still armed, its handler untouched
        # the stopped loop does not keep running in the background
        for worker in [t for t in threading.enumerate() if t.name == "qkit-check"]:
            worker.join(10)
            assert not worker.is_alive()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def test_the_time_limit_is_a_budget_for_the_whole_check():
    calls = []

    def slow_sqrt(x):
        calls.append(x)
        time.sleep(0.15)
        return np.sqrt(x)

    cases = [(1.0,), (4.0,), (9.0,), (16.0,)]            # 4 x 0.15 s > 0.4 s
    result = run_check("1", slow_sqrt, np.sqrt, cases, time_limit=0.4)
    assert not result and "time limit of 0.4 s" in result.message
    assert len(calls) < 4
    assert run_check("1", slow_sqrt, np.sqrt, cases, time_limit=math.inf)


def test_handing_in_the_courses_own_answer_is_refused():
    from qkit import _checks_04 as answers

    result = run_check("4.1", answers.guess_and_min_entropy, answers.guess_and_min_entropy,
                       [(np.array([0.5, 0.5]),)])
    assert not result and "course's own answer" in result.message and "qkit._checks_" in result.message
    result = run_check("4.1", answers.guess_and_min_entropy_natural_log, answers.guess_and_min_entropy,
                       [(np.array([0.5, 0.5]),)])
    assert not result and "course's own answer" in result.message

    def mine(pmf):  # a learner's own function may call the course's code inside it
        return answers.guess_and_min_entropy(pmf)

    assert run_check("4.1", mine, answers.guess_and_min_entropy, [(np.array([0.5, 0.5]),)])


def test_a_case_reads_short_and_shows_a_short_array_whole():
    from qkit._answers import call_text

    fleet = [(np.zeros((5, 3)), np.zeros(5)), (np.zeros((8, 3)), np.zeros(8))]
    assert call_text((np.zeros(30), fleet, np.sqrt, 2)) == "array of shape (30,), list of 2 items, sqrt, 2"
    assert call_text((np.array([0, 5, 1023]), np.array([0.25, 0.5]))) == "[0, 5, 1023], [0.25, 0.5]"
    assert call_text((np.array([True, False, False]),)) == "[True, False, False]"  # short flags shown whole
    assert call_text((np.random.default_rng(1),)) == "a Generator (PCG64)"


def test_a_function_that_changes_its_argument_in_place_is_told_so():
    def scale(x, factor):
        x *= factor  # changes the caller's array
        return x

    result = run_check("0.9", scale, lambda x, factor: x * factor, [(np.array([1.0, 2.0]), 3.0)])
    assert not result and "changed its argument number 1 in place" in result.message
    result = run_check("0.9", scale, lambda x, factor: x * factor, [dict(x=np.array([1.0, 2.0]), factor=3.0)])
    assert not result and "changed its argument `x` in place" in result.message
    assert run_check("0.9", lambda x, factor: x * factor, lambda x, factor: x * factor,
                     [(np.array([1.0, 2.0]), 3.0)])


def test_a_wrapper_around_the_courses_answer_is_refused_too():
    import qkit._checks_04 as answers

    scope = {"answers": answers}
    exec("def mine(pmf):\n    return answers.guess_and_min_entropy(pmf)", scope)
    result = run_check("4.1", scope["mine"], answers.guess_and_min_entropy, [(np.array([0.5, 0.5]),)])
    assert not result and "course's own answer" in result.message
    exec("from qkit._checks_04 import guess_and_min_entropy as g\ndef mine2(pmf):\n    return g(pmf)", scope)
    assert not run_check("4.1", scope["mine2"], answers.guess_and_min_entropy, [(np.array([0.5, 0.5]),)])
    exec("import numpy as np\ndef honest(pmf):\n    p = float(np.max(pmf))\n    return p, -np.log2(p)", scope)
    assert run_check("4.1", scope["honest"], answers.guess_and_min_entropy, [(np.array([0.5, 0.5]),)])

"""Predict, then check: the plain logic and the widget driven headlessly."""

import ipywidgets as widgets
import numpy as np
import pytest

from qkit.widgets import PredictThenCheck as exported
from qkit.widgets.predict import Prediction, PredictionOutcome, PredictThenCheck

THINNING = dict(
    question="Each photon becomes an electron with probability η. The electron count is...",
    explanation="Thinning a Poisson count keeps it Poisson, with mean ημ.",
    choices=["Poisson, mean ημ", "binomial", "Poisson, mean μ"],
    answer="Poisson, mean ημ",
)
PEAKS = dict(question="How far apart are the pile-up peaks for K = 0.8192?",
             explanation="Every 1/(1 - K) = 5.53 electrons.", answer=5.53, unit="electrons")


def test_a_choice_is_judged_by_index_or_text_and_the_first_is_kept():
    p = Prediction(**THINNING)
    assert not p.revealed and not p.is_numeric
    wrong = p.submit("binomial")
    assert isinstance(wrong, PredictionOutcome) and not wrong.correct
    assert wrong.verdict == "✗ Not quite: you chose “binomial”; the answer is “Poisson, mean ημ”."
    assert wrong.explanation == THINNING["explanation"]
    right = p.submit(0)
    assert right.correct and right.verdict.startswith("✓ Right")
    assert p.revealed and p.outcome is wrong          # the prediction is the first answer
    assert p.guesses == ["binomial", "Poisson, mean ημ"]


@pytest.mark.parametrize("guess, correct", [(5.53, True), ("5.0", True), (" 6.0 ", True),
                                            (4.9, False), ("6.2", False), (np.float64(5.6), True)])
def test_a_number_is_right_within_the_tolerance(guess, correct):
    p = Prediction(**PEAKS)                           # default: within 10 %
    outcome = p.submit(guess)
    assert outcome.correct is correct
    assert "the answer is 5.53 electrons" in outcome.verdict
    assert ("within 10% counts" in outcome.verdict) is (not correct)


def test_an_absolute_tolerance_and_a_zero_answer():
    p = Prediction("Mean of a symmetric noise?", "Zero, by symmetry.", answer=0.0, rtol=0.0, atol=0.01)
    assert p.submit(0.005).correct and not p.submit(0.02).correct
    exact = Prediction("Bits kept per sample?", "Bits 2 and 3: two bits.", answer=2, rtol=0.0)
    assert exact.submit("2").correct and not exact.submit(2.1).correct


@pytest.mark.parametrize("guess", ["", "five", "0,5", "nan", "inf", None, True, [1.0]])
def test_an_unreadable_number_is_refused_and_not_recorded(guess):
    p = Prediction(**PEAKS)
    with pytest.raises(ValueError, match="guess must be"):
        p.submit(guess)
    assert p.guesses == [] and not p.revealed


@pytest.mark.parametrize("guess", ["Gaussian", 3, -1, 1.0, None])
def test_a_choice_that_is_not_offered_is_refused(guess):
    p = Prediction(**THINNING)
    with pytest.raises(ValueError, match="guess must be one of the choices"):
        p.submit(guess)
    assert not p.revealed


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(question=""), ValueError, "question must not be empty"),
    (dict(explanation=3), TypeError, "explanation must be a str"),
    (dict(choices="ab"), TypeError, "choices must be a list of str"),
    (dict(choices=["only one"]), ValueError, "choices must be two or more distinct"),
    (dict(choices=["a", "a"]), ValueError, "choices must be two or more distinct"),
    (dict(answer="Gaussian"), ValueError, "answer must be one of the choices"),
    (dict(answer=7), ValueError, "answer must be one of the choices"),
    (dict(rtol=-0.1), ValueError, "rtol must satisfy rtol >= 0"),
    (dict(atol=float("nan")), ValueError, "atol must be finite"),
    (dict(unit=None), TypeError, "unit must be a str"),
])
def test_bad_author_arguments_are_refused(kwargs, error, words):
    with pytest.raises(error, match=words):
        Prediction(**{**THINNING, **kwargs})


def test_a_numeric_answer_must_be_a_finite_number():
    with pytest.raises(TypeError, match="answer must be a number"):
        Prediction(**{**PEAKS, "answer": "5.5"})
    with pytest.raises(ValueError, match="answer must be finite"):
        Prediction(**{**PEAKS, "answer": float("inf")})


def test_the_widget_reveals_nothing_until_a_choice_is_made():
    w = PredictThenCheck(**THINNING)
    assert exported is PredictThenCheck
    assert isinstance(w.control, widgets.RadioButtons) and w.control.value is None
    assert w.submit() is None and w.feedback.value == "Choose an answer first."
    assert THINNING["explanation"] not in w.feedback.value and not w.prediction.revealed
    w.control.value = "binomial"
    w.button.click()                                  # what the learner's click does
    assert w.prediction.outcome is not None and not w.prediction.outcome.correct
    assert "Not quite" in w.feedback.value and THINNING["explanation"] in w.feedback.value
    assert w.control.disabled and w.button.disabled   # a prediction is made once
    shown, first = w.feedback.value, w.prediction.outcome
    w.control.value = THINNING["answer"]
    assert w.submit() is None                         # a second answer (by code) changes nothing
    assert w.feedback.value == shown and w.prediction.outcome is first


def test_the_numeric_widget_reads_text_and_explains_bad_input():
    w = PredictThenCheck(**PEAKS)
    assert isinstance(w.control, widgets.Text) and "electrons" in w.control.placeholder
    w.control.value = "about five"
    assert w.submit() is None and "guess must be a number" in w.feedback.value
    assert not w.control.disabled
    w.control.value = "<b>5.4</b>"                    # typed markup is escaped, never rendered
    w.submit()
    assert "&lt;b&gt;" in w.feedback.value
    w.control.value = "5.4"
    outcome = w.submit()
    assert outcome.correct and "✓ Right: you predicted 5.4 electrons" in w.feedback.value


def test_the_widget_wraps_an_existing_prediction_or_its_arguments_not_both():
    p = Prediction(**PEAKS)
    assert PredictThenCheck(prediction=p).prediction is p
    with pytest.raises(ValueError, match="give either prediction= or"):
        PredictThenCheck("Another question?", prediction=p)
    with pytest.raises(TypeError, match="prediction must be a Prediction"):
        PredictThenCheck(prediction="5.5")


def test_without_a_kernel_the_question_shows_as_text_with_the_explanation_folded():
    w = PredictThenCheck(**THINNING)
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    text = bundle["text/plain"]
    assert text.startswith("Predict: Each photon") and "  b) binomial" in text
    assert THINNING["explanation"] not in text and "Run the notebook's cells" in text
    page = bundle["text/html"]
    assert "<details>" in page and page.index("<details>") < page.index(THINNING["explanation"])
    numeric = PredictThenCheck(**PEAKS)._repr_mimebundle_()["text/plain"]
    assert "(a number in electrons)" in numeric


def test_plain_text_keeps_a_comparison_and_drops_only_tags():
    from qkit.widgets.predict import _plain

    assert _plain("DQFL < QFL: the interval lies below zero") == "DQFL < QFL: the interval lies below zero"
    assert _plain("<b>a</b> &lt; b, 2<3 and 4 > 1<br/>") == "a < b, 2<3 and 4 > 1"
    assert _plain("<i>x</i><!-- note -->y") == "xy"

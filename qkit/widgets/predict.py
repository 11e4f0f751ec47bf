"""Predict, then check: the learner commits to an answer before the figure that settles it.

A :class:`Prediction` is plain logic (no widgets): a question, either a few choices or a
number with a tolerance, and the explanation to reveal once the learner has answered.
:class:`PredictThenCheck` wires it to ipywidgets: the choices (or a text box for a number), a
button, and the verdict with the explanation underneath. The button only hands the learner's
entry to :meth:`Prediction.submit`, so everything it decides is testable without a browser.
A notebook opened without a kernel shows the question as text, the explanation folded away.

Place the widget just before the figure or slider that answers it::

    from qkit.widgets.predict import PredictThenCheck

    PredictThenCheck(
        "Each photon becomes an electron with probability η. What is the distribution of the "
        "electron count when the photon count is Poisson with mean μ?",
        "Thinning a Poisson count keeps it Poisson, with mean ημ: the electrons are as "
        "random as the photons (Sec. II of the QRNG paper).",
        choices=["Poisson, mean ημ", "binomial", "Poisson, mean μ"], answer="Poisson, mean ημ",
    )

    PredictThenCheck("How many electrons apart are the pile-up peaks for K = 0.8192?",
                     "They repeat every 1/(1 - K) = 5.5 electrons (Eqs. 2-3).",
                     answer=5.53, rtol=0.1, unit="electrons")
"""

from __future__ import annotations

import html
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any, Sequence

import ipywidgets as widgets

from qkit._validate import require_finite

__all__ = ["Prediction", "PredictionOutcome", "PredictThenCheck"]


@dataclass(frozen=True)
class PredictionOutcome:
    """What a learner predicted, whether it was right, and the text to show them."""

    guess: Any
    correct: bool
    verdict: str
    explanation: str


class Prediction:
    """A question answered before the figure that settles it (multiple choice or a number).

    Parameters
    ----------
    question : str
        The question (HTML and $LaTeX$ allowed).
    explanation : str
        Why the answer is what it is, revealed after the learner answers.
    choices : sequence of str, optional
        Two or more distinct choices; without them the answer is a number.
    answer : int, str or float
        The right choice (its index or its text), or the right number.
    rtol, atol : float
        For a number: a guess within ``atol + rtol * |answer|`` of the answer counts as right
        (default 10 %).
    unit : str
        The unit of a numeric answer, shown next to it (e.g. ``"electrons"``).

    Examples
    --------
    >>> p = Prediction("Is 2 + 2 = 4?", "Yes.", choices=["yes", "no"], answer="yes")
    >>> p.submit("yes").correct
    True
    """

    def __init__(self, question: str, explanation: str, *, choices: Sequence[str] | None = None,
                 answer: int | str | float, rtol: float = 0.1, atol: float = 0.0, unit: str = "") -> None:
        self.question = _text("question", question)
        self.explanation = _text("explanation", explanation)
        if not isinstance(unit, str):
            raise TypeError(f"unit must be a str, got {type(unit).__name__}")
        self.unit = unit
        self.rtol = _tolerance("rtol", rtol)
        self.atol = _tolerance("atol", atol)
        self.choices: tuple[str, ...] = () if choices is None else _choices(choices)
        self.answer = self._choice_index(answer, "answer") if self.choices else _number(answer)
        self.guesses: list[Any] = []
        self.outcome: PredictionOutcome | None = None

    @property
    def is_numeric(self) -> bool:
        """True when the answer is a number rather than a choice."""
        return not self.choices

    @property
    def revealed(self) -> bool:
        """True once the learner has committed to a prediction."""
        return self.outcome is not None

    def submit(self, guess: Any) -> PredictionOutcome:
        """Record a prediction and return the verdict with the explanation.

        Parameters
        ----------
        guess : int, str or float
            A choice (its index or its text), or a number (a float or text such as ``"5.5"``).

        Returns
        -------
        PredictionOutcome
            The first accepted prediction is kept in :attr:`outcome`; every accepted guess is
            appended to :attr:`guesses`.

        Raises
        ------
        ValueError
            If ``guess`` is not one of the choices or not a readable finite number; nothing is
            recorded then.
        """
        if self.choices:
            index = self._choice_index(guess, "guess")
            correct, value = index == self.answer, self.choices[index]
            verdict = ("✓ Right: " if correct else f"✗ Not quite: you chose “{value}”; ") + \
                f"the answer is “{self.choices[self.answer]}”."
        else:
            value = _parse_number(guess)
            correct = abs(value - self.answer) <= self.atol + self.rtol * abs(self.answer)
            unit = f" {self.unit}" if self.unit else ""
            verdict = (f"{'✓ Right' if correct else '✗ Not quite'}: you predicted {value:.4g}{unit}; "
                       f"the answer is {self.answer:.4g}{unit}"
                       + (f" (anything within {self._tolerance_text()} counts as right)." if not correct else "."))
        outcome = PredictionOutcome(value, bool(correct), verdict, self.explanation)
        self.guesses.append(value)
        if self.outcome is None:
            self.outcome = outcome
        return outcome

    def static_text(self) -> str:
        """The question as plain text, for a notebook opened without a running kernel."""
        lines = [f"Predict: {_plain(self.question)}"]
        lines += [f"  {chr(97 + i)}) {_plain(c)}" for i, c in enumerate(self.choices)]
        if self.is_numeric:
            lines.append(f"  (a number{' in ' + self.unit if self.unit else ''})")
        lines.append("Run the notebook's cells to record your prediction and see the explanation.")
        return "\n".join(lines)

    def static_html(self) -> str:
        """The question as HTML, with the explanation folded away until the reader opens it."""
        items = "".join(f"<li>{c}</li>" for c in self.choices)
        listing = f"<ol type='a'>{items}</ol>" if items else ""
        return (f"<div><p><b>Predict:</b> {self.question}</p>{listing}"
                "<details><summary>Decide first, then open the explanation</summary>"
                f"<p>{self._answer_text()}</p><p>{self.explanation}</p></details></div>")

    def _answer_text(self) -> str:
        if self.choices:
            return f"The answer is “{self.choices[self.answer]}”."
        unit = f" {self.unit}" if self.unit else ""
        return f"The answer is {self.answer:.4g}{unit}."

    def _tolerance_text(self) -> str:
        parts = ([f"{self.rtol:.0%}"] if self.rtol else []) + ([f"{self.atol:g}"] if self.atol else [])
        return " + ".join(parts) if parts else "an exact match"

    def _choice_index(self, value: Any, name: str) -> int:
        if isinstance(value, str):
            if value in self.choices:
                return self.choices.index(value)
        elif (isinstance(value, numbers.Integral) and not isinstance(value, bool)
              and 0 <= value < len(self.choices)):
            return int(value)
        raise ValueError(f"{name} must be one of the choices {list(self.choices)} or an index "
                         f"0..{len(self.choices) - 1}, got {value!r:.60}")


class PredictThenCheck(widgets.VBox):
    """The widget for a :class:`Prediction`: choices or a number box, a button, the verdict.

    Takes the arguments of :class:`Prediction` (or ``prediction=`` an existing one). The
    button calls :meth:`submit`, which reads the control, calls :meth:`Prediction.submit`,
    shows the verdict and the explanation, and locks the control: a prediction is made once.
    """

    def __init__(self, question: str | None = None, explanation: str | None = None, *,
                 prediction: Prediction | None = None, **kwargs: Any) -> None:
        if prediction is None:
            prediction = Prediction(question, explanation, **kwargs)  # type: ignore[arg-type]
        elif not isinstance(prediction, Prediction):
            raise TypeError(f"prediction must be a Prediction, got {type(prediction).__name__}")
        elif question is not None or explanation is not None or kwargs:
            raise ValueError("give either prediction= or the arguments of Prediction, not both")
        self.prediction = prediction
        self.question = widgets.HTMLMath(f"<b>Predict:</b> {prediction.question}")
        if prediction.is_numeric:
            unit = f" ({prediction.unit})" if prediction.unit else ""
            self.control: widgets.ValueWidget = widgets.Text(placeholder=f"your prediction{unit}")
        else:
            self.control = widgets.RadioButtons(options=list(prediction.choices), value=None)
        self.button = widgets.Button(description="Check my prediction")
        self.feedback = widgets.HTMLMath("")
        self.button.on_click(lambda _button: self.submit())
        super().__init__([self.question, self.control, self.button, self.feedback])

    def submit(self) -> PredictionOutcome | None:
        """Submit the control's value; returns the outcome, or None if it was not accepted
        (nothing chosen, unreadable, or the prediction was already made: it is made once)."""
        if self.button.disabled:
            return None
        value = self.control.value
        if value is None or (isinstance(value, str) and not value.strip()):
            self.feedback.value = "Choose an answer first." if self.prediction.choices else "Type a number first."
            return None
        try:
            outcome = self.prediction.submit(value)
        except ValueError as exc:
            self.feedback.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"
            return None
        colour = "#070" if outcome.correct else "#b00"
        self.feedback.value = (f"<p style='color:{colour}'>{html.escape(outcome.verdict)}</p>"
                               f"<p>{outcome.explanation}</p>")
        self.control.disabled = True
        self.button.disabled = True
        return outcome

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        """The live widget, plus the question as text and HTML where no kernel runs."""
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.prediction.static_text()
        bundle["text/html"] = self.prediction.static_html()
        return bundle


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty, got {value!r}")
    return value


def _choices(choices: Any) -> tuple[str, ...]:
    if isinstance(choices, str) or not isinstance(choices, Sequence):
        raise TypeError(f"choices must be a list of str, got {type(choices).__name__}")
    out = tuple(choices)
    if len(out) < 2 or not all(isinstance(c, str) and c.strip() for c in out) or len(set(out)) != len(out):
        raise ValueError(f"choices must be two or more distinct non-empty str, got {list(out)!r:.80}")
    return out


def _tolerance(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number >= 0, got {type(value).__name__}")
    value = float(require_finite(name, value))
    if value < 0:
        raise ValueError(f"{name} must satisfy {name} >= 0, got {value:g}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"answer must be a number when there are no choices, got {type(value).__name__}")
    return float(require_finite("answer", value))


def _parse_number(guess: Any) -> float:
    if isinstance(guess, bool):
        raise ValueError(f"guess must be a number, got {guess!r}")
    try:
        value = float(guess.strip()) if isinstance(guess, str) else float(guess)
    except (TypeError, ValueError):
        raise ValueError(f"guess must be a number written like 5.5 or 1e-3 (a dot for decimals), "
                         f"got {guess!r:.60}") from None
    if not math.isfinite(value):
        raise ValueError(f"guess must be a finite number, got {guess!r:.60}")
    return value


_TAG = re.compile(r"</?[A-Za-z!][^<>]*>")


def _plain(text: str) -> str:
    """Text without HTML tags (for the plain-text fallback).

    Only real tags go: ``<`` followed by a letter, ``/`` or ``!`` up to the next ``>``. A ``<``
    used as a comparison ("DQFL < QFL") stays, with the rest of the text.
    """
    return html.unescape(_TAG.sub("", text))

"""Registry cases for ``qkit.exercises`` and ``qkit.widgets.predict`` (see ``__init__.py`` beside this file).

The checks must refuse the exercise *author's* bad arguments (label, reference, cases,
tolerances, mistakes, diagnostic, time limit). The *learner's* function and what it returns are
never refused: a check turns them into a message, so ``learner`` is allowed every kind.
"""

import math

import numpy as np

from api_registry import Case
from qkit.exercises import Mistake
from qkit.widgets.predict import Prediction


def _swapped_sqrt(x):
    return x / 2


_MISTAKES = [Mistake("halved, not rooted", _swapped_sqrt)]
_THINNING = dict(choices=["Poisson, mean ημ", "binomial"], answer="Poisson, mean ημ")

# A label, a question or a hint is free text: any string is valid ("unknown" is not a bad kind).
_TEXT = ("unknown",)
# The learner's function is judged, never refused: the check returns a message for anything.
_LEARNER = "*"

_CHECK = dict(
    args=("1.1", np.sqrt, np.sqrt, [(4.0,), (9.0,)]),
    kwargs=dict(rtol=1e-9, atol=1e-12, mistakes=_MISTAKES, diagnostic=1, time_limit=5.0),
    bad={"label": ["", " "], "cases": [[], [4.0], [(-1.0, 2.0, 3.0)]], "rtol": [-1e-9], "atol": [-1.0],
         "mistakes": [["a hint without a function"], [("hint", 3.0)]], "diagnostic": [2, -1],
         "time_limit": [0.0, -1.0], "expected": [[2.0, 3.0]]},
    # time_limit=inf is documented: no time limit.
    allow={"label": _TEXT, "learner": _LEARNER, "time_limit": ("inf",)},
)

CASES = [
    Case("qkit.exercises.run_check", **_CHECK),
    Case("qkit.exercises.run_check", id="qkit.exercises.run_check[expected]",
         args=("1.1", np.sqrt), kwargs=dict(cases=[(4.0,)], expected=[2.0]),
         bad={"expected": [[2.0, 3.0], 2.0, "2", [(2.0, math.nan)]]},
         # an exercise may ask for a complex number, or for a word (compared exactly)
         allow={"label": _TEXT, "learner": _LEARNER, "expected": ("complex", "str")}),
    # check_function prints the verdict (QKIT_STRICT_CHECKS=1 in the suite: a right answer here).
    Case("qkit.exercises.check_function", args=("1.1", np.sqrt, np.sqrt, [(4.0,), (9.0,)]),
         kwargs=dict(rtol=1e-9), bad={"cases": [[], [4.0]], "reference": ["np.sqrt", 2.0]},
         allow={"label": _TEXT, "learner": _LEARNER}),
    Case("qkit.exercises.Mistake", args=("halved, not rooted", _swapped_sqrt),
         bad={"hint": ["", "two\nlines", "x" * 201]}, allow={"hint": _TEXT}),
    Case("qkit.exercises.strict_mode"),
    Case("qkit.exercises.default_time_limit"),
    Case("qkit.widgets.predict.Prediction", id="qkit.widgets.predict.Prediction[choice]",
         args=("Thinning a Poisson count gives?", "It stays Poisson, mean ημ."), kwargs=_THINNING,
         bad={"question": ["", "   "], "choices": [["one"], ["a", "a"], [1, 2], "ab"], "answer": [2, -1, "Gaussian"]},
         allow={"question": _TEXT, "explanation": _TEXT}),
    Case("qkit.widgets.predict.Prediction", id="qkit.widgets.predict.Prediction[number]",
         args=("Peak spacing for K = 0.8192?", "1/(1 - K) = 5.53 electrons."),
         kwargs=dict(answer=5.53, rtol=0.1, atol=0.0, unit="electrons"),
         bad={"rtol": [-0.1], "atol": [-1.0], "answer": ["5.53"], "unit": [3]},
         allow={"question": _TEXT, "explanation": _TEXT, "unit": _TEXT}),
    Case("qkit.widgets.predict.Prediction.submit", id="qkit.widgets.predict.Prediction.submit[choice]",
         instance=lambda: Prediction("Thinning a Poisson count gives?", "Poisson.", **_THINNING),
         args=("binomial",), bad={"guess": ["Gaussian", 2, -1, 0.0]}),
    # A typed number arrives as text from the widget: "5.0" is a valid guess.
    Case("qkit.widgets.predict.Prediction.submit", id="qkit.widgets.predict.Prediction.submit[number]",
         instance=lambda: Prediction("Peak spacing?", "5.53 electrons.", answer=5.53),
         args=(5.0,), bad={"guess": ["five", "0,5", "", math.nan, [5.0]]}, allow={"guess": ("str",)}),
    Case("qkit.widgets.predict.PredictThenCheck", args=("Thinning a Poisson count gives?", "Poisson."),
         kwargs=_THINNING, bad={"question": [""], "prediction": ["5.5"]},
         allow={"question": _TEXT, "explanation": _TEXT}),
]

EXEMPT = {
    "qkit.exercises.CheckResult": "a result record that only run_check builds",
    "qkit.widgets.predict.PredictionOutcome": "a result record that only Prediction.submit builds",
}

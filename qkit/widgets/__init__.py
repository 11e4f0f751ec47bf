"""Interactive figures for the notebooks.

Each topic module (``qkit.widgets.basics``, ``qkit.widgets.qrng_model``, ...) has one builder
per interactive figure. Every builder returns an :class:`Explorer` around a pure function from a
core module, so what the learner sees can be tested without a browser.
"""

from qkit.widgets._explorer import Explorer
from qkit.widgets.predict import PredictThenCheck  # noqa: F401  (predict-then-check, brief E)

__all__ = ["Explorer"]

"""The public-API registry: one valid call per public callable, and the bad values it must refuse.

Every name in an ``__all__`` of a public qkit module (a module path with no part starting with
``_``) that is a function or a class defined in qkit needs either a :class:`Case` in one of the
area files beside this one (``CASES = [...]``) or an entry in that file's ``EXEMPT = {name: reason}``.
``tests/test_api_registry.py`` finds every such callable, so a new public function without a case
fails CI, and runs each case:

1. the valid call must succeed;
2. for every argument passed in the valid call, *automatic bad values* of each kind that fits the
   valid value (see :data:`KINDS`) must be refused;
3. every value in ``bad`` must be refused.

"Refused" means: it raises ``ValueError`` or ``TypeError`` (or a subclass) whose message names the
argument, is at most :data:`MAX_MESSAGE` characters long, and comes within the case's ``timeout``
(seconds), before any large allocation (the test runs under an address-space limit).

Writing a case
--------------
::

    from api_registry import Case

    CASES = [
        Case("qkit.qrng.photons.poisson_pmf", args=(np.arange(5), 2.0),
             bad={"mean": [-1.0]},                 # domain-specific values that must be refused
             allow={"counts": ("fraction",)}),     # auto kinds this argument may accept (say why)
        Case("qkit.qnn.models.DynamicQNN.init_params",  # a method: give an instance
             instance=lambda: DynamicQNN(4, 2, 2), args=(np.random.default_rng(0),)),
        Case("qkit.fl.rounds.run_federated", make=lambda: ((task,), {"rounds": 1})),  # built fresh per call
    ]
    EXEMPT = {"qkit.qrng.estimators.NonIIDResult": "a result record that only qkit builds"}

``target`` is any import path that reaches the object (a re-export is fine); the coverage check
compares objects, not names. Pass the arguments you want checked explicitly (keyword arguments
left at their defaults are not perturbed). Automatic kinds are chosen from the parameter's
annotation and the valid value:

======================  ==========================================================
valid value             automatic bad kinds
======================  ==========================================================
bool                    ``str``, ``none``
int (annotation int)    ``bool``, ``fraction`` (v + 0.5), ``str``, ``nan``, ``none``
float (or int where     ``bool``, ``str``, ``nan``, ``inf``, ``complex``, ``none``
the annotation says
float)
str                     ``unknown`` (a string no choice has), ``int``, ``none``
numeric array/list      ``nan``, ``str``, ``ragged``, ``complex``, ``none``; int arrays add ``fraction``
bool array              ``str``, ``none``
numpy Generator         ``str``, ``float``
dict                    ``str``, ``none``
anything else           ``str``, ``none``
======================  ==========================================================

``none`` is never tried where the parameter's default is None or its annotation admits None.
``allow={"name": "*"}`` turns the automatic kinds off for one argument (say why in a comment).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Case", "MAX_MESSAGE", "KINDS"]

MAX_MESSAGE = 400
"""The longest error message a refusal may have (a learner reads it whole)."""

KINDS = ("bool", "fraction", "str", "nan", "inf", "complex", "none", "unknown", "int", "ragged", "float")


@dataclass
class Case:
    """One valid call of a public callable, and what it must refuse.

    Parameters
    ----------
    target : str
        An import path of the callable, e.g. ``"qkit.qrng.photons.poisson_pmf"`` or, for a method,
        ``"qkit.qnn.models.DynamicQNN.init_params"`` (then give ``instance``).
    args, kwargs
        A valid call. Keep it small and fast (well under a second).
    make : callable, optional
        ``make() -> (args, kwargs)``, called afresh for every call instead of ``args``/``kwargs``
        (for inputs that are expensive to build once, or that the call mutates).
    instance : callable, optional
        ``instance() -> object`` whose method ``target`` names.
    bad : dict
        ``{argument: [value, ...]}``: extra values that must be refused.
    allow : dict
        ``{argument: ("kind", ...)}`` automatic kinds that argument accepts, or ``"*"`` for all.
    timeout : float
        Seconds one call may take.
    id : str, optional
        A name for the test id when one target has several cases.
    """

    target: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    make: Callable[[], tuple[tuple, dict]] | None = None
    instance: Callable[[], Any] | None = None
    bad: dict[str, list] = field(default_factory=dict)
    allow: dict[str, Any] = field(default_factory=dict)
    timeout: float = 10.0
    id: str | None = None

    def __post_init__(self) -> None:
        unknown = {k: v for k, v in self.allow.items() if v != "*" and not set(v) <= set(KINDS)}
        if unknown:
            raise ValueError(f"Case {self.target}: allow names unknown kinds {unknown}; kinds are {KINDS}")

    @property
    def name(self) -> str:
        return self.id or self.target

    def call_args(self) -> tuple[tuple, dict]:
        """Fresh ``(args, kwargs)`` for one call."""
        if self.make is not None:
            args, kwargs = self.make()
            return tuple(args), dict(kwargs)
        return tuple(self.args), dict(self.kwargs)


def replace(case: Case, **changes: Any) -> Case:
    """A copy of ``case`` with some fields changed (e.g. several cases for one target)."""
    return dataclasses.replace(case, **changes)

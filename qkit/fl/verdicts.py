"""Paired-seed verdicts: is scheme B better than scheme A, and by how much, over many seeds?

A federated comparison is *paired* when both arms of one seed see the same world and differ only
in the thing compared. With :func:`seed_streams` one integer seed fixes, through separate
streams (one per purpose, so that changing how many numbers one purpose draws never shifts
another):

* ``"partition"`` -- which plates each vehicle holds (the fleet's data);
* ``"init"`` -- the initial global model;
* ``"distances"`` -- where the vehicles are in each round;
* ``"run"`` -- the generator given to :func:`qkit.fl.rounds.run_federated`, which splits it into
  a channel stream (the Rayleigh fades: one ``Exp(1)`` gain per vehicle and round whatever the
  scheme, so QFL and DQFL decode the *same* fade against different thresholds) and a training
  stream (the minibatch order).

Each arm must get its own fresh generators (call :func:`seed_streams` once per run):
``Generator.spawn`` counts the children it has made, so a generator passed to a second run hands
it other streams, and the fades would no longer be shared.

Then the per-seed difference ``d_s = b_s - a_s`` removes everything the seed decides, and the
verdict is the mean paired difference with a Student-t interval (:func:`paired_difference`).

The long runs behind chapters 10-13 (``benchmarks/fl_*.py``) share three more pieces from here:
the sensitivity arms every headline verdict is re-measured with (:data:`SENSITIVITY_TRAININGS`),
the results file's format (:func:`write_results`) and the walk over the intervals stored in it
(:func:`iter_intervals`), which their tests use to recompute every interval from its per-seed values.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qkit._validate import require_array, require_instance, require_integer, require_real
from qkit.fl.clients import COURSE_TRAINING, LocalTraining

__all__ = ["SEED_PURPOSES", "seed_streams", "PairedDifference", "paired_difference", "SENSITIVITY_TRAININGS",
           "write_results", "iter_intervals"]

SENSITIVITY_TRAININGS = {
    "course": COURSE_TRAINING,
    "adam_fresh": LocalTraining(epochs=1, batch_size=20, learning_rate=0.05),
    "momentum": LocalTraining(epochs=1, batch_size=10, learning_rate=0.05, optimizer="sgd", momentum=0.9,
                              persistent_state=True),
    "3_epochs": dataclasses.replace(COURSE_TRAINING, epochs=3),
}
"""The course's local training and the three arms a headline verdict is re-measured with: Adam
restarted every round (the first edition's), SGD with momentum 0.9 kept per vehicle, and the
course's SGD with 3 local epochs (the optimiser, its state, and the number of local epochs)."""

SEED_PURPOSES = ("partition", "init", "distances", "run")
"""The purposes one seed's streams serve, in the order they are spawned (:func:`seed_streams`)."""


def seed_streams(seed: int) -> dict[str, np.random.Generator]:
    """Independent generators for every purpose of one seed (see the module docstring).

    ``SeedSequence(seed).spawn(4)``, one child per entry of :data:`SEED_PURPOSES`, so the same
    seed gives the same streams in every arm of a comparison.

    Parameters
    ----------
    seed : int
        >= 0.

    Returns
    -------
    dict of str to numpy.random.Generator
        Keys ``"partition"``, ``"init"``, ``"distances"``, ``"run"``.
    """
    s = require_integer("seed", seed, 0)
    children = np.random.SeedSequence(s).spawn(len(SEED_PURPOSES))
    return {name: np.random.default_rng(child) for name, child in zip(SEED_PURPOSES, children)}


@dataclass(frozen=True)
class PairedDifference:
    """Mean paired difference ``b - a`` over seeds and its Student-t confidence interval.

    Attributes
    ----------
    mean : float
        ``mean_s (b_s - a_s)``.
    low, high : float
        The interval ``mean -/+ t_{(1+c)/2, n-1} sd / sqrt(n)``.
    half_width : float
        ``t_{(1+c)/2, n-1} sd / sqrt(n)``.
    sd : float
        Sample standard deviation of the differences (``ddof=1``).
    n : int
        Number of seeds (pairs).
    confidence : float
        ``c``, e.g. 0.95.
    differences : tuple of float
        The per-seed differences ``b_s - a_s``.
    """

    mean: float
    low: float
    high: float
    half_width: float
    sd: float
    n: int
    confidence: float
    differences: tuple[float, ...]

    def verdict(self) -> str:
        """``"b > a"``, ``"b < a"`` or ``"no difference resolved"`` (the interval contains 0)."""
        if self.low > 0:
            return "b > a"
        if self.high < 0:
            return "b < a"
        return "no difference resolved"

    def as_dict(self) -> dict:
        """Plain-Python fields (for a JSON results file)."""
        return {"mean": self.mean, "low": self.low, "high": self.high, "half_width": self.half_width,
                "sd": self.sd, "n": self.n, "confidence": self.confidence,
                "differences": list(self.differences), "verdict": self.verdict()}


def paired_difference(a, b, confidence: float = 0.95) -> PairedDifference:
    """Mean of the paired differences ``b_s - a_s`` and its Student-t interval.

    ``d_s = b_s - a_s`` for seeds ``s = 1..n``; ``mean = d.mean()``, ``sd = d.std(ddof=1)`` and the
    interval is ``mean -/+ t sd / sqrt(n)`` with ``t`` the ``(1 + confidence) / 2`` quantile of
    Student's t with ``n - 1`` degrees of freedom (:func:`scipy.stats.t.ppf`). Valid when the
    differences are independent across seeds and roughly normal.

    Pairing: ``a[s]`` and ``b[s]`` must come from the same seed, i.e. the same partition of the
    data, the same initial model, the same vehicle positions and fades and the same minibatch
    order (:func:`seed_streams`); only the compared setting differs.

    Parameters
    ----------
    a, b : array (n,)
        Per-seed results of the two arms (finite), ``n >= 2``.
    confidence : float
        In (0, 1).

    Returns
    -------
    PairedDifference
    """
    from scipy import stats

    x = require_array("a", a, ndim=1)
    z = require_array("b", b, ndim=1)
    if x.shape != z.shape:
        raise ValueError(f"a and b must hold one result per seed each (same length), got {x.size} and {z.size}")
    if x.size < 2:
        raise ValueError(f"a and b need at least 2 seeds for an interval, got {x.size}")
    c = require_real("confidence", confidence, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    d = z - x
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    half = float(stats.t.ppf(0.5 + c / 2, d.size - 1) * sd / np.sqrt(d.size))
    return PairedDifference(mean=mean, low=mean - half, high=mean + half, half_width=half, sd=sd,
                            n=int(d.size), confidence=c, differences=tuple(float(v) for v in d))


def write_results(results: dict, path: str | Path) -> Path:
    """Write a results dictionary as JSON with sorted keys (the same results give the same bytes).

    Parameters
    ----------
    results : dict
        JSON-serialisable (numbers, strings, lists, dicts).
    path : str or pathlib.Path
        The file; its folder is created.

    Returns
    -------
    pathlib.Path
    """
    require_instance("results", results, dict, "a dict")
    path = Path(require_instance("path", path, (str, Path), "a str or pathlib.Path"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return path


def iter_intervals(block: dict) -> list[tuple[str, dict]]:
    """Every stored paired difference in a nested results block, with its dotted name.

    A paired difference is a dict with a ``"half_width"`` key (:meth:`PairedDifference.as_dict`);
    the walk descends into every other dict value, in the block's order.

    Parameters
    ----------
    block : dict

    Returns
    -------
    list of (str, dict)
        ``("outer.inner.name", {"mean": ..., "low": ..., ...})`` for each one found.
    """
    require_instance("block", block, dict, "a dict")
    return list(_walk(block, ""))


def _walk(block: dict, prefix: str) -> Iterator[tuple[str, dict]]:
    for key, value in block.items():
        if isinstance(value, dict) and "half_width" in value:
            yield prefix + str(key), value
        elif isinstance(value, dict):
            yield from _walk(value, f"{prefix}{key}.")

"""Right and typical wrong answers behind the checks of ``exercises/00_warmup.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not show the answer it
checks. Each wrong answer is one misconception a check names (with
:class:`qkit.exercises.Mistake`) when a learner's function returns exactly what it returns.
:data:`MISTAKES` pairs each wrong answer with its one-line hint, by exercise label, so that the
hints stay out of the check cells too (a hint read before answering gives the answer away).
:func:`repeatable` and :func:`measured` wrap a learner's function for the checks of 0.3 and 0.4:
they catch what no fixed wrong answer can stand for (an unseeded draw, a formula in place of a
measurement).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np

from qkit.exercises import Mistake
from qkit.qrng.photons import poisson_pmf

__all__ = [
    "poisson_probability", "poisson_without_exp_factor", "poisson_with_lgamma_n",
    "mean_and_variance", "mean_and_second_moment", "unweighted_mean_and_variance",
    "sample_mean", "legacy_global_sample_mean", "parameter_instead_of_sample_mean",
    "spread_of_sample_means", "spread_of_single_counts", "variance_of_sample_means", "spread_reseeded_every_repeat",
    "NotReproducible", "NotMeasured", "repeatable", "measured", "MISTAKES",
]


class NotReproducible(Exception):
    """Two calls of a learner's function with the same seed returned different numbers."""


class NotMeasured(Exception):
    """A learner's 'measurement' returned the same number for two seeds: a formula, not a measurement."""


def _named_like(wrapper: Callable, fn: Callable) -> Callable:
    """``wrapper`` carrying ``fn``'s name and module, so that a check names (and vets) the learner's function."""
    wrapper.__name__ = getattr(fn, "__name__", "your_function")
    wrapper.__qualname__ = getattr(fn, "__qualname__", wrapper.__name__)
    wrapper.__module__ = getattr(fn, "__module__", None) or "__main__"
    wrapper.__wrapped__ = fn  # the check vets the learner's own code, not this wrapper's
    return wrapper


def _same_number(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are one and the same real number (False for anything else)."""
    try:
        return bool(np.ndim(a) == 0 and np.ndim(b) == 0 and float(a) == float(b))
    except (TypeError, ValueError):
        return False


def _number_text(x: Any) -> str:
    """A returned value, short."""
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return repr(x)[:40]


def repeatable(fn: Callable) -> Callable:
    """``fn`` called twice with the same arguments; raises :class:`NotReproducible` if the answers differ.

    The check of Exercise 0.3 runs the learner's ``sample_mean`` through it: an unseeded
    generator passes no fixed case, and this names why.
    """
    def twice(mean, size, seed):
        first, second = fn(mean, size, seed), fn(mean, size, seed)
        numbers = np.ndim(first) == 0 and np.ndim(second) == 0
        if numbers and not _same_number(first, second) and not (first != first and second != second):
            raise NotReproducible(f"called again with seed={seed} it returned {_number_text(second)}, not "
                                  f"{_number_text(first)}: two calls with the same seed must agree, so seed the generator")
        return first

    return _named_like(twice, fn)



# -- Exercise 0.1 ------------------------------------------------------------------------------

def poisson_probability(n: int, mean: float) -> float:
    """``p(n, mu) = mu^n e^{-mu} / n!`` (the kit's tested :func:`qkit.qrng.photons.poisson_pmf`)."""
    return float(poisson_pmf(n, mean))


def poisson_without_exp_factor(n: int, mean: float) -> float:
    """Wrong: ``mu^n / n!`` without the normalising factor ``e^{-mu}``."""
    if mean == 0:
        return 1.0 if n == 0 else 0.0
    return math.exp(n * math.log(mean) - math.lgamma(n + 1))


def poisson_with_lgamma_n(n: int, mean: float) -> float:
    """Wrong: ``math.lgamma(n)`` is ``ln (n-1)!``, not ``ln n!`` (raises at n = 0, like the slip)."""
    if mean == 0:
        return 1.0 if n == 0 else 0.0
    return math.exp(n * math.log(mean) - mean - math.lgamma(n))


# -- Exercise 0.2 ------------------------------------------------------------------------------

def mean_and_variance(values: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    """``(sum x p, sum (x - <x>)^2 p)``."""
    values, probs = np.asarray(values, dtype=float), np.asarray(probs, dtype=float)
    mean = float(values @ probs)
    return mean, float(((values - mean) ** 2) @ probs)


def mean_and_second_moment(values: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    """Wrong: ``sum x^2 p``, the mean not subtracted."""
    values, probs = np.asarray(values, dtype=float), np.asarray(probs, dtype=float)
    return float(values @ probs), float(values**2 @ probs)


def unweighted_mean_and_variance(values: np.ndarray, probs: np.ndarray) -> tuple[float, float]:
    """Wrong: ``np.mean`` and ``np.var`` of the outcomes, each counted once whatever its probability."""
    values = np.asarray(values, dtype=float)
    return float(np.mean(values)), float(np.var(values))


# -- Exercise 0.3 ------------------------------------------------------------------------------

def sample_mean(mean: float, size: int, seed: int) -> float:
    """The mean of ``size`` Poisson counts drawn by ``np.random.default_rng(seed)``."""
    return float(np.random.default_rng(seed).poisson(mean, size).mean())


def legacy_global_sample_mean(mean: float, size: int, seed: int) -> float:
    """Wrong: the legacy global generator (``np.random.seed`` then ``np.random.poisson``).

    It draws from a private ``RandomState`` seeded like the legacy one, so calling it leaves
    numpy's global state alone.
    """
    return float(np.random.RandomState(seed).poisson(mean, size).mean())


def parameter_instead_of_sample_mean(mean: float, size: int, seed: int) -> float:
    """Wrong: the law's mean ``mu`` itself, not the mean of the draws."""
    return float(mean)


# -- Exercise 0.4 ------------------------------------------------------------------------------

def spread_of_sample_means(mean: float, size: int, repeats: int, seed: int) -> float:
    """The standard error of a sample mean of Poisson counts: ``sqrt(mu / size)``.

    The learner measures it (the standard deviation of ``repeats`` sample means); the check
    compares the measurement with this value within a tolerance far above its sampling error.
    """
    return math.sqrt(mean / size)


def measured(fn: Callable) -> Callable:
    """``fn`` run with ``seed`` and ``seed + 1``; raises :class:`NotMeasured` if both give the same number.

    The checks of Exercises 0.4 and 1.4 run the learner's function (arguments ``(mean, size,
    repeats, seed)``) through it, so that returning the law it should follow (``sqrt(mu / size)``)
    without sampling does not pass: a measured spread scatters with the seed. An answer near 0
    (every repeat re-seeded) is left to its Mistake.
    """
    def with_two_seeds(mean, size, repeats, seed):
        value = fn(mean, size, repeats, seed)
        if _same_number(value, fn(mean, size, repeats, seed + 1)) and abs(float(value)) > 1e-6:
            raise NotMeasured(f"it returned {_number_text(value)} for seed={seed} and for seed={seed + 1}: a measurement "
                              "scatters with the seed; sample and measure, do not return the formula")
        return value

    return _named_like(with_two_seeds, fn)


@functools.lru_cache(maxsize=8)
def _counts(mean: float, size: int, repeats: int, seed: int) -> np.ndarray:
    """``repeats`` x ``size`` Poisson counts from ``default_rng(seed)`` (shared by the wrong measurements)."""
    counts = np.random.default_rng(seed).poisson(mean, (repeats, size))
    counts.flags.writeable = False
    return counts


def spread_of_single_counts(mean: float, size: int, repeats: int, seed: int) -> float:
    """Wrong: the measured spread of single counts (about ``sqrt(mu)``), not of the means of ``size`` counts."""
    return float(np.std(_counts(mean, size, repeats, seed), ddof=1))


def variance_of_sample_means(mean: float, size: int, repeats: int, seed: int) -> float:
    """Wrong: the measured variance of the sample means (about ``mu / size``), not their standard deviation."""
    return float(np.var(_counts(mean, size, repeats, seed).mean(axis=1), ddof=1))


def spread_reseeded_every_repeat(mean: float, size: int, repeats: int, seed: int) -> float:
    """Wrong: ``default_rng(seed)`` made anew for every repeat, so every sample mean is the same (spread 0)."""
    return 0.0


# -- The hints, by exercise -----------------------------------------------------------------------

MISTAKES: dict[str, list[Mistake]] = {
    "0.1": [
        Mistake("the factor e^(-mu) makes the probabilities add up to 1: ln p = n ln mu - mu - ln n!",
                poisson_without_exp_factor),
        Mistake("math.lgamma(n + 1) is ln n!; math.lgamma(n) is ln (n - 1)!", poisson_with_lgamma_n),
    ],
    "0.2": [
        Mistake("a variance is the mean square distance from the mean: subtract <x> before squaring",
                mean_and_second_moment),
        Mistake("weight each outcome by its probability p_i: np.mean and np.var count every outcome once",
                unweighted_mean_and_variance),
    ],
    "0.3": [
        Mistake("draw from np.random.default_rng(seed), the kit's Generator, not the legacy global np.random functions",
                legacy_global_sample_mean),
        Mistake("return the mean of the counts you drew, not the law's mean mu: a sample mean fluctuates",
                parameter_instead_of_sample_mean),
    ],
    "0.4": [
        Mistake("that is the spread of one count, sqrt(mu): a mean of size counts scatters sqrt(size) times less",
                spread_of_single_counts),
        Mistake("that is a variance (squared units): return the standard deviation of the sample means",
                variance_of_sample_means),
        Mistake("every sample mean came out the same (spread 0): you re-seeded the generator on every repeat; "
                "seed it once, then draw all the repeats from it", spread_reseeded_every_repeat),
    ],
}
"""The typical mistakes of each exercise of chapter 00 (``mistakes=`` of its check), by label."""

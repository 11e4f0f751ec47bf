"""Right and typical wrong answers behind the checks of ``exercises/00_warmup.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not show the answer it
checks. Each wrong answer is one misconception a check names (with
:class:`qkit.exercises.Mistake`) when a learner's function returns exactly what it returns.
"""

from __future__ import annotations

import math

import numpy as np

from qkit.qrng.photons import poisson_pmf

__all__ = [
    "poisson_probability", "poisson_without_exp_factor", "poisson_with_lgamma_n",
    "mean_and_variance", "mean_and_second_moment", "unweighted_mean_and_variance",
    "sample_mean", "legacy_global_sample_mean", "parameter_instead_of_sample_mean",
    "spread_of_sample_means", "spread_of_single_counts", "variance_of_sample_means",
]


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


def spread_of_single_counts(mean: float, size: int, repeats: int, seed: int) -> float:
    """Wrong: the spread of one count, ``sqrt(mu)``, not of a mean of ``size`` counts."""
    return math.sqrt(mean)


def variance_of_sample_means(mean: float, size: int, repeats: int, seed: int) -> float:
    """Wrong: the variance ``mu / size`` of the sample means, not their standard deviation."""
    return mean / size

"""Right and typical wrong answers behind the checks of ``exercises/01_poisson_photons.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not show the answer it
checks. Each wrong answer is one misconception a check names (with
:class:`qkit.exercises.Mistake`) when a learner's function returns exactly what it returns.
:data:`MISTAKES` pairs each wrong answer with its one-line hint, by exercise label, so that the
hints stay out of the check cells too (a hint read before answering gives the answer away).
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np
from scipy import stats

from qkit._checks_00 import _named_like, measured
from qkit.exercises import Mistake
from qkit.qrng.photons import photoelectron_pmf

__all__ = [
    "thinned_pmf", "thinned_pmf_without_binomial_coefficient", "thinned_pmf_cut_at_the_mean",
    "thinned_pmf_fixed_photon_number", "thinned_pmf_cut_at_k_max",
    "moments_check", "predicted_moments", "moments_of_poisson_draw", "moments_of_fixed_share",
    "fano_factor", "fano_factor_ddof0", "std_over_mean", "std_over_mean_ddof0",
    "fano_spread", "fano_spread_mean_instead", "fano_spread_variance_instead", "fano_spread_of_the_mean",
    "fano_spread_reseeded_every_repeat", "measured", "MISTAKES",
]


# -- Exercise 1.1 ------------------------------------------------------------------------------

def thinned_pmf(k_max: int, mean_photons: float, efficiency: float) -> np.ndarray:
    """``P(N_e = k)``, k = 0..k_max: the thinning sum, equal to Poisson(eta mu_ph) (tested in qkit)."""
    return photoelectron_pmf(np.arange(k_max + 1), mean_photons, efficiency)


def _photon_range(k_max: int, mean_photons: float) -> np.ndarray:
    """Photon numbers 0 .. k_max + mu_ph + 20 sqrt(mu_ph) + 20, the range the 1.1 prompt gives."""
    return np.arange(0, k_max + int(mean_photons + 20 * math.sqrt(mean_photons)) + 21)


def thinned_pmf_without_binomial_coefficient(k_max: int, mean_photons: float, efficiency: float) -> np.ndarray:
    """Wrong: each term ``eta^k (1 - eta)^(n - k)`` without ``C(n, k)``, the ways to keep k of n."""
    n = _photon_range(k_max, mean_photons)
    k = np.arange(k_max + 1)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = stats.poisson.pmf(n, mean_photons) * efficiency**k * (1 - efficiency) ** np.maximum(n - k, 0)
    return np.where(n >= k, terms, 0.0).sum(axis=1)


def thinned_pmf_cut_at_the_mean(k_max: int, mean_photons: float, efficiency: float) -> np.ndarray:
    """Wrong: the photon sum stopped at ``n = mu_ph``, leaving out the upper half of the photon law."""
    n = np.arange(0, int(mean_photons) + 1)
    k = np.arange(k_max + 1)[:, None]
    return np.sum(stats.poisson.pmf(n, mean_photons) * stats.binom.pmf(k, n, efficiency), axis=1)


def thinned_pmf_cut_at_k_max(k_max: int, mean_photons: float, efficiency: float) -> np.ndarray:
    """Wrong: the photon sum stopped at ``n = k_max``, as if no more photons than photoelectrons counted."""
    n = np.arange(0, k_max + 1)
    k = np.arange(k_max + 1)[:, None]
    return np.sum(stats.poisson.pmf(n, mean_photons) * stats.binom.pmf(k, n, efficiency), axis=1)


def thinned_pmf_fixed_photon_number(k_max: int, mean_photons: float, efficiency: float) -> np.ndarray:
    """Wrong: a binomial law of ``round(mu_ph)`` photons, as if the photon number did not vary."""
    return stats.binom.pmf(np.arange(k_max + 1), int(round(mean_photons)), efficiency)


# -- Exercise 1.2 ------------------------------------------------------------------------------

def moments_check(thin: Callable) -> Callable:
    """What the 1.2 check compares: the mean and sample variance of ``thin``'s output.

    Returns a function of ``(photon_counts, efficiency, seed)`` that calls the learner's ``thin``
    and reduces its answer to ``(mean, variance with ddof=1)``; it carries ``thin``'s name so
    that the check's messages name the learner's function.
    """
    def moments(photon_counts, efficiency, seed):
        kept = np.asarray(thin(photon_counts, efficiency, seed), dtype=float)
        if kept.shape != np.shape(photon_counts):
            raise ValueError(f"return one count per frame: shape {np.shape(photon_counts)}, got {kept.shape}")
        return kept.mean(), kept.var(ddof=1)

    return _named_like(moments, thin)


def predicted_moments(photon_counts: np.ndarray, efficiency: float, seed: int) -> tuple[float, float]:
    """Thinning any photon numbers n: ``<k> = eta <n>``, ``Var k = eta^2 Var n + eta (1 - eta) <n>``."""
    n = np.asarray(photon_counts, dtype=float)
    return efficiency * n.mean(), efficiency**2 * n.var(ddof=1) + efficiency * (1 - efficiency) * n.mean()


def _moments(kept: np.ndarray) -> tuple[float, float]:
    """Mean and sample variance (ddof=1) of a thinned sample."""
    kept = np.asarray(kept, dtype=float)
    return float(kept.mean()), float(kept.var(ddof=1))


def moments_of_poisson_draw(photon_counts: np.ndarray, efficiency: float, seed: int) -> tuple[float, float]:
    """Wrong: a Poisson draw of mean ``eta n`` per frame (losses are not a Poisson process given n)."""
    return _moments(np.random.default_rng(seed).poisson(efficiency * np.asarray(photon_counts)))


def moments_of_fixed_share(photon_counts: np.ndarray, efficiency: float, seed: int) -> tuple[float, float]:
    """Wrong: a fixed share ``round(eta n)`` of each frame's photons, no randomness in the losses."""
    return _moments(np.round(efficiency * np.asarray(photon_counts)))


# -- Exercise 1.3 ------------------------------------------------------------------------------

def fano_factor(counts: np.ndarray) -> float:
    """Sample variance (ddof=1) over sample mean."""
    counts = np.asarray(counts, dtype=float)
    return float(np.var(counts, ddof=1) / np.mean(counts))


def fano_factor_ddof0(counts: np.ndarray) -> float:
    """Wrong: ``np.var`` with its default ``ddof=0`` (divides by N, biased low)."""
    counts = np.asarray(counts, dtype=float)
    return float(np.var(counts) / np.mean(counts))


def std_over_mean(counts: np.ndarray) -> float:
    """Wrong: standard deviation over mean (the coefficient of variation), not variance over mean."""
    counts = np.asarray(counts, dtype=float)
    return float(np.std(counts, ddof=1) / np.mean(counts))


def std_over_mean_ddof0(counts: np.ndarray) -> float:
    """Wrong twice: standard deviation (ddof=0) over mean."""
    counts = np.asarray(counts, dtype=float)
    return float(np.std(counts) / np.mean(counts))


# -- Exercise 1.4 ------------------------------------------------------------------------------

def fano_spread(mean: float, frames: int, repeats: int, seed: int) -> float:
    """The scatter of a sample Fano factor of ``frames`` Poisson counts: ``sqrt(2 / (frames - 1))``.

    To first order in ``1/frames`` the variance of ``s^2 / m`` for Poisson counts is
    ``2 / (frames - 1)`` whatever the mean (the terms in ``1 / (mu N)`` cancel). The learner
    measures it; the check allows a tolerance far above the sampling error of the measurement.
    """
    return math.sqrt(2.0 / (frames - 1))


@functools.lru_cache(maxsize=8)
def _measured_fano(mean: float, frames: int, repeats: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fano factors and sample means of ``repeats`` samples of ``frames`` Poisson counts from ``default_rng(seed)``."""
    counts = np.random.default_rng(seed).poisson(mean, (repeats, frames)).astype(float)
    means = counts.mean(axis=1)
    return counts.var(axis=1, ddof=1) / means, means


def fano_spread_mean_instead(mean: float, frames: int, repeats: int, seed: int) -> float:
    """Wrong: the measured average of the Fano factors (about 1), not their spread."""
    return float(np.mean(_measured_fano(mean, frames, repeats, seed)[0]))


def fano_spread_variance_instead(mean: float, frames: int, repeats: int, seed: int) -> float:
    """Wrong: the measured variance of the Fano factors (about ``2 / (frames - 1)``), not their standard deviation."""
    return float(np.var(_measured_fano(mean, frames, repeats, seed)[0], ddof=1))


def fano_spread_of_the_mean(mean: float, frames: int, repeats: int, seed: int) -> float:
    """Wrong: the measured spread of the sample *mean* (about ``sqrt(mu / frames)``), not of the Fano factor."""
    return float(np.std(_measured_fano(mean, frames, repeats, seed)[1], ddof=1))


def fano_spread_reseeded_every_repeat(mean: float, frames: int, repeats: int, seed: int) -> float:
    """Wrong: ``default_rng(seed)`` made anew for every repeat, so every Fano factor is the same (spread 0)."""
    return 0.0


# -- The hints, by exercise -----------------------------------------------------------------------

_CUT_SHORT = "the sum stops too early: n runs from k to k_max + mu_ph + 20 sqrt(mu_ph) + 20"

MISTAKES: dict[str, list[Mistake]] = {
    "1.1": [
        Mistake("each term needs the binomial coefficient C(n, k): the number of ways to keep k of n photons",
                thinned_pmf_without_binomial_coefficient),
        Mistake(f"{_CUT_SHORT} (the range given above), well beyond mu_ph", thinned_pmf_cut_at_the_mean),
        Mistake(f"{_CUT_SHORT}, not to k_max: n photons can give k <= k_max photoelectrons for any n >= k",
                thinned_pmf_cut_at_k_max),
        Mistake("Poisson vs binomial: the photon number is not fixed at mu_ph; average the binomial over p(n, mu_ph)",
                thinned_pmf_fixed_photon_number),
    ],
    "1.2": [
        Mistake("each photon is kept or lost on its own: a binomial draw of n trials, not a Poisson draw of mean eta n",
                moments_of_poisson_draw),
        Mistake("losses are random: each photon is kept with probability eta, not a fixed share eta * n",
                moments_of_fixed_share),
    ],
    "1.3": [
        Mistake("ddof: the unbiased sample variance divides by N - 1 (np.var's default ddof=0 divides by N)",
                fano_factor_ddof0),
        Mistake("the Fano factor is variance / mean, not standard deviation / mean", std_over_mean),
        Mistake("the Fano factor is variance / mean, not standard deviation / mean (and use ddof=1)",
                std_over_mean_ddof0),
    ],
    "1.4": [
        Mistake("that is the average Fano factor (about 1): the question is how far single measurements stray from it",
                fano_spread_mean_instead),
        Mistake("that is a variance: return the standard deviation of the Fano factors", fano_spread_variance_instead),
        Mistake("that is the spread of the sample mean, sqrt(mu / N): measure the spread of var / mean instead",
                fano_spread_of_the_mean),
        Mistake("every Fano factor came out the same (spread 0): you re-seeded the generator on every repeat; "
                "seed it once, then draw all the repeats from it", fano_spread_reseeded_every_repeat),
    ],
}
"""The typical mistakes of each exercise of chapter 01 (``mistakes=`` of its check), by label."""

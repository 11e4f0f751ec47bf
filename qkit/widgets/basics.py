"""Widgets of notebook 00 (start here): a first slider driving a figure."""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from scipy import stats

from qkit._validate import require_real
from qkit.plots.basics import draw_poisson, redraw_poisson
from qkit.qrng.photons import poisson_pmf
from qkit.widgets._explorer import Explorer

__all__ = ["PoissonView", "poisson_view", "poisson_explorer"]


@dataclass(frozen=True)
class PoissonView:
    """What the start-here figure shows: a Poisson pmf and its exact moments."""

    mean: float
    counts: np.ndarray
    pmf: np.ndarray
    exact_mean: float
    exact_variance: float
    dropped_mass: float


def poisson_view(mean: float, tolerance: float = 1e-12) -> PoissonView:
    """The Poisson pmf of a given mean on the counts that carry all but ``tolerance`` of it.

    Parameters
    ----------
    mean : float
        Mean photon number, ``0 <= mean <= 1e4``.
    tolerance : float
        Largest probability mass allowed outside the returned counts.

    Returns
    -------
    PoissonView
        Counts ``0..n_max``, their probabilities, and the mean and variance summed exactly over
        them (both equal ``mean`` for a Poisson law, up to the dropped mass).
    """
    tolerance = require_real("tolerance", tolerance, 0.0, 1e-3, low_inclusive=False)
    mean = require_real("mean", mean, 0.0, 1e4, unit="photons")
    n_max = int(stats.poisson.isf(tolerance, mean)) + 1 if mean > 0 else 0
    counts = np.arange(max(n_max, 10) + 1)
    pmf = poisson_pmf(counts, mean)
    first = float(np.sum(counts * pmf))
    second = float(np.sum((counts - first) ** 2 * pmf))
    return PoissonView(mean, counts, pmf, first, second, max(0.0, 1.0 - float(pmf.sum())))


def poisson_explorer(mean: float = 4.0) -> Explorer:
    """A slider for the mean photon number and the Poisson pmf it gives (notebook 00)."""
    mean = require_real("mean", mean, 0.0, 40.0, unit="photons (the slider's range)")
    slider = widgets.FloatSlider(
        value=mean, min=0.0, max=40.0, step=0.5, description="mean",
        style={"description_width": "initial"},
    )
    return Explorer(
        {"mean": slider},
        compute=poisson_view,
        draw=draw_poisson,
        redraw=redraw_poisson,
        figsize=(7, 3.6),
        describe=lambda v: (
            f"exact sums: mean = {v.exact_mean:.4f}, variance = {v.exact_variance:.4f}"
        ),
    )

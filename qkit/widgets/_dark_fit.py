"""The dark-histogram fit of notebook 03 (Fig. 5, Table I), behind :mod:`qkit.widgets.qrng_char`.

:func:`dark_fit_view` samples dark readings of a pixel with the ADC offset shifted, fits Eq. (4)
of the QRNG paper by maximum likelihood (:func:`qkit.qrng.fitting.fit_dark_histogram`) and
judges the fit; :func:`dark_fit_explorer` shows the histogram at once and the fit when it is
done. Both are re-exported by :mod:`qkit.widgets.qrng_char`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_flag, require_integer, require_real
from qkit.plots import qrng_char as plots
from qkit.qrng.fitting import DarkFit, fit_dark_histogram, negative_log_likelihood
from qkit.qrng.pixel import PIXEL_1, Pixel
from qkit.qrng.sampling import adc_histogram, sample_frames
from qkit.qrng.sensor import adc_pmf
from qkit.widgets._explorer import Explorer

__all__ = ["DarkFitView", "dark_fit_view", "dark_fit_preview", "dark_fit_explorer", "PREVIEW_FRAMES"]

#: Most readings the explorer's quick look samples before the full sample and fit (about 20 ms).
PREVIEW_FRAMES = 100_000


def _slider(value, low, high, step, description):
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                               style={"description_width": "initial"})


@dataclass(frozen=True)
class DarkFitView:
    """A sampled dark histogram, the exact pmf that made it and, if meaningful, the fit.

    ``fit``, ``fitted`` and ``pulls`` are None when no honest fit can be shown (most readings
    clipped, no convergence, a singular or nearly singular Hessian) or not yet computed
    (``preview``); ``verdict`` then says why in a plain sentence. With a fit shown, ``verdict``
    is a caution when the fit lies more than 3 standard errors from the simulated truth (how far,
    and why) or when another pile-up comb fits almost as well (the error bars are too small).
    ``planned_frames`` is set on a quick look (:func:`dark_fit_preview`) that histograms fewer
    readings than the full view will: it is the number the full view samples.
    """

    pixel: Pixel
    offset_steps: float
    counts: np.ndarray
    exact: np.ndarray
    fitted: np.ndarray | None
    fit: DarkFit | None
    pulls: np.ndarray | None
    clipped: float | None = None  # fraction of readings at Z = 0; from counts when not given
    verdict: str = ""
    preview: bool = False
    planned_frames: int | None = None  # a quick look: readings the full view samples (more than shown)

    def __post_init__(self) -> None:
        if self.clipped is None:
            total = float(np.sum(self.counts))
            object.__setattr__(self, "clipped", float(self.counts[0]) / total if total > 0 else 0.0)


_MAX_CLIPPED = 0.5  # above this fraction of readings at Z = 0 the explorer does not fit (a policy)
_MAX_OFFSET = 16.0  # the explorer's largest offset shift (ADC steps)
_AMBIGUOUS_NATS = 2.0  # a neighbouring comb this close in -log L makes the error bars too small


@lru_cache(maxsize=16)
def _dark_histogram(offset_steps: float, readout_sigma: float, dark_mean: float, n_frames: int, seed: int,
                    readout_mean: float, gain: float) -> tuple[Pixel, np.ndarray, np.ndarray]:
    """The simulated pixel, its histogram of dark readings and the exact pmf (memoised)."""
    pixel = Pixel(gain=gain, readout_mean=readout_mean, readout_sigma=readout_sigma, dark_mean=dark_mean)
    shifted = pixel.with_offset(offset_steps)
    z = sample_frames(0.0, shifted, n_frames, rng=np.random.default_rng(seed))
    counts = adc_histogram(z, pixel.adc_max)
    exact = adc_pmf(0.0, shifted)
    counts.setflags(write=False)
    exact.setflags(write=False)
    return pixel, counts, exact


def _clipped_verdict(clipped: float, offset_steps: float) -> str:
    """Why the explorer does not fit when more than half the readings sit at ``Z = 0`` (its rule, not a law)."""
    remedy = ("shift the offset up (the paper uses +8 steps) or raise the dark mean" if offset_steps < _MAX_OFFSET
              else "raise the dark mean")
    return (f"{100 * clipped:.0f} % of the readings are clipped at Z = 0, more than half, and the explorer does not "
            "fit here. That is its rule, not an impossibility: the likelihood uses the exact clipped pmf, and "
            "section 3 of notebook 03 fits 57 % at Z = 0, but the readings at 0 say little, so the error bars "
            f"grow and the fit gets fragile. To see the whole dark distribution, {remedy}")


def _check_dark_inputs(offset_steps, readout_sigma, dark_mean, n_frames, seed):
    offset_steps = require_real("offset_steps", offset_steps, -64.0, 64.0, unit="ADC steps")
    readout_sigma = require_real("readout_sigma", readout_sigma, 0.01, 5.0, unit="ADC steps")
    dark_mean = require_real("dark_mean", dark_mean, 0.0, 200.0, unit="electrons")
    n_frames = require_integer("n_frames", n_frames, 1000, 10**7)
    seed = require_integer("seed", seed, 0)
    return offset_steps, readout_sigma, dark_mean, n_frames, seed


def dark_fit_view(offset_steps: float, readout_sigma: float, dark_mean: float, n_frames: int,
                  seed: int = 0, readout_mean: float = PIXEL_1.readout_mean,
                  gain: float = PIXEL_1.gain, *, fit: bool = True) -> DarkFitView:
    """Sample dark frames of a pixel with the ADC offset shifted, and fit Eq. (4) to them.

    Parameters
    ----------
    offset_steps : float
        ADC offset shift in ADC steps (the paper: +8), ``-64 <= offset_steps <= 64``.
    readout_sigma : float
        ``sigma_r`` of the simulated pixel, ``0.01 <= readout_sigma <= 5`` ADC steps.
    dark_mean : float
        ``mu_dark`` of the simulated pixel, ``0 <= dark_mean <= 200`` electrons.
    n_frames : int
        Number of dark readings, 1e3..1e7.
    seed : int
        Seed of the generator, ``>= 0``.
    readout_mean, gain : float
        ``mu_r`` at the default offset (ADC steps) and ``K`` (held fixed in the fit).
    fit : bool, keyword-only
        False: the histogram and the exact pmf only (a quick preview, ``preview=True``).

    Returns
    -------
    DarkFitView
        Histogram, exact pmf, fraction clipped at ``Z = 0``, and the fit, the fitted pmf and the
        pulls ``(fit - truth) / error`` when the fit means something (else None, and ``verdict``
        says why: most readings clipped, "the fit did not converge: ...", "the data cannot
        separate ..." or "cannot pin ... down"). A shown fit more than 3 standard errors from the
        truth carries a ``verdict`` saying how far and why (a local optimum, a rival pile-up comb,
        a likelihood that is not one quadratic bowl, clipping at 0, ...).
    """
    offset_steps, readout_sigma, dark_mean, n_frames, seed = _check_dark_inputs(
        offset_steps, readout_sigma, dark_mean, n_frames, seed)
    readout_mean = require_real("readout_mean", readout_mean, -64.0, 64.0, unit="ADC steps")
    gain = require_real("gain", gain, 0.1, 10.0, unit="ADC steps per electron")
    fit = require_flag("fit", fit)
    pixel, counts, exact = _dark_histogram(offset_steps, readout_sigma, dark_mean, n_frames, seed, readout_mean, gain)
    clipped = float(counts[0] / counts.sum())
    if clipped > _MAX_CLIPPED:
        return DarkFitView(pixel, offset_steps, counts, exact, None, None, None, clipped,
                           _clipped_verdict(clipped, offset_steps))
    if not fit:
        return DarkFitView(pixel, offset_steps, counts, exact, None, None, None, clipped,
                           "fitting by maximum likelihood...", preview=True)
    return _fitted_view(pixel, offset_steps, counts, exact, clipped)


def dark_fit_preview(offset_steps: float, readout_sigma: float, dark_mean: float, n_frames: int,
                     seed: int = 0, readout_mean: float = PIXEL_1.readout_mean, gain: float = PIXEL_1.gain,
                     *, max_frames: int = PREVIEW_FRAMES) -> DarkFitView:
    """The explorer's quick look: :func:`dark_fit_view` without the fit, on at most ``max_frames`` readings.

    Up to ``max_frames`` readings this is ``dark_fit_view(..., fit=False)``. Above, it is the
    histogram of the ``max_frames`` readings that ``dark_fit_view`` draws for ``n_frames =
    max_frames`` (same seed) and the exact pmf, marked ``preview`` with ``planned_frames =
    n_frames``: sampling 10^6 readings takes longer than a slider may, and whether most of them
    are clipped (no fit) is left to the full view.

    Parameters
    ----------
    offset_steps, readout_sigma, dark_mean, n_frames, seed, readout_mean, gain
        As for :func:`dark_fit_view`.
    max_frames : int, keyword-only
        Most readings sampled, ``1000 <= max_frames <= 10**7``.

    Returns
    -------
    DarkFitView
    """
    offset_steps, readout_sigma, dark_mean, n_frames, seed = _check_dark_inputs(
        offset_steps, readout_sigma, dark_mean, n_frames, seed)
    max_frames = require_integer("max_frames", max_frames, 1000, 10**7)
    if n_frames <= max_frames:
        return dark_fit_view(offset_steps, readout_sigma, dark_mean, n_frames, seed, readout_mean, gain, fit=False)
    readout_mean = require_real("readout_mean", readout_mean, -64.0, 64.0, unit="ADC steps")
    gain = require_real("gain", gain, 0.1, 10.0, unit="ADC steps per electron")
    pixel, counts, exact = _dark_histogram(offset_steps, readout_sigma, dark_mean, max_frames, seed, readout_mean, gain)
    return DarkFitView(pixel, offset_steps, counts, exact, None, None, None, None,
                       f"sampling all {n_frames:,} readings, then fitting by maximum likelihood...", preview=True,
                       planned_frames=n_frames)


_NAMES = {"readout_mean": "μ_r", "readout_sigma": "σ_r", "dark_mean": "μ_dark"}
_MAX_CORRELATION = 0.9999  # above this the Hessian is too close to singular for separate error bars
_MAX_RELATIVE_ERROR = 0.5  # a positive parameter known no better than this is not measured
_FAR = 3.0  # pulls beyond this many standard errors are flagged


def _fitted_view(pixel: Pixel, offset_steps: float, counts: np.ndarray, exact: np.ndarray,
                 clipped: float) -> DarkFitView:
    """Fit the histogram and judge the fit against the truth the explorer simulated.

    No numbers are shown (``fit`` None) when the fit failed, did not converge, or its Hessian is
    (nearly) singular; a converged fit far from the truth or with a rival pile-up comb is shown
    with a caution in ``verdict`` that says how far and why.
    """
    try:
        fit = fit_dark_histogram(counts, gain=pixel.gain, offset_steps=offset_steps)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError, ArithmeticError) as error:
        return _no_fit(pixel, offset_steps, counts, exact, clipped, f"the fit did not converge: {error}")
    if not fit.converged:
        return _no_fit(pixel, offset_steps, counts, exact, clipped, f"the fit did not converge: {fit.problem}")
    undetermined = _undetermined(fit, pixel, offset_steps, clipped)
    if undetermined:
        return _no_fit(pixel, offset_steps, counts, exact, clipped, undetermined)
    shifted = pixel.with_offset(offset_steps)
    truth = np.array([shifted.readout_mean, pixel.readout_sigma, pixel.dark_mean])
    pulls = (fit.values - truth) / fit.errors
    best = fit.pixel.with_offset(offset_steps)
    rival = _rival_comb(counts, fit, best)
    if np.max(np.abs(pulls)) > _FAR:
        verdict = _far_from_truth(fit, pulls, truth, negative_log_likelihood(counts, shifted), pixel, clipped, rival)
    else:
        verdict = _RIVAL_TEXT if rival else ""
    return DarkFitView(pixel, offset_steps, counts, exact, adc_pmf(0.0, best), fit, pulls, clipped, verdict)


def _no_fit(pixel, offset_steps, counts, exact, clipped, verdict) -> DarkFitView:
    return DarkFitView(pixel, offset_steps, counts, exact, None, None, None, clipped, verdict)


def _undetermined(fit: DarkFit, pixel: Pixel, offset_steps: float, clipped: float) -> str:
    """A sentence if the Hessian is nearly singular or a parameter is not pinned down, else ''."""
    d = np.sqrt(np.diag(fit.covariance))
    correlation = fit.covariance / np.outer(d, d)
    i, j = np.unravel_index(np.argmax(np.abs(np.triu(correlation, 1))), correlation.shape)
    if abs(correlation[i, j]) > _MAX_CORRELATION:
        a, b = _NAMES[fit.names[i]], _NAMES[fit.names[j]]
        return (f"the data cannot separate {a} from {b} at this offset: their estimates are correlated at "
                f"{correlation[i, j]:+.4f} (the Hessian of -log L is nearly singular), so one trades for the other "
                f"and the error bars mean little. Why: {_why(pixel, offset_steps, clipped)}")
    for name in ("readout_sigma", "dark_mean"):
        value, error = fit.value(name), fit.error(name)
        if error > _MAX_RELATIVE_ERROR * value:
            return (f"the data cannot pin {_NAMES[name]} down: {value:.3g} ± {error:.2g} is consistent with 0. "
                    f"Why: {_why(pixel, offset_steps, clipped)}")
    return ""


def _why(pixel: Pixel, offset_steps: float, clipped: float) -> str:
    """The likely reason a dark histogram does not pin the parameters, in words.

    The reasons use the parameters set on the explorer (the simulated truth), so that the advice
    can be acted on; they are tried from the most specific to the most general.
    """
    sigma, dark = pixel.readout_sigma, pixel.gain**2 * pixel.dark_mean
    if sigma < 0.15:
        return (f"the readout noise you set, σ_r = {sigma:.2g} steps, is far below one ADC step: it hides inside "
                "single ADC bins, so the bins barely see its width (raise σ_r to see it measured)")
    if sigma**2 > dark:
        return (f"the readout noise you set dominates: σ_r² = {sigma**2:.2g} steps² against the dark electrons' "
                f"K²μ_dark = {dark:.2g} steps², so the histogram is mostly readout noise and says little about "
                "μ_dark; lower σ_r, raise the dark mean or take many more frames")
    if clipped > 0.05:
        remedy = "shift the offset up" if offset_steps < _MAX_OFFSET else "raise the dark mean"
        return (f"clipping at Z = 0 hides {100 * clipped:.0f} % of the readings, the low side of the dark peak; "
                + remedy)
    if sigma > 0.6:
        return (f"the readout noise you set, σ_r = {sigma:.2g} steps, is comparable to the comb spacing "
                f"K = {pixel.gain:.2g} steps, so the pile-up comb washes out into one smooth peak; lower σ_r or "
                "take more frames")
    return "too few readings for this many parameters; take more frames"


def _far_from_truth(fit: DarkFit, pulls: np.ndarray, truth: np.ndarray, truth_nll: float, pixel: Pixel,
                    clipped: float, rival: tuple[int, ...]) -> str:
    """Caution for a converged fit more than ``_FAR`` standard errors from the simulated truth.

    The reasons are tried in this order: the optimiser stopped short (the truth fits better), the
    truth sits on a neighbouring pile-up comb in ``rival`` (``mu_dark`` one electron away), the
    likelihood is not one quadratic bowl (the truth fits much better than the curvature
    predicts), else the general reason of :func:`_why`.
    """
    k = int(np.argmax(np.abs(pulls)))
    shift = fit.offset_steps if fit.names[k] == "readout_mean" else 0.0  # mu_r shown at the default offset
    text = (f"the fit converged but {_NAMES[fit.names[k]]} = {fit.values[k] - shift:.3f} ± {fit.errors[k]:.3f} "
            f"is {abs(pulls[k]):.0f} standard errors from the truth the explorer simulated "
            f"({truth[k] - shift:.3g}). Why: ")
    better = fit.negative_log_likelihood - truth_nll
    if better > 0.5:
        return text + (f"the optimiser stopped at a local optimum; the true parameters fit these readings "
                       f"better by {better:.1f} nats (another pile-up comb or readout width)")
    if any(abs(fit.value("dark_mean") - k - truth[2]) < 0.5 for k in rival):
        return text + _RIVAL_TEXT
    distance = fit.values - truth
    bowl = 0.5 * float(distance @ np.linalg.solve(fit.covariance, distance))  # -log L rise if quadratic
    if -better < 0.25 * bowl:
        return text + (f"the likelihood is not one quadratic bowl: the true parameters fit only {-better:.1f} nats "
                       f"worse although a bowl of this curvature would put them {bowl:.0f} nats higher, so another "
                       "optimum lies near the truth and these error bars understate the uncertainty: take more frames")
    return text + _why(pixel, fit.offset_steps, clipped) + (
        ". These readings fit the wrong parameters as well as the true ones")


_RIVAL_TEXT = ("a neighbouring pile-up comb (μ_r moved by one gain step, μ_dark by one electron) fits these "
               "readings almost as well, so the error bars understate the uncertainty: take more frames")


def _rival_comb(counts: np.ndarray, fit: DarkFit, best: Pixel) -> tuple[int, ...]:
    """The ``k = ±1`` whose comb ``(mu_r + k K, mu_dark - k)`` fits within ``_AMBIGUOUS_NATS`` of the best."""
    rivals = []
    for k in (-1, 1):
        if best.dark_mean - k <= 0:
            continue
        other = dataclasses.replace(best, readout_mean=best.readout_mean + k * best.gain, dark_mean=best.dark_mean - k)
        if negative_log_likelihood(counts, other) - fit.negative_log_likelihood < _AMBIGUOUS_NATS:
            rivals.append(k)
    return tuple(rivals)


def _describe_dark_fit(view: DarkFitView) -> str:
    if view.preview and view.planned_frames:
        return (f"quick look at {int(view.counts.sum()):,} of {view.planned_frames:,} dark readings; "
                "sampling all of them and fitting by maximum likelihood...")
    if view.preview:
        return f"{int(view.counts.sum()):,} dark readings; fitting by maximum likelihood..."
    if view.fit is None:
        return view.verdict[0].upper() + view.verdict[1:] + "."
    text = plots.fit_summary(view.fit, view.pixel)
    return text + (f". Caution: {view.verdict}." if view.verdict else "")


def dark_fit_explorer() -> Explorer:
    """Offset, readout sigma, dark mean and sample size of a simulated dark histogram (notebook 03).

    The histogram and the exact pmf appear at once; the maximum-likelihood fit follows (computed
    in the background). Settings where no fit is meaningful say why instead of showing numbers,
    and a fit far from the simulated truth is shown with a caution that says how far and why.
    Above :data:`PREVIEW_FRAMES` readings the quick look histograms that many (and says so);
    the full sample comes with the fit.
    """
    controls = {
        "offset_steps": _slider(8.0, 0.0, _MAX_OFFSET, 1.0, "ADC offset shift (steps)"),
        "readout_sigma": _slider(0.21, 0.05, 1.5, 0.01, "readout σ_r (steps)"),
        "dark_mean": _slider(17.2, 1.0, 40.0, 0.1, "dark mean μ_dark (e⁻)"),
        "log10_frames": _slider(5.0, 3.0, 6.0, 0.5, "log10 dark frames"),
    }

    def view(offset_steps, readout_sigma, dark_mean, log10_frames, fit=True):
        return dark_fit_view(offset_steps, readout_sigma, dark_mean, int(round(10**log10_frames)), fit=fit)

    return Explorer(
        controls,
        compute=lambda offset_steps, readout_sigma, dark_mean, log10_frames: dark_fit_preview(
            offset_steps, readout_sigma, dark_mean, int(round(10**log10_frames))),
        refine=view,
        draw=plots.draw_dark_fit, redraw=plots.redraw_dark_fit, figsize=(8, 4),
        describe=_describe_dark_fit,
    )

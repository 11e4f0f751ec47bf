"""Widgets of notebook 06: SP 800-90B estimators on simulated chip output.

The pure functions (``*_view``, :func:`chip_symbols`) simulate the chip with
:func:`qkit.qrng.sampling.sample_frames` (Table I noise), keep bits 2 and 3 of each ADC output
as 2-bit symbols and run :mod:`qkit.qrng.estimators`; the explorers only draw them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_choice, require_instance, require_integer, require_real
from qkit.plots.estimators import draw_estimator_bars, redraw_estimator_bars
from qkit.qrng.entropy import conditional_min_entropy, conditional_min_entropy_curve, min_entropy_curve
from qkit.qrng.estimators import (SmallSampleWarning, collision_estimate, compression_estimate, iid_track,
                                  load_samples, markov_estimate, most_common_value, non_iid_track,
                                  tuple_estimates)
from qkit.qrng.frames import PAPER_RULE, frame_fails, uniform_failure_curve
from qkit.qrng.pixel import PIXEL_1, Pixel
from qkit.qrng.sampling import sample_frames
from qkit.qrng.sensor import extract_bits
from qkit.widgets._explorer import Explorer

__all__ = ["PIXELS_PER_FRAME", "COARSE_SAMPLES", "MEAN_STOPS", "EXPLORER_SEEDS", "PERFECT_SOURCE_ESTIMATORS",
           "chip_symbols", "EstimatorView", "estimator_view",
           "coarse_estimator_view", "SampleSizeTrend", "sample_size_trend", "PerfectSourceEstimates",
           "perfect_source_estimates", "DriftView", "drift_view", "estimator_explorer"]

#: Pixels per frame of the simulated array (the 64-pixel chip of Fig. 8).
PIXELS_PER_FRAME = 64

#: The explorer's ``mu_e`` stops (electrons): dense where ``H_min(Z23)`` changes (weak light below
#: ~100, ADC saturation above ~1150), sparse on the plateau between, where ``Z23`` is uniform to
#: within 0.002 bit per bit and the bars move only by their own scatter.
MEAN_STOPS = (5, 10, 20, 40, 75, 150, 300, 625, 1000, 1150, 1175, 1200, 1225, 1250)

#: The explorer's ``run (seed)`` choices: one simulated run of the chip per seed.
EXPLORER_SEEDS = tuple(range(10))


def chip_symbols(mean_photoelectrons: float, n_samples: int, *, seed: int = 0,
                 pixel: Pixel = PIXEL_1, drift: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Simulated chip output: ``Z23`` of 64 uniformly lit pixels, frame after frame.

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e`` per pixel and frame (electrons).
    n_samples : int
        Number of 2-bit symbols wanted (rounded up to whole frames of 64).
    seed : int
        Seed of the frame sampler.
    pixel : Pixel
        Noise and gain (default pixel 1 of Table I).
    drift : array, optional
        Relative LED intensity per frame (length = number of frames).

    Returns
    -------
    (symbols, frames)
        ``symbols``: uint8 array of ``Z23`` values 0..3 (bit 3 most significant), frame by
        frame; ``frames``: the ADC readings, shape (64, n_frames).
    """
    mu = require_real("mean_photoelectrons", mean_photoelectrons, 0, 5000, unit="electrons")
    n = require_integer("n_samples", n_samples, low=1)
    seed = require_integer("seed", seed, low=0)
    require_instance("pixel", pixel, Pixel, "qkit.qrng.pixel.Pixel")
    n_frames = -(-n // PIXELS_PER_FRAME)
    frames = sample_frames(np.full(PIXELS_PER_FRAME, mu), pixel, n_frames,
                           rng=np.random.default_rng(seed), drift=drift)
    symbols = extract_bits(frames, pixel.kept_bits).T.reshape(-1)[:n].astype(np.uint8)
    return symbols, frames


def _assess(symbols: np.ndarray):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        return load_samples(symbols, 2)


@dataclass(frozen=True)
class EstimatorView:
    """The ten estimates (per bit) on one simulated run, beside the model."""

    mean_photoelectrons: float
    n_samples: int
    per_bit: dict
    assessed_per_bit: float
    mcv_per_bit: float
    model_given_noise: float
    model_no_eve: float
    coarse: bool = False


#: Samples of the explorer's quick first answer (a shorter run, labelled coarse) while the
#: full run is computed in the background.
COARSE_SAMPLES = 6_400


def coarse_estimator_view(mean_photoelectrons: float = 625.0, n_samples: int = 100_000, seed: int = 0,
                          pixel: Pixel = PIXEL_1) -> EstimatorView:
    """:func:`estimator_view` on a shorter run of ``min(n_samples, COARSE_SAMPLES)`` samples,
    marked ``coarse=True`` when it is shorter than asked (the explorer's first answer).

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e`` of every pixel (electrons).
    n_samples : int
        Number of 2-bit symbols the full answer will use.
    seed : int
        Seed of the frame sampler.
    pixel : Pixel
        Noise and gain (default pixel 1 of Table I).

    Returns
    -------
    EstimatorView
    """
    n = require_integer("n_samples", n_samples, low=1)
    view = estimator_view(mean_photoelectrons, min(n, COARSE_SAMPLES), seed=seed, pixel=pixel)
    return replace(view, coarse=n > COARSE_SAMPLES)


def estimator_view(mean_photoelectrons: float = 625.0, n_samples: int = 100_000, seed: int = 0,
                   pixel: Pixel = PIXEL_1) -> EstimatorView:
    """Run the non-IID track (and the IID MCV) on simulated chip output (Fig. 9).

    Parameters
    ----------
    mean_photoelectrons : float
        ``mu_e`` of every pixel (electrons).
    n_samples : int
        Number of 2-bit symbols simulated.
    seed : int
        Seed of the frame sampler.
    pixel : Pixel
        Noise and gain (default pixel 1 of Table I).

    Returns
    -------
    EstimatorView
        Per bit: each estimator's lower of (estimate on the symbols) / 2 and (estimate on the
        bitstring), the assessed ``min(H_original, 2 H_bitstring) / 2``, the IID MCV estimate,
        and the model's ``H_min(Z23|E)`` (Eqs. 5-6) and ``H_min(Z23)`` at ``mu_e``.
    """
    symbols, _ = chip_symbols(mean_photoelectrons, n_samples, seed=seed, pixel=pixel)
    samples = _assess(symbols)
    result = non_iid_track(samples)
    iid = iid_track(samples, permutations=False)
    mu = float(mean_photoelectrons)
    return EstimatorView(mu, samples.size, result.per_bit(), result.assessed / 2, iid.assessed / 2,
                         conditional_min_entropy(mu, pixel, per_bit=True),
                         float(min_entropy_curve(np.array([mu]), pixel)[0]))


@dataclass(frozen=True)
class SampleSizeTrend:
    """Lowest non-IID estimate and IID MCV estimate (per bit) against the sample size."""

    sizes: tuple
    assessed: np.ndarray
    mcv: np.ndarray
    model_given_noise: float
    model_no_eve: float


def sample_size_trend(sizes=(10_000, 30_000, 100_000, 300_000), mean_photoelectrons: float = 625.0,
                      seed: int = 0, pixel: Pixel = PIXEL_1, progress=None) -> SampleSizeTrend:
    """Both SP 800-90B tracks on the first ``n`` samples of one simulated run, for each ``n``.

    Parameters
    ----------
    sizes : sequence of int
        Sample sizes (2-bit symbols), each at least 1.
    mean_photoelectrons : float
        ``mu_e`` of every pixel (electrons).
    seed : int
        Seed of the frame sampler.
    pixel : Pixel
        Noise and gain (default pixel 1 of Table I).
    progress : callable, optional
        Called with ``n`` after each size is done (e.g. to advance a progress bar).

    Returns
    -------
    SampleSizeTrend
        Per bit: the non-IID assessment and the IID MCV estimate at each size, and the model's
        ``H_min(Z23|E)`` (Eqs. 5-6) and ``H_min(Z23)`` at ``mu_e``.
    """
    if not isinstance(sizes, (tuple, list)) or not sizes:
        raise TypeError(f"sizes must be a non-empty tuple of sample sizes, got {sizes!r}")
    sizes = tuple(require_integer("sizes", s, low=1) for s in sizes)
    symbols, _ = chip_symbols(mean_photoelectrons, max(sizes), seed=seed, pixel=pixel)
    assessed, mcv = [], []
    for n in sizes:
        view = _assess(symbols[:n])
        assessed.append(non_iid_track(view).assessed / 2)
        mcv.append(iid_track(view, permutations=False).assessed / 2)
        if progress is not None:
            progress(n)
    mu = float(mean_photoelectrons)
    return SampleSizeTrend(sizes, np.array(assessed), np.array(mcv),
                           conditional_min_entropy(mu, pixel, per_bit=True),
                           float(min_entropy_curve(np.array([mu]), pixel)[0]))


@dataclass(frozen=True)
class PerfectSourceEstimates:
    """Binary estimators on a perfect source (independent fair bits, 1 bit of min-entropy per bit).

    ``estimates[name]`` has shape ``(len(sizes), len(seeds))``: bits per bit, on the first
    ``sizes[i]`` bits of the run drawn with ``seeds[j]``.
    """

    sizes: tuple
    seeds: tuple
    estimates: dict


#: The estimators :func:`perfect_source_estimates` runs on bits (SP 800-90B Sec. 6.3.1-6.3.6).
PERFECT_SOURCE_ESTIMATORS = ("Most Common Value", "Markov", "Collision", "Compression", "t-Tuple", "LRS")


def _binary_estimates(bits: np.ndarray) -> dict:
    """The six estimates of :data:`PERFECT_SOURCE_ESTIMATORS` on one bit sequence (bits per bit)."""
    t_tuple, lrs = tuple_estimates(bits, 2)          # one pass of substring counting for both
    if lrs is None:                                  # SP 800-90B skips LRS when v < u
        raise ValueError(f"the LRS estimate is undefined on these {bits.size:,} bits (no repeated substring "
                         "as long as the shortest rare tuple); use more bits")
    return {"Most Common Value": most_common_value(bits, 2).min_entropy,
            "Markov": markov_estimate(bits).min_entropy,
            "Collision": collision_estimate(bits).min_entropy,
            "Compression": compression_estimate(bits).min_entropy,
            "t-Tuple": t_tuple.min_entropy, "LRS": lrs.min_entropy}


def perfect_source_estimates(sizes: tuple[int, ...] = (20_000, 200_000, 2_000_000),
                             seeds: tuple[int, ...] = (1, 2, 3),
                             progress: Callable[[int], object] | None = None) -> PerfectSourceEstimates:
    """MCV, Markov, Collision, Compression, t-Tuple and LRS on fair coin flips, against the truth (1).

    Parameters
    ----------
    sizes : sequence of int
        Numbers of bits, each in ``[6012, 20_000_000]`` (Compression needs 1002 blocks of 6 bits).
    seeds : sequence of int
        One seeded run of ``max(sizes)`` fair bits per seed (``numpy.random.default_rng(seed)``);
        every size uses the first bits of each run.
    progress : callable, optional
        Called with the number of bits after each size is done.

    Returns
    -------
    PerfectSourceEstimates
        Each estimator's min-entropy (bits per bit, SP 800-90B Sec. 6.3.1-6.3.6), keyed in the
        order of :data:`PERFECT_SOURCE_ESTIMATORS`, per size and seed; the truth is exactly 1.
    """
    for name, value in (("sizes", sizes), ("seeds", seeds)):
        if not isinstance(value, (tuple, list)) or not value:
            raise TypeError(f"{name} must be a non-empty tuple of whole numbers, got {value!r}")
    sizes = tuple(require_integer("sizes", n, 6_012, 20_000_000) for n in sizes)
    seeds = tuple(require_integer("seeds", s, low=0) for s in seeds)
    runs = [np.random.default_rng(s).integers(0, 2, max(sizes), dtype=np.uint8) for s in seeds]
    out = {name: np.empty((len(sizes), len(seeds))) for name in PERFECT_SOURCE_ESTIMATORS}
    for i, n in enumerate(sizes):
        for j, bits in enumerate(runs):
            for name, value in _binary_estimates(bits[:n]).items():
                out[name][i, j] = value
        if progress is not None:
            progress(n)
    return PerfectSourceEstimates(sizes, seeds, out)


@dataclass(frozen=True)
class DriftView:
    """A drifting LED, cut into stretches of frames: light level, alarms, estimates and model.

    Every ``model_*`` value is the exact model averaged over the light levels of the stretch
    (each frame has its own ``mu_e``), not the model at the stretch's mean level.
    """

    segment_means: np.ndarray
    alarm_fraction: np.ndarray
    expected_alarm: np.ndarray
    assessed: np.ndarray
    model_given_noise: np.ndarray
    model_no_eve: np.ndarray
    model_passing: np.ndarray


def _stretch_model(levels: np.ndarray, pixel: Pixel, points: int = 41) -> tuple[float, float, float, float]:
    """Exact model over a stretch of linearly drifting levels, averaged on ``points`` levels.

    Returns the mean failure probability of a frame, ``H_min(Z23|E)`` and ``H_min(Z23)`` per
    bit averaged over all frames, and ``H_min(Z23|E)`` averaged over the frames that pass.
    """
    grid = np.linspace(levels[0], levels[-1], points)
    fail = uniform_failure_curve(grid, PIXELS_PER_FRAME, pixel, PAPER_RULE)
    given_noise = conditional_min_entropy_curve(grid, pixel)
    no_eve = min_entropy_curve(grid, pixel)
    passing = float(np.sum((1 - fail) * given_noise) / np.sum(1 - fail)) if np.any(fail < 1) else np.nan
    return float(fail.mean()), float(given_noise.mean()), float(no_eve.mean()), passing


def drift_view(start: float = 625.0, stop: float = 40.0, segments: int = 5,
               frames_per_segment: int = 500, seed: int = 0, pixel: Pixel = PIXEL_1) -> DriftView:
    """An LED whose intensity falls (or rises) linearly from ``start`` to ``stop`` photoelectrons.

    Parameters
    ----------
    start, stop : float
        ``mu_e`` of the first and last frame (electrons).
    segments : int
        Number of stretches the run is cut into.
    frames_per_segment : int
        Frames of 64 pixels per stretch, at least 100.
    seed : int
        Seed of the frame sampler.
    pixel : Pixel
        Noise and gain of every pixel (default pixel 1 of Table I).

    Returns
    -------
    DriftView
        For each stretch: the mean ``mu_e``; the fraction of simulated frames the paper's alarm
        rejects (``T- = 64``, ``T+ = 940``, ``N+- = 1``) and the exact expected fraction; the
        lowest non-IID estimate per bit on all its frames; and, from the exact model averaged over
        the stretch, ``H_min(Z23|E)``, ``H_min(Z23)`` and ``H_min(Z23|E)`` of the frames that pass.
    """
    start = require_real("start", start, 0.0, 5000.0, unit="electrons")
    stop = require_real("stop", stop, 0.0, 5000.0, unit="electrons")
    segments = require_integer("segments", segments, low=1)
    per = require_integer("frames_per_segment", frames_per_segment, low=100)
    total = segments * per
    level = np.linspace(start, stop, total)
    _, frames = chip_symbols(1.0, total * PIXELS_PER_FRAME, seed=seed, pixel=pixel, drift=level)
    bits = extract_bits(frames, pixel.kept_bits).astype(np.uint8)
    fails = frame_fails(frames.T)
    rows = []
    for s in range(segments):
        sl = slice(s * per, (s + 1) * per)
        estimate = non_iid_track(_assess(bits[:, sl].T.reshape(-1))).assessed / 2
        expected, given_noise, no_eve, passing = _stretch_model(level[sl], pixel)
        rows.append((level[sl].mean(), fails[sl].mean(), expected, estimate, given_noise, no_eve, passing))
    return DriftView(*(np.array(column) for column in zip(*rows)))


def estimator_explorer(n_samples: int = 100_000, mean_photoelectrons: float = 625.0, seed: int = 0) -> Explorer:
    """Bars of the ten estimators (Fig. 9) with controls for ``mu_e``, the sample size and the run.

    ``mu_e`` moves over :data:`MEAN_STOPS`; the text under the figure gives the model's
    ``H_min(Z23)`` (what the estimators measure) beside the assessment. The ``run (seed)`` slider
    draws another simulated run (seeds :data:`EXPLORER_SEEDS`) at the same settings, to show how
    far the bars move by their own scatter. Up to 1,000,000 samples: each change first draws the
    estimators on a short run of :data:`COARSE_SAMPLES` samples (the text under the figure says
    so), then the full run when it is done.

    Parameters
    ----------
    n_samples : int
        Number of 2-bit symbols at start: 20,000, 100,000, 300,000 or 1,000,000.
    mean_photoelectrons : float
        ``mu_e`` at start (electrons), one of :data:`MEAN_STOPS`.
    seed : int
        Seed of the simulated run at start, one of :data:`EXPLORER_SEEDS`.

    Returns
    -------
    Explorer
    """
    require_choice("n_samples", n_samples, (20_000, 100_000, 300_000, 1_000_000))
    require_choice("mean_photoelectrons", mean_photoelectrons, MEAN_STOPS)
    require_choice("seed", seed, EXPLORER_SEEDS)
    controls = {
        "mean_photoelectrons": widgets.SelectionSlider(options=[(f"{m:g}", float(m)) for m in MEAN_STOPS],
                                                       value=float(mean_photoelectrons),
                                                       description="mu_e (electrons)",
                                                       style={"description_width": "initial"}),
        "n_samples": widgets.Dropdown(options=[20_000, 100_000, 300_000, 1_000_000], value=n_samples,
                                      description="samples"),
        "seed": widgets.IntSlider(value=seed, min=EXPLORER_SEEDS[0], max=EXPLORER_SEEDS[-1],
                                  description="run (seed)"),
    }
    return Explorer(controls, coarse_estimator_view, draw_estimator_bars, refine=estimator_view,
                    redraw=redraw_estimator_bars, figsize=(8, 4.5), describe=_describe_view)


def _describe_view(v: EstimatorView) -> str:
    head = (f"coarse, {v.n_samples:,} samples (the full run follows): " if v.coarse
            else f"{v.n_samples:,} samples: ")
    return head + (f"assessed {v.assessed_per_bit:.4f} per bit; the model at mu_e = {v.mean_photoelectrons:g}: "
                   f"H_min(Z23) {v.model_no_eve:.4f} (what the estimators measure), "
                   f"H_min(Z23|E) {v.model_given_noise:.4f}")

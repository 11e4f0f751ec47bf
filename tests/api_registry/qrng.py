"""Registry cases for ``qkit.qrng`` (the chip model; not ``qkit.qrng.estimators``).

See ``__init__.py`` beside this file for the format. The runaway and silently-wrong calls of
issue 15 are listed in ``bad=`` so that they stay refused.
"""

import numpy as np

from api_registry import Case
from qkit.qrng.frames import PAPER_RULE, FrameRule
from qkit.qrng.pixel import NOISE_FREE, PIXEL_1, Pixel
from qkit.qrng.sampling import adc_histogram, sample_dark_frames

_RNG = np.random.default_rng
_Z_PMF = np.full(1024, 1 / 1024)  # a valid ADC pmf
_DARK = adc_histogram(sample_dark_frames(PIXEL_1, 20_000, rng=np.random.default_rng(3)), 1023)
_FRAMES = np.random.default_rng(4).integers(0, 1024, size=(4, 60))
_LEVELS = [np.random.default_rng(s).poisson(m, 200).astype(float) for s, m in ((1, 50.0), (2, 150.0), (3, 300.0))]
_HUGE_SIGMA = Pixel(readout_sigma=1e4)  # issue 15: 57 s and 1.2 GiB before the work check

CASES = [
    # ---- pixel
    Case("qkit.qrng.pixel.Pixel",
         kwargs=dict(gain=0.8192, readout_mean=-13.6, readout_sigma=0.21, dark_mean=17.2, adc_bits=10,
                     kept_bits=(2, 3)),
         bad={"gain": [0.0, -0.3, 1e7], "readout_sigma": [-0.1], "dark_mean": [-1.0, 1e12],
              "adc_bits": [0, 17], "kept_bits": [(), (2, 2), (2, 10), "23", 3, (True, 3)]}),
    Case("qkit.qrng.pixel.Pixel.with_offset", instance=lambda: PIXEL_1, args=(8.0,), bad={"steps": [1e300]}),
    Case("qkit.qrng.pixel.check_kept_bits", args=((2, 3), 10),
         bad={"kept_bits": [(2, 2), (-1,), (10,), "23", None], "adc_bits": [0, True]}),
    # ---- photons
    Case("qkit.qrng.photons.poisson_pmf", args=(np.arange(5), 2.0),
         bad={"counts": [True, np.array([True, False]), [0.5]], "mean": [-1.0, True, np.inf]}),
    Case("qkit.qrng.photons.poisson_support", args=(625.0, 1e-12),
         bad={"mean": [-1.0, 1e15], "tolerance": [0.0, 1.0, -1e-3]}),
    Case("qkit.qrng.photons.poisson_weights", args=(625.0, 1e-12),
         bad={"mean": [1e15, -2.0], "tolerance": [0.0, 1.5]}),
    Case("qkit.qrng.photons.mean_photoelectrons", args=(np.array([100.0, 200.0]), 0.5),
         bad={"mean_photons": [-5.0, [True, False]], "efficiency": [1.2, -0.1, np.array([0.1, 0.2, 0.3])]}),
    Case("qkit.qrng.photons.photoelectron_pmf", args=(np.arange(4), 10.0, 0.5),
         bad={"counts": [[1.5]], "mean_photons": [-1.0], "efficiency": [1.2]}),
    Case("qkit.qrng.photons.sample_photoelectrons", make=lambda: ((100.0, 0.5, 3, _RNG(0)), {}),
         bad={"mean_photons": [1e20, -1.0], "efficiency": [2.0], "size": [-1, 10**12, (3, -1), 2.5, "3"],
              "rng": [None, 1]}),
    # ---- sensor
    Case("qkit.qrng.sensor.adc_floor", args=(np.array([1.5, 2.25]), 1023),
         bad={"x": [[1.5, np.nan], [np.inf]], "adc_max": [-1, 1023.5, True]}),
    Case("qkit.qrng.sensor.adc_pmf", args=(625.0, PIXEL_1), kwargs=dict(tolerance=1e-12),
         bad={"mean_photoelectrons": [-1.0, 1e20, [625.0, 300.0]], "pixel": [None, "PIXEL_1"],
              "tolerance": [0.0, 1.0]}),
    Case("qkit.qrng.sensor.adc_pmf_many", args=(np.array([100.0, 625.0]), PIXEL_1),
         bad={"means": [[-1.0], [1e20]], "pixel": [None]}),
    Case("qkit.qrng.sensor.kept_bits_pmf", args=(_Z_PMF, (2, 3)),
         bad={"z_pmf": [np.full(1024, 1 / 512), np.ones(1000) / 1000, -np.ones(1024), np.full(1024, 1j / 1024)],
              "kept_bits": [(2, 10), (2, 2)]}),
    Case("qkit.qrng.sensor.extract_bits", args=(np.array([0, 4, 12]), (2, 3)),
         bad={"z": [[-1], [1.5], [True]], "kept_bits": [(2, 2), (62,)]}),
    Case("qkit.qrng.sensor.bit_pmfs", args=(_Z_PMF,),
         bad={"z_pmf": [np.full(1024, 1 / 512), np.ones(3) / 3]}),
    Case("qkit.qrng.sensor.sample_adc", make=lambda: ((625.0, PIXEL_1, 5, _RNG(0)), {}),
         bad={"mean_photoelectrons": [1e20, -1.0], "size": [-1, 10**12], "rng": [0, None], "pixel": [None]}),
    # ---- noise
    Case("qkit.qrng.noise.noise_mean", args=(PIXEL_1,)),
    Case("qkit.qrng.noise.noise_variance", args=(PIXEL_1,)),
    Case("qkit.qrng.noise.noise_components", args=(PIXEL_1,), kwargs=dict(tolerance=1e-12),
         bad={"tolerance": [0.0, 1.0]}),
    Case("qkit.qrng.noise.noise_pdf", args=(np.array([0.0, 1.5]), PIXEL_1),
         bad={"e": [[np.inf]], "pixel": [NOISE_FREE]}),
    Case("qkit.qrng.noise.noise_cdf", args=(np.array([0.0, 1.5]), PIXEL_1), bad={"e": [[np.inf]]}),
    Case("qkit.qrng.noise.interval_masses", args=(np.array([-1.0, 0.0, 1.0, 2.0]), PIXEL_1),
         bad={"edges": [[2.0, 1.0], [1.0]], "pixel": [NOISE_FREE]}),
    # ---- entropy
    Case("qkit.qrng.entropy.shannon_entropy", args=(np.array([0.25, 0.75]),), kwargs=dict(per_bit=False),
         bad={"pmf": [[0.5 + 0.5j, 0.5], [0.5, 0.2], [1.5, -0.5], [True, False]], "per_bit": [1, "yes"]}),
    Case("qkit.qrng.entropy.min_entropy", args=(np.array([0.25, 0.75]),), kwargs=dict(per_bit=True),
         bad={"pmf": [[0.5, 0.2], [0.2, 0.3, 0.5]], "per_bit": [1]}),
    Case("qkit.qrng.entropy.guessing_probability", args=(np.array([0.25, 0.75]),),
         bad={"pmf": [[0.5, 0.2], [2.0, -1.0]]}),
    Case("qkit.qrng.entropy.kept_bits_given_noise", args=(np.array([0.0, 0.5]), 625.0, PIXEL_1),
         bad={"noise": [[np.inf]], "mean_photoelectrons": [-1.0, 1e20], "pixel": [None]}),
    Case("qkit.qrng.entropy.conditional_guessing_probability", args=(625.0, PIXEL_1),
         kwargs=dict(tolerance=1e-12),
         bad={"mean_photoelectrons": [[625.0, 300.0], -3.0, 1e20], "pixel": [None, _HUGE_SIGMA],
              "tolerance": [1.0, 0.0]}),
    Case("qkit.qrng.entropy.conditional_min_entropy", args=(625.0, PIXEL_1), kwargs=dict(per_bit=True),
         bad={"mean_photoelectrons": [[625.0, 300.0]], "pixel": [_HUGE_SIGMA], "per_bit": [1]}),
    Case("qkit.qrng.entropy.conditional_min_entropy_curve", args=(np.array([500.0, 625.0]), PIXEL_1),
         kwargs=dict(per_bit=True),
         bad={"means": [[1.0, np.nan], [-1.0]], "pixel": [_HUGE_SIGMA, None], "per_bit": [0]}),
    Case("qkit.qrng.entropy.min_entropy_curve", args=(np.array([500.0, 625.0]), PIXEL_1),
         kwargs=dict(per_bit=True),
         bad={"means": [[-1.0], [1e20]], "pixel": [None, _HUGE_SIGMA], "per_bit": [0]}),
    # ---- frames
    Case("qkit.qrng.frames.FrameRule", args=(64, 940, 1, 1),
         bad={"low_threshold": [940, -1], "high_threshold": [940.5, 10], "max_low": [-1, True],
              "max_high": [-1]}),
    Case("qkit.qrng.frames.FrameRule.check_adc", instance=lambda: PAPER_RULE, args=(1023,),
         bad={"adc_max": [255, -1]}),
    Case("qkit.qrng.frames.out_of_range_probabilities", args=(_Z_PMF, PAPER_RULE),
         bad={"z_pmf": [np.full(1024, 1 / 512), -_Z_PMF, np.full(256, 1 / 256)], "rule": [(64, 940)]}),
    Case("qkit.qrng.frames.exact_out_of_range", args=(np.array([100.0, 625.0]), PIXEL_1, PAPER_RULE),
         bad={"means": [[-1.0], [1e20]], "pixel": [None, Pixel(adc_bits=8)], "rule": [(64, 940)]}),
    Case("qkit.qrng.frames.pass_probability", args=([0.1, 0.2], [0.1, 0.0], [0.8, 0.8], PAPER_RULE),
         bad={"p_low": [[0.5], [1.5], [0.1, 0.2, 0.3]], "p_high": [[0.5]], "p_in": [[0.5]],
              "rule": [None, FrameRule(max_low=10**6, max_high=10**6)]}),
    Case("qkit.qrng.frames.frame_failure_probability", args=(np.full(8, 625.0), PIXEL_1, PAPER_RULE),
         bad={"mean_map": [[], [10.0, -1.0], [1e20]], "pixel": [None, Pixel(adc_bits=8)], "rule": [(64, 940)]}),
    Case("qkit.qrng.frames.uniform_failure_curve", args=(np.array([300.0, 625.0]), 64, PIXEL_1, PAPER_RULE),
         bad={"means": [[-1.0], [1e20]], "n_pixels": [0, -64], "pixel": [Pixel(adc_bits=8), None]}),
    Case("qkit.qrng.frames.frame_min_entropy", args=(np.full(4, 625.0), PIXEL_1),
         bad={"mean_map": [[], [-1.0]], "pixel": [_HUGE_SIGMA, None], "progress": ["yes", 1]}),
    Case("qkit.qrng.frames.frame_report", args=(np.full((2, 4), 625.0), PIXEL_1, PAPER_RULE),
         bad={"mean_maps": [np.ones(4), np.ones((2, 0)), -np.ones((2, 2))], "pixel": [None],
              "progress": ["yes", 1]}),
    Case("qkit.qrng.frames.count_out_of_range", args=(_FRAMES, PAPER_RULE),
         bad={"frames": [np.zeros((2, 3)), np.zeros(3, int), [[1, 2], [3]]], "rule": [None]}),
    Case("qkit.qrng.frames.frame_fails", args=(_FRAMES, PAPER_RULE),
         bad={"frames": [np.zeros((2, 3), bool)], "rule": [(64, 940)]}),
    # ---- sampling
    Case("qkit.qrng.sampling.sample_frames", make=lambda: ((np.full(4, 625.0), PIXEL_1, 10), {"rng": _RNG(0)}),
         bad={"mean_photons": [[-1.0], 1e20, np.ones((2, 2))], "n_frames": [0, 10**12], "rng": [None, 1],
              "pixel": ["PIXEL_1", [], [PIXEL_1, Pixel(adc_bits=8)]]}),
    Case("qkit.qrng.sampling.sample_dark_frames", make=lambda: ((PIXEL_1, 10), {"rng": _RNG(0), "offset_steps": 8.0}),
         bad={"n_frames": [0, 10**13], "offset_steps": [np.inf]}),
    Case("qkit.qrng.sampling.adc_histogram", args=(np.array([0, 3, 3, 1]), 3),
         bad={"readings": [[1.5], [0, 4], [True]], "adc_max": [10**10, -1]}),
    Case("qkit.qrng.sampling.merge_small_bins", args=(np.array([1.0, 2.0, 6.0, 0.5]), 5.0),
         bad={"expected": [[-1.0], np.ones((2, 2)), []], "min_expected": [0.0, -1.0]}),
    Case("qkit.qrng.sampling.chi_square_test", args=(np.array([30, 40, 30]), np.array([0.3, 0.4, 0.3])),
         kwargs=dict(min_expected=5.0, fitted_parameters=0, mass_tolerance=1e-9),
         bad={"counts": [[1.5, 2.0, 3.0], [-1, 2, 3]], "pmf": [[0.5, 0.4, 0.4], [0.5, 0.5]],
              "min_expected": [0.0], "fitted_parameters": [-1, 5], "mass_tolerance": [-1.0, 1.0]}),
    # ---- fitting
    Case("qkit.qrng.fitting.negative_log_likelihood", args=(_DARK, PIXEL_1.with_offset(8)),
         bad={"counts": [_DARK[:10], _DARK + 0.5, -_DARK], "pixel": [None, Pixel(), Pixel(readout_sigma=0.2, dark_mean=1e9)]}),
    Case("qkit.qrng.fitting.fit_dark_histogram", args=(_DARK,),
         kwargs=dict(gain=0.8192, fit_gain=False, offset_steps=8.0, min_samples=1000),
         bad={"counts": [_DARK[:10], np.full(1024, 50)], "gain": [-0.8, 1e-300], "min_samples": [5, 10**9]},
         timeout=30.0),
    Case("qkit.qrng.fitting.photon_transfer_curve", args=(_LEVELS,),
         bad={"samples": [_LEVELS[:2], None, [np.ones(20)] * 3, [np.full(20, 1e300), np.ones(20), np.ones(20)]]}),
    Case("qkit.qrng.transfer.fano_factor", args=(0.817, 0.0045, 0.8193, 0.0006),
         bad={"slope": [0.0, -0.8], "slope_error": [-0.01], "gain": [0.0, -0.8], "gain_error": [-1e-3]}),
    # ---- correlations
    # frames may hold any finite real readings (correlations of real-valued data): "fraction" is allowed
    Case("qkit.qrng.correlations.pearson_matrix", args=(_FRAMES,), allow={"frames": ("fraction",)},
         bad={"frames": [np.ones((2, 10)), _FRAMES[:, :2], np.zeros((2, 2, 2)), _FRAMES.astype(bool)]}),
    Case("qkit.qrng.correlations.pair_correlations", args=(_FRAMES,), bad={"frames": [_FRAMES[:1]]},
         allow={"frames": ("fraction",)}),
    Case("qkit.qrng.correlations.autocorrelation", args=(_FRAMES, 5), bad={"max_lag": [0, 60]},
         allow={"frames": ("fraction",)}),
    Case("qkit.qrng.correlations.expected_spread", args=(1000,), bad={"n_frames": [0, -5]}),
    Case("qkit.qrng.correlations.confidence_multiplier", args=(0.99,), bad={"level": [0.0, 1.0]}),
    Case("qkit.qrng.correlations.correlation_summary", args=(_FRAMES, 5, 0.99), allow={"frames": ("fraction",)},
         bad={"max_lag": [0], "level": [1.5]}),
]

EXEMPT = {
    "qkit.qrng.sampling.ChiSquareTest": "a result record that only chi_square_test builds",
    "qkit.qrng.fitting.DarkFit": "a result record that only fit_dark_histogram builds",
    "qkit.qrng.fitting.PhotonTransferCurve": "a result record that only photon_transfer_curve builds",
    "qkit.qrng.correlations.CorrelationSummary": "a result record that only correlation_summary builds",
}

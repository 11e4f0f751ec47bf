"""Dark-histogram maximum-likelihood fit (Table I, Fig. 5) and photon transfer curve (Fig. 4b)."""

import numpy as np
import pytest

from qkit.qrng import fitting
from qkit.qrng.fitting import fit_dark_histogram, negative_log_likelihood, photon_transfer_curve
from qkit.qrng.pixel import PIXEL_1, PIXEL_2, TABLE_I, Pixel
from qkit.qrng.sampling import adc_histogram, sample_dark_frames, sample_frames
from qkit.qrng.sensor import adc_pmf


def _truth(pixel, offset=8.0, with_gain=False):
    values = [pixel.readout_mean + offset, pixel.readout_sigma, pixel.dark_mean, pixel.gain]
    return np.array(values[: 4 if with_gain else 3])


def _dark_counts(pixel, n, seed, offset=8.0):
    return adc_histogram(sample_dark_frames(pixel, n, rng=np.random.default_rng(seed), offset_steps=offset), 1023)


@pytest.mark.parametrize("pixel", [PIXEL_1.with_offset(8), PIXEL_2, Pixel(readout_sigma=1.3, dark_mean=3.0)])
def test_likelihood_pmf_is_the_exact_adc_pmf(pixel):
    z = np.arange(1024)
    theta = np.array([pixel.readout_mean, pixel.readout_sigma, pixel.dark_mean, pixel.gain])
    p, _ = fitting._pmf_and_gradient(z, theta, 1023)
    np.testing.assert_allclose(p, adc_pmf(0.0, pixel), rtol=1e-9, atol=1e-13)
    assert abs(p.sum() - 1.0) < 1e-12


def test_likelihood_gradient_matches_finite_differences():
    z = np.arange(0, 40)
    theta = np.array([-5.6, 0.21, 17.2, 0.8192])
    _, grad = fitting._pmf_and_gradient(z, theta, 1023)
    for k in range(4):
        h = 1e-6 * max(abs(theta[k]), 1.0)
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        numeric = (fitting._pmf_and_gradient(z, up, 1023)[0] - fitting._pmf_and_gradient(z, down, 1023)[0]) / (2 * h)
        np.testing.assert_allclose(grad[k], numeric, rtol=1e-5, atol=1e-9)


def test_negative_log_likelihood_is_minus_sum_counts_log_pmf():
    counts = _dark_counts(PIXEL_1, 20_000, 1)
    shifted = PIXEL_1.with_offset(8)
    pmf = adc_pmf(0.0, shifted)
    brute = -np.sum(counts[counts > 0] * np.log(pmf[counts > 0]))
    assert negative_log_likelihood(counts, shifted) == pytest.approx(brute, rel=1e-12)
    # the true parameters explain the data better than slightly wrong ones
    assert negative_log_likelihood(counts, shifted) < negative_log_likelihood(counts, shifted.with_offset(0.3))


@pytest.mark.parametrize("index", range(4))
def test_table_i_is_recovered_within_three_sigma(index):
    pixel = TABLE_I[index]
    fit = fit_dark_histogram(_dark_counts(pixel, 200_000, 100 + index))
    assert fit.converged and fit.names == ("readout_mean", "readout_sigma", "dark_mean")
    assert np.all(np.abs(fit.values - _truth(pixel)) < 3 * fit.errors), (fit.values, fit.errors)
    # the pixel at the default offset undoes the +8 shift (Table I's mu_r is extrapolated the same way)
    assert fit.pixel.readout_mean == pytest.approx(fit.value("readout_mean") - 8.0)
    assert abs(fit.pixel.readout_mean - pixel.readout_mean) < 3 * fit.error("readout_mean")
    # error bars of 1e5-sample fits: a few 1e-3 ADC steps and ~0.01 electrons
    assert np.all(fit.errors < [0.02, 0.01, 0.03])


def test_gain_left_free_is_recovered():
    fit = fit_dark_histogram(_dark_counts(PIXEL_1, 200_000, 7), fit_gain=True, gain=0.8)
    assert fit.converged and fit.names[-1] == "gain"
    assert np.all(np.abs(fit.values - _truth(PIXEL_1, with_gain=True)) < 3 * fit.errors)
    assert fit.gain == fit.value("gain") and fit.error("gain") < 0.003


def test_error_bars_cover_the_truth_over_repeated_seeds():
    """Honest coverage: z = (fit - truth) / error should have mean square ~1 (chi2 with 48 values)."""
    z = []
    for seed in range(16):
        fit = fit_dark_histogram(_dark_counts(PIXEL_1, 50_000, 1000 + seed))
        z.append((fit.values - _truth(PIXEL_1)) / fit.errors)
    z = np.array(z)
    assert 0.45 < np.mean(z**2) < 1.8, z
    assert np.all(np.abs(z) < 4)


def test_error_bars_shrink_as_one_over_sqrt_samples():
    small = fit_dark_histogram(_dark_counts(PIXEL_1, 50_000, 3))
    large = fit_dark_histogram(_dark_counts(PIXEL_1, 400_000, 4))
    np.testing.assert_allclose(small.errors / large.errors, np.sqrt(8), rtol=0.15)


def test_clipped_histogram_at_the_default_offset():
    """Without the +8 shift over half the readings are clipped at 0; the exact likelihood copes,
    with larger error bars."""
    counts = _dark_counts(PIXEL_1, 100_000, 5, offset=0.0)
    assert counts[0] > 50_000
    fit = fit_dark_histogram(counts, offset_steps=0.0)
    assert fit.converged and np.all(np.abs(fit.values - _truth(PIXEL_1, 0.0)) < 3 * fit.errors)
    shifted = fit_dark_histogram(_dark_counts(PIXEL_1, 100_000, 5))
    assert np.all(fit.errors > shifted.errors)


def test_covariance_is_the_inverse_hessian():
    counts = _dark_counts(PIXEL_1, 50_000, 6)
    fit = fit_dark_histogram(counts)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.covariance)), fit.errors)
    # the NLL rises by ~1/2 at one standard error along each parameter (quadratic near the optimum)
    for name in fit.names:
        values = dict(zip(fit.names, fit.values))
        values[name] += fit.error(name)
        moved = Pixel(gain=fit.gain, **values)
        conditional = negative_log_likelihood(counts, moved) - fit.negative_log_likelihood
        assert conditional >= 0.5 * 0.9  # >= 1/2: the others are not re-optimised


def test_fit_bad_input():
    counts = _dark_counts(PIXEL_1, 2000, 2)
    with pytest.raises(ValueError, match=r"counts must have one entry per ADC value, shape \(1024,\), got \(10,\)"):
        fit_dark_histogram(counts[:10])
    with pytest.raises(ValueError, match="counts must be whole numbers"):
        fit_dark_histogram(counts + 0.5)
    with pytest.raises(ValueError, match="counts must satisfy 0 <= counts"):
        fit_dark_histogram(np.where(np.arange(1024) == 3, -1, counts))
    with pytest.raises(ValueError, match="at least min_samples=1000 readings, got 500"):
        fit_dark_histogram(_dark_counts(PIXEL_1, 500, 2))
    with pytest.raises(ValueError, match="gain must satisfy 0 < gain"):
        fit_dark_histogram(counts, gain=-0.8)
    with pytest.raises(ValueError, match="readout_sigma must be > 0"):
        negative_log_likelihood(counts, Pixel())


def test_photon_transfer_slope_recovers_the_gain():
    levels = np.linspace(50.0, 1000.0, 8)
    z = sample_frames(levels, PIXEL_1, 20_000, rng=np.random.default_rng(3))
    ptc = photon_transfer_curve(z)
    assert ptc.dof == 6 and ptc.means.shape == (8,)
    assert abs(ptc.gain - PIXEL_1.gain) < 3 * ptc.gain_error
    assert 0.001 < ptc.gain_error < 0.01
    # the line fits within the errors (chi2 with 6 dof; P(chi2 > 22.5) = 0.001)
    assert ptc.chi_square < 22.5
    # intercept of the model: sigma_r^2 + 1/12 - K (mu_r - 1/2)
    expected = PIXEL_1.readout_sigma**2 + 1 / 12 - PIXEL_1.gain * (PIXEL_1.readout_mean - 0.5)
    assert abs(ptc.intercept - expected) < 3 * ptc.intercept_error
    # the slope is K, not 1: <Z> = Var Z does not hold, as the paper notes
    assert abs(ptc.gain - 1.0) > 10 * ptc.gain_error


def test_photon_transfer_errors_are_honest():
    levels = np.linspace(100.0, 900.0, 5)
    z = sample_frames(levels, PIXEL_1, 5000, rng=np.random.default_rng(8))
    ptc = photon_transfer_curve(list(z))
    # Var(s^2) for a near-normal Z is about 2 sigma^4 / (n - 1)
    np.testing.assert_allclose(ptc.variance_errors, ptc.variances * np.sqrt(2 / 4999), rtol=0.1)


def test_photon_transfer_bad_input():
    with pytest.raises(ValueError, match="at least 3 light levels"):
        photon_transfer_curve([np.arange(20), np.arange(20) * 2])
    with pytest.raises(ValueError, match=r"samples\[1\] must be a 1-d array of at least 10 readings"):
        photon_transfer_curve([np.arange(20), np.arange(5), np.arange(20)])
    with pytest.raises(ValueError, match="every light level must vary"):
        photon_transfer_curve([np.arange(20), np.full(20, 3), np.arange(20) * 2])
    with pytest.raises(ValueError, match="must have different means"):
        photon_transfer_curve([np.arange(20)] * 3)


def test_a_fit_says_why_it_did_not_converge():
    fit = fit_dark_histogram(_dark_counts(PIXEL_1, 50_000, 5))
    assert fit.converged and fit.problem == ""
    stopped = type("Result", (), {"nit": 7, "message": "maximum iterations"})()
    cov, problem = fitting._covariance(np.diag([2.0, -1e-3]), np.zeros(2), stopped)
    assert np.all(np.isinf(cov)) and "not positive definite" in problem and "-0.001" in problem
    cov, problem = fitting._covariance(np.diag([2.0, 4.0]), np.array([0.1, 0.0]), stopped)
    assert cov == pytest.approx(np.diag([0.5, 0.25])) and "0.005 nats short" in problem and "7 iterations" in problem
    cov, problem = fitting._covariance(np.diag([2.0, np.nan]), np.zeros(2), stopped)
    assert "not finite" in problem
    assert fitting._covariance(np.diag([2.0, 4.0]), np.array([1e-5, 0.0]), stopped)[1] == ""

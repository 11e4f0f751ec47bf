"""Frame sampler, sampled histograms and the chi-square goodness-of-fit helper."""

import numpy as np
import pytest
from scipy import stats

from qkit.qrng.pixel import NOISE_FREE, PIXEL_1, PIXEL_2, TABLE_I, Pixel
from qkit.qrng.sampling import (
    adc_histogram,
    chi_square_test,
    merge_small_bins,
    sample_dark_frames,
    sample_frames,
)
from qkit.qrng.sensor import adc_pmf

# With a fixed seed a correct sampler passes; the threshold only guards against a broken one
# (a wrong sampler gives p-values of 1e-10 and below at these sample sizes, see test_power).
P_MIN = 1e-3


def test_shape_dtype_range_and_reproducible():
    z = sample_frames(np.full(64, 625.0), PIXEL_1, 2000, rng=np.random.default_rng(7))
    assert z.shape == (64, 2000) and z.dtype == np.int32
    assert z.min() >= 0 and z.max() <= PIXEL_1.adc_max
    again = sample_frames(np.full(64, 625.0), PIXEL_1, 2000, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(z, again)
    other = sample_frames(np.full(64, 625.0), PIXEL_1, 2000, rng=np.random.default_rng(8))
    assert np.any(z != other)


@pytest.mark.parametrize("mean", [0.0, 30.0, 625.0])
def test_sampled_histogram_matches_exact_pmf(mean):
    z = sample_frames(np.full(4, mean), PIXEL_1, 25_000, rng=np.random.default_rng(11))
    counts = adc_histogram(z, PIXEL_1.adc_max)
    assert counts.sum() == 100_000
    test = chi_square_test(counts, adc_pmf(mean, PIXEL_1))
    assert test.p_value > P_MIN, test
    assert test.dof >= 1


def test_dark_frames_with_offset_match_exact_pmf_per_pixel():
    z = sample_dark_frames(TABLE_I, 50_000, rng=np.random.default_rng(12), offset_steps=8)
    assert z.shape == (4, 50_000)
    for row, pixel in zip(z, TABLE_I):
        test = chi_square_test(adc_histogram(row, 1023), adc_pmf(0.0, pixel.with_offset(8)))
        assert test.p_value > P_MIN, (pixel, test)
    # the +8 offset moves the dark histogram off the clip at Z = 0 (Fig. 5)
    assert np.mean(z[0] == 0) < 0.02
    default = sample_dark_frames(PIXEL_1, 50_000, rng=np.random.default_rng(12), offset_steps=0)
    assert np.mean(default == 0) > 0.3


def test_chunked_sampling_has_the_same_distribution():
    z = sample_frames(625.0, PIXEL_1, 100_000, rng=np.random.default_rng(13), chunk_elements=777)
    test = chi_square_test(adc_histogram(z, 1023), adc_pmf(625.0, PIXEL_1))
    assert test.p_value > P_MIN


def test_noise_free_pile_up_and_saturation():
    z = sample_frames(625.0, NOISE_FREE, 100_000, rng=np.random.default_rng(14))
    test = chi_square_test(adc_histogram(z, 1023), adc_pmf(625.0, NOISE_FREE))
    assert test.p_value > P_MIN
    saturated = sample_frames(5000.0, PIXEL_1, 1000, rng=np.random.default_rng(15))
    np.testing.assert_array_equal(saturated, 1023)
    dark_clipped = sample_frames(0.0, Pixel(readout_mean=-50.0, readout_sigma=0.2), 100,
                                 rng=np.random.default_rng(15))
    np.testing.assert_array_equal(dark_clipped, 0)


def test_efficiency_thins_and_drift_scales_the_light():
    eta = np.array([1.0, 0.5, 0.0])
    z = sample_frames(np.full(3, 600.0), PIXEL_1, 50_000, rng=np.random.default_rng(16), efficiency=eta)
    for row, e in zip(z, eta):
        test = chi_square_test(adc_histogram(row, 1023), adc_pmf(600.0 * e, PIXEL_1))
        assert test.p_value > P_MIN, e
    drift = np.where(np.arange(40_000) < 20_000, 1.0, 0.5)
    z = sample_frames(600.0, PIXEL_1, 40_000, rng=np.random.default_rng(17), drift=drift)[0]
    assert chi_square_test(adc_histogram(z[:20_000], 1023), adc_pmf(600.0, PIXEL_1)).p_value > P_MIN
    assert chi_square_test(adc_histogram(z[20_000:], 1023), adc_pmf(300.0, PIXEL_1)).p_value > P_MIN


def test_one_pixel_per_parameter_set():
    z = sample_frames(np.array([100.0, 700.0]), [PIXEL_1, PIXEL_2], 30_000, rng=np.random.default_rng(18))
    assert chi_square_test(adc_histogram(z[0], 1023), adc_pmf(100.0, PIXEL_1)).p_value > P_MIN
    assert chi_square_test(adc_histogram(z[1], 1023), adc_pmf(700.0, PIXEL_2)).p_value > P_MIN


def test_power_a_slightly_wrong_pmf_is_rejected():
    z = sample_frames(625.0, PIXEL_1, 100_000, rng=np.random.default_rng(19))
    counts = adc_histogram(z, 1023)
    assert chi_square_test(counts, adc_pmf(635.0, PIXEL_1)).p_value < 1e-6
    assert chi_square_test(counts, adc_pmf(625.0, PIXEL_1.with_offset(0.5))).p_value < 1e-6


def test_chi_square_matches_scipy_without_merging():
    counts = np.array([18, 33, 49])
    pmf = np.array([0.2, 0.3, 0.5])
    test = chi_square_test(counts, pmf)
    ref = stats.chisquare(counts, pmf * 100)
    assert test.statistic == pytest.approx(ref.statistic) and test.p_value == pytest.approx(ref.pvalue)
    assert test.dof == 2
    fitted = chi_square_test(counts, pmf, fitted_parameters=1)
    assert fitted.dof == 1 and fitted.p_value < test.p_value


def test_merge_small_bins():
    expected = np.array([0.1, 2.0, 3.0, 10.0, 1.0, 4.0, 0.5, 0.2])
    labels = merge_small_bins(expected, 5.0)
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 2, 2, 2, 2])
    groups = np.bincount(labels, weights=expected)
    assert np.all(groups >= 5.0) and groups.sum() == pytest.approx(expected.sum())
    # a total below the threshold stays one group
    np.testing.assert_array_equal(merge_small_bins(np.array([1.0, 1.0]), 5.0), [0, 0])


def test_adc_histogram():
    np.testing.assert_array_equal(adc_histogram(np.array([[0, 3], [3, 1]]), 3), [1, 1, 0, 2])
    np.testing.assert_array_equal(adc_histogram(np.array([2.0, 2.0]), 3), [0, 0, 2, 0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(mean_photons=-1.0), "mean_photons must satisfy 0 <= mean_photons"),
        (dict(mean_photons=np.nan), "mean_photons must be finite"),
        (dict(n_frames=0), "n_frames must satisfy 1 <= n_frames, got 0"),
        (dict(n_frames=2.5), "n_frames must be a whole number, got 2.5"),
        (dict(efficiency=1.2), "efficiency must satisfy 0 <= efficiency <= 1"),
        (dict(drift=np.ones(3)), r"drift must have shape \(n_frames,\) = \(10,\), got \(3,\)"),
        (dict(drift=-np.ones(10)), "drift must satisfy 0 <= drift"),
        (dict(rng=1), "rng must be a numpy random Generator .*, got 1"),
        (dict(pixel="PIXEL_1"), "pixel must be a qkit.qrng.pixel.Pixel"),
        (dict(pixel=[]), "pixel must be a Pixel or a non-empty sequence"),
        (dict(mean_photons=np.ones(3), efficiency=np.ones(4)), "must broadcast to one pixel array"),
        (dict(mean_photons=np.ones((2, 2))), "must be a number or a 1-d pixel map"),
        (dict(pixel=[PIXEL_1, Pixel(adc_bits=8)]), "all pixels must share one ADC"),
    ],
)
def test_sampler_bad_input(kwargs, match):
    args = dict(mean_photons=1.0, pixel=PIXEL_1, n_frames=10, rng=np.random.default_rng(0)) | kwargs
    with pytest.raises((ValueError, TypeError), match=match):  # TypeError for a wrong type
        sample_frames(args.pop("mean_photons"), args.pop("pixel"), args.pop("n_frames"), **args)


def test_histogram_and_chi_square_bad_input():
    with pytest.raises(ValueError, match="readings must be whole ADC values"):
        adc_histogram(np.array([1.5]), 1023)
    with pytest.raises(ValueError, match=r"readings must satisfy 0 <= readings <= 3, got values in \[0, 4\]"):
        adc_histogram(np.array([0, 4]), 3)
    with pytest.raises(ValueError, match="counts must be whole numbers"):
        chi_square_test(np.array([1.5, 2.0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="counts must satisfy 0 <= counts"):
        chi_square_test(np.array([-1, 2]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="pmf must sum to 1"):
        chi_square_test(np.array([1, 2]), np.array([0.5, 0.4]))
    with pytest.raises(ValueError, match="at least one observation"):
        chi_square_test(np.array([0, 0]), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="too few merged bins"):
        chi_square_test(np.array([3, 2]), np.array([0.5, 0.5]))
    with pytest.raises(TypeError, match="pixel must be a qkit.qrng.pixel.Pixel"):
        sample_dark_frames("PIXEL_1", 10, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="offset_steps must be finite"):
        sample_dark_frames(PIXEL_1, 10, rng=np.random.default_rng(0), offset_steps=np.inf)
    with pytest.raises(ValueError, match="min_expected must satisfy 0 < min_expected"):
        merge_small_bins(np.array([1.0]), 0.0)

import numpy as np
import pytest
from scipy import stats

from qkit.qrng.pixel import NOISE_FREE, PIXEL_1, PIXEL_2, TABLE_I, Pixel
from qkit.qrng.sensor import (
    adc_floor, adc_pmf, adc_pmf_many, bit_pmfs, extract_bits, kept_bits_pmf, sample_adc,
)


def brute_adc_pmf(mu, pixel):
    """Slow reference: every electron count to 40 sigma, full normal CDF on every ADC edge."""
    lam = mu + pixel.dark_mean
    n = np.arange(0, int(lam + 40 * np.sqrt(lam) + 50))
    w = stats.poisson.pmf(n, lam)
    w /= w.sum()  # the whole support is here: remove the log-space rounding of the pmf
    c = pixel.readout_mean + pixel.gain * n
    A = pixel.adc_max
    if pixel.readout_sigma == 0:
        z = np.clip(np.floor(c + 1e-9), 0, A).astype(int)
        return np.bincount(z, weights=w, minlength=A + 1)
    edges = np.arange(1, A + 1, dtype=float)  # P(X < 1), P(X < 2), ..., P(X < A)
    cdf = stats.norm.cdf((edges[None, :] - c[:, None]) / pixel.readout_sigma)
    cdf = np.concatenate([np.zeros((len(n), 1)), cdf, np.ones((len(n), 1))], axis=1)
    return w @ np.diff(cdf, axis=1)


CASES = [
    (625.0, NOISE_FREE), (625.0, PIXEL_1), (0.0, PIXEL_1), (3.0, PIXEL_2), (1240.0, PIXEL_1),
    (2000.0, PIXEL_1), (300.0, Pixel(gain=1.7, readout_mean=2.3, readout_sigma=4.0, dark_mean=3.0)),
    (50.0, Pixel(gain=0.5, readout_mean=-3.0, readout_sigma=0.0, dark_mean=2.0, adc_bits=6)),
    # the readout window is wider than the ADC: CDFs at every bin edge (issue 15: sigma 1e4 ran away)
    (625.0, Pixel(readout_sigma=300.0, readout_mean=-13.6, dark_mean=17.2)),
    (40.0, Pixel(gain=2.0, readout_sigma=40.0, readout_mean=100.0, dark_mean=5.0, adc_bits=6)),
    # windows wholly below 0 or above adc_max go straight to the end bins
    (400.0, Pixel(gain=1.0, readout_mean=-420.0, readout_sigma=0.5, dark_mean=1.0, adc_bits=5)),
]


@pytest.mark.parametrize("mu, pixel", CASES)
def test_matches_brute_force(mu, pixel):
    p = adc_pmf(mu, pixel)
    ref = brute_adc_pmf(mu, pixel)
    assert p.shape == (pixel.adc_max + 1,)
    assert np.abs(p - ref).sum() <= 1e-12 + 1e-13  # the stated L1 bound (plus rounding)
    assert 1 - 1e-12 / 3 - 1e-14 <= p.sum() <= 1 + 1e-14


def test_noise_free_is_floor_of_k_n():
    p = adc_pmf(625.0, NOISE_FREE)
    n = np.arange(0, 2000)
    z = np.floor(0.8192 * n + 1e-9).astype(int)
    direct = np.bincount(np.minimum(z, 1023), weights=stats.poisson.pmf(n, 625.0), minlength=1024)
    np.testing.assert_allclose(p, direct, atol=1e-13)
    # pile-up: with K < 1 some outputs collect two electron numbers, some one, none are empty
    counts = np.bincount(z[(z > 400) & (z < 600)])[401:600]
    assert set(counts) == {1, 2}
    # 625 electrons -> 512 ADC steps exactly (0.8192 = 512/625): the floor guard keeps it at 512
    assert adc_floor(0.8192 * 625, 1023) == 512


def test_extremes_zero_light_and_saturation():
    np.testing.assert_array_equal(adc_pmf(0.0, NOISE_FREE)[:2], [1.0, 0.0])
    sat = adc_pmf(5000.0, PIXEL_1)
    assert sat[-1] == pytest.approx(1.0, abs=1e-12)
    dark = adc_pmf(0.0, PIXEL_1.with_offset(-100))
    assert dark[0] == pytest.approx(1.0, abs=1e-12)


def test_many_matches_single():
    means = np.array([[0.0, 625.0], [625.0, 900.5]])
    many = adc_pmf_many(means, PIXEL_1)
    assert many.shape == (2, 2, 1024)
    np.testing.assert_array_equal(many[1, 1], adc_pmf(900.5, PIXEL_1))
    np.testing.assert_array_equal(many[0, 1], many[1, 0])


def test_monte_carlo_agrees():
    rng = np.random.default_rng(20210521)
    z = sample_adc(625.0, PIXEL_1, 200_000, rng)
    p = adc_pmf(625.0, PIXEL_1)
    # chi-square test on bins grouped to expected counts >= 20
    order = np.argsort(p)[::-1]
    keep = order[p[order] * z.size >= 20]
    obs = np.bincount(z, minlength=1024)
    o = np.append(obs[keep], z.size - obs[keep].sum())
    e = np.append(p[keep] * z.size, z.size * (1 - p[keep].sum()))
    assert stats.chisquare(o, e).pvalue > 1e-4


def test_extract_bits():
    z = np.arange(1024)
    b = extract_bits(z)
    np.testing.assert_array_equal(b, (z >> 2) & 3)
    np.testing.assert_array_equal(extract_bits(z, (3, 2)), ((z >> 3) & 1) | (((z >> 2) & 1) << 1))
    np.testing.assert_array_equal(extract_bits(z, (0, 1, 2, 3, 4, 5, 6, 7, 8, 9)), z)
    assert extract_bits(np.array([12.0])).tolist() == [3]


def test_kept_bits_pmf():
    p = adc_pmf(625.0, NOISE_FREE)
    q = kept_bits_pmf(p)
    z = np.arange(1024)
    np.testing.assert_allclose(q, [p[((z >> 2) & 3) == b].sum() for b in range(4)], atol=1e-15)
    assert kept_bits_pmf(np.stack([p, p])).shape == (2, 4)
    # uniform Z gives uniform kept bits
    np.testing.assert_allclose(kept_bits_pmf(np.full(1024, 1 / 1024), (0, 5, 9)), np.full(8, 1 / 8))


def test_bit_pmfs():
    p = np.zeros(1024)
    p[0b1000000101] = 1.0
    np.testing.assert_array_equal(bit_pmfs(p), [1, 0, 1, 0, 0, 0, 0, 0, 0, 1])


def test_bad_input():
    with pytest.raises(ValueError, match="mean_photoelectrons must satisfy 0 <= .*electrons.*-1"):
        adc_pmf(-1.0, PIXEL_1)
    with pytest.raises(TypeError, match="pixel must be"):
        adc_pmf(1.0, "pixel 1")
    with pytest.raises(ValueError, match="tolerance"):
        adc_pmf(1.0, PIXEL_1, tolerance=0.0)
    with pytest.raises(ValueError, match="means"):
        adc_pmf_many([1.0, -2.0], PIXEL_1)
    with pytest.raises(ValueError, match="z must be whole"):
        extract_bits(np.array([1.5]))
    with pytest.raises(ValueError, match="kept_bits must be distinct whole numbers in \\[0, 61\\], got \\(2, 2\\)"):
        extract_bits(np.arange(4), (2, 2))
    with pytest.raises(ValueError, match="z must be >= 0"):
        extract_bits(np.array([-1]))
    with pytest.raises(ValueError, match="kept_bits"):
        kept_bits_pmf(np.full(1024, 1 / 1024), (2, 10))
    with pytest.raises(ValueError, match="2\\*\\*adc_bits"):
        kept_bits_pmf(np.ones(1000) / 1000)
    with pytest.raises(ValueError, match="probabilities"):
        kept_bits_pmf(-np.ones(1024))
    with pytest.raises(TypeError, match="rng"):
        sample_adc(1.0, PIXEL_1, 3, rng=1)


def test_huge_readout_sigma_is_exact_and_fast():
    # issue 15: readout_sigma = 1e4 is now the full-range path, 1024 CDFs per electron number
    pixel = Pixel(readout_sigma=1e4, readout_mean=-13.6, dark_mean=17.2)
    p = adc_pmf(625.0, pixel)
    assert np.abs(p - brute_adc_pmf(625.0, pixel)).sum() <= 1e-12
    assert p[0] == pytest.approx(0.5, abs=0.03) and p[-1] == pytest.approx(0.5, abs=0.03)

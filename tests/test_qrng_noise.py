import numpy as np
import pytest
from scipy import integrate, stats

from qkit.qrng.noise import (
    interval_masses, noise_cdf, noise_components, noise_mean, noise_pdf, noise_variance,
)
from qkit.qrng.pixel import NOISE_FREE, PIXEL_1, PIXEL_2, TABLE_I, Pixel


def eq4_pdf(e, pixel):
    """Eq. (4) written out, every dark count to 30 sigma."""
    m = np.arange(0, int(pixel.dark_mean + 30 * np.sqrt(pixel.dark_mean) + 30))
    p = stats.poisson.pmf(m, pixel.dark_mean)
    return stats.norm.pdf(e[:, None], pixel.readout_mean + pixel.gain * m, pixel.readout_sigma) @ p


@pytest.mark.parametrize("pixel", TABLE_I)
def test_pdf_is_eq4_and_normalised(pixel):
    e = np.linspace(-20, 25, 4001)
    np.testing.assert_allclose(noise_pdf(e, pixel), eq4_pdf(e, pixel), rtol=1e-9, atol=1e-15)
    total, _ = integrate.quad(lambda x: float(noise_pdf(x, pixel)), -40, 45, limit=2000, points=[0.0])
    assert total == pytest.approx(1.0, abs=1e-9)


def test_pile_up_in_the_noise():
    """Fig. 5: dark electrons make E a comb of peaks K apart, sharper than the spacing."""
    e = np.linspace(-2, 3, 5001)
    p = noise_pdf(e, PIXEL_1)
    peaks = e[1:-1][(p[1:-1] > p[:-2]) & (p[1:-1] > p[2:])]
    np.testing.assert_allclose(np.diff(peaks), 0.8192, atol=2e-3)


def test_moments():
    for pixel in TABLE_I:
        e = np.linspace(-40, 45, 200001)
        p = noise_pdf(e, pixel)
        de = e[1] - e[0]
        mean = (e * p).sum() * de
        var = ((e - mean) ** 2 * p).sum() * de
        assert mean == pytest.approx(noise_mean(pixel), abs=1e-6)
        assert var == pytest.approx(noise_variance(pixel), rel=1e-6)
    assert noise_mean(PIXEL_1) == pytest.approx(-13.6 + 0.8192 * 17.2)


def test_cdf_and_interval_masses_agree():
    pixel = PIXEL_2
    x = np.sort(np.concatenate([np.linspace(-30, 30, 3001), np.random.default_rng(3).uniform(-30, 30, 500)]))
    cdf = noise_cdf(x, pixel)
    masses = interval_masses(x, pixel)
    np.testing.assert_allclose(masses, np.diff(cdf), atol=1e-12)
    assert abs(masses.sum() - (cdf[-1] - cdf[0])) < 1e-12
    assert abs(masses.sum() - 1.0) < 1e-12  # the grid covers all of E


def test_interval_masses_with_wide_noise_and_no_dark():
    pixel = Pixel(readout_mean=3.0, readout_sigma=40.0, dark_mean=0.0)
    x = np.linspace(-400, 400, 801)
    got = interval_masses(x, pixel)
    exact = np.diff(stats.norm.cdf(x, 3.0, 40.0))
    assert np.abs(got - exact).sum() <= 1e-12  # the stated budget: tails moved to the window edges


def test_monte_carlo_agrees():
    rng = np.random.default_rng(11)
    n = 100_000
    e = PIXEL_1.gain * rng.poisson(PIXEL_1.dark_mean, n) + rng.normal(PIXEL_1.readout_mean, PIXEL_1.readout_sigma, n)
    ks = stats.kstest(e, lambda x: noise_cdf(x, PIXEL_1))
    assert ks.pvalue > 1e-3


def test_atoms_without_readout_noise():
    pixel = Pixel(readout_mean=-2.0, readout_sigma=0.0, dark_mean=3.0)
    c, w = noise_components(pixel)
    np.testing.assert_allclose(c[:3], [-2.0, -2.0 + 0.8192, -2.0 + 2 * 0.8192])
    np.testing.assert_allclose(w[:3], stats.poisson.pmf([0, 1, 2], 3.0), rtol=1e-12)
    assert float(noise_cdf(-2.0, pixel)) == pytest.approx(np.exp(-3.0))  # right-continuous
    assert float(noise_cdf(-2.0 - 1e-9, pixel)) == 0.0
    c0, w0 = noise_components(NOISE_FREE)
    assert c0.tolist() == [0.0] and w0.tolist() == [1.0]


def test_bad_input():
    with pytest.raises(ValueError, match="readout_sigma must be > 0"):
        noise_pdf(0.0, NOISE_FREE)
    with pytest.raises(ValueError, match="readout_sigma must be > 0"):
        interval_masses([0.0, 1.0], NOISE_FREE)
    with pytest.raises(ValueError, match="ascending"):
        interval_masses([1.0, 0.0], PIXEL_1)
    with pytest.raises(ValueError, match="e must be finite"):
        noise_cdf(np.nan, PIXEL_1)
    with pytest.raises(TypeError, match="pixel must be"):
        noise_mean({"gain": 1})
    with pytest.raises(ValueError, match="tolerance"):
        noise_components(PIXEL_1, tolerance=2.0)

import numpy as np
import pytest
from scipy import special, stats

from qkit.qrng.photons import (
    mean_photoelectrons, photoelectron_pmf, poisson_pmf, poisson_support, poisson_weights,
    sample_photoelectrons,
)


@pytest.mark.parametrize("mean", [0.4, 17.2, 625.0, 1500.0])
@pytest.mark.parametrize("tol", [1e-12, 1e-6])
def test_support_drops_at_most_tolerance(mean, tol):
    low, high = poisson_support(mean, tol)
    below = stats.poisson.cdf(low - 1, mean) if low > 0 else 0.0
    above = stats.poisson.sf(high, mean)
    assert below <= tol / 2 and above <= tol / 2
    # and it is not wasteful: one count less on either side would drop more than tol/2
    assert stats.poisson.cdf(low, mean) > tol / 2 or low == 0
    assert stats.poisson.sf(high - 1, mean) > tol / 2


def test_support_zero_mean():
    assert poisson_support(0.0) == (0, 0)
    n, w = poisson_weights(0.0)
    assert n.tolist() == [0] and w.tolist() == [1.0]


@pytest.mark.parametrize("mean", [3.0, 625.0, 2000.0])
def test_weights_sum_to_exact_inside_mass(mean):
    n, w = poisson_weights(mean, 1e-12)
    inside = special.pdtr(n[-1], mean) - (special.pdtr(n[0] - 1, mean) if n[0] > 0 else 0)
    assert abs(w.sum() - inside) < 1e-15
    assert 1 - 1e-12 <= w.sum() <= 1
    np.testing.assert_allclose(w, stats.poisson.pmf(n, mean), rtol=1e-10)


def test_thinning_is_poisson():
    mu_ph, eta = 40.0, 0.3
    k = np.arange(0, 60)
    n = np.arange(0, 200)
    explicit = (stats.poisson.pmf(n, mu_ph)[None, :] * stats.binom.pmf(k[:, None], n[None, :], eta)).sum(1)
    np.testing.assert_allclose(photoelectron_pmf(k, mu_ph, eta), explicit, rtol=1e-10, atol=1e-300)
    assert mean_photoelectrons(1000.0, 0.625) == 625.0
    np.testing.assert_allclose(mean_photoelectrons([100.0, 200.0], [0.5, 0.25]), [50.0, 50.0])


def test_sampler_mean_and_variance_match_thinning():
    rng = np.random.default_rng(7)
    x = sample_photoelectrons(1000.0, 0.6, 200_000, rng)
    assert x.dtype == np.int64
    # mean 600, variance 600 (Poisson): 5-sigma bounds on the sample mean and variance
    assert abs(x.mean() - 600) < 5 * np.sqrt(600 / x.size)
    assert abs(x.var() - 600) < 5 * 600 * np.sqrt(2 / x.size)
    again = sample_photoelectrons(1000.0, 0.6, 200_000, np.random.default_rng(7))
    np.testing.assert_array_equal(again, x)  # reproducible from the seed


def test_poisson_pmf_signature_kept():
    assert float(poisson_pmf(0, 2.0)) == pytest.approx(np.exp(-2.0))


def test_bad_input():
    with pytest.raises(ValueError, match="efficiency must satisfy 0 <= efficiency <= 1, got 1.2"):
        photoelectron_pmf(3, 10.0, 1.2)
    with pytest.raises(ValueError, match="mean_photons must satisfy 0 <= .*photons.*-5"):
        mean_photoelectrons(-5.0, 0.5)
    with pytest.raises(ValueError, match="tolerance must satisfy 0 < tolerance < 1"):
        poisson_support(3.0, 0.0)
    with pytest.raises(TypeError, match="rng"):
        sample_photoelectrons(1.0, 0.5, 3, rng=None)

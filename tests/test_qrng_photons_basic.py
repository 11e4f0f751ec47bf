import numpy as np
import pytest
from scipy import stats

from qkit.qrng.photons import poisson_pmf


@pytest.mark.parametrize("mean", [0.3, 7.0, 625.0, 5000.0])
def test_matches_scipy_and_sums_to_one(mean):
    n = np.arange(0, int(mean + 20 * np.sqrt(mean) + 30))
    p = poisson_pmf(n, mean)
    np.testing.assert_allclose(p, stats.poisson.pmf(n, mean), rtol=1e-10, atol=1e-300)
    # log-space terms of size mean*log(mean) cancel: relative error ~ 1e-16 * mean*log(mean)
    assert abs(p.sum() - 1.0) < 1e-14 * max(mean * np.log(mean), 1.0) * 10


def test_zero_light_and_negative_counts():
    np.testing.assert_array_equal(poisson_pmf([0, 1, 2, -1], 0.0), [1.0, 0.0, 0.0, 0.0])


def test_bad_input():
    with pytest.raises(ValueError, match="mean must satisfy 0 <= mean"):
        poisson_pmf(3, -1.0)
    with pytest.raises(ValueError, match="counts must contain whole numbers"):
        poisson_pmf(2.5, 1.0)

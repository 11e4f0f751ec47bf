"""Pearson and autocorrelation coefficients of Eq. (7) and their spread (Fig. 6 of the QRNG paper)."""

import numpy as np
import pytest

from qkit.qrng.correlations import (
    autocorrelation,
    confidence_multiplier,
    correlation_summary,
    expected_spread,
    pair_correlations,
    pearson_matrix,
)
from qkit.qrng.pixel import PIXEL_1
from qkit.qrng.sampling import sample_frames


def _eq7_pair(a, b):
    """Eq. (7) written out literally (slow reference)."""
    return np.mean((a - a.mean()) * (b - b.mean())) / (a.std() * b.std())


def _eq7_lag(a, lag):
    dev = a - a.mean()
    return np.mean(dev[:-lag] * dev[lag:]) / np.mean(dev**2)


def test_pearson_matches_eq7():
    z = np.random.default_rng(1).poisson(5.0, size=(5, 300))
    rho = pearson_matrix(z)
    assert rho.shape == (5, 5)
    for i in range(5):
        for j in range(5):
            assert rho[i, j] == pytest.approx(_eq7_pair(z[i].astype(float), z[j].astype(float)), abs=1e-12)
    pairs = pair_correlations(z)
    assert pairs.shape == (10,)
    assert pairs[0] == pytest.approx(rho[0, 1]) and pairs[-1] == pytest.approx(rho[3, 4])


def test_autocorrelation_matches_eq7_at_every_lag():
    z = np.random.default_rng(2).normal(size=(3, 257))
    acf = autocorrelation(z, 40)
    assert acf.shape == (3, 40)
    for i in range(3):
        for lag in range(1, 41):
            assert acf[i, lag - 1] == pytest.approx(_eq7_lag(z[i], lag), abs=1e-12)
    # a single pixel may be given as a 1-d series
    np.testing.assert_allclose(autocorrelation(z[0], 5), acf[:1, :5], atol=1e-13)


def test_known_correlations_are_recovered():
    rng = np.random.default_rng(3)
    n = 200_000
    shared = rng.normal(size=n)
    a = shared + rng.normal(size=n)
    b = shared + rng.normal(size=n)  # rho = 1/2
    assert pearson_matrix(np.stack([a, b]))[0, 1] == pytest.approx(0.5, abs=5 / np.sqrt(n))
    ar = np.empty(n)  # AR(1) with phi = 0.6: rho(l) = 0.6**l
    ar[0] = 0.0
    noise = rng.normal(size=n)
    for t in range(1, n):
        ar[t] = 0.6 * ar[t - 1] + noise[t]
    np.testing.assert_allclose(autocorrelation(ar, 5)[0], 0.6 ** np.arange(1, 6), atol=0.01)


def test_spread_of_independent_pixels_is_one_over_sqrt_frames():
    """Fig. 6a: 1e5 frames give sigma = 3.16e-3 (here 64 pixels, 2016 pairs)."""
    n_frames = 100_000
    z = sample_frames(np.full(64, 625.0), PIXEL_1, n_frames, rng=np.random.default_rng(4))
    summary = correlation_summary(z, max_lag=20)
    assert summary.spread == pytest.approx(3.162e-3, rel=1e-3)
    # std of the std of 2016 nearly independent normal values: 1/sqrt(2 * 2016) = 1.6 %
    assert summary.pair_std == pytest.approx(summary.spread, rel=0.05)
    assert abs(summary.pairs.mean()) < 5 * summary.spread / np.sqrt(summary.pairs.size)
    assert np.std(summary.lags) == pytest.approx(summary.spread, rel=0.05)
    # about 1 % of the coefficients lie outside the 2.576 sigma band (Fig. 6b)
    assert summary.multiplier == pytest.approx(2.576, abs=1e-3)
    assert 0.003 < summary.pairs_outside < 0.02
    assert summary.lags_outside < 0.03  # 1280 lag coefficients: 12.8 expected outside


def test_band_multipliers():
    assert confidence_multiplier(0.99) == pytest.approx(2.5758, abs=1e-4)
    assert confidence_multiplier(0.6826894921) == pytest.approx(1.0, abs=1e-6)
    assert expected_spread(100_000) == pytest.approx(1 / np.sqrt(1e5))


def test_bad_input():
    z = np.random.default_rng(5).normal(size=(3, 50))
    with pytest.raises(ValueError, match="pixel 1 never changes"):
        pearson_matrix(np.stack([z[0], np.full(50, 7.0)]))
    with pytest.raises(ValueError, match="at least 3 frames, got 2"):
        pearson_matrix(z[:, :2])
    with pytest.raises(ValueError, match="at least 2 pixels"):
        pair_correlations(z[:1])
    with pytest.raises(ValueError, match="max_lag must satisfy 1 <= max_lag <= 49, got 50"):
        autocorrelation(z, 50)
    with pytest.raises(ValueError, match="frames must hold finite numbers"):
        pearson_matrix(np.array([[1.0, np.nan, 2.0], [1.0, 2.0, 3.0]]))
    with pytest.raises(ValueError, match=r"frames must be a \(pixels x frames\) array"):
        pearson_matrix(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="n_frames must satisfy 1 <= n_frames, got 0"):
        expected_spread(0)
    with pytest.raises(ValueError, match="level must satisfy 0 < level < 1"):
        confidence_multiplier(1.0)

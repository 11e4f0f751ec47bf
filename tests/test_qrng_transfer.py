"""Photon transfer curve (Fig. 4b) and the Fano factor read from it with an independent gain."""

import numpy as np
import pytest

from qkit.qrng import fitting, transfer
from qkit.qrng.transfer import fano_factor, photon_transfer_curve


def _levels(sampler, means, n, gain=0.8192, sigma=0.21, offset=-5.6, seed=0):
    """ADC readings floor(K N + G) of electrons N drawn by ``sampler(rng, mean, n)`` at each mean."""
    rng = np.random.default_rng(seed)
    return [np.floor(gain * sampler(rng, m, n) + rng.normal(offset, sigma, n)) for m in means]


def test_fitting_reexports_the_moved_transfer_curve():
    assert fitting.photon_transfer_curve is transfer.photon_transfer_curve
    assert fitting.PhotonTransferCurve is transfer.PhotonTransferCurve
    assert "dark_pmf" not in fitting.__all__ and all(hasattr(fitting, name) for name in fitting.__all__)


def test_fano_factor_divides_and_propagates_errors():
    f, err = fano_factor(0.82, 0.0041, 0.82, 0.0)
    assert f == pytest.approx(1.0) and err == pytest.approx(0.005)
    f, err = fano_factor(0.5, 0.003, 0.8, 0.004)
    assert f == pytest.approx(0.625) and err == pytest.approx(0.625 * np.hypot(0.006, 0.005))


def test_fano_factor_error_matches_a_parametric_bootstrap():
    rng = np.random.default_rng(11)
    slope, ds, gain, dk = 0.817, 0.0045, 0.8193, 0.0006
    draws = rng.normal(slope, ds, 200_000) / rng.normal(gain, dk, 200_000)
    f, err = fano_factor(slope, ds, gain, dk)
    assert draws.mean() == pytest.approx(f, abs=1e-4) and draws.std() == pytest.approx(err, rel=0.02)


@pytest.mark.parametrize("name, kind, fano", [
    ("Poisson", lambda rng, m, n: rng.poisson(m, n), 1.0),
    # binomial electrons, p = 0.4 of 2.5 m trials: Var N = m (1 - p), sub-Poissonian light
    ("sub-Poissonian", lambda rng, m, n: rng.binomial(int(round(2.5 * m)), 0.4, n), 0.6),
])
def test_slope_over_an_independent_gain_recovers_the_fano_factor(name, kind, fano):
    curve = photon_transfer_curve(_levels(kind, [100, 200, 300, 400, 500], 40_000, seed=3))
    f, err = fano_factor(curve.gain, curve.gain_error, 0.8192, 0.0006)
    assert abs(f - fano) < 4 * err and err < 0.02, (name, f, err)
    if fano < 1:
        assert f + 5 * err < 1  # the measurement tells sub-Poissonian light from Poisson


def test_slope_alone_cannot_tell_gain_from_fano_factor():
    # Poisson electrons at gain 0.6 and binomial electrons (F = 0.75) at gain 0.8 give the same line
    poisson = photon_transfer_curve(_levels(lambda r, m, n: r.poisson(m, n), [100, 250, 400], 40_000, gain=0.6))
    binom = photon_transfer_curve(_levels(lambda r, m, n: r.binomial(4 * m, 0.25, n), [75, 188, 300], 40_000,
                                          gain=0.8, seed=1))
    assert abs(poisson.gain - binom.gain) < 3 * np.hypot(poisson.gain_error, binom.gain_error)
    assert fano_factor(binom.gain, binom.gain_error, 0.8, 0.0)[0] == pytest.approx(0.75, abs=0.03)


@pytest.mark.parametrize("kwargs, name", [
    (dict(slope=0.0), "slope"), (dict(slope=-0.8), "slope"), (dict(gain=0.0), "gain"),
    (dict(slope_error=-1e-3), "slope_error"), (dict(gain_error=np.nan), "gain_error"),
])
def test_fano_factor_refuses_bad_input(kwargs, name):
    args = dict(slope=0.8, slope_error=0.01, gain=0.8, gain_error=0.001) | kwargs
    with pytest.raises(ValueError, match=name):
        fano_factor(**args)

"""The per-layer noise model against a brute-force density-matrix simulation."""

import functools

import numpy as np
import pytest

from qkit.qnn.noise import NoiseModel, apply_readout_error, depolarize_probabilities


def random_unitary(d, rng):
    q, r = np.linalg.qr(rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d)))
    return q * (np.diag(r) / np.abs(np.diag(r)))


def test_global_depolarising_after_each_layer_is_exact():
    """rho -> (1-p) rho + p I/d after each of k random layers == f_k p_ideal + (1 - f_k)/d."""
    rng = np.random.default_rng(0)
    n, p, d = 3, 0.13, 8
    psi = np.zeros(d, complex)
    psi[0] = 1
    rho = np.outer(psi, psi.conj())
    model = NoiseModel(depolarizing=p)
    for k in range(1, 5):
        u = random_unitary(d, rng)
        psi = u @ psi
        rho = u @ rho @ u.conj().T
        rho = (1 - p) * rho + p * np.eye(d) / d
        ideal = np.abs(psi) ** 2
        got = model.measured_probabilities(ideal[:, None], k, n)[:, 0]
        np.testing.assert_allclose(got, np.real(np.diag(rho)), atol=1e-14)
        assert model.retained_fraction(k) == pytest.approx((1 - p) ** k)


def test_readout_error_is_a_kronecker_product_of_bit_flips():
    rng = np.random.default_rng(1)
    n, q = 3, 0.07
    probs = rng.dirichlet(np.ones(2**n), size=4).T
    r = np.array([[1 - q, q], [q, 1 - q]])
    full = functools.reduce(np.kron, [r] * n)
    np.testing.assert_allclose(apply_readout_error(probs, n, q), full @ probs, atol=1e-15)
    # <Z_0> shrinks by (1 - 2q)
    z0 = np.repeat([1.0, -1.0], 2 ** (n - 1))
    np.testing.assert_allclose(z0 @ apply_readout_error(probs, n, q), (1 - 2 * q) * (z0 @ probs), atol=1e-15)


def test_pullback_is_the_adjoint_of_the_noise_map():
    rng = np.random.default_rng(2)
    model = NoiseModel(depolarizing=0.2, readout_error=0.1)
    n = 3
    probs = rng.dirichlet(np.ones(8), size=5).T
    g = rng.normal(size=(8, 5))
    # the map is affine: L(p) = g . M(p) has gradient M^T g for the linear part
    lin = model.measured_probabilities(probs, 2, n) - model.measured_probabilities(0 * probs, 2, n)
    np.testing.assert_allclose(np.sum(g * lin), np.sum(model.pullback(g, 2, n) * probs), atol=1e-13)


def test_extremes_and_validation():
    probs = np.array([[1.0], [0.0], [0.0], [0.0]])
    np.testing.assert_allclose(depolarize_probabilities(probs, 0.0), 0.25)
    np.testing.assert_allclose(NoiseModel(depolarizing=1.0).measured_probabilities(probs, 1, 2), 0.25)
    np.testing.assert_allclose(NoiseModel().measured_probabilities(probs, 3, 2), probs)
    np.testing.assert_allclose(apply_readout_error(probs, 2, 0.5), 0.25)
    assert NoiseModel(depolarizing=0.3).retained_fraction(0) == 1.0
    with pytest.raises(ValueError, match="depolarizing must satisfy 0 <= depolarizing <= 1"):
        NoiseModel(depolarizing=1.5)
    with pytest.raises(ValueError, match="readout_error must satisfy"):
        NoiseModel(readout_error=0.7)
    with pytest.raises(ValueError, match="shots must satisfy 1 <= shots"):
        NoiseModel(shots=0)
    with pytest.raises(ValueError, match="shots must be a whole number"):
        NoiseModel(shots=10.5)

"""qkit.qnn.statevector against brute-force Kronecker products."""

import functools

import numpy as np
import pytest

from qkit.qnn import gates as g
from qkit.qnn import statevector as sv


def random_state(n, batch, rng):
    psi = rng.normal(size=(2,) * n + (batch,)) + 1j * rng.normal(size=(2,) * n + (batch,))
    return psi / np.sqrt((np.abs(psi) ** 2).sum(axis=tuple(range(n))))


def full_matrix(n, matrix, wires):
    """Brute force: the 2**n x 2**n matrix of a k-qubit gate on ``wires`` (wire 0 = MSB)."""
    k = len(wires)
    dim = 2**n
    out = np.zeros((dim, dim), dtype=complex)
    for col in range(dim):
        bits = [(col >> (n - 1 - i)) & 1 for i in range(n)]
        sub = sum(bits[w] << (k - 1 - j) for j, w in enumerate(wires))
        for row_sub in range(2**k):
            new = list(bits)
            for j, w in enumerate(wires):
                new[w] = (row_sub >> (k - 1 - j)) & 1
            row = sum(b << (n - 1 - i) for i, b in enumerate(new))
            out[row, col] += matrix[row_sub, sub]
    return out


def random_unitary(d, rng):
    q, r = np.linalg.qr(rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d)))
    return q * (np.diag(r) / np.abs(np.diag(r)))


@pytest.mark.parametrize("wires", [(0,), (2,), (3,), (1, 3), (3, 0), (2, 1), (0, 3, 1)])
def test_apply_gate_matches_kronecker(wires):
    rng = np.random.default_rng(len(wires) * 10 + wires[0])
    n, batch = 4, 3
    psi = random_state(n, batch, rng)
    u = random_unitary(2 ** len(wires), rng)
    out = sv.apply_gate(psi, u, wires)
    ref = full_matrix(n, u, wires) @ psi.reshape(2**n, batch)
    np.testing.assert_allclose(out.reshape(2**n, batch), ref, atol=1e-13)
    assert np.allclose(psi, random_state(n, batch, np.random.default_rng(len(wires) * 10 + wires[0])))


def test_batched_gate_is_one_gate_per_sample():
    rng = np.random.default_rng(1)
    psi = random_state(3, 4, rng)
    theta = rng.uniform(0, 6, 4)
    out = sv.apply_gate(psi, g.rx(theta), 1)
    for b in range(4):
        ref = sv.apply_gate(psi[..., b:b + 1], g.rx(theta[b]), 1)
        np.testing.assert_allclose(out[..., b:b + 1], ref, atol=1e-14)


@pytest.mark.parametrize("control,target", [(0, 1), (1, 0), (0, 3), (3, 1), (2, 0)])
def test_apply_controlled_matches_full_gate(control, target):
    rng = np.random.default_rng(control * 7 + target)
    psi = random_state(4, 5, rng)
    u = g.u3(*rng.uniform(-3, 3, 3))
    out = sv.apply_controlled(psi, u, control, target)
    np.testing.assert_allclose(out, sv.apply_gate(psi, g.controlled(u), (control, target)), atol=1e-14)


def test_overlap_kernel_matches_einsum():
    rng = np.random.default_rng(3)
    mu, phi = random_state(4, 3, rng), random_state(4, 3, rng)
    for t in range(4):
        ref = np.moveaxis(mu, t, 0).reshape(2, -1) @ np.moveaxis(phi, t, 0).reshape(2, -1).T
        np.testing.assert_allclose(sv._overlap(mu, phi, (t,)), ref, atol=1e-13)
    for c, t in [(0, 2), (3, 1)]:
        m1 = np.take(mu, 1, axis=c)
        p1 = np.take(phi, 1, axis=c)
        tt = t if t < c else t - 1
        ref = np.moveaxis(m1, tt, 0).reshape(2, -1) @ np.moveaxis(p1, tt, 0).reshape(2, -1).T
        np.testing.assert_allclose(sv._overlap(mu, phi, (c, t), controlled=True), ref, atol=1e-13)
    for t in range(3):  # two adjacent wires t, t+1
        ref = np.moveaxis(mu, (t, t + 1), (0, 1)).reshape(4, -1) @ np.moveaxis(phi, (t, t + 1), (0, 1)).reshape(4, -1).T
        np.testing.assert_allclose(sv._overlap(mu, phi, (t, t + 1)), ref, atol=1e-13)


def test_angle_encoding_and_expectations():
    rng = np.random.default_rng(4)
    x = rng.uniform(0, np.pi, (6, 3))
    psi = sv.angle_encode(x)
    ref = np.stack([functools.reduce(np.kron, [g.ry(v)[:, 0] for v in row]) for row in x], axis=1)
    np.testing.assert_allclose(psi.reshape(8, 6), ref, atol=1e-15)
    np.testing.assert_allclose(sv.expval_z(psi), np.cos(x).T, atol=1e-14)
    psi_x = sv.angle_encode(x, rotation="rx")
    np.testing.assert_allclose(sv.probabilities(psi_x), sv.probabilities(psi), atol=1e-15)
    np.testing.assert_allclose(psi_x[1, 0, 0], -1j * psi[1, 0, 0], atol=1e-15)
    p = sv.probabilities(psi)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, atol=1e-14)
    np.testing.assert_allclose(sv.z_eigenvalues(3) @ p, sv.expval_z(psi), atol=1e-14)


def test_zero_state_extremes():
    psi = sv.zero_state(1, batch=2)
    assert psi.shape == (2, 2)
    np.testing.assert_array_equal(sv.expval_z(psi), np.ones((1, 2)))
    np.testing.assert_array_equal(sv.probabilities(sv.zero_state(3))[:, 0], [1, 0, 0, 0, 0, 0, 0, 0])


def test_sampling_agrees_with_exact_and_is_reproducible():
    rng = np.random.default_rng(5)
    psi = sv.angle_encode(rng.uniform(0, np.pi, (4, 3)))
    shots = 20000
    counts = sv.sample_counts(psi, shots, np.random.default_rng(7))
    assert counts.shape == (8, 4) and np.all(counts.sum(axis=0) == shots)
    np.testing.assert_array_equal(counts, sv.sample_counts(psi, shots, np.random.default_rng(7)))
    exact = sv.expval_z(psi)
    est = sv.sample_expval_z(psi, shots, np.random.default_rng(8))
    sigma = np.sqrt((1 - exact**2) / shots) + 1e-12
    assert np.all(np.abs(est - exact) < 5 * sigma + 1e-9)
    # a deterministic outcome is always sampled exactly
    np.testing.assert_array_equal(sv.sample_expval_z(sv.zero_state(2, 3), 10, rng), np.ones((2, 3)))


def test_bad_input_raises():
    psi = sv.zero_state(3, 2)
    with pytest.raises(ValueError, match="wires must be qubit indices in 0..2"):
        sv.apply_gate(psi, g.H, 3)
    with pytest.raises(ValueError, match="distinct"):
        sv.apply_gate(psi, g.CNOT, (1, 1))
    with pytest.raises(ValueError, match=r"matrix must have shape \(4, 4\)"):
        sv.apply_gate(psi, g.H, (0, 1))
    with pytest.raises(ValueError, match="control, target"):
        sv.apply_controlled(psi, g.PAULI_X, 0, 5)
    with pytest.raises(ValueError, match="state must have shape"):
        sv.expval_z(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="features must be finite"):
        sv.angle_encode(np.array([[0.1, np.nan]]))
    with pytest.raises(ValueError, match="features must be a 2-D array"):
        sv.angle_encode(np.array([0.1, 0.2]))
    with pytest.raises(ValueError, match="rotation must be one of"):
        sv.angle_encode(np.zeros((1, 2)), rotation="rz")
    with pytest.raises(ValueError, match="shots must satisfy 1 <= shots"):
        sv.sample_counts(psi, 0, np.random.default_rng())
    with pytest.raises(TypeError, match="rng must be a numpy random Generator"):
        sv.sample_counts(psi, 10, 42)
    with pytest.raises(ValueError, match="n_qubits must satisfy"):
        sv.zero_state(0)


@pytest.mark.parametrize("batch", [1, 3, 300, 5000])
def test_kernels_for_any_batch_size(batch):
    """Small, odd and large batches (the large one is split inside the batch axis)."""
    rng = np.random.default_rng(batch)
    psi = random_state(3, batch, rng)
    u4 = random_unitary(4, rng)
    stack, out = psi[None].copy(), np.empty((1,) + psi.shape, dtype=complex)
    sv._apply_1q_into(u4[None], stack, out, 1)
    np.testing.assert_allclose(out[0], sv.apply_gate(psi, u4, (1, 2)), atol=1e-13)
    u = g.u3(0.3, 1.1, -0.4)
    np.testing.assert_allclose(sv.apply_controlled(psi, u, 2, 0), sv.apply_gate(psi, g.controlled(u), (2, 0)), atol=1e-13)
    ref = np.moveaxis(psi, 0, 0).reshape(2, -1) @ np.moveaxis(psi, 0, 0).reshape(2, -1).T
    np.testing.assert_allclose(sv._overlap(psi, psi, (0,)), ref, atol=1e-10)


def test_sizes_over_the_memory_budget_are_refused_before_allocating():
    import qkit

    with pytest.raises(ValueError, match="memory budget"):
        sv.zero_state(20, 10**4)  # 156 GiB
    with pytest.raises(ValueError, match="at most 24"):
        sv.angle_encode(np.ones((1, 40)))
    qkit.set_memory_budget(2.0**-10)  # 1 MiB
    try:
        with pytest.raises(ValueError, match="batch=8 samples"):
            sv.zero_state(14, 8)  # 2 MiB
        assert sv.zero_state(14, 2).shape == (2,) * 14 + (2,)  # 0.5 MiB fits
    finally:
        qkit.set_memory_budget(None)


def test_non_unitary_gates_and_unnormalised_states_are_refused():
    psi = sv.zero_state(2, 3)
    with pytest.raises(ValueError, match="matrix must be unitary"):
        sv.apply_gate(psi, 2.0 * np.eye(2), 0)
    with pytest.raises(ValueError, match="state must be normalised"):
        sv.apply_gate(2.0 * psi, g.H, 0)
    with pytest.raises(ValueError, match="probs must sum to 1"):
        sv.sample_probabilities(np.full((4, 1), 0.5), 10, np.random.default_rng(0))

"""qkit.qnn.gates: matrices against their definitions, derivatives against finite differences."""

import numpy as np
import pytest
from scipy.linalg import expm

from qkit.qnn import gates as g

ANGLES = [0.0, 0.37, -1.9, np.pi, 5.5]


@pytest.mark.parametrize("theta", ANGLES)
def test_rotations_are_pauli_exponentials(theta):
    for fn, pauli in [(g.rx, g.PAULI_X), (g.ry, g.PAULI_Y), (g.rz, g.PAULI_Z)]:
        np.testing.assert_allclose(fn(theta), expm(-0.5j * theta * pauli), atol=1e-14)


def test_u3_rot_phase_and_cu3():
    t, p, l = 0.7, -1.3, 2.1
    u = g.u3(t, p, l)
    np.testing.assert_allclose(u, g.phase(p) @ g.ry(t) @ g.phase(l), atol=1e-14)
    # U3 and Rot differ by the global phase exp(i (phi + lam) / 2)
    np.testing.assert_allclose(u, np.exp(0.5j * (p + l)) * g.rot(l, t, p), atol=1e-14)
    np.testing.assert_allclose(g.rot(p, t, l), g.rz(l) @ g.ry(t) @ g.rz(p), atol=1e-14)
    cu = g.cu3(t, p, l)
    np.testing.assert_allclose(cu[:2, :2], np.eye(2))
    np.testing.assert_allclose(cu[2:, 2:], u)
    assert np.all(cu[:2, 2:] == 0) and np.all(cu[2:, :2] == 0)
    np.testing.assert_allclose(g.controlled(g.PAULI_X), g.CNOT)
    np.testing.assert_allclose(g.controlled(g.PAULI_Z), g.CZ)


def test_all_gates_unitary_scalar_and_batched():
    rng = np.random.default_rng(0)
    a, b, c = (rng.uniform(-7, 7, 9) for _ in range(3))
    for m in [g.rx(a), g.ry(a), g.rz(a), g.phase(a), g.u3(a, b, c), g.rot(a, b, c)]:
        assert m.shape == (2, 2, 9)
        assert g.is_unitary(m)
        np.testing.assert_allclose(m[..., 4], m[..., 4])
    assert g.u3(a, b, c)[..., 3] == pytest.approx(g.u3(a[3], b[3], c[3]))
    for m in [g.H, g.CNOT, g.CZ, g.SWAP, g.cu3(1.0, 2.0, 3.0)]:
        assert g.is_unitary(m)
    assert not g.is_unitary(np.array([[1, 1], [0, 1]]))


def _fd(fn, args, j, h=1e-6):
    up = list(args)
    dn = list(args)
    up[j] = up[j] + h
    dn[j] = dn[j] - h
    return (fn(*up) - fn(*dn)) / (2 * h)


@pytest.mark.parametrize("args", [(0.3, -0.7, 1.1), (np.array([0.3, 2.5]), np.array([-0.7, 0.1]), np.array([1.1, -3.0]))])
def test_derivatives_match_finite_differences(args):
    for fn, dfn in [(g.u3, g.u3_derivatives), (g.rot, g.rot_derivatives)]:
        d = dfn(*args)
        for j in range(3):
            np.testing.assert_allclose(d[j], _fd(fn, args, j), atol=1e-8)
    for fn, dfn in [(g.rx, g.rx_derivative), (g.ry, g.ry_derivative), (g.rz, g.rz_derivative)]:
        np.testing.assert_allclose(dfn(args[0]), _fd(fn, args[:1], 0), atol=1e-8)


def test_bad_angles_raise():
    with pytest.raises(ValueError, match="theta must be finite"):
        g.rx(np.nan)
    with pytest.raises(ValueError, match="1-D array"):
        g.ry(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="lam must be an array of numbers"):
        g.u3(0.1, 0.2, "x")
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        g.controlled(np.eye(4))

"""Gate matrices for the qkit statevector simulator.

Conventions (the same as PennyLane's, checked against it in ``tests/test_qnn_pennylane.py``):

* a single-qubit gate is a ``(2, 2)`` complex matrix in the basis ``|0>, |1>``;
* a two-qubit gate is a ``(4, 4)`` matrix in the basis ``|00>, |01>, |10>, |11>`` where the
  **first** wire named is the left (most significant) bit; for a controlled gate the first
  wire is the control;
* when an angle is an array of shape ``(batch,)``, a single-qubit gate is returned with shape
  ``(2, 2, batch)`` -- the batch is always the **last** axis, as in the states of
  :mod:`qkit.qnn.statevector`.

Rotations are ``R_P(theta) = exp(-i theta P / 2)`` for a Pauli matrix ``P`` (angles in
radians). ``U3`` and ``Rot`` are the two usual parametrisations of a general single-qubit
unitary::

    U3(theta, phi, lam) = [[cos(theta/2),            -exp(i lam) sin(theta/2)],
                           [exp(i phi) sin(theta/2),  exp(i (phi + lam)) cos(theta/2)]]
                        = diag(1, e^{i phi}) RY(theta) diag(1, e^{i lam})
    Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)

They differ only by a global phase ``exp(i (phi + lam) / 2)``, which is invisible for a single
gate but becomes a relative phase once the gate is controlled: ``CU3`` (used by the dynamic QNN
of Sec. III-C of the DQFL paper) is the controlled version of ``U3`` *with* that phase, the same
as ``qml.ctrl(qml.U3(...), control)`` in PennyLane.

The derivative helpers (``*_derivatives``) return ``dG/dparameter`` and are used by the adjoint
gradient in :mod:`qkit.qnn.gradients`.
"""

from __future__ import annotations

import numpy as np

from qkit._validate import require_array, require_real

__all__ = [
    "IDENTITY",
    "PAULI_X",
    "PAULI_Y",
    "PAULI_Z",
    "H",
    "CNOT",
    "CZ",
    "SWAP",
    "rx",
    "ry",
    "rz",
    "phase",
    "u3",
    "rot",
    "controlled",
    "cu3",
    "rx_derivative",
    "ry_derivative",
    "rz_derivative",
    "u3_derivatives",
    "rot_derivatives",
    "is_unitary",
]

IDENTITY = np.eye(2, dtype=complex)
PAULI_X = np.array([[0, 1], [1, 0]], dtype=complex)
PAULI_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
PAULI_Z = np.array([[1, 0], [0, -1]], dtype=complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2.0)
CNOT = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)
CZ = np.diag([1, 1, 1, -1]).astype(complex)
SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)

for _g in (IDENTITY, PAULI_X, PAULI_Y, PAULI_Z, H, CNOT, CZ, SWAP):
    _g.setflags(write=False)


def _angle(name: str, value) -> np.ndarray:
    """A finite real angle (rad) or a 1-D array of them; bools, strings and complex refused."""
    arr = require_array(name, value, unit="rad")
    if arr.ndim > 1:
        raise ValueError(f"{name} must be a number or a 1-D array of angles (one per sample), "
                         f"got an array of shape {arr.shape}")
    return arr


def _as_complex(name: str, value) -> np.ndarray:
    """``value`` as a finite complex array (real and complex numbers; no bools or strings)."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got {value!r}")
    try:
        arr = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of numbers") from None
    if arr.dtype.kind not in "iufc":
        raise TypeError(f"{name} must contain real or complex numbers, got dtype {arr.dtype}")
    arr = arr.astype(complex, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got NaN or infinite entries")
    return arr


def _unitarity_error(m: np.ndarray) -> float:
    """Largest entry of ``|U^dagger U - I|`` over a ``(d, d)`` or ``(d, d, batch)`` matrix."""
    m3 = m[..., None] if m.ndim == 2 else m
    prod = np.einsum("jib,jkb->ikb", m3.conj(), m3)
    return float(np.max(np.abs(prod - np.eye(m3.shape[0])[..., None]), initial=0.0))


def _check_unitary(name: str, m: np.ndarray, atol: float = 1e-8) -> None:
    """Refuse a gate that is not unitary (it would change the norm of the state)."""
    err = _unitarity_error(m)
    if not err <= atol:
        raise ValueError(f"{name} must be unitary (U^dagger U = I within {atol:g}); it is off by "
                         f"{err:.3g}, so it would not keep the state normalised")


def _matrix(a, b, c, d) -> np.ndarray:
    """Stack four entries (scalars or (batch,) arrays) into (2, 2) or (2, 2, batch)."""
    a, b, c, d = np.broadcast_arrays(*(np.asarray(x, dtype=complex) for x in (a, b, c, d)))
    return np.stack([np.stack([a, b]), np.stack([c, d])])


def rx(theta) -> np.ndarray:
    """``RX(theta) = exp(-i theta X / 2)``.

    Parameters
    ----------
    theta : float or array of shape (batch,)
        Rotation angle (rad).

    Returns
    -------
    numpy.ndarray
        Complex ``(2, 2)``, or ``(2, 2, batch)`` for an array of angles.
    """
    t = _angle("theta", theta)
    c, s = np.cos(t / 2), np.sin(t / 2)
    return _matrix(c, -1j * s, -1j * s, c)


def ry(theta) -> np.ndarray:
    """``RY(theta) = exp(-i theta Y / 2)``: real, ``[[c, -s], [s, c]]`` with half angles (rad)."""
    t = _angle("theta", theta)
    c, s = np.cos(t / 2), np.sin(t / 2)
    return _matrix(c, -s, s, c)


def rz(theta) -> np.ndarray:
    """``RZ(theta) = exp(-i theta Z / 2) = diag(e^{-i theta/2}, e^{i theta/2})`` (rad)."""
    t = _angle("theta", theta)
    return _matrix(np.exp(-0.5j * t), 0.0, 0.0, np.exp(0.5j * t))


def phase(phi) -> np.ndarray:
    """Phase shift ``diag(1, e^{i phi})`` (rad)."""
    t = _angle("phi", phi)
    return _matrix(1.0, 0.0, 0.0, np.exp(1j * t))


def u3(theta, phi, lam) -> np.ndarray:
    """The general single-qubit gate ``U3(theta, phi, lam)`` (see the module docstring).

    Parameters
    ----------
    theta, phi, lam : float or array of shape (batch,)
        Euler angles (rad); arrays must share one shape.

    Returns
    -------
    numpy.ndarray
        Complex ``(2, 2)`` or ``(2, 2, batch)``.
    """
    t, p, q = _angle("theta", theta), _angle("phi", phi), _angle("lam", lam)
    c, s = np.cos(t / 2), np.sin(t / 2)
    return _matrix(c, -np.exp(1j * q) * s, np.exp(1j * p) * s, np.exp(1j * (p + q)) * c)


def rot(phi, theta, omega) -> np.ndarray:
    """``Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)`` (PennyLane's ``qml.Rot``; rad)."""
    p, t, w = _angle("phi", phi), _angle("theta", theta), _angle("omega", omega)
    c, s = np.cos(t / 2), np.sin(t / 2)
    return _matrix(np.exp(-0.5j * (p + w)) * c, -np.exp(0.5j * (p - w)) * s,
                   np.exp(-0.5j * (p - w)) * s, np.exp(0.5j * (p + w)) * c)


def controlled(matrix: np.ndarray) -> np.ndarray:
    """The ``(4, 4)`` controlled version ``|0><0| (x) I + |1><1| (x) U`` of a ``(2, 2)`` gate ``U``.

    The control is the first (most significant) wire. ``U`` must be unitary (to 1e-8).
    """
    u = _as_complex("matrix", matrix)
    if u.shape != (2, 2):
        raise ValueError(f"matrix must be a (2, 2) single-qubit gate, got shape {u.shape}")
    _check_unitary("matrix", u)
    out = np.eye(4, dtype=complex)
    out[2:, 2:] = u
    return out


def cu3(theta: float, phi: float, lam: float) -> np.ndarray:
    """Controlled-U3 (the ``CU3`` entangler of the dynamic QNN, Fig. 1 of the DQFL paper).

    Parameters
    ----------
    theta, phi, lam : float
        Euler angles of the controlled ``U3`` (rad).

    Returns
    -------
    numpy.ndarray
        Complex ``(4, 4)``; control = first wire, target = second.
    """
    t, p, q = (require_real(n, v, unit="rad") for n, v in (("theta", theta), ("phi", phi), ("lam", lam)))
    return controlled(u3(t, p, q))


def rx_derivative(theta) -> np.ndarray:
    """``d RX / d theta = -i/2 X RX(theta)``."""
    return -0.5j * np.einsum("ij,jk...->ik...", PAULI_X, rx(theta))


def ry_derivative(theta) -> np.ndarray:
    """``d RY / d theta = -i/2 Y RY(theta)``."""
    return -0.5j * np.einsum("ij,jk...->ik...", PAULI_Y, ry(theta))


def rz_derivative(theta) -> np.ndarray:
    """``d RZ / d theta = -i/2 Z RZ(theta)``."""
    return -0.5j * np.einsum("ij,jk...->ik...", PAULI_Z, rz(theta))


def u3_derivatives(theta, phi, lam) -> np.ndarray:
    """Partial derivatives of :func:`u3`: d/dtheta, d/dphi, d/dlam.

    Returns shape ``(3, 2, 2)``, or ``(3, 2, 2, m)`` for arrays of ``m`` angles.
    """
    t, p, q = _angle("theta", theta), _angle("phi", phi), _angle("lam", lam)
    c, s = np.cos(t / 2), np.sin(t / 2)
    ep, el, epl = np.exp(1j * p), np.exp(1j * q), np.exp(1j * (p + q))
    return np.stack([
        _matrix(-s / 2, -el * c / 2, ep * c / 2, -epl * s / 2),
        _matrix(0.0 * c, 0.0 * c, 1j * ep * s, 1j * epl * c),
        _matrix(0.0 * c, -1j * el * s, 0.0 * c, 1j * epl * c),
    ])


def rot_derivatives(phi, theta, omega) -> np.ndarray:
    """Partial derivatives of :func:`rot`: d/dphi, d/dtheta, d/domega.

    ``dRot/dphi = Rot (-i Z / 2)``, ``dRot/domega = (-i Z / 2) Rot``; shape ``(3, 2, 2)``, or
    ``(3, 2, 2, m)`` for arrays of ``m`` angles.
    """
    p, t, w = _angle("phi", phi), _angle("theta", theta), _angle("omega", omega)
    r = rot(p, t, w)
    half = np.array([-0.5j, 0.5j]).reshape((2,) + (1,) * (r.ndim - 2))
    d_phi = r * half[None, :]          # scales column b by -+i/2
    d_omega = r * half[:, None]        # scales row a by -+i/2
    c, s = np.cos(t / 2), np.sin(t / 2)
    d_theta = _matrix(-np.exp(-0.5j * (p + w)) * s / 2, -np.exp(0.5j * (p - w)) * c / 2,
                      np.exp(-0.5j * (p - w)) * c / 2, -np.exp(0.5j * (p + w)) * s / 2)
    return np.stack([d_phi, d_theta, d_omega])


def is_unitary(matrix: np.ndarray, atol: float = 1e-12) -> bool:
    """True if a square matrix (or each ``[:, :, b]`` of a batch) is unitary to ``atol``.

    Parameters
    ----------
    matrix : array
        Real or complex ``(d, d)`` or ``(d, d, batch)``; NaN, strings and bools are refused.
    atol : float
        Tolerance (>= 0) on every entry of ``U^dagger U - I``.

    Returns
    -------
    bool
        False for a matrix that is not square.
    """
    m = _as_complex("matrix", matrix)
    tol = require_real("atol", atol, 0.0)
    if m.ndim not in (2, 3) or m.shape[0] != m.shape[1]:
        return False
    return _unitarity_error(m) <= tol

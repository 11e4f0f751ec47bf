"""A batched numpy statevector simulator.

A state of ``n`` qubits for a batch of ``B`` samples is a complex array of shape
``(2,)*n + (B,)``: axis ``i`` is wire ``i`` and the batch is the **last** axis, so a gate acting
on one wire is one small matrix product over a reshaped view, shared by the whole batch.
Wire 0 is the most significant bit of the basis index ``k = sum_i b_i 2**(n-1-i)`` -- the same
ordering as PennyLane's ``qml.state()`` and ``qml.probs()``.

Public functions return new arrays (they never modify their input). The private ``_apply_*``
and ``_overlap_*`` kernels are the fast paths used by :mod:`qkit.qnn.circuits` and
:mod:`qkit.qnn.gradients`.

Measurement
-----------
``probabilities`` gives the Born probabilities ``|<k|psi>|^2`` (exact);
``expval_z`` gives ``<Z_i> = sum_k (1 - 2 b_i(k)) p_k``; ``sample_counts`` and
``sample_expval_z`` draw a finite number of shots from those probabilities (multinomial), so
a notebook can show the ``1/sqrt(shots)`` scatter around the exact values.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from qkit._validate import (require_allocation, require_array, require_choice, require_generator,
                            require_integer, require_pmf)
from qkit.qnn.gates import _as_complex, _check_unitary

__all__ = [
    "zero_state",
    "n_qubits_of",
    "apply_gate",
    "apply_controlled",
    "angle_encode",
    "probabilities",
    "z_eigenvalues",
    "expval_z",
    "sample_counts",
    "sample_probabilities",
    "sample_expval_z",
]

ENCODINGS = ("rx", "ry")
MAX_QUBITS = 24
"""Most qubits a state may have (2**24 complex amplitudes = 256 MiB per sample)."""
MAX_SHOTS = 10**12
"""Most shots per sample :func:`sample_probabilities` draws."""
_NORM_TOL = 1e-6  # a state's squared norm may differ from 1 by this much (rounding of many gates)


def _require_state_size(n: int, batch: int, copies: int = 1, name: str = "batch") -> None:
    """Refuse, before allocating, ``copies`` states of ``n`` qubits x ``batch`` over the budget."""
    require_allocation(f"{copies} statevector(s) of {n} qubits x {name}={batch} samples",
                       16.0 * copies * 2.0**n * batch,
                       hint="Use fewer qubits or a smaller batch (split it).")


def zero_state(n_qubits: int, batch: int = 1) -> np.ndarray:
    """``|0...0>`` for every sample: complex array of shape ``(2,)*n_qubits + (batch,)``.

    Parameters
    ----------
    n_qubits : int
        1 .. ``MAX_QUBITS`` (24).
    batch : int
        Samples (>= 1); the state must fit the memory budget (:func:`qkit.memory_budget`).
    """
    n = require_integer("n_qubits", n_qubits, 1, MAX_QUBITS)
    b = require_integer("batch", batch, 1)
    _require_state_size(n, b)
    psi = np.zeros((2,) * n + (b,), dtype=complex)
    psi[(0,) * n] = 1.0
    return psi


def n_qubits_of(state: np.ndarray) -> int:
    """Number of qubits of a batched state, checking its shape ``(2,)*n + (batch,)``."""
    return _check_state(state, normalised=False)[1]


def _check_state(state, normalised: bool = True, name: str = "state") -> tuple[np.ndarray, int]:
    """``state`` as a finite complex array ``(2,)*n + (batch,)`` and its ``n``; with
    ``normalised`` every sample's squared norm must be 1 (to ``_NORM_TOL``). O(size)."""
    s = _as_complex(name, state)
    if s.ndim < 2 or any(d != 2 for d in s.shape[:-1]) or s.shape[-1] < 1:
        raise ValueError(f"{name} must have shape (2,)*n_qubits + (batch,), "
                         f"got an array of shape {s.shape}")
    if normalised:
        norms = (s.real**2 + s.imag**2).reshape(-1, s.shape[-1]).sum(axis=0)
        worst = float(np.max(np.abs(norms - 1.0)))
        if not worst <= _NORM_TOL:
            raise ValueError(f"{name} must be normalised (sum of |amplitude|^2 = 1 for every sample); "
                             f"a squared norm is off by {worst:.3g}")
    return s, s.ndim - 1


def _check_wires(wires, n: int, name: str = "wires") -> tuple[int, ...]:
    if isinstance(wires, (numbers.Integral, np.integer)):
        wires = (wires,)
    if not isinstance(wires, (tuple, list, np.ndarray)):
        raise TypeError(f"{name} must be a qubit index or a sequence of them, got {wires!r}")
    out = []
    for w in wires:
        if isinstance(w, bool) or not isinstance(w, (numbers.Integral, np.integer)) or not 0 <= w < n:
            raise ValueError(f"{name} must be qubit indices in 0..{n - 1}, got {wires!r}")
        out.append(int(w))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must be distinct qubits, got {tuple(out)!r}")
    return tuple(out)


def apply_gate(state: np.ndarray, matrix: np.ndarray, wires) -> np.ndarray:
    """Apply a ``k``-qubit gate to ``wires`` (first wire = most significant bit of the matrix).

    Parameters
    ----------
    state : numpy.ndarray
        Shape ``(2,)*n + (batch,)``.
    matrix : numpy.ndarray
        ``(2**k, 2**k)`` shared by the batch, or ``(2**k, 2**k, batch)`` (one gate per sample,
        e.g. an encoding rotation).
    wires : int or sequence of int
        The ``k`` distinct target qubits.

    Returns
    -------
    numpy.ndarray
        The new state ``U |psi>`` (same shape).
    """
    state, n = _check_state(state)
    w = _check_wires(wires, n)
    k, batch = len(w), state.shape[-1]
    m = _as_complex("matrix", matrix)
    if m.shape[:2] != (2**k, 2**k) or m.ndim not in (2, 3) or (m.ndim == 3 and m.shape[2] != batch):
        raise ValueError(f"matrix must have shape ({2**k}, {2**k}) or ({2**k}, {2**k}, {batch}) "
                         f"for {k} wire(s) and a batch of {batch}, got {m.shape}")
    _check_unitary("matrix", m)
    moved = np.moveaxis(state, w, range(k)).reshape(2**k, -1, batch)
    if m.ndim == 2:
        out = (m @ moved.reshape(2**k, -1)).reshape(moved.shape)
    else:
        out = np.einsum("ijb,jrb->irb", m, moved)
    return np.moveaxis(out.reshape((2,) * n + (batch,)), range(k), w)


def apply_controlled(state: np.ndarray, matrix_1q: np.ndarray, control: int, target: int) -> np.ndarray:
    """Apply ``|0><0|_c (x) I + |1><1|_c (x) U_t`` for a single-qubit ``U`` (``(2, 2)``).

    Only the half of the amplitudes with the control qubit in ``|1>`` is touched. The state
    must be normalised and ``U`` unitary (to 1e-6 and 1e-8).
    """
    state, n = _check_state(state)
    c, t = _check_wires((control, target), n, "(control, target)")
    u = _as_complex("matrix_1q", matrix_1q)
    if u.shape != (2, 2):
        raise ValueError(f"matrix_1q must be a (2, 2) single-qubit gate, got shape {u.shape}")
    _check_unitary("matrix_1q", u)
    psi = np.array(state, dtype=complex, order="C", copy=True)
    _apply_c1q(psi, u, c, t)
    return psi


# --- fast kernels ----------------------------------------------------------------------------
# They work on a *stack* of G states, an array of shape (G,) + (2,)*n + (B,) (G = 1 for the
# forward pass; G = 2 for the adjoint pass, which moves the state and the adjoint vector
# together), with one matrix per stacked state, u of shape (G, d, d). Outputs go to
# preallocated buffers (no multi-megabyte allocation per gate).
#
# Every product is cut into BLAS calls of at most _GEMM_LIMIT = d * d * columns: numpy's
# OpenBLAS hands larger matrix products to a second thread, and on a machine whose cores are
# busy, waking that thread costs milliseconds -- a hundred times the arithmetic. Chunks are
# whole multiples of the batch (the last axis), so the split is a view, never a copy.

_GEMM_LIMIT = 16384


@functools.lru_cache(maxsize=64)
def _batch_chunk(d: int, batch: int) -> int:
    if d * d * batch <= _GEMM_LIMIT:
        return batch
    fits = [k for k in range(64, _GEMM_LIMIT // (d * d) + 1) if batch % k == 0]
    return fits[-1] if fits else batch


def _chunked(view: np.ndarray, batch: int) -> np.ndarray:
    """``(..., d, M)`` -> view ``(..., M // m, d, m)`` with ``d * d * m <= _GEMM_LIMIT``.

    ``m`` is the batch times a power of two, or, for a batch too large on its own, the largest
    divisor of the batch (>= 64) that fits; a batch without one is left whole.
    """
    d, total = view.shape[-2], view.shape[-1]
    m = _batch_chunk(d, batch)
    while 2 * m <= total and total % (2 * m) == 0 and d * d * 2 * m <= _GEMM_LIMIT:
        m *= 2
    return view.reshape(view.shape[:-1] + (total // m, m)).swapaxes(-3, -2)


def _stack_view_1q(stack: np.ndarray, t: int, width: int = 1) -> np.ndarray:
    """View ``(G, 2**t, chunks, 2**width, m)``: wires ``t .. t+width-1`` on axis -2."""
    return _chunked(stack.reshape(stack.shape[0], 2**t, 2**width, -1), stack.shape[-1])


def _stack_view_c1q(stack: np.ndarray, c: int, t: int) -> np.ndarray:
    """View of the control=1 half as ``(G, L1, L2, chunks, 2, m)``, target on axis -2."""
    lo, hi = min(c, t), max(c, t)
    v = stack.reshape(stack.shape[0], 2**lo, 2, 2 ** (hi - lo - 1), 2, -1)
    v = v[:, :, 1] if c < t else v[:, :, :, :, 1].swapaxes(2, 3)
    return _chunked(v, stack.shape[-1])


def _apply_1q_into(u: np.ndarray, src: np.ndarray, dst: np.ndarray, t: int) -> None:
    """``dst[g] = U_g src[g]`` for ``U_g`` acting on wire ``t`` (``u``: ``(G, 2, 2)``), or on the
    adjacent wires ``t, t+1`` (``u``: ``(G, 4, 4)``, wire ``t`` the more significant bit).
    ``src`` and ``dst`` must not overlap."""
    width = u.shape[-1].bit_length() - 1
    np.matmul(u[:, None, None], _stack_view_1q(src, t, width), out=_stack_view_1q(dst, t, width))


def _apply_c1q_inplace(u: np.ndarray, stack: np.ndarray, scratch: np.ndarray, c: int, t: int) -> None:
    """Controlled ``U_g`` (control ``c``, target ``t``) on ``stack[g]`` in place; ``scratch``
    is a buffer of the same shape whose control=1 half is overwritten."""
    v, s = _stack_view_c1q(stack, c, t), _stack_view_c1q(scratch, c, t)
    np.matmul(u[:, None, None, None], v, out=s)
    v[...] = s


def _overlap(mu: np.ndarray, phi: np.ndarray, wires: tuple[int, ...], controlled: bool = False) -> np.ndarray:
    """``C[a, b] = sum mu[.., a, ..] phi[.., b, ..]`` over all other wires and the batch.

    ``wires = (t,)``: one wire (``C`` is ``2 x 2``); ``(t, t+1)``: two adjacent wires, ``t``
    the more significant bit (``4 x 4``); with ``controlled=True``, ``wires = (c, t)`` and the
    sum runs over the control=1 half only (``2 x 2``). ``mu`` and ``phi`` are single states.
    """
    if controlled:
        a, b = _stack_view_c1q(mu[None], *wires), _stack_view_c1q(phi[None], *wires)
    else:
        width = len(wires)
        a, b = _stack_view_1q(mu[None], wires[0], width), _stack_view_1q(phi[None], wires[0], width)
    prod = np.matmul(a, b.swapaxes(-1, -2))
    d = prod.shape[-1]
    return prod.reshape(-1, d, d).sum(axis=0)


def _apply_c1q(psi: np.ndarray, u: np.ndarray, c: int, t: int) -> None:
    """Apply a controlled ``(2, 2)`` gate to one contiguous state in place."""
    _apply_c1q_inplace(u[None], psi[None], np.empty_like(psi)[None], c, t)


# --- encoding and measurement ---------------------------------------------------------------

def angle_encode(features: np.ndarray, rotation: str = "ry") -> np.ndarray:
    """Angle encoding: qubit ``i`` of sample ``b`` is ``R(x[b, i]) |0>``.

    Parameters
    ----------
    features : array of shape (batch, n_qubits)
        One rotation angle per qubit (rad); typically features scaled to ``[0, pi]``.
    rotation : {"ry", "rx"}
        ``RY`` gives the real state ``cos(x/2)|0> + sin(x/2)|1>``; ``RX`` the same populations
        with a phase ``-i`` on ``|1>``.

    Returns
    -------
    numpy.ndarray
        The product state, shape ``(2,)*n_qubits + (batch,)``; ``<Z_i> = cos(x_i)``.
    """
    require_choice("rotation", rotation, ENCODINGS)
    x = require_array("features", features, unit="rad")
    if x.ndim != 2 or x.shape[1] < 1 or x.shape[0] < 1:
        raise ValueError("features must be a 2-D array of shape (batch, n_qubits); for one "
                         f"sample use features.reshape(1, -1); got shape {x.shape}")
    if x.shape[1] > MAX_QUBITS:
        raise ValueError(f"features has {x.shape[1]} columns, one qubit each; at most {MAX_QUBITS} "
                         "qubits are simulated (reduce the features, e.g. with PCA)")
    _require_state_size(x.shape[1], x.shape[0], name="features rows")
    return _angle_encode(x, rotation)


def _angle_encode(x: np.ndarray, rotation: str) -> np.ndarray:
    """:func:`angle_encode` without the checks (``x``: finite ``(batch, n)`` float array)."""
    c, s = np.cos(x / 2), np.sin(x / 2)
    if rotation == "rx":
        s = -1j * s
    psi = np.stack([c[:, 0], s[:, 0]]).astype(complex)
    for i in range(1, x.shape[1]):
        psi = psi[..., None, :] * np.stack([c[:, i], s[:, i]])
    return np.ascontiguousarray(psi)


def probabilities(state: np.ndarray) -> np.ndarray:
    """Born probabilities ``|<k|psi>|^2``, shape ``(2**n, batch)`` (wire 0 = most significant bit).

    The state must be normalised, so every column sums to 1.
    """
    s, _ = _check_state(state)
    return _probabilities(s)


def _probabilities(s: np.ndarray) -> np.ndarray:
    """:func:`probabilities` without the checks (``s``: a complex state array)."""
    return (s.real**2 + s.imag**2).reshape(-1, s.shape[-1])


def z_eigenvalues(n_qubits: int) -> np.ndarray:
    """Matrix ``E[i, k] = 1 - 2 b_i(k)``: eigenvalue of ``Z_i`` on basis state ``k``; ``(n, 2**n)``.

    ``expval_z(psi) == z_eigenvalues(n) @ probabilities(psi)``.
    """
    n = require_integer("n_qubits", n_qubits, 1, MAX_QUBITS)
    require_allocation(f"the Z eigenvalues of n_qubits={n} qubits", 24.0 * n * 2.0**n)
    k = np.arange(2**n)
    bits = (k[None, :] >> (n - 1 - np.arange(n))[:, None]) & 1
    return 1.0 - 2.0 * bits


def expval_z(state: np.ndarray) -> np.ndarray:
    """``<Z_i>`` for every qubit and sample, shape ``(n_qubits, batch)`` (normalised state)."""
    s, n = _check_state(state)
    p = _probabilities(s).reshape((2,) * n + (-1,))
    out = np.empty((n, p.shape[-1]))
    for i in range(n):
        marg = p.sum(axis=tuple(j for j in range(n) if j != i))
        out[i] = marg[0] - marg[1]
    return out


def sample_probabilities(probs: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Counts of ``shots`` measurements per sample from ``probs`` (``(K, batch)``), multinomial.

    Parameters
    ----------
    probs : array (K, batch)
        Every column a probability vector (entries in [0, 1] summing to 1 within 1e-9).
    shots : int
        Measurements per sample, 1 .. ``MAX_SHOTS``.
    rng : numpy.random.Generator

    Returns integer counts of shape ``(K, batch)``; each column sums to ``shots``.
    """
    m = require_integer("shots", shots, 1, MAX_SHOTS)
    require_generator("rng", rng)
    p = require_pmf("probs", probs, axis=0)
    if p.ndim != 2:
        raise ValueError(f"probs must have shape (K, batch), got {p.shape}")
    return _sample(p, m, rng)


def _sample(p: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Multinomial counts for probability columns ``p`` (rounding below 0 or above a sum of 1
    is absorbed by renormalising)."""
    p = np.clip(p, 0.0, None)
    p = p / p.sum(axis=0, keepdims=True)
    return rng.multinomial(shots, p.T).T


def sample_counts(state: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Measure every qubit ``shots`` times per sample: counts of shape ``(2**n, batch)``."""
    m = require_integer("shots", shots, 1, MAX_SHOTS)
    require_generator("rng", rng)
    s, _ = _check_state(state)
    return _sample(_probabilities(s), m, rng)


def sample_expval_z(state: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """``<Z_i>`` estimated from ``shots`` measurements, shape ``(n_qubits, batch)``.

    Unbiased, with standard deviation ``sqrt((1 - <Z_i>^2) / shots)``.
    """
    s, n = _check_state(state)
    counts = sample_counts(s, shots, rng)
    return np.einsum("ik,kb->ib", z_eigenvalues(n), counts) / int(shots)

"""A fleet of QNNs in one sweep: forward probabilities, loss and adjoint gradients over vehicles.

Federated training (chapters 10-13) gives every vehicle its own copy of the model's flat parameter
vector and its own data. :func:`qkit.fl.clients.local_update` trains them one after the other;
this module simulates a whole fleet at once, with the vehicles as a further batch axis:

* parameters are a stack ``(V, n_params)``, data ``(V, B, n_qubits)`` with labels ``(V, B)``;
  vehicle ``v`` uses its first ``counts[v]`` rows (the rest is padding with weight 0);
* the states of all vehicles are one array ``(V,) + (2,)*n + (B,)`` and each fused gate block is
  a stack of matrices ``(V, d, d)``, one per vehicle (built by :mod:`qkit.qnn._fleet_tables`),
  applied by the kernels of :mod:`qkit.qnn.statevector` (which take one matrix per stacked state);
* the adjoint sweep (Jones & Gacon 2020, see :mod:`qkit.qnn.gradients`) keeps the forward state
  after every block and un-applies only ``mu = conj(lambda)``; each overlap is summed over the
  samples and the other wires but *not* over vehicles, giving per-vehicle gradients ``(V, n_params)``;
* vehicles are processed in chunks whose arrays fit :func:`qkit.memory_budget` (checked with
  :func:`qkit._validate.require_allocation` before anything large is allocated).

The loss is the model's: ``L_v = sum_e w_e CE_e`` (mean softmax cross-entropy of each exit over the
vehicle's samples, Sec. III-C of the DQFL paper), the same code path as
:meth:`qkit.qnn.models.DynamicQNN.loss_and_grad`, so the results equal the per-vehicle loop to
rounding (tested to 1e-12 in ``tests/test_qnn_fleet.py``).
:func:`qkit.fl.fleet_update.fleet_local_update` builds a whole fleet's local training on
:func:`fleet_loss_and_grad`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qkit._validate import memory_budget, require_allocation, require_array, require_instance, require_integer
from qkit.qnn import statevector as sv
from qkit.qnn._fleet_tables import _block_tables
from qkit.qnn.models import QNN, DynamicQNN

__all__ = ["fleet_probabilities", "fleet_loss_and_grad", "fleet_chunk_size"]

_CHUNK_TARGET = 128 * 2**20
"""Working set (bytes) a default chunk of vehicles aims at: large enough to amortise the Python
overhead per gate (64 .. 1000 vehicles of the 4-qubit DQNN ran equally fast)."""


# --- checks -----------------------------------------------------------------------------------

def _check_model(model: Any):
    return require_instance("model", model, (DynamicQNN, QNN), "qkit.qnn.DynamicQNN or qkit.qnn.QNN")


def _check_fleet(model, params, X, y=None, counts=None):
    """Checked ``(P (V, n_params), X (V, B, n), y (V, B) or None, counts (V,))``."""
    p = require_array("params", params, ndim=2, unit="rad")
    if p.shape[1] != model.n_params or p.shape[0] < 1:
        raise ValueError(f"params must be a stack (n_vehicles, {model.n_params}), one parameter vector "
                         f"per vehicle, got shape {p.shape}")
    x = require_array("X", X, ndim=3, unit="rad")
    if x.shape[0] != p.shape[0] or x.shape[2] != model.n_qubits or x.shape[1] < 1:
        raise ValueError(f"X must have shape ({p.shape[0]}, samples, {model.n_qubits}): per vehicle, one "
                         f"encoding angle per qubit; got shape {x.shape}")
    labels = None
    if y is not None:
        labels = require_array("y", y, dtype=int, low=0, high=model.n_classes - 1, ndim=2)
        if labels.shape != x.shape[:2]:
            raise ValueError(f"y must hold integer labels of shape {x.shape[:2]}, got shape {labels.shape}")
    if counts is None:
        n = np.full(x.shape[0], x.shape[1])
    else:
        n = require_array("counts", counts, dtype=int, low=1, high=x.shape[1], ndim=1).astype(int)
        if n.shape != (x.shape[0],):
            raise ValueError(f"counts must give the samples of each of the {x.shape[0]} vehicles, "
                             f"got shape {n.shape}")
    return p, x, labels, n


def _bytes_per_vehicle(model, batch: int) -> float:
    """Bytes one vehicle needs in a sweep: the state after every block (kept for the adjoint
    sweep), lambda and buffers, exit probabilities and their gradients, and the block tables."""
    dim = 2.0**model.n_qubits
    n_blocks = sum(len(layer) for layer in model.circuit.blocks)
    return 16.0 * (n_blocks + 4) * dim * batch + 16.0 * model.n_exits * dim * batch + 600.0 * model.n_params


def fleet_chunk_size(model: DynamicQNN | QNN, batch: int, chunk_size: int | None = None) -> int:
    """Vehicles per sweep: ``chunk_size`` if given (checked against the memory budget), else as
    many as fit a ~128 MiB working set (``_CHUNK_TARGET``; at least one).

    Parameters
    ----------
    model : DynamicQNN or QNN
    batch : int
        Samples per vehicle in one sweep (>= 1).
    chunk_size : int, optional
        Vehicles per sweep (>= 1).

    Returns
    -------
    int
    """
    _check_model(model)
    b = require_integer("batch", batch, 1)
    per = _bytes_per_vehicle(model, b)
    if chunk_size is None:
        size = max(1, int(min(_CHUNK_TARGET, memory_budget()) // per))
    else:
        size = require_integer("chunk_size", chunk_size, 1)
    require_allocation(f"a sweep of chunk_size={size} vehicles x {b} samples of {model.n_qubits} qubits",
                       size * per, hint="Use a smaller chunk_size, batch or fewer qubits.")
    return size


# --- the sweeps ---------------------------------------------------------------------------------

def _encode(x: np.ndarray, encoding: str) -> np.ndarray:
    """``(V, B, n)`` angles -> states ``(V,) + (2,)*n + (B,)``.

    ``"ry"`` states are real: the product ``((f_0 f_1) f_2) ...`` of the qubits' ``(cos, sin)``
    factors is formed in real arithmetic straight in the stack's layout, in the order of
    :func:`qkit.qnn.statevector._angle_encode`, so bit for bit its values (1.7x its speed with the
    transposing copy at 500 vehicles x 20 samples); other encodings go through it."""
    v, b, n = x.shape
    if encoding != "ry":
        psi = sv._angle_encode(x.reshape(v * b, n), encoding).reshape(2**n, v, b)
        return np.ascontiguousarray(psi.transpose(1, 0, 2)).reshape((v,) + (2,) * n + (b,))
    half = x.transpose(2, 0, 1) / 2  # (n, V, B)
    factors = np.stack([np.cos(half), np.sin(half)], axis=2)  # (n, V, 2, B)
    out = np.empty((v,) + (2,) * n + (b,), dtype=complex)
    psi = factors[0]
    for i in range(1, n):
        factor = factors[i].reshape((v,) + (1,) * i + (2, b))
        if i < n - 1:
            psi = psi[..., None, :] * factor
        else:  # the last product straight into out's real part
            np.multiply(psi[..., None, :], factor, out=out.real)
    if n == 1:
        out.real[...] = psi
    out.imag[...] = 0.0
    return out


def _apply(block, u: np.ndarray, stack: np.ndarray, buf: np.ndarray):
    """Apply block matrices ``u`` (``(G, d, d)``) from ``stack`` into ``buf``; return the pair
    swapped: ``(new state, free buffer)``."""
    if block.kind == "controlled":
        _controlled_into(u, stack, buf, *block.wires)
    else:
        sv._apply_1q_into(u, stack, buf, block.wires[0])
    return buf, stack


def _controlled_into(u: np.ndarray, src: np.ndarray, dst: np.ndarray, c: int, t: int) -> np.ndarray:
    """``dst[g] = controlled-U_g src[g]`` (control ``c``, target ``t``; ``u``: ``(G, 2, 2)``): the
    control=0 half copied, the control=1 half multiplied straight into ``dst``. Returns ``dst``."""
    lo, hi = min(c, t), max(c, t)
    shape = (src.shape[0], 2**lo, 2, 2 ** (hi - lo - 1), 2, -1)
    zero = (slice(None),) * 2 + (0,) if c < t else (slice(None),) * 4 + (0,)
    dst.reshape(shape)[zero] = src.reshape(shape)[zero]
    np.matmul(u[:, None, None, None], sv._stack_view_c1q(src, c, t), out=sv._stack_view_c1q(dst, c, t))
    return dst


def _forward(circuit, mats, x: np.ndarray, exits: set[int], keep: bool = False):
    """Run a chunk; return the probabilities at the exits (list of ``(V, 2**n, B)``) and the state
    stack ``(V,) + (2,)*n + (B,)`` after every block (``keep``) or only the final one."""
    stack = _encode(x, circuit.encoding)
    buf = np.empty_like(stack)
    probs, kept, number = [], [], 0
    for k, layer in enumerate(circuit.blocks):
        for block in layer:
            if keep:  # every block writes a fresh array, which is kept
                stack, _ = _apply(block, mats[number], stack, np.empty_like(stack))
            else:
                stack, buf = _apply(block, mats[number], stack, buf)
            number += 1
            if keep:
                kept.append(stack)
        if k in exits:
            probs.append((stack.real**2 + stack.imag**2).reshape(x.shape[0], -1, x.shape[1]))
    return probs, (kept if keep else [stack])


def _overlaps(mu: np.ndarray, phi: np.ndarray, block) -> np.ndarray:
    """Per-vehicle ``C[v, a, b] = sum mu[v, .., a, ..] phi[v, .., b, ..]`` (other wires, samples)."""
    if block.kind == "controlled":
        a, b = sv._stack_view_c1q(mu, *block.wires), sv._stack_view_c1q(phi, *block.wires)
    else:
        width = len(block.wires)
        a, b = sv._stack_view_1q(mu, block.wires[0], width), sv._stack_view_1q(phi, block.wires[0], width)
    prod = np.matmul(a, b.swapaxes(-1, -2))
    d = prod.shape[-1]
    return prod.reshape(mu.shape[0], -1, d, d).sum(axis=1)


def _target_overlap(role: str, c: np.ndarray) -> np.ndarray:
    """The ``(V, 2, 2)`` part of a block overlap ``c`` (``(V, d, d)``) that meets a member gate's
    target: ``sum_ab embed(M)_ab c_ab = sum_ab M_ab out_ab`` for every ``2 x 2`` ``M`` (roles of
    :func:`qkit.qnn.circuits._embed`)."""
    if role in ("1q", "ctrl"):
        return c
    if role == "c_lo":
        return c[:, 2:, 2:]
    if role == "c_hi":
        return c[:, 1::2, 1::2]
    r = c.reshape(-1, 2, 2, 2, 2)  # (a, c, b, d): row (a, c), column (b, d)
    return r[:, :, 0, :, 0] + r[:, :, 1, :, 1] if role == "lo" else r[:, 0, :, 0, :] + r[:, 1, :, 1, :]


def _backward(circuit, mats, derivs, states: list, prob_grads: dict, n_params: int) -> np.ndarray:
    """Adjoint sweep of a chunk (see :func:`qkit.qnn.gradients.adjoint_backward`) with the forward
    states kept (``states[b]``: after block ``b``), so only ``mu = conj(lambda)`` is un-applied
    (``mu <- F^T mu``): ``(V, n_params)``."""
    v = states[-1].shape[0]
    mu, buf = np.zeros_like(states[-1]), np.empty_like(states[-1])
    grad = np.zeros((v, n_params))
    active, number = False, len(mats)
    for k in range(circuit.n_layers - 1, -1, -1):
        if k in prob_grads:
            phi = states[number - 1]
            np.conjugate(phi, out=buf)  # buf is free between blocks: no temporary per exit
            buf *= prob_grads[k].reshape(phi.shape)
            mu += buf
            active = True
        if not active:
            number -= len(circuit.blocks[k])
            continue
        for block in reversed(circuit.blocks[k]):
            number -= 1
            if derivs[number] is not None:
                overlap = _overlaps(mu, states[number], block)
                for index, gen, after, role in derivs[number]:
                    c = overlap if after is None else after.swapaxes(-1, -2) @ overlap @ after.conj()
                    c2 = _target_overlap(role, c).reshape(v, 1, 4)
                    grad[:, index] += 2.0 * (gen.reshape(v, len(index), 4) * c2).sum(axis=2).real
            if number > 0:
                mu, buf = _apply(block, np.ascontiguousarray(mats[number].swapaxes(-1, -2)), mu, buf)
    return grad


# --- loss and gradient ----------------------------------------------------------------------------

def _measured(model, probs: np.ndarray, k: int) -> np.ndarray:
    """Exact measured probabilities under the model's noise (``(V, K, B)``, per sample)."""
    if model.noise is None:
        return probs
    v, dim, b = probs.shape
    flat = probs.transpose(1, 0, 2).reshape(dim, v * b)
    return model.noise.measured_probabilities(flat, k + 1, model.n_qubits).reshape(dim, v, b).transpose(1, 0, 2)


def _pullback(model, g: np.ndarray, k: int) -> np.ndarray:
    if model.noise is None:
        return g
    v, dim, b = g.shape
    flat = g.transpose(1, 0, 2).reshape(dim, v * b)
    return model.noise.pullback(flat, k + 1, model.n_qubits).reshape(dim, v, b).transpose(1, 0, 2)


def _scale_bias(model, p: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    c = model.n_classes
    if not model.readout_scale:
        return np.full((p.shape[0], c), float(model.logit_scale)), np.zeros((p.shape[0], c))
    block = p[:, model.layout[f"exit{k}"]]
    return block[:, :c], block[:, c:]


def _chunk_loss(model, p, x, labels, counts, weights, want_grad: bool):
    """Per-vehicle exit losses ``(V, n_exits)`` and gradients ``(V, n_params)`` of one chunk: the
    vectorised twin of ``DynamicQNN._loss_terms`` (padding rows carry weight 0)."""
    circuit = model.circuit
    mats, derivs = _block_tables(circuit, p, derivatives=want_grad)
    probs, states = _forward(circuit, mats, x, set(model.exit_layers), keep=want_grad)
    v, batch = labels.shape
    valid = np.arange(batch)[None, :] < counts[:, None]
    rows, cols = np.arange(v)[:, None], np.arange(batch)[None, :]
    losses, grad, prob_grads = np.zeros((v, model.n_exits)), np.zeros((v, model.n_params)), {}
    for e, k in enumerate(model.exit_layers):
        # r = D p per vehicle: (V, C, K) @ (V, K, B) as V small products (each one thread; 3x einsum's speed)
        r = (model.readout_matrix @ _measured(model, probs[e], k)).swapaxes(1, 2)
        a, b = _scale_bias(model, p, k)
        logits = r * a[:, None, :] + b[:, None, :]
        shifted = logits - logits.max(axis=2, keepdims=True)
        log_soft = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
        losses[:, e] = -np.where(valid, log_soft[rows, cols, labels], 0.0).sum(axis=1) / counts
        if not want_grad:
            continue
        d_logits = np.exp(log_soft)
        d_logits[rows, cols, labels] -= 1.0
        d_logits *= (weights[e] * valid / counts[:, None])[:, :, None]
        if model.readout_scale:
            grad[:, model.layout[f"exit{k}"]] = np.concatenate([(d_logits * r).sum(axis=1),
                                                                 d_logits.sum(axis=1)], axis=1)
        g_measured = model.readout_matrix.T @ (d_logits * a[:, None, :]).swapaxes(1, 2)  # D^T dL/dr
        prob_grads[k] = _pullback(model, g_measured, k)
    if want_grad:
        grad += _backward(circuit, mats, derivs, states, prob_grads, model.n_params)
    return losses, grad


def _exit_weights(model, exit_weights) -> np.ndarray:
    if exit_weights is None:
        return np.ones(model.n_exits)
    w = require_array("exit_weights", exit_weights, low=0.0, ndim=1)
    if w.shape != (model.n_exits,):
        raise ValueError(f"exit_weights must have one weight per exit ({model.n_exits}), got shape {w.shape}")
    return w


def fleet_loss_and_grad(model: DynamicQNN | QNN, params, X, y, counts=None, exit_weights=None,
                        chunk_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Loss and adjoint gradient of every vehicle's model on its own data, in one sweep per chunk.

    Vehicle ``v`` gets ``model.loss_and_grad(params[v], X[v, :counts[v]], y[v, :counts[v]],
    exit_weights)``: ``L_v = sum_e w_e CE_e`` (Sec. III-C of the DQFL paper) and ``dL_v/dparams[v]``.

    Parameters
    ----------
    model : DynamicQNN or QNN
    params : array of shape (V, model.n_params)
        One parameter vector per vehicle (angles in rad, readout scales and biases).
    X : array of shape (V, B, model.n_qubits)
        Encoding angles (rad); rows beyond ``counts[v]`` are padding (finite, ignored).
    y : int array of shape (V, B)
        Labels in ``0 .. n_classes - 1`` (padding rows too).
    counts : int array of shape (V,), optional
        Samples of each vehicle, 1 .. B (default: all B).
    exit_weights : array of shape (n_exits,), optional
        Weights ``w_e`` of the exits' losses (default all 1), shared by the fleet.
    chunk_size : int, optional
        Vehicles per sweep (default: :func:`fleet_chunk_size`); results do not depend on it.

    Returns
    -------
    loss : numpy.ndarray, shape (V,)
    grad : numpy.ndarray, shape (V, model.n_params)
    """
    _check_model(model)
    p, x, labels, n = _check_fleet(model, params, X, y, counts)
    w = _exit_weights(model, exit_weights)
    size = fleet_chunk_size(model, x.shape[1], chunk_size)
    require_allocation(f"gradients of {p.shape[0]} vehicles x {model.n_params} parameters", 16.0 * p.size)
    loss, grad = np.empty(p.shape[0]), np.empty(p.shape)
    for lo in range(0, p.shape[0], size):
        sl = slice(lo, lo + size)
        exit_losses, grad[sl] = _chunk_loss(model, p[sl], x[sl], labels[sl], n[sl], w, True)
        loss[sl] = exit_losses @ w
    return loss, grad


def fleet_probabilities(model: DynamicQNN | QNN, params, X, chunk_size: int | None = None) -> np.ndarray:
    """Measured probabilities at every exit of every vehicle's model (exact; shots ignored).

    Parameters
    ----------
    model : DynamicQNN or QNN
    params : array of shape (V, model.n_params)
    X : array of shape (V, B, model.n_qubits)
        Encoding angles (rad).
    chunk_size : int, optional
        Vehicles per sweep (default: :func:`fleet_chunk_size`).

    Returns
    -------
    numpy.ndarray, shape (V, n_exits, 2**n_qubits, B)
        Born probabilities ``|<k|psi_v>|^2`` after each exit layer (under ``model.noise``, the
        depolarised and bit-flipped ones); every column sums to 1.
    """
    _check_model(model)
    p, x, _, _ = _check_fleet(model, params, X)
    size = fleet_chunk_size(model, x.shape[1], chunk_size)
    v, b = x.shape[:2]
    require_allocation(f"exit probabilities of {v} vehicles x {b} samples",
                       8.0 * v * model.n_exits * 2**model.n_qubits * b)
    out = np.empty((v, model.n_exits, 2**model.n_qubits, b))
    for lo in range(0, v, size):
        sl = slice(lo, lo + size)
        mats, _ = _block_tables(model.circuit, p[sl], derivatives=False)
        probs, _ = _forward(model.circuit, mats, x[sl], set(model.exit_layers))
        for e, k in enumerate(model.exit_layers):
            out[sl, e] = _measured(model, probs[e], k)
    return out

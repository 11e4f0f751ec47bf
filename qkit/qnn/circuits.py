"""Layered parametrised circuits: a small gate set, a circuit description, a fast forward pass.

A :class:`Circuit` is an angle encoding followed by ``n_layers`` layers of gates. Each gate is
an :class:`Op` naming its kind, its wires and ``offset``, the index of its first angle in one
flat parameter vector (the model's vector, see :mod:`qkit.qnn.models`); ``Op("u3", (2,), 6)``
reads ``params[6:9]`` as ``(theta, phi, lam)``.

Gate kinds (``GATE_KINDS``):

=========  =====  ======  ==========================================================
kind       wires  angles  matrix (see :mod:`qkit.qnn.gates`)
=========  =====  ======  ==========================================================
rx ry rz   1      1       ``exp(-i theta P/2)``
u3         1      3       ``U3(theta, phi, lam)``
rot        1      3       ``Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)``
cnot cz    2      0       controlled X / Z (control = first wire)
crx cry    2      1       controlled rotations
crz        2      1
cu3        2      3       controlled ``U3`` (the DQNN entangler, Fig. 1 of the DQFL paper)
=========  =====  ======  ==========================================================

:func:`run` executes the circuit for a batch of feature vectors and hands the state after every
layer to a callback without copying or recomputing anything (layer-wise readout);
:func:`layer_states` returns copies of those states for teaching.

Speed: before running, the gates of each layer are fused (:func:`fuse_layer`) into blocks that
act on one wire, on two adjacent wires (one dense ``4 x 4`` matrix) or are a lone controlled
gate; the block matrices of a whole circuit are built in a few vectorised calls
(:func:`block_tables`). A DQNN layer of ``n`` U3 and ``n`` CU3 gates takes ``n`` passes over the
state instead of ``2n``. The result is the same product of matrices (tested to 1e-13).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Sequence

import numpy as np

from qkit._validate import (require_array, require_choice, require_flag,
                            require_instance, require_integer)
from qkit.qnn import gates
from qkit.qnn import statevector as sv

__all__ = [
    "GATE_KINDS",
    "GateKind",
    "Op",
    "Circuit",
    "build_circuit",
    "gate_matrix",
    "gate_tables",
    "Block",
    "fuse_layer",
    "block_tables",
    "run",
    "layer_states",
]


@dataclass(frozen=True)
class GateKind:
    """Static description of a gate kind: wires, angles, controlled, parameter-shift rules.

    ``shift_rules[j]`` is ``"two-term"`` (one frequency: ``df = [f(+pi/2) - f(-pi/2)] / 2``) or
    ``"four-term"`` (controlled rotations, frequencies 1/2 and 1).
    """

    n_wires: int
    n_params: int
    controlled: bool
    shift_rules: tuple[str, ...] = ()


GATE_KINDS: dict[str, GateKind] = {
    "rx": GateKind(1, 1, False, ("two-term",)),
    "ry": GateKind(1, 1, False, ("two-term",)),
    "rz": GateKind(1, 1, False, ("two-term",)),
    "u3": GateKind(1, 3, False, ("two-term",) * 3),
    "rot": GateKind(1, 3, False, ("two-term",) * 3),
    "cnot": GateKind(2, 0, True),
    "cz": GateKind(2, 0, True),
    "crx": GateKind(2, 1, True, ("four-term",)),
    "cry": GateKind(2, 1, True, ("four-term",)),
    "crz": GateKind(2, 1, True, ("four-term",)),
    # CU3 = CPhase(phi) CRY(theta) CPhase(lam): phi and lam enter through a controlled phase
    # (generator |11><11|, one frequency), theta through a controlled RY (two frequencies).
    "cu3": GateKind(2, 3, True, ("four-term", "two-term", "two-term")),
}


@dataclass(frozen=True)
class Op:
    """One gate: ``kind`` (a key of ``GATE_KINDS``), ``wires`` (control first), ``offset``."""

    kind: str
    wires: tuple[int, ...]
    offset: int = 0

    def __post_init__(self) -> None:
        require_choice("kind", self.kind, tuple(GATE_KINDS))
        spec = GATE_KINDS[self.kind]
        arr = require_array("wires", self.wires, ndim=(0, 1), dtype=int, low=0)
        wires = tuple(int(w) for w in np.atleast_1d(arr))
        if len(wires) != spec.n_wires or len(set(wires)) != len(wires):
            raise ValueError(f"kind={self.kind!r} acts on {spec.n_wires} distinct wire(s), "
                             f"got wires={self.wires!r}")
        object.__setattr__(self, "wires", wires)
        require_integer("offset", self.offset, 0)

    @property
    def n_params(self) -> int:
        return GATE_KINDS[self.kind].n_params


@dataclass(frozen=True)
class Circuit:
    """Angle encoding + layers of gates acting on ``n_qubits`` qubits.

    Attributes
    ----------
    n_qubits : int
    layers : tuple of tuple of Op
        ``layers[k]`` is applied after ``layers[k-1]``; the state after each layer can be read.
    n_params : int
        Length of the flat parameter vector the ops index into (may be longer than the angles
        the ops use: a model stores its classical readout parameters there too).
    encoding : {"ry", "rx"}
        Rotation of :func:`qkit.qnn.statevector.angle_encode`.
    """

    n_qubits: int
    layers: tuple[tuple[Op, ...], ...]
    n_params: int
    encoding: str = "ry"

    def __post_init__(self) -> None:
        require_integer("n_qubits", self.n_qubits, 1, sv.MAX_QUBITS)
        require_integer("n_params", self.n_params, 0)
        require_choice("encoding", self.encoding, sv.ENCODINGS)
        if not isinstance(self.layers, (tuple, list)):
            raise TypeError(f"layers must be a sequence of layers (sequences of Op), got {self.layers!r:.60}")
        for k, layer in enumerate(self.layers):
            _check_layer(layer, f"layers[{k}]")
            for op in layer:
                if not all(0 <= w < self.n_qubits for w in op.wires):
                    raise ValueError(f"wires of {op} in layers must be qubit indices in "
                                     f"0..{self.n_qubits - 1} (n_qubits={self.n_qubits})")
                if op.offset + op.n_params > self.n_params:
                    raise ValueError(f"{op} in layers reads params beyond n_params={self.n_params}")

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    @cached_property
    def ops(self) -> tuple[Op, ...]:
        """All ops in execution order (the op numbering used by blocks and gate tables)."""
        return tuple(op for layer in self.layers for op in layer)

    @cached_property
    def blocks(self) -> tuple[tuple["Block", ...], ...]:
        """The layers after gate fusion (:func:`fuse_layer`), ops numbered across layers."""
        out, start = [], 0
        for layer in self.layers:
            out.append(tuple(fuse_layer(layer, start)))
            start += len(layer)
        return tuple(out)

    @cached_property
    def block_groups(self) -> tuple["_BlockGroup", ...]:
        """Blocks of equal structure, so that their matrices are built in one vector call."""
        return _group_blocks(self)

    def check_params(self, params, name: str = "params") -> np.ndarray:
        """Return ``params`` as a finite float vector of length ``n_params`` (else ``ValueError``)."""
        p = require_array(name, params, unit="rad")
        if p.shape != (self.n_params,):
            raise ValueError(f"{name} must be a flat vector of length {self.n_params}, "
                             f"got shape {p.shape}")
        return p

    def check_features(self, features, name: str = "features") -> np.ndarray:
        """Return ``features`` as a finite ``(batch, n_qubits)`` float array (else ``ValueError``)."""
        x = require_array(name, features, unit="rad")
        if x.ndim != 2 or x.shape[1] != self.n_qubits or x.shape[0] < 1:
            raise ValueError(f"{name} must have shape (batch, {self.n_qubits}): one angle per "
                             f"qubit, got shape {x.shape}")
        return x


def _check_layer(layer, name: str = "layer") -> None:
    if not isinstance(layer, (tuple, list)) or not all(isinstance(op, Op) for op in layer):
        raise TypeError(f"{name} must be a sequence of Op, got {layer!r:.80}")


def _check_circuit(circuit) -> Circuit:
    return require_instance("circuit", circuit, Circuit, "qkit.qnn.circuits.Circuit (see build_circuit)")


def build_circuit(n_qubits: int, layers: Sequence[Sequence[tuple[str, Sequence[int]]]],
                  encoding: str = "ry") -> Circuit:
    """Build a :class:`Circuit` from ``[[(kind, wires), ...], ...]``, numbering angles in order.

    Parameters
    ----------
    n_qubits : int
        1 .. 24.
    layers : sequence of sequences of (kind, wires)
        ``kind`` a key of ``GATE_KINDS``; ``wires`` a qubit index or a tuple (control first).
    encoding : {"ry", "rx"}
    """
    require_integer("n_qubits", n_qubits, 1, sv.MAX_QUBITS)
    if not isinstance(layers, (tuple, list)) or not all(isinstance(layer, (tuple, list)) for layer in layers):
        raise TypeError(f"layers must be a list of layers, each a list of (kind, wires) pairs, got {layers!r:.80}")
    offset, built = 0, []
    for k, layer in enumerate(layers):
        ops = []
        for j, entry in enumerate(layer):
            if not isinstance(entry, (tuple, list)) or len(entry) != 2:
                raise TypeError(f"layers[{k}][{j}] must be a (kind, wires) pair, got {entry!r:.60}")
            try:
                op = Op(entry[0], entry[1], offset)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"layers[{k}][{j}]: {exc}") from None
            offset += op.n_params
            ops.append(op)
        built.append(tuple(ops))
    try:
        return Circuit(n_qubits, tuple(built), offset, encoding)
    except ValueError as exc:
        if "encoding" in str(exc):
            raise
        raise ValueError(f"layers do not fit the circuit: {exc}") from None


# matrix family of each kind: (vectorised matrix builder, vectorised derivative builder)
_FAMILIES = {
    "rx": (gates.rx, lambda a: gates.rx_derivative(a)[None]),
    "ry": (gates.ry, lambda a: gates.ry_derivative(a)[None]),
    "rz": (gates.rz, lambda a: gates.rz_derivative(a)[None]),
    "u3": (gates.u3, gates.u3_derivatives),
    "rot": (gates.rot, gates.rot_derivatives),
}
_FAMILY_OF = {"rx": "rx", "crx": "rx", "ry": "ry", "cry": "ry", "rz": "rz", "crz": "rz",
              "u3": "u3", "cu3": "u3", "rot": "rot"}
_FIXED = {"cnot": gates.PAULI_X, "cz": gates.PAULI_Z}


def gate_tables(circuit: Circuit, params) -> tuple[np.ndarray, np.ndarray]:
    """Target matrices and their angle derivatives for every op, built in a few vector calls.

    Returns
    -------
    mats : numpy.ndarray
        ``(n_ops, 2, 2)``: the matrix acting on the target (for a controlled gate, on the
        control=1 half), ops numbered layer by layer in execution order.
    derivs : numpy.ndarray
        ``(n_ops, 3, 2, 2)``: ``derivs[i, j] = d mats[i] / d angle_j`` for the op's angles
        (zero padding beyond them).
    """
    p = _check_circuit(circuit).check_params(params)
    ops = circuit.ops
    mats = np.empty((len(ops), 2, 2), dtype=complex)
    derivs = np.zeros((len(ops), 3, 2, 2), dtype=complex)
    groups: dict[str, list[int]] = {}
    for i, op in enumerate(ops):
        if op.kind in _FIXED:
            mats[i] = _FIXED[op.kind]
        else:
            groups.setdefault(_FAMILY_OF[op.kind], []).append(i)
    for family, idx in groups.items():
        build, derive = _FAMILIES[family]
        k = ops[idx[0]].n_params
        angles = p[np.array([ops[i].offset for i in idx])[:, None] + np.arange(k)]
        mats[idx] = np.moveaxis(build(*angles.T), -1, 0)
        derivs[idx, :k] = np.moveaxis(derive(*angles.T), -1, 0)
    return mats, derivs


def gate_matrix(kind: str, angles) -> np.ndarray:
    """The ``(2, 2)`` target matrix of one gate of ``kind`` with ``angles`` (rad)."""
    require_choice("kind", kind, tuple(GATE_KINDS))
    if kind in _FIXED:
        return _FIXED[kind].copy()
    a = np.atleast_1d(require_array("angles", angles, ndim=(0, 1), unit="rad"))
    if a.shape != (GATE_KINDS[kind].n_params,):
        raise ValueError(f"angles must hold {GATE_KINDS[kind].n_params} angle(s) for a {kind!r} gate, got {angles!r}")
    return _FAMILIES[_FAMILY_OF[kind]][0](*a)


# --- gate fusion ---------------------------------------------------------------------------
# Each pass over a multi-megabyte state costs about the same whether it applies a 2 x 2 or a
# 4 x 4 matrix (memory bound), so runs of gates are fused into blocks before they are applied:
# every one-qubit gate joins the next two-qubit gate on its wire (if that gate acts on two
# adjacent wires) or the block before it. A DQNN layer of n U3 and n CU3 gates becomes n - 1
# dense 4 x 4 blocks and the ring-closing CU3: half the passes. Fusion never crosses a layer
# boundary, so every layer's state stays readable.

_P0 = np.diag([1.0, 0.0]).astype(complex)
_P1 = np.diag([0.0, 1.0]).astype(complex)
_I2 = np.eye(2, dtype=complex)


@dataclass(frozen=True)
class Block:
    """Ops applied as one matrix: ``kind`` is ``"one"`` (wires ``(w,)``), ``"pair"`` (adjacent
    wires ``(w, w+1)``, dense ``4 x 4``) or ``"controlled"`` (one controlled op, ``(c, t)``);
    ``members`` are op numbers in application order."""

    kind: str
    wires: tuple[int, ...]
    members: tuple[int, ...]


def fuse_layer(layer: Sequence[Op], start: int = 0) -> list[Block]:
    """Fuse the ops of one layer (numbered from ``start``) into blocks; the product of the
    blocks in order equals the product of the ops."""
    _check_layer(layer)
    require_integer("start", start, 0)
    blocks: list[list] = []  # [kind, wires, members]

    def latest(wires) -> list | None:
        for b in reversed(blocks):
            if set(b[1]) & set(wires):
                return b
        return None

    for i, op in enumerate(layer, start):
        last = latest(op.wires)
        if last is not None and last[0] != "controlled" and set(op.wires) <= set(last[1]):
            last[2].append(i)  # every later block avoids these wires: the op commutes back
            continue
        if len(op.wires) == 1:
            blocks.append(["one", op.wires, [i]])
            continue
        lo, hi = sorted(op.wires)
        if hi - lo != 1:
            blocks.append(["controlled", op.wires, [i]])
            continue
        new = ["pair", (lo, hi), []]
        for w in (lo, hi):  # absorb the latest one-wire block of each wire (it commutes forward)
            prev = latest((w,))
            if prev is not None and prev[0] == "one":
                blocks.remove(prev)
                new[2] += prev[2]
        new[2].append(i)
        blocks.append(new)
    return [Block(k, tuple(w), tuple(m)) for k, w, m in blocks]


@dataclass(frozen=True)
class _BlockGroup:
    """Blocks with the same structure: ``roles[j] = (role, n_angles)`` of member ``j``
    (role ``"1q"``/``"ctrl"`` for one-wire/controlled blocks; ``"lo"``/``"hi"`` for a one-qubit
    gate on the upper/lower wire of a pair, ``"c_lo"``/``"c_hi"`` for a controlled gate whose
    control is that wire); ``members[b, j]`` is the op number of member ``j`` of block ``b``."""

    kind: str
    roles: tuple[tuple[str, int], ...]
    blocks: tuple[int, ...]
    members: np.ndarray


def _group_blocks(circuit: Circuit) -> tuple[_BlockGroup, ...]:
    groups: dict[tuple, list] = {}
    flat = [block for layer in circuit.blocks for block in layer]
    for number, block in enumerate(flat):
        roles = []
        for i in block.members:
            op = circuit.ops[i]
            if block.kind == "one":
                role = "1q"
            elif block.kind == "controlled":
                role = "ctrl"
            elif len(op.wires) == 1:
                role = "lo" if op.wires[0] == block.wires[0] else "hi"
            else:
                role = "c_lo" if op.wires[0] == block.wires[0] else "c_hi"
            roles.append((role, op.n_params))
        groups.setdefault((block.kind, tuple(roles)), []).append((number, block.members))
    return tuple(_BlockGroup(kind, roles, tuple(n for n, _ in items),
                             np.array([m for _, m in items], dtype=int))
                 for (kind, roles), items in groups.items())


def _embed(role: str, mats: np.ndarray, derivative: bool = False) -> np.ndarray:
    """Embed ``(m, 2, 2)`` target matrices in ``(m, 4, 4)`` pair matrices (see ``_BlockGroup``)."""
    if role in ("1q", "ctrl"):
        return mats
    m = mats.shape[0]
    if role == "lo":  # U (x) I
        return np.einsum("nab,cd->nacbd", mats, _I2).reshape(m, 4, 4)
    if role == "hi":  # I (x) U
        return np.einsum("ab,ncd->nacbd", _I2, mats).reshape(m, 4, 4)
    out = np.zeros((m, 4, 4), dtype=complex)
    if role == "c_lo":  # |0><0| (x) I + |1><1| (x) U
        out[:, 2:, 2:] = mats
        if not derivative:
            out[:, 0, 0] = out[:, 1, 1] = 1.0
    else:  # c_hi: I (x) |0><0| + U (x) |1><1|
        out[:, 1::2, 1::2] = mats
        if not derivative:
            out[:, 0, 0] = out[:, 2, 2] = 1.0
    return out


def block_tables(circuit: Circuit, params, derivatives: bool = True):
    """Matrices of all fused blocks and, optionally, their output-side angle derivatives.

    Returns
    -------
    mats : list of numpy.ndarray
        ``mats[b]``: the ``(d, d)`` matrix ``F`` of block ``b`` (blocks numbered layer by
        layer), ``d = 4`` for a pair, 2 otherwise.
    derivs : list of (numpy.ndarray, numpy.ndarray)
        ``derivs[b] = (index, D)``: ``D[j] = dF/dparams[index[j]] F^dagger``, shape
        ``(n_angles, d, d)``, for every angle read by the block's members. From
        ``F = A_after G A_before``: ``dF F^dagger = A_after (dG G^dagger) A_after^dagger``.
        ``None`` entries when ``derivatives`` is False.
    """
    require_flag("derivatives", derivatives)
    gate_mats, gate_derivs = gate_tables(circuit, params)
    offsets = np.array([op.offset for op in circuit.ops])
    n_blocks = sum(len(layer) for layer in circuit.blocks)
    mats: list = [None] * n_blocks
    derivs: list = [None] * n_blocks
    for group in circuit.block_groups:
        members = group.members
        embedded = [_embed(role, gate_mats[members[:, j]]) for j, (role, _) in enumerate(group.roles)]
        total = embedded[0]
        for e in embedded[1:]:
            total = e @ total
        for b, number in enumerate(group.blocks):
            mats[number] = total[b]
        if not derivatives:
            continue
        after = np.broadcast_to(np.eye(total.shape[-1], dtype=complex), total.shape)
        parts, index = [], []
        for j in range(len(group.roles) - 1, -1, -1):
            role, k = group.roles[j]
            if k:
                d = gate_derivs[members[:, j], :k].reshape(-1, 2, 2)
                d = _embed(role, d, derivative=True).reshape(members.shape[0], k, *total.shape[1:])
                inner = d @ embedded[j].conj().swapaxes(-1, -2)[:, None]
                parts.append(after[:, None] @ inner @ after.conj().swapaxes(-1, -2)[:, None])
                index.append(offsets[members[:, j]][:, None] + np.arange(k))
            after = after @ embedded[j]
        if parts:
            d_all, i_all = np.concatenate(parts, axis=1), np.concatenate(index, axis=1)
            for b, number in enumerate(group.blocks):
                derivs[number] = (i_all[b], d_all[b])
    return mats, derivs


def run(circuit: Circuit, params, features,
        on_layer: Callable[[int, np.ndarray], None] | None = None) -> np.ndarray:
    """Encode ``features``, apply every layer, and call ``on_layer(k, state)`` after layer ``k``.

    The state handed to ``on_layer`` is the simulator's working array: read it (e.g. take its
    probabilities), do not keep or modify it. Nothing is recomputed: one pass gives every
    layer's readout.

    Parameters
    ----------
    circuit : Circuit
    params : array of shape (circuit.n_params,)
        Angles (rad) in the layout of the ops' ``offset``.
    features : array of shape (batch, n_qubits)
        Encoding angles (rad).
    on_layer : callable, optional

    Returns
    -------
    numpy.ndarray
        The final state, shape ``(2,)*n_qubits + (batch,)``.
    """
    mats, _ = block_tables(circuit, params, derivatives=False)
    x = circuit.check_features(features)
    if on_layer is not None and not callable(on_layer):
        raise TypeError(f"on_layer must be a function on_layer(k, state) or None, got {on_layer!r:.60}")
    sv._require_state_size(circuit.n_qubits, x.shape[0], copies=2, name="features rows")
    stack = sv._angle_encode(x, circuit.encoding)[None]
    buf = np.empty_like(stack)
    number = 0
    for k, layer in enumerate(circuit.blocks):
        for block in layer:
            u = mats[number][None]
            number += 1
            if block.kind == "controlled":
                sv._apply_c1q_inplace(u, stack, buf, *block.wires)
            else:
                sv._apply_1q_into(u, stack, buf, block.wires[0])
                stack, buf = buf, stack
        if on_layer is not None:
            on_layer(k, stack[0])
    return stack[0]


def layer_states(circuit: Circuit, params, features) -> list[np.ndarray]:
    """Copies of the state after every layer (``n_layers`` arrays ``(2,)*n + (batch,)``)."""
    x = _check_circuit(circuit).check_features(features)
    sv._require_state_size(circuit.n_qubits, x.shape[0], copies=circuit.n_layers + 2, name="features rows")
    states: list[np.ndarray] = []
    run(circuit, params, features, lambda k, psi: states.append(psi.copy()))
    return states



# Angles whose part of their gate is diagonal and applied after the gate's non-diagonal part:
# U3 = diag(1, e^{i phi}) RY(theta) diag(1, e^{i lam}); CU3 the same, controlled; Rot's omega; RZ, CRZ.
_TRAILING_DIAGONAL = {"rz": (0,), "crz": (0,), "u3": (1,), "rot": (2,), "cu3": (1,)}
_DIAGONAL_KINDS = ("rz", "cz", "crz")
_PERMUTATION_KINDS = ("cnot",)


def _diagonal_survives(op: Op, support: set[int]) -> set[int] | None:
    """Pass a diagonal operator on ``support`` through a later ``op``: the new support if
    ``op D op^dagger`` is again diagonal (``op`` diagonal, a permutation, or touching the support
    only as its control), else ``None``."""
    touched = set(op.wires) & support
    if not touched or op.kind in _DIAGONAL_KINDS:
        return support
    if op.kind in _PERMUTATION_KINDS:
        return support | set(op.wires)
    if GATE_KINDS[op.kind].controlled and touched == {op.wires[0]}:
        return support
    return None


def _inert_angles(circuit: Circuit, exit_layers: Sequence[int]) -> np.ndarray:
    """Mask (``circuit.n_params``,) of the gate angles no measured exit can depend on.

    An angle is inert when its factor of the gate is diagonal in the computational basis and
    applied last within the gate (``_TRAILING_DIAGONAL``), and every later op up to the deepest
    exit keeps that factor diagonal when moved past it (:func:`_diagonal_survives`): the angle
    then only multiplies basis amplitudes by phases just before a computational-basis
    measurement, so every exit's probabilities, hence the loss, are independent of it (zero
    gradient). Structural: it holds for every input and every value of the other parameters.
    """
    mask = np.zeros(circuit.n_params, dtype=bool)
    ops = [op for layer in circuit.layers[:max(exit_layers) + 1] for op in layer]
    for i, op in enumerate(ops):
        for j in _TRAILING_DIAGONAL.get(op.kind, ()):
            support: set[int] | None = set(op.wires)
            for other in ops[i + 1:]:
                support = _diagonal_survives(other, support)
                if support is None:
                    break
            mask[op.offset + j] = support is not None
    return mask

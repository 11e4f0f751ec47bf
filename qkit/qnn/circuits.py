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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from qkit._validate import require_choice, require_finite, require_integer
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
        wires = tuple(int(w) for w in np.atleast_1d(self.wires))
        if len(wires) != spec.n_wires or len(set(wires)) != len(wires):
            raise ValueError(f"a {self.kind!r} gate acts on {spec.n_wires} distinct wire(s), "
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
        require_integer("n_qubits", self.n_qubits, 1, 24)
        require_choice("encoding", self.encoding, sv.ENCODINGS)
        for layer in self.layers:
            for op in layer:
                if not all(0 <= w < self.n_qubits for w in op.wires):
                    raise ValueError(f"wires of {op} must be qubit indices in "
                                     f"0..{self.n_qubits - 1}")
                if op.offset + op.n_params > self.n_params:
                    raise ValueError(f"{op} reads params beyond n_params={self.n_params}")

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    def check_params(self, params) -> np.ndarray:
        """Return ``params`` as a float vector of length ``n_params`` (else ``ValueError``)."""
        p = require_finite("params", params, unit="rad")
        if p.shape != (self.n_params,):
            raise ValueError(f"params must be a flat vector of length {self.n_params}, "
                             f"got shape {p.shape}")
        return p

    def check_features(self, features) -> np.ndarray:
        """Return ``features`` as a ``(batch, n_qubits)`` float array (else ``ValueError``)."""
        x = require_finite("features", features, unit="rad")
        if x.ndim != 2 or x.shape[1] != self.n_qubits or x.shape[0] < 1:
            raise ValueError(f"features must have shape (batch, {self.n_qubits}): one angle per "
                             f"qubit, got shape {x.shape}")
        return x


def build_circuit(n_qubits: int, layers: Sequence[Sequence[tuple[str, Sequence[int]]]],
                  encoding: str = "ry") -> Circuit:
    """Build a :class:`Circuit` from ``[[(kind, wires), ...], ...]``, numbering angles in order."""
    offset, built = 0, []
    for layer in layers:
        ops = []
        for kind, wires in layer:
            op = Op(kind, tuple(np.atleast_1d(wires)), offset)
            offset += op.n_params
            ops.append(op)
        built.append(tuple(ops))
    return Circuit(n_qubits, tuple(built), offset, encoding)


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


def gate_tables(circuit: Circuit, params) -> tuple[np.ndarray, list[np.ndarray]]:
    """Target matrices and their angle derivatives for every op, built in a few vector calls.

    Returns
    -------
    mats : numpy.ndarray
        ``(n_ops, 2, 2)``: the matrix acting on the target (for a controlled gate, on the
        control=1 half), ops numbered layer by layer in execution order.
    derivs : list of numpy.ndarray
        ``derivs[i]`` has shape ``(n_params of op i, 2, 2)``: ``d mats[i] / d angle_j``.
    """
    p = circuit.check_params(params)
    ops = [op for layer in circuit.layers for op in layer]
    mats = np.empty((len(ops), 2, 2), dtype=complex)
    derivs: list[np.ndarray] = [np.zeros((0, 2, 2), dtype=complex)] * len(ops)
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
        d = np.moveaxis(derive(*angles.T), -1, 0)
        for j, i in enumerate(idx):
            derivs[i] = d[j]
    return mats, derivs


def gate_matrix(kind: str, angles) -> np.ndarray:
    """The ``(2, 2)`` target matrix of one gate of ``kind`` with ``angles`` (rad)."""
    require_choice("kind", kind, tuple(GATE_KINDS))
    if kind in _FIXED:
        return _FIXED[kind].copy()
    a = np.atleast_1d(np.asarray(angles, dtype=float))
    if a.shape != (GATE_KINDS[kind].n_params,):
        raise ValueError(f"a {kind!r} gate takes {GATE_KINDS[kind].n_params} angle(s), got {angles!r}")
    return _FAMILIES[_FAMILY_OF[kind]][0](*a)


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
    mats, _ = gate_tables(circuit, params)
    stack = sv.angle_encode(circuit.check_features(features), circuit.encoding)[None]
    buf = np.empty_like(stack)
    i = 0
    for k, layer in enumerate(circuit.layers):
        for op in layer:
            u = mats[i:i + 1]
            if GATE_KINDS[op.kind].controlled:
                sv._apply_c1q_inplace(u, stack, buf, op.wires[0], op.wires[1])
            else:
                sv._apply_1q_into(u, stack, buf, op.wires[0])
                stack, buf = buf, stack
            i += 1
        if on_layer is not None:
            on_layer(k, stack[0])
    return stack[0]


def layer_states(circuit: Circuit, params, features) -> list[np.ndarray]:
    """Copies of the state after every layer (``n_layers`` arrays ``(2,)*n + (batch,)``)."""
    states: list[np.ndarray] = []
    run(circuit, params, features, lambda k, psi: states.append(psi.copy()))
    return states

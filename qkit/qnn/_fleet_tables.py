"""Gate and block matrices of a *stack* of parameter vectors, for :mod:`qkit.qnn.fleet`.

The vectorised twins of :func:`qkit.qnn.circuits.gate_tables` and
:func:`~qkit.qnn.circuits.block_tables`: every table gets a leading vehicle axis ``V``. The
derivatives are kept as ``2 x 2`` generators ``dG/dangle G^dagger`` of each member gate and the
matrix ``A`` of the members applied after it in its fused block, so that the adjoint sweep
contracts one ``2 x 2`` part of ``A^T C A^*`` per gate (``C`` the block overlap) instead of building
a ``d x d`` derivative per angle: ``sum_ab (A M A^+)_ab C_ab = sum_ab M_ab (A^T C A^*)_ab``.
"""

from __future__ import annotations

import numpy as np

from qkit.qnn.circuits import _FAMILIES, _FAMILY_OF, _FIXED, _embed

__all__: list[str] = []


def _u3_tables(theta: np.ndarray, phi: np.ndarray, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``U3`` matrices ``(N, 2, 2)`` and their generators ``dU/dangle U^dagger`` ``(N, 3, 2, 2)``
    in closed form (``U3 = P(phi) RY(theta) P(lam)``, see :mod:`qkit.qnn.gates`):
    ``d_theta: P(phi) (-i Y / 2) P(phi)^dagger``, ``d_phi: i |1><1|``, ``d_lam: i u1 u1^dagger``
    with ``u1`` the second column of ``U``."""
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    ep, el = np.exp(1j * phi), np.exp(1j * lam)
    u = np.empty(theta.shape + (2, 2), dtype=complex)
    u[..., 0, 0], u[..., 0, 1], u[..., 1, 0], u[..., 1, 1] = c, -el * s, ep * s, ep * el * c
    gen = np.zeros(theta.shape + (3, 2, 2), dtype=complex)
    gen[..., 0, 0, 1], gen[..., 0, 1, 0] = -0.5 * ep.conj(), 0.5 * ep
    gen[..., 1, 1, 1] = 1j
    gen[..., 2, 0, 0], gen[..., 2, 1, 1] = 1j * s * s, 1j * c * c
    gen[..., 2, 0, 1] = -1j * s * c * ep.conj()
    gen[..., 2, 1, 0] = -1j * s * c * ep
    return u, gen


def _gate_tables(circuit, p: np.ndarray):
    """Target matrices of every op for a stack ``p`` of shape ``(V, n_params)``, ``(V, n_ops, 2, 2)``,
    and their generators ``dG/dangle G^dagger``, ``(V, n_ops, 3, 2, 2)`` (zero beyond the op's
    angles); the vectorised twin of :func:`qkit.qnn.circuits.gate_tables`."""
    ops, v = circuit.ops, p.shape[0]
    mats = np.empty((v, len(ops), 2, 2), dtype=complex)
    gens = np.zeros((v, len(ops), 3, 2, 2), dtype=complex)
    groups: dict[str, list[int]] = {}
    for i, op in enumerate(ops):
        if op.kind in _FIXED:
            mats[:, i] = _FIXED[op.kind]
        else:
            groups.setdefault(_FAMILY_OF[op.kind], []).append(i)
    for family, idx in groups.items():
        k = ops[idx[0]].n_params
        angles = p[:, np.array([ops[i].offset for i in idx])[:, None] + np.arange(k)]
        if family == "u3":
            mats[:, idx], gens[:, idx] = _u3_tables(*np.moveaxis(angles, -1, 0))
            continue
        build, derive = _FAMILIES[family]
        flat = angles.reshape(-1, k).T
        g = np.moveaxis(build(*flat), -1, 0).reshape(v, len(idx), 2, 2)
        d = np.moveaxis(derive(*flat), -1, 0).reshape(v, len(idx), k, 2, 2)
        mats[:, idx] = g
        gens[:, idx, :k] = d @ g.conj().swapaxes(-1, -2)[:, :, None]
    return mats, gens


def _embed_pair(role: str, m: np.ndarray, derivative: bool) -> np.ndarray:
    """:func:`qkit.qnn.circuits._embed` by slice assignment (no einsum): ``(N, 2, 2)`` target
    matrices as ``(N, 4, 4)`` pair matrices (``"lo"``: ``U (x) I``; ``"hi"``: ``I (x) U``)."""
    if role not in ("lo", "hi"):
        return _embed(role, m, derivative)
    out = np.zeros((m.shape[0], 2, 2, 2, 2), dtype=complex)  # (a, c, b, d): row (a, c), column (b, d)
    for w in (0, 1):
        if role == "lo":
            out[:, :, w, :, w] = m
        else:
            out[:, w, :, w, :] = m
    return out.reshape(-1, 4, 4)


def _block_tables(circuit, p: np.ndarray, derivatives: bool = True):
    """:func:`qkit.qnn.circuits.block_tables` for a stack ``(V, n_params)``: ``mats[b]`` is
    ``(V, d, d)``. The derivatives are kept factored: ``derivs[b]`` is a list of
    ``(index, M, A, role)`` per member gate, with ``dF/dparams[index[j]] F^dagger =
    A embed(M[:, j]) A^dagger`` (``M = dG G^dagger``, ``(V, k, 2, 2)``; ``A`` the members applied
    after it, ``(V, d, d)``, or None; ``role`` as in ``_embed``), so the sweep contracts the
    ``2 x 2`` target part of ``A^T C A^*`` with ``M`` instead of building a ``d x d`` product per angle."""
    gate_mats, gate_gens = _gate_tables(circuit, p)
    offsets = np.array([op.offset for op in circuit.ops])
    n_blocks = sum(len(layer) for layer in circuit.blocks)
    mats: list = [None] * n_blocks
    derivs: list = [None] * n_blocks

    def embed(role, m, derivative=False):  # (..., 2, 2) -> (..., d, d)
        e = _embed_pair(role, m.reshape(-1, 2, 2), derivative)
        return e.reshape(m.shape[:-2] + e.shape[-2:])

    for group in circuit.block_groups:
        members = group.members
        embedded = [embed(role, gate_mats[:, members[:, j]]) for j, (role, _) in enumerate(group.roles)]
        total = embedded[0]
        for e in embedded[1:]:
            total = e @ total
        for b, number in enumerate(group.blocks):
            mats[number] = total[:, b]
        if not derivatives:
            continue
        after = None
        for j in range(len(group.roles) - 1, -1, -1):
            role, k = group.roles[j]
            if k:
                gen = gate_gens[:, members[:, j], :k]
                for b, number in enumerate(group.blocks):
                    derivs[number] = derivs[number] or []
                    derivs[number].append((offsets[members[b, j]] + np.arange(k), gen[:, b],
                                           None if after is None else after[:, b], role))
            after = embedded[j] if after is None else after @ embedded[j]
    return mats, derivs

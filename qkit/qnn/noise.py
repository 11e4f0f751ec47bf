"""A per-layer noise model that stays exact without density matrices.

Why deeper is not always better (Sec. III-C of the DQFL paper): every layer executed on a
noisy device adds errors, so the readout of a deep layer carries less signal than that of a
shallow one; with a finite number of shots, a weak signal is drowned by sampling noise. This
module models that with three ingredients, all applied at the readout of an exit after ``k``
layers:

1. **Global depolarising channel after every layer**, strength ``p`` (``depolarizing``):
   ``rho -> (1 - p) rho + p I / 2**n``. A unitary maps ``I`` to ``I``, so the channel commutes
   with every later gate, and after ``k`` noisy layers the state is *exactly*
   ``rho_k = f_k rho_k^ideal + (1 - f_k) I / 2**n`` with ``f_k = (1 - p)**k``. The measured
   probabilities are therefore ``f_k p^ideal + (1 - f_k) / 2**n`` and every ``<Z_i>`` is
   multiplied by ``f_k``: computed from the noiseless statevector, no density matrix needed,
   and differentiable (the gradient is scaled by ``f_k``).
2. **Readout (measurement) error**: each measured bit flips independently with probability
   ``q`` (``readout_error``): the probabilities are multiplied by ``R^{(x)n}`` with
   ``R = [[1-q, q], [q, 1-q]]``, and ``<Z_i> -> (1 - 2q) <Z_i>``. Exact as well.
3. **Finite shots** (``shots``): the readout is estimated from ``shots`` measurements per sample
   (multinomial counts drawn from the noisy probabilities), see
   :func:`qkit.qnn.statevector.sample_probabilities`.

Limits. Real devices have *local*, gate-dependent noise (amplitude damping, dephasing, two-qubit
gate errors much larger than one-qubit ones, crosstalk). Local depolarising noise damps the
components of the state on many-qubit Pauli operators faster than those on one-qubit ones and
spreads through the entanglers; it cannot be written as one factor per layer and needs a
density matrix (or trajectories). The global channel keeps the essential, monotone effect --
the signal shrinks geometrically with depth -- in a form a learner can compute by hand. With the
``<Z_i>`` readout every class score is multiplied by the same ``f_k (1 - 2q)``, so noise alone does
not change the *ranking* of scores proportional to the readout (no classical bias): the accuracy
drops once finite shots (or a bias fitted at another noise level) enter -- the regime of a real
device, where every expectation value is estimated from a finite number of shots.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qkit._validate import require_integer, require_pmf, require_real
from qkit.qnn.statevector import MAX_QUBITS, MAX_SHOTS

__all__ = ["NoiseModel", "depolarize_probabilities", "apply_readout_error"]


def depolarize_probabilities(probs: np.ndarray, retained: float) -> np.ndarray:
    """``retained * probs + (1 - retained) / K`` for probabilities of shape ``(K, batch)``.

    ``retained = (1 - p)**k`` is the fraction of the state surviving ``k`` global depolarising
    channels of strength ``p``.

    Parameters
    ----------
    probs : array (K, batch)
        Probability columns (each in [0, 1], summing to 1 within 1e-9).
    retained : float
        In [0, 1].
    """
    f = require_real("retained", retained, 0.0, 1.0)
    return _depolarize(_check_probs(probs), f)


def _check_probs(probs, n_qubits: int | None = None) -> np.ndarray:
    p = require_pmf("probs", probs, axis=0)
    if p.ndim != 2 or (n_qubits is not None and p.shape[0] != 2**n_qubits):
        want = "(K, batch)" if n_qubits is None else f"({2**n_qubits}, batch) for n_qubits={n_qubits}"
        raise ValueError(f"probs must have shape {want}, got {p.shape}")
    return p


def _depolarize(probs: np.ndarray, f: float) -> np.ndarray:
    return f * probs + (1.0 - f) / probs.shape[0]


def apply_readout_error(probs: np.ndarray, n_qubits: int, flip_probability: float) -> np.ndarray:
    """Apply independent symmetric bit flips to measured probabilities ``(2**n, batch)``.

    Multiplies by ``R^{(x)n}``, ``R = [[1-q, q], [q, 1-q]]`` (``0 <= q <= 0.5``). ``R`` is
    symmetric, so the same map takes a gradient with respect to measured probabilities back to
    the true ones (:meth:`NoiseModel.pullback`).

    Parameters
    ----------
    probs : array (2**n_qubits, batch)
        Probability columns.
    n_qubits : int
    flip_probability : float
        ``q`` in [0, 0.5].
    """
    n = require_integer("n_qubits", n_qubits, 1, MAX_QUBITS)
    q = require_real("flip_probability", flip_probability, 0.0, 0.5)
    return _flip_bits(_check_probs(probs, n), n, q)


def _flip_bits(p: np.ndarray, n: int, q: float) -> np.ndarray:
    """:func:`apply_readout_error` without the checks (also for gradients)."""
    if q == 0.0:
        return p
    out = p.reshape((2,) * n + (-1,))
    for i in range(n):  # R on axis i: keep the bit with 1 - q, take the flipped one with q
        out = (1.0 - q) * out + q * np.flip(out, axis=i)
    return out.reshape(p.shape)


@dataclass(frozen=True)
class NoiseModel:
    """Per-layer global depolarising noise, readout error and finite shots.

    Parameters
    ----------
    depolarizing : float
        Depolarising probability ``p`` per layer, ``0 <= p <= 1`` (dimensionless).
    readout_error : float
        Bit-flip probability ``q`` of each measured qubit, ``0 <= q <= 0.5``.
    shots : int or None
        Measurements per sample and exit; ``None`` means exact expectation values.

    Notes
    -----
    The loss and gradient used for training (``loss_and_grad`` of the models) use the exact
    noisy expectations (items 1-2 of the module docstring); shots enter the predictions and
    accuracies, which then need an ``rng``.
    """

    depolarizing: float = 0.0
    readout_error: float = 0.0
    shots: int | None = None

    def __post_init__(self) -> None:
        require_real("depolarizing", self.depolarizing, 0.0, 1.0)
        require_real("readout_error", self.readout_error, 0.0, 0.5)
        if self.shots is not None:
            object.__setattr__(self, "shots", require_integer("shots", self.shots, 1, MAX_SHOTS))

    def retained_fraction(self, layers_done: int) -> float:
        """``f_k = (1 - p)**k``: the weight of the ideal state after ``k`` noisy layers."""
        k = require_integer("layers_done", layers_done, 0)
        return (1.0 - float(self.depolarizing)) ** k

    def measured_probabilities(self, probs: np.ndarray, layers_done: int, n_qubits: int) -> np.ndarray:
        """Probabilities of the measured bit strings after ``layers_done`` noisy layers.

        Parameters
        ----------
        probs : array (2**n_qubits, batch)
            Ideal (noiseless) Born probabilities.
        layers_done : int
            Layers executed before this readout.
        n_qubits : int

        Returns
        -------
        numpy.ndarray
            ``R^{(x)n} (f_k probs + (1 - f_k) / 2**n)``; columns still sum to 1.
        """
        noisy = _depolarize(np.asarray(probs, dtype=float), self.retained_fraction(layers_done))
        return _flip_bits(noisy, n_qubits, float(self.readout_error))

    def pullback(self, prob_grad: np.ndarray, layers_done: int, n_qubits: int) -> np.ndarray:
        """Map ``dL/d(measured probabilities)`` to ``dL/d(ideal probabilities)`` (chain rule)."""
        g = _flip_bits(np.asarray(prob_grad, dtype=float), n_qubits, float(self.readout_error))
        return self.retained_fraction(layers_done) * g

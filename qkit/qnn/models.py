"""Quantum classifiers: a fixed-depth QNN and the dynamic QNN (DQNN) of the DQFL paper.

Both models are frozen configurations in the scikit-learn spirit: the constructor stores the
architecture only; parameters live in one flat ``numpy`` vector that the caller owns (so that
federated code can average, slice and transmit it).

Circuit (Fig. 1 and Sec. III-C of the DQFL paper)
-------------------------------------------------
* **Encoding**: angle encoding, qubit ``i`` starts in ``RY(x_i)|0>`` (``encoding="ry"``); the
  model takes exactly ``n_qubits`` features per sample (angles in rad, e.g. scaled to [0, pi]).
* **Layer k** (``k = 0 .. n_layers-1``): a trainable single-qubit rotation on every qubit
  (``rotation``: ``"u3"`` (3 angles), ``"rot"`` (3 angles) or ``"ry"`` (1 angle)), then a ring of
  entanglers ``(0, 1), (1, 2), ..., (n-1, 0)`` (a single pair for 2 qubits, none for 1):
  ``"cu3"`` (controlled-U3, 3 trainable angles each: the DQNN), or fixed ``"cnot"`` / ``"cz"``.
* **Exits**: the DQNN reads out after *every* layer (layer-wise readout: "the output quantum
  state of each layer can be measured"), the QNN only after the last.

Readout: measurements -> class scores
-------------------------------------
Each exit measures all qubits. With ``readout="expval"`` (``n_classes <= n_qubits``) the raw
score of class ``c`` is ``r_c = <Z_c>`` (qubit ``c``, in [-1, 1]); with ``readout="probs"``
(``n_classes <= 2**n_qubits``) it is the probability that the first ``ceil(log2 n_classes)``
qubits read the binary number ``c``. Both are linear in the Born probabilities,
``r = D p`` (``model.readout_matrix``), which is what keeps the adjoint gradient exact. Under a
:class:`~qkit.qnn.noise.NoiseModel`, ``p`` are the measured (depolarised, bit-flipped)
probabilities, or shot frequencies. The logits are ``z_c = a_c r_c + b_c`` with a trainable
scale ``a`` and bias ``b`` per exit and class (``readout_scale=True``; ``a`` starts at
``logit_scale``, ``b`` at 0), or ``z_c = logit_scale * r_c`` (``readout_scale=False``).

Loss: ``L = sum_e w_e CE_e``, the weighted sum over exits of the mean softmax cross-entropy of
exit ``e`` (``exit_weights``, all 1 by default). One adjoint sweep gives its gradient.

Parameter layout (``model.layout``)
-----------------------------------
Blocks in depth order, ``layer0, exit0, layer1, exit1, ...`` (QNN: ``layer0 .. layerL-1,
exit{L-1}``), so the parameters of a model truncated at depth ``d`` are the prefix
``params[model.prefix_slice(d)]`` and ``params[model.layer_slices(k)]`` is block ``k``.
Inside ``layer{k}``: the rotation angles, qubit-major (``u3``: ``theta, phi, lam`` of qubit 0,
then qubit 1, ...; ``rot``: ``phi, theta, omega``), then the ``cu3`` angles
``theta, phi, lam`` of each ring pair in ring order. Inside ``exit{k}``: ``n_classes`` scales,
then ``n_classes`` biases.

Methods at a glance
-------------------
``init_params(rng)``; ``forward(params, X, rng=None)`` -> logits ``(n_exits, batch, n_classes)``;
``exit_readouts`` -> raw scores ``r``; ``predict(params, X, exit=-1, rng=None)``;
``accuracy(params, X, y, rng=None)`` -> one accuracy per exit; ``loss``, ``exit_losses``;
``loss_and_grad(params, X, y, exit_weights=None, method="adjoint", input_grad=False)``;
``with_noise(noise)``. With finite ``noise.shots`` the predictions sample (pass ``rng``); the
loss and gradient always use the exact noisy expectation values.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, replace
from functools import cached_property

import numpy as np

from qkit._validate import (require_array, require_choice, require_flag, require_generator,
                            require_instance, require_integer, require_real)
from qkit.qnn import statevector as sv
from qkit.qnn.circuits import Circuit, Op, _inert_angles, run
from qkit.qnn.gradients import (adjoint_backward, parameter_shift_gradient,
                                 parameter_shift_input_gradient)
from qkit.qnn.noise import NoiseModel

__all__ = ["QNN", "DynamicQNN", "ring_pairs", "MAX_LAYERS", "MAX_MODEL_QUBITS"]

MAX_LAYERS = 1000
"""Most layers a model may have (deeper circuits take hours per epoch to simulate)."""
MAX_MODEL_QUBITS = 16
"""Most qubits a model may have (a batch of 64 samples of 16 qubits is 64 MiB per state)."""

_ROTATION_ANGLES = {"u3": 3, "rot": 3, "ry": 1}
_ENTANGLER_ANGLES = {"cu3": 3, "cnot": 0, "cz": 0}


def ring_pairs(n_qubits: int) -> list[tuple[int, int]]:
    """(control, target) pairs of the ring entangler: ``(i, i+1 mod n)``; one pair for n = 2.

    ``n_qubits`` is 1 .. 24 (none for 1 qubit).
    """
    n_qubits = require_integer("n_qubits", n_qubits, 1, sv.MAX_QUBITS)
    if n_qubits == 1:
        return []
    if n_qubits == 2:
        return [(0, 1)]
    return [(i, (i + 1) % n_qubits) for i in range(n_qubits)]


@dataclass(frozen=True)
class _LayeredQNN:
    """Shared implementation of :class:`QNN` and :class:`DynamicQNN` (see the module docstring)."""

    n_qubits: int
    n_layers: int
    n_classes: int
    _: KW_ONLY
    rotation: str = "u3"
    entangler: str = "cu3"
    readout: str = "expval"
    readout_scale: bool = True
    logit_scale: float = 5.0
    encoding: str = "ry"
    noise: NoiseModel | None = None

    _all_exits = True

    def __post_init__(self) -> None:
        n = require_integer("n_qubits", self.n_qubits, 1, MAX_MODEL_QUBITS)
        require_integer("n_layers", self.n_layers, 1, MAX_LAYERS)
        c = require_integer("n_classes", self.n_classes, 2)
        require_choice("rotation", self.rotation, tuple(_ROTATION_ANGLES))
        require_choice("entangler", self.entangler, tuple(_ENTANGLER_ANGLES))
        require_choice("readout", self.readout, ("expval", "probs"))
        require_choice("encoding", self.encoding, sv.ENCODINGS)
        require_flag("readout_scale", self.readout_scale)
        require_real("logit_scale", self.logit_scale)
        limit = n if self.readout == "expval" else 2**n
        if c > limit:
            hint = " (readout='probs' allows up to 2**n_qubits)" if self.readout == "expval" else ""
            raise ValueError(f"n_classes must be <= {limit} for readout={self.readout!r} with "
                             f"{n} qubits{hint}, got {c}")
        if self.noise is not None:
            require_instance("noise", self.noise, NoiseModel, "qkit.qnn.NoiseModel or None")

    def with_noise(self, noise: NoiseModel | None):
        """The same architecture under another noise model (parameters are interchangeable)."""
        return replace(self, noise=noise)

    # --- layout ---------------------------------------------------------------------------
    @property
    def exit_layers(self) -> tuple[int, ...]:
        """Layers after which the model reads out (all for the DQNN, the last for the QNN)."""
        return tuple(range(self.n_layers)) if self._all_exits else (self.n_layers - 1,)

    @property
    def n_exits(self) -> int:
        return len(self.exit_layers)

    @cached_property
    def layout(self) -> dict[str, slice]:
        """Name -> slice of the flat parameter vector, in storage order."""
        per_layer = (self.n_qubits * _ROTATION_ANGLES[self.rotation]
                     + len(ring_pairs(self.n_qubits)) * _ENTANGLER_ANGLES[self.entangler])
        per_exit = 2 * self.n_classes if self.readout_scale else 0
        out, start = {}, 0
        for k in range(self.n_layers):
            out[f"layer{k}"] = slice(start, start + per_layer)
            start += per_layer
            if k in self.exit_layers:
                out[f"exit{k}"] = slice(start, start + per_exit)
                start += per_exit
        return out

    @property
    def n_params(self) -> int:
        return max(s.stop for s in self.layout.values())

    def inert_mask(self) -> np.ndarray:
        """Boolean mask (``n_params``,) of the angles the loss cannot depend on.

        They stay in the parameter vector but are not trained in any meaningful sense: their
        gradient is exactly zero for every input. For the DQNN these are the phase ``phi`` of
        each last-layer CU3 that is followed only by gates using its wires as control (3 of 96
        at 4 qubits and 3 layers, 7 of 240 at 8 qubits and 4 layers). ``CU3(theta, phi, lam)``
        applies the controlled phase ``phi`` last, and a phase on a basis state does not change
        a computational-basis measurement (:func:`qkit.qnn.circuits._inert_angles`).
        """
        return _inert_angles(self.circuit, self.exit_layers)

    @property
    def n_trainable(self) -> int:
        """Parameters the loss can depend on: ``n_params - inert_mask().sum()``."""
        return self.n_params - int(self.inert_mask().sum())

    def layer_slices(self, k: int) -> slice:
        """Contiguous slice of block ``k``: ``layer{k}`` and, if layer ``k`` has one, ``exit{k}``."""
        k = require_integer("k", k, 0, self.n_layers - 1)
        end = self.layout.get(f"exit{k}", self.layout[f"layer{k}"]).stop
        return slice(self.layout[f"layer{k}"].start, end)

    def prefix_slice(self, depth: int) -> slice:
        """Slice of the parameters used by the first ``depth`` layers and their exits."""
        depth = require_integer("depth", depth, 1, self.n_layers)
        return slice(0, self.layer_slices(depth - 1).stop)

    @cached_property
    def circuit(self) -> Circuit:
        """The gate sequence (a :class:`~qkit.qnn.circuits.Circuit`) indexing the flat vector."""
        ra, ea = _ROTATION_ANGLES[self.rotation], _ENTANGLER_ANGLES[self.entangler]
        layers = []
        for k in range(self.n_layers):
            base = self.layout[f"layer{k}"].start
            ops = [Op(self.rotation, (i,), base + ra * i) for i in range(self.n_qubits)]
            base += ra * self.n_qubits
            ops += [Op(self.entangler, pair, base + ea * j)
                    for j, pair in enumerate(ring_pairs(self.n_qubits))]
            layers.append(tuple(ops))
        return Circuit(self.n_qubits, tuple(layers), self.n_params, self.encoding)

    @cached_property
    def readout_matrix(self) -> np.ndarray:
        """``D`` of shape ``(n_classes, 2**n_qubits)``: raw class scores ``r = D p``."""
        if self.readout == "expval":
            return sv.z_eigenvalues(self.n_qubits)[: self.n_classes]
        m = int(np.ceil(np.log2(self.n_classes)))
        leading = np.arange(2**self.n_qubits) >> (self.n_qubits - m)
        return (leading[None, :] == np.arange(self.n_classes)[:, None]).astype(float)

    def init_params(self, rng: np.random.Generator, angle_spread: float = np.pi) -> np.ndarray:
        """Random initial parameters: angles uniform in ``[-angle_spread, angle_spread]`` (rad),
        readout scales ``logit_scale`` and biases 0."""
        require_generator("rng", rng)
        spread = require_real("angle_spread", angle_spread, 0.0, unit="rad")
        params = np.zeros(self.n_params)
        for k in range(self.n_layers):
            s = self.layout[f"layer{k}"]
            params[s] = rng.uniform(-spread, spread, s.stop - s.start)
            if self.readout_scale and f"exit{k}" in self.layout:
                start = self.layout[f"exit{k}"].start
                params[start:start + self.n_classes] = self.logit_scale
        return params

    # --- forward ----------------------------------------------------------------------------
    def _scale_bias(self, params: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if not self.readout_scale:
            return np.full(self.n_classes, float(self.logit_scale)), np.zeros(self.n_classes)
        block = params[self.layout[f"exit{k}"]]
        return block[: self.n_classes], block[self.n_classes:]

    def _exit_probabilities(self, params, X, upto: int | None = None):
        """Ideal probabilities at each exit (list of (2**n, B)) and the final state."""
        x = self.circuit.check_features(X, "X")
        exits = set(self.exit_layers)
        probs: list[np.ndarray] = []

        def on_layer(k: int, psi: np.ndarray) -> None:
            if k in exits and (upto is None or k <= upto):
                probs.append(sv._probabilities(psi))

        final = run(self.circuit, params, x, on_layer)
        return probs, final

    def _raw_scores(self, probs: np.ndarray) -> np.ndarray:
        """``r = D p``. (``einsum`` rather than ``@``: a BLAS product this large would wake a
        second OpenBLAS thread, which then spins and slows every kernel on a busy machine.)"""
        return np.einsum("ck,kb->cb", self.readout_matrix, probs)

    def _measured(self, probs: np.ndarray, k: int, rng: np.random.Generator | None,
                  sample: bool) -> np.ndarray:
        p = probs if self.noise is None else self.noise.measured_probabilities(
            probs, k + 1, self.n_qubits)
        if sample and self.noise is not None and self.noise.shots is not None:
            if rng is None:
                raise ValueError(f"rng must be a numpy.random.Generator when noise.shots is set "
                                 f"({self.noise.shots} shots), got None")
            require_generator("rng", rng)
            return sv._sample(p, self.noise.shots, rng) / self.noise.shots
        return p

    def exit_readouts(self, params, X, rng: np.random.Generator | None = None) -> np.ndarray:
        """Raw class scores ``r = D p`` of every exit, shape ``(n_exits, n_classes, batch)``."""
        p = self.circuit.check_params(params)
        probs, _ = self._exit_probabilities(p, X)
        return np.stack([self._raw_scores(self._measured(pk, k, rng, True))
                         for pk, k in zip(probs, self.exit_layers)])

    def forward(self, params, X, rng: np.random.Generator | None = None) -> np.ndarray:
        """Logits of every exit, shape ``(n_exits, batch, n_classes)``.

        Parameters
        ----------
        params : array of shape (n_params,)
        X : array of shape (batch, n_qubits)
            Features = encoding angles (rad).
        rng : numpy.random.Generator, optional
            Required when the noise model has finite ``shots``.
        """
        p = self.circuit.check_params(params)
        r = self.exit_readouts(p, X, rng)
        out = []
        for e, k in enumerate(self.exit_layers):
            a, b = self._scale_bias(p, k)
            out.append(r[e].T * a + b)
        return np.stack(out)

    def predict(self, params, X, exit: int = -1, rng: np.random.Generator | None = None) -> np.ndarray:
        """Predicted labels ``(batch,)`` at exit number ``exit`` (default: the deepest)."""
        e = require_integer("exit", exit, -self.n_exits, self.n_exits - 1) % self.n_exits
        p = self.circuit.check_params(params)
        k = self.exit_layers[e]
        probs, _ = self._exit_probabilities(p, X)
        r = self._raw_scores(self._measured(probs[e], k, rng, True))
        a, b = self._scale_bias(p, k)
        return np.argmax(r.T * a + b, axis=1)

    def accuracy(self, params, X, y, rng: np.random.Generator | None = None) -> np.ndarray:
        """Top-1 accuracy of every exit, shape ``(n_exits,)``."""
        x = self.circuit.check_features(X, "X")
        labels = self._check_labels(y, x.shape[0])
        logits = self.forward(params, x, rng)
        return (np.argmax(logits, axis=2) == labels[None, :]).mean(axis=1)

    # --- loss and gradient ------------------------------------------------------------------
    def _check_labels(self, y, batch: int) -> np.ndarray:
        if y is None or isinstance(y, (str, bytes)):
            raise TypeError(f"y must be an array of integer labels, got {y!r}")
        arr = np.asarray(y)
        if arr.shape != (batch,) or arr.dtype.kind not in "iu" or np.any(arr < 0) or np.any(arr >= self.n_classes):
            raise ValueError(f"y must be {batch} integer labels in 0..{self.n_classes - 1}, "
                             f"got an array of shape {arr.shape} and dtype {arr.dtype}")
        return arr

    def _exit_weights(self, exit_weights) -> np.ndarray:
        if exit_weights is None:
            return np.ones(self.n_exits)
        w = require_array("exit_weights", exit_weights, low=0.0)
        if w.shape != (self.n_exits,):
            raise ValueError(f"exit_weights must have one weight per exit ({self.n_exits}), "
                             f"got shape {w.shape}")
        return w

    def exit_losses(self, params, X, y) -> np.ndarray:
        """Mean cross-entropy of every exit (exact, shots ignored), shape ``(n_exits,)``."""
        return self._loss_terms(params, X, y, None, want_grad=False)[0]

    def loss(self, params, X, y, exit_weights=None) -> float:
        """``sum_e w_e CE_e`` (exact noisy expectations; shots ignored)."""
        return float(self._exit_weights(exit_weights) @ self.exit_losses(params, X, y))

    def loss_and_grad(self, params, X, y, exit_weights=None, method: str = "adjoint",
                      input_grad: bool = False):
        """Loss and its gradient with respect to the flat parameter vector.

        Parameters
        ----------
        params, X, y
            Parameters, features ``(batch, n_qubits)`` (rad), integer labels ``(batch,)``.
        exit_weights : array of shape (n_exits,), optional
            Weights of the exits' losses (default all 1).
        method : {"adjoint", "parameter-shift"}
            The adjoint method (fast, one backward sweep for all exits) or the parameter-shift
            rule (2-4 circuit runs per angle, a reference).
        input_grad : bool
            Also return ``dL/dX``, shape ``(batch, n_qubits)`` (per rad of encoding angle), e.g.
            to train a classical layer in front of the circuit. The adjoint sweep gives it
            almost free; parameter shift costs two runs per feature.

        Returns
        -------
        loss : float
        grad : numpy.ndarray, shape (n_params,)
        grad_X : numpy.ndarray, shape (batch, n_qubits)
            Only if ``input_grad``.
        """
        require_choice("method", method, ("adjoint", "parameter-shift"))
        require_flag("input_grad", input_grad)
        w = self._exit_weights(exit_weights)
        losses, grad, grad_x = self._loss_terms(params, X, y, w, want_grad=True, method=method,
                                                input_grad=input_grad)
        if input_grad:
            return float(w @ losses), grad, grad_x
        return float(w @ losses), grad

    def _loss_terms(self, params, X, y, weights, want_grad: bool, method: str = "adjoint",
                    input_grad: bool = False):
        p = self.circuit.check_params(params)
        probs, final = self._exit_probabilities(p, X)
        labels = self._check_labels(y, final.shape[-1])
        batch, losses = final.shape[-1], np.zeros(self.n_exits)
        grad, prob_grads = np.zeros(self.n_params), {}
        for e, k in enumerate(self.exit_layers):
            measured = self._measured(probs[e], k, None, False)
            r = self._raw_scores(measured)
            a, b = self._scale_bias(p, k)
            logits = r.T * a + b
            shifted = logits - logits.max(axis=1, keepdims=True)
            log_soft = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
            losses[e] = -log_soft[np.arange(batch), labels].mean()
            if not want_grad:
                continue
            d_logits = np.exp(log_soft)
            d_logits[np.arange(batch), labels] -= 1.0
            d_logits *= weights[e] / batch
            if self.readout_scale:
                s = self.layout[f"exit{k}"]
                grad[s] = np.concatenate([(d_logits * r.T).sum(axis=0), d_logits.sum(axis=0)])
            g_measured = np.einsum("ck,bc->kb", self.readout_matrix, d_logits * a)
            prob_grads[k] = (g_measured if self.noise is None
                             else self.noise.pullback(g_measured, k + 1, self.n_qubits))
        grad_x = None
        if want_grad and method == "adjoint":
            out = adjoint_backward(self.circuit, p, final, prob_grads, input_grad)
            grad, grad_x = (grad + out[0], out[1]) if input_grad else (grad + out, None)
        elif want_grad:
            grad += parameter_shift_gradient(self.circuit, p, X, prob_grads)
            if input_grad:
                grad_x = parameter_shift_input_gradient(self.circuit, p, X, prob_grads)
        return losses, grad, grad_x


@dataclass(frozen=True)
class DynamicQNN(_LayeredQNN):
    """The dynamic QNN (DQNN) of Sec. III-C / Fig. 1 of the DQFL paper.

    ``n_layers`` layers of trainable ``U3`` rotations and a ring of trainable ``CU3``
    entanglers, with an exit readout after every layer; trained on the weighted sum of the
    exits' cross-entropies; predicts at any depth (``predict(..., exit=k)``). See the module
    docstring for the readout and the parameter layout.
    """

    _: KW_ONLY
    rotation: str = "u3"
    entangler: str = "cu3"
    _all_exits = True


@dataclass(frozen=True)
class QNN(_LayeredQNN):
    """A fixed-depth QNN: ``Rot`` rotations (RZ RY RZ) and a CNOT ring, one exit at the end.

    The "basic rotation gates" QNN the DQFL paper contrasts with the DQNN (Sec. III-C). Same
    interface as :class:`DynamicQNN`; ``forward`` returns shape ``(1, batch, n_classes)``.
    """

    _: KW_ONLY
    rotation: str = "rot"
    entangler: str = "cnot"
    _all_exits = False

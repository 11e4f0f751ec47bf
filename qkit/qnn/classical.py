"""Classical baselines for the quantum classifiers: a small numpy MLP and softmax regression.

The vehicular paper claims that a QNN is *parameter efficient*: it "performs better than a
classical NN despite utilizing a smaller number of model dimension" (Sec. I, Sec. III-B). To
test that claim on our own data, the course compares the QNN with classical networks of the
same and of many more trainable parameters, trained by the same loop
(:func:`qkit.qnn.optim.train`) on the same features.

:class:`MLP` therefore mirrors the interface of :class:`~qkit.qnn.models.QNN`: a frozen
configuration; parameters in one flat vector that the caller owns; ``n_params``,
``init_params(rng)``, ``forward`` (logits of shape ``(1, batch, n_classes)``: one "exit"),
``loss_and_grad(params, X, y, exit_weights=None)`` with an exact, analytic (back-propagation)
gradient, ``predict`` and ``accuracy``.

Model
-----
``h_0 = x``; ``h_l = tanh(h_{l-1} W_l + b_l)`` for each hidden layer; logits
``z = h_L W_out + b_out``; loss = mean softmax cross-entropy. With ``hidden=()`` it is
multinomial logistic (softmax) regression. Parameter layout: ``W_1`` (row-major, shape
``(n_in, n_out)``), ``b_1``, ``W_2``, ``b_2``, ..., ``W_out``, ``b_out``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from qkit._validate import (require_allocation, require_array, require_generator, require_integer)

__all__ = ["MLP", "mlp_param_count", "hidden_width_for"]


def mlp_param_count(n_features: int, n_classes: int, hidden: tuple[int, ...] = ()) -> int:
    """Trainable parameters of an :class:`MLP`: ``sum (n_in + 1) * n_out`` over its layers.

    Parameters
    ----------
    n_features : int
        Inputs (>= 1).
    n_classes : int
        Outputs (>= 2).
    hidden : tuple of int
        Hidden layer widths (each >= 1).
    """
    widths = (require_integer("n_features", n_features, 1), *_check_hidden(hidden),
              require_integer("n_classes", n_classes, 2))
    return _param_count(widths)


def _param_count(widths) -> int:
    return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))


def _check_hidden(hidden) -> tuple[int, ...]:
    if not isinstance(hidden, tuple):
        raise TypeError(f"hidden must be a tuple of layer widths, e.g. (8,) or (), got {hidden!r:.60}")
    return tuple(require_integer(f"hidden[{i}]", w, 1) for i, w in enumerate(hidden))


def hidden_width_for(n_params: int, n_features: int, n_classes: int) -> int:
    """Width ``h`` of one hidden layer whose MLP has the parameter count closest to ``n_params``.

    ``mlp_param_count(d, C, (h,)) = (d + 1) h + (h + 1) C``; ties go to the smaller width.

    Parameters
    ----------
    n_params : int
        The budget (e.g. a QNN's ``n_params``), at least the count of a width-1 MLP.
    n_features, n_classes : int
        Inputs and classes of the MLP.
    """
    d = require_integer("n_features", n_features, 1)
    c = require_integer("n_classes", n_classes, 2)
    smallest = mlp_param_count(d, c, (1,))
    budget = require_integer("n_params", n_params, smallest)
    per_unit = d + 1 + c
    h = (budget - c) // per_unit
    candidates = [w for w in (h, h + 1) if w >= 1]
    return min(candidates, key=lambda w: (abs(mlp_param_count(d, c, (w,)) - budget), w))


@dataclass(frozen=True)
class MLP:
    """A fully connected tanh network with a softmax output (see the module docstring).

    Parameters
    ----------
    n_features : int
        Inputs per sample (e.g. the same angles the QNN encodes).
    n_classes : int
        Number of classes (>= 2).
    hidden : tuple of int
        Widths of the hidden layers; ``()`` gives softmax regression.
    """

    n_features: int
    n_classes: int
    hidden: tuple[int, ...] = ()

    n_exits = 1

    def __post_init__(self) -> None:
        n = mlp_param_count(self.n_features, self.n_classes, self.hidden)
        require_allocation(f"the parameters of an MLP with hidden={self.hidden!r:.40}", 8.0 * n,
                           hint="Use narrower hidden layers.")

    @cached_property
    def _shapes(self) -> list[tuple[int, int]]:
        widths = (self.n_features, *self.hidden, self.n_classes)
        return list(zip(widths[:-1], widths[1:]))

    @property
    def n_params(self) -> int:
        """Number of trainable parameters (weights and biases)."""
        return mlp_param_count(self.n_features, self.n_classes, self.hidden)

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """Glorot-uniform weights ``U(-a, a)``, ``a = sqrt(6 / (n_in + n_out))``; zero biases."""
        require_generator("rng", rng)
        parts = []
        for n_in, n_out in self._shapes:
            a = np.sqrt(6.0 / (n_in + n_out))
            parts += [rng.uniform(-a, a, n_in * n_out), np.zeros(n_out)]
        return np.concatenate(parts)

    def _unpack(self, params) -> list[tuple[np.ndarray, np.ndarray]]:
        p = require_array("params", params)
        if p.shape != (self.n_params,):
            raise ValueError(f"params must be a flat vector of {self.n_params} numbers, got "
                             f"shape {p.shape}")
        layers, start = [], 0
        for n_in, n_out in self._shapes:
            w = p[start:start + n_in * n_out].reshape(n_in, n_out)
            start += n_in * n_out
            layers.append((w, p[start:start + n_out]))
            start += n_out
        return layers

    def _check_features(self, X) -> np.ndarray:
        x = require_array("X", X)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"X must have shape (batch, {self.n_features}), got {x.shape}")
        return x

    def _check_labels(self, y, batch: int) -> np.ndarray:
        arr = np.asarray(y)
        if (arr.shape != (batch,) or arr.dtype.kind not in "iu" or np.any(arr < 0)
                or np.any(arr >= self.n_classes)):
            raise ValueError(f"y must be {batch} integer labels in 0..{self.n_classes - 1}, "
                             f"got an array of shape {arr.shape} and dtype {arr.dtype}")
        return arr

    def _activations(self, layers, x) -> list[np.ndarray]:
        acts = [x]
        for w, b in layers[:-1]:
            acts.append(np.tanh(acts[-1] @ w + b))
        w, b = layers[-1]
        acts.append(acts[-1] @ w + b)
        return acts

    def forward(self, params, X, rng: np.random.Generator | None = None) -> np.ndarray:
        """Logits, shape ``(1, batch, n_classes)`` (one exit, like :class:`~qkit.qnn.QNN`).

        ``rng`` is accepted for interface compatibility and not used (the MLP is deterministic).
        """
        return self._activations(self._unpack(params), self._check_features(X))[-1][None]

    def predict(self, params, X, exit: int = -1, rng: np.random.Generator | None = None) -> np.ndarray:
        """Predicted labels ``(batch,)``; ``exit`` must be 0 or -1 (there is one output)."""
        require_integer("exit", exit, -1, 0)
        return np.argmax(self.forward(params, X)[0], axis=1)

    def accuracy(self, params, X, y, rng: np.random.Generator | None = None) -> np.ndarray:
        """Top-1 accuracy, shape ``(1,)`` (one exit)."""
        x = self._check_features(X)
        labels = self._check_labels(y, x.shape[0])
        return np.array([np.mean(self.predict(params, x) == labels)])

    def loss(self, params, X, y, exit_weights=None) -> float:
        """Mean softmax cross-entropy (nats) times the single exit weight (default 1)."""
        return self.loss_and_grad(params, X, y, exit_weights)[0]

    def loss_and_grad(self, params, X, y, exit_weights=None) -> tuple[float, np.ndarray]:
        """Mean cross-entropy and its exact gradient by back-propagation.

        Parameters
        ----------
        params : array of shape (n_params,)
        X : array of shape (batch, n_features)
        y : integer array of shape (batch,)
        exit_weights : array of shape (1,), optional
            Multiplies loss and gradient (for the interface of :func:`qkit.qnn.optim.train`).

        Returns
        -------
        (float, numpy.ndarray of shape (n_params,))
        """
        weight = 1.0
        if exit_weights is not None:
            w = require_array("exit_weights", exit_weights, low=0.0)
            if w.shape != (1,):
                raise ValueError(f"exit_weights must hold one weight (one exit), got shape {w.shape}")
            weight = float(w[0])
        layers = self._unpack(params)
        x = self._check_features(X)
        labels = self._check_labels(y, x.shape[0])
        batch = x.shape[0]
        acts = self._activations(layers, x)
        shifted = acts[-1] - acts[-1].max(axis=1, keepdims=True)
        log_soft = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -log_soft[np.arange(batch), labels].mean()
        delta = np.exp(log_soft)
        delta[np.arange(batch), labels] -= 1.0
        delta *= weight / batch
        grads = []
        for i in range(len(layers) - 1, -1, -1):
            w, _ = layers[i]
            grads = [(acts[i].T @ delta).ravel(), delta.sum(axis=0)] + grads
            if i > 0:
                delta = (delta @ w.T) * (1.0 - acts[i] ** 2)
        return weight * float(loss), np.concatenate(grads)

"""Optimisers on flat parameter vectors and a minibatch training loop.

``SGD`` and ``Adam`` keep their state (momentum, moments) inside the object and return new
parameter vectors from ``step(params, grad)``; ``reset()`` forgets the state (e.g. when a
federated client receives new global parameters). :func:`train` runs epochs of shuffled
minibatches with any model exposing ``loss_and_grad`` and ``accuracy`` (the models of
:mod:`qkit.qnn.models`).

Adam: Kingma & Ba 2015, "Adam: a method for stochastic optimization", Algorithm 1.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from qkit._validate import require_finite, require_in_range, require_integer, require_positive

__all__ = ["SGD", "Adam", "train"]


def _check_grad(params, grad) -> tuple[np.ndarray, np.ndarray]:
    p = require_finite("params", params)
    g = require_finite("grad", grad)
    if p.shape != g.shape or p.ndim != 1:
        raise ValueError(f"params and grad must be flat vectors of one length, got shapes "
                         f"{p.shape} and {g.shape}")
    return p, g


class SGD:
    """Stochastic gradient descent with optional (heavy-ball) momentum.

    ``v <- momentum * v + grad``; ``params <- params - lr * v``.

    Parameters
    ----------
    lr : float
        Learning rate (rad per unit of gradient), > 0.
    momentum : float
        In ``[0, 1)``.
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.0) -> None:
        self.lr = float(require_positive("lr", lr))
        self.momentum = float(require_in_range("momentum", momentum, 0.0, 1.0, high_inclusive=False))
        self.reset()

    def reset(self) -> None:
        """Forget the momentum."""
        self._velocity: np.ndarray | None = None

    def step(self, params, grad) -> np.ndarray:
        """Return the updated parameters (the inputs are not modified)."""
        p, g = _check_grad(params, grad)
        if self._velocity is None or self._velocity.shape != g.shape:
            self._velocity = np.zeros_like(g)
        self._velocity = self.momentum * self._velocity + g
        return p - self.lr * self._velocity

    def __repr__(self) -> str:
        return f"SGD(lr={self.lr}, momentum={self.momentum})"


class Adam:
    """Adam with bias correction (Kingma & Ba 2015, Algorithm 1).

    Parameters
    ----------
    lr : float
        Step size (rad), > 0.
    beta1, beta2 : float
        Decay rates of the first and second moment estimates, in ``[0, 1)``.
    eps : float
        Added to the root of the second moment, > 0.
    """

    def __init__(self, lr: float = 0.05, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        self.lr = float(require_positive("lr", lr))
        self.beta1 = float(require_in_range("beta1", beta1, 0.0, 1.0, high_inclusive=False))
        self.beta2 = float(require_in_range("beta2", beta2, 0.0, 1.0, high_inclusive=False))
        self.eps = float(require_positive("eps", eps))
        self.reset()

    def reset(self) -> None:
        """Forget the moment estimates and the step count."""
        self._m: np.ndarray | None = None
        self._v: np.ndarray | None = None
        self.t = 0

    def step(self, params, grad) -> np.ndarray:
        """Return the updated parameters (the inputs are not modified)."""
        p, g = _check_grad(params, grad)
        if self._m is None or self._m.shape != g.shape:
            self._m, self._v, self.t = np.zeros_like(g), np.zeros_like(g), 0
        self.t += 1
        self._m = self.beta1 * self._m + (1.0 - self.beta1) * g
        self._v = self.beta2 * self._v + (1.0 - self.beta2) * g * g
        m_hat = self._m / (1.0 - self.beta1**self.t)
        v_hat = self._v / (1.0 - self.beta2**self.t)
        return p - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"


def train(model: Any, params, X, y, *, epochs: int, batch_size: int, optimizer,
          rng: np.random.Generator, exit_weights=None, progress: bool = False,
          callback: Callable[[int, np.ndarray, dict], bool | None] | None = None,
          ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Train with shuffled minibatches; return the final parameters and a history.

    Parameters
    ----------
    model
        Anything with ``loss_and_grad(params, X, y, exit_weights)``, ``accuracy(params, X, y,
        rng)`` and ``n_params`` (e.g. :class:`~qkit.qnn.models.DynamicQNN`).
    params : array of shape (model.n_params,)
        Initial parameters (not modified).
    X, y : arrays
        Features ``(n_samples, n_qubits)`` (rad) and integer labels ``(n_samples,)``.
    epochs, batch_size : int
        Passes over the data, samples per step (the last batch of an epoch may be smaller).
    optimizer : SGD or Adam
        Its state carries over between calls; call ``optimizer.reset()`` to start afresh.
    rng : numpy.random.Generator
        Shuffles the data (and draws shots if the model's noise has finite shots).
    exit_weights : array, optional
        Passed to ``loss_and_grad``.
    progress : bool
        Show a ``tqdm.auto`` progress bar over epochs (for notebooks).
    callback : callable, optional
        ``callback(epoch, params, history)`` after every epoch; return ``True`` to stop early.

    Returns
    -------
    params : numpy.ndarray
    history : dict
        ``"loss"``: mean minibatch loss per epoch ``(epochs_run,)``; ``"accuracy"``: training
        accuracy of every exit at the end of each epoch ``(epochs_run, n_exits)``.
    """
    n_epochs = require_integer("epochs", epochs, 1)
    size = require_integer("batch_size", batch_size, 1)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {rng!r}")
    x = np.asarray(X, dtype=float)
    labels = np.asarray(y)
    if x.ndim != 2 or labels.shape != (x.shape[0],):
        raise ValueError(f"X must be (n_samples, n_features) and y (n_samples,), got shapes "
                         f"{x.shape} and {labels.shape}")
    p = np.array(params, dtype=float, copy=True)
    history: dict[str, list] = {"loss": [], "accuracy": []}
    epoch_iter = range(n_epochs)
    if progress:
        from tqdm.auto import tqdm

        epoch_iter = tqdm(epoch_iter, desc="epochs")
    for epoch in epoch_iter:
        order = rng.permutation(x.shape[0])
        batch_losses, batch_sizes = [], []
        for start in range(0, x.shape[0], size):
            idx = order[start:start + size]
            loss, grad = model.loss_and_grad(p, x[idx], labels[idx], exit_weights)
            p = optimizer.step(p, grad)
            batch_losses.append(loss)
            batch_sizes.append(idx.size)
        history["loss"].append(float(np.average(batch_losses, weights=batch_sizes)))
        history["accuracy"].append(model.accuracy(p, x, labels, rng))
        if progress:
            epoch_iter.set_postfix(loss=f"{history['loss'][-1]:.3f}")
        if callback is not None and callback(epoch, p, history):
            break
    return p, {k: np.asarray(v) for k, v in history.items()}

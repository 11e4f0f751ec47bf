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

from qkit._validate import (require_array, require_flag, require_generator, require_instance,
                            require_integer, require_real)

__all__ = ["SGD", "Adam", "train", "MAX_EPOCHS"]

MAX_EPOCHS = 100_000
"""Most epochs one :func:`train` call runs (call it again to continue)."""


def _check_grad(params, grad) -> tuple[np.ndarray, np.ndarray]:
    p = require_array("params", params)
    g = require_array("grad", grad)
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
        self.lr = require_real("lr", lr, 0.0, None, low_inclusive=False)
        self.momentum = require_real("momentum", momentum, 0.0, 1.0, high_inclusive=False)
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
        self.lr = require_real("lr", lr, 0.0, None, low_inclusive=False)
        self.beta1 = require_real("beta1", beta1, 0.0, 1.0, high_inclusive=False)
        self.beta2 = require_real("beta2", beta2, 0.0, 1.0, high_inclusive=False)
        self.eps = require_real("eps", eps, 0.0, None, low_inclusive=False)
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
        Passes over the data (1 .. ``MAX_EPOCHS``), samples per step (the last batch of an epoch
        may be smaller).
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
    _check_model(model)
    n_epochs = require_integer("epochs", epochs, 1, MAX_EPOCHS)
    size = require_integer("batch_size", batch_size, 1)
    require_instance("optimizer", optimizer, (SGD, Adam), "qkit.qnn.SGD or qkit.qnn.Adam instance, e.g. Adam(0.05)")
    require_generator("rng", rng)
    require_flag("progress", progress)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function callback(epoch, params, history) or None, got {callback!r:.60}")
    x = require_array("X", X, ndim=2, min_size=1)
    labels = require_array("y", y, dtype=int, low=0, ndim=1)
    if labels.shape != (x.shape[0],):
        raise ValueError(f"X must be (n_samples, n_features) and y (n_samples,), got shapes "
                         f"{x.shape} and {labels.shape}")
    p = require_array("params", params, ndim=1).copy()
    if p.shape != (int(model.n_params),):
        raise ValueError(f"params must have length model.n_params = {model.n_params}, got shape {p.shape}")
    model.loss(p, x[:1], labels[:1], exit_weights)  # checks the features, labels and exit weights once
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


def _check_model(model: Any, needs: tuple[str, ...] = ("loss_and_grad", "loss", "accuracy", "n_params")) -> Any:
    """Refuse anything that is not a model (it needs ``loss_and_grad``, ``accuracy``, ...)."""
    missing = [name for name in needs if not hasattr(model, name)]
    if missing:
        raise TypeError(f"model must be a qkit model (QNN, DynamicQNN, MLP, ...) with "
                        f"{', '.join(needs)}; got {model!r:.60} without {', '.join(missing)}")
    return model

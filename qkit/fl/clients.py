"""The vehicles' side of federated learning: their data and their local training.

Stage 2 of the DQFL pipeline (Sec. IV B 2 of the paper): "using the stored image data, the AV
will begin training its local QNN". Each vehicle starts from the global model it received,
runs ``epochs`` passes of mini-batch gradient descent over its own data, and returns the new
parameter vector. With FedProx (ref. [25] of the paper) the local loss gets the proximal term
``mu/2 ||w - w_global||^2``, i.e. the gradient gets ``mu (w - w_global)``.

What a vehicle sends is laid out by :func:`base_mask` (which parameters form DQFL's base
message) and :func:`angle_periods` (which parameters are rotation angles, and their periods).

A model is anything with ``loss_and_grad(params, X, y, exit_weights) -> (loss, grad)``
(loss a float, grad shaped like params): the QNN, the dynamic QNN and the classical MLP of
:mod:`qkit.qnn` all qualify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from qkit._validate import require_choice, require_integer, require_nonnegative, require_positive
from qkit.fl.aggregate import proximal_gradient
from qkit.qnn.optim import SGD, Adam

__all__ = ["ClientData", "LocalTraining", "local_update", "check_clients", "base_mask", "angle_periods"]


@dataclass(frozen=True, eq=False)
class ClientData:
    """One vehicle's training data.

    Attributes
    ----------
    X : numpy.ndarray, shape (n, d)
        Features (e.g. encoding angles in radians).
    y : numpy.ndarray of int, shape (n,)
        Class labels.
    """

    X: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        X, y = np.asarray(self.X, dtype=float), np.asarray(self.y)
        if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
            raise ValueError(f"ClientData needs X of shape (n, d) and y of shape (n,), got {X.shape} and {y.shape}")
        if y.dtype.kind not in "iu":
            raise ValueError(f"ClientData.y must hold integer class labels, got dtype {y.dtype}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    @property
    def n_samples(self) -> int:
        """Number of training samples (the FedAvg weight)."""
        return int(self.y.shape[0])


def check_clients(clients: Sequence[ClientData]) -> list[ClientData]:
    """Check a fleet's data: at least one vehicle, every vehicle with >= 1 sample, same features."""
    clients = list(clients)
    if len(clients) == 0:
        raise ValueError("clients must hold at least one vehicle, got none")
    for k, c in enumerate(clients):
        if not isinstance(c, ClientData):
            raise ValueError(f"clients[{k}] must be a ClientData, got {type(c).__name__}")
        if c.n_samples == 0:
            raise ValueError(f"clients[{k}] has no data; every vehicle needs >= 1 training sample")
        if c.X.shape[1] != clients[0].X.shape[1]:
            raise ValueError(f"clients[{k}] has {c.X.shape[1]} features, clients[0] has {clients[0].X.shape[1]}")
    return clients


@dataclass(frozen=True)
class LocalTraining:
    """How each vehicle trains between two uplinks.

    Parameters
    ----------
    epochs : int
        Passes over the local data per round (>= 1).
    batch_size : int or None
        Mini-batch size; ``None`` uses the whole local set (full-batch gradient descent).
    learning_rate : float
        Step size (> 0).
    optimizer : {"adam", "sgd"}
        :class:`qkit.qnn.optim.Adam` or plain :class:`~qkit.qnn.optim.SGD`; Adam's moment
        estimates restart from zero every round (the server does not keep them).
    proximal_mu : float
        FedProx strength ``mu >= 0`` (0 is plain FedAvg local training).
    exit_weights : sequence of float or None
        Weights of the exits' losses for a dynamic QNN (``None``: the model's default).
    """

    epochs: int = 1
    batch_size: int | None = None
    learning_rate: float = 0.05
    optimizer: str = "adam"
    proximal_mu: float = 0.0
    exit_weights: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        require_integer("epochs", self.epochs, 1)
        if self.batch_size is not None:
            require_integer("batch_size", self.batch_size, 1)
        require_positive("learning_rate", self.learning_rate)
        require_choice("optimizer", self.optimizer, ("adam", "sgd"))
        require_nonnegative("proximal_mu", self.proximal_mu)
        if self.exit_weights is not None:
            w = require_nonnegative("exit_weights", self.exit_weights)
            if w.ndim != 1 or w.sum() <= 0:
                raise ValueError(f"exit_weights must be non-negative with a positive sum, got {self.exit_weights!r}")
            object.__setattr__(self, "exit_weights", tuple(float(v) for v in w))


def local_update(model: Any, params, data: ClientData, training: LocalTraining,
                 rng: np.random.Generator, *, global_params=None,
                 period=None) -> tuple[np.ndarray, float]:
    """Train one vehicle's copy of the model on its own data.

    Parameters
    ----------
    model
        Has ``loss_and_grad(params, X, y, exit_weights)``.
    params : array, shape (P,)
        Starting point (the global model, with the vehicle's own local parameters under FedBN).
    data : ClientData
    training : LocalTraining
    rng : numpy.random.Generator
        Shuffles the mini-batches.
    global_params : array, shape (P,), optional
        Centre of FedProx's proximal term (default: ``params``).
    period : float or array, optional
        Periods of the parameters (radians), for the wrapped proximal difference.

    Returns
    -------
    params : numpy.ndarray, shape (P,)
        The locally trained vector.
    loss : float
        Mean mini-batch training loss over the last epoch (without the proximal term).
    """
    w = np.array(params, dtype=float)
    centre = w.copy() if global_params is None else np.asarray(global_params, dtype=float)
    n = data.n_samples
    batch = n if training.batch_size is None else min(training.batch_size, n)
    opt = Adam(training.learning_rate) if training.optimizer == "adam" else SGD(training.learning_rate)
    exit_weights = None if training.exit_weights is None else np.asarray(training.exit_weights)
    for _ in range(training.epochs):
        order = rng.permutation(n) if batch < n else np.arange(n)
        losses = []
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss, grad = model.loss_and_grad(w, data.X[idx], data.y[idx], exit_weights)
            losses.append(float(loss) * idx.size)
            if training.proximal_mu > 0:
                grad = proximal_gradient(grad, w, centre, training.proximal_mu, period=period)
            try:
                w = opt.step(w, grad)
            except ValueError as exc:  # a non-finite gradient: say what to change
                raise ValueError(f"local training diverged ({exc}); lower learning_rate") from None
    return w, float(np.sum(losses) / n)


def base_mask(model: Any, boundary: int) -> np.ndarray:
    """Parameters of DQFL's base message: the first ``boundary`` layers and their exits.

    Uses the model's documented layout: ``model.prefix_slice(boundary)`` covers layers
    ``0 .. boundary-1`` and their readouts (:mod:`qkit.qnn.models`). The rest is the enhancement.

    Parameters
    ----------
    model
        A :class:`qkit.qnn.DynamicQNN` (or any model with ``n_layers`` and ``prefix_slice``).
    boundary : int
        Layers in the base, ``1 <= boundary <= n_layers - 1`` (both messages non-empty).

    Returns
    -------
    numpy.ndarray of bool, shape (n_params,)
    """
    b = require_integer("boundary", boundary, 1, int(model.n_layers) - 1)
    mask = np.zeros(model.n_params, dtype=bool)
    mask[model.prefix_slice(b)] = True
    return mask


#: Period of each angle of a gate kind (radians). An uncontrolled gate shifted by 2 pi changes
#: only by a global phase (-1), invisible; once controlled (CU3's theta) that -1 is a relative
#: phase, so theta is only 4 pi-periodic. U3's phi and lam enter as exp(i phi), exp(i lam): 2 pi.
_GATE_PERIODS = {
    "rx": (2 * np.pi,), "ry": (2 * np.pi,), "rz": (2 * np.pi,),
    "u3": (2 * np.pi,) * 3, "rot": (2 * np.pi,) * 3,
    "cu3": (4 * np.pi, 2 * np.pi, 2 * np.pi),
    "crx": (4 * np.pi,), "cry": (4 * np.pi,), "crz": (4 * np.pi,),
    "cnot": (), "cz": (),
}


def angle_periods(model: Any) -> np.ndarray:
    """Period of every parameter (radians), ``inf`` for parameters that are not angles.

    Read from the model's circuit (``model.circuit.layers``: each gate's kind and the offset of
    its angles); readout scales and biases are not periodic. A model without a circuit (the
    classical MLP) gets ``inf`` everywhere.

    Returns
    -------
    numpy.ndarray, shape (n_params,)
    """
    periods = np.full(int(model.n_params), np.inf)
    circuit = getattr(model, "circuit", None)
    if circuit is None:
        return periods
    for layer in circuit.layers:
        for op in layer:
            for j, period in enumerate(_GATE_PERIODS[op.kind]):
                periods[op.offset + j] = period
    return periods

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

from qkit._validate import (require_allocation, require_array, require_choice, require_flag, require_generator,
                            require_instance, require_integer, require_real)
from qkit.fl.aggregate import _as_period, _as_vector, _wrap
from qkit.fl.channel import Channel, _check_split
from qkit.qnn.optim import SGD, Adam, _check_model

__all__ = ["ClientData", "LocalTraining", "local_update", "check_clients", "base_mask", "angle_periods",
           "InputNormalisation", "disk_distances", "disk_reception_probability", "MAX_LOCAL_EPOCHS",
           "COURSE_TRAINING"]

MAX_LOCAL_EPOCHS = 10_000
"""Most local epochs per round (:class:`LocalTraining`)."""


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
        X = require_array("X", self.X)
        if self.y is None or isinstance(self.y, (str, bytes)) or np.asarray(self.y).dtype.kind not in "iu":
            raise ValueError(f"ClientData.y must hold integer class labels, got {self.y!r:.60}")
        y = require_array("y", self.y, dtype=int, low=0)
        if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
            raise ValueError(f"ClientData needs X of shape (n, d) and y of shape (n,), got {X.shape} and {y.shape}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    @property
    def n_samples(self) -> int:
        """Number of training samples (the FedAvg weight)."""
        return int(self.y.shape[0])


def check_clients(clients: Sequence[ClientData]) -> list[ClientData]:
    """Check a fleet's data: at least one vehicle, every vehicle with >= 1 sample, same features."""
    if not isinstance(clients, (list, tuple)):
        raise TypeError(f"clients must be a list of ClientData, got {clients!r:.60}")
    clients = list(clients)
    if len(clients) == 0:
        raise ValueError("clients must hold at least one vehicle, got none")
    for k, c in enumerate(clients):
        if not isinstance(c, ClientData):
            raise TypeError(f"clients[{k}] must be a ClientData, got {type(c).__name__}")
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
        :class:`qkit.qnn.optim.Adam` or :class:`~qkit.qnn.optim.SGD` (heavy-ball ``momentum``).
    proximal_mu : float
        FedProx strength ``mu >= 0`` (0 is plain FedAvg local training).
    exit_weights : sequence of float or None
        Weights of the exits' losses for a dynamic QNN (``None``: the model's default).
    momentum : float
        SGD's momentum in ``[0, 1)`` (0: plain SGD, the local solver of FedAvg); must be 0 for Adam.
    persistent_state : bool
        ``False`` (default): the optimiser starts afresh every round (Adam's moments and SGD's
        velocity restart from zero; with one or two local batches Adam's first steps are then
        ``lr * sign(grad)``). ``True``: each vehicle keeps its optimiser's state from one round
        to the next (:func:`qkit.fl.rounds.run_federated` holds one optimiser per vehicle).
    """

    epochs: int = 1
    batch_size: int | None = None
    learning_rate: float = 0.05
    optimizer: str = "adam"
    proximal_mu: float = 0.0
    exit_weights: tuple[float, ...] | None = None
    momentum: float = 0.0
    persistent_state: bool = False

    def __post_init__(self) -> None:
        require_integer("epochs", self.epochs, 1, MAX_LOCAL_EPOCHS)
        if self.batch_size is not None:
            require_integer("batch_size", self.batch_size, 1)
        require_real("learning_rate", self.learning_rate, 0.0, None, low_inclusive=False)
        require_choice("optimizer", self.optimizer, ("adam", "sgd"))
        require_real("proximal_mu", self.proximal_mu, 0.0)
        require_real("momentum", self.momentum, 0.0, 1.0, high_inclusive=False)
        if self.momentum > 0 and self.optimizer != "sgd":
            raise ValueError(f"momentum applies to optimizer='sgd' only, got momentum={self.momentum!r} "
                             f"with optimizer={self.optimizer!r}")
        require_flag("persistent_state", self.persistent_state)
        if self.exit_weights is not None:
            w = require_array("exit_weights", self.exit_weights, low=0.0)
            if w.ndim != 1 or w.sum() <= 0:
                raise ValueError(f"exit_weights must be non-negative with a positive sum, got {self.exit_weights!r}")
            object.__setattr__(self, "exit_weights", tuple(float(v) for v in w))

    def new_optimizer(self) -> SGD | Adam:
        """A fresh optimiser of this kind: ``Adam(learning_rate)`` or ``SGD(learning_rate, momentum)``."""
        if self.optimizer == "adam":
            return Adam(self.learning_rate)
        return SGD(self.learning_rate, self.momentum)


COURSE_TRAINING = LocalTraining(epochs=1, batch_size=10, learning_rate=0.3, optimizer="sgd")
"""The course's local training (chapters 10-14): FedAvg's own local solver (McMahan et al. 2017).

Plain minibatch SGD, one local epoch per round in batches of 10 plates (4 steps on a vehicle's 40),
no optimiser state to carry between rounds. The step size 0.3 came from a sweep over 0.1, 0.3 and
0.6 (``python benchmarks/fl_training.py regime``, 10 paired seeds, 60 rounds): 0.3 is resolved ahead
of 0.1, and 0.6 is not resolved from 0.3 but made centralised training on the pooled data unstable
in a first 5-seed sweep, so the smaller step was kept. With 4 local steps FedProx's proximal term
acts (with one step it would vanish). The first edition's fresh Adam (``LocalTraining()``) stays the
class default.
"""


def local_update(model: Any, params, data: ClientData, training: LocalTraining,
                 rng: np.random.Generator, *, global_params=None,
                 period=None, optimizer: SGD | Adam | None = None) -> tuple[np.ndarray, float]:
    """Train one vehicle's copy of the model on its own data.

    Parameters
    ----------
    model
        Has ``loss_and_grad(params, X, y, exit_weights)``. A model with
        ``update_statistics(params, X, previous=...)`` (a batch-norm layer,
        :class:`qkit.fl.batchnorm.BatchNormQNN`) has it called after every step with the batch.
    params : array, shape (P,)
        Starting point (the global model, with the vehicle's own local parameters substituted
        when the run has a ``local_mask``: FedBN or a personalised layer).
    data : ClientData
    training : LocalTraining
    rng : numpy.random.Generator
        Shuffles the mini-batches.
    global_params : array, shape (P,), optional
        Centre of FedProx's proximal term (default: ``params``).
    period : float or array, optional
        Periods of the parameters (radians), for the wrapped proximal difference.
    optimizer : qkit.qnn.optim.SGD or Adam, optional
        An optimiser whose state carries over (it is stepped in place: a vehicle's persistent
        optimiser). ``None``: a fresh one from ``training.new_optimizer()``.

    Returns
    -------
    params : numpy.ndarray, shape (P,)
        The locally trained vector.
    loss : float
        Mean mini-batch training loss over the last epoch (without the proximal term).
    """
    _check_model(model, ("loss_and_grad",))
    require_instance("data", data, ClientData, "qkit.fl.clients.ClientData")
    require_instance("training", training, LocalTraining, "qkit.fl.clients.LocalTraining")
    require_generator("rng", rng)
    w = require_array("params", params, ndim=1).copy()
    if hasattr(model, "n_params") and w.size != int(model.n_params):
        raise ValueError(f"params must have length model.n_params = {model.n_params}, got {w.size}")
    centre = w.copy() if global_params is None else _as_vector("global_params", global_params, w.size)
    periods = _as_period(period, w.size)
    n = data.n_samples
    batch = n if training.batch_size is None else min(training.batch_size, n)
    if optimizer is None:
        opt = training.new_optimizer()
    else:
        opt = require_instance("optimizer", optimizer, (SGD, Adam), "qkit.qnn.SGD or qkit.qnn.Adam instance")
    exit_weights = None if training.exit_weights is None else np.asarray(training.exit_weights)
    track = getattr(model, "update_statistics", None)
    for _ in range(training.epochs):
        order = rng.permutation(n) if batch < n else np.arange(n)
        losses = []
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss, grad = model.loss_and_grad(w, data.X[idx], data.y[idx], exit_weights)
            losses.append(float(loss) * idx.size)
            if training.proximal_mu > 0:
                grad = np.asarray(grad, dtype=float) + training.proximal_mu * _wrap(w - centre, periods)
            try:
                stepped = opt.step(w, grad)
            except ValueError as exc:  # a non-finite gradient: say what to change
                raise ValueError(f"local training diverged ({exc}); lower learning_rate") from None
            # a batch-norm layer (qkit.fl.batchnorm): running statistics move with each batch, not by the step
            w = stepped if track is None else track(stepped, data.X[idx], previous=w)
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
    _check_model(model, ("n_layers", "n_params", "prefix_slice"))
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
    _check_model(model, ("n_params",))
    periods = np.full(int(model.n_params), np.inf)
    circuit = getattr(model, "circuit", None)
    if circuit is None:
        return periods
    for layer in circuit.layers:
        for op in layer:
            for j, period in enumerate(_GATE_PERIODS[op.kind]):
                periods[op.offset + j] = period
    return periods


class InputNormalisation:
    """A QNN behind a personalised input layer, ``x' = gain * x + shift`` (trainable, per feature).

    A personalised layer, not batch normalisation: there are no batch statistics, only a
    per-feature affine map that each vehicle keeps to itself (``local_mask``), so that every
    camera (night, rain, mud) gets its own input scaling while the quantum layers are shared.
    FedBN as published (batch statistics and affine parameters kept local) is
    :class:`qkit.fl.batchnorm.BatchNormQNN`. Parameters are ``[model parameters | gain (d) |
    shift (d)]``, so the wrapped model's layout, ``prefix_slice`` and :func:`base_mask` are
    unchanged; :meth:`local_mask` marks the personalised layer.

    Gradients: the quantum part's from ``model.loss_and_grad``; the normalisation's by the chain
    rule through ``dL/dx'``, which the parameter-shift rule gives exactly because each feature
    enters through one Pauli rotation (``RY(x_i)``): every logit is ``a cos x_i + b sin x_i + c``,
    so ``dz/dx_i = [z(x_i + pi/2) - z(x_i - pi/2)] / 2`` (2 d extra forward passes).

    Parameters
    ----------
    model
        A :class:`qkit.qnn.QNN` or :class:`~qkit.qnn.DynamicQNN`.
    """

    def __init__(self, model: Any) -> None:
        _check_model(model, ("n_qubits", "n_params", "layout", "loss_and_grad", "forward", "prefix_slice"))
        self.model = model
        self.n_features = int(model.n_qubits)
        self.n_params = int(model.n_params) + 2 * self.n_features
        for name in ("n_exits", "n_layers", "exit_layers", "circuit", "n_qubits", "n_classes"):
            setattr(self, name, getattr(model, name))
        m = model.n_params
        self.layout = dict(model.layout, input_gain=slice(m, m + self.n_features),
                           input_shift=slice(m + self.n_features, self.n_params))

    def __repr__(self) -> str:
        return f"InputNormalisation({self.model!r})"

    def prefix_slice(self, depth: int) -> slice:
        """The wrapped model's prefix (the normalisation sits at the end of the vector)."""
        return self.model.prefix_slice(depth)

    def local_mask(self) -> np.ndarray:
        """True for the layer's ``gain`` and ``shift``: the parameters each vehicle keeps."""
        mask = np.zeros(self.n_params, dtype=bool)
        mask[self.model.n_params:] = True
        return mask

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """The wrapped model's initial parameters, then ``gain = 1`` and ``shift = 0``."""
        return np.concatenate([self.model.init_params(rng), np.ones(self.n_features), np.zeros(self.n_features)])

    def _split(self, params, X) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        p = np.asarray(params, dtype=float)
        if p.shape != (self.n_params,):
            raise ValueError(f"params must have shape ({self.n_params},), got {p.shape}")
        m, d = self.model.n_params, self.n_features
        gain, shift = p[m:m + d], p[m + d:]
        x = np.asarray(X, dtype=float)
        return p[:m], x * gain + shift, gain, shift

    def forward(self, params, X) -> np.ndarray:
        w, x, _, _ = self._split(params, X)
        return self.model.forward(w, x)

    def predict(self, params, X, exit: int = -1) -> np.ndarray:
        w, x, _, _ = self._split(params, X)
        return self.model.predict(w, x, exit=exit)

    def accuracy(self, params, X, y) -> np.ndarray:
        w, x, _, _ = self._split(params, X)
        return self.model.accuracy(w, x, y)

    def loss(self, params, X, y, exit_weights=None) -> float:
        w, x, _, _ = self._split(params, X)
        return self.model.loss(w, x, y, exit_weights)

    def loss_and_grad(self, params, X, y, exit_weights=None) -> tuple[float, np.ndarray]:
        """Loss ``sum_e w_e CE_e`` of the normalised inputs and its gradient (see the class docstring)."""
        w, x, gain, _ = self._split(params, X)
        loss, g_model = self.model.loss_and_grad(w, x, y, exit_weights)
        ew = np.ones(self.n_exits) if exit_weights is None else np.asarray(exit_weights, dtype=float)
        logits = self.model.forward(w, x)  # (E, B, C)
        soft = np.exp(logits - logits.max(axis=2, keepdims=True))
        soft /= soft.sum(axis=2, keepdims=True)
        soft[:, np.arange(len(y)), y] -= 1.0
        d_logits = soft * ew[:, None, None] / len(y)  # dL/dz
        d, b = self.n_features, len(y)
        shift = np.pi / 2 * np.eye(d)[:, None, :]  # (d, 1, d): feature i moved by pi/2
        moved = np.concatenate([(x[None] + shift).reshape(d * b, d), (x[None] - shift).reshape(d * b, d)])
        z = self.model.forward(w, moved).reshape(self.n_exits, 2, d, b, -1)  # all 2d shifted batches at once
        dz = (z[:, 0] - z[:, 1]) / 2  # (E, d, B, C): dz/dx_i
        d_x = np.einsum("ebc,eibc->bi", d_logits, dz)
        xin = np.asarray(X, dtype=float)
        return loss, np.concatenate([g_model, (d_x * xin).sum(axis=0), d_x.sum(axis=0)])


# --- where the vehicles are -------------------------------------------------------------------

def disk_distances(n_vehicles: int, cell_radius_m: float, rng: np.random.Generator,
                   rounds: int = 1) -> np.ndarray:
    """Distances of vehicles placed uniformly at random in a disk around the server.

    Each round every vehicle is somewhere new (``r = R sqrt(U)``, ``U ~ U(0, 1)``: uniform over
    the disk's area), a simple stand-in for the trajectories of :mod:`qkit.fl.scenario`.

    Parameters
    ----------
    n_vehicles : int
    cell_radius_m : float
        Radius ``R`` of the cell (m, > 0): the channel-quality knob.
    rng : numpy.random.Generator
    rounds : int
        Rows to draw.

    Returns
    -------
    numpy.ndarray, shape (rounds, n_vehicles), metres
    """
    k = require_integer("n_vehicles", n_vehicles, 1)
    r = require_integer("rounds", rounds, 1)
    radius = require_real("cell_radius_m", cell_radius_m, 0.0, None, low_inclusive=False, unit="m")
    require_generator("rng", rng)
    require_allocation(f"distances for rounds={r} x n_vehicles={k}", 16.0 * r * k)
    return radius * np.sqrt(rng.random((r, k)))


def disk_reception_probability(channel: Any, cell_radius_m: float, scheme: str = "dqfl",
                               power_split: float = 0.8, *, tolerance: float = 1e-12):
    """Probability that a vehicle placed uniformly in the cell delivers each message.

    The average of the closed-form reception probability over the disk,
    ``P = integral_0^R P(r) (2 r / R^2) dr``, by adaptive quadrature
    (:func:`scipy.integrate.quad`, absolute error below ``tolerance``). This is what the arrival
    rates of :func:`qkit.fl.rounds.run_federated` with :func:`disk_distances` converge to.

    Parameters
    ----------
    channel : qkit.fl.channel.Channel
        With the rates of the messages (e.g. from ``with_message_bits``).
    cell_radius_m : float
        ``R`` (m, > 0).
    scheme : {"qfl", "dqfl"}
    power_split : float
        ``lambda`` (DQFL only).
    tolerance : float
        Absolute error bound of the quadrature.

    Returns
    -------
    (base, enhancement) : tuple of float
        For ``"qfl"`` both are the probability that the whole model arrives.
    """
    from scipy.integrate import quad

    require_instance("channel", channel, Channel, "qkit.fl.channel.Channel")
    radius = require_real("cell_radius_m", cell_radius_m, 0.0, None, low_inclusive=False, unit="m")
    _check_split(scheme, power_split)
    tolerance = require_real("tolerance", tolerance, 0.0, None, low_inclusive=False)
    out = []
    for field in (0, 1):
        def density(r, field=field):
            return float(channel.reception_probability(r, scheme, power_split)[field]) * 2.0 * r / radius**2

        value, error = quad(density, 0.0, radius, epsabs=tolerance, epsrel=0.0, limit=200)
        if error > tolerance:
            raise ValueError(f"quadrature error {error:.1e} above tolerance {tolerance:.1e}; raise tolerance")
        out.append(value)
    return tuple(out)

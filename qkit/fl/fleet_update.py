"""Local training of a whole fleet at once: :func:`qkit.fl.clients.local_update` vectorised over vehicles.

Stage 2 of the DQFL pipeline (Sec. IV B 2 of the paper) trains every vehicle's copy of the model on
its own data. :func:`~qkit.fl.clients.local_update` does it for one vehicle and stays the readable
reference; :func:`fleet_local_update` runs the same epochs of minibatch SGD or Adam for a stack of
vehicles, each step one sweep of :func:`qkit.qnn.fleet.fleet_loss_and_grad` over the vehicles that
still have a minibatch in this epoch (vehicles with fewer samples finish their epoch earlier).

Equal to the loop: the minibatch orders are drawn first, vehicle by vehicle and epoch by epoch, from
one shared ``Generator`` (exactly the draws of the loop ``for v: local_update(..., rng)``) or from
one ``Generator`` per vehicle; the optimiser arithmetic is that of :class:`qkit.qnn.optim.SGD` and
:class:`~qkit.qnn.optim.Adam` row by row. The optimiser state is explicit
(:class:`FleetOptimizerState`): by default it starts from zero, as the loop's optimiser is
re-created every round; pass the returned state back in to keep it across rounds.

:func:`qkit.fl.rounds.run_federated` with ``engine="batched"`` trains each round's scheduled vehicles
this way (``_FleetTrainer``): the fleet's data padded once, each vehicle's minibatches from its own
:func:`~qkit.fl.rounds.training_stream`, and one optimiser state row per vehicle kept across rounds
when ``LocalTraining(persistent_state=True)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from qkit._validate import (require_allocation, require_array, require_choice, require_generator,
                            require_instance, require_integer)
from qkit.fl.aggregate import _as_period, _wrap
from qkit.fl.clients import ClientData, LocalTraining, check_clients
from qkit.qnn.fleet import _check_fleet, _check_model, _chunk_loss, _exit_weights, fleet_chunk_size
from qkit.qnn.models import QNN, DynamicQNN
from qkit.qnn.optim import Adam

__all__ = ["FleetOptimizerState", "fleet_local_update"]


@dataclass(frozen=True, eq=False)
class FleetOptimizerState:
    """Optimiser state of every vehicle (``V`` vehicles, ``P`` parameters).

    Attributes
    ----------
    optimizer : {"adam", "sgd"}
    moment1 : float array (V, P)
        Adam's first moment estimate, or SGD's velocity.
    moment2 : float array (V, P)
        Adam's second moment estimate (zeros for SGD).
    steps : int array (V,)
        Steps taken by each vehicle (Adam's ``t``).
    """

    optimizer: str
    moment1: np.ndarray
    moment2: np.ndarray
    steps: np.ndarray

    def __post_init__(self) -> None:
        require_choice("optimizer", self.optimizer, ("adam", "sgd"))
        m1 = require_array("moment1", self.moment1, ndim=2, min_size=1)
        m2 = require_array("moment2", self.moment2, ndim=2, low=0.0)
        t = require_array("steps", self.steps, dtype=int, ndim=1, low=0)
        if m2.shape != m1.shape or t.shape != m1.shape[:1]:
            raise ValueError(f"moment2 must have the shape of moment1 {m1.shape} and steps ({m1.shape[0]},), "
                             f"got {m2.shape} and {t.shape}")
        for name, value in (("moment1", m1), ("moment2", m2), ("steps", t.astype(int))):
            object.__setattr__(self, name, value)

    @classmethod
    def zeros(cls, optimizer: str, n_vehicles: int, n_params: int) -> "FleetOptimizerState":
        """A fresh state (what the loop's newly created optimiser has)."""
        require_choice("optimizer", optimizer, ("adam", "sgd"))
        v = require_integer("n_vehicles", n_vehicles, 1)
        p = require_integer("n_params", n_params, 1)
        require_allocation(f"the optimiser state of n_vehicles={v} x n_params={p}", 16.0 * v * p)
        return cls(optimizer, np.zeros((v, p)), np.zeros((v, p)), np.zeros(v, dtype=int))


def _step(state: FleetOptimizerState, rows: np.ndarray, w: np.ndarray, grad: np.ndarray, lr: float,
          momentum: float = 0.0) -> np.ndarray:
    """Update ``state`` in place for the vehicles ``rows``; return their new parameters (a
    non-finite gradient or step raises ``ValueError``, as the loop's optimiser does)."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = _raw_step(state, rows, w, grad, lr, momentum) if np.all(np.isfinite(grad)) else None
    if out is None or not np.all(np.isfinite(out)):
        raise ValueError("local training diverged (a gradient or step is not finite); lower learning_rate")
    return out


def _raw_step(state: FleetOptimizerState, rows: np.ndarray, w: np.ndarray, grad: np.ndarray, lr: float,
              momentum: float) -> np.ndarray:
    if state.optimizer == "sgd":  # SGD(lr, momentum) of the loop: v <- momentum v + g
        state.moment1[rows] = momentum * state.moment1[rows] + grad
        state.steps[rows] += 1
        return w - lr * state.moment1[rows]
    ref = Adam(lr)
    t = state.steps[rows] + 1
    state.steps[rows] = t
    m = ref.beta1 * state.moment1[rows] + (1.0 - ref.beta1) * grad
    v = ref.beta2 * state.moment2[rows] + (1.0 - ref.beta2) * grad * grad
    state.moment1[rows], state.moment2[rows] = m, v
    m_hat = m / (1.0 - ref.beta1 ** t.astype(float))[:, None]
    v_hat = v / (1.0 - ref.beta2 ** t.astype(float))[:, None]
    return w - ref.lr * m_hat / (np.sqrt(v_hat) + ref.eps)


def _draw_orders(rng, counts: np.ndarray, batches: np.ndarray, epochs: int) -> np.ndarray:
    """Minibatch orders ``(V, epochs, max count)``, drawn as the loop draws them (padding 0)."""
    v = counts.size
    require_allocation(f"minibatch orders of {v} vehicles x {epochs} epochs", 8.0 * v * epochs * counts.max())
    out = np.zeros((v, epochs, counts.max()), dtype=int)
    for k in range(v):
        gen = rng if isinstance(rng, np.random.Generator) else rng[k]
        for e in range(epochs):
            n = counts[k]
            out[k, e, :n] = gen.permutation(n) if batches[k] < n else np.arange(n)
    return out


def _check_rngs(rng, n_vehicles: int):
    if isinstance(rng, np.random.Generator):
        return rng
    if not isinstance(rng, (list, tuple)) or len(rng) != n_vehicles:
        raise TypeError(f"rng must be a numpy.random.Generator or a list of one per vehicle "
                        f"({n_vehicles}), got {rng!r:.60}")
    for k, g in enumerate(rng):
        require_generator(f"rng[{k}]", g)
    return rng


def _check_state(state, optimizer: str, shape: tuple[int, int]) -> FleetOptimizerState:
    if state is None:
        return FleetOptimizerState.zeros(optimizer, *shape)
    require_instance("state", state, FleetOptimizerState, "a FleetOptimizerState or None")
    if state.optimizer != optimizer or state.moment1.shape != shape or state.moment2.shape != shape \
            or state.steps.shape != shape[:1]:
        raise ValueError(f"state must be a {optimizer!r} state for {shape[0]} vehicles x {shape[1]} "
                         f"parameters, got a {state.optimizer!r} state of shape {state.moment1.shape}")
    return FleetOptimizerState(optimizer, state.moment1.copy(), state.moment2.copy(), state.steps.copy())


def fleet_local_update(model: DynamicQNN | QNN, params, clients: Sequence[ClientData],
                       training: LocalTraining, rng, *, global_params=None, period=None,
                       state: FleetOptimizerState | None = None, chunk_size: int | None = None,
                       ) -> tuple[np.ndarray, np.ndarray, FleetOptimizerState]:
    """Train every vehicle's copy of the model on its own data, the whole fleet per sweep.

    Equal (to rounding, tested to 1e-12) to
    ``[local_update(model, params[v], clients[v], training, rng_v, global_params=..., period=...)
    for v in range(V)]`` with ``rng_v`` the shared ``rng`` or ``rng[v]``.

    Parameters
    ----------
    model : DynamicQNN or QNN
    params : array of shape (V, model.n_params)
        Each vehicle's starting point (rad; readout scales and biases).
    clients : sequence of ClientData
        The vehicles' data (any sample counts; ``n_qubits`` features each, in rad).
    training : LocalTraining
        Epochs, batch size, learning rate, ``"sgd"`` (with its ``momentum``) or ``"adam"``, FedProx
        ``proximal_mu``, exit weights.
    rng : numpy.random.Generator or list of them
        Shuffles the minibatches: one generator drawn vehicle after vehicle (as the loop does), or
        one per vehicle.
    global_params : array of shape (P,) or (V, P), optional
        Centre of FedProx's proximal term ``mu/2 ||w - w_global||^2`` (default: ``params``).
    period : float or array of shape (P,), optional
        Periods of the parameters (rad) for the wrapped proximal difference.
    state : FleetOptimizerState, optional
        Optimiser state to continue from (default: fresh, as the loop's optimiser).
    chunk_size : int, optional
        Vehicles per sweep (default: :func:`qkit.qnn.fleet.fleet_chunk_size`).

    Returns
    -------
    params : numpy.ndarray, shape (V, P)
    loss : numpy.ndarray, shape (V,)
        Each vehicle's mean minibatch loss over its last epoch (without the proximal term).
    state : FleetOptimizerState
        The optimiser state after training (the input state is not modified).
    """
    _check_model(model)
    require_instance("training", training, LocalTraining, "qkit.fl.clients.LocalTraining")
    clients = check_clients(clients)
    rows = require_array("params", params, ndim=2, unit="rad").shape[0]
    if rows != len(clients):
        raise ValueError(f"clients must hold one ClientData per row of params ({rows}), got {len(clients)}")
    xs, ys, counts = _padded(clients)
    p, x, labels, _ = _check_fleet(model, params, xs, ys, counts)
    centre = _check_centre(global_params, p)
    periods = _as_period(period, p.shape[1])
    rngs = _check_rngs(rng, p.shape[0])
    st = _check_state(state, training.optimizer, p.shape)
    batches = counts if training.batch_size is None else np.minimum(training.batch_size, counts)
    orders = _draw_orders(rngs, counts, batches, training.epochs)
    size = fleet_chunk_size(model, int(batches.max()), chunk_size)
    w_exit = _exit_weights(model, training.exit_weights)
    out, losses = p.copy(), np.zeros(p.shape[0])
    for lo in range(0, p.shape[0], size):
        rows = np.arange(lo, min(lo + size, p.shape[0]))
        losses[rows] = _train_chunk(model, out, rows, x, labels, counts, batches, orders, centre,
                                    periods, training, w_exit, st)
    return out, losses, st


def _padded(clients: list[ClientData]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fleet's data as ``X (V, N, d)``, ``y (V, N)`` padded with zeros, and the counts ``(V,)``."""
    counts = np.array([c.n_samples for c in clients])
    require_allocation(f"the padded data of {len(clients)} clients", 16.0 * counts.max() * len(clients)
                       * (clients[0].X.shape[1] + 1))
    xs = np.zeros((len(clients), counts.max(), clients[0].X.shape[1]))
    ys = np.zeros(xs.shape[:2], dtype=int)
    for k, c in enumerate(clients):
        xs[k, :counts[k]], ys[k, :counts[k]] = c.X, c.y
    return xs, ys, counts


def _check_centre(global_params, p: np.ndarray) -> np.ndarray:
    """FedProx centres ``(V, P)``: ``p`` itself, or ``global_params`` of shape ``(P,)`` or ``(V, P)``."""
    if global_params is None:
        return p.copy()
    c = require_array("global_params", global_params, ndim=(1, 2), unit="rad")
    if c.shape not in (p.shape, p.shape[1:]):
        raise ValueError(f"global_params must have shape {p.shape[1:]} or {p.shape}, got shape {c.shape}")
    return np.broadcast_to(c, p.shape).copy()


def _train_chunk(model, w, rows, x, labels, counts, batches, orders, centre, periods, training,
                 w_exit, state) -> np.ndarray:
    """All epochs for the vehicles ``rows``; updates ``w`` and ``state`` in place; last-epoch losses."""
    n, b = counts[rows], batches[rows]
    steps = -(-n // b)
    for e in range(training.epochs):
        step_losses = np.zeros((rows.size, steps.max()))
        for s in range(steps.max()):
            act = np.flatnonzero(s < steps)
            vs = rows[act]
            start = s * b[act]
            size = np.minimum(b[act], n[act] - start)
            width = int(size.max())
            pos = start[:, None] + np.arange(width)[None, :]
            valid = np.arange(width)[None, :] < size[:, None]
            idx = np.where(valid, orders[vs[:, None], e, np.where(valid, pos, 0)], 0)
            exit_losses, grad = _chunk_loss(model, w[vs], x[vs[:, None], idx], labels[vs[:, None], idx],
                                            size, w_exit, True)
            step_losses[act, s] = (exit_losses @ w_exit) * size
            if training.proximal_mu > 0:
                grad = grad + training.proximal_mu * _wrap(w[vs] - centre[vs], periods)
            w[vs] = _step(state, vs, w[vs], grad, training.learning_rate, training.momentum)
    return step_losses.sum(axis=1) / n


# --- run_federated(engine="batched") ------------------------------------------------------------

class _FleetTrainer:
    """Stage 2 of :func:`qkit.fl.rounds.run_federated` with ``engine="batched"``: the scheduled
    vehicles of a round trained together, equal to the loop's ``local_update`` per vehicle.

    Holds what does not change between rounds: the padded data of all ``N`` vehicles and, with
    ``training.persistent_state``, one optimiser state row per vehicle (the loop's
    ``optimizers[k]``)."""

    def __init__(self, model, clients: list[ClientData], training: LocalTraining, n_params: int) -> None:
        if not isinstance(model, (DynamicQNN, QNN)):
            raise ValueError(f"engine='batched' trains qkit.qnn.DynamicQNN and QNN models only, got a "
                             f"{type(model).__name__} model; use engine='loop' for it")
        self.model, self.training = model, training
        self.x, self.labels, self.counts = _padded(clients)
        _check_fleet(model, np.zeros((len(clients), n_params)), self.x, self.labels, self.counts)
        self.batches = self.counts if training.batch_size is None else np.minimum(training.batch_size, self.counts)
        self.w_exit = _exit_weights(model, training.exit_weights)
        self.size = fleet_chunk_size(model, int(self.batches.max()))
        self.state = (FleetOptimizerState.zeros(training.optimizer, len(clients), n_params)
                      if training.persistent_state else None)

    def train(self, starts: np.ndarray, active: np.ndarray, rngs: list, period) -> tuple[np.ndarray, np.ndarray]:
        """Train the vehicles ``active`` from their rows of ``starts`` ``(N, P)`` (also their FedProx
        centres), vehicle ``active[i]`` shuffling with ``rngs[i]``; return the new ``(N, P)`` stack
        (other rows as given) and the last-epoch losses ``(N,)`` (0 for the others)."""
        n, p = starts.shape
        state = self.state if self.state is not None else FleetOptimizerState.zeros(self.training.optimizer, n, p)
        drawn = _draw_orders(rngs, self.counts[active], self.batches[active], self.training.epochs)
        orders = np.zeros((n, self.training.epochs, self.counts.max()), dtype=int)
        orders[active, :, :drawn.shape[2]] = drawn
        out, losses, periods = starts.copy(), np.zeros(n), _as_period(period, p)
        for lo in range(0, active.size, self.size):
            rows = np.asarray(active[lo:lo + self.size])
            losses[rows] = _train_chunk(self.model, out, rows, self.x, self.labels, self.counts, self.batches,
                                        orders, starts, periods, self.training, self.w_exit, state)
        return out, losses

"""The centralised reference of a federated run: the same model trained on the pooled data.

A federated accuracy means little without the two references an FL study reports beside it:

* **FedAvg over a perfect uplink** -- :func:`qkit.fl.rounds.run_federated` with ``channel=None``
  (every block of every vehicle arrives; with ``period=None`` the aggregate is the
  sample-weighted mean of the vehicles' vectors, McMahan et al. 2017, Algorithm 1);
* **centralised training** -- :func:`centralised_reference`: one model trained on the union of all
  vehicles' data with the same optimiser, the same batch size and the same number of gradient
  steps, scored on the same held-out set once per *round-equivalent*.

How steps are counted
---------------------
In one round of :func:`~qkit.fl.rounds.run_federated` every vehicle ``k`` (``n_k`` samples) runs
``E`` local epochs at batch size ``b_k = min(B, n_k)`` (``b_k = n_k`` when ``B`` is ``None``):
``E * ceil(n_k / b_k)`` gradient steps. A round-equivalent of the reference is the fleet's total,
``S = sum_k E * ceil(n_k / b_k)`` steps on minibatches of size ``B`` (``round(N / K)``, the mean
local set, when ``B`` is ``None``) drawn from the pooled ``N = sum_k n_k`` samples, so both have
computed about ``E N`` per-sample gradients per round. ``steps_per_round`` overrides ``S`` (e.g.
with the per-vehicle count, the federation's sequential depth).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from qkit._validate import require_array, require_flag, require_generator, require_instance, require_integer
from qkit.fl.clients import ClientData, LocalTraining, check_clients
from qkit.fl.rounds import MAX_ROUNDS, evaluate
from qkit.qnn.optim import _check_model

__all__ = ["CentralisedHistory", "federated_steps_per_round", "centralised_reference"]


@dataclass(frozen=True, eq=False)
class CentralisedHistory:
    """Per-round-equivalent record of :func:`centralised_reference` (``R`` rounds, ``E`` exits).

    Attributes
    ----------
    accuracy : float array (R + 1, E)
        Top-1 accuracy at each exit on the held-out set; row 0 is the initial model (as in
        :class:`qkit.fl.rounds.FederatedHistory`).
    test_loss : float array (R + 1,)
        Held-out loss (the model's exit-weighted loss).
    train_loss : float array (R,)
        Mean minibatch training loss over each round-equivalent's steps.
    steps_per_round : int
        Gradient steps per round-equivalent.
    batch_size : int
        Samples per step.
    params : numpy.ndarray (P,)
        Final parameters.
    """

    accuracy: np.ndarray
    test_loss: np.ndarray
    train_loss: np.ndarray
    steps_per_round: int
    batch_size: int
    params: np.ndarray

    @property
    def rounds(self) -> int:
        """Number of round-equivalents run."""
        return int(self.train_loss.shape[0])


def federated_steps_per_round(clients: Sequence[ClientData], training: LocalTraining = LocalTraining()) -> int:
    """Gradient steps the whole fleet takes in one federated round: ``sum_k E ceil(n_k / b_k)``.

    Parameters
    ----------
    clients : sequence of ClientData
    training : LocalTraining
        ``E = training.epochs``; ``b_k = min(training.batch_size, n_k)`` (``n_k`` if ``None``).

    Returns
    -------
    int
    """
    clients = check_clients(clients)
    require_instance("training", training, LocalTraining, "qkit.fl.clients.LocalTraining")
    steps = 0
    for c in clients:
        b = c.n_samples if training.batch_size is None else min(training.batch_size, c.n_samples)
        steps += training.epochs * -(-c.n_samples // b)
    return int(steps)


def centralised_reference(model: Any, clients: Sequence[ClientData], test_set, rounds: int, *,
                          initial_params, rng: np.random.Generator,
                          training: LocalTraining = LocalTraining(), steps_per_round: int | None = None,
                          progress: bool = False) -> CentralisedHistory:
    """Train ``model`` on the pooled data of all vehicles, scored once per round-equivalent.

    Parameters
    ----------
    model
        A qkit model (``loss_and_grad``, ``accuracy``, ``loss``).
    clients : sequence of ClientData
        The fleet; their data are pooled (``N = sum_k n_k`` samples).
    test_set : (X, y)
        The held-out set the federated run is scored on (one set; not per vehicle).
    rounds : int
        Round-equivalents (>= 0).
    initial_params : array (P,)
        The federated run's initial global model.
    rng : numpy.random.Generator
        Draws the minibatches: each step takes the next ``batch`` samples of a random permutation
        of the pooled data, a new permutation when fewer than ``batch`` are left (continued
        across round-equivalents).
    training : LocalTraining
        Optimiser, learning rate, momentum, batch size, epochs and exit weights, as the federation
        uses them. The optimiser restarts every round-equivalent unless
        ``training.persistent_state`` (mirroring the federation's vehicles). FedProx's
        ``proximal_mu`` has no meaning here (no global model to stay near) and is not used.
    steps_per_round : int, optional
        Steps per round-equivalent (default :func:`federated_steps_per_round`; see the module
        docstring).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    CentralisedHistory
    """
    _check_model(model, ("loss_and_grad", "accuracy", "loss"))
    clients = check_clients(clients)
    require_instance("training", training, LocalTraining, "qkit.fl.clients.LocalTraining")
    rounds = require_integer("rounds", rounds, 0, MAX_ROUNDS)
    require_generator("rng", rng)
    require_flag("progress", progress)
    if isinstance(test_set, list):
        raise ValueError("test_set must be one (X, y) pair for the centralised reference, got a list of "
                         f"{len(test_set)} per-vehicle sets")
    w = require_array("initial_params", initial_params, ndim=1).copy()
    if hasattr(model, "n_params") and w.size != int(model.n_params):
        raise ValueError(f"initial_params must have length model.n_params = {model.n_params}, got {w.size}")
    steps = (federated_steps_per_round(clients, training) if steps_per_round is None
             else require_integer("steps_per_round", steps_per_round, 1, 10**9))
    X = np.concatenate([c.X for c in clients])
    y = np.concatenate([c.y for c in clients])
    n = y.size
    batch = min(n, training.batch_size if training.batch_size is not None else max(1, round(n / len(clients))))
    ew = None if training.exit_weights is None else np.asarray(training.exit_weights)
    acc, loss = evaluate(model, w, test_set, exit_weights=ew)
    accuracy, test_loss, train_loss = [acc], [loss], []
    opt = training.new_optimizer()
    order, pos = rng.permutation(n), 0
    it = range(rounds)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc="centralised")
    for _ in it:
        if not training.persistent_state:
            opt.reset()
        losses = np.empty(steps)
        for s in range(steps):
            if pos + batch > n:  # start a new pass over the pooled data
                order, pos = rng.permutation(n), 0
            idx = order[pos:pos + batch]
            pos += batch
            losses[s], grad = model.loss_and_grad(w, X[idx], y[idx], ew)
            try:
                stepped = opt.step(w, grad)
            except ValueError as exc:  # a non-finite gradient: say what to change
                raise ValueError(f"centralised training diverged ({exc}); lower learning_rate") from None
            # a batch-norm layer (qkit.fl.batchnorm): running statistics move with each batch, as in local_update
            track = getattr(model, "update_statistics", None)
            w = stepped if track is None else track(stepped, X[idx], previous=w)
        train_loss.append(float(losses.mean()))
        acc, loss = evaluate(model, w, test_set, exit_weights=ew)
        accuracy.append(acc)
        test_loss.append(loss)
    return CentralisedHistory(accuracy=np.array(accuracy), test_loss=np.array(test_loss),
                              train_loss=np.array(train_loss), steps_per_round=int(steps),
                              batch_size=int(batch), params=w)

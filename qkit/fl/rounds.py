"""QFL and DQFL training rounds (Secs. III B-C and IV B of the DQFL paper).

One round is the paper's pipeline, stages 2 to 5:

2. **local training** -- every vehicle trains its copy of the global model on its own plates
   (:func:`qkit.fl.clients.local_update`);
3. **uplink** -- each vehicle sends its parameters over the fading channel:

   * ``"qfl"`` (and ``"classical"``, the same transmission for an MLP): the whole model is one
     message at full power; it arrives or it is lost;
   * ``"dqfl"``: the dynamic QNN's first layers (the *base* block) and the deeper layers (the
     *enhancement* block) are superposition-coded with power split ``lambda``; the server decodes
     the base first and the enhancement only after it (:class:`qkit.fl.channel.Channel`);

4. **aggregation** -- per block, FedAvg over the vehicles whose block arrived; a block that no
   vehicle delivered keeps its previous global value (:func:`qkit.fl.aggregate.aggregate`);
5. **local update** -- the global model goes back to every vehicle and always arrives (the
   server "has surplus power", Sec. IV B 5).

Message size and the channel
----------------------------
Every scheme gets the same uplink slot ``T`` and bandwidth ``W``. A message of ``B`` bits must
then be sent at spectral efficiency ``R = B / (W T)`` and is decoded when the SINR clears
``2**R - 1``. So a bigger model (the classical MLP, or more QNN layers) needs a higher SINR and is
lost more often: each doubling of the bits squares ``1 + threshold``. This is
:meth:`Channel.with_message_bits`, applied here with ``bits_per_parameter`` bits per value
(``rates_from_bits=True``, the default). With ``rates_from_bits=False`` the channel's own rates
are used whatever the model size.

Scheduling, shared bandwidth and quantised uploads (:mod:`qkit.fl.uplink`): with
``clients_per_round=K`` only ``K`` vehicles, drawn uniformly each round, train and send; with
``total_bandwidth_hz`` they share that band equally; ``bits_per_parameter < 32`` quantises each
sent update. The defaults (every vehicle, the channel's own bandwidth each, float32) are the
original behaviour.

Randomness: ``rng`` is split into independent streams for the channel and for local training, so
two runs with the same seed and the same vehicles see the same fades (paired comparisons). Give
each run a fresh generator: ``rng.spawn`` counts its children, so a second run on the same
``Generator`` object gets other streams (:func:`qkit.fl.verdicts.seed_streams`). Local training
draws from one stream per vehicle and round (:func:`training_stream`), keyed by the training
stream's seed and ``(vehicle, round)``: a vehicle's mini-batches do not depend on which other
vehicles trained before it, so the same run can be split over processes (:mod:`qkit.fl.flower`).
Who drops out (``drop_probability``) is keyed the same way, by the ``(vehicle, round)`` children of
the channel stream's seed sequence, which nothing else draws from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from qkit._validate import (require_array, require_choice, require_flag, require_generator,
                            require_instance, require_integer, require_real)
from qkit.fl.aggregate import _as_period, aggregate, wrap_periodic
from qkit.fl._checks import _check_channel, _check_split, _check_test_sets, _distances
from qkit.fl.clients import ClientData, LocalTraining, check_clients, local_update
from qkit.fl.uplink import (UNQUANTISED_BITS, quantise_update, schedule_vehicles,
                            shared_bandwidth_channel, upload_bits)
from qkit.qnn.optim import _check_model

__all__ = [
    "SCHEMES",
    "MAX_ROUNDS",
    "FederatedHistory",
    "message_bits",
    "draw_arrivals",
    "evaluate",
    "run_federated",
    "training_stream",
]

SCHEMES = ("classical", "qfl", "dqfl")
MAX_ROUNDS = 100_000
"""Most rounds one :func:`run_federated` call runs."""
_PHASES = ("local training", "uplink", "aggregation", "evaluation")


@dataclass(frozen=True, eq=False)
class FederatedHistory:
    """Per-round record of a federated run (``R`` rounds, ``K`` vehicles, ``B`` blocks, ``E`` exits).

    Attributes
    ----------
    scheme : str
    block_names : tuple of str
        ``("model",)`` for one-message schemes, ``("base", "enhancement")`` for DQFL.
    arrived : bool array (R, K, B)
        Which block of which vehicle the server decoded in each round.
    accuracy : float array (R + 1, E)
        Top-1 accuracy of the global model at each exit on the held-out set; row 0 is the
        initial model.
    test_loss : float array (R + 1,)
        Loss of the global model on the held-out set (the models' exit-weighted loss).
    train_loss : float array (R,)
        Sample-weighted mean of the vehicles' last-epoch local training losses.
    bits_sent, bits_delivered : float arrays (R,)
        Uplink bits transmitted by all vehicles, and the bits of the blocks that arrived.
    updated : bool array (R,)
        Whether any update arrived (False: the global model stayed unchanged).
    notes : tuple of str
        One line per round ("" or why nothing changed).
    params : numpy.ndarray (P,)
        Final global parameters.
    global_params : numpy.ndarray (R + 1, P)
        The global parameters after each round; row 0 is the initial model.
    client_local : numpy.ndarray (K, P) or None
        With ``local_mask`` (FedBN, a personalised layer): row ``k`` holds vehicle ``k``'s own
        local entries; its other entries are the initial values (the vehicle's model is
        ``np.where(local_mask, client_local[k], params)``, :func:`qkit.fl.batchnorm.vehicle_params`).
    timings : dict
        Seconds spent in local training, uplink, aggregation and evaluation.
    scheduled : bool array (R, K)
        Which vehicles were scheduled (trained and sent) in each round; all True by default.
    dropped : bool array (R, K)
        Which scheduled vehicles dropped out (sent nothing) in each round; all False without
        ``drop_probability``.
    """

    scheme: str
    block_names: tuple[str, ...]
    arrived: np.ndarray
    accuracy: np.ndarray
    test_loss: np.ndarray
    train_loss: np.ndarray
    bits_sent: np.ndarray
    bits_delivered: np.ndarray
    updated: np.ndarray
    notes: tuple[str, ...]
    params: np.ndarray
    global_params: np.ndarray | None = None
    client_local: np.ndarray | None = None
    timings: dict = field(default_factory=dict)
    scheduled: np.ndarray | None = None
    dropped: np.ndarray | None = None

    @property
    def rounds(self) -> int:
        """Number of rounds run."""
        return int(self.arrived.shape[0])

    def arrival_rate(self) -> np.ndarray:
        """Fraction of (vehicle, round) pairs in which each block arrived, shape (B,)."""
        return self.arrived.mean(axis=(0, 1))


def message_bits(block_of: np.ndarray, bits_per_parameter: int = 32) -> np.ndarray:
    """Bits of each uplink block: ``(number of parameters in the block) * bits_per_parameter``.

    ``block_of``: a 1-D array of block indices >= 0, one per parameter.
    """
    b = require_integer("bits_per_parameter", bits_per_parameter, 1)
    blocks = require_array("block_of", block_of, dtype=int, low=0, ndim=1)
    if np.asarray(block_of).dtype.kind not in "iu":
        raise ValueError(f"block_of must hold integer block indices, got dtype {np.asarray(block_of).dtype}")
    return np.bincount(blocks, minlength=1).astype(float) * b


def draw_arrivals(channel: Any, distances, scheme: str, power_split: float,
                  rng: np.random.Generator) -> np.ndarray:
    """Which blocks each vehicle delivers this round, shape (K, B).

    ``channel=None`` is an ideal uplink (everything arrives). Otherwise
    ``channel.reception(distances, rng, scheme, power_split)`` is asked; one-message schemes
    give one column, DQFL two (base, enhancement).

    Parameters
    ----------
    channel : qkit.fl.channel.Channel or None
    distances : array (K,)
        Metres, >= 0 (inf: nothing arrives).
    scheme : {"classical", "qfl", "dqfl"}
        Case-sensitive.
    power_split : float
        ``lambda`` in (0, 1).
    rng : numpy.random.Generator
    """
    require_choice("scheme", scheme, SCHEMES)
    d = _distances(distances, "distances")
    one_message = scheme in ("classical", "qfl")
    _check_split("qfl" if one_message else "dqfl", power_split)
    require_generator("rng", rng)
    if channel is None:
        return np.ones((d.size, 1 if one_message else 2), dtype=bool)
    _check_channel(channel, ("reception",))
    got = channel.reception(d, rng, scheme="qfl" if one_message else "dqfl", power_split=power_split)
    if one_message:
        return np.asarray(got.base, dtype=bool).reshape(-1, 1)
    return np.column_stack([np.asarray(got.base, bool).ravel(), np.asarray(got.enhancement, bool).ravel()])


def training_stream(seed_sequence: np.random.SeedSequence, vehicle: int, round_index: int) -> np.random.Generator:
    """The generator vehicle ``vehicle`` trains with in round ``round_index`` (both from 0).

    It is the child ``(vehicle, round_index)`` of ``seed_sequence`` (the training stream's
    :class:`numpy.random.SeedSequence`): independent of every other vehicle's and round's, and
    computable by a process that holds only the seed sequence, the vehicle and the round.
    """
    require_instance("seed_sequence", seed_sequence, np.random.SeedSequence, "numpy.random.SeedSequence")
    k = require_integer("vehicle", vehicle, 0)
    r = require_integer("round_index", round_index, 0)
    child = np.random.SeedSequence(seed_sequence.entropy, spawn_key=tuple(seed_sequence.spawn_key) + (k, r),
                                   pool_size=seed_sequence.pool_size)
    return np.random.default_rng(child)


def _drops_out(seed_sequence: np.random.SeedSequence, vehicle: int, round_index: int, probability: float) -> bool:
    """Whether ``vehicle`` drops out in round ``round_index``: one uniform draw ``u < probability``
    from the child ``(vehicle, round_index)`` of ``seed_sequence`` (the channel stream's), the same
    rule as :func:`training_stream`, so any process holding the seed sequence can reproduce it."""
    return bool(training_stream(seed_sequence, vehicle, round_index).random() < probability)


def _n_exits(model: Any) -> int:
    return int(getattr(model, "n_exits", 1))


def evaluate(model: Any, params, test_set, *, exit_weights=None) -> tuple[np.ndarray, float]:
    """Top-1 accuracy at every exit and the loss of ``params`` on held-out data.

    Parameters
    ----------
    model
        Has ``accuracy(params, X, y) -> (n_exits,)`` and ``loss(params, X, y, exit_weights)``
        (the models of :mod:`qkit.qnn`).
    params : array (P,), or a list of per-vehicle arrays when ``test_set`` is a list
    test_set : (X, y) or list of (X, y)
        One held-out set, or one per vehicle (each scored with that vehicle's own parameters,
        as FedBN is scored); per-vehicle results are pooled over all their test samples.
    exit_weights : array, optional
        Passed to ``model.loss``.

    Returns
    -------
    accuracy : numpy.ndarray, shape (n_exits,)
    loss : float
        Sample-weighted mean of the model's (exit-weighted) loss.
    """
    _check_model(model, ("accuracy", "loss"))
    sets = _check_test_sets(test_set)
    vecs = params if isinstance(test_set, list) else [params]
    if len(vecs) != len(sets):
        raise ValueError(f"one parameter vector (params) per test set needed, got {len(vecs)} for {len(sets)}")
    if exit_weights is not None:
        require_array("exit_weights", exit_weights, low=0.0, ndim=1)
    for k, w in enumerate(vecs):
        require_array("params" if len(vecs) == 1 else f"params[{k}]", w, ndim=1)
    correct, loss_sum, total = np.zeros(_n_exits(model)), 0.0, 0
    for w, (X, y) in zip(vecs, sets):
        n = np.asarray(y).shape[0]
        if n == 0:
            continue
        correct += np.asarray(model.accuracy(w, X, y), dtype=float) * n
        loss_sum += float(model.loss(w, X, y, exit_weights)) * n
        total += n
    if total == 0:
        raise ValueError("test_set has no samples")
    return correct / total, loss_sum / total


def _block_layout(scheme: str, n_params: int, base_mask) -> tuple[np.ndarray, tuple[str, ...]]:
    if scheme != "dqfl":
        return np.zeros(n_params, dtype=int), ("model",)
    if base_mask is None:
        raise ValueError("scheme 'dqfl' needs base_mask: which parameters travel in the base message")
    base = require_array("base_mask", base_mask, dtype=bool)
    if base.shape != (n_params,) or base.all() or not base.any():
        raise ValueError(f"base_mask must be a bool mask of shape ({n_params},) with both base and "
                         f"enhancement parameters, got {base.sum()} of {base.size} in the base")
    return np.where(base, 0, 1), ("base", "enhancement")


def _distances_for_round(distances, r: int, n_clients: int) -> np.ndarray:
    d = _distances(distances, "distances")
    if d.ndim == 1 and d.shape == (n_clients,):
        return d
    if d.ndim == 2 and d.shape[1] == n_clients:
        return d[r % d.shape[0]]
    raise ValueError(f"distances must have shape ({n_clients},) or (rounds, {n_clients}) in metres, got {d.shape}")


def run_federated(
    model: Any,
    clients: Sequence[ClientData],
    test_set,
    channel: Any,
    scheme: str,
    rounds: int,
    *,
    initial_params,
    rng: np.random.Generator,
    training: LocalTraining = LocalTraining(),
    distances=None,
    power_split: float = 0.8,
    base_mask=None,
    period=None,
    local_mask=None,
    bits_per_parameter: int = 32,
    rates_from_bits: bool = True,
    progress: bool = False,
    clients_per_round: int | None = None,
    total_bandwidth_hz: float | None = None,
    engine: str = "loop",
    drop_probability: float = 0.0,
) -> FederatedHistory:
    """Run ``rounds`` rounds of federated learning over a wireless uplink.

    Parameters
    ----------
    model
        A qkit model (``loss_and_grad``, ``predict``, optional ``n_exits``).
    clients : sequence of ClientData
        Each vehicle's training data (>= 1 vehicle, >= 1 sample each).
    test_set : (X, y) or list of (X, y)
        Held-out data; a list of one set per vehicle scores each vehicle's own model (FedBN).
    channel : qkit.fl.channel.Channel or None
        The uplink; ``None`` delivers everything (an ideal channel).
    scheme : {"classical", "qfl", "dqfl"}
        ``"classical"`` and ``"qfl"``: one full-power message. ``"dqfl"``: superposition-coded
        base + enhancement.
    rounds : int
        Number of rounds (>= 0).
    initial_params : array (P,)
        Global model at round 0, sent to every vehicle.
    rng : numpy.random.Generator
    training : LocalTraining
        Epochs, batch size, learning rate, optimizer, FedProx ``mu``, exit weights; with
        ``persistent_state=True`` the run keeps one optimiser per vehicle across rounds.
    distances : array (K,) or (rounds, K), metres
        Vehicle-to-server distances (a row per round for moving vehicles; rows are cycled).
        Required when ``channel`` is given.
    power_split : float
        ``lambda``, the base message's share of the power (DQFL only), in (0, 1).
    base_mask : bool array (P,)
        DQFL only: parameters in the base message (the first layer(s) and their exits).
    period : float or array (P,), optional
        Periods (radians) of periodic parameters, averaged by circular mean.
    local_mask : bool array (P,), optional
        Parameters each vehicle keeps to itself: FedBN's batch-norm layer
        (:meth:`qkit.fl.batchnorm.BatchNormQNN.local_mask`) or a personalised layer.
    bits_per_parameter : int
        Bits per transmitted value, in [2, 32]. 32: float32, sent as is. Fewer: the update
        ``w_k - w_global`` is quantised per block (:func:`qkit.fl.uplink.quantise_update`) and
        each block carries a 64-bit header, so the message is shorter and its rate lower.
    rates_from_bits : bool
        Size the channel's rates from the message bits (see the module docstring).
    progress : bool
        Show a tqdm progress bar.
    clients_per_round : int, optional
        ``K`` in [1, N]: vehicles scheduled per round, drawn uniformly without replacement
        (:func:`qkit.fl.uplink.schedule_vehicles`, from a stream of its own); the others neither
        train nor send. Default: all ``N`` every round, no draw.
    total_bandwidth_hz : float, optional
        Band ``B`` (Hz) shared equally by the scheduled vehicles: each gets ``B / K``
        (``channel.bandwidth_hz`` is replaced). Needs a channel. Default: each vehicle has the
        channel's own ``bandwidth_hz``.
    engine : {"loop", "batched"}
        How stage 2 runs. ``"loop"``: one :func:`~qkit.fl.clients.local_update` per scheduled
        vehicle (the readable reference). ``"batched"``: all scheduled vehicles in one sweep per
        chunk (:mod:`qkit.fl.fleet_update`), with the same mini-batches and optimiser arithmetic,
        so every recorded quantity equals the loop's to rounding; for
        :class:`~qkit.qnn.DynamicQNN` and :class:`~qkit.qnn.QNN` models only.
    drop_probability : float
        ``p`` in [0, 1]: in each round each scheduled vehicle drops out (crashes, loses its
        connection) with probability ``p``: one uniform draw from the child ``(vehicle, round)``
        of the channel stream's seed sequence, a stream nothing else uses, so a server process can
        reproduce it (:mod:`qkit.fl.flower`). A dropped vehicle sends nothing: both its blocks are
        lost, as in an outage (its ``arrived`` row all False, ``dropped`` True); the other vehicles
        see the same fades as without drops. Here a dropped vehicle still trains (its loss counts in
        ``train_loss``; with ``persistent_state`` or FedBN its own state moves on): it loses its
        connection before it sends. ``p = 1``: every vehicle always drops and the global
        model never changes. Default 0: no draw at all, the run is the run without drops.

    Returns
    -------
    FederatedHistory
    """
    scheme = require_choice("scheme", scheme, SCHEMES)
    rounds = require_integer("rounds", rounds, 0, MAX_ROUNDS)
    _check_model(model, ("loss_and_grad", "accuracy", "loss"))
    require_flag("rates_from_bits", rates_from_bits)
    require_flag("progress", progress)
    initial = require_array("initial_params", initial_params, ndim=1).copy()
    if hasattr(model, "n_params") and initial.size != int(model.n_params):
        raise ValueError(f"initial_params must have length model.n_params = {model.n_params}, got {initial.size}")
    _check_test_sets(test_set)
    run = _Federation(model, check_clients(clients), test_set, scheme, training, rng,
                      initial, base_mask, period, local_mask, engine)
    run.schedule_with(clients_per_round, total_bandwidth_hz, channel)
    run.connect(channel, distances, power_split, bits_per_parameter, rates_from_bits, drop_probability)
    g = run.initial
    metrics: dict[str, list] = {name: [] for name in ("accuracy", "test_loss", "arrived", "train_loss", "sent",
                                                      "delivered", "updated", "global")}
    metrics["global"].append(g.copy())
    acc, loss = run.score(g)
    metrics["accuracy"].append(acc)
    metrics["test_loss"].append(loss)
    notes = []
    it = range(rounds)
    if progress:
        from tqdm.auto import tqdm
        it = tqdm(it, desc=f"{scheme} rounds")
    for r in it:
        run.pick_vehicles()  # who is scheduled this round (everyone by default)
        trained, losses = run.train(g, r)  # stage 2: local training
        trained = run.quantised(g, trained)  # what the server rebuilds (unchanged at 32 bits)
        arr = run.uplink(r)  # stage 3: uplink
        res = run.aggregate(g, trained, arr)  # stage 4: aggregation (+ FedBN's local parts)
        g = res.params  # stage 5: the local update delivers g to every vehicle
        acc, loss = run.score(g)
        for name, value in (("accuracy", acc), ("test_loss", loss), ("arrived", arr),
                            ("train_loss", run.mean_train_loss(losses)),
                            ("sent", float(run.sending * run.bits.sum())),  # dropped vehicles send nothing
                            ("delivered", float((arr * run.bits).sum())), ("updated", res.any_update),
                            ("global", g.copy())):
            metrics[name].append(value)
        notes.append(run.round_note(res.any_update))
    return FederatedHistory(
        scheme=scheme, block_names=run.names,
        arrived=np.array(metrics["arrived"], dtype=bool).reshape(rounds, len(run.clients), len(run.names)),
        accuracy=np.array(metrics["accuracy"]), test_loss=np.array(metrics["test_loss"]),
        train_loss=np.array(metrics["train_loss"]), bits_sent=np.array(metrics["sent"]),
        bits_delivered=np.array(metrics["delivered"]), updated=np.array(metrics["updated"], dtype=bool),
        notes=tuple(notes), params=g, global_params=np.array(metrics["global"]),
        client_local=None if run.local is None else run.own.copy(),
        timings=run.timings, scheduled=np.array(run.scheduled, dtype=bool).reshape(rounds, len(run.clients)),
        dropped=np.array(run.dropped, dtype=bool).reshape(rounds, len(run.clients)))


class _Federation:
    """The state of one federated run: the fleet, the uplink, the vehicles' own parts, timers."""

    def __init__(self, model, clients, test_set, scheme, training, rng, initial, base_mask, period, local_mask,
                 engine="loop"):
        require_generator("rng", rng)
        require_choice("engine", engine, ("loop", "batched"))
        require_instance("training", training, LocalTraining, "qkit.fl.clients.LocalTraining")
        if isinstance(test_set, list) and len(test_set) != len(clients):
            raise ValueError(f"test_set as a list needs one (X, y) per vehicle ({len(clients)}), got {len(test_set)}")
        self.model, self.clients, self.test_set, self.scheme = model, clients, test_set, scheme
        self.training, self.initial = training, initial
        self.period = None if period is None else _as_period(period, initial.size)
        self.block_of, self.names = _block_layout(scheme, initial.size, base_mask)
        self.local = None if local_mask is None else require_array("local_mask", local_mask, dtype=bool)
        if self.local is not None and self.local.shape != initial.shape:
            raise ValueError(f"local_mask must be a bool mask of shape {initial.shape}, got {self.local.shape}")
        self.counts = np.array([c.n_samples for c in clients], dtype=float)
        self.rng_channel, self.rng_train = rng.spawn(2)  # same seed, same fades across schemes
        self.rng = rng
        self.own = np.tile(initial, (len(clients), 1))  # only local (FedBN) entries persist
        # training.persistent_state: one optimiser per vehicle (index k), kept across rounds
        self.optimizers = [training.new_optimizer() for _ in clients] if training.persistent_state else None
        self.timings = dict.fromkeys(_PHASES, 0.0)
        from qkit.fl.fleet_update import _FleetTrainer  # engine="batched": stage 2 in one sweep

        self.fleet = None if engine == "loop" else _FleetTrainer(model, clients, training, initial.size)

    def schedule_with(self, clients_per_round, total_bandwidth_hz, channel) -> None:
        """Check ``K`` and ``B``; a scheduler stream of its own (the others stay as they were)."""
        n = len(self.clients)
        self.k = n if clients_per_round is None else require_integer("clients_per_round", clients_per_round, 1, n)
        self.rng_schedule = None if clients_per_round is None else self.rng.spawn(1)[0]
        self.total_bandwidth = total_bandwidth_hz
        if total_bandwidth_hz is not None and channel is None:
            raise ValueError("total_bandwidth_hz needs a channel (channel=None is an ideal uplink), "
                             f"got total_bandwidth_hz={total_bandwidth_hz!r}")
        self.active, self.scheduled = np.arange(n), []

    def pick_vehicles(self) -> None:
        """Draw this round's ``K`` scheduled vehicles (all of them without a scheduler)."""
        n = len(self.clients)
        if self.rng_schedule is not None:
            self.active = schedule_vehicles(n, self.k, self.rng_schedule)
        self.scheduled.append(np.isin(np.arange(n), self.active))

    def mean_train_loss(self, losses: np.ndarray) -> float:
        """Sample-weighted mean local loss of the scheduled vehicles."""
        w = self.counts[self.active]
        return float(w @ losses[self.active] / w.sum())

    def quantised(self, g: np.ndarray, trained: np.ndarray) -> np.ndarray:
        """``g + Q(w_k - g)`` for the sent entries of each scheduled vehicle (as is at 32 bits)."""
        if self.n_bits == UNQUANTISED_BITS:
            return trained
        sent = np.ones(g.size, bool) if self.local is None else ~self.local
        out = trained.copy()
        for k in self.active:
            delta = trained[k, sent] - g[sent]
            if self.period is not None:
                delta = wrap_periodic(delta, self.period[sent])
            out[k, sent] = g[sent] + quantise_update(delta, self.block_of[sent], self.n_bits).values
        return out

    def connect(self, channel, distances, power_split, bits_per_parameter, rates_from_bits,
                drop_probability=0.0) -> None:
        """Check the uplink's settings and size its rates from the message bits."""
        self.drop_probability = require_real("drop_probability", drop_probability, 0.0, 1.0)
        self.dropped, self.sending = [], len(self.clients)
        self.n_bits = require_integer("bits_per_parameter", bits_per_parameter, 2, UNQUANTISED_BITS)
        # a vehicle sends only what is averaged: local entries (FedBN, a personalised layer) stay home
        sent = self.block_of if self.local is None else self.block_of[~self.local]
        self.bits = upload_bits(sent, self.n_bits)
        if self.bits.size != self.block_of.max() + 1 or not np.all(self.bits > 0):
            raise ValueError(f"local_mask leaves an uplink block with nothing to send (bits per block {self.bits})")
        if self.total_bandwidth is not None:
            _check_channel(channel, ("reception",))
            channel = shared_bandwidth_channel(channel, self.total_bandwidth, self.k)
        self.power_split = _check_split("dqfl", power_split)
        if channel is not None:
            _check_channel(channel, ("reception", "with_message_bits") if rates_from_bits else ("reception",))
            if distances is None:
                raise ValueError("distances (metres) are required when a channel is given")
            _distances_for_round(distances, 0, len(self.clients))
            if rates_from_bits:
                channel = self._sized(channel)
        self.channel, self.distances = channel, distances

    def _sized(self, channel):
        """The channel with rates that carry the message bits in one slot of its (sub-)band."""
        b = self.bits
        try:
            return (channel.with_message_bits(b[0], b[1]) if self.scheme == "dqfl"
                    else channel.with_message_bits(b[0] / 2, b[0] / 2))
        except ValueError as err:
            raise ValueError(f"the uplink message of {b.sum():.0f} bits does not fit one slot of "
                             f"{getattr(channel, 'bandwidth_hz', float('nan')):.4g} Hz per vehicle ({err}); "
                             "raise total_bandwidth_hz, schedule fewer vehicles (clients_per_round) or "
                             "send fewer bits (bits_per_parameter)") from None

    def _timed(self, phase: str, t0: float) -> None:
        self.timings[phase] += time.perf_counter() - t0

    def train(self, g: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
        t0 = time.perf_counter()
        trained = np.tile(g, (len(self.clients), 1)) if self.local is None else np.where(self.local, self.own, g)
        losses = np.zeros(len(self.clients))  # unscheduled vehicles: as sent, loss 0
        seeds = self.rng_train.bit_generator.seed_seq
        if self.fleet is not None:  # engine="batched": the same streams, the scheduled vehicles in one sweep
            streams = [training_stream(seeds, k, r) for k in self.active]
            trained, losses = self.fleet.train(trained, self.active, streams, self.period)
        for k in (self.active if self.fleet is None else ()):  # engine="loop": vehicle after vehicle
            data = self.clients[k]
            start = _personal(g, self.own[k], self.local)
            opt = None if self.optimizers is None else self.optimizers[k]
            trained[k], losses[k] = local_update(self.model, start, data, self.training,
                                                 training_stream(seeds, k, r),
                                                 global_params=start, period=self.period, optimizer=opt)
        if self.local is not None:
            self.own[:, self.local] = trained[:, self.local]  # FedBN: kept by each vehicle
        self._timed("local training", t0)
        return trained, losses

    def uplink(self, r: int, dropped=None) -> np.ndarray:
        """Stage 3 in round ``r``: blocks that arrive, (K, B); ``dropped`` (K,) bool: who sent
        nothing (default: drawn, :meth:`draw_dropped`; a Flower server passes who did not reply)."""
        t0 = time.perf_counter()
        if self.channel is None:
            arr = np.zeros((len(self.clients), len(self.names)), dtype=bool)
            arr[self.active] = True
        else:
            d = _distances_for_round(self.distances, r, len(self.clients))
            arr = np.zeros((len(self.clients), len(self.names)), dtype=bool)
            arr[self.active] = draw_arrivals(self.channel, d[self.active], self.scheme, self.power_split,
                                             self.rng_channel)
        dropped = self.draw_dropped(r) if dropped is None else np.asarray(dropped, dtype=bool)
        arr[dropped] = False  # a dropped vehicle sends nothing (the fades drawn stay as they were)
        self.dropped.append(dropped)
        self.sending = int(np.isin(self.active, np.flatnonzero(dropped), invert=True).sum())
        self._timed("uplink", t0)
        return arr

    def draw_dropped(self, r: int) -> np.ndarray:
        """Which scheduled vehicles drop out in round ``r``, shape (K,) (no draw when ``p = 0``)."""
        dropped = np.zeros(len(self.clients), dtype=bool)
        if self.drop_probability > 0.0:
            seeds = self.rng_channel.bit_generator.seed_seq
            for k in self.active:
                dropped[k] = _drops_out(seeds, int(k), r, self.drop_probability)
        return dropped

    def round_note(self, any_update: bool) -> str:
        """Why the global model did not change in the last round ("" when it did)."""
        if any_update:
            return ""
        if self.dropped and self.sending == 0:
            return "every scheduled vehicle dropped out: global model unchanged"
        return "no update arrived: global model unchanged"

    def aggregate(self, g, trained, arr):
        t0 = time.perf_counter()
        res = aggregate(g, trained, self.counts, arr, self.block_of, period=self.period, local=self.local)
        self._timed("aggregation", t0)
        return res

    def score(self, g: np.ndarray) -> tuple[np.ndarray, float]:
        t0 = time.perf_counter()
        if isinstance(self.test_set, list):
            vecs = [_personal(g, self.own[k], self.local) for k in range(len(self.clients))]
        else:
            vecs = g
        out = evaluate(self.model, vecs, self.test_set, exit_weights=self.training.exit_weights)
        self._timed("evaluation", t0)
        return out


def _personal(global_vec: np.ndarray, own: np.ndarray, local) -> np.ndarray:
    """The global vector with a vehicle's own local (FedBN) entries substituted."""
    return global_vec.copy() if local is None else np.where(local, own, global_vec)

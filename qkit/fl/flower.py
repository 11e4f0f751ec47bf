"""Notebook 12's federated experiment on Flower, the federated-learning framework.

:func:`qkit.fl.rounds.run_federated` runs a whole fleet in one Python loop. Here the same rounds
run on `Flower <https://flower.ai>`_: every vehicle is a Flower client (a ``ClientApp``, one
*SuperNode* each), and the server's rules are a Flower strategy (:class:`UplinkStrategy`):

* **local training** happens on the client: it receives the global model (the always-delivered
  local update of stage 5), trains it with :func:`qkit.fl.clients.local_update` on its own plates,
  and replies with its parameters;
* **the uplink** is physics the server simulates: Flower delivers every reply, and the strategy
  keeps only the blocks the fading channel would have let through (superposition coding and
  successive decoding, :func:`qkit.fl.rounds.draw_arrivals`);
* **aggregation** is FedAvg per block over what arrived (:func:`qkit.fl.aggregate.aggregate`);
  a block nobody delivered keeps its previous global value;
* **dropped clients** (``drop_probability > 0``): a vehicle that drops out in a round really fails
  -- its ``ClientApp`` raises :class:`VehicleDropped` -- and Flower hands the server an error reply
  (``Message.has_error()``, code ``CLIENT_APP_RAISED_EXCEPTION``; a SuperNode that is gone gives
  ``NODE_UNAVAILABLE`` once it misses its heartbeats). The strategy aggregates what did come back:
  a vehicle without a reply delivers no block, as in an outage of both blocks.

With the same :class:`VehicleSetting`, the global model after every round equals the one
:func:`run_reference` (``run_federated``) computes (``tests/test_fl_flower.py``): the server
sends each client the seed of its training stream, and a vehicle's mini-batches come from the
stream of its own ``(vehicle, round)`` (:func:`qkit.fl.rounds.training_stream`), whatever process
runs it.

Run it on Flower's simulation engine (Ray) with :func:`run_on_flower`, or as separate processes on
localhost (a SuperLink, one SuperNode per vehicle and ``flwr run``); the README's "Beyond one
process" gives the commands. Needs the ``flower`` extra: ``pip install -e ".[flower]"``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

try:
    from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
    from flwr.clientapp import ClientApp
    from flwr.serverapp import Grid, ServerApp
    from flwr.serverapp.strategy import FedAvg
except ImportError as exc:  # pragma: no cover - the extra is not installed
    raise ImportError("qkit.fl.flower needs Flower: pip install -e \".[flower]\" (the flower extra)") from exc

from qkit._validate import require_choice, require_integer, require_real
from qkit.fl.clients import LocalTraining, angle_periods, base_mask, disk_distances, local_update
from qkit.fl.channel import Channel
from qkit.fl.partition import plate_task
from qkit.fl.rounds import FederatedHistory, _drops_out, _Federation, run_federated, training_stream
from qkit.qnn import DynamicQNN

__all__ = ["VehicleSetting", "Experiment", "build_experiment", "run_reference", "UplinkStrategy",
           "VehicleDropped", "make_client_app", "make_server_app", "run_on_flower", "start_ray", "client_app",
           "server_app", "ROUND_TIMEOUT_S"]

ROUND_TIMEOUT_S = 300.0
"""Seconds the server waits for a round's replies; a vehicle silent that long counts as dropped."""


@dataclass(frozen=True)
class VehicleSetting:
    """Everything a process needs to rebuild notebook 12's experiment for one seed.

    The server and every client build the same task, model and fleet from it (the plates are
    synthetic and seeded), so only parameters travel over the network, as in a real deployment.
    Defaults: notebook 12's dynamic QNN (4 qubits, 3 layers, 4 classes), its local training, and a
    small fleet for tests. ``drop_probability`` in [0, 1): each vehicle drops out of each round
    with that probability (``run_federated``'s rule, so both drop the same vehicles).
    """

    seed: int = 0
    n_vehicles: int = 3
    rounds: int = 2
    scheme: str = "dqfl"
    radius_m: float = 1000.0
    power_split: float = 0.8
    boundary: int = 1
    epochs: int = 1
    batch_size: int = 20
    learning_rate: float = 0.05
    task_seed: int = 9
    drop_probability: float = 0.0

    def __post_init__(self) -> None:
        require_integer("seed", self.seed, 0, 2**62)
        require_integer("n_vehicles", self.n_vehicles, 1, 100_000)
        require_integer("rounds", self.rounds, 0, 100_000)
        require_choice("scheme", self.scheme, ("qfl", "dqfl"))
        require_real("radius_m", self.radius_m, 0.0, None, low_inclusive=False, unit="m")
        require_real("power_split", self.power_split, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        require_integer("boundary", self.boundary, 1, 2)
        require_integer("epochs", self.epochs, 1, 1000)
        require_integer("batch_size", self.batch_size, 1)
        require_real("learning_rate", self.learning_rate, 0.0, None, low_inclusive=False)
        require_integer("task_seed", self.task_seed, 0, 2**62)
        require_real("drop_probability", self.drop_probability, 0.0, 1.0, high_inclusive=False)

    def to_config(self) -> dict[str, Any]:
        """The setting as Flower run-config entries (``"n-vehicles": 3``, ...)."""
        return {f.name.replace("_", "-"): getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "VehicleSetting":
        """A setting from run-config entries; missing entries keep their defaults, unknown ones are an error."""
        names = {f.name.replace("_", "-"): f for f in dataclasses.fields(cls)}
        unknown = sorted(set(config) - set(names) - {"results-file"})
        if unknown:
            raise ValueError(f"config has entries no VehicleSetting field matches: {unknown}; "
                             f"allowed: {sorted(names)}")
        values = {}
        for key, f in names.items():
            if key in config:
                kind = type(f.default)
                values[f.name] = kind(config[key]) if kind is not str else str(config[key])
        return cls(**values)


@dataclass(frozen=True, eq=False)
class Experiment:
    """The objects of one run: model, fleet, test set, uplink and the run's generator."""

    setting: VehicleSetting
    model: Any
    clients: list
    test_set: tuple
    channel: Channel
    distances: np.ndarray
    training: LocalTraining
    initial_params: np.ndarray
    base_mask: np.ndarray | None
    period: np.ndarray
    rng: np.random.Generator

    def federation(self) -> _Federation:
        """The server-side state ``run_federated`` keeps (uplink, aggregation, scoring)."""
        run = _Federation(self.model, self.clients, self.test_set, self.setting.scheme, self.training, self.rng,
                          self.initial_params.copy(), self.base_mask, self.period, None)
        run.schedule_with(None, None, self.channel)  # every vehicle every round, each its own band
        run.connect(self.channel, self.distances, self.setting.power_split, 32, True, self.setting.drop_probability)
        return run


def build_experiment(setting: VehicleSetting) -> Experiment:
    """Notebook 12's ``federate(...)`` set-up for one seed, as every process rebuilds it.

    Task from ``task_seed``; vehicles' plates from seed ``100 + seed``; initial model from
    ``1000 + seed``; positions (a disk of radius ``radius_m``, new every round) and then the
    channel and training streams from ``seed``.
    """
    _check_setting(setting)
    task = _task(setting.task_seed)
    model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
    rng = np.random.default_rng(setting.seed)
    clients = task.clients(setting.n_vehicles, np.random.default_rng(100 + setting.seed))
    initial = model.init_params(np.random.default_rng(1000 + setting.seed))
    distances = disk_distances(setting.n_vehicles, setting.radius_m, rng, max(setting.rounds, 1))
    training = LocalTraining(epochs=setting.epochs, batch_size=setting.batch_size,
                             learning_rate=setting.learning_rate)
    mask = base_mask(model, setting.boundary) if setting.scheme == "dqfl" else None
    return Experiment(setting, model, clients, task.test_set, Channel(), distances, training, initial, mask,
                      angle_periods(model), rng)


def _check_setting(setting: Any, optional: bool = False) -> None:
    if optional and setting is None:
        return
    if not isinstance(setting, VehicleSetting):
        raise TypeError(f"setting must be a qkit.fl.flower.VehicleSetting{' or None' if optional else ''}, "
                        f"got {type(setting).__name__}")


@lru_cache(maxsize=4)
def _task(task_seed: int):
    return plate_task(np.random.default_rng(task_seed))


def run_reference(setting: VehicleSetting) -> FederatedHistory:
    """The same experiment with :func:`qkit.fl.rounds.run_federated` in this process."""
    e = build_experiment(setting)
    return run_federated(e.model, e.clients, e.test_set, e.channel, setting.scheme, setting.rounds,
                         initial_params=e.initial_params, rng=e.rng, training=e.training, distances=e.distances,
                         power_split=setting.power_split, period=e.period,
                         drop_probability=setting.drop_probability,
                         **({"base_mask": e.base_mask} if e.base_mask is not None else {}))


# ------------------------------------------------------------------------------------- client


@lru_cache(maxsize=8)
def _client_experiment(setting: VehicleSetting) -> Experiment:
    return build_experiment(setting)


def _train(msg: Message, context: Context, setting: VehicleSetting | None) -> Message:
    """One vehicle's stage 2: train the global model it received on its own plates."""
    config = msg.content["config"]
    setting = setting or VehicleSetting.from_config(_setting_entries(context.run_config))
    e = _client_experiment(setting)
    vehicle = int(context.node_config["partition-id"])
    if not 0 <= vehicle < setting.n_vehicles:
        raise ValueError(f"partition-id must be in 0..{setting.n_vehicles - 1}, got {vehicle}")
    r = int(config["server-round"]) - 1
    if setting.drop_probability > 0 and _drops_out(_seeds(config, "drop"), vehicle, r, setting.drop_probability):
        raise VehicleDropped(f"vehicle {vehicle} dropped out of round {r + 1}")  # Flower replies with an error
    start = msg.content["arrays"].to_numpy_ndarrays()[0].astype(float)
    rng = training_stream(_seeds(config, "train"), vehicle, r)
    params, loss = local_update(e.model, start, e.clients[vehicle], e.training, rng,
                                global_params=start, period=e.period)
    metrics = MetricRecord({"num-examples": int(e.clients[vehicle].n_samples), "train-loss": float(loss),
                            "vehicle": vehicle})
    return Message(content=RecordDict({"arrays": ArrayRecord([params]), "metrics": metrics}), reply_to=msg)


def _seeds(config: Mapping[str, Any], stream: str) -> np.random.SeedSequence:
    """The seed sequence the server sent as ``<stream>-entropy`` and ``<stream>-spawn-key``."""
    return np.random.SeedSequence(int(config[f"{stream}-entropy"]),
                                  spawn_key=tuple(int(k) for k in config[f"{stream}-spawn-key"]))


class VehicleDropped(RuntimeError):
    """Raised by a vehicle's ``ClientApp`` in a round it drops out of (a simulated crash)."""


def make_client_app(setting: VehicleSetting | None = None) -> ClientApp:
    """A ``ClientApp`` for the vehicles of ``setting`` (``None``: read it from the run config)."""
    _check_setting(setting, optional=True)
    app = ClientApp()

    @app.train()
    def train(msg: Message, context: Context) -> Message:
        return _train(msg, context, setting)

    return app


# ------------------------------------------------------------------------------------- server


class UplinkStrategy(FedAvg):
    """FedAvg per block over what the fading, superposition-coded uplink delivers.

    Every vehicle is asked to train every round (``fraction_train = 1``). :meth:`aggregate_train`
    orders the replies by vehicle, counts a vehicle without a good reply as dropped, draws which
    blocks reach the server (the channel's stream, as ``run_federated``), aggregates per block, and
    records the round. No client-side evaluation: :meth:`evaluate` scores the global model on the
    held-out plates on the server.

    Round 1 waits until the whole fleet (``n_vehicles`` SuperNodes) is connected; later rounds ask
    every node still connected and wait at most :data:`ROUND_TIMEOUT_S`, so a vehicle that crashed
    for good (a killed SuperNode) costs it its blocks, not the run.
    """

    def __init__(self, setting: VehicleSetting) -> None:
        _check_setting(setting)
        super().__init__(fraction_train=1.0, fraction_evaluate=0.0, min_train_nodes=setting.n_vehicles,
                         min_available_nodes=setting.n_vehicles)
        self.setting = setting
        self.experiment = build_experiment(setting)
        self.run = self.experiment.federation()
        self.global_params = [self.run.initial.copy()]
        self.arrived: list[np.ndarray] = []
        self.dropped: list[np.ndarray] = []
        self.failures: list[list[str]] = []
        self.accuracy: list[np.ndarray] = []

    def configure_train(self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid):
        for stream, rng in (("train", self.run.rng_train), ("drop", self.run.rng_channel)):
            seeds = rng.bit_generator.seed_seq
            config[f"{stream}-entropy"] = int(seeds.entropy)
            config[f"{stream}-spawn-key"] = [int(k) for k in seeds.spawn_key]
        messages = super().configure_train(server_round, arrays, config, grid)
        self.min_train_nodes = self.min_available_nodes = 1  # from round 2: whoever is still connected
        return messages

    def aggregate_train(self, server_round: int, replies) -> tuple[ArrayRecord | None, MetricRecord | None]:
        good, errors = self._check_and_log_replies(list(replies), is_train=True)  # FedAvg's: logs the failures
        g = self.global_params[-1]
        trained = np.tile(g, (self.setting.n_vehicles, 1))  # rows of dropped vehicles are never used
        dropped = np.ones(self.setting.n_vehicles, dtype=bool)
        for m in good:
            k = int(m.content["metrics"]["vehicle"])
            trained[k] = m.content["arrays"].to_numpy_ndarrays()[0]
            dropped[k] = False
        # an error reply (the ClientApp raised, or its node is gone) or none at all: a dropped vehicle
        self.failures.append([f"{m.error.code}: {m.error.reason}" for m in errors])
        self.run.pick_vehicles()
        arr = self.run.uplink(server_round - 1, dropped=dropped)
        res = self.run.aggregate(g, trained, arr)
        self.global_params.append(res.params.copy())
        self.arrived.append(arr)
        self.dropped.append(dropped)
        return ArrayRecord([res.params]), MetricRecord({"blocks-arrived": int(arr.sum()),
                                                       "vehicles-dropped": int(dropped.sum())})

    def evaluate(self, server_round: int, arrays: ArrayRecord) -> MetricRecord:
        """Accuracy per exit and test loss of the global model (server side)."""
        acc, loss = self.run.score(arrays.to_numpy_ndarrays()[0].astype(float))
        self.accuracy.append(np.asarray(acc, dtype=float))
        return MetricRecord({"accuracy": [float(a) for a in acc], "test-loss": float(loss)})

    def results(self) -> dict[str, Any]:
        """What the run produced: global parameters per round, arrivals, dropped vehicles, accuracy per
        round and exit, and the error Flower reported for each failed reply (per round)."""
        n = self.setting.n_vehicles
        return {"global_params": np.array(self.global_params), "arrived": np.array(self.arrived, dtype=bool),
                "dropped": np.array(self.dropped, dtype=bool).reshape(-1, n), "accuracy": np.array(self.accuracy),
                "failures": [list(f) for f in self.failures]}


def make_server_app(setting: VehicleSetting | None = None, results: dict | None = None) -> ServerApp:
    """A ``ServerApp`` running :class:`UplinkStrategy`; ``results`` (a dict) receives what it recorded.

    With ``setting=None`` the setting comes from the run config (``flwr run``), and the results are
    written as JSON to its ``results-file`` entry when given.
    """
    _check_setting(setting, optional=True)
    if results is not None and not isinstance(results, dict):
        raise TypeError(f"results must be a dict (or None), got {type(results).__name__}")
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        chosen = setting or VehicleSetting.from_config(_setting_entries(context.run_config))
        strategy = UplinkStrategy(chosen)
        strategy.start(grid, ArrayRecord([strategy.run.initial.copy()]), num_rounds=chosen.rounds,
                       timeout=ROUND_TIMEOUT_S, evaluate_fn=strategy.evaluate)
        out = strategy.results()
        if results is not None:
            results.update(out)
        path = context.run_config.get("results-file")
        if path:
            Path(str(path)).write_text(json.dumps({k: np.asarray(v).tolist() if k != "failures" else v
                                                   for k, v in out.items()}))

    return app


def _setting_entries(run_config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run_config.items() if k != "results-file"}


def run_on_flower(setting: VehicleSetting, *, workers: int = 2, start_attempts: int = 3) -> dict[str, Any]:
    """Run ``setting`` on Flower's simulation engine (Ray), ``workers`` clients at a time.

    Returns :meth:`UplinkStrategy.results`. Ray starts worker processes: expect 10-40 s of start-up.
    Ray is started here (:func:`start_ray`, up to ``start_attempts`` tries) before Flower runs, so a
    start that fails on a busy machine raises or is retried instead of leaving Flower waiting.
    """
    from flwr.simulation import run_simulation

    _check_setting(setting)
    workers = require_integer("workers", workers, 1, 1024)
    start_ray(workers, attempts=require_integer("start_attempts", start_attempts, 1, 20))
    results: dict[str, Any] = {}
    run_simulation(make_server_app(setting, results), make_client_app(setting),
                   num_supernodes=setting.n_vehicles,
                   backend_config={"client_resources": {"num_cpus": 1},
                                   "init_args": {"num_cpus": workers, "include_dashboard": False}})
    if "global_params" not in results:
        raise RuntimeError("the Flower run ended without results (see Flower's log above)")
    return results


def start_ray(workers: int, *, attempts: int = 3) -> None:
    """Start a local Ray for Flower's simulation engine, with ``workers`` CPUs; retry a failed start.

    Why not leave it to Flower: on a busy machine Ray's raylet exits when its dashboard agent takes
    more than 15 s to start (ray-project/ray#65983); ``ray.init`` then raises "The current node timed
    out during startup" after about a minute, but inside Flower's simulation thread the error is
    lost and the run waits for ever. Started here, a failed start is retried ``attempts`` times and
    then raised as a ``RuntimeError`` that says why. Flower's Ray backend uses a Ray that is already
    running (and shuts it down at the end of the run). Does nothing if Ray is already running.
    """
    import os
    import sys

    workers = require_integer("workers", workers, 1, 1024)
    attempts = require_integer("attempts", attempts, 1, 20)
    import ray

    if ray.is_initialized():
        return
    # as Flower's backend does: Ray's workers import qkit from the same paths as this process
    path = os.pathsep.join(sys.path + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
    os.environ["PYTHONPATH"] = path
    for attempt in range(1, attempts + 1):
        try:
            ray.init(num_cpus=workers, include_dashboard=False, runtime_env={"env_vars": {"PYTHONPATH": path}})
            return
        except Exception as exc:  # noqa: BLE001 - Ray raises a bare Exception for a timed-out start
            ray.shutdown()
            if attempt == attempts:
                raise RuntimeError(f"Ray did not start in {attempts} attempts (last: {exc}); on a busy machine "
                                   "its raylet gives up waiting for the dashboard agent (ray-project/ray#65983): "
                                   "try again when fewer programs are running") from exc
            print(f"[qkit] Ray did not start (attempt {attempt} of {attempts}): {exc}; trying again", flush=True)


#: For ``flwr run`` (the separate-process deployment): the setting comes from the run config.
client_app = make_client_app()
server_app = make_server_app()

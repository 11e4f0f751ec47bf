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
  a block nobody delivered keeps its previous global value.

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
from qkit.fl.rounds import FederatedHistory, _Federation, run_federated, training_stream
from qkit.qnn import DynamicQNN

__all__ = ["VehicleSetting", "Experiment", "build_experiment", "run_reference", "UplinkStrategy",
           "make_client_app", "make_server_app", "run_on_flower", "client_app", "server_app"]


@dataclass(frozen=True)
class VehicleSetting:
    """Everything a process needs to rebuild notebook 12's experiment for one seed.

    The server and every client build the same task, model and fleet from it (the plates are
    synthetic and seeded), so only parameters travel over the network, as in a real deployment.
    Defaults: notebook 12's dynamic QNN (4 qubits, 3 layers, 4 classes), its local training, and a
    small fleet for tests.
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
        run.connect(self.channel, self.distances, self.setting.power_split, 32, True)
        return run


def build_experiment(setting: VehicleSetting) -> Experiment:
    """Notebook 12's ``federate(...)`` set-up for one seed, as every process rebuilds it.

    Task from ``task_seed``; vehicles' plates from seed ``100 + seed``; initial model from
    ``1000 + seed``; positions (a disk of radius ``radius_m``, new every round) and then the
    channel and training streams from ``seed``.
    """
    if not isinstance(setting, VehicleSetting):
        raise TypeError(f"setting must be a qkit.fl.flower.VehicleSetting, got {type(setting).__name__}")
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


@lru_cache(maxsize=4)
def _task(task_seed: int):
    return plate_task(np.random.default_rng(task_seed))


def run_reference(setting: VehicleSetting) -> FederatedHistory:
    """The same experiment with :func:`qkit.fl.rounds.run_federated` in this process."""
    e = build_experiment(setting)
    return run_federated(e.model, e.clients, e.test_set, e.channel, setting.scheme, setting.rounds,
                         initial_params=e.initial_params, rng=e.rng, training=e.training, distances=e.distances,
                         power_split=setting.power_split, period=e.period,
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
    start = msg.content["arrays"].to_numpy_ndarrays()[0].astype(float)
    seeds = np.random.SeedSequence(int(config["train-entropy"]),
                                   spawn_key=tuple(int(k) for k in config["train-spawn-key"]))
    rng = training_stream(seeds, vehicle, int(config["server-round"]) - 1)
    params, loss = local_update(e.model, start, e.clients[vehicle], e.training, rng,
                                global_params=start, period=e.period)
    metrics = MetricRecord({"num-examples": int(e.clients[vehicle].n_samples), "train-loss": float(loss),
                            "vehicle": vehicle})
    return Message(content=RecordDict({"arrays": ArrayRecord([params]), "metrics": metrics}), reply_to=msg)


def make_client_app(setting: VehicleSetting | None = None) -> ClientApp:
    """A ``ClientApp`` for the vehicles of ``setting`` (``None``: read it from the run config)."""
    app = ClientApp()

    @app.train()
    def train(msg: Message, context: Context) -> Message:
        return _train(msg, context, setting)

    return app


# ------------------------------------------------------------------------------------- server


class UplinkStrategy(FedAvg):
    """FedAvg per block over what the fading, superposition-coded uplink delivers.

    Every vehicle trains every round (``fraction_train = 1``). :meth:`aggregate_train` orders the
    replies by vehicle, draws which blocks reach the server (the channel's stream, as
    ``run_federated``), aggregates per block, and records the round. No client-side evaluation:
    :meth:`evaluate` scores the global model on the held-out plates on the server.
    """

    def __init__(self, setting: VehicleSetting) -> None:
        super().__init__(fraction_train=1.0, fraction_evaluate=0.0, min_train_nodes=setting.n_vehicles,
                         min_available_nodes=setting.n_vehicles)
        self.setting = setting
        self.experiment = build_experiment(setting)
        self.run = self.experiment.federation()
        self.global_params = [self.run.initial.copy()]
        self.arrived: list[np.ndarray] = []
        self.accuracy: list[np.ndarray] = []

    def configure_train(self, server_round: int, arrays: ArrayRecord, config: ConfigRecord, grid: Grid):
        seeds = self.run.rng_train.bit_generator.seed_seq
        config["train-entropy"] = int(seeds.entropy)
        config["train-spawn-key"] = [int(k) for k in seeds.spawn_key]
        return super().configure_train(server_round, arrays, config, grid)

    def aggregate_train(self, server_round: int, replies) -> tuple[ArrayRecord | None, MetricRecord | None]:
        replies = [m for m in replies if not m.has_error()]
        trained = np.empty((self.setting.n_vehicles, self.run.initial.size))
        seen = set()
        for m in replies:
            k = int(m.content["metrics"]["vehicle"])
            trained[k] = m.content["arrays"].to_numpy_ndarrays()[0]
            seen.add(k)
        missing = sorted(set(range(self.setting.n_vehicles)) - seen)
        if missing:  # a dropped client delivers nothing this round, like a lost message
            raise RuntimeError(f"round {server_round}: no reply from vehicles {missing}")
        self.run.pick_vehicles()
        arr = self.run.uplink(server_round - 1)
        res = self.run.aggregate(self.global_params[-1], trained, arr)
        self.global_params.append(res.params.copy())
        self.arrived.append(arr)
        return ArrayRecord([res.params]), MetricRecord({"blocks-arrived": int(arr.sum())})

    def evaluate(self, server_round: int, arrays: ArrayRecord) -> MetricRecord:
        """Accuracy per exit and test loss of the global model (server side)."""
        acc, loss = self.run.score(arrays.to_numpy_ndarrays()[0].astype(float))
        self.accuracy.append(np.asarray(acc, dtype=float))
        return MetricRecord({"accuracy": [float(a) for a in acc], "test-loss": float(loss)})

    def results(self) -> dict[str, Any]:
        """What the run produced: global parameters per round, arrivals, accuracy per round and exit."""
        return {"global_params": np.array(self.global_params), "arrived": np.array(self.arrived, dtype=bool),
                "accuracy": np.array(self.accuracy)}


def make_server_app(setting: VehicleSetting | None = None, results: dict | None = None) -> ServerApp:
    """A ``ServerApp`` running :class:`UplinkStrategy`; ``results`` (a dict) receives what it recorded.

    With ``setting=None`` the setting comes from the run config (``flwr run``), and the results are
    written as JSON to its ``results-file`` entry when given.
    """
    app = ServerApp()

    @app.main()
    def main(grid: Grid, context: Context) -> None:
        chosen = setting or VehicleSetting.from_config(_setting_entries(context.run_config))
        strategy = UplinkStrategy(chosen)
        strategy.start(grid, ArrayRecord([strategy.run.initial.copy()]), num_rounds=chosen.rounds,
                       evaluate_fn=strategy.evaluate)
        out = strategy.results()
        if results is not None:
            results.update(out)
        path = context.run_config.get("results-file")
        if path:
            Path(str(path)).write_text(json.dumps({k: v.tolist() for k, v in out.items()}))

    return app


def _setting_entries(run_config: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run_config.items() if k != "results-file"}


def run_on_flower(setting: VehicleSetting, *, workers: int = 2) -> dict[str, Any]:
    """Run ``setting`` on Flower's simulation engine (Ray), ``workers`` clients at a time.

    Returns :meth:`UplinkStrategy.results`. Ray starts worker processes: expect 10-40 s of start-up.
    """
    from flwr.simulation import run_simulation

    workers = require_integer("workers", workers, 1, 1024)
    results: dict[str, Any] = {}
    run_simulation(make_server_app(setting, results), make_client_app(setting),
                   num_supernodes=setting.n_vehicles,
                   backend_config={"client_resources": {"num_cpus": 1},
                                   "init_args": {"num_cpus": workers, "include_dashboard": False}})
    if "global_params" not in results:
        raise RuntimeError("the Flower run ended without results (see Flower's log above)")
    return results


#: For ``flwr run`` (the separate-process deployment): the setting comes from the run config.
client_app = make_client_app()
server_app = make_server_app()

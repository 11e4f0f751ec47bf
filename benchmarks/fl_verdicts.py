"""Paired-seed verdicts of the federated comparisons (issue 12, items 1-2), written to a JSON file.

Every comparison runs both arms on the same seeds; one seed fixes the data partition, the initial
model, the vehicles' positions, the fades and the minibatch order
(:func:`qkit.fl.verdicts.seed_streams`), so each seed gives one paired difference ``b - a`` and the
file reports its mean and 95 % Student-t interval (:func:`qkit.fl.verdicts.paired_difference`).

Comparisons
-----------
``qfl_vs_dqfl``
    notebook 12's setting (4-qubit 3-layer dynamic QNN, plate task ``"0123"``, 10 vehicles, 20
    rounds, lambda = 0.8, one-layer base) at cell radii 250 and 1000 m: DQFL - QFL at the deepest
    and the first exit (accuracy averaged over the last 5 rounds), for each local-training regime
    (fresh Adam as in the notebook, persistent Adam, SGD lr 0.3, fresh Adam with 5 local epochs):
    the sensitivity of the verdict to the local optimiser and the number of local epochs.
``fedavg_vs_centralised``
    FedAvg over a perfect uplink (``run_federated(channel=None)``, angles averaged by circular
    mean as in every faded run here and in the notebooks) against centralised training
    on the pooled data with the same optimiser and number of gradient steps
    (:func:`qkit.fl.reference.centralised_reference`), per regime, after 20 rounds.
``convergence``
    the same two over 100 rounds for SGD and fresh Adam: mean accuracy per round (the plateau),
    SGD - Adam and centralised - FedAvg; ``--figure`` draws the curves.

Run from the repository root (``--small``: a tiny setting that runs in seconds, used by the tests)::

    python benchmarks/fl_verdicts.py qfl_vs_dqfl results/qfl_vs_dqfl.json
    python benchmarks/fl_verdicts.py convergence conv.json --figure conv.png
    python benchmarks/fl_verdicts.py fedavg_vs_centralised out.json --small
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from qkit.fl.channel import Channel
from qkit.fl.clients import LocalTraining, angle_periods, base_mask, disk_distances
from qkit.fl.partition import plate_task
from qkit.fl.reference import centralised_reference
from qkit.fl.rounds import run_federated
from qkit.fl.verdicts import paired_difference, seed_streams
from qkit.qnn import DynamicQNN

COMPARISONS = ("qfl_vs_dqfl", "fedavg_vs_centralised", "convergence")

TRAININGS = {
    "adam_fresh": LocalTraining(epochs=1, batch_size=20, learning_rate=0.05),
    "adam_persistent": LocalTraining(epochs=1, batch_size=20, learning_rate=0.05, persistent_state=True),
    "sgd": LocalTraining(epochs=1, batch_size=20, learning_rate=0.3, optimizer="sgd"),
    "adam_5_epochs": LocalTraining(epochs=5, batch_size=20, learning_rate=0.05),
}

FULL = dict(seeds=10, n_vehicles=10, rounds=20, last=5, radii=(250.0, 1000.0), power_split=0.8,
            task=dict(), task_seed=9, convergence_rounds=100, convergence_trainings=("adam_fresh", "sgd"))
SMALL = dict(seeds=3, n_vehicles=3, rounds=3, last=2, radii=(1000.0,), power_split=0.8,
             task=dict(samples_per_vehicle=8, n_public=100, n_test=40), task_seed=9, convergence_rounds=4,
             convergence_trainings=("adam_fresh", "sgd"))


def _setting(small: bool, seeds: int | None, radii: tuple[float, ...] | None) -> dict:
    cfg = dict(SMALL if small else FULL)
    if seeds is not None:
        cfg["seeds"] = int(seeds)
    if radii is not None:
        cfg["radii"] = tuple(float(r) for r in radii)
    return cfg


class _World:
    """The fixed task and model, and one seed's fleet, initial model and positions."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.task = plate_task(np.random.default_rng(cfg["task_seed"]), **cfg["task"])
        self.model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
        self.period = angle_periods(self.model)

    def seed(self, seed: int, radius: float, rounds: int) -> dict:
        s = seed_streams(seed)
        n = self.cfg["n_vehicles"]
        return dict(clients=self.task.clients(n, s["partition"]), init=self.model.init_params(s["init"]),
                    distances=disk_distances(n, radius, s["distances"], rounds), run=s["run"])

    def federate(self, seed: int, scheme: str, training: LocalTraining, *, radius: float | None, rounds: int):
        """One run; ``radius=None``: FedAvg over a perfect uplink (channel=None)."""
        w = self.seed(seed, 1.0 if radius is None else radius, rounds)
        extra = {"base_mask": base_mask(self.model, 1)} if scheme == "dqfl" else {}
        return run_federated(self.model, w["clients"], self.task.test_set, None if radius is None else Channel(),
                             scheme, rounds, initial_params=w["init"], rng=w["run"], training=training,
                             distances=None if radius is None else w["distances"],
                             power_split=self.cfg["power_split"], period=self.period, **extra)

    def centralise(self, seed: int, training: LocalTraining, rounds: int):
        w = self.seed(seed, 1.0, rounds)
        return centralised_reference(self.model, w["clients"], self.task.test_set, rounds,
                                     initial_params=w["init"], rng=w["run"], training=training)


def _final(history, last: int, exit: int = -1) -> float:
    return float(history.accuracy[-last:, exit].mean())


def _pair(a, b) -> dict:
    return paired_difference(np.asarray(a), np.asarray(b)).as_dict()


def _qfl_vs_dqfl(world: _World, cfg: dict, seeds: list[int]) -> dict:
    out = {}
    for name, training in TRAININGS.items():
        for radius in cfg["radii"]:
            runs = {s: [world.federate(k, s, training, radius=radius, rounds=cfg["rounds"]) for k in seeds]
                    for s in ("qfl", "dqfl")}
            block = {"a": "qfl", "b": "dqfl"}
            for label, exit in (("deepest_exit", -1), ("first_exit", 0)):
                a = [_final(h, cfg["last"], exit) for h in runs["qfl"]]
                b = [_final(h, cfg["last"], exit) for h in runs["dqfl"]]
                block[label] = {"qfl": a, "dqfl": b, "dqfl_minus_qfl": _pair(a, b)}
            block["silent_rounds"] = {s: [float((~h.updated).mean()) for h in hs] for s, hs in runs.items()}
            out[f"{name}/R={radius:.0f}m"] = block
    return out


def _fedavg_vs_centralised(world: _World, cfg: dict, seeds: list[int]) -> dict:
    out = {}
    for name, training in TRAININGS.items():
        fed = [world.federate(k, "qfl", training, radius=None, rounds=cfg["rounds"]) for k in seeds]
        cen = [world.centralise(k, training, cfg["rounds"]) for k in seeds]
        a, b = [_final(h, cfg["last"]) for h in fed], [_final(h, cfg["last"]) for h in cen]
        out[name] = {"a": "fedavg_perfect_uplink", "b": "centralised", "steps_per_round": cen[0].steps_per_round,
                     "fedavg_perfect_uplink": a, "centralised": b, "centralised_minus_fedavg": _pair(a, b)}
    return out


def _convergence(world: _World, cfg: dict, seeds: list[int]) -> dict:
    rounds, out, finals = cfg["convergence_rounds"], {}, {}
    for name in cfg["convergence_trainings"]:
        training = TRAININGS[name]
        fed = [world.federate(k, "qfl", training, radius=None, rounds=rounds) for k in seeds]
        cen = [world.centralise(k, training, rounds) for k in seeds]
        curves = {"fedavg_perfect_uplink": np.array([h.accuracy[:, -1] for h in fed]),
                  "centralised": np.array([h.accuracy[:, -1] for h in cen])}
        finals[name] = {arm: [float(v) for v in c[:, -cfg["last"]:].mean(axis=1)] for arm, c in curves.items()}
        out[name] = {"mean_curve_deepest_exit": {arm: [float(v) for v in c.mean(axis=0)] for arm, c in curves.items()},
                     "final": finals[name],
                     "centralised_minus_fedavg": _pair(finals[name]["fedavg_perfect_uplink"],
                                                       finals[name]["centralised"])}
    first, second = cfg["convergence_trainings"][:2]
    out[f"{second}_minus_{first}"] = {arm: _pair(finals[first][arm], finals[second][arm])
                                      for arm in ("fedavg_perfect_uplink", "centralised")}
    return out


def run_comparison(name: str, *, small: bool = False, seeds: int | None = None,
                   radii: tuple[float, ...] | None = None) -> dict:
    """Run one named comparison; return the results (config, per-seed values, paired differences)."""
    if name not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}, got {name!r}")
    cfg = _setting(small, seeds, radii)
    world = _World(cfg)
    seed_list = list(range(cfg["seeds"]))
    body = {"qfl_vs_dqfl": _qfl_vs_dqfl, "fedavg_vs_centralised": _fedavg_vs_centralised,
            "convergence": _convergence}[name](world, cfg, seed_list)
    config = dict(cfg, comparison=name, small=small, seed_list=seed_list,
                  trainings={k: dataclasses.asdict(v) for k, v in TRAININGS.items()},
                  model="DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)", metric="top-1 accuracy, mean of "
                  "the last `last` rounds; paired differences b - a with a 95 % Student-t interval")
    return {"config": config, "results": body}


def write_results(results: dict, path: str | Path) -> Path:
    """Write the results as JSON (sorted keys, so the same results give the same bytes)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return path


def plot_convergence(results: dict, path: str | Path) -> None:
    """Mean accuracy (deepest exit) against rounds: FedAvg (perfect uplink) and centralised, per regime."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    regimes = [k for k in results["results"] if "mean_curve_deepest_exit" in results["results"][k]]
    for i, name in enumerate(regimes):
        for arm, style in (("fedavg_perfect_uplink", "-"), ("centralised", "--")):
            curve = results["results"][name]["mean_curve_deepest_exit"][arm]
            ax.plot(np.arange(len(curve)), curve, style, color=f"C{i}", label=f"{name}: {arm.replace('_', ' ')}")
    ax.axhline(0.25, color="grey", linewidth=0.8, linestyle=":", label="chance")
    ax.set_xlabel("round (centralised: round-equivalent of gradient steps)")
    ax.set_ylabel("top-1 accuracy, deepest exit")
    ax.set_title(f"Mean over {results['config']['seeds']} seeds")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("comparison", choices=COMPARISONS)
    parser.add_argument("output", help="path of the JSON results file")
    parser.add_argument("--small", action="store_true", help="a tiny setting that runs in seconds")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 10, small 3)")
    parser.add_argument("--radii", type=float, nargs="+", default=None, help="qfl_vs_dqfl: cell radii (m)")
    parser.add_argument("--figure", default=None, help="convergence only: PNG of accuracy against rounds")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    results = run_comparison(args.comparison, small=args.small, seeds=args.seeds, radii=args.radii)
    print(f"wrote {write_results(results, args.output)} in {time.perf_counter() - t0:.1f} s")
    if args.figure and args.comparison == "convergence":
        plot_convergence(results, args.figure)
    for key, block in results["results"].items():
        for label, value in _intervals(block):
            print(f"{key:28s} {label:34s} {value['mean']:+.3f} [{value['low']:+.3f}, {value['high']:+.3f}]"
                  f"  ({value['verdict']})")


def _intervals(block: dict, prefix: str = ""):
    """Every paired difference in a results block, with its dotted name."""
    for k, v in block.items():
        if isinstance(v, dict) and "half_width" in v:
            yield prefix + k, v
        elif isinstance(v, dict):
            yield from _intervals(v, f"{prefix}{k}.")


if __name__ == "__main__":
    main()

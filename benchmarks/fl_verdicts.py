"""Paired-seed verdicts of chapter 12's comparisons (issue 12, items 1-2), written to JSON files.

Every comparison runs both arms on the same seeds; one seed fixes the data partition, the initial
model, the vehicles' positions, the fades and the minibatch order
(:func:`qkit.fl.verdicts.seed_streams`), so each seed gives one paired difference ``b - a`` and the
file reports its mean and 95 % Student-t interval (:func:`qkit.fl.verdicts.paired_difference`).
Accuracy is top-1 on the held-out plates, averaged over the last ``last`` rounds of each run.

The setting is notebook 12's: 4-qubit 3-layer dynamic QNN, plate task ``"0123"`` (task seed 9),
10 vehicles, the uplink of :class:`qkit.fl.channel.Channel`, power split 0.8 and a one-layer base
unless varied. Local training: ``course`` is :data:`qkit.fl.clients.COURSE_TRAINING` (the headline);
``adam_fresh``, ``momentum`` and ``3_epochs`` are the sensitivity arms (the local optimiser and the
number of local epochs).

Comparisons
-----------
``schemes``
    DQFL - QFL at the deepest and the first exit, and in the fraction of silent rounds (rounds in
    which no update arrived), at each cell radius, 20 rounds, for every training arm; within each
    scheme deepest - first exit. For ``course`` also the other models of the chapter (the paper's
    44-parameter QNN sent whole, MLPs of 94 and 292 parameters) against the DQNN schemes.
``lambda_boundary``
    DQFL at 1000 m with power splits 0.6, 0.75, 0.9 and a base of one or two layers, every
    training arm: lambda against lambda (one-layer base) and two layers against one (same lambda).
``convergence``
    ``course`` over 100 rounds: FedAvg over a perfect uplink (``channel=None``), centralised
    training on the pooled data with the same gradient steps
    (:func:`qkit.fl.reference.centralised_reference`), QFL and DQFL at each radius: mean curves per
    exit, and the verdicts at round 20 and 100 (the plateau: last 10 rounds against the 10 before).

Run from the repository root (``--small``: a tiny setting that runs in seconds, used by the tests)::

    python benchmarks/fl_verdicts.py schemes benchmarks/results/fl_verdicts/schemes.json
    python benchmarks/fl_verdicts.py convergence out.json --small
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import time

import numpy as np

from qkit.fl.channel import Channel
from qkit.fl.clients import COURSE_TRAINING, LocalTraining, angle_periods, base_mask, disk_distances
from qkit.fl.partition import plate_task
from qkit.fl.reference import centralised_reference
from qkit.fl.rounds import run_federated
from qkit.fl.verdicts import SENSITIVITY_TRAININGS, iter_intervals, paired_difference, seed_streams, write_results
from qkit.qnn import QNN, DynamicQNN
from qkit.qnn.classical import MLP

COMPARISONS = ("schemes", "lambda_boundary", "convergence")

TRAININGS = SENSITIVITY_TRAININGS

FULL = dict(seeds=10, n_vehicles=10, rounds=20, last=5, radii=(250.0, 600.0, 1000.0), power_split=0.8,
            sensitivity_radii=(250.0, 1000.0), sweep_radius=1000.0, lambdas=(0.6, 0.75, 0.9), boundaries=(1, 2),
            task=dict(), task_seed=9, convergence_rounds=100, convergence_radii=(1000.0,), plateau_window=10,
            trainings=tuple(TRAININGS), other_models=("paper_qnn", "mlp_94", "mlp_292"))
SMALL = dict(seeds=3, n_vehicles=3, rounds=3, last=2, radii=(1000.0,), power_split=0.8,
             sensitivity_radii=(1000.0,), sweep_radius=1000.0, lambdas=(0.6, 0.9), boundaries=(1, 2),
             task=dict(samples_per_vehicle=8, n_public=100, n_test=40), task_seed=9, convergence_rounds=5,
             convergence_radii=(1000.0,), plateau_window=2, trainings=("course", "adam_fresh"),
             other_models=("paper_qnn", "mlp_94"))

MODELS = {"dqnn": lambda: DynamicQNN(n_qubits=4, n_layers=3, n_classes=4),
          "paper_qnn": lambda: QNN(n_qubits=4, n_layers=3, n_classes=4),
          "mlp_94": lambda: MLP(4, 4, hidden=(10,)), "mlp_292": lambda: MLP(4, 4, hidden=(32,))}


_WORKER: dict = {}                               # a worker process's world (built once per config)


class _World:
    """The fixed task and models, and one seed's fleet, initial model and positions."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.task = plate_task(np.random.default_rng(cfg["task_seed"]), **cfg["task"])
        self.models = {k: make() for k, make in MODELS.items()}
        self.cache: dict = {}

    def federate(self, seed: int, model: str, scheme: str, training: LocalTraining, *, radius: float | None,
                 rounds: int, power_split: float | None = None, boundary: int = 1):
        """One run; ``radius=None``: FedAvg over a perfect uplink (channel=None)."""
        power_split = self.cfg["power_split"] if power_split is None else power_split
        key = (seed, model, scheme, training, radius, rounds, power_split, boundary)
        if key in self.cache:                    # computed ahead by worker processes (:func:`_prefetch`)
            return self.cache.pop(key)
        net, s, n = self.models[model], seed_streams(seed), self.cfg["n_vehicles"]
        extra = {"base_mask": base_mask(net, boundary)} if scheme == "dqfl" else {}
        return run_federated(net, self.task.clients(n, s["partition"]), self.task.test_set,
                             None if radius is None else Channel(), scheme, rounds,
                             initial_params=net.init_params(s["init"]), rng=s["run"], training=training,
                             distances=None if radius is None else disk_distances(n, radius, s["distances"], rounds),
                             power_split=power_split,
                             period=angle_periods(net), engine="loop" if scheme == "classical" else "batched",
                             **extra)

    def centralise(self, seed: int, training: LocalTraining, rounds: int):
        net, s = self.models["dqnn"], seed_streams(seed)
        return centralised_reference(net, self.task.clients(self.cfg["n_vehicles"], s["partition"]),
                                     self.task.test_set, rounds, initial_params=net.init_params(s["init"]),
                                     rng=s["run"], training=training)


def _progress(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} done: {text}", flush=True)


def _final(history, last: int, exit: int = -1) -> float:
    return float(history.accuracy[-last:, exit].mean())


def _pair(a, b) -> dict:
    return paired_difference(np.asarray(a), np.asarray(b)).as_dict()


def _summary(histories, last: int) -> dict:
    """Per-seed accuracy at every exit (mean of the last rounds) and fraction of silent rounds."""
    n_exits = histories[0].accuracy.shape[1]
    return {"accuracy": [[_final(h, last, e) for h in histories] for e in range(n_exits)],
            "silent_rounds": [float((~h.updated).mean()) for h in histories],
            "arrival_rate": [[float(v) for v in h.arrival_rate()] for h in histories]}


def _calls(name: str, cfg: dict, seeds: list[int]) -> list[tuple]:
    """Every federated run a comparison makes, as ``_World.federate`` arguments (for :func:`_prefetch`)."""
    rounds, out = cfg["rounds"], []
    if name == "schemes":
        for arm in cfg["trainings"]:
            for radius in cfg["radii"] if arm == "course" else cfg["sensitivity_radii"]:
                out += [(k, "dqnn", s, TRAININGS[arm], radius, rounds, None, 1) for s in ("qfl", "dqfl") for k in seeds]
                if arm == "course":
                    out += [(k, m, "qfl" if m == "paper_qnn" else "classical", COURSE_TRAINING, radius, rounds, None, 1)
                            for m in cfg["other_models"] for k in seeds]
    elif name == "lambda_boundary":
        out += [(k, "dqnn", "dqfl", COURSE_TRAINING, cfg["sweep_radius"], rounds, lam, b)
                for b in cfg["boundaries"] for lam in cfg["lambdas"] for k in seeds]
    return out


def _federate_task(cfg: dict, call: tuple):
    """One ``_World.federate`` call in a worker process."""
    if _WORKER.get("cfg") != cfg:
        _WORKER.update(cfg=cfg, world=_World(cfg))
    seed, model, scheme, training, radius, rounds, power_split, boundary = call
    return _WORKER["world"].federate(seed, model, scheme, training, radius=radius, rounds=rounds,
                                     power_split=power_split, boundary=boundary)


def _prefetch(world: _World, calls: list[tuple], workers: int) -> None:
    """Run ``calls`` in ``workers`` processes into ``world.cache`` (each run is seeded: same numbers)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        histories = list(pool.map(_federate_task, [world.cfg] * len(calls), calls))
    for (seed, model, scheme, training, radius, rounds, power_split, boundary), h in zip(calls, histories):
        split = world.cfg["power_split"] if power_split is None else power_split
        world.cache[seed, model, scheme, training, radius, rounds, split, boundary] = h


def _schemes(world: _World, cfg: dict, seeds: list[int]) -> dict:
    out, last = {}, cfg["last"]
    for name in cfg["trainings"]:
        training = TRAININGS[name]
        for radius in cfg["radii"] if name == "course" else cfg["sensitivity_radii"]:
            runs = {s: _summary([world.federate(k, "dqnn", s, training, radius=radius, rounds=cfg["rounds"])
                                 for k in seeds], last) for s in ("qfl", "dqfl")}
            q, d = runs["qfl"], runs["dqfl"]
            block = {"a": "qfl", "b": "dqfl", "runs": runs, "dqfl_minus_qfl": {
                "deepest_exit": _pair(q["accuracy"][-1], d["accuracy"][-1]),
                "first_exit": _pair(q["accuracy"][0], d["accuracy"][0]),
                "silent_rounds": _pair(q["silent_rounds"], d["silent_rounds"])},
                "deepest_minus_first_exit": {s: _pair(r["accuracy"][0], r["accuracy"][-1]) for s, r in runs.items()}}
            if name == "course":
                block["other_models"] = _other_models(world, cfg, seeds, radius, runs)
            out[f"{name}/R={radius:.0f}m"] = block
            _progress(f"schemes {name} R={radius:.0f} m")
    return out


def _other_models(world: _World, cfg: dict, seeds: list[int], radius: float, dqnn: dict) -> dict:
    """The chapter's other models at one radius (course training), against the DQNN schemes' deepest exit."""
    runs, vs = {}, {}
    for model in cfg["other_models"]:
        scheme = "qfl" if model == "paper_qnn" else "classical"
        runs[model] = _summary([world.federate(k, model, scheme, COURSE_TRAINING, radius=radius,
                                               rounds=cfg["rounds"]) for k in seeds], cfg["last"])
        vs[model] = {f"{model}_minus_{s}": _pair(dqnn[s]["accuracy"][-1], runs[model]["accuracy"][-1])
                     for s in ("qfl", "dqfl")}
    return {"runs": runs, "versus_dqnn_deepest_exit": vs}


def _lambda_boundary(world: _World, cfg: dict, seeds: list[int]) -> dict:
    out, last, radius = {}, cfg["last"], cfg["sweep_radius"]
    for name in ("course",):
        runs = {f"boundary={b}/lambda={lam}": _summary(
            [world.federate(k, "dqnn", "dqfl", TRAININGS[name], radius=radius, rounds=cfg["rounds"],
                            power_split=lam, boundary=b) for k in seeds], last)
            for b in cfg["boundaries"] for lam in cfg["lambdas"]}
        lam_pairs, exits = {}, (("first_exit", 0), ("deepest_exit", -1))
        lams = cfg["lambdas"]
        for i, lo in enumerate(lams):
            for hi in lams[i + 1:]:
                a, b = runs[f"boundary=1/lambda={lo}"], runs[f"boundary=1/lambda={hi}"]
                lam_pairs[f"lambda={hi}_minus_lambda={lo}"] = {e: _pair(a["accuracy"][i_], b["accuracy"][i_])
                                                               for e, i_ in exits}
        b1, b2 = cfg["boundaries"][:2]
        bound = {f"lambda={lam}": {e: _pair(runs[f"boundary={b1}/lambda={lam}"]["accuracy"][i_],
                                            runs[f"boundary={b2}/lambda={lam}"]["accuracy"][i_]) for e, i_ in exits}
                 for lam in lams}
        _progress(f"lambda_boundary {name}")
        out[name] = {"runs": runs, "one_layer_base": lam_pairs, f"boundary_{b2}_minus_{b1}": bound}
    return out


def _curves(acc: np.ndarray) -> dict:
    """Mean and sd over seeds of the accuracy curves ``acc`` (seeds, rounds + 1, exits), per exit."""
    return {"mean": acc.mean(axis=0).T.tolist(), "sd": acc.std(axis=0, ddof=1).T.tolist()}


def _convergence_run(cfg: dict, arm: str, seed: int) -> np.ndarray:
    """The accuracy array (rounds + 1, exits) of one arm and seed of ``convergence`` (a worker's task)."""
    if _WORKER.get("cfg") != cfg:
        _WORKER.update(cfg=cfg, world=_World(cfg))
    world, rounds = _WORKER["world"], cfg["convergence_rounds"]
    if arm == "centralised":
        return world.centralise(seed, COURSE_TRAINING, rounds).accuracy
    scheme, _, radius = arm.partition("/R=")
    return world.federate(seed, "dqnn", "qfl" if arm.startswith("fedavg") else scheme, COURSE_TRAINING,
                          radius=float(radius[:-1]) if radius else None, rounds=rounds).accuracy


def _convergence(world: _World, cfg: dict, seeds: list[int], workers: int = 1) -> dict:
    rounds, last, win, short = cfg["convergence_rounds"], cfg["last"], cfg["plateau_window"], cfg["rounds"]
    names = ["centralised", "fedavg_perfect_uplink"] + [f"{s}/R={r:.0f}m" for r in cfg["convergence_radii"]
                                                         for s in ("qfl", "dqfl")]
    tasks = [(cfg, arm, k) for arm in names for k in seeds]
    if workers > 1:                              # each (arm, seed) is independent: the same numbers either way
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_convergence_run, *zip(*tasks)))
    else:
        _WORKER.update(cfg=cfg, world=world)
        results = [_convergence_run(*t) for t in tasks]
    arms = {arm: np.array(results[i * len(seeds):(i + 1) * len(seeds)]) for i, arm in enumerate(names)}
    _progress("convergence runs")
    at = {}                                     # per arm, exit: per-seed means of rounds short-last+1 .. short etc.
    for arm, acc in arms.items():
        at[arm] = {"round_short": acc[:, short - last + 1:short + 1].mean(axis=1).T.tolist(),
                   "round_final": acc[:, -last:].mean(axis=1).T.tolist(),
                   "plateau_before": acc[:, -2 * win:-win].mean(axis=1).T.tolist(),
                   "plateau_last": acc[:, -win:].mean(axis=1).T.tolist()}
    verdicts = {}
    for when in ("round_short", "round_final"):
        v = {"centralised_minus_fedavg": _pair(at["fedavg_perfect_uplink"][when][-1], at["centralised"][when][-1])}
        for radius in cfg["convergence_radii"]:
            q, d = at[f"qfl/R={radius:.0f}m"][when], at[f"dqfl/R={radius:.0f}m"][when]
            v[f"R={radius:.0f}m"] = {"dqfl_minus_qfl_deepest": _pair(q[-1], d[-1]),
                                     "dqfl_minus_qfl_first": _pair(q[0], d[0]),
                                     "fedavg_minus_qfl_deepest": _pair(q[-1], at["fedavg_perfect_uplink"][when][-1]),
                                     "fedavg_minus_dqfl_deepest": _pair(d[-1], at["fedavg_perfect_uplink"][when][-1])}
        verdicts[when] = v
    verdicts["plateau_last_minus_before"] = {arm: _pair(a["plateau_before"][-1], a["plateau_last"][-1])
                                             for arm, a in at.items()}
    return {"curves": {arm: _curves(acc) for arm, acc in arms.items()}, "per_seed": at, "verdicts": verdicts}


def run_comparison(name: str, *, small: bool = False, seeds: int | None = None, workers: int = 1) -> dict:
    """Run one named comparison; return the results (config, per-seed values, paired differences)."""
    if name not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}, got {name!r}")
    cfg = dict(SMALL if small else FULL)
    if seeds is not None:
        cfg["seeds"] = int(seeds)
    world = _World(cfg)
    seed_list = list(range(cfg["seeds"]))
    if name == "convergence":
        body = _convergence(world, cfg, seed_list, workers)
    else:
        if workers > 1:
            _prefetch(world, _calls(name, cfg, seed_list), workers)
        body = {"schemes": _schemes, "lambda_boundary": _lambda_boundary}[name](world, cfg, seed_list)
    return {"config": config_of(name, small, cfg), "results": body}


def config_of(name: str, small: bool, cfg: dict | None = None) -> dict:
    """The ``config`` block a results file of this comparison and setting carries (JSON types)."""
    cfg = dict(SMALL if small else FULL) if cfg is None else cfg
    config = dict(cfg, comparison=name, small=small, seed_list=list(range(cfg["seeds"])),
                  training_arms={k: dataclasses.asdict(TRAININGS[k]) for k in cfg["trainings"]},
                  model="DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)", metric="top-1 accuracy, mean of "
                  "the last `last` rounds; paired differences b - a with a 95 % Student-t interval")
    return json.loads(json.dumps(config))


_intervals = iter_intervals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("comparison", choices=COMPARISONS)
    parser.add_argument("output", help="path of the JSON results file")
    parser.add_argument("--small", action="store_true", help="a tiny setting that runs in seconds")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 10, small 3)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (the same results)")
    args = parser.parse_args(argv)
    t0, load = time.perf_counter(), os.getloadavg()[0]
    results = run_comparison(args.comparison, small=args.small, seeds=args.seeds, workers=args.workers)
    wall = time.perf_counter() - t0
    results["run"] = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                      "wall_seconds": round(wall, 1), "load_at_start": round(load, 2),
                      "load_at_end": round(os.getloadavg()[0], 2),
                      "command": f"python benchmarks/fl_verdicts.py {args.comparison} {args.output}"
                                 + (" --small" if args.small else "")}
    print(f"wrote {write_results(results, args.output)} in {wall:.1f} s")
    for label, value in _intervals(results["results"]):
        print(f"{label:60s} {value['mean']:+.3f} [{value['low']:+.3f}, {value['high']:+.3f}]  ({value['verdict']})")


if __name__ == "__main__":
    main()

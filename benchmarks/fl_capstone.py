"""The capstone's city comparison (notebook 13, issue 12 items 1-2): QFL vs DQFL over >= 10 cities.

Each city (seed ``s``) is notebook 13's pipeline: a simulated public-safety fleet
(:func:`qkit.fl.scenario.simulate`, 20 vehicles, 25 rounds), plates sensed under each vehicle's
camera with its own label mix, each vehicle storing its latest 100 plates and training on a random
20 of them per round, FedAvg per block over the fading uplink. QFL and DQFL of one city are
**paired**: they share the city, the plates, the fade stream, the minibatch stream and the initial
model (the seeds are notebook 13's: city ``s``, label mix ``100 + s``, plates ``200 + s``,
initial model ``1000 + s``, run streams ``SeedSequence(s).spawn(2)``; so city 0 is the city
the notebook runs live). Local training is vectorised over the fleet
(:func:`qkit.fl.fleet_update.fleet_local_update`, equal to the loop of ``local_update`` to 1e-12).

Per regime and city the file stores the accuracy (mean of the last ``last`` rounds) at every exit
of: the ideal uplink (FedAvg over a perfect uplink: everything arrives), QFL and DQFL at each
transmit power, and centralised training on the city's pooled plates (every plate the fleet
captured in the run) with the same optimiser, batch size and number of gradient steps per round
(:func:`qkit.fl.reference.centralised_reference`; ``steps_per_round`` = the fleet's mean local
steps per round in the ideal run). Paired differences (mean and 95 % Student-t interval,
:func:`qkit.fl.verdicts.paired_difference`): DQFL - QFL at the deepest and the first exit, ideal
uplink minus each scheme at the deepest exit, centralised minus ideal uplink. The headline regime
is the course's (:data:`qkit.fl.clients.COURSE_TRAINING`); the sensitivity arms (fresh Adam,
SGD with persistent momentum, 3 local epochs) repeat DQFL - QFL at the deepest exit.

``city_curves``: per city, the accuracy after every round (round 0 = the initial model) at the first
and the deepest exit of QFL and DQFL at each power, course regime (the paired per-round
difference of notebook 13's figure).

``step_sizes``: how far the global model moves in a round, against how many QFL updates arrived
(the wrapped Euclidean norm of the change of the global vector, pooled over cities and powers,
the ideal uplink's rounds included), for the course regime: the check of the first edition's
"one update moves the model about as far as twenty".

Run from the repository root (``--small``: a tiny setting used by the tests)::

    python benchmarks/fl_capstone.py benchmarks/results/fl_capstone/fl_capstone.json
    python benchmarks/fl_capstone.py benchmarks/results/fl_capstone/fl_capstone_small.json --small
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from datetime import datetime, timezone

import numpy as np

from qkit.data.plates import make_plates
from qkit.fl.aggregate import _wrap, aggregate
from qkit.fl.channel import Channel
from qkit.fl.clients import ClientData, LocalTraining, angle_periods, base_mask
from qkit.fl.fleet_update import FleetOptimizerState, fleet_local_update
from qkit.fl.partition import dirichlet_class_probabilities, plate_task
from qkit.fl.reference import centralised_reference
from qkit.fl.rounds import draw_arrivals, evaluate, message_bits
from qkit.fl.scenario import Scenario, simulate
from qkit.fl.verdicts import SENSITIVITY_TRAININGS, iter_intervals, paired_difference, write_results
from qkit.qnn import DynamicQNN

TRAININGS = SENSITIVITY_TRAININGS

FULL = dict(cities=16, n_vehicles=20, rounds=25, last=5, powers=(23.0, 13.0), power_split=0.8, memory=100,
            budget=20, task=dict(), task_seed=0, trainings=tuple(TRAININGS))
SMALL = dict(cities=3, n_vehicles=4, rounds=3, last=2, powers=(13.0,), power_split=0.8, memory=20, budget=4,
             task=dict(samples_per_vehicle=8, n_public=100, n_test=40), task_seed=0,
             trainings=("course", "adam_fresh"))


class _City:
    """One seeded city of notebook 13: its trace, its plates (per round and vehicle), its label mix."""

    def __init__(self, cfg: dict, task, seed: int) -> None:
        scenario = Scenario(n_vehicles=cfg["n_vehicles"])
        self.trace = simulate(scenario, cfg["rounds"], np.random.default_rng(seed))
        mix = dirichlet_class_probabilities(scenario.n_vehicles, len(task.classes), 1.0,
                                            np.random.default_rng(100 + seed))
        rng = np.random.default_rng(200 + seed)
        self.captured = []
        for r in range(self.trace.n_rounds):
            cameras, row = self.trace.camera_conditions(r), []
            for k, n in enumerate(self.trace.captures[r]):
                if n == 0:
                    row.append(None)
                    continue
                images, labels = make_plates(int(n), task.classes, cameras[k], rng=rng,
                                             class_probabilities=mix[k])
                row.append((task.features(images), labels))
            self.captured.append(row)

    def pooled(self) -> list[ClientData]:
        """Every plate each vehicle captured in the run (the centralised reference's data)."""
        out = []
        for k in range(self.trace.scenario.n_vehicles):
            got = [row[k] for row in self.captured if row[k] is not None]
            if got:
                out.append(ClientData(np.concatenate([x for x, _ in got]), np.concatenate([y for _, y in got])))
        return out


class _Capstone:
    """The fixed task and model; one federated run of a city (notebook 13's ``public_safety_run``)."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.task = plate_task(np.random.default_rng(cfg["task_seed"]), **cfg["task"])
        self.model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
        self.period = angle_periods(self.model)

    def _batch(self, memory: list, rng: np.random.Generator) -> ClientData:
        X = np.concatenate([x for x, _ in memory])[-self.cfg["memory"]:]
        y = np.concatenate([y for _, y in memory])[-self.cfg["memory"]:]
        pick = rng.choice(y.size, size=min(self.cfg["budget"], y.size), replace=False)
        return ClientData(X[pick], y[pick])

    def run(self, city: _City, scheme: str, power: float | None, seed: int, training: LocalTraining) -> dict:
        """``power=None``: the ideal uplink (QFL, everything arrives)."""
        model, trace = self.model, city.trace
        rng_channel, rng_train = np.random.default_rng(seed).spawn(2)
        blocks = np.where(base_mask(model, 1), 0, 1) if scheme == "dqfl" else np.zeros(model.n_params, int)
        bits = message_bits(blocks)
        link = None if power is None else Channel(transmit_power_dbm=power).with_message_bits(
            *((bits[0], bits[1]) if scheme == "dqfl" else (bits[0] / 2, bits[0] / 2)))
        g = model.init_params(np.random.default_rng(1000 + seed))
        n = trace.scenario.n_vehicles
        state = FleetOptimizerState.zeros(training.optimizer, n, model.n_params)
        memory, steps, moves, n_arrived = [[] for _ in range(n)], 0, [], []
        accuracy = [evaluate(model, g, self.task.test_set)[0]]
        for r in range(trace.n_rounds):
            for k in range(n):
                if city.captured[r][k] is not None:
                    memory[k].append(city.captured[r][k])
            active = [k for k in range(n) if memory[k]]
            data = [self._batch(memory[k], rng_train) for k in active]
            steps += sum(training.epochs * -(-d.n_samples // min(training.batch_size, d.n_samples)) for d in data)
            rows = None if not training.persistent_state else FleetOptimizerState(
                state.optimizer, state.moment1[active], state.moment2[active], state.steps[active])
            trained, _, new = fleet_local_update(model, np.tile(g, (len(active), 1)), data, training, rng_train,
                                                 period=self.period, state=rows)
            if training.persistent_state:
                state.moment1[active], state.moment2[active], state.steps[active] = new.moment1, new.moment2, new.steps
            got = draw_arrivals(link, trace.distances[r, active], scheme, self.cfg["power_split"], rng_channel)
            server = aggregate(g, trained, [d.n_samples for d in data], got, blocks, period=self.period)
            moves.append(float(np.linalg.norm(_wrap(server.params - g, self.period))))
            n_arrived.append(int(got[:, 0].sum()))
            g = server.params
            accuracy.append(evaluate(model, g, self.task.test_set)[0])
        return dict(accuracy=np.array(accuracy), steps_per_round=steps / trace.n_rounds, moves=moves,
                    n_arrived=n_arrived)


def _final(acc: np.ndarray, last: int, exit: int) -> float:
    return float(acc[-last:, exit].mean())


def _pair(a, b) -> dict:
    return paired_difference(np.asarray(a), np.asarray(b)).as_dict()


def _regime(cap: _Capstone, cities: list[_City], training: LocalTraining, headline: bool) -> dict:
    cfg, last = cap.cfg, cap.cfg["last"]
    arms = [("ideal", "qfl", None)] * headline + [(f"{s}_{p:.0f}dBm", s, p) for p in cfg["powers"]
                                                 for s in ("qfl", "dqfl")]
    runs = {name: [cap.run(c, scheme, p, seed, training) for seed, c in enumerate(cities)]
            for name, scheme, p in arms}
    if not headline:  # a sensitivity arm: only the headline verdict, DQFL - QFL
        finals = {name: {f"exit_{e + 1}": [_final(h["accuracy"], last, e) for h in hs]
                         for e in range(hs[0]["accuracy"].shape[1])} for name, hs in runs.items()}
        return {"final": finals, "dqfl_minus_qfl": _verdicts(cfg, finals)}
    cen = [centralised_reference(cap.model, c.pooled(), cap.task.test_set, cfg["rounds"],
                                 initial_params=cap.model.init_params(np.random.default_rng(1000 + seed)),
                                 rng=np.random.default_rng(seed).spawn(2)[1], training=training,
                                 steps_per_round=max(1, round(h["steps_per_round"])))
           for seed, (c, h) in enumerate(zip(cities, runs["ideal"]))]
    curves = {name: np.array([h["accuracy"] for h in hs]) for name, hs in runs.items()}
    curves["centralised"] = np.array([h.accuracy for h in cen])
    finals = {name: {f"exit_{e + 1}": [_final(a, last, e) for a in c] for e in range(c.shape[2])}
              for name, c in curves.items()}
    deep = f"exit_{curves['ideal'].shape[2]}"
    out = {"final": finals, "dqfl_minus_qfl": _verdicts(cfg, finals), "ideal_minus": {},
           "steps_per_round": [float(h["steps_per_round"]) for h in runs["ideal"]]}
    for name in curves:
        if name not in ("ideal", "centralised"):
            out["ideal_minus"][name] = _pair(finals[name][deep], finals["ideal"][deep])
    out["centralised_minus_ideal"] = _pair(finals["ideal"][deep], finals["centralised"][deep])
    out["mean_curve_deepest_exit"] = {name: [float(v) for v in c[:, :, -1].mean(axis=0)] for name, c in curves.items()}
    out["city_curves"] = {name: {"exit_1": c[:, :, 0].tolist(), deep: c[:, :, -1].tolist()}
                          for name, c in curves.items() if name.startswith(("qfl_", "dqfl_"))}
    out["arrived_share"] = {name: float(np.mean([np.mean(h["n_arrived"]) for h in hs])) for name, hs in runs.items()}
    out["step_sizes"] = _step_sizes([h for name, hs in runs.items() if not name.startswith("dqfl") for h in hs])
    return out


def _verdicts(cfg: dict, finals: dict) -> dict:
    """DQFL - QFL at the deepest and the first exit, per power."""
    out = {}
    for p in cfg["powers"]:
        q, d = finals[f"qfl_{p:.0f}dBm"], finals[f"dqfl_{p:.0f}dBm"]
        deep = f"exit_{len(q)}"
        out[f"{p:.0f}dBm"] = {"deepest_exit": _pair(q[deep], d[deep]), "first_exit": _pair(q["exit_1"], d["exit_1"])}
    return out


def _step_sizes(histories: list[dict]) -> dict:
    """Mean wrapped step of the global model in the rounds with 1, 2-5, 6-12 and 13+ arrivals."""
    moves = np.concatenate([h["moves"] for h in histories])
    count = np.concatenate([h["n_arrived"] for h in histories])
    out = {}
    for label, lo, hi in (("1", 1, 1), ("2-5", 2, 5), ("6-12", 6, 12), ("13+", 13, 10**6)):
        sel = (count >= lo) & (count <= hi)
        out[label] = {"rounds": int(sel.sum()), "mean_step": float(moves[sel].mean()) if sel.any() else None}
    return out


def run_capstone(*, small: bool = False, cities: int | None = None) -> dict:
    """The whole comparison (config, per-city values, paired differences) for the full or small setting."""
    cfg = dict(SMALL if small else FULL)
    if cities is not None:
        cfg["cities"] = int(cities)
    cap = _Capstone(cfg)
    world = [_City(cfg, cap.task, seed) for seed in range(cfg["cities"])]
    body = {name: _regime(cap, world, TRAININGS[name], headline=(name == "course")) for name in cfg["trainings"]}
    config = dict(cfg, small=small, seed_list=list(range(cfg["cities"])),
                  training_regimes={k: dataclasses.asdict(TRAININGS[k]) for k in cfg["trainings"]},
                  model="DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)",
                  metric="top-1 accuracy on the held-out clear-day plates, mean of the last `last` rounds; "
                         "paired differences b - a with a 95 % Student-t interval")
    return {"config": config, "results": body}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="path of the JSON results file")
    parser.add_argument("--small", action="store_true", help="a tiny setting that runs in seconds")
    parser.add_argument("--cities", type=int, default=None, help="number of cities (default 16, small 3)")
    args = parser.parse_args(argv)
    t0, load = time.perf_counter(), os.getloadavg()[0]
    results = run_capstone(small=args.small, cities=args.cities)
    results["run"] = {"command": "python benchmarks/fl_capstone.py " + " ".join(argv or []),
                      "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                      "load_at_start": round(load, 2), "load_at_end": round(os.getloadavg()[0], 2),
                      "wall_s": round(time.perf_counter() - t0, 1)}
    print(f"wrote {write_results(results, args.output)} in {results['run']['wall_s']} s")
    for regime, block in results["results"].items():
        for label, v in _intervals(block):
            print(f"{regime:10s} {label:40s} {v['mean']:+.3f} [{v['low']:+.3f}, {v['high']:+.3f}]  ({v['verdict']})")


_intervals = iter_intervals


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

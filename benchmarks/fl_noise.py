"""Quantum noise in the federated loop (issue 12, item 3): QFL and DQFL at several noise levels.

The DQFL paper's reason for a dynamic QNN (Sec. III-C): every layer run on a noisy processor costs
fidelity, so the readout of a shallow exit can be better than that of the deepest. This script
trains notebook 12's setting (4-qubit 3-layer :class:`~qkit.qnn.DynamicQNN`, plate task
``"0123"``, 10 vehicles, 20 rounds, ``lambda = 0.8``, one-layer base, cell radii 250 and 1000 m,
``COURSE_TRAINING``, ``engine="batched"``) under :class:`~qkit.qnn.NoiseModel` at several
depolarising strengths ``p`` per layer, with a fixed readout error ``q``, and scores every exit
with a finite number of shots.

What "with noise" means here
----------------------------
* **Training** uses the models' ``loss_and_grad``: the *exact* noisy expectation values (every
  ``<Z>`` after ``k`` layers shrunk by ``(1 - p)**k (1 - 2q)``, the gradient shrunk alike). This is
  training with an unlimited shot budget on the noisy device; no shot noise enters the gradients.
  The trainable readout scale can partly undo the shrinking, the gradient of the deep layers is
  smaller at the same learning rate.
* **Evaluation** samples ``shots`` measurements per test plate and exit (multinomial counts from
  the noisy probabilities) with a seeded generator, ``default_rng([EVAL_SALT, seed, shots])``:
  the same shot stream for every scheme and noise level of one seed (common random numbers, so
  the paired differences do not carry independent sampling noise).
* Accuracy = mean over the global models of the last ``last`` rounds (as ``benchmarks/fl_verdicts.py``).

Arms per seed (one seed fixes partition, initial model, positions, fades: ``seed_streams``)
------------------------------------------------------------------------------------------
``qfl``, ``dqfl`` (one-layer base) at each radius and ``p``, ``dqfl_base2`` (two-layer base) at
the radii ``boundary_radii`` (the poor channel, where the boundary matters);
``fedavg_perfect_uplink`` (QFL over ``channel=None``) at each ``p``; and two noiseless references:
FedAvg over a perfect uplink and centralised training on the pooled data (same gradient steps),
both scored exactly.

Run from the repository root (``--small``: a tiny setting for the tests, seconds)::

    python benchmarks/fl_noise.py benchmarks/results/fl_noise/fl_noise.json
    python benchmarks/fl_noise.py benchmarks/results/fl_noise/fl_noise_small.json --small
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time

import numpy as np

from qkit.fl.channel import Channel
from qkit.fl.clients import COURSE_TRAINING, angle_periods, base_mask, disk_distances
from qkit.fl.partition import plate_task
from qkit.fl.reference import centralised_reference
from qkit.fl.rounds import run_federated
from qkit.fl.verdicts import iter_intervals, paired_difference, seed_streams, write_results
from qkit.qnn import DynamicQNN, NoiseModel

EVAL_SALT = 20_12_3
"""First entry of the evaluation generator's seed (keeps the shot stream apart from training)."""

SCHEMES = ("qfl", "dqfl", "dqfl_base2")
FULL = dict(seeds=10, n_vehicles=10, rounds=20, last=5, radii=(250.0, 1000.0), power_split=0.8,
            depolarizing=(0.0, 0.05, 0.1, 0.2, 0.3), boundary_radii=(1000.0,), readout_error=0.02, shots=(1000, 100),
            task=dict(), task_seed=9)
SMALL = dict(seeds=3, n_vehicles=3, rounds=3, last=2, radii=(1000.0,), power_split=0.8,
             depolarizing=(0.0, 0.2), boundary_radii=(1000.0,), readout_error=0.02, shots=(1000, 100),
             task=dict(samples_per_vehicle=8, n_public=100, n_test=40), task_seed=9)


def key(radius: float | None, p: float | None = None) -> str:
    """Block name, e.g. ``"R=1000m/p=0.05"`` (``radius=None``: perfect uplink)."""
    head = "perfect_uplink" if radius is None else f"R={radius:.0f}m"
    return head if p is None else f"{head}/p={p:.2f}"


class _World:
    """The fixed task and model; one seed's fleet, initial model, positions and run stream."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.task = plate_task(np.random.default_rng(cfg["task_seed"]), **cfg["task"])
        self.model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
        self.period = angle_periods(self.model)

    def noise(self, p: float, shots: int | None = None) -> NoiseModel:
        return NoiseModel(depolarizing=p, readout_error=self.cfg["readout_error"], shots=shots)

    def federate(self, seed: int, scheme: str, model: DynamicQNN, radius: float | None):
        """One run of ``scheme`` (``radius=None``: QFL over a perfect uplink)."""
        s, n, rounds = seed_streams(seed), self.cfg["n_vehicles"], self.cfg["rounds"]
        extra = {} if scheme == "qfl" else {"base_mask": base_mask(model, 2 if scheme == "dqfl_base2" else 1)}
        d = disk_distances(n, 1.0 if radius is None else radius, s["distances"], rounds)
        return run_federated(model, self.task.clients(n, s["partition"]), self.task.test_set,
                             None if radius is None else Channel(), "qfl" if scheme == "qfl" else "dqfl",
                             rounds, initial_params=model.init_params(s["init"]), rng=s["run"],
                             training=COURSE_TRAINING, distances=None if radius is None else d,
                             power_split=self.cfg["power_split"], period=self.period, engine="batched", **extra)

    def centralise(self, seed: int):
        s, n = seed_streams(seed), self.cfg["n_vehicles"]
        return centralised_reference(self.model, self.task.clients(n, s["partition"]), self.task.test_set,
                                     self.cfg["rounds"], initial_params=self.model.init_params(s["init"]),
                                     rng=s["run"], training=COURSE_TRAINING)

    def scored(self, history, seed: int, p: float) -> dict:
        """Per-exit accuracy of the last ``last`` global models: exact (noisy) and with each shot count."""
        last, X, y = self.cfg["last"], *self.task.test_set
        out = {"exact": [float(v) for v in history.accuracy[-last:].mean(axis=0)]}
        for shots in self.cfg["shots"]:
            noisy, rng = self.model.with_noise(self.noise(p, shots)), np.random.default_rng([EVAL_SALT, seed, shots])
            acc = np.mean([noisy.accuracy(g, X, y, rng=rng) for g in history.global_params[-last:]], axis=0)
            out[f"shots={shots}"] = [float(v) for v in acc]
        out["silent_rounds"] = float((~history.updated).mean())
        return out


def _runs(world: _World, seeds: list[int], progress: bool = False) -> dict:
    """Every arm's per-seed scores: ``runs[block][arm][metric] = [per seed]``."""
    cfg, runs = world.cfg, {}
    for p in cfg["depolarizing"]:
        model = world.model.with_noise(world.noise(p))
        for radius in (*cfg["radii"], None):
            arms = (SCHEMES if radius in cfg["boundary_radii"] else SCHEMES[:2]) if radius is not None \
                else ("fedavg_perfect_uplink",)
            block = runs.setdefault(key(radius, p), {})
            for arm in arms:
                per_seed = [world.scored(world.federate(k, "qfl" if radius is None else arm, model, radius), k, p)
                            for k in seeds]
                block[arm] = {m: [r[m] for r in per_seed] for m in per_seed[0]}
                if progress:
                    print(f"p={p:.2f} {key(radius)} {arm}: done", flush=True)
    ideal = [world.federate(k, "qfl", world.model, None) for k in seeds]
    cen = [world.centralise(k) for k in seeds]
    last = cfg["last"]
    runs["noiseless"] = {"fedavg_perfect_uplink": {"exact": [[float(v) for v in h.accuracy[-last:].mean(0)]
                                                             for h in ideal]},
                         "centralised": {"exact": [[float(v) for v in h.accuracy[-last:].mean(0)] for h in cen]}}
    return runs


def _pair(a, b) -> dict:
    return paired_difference(np.asarray(a, dtype=float), np.asarray(b, dtype=float)).as_dict()


def _column(values: list, exit: int) -> np.ndarray:
    return np.asarray(values, dtype=float)[:, exit]


def _verdicts(runs: dict, cfg: dict, metric: str) -> dict:
    """Paired differences ``b - a`` for one metric (e.g. ``"shots=1000"``), per radius and ``p``."""
    out = {}
    for radius in cfg["radii"]:
        ref = runs[key(radius, cfg["depolarizing"][0])]
        for p in cfg["depolarizing"]:
            blk, v = runs[key(radius, p)], {}
            qfl_deep = _column(blk["qfl"][metric], -1)
            for e in range(3):
                dq = _column(blk["dqfl"][metric], e)
                v[f"dqfl_exit{e + 1}_minus_qfl_deepest"] = _pair(qfl_deep, dq)
                if p != cfg["depolarizing"][0]:  # (DQFL - QFL at p) - (DQFL - QFL at the first p)
                    gain_0 = _column(ref["dqfl"][metric], e) - _column(ref["qfl"][metric], -1)
                    v[f"growth_of_dqfl_exit{e + 1}_advantage_vs_p0"] = _pair(gain_0, dq - qfl_deep)
                if "dqfl_base2" in blk:
                    v[f"base2_minus_base1_exit{e + 1}"] = _pair(dq, _column(blk["dqfl_base2"][metric], e))
            for arm in ("qfl", "dqfl"):
                deep = _column(blk[arm][metric], -1)
                for e in range(2):
                    v[f"{arm}_exit{e + 1}_minus_exit3"] = _pair(deep, _column(blk[arm][metric], e))
            out[key(radius, p)] = v
    return out


def run_noise(*, small: bool = False, seeds: int | None = None, progress: bool = False) -> dict:
    """Run every arm; return config, per-seed scores and paired verdicts (deterministic)."""
    cfg = dict(SMALL if small else FULL)
    if seeds is not None:
        cfg["seeds"] = int(seeds)
    world, seed_list = _World(cfg), list(range(cfg["seeds"]))
    runs = _runs(world, seed_list, progress)
    verdicts = {m: _verdicts(runs, cfg, m) for m in ("exact", *(f"shots={s}" for s in cfg["shots"]))}
    config = dict(cfg, small=small, seed_list=seed_list, schemes=SCHEMES, eval_salt=EVAL_SALT,
                  training=dataclasses.asdict(COURSE_TRAINING), engine="batched",
                  model="DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)",
                  metric="top-1 accuracy per exit (1, 2, 3 layers), mean over the global models of the last "
                         "`last` rounds; paired differences b - a with a 95 % Student-t interval")
    return json.loads(json.dumps({"config": config, "runs": runs, "verdicts": verdicts}))


intervals = iter_intervals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="path of the JSON results file")
    parser.add_argument("--small", action="store_true", help="a tiny setting that runs in seconds")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 10, small 3)")
    args = parser.parse_args(argv)
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    results = run_noise(small=args.small, seeds=args.seeds, progress=True)
    wall = time.perf_counter() - t0
    results["run"] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "wall_s": round(wall, 1),
                      "load_1min_start": round(load0, 2), "load_1min_end": round(os.getloadavg()[0], 2),
                      "command": "python benchmarks/fl_noise.py " + " ".join(argv if argv is not None
                                                                               else sys.argv[1:])}
    print(f"wrote {write_results(results, args.output)} in {wall:.1f} s")
    for name, value in intervals(results["verdicts"]["shots=1000"]):
        if "minus_qfl" in name or "exit3" in name:
            print(f"{name:58s} {value['mean']:+.3f} [{value['low']:+.3f}, {value['high']:+.3f}] ({value['verdict']})")


if __name__ == "__main__":
    main()

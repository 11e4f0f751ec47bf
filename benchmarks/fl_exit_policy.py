"""Choosing the exit (issue 12, item 4): an exit policy against fixed exits, over paired seeds.

Setting: chapter 12's (4-qubit 3-layer dynamic QNN, plate task ``"0123"``, 10 vehicles, DQFL with
lambda = 0.8 and a one-layer base, 20 rounds), trained with ``COURSE_TRAINING`` and
``engine="batched"``. The task's 400 held-out plates are split once (seeded by ``task_seed``)
into 200 **validation** plates, which the policy may look at, and 200 **test** plates, on which
every arm is scored (:func:`qkit.fl.exits.holdout_split` with ``default_rng(split_seed)``).

Arms, all read from the same run of each seed (so they are paired by construction):

``deepest`` / ``first``
    always the last / the first exit;
``validated``
    :func:`qkit.fl.exits.choose_exits` with ``rule="validated"``: the best validation accuracy
    among exits whose blocks arrived within ``max_staleness`` rounds (``validated_loss``: the
    lowest validation cross-entropy instead);
``channel``
    the deepest exit whose blocks arrived within ``max_staleness`` rounds (no validation data);
``oracle``
    the exit best on the test plates in hindsight, each round (an upper bound).

Score of an arm on one seed: test accuracy of the chosen exit, averaged over the last ``last``
rounds. Verdicts: mean paired differences with 95 % Student-t intervals
(:func:`qkit.fl.verdicts.paired_difference`), per cell radius and noise level: ideal
statevectors, and per-layer global depolarising noise ``p`` with ``shots`` measurements per
prediction (trained on the exact noisy loss; validation and test accuracies estimated from shots);
and ``strong_noise`` (p = 0.3) at its own radii, where chapter 12's section 7 finds a shallow exit ahead.
Sensitivity: the same at ``sensitivity_radius`` for the three other local-training regimes.

Run from the repository root (``--small``: a tiny setting that runs in seconds, used by the tests)::

    python benchmarks/fl_exit_policy.py benchmarks/results/fl_exit_policy/fl_exit_policy.json
    python benchmarks/fl_exit_policy.py benchmarks/results/fl_exit_policy/fl_exit_policy_small.json --small
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import numpy as np

from qkit.fl.channel import Channel
from qkit.fl.clients import LocalTraining, angle_periods, base_mask, disk_distances
from qkit.fl.exits import accuracy_of_choice, choose_exits, exit_blocks, exit_scores, holdout_split
from qkit.fl.partition import plate_task
from qkit.fl.rounds import run_federated
from qkit.fl.verdicts import SENSITIVITY_TRAININGS, paired_difference, seed_streams, write_results
from qkit.qnn import DynamicQNN, NoiseModel

# the sensitivity arms, with this file's name for Adam restarted every round
TRAININGS = {("fresh_adam" if k == "adam_fresh" else k): t for k, t in SENSITIVITY_TRAININGS.items()}
ARMS = ("deepest", "first", "validated", "validated_loss", "channel", "oracle")
PAIRS = (("deepest", "validated"), ("first", "validated"), ("validated", "oracle"), ("deepest", "channel"),
         ("deepest", "validated_loss"))

FULL = dict(seeds=10, n_vehicles=10, rounds=20, last=5, radii=(250.0, 600.0, 1000.0), power_split=0.8,
            boundary=1, task=dict(), task_seed=9, split_seed=12, n_validation=200, max_staleness=3,
            noise=dict(depolarizing=0.1, shots=1000), sensitivity_radius=1000.0,
            sensitivity=("fresh_adam", "momentum", "3_epochs"),
            strong_noise=dict(depolarizing=0.3, shots=1000, radii=(1000.0,)))
SMALL = dict(seeds=3, n_vehicles=3, rounds=4, last=2, radii=(1000.0,), power_split=0.8, boundary=1,
             task=dict(samples_per_vehicle=8, n_public=100, n_test=40), task_seed=9, split_seed=12, n_validation=20,
             max_staleness=1, noise=dict(depolarizing=0.1, shots=100), sensitivity_radius=1000.0,
             sensitivity=("3_epochs",), strong_noise=dict(depolarizing=0.3, shots=100, radii=(1000.0,)))


class _World:
    """The fixed task, its validation/test split and the model; one seed's runs."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.task = plate_task(np.random.default_rng(cfg["task_seed"]), **cfg["task"])
        self.validation, self.test = holdout_split(self.task.test_set, cfg["n_validation"],
                                                   np.random.default_rng(cfg["split_seed"]))
        self.model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
        self.mask = base_mask(self.model, cfg["boundary"])
        self.needs = exit_blocks(self.model, np.where(self.mask, 0, 1))
        self.period = angle_periods(self.model)

    def models(self, noise: dict | None) -> tuple:
        """(trained model, evaluated model): ideal (``noise=None``), or noisy (exact loss in training,
        ``noise["shots"]`` shots in scoring)."""
        if noise is None:
            return self.model, self.model
        n = noise
        return (self.model.with_noise(NoiseModel(depolarizing=n["depolarizing"])),
                self.model.with_noise(NoiseModel(depolarizing=n["depolarizing"], shots=n["shots"])))

    def run(self, seed: int, radius: float, training: LocalTraining, noise: dict | None) -> dict:
        """One DQFL run and each arm's test accuracy per round, shape (R + 1,)."""
        cfg, s = self.cfg, seed_streams(seed)
        n, rounds = cfg["n_vehicles"], cfg["rounds"]
        trained, scored = self.models(noise)
        h = run_federated(trained, self.task.clients(n, s["partition"]), self.test, Channel(), "dqfl", rounds,
                          initial_params=self.model.init_params(s["init"]), rng=s["run"], training=training,
                          distances=disk_distances(n, radius, s["distances"], rounds),
                          power_split=cfg["power_split"], base_mask=self.mask, period=self.period,
                          engine="batched")
        shots_val, shots_test = np.random.default_rng([seed, 12, 4]).spawn(2)  # the shots' own streams
        val_acc, val_loss = exit_scores(scored, h, self.validation, shots_val if noise else None)
        test_acc, _ = exit_scores(scored, h, self.test, shots_test if noise else None)
        k = cfg["max_staleness"]
        picks = {"validated": choose_exits(h, self.needs, scores=val_acc, max_staleness=k),
                 "validated_loss": choose_exits(h, self.needs, scores=val_loss, criterion="loss", max_staleness=k),
                 "channel": choose_exits(h, self.needs, rule="channel", max_staleness=k)}
        curves = {arm: accuracy_of_choice(test_acc, c) for arm, c in picks.items()}
        curves.update(deepest=test_acc[:, -1], first=test_acc[:, 0], oracle=test_acc.max(axis=1))
        return dict(curves=curves, picks=picks, enhancement_arrived=float(h.arrival_rate()[1]))


def _cell(world: _World, cfg: dict, radius: float, training: LocalTraining, noise: dict | None) -> dict:
    """Every arm's per-seed score, the paired differences and how often each exit was chosen."""
    last, n_exits = cfg["last"], world.model.n_exits
    runs = [world.run(seed, radius, training, noise) for seed in range(cfg["seeds"])]
    scores = {arm: [float(r["curves"][arm][-last:].mean()) for r in runs] for arm in ARMS}
    pairs = {f"{b}_minus_{a}": paired_difference(np.asarray(scores[a]), np.asarray(scores[b])).as_dict()
             for a, b in PAIRS}
    chosen = {rule: [float(np.mean([np.mean(r["picks"][rule][-last:] == e) for r in runs])) for e in range(n_exits)]
              for rule in ("validated", "validated_loss", "channel")}
    return {"per_seed": scores, "pairs": pairs, "exit_share_last_rounds": chosen,
            "mean_curves": {arm: [float(v) for v in np.mean([r["curves"][arm] for r in runs], axis=0)]
                            for arm in ARMS},
            "enhancement_arrival_rate": [r["enhancement_arrived"] for r in runs]}


def config_for(small: bool = False) -> dict:
    """The setting as written to the results file's ``config`` (JSON-plain: lists, not tuples)."""
    cfg = dict(SMALL if small else FULL)
    return _plain(dict(cfg, small=small, arms=ARMS, pairs=[f"{b}_minus_{a}" for a, b in PAIRS],
                       trainings={k: dataclasses.asdict(v) for k, v in TRAININGS.items()},
                       model="DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)", scheme="dqfl", engine="batched",
                       split="the task's held-out plates split by holdout_split(test_set, n_validation, "
                             "default_rng(split_seed)): n_validation for validation, the rest for the test",
                       metric="test accuracy of the chosen exit, mean of the last `last` rounds; paired "
                              "differences b - a with a 95 % Student-t interval"))


def run_policy_comparison(*, small: bool = False) -> dict:
    """The full (or ``small``) setting: config and, per cell, per-seed scores and paired differences."""
    cfg = dict(SMALL if small else FULL)
    world = _World(cfg)
    body = {}
    for noise, label in ((None, "ideal"), (cfg["noise"], "noisy")):
        for radius in cfg["radii"]:
            body[f"course/{label}/R={radius:.0f}m"] = _cell(world, cfg, radius, TRAININGS["course"], noise)
        for name in cfg["sensitivity"]:
            r = cfg["sensitivity_radius"]
            body[f"{name}/{label}/R={r:.0f}m"] = _cell(world, cfg, r, TRAININGS[name], noise)
    strong = cfg["strong_noise"]
    for radius in strong["radii"]:
        body[f"course/noisy_p{strong['depolarizing']}/R={radius:.0f}m"] = _cell(
            world, cfg, radius, TRAININGS["course"], dict(depolarizing=strong["depolarizing"], shots=strong["shots"]))
    return {"config": config_for(small), "results": body}


def _plain(value):
    """Tuples to lists, so a config read back from JSON compares equal."""
    return json.loads(json.dumps(value))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="path of the JSON results file")
    parser.add_argument("--small", action="store_true", help="a tiny setting that runs in seconds")
    args = parser.parse_args(argv)
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    results = run_policy_comparison(small=args.small)
    wall = time.perf_counter() - t0
    results["run"] = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "wall_s": round(wall, 1),
                      "load_1min_start_end": [round(load0, 2), round(os.getloadavg()[0], 2)],
                      "command": "python benchmarks/fl_exit_policy.py " + " ".join(argv if argv is not None
                                                                                   else os.sys.argv[1:])}
    print(f"wrote {write_results(results, args.output)} in {wall:.1f} s")
    for key, block in results["results"].items():
        for name, v in block["pairs"].items():
            print(f"{key:28s} {name:30s} {v['mean']:+.3f} [{v['low']:+.3f}, {v['high']:+.3f}]  ({v['verdict']})")


if __name__ == "__main__":
    main()

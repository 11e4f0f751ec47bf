"""Chapter 10's federated training, measured over paired seeds (issue 12, items 1, 2 and 6), as JSON.

The setting is notebook 10's: the plate task ``"0123"`` with 4 angle features
(``plate_task(default_rng(9), classes="0123", n_features=4, samples_per_vehicle=40)``), a 4-qubit
2-layer dynamic QNN, 10 vehicles, every update arriving (``run_federated(channel=None)``, FedAvg
with the circular mean for angles), ``engine="batched"`` wherever the model allows it. The local
solver is the course's, :data:`qkit.fl.clients.COURSE_TRAINING` (minibatch SGD, lr 0.3, B = 10,
E = 1). One seed fixes the partition, the initial model and the minibatch order
(:func:`qkit.fl.verdicts.seed_streams`, fresh streams for every run), so both arms of a comparison
see the same world; each verdict is the mean paired difference ``b - a`` with its 95 % Student-t
interval (:func:`qkit.fl.verdicts.paired_difference`). Accuracy is top-1 at the deepest exit on
the held-out set, averaged over the last ``last`` rounds (5).

Comparisons
-----------
``convergence``
    FedAvg (perfect uplink) and centralised training on the pooled data (same model, optimiser,
    batch size and number of gradient steps: :func:`qkit.fl.reference.centralised_reference`)
    over 100 rounds on the task's default fleet (Dirichlet alpha = 1, camera spread 0.3): every
    seed's curve, and centralised - FedAvg at the plateau.
``regime``
    the step-size sweep behind ``COURSE_TRAINING``: SGD lr 0.1, 0.3, 0.6 (B = 10, E = 1) and the
    first edition's fresh Adam (lr 0.05, B = 20), FedAvg over 60 rounds on the default fleet;
    accuracy after 20 and after 60 rounds, lr 0.3 minus each other regime.
``fedprox``
    FedProx (mu = 0.01, 0.1, 1) minus FedAvg (mu = 0) on notebook 10's label-skewed fleet
    (alpha = 0.1, no camera skew), 20 rounds: accuracy and held-out loss, for ``COURSE_TRAINING``
    and the sensitivity arms (fresh Adam, momentum 0.9 with persistent state, 3 local epochs).
``personalised``
    the personalised input layer (:class:`qkit.fl.clients.InputNormalisation`, ``x' = g x + s``
    per feature) kept on each vehicle minus the same layer averaged, and minus the plain DQNN,
    on a camera-skewed fleet (IID labels, camera spread 1), each vehicle scored on 40 held-out
    plates of its own camera; 6 vehicles (notebook 10's section 6 fleet), 12 rounds, the course's
    regime only.
``fedbn``
    FedBN as published (batch-normalisation input layer, statistics and affine parameters kept on
    each vehicle, :mod:`qkit.fl.batchnorm`) minus FedAvg of the same model (everything averaged)
    and minus the plain DQNN, same fleet, rounds and scoring as ``personalised``.
``fedbn_adam_fresh``, ``fedbn_momentum``, ``fedbn_3_epochs``
    ``fedbn`` for one sensitivity arm each (fresh Adam, momentum with persistent state, 3 epochs).

Run from the repository root (``--small``: a tiny setting that runs in seconds, used by the tests)::

    python benchmarks/fl_training.py convergence benchmarks/results/fl_training/convergence.json
    python benchmarks/fl_training.py fedprox out.json --small
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time

import numpy as np

from qkit.fl.clients import COURSE_TRAINING, InputNormalisation, LocalTraining, angle_periods
from qkit.fl.partition import plate_task
from qkit.fl.reference import centralised_reference
from qkit.fl.rounds import run_federated
from qkit.fl.verdicts import SENSITIVITY_TRAININGS, iter_intervals, paired_difference, seed_streams, write_results
from qkit.qnn import DynamicQNN

COMPARISONS = ("convergence", "regime", "fedprox", "personalised", "fedbn", "fedbn_adam_fresh", "fedbn_momentum",
               "fedbn_3_epochs")

SENSITIVITY = SENSITIVITY_TRAININGS
"""The headline regime and the sensitivity arms of common.md (same names in every results file)."""

SWEEP = {
    "sgd_lr0.1": dataclasses.replace(COURSE_TRAINING, learning_rate=0.1),
    "sgd_lr0.3": COURSE_TRAINING,
    "sgd_lr0.6": dataclasses.replace(COURSE_TRAINING, learning_rate=0.6),
    "adam_fresh": SENSITIVITY["adam_fresh"],
}

FULL = dict(seeds=10, n_vehicles=10, last=5, task_seed=9, n_layers=2,
            task=dict(classes="0123", n_features=4, samples_per_vehicle=40),
            convergence_rounds=100, regime_rounds=60, regime_early=20, rounds=20, mus=(0.01, 0.1, 1.0),
            skew_alpha=0.1, camera_spread=1.0, held_out=40)
SMALL = dict(seeds=3, n_vehicles=3, last=2, task_seed=9, n_layers=2,
             task=dict(classes="0123", n_features=4, samples_per_vehicle=8, n_public=100, n_test=40),
             convergence_rounds=4, regime_rounds=4, regime_early=2, rounds=3, mus=(0.1, 1.0),
             skew_alpha=0.1, camera_spread=1.0, held_out=5)
LAYER_FULL = dict(layer_vehicles=6, layer_rounds=12)
LAYER_SMALL = dict(layer_vehicles=3, layer_rounds=3)
"""Fleet size and rounds of the input-layer comparisons (``personalised``, ``fedbn*``): loop engine."""
_LAYERED = ("personalised", "fedbn", "fedbn_adam_fresh", "fedbn_momentum", "fedbn_3_epochs")


class _World:
    """The fixed task and model; one seed's fleet and initial model (fresh streams on every call)."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.task = plate_task(np.random.default_rng(cfg["task_seed"]), **cfg["task"])
        self.model = DynamicQNN(n_qubits=cfg["task"]["n_features"], n_layers=cfg["n_layers"], n_classes=4)

    def fleet(self, seed: int, n_vehicles: int | None = None, **skew):
        """Streams, clients (and per-vehicle test sets when ``held_out`` is given) of one seed."""
        s = seed_streams(seed)
        return s, self.task.clients(n_vehicles or self.cfg["n_vehicles"], s["partition"], **skew)

    def federate(self, seed: int, training: LocalTraining, rounds: int, *, model=None, local: bool = False,
                 **skew):
        """FedAvg over a perfect uplink; ``local``: keep ``model.local_mask()`` on the vehicles."""
        model = self.model if model is None else model
        s, fleet = self.fleet(seed, **skew)
        clients, test = fleet if "held_out" in skew else (fleet, self.task.test_set)
        engine = "batched" if isinstance(model, DynamicQNN) else "loop"
        extra = {"local_mask": model.local_mask()} if local else {}
        return run_federated(model, clients, test, None, "qfl", rounds, initial_params=model.init_params(s["init"]),
                             rng=s["run"], training=training, period=angle_periods(model), engine=engine, **extra)

    def centralise(self, seed: int, training: LocalTraining, rounds: int):
        """Centralised training on the seed's pooled fleet, same steps and initial model."""
        s, clients = self.fleet(seed)
        return centralised_reference(self.model, clients, self.task.test_set, rounds,
                                     initial_params=self.model.init_params(s["init"]), rng=s["run"],
                                     training=training)


def _tail(curve, last: int) -> float:
    return float(np.mean(curve[-last:]))


def _pair(a, b) -> dict:
    return paired_difference(np.asarray(a), np.asarray(b)).as_dict()


def _curves(world: _World, seeds: list[int], training: LocalTraining, rounds: int) -> dict:
    """Per-seed deepest-exit accuracy curves (rounds + 1 values each) of FedAvg and centralised."""
    fed = [world.federate(k, training, rounds).accuracy[:, -1] for k in seeds]
    cen = [world.centralise(k, training, rounds).accuracy[:, -1] for k in seeds]
    return {"fedavg_perfect_uplink": [[float(v) for v in c] for c in fed],
            "centralised": [[float(v) for v in c] for c in cen]}


def _convergence(world: _World, cfg: dict, seeds: list[int]) -> dict:
    curves = _curves(world, seeds, COURSE_TRAINING, cfg["convergence_rounds"])
    final = {arm: [_tail(c, cfg["last"]) for c in cs] for arm, cs in curves.items()}
    return {"curves_deepest_exit": curves, "final": final,
            "centralised_minus_fedavg": _pair(final["fedavg_perfect_uplink"], final["centralised"])}


def _regime(world: _World, cfg: dict, seeds: list[int]) -> dict:
    out, early, late = {}, f"after_{cfg['regime_early']}", f"after_{cfg['regime_rounds']}"
    for name, training in SWEEP.items():
        curves = np.array([world.federate(k, training, cfg["regime_rounds"]).accuracy[:, -1] for k in seeds])
        out[name] = {"mean_curve_deepest_exit": [float(v) for v in curves.mean(axis=0)],
                     early: [_tail(c[:cfg["regime_early"] + 1], cfg["last"]) for c in curves],
                     late: [_tail(c, cfg["last"]) for c in curves]}
    out["course_minus_other"] = {f"{name}/{when}": _pair(out[name][when], out["sgd_lr0.3"][when])
                                 for name in SWEEP if name != "sgd_lr0.3" for when in (early, late)}
    return out


def _fedprox(world: _World, cfg: dict, seeds: list[int]) -> dict:
    out, skew = {}, dict(alpha=cfg["skew_alpha"], camera_spread=0.0)
    for name, training in SENSITIVITY.items():
        arms = {}
        for mu in (0.0, *cfg["mus"]):
            runs = [world.federate(k, dataclasses.replace(training, proximal_mu=mu), cfg["rounds"], **skew)
                    for k in seeds]
            arms[f"mu={mu:g}"] = {"accuracy": [_tail(h.accuracy[:, -1], cfg["last"]) for h in runs],
                                  "test_loss": [_tail(h.test_loss, cfg["last"]) for h in runs]}
        base = arms["mu=0"]
        out[name] = {"arms": arms, "fedprox_minus_fedavg": {
            key: {m: _pair(base[m], arm[m]) for m in ("accuracy", "test_loss")}
            for key, arm in arms.items() if key != "mu=0"}}
    return out


def _personal_arms(world: _World, cfg: dict, seeds: list[int], layered, local_label: str, shared_label: str,
                   regimes: tuple[str, ...]):
    """Plain DQNN, ``layered`` averaged, ``layered`` kept local: per regime, with the paired differences."""
    out, r = {}, cfg["layer_rounds"]
    skew = dict(alpha=np.inf, camera_spread=cfg["camera_spread"], held_out=cfg["held_out"],
                n_vehicles=cfg["layer_vehicles"])
    for name in regimes:
        training = SENSITIVITY[name]
        arms = {"plain_dqnn": [world.federate(k, training, r, **skew) for k in seeds],
                shared_label: [world.federate(k, training, r, model=layered, **skew) for k in seeds],
                local_label: [world.federate(k, training, r, model=layered, local=True, **skew) for k in seeds]}
        acc = {arm: [_tail(h.accuracy[:, -1], cfg["last"]) for h in hs] for arm, hs in arms.items()}
        out[name] = {"accuracy": acc,
                     f"{local_label}_minus_{shared_label}": _pair(acc[shared_label], acc[local_label]),
                     f"{local_label}_minus_plain_dqnn": _pair(acc["plain_dqnn"], acc[local_label])}
    return out


def _personalised(world: _World, cfg: dict, seeds: list[int]) -> dict:
    return _personal_arms(world, cfg, seeds, InputNormalisation(world.model), "local_layer", "shared_layer",
                          ("course",))


def _fedbn(regime: str):
    def run(world: _World, cfg: dict, seeds: list[int]) -> dict:
        from qkit.fl.batchnorm import BatchNormQNN  # FedBN as published

        return _personal_arms(world, cfg, seeds, BatchNormQNN(world.model), "fedbn", "fedavg_bn", (regime,))
    return run


def _settings(name: str, small: bool) -> dict:
    cfg = dict(SMALL if small else FULL)
    if name in _LAYERED:
        cfg.update(LAYER_SMALL if small else LAYER_FULL)
    return cfg


def full_config(name: str, small: bool = False) -> dict:
    """The configuration a results file of comparison ``name`` records (everything that decides it)."""
    if name not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}, got {name!r}")
    cfg = _settings(name, small)
    return dict(cfg, comparison=name, small=small, seed_list=list(range(cfg["seeds"])),
                model=f"DynamicQNN(n_qubits={cfg['task']['n_features']}, n_layers={cfg['n_layers']}, n_classes=4)",
                trainings={k: dataclasses.asdict(v) for k, v in {**SENSITIVITY, **SWEEP}.items()},
                metric="top-1 accuracy at the deepest exit (held-out loss: sum over exits), mean of the last "
                       "`last` rounds; paired differences b - a with a 95 % Student-t interval")


def run_comparison(name: str, *, small: bool = False) -> dict:
    """Run one named comparison; return ``{"config": ..., "results": ...}`` (JSON-ready)."""
    config = full_config(name, small)
    cfg = _settings(name, small)
    world = _World(cfg)
    body = {"convergence": _convergence, "regime": _regime, "fedprox": _fedprox, "personalised": _personalised,
            "fedbn": _fedbn("course"), **{f"fedbn_{r}": _fedbn(r) for r in ("adam_fresh", "momentum", "3_epochs")}}[name](world, cfg, config["seed_list"])
    return json.loads(json.dumps({"config": config, "results": body}))


intervals = iter_intervals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("comparison", choices=COMPARISONS)
    parser.add_argument("output", help="path of the JSON results file")
    parser.add_argument("--small", action="store_true", help="a tiny setting that runs in seconds")
    args = parser.parse_args(argv)
    t0, load = time.perf_counter(), os.getloadavg()[0]
    results = run_comparison(args.comparison, small=args.small)
    results["run"] = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "wall_s": round(time.perf_counter() - t0, 1),
                      "load_1min_start": round(load, 2), "load_1min_end": round(os.getloadavg()[0], 2),
                      "command": f"python benchmarks/fl_training.py {args.comparison} {args.output}"
                                 + (" --small" if args.small else "")}
    print(f"wrote {write_results(results, args.output)} in {results['run']['wall_s']} s")
    for label, value in intervals(results["results"]):
        print(f"{label:52s} {value['mean']:+.3f} [{value['low']:+.3f}, {value['high']:+.3f}]  ({value['verdict']})")


if __name__ == "__main__":
    main()

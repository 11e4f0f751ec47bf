"""Federated learning over the vehicular uplink: speed, scaling, and the QFL/DQFL comparison.

Three measurements, all in this one process (the machine may be shared: times are wall clock):

``speed``
    one DQFL run of the default task, 20 vehicles x 30 rounds, with the time of each stage
    (local training, uplink, aggregation, evaluation).
``scaling``
    the same round with 10, 100 and 1000 vehicles (a few rounds each): seconds per round, per
    vehicle-round, and where the time goes.
``compare``
    classical FL (an MLP of the DQNN's size and one three times larger) vs QFL (the DQNN, and the
    paper's smaller Rot + CNOT QNN) vs DQFL: top-1 accuracy at each exit for three cell radii
    (channel qualities) and five seeds, plus the power split lambda and the base/enhancement
    boundary at the poorest channel. The full version of the comparison notebook 12 runs small.

The default task: four plate characters ``"0123"``, 40 plates per vehicle with label skew
``Dir(alpha=1)`` and camera spread 0.3, features = 4 principal components of the plates scaled
to ``[0, pi]`` (fit on 2000 clear-day plates at the server), a 4-qubit, 3-layer dynamic QNN,
one local epoch of Adam (batch 20, step 0.05), vehicles uniform in a disk around the server.

Run from the repository root::

    python benchmarks/bench_fl.py                 # speed and scaling
    python benchmarks/bench_fl.py compare         # the comparison table (several minutes)
    python benchmarks/bench_fl.py --quick all     # a smoke test of everything
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from qkit.fl.channel import Channel
from qkit.fl.clients import ClientData, LocalTraining, angle_periods, base_mask
from qkit.fl.partition import PlateTask, plate_task
from qkit.fl.rounds import run_federated
from qkit.fl.clients import disk_distances
from qkit.qnn import QNN, DynamicQNN
from qkit.qnn.classical import MLP

TRAINING = LocalTraining(epochs=1, batch_size=20, learning_rate=0.05)
DQNN = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)


def default_task(rng: np.random.Generator) -> PlateTask:
    """The default task of the module docstring."""
    return plate_task(rng, classes="0123", n_features=4, alpha=1.0, camera_spread=0.3, samples_per_vehicle=40)


PAPER_QNN = QNN(n_qubits=4, n_layers=3, n_classes=4)
MLP_EQUAL = MLP(4, 4, hidden=(10,))   # 94 parameters, the DQNN's size
MLP_LARGE = MLP(4, 4, hidden=(32,))   # 292 parameters, three times the bits
SCHEMES = {"QFL (DQNN)": (DQNN, "qfl"), "QFL (paper's QNN)": (PAPER_QNN, "qfl"), "DQFL": (DQNN, "dqfl"),
           "classical (MLP 94)": (MLP_EQUAL, "classical"), "classical (MLP 292)": (MLP_LARGE, "classical")}


def one_run(task: PlateTask, model, clients, scheme, rounds, radius, seed, *, power_split=0.8,
            boundary=1, channel=Channel()):
    """One federated run on fresh vehicle positions; returns its FederatedHistory."""
    rng = np.random.default_rng(seed)
    d = disk_distances(len(clients), radius, rng, rounds)
    p0 = model.init_params(np.random.default_rng(1000 + seed))
    kw = dict(base_mask=base_mask(model, boundary)) if scheme == "dqfl" else {}
    return run_federated(model, clients, task.test_set, channel, scheme, rounds, initial_params=p0,
                         rng=rng, training=TRAINING, distances=d, power_split=power_split,
                         period=angle_periods(model), **kw)


def speed(quick: bool) -> None:
    k, rounds = (5, 3) if quick else (20, 30)
    task = default_task(np.random.default_rng(0))
    clients = task.clients(k, np.random.default_rng(1))
    t0 = time.perf_counter()
    h = one_run(task, DQNN, clients, "dqfl", rounds, 500.0, 0)
    total = time.perf_counter() - t0
    print(f"\nDQFL, {k} vehicles x {rounds} rounds, default task: {total:.2f} s "
          f"(budget 60 s); final accuracy per exit {np.round(h.accuracy[-1], 3)}")
    for phase, sec in h.timings.items():
        print(f"  {phase:15s} {sec:7.3f} s  ({100 * sec / total:5.1f} %)")


def scaling(quick: bool) -> None:
    sizes = (10, 100) if quick else (10, 100, 1000)
    rounds = 2 if quick else 3
    task = default_task(np.random.default_rng(0))
    print(f"\nscaling: DQFL, {rounds} rounds, 500 m cell")
    print(f"{'vehicles':>8} {'s/round':>9} {'ms/vehicle-round':>17}  where the time goes")
    base = None
    for k in sizes:
        clients = task.clients(k, np.random.default_rng(1))
        t0 = time.perf_counter()
        h = one_run(task, DQNN, clients, "dqfl", rounds, 500.0, 0)
        per_round = (time.perf_counter() - t0) / rounds
        base = base or per_round / k
        share = ", ".join(f"{p} {100 * s / sum(h.timings.values()):.1f}%" for p, s in h.timings.items())
        print(f"{k:8d} {per_round:9.3f} {1e3 * per_round / k:17.2f}  {share}")
    print("(time per vehicle-round falls as the fixed per-round evaluation is shared out, then "
          "stays flat: local training is one Python loop over vehicles)")


def _cells(acc: np.ndarray) -> str:
    return " ".join(f"{m:.3f}+-{sd:.3f}" for m, sd in zip(acc.mean(0), acc.std(0)))


def compare(quick: bool) -> None:
    k, rounds, seeds = (5, 4, 2) if quick else (20, 30, 5)
    radii = (250.0, 600.0, 1000.0)
    task = default_task(np.random.default_rng(0))
    print(f"\ncompare: {k} vehicles, {rounds} rounds, {seeds} seeds. Accuracy = each run's mean over its "
          "last 5 rounds, then mean +- std over seeds, at every exit; 'arrived' = fraction of "
          "vehicle-rounds in which each block arrived; 'silent' = rounds with no update")
    for radius in radii:
        for name, (model, scheme) in SCHEMES.items():
            accs, rates, silent = [], [], []
            for s in range(seeds):
                clients = task.clients(k, np.random.default_rng(100 + s))
                h = one_run(task, model, clients, scheme, rounds, radius, s)
                accs.append(h.accuracy[-5:].mean(axis=0))
                rates.append(h.arrival_rate())
                silent.append((~h.updated).mean())
            print(f"R = {radius:5.0f} m  {name:20s} [{model.n_params:3d} params] acc {_cells(np.array(accs))}  "
                  f"arrived {np.round(np.mean(rates, axis=0), 2)}  silent {np.mean(silent):.2f}")
    radius = radii[-1]
    print(f"\npower split and boundary, DQFL at R = {radius:.0f} m")
    for boundary in (1, 2):
        for lam in (0.6, 0.7, 0.8, 0.9):
            accs, rates = [], []
            for s in range(seeds):
                clients = task.clients(k, np.random.default_rng(100 + s))
                h = one_run(task, DQNN, clients, "dqfl", rounds, radius, s, power_split=lam, boundary=boundary)
                accs.append(h.accuracy[-5:].mean(axis=0))
                rates.append(h.arrival_rate())
            print(f"boundary {boundary} layer(s)  lambda {lam:.1f}  acc {_cells(np.array(accs))}  "
                  f"arrived {np.round(np.mean(rates, axis=0), 2)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", nargs="?", default="speed+scaling",
                        choices=("speed", "scaling", "compare", "speed+scaling", "all"))
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test")
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.what in ("speed", "speed+scaling", "all"):
        speed(args.quick)
    if args.what in ("scaling", "speed+scaling", "all"):
        scaling(args.quick)
    if args.what in ("compare", "all"):
        compare(args.quick)
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()

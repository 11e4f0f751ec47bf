"""A fleet in one sweep: federated local training, per-vehicle loop vs batched (issue 13, item 1).

One *round* here is the local-training stage of a federated round followed by FedAvg: every vehicle
trains its copy of the global model on its own data (one local epoch of Adam, batch 20, step 0.05:
``bench_fl.py``'s default), then the server averages the vehicles' vectors into the next global
model. Two implementations, which give the same numbers (checked here, to 1e-12 in
``tests/test_qnn_fleet.py``):

``loop``
    ``for v: qkit.fl.clients.local_update(model, g, clients[v], training, rng)`` (the reference, as
    ``run_federated`` runs it today);
``batched``
    ``qkit.fl.fleet_update.fleet_local_update(model, tile(g), clients, training, rng)``: all vehicles
    in one sweep per chunk.

Model: the 4-qubit, 3-layer dynamic QNN with 4 classes (96 parameters). Data: 40 samples per vehicle
with uniform random encoding angles in [0, pi] and random labels (synthetic, so that 10,000 vehicles
are built in a second; the cost of a step does not depend on the values). Each configuration runs in
a child process, so its peak memory (``resource.getrusage`` max RSS, which includes ~60 MiB of
Python and numpy) is its own; loop and batched children alternate, so both see the same load. The
machine may be shared: the load average is printed with every row.

Run from the repository root::

    python benchmarks/bench_fleet.py            # 10 .. 10,000 vehicles and the 1000 x 30 comparison
    python benchmarks/bench_fleet.py --quick    # a smoke test
    python benchmarks/bench_fleet.py --plot     # also write benchmarks/results/bench_fleet.png
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

MODEL_ARGS = dict(n_qubits=4, n_layers=3, n_classes=4)
SAMPLES = 40


def _setup(n_vehicles: int):
    from qkit.fl.clients import ClientData, LocalTraining
    from qkit.qnn import DynamicQNN

    model = DynamicQNN(**MODEL_ARGS)
    rng = np.random.default_rng(7)
    clients = [ClientData(rng.uniform(0.0, np.pi, (SAMPLES, MODEL_ARGS["n_qubits"])),
                          rng.integers(0, MODEL_ARGS["n_classes"], SAMPLES)) for _ in range(n_vehicles)]
    training = LocalTraining(epochs=1, batch_size=20, learning_rate=0.05, optimizer="adam")
    return model, clients, training, model.init_params(np.random.default_rng(1))


def child(mode: str, n_vehicles: int, rounds: int) -> dict:
    """One configuration (run in a fresh process): seconds per round and the global models."""
    from qkit.fl.clients import local_update
    from qkit.fl.fleet_update import fleet_local_update

    model, clients, training, g = _setup(n_vehicles)
    counts = np.array([c.n_samples for c in clients], dtype=float)
    rng = np.random.default_rng(3)
    history, times = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        if mode == "loop":
            trained = np.stack([local_update(model, g, c, training, rng)[0] for c in clients])
        else:
            trained = fleet_local_update(model, np.tile(g, (n_vehicles, 1)), clients, training, rng)[0]
        g = counts @ trained / counts.sum()  # FedAvg
        times.append(time.perf_counter() - t0)
        history.append(g.tolist())
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"per_round": float(np.mean(times)), "rounds": rounds, "peak_rss_mib": rss_mib,
            "history": history, "load": os.getloadavg()[0]}


def _inert_parameters() -> np.ndarray:
    """Parameters whose gradient is zero by structure (the phi of the DQNN's last-layer CU3 gates
    after the first: a controlled phase just before the measurement). Adam divides each gradient
    coordinate by its own size, so these move by rounding noise x lr/eps, differently in the two
    paths, without changing the model; they are reported apart."""
    model, clients, _, g = _setup(4)
    grads = [model.loss_and_grad(g, c.X, c.y)[1] for c in clients]
    return np.all(np.abs(grads) < 1e-12, axis=0)


def run_child(mode: str, n_vehicles: int, rounds: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(n_vehicles), str(rounds)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test")
    parser.add_argument("--plot", action="store_true", help="write benchmarks/results/bench_fleet.png")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "VEHICLES", "ROUNDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]), int(args.child[2]))))
        return
    if args.quick:
        plan = {10: (3, 3), 100: (1, 3)}  # vehicles: (loop rounds, batched rounds)
        big = None
    else:
        plan = {10: (30, 30), 100: (5, 30), 1000: (2, 30)}
        big = (10_000, 3)
    print(f"fleet local training + FedAvg per round; DQNN {MODEL_ARGS}, {SAMPLES} samples/vehicle, "
          f"1 epoch of Adam, batch 20. load average at start {os.getloadavg()[0]:.1f} (2 cores)")
    inert = _inert_parameters()
    print(f"max |diff| = largest difference of the global models after the rounds both ran; (inert) = the "
          f"same over the {inert.sum()} parameters the loss does not depend on (see _inert_parameters)")
    print(f"{'vehicles':>8} {'loop s/round':>13} {'(rounds)':>8} {'batched s/round':>16} {'(rounds)':>8} "
          f"{'speed-up':>8} {'max |diff|':>10} {'(inert)':>10} {'peak MiB loop/batched':>22} {'load':>5}")
    rows = []
    for v, (loop_rounds, batched_rounds) in plan.items():
        lo = run_child("loop", v, loop_rounds)
        ba = run_child("batched", v, batched_rounds)
        k = min(loop_rounds, batched_rounds)
        delta = np.abs(np.array(lo["history"][:k]) - np.array(ba["history"][:k]))
        diff, inert_diff = float(delta[:, ~inert].max()), float(delta[:, inert].max(initial=0.0))
        rows.append((v, lo["per_round"], ba["per_round"], lo["peak_rss_mib"], ba["peak_rss_mib"]))
        print(f"{v:8d} {lo['per_round']:13.3f} {loop_rounds:8d} {ba['per_round']:16.4f} {batched_rounds:8d} "
              f"{lo['per_round'] / ba['per_round']:7.1f}x {diff:10.1e} {inert_diff:10.1e} "
              f"{lo['peak_rss_mib']:10.0f} / {ba['peak_rss_mib']:<9.0f} {max(lo['load'], ba['load']):5.1f}")
    if big is not None:
        v, r = big
        ba = run_child("batched", v, r)
        per_vehicle = rows[-1][1] / rows[-1][0]
        est = per_vehicle * v
        rows.append((v, est, ba["per_round"], float("nan"), ba["peak_rss_mib"]))
        print(f"{v:8d} {est:13.1f} {'extrap.':>8} {ba['per_round']:16.4f} {r:8d} {est / ba['per_round']:7.1f}x "
              f"{'':>21} {'-':>10} / {ba['peak_rss_mib']:<9.0f} {ba['load']:5.1f}")
        print(f"  (loop at {v} vehicles extrapolated from its measured time per vehicle at {rows[-2][0]})")
        v1000 = [row for row in rows if row[0] == 1000][0]
        print(f"\n1000 vehicles x 30 rounds: loop {30 * v1000[1]:.0f} s (measured on {plan[1000][0]} rounds "
              f"x 15; its time per round is steady), batched {30 * v1000[2]:.1f} s (all 30 rounds measured): "
              f"{v1000[1] / v1000[2]:.1f}x faster")
    if args.plot:
        plot(rows)


def plot(rows) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    v = np.array([r[0] for r in rows], dtype=float)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.loglog(v, [r[1] for r in rows], "o-", label="per-vehicle loop (last point extrapolated)")
    ax1.loglog(v, [r[2] for r in rows], "s-", label="batched fleet sweep")
    ax1.set(xlabel="vehicles", ylabel="seconds per round", title="Local training + FedAvg, one round")
    ax1.legend()
    ax2.semilogx(v, [r[3] for r in rows], "o-", label="loop")
    ax2.semilogx(v, [r[4] for r in rows], "s-", label="batched")
    ax2.set(xlabel="vehicles", ylabel="peak RSS (MiB)", title="Peak memory of the process")
    ax2.legend()
    fig.tight_layout()
    out = Path(__file__).parent / "results" / "bench_fleet.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

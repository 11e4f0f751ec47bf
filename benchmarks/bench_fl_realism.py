"""The realism the DQFL paper implies: hardware cost, quantised uploads, a shared band.

Three parts, all in this one process (the machine may be shared: times are wall clock):

``cost``
    circuit executions per training sample with parameter shift for the course's 4-qubit
    (notebooks 12-13) and 8-qubit (notebook 09) dynamic QNNs, the time per sample and per round
    on a quantum processor (:mod:`qkit.fl.cost`, its stated assumptions and a faster and a slower
    device), samples per round against a classical network of equal size; and, measured here side
    by side, the simulator's adjoint and parameter-shift gradients per sample and an MLP's.
``quantise``
    FL with 32-, 16- and 8-bit uploads (the update quantised per block): first over an ideal
    uplink (the quantisation error alone), then over the fading uplink (arrival rate and accuracy
    at the deepest exit), paired by seed (same fades, partition and initial model), with the mean
    paired difference against 32 bits and a 95 % t-interval.
``schedule``
    a fixed 20 MHz band shared by the ``K`` vehicles scheduled each round: the closed-form arrival
    rate over the cell and the accuracy reached, K = 2 .. 20 of 20 vehicles.

Run from the repository root::

    python benchmarks/bench_fl_realism.py cost
    python benchmarks/bench_fl_realism.py quantise schedule      # about two minutes
    python benchmarks/bench_fl_realism.py --quick all             # a smoke test

``quantise`` and ``schedule`` are a quick look over a few seeds; the paired 10-seed verdicts that
notebook 11 loads come from ``benchmarks/fl_uplink_realism.py``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from scipy import stats

from qkit.fl.channel import Channel
from qkit.fl.clients import COURSE_TRAINING, angle_periods, base_mask, disk_distances, disk_reception_probability
from qkit.fl.cost import QuantumHardware, circuit_executions, classical_seconds_per_sample, samples_in_round
from qkit.fl.partition import plate_task
from qkit.fl.rounds import run_federated
from qkit.fl.uplink import shared_bandwidth_channel, upload_bits
from qkit.qnn import DynamicQNN
from qkit.qnn.classical import MLP, hidden_width_for
from qkit.qnn.gradients import parameter_shift_gradient

TRAINING = COURSE_TRAINING  # quantise, schedule: the course's local training (one epoch of SGD)
DQNN4 = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
DQNN8 = DynamicQNN(n_qubits=8, n_layers=4, n_classes=6)
DEVICES = {"assumed (1000 shots, 4 kHz, 0 latency)": QuantumHardware(),
           "fast (100 shots, 100 kHz, 0 latency)": QuantumHardware(100, 1e5, 0.0),
           "slow (1000 shots, 1 kHz, 10 ms/circuit)": QuantumHardware(1000, 1e3, 0.01)}


def _per_sample(fn, n: int) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) / n


def cost(quick: bool) -> None:
    print(f"\ncost (load {os.getloadavg()[0]:.2f}): per training sample; a round of 10 s "
          "(Scenario.round_s); notebook 13 trains on 20 plates per round")
    for name, model in (("4 qubits, 3 layers", DQNN4), ("8 qubits, 4 layers", DQNN8)):
        c = circuit_executions(model)
        print(f"\n{name}: {model.n_params} parameters, {c.angles} gate angles; executions per sample "
              f"{c.total} ({c.forward} forward + {c.shifted} shifted); adjoint on a simulator: ~3 passes")
        for dev, hw in DEVICES.items():
            b = samples_in_round(model, 10.0, hw)
            print(f"  {dev:40s} {b.quantum_seconds_per_sample:9.3f} s/sample, "
                  f"{b.quantum:6d} samples/10 s, "
                  f"20 plates: {20 * b.quantum_seconds_per_sample / 60:7.1f} min; classical (1 GFLOP/s): "
                  f"{b.classical:.3g} samples/10 s, "
                  f"ratio {b.quantum_seconds_per_sample / b.classical_seconds_per_sample:.2g}")
        n = 4 if quick else 20
        rng = np.random.default_rng(0)
        X, y = rng.uniform(0, np.pi, (n, model.n_qubits)), rng.integers(0, model.n_classes, n)
        p = model.init_params(rng)
        adj = _per_sample(lambda: model.loss_and_grad(p, X, y), n)
        weights = {k: np.ones((2**model.n_qubits, 1)) for k in model.exit_layers}
        shift = _per_sample(lambda: parameter_shift_gradient(model.circuit, p, X[:1], weights), 1)
        width = hidden_width_for(model.n_params, model.n_qubits, model.n_classes)
        mlp = MLP(model.n_qubits, model.n_classes, hidden=(width,))  # about the QNN's size
        w = mlp.init_params(rng) if hasattr(mlp, "init_params") else rng.normal(size=mlp.n_params)
        Xm = rng.uniform(0, np.pi, (1000, model.n_qubits))
        ym = rng.integers(0, model.n_classes, 1000)
        cls = _per_sample(lambda: [mlp.loss_and_grad(w, Xm[i:i + 20], ym[i:i + 20]) for i in range(0, 1000, 20)], 1000)
        print(f"  measured on this CPU: simulator adjoint {1e3 * adj:.3f} ms/sample (batch {n}), simulator "
              f"parameter shift {1e3 * shift:.1f} ms/sample (batch 1, all exits per run), MLP {mlp.n_params} "
              f"params {1e6 * cls:.1f} us/sample (batch 20); 6P/1e9 model: "
              f"{1e6 * classical_seconds_per_sample(mlp.n_params):.2f} us")


def _interval(diff: np.ndarray) -> str:
    if diff.size < 2:
        return f"{diff.mean():+.3f}"
    half = stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size)
    return f"{diff.mean():+.3f} [{diff.mean() - half:+.3f}, {diff.mean() + half:+.3f}]"


def _run(task, clients, scheme, seed, rounds, radius, channel=Channel(), **kw):
    rng = np.random.default_rng(seed)
    d = disk_distances(len(clients), radius, rng, rounds)
    extra = dict(base_mask=base_mask(DQNN4, 1)) if scheme == "dqfl" else {}
    return run_federated(DQNN4, clients, task.test_set, channel, scheme, rounds,
                         initial_params=DQNN4.init_params(np.random.default_rng(1000 + seed)), rng=rng,
                         training=TRAINING, distances=d, period=angle_periods(DQNN4), engine="batched", **extra, **kw)


def quantise(quick: bool) -> None:
    k, rounds, seeds, radius = (4, 3, 2, 600.0) if quick else (10, 20, 6, 600.0)
    task = plate_task(np.random.default_rng(9))
    print(f"\nquantise (load {os.getloadavg()[0]:.2f}): {k} vehicles, {rounds} rounds, {seeds} seeds, "
          f"{radius:.0f} m cell; accuracy = deepest exit, mean of the last 5 rounds")
    exact = None
    for bits in (32, 16, 8):  # the quantisation error alone: an ideal uplink, every update arrives
        runs = [_run(task, task.clients(k, np.random.default_rng(100 + s)), "qfl", s, rounds, radius, channel=None,
                     bits_per_parameter=bits) for s in range(seeds)]
        acc = np.array([h.accuracy[-5:, -1].mean() for h in runs])
        exact = acc if exact is None else exact
        print(f"  ideal uplink, qfl {bits:2d} bits: accuracy {acc.mean():.3f}"
              + ("" if bits == 32 else f", paired vs 32 bits {_interval(acc - exact)}"))
    for scheme in ("qfl", "dqfl"):
        blocks = np.zeros(DQNN4.n_params, int) if scheme == "qfl" else np.where(base_mask(DQNN4, 1), 0, 1)
        acc, arr = {}, {}
        for bits in (32, 16, 8):
            runs = [_run(task, task.clients(k, np.random.default_rng(100 + s)), scheme, s, rounds, radius,
                         bits_per_parameter=bits) for s in range(seeds)]
            acc[bits] = np.array([h.accuracy[-5:, -1].mean() for h in runs])
            arr[bits] = np.mean([h.arrival_rate()[-1] for h in runs])
            print(f"  {scheme:4s} {bits:2d} bits: message {upload_bits(blocks, bits).astype(int).tolist()} bits, "
                  f"last block arrived {arr[bits]:.3f}, accuracy {acc[bits].mean():.3f}"
                  + ("" if bits == 32 else f", paired vs 32 bits {_interval(acc[bits] - acc[32])}"))


def schedule(quick: bool) -> None:
    n, rounds, seeds, radius, band = (6, 3, 1, 600.0, 20e6) if quick else (20, 20, 3, 600.0, 20e6)
    task = plate_task(np.random.default_rng(9))
    bits = upload_bits(np.zeros(DQNN4.n_params, int), 32)[0]
    print(f"\nschedule (load {os.getloadavg()[0]:.2f}): QFL, {n} vehicles, a {band / 1e6:.0f} MHz band shared by "
          f"the K scheduled; {radius:.0f} m cell; a {bits:.0f}-bit model in a 1 ms slot")
    for k in sorted({2, 5, 10, n} & set(range(1, n + 1))) if not quick else (2, n):
        ch = shared_bandwidth_channel(Channel(), band, k).with_message_bits(bits / 2, bits / 2)
        p = disk_reception_probability(ch, radius, "qfl")[0]
        runs = [_run(task, task.clients(n, np.random.default_rng(100 + s)), "qfl", s, rounds, radius,
                     clients_per_round=k, total_bandwidth_hz=band) for s in range(seeds)]
        accuracy = np.mean([h.accuracy[-5:, -1].mean() for h in runs])
        updates = np.mean([h.arrived.sum() / rounds for h in runs])
        print(f"  K = {k:3d}: {band / k / 1e6:5.2f} MHz each, rate {bits / (band / k * 1e-3):6.2f} bit/s/Hz, "
              f"P(arrive) {p:.3f}, updates/round {updates:5.2f} (expected {k * p:5.2f}), accuracy {accuracy:.3f}")
    wide = shared_bandwidth_channel(Channel(), band, 1000)
    rate = bits / (wide.bandwidth_hz * wide.slot_s)
    best = 1.0 - float(wide.outage_probability(wide.reference_distance_m, rate=rate))
    print(f"  1000 vehicles in {band / 1e6:.0f} MHz: {wide.bandwidth_hz / 1e3:.0f} kHz each, rate {rate:.0f} bit/s/Hz: "
          f"P(arrive) {best:.3g} even 1 m from the server (run_federated refuses rates above the channel's 30)")

def main() -> None:
    parts = {"cost": cost, "quantise": quantise, "schedule": schedule}
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("parts", nargs="*", default=["cost"], choices=[*parts, "all"])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    for name in parts if "all" in args.parts else args.parts:
        parts[name](args.quick)


if __name__ == "__main__":
    main()

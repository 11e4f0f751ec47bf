"""Paired-seed verdicts of the uplink's realism (issue 12, item 5): quantised uploads, a shared band.

Both comparisons use the course's local training (:data:`qkit.fl.clients.COURSE_TRAINING`), the
batched engine, notebooks 12-13's model (4-qubit 3-layer dynamic QNN, plate task ``"0123"``) and one
seed per world: :func:`qkit.fl.verdicts.seed_streams` fixes the partition, the initial model, the
positions, the fades and the mini-batches, so the arms of one seed differ only in the thing compared
(quantisation draws no random numbers; the scheduler has a stream of its own). Accuracy is the
deepest exit's, averaged over the last ``last`` rounds; every paired difference ``b - a`` carries a
95 % Student-t interval (:func:`qkit.fl.verdicts.paired_difference`).

Comparisons
-----------
``quantise``
    ``N = 10`` vehicles, each with its own 1 MHz sub-band, uploads of 32, 16 and 8 bits per value
    (the update ``w_k - w_global`` quantised per block, :func:`qkit.fl.uplink.quantise_update`),
    QFL and DQFL (lambda = 0.8, one-layer base), over an ideal uplink (the quantisation error
    alone) and a fading uplink in cells of 600 and 1000 m: per seed the arrival rate of each block
    and the accuracy; paired differences 16 - 32 and 8 - 32 bits; the closed-form arrival rate
    over the disk (:func:`qkit.fl.clients.disk_reception_probability`) for each message size; and
    centralised training on the pooled data (same model, same gradient steps) as a reference.
``schedule``
    ``N = 20`` vehicles in a 600 m cell; each round ``K`` of them are scheduled and share a fixed
    20 MHz band (``B / K`` each, :func:`qkit.fl.uplink.shared_bandwidth_channel`), QFL with float32
    and with 8-bit uploads: per ``K`` the closed-form arrival rate, the measured one (over scheduled
    vehicle-rounds), the updates that arrive per round, and the accuracy; paired differences
    against ``K = N``; references: FedAvg of all ``N`` over a perfect uplink and centralised
    training on the pooled data.

Run from the repository root (``--small``: a tiny setting that runs in seconds, used by the tests)::

    python benchmarks/fl_uplink_realism.py quantise benchmarks/results/fl_uplink_realism/quantise.json
    python benchmarks/fl_uplink_realism.py schedule benchmarks/results/fl_uplink_realism/schedule.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from qkit.fl.channel import Channel
from qkit.fl.clients import COURSE_TRAINING, angle_periods, base_mask, disk_distances, disk_reception_probability
from qkit.fl.partition import plate_task
from qkit.fl.reference import centralised_reference
from qkit.fl.rounds import run_federated
from qkit.fl.uplink import shared_bandwidth_channel, upload_bits
from qkit.fl.verdicts import iter_intervals, paired_difference, seed_streams
from qkit.fl.verdicts import write_results as write_shared
from qkit.qnn import DynamicQNN

COMPARISONS = ("quantise", "schedule")

FULL = dict(seeds=10, n_vehicles=10, rounds=20, last=5, radii=(600.0, 1000.0), bits=(32, 16, 8), power_split=0.8,
            task=dict(), task_seed=9,
            schedule=dict(n_vehicles=20, clients_per_round=(2, 5, 10, 20), total_bandwidth_hz=20e6, radius=600.0,
                          bits=(32, 8)))
SMALL = dict(seeds=3, n_vehicles=3, rounds=3, last=2, radii=(1000.0,), bits=(32, 8), power_split=0.8,
             task=dict(samples_per_vehicle=8, n_public=100, n_test=40), task_seed=9,
             schedule=dict(n_vehicles=4, clients_per_round=(2, 4), total_bandwidth_hz=20e6, radius=600.0,
                           bits=(32, 8)))
_ONLY = {"quantise": ("n_vehicles", "radii", "bits"), "schedule": ("schedule",)}   # each comparison's own keys


def config_for(name: str, small: bool = False) -> dict:
    """The setting of one comparison: the shared keys and that comparison's own (not the other's)."""
    if name not in COMPARISONS:
        raise ValueError(f"comparison must be one of {COMPARISONS}, got {name!r}")
    other = {k for n, keys in _ONLY.items() if n != name for k in keys}
    return {k: v for k, v in (SMALL if small else FULL).items() if k not in other}


class _World:
    """The fixed task and model, and one seed's fleet, initial model and positions."""

    def __init__(self, cfg: dict) -> None:
        self.cfg = cfg
        self.task = plate_task(np.random.default_rng(cfg["task_seed"]), **cfg["task"])
        self.model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
        self.period = angle_periods(self.model)

    def block_of(self, scheme: str) -> np.ndarray:
        """Block index per parameter: one block for QFL; base 0 / enhancement 1 for DQFL."""
        if scheme == "qfl":
            return np.zeros(self.model.n_params, int)
        return np.where(base_mask(self.model, 1), 0, 1)

    def federate(self, seed: int, scheme: str, n: int, *, radius: float | None, **kw):
        """One run; ``radius=None``: an ideal uplink (channel=None, everything arrives)."""
        s, rounds = seed_streams(seed), self.cfg["rounds"]
        extra = {"base_mask": base_mask(self.model, 1)} if scheme == "dqfl" else {}
        dist = None if radius is None else disk_distances(n, radius, s["distances"], rounds)
        return run_federated(self.model, self.task.clients(n, s["partition"]), self.task.test_set,
                             None if radius is None else Channel(), scheme, rounds,
                             initial_params=self.model.init_params(s["init"]), rng=s["run"],
                             training=COURSE_TRAINING, distances=dist, power_split=self.cfg["power_split"],
                             period=self.period, engine="batched", **extra, **kw)

    def centralise(self, seed: int, n: int):
        s = seed_streams(seed)
        return centralised_reference(self.model, self.task.clients(n, s["partition"]), self.task.test_set,
                                     self.cfg["rounds"], initial_params=self.model.init_params(s["init"]),
                                     rng=s["run"], training=COURSE_TRAINING)


def _final(history, last: int) -> float:
    return float(history.accuracy[-last:, -1].mean())


def _pair(a, b) -> dict:
    return paired_difference(np.asarray(a), np.asarray(b)).as_dict()


def _closed_form(world: _World, scheme: str, bits: int, radius: float, channel: Channel = Channel()) -> list[float]:
    """Arrival probability of each block over a disk of ``radius``, for ``bits``-bit uploads."""
    b = upload_bits(world.block_of(scheme), bits)
    sized = channel.with_message_bits(b[0], b[1]) if scheme == "dqfl" else channel.with_message_bits(b[0] / 2,
                                                                                                    b[0] / 2)
    p = disk_reception_probability(sized, radius, scheme, world.cfg["power_split"])
    return [float(p[0])] if scheme == "qfl" else [float(p[0]), float(p[1])]


def _quantise(world: _World, cfg: dict, seeds: list[int]) -> dict:
    n, out = cfg["n_vehicles"], {}
    cen = [_final(world.centralise(k, n), cfg["last"]) for k in seeds]
    out["centralised"] = cen
    for scheme in ("qfl", "dqfl"):
        for radius in (None, *cfg["radii"]):
            acc, arr, block = {}, {}, {}
            for bits in cfg["bits"]:
                runs = [world.federate(k, scheme, n, radius=radius, bits_per_parameter=bits) for k in seeds]
                acc[bits] = [_final(h, cfg["last"]) for h in runs]
                arr[bits] = [[float(v) for v in h.arrival_rate()] for h in runs]
            where = "ideal" if radius is None else f"R={radius:.0f}m"
            block["accuracy"] = {str(b): v for b, v in acc.items()}
            block["arrival_rate"] = {str(b): v for b, v in arr.items()}
            block["message_bits"] = {str(b): upload_bits(world.block_of(scheme), b).tolist() for b in cfg["bits"]}
            if radius is not None:
                block["closed_form_arrival"] = {str(b): _closed_form(world, scheme, b, radius) for b in cfg["bits"]}
            ref = cfg["bits"][0]
            for bits in cfg["bits"][1:]:
                block[f"accuracy_{bits}_minus_{ref}"] = _pair(acc[ref], acc[bits])
                if radius is not None:        # over an ideal uplink every block arrives: nothing to compare
                    for j in range(len(arr[ref][0])):
                        block[f"arrival_block{j}_{bits}_minus_{ref}"] = _pair([a[j] for a in arr[ref]],
                                                                             [a[j] for a in arr[bits]])
            out[f"{scheme}/{where}"] = block
    return out


def _schedule(world: _World, cfg: dict, seeds: list[int]) -> dict:
    sc = cfg["schedule"]
    n, band, radius = sc["n_vehicles"], sc["total_bandwidth_hz"], sc["radius"]
    full = sc["clients_per_round"][-1]
    out = {"references": {"fedavg_perfect_uplink": [_final(world.federate(s, "qfl", n, radius=None), cfg["last"])
                                                    for s in seeds],
                          "centralised": [_final(world.centralise(s, n), cfg["last"]) for s in seeds]}}
    for bits in sc["bits"]:
        acc = {}
        for k in sc["clients_per_round"]:
            ch = shared_bandwidth_channel(Channel(), band, k)
            runs = [world.federate(s, "qfl", n, radius=radius, clients_per_round=k, total_bandwidth_hz=band,
                                   bits_per_parameter=bits) for s in seeds]
            acc[k] = [_final(h, cfg["last"]) for h in runs]
            message = float(upload_bits(world.block_of("qfl"), bits)[0])
            out[f"{bits}bit/K={k}"] = {
                "sub_band_hz": ch.bandwidth_hz, "rate_bit_per_s_hz": message / (ch.bandwidth_hz * ch.slot_s),
                "closed_form_arrival": _closed_form(world, "qfl", bits, radius, ch)[0],
                "arrival_rate": [float(h.arrived[..., 0][h.scheduled].mean()) for h in runs],
                "updates_per_round": [float(h.arrived[..., 0].sum() / h.rounds) for h in runs],
                "accuracy": acc[k]}
        for k in sc["clients_per_round"][:-1]:
            out[f"{bits}bit/K={k}"][f"accuracy_minus_K={full}"] = _pair(acc[full], acc[k])
    return out


def run_comparison(name: str, *, small: bool = False, seeds: int | None = None) -> dict:
    """Run one named comparison; return the results (config, per-seed values, paired differences)."""
    cfg = config_for(name, small)
    if seeds is not None:
        cfg["seeds"] = int(seeds)
    world = _World(cfg)
    seed_list = list(range(cfg["seeds"]))
    body = {"quantise": _quantise, "schedule": _schedule}[name](world, cfg, seed_list)
    config = dict(cfg, comparison=name, small=small, seed_list=seed_list,
                  training=dataclasses.asdict(COURSE_TRAINING), engine="batched",
                  model="DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)",
                  metric="top-1 accuracy at the deepest exit, mean of the last `last` rounds; arrival rate = "
                         "fraction of (scheduled vehicle, round) pairs whose block arrived; paired differences "
                         "b - a with a 95 % Student-t interval")
    return json.loads(json.dumps({"config": config, "results": body}))   # tuples -> lists, as in the file


def write_results(results: dict, path: str | Path, run: dict | None = None) -> Path:
    """Write the results as JSON (sorted keys); ``run`` (command, date, load, wall time) goes under ``"run"``."""
    return write_shared(dict(results, **({"run": run} if run else {})), path)


intervals = iter_intervals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("comparison", choices=COMPARISONS)
    parser.add_argument("output", help="path of the JSON results file")
    parser.add_argument("--small", action="store_true", help="a tiny setting that runs in seconds")
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (default 10, small 3)")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    t0, load = time.perf_counter(), os.getloadavg()[0]
    results = run_comparison(args.comparison, small=args.small, seeds=args.seeds)
    run = {"argv": argv, "command": " ".join(["python", "benchmarks/fl_uplink_realism.py", *argv]),
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_at_start": round(load, 2),
           "load_at_end": round(os.getloadavg()[0], 2), "wall_s": round(time.perf_counter() - t0, 1)}
    print(f"wrote {write_results(results, args.output, run)} in {run['wall_s']} s (load {load:.2f})")
    for label, value in intervals(results["results"]):
        print(f"{label:44s} {value['mean']:+.4f} [{value['low']:+.4f}, {value['high']:+.4f}]  ({value['verdict']})")


if __name__ == "__main__":
    main()

"""One federated run of a fleet, measured in a fresh process: the engine under ``bench_fl.py``.

The experiment is notebook 12's DQFL run as :mod:`qkit.fl.flower` sets it up
(:func:`qkit.fl.flower.build_experiment` with :data:`SETTING`): plate characters "0123", 40 plates
per vehicle, a 4-qubit, 3-layer dynamic QNN (96 parameters), one local epoch of Adam (batch 20,
step 0.05), superposition-coded uplink at 1000 m. The engines:

``loop``     ``run_federated(..., engine="loop")``: one ``local_update`` per vehicle (the reference);
``batched``  ``run_federated(..., engine="batched")``: the whole fleet in one sweep per chunk;
``flower``   ``qkit.fl.flower.run_on_flower(setting, workers=W)``: Flower's simulation engine (Ray).

How it is measured (the machine may be shared: the load average is recorded before and after
every run). This process builds the task (public plates, feature map, test set) once and hands it to
the children pickled; each child builds its fleet (``setup_s``) and runs the rounds. Every
evaluation of a global model is time-stamped (a wrapper around ``qkit.fl.rounds.evaluate``, which
``run_federated`` and Flower's server both call): ``round_s`` are the seconds of each round, local
training to evaluation (``per_round_s`` their mean, ``steady_per_round_s`` the mean after the
first), and ``startup_s`` everything before round 1 (fleet set-up, and for Flower
starting Ray; each Ray worker also rebuilds task and fleet during its first round). Memory:
``peak_rss_mib`` is the child's own peak RSS (``VmHWM``), ``rounds_peak_rss_mib`` the same over the
rounds only (reset after the set-up through ``/proc/self/clear_refs``), and ``peak_tree_rss_mib``
/ ``peak_tree_pss_mib`` the largest sum over the child and all its descendants (Ray's raylet, GCS
and workers: the figure for Flower), sampled every 0.2 s from ``/proc`` (PSS splits a shared page
among the processes mapping it). CPU: ``cpu_s`` is ``os.wait4``'s (the child and the descendants it
reaped), ``tree_cpu_s`` the sum of every descendant's last sampled CPU time. ``max_abs_diff_*``:
largest |difference| of a run's global models from the loop's, apart for the inert parameters
(:func:`inert_parameters`).

Run from the repository root (``bench_fl.py`` runs the comparisons)::

    python benchmarks/bench_fleet.py batched 1000 3        # one run, its figures printed
    python benchmarks/bench_fleet.py flower 20 3 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

MODEL = dict(n_qubits=4, n_layers=3, n_classes=4)
SETTING = dict(seed=0, scheme="dqfl", radius_m=1000.0, power_split=0.8, boundary=1, epochs=1,
               batch_size=20, learning_rate=0.05, task_seed=9)
"""The fields of :class:`qkit.fl.flower.VehicleSetting` besides the fleet size and rounds."""
SAMPLE_S = 0.2


# ------------------------------------------------------------------------ child: one engine, one run


def experiment(vehicles: int, rounds: int, task) -> dict:
    """``run_federated``'s arguments for :data:`SETTING`, as ``qkit.fl.flower.build_experiment``
    draws them (rebuilt here so that the loop and batched children do not import Flower, whose
    import alone adds ~45 MiB; ``tests/test_bench_fl.py`` checks the two agree)."""
    from qkit.fl.channel import Channel
    from qkit.fl.clients import LocalTraining, angle_periods, base_mask, disk_distances
    from qkit.qnn import DynamicQNN

    s, model = SETTING, DynamicQNN(**MODEL)
    rng = np.random.default_rng(s["seed"])
    clients = task.clients(vehicles, np.random.default_rng(100 + s["seed"]))
    initial = model.init_params(np.random.default_rng(1000 + s["seed"]))
    distances = disk_distances(vehicles, s["radius_m"], rng, max(rounds, 1))
    training = LocalTraining(epochs=s["epochs"], batch_size=s["batch_size"], learning_rate=s["learning_rate"])
    return dict(model=model, clients=clients, test_set=task.test_set, channel=Channel(), scheme=s["scheme"],
                rounds=rounds, initial_params=initial, rng=rng, training=training, distances=distances,
                power_split=s["power_split"], period=angle_periods(model), base_mask=base_mask(model, s["boundary"]))


def _stamp_evaluations() -> list[float]:
    """Time-stamp every evaluation of a global model in this process (see the module docstring)."""
    import qkit.fl.rounds as rounds_module

    stamps: list[float] = []
    plain = rounds_module.evaluate

    def stamped(*args, **kwargs):
        out = plain(*args, **kwargs)
        stamps.append(time.perf_counter())
        return out

    rounds_module.evaluate = stamped
    return stamps


def _own_peak_mib() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def child(spec: dict) -> dict:
    """Run one engine on one fleet (in a fresh process); seconds, memory and the global models."""
    t0 = time.perf_counter()
    stamps = _stamp_evaluations()
    engine, vehicles, rounds = spec["engine"], spec["vehicles"], spec["rounds"]
    if engine.startswith("flower"):
        from qkit.fl.flower import VehicleSetting, run_on_flower

        setting = VehicleSetting(n_vehicles=vehicles, rounds=rounds, **SETTING)
        out = run_on_flower(setting, workers=spec["workers"])
        setup_s, setup_peak, rounds_peak = None, 0.0, None
        accuracy, global_params = out["accuracy"][-1], out["global_params"]
    else:
        from qkit.fl.rounds import run_federated

        with open(spec["task_file"], "rb") as f:
            kwargs = experiment(vehicles, rounds, pickle.load(f))
        setup_s, setup_peak = time.perf_counter() - t0, _own_peak_mib()
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM: the rounds' own peak from here
        h = run_federated(**kwargs, engine=engine)
        rounds_peak, accuracy, global_params = _own_peak_mib(), h.accuracy[-1], h.global_params
    if len(stamps) != rounds + 1:
        raise RuntimeError(f"expected {rounds + 1} evaluations of the global model, saw {len(stamps)}")
    round_s = np.diff(stamps)
    return {"setup_s": setup_s, "startup_s": stamps[0] - t0, "round_s": round_s.tolist(),
            "per_round_s": float(round_s.mean()), "first_round_s": float(round_s[0]),
            "steady_per_round_s": float(round_s[1:].mean()) if rounds > 1 else None,
            "rounds_s": stamps[-1] - stamps[0],
            "peak_rss_mib": max(setup_peak, _own_peak_mib()), "rounds_peak_rss_mib": rounds_peak,
            "final_accuracy": np.asarray(accuracy, float).tolist(),
            "global_params": np.asarray(global_params, float).tolist()}


# ------------------------------------------------------------------------ parent: measure a child


def _tree(root: int) -> list[int]:
    """``root`` and all its descendants, from ``/proc/*/stat``."""
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, ()))
    return out


class TreeSampler(threading.Thread):
    """Sample the summed RSS, PSS and CPU time of a process tree every :data:`SAMPLE_S` seconds."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.done = root, threading.Event()
        self.peak_rss = self.peak_pss = 0.0
        self.cpu: dict[int, float] = {}
        self.max_processes = 0
        self.tick = os.sysconf("SC_CLK_TCK")
        self.zombie_since: float | None = None  # when Ray's raylet was first seen exited, not reaped

    def run(self) -> None:
        while not self.done.wait(SAMPLE_S):
            rss = pss = 0.0
            pids = _tree(self.root)
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        fields = f.read().rsplit(")", 1)[1].split()
                    with open(f"/proc/{pid}/smaps_rollup") as f:
                        mem = {line.split(":")[0]: int(line.split()[1])
                               for line in f if line.startswith(("Rss:", "Pss:"))}
                except (OSError, IndexError, ValueError):
                    continue
                self.cpu[pid] = (int(fields[11]) + int(fields[12])) / self.tick  # utime + stime
                if fields[0] == "Z" and _comm(pid) == "raylet" and self.zombie_since is None:
                    self.zombie_since = time.perf_counter()
                rss, pss = rss + mem.get("Rss", 0) / 1024, pss + mem.get("Pss", 0) / 1024
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.max_processes = max(self.max_processes, len(pids))

    @property
    def ray_died(self) -> bool:
        """Ray's raylet exited and stayed unreaped for 30 s (at a normal shutdown it is reaped at once)."""
        return self.zombie_since is not None and time.perf_counter() - self.zombie_since > 30.0


def _comm(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def _ray_running() -> bool:
    """Whether some Ray run (a raylet) is already on the machine (it would share the cores)."""
    def alive_raylet(pid: str) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z" and _comm(int(pid)) == "raylet"
        except (OSError, IndexError):
            return False

    return any(e.name.isdigit() and alive_raylet(e.name) for e in os.scandir("/proc"))


def _stop(pids: list[int]) -> None:
    """End the child and its descendants (a Flower run whose raylet died hangs for ever)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _run_child(spec: dict, log: Path, result_file: Path, timeout_s: float):
    """One attempt: (exit code, wait4 usage, sampler); ``None`` as exit code if Ray died or it timed out."""
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(spec), str(result_file)],
                                stdout=out, stderr=subprocess.STDOUT)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    start = time.perf_counter()
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if sampler.ray_died or time.perf_counter() - start > timeout_s:
            _stop(_tree(proc.pid))
            os.wait4(proc.pid, 0)
            proc.returncode = None
            break
        time.sleep(0.05)
    sampler.done.set()
    sampler.join()
    return proc.returncode, usage, sampler


def measure(spec: dict, log_dir: Path, *, timeout_s: float = 7200.0, attempts: int = 3) -> dict:
    """Run :func:`child` in a fresh process; its result plus wall time, CPU time and memory.

    Ray's raylet exits when its dashboard agent takes more than 15 s to start (ray-project/ray#65983,
    seen here at load > 4); the driver then waits for ever. Such a start is stopped and retried.
    """
    log = log_dir / f"{spec['engine']}-{spec['vehicles']}.log"
    result_file = log_dir / "result.json"
    for attempt in range(1, attempts + 1):
        result_file.unlink(missing_ok=True)
        load_before, ray_before = os.getloadavg()[0], _ray_running()
        t0 = time.perf_counter()
        code, usage, sampler = _run_child(spec, log, result_file, timeout_s)
        wall = time.perf_counter() - t0
        if code is not None:
            break
        print(f"  {spec['engine']} run stopped after {wall:.0f} s (" + ("Ray's raylet died" if sampler.ray_died
              else f"over {timeout_s:.0f} s") + f"), attempt {attempt} of {attempts}", flush=True)
    if code != 0:
        raise RuntimeError(f"{spec} failed (exit {code}); the end of {log}:\n"
                           + "".join(log.read_text().splitlines(keepends=True)[-25:]))
    got = json.loads(result_file.read_text())
    kept = {k: v for k, v in spec.items() if k != "task_file"}  # a temporary file's path
    return {**kept, "workers": spec.get("workers"), "wall_s": wall, "attempts": attempt, **got,
            "cpu_s": usage.ru_utime + usage.ru_stime, "tree_cpu_s": sum(sampler.cpu.values()),
            "peak_tree_rss_mib": sampler.peak_rss, "peak_tree_pss_mib": sampler.peak_pss,
            "processes": sampler.max_processes,
            "load_before": load_before, "load_after": os.getloadavg()[0], "other_ray_running": ray_before}


def inert_parameters(task) -> np.ndarray:
    """Indices of the parameters the loss does not depend on (|gradient| < 1e-12 at five random points:
    the phases of the last layer's CU3 gates after the first, a controlled phase just before the
    measurement). Adam divides each gradient coordinate by its own size, so these move by rounding
    noise x lr / eps, differently in two exact implementations, without changing the model: their
    difference from the loop is reported apart (as ``tests/test_fl_engine.py`` does)."""
    from qkit.qnn import DynamicQNN

    model, (X, y), rng = DynamicQNN(**MODEL), task.test_set, np.random.default_rng(0)
    grads = [model.loss_and_grad(model.init_params(rng), X, y)[1] for _ in range(5)]
    return np.flatnonzero(np.all(np.abs(grads) < 1e-12, axis=0))


def build_task_file(directory: Path) -> tuple[str, np.ndarray]:
    """Build the task once, pickle it into ``directory``; its path and the inert parameters."""
    from qkit.fl.partition import plate_task

    task = plate_task(np.random.default_rng(SETTING["task_seed"]))
    path = Path(directory) / "task.pickle"
    path.write_bytes(pickle.dumps(task))
    return str(path), inert_parameters(task)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        Path(sys.argv[3]).write_text(json.dumps(child(json.loads(sys.argv[2]))))
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("engine", choices=("loop", "batched", "flower"))
    p.add_argument("vehicles", type=int)
    p.add_argument("rounds", type=int)
    p.add_argument("--workers", type=int, default=2, help="flower: Ray workers")
    args = p.parse_args()
    if args.vehicles < 1 or args.rounds < 1:
        p.error(f"vehicles and rounds must be >= 1, got {args.vehicles} and {args.rounds}")
    spec = {"engine": args.engine, "vehicles": args.vehicles, "rounds": args.rounds}
    with tempfile.TemporaryDirectory() as tmp:
        if args.engine == "flower":
            spec["workers"] = args.workers
        else:
            spec["task_file"] = build_task_file(Path(tmp))[0]
        got = measure(spec, Path(tmp))
    print(json.dumps({k: v for k, v in got.items() if k != "global_params"}, indent=1))


if __name__ == "__main__":
    main()

"""A fleet from 10 to 10,000 vehicles: per-vehicle loop vs batched sweep vs Flower (issue 13).

Notebook 12's DQFL experiment on fleets of every size, each engine in a fresh process
(``bench_fleet.py`` runs and measures one: its docstring says how every figure is taken):

``loop``     ``run_federated(..., engine="loop")``: one ``local_update`` per vehicle (the reference);
``batched``  ``run_federated(..., engine="batched")``: the whole fleet in one sweep per chunk;
``flower-W`` ``qkit.fl.flower.run_on_flower(setting, workers=W)``: Flower's simulation engine (Ray).

Subcommands: ``scale`` (1000 vehicles x 30 rounds, every engine side by side in one run, with
speed-ups and the largest difference of each engine's global models from the loop's), ``sweep``
(time per round and peak memory against 10, 100, 1000 and 10,000 vehicles, the loop up to
``--loop-max`` only), ``all`` (both) and ``compare`` (notebook 12's comparison table).
``scale`` and ``sweep`` write ``scale.json``, ``sweep.json`` and ``sweep.png`` to ``--out``
(default ``benchmarks/results/fleet/``) with the command, date, CPU count and load averages.

Run from the repository root::

    python benchmarks/bench_fl.py scale                      # about 20 minutes (the loop: 12)
    python benchmarks/bench_fl.py scale --vehicles 100 --rounds 5 --no-flower
    python benchmarks/bench_fl.py sweep                      # about 5 minutes
    python benchmarks/bench_fl.py --small --out /tmp/fleet   # a smoke test, well under a minute
    python benchmarks/bench_fl.py compare                    # notebook 12's table (several minutes)
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench_fleet import MODEL, SAMPLE_S, SETTING, build_task_file, measure

RESULTS = Path(__file__).resolve().parent / "results" / "fleet"


def _compare_to_loop(runs: list[dict], inert: np.ndarray) -> None:
    """Add each run's largest |difference| from the loop run's global models (final, and over every
    round), over the parameters the loss depends on and (``..._inert``) over the inert ones
    (``bench_fleet.inert_parameters``); and the loop's time over this run's (speed-ups)."""
    loop = next((r for r in runs if r["engine"] == "loop"), None)
    for r in runs:
        a = np.array(r["global_params"])
        b = a if loop is None else np.array(loop["global_params"])
        live = np.ones(a.shape[1], bool)
        live[inert] = False
        for name, delta in (("final", np.abs(a[-1] - b[-1])[None]), ("rounds", np.abs(a - b))):
            r[f"max_abs_diff_{name}"] = None if loop is None else float(delta[:, live].max())
            r[f"max_abs_diff_{name}_inert"] = None if loop is None else float(delta[:, ~live].max(initial=0.0))
        r["speedup_per_round"] = None if loop is None else loop["per_round_s"] / r["per_round_s"]
        r["speedup_steady"] = (None if loop is None or r["steady_per_round_s"] is None
                               else loop["steady_per_round_s"] / r["steady_per_round_s"])
        r["speedup_wall"] = None if loop is None else loop["wall_s"] / r["wall_s"]


# ------------------------------------------------------------------------ scale, sweep, files


def _meta(kind: str, load_start: list, **extra) -> dict:
    def version(name: str):
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {"benchmark": kind, "command": "python benchmarks/bench_fl.py " + shlex.join(sys.argv[1:]),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "cpu_count": os.cpu_count(), "load_average_start": load_start,
            "platform": platform.platform(), "python": platform.python_version(),
            "versions": {p: version(p) for p in ("numpy", "qkit", "flwr", "ray")},
            "setting": {**SETTING, **MODEL, "samples_per_vehicle": 40}, "sample_interval_s": SAMPLE_S, **extra}


def _write(ctx: dict, name: str, data: dict) -> None:
    data["load_average_end"] = list(os.getloadavg())
    (ctx["out"] / name).write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {ctx['out'] / name}")


def _row(r: dict) -> str:
    name = r["engine"] + (f"-{r['workers']}" if r.get("workers") else "")
    diff = ("-" if r["max_abs_diff_final"] is None
            else f"{r['max_abs_diff_final']:.0e}/{r['max_abs_diff_final_inert']:.0e}")
    steady = "-" if r["steady_per_round_s"] is None else f"{r['steady_per_round_s']:.4g}"
    speed = "-" if r["speedup_per_round"] is None else f"{r['speedup_per_round']:.3g}x"
    if r["speedup_steady"] is not None:
        speed += f"/{r['speedup_steady']:.3g}x"
    return (f"{r['vehicles']:6d} {name:9s} {r['rounds']:3d} {r['wall_s']:7.1f} {r['startup_s']:7.1f} "
            f"{r['per_round_s']:9.4g} {steady:>9} {speed:>13} {r['cpu_s']:7.1f} {r['tree_cpu_s']:7.1f} "
            f"{r['peak_rss_mib']:6.0f} {r['peak_tree_rss_mib']:7.0f} {r['peak_tree_pss_mib']:7.0f} "
            f"{diff:>13} {r['load_before']:4.1f}/{r['load_after']:<4.1f}")


HEADER = (f"{'fleet':>6} {'engine':9s} {'R':>3} {'wall s':>7} {'start s':>7} {'s/round':>9} {'steady':>9} "
          f"{'speed-up':>13} {'CPU s':>7} {'treeCPU':>7} {'MiB':>6} {'treeRSS':>7} {'treePSS':>7} "
          f"{'max|d| (inert)':>13} load\n"
          "(steady = mean s/round after the first; speed-up = the loop's s/round / this one's, all rounds / "
          "steady; max|d| = largest |difference| of the final global model from the loop's, then over the "
          "inert parameters; MiB = the child's own peak RSS; tree = the child and all its descendants)")


def scale(ctx: dict, vehicles: int, rounds: int, flower_workers: list[int]) -> dict:
    """Every engine on the same fleet, side by side in one run."""
    specs = [{"engine": e, "vehicles": vehicles, "rounds": rounds, "task_file": ctx["task_file"]}
             for e in ("loop", "batched")]
    specs += [{"engine": "flower", "vehicles": vehicles, "rounds": rounds, "workers": w} for w in flower_workers]
    load_start = list(os.getloadavg())
    print(f"\nscale: {vehicles} vehicles x {rounds} rounds\n" + HEADER)
    runs = []
    for spec in specs:
        runs.append(measure(spec, ctx["tmp"]))
        _compare_to_loop(runs, ctx["inert"])
        print(_row(runs[-1]), flush=True)
    data = _meta("scale", load_start, vehicles=vehicles, rounds=rounds, flower_workers=flower_workers,
                 inert_parameters=ctx["inert"].tolist(), runs=runs)
    _write(ctx, "scale.json", data)
    return data


def sweep(ctx: dict, sizes: list[int], rounds: int, loop_max: int) -> dict:
    """Time per round and peak memory against fleet size; the loop only up to ``loop_max`` vehicles."""
    load_start = list(os.getloadavg())
    print(f"\nsweep: {rounds} rounds per run; the loop at <= {loop_max} vehicles only\n" + HEADER)
    rows = []
    for v in sizes:
        runs = [measure({"engine": e, "vehicles": v, "rounds": rounds, "task_file": ctx["task_file"]}, ctx["tmp"])
                for e in ("loop", "batched") if e == "batched" or v <= loop_max]
        _compare_to_loop(runs, ctx["inert"])
        for r in runs:
            print(_row(r), flush=True)
        rows += runs
    data = _meta("sweep", load_start, sizes=sizes, rounds=rounds, loop_max_vehicles=loop_max,
                 inert_parameters=ctx["inert"].tolist(), runs=rows,
                 note=f"the per-vehicle loop runs at <= {loop_max} vehicles only (at 10,000 a round takes minutes)")
    _write(ctx, "sweep.json", data)
    plot_sweep(data, ctx["out"] / "sweep.png")
    return data


def plot_sweep(data: dict, path: Path) -> None:
    """Seconds per round and peak memory against fleet size, loop vs batched."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    for engine, marker, colour in (("loop", "o", "C0"), ("batched", "s", "C1")):
        rs = [r for r in data["runs"] if r["engine"] == engine]
        v = [r["vehicles"] for r in rs]
        ax1.loglog(v, [r["per_round_s"] for r in rs], marker + "-", color=colour, label=engine)
        ax2.semilogx(v, [r["rounds_peak_rss_mib"] for r in rs], marker + "-", color=colour,
                     label=f"{engine}, during the rounds")
        ax2.semilogx(v, [r["peak_rss_mib"] for r in rs], marker + ":", color=colour, mfc="none",
                     label=f"{engine}, whole process (with set-up)")
    both = [r for r in data["runs"] if r.get("speedup_per_round") and r["engine"] == "batched"]
    title = "Seconds per federated round"
    if both:
        title = f"Batched sweep {both[-1]['speedup_per_round']:.0f}x faster at {both[-1]['vehicles']} vehicles"
    ax1.set(xlabel="vehicles", ylabel="seconds per round", title=title)
    ax2.set(xlabel="vehicles", ylabel="peak RSS (MiB)", title="Peak memory of the run")
    for ax in (ax1, ax2):
        ax.set_xticks(data["sizes"], [f"{v:,}" for v in data["sizes"]])
        ax.minorticks_off()
        ax.legend(fontsize=8)
    fig.suptitle(f"{data['command']}  ({data['cpu_count']} CPUs, load average "
                 f"{data['load_average_start'][0]:.1f} at the start, {data['load_average_end'][0]:.1f} at the end)",
                 fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


# ------------------------------------------------------------------------ compare (notebook 12's table)


def compare(quick: bool) -> None:
    """Classical FL vs QFL vs DQFL: top-1 accuracy per exit at three cell radii, then DQFL's power split
    and boundary at the poorest channel; mean +- std over seeds of each run's last-5-round accuracy."""
    from qkit.fl.channel import Channel
    from qkit.fl.clients import LocalTraining, angle_periods, base_mask, disk_distances
    from qkit.fl.partition import plate_task
    from qkit.fl.rounds import run_federated
    from qkit.qnn import QNN, DynamicQNN
    from qkit.qnn.classical import MLP

    dqnn = DynamicQNN(**MODEL)
    schemes = {"QFL (DQNN)": (dqnn, "qfl"), "QFL (paper's QNN)": (QNN(**MODEL), "qfl"), "DQFL": (dqnn, "dqfl"),
               "classical (MLP 94)": (MLP(4, 4, hidden=(10,)), "classical"),  # the DQNN's size
               "classical (MLP 292)": (MLP(4, 4, hidden=(32,)), "classical")}  # three times the bits
    k, rounds, seeds = (5, 4, 2) if quick else (20, 30, 5)
    task = plate_task(np.random.default_rng(0))

    def run(model, scheme, radius, s, lam=0.8, boundary=1):
        clients = task.clients(k, np.random.default_rng(100 + s))
        rng = np.random.default_rng(s)
        d = disk_distances(k, radius, rng, rounds)
        kw = dict(base_mask=base_mask(model, boundary)) if scheme == "dqfl" else {}
        h = run_federated(model, clients, task.test_set, Channel(), scheme, rounds,
                          initial_params=model.init_params(np.random.default_rng(1000 + s)), rng=rng,
                          training=LocalTraining(epochs=1, batch_size=20, learning_rate=0.05), distances=d,
                          power_split=lam, period=angle_periods(model), **kw)
        return h.accuracy[-5:].mean(axis=0), h.arrival_rate(), (~h.updated).mean()

    def cells(acc):
        acc = np.array(acc)
        return " ".join(f"{m:.3f}+-{sd:.3f}" for m, sd in zip(acc.mean(0), acc.std(0)))

    print(f"\ncompare: {k} vehicles, {rounds} rounds, {seeds} seeds. Accuracy = each run's mean over its last 5 "
          "rounds, then mean +- std over seeds, at every exit; 'arrived' = fraction of vehicle-rounds in which "
          "each block arrived; 'silent' = rounds with no update")
    for radius in (250.0, 600.0, 1000.0):
        for name, (model, scheme) in schemes.items():
            acc, rate, silent = zip(*(run(model, scheme, radius, s) for s in range(seeds)))
            print(f"R = {radius:5.0f} m  {name:20s} [{model.n_params:3d} params] acc {cells(acc)}  "
                  f"arrived {np.round(np.mean(rate, axis=0), 2)}  silent {np.mean(silent):.2f}")
    print("\npower split and boundary, DQFL at R = 1000 m")
    for boundary in (1, 2):
        for lam in (0.6, 0.7, 0.8, 0.9):
            acc, rate, _ = zip(*(run(dqnn, "dqfl", 1000.0, s, lam, boundary) for s in range(seeds)))
            print(f"boundary {boundary} layer(s)  lambda {lam:.1f}  acc {cells(acc)}  "
                  f"arrived {np.round(np.mean(rate, axis=0), 2)}")


def _flower_available() -> bool:
    try:
        importlib.metadata.version("flwr")
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("what", nargs="?", default="all", choices=("scale", "sweep", "all", "compare"))
    p.add_argument("--vehicles", type=int, default=1000, help="scale: fleet size (default 1000)")
    p.add_argument("--rounds", type=int, help="rounds per run (default: scale 30, sweep 3)")
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10_000], help="sweep: fleet sizes")
    p.add_argument("--loop-max", type=int, default=1000, help="sweep: largest fleet the loop runs")
    p.add_argument("--flower-workers", type=int, nargs="*", default=[1, 2], help="scale: Flower worker counts")
    p.add_argument("--no-flower", action="store_true", help="scale: skip the Flower runs")
    p.add_argument("--small", action="store_true", help="10 and 30 vehicles, 2 rounds, no Flower (needs --out)")
    p.add_argument("--out", type=Path, help=f"directory for the results (default {RESULTS})")
    p.add_argument("--quick", action="store_true", help="compare: a smoke test")
    args = p.parse_args()
    if args.what == "compare":
        return compare(args.quick)
    if min([args.vehicles, args.rounds or 1, *args.sizes]) < 1:
        p.error(f"--vehicles, --rounds and --sizes must be >= 1, got {args.vehicles}, {args.rounds}, {args.sizes}")
    if args.small and args.out is None:
        p.error("--small needs --out DIR (the committed results are written by the full runs only)")
    out = args.out or RESULTS
    out.mkdir(parents=True, exist_ok=True)
    workers = [] if args.no_flower or args.small else args.flower_workers
    if workers and not _flower_available():
        print("flwr is not installed (the flower extra): the Flower runs are skipped")
        workers = []
    if args.small:
        args.vehicles, args.sizes, args.rounds = 10, [10, 30], args.rounds or 2
    t0 = time.perf_counter()
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()}; building the task (public plates, test set)")
    with tempfile.TemporaryDirectory() as tmp:
        task_file, inert = build_task_file(Path(tmp))
        ctx = {"out": out, "tmp": Path(tmp), "task_file": task_file, "inert": inert}
        if args.what in ("scale", "all"):
            scale(ctx, args.vehicles, args.rounds or 30, workers)
        if args.what in ("sweep", "all"):
            sweep(ctx, args.sizes, args.rounds or 3, args.loop_max)
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()

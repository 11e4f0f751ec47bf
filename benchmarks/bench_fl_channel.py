"""The uplink and the public-safety scenario: speed of the closed forms, the sampler and the fleet.

Measured side by side in this one process (wall clock; the machine may be shared):

``channel``
    exact reception probabilities (closed form) for a million distances against the Monte Carlo
    sampler that checks them, and one round's :meth:`Channel.reception` for 10 to 100,000
    vehicles.
``scenario``
    :func:`qkit.fl.scenario.simulate` for 10, 100 and 1000 vehicles x 30 rounds, with the time
    of each stage of a round (releasing vehicles, dispatch, driving, sensing, the rest), measured
    by wrapping the module's stage functions with timers.

Run from the repository root::

    python benchmarks/bench_fl_channel.py
    python benchmarks/bench_fl_channel.py --quick
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

import qkit.fl.scenario as scenario_module
from qkit.fl.channel import Channel, monte_carlo_reception
from qkit.fl.scenario import Scenario, simulate


def _best_of(fn, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def channel(quick: bool) -> None:
    ch = Channel()
    n = 10_000 if quick else 1_000_000
    d = np.linspace(0.0, 1500.0, n)
    t_exact = _best_of(lambda: ch.reception_probability(d, "dqfl", 0.8))
    n_points, n_trials = 100, (1000 if quick else 10_000)
    dm = np.linspace(0.0, 1500.0, n_points)
    t_mc = _best_of(lambda: monte_carlo_reception(ch, dm, n_trials, np.random.default_rng(0)), 1)
    per_exact = t_exact / n
    per_mc = t_mc / n_points
    print(f"\nchannel: closed form {1e9 * per_exact:8.1f} ns per distance ({n:,} distances); "
          f"Monte Carlo {1e3 * per_mc:8.3f} ms per distance ({n_trials:,} fades, "
          f"s.e. <= {0.5 / np.sqrt(n_trials):.4f}); ratio {per_mc / per_exact:,.0f}x")
    rng = np.random.default_rng(1)
    for k in (10, 100, 1000, 10_000) + (() if quick else (100_000,)):
        dk = rng.uniform(0.0, 800.0, k)
        t = _best_of(lambda: ch.reception(dk, rng, "dqfl", 0.8), 5)
        print(f"  one round's reception for {k:7,d} vehicles: {1e3 * t:8.3f} ms "
              f"({1e6 * t / k:6.2f} us per vehicle)")


def _instrument() -> tuple[dict, dict]:
    """Wrap the scenario's stage functions with timers; return (timers, originals)."""
    timers: dict[str, float] = defaultdict(float)
    names = {"_release": "release", "_dispatch": "dispatch",
             "_move_fleet": "driving", "_sense": "sensing"}
    originals = {}
    for attr, label in names.items():
        original = getattr(scenario_module, attr)
        originals[attr] = original

        def timed(*args, _f=original, _label=label, **kwargs):
            t0 = time.perf_counter()
            out = _f(*args, **kwargs)
            timers[_label] += time.perf_counter() - t0
            return out

        setattr(scenario_module, attr, timed)
    return timers, originals


def scenario(quick: bool) -> None:
    rounds = 10 if quick else 30
    print(f"\nscenario: simulate(Scenario(n_vehicles=K, task_rate=K/20), {rounds} rounds)")
    print(f"{'vehicles':>8} {'total s':>8} {'us/vehicle-round':>17}  where the time goes")
    timers, originals = _instrument()
    try:
        for k in (10, 100) if quick else (10, 100, 1000):
            timers.clear()
            sc = Scenario(n_vehicles=k, task_rate=k / 20)
            t0 = time.perf_counter()
            simulate(sc, rounds, np.random.default_rng(0))
            total = time.perf_counter() - t0
            timers["rest (new reports, cameras, recording)"] = total - sum(timers.values())
            share = ", ".join(f"{name} {100 * s / total:.0f}%" for name, s in timers.items())
            print(f"{k:8d} {total:8.3f} {1e6 * total / (k * rounds):17.1f}  {share}")
    finally:
        for attr, original in originals.items():
            setattr(scenario_module, attr, original)
    print("(task reports scale with the fleet, K/20 per round; dispatch loops over the new "
          "reports, each a vectorised nearest-vehicle search over the fleet)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test")
    args = parser.parse_args()
    t0 = time.perf_counter()
    channel(args.quick)
    scenario(args.quick)
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()

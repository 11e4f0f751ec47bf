"""Timing of qkit.qrng.estimators on 1,000,000 samples (SP 800-90B non-IID and IID tracks).

Run from the repository root:  python benchmarks/bench_estimators.py [--quick]

Prints wall-clock seconds per track and per estimator, and, if NIST's reference tool
(``ea_non_iid``) is on PATH, its time on the same file and our ratio to it.
The data: 1-bit samples with P(1) = 0.5 and 2-bit samples with probabilities
0.30/0.25/0.25/0.20, from numpy ``default_rng(1)`` (the shared/nist90b vectors).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from qkit.qrng.estimators import iid_track, load_samples
from qkit.qrng.estimators import assess as assess_module


def make_data(width: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    if width == 1:
        return (rng.random(n) < 0.5).astype(np.uint8)
    return rng.choice(4, size=n, p=[0.30, 0.25, 0.25, 0.20]).astype(np.uint8)


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def per_estimator(samples) -> dict:
    """Seconds per estimator (literal + bitstring runs added)."""
    import qkit.qrng.estimators as est
    seqs = [(samples.symbols, samples.alphabet_size, samples.is_binary)]
    if not samples.is_binary:
        seqs.append((samples.bitstring, 2, True))
    times: dict = {}
    for seq, k, binary in seqs:
        jobs = [("Most Common Value", lambda: est.most_common_value(seq, k)),
                ("t-Tuple + LRS", lambda: est.tuple_estimates(seq, k)),
                ("MultiMCW", lambda: est.multi_mcw_estimate(seq, k)),
                ("Lag", lambda: est.lag_estimate(seq, k)),
                ("MultiMMC", lambda: est.multi_mmc_estimate(seq, k)),
                ("LZ78Y", lambda: est.lz78y_estimate(seq, k))]
        if binary:
            jobs[1:1] = [("Collision", lambda: est.collision_estimate(seq)),
                         ("Markov", lambda: est.markov_estimate(seq)),
                         ("Compression", lambda: est.compression_estimate(seq))]
        for name, job in jobs:
            _, dt = timed(job)
            times[name] = times.get(name, 0.0) + dt
    return times


def reference_tool(path: Path, width: int) -> float | None:
    tool = shutil.which("ea_non_iid")
    if tool is None:
        return None
    t0 = time.perf_counter()
    subprocess.run([tool, "-i", "-a", str(path), str(width)], check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="skip the IID permutation tests")
    args = parser.parse_args()
    n = args.samples
    print(f"qkit.qrng.estimators benchmark, {n:,} samples (wall-clock s; the machine may be shared)")
    for width in (1, 2):
        data = make_data(width, n)
        samples = load_samples(data, width, warn=False)
        result, t_non_iid = timed(assess_module.non_iid_track, samples)
        print(f"\n{width}-bit samples: non-IID track {t_non_iid:6.2f} s "
              f"(assessed {result.assessed:.6f} bits/sample)")
        for name, dt in per_estimator(samples).items():
            print(f"    {name:<18} {dt:6.2f} s")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "samples.bin"
            data.tofile(path)
            t_ref = reference_tool(path, width)
        if t_ref is None:
            print("    reference tool ea_non_iid not on PATH: ratio not measured")
        else:
            print(f"    reference ea_non_iid {t_ref:6.2f} s; qkit / reference = {t_non_iid / t_ref:.1f}")
        if not args.quick:
            iid, t_iid = timed(iid_track, samples, seed=2024)
            print(f"  IID track incl. permutation tests {t_iid:6.2f} s "
                  f"({iid.permutation.permutations} shuffles, "
                  f"{'passed' if iid.iid_plausible else 'failed'})")


if __name__ == "__main__":
    main()

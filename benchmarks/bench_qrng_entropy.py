"""Speed and accuracy of the exact QRNG entropy model, side by side with brute force.

Times, in this one process:

* ``H_min(Z23 | E)`` for one mean (mu_e = 625, pixel 1 of Table I), Eqs. (5)-(6);
* the Fig. 7 curve: ``H_min(Z23 | E)`` per bit at 200 means in [0, 1400] electrons;
* the Fig. 8 curve: the failure probability of a 64-pixel frame at 200 means, alone and with
  the entropy on the twin axis;

and checks each against the slow brute-force references kept in the tests
(``tests/test_qrng_entropy.py``: every cell boundary of E listed explicitly, full Eq. (4) CDF;
``tests/test_qrng_sensor.py``: full double sum for P(Z) followed by the multinomial formula).

Run from the repository root::

    python benchmarks/bench_qrng_entropy.py            # targets of issue 3
    python benchmarks/bench_qrng_entropy.py --quick    # fewer brute-force points
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import time
from pathlib import Path

import numpy as np

from qkit.qrng.entropy import conditional_guessing_probability, conditional_min_entropy_curve
from qkit.qrng.frames import PAPER_RULE, out_of_range_probabilities, uniform_failure_curve
from qkit.qrng.pixel import PIXEL_1

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_of(fn, repeat: int) -> float:
    """Smallest wall time of ``repeat`` calls (seconds): the least disturbed by other load."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def multinomial_failure(z_pmf: np.ndarray, n: int) -> float:
    lo, hi, inside = out_of_range_probabilities(z_pmf, PAPER_RULE)
    ok = sum(math.comb(n, a) * math.comb(n - a, b) * lo**a * hi**b * inside ** (n - a - b)
             for a in range(PAPER_RULE.max_low + 1) for b in range(PAPER_RULE.max_high + 1))
    return 1.0 - ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer brute-force comparison points")
    args = parser.parse_args()
    ent = _load("test_qrng_entropy")
    sen = _load("test_qrng_sensor")
    means = np.linspace(0.0, 1400.0, 200)
    check = np.array([30.0, 625.0, 1240.0] if args.quick else [5.0, 30.0, 150.0, 625.0, 1000.0, 1200.0, 1240.0, 1300.0])

    print("Exact QRNG entropy model (pixel 1 of Table I, K = 0.8192); machine shared, wall times")
    print(f"{'quantity':52s} {'fast':>10s} {'brute':>10s} {'ratio':>8s} {'max |error|':>12s}")

    one = best_of(lambda: conditional_guessing_probability(625.0, PIXEL_1), 20)
    t = time.perf_counter()
    slow_p = ent.brute_guessing_probability(625.0, PIXEL_1)
    slow = time.perf_counter() - t
    err = abs(conditional_guessing_probability(625.0, PIXEL_1) - slow_p)
    print(f"{'H_min(Z23|E), one mean (target <= 20 ms)':52s} {one * 1e3:8.2f}ms {slow:9.2f}s "
          f"{slow / one:8.0f} {err:12.1e}  (p_guess)")

    curve_time = best_of(lambda: conditional_min_entropy_curve(means, PIXEL_1), 3)
    fast_h = conditional_min_entropy_curve(check, PIXEL_1)
    t = time.perf_counter()
    slow_h = np.array([-np.log2(ent.brute_guessing_probability(m, PIXEL_1)) / 2 for m in check])
    slow = (time.perf_counter() - t) * means.size / check.size  # brute force scaled to 200 means
    err = np.abs(fast_h - slow_h).max()
    print(f"{'Fig. 7 curve, 200 means (target <= 2 s)':52s} {curve_time:9.3f}s {slow:9.0f}s "
          f"{slow / curve_time:8.0f} {err:12.1e}  (H per bit, {check.size} means; brute scaled)")

    fail_time = best_of(lambda: uniform_failure_curve(means, 64, PIXEL_1), 5)
    both_time = best_of(lambda: (uniform_failure_curve(means, 64, PIXEL_1),
                                 conditional_min_entropy_curve(means, PIXEL_1)), 3)
    fast_f = uniform_failure_curve(check, 64, PIXEL_1)
    t = time.perf_counter()
    slow_f = np.array([multinomial_failure(sen.brute_adc_pmf(m, PIXEL_1), 64) for m in check])
    slow = (time.perf_counter() - t) * means.size / check.size
    err = np.abs(fast_f - slow_f).max()
    print(f"{'Fig. 8 failure curve, 64 pixels, 200 means':52s} {fail_time:9.3f}s {slow:9.1f}s "
          f"{slow / fail_time:8.0f} {err:12.1e}  (failure probability; brute scaled)")
    print(f"{'Fig. 8 failure + entropy, 200 means (target <= 2 s)':52s} {both_time:9.3f}s")


if __name__ == "__main__":
    main()

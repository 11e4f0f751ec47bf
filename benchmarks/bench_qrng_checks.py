"""Cost of the argument checks of qkit.qrng (issue 15): each public call against its unchecked core.

Prints, for a few calls on the happy path, the median time of the public (checked) function and of
the private function it wraps, measured side by side in one run, and their ratio. The checks are
O(size) numpy, so the ratio should stay near 1 for anything but the tiniest inputs.

Run: ``.venv/bin/python benchmarks/bench_qrng_checks.py`` (a few seconds).
"""

from __future__ import annotations

import os
import time

import numpy as np

from qkit.qrng import frames, sensor
from qkit.qrng.frames import PAPER_RULE
from qkit.qrng.pixel import PIXEL_1


def _median_times(first, second, repeat: int = 30) -> tuple[float, float]:
    """Median times of two functions, called alternately so that load changes hit both alike."""
    times = ([], [])
    for _ in range(repeat):
        for func, out in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            func()
            out.append(time.perf_counter() - start)
    return float(np.median(times[0])), float(np.median(times[1]))


def main() -> None:
    rng = np.random.default_rng(0)
    z = sensor.adc_pmf(625.0, PIXEL_1)
    stack = sensor.adc_pmf_many(np.linspace(300.0, 900.0, 64), PIXEL_1)
    lo, hi, inside = frames.out_of_range_probabilities(stack, PAPER_RULE)
    x = rng.normal(500.0, 50.0, size=1_000_000)
    pairs = [
        ("adc_pmf(625, PIXEL_1)", lambda: sensor.adc_pmf(625.0, PIXEL_1),
         lambda: sensor._adc_pmf(625.0, PIXEL_1, 1e-12)),
        ("kept_bits_pmf(64 pmfs)", lambda: sensor.kept_bits_pmf(stack, (2, 3)),
         lambda: sensor._kept_bits_pmf(stack, (2, 3))),
        ("kept_bits_pmf(1 pmf)", lambda: sensor.kept_bits_pmf(z, (2, 3)),
         lambda: sensor._kept_bits_pmf(z, (2, 3))),
        ("adc_floor(1e6 values)", lambda: sensor.adc_floor(x, 1023), lambda: sensor._floor(x, 1023)),
        ("pass_probability(64 pixels)", lambda: frames.pass_probability(lo, hi, inside, PAPER_RULE),
         lambda: frames._pass_probability(lo, hi, inside, PAPER_RULE)),
    ]
    print(f"load average {os.getloadavg()[0]:.2f} (1 min); median of 30 alternating calls each")
    print(f"{'call':32s} {'checked':>11s} {'unchecked':>11s} {'ratio':>7s}")
    for name, checked, unchecked in pairs:
        checked(), unchecked()  # warm up
        t_checked, t_unchecked = _median_times(checked, unchecked)
        print(f"{name:32s} {t_checked * 1e3:9.3f} ms {t_unchecked * 1e3:9.3f} ms {t_checked / t_unchecked:7.2f}")


if __name__ == "__main__":
    main()

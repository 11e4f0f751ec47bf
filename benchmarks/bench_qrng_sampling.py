"""Timing of the frame sampler, the correlations and the dark-histogram fit (notebook 03 sizes).

Run from the repository root:  python benchmarks/bench_qrng_sampling.py

Measured side by side in one run:

* ``sample_frames`` for 64 pixels x 1e5 frames, at several chunk sizes, against a loop over
  pixels calling ``qkit.qrng.sensor.sample_adc`` (the one-pixel sampler);
* ``correlation_summary`` on those frames, and the FFT autocorrelation against a loop over lags;
* one evaluation of the dark-histogram likelihood with the fit's own pmf (observed bins only,
  with its analytic gradient) against ``qkit.qrng.sensor.adc_pmf`` on all 1024 values (no
  gradient), and a whole ``fit_dark_histogram`` of 4e5 readings (K fixed, and K free).
"""

from __future__ import annotations

import time

import numpy as np

from qkit.qrng import fitting
from qkit.qrng.correlations import autocorrelation, correlation_summary
from qkit.qrng.pixel import PIXEL_1
from qkit.qrng.sampling import adc_histogram, sample_dark_frames, sample_frames
from qkit.qrng.sensor import adc_pmf, sample_adc


def best_of(fn, repeats: int = 3) -> float:
    """Smallest wall-clock time of ``repeats`` calls (seconds)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    pixels, frames = 64, 100_000
    light = np.full(pixels, 625.0)
    print(f"sampling {pixels} pixels x {frames:,} frames (mu_e = 625, PIXEL_1)")
    loop = best_of(lambda: [sample_adc(625.0, PIXEL_1, frames, np.random.default_rng(i)) for i in range(pixels)])
    print(f"  loop over pixels with sensor.sample_adc      {loop:7.3f} s")
    for chunk in (1 << 14, 1 << 18, 1 << 21, pixels * frames):
        t = best_of(lambda: sample_frames(light, PIXEL_1, frames, rng=np.random.default_rng(0), chunk_elements=chunk))
        print(f"  sample_frames, chunk {chunk:>9,} draws      {t:7.3f} s   ({loop / t:4.1f}x the loop)")

    z = sample_frames(light, PIXEL_1, frames, rng=np.random.default_rng(0))
    t = best_of(lambda: correlation_summary(z, max_lag=20))
    print(f"correlation_summary (2016 pairs, lags 1..20)   {t:7.3f} s")
    series = z[:4].astype(float)
    fft = best_of(lambda: autocorrelation(series, 50))

    def lag_loop():
        dev = series - series.mean(axis=1, keepdims=True)
        var = np.mean(dev**2, axis=1)
        return [np.mean(dev[:, :-lag] * dev[:, lag:], axis=1) / var for lag in range(1, 51)]

    direct = best_of(lag_loop)
    print(f"autocorrelation, 4 pixels, lags 1..50: FFT {fft:7.4f} s, loop over lags {direct:7.4f} s "
          f"({direct / fft:4.1f}x)")

    counts = adc_histogram(sample_dark_frames(PIXEL_1, 400_000, rng=np.random.default_rng(1)), 1023)
    seen = np.flatnonzero(counts)
    theta = np.array([PIXEL_1.readout_mean + 8, PIXEL_1.readout_sigma, PIXEL_1.dark_mean, PIXEL_1.gain])
    own = best_of(lambda: fitting._pmf_and_gradient(seen, theta, 1023), repeats=20)
    full = best_of(lambda: adc_pmf(0.0, PIXEL_1.with_offset(8)), repeats=20)
    print(f"likelihood evaluation: fit's pmf+gradient on {seen.size} bins {1e3 * own:6.2f} ms, "
          f"sensor.adc_pmf on 1024 bins {1e3 * full:6.2f} ms ({full / own:4.1f}x; the gradient would "
          f"need 2 x {3} more adc_pmf calls)")
    fixed = best_of(lambda: fitting.fit_dark_histogram(counts), repeats=3)
    free = best_of(lambda: fitting.fit_dark_histogram(counts, fit_gain=True), repeats=1)
    print(f"fit_dark_histogram, 4e5 readings: K fixed {fixed:6.3f} s, K free {free:6.3f} s")


if __name__ == "__main__":
    main()

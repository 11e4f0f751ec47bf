"""Throughput of the chain raw frames -> Z23 -> Toeplitz extraction -> bits, and of a Hash_DRBG.

Run from the repository root:  python benchmarks/bench_chain.py [--raw-bits 8388608]

Measured side by side in one run (best of ``--repeats`` wall-clock times per stage):

1. ``qkit.qrng.sampling.sample_frames``: one pixel (PIXEL_1, mu_e = 625), ``raw_bits / 2`` readings;
2. ``qkit.qrng.sensor.extract_bits`` + ``qkit.qrng.extraction.samples_to_bits``: the kept bits Z23;
3. ``qkit.qrng.extraction.toeplitz_extract`` on blocks of ``--block`` raw bits, each hashed to
   ``m = leftover_hash_length(n, n * h, 2**-64)`` bits, ``h`` the per-bit H_min(Z23 | E) of Eq. (6);
4. ``qkit.qrng.drbg.HashDRBG.random_bits``, seeded with 384 extracted bits, for as many output bits;
5. the FFT extractor against the direct matrix product (``toeplitz_extract_direct``, float64 BLAS)
   on the same blocks at sizes where both run, and the ratio.

Each stage's time and rate in bits per second are printed, and the whole chain's output rate.
The simulated chip is the bottleneck here, not the hardware's 'real' rate: the point is the
relative cost of the software stages. ``uptime`` is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from qkit.qrng.drbg import HashDRBG
from qkit.qrng.entropy import conditional_min_entropy
from qkit.qrng.extraction import leftover_hash_length, samples_to_bits, toeplitz_extract, toeplitz_extract_direct
from qkit.qrng.pixel import PIXEL_1
from qkit.qrng.sampling import sample_frames
from qkit.qrng.sensor import extract_bits

MEAN = 625.0
EPSILON = 2.0 ** -64


def best_of(fn, repeats: int):
    """(smallest wall-clock time in seconds, last result) of ``repeats`` calls."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def rate(bits: int, seconds: float) -> str:
    return f"{bits / seconds / 1e6:8.2f} Mbit/s"


def chain(raw_bits: int, block: int, repeats: int) -> None:
    h = conditional_min_entropy(MEAN, PIXEL_1, per_bit=True)
    m = leftover_hash_length(block, block * h, EPSILON)
    blocks = raw_bits // block
    raw_bits = blocks * block
    print(f"chain: PIXEL_1, mu_e = {MEAN:g}, H_min(Z23|E) = {h:.5f} bit/bit; blocks of n = {block} raw bits -> "
          f"m = {m} ({m / block:.4f} of n, epsilon = 2^-64); {blocks} blocks = {raw_bits:,} raw bits")
    t_frames, z = best_of(lambda: sample_frames(MEAN, PIXEL_1, raw_bits // 2, rng=np.random.default_rng(1))[0],
                          repeats)
    t_bits, raw = best_of(lambda: samples_to_bits(extract_bits(z, PIXEL_1.kept_bits), 2), repeats)
    seed = np.random.default_rng(2).integers(0, 2, size=block + m - 1, dtype=np.uint8)
    t_ext, out = best_of(lambda: toeplitz_extract(raw.reshape(blocks, block), seed, m), repeats)
    n_out = out.size
    packed = np.packbits(out.reshape(-1)[:384]).tobytes()
    t_drbg, drbg_bits = best_of(lambda: HashDRBG(packed[:32], packed[32:]).random_bits(n_out), repeats)
    total = t_frames + t_bits + t_ext
    print(f"  1 sample_frames ({raw_bits // 2:,} readings)        {t_frames:8.3f} s  {rate(raw_bits, t_frames)} raw")
    print(f"  2 kept bits Z23 -> bit array                  {t_bits:8.3f} s  {rate(raw_bits, t_bits)} raw")
    print(f"  3 Toeplitz FFT extraction ({n_out:,} out)    {t_ext:8.3f} s  {rate(n_out, t_ext)} out, "
          f"{rate(raw_bits, t_ext)} in")
    print(f"  chain 1-3: frames to extracted bits           {total:8.3f} s  {rate(n_out, total)} out")
    print(f"  4 Hash_DRBG output ({drbg_bits.size:,} bits)      {t_drbg:8.3f} s  {rate(drbg_bits.size, t_drbg)} out")
    print(f"  extracted-bit mean {out.mean():.5f}, DRBG-bit mean {drbg_bits.mean():.5f}")


def fft_vs_direct(repeats: int) -> None:
    print("Toeplitz extraction, FFT vs direct matrix product (same blocks, same seed; outputs compared):")
    h = conditional_min_entropy(MEAN, PIXEL_1, per_bit=True)
    rng = np.random.default_rng(3)
    for n, n_blocks in ((1024, 256), (4096, 64), (16384, 4)):
        m = leftover_hash_length(n, n * h, EPSILON)
        x = rng.integers(0, 2, size=(n_blocks, n), dtype=np.uint8)
        s = rng.integers(0, 2, size=n + m - 1, dtype=np.uint8)
        t_fft, a = best_of(lambda: toeplitz_extract(x, s, m), repeats)
        t_dir, b = best_of(lambda: toeplitz_extract_direct(x, s, m), repeats)
        same = "equal" if np.array_equal(a, b) else "DIFFER"
        print(f"  n = {n:6d}, m = {m:6d}, {n_blocks:4d} blocks: FFT {t_fft:8.4f} s, direct {t_dir:8.4f} s, "
              f"direct / FFT = {t_dir / t_fft:6.1f}x  (outputs {same})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-bits", type=int, default=1 << 23, help="raw bits through the chain")
    parser.add_argument("--block", type=int, default=1 << 16, help="raw bits per Toeplitz block")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {load()}  ({os.cpu_count()} cores)")
    chain(args.raw_bits, args.block, args.repeats)
    fft_vs_direct(args.repeats)
    print(f"load average at end:   {load()}")


if __name__ == "__main__":
    main()

"""Registry cases for ``qkit.qrng.extraction`` and ``qkit.qrng.drbg`` (see ``__init__.py`` beside this file).

Valid calls are small (a few hundred bits, one pixel at mu_e = 625) so each runs well under a second,
except ``non_iid_comparison``, which runs the non-IID track three times on 10,000 bits.
"""

import numpy as np

from api_registry import Case
from qkit.qrng.drbg import HashDRBG
from qkit.qrng.pixel import NOISE_FREE, PIXEL_1

_RNG = np.random.default_rng
_X = np.random.default_rng(1).integers(0, 2, size=(3, 40))
_S = np.random.default_rng(2).integers(0, 2, size=40 + 8 - 1)
_ENTROPY, _NONCE = bytes(range(32)), bytes(range(100, 116))
X = "qkit.qrng.extraction"
D = "qkit.qrng.drbg"


def _drbg() -> HashDRBG:
    return HashDRBG(_ENTROPY, _NONCE)


_BITS_BAD = {"bits": [[0, 2, 1], np.zeros((2, 2, 2)), [], [-1, 0]],
             "seed_bits": [_S[:-1], np.append(_S, 1), [[0, 1]], [0, 3] * 20 + [0] * 7],
             "output_length": [0, 41, -1]}

CASES = [
    Case(f"{X}.samples_to_bits", args=(np.array([0, 1, 2, 3]), 2),
         bad={"samples": [[4], [-1], [0.5]], "bits_per_sample": [0, 17, 1.5]}),
    Case(f"{X}.toeplitz_matrix", args=(_S, 40, 8),
         bad={"seed_bits": [_S[:-1], [0, 2] * 23 + [1]], "input_length": [0, 39], "output_length": [0, 41]}),
    Case(f"{X}.toeplitz_extract", args=(_X, _S, 8), bad=_BITS_BAD),
    Case(f"{X}.toeplitz_extract_direct", args=(_X, _S, 8), bad=_BITS_BAD),
    Case(f"{X}.leftover_hash_length", args=(1000, 980.0, 2.0 ** -64),
         bad={"n": [0, -5], "min_entropy_bits": [-1.0, 1000.5], "epsilon": [0.0, 1.0, -0.1, 2.0]}),
    Case(f"{X}.leftover_hash_bound", args=(100.0, 60),
         bad={"min_entropy_bits": [-1.0], "output_length": [0, -3]}),
    Case(f"{X}.extractor_distance", args=(np.full(16, 1 / 16), 2), kwargs={"seed_bits": np.array([1, 0, 1, 1, 0])},
         bad={"source_pmf": [np.full(6, 1 / 6), np.full(16, 0.1), -np.full(16, 1 / 16)],
              "output_length": [0, 5], "seed_bits": [np.array([1, 0, 1]), np.array([1, 0, 2, 1, 0])]}),
    Case(f"{X}.extractor_distance", id="extractor_distance_all_seeds", args=(np.full(16, 1 / 16), 2),
         bad={"source_pmf": [np.full(2 ** 14, 2.0 ** -14)]}),  # 2**25 seeds: refused before enumerating
    Case(f"{X}.guessing_probability_by_noise", args=(625.0, PIXEL_1),
         bad={"mean_photoelectrons": [-1.0, 1e20], "pixel": ["PIXEL_1"], "tolerance": [0.0, 1.0]}),
    Case(f"{X}.worst_case_min_entropy", args=(625.0, PIXEL_1), kwargs={"per_bit": True},
         bad={"mean_photoelectrons": [-1.0, 1e20], "pixel": [None, 3], "per_bit": [1]}),
    # ---- drbg
    Case(f"{D}.hash_df", args=(b"qkit", 440), bad={"input_string": ["qkit", [1, 2]], "no_of_bits": [0, 12, 10 ** 6]}),
    Case(f"{D}.HashDRBG", args=(_ENTROPY, _NONCE, b"device"), kwargs={"entropy_bits": 256.0, "reseed_interval": 10},
         bad={"entropy_input": [bytes(31), "00" * 32], "nonce": [bytes(15)], "personalization": ["device"],
              "entropy_bits": [255.0, 257.0], "reseed_interval": [0, 2 ** 48 + 1]}),
    Case(f"{D}.HashDRBG.generate", instance=_drbg, args=(64, b"extra"),
         bad={"n_bytes": [0, 65537], "additional_input": ["extra"]}),
    Case(f"{D}.HashDRBG.reseed", instance=_drbg, args=(_ENTROPY, b"extra"), kwargs={"entropy_bits": 256.0},
         bad={"entropy_input": [bytes(8)], "entropy_bits": [100.0]}),
    Case(f"{D}.HashDRBG.random_bits", instance=_drbg, args=(1000,), bad={"n_bits": [0, 2 ** 40]}),
    Case(f"{D}.seed_samples_needed", args=(256, 1.96),
         bad={"security_strength_bits": [0.0, -1.0, 2.0 ** 40], "min_entropy_per_sample": [0.0, -0.5, 65.0]}),
    Case(f"{D}.chip_seed_budget", args=(625.0, PIXEL_1), kwargs={"worst_case": False, "security_strength_bits": 256},
         bad={"mean_photoelectrons": [-1.0, 1e20], "pixel": ["PIXEL_1"], "worst_case": [1],
              "security_strength_bits": [0, 512]}),
    Case(f"{D}.chip_seed_budget", id="chip_seed_budget_no_entropy", args=(625.0, PIXEL_1),
         bad={"mean_photoelectrons": [0.0]}, allow={"mean_photoelectrons": "*"}, timeout=10.0),
    Case(f"{D}.chain_bits", make=lambda: ((1000, 625.0, PIXEL_1),
                                          dict(stage="toeplitz", rng=_RNG(0), epsilon=2.0 ** -32, block_bits=1024)),
         bad={"n_bits": [0, 10 ** 9], "mean_photoelectrons": [-1.0], "stage": ["extracted"],
              "rng": [0, None], "epsilon": [0.0, 1.0], "block_bits": [100, 2 ** 23]}),
    Case(f"{D}.non_iid_comparison", make=lambda: ((10_000, 625.0, PIXEL_1), dict(rng=_RNG(0))),
         bad={"n_bits": [9999, 10 ** 8], "rng": [0], "mean_photoelectrons": [-1.0]}, timeout=60.0),
]

EXEMPT = {
    f"{X}.NoiseGuessing": "a result record that only guessing_probability_by_noise builds",
    f"{D}.SeedBudget": "a result record that only chip_seed_budget builds",
}

_ = NOISE_FREE  # (the zero-entropy refusal uses PIXEL_1 at mu_e = 0 above: Z23 is not constant there)

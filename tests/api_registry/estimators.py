"""Registry cases for ``qkit.qrng.estimators`` (see ``__init__.py`` beside this file).

Valid calls use small sequences (a few thousand samples) so each runs well under a second.
"""

import numpy as np

from api_registry import Case

_RNG = np.random.default_rng(7)
_BITS = (_RNG.random(8000) < 0.5).astype(np.uint8)                  # > 6000 bits: Compression runs
_SYM4 = _RNG.choice(4, size=8000, p=[0.3, 0.25, 0.25, 0.2]).astype(np.uint8)
_SMALL4 = _SYM4[:400]
_ALPHABET4 = np.array([0, 1, 2, 3], dtype=np.uint8)
_RAW4 = np.array([1, 2, 5, 7], dtype=np.uint8)[_SMALL4]
_ONE_SYMBOL = np.zeros(1000, dtype=np.uint8)
_WIDE = np.array([0, 9], dtype=np.uint8)                              # a symbol outside 0..3

E = "qkit.qrng.estimators"


def _samples():
    from qkit.qrng.estimators import load_samples

    return load_samples(_SYM4, 2, warn=False)


def _counts():
    from qkit.qrng.estimators._substrings import substring_counts

    return substring_counts(_SYM4, 4)


def _bad(*symbols, k=(0, 1, 257)):
    """Bad ``symbols`` (out of range, 2-D, negative, plus ``symbols``) and bad ``k``."""
    return {"symbols": [_WIDE, np.zeros((4, 4), np.uint8), np.array([-1, 0, 1]), *symbols],
            "k": list(k)}

CASES = [
    # --- reading samples and the entry points ------------------------------------------------
    Case(f"{E}.load_samples", args=(_SYM4, 2), kwargs=dict(warn=False),
         bad={"bits_per_symbol": [0, 9, 1], "source": [_ONE_SYMBOL, _SYM4[:100], np.array([256, 0])],
              "minimum": [0, 1.5]}),
    Case(f"{E}.assess_entropy", args=(_SYM4, 2),
         kwargs=dict(tracks="iid", permutations=False, warn=False),
         bad={"tracks": [(), ("iid", "both"), 5], "source": [_ONE_SYMBOL],
              "max_permutations": [0, -1, 2.5], "seed": ["seed", -3, 1.5, True],
              "bits_per_symbol": [1, 0], "workers": [0, 65, 1.5]}),
    Case(f"{E}.iid_track", make=lambda: ((_samples(),), dict(permutations=False)),
         bad={"samples": [_SYM4], "max_permutations": [0, -1], "seed": ["x", -1], "workers": [0, 65]}),
    Case(f"{E}.non_iid_track", make=lambda: ((_samples(),), {}), timeout=30.0,
         bad={"samples": [_SYM4, "samples.bin"], "workers": [0, 65, "2"]}),
    # --- non-IID estimators ------------------------------------------------------------------
    Case(f"{E}.most_common_value", args=(_SYM4, 4), bad=_bad(_SYM4[:1])),
    Case(f"{E}.collision_estimate", args=(_BITS[:2000],),
         bad={"bits": [np.array([0, 1]), np.array([0, 2, 1, 1, 0, 1]), _SYM4]}),
    Case(f"{E}.collision.collision_times", args=(_BITS[:2000],), bad={"bits": [_SYM4]}),
    Case(f"{E}.markov_estimate", args=(_BITS[:2000],), bad={"bits": [np.array([1]), _SYM4]}),
    Case(f"{E}.compression_estimate", args=(_BITS,), bad={"bits": [_BITS[:100], _SYM4]}),
    Case(f"{E}.compression.compression_expectation", args=(0.6, 2000),
         bad={"p": [-0.1, 1.5], "num_blocks": [0, -5], "k": [1], "d": [0]}),
    Case(f"{E}.t_tuple_estimate", make=lambda: ((_counts(), 8000), {}),
         bad={"counts": [_SYM4, None], "n": [0, 1]}),
    Case(f"{E}.lrs_estimate", make=lambda: ((_counts(), 8000), {}),
         bad={"counts": [_SYM4, None], "n": [0, 1]}),
    Case(f"{E}.tuple_estimates", args=(_SYM4, 4), bad=_bad()),
    Case(f"{E}.multi_mcw_estimate", args=(_SYM4[:5000], 4), bad=_bad(_SYM4[:100])),
    Case(f"{E}.lag_estimate", args=(_SYM4[:3000], 4), bad=_bad()),
    Case(f"{E}.multi_mmc_estimate", args=(_SYM4[:3000], 4), bad=_bad()),
    Case(f"{E}.lz78y_estimate", args=(_SYM4[:3000], 4), bad=_bad(_SYM4[:10])),
    Case(f"{E}.prediction_estimate", args=(520, 1000, 12, 2),
         bad={"correct": [-1, 1001], "trials": [0, 1], "longest": [-1, 2000], "k": [1, 0]}),
    # --- IID track -----------------------------------------------------------------------------
    Case(f"{E}.chi_square_independence", args=(_SYM4, 4),
         bad=_bad(_ONE_SYMBOL, _SYM4[:12])),
    Case(f"{E}.chi_square_goodness_of_fit", args=(_SYM4, 4),
         bad=_bad(_ONE_SYMBOL, _SYM4[:9])),
    Case(f"{E}.lrs_test", args=(_SYM4, 4), bad=_bad(_ONE_SYMBOL)),
    Case(f"{E}.iid.tool_proportions", args=(_SYM4, 4), bad=_bad()),
    Case(f"{E}.permutation_statistics", args=(_SMALL4, _RAW4, 4, float(_RAW4.mean()), 1.0),
         bad={"raw": [_RAW4[:-1], np.zeros((2, 200), np.uint8), np.full(400, 300)],
              "k": [1, 300], "raw_mean": [-1.0, 300.0], "median": [-0.5, 4.0],
              "symbols": [_WIDE, _SMALL4.reshape(20, 20)]}),
    Case(f"{E}.permutation_tests", args=(_SMALL4, _ALPHABET4),
         kwargs=dict(seed=3, max_permutations=20, workers=2),
         bad={"alphabet": [np.array([3, 2, 1, 0]), np.array([1]), np.array([0, 1, 2, 300])],
              "max_permutations": [0, -1], "workers": [0, 1000], "seed": [-1, "seed", 2.5],
              "symbols": [np.array([0, 5, 1])], "progress": ["not callable"]}),
    # --- step-by-step references of the IID track ------------------------------------------
    Case(f"{E}.reference_iid.conversion_1", args=(_BITS[:80],), bad={"bits": [_SYM4[:80]]}),
    Case(f"{E}.reference_iid.conversion_2", args=(_BITS[:80],), bad={"bits": [_SYM4[:80]]}),
    Case(f"{E}.reference_iid.reference_statistics",
         args=(_SMALL4, _RAW4, 4, float(_RAW4.mean()), 1.0),
         bad={"raw": [_RAW4[:-1]], "raw_mean": [-1.0], "median": [9.0], "k": [1]}),
    Case(f"{E}.reference_iid.reference_permutation_counts", args=(_SMALL4[:200], _ALPHABET4),
         kwargs=dict(seed=1, max_permutations=3),
         bad={"alphabet": [np.array([2, 1])], "max_permutations": [0], "seed": [-2, "x"]}),
    Case(f"{E}.reference_iid.reference_chi_square_independence", args=(_SMALL4, 4),
         bad={"symbols": [_ONE_SYMBOL[:10], _WIDE], "k": [1]}),
    Case(f"{E}.reference_iid.reference_chi_square_goodness_of_fit", args=(_SMALL4, 4),
         bad={"symbols": [_SMALL4[:9], _WIDE], "k": [1]}),
    Case(f"{E}.reference_iid.reference_lrs_test", args=(_SMALL4[:200], 4),
         bad={"symbols": [_SMALL4[:1], _WIDE], "k": [1]}),
    # --- step-by-step references of the non-IID estimators (A1's reference.py) -----------------
    Case(f"{E}.reference.most_common_value", args=(_SYM4[:1000],), bad={"s": [_SYM4[:1], np.array([0, 300])]}),
    Case(f"{E}.reference.collision", args=(_BITS[:1000],), bad={"bits": [_SYM4[:100], np.array([0, 1])]}),
    Case(f"{E}.reference.markov", args=(_BITS[:1000],), bad={"bits": [_SYM4[:100]]}),
    Case(f"{E}.reference.compression", args=(_BITS[:7000],), bad={"bits": [_SYM4[:7000]]}),
    Case(f"{E}.reference.t_tuple", args=(_SYM4[:2000],), bad={"s": [_SYM4[:1]], "threshold": [0]}),
    Case(f"{E}.reference.lrs", args=(_SYM4[:2000],), bad={"s": [_SYM4[:1]], "threshold": [0]}),
    Case(f"{E}.reference.multi_mcw", args=(_SYM4[:1000], 4), bad={"s": [_WIDE], "k": [0, 1]}),
    Case(f"{E}.reference.lag", args=(_SYM4[:1000], 4), bad={"s": [_WIDE], "k": [0, 1], "lags": [0]}),
    Case(f"{E}.reference.multi_mmc", args=(_SYM4[:1000], 4), bad={"s": [_WIDE], "k": [1], "orders": [0]}),
    Case(f"{E}.reference.lz78y", args=(_SYM4[:1000], 4), bad={"s": [_WIDE, _SYM4[:5]], "k": [1]}),
    # --- the compiled kernels' switch ----------------------------------------------------------
    Case(f"{E}.compiled_kernels"),
    Case(f"{E}.numpy_only"),
    Case(f"{E}._compiled.kernel", args=("lag",), bad={"name": ["Lag", "", 3]}),
]

_RECORD = "a frozen result record that only qkit builds; its fields are checked by the estimator tests"
EXEMPT = {
    f"{E}.EstimateResult": _RECORD,
    f"{E}.Samples": "built by load_samples (which has a Case); constructing it by hand is not supported",
    f"{E}.Assessment": _RECORD,
    f"{E}.IIDResult": _RECORD,
    f"{E}.NonIIDResult": _RECORD,
    f"{E}.ChiSquareResult": _RECORD,
    f"{E}.LRSTestResult": _RECORD,
    f"{E}.PermutationResult": _RECORD,
}

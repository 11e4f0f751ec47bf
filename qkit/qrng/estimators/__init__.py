"""SP 800-90B min-entropy estimators and IID tests (Sec. V and Fig. 9 of the QRNG paper).

Our own numpy implementation of NIST SP 800-90B's estimators, following the conventions of
NIST's reference tool (SP800-90B_EntropyAssessment 1.1.7) so that the numbers agree with it.
:mod:`.reference_iid` spells out the IID-track tests step by step, as the standard reads.

>>> from qkit.qrng.estimators import assess_entropy
>>> result = assess_entropy("samples.bin", bits_per_symbol=2)        # doctest: +SKIP
>>> print(result.summary())                                          # doctest: +SKIP

Names are imported from their modules on first use, so a program that runs only the IID
track (``iid_track``) does not load the non-IID estimators (or scipy's optimisers).
"""

from __future__ import annotations

import importlib

_SOURCES = {
    "_common": ("ZALPHA", "EstimateResult", "prediction_estimate"),
    "_compiled": ("compiled_kernels", "numpy_only"),
    "_symbols": ("MINIMUM_SAMPLES", "RECOMMENDED_SAMPLES", "Samples", "SmallSampleWarning",
                 "load_samples"),
    "assess": ("ESTIMATORS", "Assessment", "IIDResult", "NonIIDResult", "assess_entropy",
               "iid_track", "non_iid_track"),
    "collision": ("collision_estimate",),
    "compression": ("compression_estimate",),
    "iid": ("ChiSquareResult", "LRSTestResult", "chi_square_goodness_of_fit",
            "chi_square_independence", "lrs_test"),
    "markov": ("markov_estimate",),
    "mcv": ("most_common_value",),
    "permutation": ("STATISTICS", "PermutationResult", "permutation_statistics",
                    "permutation_tests"),
    "predictors": ("lag_estimate", "lz78y_estimate", "multi_mcw_estimate", "multi_mmc_estimate"),
    "tuples": ("lrs_estimate", "t_tuple_estimate", "tuple_estimates"),
}
_MODULE_OF = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = [
    "ZALPHA", "EstimateResult", "prediction_estimate", "compiled_kernels", "numpy_only",
    "MINIMUM_SAMPLES", "RECOMMENDED_SAMPLES", "Samples", "SmallSampleWarning", "load_samples",
    "ESTIMATORS", "Assessment", "IIDResult", "NonIIDResult", "assess_entropy", "iid_track",
    "non_iid_track",
    "most_common_value", "collision_estimate", "markov_estimate", "compression_estimate",
    "t_tuple_estimate", "lrs_estimate", "tuple_estimates",
    "multi_mcw_estimate", "lag_estimate", "multi_mmc_estimate", "lz78y_estimate",
    "ChiSquareResult", "LRSTestResult", "chi_square_independence", "chi_square_goodness_of_fit",
    "lrs_test", "STATISTICS", "PermutationResult", "permutation_statistics", "permutation_tests",
]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

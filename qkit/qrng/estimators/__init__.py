"""SP 800-90B min-entropy estimators and IID tests (Sec. V and Fig. 9 of the QRNG paper).

Our own numpy implementation of NIST SP 800-90B's estimators, following the conventions of
NIST's reference tool (SP800-90B_EntropyAssessment 1.1.7) so that the numbers agree with it.

>>> from qkit.qrng.estimators import assess_entropy
>>> result = assess_entropy("samples.bin", bits_per_symbol=2)        # doctest: +SKIP
>>> print(result.summary())                                          # doctest: +SKIP
"""

from ._common import ZALPHA, EstimateResult, prediction_estimate
from ._symbols import MINIMUM_SAMPLES, RECOMMENDED_SAMPLES, Samples, SmallSampleWarning, load_samples
from .assess import ESTIMATORS, Assessment, IIDResult, NonIIDResult, assess_entropy, iid_track, non_iid_track
from .collision import collision_estimate
from .compression import compression_estimate
from .iid import ChiSquareResult, LRSTestResult, chi_square_goodness_of_fit, chi_square_independence, lrs_test
from .markov import markov_estimate
from .mcv import most_common_value
from .permutation import STATISTICS, PermutationResult, permutation_statistics, permutation_tests
from .predictors import lag_estimate, lz78y_estimate, multi_mcw_estimate, multi_mmc_estimate
from .tuples import lrs_estimate, t_tuple_estimate, tuple_estimates

__all__ = [
    "ZALPHA", "EstimateResult", "prediction_estimate",
    "MINIMUM_SAMPLES", "RECOMMENDED_SAMPLES", "Samples", "SmallSampleWarning", "load_samples",
    "ESTIMATORS", "Assessment", "IIDResult", "NonIIDResult", "assess_entropy", "iid_track",
    "non_iid_track",
    "most_common_value", "collision_estimate", "markov_estimate", "compression_estimate",
    "t_tuple_estimate", "lrs_estimate", "tuple_estimates",
    "multi_mcw_estimate", "lag_estimate", "multi_mmc_estimate", "lz78y_estimate",
    "ChiSquareResult", "LRSTestResult", "chi_square_independence", "chi_square_goodness_of_fit",
    "lrs_test", "STATISTICS", "PermutationResult", "permutation_statistics", "permutation_tests",
]

"""One entry point for an SP 800-90B assessment: :func:`assess_entropy`.

It follows NIST's reference tool (``ea_non_iid -i -a`` and ``ea_iid -i -a``): the
per-symbol estimators run on the renumbered symbols ("literal"); when more than two symbols
occur, every non-IID estimator also runs on the bitstring, and the binary-only estimators
(Collision, Markov, Compression) run on the bitstring alone. The assessed min-entropy per
sample is ``min(H_original, bits_per_symbol * H_bitstring)``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ._common import EstimateResult
from ._symbols import Samples, check_flag, check_samples, check_seed, load_samples, symbol_counts
from .iid import ChiSquareResult, LRSTestResult, chi_square_goodness_of_fit, chi_square_independence, lrs_test
from .mcv import most_common_value
from .permutation import MAX_PERMUTATIONS, PermutationResult, _default_workers, permutation_tests
from qkit._validate import require_integer

__all__ = ["ESTIMATORS", "NonIIDResult", "IIDResult", "Assessment", "non_iid_track", "iid_track",
           "assess_entropy"]

#: The ten non-IID estimators in the order of SP 800-90B Sec. 6.3 (and of Fig. 9).
ESTIMATORS = ("Most Common Value", "Collision", "Markov", "Compression", "t-Tuple", "LRS",
              "MultiMCW", "Lag", "MultiMMC", "LZ78Y")


def _estimator_jobs(seq: np.ndarray, k: int, binary_only: bool) -> list:
    """(names, call) for every estimator on ``seq``, in the order a pool takes them: the
    suffix array (t-Tuple, LRS) first, beside the small-memory predictors; Compression, the
    other one with a few MiB of working memory, last, when the suffix array is gone."""
    # imported here: the IID track alone need not load the non-IID estimators
    from .collision import collision_estimate
    from .compression import compression_estimate
    from .markov import markov_estimate
    from .predictors import lag_estimate, lz78y_estimate, multi_mcw_estimate, multi_mmc_estimate
    from .tuples import tuple_estimates
    jobs = [(("t-Tuple", "LRS"), lambda: tuple_estimates(seq, k)),
            (("MultiMMC",), lambda: multi_mmc_estimate(seq, k)),
            (("LZ78Y",), lambda: lz78y_estimate(seq, k)),
            (("Lag",), lambda: lag_estimate(seq, k)),
            (("MultiMCW",), lambda: multi_mcw_estimate(seq, k)),
            (("Most Common Value",), lambda: most_common_value(seq, k))]
    if binary_only:
        jobs += [(("Collision",), lambda: collision_estimate(seq)),
                 (("Markov",), lambda: markov_estimate(seq)),
                 (("Compression",), lambda: compression_estimate(seq))]
    return jobs


def _run_jobs(job_lists: list, workers: int) -> list[dict[str, EstimateResult | None]]:
    """Run every job of every list, ``workers`` at a time; per list, the results by estimator
    name in :data:`ESTIMATORS` order.

    The estimators are pure functions of the sequence, so running them side by side changes no
    number; the compiled kernels release the GIL, so threads use more than one core.
    """
    jobs = [job for jobs in job_lists for job in jobs]
    if workers == 1:
        done = iter([call() for _, call in jobs])
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = iter([f.result() for f in [pool.submit(call) for _, call in jobs]])
    out = []
    for job_list in job_lists:
        results: dict[str, EstimateResult | None] = {}
        for names, _ in job_list:
            result = next(done)
            results.update(zip(names, result) if len(names) > 1 else [(names[0], result)])
        out.append({name: results[name] for name in ESTIMATORS if name in results})
    return out


def _lowest(results: dict, cap: float) -> float:
    values = [r.min_entropy for r in results.values() if r is not None]
    return min([cap] + values)


@dataclass(frozen=True)
class NonIIDResult:
    """The non-IID track: every estimate on the literal symbols and on the bitstring.

    Attributes
    ----------
    literal : dict
        Estimator name -> :class:`EstimateResult` on the renumbered symbols (bits per sample).
    bitstring : dict
        Estimator name -> result on the bitstring (bits per bit); empty for binary data.
    bits_per_symbol : int
    """

    literal: dict
    bitstring: dict
    bits_per_symbol: int

    @property
    def h_original(self) -> float:
        """Lowest literal estimate (at most ``bits_per_symbol``)."""
        return _lowest(self.literal, float(self.bits_per_symbol))

    @property
    def h_bitstring(self) -> float | None:
        """Lowest bitstring estimate per bit, or None for binary data."""
        return _lowest(self.bitstring, 1.0) if self.bitstring else None

    @property
    def assessed(self) -> float:
        """``min(H_original, bits_per_symbol * H_bitstring)``, bits per sample."""
        if self.h_bitstring is None:
            return self.h_original
        return min(self.h_original, self.bits_per_symbol * self.h_bitstring)

    def per_bit(self) -> dict[str, float]:
        """Each estimator's value in bits per bit, as plotted in Fig. 9: the lower of the
        literal estimate divided by the width and the bitstring estimate."""
        out = {}
        for name in ESTIMATORS:
            values = []
            lit = self.literal.get(name)
            if lit is not None:
                values.append(lit.min_entropy / self.bits_per_symbol)
            bit = self.bitstring.get(name)
            if bit is not None:
                values.append(bit.min_entropy)
            if values:
                out[name] = min(values)
        return out


@dataclass(frozen=True)
class IIDResult:
    """The IID track: MCV estimate and the three tests of the IID assumption."""

    mcv_literal: EstimateResult
    mcv_bitstring: EstimateResult | None
    bits_per_symbol: int
    independence: ChiSquareResult
    goodness_of_fit: ChiSquareResult
    lrs: LRSTestResult
    permutation: PermutationResult | None

    @property
    def h_original(self) -> float:
        return self.mcv_literal.min_entropy

    @property
    def assessed(self) -> float:
        """``min(H_original, bits_per_symbol * H_bitstring)`` from the MCV estimates."""
        h = min(float(self.bits_per_symbol), self.h_original)
        if self.mcv_bitstring is not None:
            h = min(h, self.bits_per_symbol * self.mcv_bitstring.min_entropy)
        return h

    @property
    def iid_plausible(self) -> bool:
        """True if every test passed (permutation tests included when they ran)."""
        ok = self.independence.passed and self.goodness_of_fit.passed and self.lrs.passed
        return ok and (self.permutation is None or self.permutation.passed)


def _check_tuple_threshold(samples: Samples, name: str = "samples") -> None:
    """The t-Tuple estimate needs a symbol seen at least 35 times: refuse before running."""
    from .tuples import TUPLE_THRESHOLD
    top = int(symbol_counts(samples.symbols, samples.alphabet_size).max())   # chunked: no 8-byte copy
    if top < TUPLE_THRESHOLD:
        raise ValueError(
            f"{name} is too short for the non-IID track: its most common symbol occurs {top} "
            f"times in {samples.size} samples, the t-Tuple estimate needs at least "
            f"{TUPLE_THRESHOLD}; give more samples")


def non_iid_track(samples: Samples, *, workers: int | None = None) -> NonIIDResult:
    """Run the ten non-IID estimators with the reference tool's conventions.

    Parameters
    ----------
    samples : Samples
        From :func:`load_samples`.
    workers : int, optional
        Estimators run side by side (default: the machine's cores, at most 4); every number is
        the same for any value, 1 runs them one after another as NIST's tool does.

    Returns
    -------
    NonIIDResult
        Min-entropy estimates in bits per sample (literal) and per bit (bitstring).
    """
    _check_tuple_threshold(check_samples("samples", samples))
    workers = _default_workers() if workers is None else require_integer("workers", workers, 1, 64)
    if samples.is_binary:
        literal, = _run_jobs([_estimator_jobs(samples.symbols, 2, binary_only=True)], workers)
        return NonIIDResult(literal, {}, samples.bits_per_symbol)
    literal, bitstring = _run_jobs([_estimator_jobs(samples.symbols, samples.alphabet_size, binary_only=False),
                                    _estimator_jobs(samples.bitstring, 2, binary_only=True)], workers)
    return NonIIDResult(literal, bitstring, samples.bits_per_symbol)


def iid_track(samples: Samples, *, seed=None, permutations: bool = True,
              max_permutations: int = MAX_PERMUTATIONS, progress=None,
              workers: int | None = None) -> IIDResult:
    """Run the IID track: MCV estimate, chi-square tests, LRS test, permutation tests
    (SP 800-90B Sec. 5 and 6.3.1).

    Parameters
    ----------
    samples : Samples
        From :func:`load_samples`.
    seed : int, numpy.random.Generator or None
        Source of the shuffles of the permutation tests.
    permutations : bool
        Run the permutation tests (the slow part).
    max_permutations : int
        Shuffle budget, >= 1 (10,000 in the standard); early stopping usually ends far sooner.
    progress : callable, optional
        Called with the number of undecided statistics after each shuffle.
    workers : int, optional
        Threads for the permutation tests (:func:`permutation_tests`); no number depends on it.

    Returns
    -------
    IIDResult
        ``.assessed`` in bits per sample; ``.iid_plausible`` says whether every test passed.
    """
    samples = check_samples("samples", samples)
    seed = check_seed("seed", seed)
    permutations = check_flag("permutations", permutations)
    max_permutations = require_integer("max_permutations", max_permutations, 1)
    workers = None if workers is None else require_integer("workers", workers, 1, 64)
    s, k = samples.symbols, samples.alphabet_size
    bit = None if samples.is_binary else most_common_value(samples.bitstring, 2)
    perm = (permutation_tests(s, samples.alphabet, seed=seed, max_permutations=max_permutations,
                              progress=progress, workers=workers) if permutations else None)
    return IIDResult(most_common_value(s, k), bit, samples.bits_per_symbol,
                     chi_square_independence(s, k), chi_square_goodness_of_fit(s, k),
                     lrs_test(s, k), perm)


@dataclass(frozen=True)
class Assessment:
    """Everything an assessment found; ``summary()`` reads it out, ``to_dict()`` exports it."""

    samples: Samples = field(repr=False)
    non_iid: NonIIDResult | None
    iid: IIDResult | None

    @property
    def bits_per_symbol(self) -> int:
        return self.samples.bits_per_symbol

    def summary(self) -> str:
        """A readable report, one line per estimate."""
        from ._report import summary_text
        return summary_text(self)

    def to_dict(self) -> dict:
        """Plain Python types only (for JSON)."""
        from ._report import as_dict
        return as_dict(self)


def assess_entropy(source, bits_per_symbol: int, *, tracks=("non_iid", "iid"), seed=None,
                   permutations: bool = True, max_permutations: int = MAX_PERMUTATIONS,
                   warn: bool = True, workers: int | None = None) -> Assessment:
    """Assess the min-entropy of a sample sequence with SP 800-90B's estimators.

    Parameters
    ----------
    source : bytes, array of int 0..255, str or path
        One sample per byte, or a file of them.
    bits_per_symbol : int
        Symbol width 1-8; every byte must fit in it.
    tracks : tuple of str
        ``"non_iid"`` (ten estimators), ``"iid"`` (MCV and IID tests), or both.
    seed : int, numpy.random.Generator or None
        Shuffles for the permutation tests.
    permutations : bool
        Run the permutation tests (the slow part of the IID track).
    max_permutations : int
        Shuffle budget (10,000 as in the standard).
    warn : bool
        Warn (:class:`SmallSampleWarning`) below 1,000,000 samples.
    workers : int, optional
        Threads (default: the machine's cores, at most 4) for the non-IID estimators, which run
        side by side, and for the permutation tests; no number depends on it.

    Returns
    -------
    Assessment
        ``.non_iid.assessed`` / ``.iid.assessed`` are min-entropies in bits per sample;
        ``.non_iid.per_bit()`` gives Fig. 9's bars.
    """
    allowed = ("non_iid", "iid")
    given = tracks
    if isinstance(tracks, str):
        tracks = (tracks,)
    elif isinstance(tracks, (tuple, list, set, frozenset)):
        tracks = tuple(tracks)
    else:
        raise TypeError(f"tracks must be a selection of {allowed}, got {given!r}")
    bad = [t for t in tracks if t not in allowed]
    if bad or not tracks:
        raise ValueError(f"tracks must be a non-empty selection of {allowed}, got {given!r}")
    permutations = check_flag("permutations", permutations)
    max_permutations = require_integer("max_permutations", max_permutations, 1)
    seed = check_seed("seed", seed)
    workers = None if workers is None else require_integer("workers", workers, 1, 64)
    samples = load_samples(source, bits_per_symbol, warn=check_flag("warn", warn))
    if "non_iid" in tracks:
        _check_tuple_threshold(samples, name="source")
    non_iid = non_iid_track(samples, workers=workers) if "non_iid" in tracks else None
    iid = (iid_track(samples, seed=seed, permutations=permutations, max_permutations=max_permutations,
                     workers=workers) if "iid" in tracks else None)
    return Assessment(samples, non_iid, iid)

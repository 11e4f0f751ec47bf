"""benchmarks/fl_training.py (chapter 10's verdicts): its committed results files are what it computes.

For every comparison with a committed results file: the ``--small`` setting run now equals the
committed ``<name>_small.json`` exactly (the ``"run"`` block, date and load, aside); the full file
records the script's full configuration; and every interval in both files recomputes from the
per-seed differences stored next to it.
"""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from qkit.fl.verdicts import paired_difference

_ROOT = Path(__file__).resolve().parents[1]
_RESULTS = _ROOT / "benchmarks" / "results" / "fl_training"
_spec = importlib.util.spec_from_file_location("fl_training", _ROOT / "benchmarks" / "fl_training.py")
bench = sys.modules.setdefault("fl_training", importlib.util.module_from_spec(_spec))
if not hasattr(bench, "run_comparison"):
    _spec.loader.exec_module(bench)

_COMMITTED = [name for name in bench.COMPARISONS if (_RESULTS / f"{name}_small.json").exists()]


def _without_run(results: dict) -> dict:
    return {k: v for k, v in results.items() if k != "run"}


def _check_intervals(results: dict, n: int) -> None:
    found = list(bench.intervals(results["results"]))
    assert found, "a results file without a paired difference"
    for label, value in found:
        d = np.array(value["differences"])
        again = paired_difference(np.zeros(d.size), d)
        assert value["n"] == n == d.size, label
        assert np.isclose(again.mean, value["mean"], rtol=0, atol=1e-15), label
        assert np.isclose(again.low, value["low"], rtol=0, atol=1e-14), label
        assert np.isclose(again.high, value["high"], rtol=0, atol=1e-14), label
        assert again.verdict() == value["verdict"], label


def test_every_comparison_has_committed_results():
    assert set(_COMMITTED) == set(bench.COMPARISONS)
    assert all((_RESULTS / f"{name}.json").exists() for name in bench.COMPARISONS)


@pytest.mark.parametrize("name", _COMMITTED)
def test_small_setting_reproduces_the_committed_small_file(name):
    committed = json.loads((_RESULTS / f"{name}_small.json").read_text())
    assert bench.run_comparison(name, small=True) == _without_run(committed)
    _check_intervals(committed, bench.SMALL["seeds"])


@pytest.mark.parametrize("name", _COMMITTED)
def test_full_file_has_the_full_config_and_consistent_intervals(name):
    full = json.loads((_RESULTS / f"{name}.json").read_text())
    assert full["config"] == json.loads(json.dumps(bench.full_config(name)))
    assert full["config"]["seeds"] >= 10
    _check_intervals(full, full["config"]["seeds"])


def test_stored_differences_are_the_arms_per_seed_values():
    results = json.loads((_RESULTS / "fedprox_small.json").read_text())["results"]
    for regime, block in results.items():
        base = block["arms"]["mu=0"]
        for key, pair in block["fedprox_minus_fedavg"].items():
            for metric in ("accuracy", "test_loss"):
                d = np.array(block["arms"][key][metric]) - np.array(base[metric])
                np.testing.assert_allclose(pair[metric]["differences"], d, rtol=0, atol=1e-15)


def test_bad_comparison_is_refused():
    with pytest.raises(ValueError, match="comparison"):
        bench.full_config("bogus")

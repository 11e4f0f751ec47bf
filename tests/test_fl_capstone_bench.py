"""The capstone's city comparison (benchmarks/fl_capstone.py): reproducible, and its files honest."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from qkit.fl.verdicts import paired_difference

_ROOT = Path(__file__).resolve().parents[1]
_BENCH = _ROOT / "benchmarks" / "fl_capstone.py"
_RESULTS = _ROOT / "benchmarks" / "results" / "fl_capstone"
_spec = importlib.util.spec_from_file_location("fl_capstone", _BENCH)
bench = sys.modules.setdefault("fl_capstone", importlib.util.module_from_spec(_spec))
if not hasattr(bench, "run_capstone"):
    _spec.loader.exec_module(bench)


def _comparable(results: dict) -> dict:
    """Everything but the ``run`` block (date, load, wall time), through JSON as the file stores it."""
    return json.loads(json.dumps({k: v for k, v in results.items() if k != "run"}, sort_keys=True))


def _intervals_recompute(block: dict) -> int:
    """Check every stored interval against its stored per-city differences; return how many."""
    count = 0
    for key, value in block.items():
        if isinstance(value, dict) and "half_width" in value:
            again = paired_difference(np.zeros(len(value["differences"])), np.array(value["differences"]))
            again = again.as_dict()
            assert again["verdict"] == value["verdict"] and again["n"] == value["n"], key
            for field in ("mean", "low", "high", "half_width", "sd"):
                assert again[field] == pytest.approx(value[field], rel=1e-12, abs=1e-15), (key, field)
            count += 1
        elif isinstance(value, dict):
            count += _intervals_recompute(value)
    return count


@pytest.fixture(scope="module")
def small() -> dict:
    return bench.run_capstone(small=True)


def test_small_setting_equals_the_committed_file(small):
    stored = json.loads((_RESULTS / "fl_capstone_small.json").read_text())
    assert _comparable(small) == _comparable(stored)
    assert small["config"]["small"] is True and small["config"]["cities"] == 3


def test_pairs_are_paired_and_differences_are_b_minus_a(small):
    course = small["results"]["course"]
    finals = course["final"]
    deep = f"exit_{len(finals['ideal'])}"
    d = course["dqfl_minus_qfl"]["13dBm"]["deepest_exit"]
    assert d["differences"] == pytest.approx(np.subtract(finals["dqfl_13dBm"][deep], finals["qfl_13dBm"][deep]))
    gap = course["ideal_minus"]["qfl_13dBm"]
    assert gap["differences"] == pytest.approx(np.subtract(finals["ideal"][deep], finals["qfl_13dBm"][deep]))
    # the ideal uplink delivers every active vehicle's update; QFL at 13 dBm fewer
    assert course["arrived_share"]["ideal"] > course["arrived_share"]["qfl_13dBm"]
    assert _intervals_recompute(small["results"]) == 7
    # the per-city curves behind notebook 13's paired band: their last rounds average to the finals
    last = small["config"]["last"]
    for arm, curves in course["city_curves"].items():
        for exit_, per_city in curves.items():
            assert np.mean(np.array(per_city)[:, -last:], axis=1) == pytest.approx(finals[arm][exit_], abs=1e-12)


def test_full_file_has_the_scripts_full_config_and_its_intervals_recompute():
    full = json.loads((_RESULTS / "fl_capstone.json").read_text())
    cfg = full["config"]
    for key, value in bench.FULL.items():
        assert cfg[key] == json.loads(json.dumps(value)), key
    assert cfg["small"] is False and cfg["seed_list"] == list(range(bench.FULL["cities"]))
    assert set(full["results"]) == set(bench.FULL["trainings"])
    assert all(len(v["differences"]) == bench.FULL["cities"]
               for v in full["results"]["course"]["dqfl_minus_qfl"]["13dBm"].values())
    assert _intervals_recompute(full["results"]) == 9 + 4 * (len(bench.FULL["trainings"]) - 1)
    course, last = full["results"]["course"], cfg["last"]
    assert set(course["city_curves"]) == {f"{s}_{p:.0f}dBm" for p in cfg["powers"] for s in ("qfl", "dqfl")}
    for arm, curves in course["city_curves"].items():
        for exit_, per_city in curves.items():
            per_city = np.array(per_city)
            assert per_city.shape == (cfg["cities"], cfg["rounds"] + 1)
            assert per_city[:, -last:].mean(axis=1) == pytest.approx(course["final"][arm][exit_], abs=1e-12)

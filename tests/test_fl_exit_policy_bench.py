"""The exit-policy benchmark: its small setting reproduces the committed file, the full file is consistent."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from qkit.fl.verdicts import paired_difference

_ROOT = Path(__file__).resolve().parents[1]
_BENCH = _ROOT / "benchmarks" / "fl_exit_policy.py"
_RESULTS = _ROOT / "benchmarks" / "results" / "fl_exit_policy"
_spec = importlib.util.spec_from_file_location("fl_exit_policy", _BENCH)
bench = sys.modules.setdefault("fl_exit_policy", importlib.util.module_from_spec(_spec))
if not hasattr(bench, "run_policy_comparison"):
    _spec.loader.exec_module(bench)


def _load(name):
    path = _RESULTS / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `python benchmarks/fl_exit_policy.py {path.relative_to(_ROOT)}`")
    data = json.loads(path.read_text())
    data.pop("run", None)                                   # date, load and wall time are not compared
    return data


def test_small_setting_reproduces_the_committed_file(tmp_path):
    fresh = bench.run_policy_comparison(small=True)
    out = bench.write_results(fresh, tmp_path / "small.json")
    assert json.loads(out.read_text()) == _load("fl_exit_policy_small.json")


@pytest.mark.parametrize("name, small", [("fl_exit_policy.json", False), ("fl_exit_policy_small.json", True)])
def test_results_file_is_the_scripts_setting_and_its_intervals_recompute(name, small):
    data = _load(name)
    assert data["config"] == bench.config_for(small)
    cfg = data["config"]
    expected_cells = {f"course/{noise}/R={r:.0f}m" for noise in ("ideal", "noisy") for r in cfg["radii"]}
    expected_cells |= {f"{t}/{noise}/R={cfg['sensitivity_radius']:.0f}m" for t in cfg["sensitivity"]
                       for noise in ("ideal", "noisy")}
    strong = cfg["strong_noise"]
    expected_cells |= {f"course/noisy_p{strong['depolarizing']}/R={r:.0f}m" for r in strong["radii"]}
    assert set(data["results"]) == expected_cells
    for cell in data["results"].values():
        per_seed = cell["per_seed"]
        assert set(per_seed) == set(cfg["arms"])
        assert all(len(v) == cfg["seeds"] for v in per_seed.values())
        # the oracle picks the best exit of every round: no arm beats it on any seed
        for arm in cfg["arms"]:
            assert np.all(np.asarray(per_seed["oracle"]) >= np.asarray(per_seed[arm]) - 1e-12)
        for a, b in [p.split("_minus_")[::-1] for p in cfg["pairs"]]:
            stored = cell["pairs"][f"{b}_minus_{a}"]
            again = paired_difference(np.asarray(per_seed[a]), np.asarray(per_seed[b])).as_dict()
            assert stored["verdict"] == again["verdict"] and stored["n"] == again["n"] == cfg["seeds"]
            for key in ("mean", "low", "high", "half_width", "sd"):
                assert np.isclose(stored[key], again[key], rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(stored["differences"], again["differences"], rtol=1e-12, atol=1e-15)
        for shares in cell["exit_share_last_rounds"].values():
            assert np.isclose(sum(shares), 1.0)

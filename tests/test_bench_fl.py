"""benchmarks/bench_fl.py (with bench_fleet.py, which runs one engine): its small run writes
well-formed results, the batched engine's global models equal the loop's in them, and the
committed results have the same structure.

Timings are never compared (they depend on the machine and its load); only the structure of the
files and the models they record.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "bench_fl.py"
COMMITTED = ROOT / "benchmarks" / "results" / "fleet"
N_PARAMS = 96  # the 4-qubit, 3-layer dynamic QNN with 4 classes
TOL, INERT_TOL = 1e-12, 1e-6  # as tests/test_fl_engine.py


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("fleet")
    done = subprocess.run([sys.executable, str(SCRIPT), "--small", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _load(directory: Path, name: str) -> dict:
    path = directory / name
    assert path.is_file(), f"{path} is missing (python benchmarks/bench_fl.py {name.split('.')[0]} writes it)"
    return json.loads(path.read_text())


def _check_models(data: dict) -> None:
    """Every non-loop run against the loop run of its fleet size: the recorded differences are the
    true ones, and the batched engine equals the loop (inert parameters to INERT_TOL)."""
    inert = np.array(data["inert_parameters"], dtype=int)
    assert 0 < inert.size < N_PARAMS // 4
    live = np.setdiff1d(np.arange(N_PARAMS), inert)
    loops = {r["vehicles"]: np.array(r["global_params"]) for r in data["runs"] if r["engine"] == "loop"}
    assert loops, "no loop run to compare with"
    for r in data["runs"]:
        g = np.array(r["global_params"])
        assert g.shape == (r["rounds"] + 1, N_PARAMS) and np.all(np.isfinite(g))
        ref = loops.get(r["vehicles"])
        if ref is None:  # the loop does not run at this size (sweep above --loop-max)
            assert r["max_abs_diff_final"] is None
            continue
        delta = np.abs(g - ref)
        assert r["max_abs_diff_final"] == pytest.approx(delta[-1, live].max(), abs=0)
        assert r["max_abs_diff_rounds"] == pytest.approx(delta[:, live].max(), abs=0)
        assert r["max_abs_diff_final_inert"] == pytest.approx(delta[-1, inert].max(), abs=0)
        if r["engine"] == "batched":
            assert delta[:, live].max() <= TOL, (r["vehicles"], delta[:, live].max())
            assert delta[:, inert].max() < INERT_TOL


def test_small_run_writes_results(small):
    scale, sweep = _load(small, "scale.json"), _load(small, "sweep.json")
    assert (small / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for data, kind in ((scale, "scale"), (sweep, "sweep")):
        assert data["benchmark"] == kind
        assert data["command"].startswith("python benchmarks/bench_fl.py") and "--small" in data["command"]
        assert data["cpu_count"] >= 1 and len(data["load_average_start"]) == 3 and len(data["load_average_end"]) == 3
        assert data["setting"]["n_qubits"] == 4 and data["setting"]["scheme"] == "dqfl"
    assert [(r["engine"], r["vehicles"], r["rounds"]) for r in scale["runs"]] == [("loop", 10, 2), ("batched", 10, 2)]
    assert [(r["engine"], r["vehicles"]) for r in sweep["runs"]] == [
        ("loop", 10), ("batched", 10), ("loop", 30), ("batched", 30)]
    for r in scale["runs"] + sweep["runs"]:
        assert len(r["round_s"]) == r["rounds"] and r["per_round_s"] == pytest.approx(np.mean(r["round_s"]))
        assert r["wall_s"] > r["startup_s"] > 0 and r["peak_rss_mib"] > 0 and r["peak_tree_pss_mib"] > 0
        assert 0 < r["rounds_peak_rss_mib"] <= r["peak_rss_mib"]
        assert len(r["final_accuracy"]) == 3  # one per exit


def test_batched_equals_loop_in_the_small_run(small):
    for name in ("scale.json", "sweep.json"):
        _check_models(_load(small, name))


@pytest.mark.parametrize("name", ["scale.json", "sweep.json"])
def test_committed_results_have_the_same_structure(small, name):
    """The committed file has the fields the script writes today, and its models are consistent."""
    ours, committed = _load(small, name), _load(COMMITTED, name)
    assert set(committed) == set(ours)
    run_keys = set(ours["runs"][0])
    for r in committed["runs"]:
        assert set(r) == run_keys, (r["engine"], r["vehicles"])
    assert "--small" not in committed["command"]
    _check_models(committed)
    if name == "sweep.json":
        assert (COMMITTED / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_benchmark_set_up_is_flowers(monkeypatch):
    """The loop and batched children rebuild qkit.fl.flower.build_experiment's set-up without
    importing Flower: the same fleet, initial model, positions, training and masks."""
    pytest.importorskip("flwr", reason="Flower is in the flower extra")
    from qkit.fl import flower
    from qkit.fl.partition import plate_task

    spec = importlib.util.spec_from_file_location("bench_fleet", SCRIPT.with_name("bench_fleet.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    task = plate_task(np.random.default_rng(1), n_public=40, n_test=20, samples_per_vehicle=7)
    monkeypatch.setattr(flower, "_task", lambda seed: task)
    e = flower.build_experiment(flower.VehicleSetting(n_vehicles=4, rounds=3, **bench.SETTING))
    ours = bench.experiment(4, 3, task)
    for a, b in zip(e.clients, ours["clients"], strict=True):
        np.testing.assert_array_equal(a.X, b.X)
        np.testing.assert_array_equal(a.y, b.y)
    for name in ("initial_params", "distances", "period", "base_mask"):
        np.testing.assert_array_equal(getattr(e, name), ours[name], err_msg=name)
    assert e.training == ours["training"] and e.model.n_params == ours["model"].n_params == N_PARAMS
    assert e.rng.bit_generator.state == ours["rng"].bit_generator.state

"""benchmarks/fl_noise.py: QFL and DQFL under quantum noise; its results files are reproducible."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

from qkit.fl.verdicts import paired_difference

_ROOT = Path(__file__).resolve().parents[1]
_RESULTS = _ROOT / "benchmarks" / "results" / "fl_noise"
_spec = importlib.util.spec_from_file_location("fl_noise", _ROOT / "benchmarks" / "fl_noise.py")
bench = sys.modules.setdefault("fl_noise", importlib.util.module_from_spec(_spec))
if not hasattr(bench, "run_noise"):
    _spec.loader.exec_module(bench)


def _stored(name: str) -> dict:
    results = json.loads((_RESULTS / name).read_text())
    results.pop("run", None)                       # date, load, wall time: not compared
    return results


def test_small_setting_reproduces_the_committed_file_exactly():
    assert bench.run_noise(small=True) == _stored("fl_noise_small.json")


def test_full_file_has_the_scripts_config_and_its_verdicts_recompute():
    for name, small in (("fl_noise.json", False), ("fl_noise_small.json", True)):
        results = _stored(name)
        cfg = results["config"]
        expected = json.loads(json.dumps(dict(bench.SMALL if small else bench.FULL)))
        assert {k: cfg[k] for k in expected} == expected and cfg["small"] is small
        n = cfg["seeds"]
        for metric, verdicts in results["verdicts"].items():
            assert verdicts == bench._verdicts(results["runs"], cfg, metric)   # from the per-seed values
            found = list(bench.intervals(verdicts))
            assert found
            for label, value in found:
                assert value["n"] == n
                again = paired_difference(np.zeros(n), np.array(value["differences"]))
                assert np.isclose(again.low, value["low"], rtol=0, atol=1e-15)
                assert again.verdict() == value["verdict"]
        for block in results["runs"].values():
            for arm in block.values():
                acc = np.array(arm["exact"])
                assert acc.shape == (n, 3) and np.all((0 <= acc) & (acc <= 1))


def test_noise_changes_training_and_full_depolarisation_leaves_only_the_bias():
    world = bench._World(dict(bench.SMALL))
    ideal = world.federate(0, "dqfl", world.model.with_noise(world.noise(0.0)), 1000.0)
    noisy = world.federate(0, "dqfl", world.model.with_noise(world.noise(0.3)), 1000.0)
    assert not np.allclose(ideal.params, noisy.params)          # noise enters the gradients
    np.testing.assert_array_equal(ideal.arrived, noisy.arrived)  # ... not the fades
    # p = 1: the state is maximally mixed after one layer, every readout is the same (0 for <Z>),
    # with finite shots only sampling noise is left: near chance, and exactly reproducible
    scores = world.scored(noisy, 0, 1.0)
    again = world.scored(noisy, 0, 1.0)
    assert scores == again
    y = world.task.test_set[1]
    top = np.bincount(y, minlength=4).max() / y.size
    for shots in world.cfg["shots"]:
        assert np.all(np.array(scores[f"shots={shots}"]) <= top + 0.15)

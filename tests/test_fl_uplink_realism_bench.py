"""benchmarks/fl_uplink_realism.py: quantised uploads and a shared band; its results files are reproducible."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from qkit.fl.verdicts import paired_difference

_ROOT = Path(__file__).resolve().parents[1]
_RESULTS = _ROOT / "benchmarks" / "results" / "fl_uplink_realism"
_spec = importlib.util.spec_from_file_location("fl_uplink_realism", _ROOT / "benchmarks" / "fl_uplink_realism.py")
bench = sys.modules.setdefault("fl_uplink_realism", importlib.util.module_from_spec(_spec))
if not hasattr(bench, "run_comparison"):
    _spec.loader.exec_module(bench)


def _stored(name: str) -> dict:
    results = json.loads((_RESULTS / name).read_text())
    results.pop("run", None)                       # date, load, wall time: not compared
    return results


@pytest.mark.parametrize("name", bench.COMPARISONS)
def test_small_setting_reproduces_the_committed_file_exactly(name):
    assert bench.run_comparison(name, small=True) == _stored(f"{name}_small.json")


def _recomputed(results: dict):
    """Yield (stored interval, interval recomputed from the stored per-seed values)."""
    body, cfg = results["results"], results["config"]
    if cfg["comparison"] == "quantise":
        ref = str(cfg["bits"][0])
        for block in (v for k, v in body.items() if k != "centralised"):
            for bits in map(str, cfg["bits"][1:]):
                yield block[f"accuracy_{bits}_minus_{ref}"], paired_difference(block["accuracy"][ref],
                                                                               block["accuracy"][bits])
                arrivals = block["arrival_rate"]
                for j in range(len(arrivals[ref][0])):
                    key = f"arrival_block{j}_{bits}_minus_{ref}"
                    if "closed_form_arrival" in block:
                        yield block[key], paired_difference([a[j] for a in arrivals[ref]],
                                                            [a[j] for a in arrivals[bits]])
                    else:                          # an ideal uplink: everything arrives, nothing to compare
                        assert key not in block and np.all(np.array(arrivals[bits]) == 1.0)
    else:
        ks = cfg["schedule"]["clients_per_round"]
        for bits in cfg["schedule"]["bits"]:
            full = body[f"{bits}bit/K={ks[-1]}"]["accuracy"]
            for k in ks[:-1]:
                block = body[f"{bits}bit/K={k}"]
                yield block[f"accuracy_minus_K={ks[-1]}"], paired_difference(full, block["accuracy"])


@pytest.mark.parametrize("name", bench.COMPARISONS)
def test_files_have_the_scripts_config_and_their_intervals_recompute(name):
    for file, small in ((f"{name}.json", False), (f"{name}_small.json", True)):
        results = _stored(file)
        cfg = results["config"]
        expected = json.loads(json.dumps(bench.config_for(name, small)))
        assert {k: cfg[k] for k in expected} == expected and cfg["small"] is small and cfg["comparison"] == name
        other = "schedule" if name == "quantise" else "quantise"
        assert not set(bench._ONLY[other]) & set(cfg)               # no key of the other comparison
        run = json.loads((_RESULTS / file).read_text())["run"]
        assert run["command"].startswith(f"python benchmarks/fl_uplink_realism.py {name} ")
        assert run["command"].endswith(f"{file}" + (" --small" if small else ""))
        pairs = list(_recomputed(results))
        assert pairs and len(pairs) == len(list(bench.intervals(results["results"])))
        for stored, again in pairs:
            assert stored["n"] == cfg["seeds"] and stored == again.as_dict()


def test_quantised_messages_are_shorter_and_arrive_more_often_in_closed_form():
    results = _stored("quantise.json")
    for key, block in results["results"].items():
        if key == "centralised":
            continue
        sizes = {int(b): sum(v) for b, v in block["message_bits"].items()}
        assert sizes[8] < sizes[16] < sizes[32] == 32 * 96
        if "closed_form_arrival" in block:
            p = {int(b): v for b, v in block["closed_form_arrival"].items()}
            assert np.all(np.array(p[8]) > np.array(p[16])) and np.all(np.array(p[16]) > np.array(p[32]))
        for arm in block["accuracy"].values():
            assert len(arm) == results["config"]["seeds"] and all(0 <= a <= 1 for a in arm)


def test_a_shared_band_gives_each_vehicle_its_share():
    results = _stored("schedule.json")
    sc = results["config"]["schedule"]
    for bits in sc["bits"]:
        for k in sc["clients_per_round"]:
            block = results["results"][f"{bits}bit/K={k}"]
            assert np.isclose(block["sub_band_hz"], sc["total_bandwidth_hz"] / k)
            assert np.isclose(block["updates_per_round"][0] / k, block["arrival_rate"][0])  # over scheduled only
            assert 0 < block["closed_form_arrival"] < 1


def test_unknown_comparison_is_refused():
    with pytest.raises(ValueError, match="comparison"):
        bench.run_comparison("bogus", small=True)

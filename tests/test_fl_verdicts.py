"""Paired-seed verdicts: the interval maths, the pairing, and the benchmark's results file."""

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from qkit.fl.channel import Channel
from qkit.fl.clients import ClientData, LocalTraining, base_mask, disk_distances
from qkit.fl.rounds import run_federated
from qkit.fl.verdicts import SEED_PURPOSES, paired_difference, seed_streams
from qkit.qnn.models import DynamicQNN

_BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "fl_verdicts.py"
_spec = importlib.util.spec_from_file_location("fl_verdicts", _BENCH)
bench = sys.modules.setdefault("fl_verdicts", importlib.util.module_from_spec(_spec))
if not hasattr(bench, "run_comparison"):
    _spec.loader.exec_module(bench)


def test_interval_on_known_inputs():
    # d = 1..5: mean 3, sd sqrt(2.5), t_{0.975, 4} = 2.776445 (printed t tables)
    res = paired_difference(np.zeros(5), np.arange(1.0, 6.0))
    half = 2.776445105 * np.sqrt(2.5) / np.sqrt(5)
    assert res.mean == 3.0 and res.n == 5 and np.isclose(res.sd, np.sqrt(2.5), rtol=1e-14)
    assert np.isclose(res.half_width, half, rtol=1e-8) and np.isclose(res.low, 3 - half, rtol=1e-8)
    assert res.verdict() == "b > a" and res.differences == (1.0, 2.0, 3.0, 4.0, 5.0)
    # 90 % with n = 2: t_{0.95, 1} = 6.313752
    res = paired_difference([1.0, 2.0], [1.5, 1.5], confidence=0.90)
    assert res.mean == 0.0 and np.isclose(res.half_width, 6.313751515 * np.sqrt(0.5) / np.sqrt(2), rtol=1e-8)
    assert res.verdict() == "no difference resolved"


def test_interval_agrees_with_scipys_paired_t_test():
    rng = np.random.default_rng(3)
    a = rng.normal(0.7, 0.05, 12)
    b = a - 0.02 + rng.normal(0, 0.01, 12)
    res = paired_difference(a, b)
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert np.isclose(res.low, ci.low, rtol=1e-12) and np.isclose(res.high, ci.high, rtol=1e-12)
    assert res.verdict() == "b < a"
    same = paired_difference(a, a + 0.01)                    # constant difference: a zero-width interval
    assert np.isclose(same.mean, 0.01) and same.half_width < 1e-15


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="same length"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least 2 seeds"):
        paired_difference([1.0], [2.0])
    with pytest.raises(ValueError, match="b"):
        paired_difference([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="confidence"):
        paired_difference([1.0, 2.0], [1.0, 3.0], confidence=1.0)


def test_seed_streams_are_reproducible_and_independent_per_purpose():
    one, two = seed_streams(7), seed_streams(7)
    assert tuple(one) == SEED_PURPOSES
    draws = {k: one[k].random(4) for k in one}
    for k in SEED_PURPOSES:
        np.testing.assert_array_equal(draws[k], two[k].random(4))
    assert len({tuple(v) for v in draws.values()}) == len(SEED_PURPOSES)
    assert not np.array_equal(seed_streams(8)["run"].random(4), draws["run"])


def _arrivals(scheme, seed):
    """One run of notebook 12's model at 1000 m, the fleet and streams from ``seed_streams(seed)``."""
    model, n, rounds = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4), 8, 12
    s = seed_streams(seed)
    X = s["partition"].uniform(0, np.pi, (2 * n, 4))
    clients = [ClientData(X[2 * k:2 * k + 2], np.array([k % 4, (k + 1) % 4])) for k in range(n)]
    extra = {"base_mask": base_mask(model, 1)} if scheme == "dqfl" else {}
    h = run_federated(model, clients, (X, np.arange(2 * n) % 4), Channel(), scheme, rounds,
                      initial_params=model.init_params(s["init"]), rng=s["run"], training=LocalTraining(),
                      distances=disk_distances(n, 1000.0, s["distances"], rounds), engine="batched", **extra)
    return h.arrived[..., 0]


def test_same_seed_means_same_fades_for_qfl_and_dqfl():
    # DQFL's base needs a smaller fade than QFL's whole model (about 6 dB less), so under the same
    # fade every QFL arrival is also a DQFL base arrival. Different fades break that.
    for seed in (0, 1):
        qfl, dqfl = _arrivals("qfl", seed), _arrivals("dqfl", seed)
        assert qfl.any() and not (qfl & ~dqfl).any()
        assert (dqfl & ~qfl).any()                             # ... and the base gets through more often
    unpaired = [(_arrivals("qfl", s) & ~_arrivals("dqfl", s + 1)).any() for s in (0, 1)]
    assert any(unpaired)                                       # the check can fail when fades differ


_RESULTS = _BENCH.parent / "results" / "fl_verdicts"


def _compared(results: dict) -> str:
    """The part of a results file the tests compare: everything but the ``run`` block (date, load, time)."""
    return json.dumps({k: v for k, v in results.items() if k != "run"}, indent=1, sort_keys=True)


def _recomputes(results: dict) -> int:
    """Assert every stored interval is the one its stored per-seed differences give; return how many."""
    found = list(bench._intervals(results["results"]))
    n = results["config"]["seeds"]
    for label, value in found:
        assert value["n"] == n and len(value["differences"]) == n, label
        again = paired_difference(np.zeros(n), np.array(value["differences"])).as_dict()
        assert again == value, label
    return len(found)


@pytest.mark.parametrize("name", bench.COMPARISONS)
def test_small_setting_reproduces_the_committed_small_file_exactly(name):
    committed = json.loads((_RESULTS / f"{name}_small.json").read_text())
    assert _compared(bench.run_comparison(name, small=True)) == _compared(committed)
    assert committed["config"] == bench.config_of(name, True) and _recomputes(committed) > 0


@pytest.mark.parametrize("name", bench.COMPARISONS)
def test_full_file_has_the_full_config_and_its_intervals_recompute(name):
    full = json.loads((_RESULTS / f"{name}.json").read_text())
    assert full["config"] == bench.config_of(name, False) and full["config"]["seeds"] >= 10
    assert _recomputes(full) > 0


def test_scheme_verdicts_are_differences_of_the_stored_accuracies():
    full = json.loads((_RESULTS / "schemes.json").read_text())
    for key, block in full["results"].items():
        runs = block["runs"]
        for label, exit in (("deepest_exit", -1), ("first_exit", 0)):
            a, b = np.array(runs["qfl"]["accuracy"][exit]), np.array(runs["dqfl"]["accuracy"][exit])
            assert np.all((0 <= a) & (a <= 1)) and np.all((0 <= b) & (b <= 1))
            assert block["dqfl_minus_qfl"][label] == paired_difference(a, b).as_dict(), (key, label)
        silent = [np.array(runs[s]["silent_rounds"]) for s in ("qfl", "dqfl")]
        assert block["dqfl_minus_qfl"]["silent_rounds"] == paired_difference(*silent).as_dict()
    conv = json.loads((_RESULTS / "convergence.json").read_text())
    seeds = conv["results"]["per_seed"]
    a, b = (np.array(seeds[arm]["round_final"][-1]) for arm in ("fedavg_perfect_uplink", "centralised"))
    assert conv["results"]["verdicts"]["round_final"]["centralised_minus_fedavg"] == paired_difference(a, b).as_dict()


def test_unknown_comparison_is_refused():
    with pytest.raises(ValueError, match="comparison"):
        bench.run_comparison("bogus", small=True)


def test_results_files_are_deterministic_and_their_intervals_can_be_walked(tmp_path):
    from qkit.fl.verdicts import iter_intervals, write_results

    body = {"b": {"x": paired_difference([0.1, 0.2, 0.3], [0.2, 0.2, 0.5]).as_dict()}, "a": [1, 2]}
    one = write_results(body, tmp_path / "deep" / "one.json").read_bytes()
    two = write_results(dict(reversed(list(body.items()))), str(tmp_path / "two.json")).read_bytes()
    assert one == two and json.loads(one) == body                     # sorted keys: same results, same bytes
    assert [name for name, _ in iter_intervals(json.loads(one))] == ["b.x"]
    with pytest.raises(TypeError, match="results"):
        write_results([1, 2], tmp_path / "bad.json")
    with pytest.raises(TypeError, match="path"):
        write_results(body, None)
    with pytest.raises(TypeError, match="block"):
        iter_intervals([1.0])

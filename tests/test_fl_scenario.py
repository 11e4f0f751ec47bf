import dataclasses

import numpy as np
import pytest

from qkit.data.plates import PRESETS, CameraConditions
from qkit.fl.scenario import (
    MOBILISING,
    ON_TASK,
    PATROL,
    TASK_KINDS,
    RoadMap,
    Scenario,
    TaskKind,
    move_along_streets,
    simulate,
)


def _on_streets(xy, block):
    frac = xy / block
    on = np.abs(frac - np.round(frac)) < 1e-9
    return on[..., 0] | on[..., 1]


@pytest.fixture(scope="module")
def trace():
    return simulate(Scenario(n_vehicles=30, task_rate=1.5), 60, np.random.default_rng(11))


def test_road_map_geometry():
    road = RoadMap(n_streets=5, block_m=200.0, antenna_height_m=10.0)
    assert road.extent_m == 800.0
    np.testing.assert_array_equal(road.server_xy, [400.0, 400.0])
    nodes = road.intersections()
    assert nodes.shape == (25, 2) and nodes.max() == 800.0
    assert road.distance_to_server([400.0, 400.0]) == pytest.approx(10.0)  # antenna above
    assert road.distance_to_server([[0.0, 0.0]])[0] == pytest.approx(np.sqrt(2 * 400**2 + 100))
    np.testing.assert_array_equal(RoadMap(server_node=(0, 4)).server_xy, [0.0, 800.0])


def test_move_along_streets_stays_on_streets_and_shortens_the_route():
    rng = np.random.default_rng(5)
    block, n = 100.0, 5000
    # random points on the streets of a 6 x 6 grid and random target intersections
    along = rng.uniform(0, 500, n)
    line = rng.integers(0, 6, n) * block
    horizontal = rng.random(n) < 0.5
    xy = np.where(horizontal[:, None], np.column_stack([along, line]),
                  np.column_stack([line, along]))
    target = rng.integers(0, 6, (n, 2)) * block
    step = rng.uniform(0, 700, n)
    new, left = move_along_streets(xy, target, step, block)
    before = np.abs(target - xy).sum(axis=1)
    after = np.abs(target - new).sum(axis=1)
    np.testing.assert_allclose(before - after, np.minimum(step, before), atol=1e-9)
    np.testing.assert_allclose(left, np.maximum(step - before, 0.0), atol=1e-9)
    assert np.all(_on_streets(new, block))
    # the path itself stays on the streets: check its midpoint too
    mid, _ = move_along_streets(xy, target, step / 2, block)
    assert np.all(_on_streets(mid, block))
    reached = step >= before
    np.testing.assert_array_equal(new[reached], target[reached])


def test_trace_shapes_and_reproducibility(trace):
    r, n = 60, 30
    assert trace.positions.shape == (r, n, 2)
    for name in ("distances", "status", "task_of", "captures", "camera"):
        assert getattr(trace, name).shape == (r, n)
    again = simulate(trace.scenario, 60, np.random.default_rng(11))
    for name in ("positions", "status", "captures", "camera", "task_xy", "task_done"):
        np.testing.assert_array_equal(getattr(trace, name), getattr(again, name))
    other = simulate(trace.scenario, 60, np.random.default_rng(12))
    assert not np.array_equal(trace.positions, other.positions)


def test_vehicles_drive_on_streets_at_their_speed(trace):
    road = trace.scenario.road_map
    assert np.all(_on_streets(trace.positions, road.block_m))
    assert trace.positions.min() >= 0.0 and trace.positions.max() <= road.extent_m
    step = trace.scenario.speed_m_s * trace.scenario.round_s
    moved = np.abs(np.diff(trace.positions, axis=0)).sum(axis=2)
    assert np.all(moved <= step + 1e-9)
    assert np.mean(np.isclose(moved[trace.status[1:] == PATROL], step)) > 0.9  # patrols keep moving
    np.testing.assert_allclose(trace.distances, road.distance_to_server(trace.positions))


def test_task_bookkeeping(trace):
    assert trace.task_kind.size > 30  # enough reports for the checks to bite
    status, task_of = trace.status, trace.task_of
    np.testing.assert_array_equal(task_of[status == PATROL], -1)
    assert np.all(task_of[status != PATROL] >= 0)
    # a vehicle on site is at its task's location and does not move
    on = np.argwhere(status == ON_TASK)
    np.testing.assert_array_equal(trace.positions[on[:, 0], on[:, 1]],
                                  trace.task_xy[task_of[on[:, 0], on[:, 1]]])
    for t, kind in enumerate(trace.task_kind):
        need = TASK_KINDS[kind]
        serving = (task_of == t).sum(axis=1)
        assert serving.max() <= need.vehicles_needed
        rounds = np.flatnonzero(serving)
        if rounds.size:
            assert rounds.min() >= trace.task_arrival[t]
        if trace.task_done[t] >= 0:  # finished: nobody serves it afterwards, served until then
            assert rounds.size and rounds.max() == trace.task_done[t]
            on_site = ((task_of == t) & (status == ON_TASK)).sum()
            assert on_site == need.vehicles_needed * need.duration_rounds
        assert t in trace.active_tasks(int(trace.task_arrival[t]))
    assert np.any(trace.task_done >= 0)


def test_captures_follow_the_rates(trace):
    sc = trace.scenario
    on_site = trace.status == ON_TASK
    rates = np.array([k.capture_rate for k in sc.task_kinds])[
        trace.task_kind[np.where(on_site, trace.task_of, 0)]]
    for mask, mean in [(trace.status == PATROL, sc.patrol_capture_rate),
                       (trace.status == MOBILISING, sc.en_route_capture_rate)]:
        got = trace.captures[mask]
        assert got.mean() == pytest.approx(mean, abs=5 * np.sqrt(mean / got.size))
    expected = rates[on_site]
    # Poisson: the sum of captures minus the sum of rates is within 5 standard deviations
    assert abs(trace.captures[on_site].sum() - expected.sum()) < 5 * np.sqrt(expected.sum())
    assert np.array_equal(trace.sensing, trace.captures > 0)


def test_cameras():
    quiet = simulate(Scenario(camera_change_probability=0.0), 20, np.random.default_rng(1))
    assert np.all(quiet.camera == quiet.camera[0])
    cond = quiet.camera_conditions(3)
    assert len(cond) == 20 and all(isinstance(c, CameraConditions) for c in cond)
    assert cond[0] == PRESETS[quiet.scenario.camera_presets[quiet.camera[3, 0]]]
    busy = simulate(Scenario(camera_change_probability=1.0, n_vehicles=500), 5,
                    np.random.default_rng(1))
    share = np.bincount(busy.camera.ravel(), minlength=4) / busy.camera.size
    np.testing.assert_allclose(share, busy.scenario.camera_weights, atol=0.03)


def test_no_tasks_means_patrolling_the_planned_route():
    tr = simulate(Scenario(task_rate=0.0, speed_m_s=20.0), 40, np.random.default_rng(4))
    assert tr.task_kind.size == 0 and np.all(tr.status == PATROL)
    assert tr.task_xy.shape == (0, 2) and tr.active_tasks(5).size == 0
    # every vehicle passes through its route's waypoints, in order
    v = 3
    visited = [w for w in range(tr.routes.shape[1])
               if np.any(np.all(tr.positions[:, v] == tr.routes[v, w], axis=1))]
    assert len(visited) >= 3


def test_task_too_big_for_the_fleet_waits():
    kinds = (TaskKind("traffic management", 5, 2, 40.0),)
    sc = Scenario(n_vehicles=3, task_rate=0.3, task_kinds=kinds, task_weights=(1.0,))
    tr = simulate(sc, 30, np.random.default_rng(0))
    assert tr.task_kind.size > 0
    assert np.all((tr.task_of >= 0).sum(axis=1) <= 3)
    # five visits of two rounds by at most three vehicles: at least two shifts
    finished = np.flatnonzero(tr.task_done >= 0)
    assert finished.size > 0
    assert np.all(tr.task_done[finished] - tr.task_arrival[finished] >= 2 * 2 - 1)
    for t in finished:
        assert ((tr.task_of == t) & (tr.status == ON_TASK)).sum() == 5 * 2
    assert np.any((tr.status == ON_TASK).sum(axis=1) == 3)  # the whole fleet busy at times


def test_large_fleet_runs():
    tr = simulate(Scenario(n_vehicles=1000, task_rate=20.0), 10, np.random.default_rng(0))
    assert tr.distances.shape == (10, 1000) and np.all(np.isfinite(tr.distances))
    assert (tr.status != PATROL).any()


@pytest.mark.parametrize("make,match", [
    (lambda: Scenario(n_vehicles=0), "n_vehicles must satisfy 1 <= n_vehicles"),
    (lambda: Scenario(speed_m_s=-1.0), "speed_m_s"),
    (lambda: Scenario(task_rate=-0.5), "task_rate"),
    (lambda: Scenario(camera_presets=("fog",), camera_weights=(1.0,)), "camera_presets"),
    (lambda: Scenario(task_weights=(1.0, 2.0)), "task_weights must hold 4"),
    (lambda: Scenario(camera_change_probability=1.5), "camera_change_probability"),
    (lambda: RoadMap(n_streets=1), "n_streets"),
    (lambda: RoadMap(block_m=0.0), "block_m"),
    (lambda: RoadMap(server_node=(0, 9)), r"server_node\[1\]"),
    (lambda: TaskKind("x", 0, 1, 1.0), "vehicles_needed"),
    (lambda: simulate(Scenario(), 0, np.random.default_rng(0)), "n_rounds"),
    (lambda: simulate(Scenario(), 5, 7), "rng must be a numpy random Generator"),
    (lambda: simulate(RoadMap(), 5, np.random.default_rng(0)), "scenario must be a qkit.fl.scenario.Scenario"),
])
def test_bad_input(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_round_index_checked(trace):
    with pytest.raises(ValueError, match="round_index"):
        trace.active_tasks(60)
    with pytest.raises(ValueError, match="round_index"):
        dataclasses.replace(trace).camera_conditions(-1)

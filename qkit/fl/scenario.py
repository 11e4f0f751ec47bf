"""The public-safety scenario of the DQFL paper (Sec. IV A and the sensing stage of Sec. IV B 1).

Autonomous vehicles drive pre-planned routes on a grid of streets, with a road-side server
(the FL server of the paper) at one intersection. Each round:

1. **task reports** arrive from the authorities (Poisson, ``task_rate`` per round), each of one of
   the paper's four kinds -- locate a vehicle, issue a parking ticket, manage traffic, report an
   accident -- at a random intersection;
2. the nearest free vehicles (city-block distance) **mobilise** towards the task, as many as the
   kind needs; a task that finds too few free vehicles waits for more;
3. every vehicle **moves** ``speed_m_s * round_s`` metres along the streets (an L-shaped path to
   its next waypoint or to its task); a vehicle on site stays ``duration_rounds`` rounds and then
   resumes its route at its next waypoint;
4. vehicles **sense**: they capture licence plates, ``Poisson(capture rate)`` images per round --
   most on a task site, fewer en route, fewest on patrol -- under their own camera conditions
   (presets of :mod:`qkit.data.plates`, re-drawn with a small probability per round: rain, night);
5. the **distance** to the server is recorded at upload time (3-D, including the server's antenna
   height), which is what :class:`qkit.fl.channel.Channel` turns into reception probabilities.

Everything is seeded by one ``rng`` and vectorised over vehicles; rounds and the (few) new tasks
are Python loops. 1000 vehicles x 100 rounds take well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qkit._validate import (require_allocation, require_array, require_flag, require_generator,
                            require_instance, require_integer, require_real)
from qkit.data.plates import PRESETS, CameraConditions

__all__ = ["RoadMap", "TaskKind", "TASK_KINDS", "Scenario", "ScenarioTrace", "PATROL",
           "MOBILISING", "ON_TASK", "STATUS_NAMES", "move_along_streets", "simulate",
           "MAX_ROUNDS", "MAX_STREETS", "MAX_RATE"]

MAX_ROUNDS = 10_000
"""Most rounds :func:`simulate` runs in one call (a minute or two for 20 vehicles)."""
MAX_STREETS = 1000
"""Most streets in each direction of a :class:`RoadMap`."""
MAX_RATE = 1.0e4
"""Largest Poisson rate (task reports or plates per round) a scenario may ask for."""

PATROL, MOBILISING, ON_TASK = 0, 1, 2
STATUS_NAMES = ("patrol", "mobilising", "on task")


@dataclass(frozen=True)
class RoadMap:
    """A square grid of streets with the road-side server at an intersection.

    Parameters
    ----------
    n_streets : int
        Streets in each direction (>= 2): ``n_streets**2`` intersections.
    block_m : float
        Distance between parallel streets (m). Default 200 m: a 5 x 5 grid spans 800 m, so the
        far corners are ~570 m from a central server, where the default channel is poor.
    server_node : tuple of int or None
        ``(i, j)`` street indices of the server's intersection; ``None`` puts it at the centre.
    antenna_height_m : float
        Height of the server's antenna above the vehicles' (m, >= 0). Default 10 m (a mast).
    """

    n_streets: int = 5
    block_m: float = 200.0
    server_node: tuple[int, int] | None = None
    antenna_height_m: float = 10.0

    def __post_init__(self) -> None:
        n = require_integer("n_streets", self.n_streets, low=2, high=MAX_STREETS)
        require_real("block_m", self.block_m, 0.0, None, low_inclusive=False, unit="m")
        require_real("antenna_height_m", self.antenna_height_m, 0.0, unit="m")
        if self.server_node is not None:
            if not isinstance(self.server_node, (tuple, list)) or len(self.server_node) != 2:
                raise TypeError("server_node must be a pair (i, j) of street indices or None, "
                                f"got {self.server_node!r:.40}")
            i, j = self.server_node
            require_integer("server_node[0]", i, low=0, high=n - 1)
            require_integer("server_node[1]", j, low=0, high=n - 1)

    @property
    def extent_m(self) -> float:
        """Side of the square map (m)."""
        return (self.n_streets - 1) * self.block_m

    @property
    def server_xy(self) -> np.ndarray:
        """Server position ``(x, y)`` in metres."""
        if self.server_node is None:
            centre = (self.n_streets - 1) // 2
            return np.array([centre, centre], dtype=float) * self.block_m
        return np.asarray(self.server_node, dtype=float) * self.block_m

    def intersections(self) -> np.ndarray:
        """All intersections, shape ``(n_streets**2, 2)`` (m), row-major in ``(i, j)``."""
        i, j = np.meshgrid(np.arange(self.n_streets), np.arange(self.n_streets), indexing="ij")
        return np.column_stack([i.ravel(), j.ravel()]).astype(float) * self.block_m

    def distance_to_server(self, xy: np.ndarray) -> np.ndarray:
        """Straight-line 3-D distance (m) from positions ``(..., 2)`` to the server's antenna."""
        xy = require_array("xy", xy, unit="m")
        if xy.ndim < 1 or xy.shape[-1] != 2:
            raise ValueError(f"xy must have shape (..., 2) (metres), got {xy.shape}")
        d2 = np.sum((xy - self.server_xy) ** 2, axis=-1)
        return np.sqrt(d2 + self.antenna_height_m ** 2)


@dataclass(frozen=True)
class TaskKind:
    """One kind of task report: how many vehicles it needs, for how long, how many plates.

    Parameters
    ----------
    name : str
    vehicles_needed : int
        Vehicle visits the authorities ask for (>= 1); if fewer vehicles are free, the rest
        are sent as vehicles become free, and the task ends after the last visit.
    duration_rounds : int
        Rounds each vehicle stays on site (>= 1).
    capture_rate : float
        Mean number of plate images a vehicle on site captures per round (>= 0).
    """

    name: str
    vehicles_needed: int
    duration_rounds: int
    capture_rate: float

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"name must be a non-empty string, got {self.name!r:.40}")
        require_integer("vehicles_needed", self.vehicles_needed, low=1)
        require_integer("duration_rounds", self.duration_rounds, low=1, high=MAX_ROUNDS)
        require_real("capture_rate", self.capture_rate, 0.0, MAX_RATE, unit="plates per round")


#: The paper's four examples (Sec. IV A). The numbers are the kit's choices: a search or a
#: traffic jam needs more vehicles and sees more plates than one parking ticket.
TASK_KINDS = (
    TaskKind("locate a vehicle", 2, 2, 30.0),
    TaskKind("parking ticket", 1, 1, 10.0),
    TaskKind("traffic management", 3, 3, 40.0),
    TaskKind("accident report", 2, 2, 20.0),
)


@dataclass(frozen=True)
class Scenario:
    """A fleet, its road map and the authorities' task reports.

    Parameters
    ----------
    road_map : RoadMap
    n_vehicles : int
        Fleet size (>= 1).
    speed_m_s : float
        Driving speed (m/s). Default 10 m/s (36 km/h, urban).
    round_s : float
        Duration of one FL round (s): sensing, local training and upload. Default 10 s, so a
        vehicle moves 100 m (half a block) per round.
    task_rate : float
        Mean number of task reports per round (Poisson, >= 0).
    task_kinds, task_weights
        The kinds and their probabilities (weights are normalised).
    patrol_capture_rate, en_route_capture_rate : float
        Mean plates captured per round on patrol and while mobilising.
    camera_presets, camera_weights
        Names of :data:`qkit.data.plates.PRESETS` and how often a camera is in each.
    camera_change_probability : float
        Per round and vehicle, probability that its camera conditions are re-drawn (weather,
        dusk, a splash of mud).
    waypoints_per_route : int
        Length of each vehicle's pre-planned closed route (intersections, >= 2).
    """

    road_map: RoadMap = field(default_factory=RoadMap)
    n_vehicles: int = 20
    speed_m_s: float = 10.0
    round_s: float = 10.0
    task_rate: float = 1.0
    task_kinds: tuple[TaskKind, ...] = TASK_KINDS
    task_weights: tuple[float, ...] = (0.3, 0.3, 0.2, 0.2)
    patrol_capture_rate: float = 1.0
    en_route_capture_rate: float = 5.0
    camera_presets: tuple[str, ...] = ("clear day", "night", "rain", "muddy plate")
    camera_weights: tuple[float, ...] = (0.55, 0.15, 0.15, 0.15)
    camera_change_probability: float = 0.05
    waypoints_per_route: int = 6

    def __post_init__(self) -> None:
        require_instance("road_map", self.road_map, RoadMap, "qkit.fl.scenario.RoadMap")
        n = require_integer("n_vehicles", self.n_vehicles, low=1)
        positive = dict(low=0.0, low_inclusive=False)
        require_real("speed_m_s", self.speed_m_s, **positive, unit="m/s")
        require_real("round_s", self.round_s, **positive, unit="s")
        require_real("task_rate", self.task_rate, 0.0, MAX_RATE, unit="reports per round")
        require_real("patrol_capture_rate", self.patrol_capture_rate, 0.0, MAX_RATE, unit="plates per round")
        require_real("en_route_capture_rate", self.en_route_capture_rate, 0.0, MAX_RATE, unit="plates per round")
        require_real("camera_change_probability", self.camera_change_probability, 0.0, 1.0)
        w = require_integer("waypoints_per_route", self.waypoints_per_route, low=2, high=1000)
        require_allocation(f"the state of n_vehicles={n}", 64.0 * n * (w + 8))
        if (not isinstance(self.task_kinds, tuple) or not self.task_kinds
                or not all(isinstance(k, TaskKind) for k in self.task_kinds)):
            raise TypeError(f"task_kinds must be a non-empty tuple of TaskKind, got {self.task_kinds!r:.60}")
        if (not isinstance(self.camera_presets, tuple) or not self.camera_presets
                or not all(isinstance(p, str) and p in PRESETS for p in self.camera_presets)):
            raise ValueError(f"camera_presets must be a non-empty tuple of names in qkit.data.plates.PRESETS "
                             f"({', '.join(map(repr, PRESETS))}); got {self.camera_presets!r:.60}")
        _weights("task_weights", self.task_weights, len(self.task_kinds))
        _weights("camera_weights", self.camera_weights, len(self.camera_presets))


def _weights(name: str, weights: tuple[float, ...], n: int) -> np.ndarray:
    if not isinstance(weights, (tuple, list, np.ndarray)):
        raise TypeError(f"{name} must be a tuple of {n} non-negative weights, got {weights!r:.60}")
    w = require_array(name, weights, low=0.0)
    if w.shape != (n,) or w.sum() <= 0:
        raise ValueError(f"{name} must hold {n} non-negative weights, not all 0; got {weights!r}")
    return w / w.sum()


@dataclass(frozen=True)
class ScenarioTrace:
    """What happened, round by round (``R`` rounds, ``N`` vehicles, ``T`` task reports).

    Attributes
    ----------
    positions : (R, N, 2) float -- vehicle positions at upload time (m)
    distances : (R, N) float -- 3-D distance to the server's antenna (m)
    status : (R, N) int -- PATROL, MOBILISING or ON_TASK
    task_of : (R, N) int -- task index the vehicle serves, or -1
    captures : (R, N) int -- plate images captured this round
    camera : (R, N) int -- index into ``scenario.camera_presets``
    routes : (N, W, 2) float -- each vehicle's pre-planned waypoints (m)
    task_kind : (T,) int -- index into ``scenario.task_kinds``
    task_xy : (T, 2) float -- task locations (m)
    task_arrival : (T,) int -- round of the report
    task_done : (T,) int -- round its last vehicle left the site, or -1 if not finished
    """

    scenario: Scenario
    positions: np.ndarray
    distances: np.ndarray
    status: np.ndarray
    task_of: np.ndarray
    captures: np.ndarray
    camera: np.ndarray
    routes: np.ndarray
    task_kind: np.ndarray
    task_xy: np.ndarray
    task_arrival: np.ndarray
    task_done: np.ndarray

    @property
    def sensing(self) -> np.ndarray:
        """(R, N) bool: the vehicle captured at least one plate this round."""
        return self.captures > 0

    @property
    def n_rounds(self) -> int:
        return self.positions.shape[0]

    def active_tasks(self, round_index: int) -> np.ndarray:
        """Indices of tasks reported by ``round_index`` and not finished before it."""
        r = require_integer("round_index", round_index, low=0, high=self.n_rounds - 1)
        return np.flatnonzero((self.task_arrival <= r) & ((self.task_done < 0)
                                                          | (self.task_done >= r)))

    def camera_conditions(self, round_index: int) -> list[CameraConditions]:
        """Each vehicle's :class:`CameraConditions` in that round."""
        r = require_integer("round_index", round_index, low=0, high=self.n_rounds - 1)
        return [PRESETS[self.scenario.camera_presets[c]] for c in self.camera[r]]


def _on_line(coord: np.ndarray, block: float) -> np.ndarray:
    frac = coord / block
    return np.abs(frac - np.round(frac)) < 1e-9 * max(1.0, float(np.max(np.abs(frac), initial=1)))


def move_along_streets(xy: np.ndarray, target: np.ndarray, step_m: np.ndarray | float,
                       block_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Move each vehicle up to ``step_m`` metres along the streets towards an intersection.

    A vehicle on an east-west street (``y`` on a street line) drives along ``x`` first, then
    along ``y``; one between intersections of a north-south street drives along ``y`` first.
    Either way it never leaves the streets and its city-block distance to the target drops by
    ``min(step, distance)``.

    Parameters
    ----------
    xy : (N, 2) array -- positions on the streets (m)
    target : (N, 2) array -- intersections (m)
    step_m : float or (N,) array -- distance to drive (m, >= 0)
    block_m : float -- street spacing (m)

    Returns
    -------
    new_xy : (N, 2) array
    leftover_m : (N,) array -- the part of ``step_m`` not used because the target was reached
    """
    xy = require_array("xy", xy, ndim=2, unit="m")
    if xy.shape[1] != 2:
        raise ValueError(f"xy must have shape (N, 2) (metres), got {xy.shape}")
    target = require_array("target", target, shape=xy.shape, unit="m")
    step = require_array("step_m", step_m, low=0.0, ndim=(0, 1), unit="m")
    if step.ndim == 1 and step.shape != xy.shape[:1]:
        raise ValueError(f"step_m must be one distance or one per vehicle ({xy.shape[0]}), got shape {step.shape}")
    block_m = require_real("block_m", block_m, 0.0, None, low_inclusive=False, unit="m")
    return _move(xy, target, np.broadcast_to(step, xy.shape[:1]), block_m)


def _move(xy: np.ndarray, target: np.ndarray, step: np.ndarray, block_m: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`move_along_streets` without the checks."""
    delta = target - xy
    x_first = _on_line(xy[:, 1], block_m)
    first = np.where(x_first, 0, 1)
    second = 1 - first
    rows = np.arange(xy.shape[0])
    d1, d2 = delta[rows, first], delta[rows, second]
    m1 = np.minimum(np.abs(d1), step)
    m2 = np.minimum(np.abs(d2), step - m1)
    new = xy.copy()
    new[rows, first] += np.sign(d1) * m1
    new[rows, second] += np.sign(d2) * m2
    arrived = (m1 == np.abs(d1)) & (m2 == np.abs(d2))
    new[arrived] = target[arrived]  # no rounding drift off the grid
    return new, step - m1 - m2


def _dispatch(pending: list[list[int]], task_xy: np.ndarray, xy: np.ndarray, status: np.ndarray,
              task_of: np.ndarray, target: np.ndarray) -> None:
    """Send the nearest free vehicles to each task still short of vehicles (in report order)."""
    for entry in pending:
        task, missing = entry
        free = np.flatnonzero(status == PATROL)
        if missing == 0 or free.size == 0:
            continue
        city_block = np.abs(xy[free] - task_xy[task]).sum(axis=1)
        take = min(missing, free.size)
        chosen = free[np.argpartition(city_block, take - 1)[:take]]
        status[chosen], task_of[chosen], target[chosen] = MOBILISING, task, task_xy[task]
        entry[1] = missing - take
    pending[:] = [e for e in pending if e[1] > 0]


def _release(state: dict, task_done: list[int], pending: list[list[int]], r: int) -> None:
    """Count down on-site rounds; send finished vehicles back to their route; close tasks."""
    on = state["status"] == ON_TASK
    state["rounds_left"][on] -= 1
    done = on & (state["rounds_left"] <= 0)
    state["status"][done], state["task_of"][done] = PATROL, -1
    state["target"][done] = state["routes"][np.flatnonzero(done), state["waypoint"][done]]
    if not task_done:
        return
    serving = np.bincount(state["task_of"][state["task_of"] >= 0], minlength=len(task_done))
    short = {task for task, _ in pending}
    for task in np.flatnonzero(serving == 0):
        if task_done[task] < 0 and task not in short:
            task_done[task] = r - 1


def _move_fleet(state: dict, step_m: float, block_m: float, durations: np.ndarray,
                kinds: list[int]) -> None:
    """Drive every vehicle not on site ``step_m`` metres; patrols follow their closed route."""
    status, target = state["status"], state["target"]
    remaining = np.where(status == ON_TASK, 0.0, step_m)
    n_waypoints = state["routes"].shape[1]
    for _ in range(2 * n_waypoints + 2):  # a few legs per round at most
        moving = np.flatnonzero(remaining > 0)
        if moving.size == 0:
            break
        state["xy"][moving], remaining[moving] = _move(
            state["xy"][moving], target[moving], remaining[moving], block_m)
        at_target = np.all(state["xy"][moving] == target[moving], axis=1)
        reached = moving[at_target]
        patrol = reached[status[reached] == PATROL]
        state["waypoint"][patrol] = (state["waypoint"][patrol] + 1) % n_waypoints
        target[patrol] = state["routes"][patrol, state["waypoint"][patrol]]
        arrived = reached[status[reached] == MOBILISING]
        if arrived.size:
            status[arrived] = ON_TASK
            kind_of_task = np.asarray(kinds, dtype=int)
            state["rounds_left"][arrived] = durations[kind_of_task[state["task_of"][arrived]]]
            remaining[arrived] = 0.0


def _sense(scenario: Scenario, state: dict, kinds: list[int],
           rng: np.random.Generator) -> np.ndarray:
    """Plates captured this round: Poisson with a rate set by what the vehicle is doing."""
    rates = np.where(state["status"] == PATROL, scenario.patrol_capture_rate,
                     scenario.en_route_capture_rate)
    on = np.flatnonzero(state["status"] == ON_TASK)
    if on.size:
        site_rates = np.array([k.capture_rate for k in scenario.task_kinds])
        rates[on] = site_rates[np.asarray(kinds, dtype=int)[state["task_of"][on]]]
    return rng.poisson(rates)


def _initial_state(scenario: Scenario, rng: np.random.Generator) -> dict:
    nodes = scenario.road_map.intersections()
    n, w = scenario.n_vehicles, scenario.waypoints_per_route
    idx = np.empty((n, w), dtype=int)
    idx[:, 0] = rng.integers(0, len(nodes), size=n)
    for k in range(1, w):  # consecutive waypoints differ, so every leg has a length
        idx[:, k] = (idx[:, k - 1] + rng.integers(1, len(nodes), size=n)) % len(nodes)
    routes = nodes[idx]
    camera_p = _weights("camera_weights", scenario.camera_weights, len(scenario.camera_presets))
    return dict(routes=routes, xy=routes[:, 0].copy(), target=routes[:, 1].copy(),
                waypoint=np.ones(n, dtype=int), status=np.zeros(n, dtype=int),
                task_of=np.full(n, -1), rounds_left=np.zeros(n, dtype=int),
                camera=rng.choice(len(camera_p), size=n, p=camera_p), camera_p=camera_p)


def simulate(scenario: Scenario, n_rounds: int, rng: np.random.Generator, *,
             progress: bool = False) -> ScenarioTrace:
    """Run the scenario for ``n_rounds`` FL rounds (see the module docstring for one round).

    Parameters
    ----------
    scenario : Scenario
    n_rounds : int
        Number of rounds, 1 .. ``MAX_ROUNDS`` (each takes a few milliseconds for 20 vehicles).
    rng : numpy.random.Generator
        Source of the routes, task reports, captures and camera changes.
    progress : bool
        Show a ``tqdm.auto`` progress bar over the rounds.

    Returns
    -------
    ScenarioTrace
        Positions, distances to the server, status, task assignment, captures and camera of
        every vehicle in every round, and the table of task reports.
    """
    require_instance("scenario", scenario, Scenario, "qkit.fl.scenario.Scenario")
    n_rounds = require_integer("n_rounds", n_rounds, low=1, high=MAX_ROUNDS)
    require_generator("rng", rng)
    require_flag("progress", progress)
    road, n = scenario.road_map, scenario.n_vehicles
    require_allocation(f"the trace of n_rounds={n_rounds} x n_vehicles={n}", 96.0 * n_rounds * n)
    nodes = road.intersections()
    kind_p = _weights("task_weights", scenario.task_weights, len(scenario.task_kinds))
    durations = np.array([k.duration_rounds for k in scenario.task_kinds])
    state = _initial_state(scenario, rng)
    kinds, task_xy, arrival, task_done, pending = [], [], [], [], []
    record = {key: [] for key in ("positions", "status", "task_of", "captures", "camera")}
    rounds = range(n_rounds)
    if progress:
        from tqdm.auto import tqdm

        rounds = tqdm(rounds, desc="scenario rounds")
    for r in rounds:
        _release(state, task_done, pending, r)
        for _ in range(rng.poisson(scenario.task_rate)):
            kind = int(rng.choice(len(kind_p), p=kind_p))
            kinds.append(kind)
            task_xy.append(nodes[rng.integers(0, len(nodes))])
            arrival.append(r)
            task_done.append(-1)
            pending.append([len(kinds) - 1, scenario.task_kinds[kind].vehicles_needed])
        _dispatch(pending, np.array(task_xy).reshape(-1, 2), state["xy"], state["status"],
                  state["task_of"], state["target"])
        _move_fleet(state, scenario.speed_m_s * scenario.round_s, road.block_m, durations, kinds)
        captures = _sense(scenario, state, kinds, rng)
        change = rng.random(n) < scenario.camera_change_probability
        state["camera"][change] = rng.choice(len(state["camera_p"]), size=int(change.sum()),
                                             p=state["camera_p"])
        for key, value in (("positions", state["xy"]), ("status", state["status"]),
                           ("task_of", state["task_of"]), ("captures", captures),
                           ("camera", state["camera"])):
            record[key].append(np.array(value, copy=True))
    positions = np.stack(record["positions"])
    return ScenarioTrace(
        scenario=scenario, positions=positions, distances=road.distance_to_server(positions),
        status=np.stack(record["status"]), task_of=np.stack(record["task_of"]),
        captures=np.stack(record["captures"]), camera=np.stack(record["camera"]),
        routes=state["routes"], task_kind=np.array(kinds, dtype=int),
        task_xy=np.array(task_xy, dtype=float).reshape(-1, 2),
        task_arrival=np.array(arrival, dtype=int), task_done=np.array(task_done, dtype=int))

import numpy as np
import pytest

from qkit.data.plates import CLEAR_DAY, NIGHT, RAIN, CameraConditions
from qkit.fl.partition import (
    check_partition,
    dirichlet_class_probabilities,
    dirichlet_split,
    label_counts,
    label_skew,
    vehicle_camera_conditions,
)


def test_class_probabilities_are_distributions_and_alpha_controls_skew():
    rng = np.random.default_rng(0)
    for alpha in (1e-3, 0.1, 1.0, 100.0, np.inf):
        q = dirichlet_class_probabilities(500, 4, alpha, rng)
        assert q.shape == (500, 4) and np.all(q >= 0)
        np.testing.assert_allclose(q.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_array_equal(dirichlet_class_probabilities(3, 4, np.inf, rng), np.full((3, 4), 0.25))
    # exact moments of a symmetric Dirichlet: E q_c = 1/C, Var q_c = (C-1) / (C^2 (C alpha + 1))
    alpha, c = 0.5, 4
    q = dirichlet_class_probabilities(40000, c, alpha, rng)
    var = (c - 1) / (c**2 * (c * alpha + 1))
    np.testing.assert_allclose(q.mean(axis=0), 1 / c, atol=5 * np.sqrt(var / 40000))
    np.testing.assert_allclose(q.var(axis=0), var, rtol=0.05)
    # small alpha: nearly one class per vehicle; large alpha: nearly uniform
    assert np.mean(dirichlet_class_probabilities(1000, 4, 0.01, rng).max(axis=1) > 0.99) > 0.8
    assert np.all(dirichlet_class_probabilities(1000, 4, 1e4, rng).max(axis=1) < 0.3)


def test_dirichlet_split_is_a_partition_and_reproducible():
    y = np.repeat(np.arange(4), 50)
    parts = dirichlet_split(y, 6, 0.5, np.random.default_rng(7))
    check_partition(parts, y.size)
    again = dirichlet_split(y, 6, 0.5, np.random.default_rng(7))
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))
    # alpha = inf: every vehicle gets an equal share of every class
    counts = label_counts([y[p] for p in dirichlet_split(y, 5, np.inf, np.random.default_rng(1))], 4)
    np.testing.assert_array_equal(counts, np.full((5, 4), 10))
    assert label_skew(counts) == 0.0


def test_dirichlet_split_skew_grows_as_alpha_falls():
    y = np.repeat(np.arange(4), 250)
    rng = np.random.default_rng(2)
    skews = [label_skew(label_counts([y[p] for p in dirichlet_split(y, 10, a, rng)], 4))
             for a in (100.0, 1.0, 0.05)]
    assert skews[0] < 0.1 < skews[1] < skews[2]


def test_dirichlet_split_raises_when_a_vehicle_would_have_no_data():
    y = np.repeat(np.arange(2), 5)
    with pytest.raises(ValueError, match="fewer than min_samples"):
        dirichlet_split(y, 8, 1e-3, np.random.default_rng(0), max_tries=5)
    with pytest.raises(ValueError, match="fewer than n_vehicles"):
        dirichlet_split(y, 20, 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="alpha must satisfy 0 < alpha"):
        dirichlet_split(y, 2, 0.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="alpha must satisfy"):
        dirichlet_class_probabilities(2, 2, -1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="labels must"):
        dirichlet_split(np.array([0.5, 1.0]), 2, 1.0, np.random.default_rng(0))


def test_check_partition():
    with pytest.raises(ValueError, match="vehicle 1 has no data"):
        check_partition([np.array([0, 1]), np.array([], int)])
    with pytest.raises(ValueError, match="at least one"):
        check_partition([])
    with pytest.raises(ValueError, match="split range"):
        check_partition([np.array([0, 1]), np.array([1])], 3)


def test_label_skew_extremes():
    assert label_skew([[5, 5], [5, 5]]) == 0.0
    # each of C balanced classes at its own vehicle: 1 - 1/C
    assert np.isclose(label_skew(np.eye(4) * 10), 0.75)
    with pytest.raises(ValueError, match="counts"):
        label_skew([[0, 0], [1, 1]])
    with pytest.raises(ValueError, match=r"labels_per_vehicle\[0\] must lie"):
        label_counts([np.array([0, 3])], 3)


def test_vehicle_camera_conditions_interpolate():
    rng = np.random.default_rng(0)
    same = vehicle_camera_conditions(4, 0.0, rng)
    assert all(c == CLEAR_DAY for c in same)
    full = vehicle_camera_conditions(200, 1.0, rng, towards=(NIGHT,))
    lights = np.array([c.light_level for c in full])
    assert lights.min() >= NIGHT.light_level and lights.max() <= CLEAR_DAY.light_level
    assert lights.std() > 0.1  # vehicles really differ
    mix = vehicle_camera_conditions(300, 1.0, rng)
    assert all(isinstance(c, CameraConditions) for c in mix)
    assert max(c.blur_sigma for c in mix) > 0.9 * RAIN.blur_sigma
    with pytest.raises(ValueError, match="spread must satisfy"):
        vehicle_camera_conditions(3, 1.5, rng)
    with pytest.raises(ValueError, match="n_vehicles must satisfy"):
        vehicle_camera_conditions(0, 0.5, rng)


def test_fleet_plates_shapes_and_skews():
    from qkit.fl.partition import fleet_plates

    fleet = fleet_plates(5, [10, 20, 5, 8, 12], classes="012", alpha=0.1, camera_spread=1.0,
                         rng=np.random.default_rng(3), size=12)
    assert fleet.n_vehicles == 5 and fleet.images[1].shape == (20, 12, 12)
    assert fleet.label_counts().sum(axis=1).tolist() == [10, 20, 5, 8, 12]
    assert label_skew(fleet.label_counts()) > 0.2  # alpha = 0.1: strong label skew
    assert len({c.light_level for c in fleet.conditions}) == 5
    iid = fleet_plates(4, 200, classes="012", rng=np.random.default_rng(0), size=12)
    assert label_skew(iid.label_counts()) < 0.1 and all(c == CLEAR_DAY for c in iid.conditions)
    with pytest.raises(ValueError, match="samples_per_vehicle must satisfy"):
        fleet_plates(2, [3, 0], rng=np.random.default_rng(0))


def test_plate_task_features_and_clients():
    from qkit.fl.clients import ClientData
    from qkit.fl.partition import plate_task

    task = plate_task(np.random.default_rng(0), n_features=3, n_public=300, n_test=50, samples_per_vehicle=7)
    X, y = task.test_set
    assert X.shape == (50, 3) and y.shape == (50,)
    assert X.min() >= 0 and X.max() <= np.pi
    # the components are orthonormal principal axes of the public plates
    comps = task.feature_map.components_
    np.testing.assert_allclose(comps @ comps.T, np.eye(3), atol=1e-10)
    clients = task.clients(4, np.random.default_rng(1))
    assert len(clients) == 4 and all(isinstance(c, ClientData) and c.n_samples == 7 for c in clients)
    clients, tests = task.clients(3, np.random.default_rng(1), alpha=0.1, camera_spread=1.0, held_out=5)
    assert [c.n_samples for c in clients] == [7, 7, 7] and [t[0].shape for t in tests] == [(5, 3)] * 3
    # the map is fixed: the same image gives the same angles
    img = np.random.default_rng(2).random((2, 16, 16))
    np.testing.assert_array_equal(task.features(img), task.features(img))
    with pytest.raises(ValueError, match="n_features must satisfy"):
        plate_task(np.random.default_rng(0), n_features=0)

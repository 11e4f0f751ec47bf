"""Notebook 12's experiment on Flower equals run_federated round by round (issue 13 item 2).

A small setting (3 vehicles, 2 rounds) runs on Flower's simulation engine (Ray) with the same
seeds as :func:`qkit.fl.flower.run_reference`; the global model after every round, the arrivals
and the accuracy per exit must be the same. Needs the ``flower`` extra.
"""

import numpy as np
import pytest

pytest.importorskip("flwr", reason="Flower is in the flower extra")

from qkit.fl.flower import VehicleSetting, build_experiment, run_on_flower, run_reference  # noqa: E402


def test_setting_round_trips_through_a_run_config_and_refuses_unknown_entries():
    setting = VehicleSetting(seed=4, n_vehicles=5, rounds=3, scheme="qfl", radius_m=600.0)
    assert VehicleSetting.from_config(setting.to_config()) == setting
    with pytest.raises(ValueError, match="n-vehicle"):
        VehicleSetting.from_config({"n-vehicle": 3})
    with pytest.raises(ValueError, match="scheme"):
        VehicleSetting(scheme="fedavg")


def test_every_process_rebuilds_the_same_experiment():
    a, b = build_experiment(VehicleSetting(seed=2)), build_experiment(VehicleSetting(seed=2))
    assert np.array_equal(a.initial_params, b.initial_params) and np.array_equal(a.distances, b.distances)
    assert all(np.array_equal(x.X, y.X) and np.array_equal(x.y, y.y) for x, y in zip(a.clients, b.clients))


@pytest.mark.slow
def test_flower_simulation_equals_run_federated_round_by_round():
    setting = VehicleSetting(seed=0, n_vehicles=3, rounds=2, scheme="dqfl", radius_m=1000.0)
    reference = run_reference(setting)
    flower = run_on_flower(setting, workers=2)
    np.testing.assert_array_equal(flower["global_params"], reference.global_params)
    np.testing.assert_array_equal(flower["arrived"], reference.arrived)
    np.testing.assert_array_equal(flower["accuracy"], reference.accuracy)
    assert reference.arrived.any() and not reference.arrived.all()  # the channel decided something

"""Registry cases for ``qkit.fl.dropout`` and ``qkit.fl.flower`` (see ``__init__.py`` beside this file).

``qkit.fl.flower`` needs the ``flower`` extra; without Flower its cases are left out (the module
itself is then not importable, so it has no public callables to cover).
"""

import importlib.util

import numpy as np

from api_registry import Case
from qkit.fl.channel import Channel
from qkit.fl.clients import ClientData, LocalTraining, base_mask
from qkit.qnn.models import DynamicQNN

_X = np.array([[0.3, 1.2], [2.0, 0.1], [1.0, 1.0], [0.5, 2.5]])
_Y = np.array([0, 1, 0, 1])


def _compare_call():
    model = DynamicQNN(2, 2, 2)
    clients = [ClientData(_X[:2], _Y[:2]), ClientData(_X[2:], _Y[2:])]
    return ((model, clients, (_X, _Y), Channel(), "dqfl", 1),
            dict(drop_probability=0.3, distances=np.array([100.0, 400.0]),
                 initial_params=model.init_params(np.random.default_rng(0)), seed=0,
                 training=LocalTraining(epochs=1, batch_size=2), power_split=0.8, base_mask=base_mask(model, 1)))


CASES = [
    Case("qkit.fl.dropout.compare_drops_with_fading", make=_compare_call,
         bad={"drop_probability": [0.0, 1.0, -0.2], "channel": [None, "c"], "rounds": [0, -1],
              "seed": [-1], "initial_params": [np.ones(3), "w"], "distances": [np.array([-1.0, 2.0])],
              "scheme": ["QFL"]},
         timeout=20.0),
]
EXEMPT = {"qkit.fl.dropout.DropsVsFading": "a result record that only qkit.fl.dropout.compare_drops_with_fading builds"}

if importlib.util.find_spec("flwr") is not None:
    from qkit.fl.flower import VehicleSetting

    def _small():
        return VehicleSetting(n_vehicles=2, rounds=1)

    CASES += [
        Case("qkit.fl.flower.VehicleSetting",
             kwargs=dict(seed=1, n_vehicles=3, rounds=2, scheme="dqfl", radius_m=800.0, power_split=0.8,
                         boundary=1, epochs=1, batch_size=20, learning_rate=0.05, task_seed=9, drop_probability=0.3),
             bad={"drop_probability": [1.0, -0.1], "scheme": ["fedavg"], "n_vehicles": [0], "boundary": [3]}),
        Case("qkit.fl.flower.build_experiment", make=lambda: ((_small(),), {}), bad={"setting": [{"seed": 0}]}),
        Case("qkit.fl.flower.run_reference", make=lambda: ((_small(),), {}), bad={"setting": [{"seed": 0}]},
             timeout=20.0),
        Case("qkit.fl.flower.make_client_app", make=lambda: ((_small(),), {}), bad={"setting": [{"seed": 0}]},
             allow={"setting": ("none",)}),  # None: the setting comes from the run config (documented)
        Case("qkit.fl.flower.make_server_app", make=lambda: ((_small(), {}), {}),
             bad={"setting": [{"seed": 0}], "results": [[]]},
             allow={"setting": ("none",), "results": ("none",)}),  # both optional (documented)
    ]
    EXEMPT.update({
        "qkit.fl.flower.Experiment": "a record that only qkit.fl.flower.build_experiment builds",
        "qkit.fl.flower.UplinkStrategy": "a Flower strategy that Flower's ServerApp drives; "
                                         "tests/test_fl_flower.py runs it on the simulation engine",
        "qkit.fl.flower.start_ray": "starts Ray (10-40 s, too slow for a registry call); its refusals are "
                                    "tested in tests/test_fl_flower.py",
        "qkit.fl.flower.run_on_flower": "starts Ray (10-40 s, too slow for a registry call); "
                                        "tests/test_fl_flower.py runs it (slow tests)",
    })

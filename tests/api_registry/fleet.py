"""Registry cases for the fleet sweep: ``qkit.qnn.fleet`` and ``qkit.fl.fleet_update`` (see ``__init__.py``)."""

import numpy as np

from api_registry import Case
from qkit.fl.clients import ClientData, LocalTraining
from qkit.qnn.models import QNN, DynamicQNN


def _model():
    return DynamicQNN(2, 2, 2)


def _params(v=2):
    model = _model()
    return np.tile(np.linspace(0.1, 0.9, model.n_params), (v, 1))


_X = np.array([[[0.3, 1.2], [2.0, 0.1], [1.0, 1.0]], [[0.5, 2.5], [0.2, 0.4], [0.0, 0.0]]])
_Y = np.array([[0, 1, 0], [1, 1, 0]])
_COUNTS = np.array([3, 2])


def _clients():
    return [ClientData(_X[0], _Y[0]), ClientData(_X[1, :2], _Y[1, :2])]


def _state():
    from qkit.fl.fleet_update import FleetOptimizerState

    return FleetOptimizerState.zeros("adam", 2, _model().n_params)


CASES = [
    Case("qkit.qnn.fleet.fleet_probabilities", make=lambda: ((_model(), _params(), _X), {"chunk_size": 1}),
         bad={"model": ["dqnn", None], "params": [np.ones((2, 3)), np.ones(12)], "X": [_X[:1], _X[..., :1]],
              "chunk_size": [0, -1]}),
    Case("qkit.qnn.fleet.fleet_loss_and_grad",
         make=lambda: ((_model(), _params(), _X, _Y, _COUNTS), {"exit_weights": np.array([1.0, 0.5]), "chunk_size": 2}),
         bad={"y": [_Y + 2, _Y[:, :2], -_Y - 1], "counts": [np.array([0, 2]), np.array([4, 2]), np.array([3])],
              "exit_weights": [np.array([1.0]), np.array([-1.0, 1.0])], "params": [np.ones((3, 12))],
              "chunk_size": [0], "model": [QNN]}),
    Case("qkit.qnn.fleet.fleet_chunk_size", make=lambda: ((_model(), 20), {"chunk_size": 4}),
         bad={"batch": [0, -3], "chunk_size": [0, 10**15], "model": ["dqnn"]}),
    Case("qkit.fl.fleet_update.FleetOptimizerState",
         args=("adam", np.zeros((2, 3)), np.zeros((2, 3)), np.array([0, 1])),
         bad={"optimizer": ["Adam", "momentum"], "moment2": [np.zeros((2, 2)), -np.ones((2, 3))],
              "steps": [np.array([0]), np.array([-1, 0])], "moment1": [np.zeros(3)]}),
    Case("qkit.fl.fleet_update.FleetOptimizerState.zeros", args=("sgd", 3, 4),
         bad={"optimizer": ["SGD"], "n_vehicles": [0, 10**12], "n_params": [0]}),
    Case("qkit.fl.fleet_update.fleet_local_update",
         make=lambda: ((_model(), _params(), _clients(), LocalTraining(epochs=1, batch_size=2), np.random.default_rng(0)),
                       dict(global_params=_params()[0], period=2 * np.pi, state=_state(), chunk_size=1)),
         bad={"clients": [[], [(_X[0], _Y[0])], _clients()[:1]], "training": ["adam"], "params": [np.ones((2, 3))],
              "global_params": [np.ones(3)], "model": ["dqnn"], "rng": [[np.random.default_rng(0)], 0],
              "state": [_state().zeros("sgd", 2, 12), "adam"], "period": [-1.0]},
         allow={"period": ("inf",)}),  # inf: not periodic (documented, as in local_update)
]
EXEMPT = {}

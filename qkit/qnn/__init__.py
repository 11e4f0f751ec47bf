"""qkit.qnn: a batched numpy statevector simulator and the quantum classifiers of the DQFL paper.

Modules
-------
gates        gate matrices (RX, RY, RZ, U3, Rot, CU3, CNOT, CZ, ...) and their derivatives
statevector  batched states ``(2,)*n + (batch,)``: apply gates, angle encoding, probabilities,
             ``<Z_i>``, finite-shot sampling
circuits     layered circuits (encoding + layers of gates), forward pass with layer-wise readout
gradients    adjoint gradients (one sweep for the losses of all exits) and parameter shift
noise        per-layer global depolarising noise, readout error and shots, exact without
             density matrices
models       ``QNN`` (fixed depth, one exit) and ``DynamicQNN`` (an exit after every layer)
optim        ``SGD``, ``Adam`` and a minibatch ``train`` loop
fleet        a fleet of models in one sweep: forward, loss and adjoint gradients per vehicle
classical    a classical baseline (MLP / softmax regression) with the same training interface

Quick start
-----------
>>> import numpy as np
>>> from qkit.qnn import DynamicQNN, Adam, train
>>> model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=2)
>>> rng = np.random.default_rng(0)
>>> params = model.init_params(rng)
>>> model.forward(params, rng.uniform(0, np.pi, (5, 4))).shape
(3, 5, 2)
"""

from qkit.qnn import circuits, gates, gradients, models, noise, optim, statevector
from qkit.qnn import fleet
from qkit.qnn.models import QNN, DynamicQNN
from qkit.qnn.noise import NoiseModel
from qkit.qnn.optim import SGD, Adam, train

__all__ = [
    "gates",
    "statevector",
    "circuits",
    "gradients",
    "models",
    "noise",
    "optim",
    "fleet",
    "QNN",
    "DynamicQNN",
    "NoiseModel",
    "SGD",
    "Adam",
    "train",
]

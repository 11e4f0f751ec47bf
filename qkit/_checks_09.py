"""Right and typical wrong answers behind the checks of ``exercises/09_quantum_classifier.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.data` and :mod:`qkit.qnn`;
each wrong answer is one misconception a check names (with :class:`qkit.exercises.Mistake`)
when a learner's function returns exactly what it returns.
"""

from __future__ import annotations

import math

import numpy as np

from qkit.data import PCAAngles
from qkit.qnn import DynamicQNN
from qkit.qnn import statevector as sv
from qkit.qnn.circuits import build_circuit
from qkit.qnn.classical import MLP
from qkit.qnn.gradients import adjoint_gradient, parameter_shift_gradient

__all__ = [
    "pca_angles", "pca_angles_fitted_on_test", "pca_angles_unclipped", "pca_angles_sign_unfixed",
    "softmax_regression_grad", "softmax_regression_grad_summed", "softmax_regression_grad_no_onehot",
    "softmax_regression_grad_unshifted",
    "dqnn_param_count", "dqnn_param_count_two_pairs", "dqnn_param_count_chain", "dqnn_param_count_one_exit",
    "two_layer_circuit", "adjoint_two_layer", "shift_two_layer", "adjoint_two_layer_halved",
    "adjoint_two_layer_full_angle", "adjoint_two_layer_sign", "adjoint_two_layer_last_qubit",
    "shots_to_resolve", "shots_to_resolve_flip_once", "shots_to_resolve_one_layer_short",
    "shots_to_resolve_unsquared",
]


# -- Exercise 9.1 ------------------------------------------------------------------------------

def pca_angles(train_images: np.ndarray, test_images: np.ndarray, n_components: int) -> np.ndarray:
    """Test angles of ``PCAAngles(n_components, clip_quantile=0)`` fitted on the training images."""
    return PCAAngles(n_components, clip_quantile=0.0).fit(train_images).transform(test_images)


def _pca(fit_images, test_images, k, clip=True, fix_sign=True) -> np.ndarray:
    fit = np.asarray(fit_images, dtype=float).reshape(len(fit_images), -1)
    test = np.asarray(test_images, dtype=float).reshape(len(test_images), -1)
    mean = fit.mean(axis=0)
    directions = np.linalg.svd(fit - mean, full_matrices=False)[2][:k]
    if fix_sign:
        directions = directions * np.sign(directions[np.arange(k), np.argmax(np.abs(directions), axis=1)])[:, None]
    p_fit, p_test = (fit - mean) @ directions.T, (test - mean) @ directions.T
    low, high = p_fit.min(axis=0), p_fit.max(axis=0)
    angles = np.pi * (p_test - low) / (high - low)
    return np.clip(angles, 0.0, np.pi) if clip else angles


def pca_angles_fitted_on_test(train_images, test_images, n_components) -> np.ndarray:
    """Wrong: mean, directions and ranges fitted on the test images (they leak into the encoder)."""
    return _pca(test_images, test_images, n_components)


def pca_angles_unclipped(train_images, test_images, n_components) -> np.ndarray:
    """Wrong: test angles outside the training range are not clipped to [0, pi]."""
    return _pca(train_images, test_images, n_components, clip=False)


def pca_angles_sign_unfixed(train_images, test_images, n_components) -> np.ndarray:
    """Wrong: the SVD's arbitrary sign of each direction kept."""
    return _pca(train_images, test_images, n_components, fix_sign=False)


# -- Exercise 9.2 ------------------------------------------------------------------------------

def softmax_regression_grad(W, b, X, y) -> tuple:
    """``(L, dL/dW, dL/db)`` of softmax regression, from ``qkit.qnn.classical.MLP`` with no hidden layer."""
    model = MLP(W.shape[0], W.shape[1], ())
    loss, grad = model.loss_and_grad(np.concatenate([np.ravel(W), b]), X, y)
    return loss, grad[: W.size].reshape(W.shape), grad[W.size:]


def _softmax_terms(W, b, X, y, shift=True):
    z = X @ W + b
    if shift:
        z = z - z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(len(y)), y])
    return p, loss


def softmax_regression_grad_summed(W, b, X, y) -> tuple:
    """Wrong: the loss and gradients summed over the samples, not averaged (n times too large)."""
    p, loss = _softmax_terms(W, b, X, y)
    dz = p.copy()
    dz[np.arange(len(y)), y] -= 1.0
    return loss.sum(), X.T @ dz, dz.sum(axis=0)


def softmax_regression_grad_no_onehot(W, b, X, y) -> tuple:
    """Wrong: ``dL/dz = p / n``, the one-hot labels never subtracted."""
    p, loss = _softmax_terms(W, b, X, y)
    dz = p / len(y)
    return loss.mean(), X.T @ dz, dz.sum(axis=0)


def softmax_regression_grad_unshifted(W, b, X, y) -> tuple:
    """Wrong: no shift by the row maximum, so large logits overflow (inf/nan)."""
    p, loss = _softmax_terms(W, b, X, y, shift=False)
    with np.errstate(invalid="ignore"):
        dz = p.copy()
        dz[np.arange(len(y)), y] -= 1.0
        dz /= len(y)
        return loss.mean(), X.T @ dz, dz.sum(axis=0)


# -- Exercise 9.3 ------------------------------------------------------------------------------

def dqnn_param_count(n_qubits: int, n_layers: int, n_classes: int) -> int:
    """``DynamicQNN(n_qubits, n_layers, n_classes).n_params``."""
    return DynamicQNN(n_qubits=n_qubits, n_layers=n_layers, n_classes=n_classes).n_params


def dqnn_param_count_two_pairs(n_qubits: int, n_layers: int, n_classes: int) -> int:
    """Wrong: a ring of ``n`` CU3 gates even for 2 qubits, where (0, 1) and (1, 0) would repeat the pair."""
    return n_layers * (6 * n_qubits + 2 * n_classes)


def dqnn_param_count_chain(n_qubits: int, n_layers: int, n_classes: int) -> int:
    """Wrong: a chain of ``n - 1`` CU3 gates, the ring's closing gate ``(n-1) -> 0`` left out."""
    return n_layers * (3 * n_qubits + 3 * (n_qubits - 1) + 2 * n_classes)


def dqnn_param_count_one_exit(n_qubits: int, n_layers: int, n_classes: int) -> int:
    """Wrong: one readout (scale and bias per class) for the whole model, not one per layer."""
    pairs = n_qubits if n_qubits >= 3 else 1
    return n_layers * (3 * n_qubits + 3 * pairs) + 2 * n_classes


# -- Exercise 9.4 ------------------------------------------------------------------------------

def two_layer_circuit(n_qubits: int):
    """The circuit of exercise 9.4: twice (``R_Y`` on every qubit, then the CNOT ring 0->1, ..., n-1->0)."""
    layer = [("ry", i) for i in range(n_qubits)] + [("cnot", (i, (i + 1) % n_qubits)) for i in range(n_qubits)]
    return build_circuit(n_qubits, [layer, layer])


def _z_weights(n_qubits: int, qubit: int) -> dict:
    return {1: sv.z_eigenvalues(n_qubits)[qubit][:, None]}


def adjoint_two_layer(thetas: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``d<Z_0>/dthetas``, shape ``(2, n)``, by ``qkit.qnn.gradients.adjoint_gradient``."""
    thetas, x = np.asarray(thetas, dtype=float), np.asarray(x, dtype=float)
    n = len(x)
    grad = adjoint_gradient(two_layer_circuit(n), thetas.ravel(), x[None, :], _z_weights(n, 0))
    return grad.reshape(thetas.shape)


def shift_two_layer(thetas: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The same gradient by ``qkit.qnn.gradients.parameter_shift_gradient`` (two runs per angle)."""
    thetas, x = np.asarray(thetas, dtype=float), np.asarray(x, dtype=float)
    n = len(x)
    grad = parameter_shift_gradient(two_layer_circuit(n), thetas.ravel(), x[None, :], _z_weights(n, 0))
    return grad.reshape(thetas.shape)


def adjoint_two_layer_halved(thetas, x) -> np.ndarray:
    """Wrong: ``Re <lambda| dG |phi>`` without the factor 2 (only one of the bra and ket terms)."""
    return adjoint_two_layer(thetas, x) / 2


def adjoint_two_layer_full_angle(thetas, x) -> np.ndarray:
    """Wrong: ``dR_Y/dtheta = -i Y R_Y`` (the 1/2 of ``exp(-i theta Y / 2)`` dropped)."""
    return 2 * adjoint_two_layer(thetas, x)


def adjoint_two_layer_sign(thetas, x) -> np.ndarray:
    """Wrong: ``dR_Y/dtheta = +i Y R_Y / 2`` (the sign of the generator flipped)."""
    return -adjoint_two_layer(thetas, x)


def adjoint_two_layer_last_qubit(thetas, x) -> np.ndarray:
    """Wrong: ``Z`` applied to the last axis (qubit ``n-1``) in place of qubit 0 (the leftmost bit)."""
    thetas, x = np.asarray(thetas, dtype=float), np.asarray(x, dtype=float)
    n = len(x)
    grad = adjoint_gradient(two_layer_circuit(n), thetas.ravel(), x[None, :], _z_weights(n, n - 1))
    return grad.reshape(thetas.shape)


# -- Exercise 9.5 ------------------------------------------------------------------------------

def _shots(signal: float) -> int:
    return int(math.ceil(1.0 / signal**2 - 1e-9))


def shots_to_resolve(p: float, q: float, k: int, gap: float) -> int:
    """Fewest shots ``S`` with ``1/sqrt(S) <= (1 - 2q) (1 - p)**k gap`` (exit after ``k`` noisy layers)."""
    return _shots((1 - 2 * q) * (1 - p) ** k * gap)


def shots_to_resolve_flip_once(p: float, q: float, k: int, gap: float) -> int:
    """Wrong: a bit flip taken to shrink ``<Z>`` by ``1 - q`` (it moves the mean by ``2q``)."""
    return _shots((1 - q) * (1 - p) ** k * gap)


def shots_to_resolve_one_layer_short(p: float, q: float, k: int, gap: float) -> int:
    """Wrong: ``(1 - p)**(k - 1)``, the channel after the exit's own layer left out."""
    return _shots((1 - 2 * q) * (1 - p) ** (k - 1) * gap)


def shots_to_resolve_unsquared(p: float, q: float, k: int, gap: float) -> int:
    """Wrong: ``S = 1 / signal`` (the standard error taken to fall as ``1/S``, not ``1/sqrt(S)``)."""
    return int(math.ceil(1.0 / ((1 - 2 * q) * (1 - p) ** k * gap) - 1e-9))

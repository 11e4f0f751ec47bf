"""Right and typical wrong answers behind the checks of ``exercises/09_quantum_classifier.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.data` and :mod:`qkit.qnn`;
each wrong answer is one misconception a check names (with :class:`qkit.exercises.Mistake`)
when a learner's function returns exactly what it returns. :data:`MISTAKES` pairs each wrong
answer with its one-line hint, by exercise label, so that the hints stay out of the check cells
too (a hint read before answering gives the answer away).
"""

from __future__ import annotations

import math

import numpy as np

from qkit.data import PCAAngles
from qkit.exercises import Mistake
from qkit.qnn import DynamicQNN, gates
from qkit.qnn import statevector as sv
from qkit.qnn.circuits import build_circuit
from qkit.qnn.classical import MLP
from qkit.qnn.gradients import adjoint_gradient, parameter_shift_gradient
from qkit.qnn.models import ring_pairs

__all__ = [
    "pca_angles", "pca_angles_fitted_on_test", "pca_angles_unclipped", "pca_angles_sign_unfixed",
    "pca_angles_test_ranges", "pca_angles_test_mean", "pca_angles_stacked", "pca_angles_stacked_train_ranges",
    "softmax_regression_grad", "softmax_regression_grad_summed", "softmax_regression_grad_no_onehot",
    "softmax_regression_grad_unshifted", "softmax_regression_grad_gradients_summed",
    "softmax_regression_grad_log_of_softmax",
    "dqnn_param_count", "dqnn_param_count_two_pairs", "dqnn_param_count_chain", "dqnn_param_count_one_exit",
    "dqnn_param_count_one_pair_per_exit",
    "two_layer_circuit", "adjoint_two_layer", "shift_two_layer", "adjoint_two_layer_halved",
    "adjoint_two_layer_full_angle", "adjoint_two_layer_sign", "adjoint_two_layer_last_qubit",
    "adjoint_two_layer_two_cnots_for_two_qubits", "adjoint_two_layer_ket_unapplied_first",
    "adjoint_two_layer_bra_unapplied_first",
    "shots_to_resolve", "shots_for_factors", "shots_to_resolve_flip_once", "shots_to_resolve_one_layer_short",
    "shots_to_resolve_unsquared",
    "MISTAKES",
]


# -- Exercise 9.1 ------------------------------------------------------------------------------

def pca_angles(train_images: np.ndarray, test_images: np.ndarray, n_components: int) -> np.ndarray:
    """Test angles of ``PCAAngles(n_components, clip_quantile=0)`` fitted on the training images."""
    return PCAAngles(n_components, clip_quantile=0.0).fit(train_images).transform(test_images)


def _pca(train_images, test_images, k, fit_on="train", test_mean="fit", ranges="fit", range_rows=None,
         clip=True, fix_sign=True) -> np.ndarray:
    """PCA angles, right by default; each keyword is one way to get them wrong.

    ``fit_on`` the images whose mean and directions are fitted ("train", "test" or "both", stacked);
    ``test_mean`` "fit" (the fitted mean) or "own" (the test images centred with their own mean);
    ``ranges`` "fit" (the fitted images' projections) or "test" (the test projections);
    ``range_rows`` a slice of the fitted rows the ranges come from (``None``: all of them).
    """
    train = np.asarray(train_images, dtype=float).reshape(len(train_images), -1)
    test = np.asarray(test_images, dtype=float).reshape(len(test_images), -1)
    fit = {"train": train, "test": test, "both": np.vstack([train, test])}[fit_on]
    mean = fit.mean(axis=0)
    directions = np.linalg.svd(fit - mean, full_matrices=False)[2][:k]
    if fix_sign:
        directions = directions * np.sign(directions[np.arange(k), np.argmax(np.abs(directions), axis=1)])[:, None]
    p_fit = (fit - mean) @ directions.T
    p_test = (test - (mean if test_mean == "fit" else test.mean(axis=0))) @ directions.T
    source = p_test if ranges == "test" else p_fit[range_rows if range_rows is not None else slice(None)]
    low, high = source.min(axis=0), source.max(axis=0)
    angles = np.pi * (p_test - low) / (high - low)
    return np.clip(angles, 0.0, np.pi) if clip else angles


def pca_angles_fitted_on_test(train_images, test_images, n_components) -> np.ndarray:
    """Wrong: mean, directions and ranges fitted on the test images (they leak into the encoder)."""
    return _pca(train_images, test_images, n_components, fit_on="test")


def pca_angles_test_ranges(train_images, test_images, n_components) -> np.ndarray:
    """Wrong: mean and directions from training, but each ``[min, max]`` from the test projections."""
    return _pca(train_images, test_images, n_components, ranges="test")


def pca_angles_test_mean(train_images, test_images, n_components) -> np.ndarray:
    """Wrong: the test images centred with their own mean (directions and ranges from training)."""
    return _pca(train_images, test_images, n_components, test_mean="own")


def pca_angles_stacked(train_images, test_images, n_components) -> np.ndarray:
    """Wrong: training and test images stacked, and mean, directions and ranges fitted on the stack."""
    return _pca(train_images, test_images, n_components, fit_on="both")


def pca_angles_stacked_train_ranges(train_images, test_images, n_components) -> np.ndarray:
    """Wrong: mean and directions fitted on the stacked images, ranges from the training rows of the stack."""
    return _pca(train_images, test_images, n_components, fit_on="both", range_rows=slice(0, len(train_images)))


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


def _softmax_terms(W, b, X, y, shift=True, log_of_p=False):
    """``(p, per-sample loss)``: the loss by log-sum-exp unless ``log_of_p`` (then ``-log p_y``)."""
    z = X @ W + b
    if shift:
        z = z - z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        if log_of_p or not shift:
            loss = -np.log(p[np.arange(len(y)), y])
        else:
            loss = -(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[np.arange(len(y)), y]
    return p, loss


def _softmax_answer(W, b, X, y, loss_scale=1.0, grad_scale=1.0, onehot=True, log_of_p=False) -> tuple:
    """The mean loss and the gradients, each scaled; ``onehot=False`` leaves the labels out of ``dL/dz``."""
    p, loss = _softmax_terms(W, b, X, y, log_of_p=log_of_p)
    dz = p.copy()
    if onehot:
        dz[np.arange(len(y)), y] -= 1.0
    dz *= grad_scale / len(y)
    return loss_scale * loss.mean(), X.T @ dz, dz.sum(axis=0)


def softmax_regression_grad_summed(W, b, X, y) -> tuple:
    """Wrong: the loss and gradients summed over the samples, not averaged (n times too large)."""
    return _softmax_answer(W, b, X, y, loss_scale=len(y), grad_scale=len(y))


def softmax_regression_grad_gradients_summed(W, b, X, y) -> tuple:
    """Wrong: the loss averaged, but ``dL/dz = p - onehot`` not divided by ``n`` (gradients n times too large)."""
    return _softmax_answer(W, b, X, y, grad_scale=len(y))


def softmax_regression_grad_no_onehot(W, b, X, y) -> tuple:
    """Wrong: ``dL/dz = p / n``, the one-hot labels never subtracted."""
    return _softmax_answer(W, b, X, y, onehot=False)


def softmax_regression_grad_log_of_softmax(W, b, X, y) -> tuple:
    """Wrong: shifted, but ``log`` taken of the computed ``p``: a ``p_y`` that underflows to 0 gives ``inf``."""
    return _softmax_answer(W, b, X, y, log_of_p=True)


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


def dqnn_param_count_one_pair_per_exit(n_qubits: int, n_layers: int, n_classes: int) -> int:
    """Wrong: one scale and one bias per exit, shared by its classes, not one pair per class."""
    pairs = n_qubits if n_qubits >= 3 else 1
    return n_layers * (3 * n_qubits + 3 * pairs + 2)


def dqnn_param_count_one_exit(n_qubits: int, n_layers: int, n_classes: int) -> int:
    """Wrong: one readout (scale and bias per class) for the whole model, not one per layer."""
    pairs = n_qubits if n_qubits >= 3 else 1
    return n_layers * (3 * n_qubits + 3 * pairs) + 2 * n_classes


# -- Exercise 9.4 ------------------------------------------------------------------------------

def two_layer_circuit(n_qubits: int, pairs=None):
    """The circuit of exercise 9.4: twice (``R_Y`` on every qubit, then a CNOT on each pair of the ring).

    The ring is ``qkit.qnn.models.ring_pairs(n_qubits)``: 0->1, ..., n-1->0, each neighbour pair once,
    so two qubits have the single CNOT 0->1 (as in ``qkit.qnn.QNN``). ``pairs`` overrides it.
    """
    pairs = ring_pairs(n_qubits) if pairs is None else pairs
    layer = [("ry", i) for i in range(n_qubits)] + [("cnot", pair) for pair in pairs]
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


def adjoint_two_layer_two_cnots_for_two_qubits(thetas, x) -> np.ndarray:
    """Wrong: the ring ``(i, i+1 mod n)`` for every ``i`` even at ``n = 2``, so two CNOTs 0->1 and 1->0."""
    thetas, x = np.asarray(thetas, dtype=float), np.asarray(x, dtype=float)
    n = len(x)
    circuit = two_layer_circuit(n, [(i, (i + 1) % n) for i in range(n)])
    grad = adjoint_gradient(circuit, thetas.ravel(), x[None, :], _z_weights(n, 0))
    return grad.reshape(thetas.shape)


def _sweep_out_of_step(thetas, x, unapply_first: str) -> np.ndarray:
    """The backward sweep with one state un-applied before the derivative is read (``"ket"`` or ``"bra"``).

    At a rotation ``G_m`` the ket (or the bra) is moved back one gate first, and the derivative
    ``(-i/2) Y`` is then applied to it as it is: ``<lambda_m| Y |phi_{m-1}>`` (or
    ``<lambda_{m-1}| Y |phi_m>``), the ``R_Y`` of ``dG/dtheta = (-i/2) Y R_Y`` left out.
    """
    thetas, x = np.asarray(thetas, dtype=float), np.asarray(x, dtype=float)
    n = len(x)
    ops = []
    for layer in range(2):
        ops += [(gates.ry(thetas[layer, i]), i, (layer, i)) for i in range(n)]
        ops += [(gates.CNOT, pair, None) for pair in ring_pairs(n)]
    phi = sv.angle_encode(x[None, :])
    for matrix, wires, _ in ops:
        phi = sv.apply_gate(phi, matrix, wires)
    lam = sv.apply_gate(phi, gates.PAULI_Z, 0)
    grad = np.zeros((2, n))
    for matrix, wires, index in reversed(ops):
        back = matrix.conj().T
        if index is None:
            phi, lam = sv.apply_gate(phi, back, wires), sv.apply_gate(lam, back, wires)
            continue
        if unapply_first == "ket":
            phi = sv.apply_gate(phi, back, wires)
        else:
            lam = sv.apply_gate(lam, back, wires)
        grad[index] = 2 * np.real(-0.5j * np.vdot(lam, sv.apply_gate(phi, gates.PAULI_Y, wires)))
        if unapply_first == "ket":
            lam = sv.apply_gate(lam, back, wires)
        else:
            phi = sv.apply_gate(phi, back, wires)
    return grad


def adjoint_two_layer_ket_unapplied_first(thetas, x) -> np.ndarray:
    """Wrong: ``phi`` moved back to ``phi_{m-1}`` first, then ``2 Re <lambda_m| (-i/2) Y |phi_{m-1}>``."""
    return _sweep_out_of_step(thetas, x, "ket")


def adjoint_two_layer_bra_unapplied_first(thetas, x) -> np.ndarray:
    """Wrong: ``lambda`` moved back to ``lambda_{m-1}`` first, then ``2 Re <lambda_{m-1}| (-i/2) Y |phi_m>``."""
    return _sweep_out_of_step(thetas, x, "bra")


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


def shots_for_factors(factors, gap: float) -> list[int]:
    """The fewest shots for each exit whose readouts are damped by ``factors`` (measured), for a gap ``gap``."""
    return [_shots(float(f) * gap) for f in np.ravel(factors)]


def shots_to_resolve_flip_once(p: float, q: float, k: int, gap: float) -> int:
    """Wrong: a bit flip taken to shrink ``<Z>`` by ``1 - q`` (it moves the mean by ``2q``)."""
    return _shots((1 - q) * (1 - p) ** k * gap)


def shots_to_resolve_one_layer_short(p: float, q: float, k: int, gap: float) -> int:
    """Wrong: ``(1 - p)**(k - 1)``, the channel after the exit's own layer left out."""
    return _shots((1 - 2 * q) * (1 - p) ** (k - 1) * gap)


def shots_to_resolve_unsquared(p: float, q: float, k: int, gap: float) -> int:
    """Wrong: ``S = 1 / signal`` (the standard error taken to fall as ``1/S``, not ``1/sqrt(S)``)."""
    return int(math.ceil(1.0 / ((1 - 2 * q) * (1 - p) ** k * gap) - 1e-9))


# -- The hints, by exercise -----------------------------------------------------------------------

_LEAK = "the test images leaked into the encoder: "

MISTAKES: dict[str, list[Mistake]] = {
    "9.1": [
        Mistake(_LEAK + "mean, directions and ranges must all come from the training images only",
                pca_angles_fitted_on_test),
        Mistake(_LEAK + "each component's [min, max] must be the training projections' range, then applied to test",
                pca_angles_test_ranges),
        Mistake(_LEAK + "centre the test images with the training mean, not their own (a new plate has no batch)",
                pca_angles_test_mean),
        Mistake(_LEAK + "fit on the training images alone, not on training and test stacked together",
                pca_angles_stacked),
        Mistake(_LEAK + "fit the mean and directions on the training images alone, not on training and test stacked",
                pca_angles_stacked_train_ranges),
        Mistake("missing clip: a test projection outside the training range must be clipped to [0, pi]",
                pca_angles_unclipped),
        Mistake("an SVD's signs are arbitrary: flip each direction so that its largest-magnitude entry is positive",
                pca_angles_sign_unfixed),
    ],
    "9.2": [
        Mistake("L is an average over the n samples: divide the loss and both gradients by n",
                softmax_regression_grad_summed),
        Mistake("the loss is right, the gradients n times too large: L averages over the n samples, so dL/dz = "
                "(p - onehot) / n", softmax_regression_grad_gradients_summed),
        Mistake("dL/dz is p minus the one-hot labels (over n): the -log p_y term contributes the -1 of the true class",
                softmax_regression_grad_no_onehot),
        Mistake("exp overflowed: subtract each row's largest logit before exponentiating (the softmax is unchanged)",
                softmax_regression_grad_unshifted),
        Mistake("p_y underflowed to 0 and log 0 = -inf: take the log analytically, "
                "log p = (z - m) - log sum exp(z - m)", softmax_regression_grad_log_of_softmax),
    ],
    "9.3": [
        Mistake("two qubits have one pair of neighbours: the ring (0, 1), (1, 0) would repeat it, so one CU3 per layer",
                dqnn_param_count_two_pairs),
        Mistake("the ring closes: n qubits have n neighbour pairs, the last CU3 going from qubit n-1 back to 0",
                dqnn_param_count_chain),
        Mistake("a DQNN has an exit after every layer, each with its own scale and bias per class",
                dqnn_param_count_one_exit),
        Mistake("each class score becomes its own logit, with its own scale and bias: a pair per class at every exit",
                dqnn_param_count_one_pair_per_exit),
    ],
    "9.4": [
        Mistake("<psi|Z|psi> depends on theta through the bra and the ket: the derivative is 2 Re <lambda|dG|phi>",
                adjoint_two_layer_halved),
        Mistake("theta vs theta/2: R_Y = exp(-i theta Y/2), so dR_Y/dtheta = (-i/2) Y R_Y",
                adjoint_two_layer_full_angle),
        Mistake("the sign is flipped: dR_Y/dtheta = -(i/2) Y R_Y, from the minus in exp(-i theta Y/2)",
                adjoint_two_layer_sign),
        Mistake("qubit order: Z_0 acts on qubit 0, the first axis (the leftmost bit), not on the last qubit",
                adjoint_two_layer_last_qubit),
        Mistake("two qubits are one neighbour pair: the ring is ring_pairs(2) = [(0, 1)], one CNOT per layer, not two",
                adjoint_two_layer_two_cnots_for_two_qubits),
        Mistake("you un-applied G before reading dG: dG|phi_{m-1}> = (-i/2) Y R_Y|phi_{m-1}> = (-i/2) Y|phi_m>, "
                "with <lambda_m| (bra and ket one step apart)", adjoint_two_layer_ket_unapplied_first),
        Mistake("bra and ket one step apart: <lambda_{m-1}| with |phi_m>; use <lambda_m|(-i/2) Y|phi_m>, "
                "or un-apply G from both first", adjoint_two_layer_bra_unapplied_first),
    ],
    "9.5": [
        Mistake("a bit flip turns +1 into -1: it moves <Z> by 2q, so the readout shrinks by 1 - 2q, not 1 - q",
                shots_to_resolve_flip_once),
        Mistake("the exit after k layers has seen k depolarising channels, one after each layer including its own",
                shots_to_resolve_one_layer_short),
        Mistake("the standard error falls as 1/sqrt(S): halving it costs four times the shots, so square",
                shots_to_resolve_unsquared),
    ],
}
"""The typical mistakes of each exercise of chapter 09 (``mistakes=`` of its check), by label."""

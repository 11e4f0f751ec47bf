"""Right and typical wrong answers behind the checks of ``exercises/12_qfl_vs_dqfl.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.fl` and :mod:`qkit.qnn`;
each wrong answer is one misconception a check names (with :class:`qkit.exercises.Mistake`)
when a learner's function returns exactly what it returns.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate

from qkit.fl.channel import Channel
from qkit.fl.clients import disk_reception_probability

__all__ = [
    "message_thresholds", "thresholds_of_parameters", "thresholds_added", "thresholds_boundary_inclusive",
    "cell_reception", "cell_reception_uniform_radius", "cell_reception_at_mean_distance",
    "silent_round_probability", "silent_round_exclusive", "silent_round_not_everybody",
    "exit_scores", "exit_scores_final_state", "exit_scores_sign_flipped", "exit_scores_first_exit_only",
    "exit_scores_bias_first", "exit_scores_amplitudes", "exit_scores_qubits_reversed",
    "train_on_arrivals", "train_on_arrivals_unmasked", "train_on_arrivals_zeroed",
    "train_on_arrivals_own_exit",
]


# -- Exercise 12.1 -----------------------------------------------------------------------------

def _bits(params_per_layer, boundary: int, bits_per_parameter: float) -> tuple[float, float]:
    per_layer = np.asarray(params_per_layer, dtype=float)
    return (float(per_layer[:boundary].sum() * bits_per_parameter),
            float(per_layer[boundary:].sum() * bits_per_parameter))


def message_thresholds(params_per_layer, boundary, bits_per_parameter=32, bandwidth_hz=1e6, slot_s=1e-3):
    """``(gamma_base, gamma_enhancement, gamma_whole_model)`` from ``Channel.thresholds`` (linear SINR)."""
    base_bits, enhancement_bits = _bits(params_per_layer, boundary, bits_per_parameter)
    th = Channel(bandwidth_hz=bandwidth_hz, slot_s=slot_s).with_message_bits(base_bits, enhancement_bits).thresholds
    return th["base"], th["enhancement"], th["qfl"]


def _by_formula(params_per_layer, boundary, bits_per_parameter, bandwidth_hz, slot_s):
    base_bits, enhancement_bits = _bits(params_per_layer, boundary, bits_per_parameter)
    rates = np.array([base_bits, enhancement_bits, base_bits + enhancement_bits]) / (bandwidth_hz * slot_s)
    return tuple(float(g) for g in 2.0**rates - 1.0)


def thresholds_of_parameters(params_per_layer, boundary, bits_per_parameter=32, bandwidth_hz=1e6, slot_s=1e-3):
    """Wrong: the rate of a message from its number of parameters, not its number of bits."""
    return _by_formula(params_per_layer, boundary, 1, bandwidth_hz, slot_s)


def thresholds_added(params_per_layer, boundary, bits_per_parameter=32, bandwidth_hz=1e6, slot_s=1e-3):
    """Wrong: the whole model's threshold as the sum of the two messages' thresholds."""
    base, enhancement, _ = message_thresholds(params_per_layer, boundary, bits_per_parameter, bandwidth_hz, slot_s)
    return base, enhancement, base + enhancement


def thresholds_boundary_inclusive(params_per_layer, boundary, bits_per_parameter=32, bandwidth_hz=1e6,
                                  slot_s=1e-3):
    """Wrong: ``boundary + 1`` layers in the base (layers 0..boundary instead of 0..boundary-1)."""
    return _by_formula(params_per_layer, boundary + 1, bits_per_parameter, bandwidth_hz, slot_s)


# -- Exercise 12.2 -----------------------------------------------------------------------------

def cell_reception(channel, radius_m, scheme="dqfl", power_split=0.8):
    """``(P_base, P_enhancement)`` averaged over a vehicle placed uniformly in the disk (density 2r/R^2)."""
    return tuple(float(p) for p in disk_reception_probability(channel, radius_m, scheme, power_split))


def cell_reception_uniform_radius(channel, radius_m, scheme="dqfl", power_split=0.8):
    """Wrong: the distance uniform on [0, R] (density 1/R), as if the disk's area did not grow with r."""
    out = []
    for field in (0, 1):
        value, _ = integrate.quad(
            lambda r: float(channel.reception_probability(r, scheme, power_split)[field]) / radius_m,
            0.0, radius_m, epsabs=1e-12, limit=200)
        out.append(value)
    return tuple(out)


def cell_reception_at_mean_distance(channel, radius_m, scheme="dqfl", power_split=0.8):
    """Wrong: P at the mean distance 2R/3 in place of the mean of P (P is not linear in r)."""
    p = channel.reception_probability(2.0 * radius_m / 3.0, scheme, power_split)
    return float(p.base), float(p.enhancement)


# -- Exercise 12.3 -----------------------------------------------------------------------------

def silent_round_probability(arrival_probabilities) -> float:
    """``prod_k (1 - p_k)``: nobody delivers, the vehicles' fades being independent."""
    return float(np.prod(1.0 - np.asarray(arrival_probabilities, dtype=float)))


def silent_round_exclusive(arrival_probabilities) -> float:
    """Wrong: ``1 - sum_k p_k``, as if two vehicles could never both get through (exclusive events)."""
    return float(1.0 - np.sum(np.asarray(arrival_probabilities, dtype=float)))


def silent_round_not_everybody(arrival_probabilities) -> float:
    """Wrong: ``1 - prod_k p_k``, the probability that not every vehicle gets through."""
    return float(1.0 - np.prod(np.asarray(arrival_probabilities, dtype=float)))


# -- Exercise 12.4 -----------------------------------------------------------------------------

def exit_scores(model, params, X) -> np.ndarray:
    """The logits of every exit, ``(n_exits, batch, n_classes)``: ``model.forward``."""
    return model.forward(np.asarray(params, dtype=float), np.asarray(X, dtype=float))


def _layer_probabilities(model, params, X, *, amplitudes: bool = False) -> list[np.ndarray]:
    from qkit.qnn.circuits import layer_states

    states = layer_states(model.circuit, np.asarray(params, dtype=float), np.asarray(X, dtype=float))
    return [np.abs(s) if amplitudes else np.abs(s) ** 2 for s in states]


def _z_scores(probs: np.ndarray, n_classes: int, *, reverse: bool = False, flip: bool = False) -> np.ndarray:
    """``<Z_c>`` of qubits ``c < n_classes`` from probabilities of shape ``(2,)*n + (batch,)``; ``(batch, C)``."""
    n = probs.ndim - 1
    out = []
    for c in range(n_classes):
        axis = n - 1 - c if reverse else c
        marginal = probs.sum(axis=tuple(a for a in range(n) if a != axis))
        out.append(marginal[1] - marginal[0] if flip else marginal[0] - marginal[1])
    return np.stack(out, axis=-1)


def _logits(model, params, X, *, final_state=False, first_exit=False, bias_first=False, amplitudes=False,
            reverse=False, flip=False) -> np.ndarray:
    p = np.asarray(params, dtype=float)
    probs = _layer_probabilities(model, p, X, amplitudes=amplitudes)
    out = []
    for k in range(model.n_layers):
        r = _z_scores(probs[-1 if final_state else k], model.n_classes, reverse=reverse, flip=flip)
        block = p[model.layout[f"exit{0 if first_exit else k}"]]
        scale, bias = block[:model.n_classes], block[model.n_classes:]
        if bias_first:
            scale, bias = bias, scale
        out.append(scale * r + bias)
    return np.stack(out)


def exit_scores_final_state(model, params, X) -> np.ndarray:
    """Wrong: every exit reads the final state (a QNN with one readout, copied to every exit)."""
    return _logits(model, params, X, final_state=True)


def exit_scores_sign_flipped(model, params, X) -> np.ndarray:
    """Wrong: ``<Z> = P(1) - P(0)`` (the sign of Z's eigenvalues flipped)."""
    return _logits(model, params, X, flip=True)


def exit_scores_first_exit_only(model, params, X) -> np.ndarray:
    """Wrong: exit 0's scales and biases used at every exit."""
    return _logits(model, params, X, first_exit=True)


def exit_scores_bias_first(model, params, X) -> np.ndarray:
    """Wrong: an exit block read as biases first, then scales."""
    return _logits(model, params, X, bias_first=True)


def exit_scores_amplitudes(model, params, X) -> np.ndarray:
    """Wrong: ``|amplitude|`` in place of the Born probability ``|amplitude|**2``."""
    return _logits(model, params, X, amplitudes=True)


def exit_scores_qubits_reversed(model, params, X) -> np.ndarray:
    """Wrong: qubit c read from the last axes first (qubit 0 taken as the least significant bit)."""
    return _logits(model, params, X, reverse=True)


# -- Exercise 12.5 -----------------------------------------------------------------------------

def _descend(model, params, X, y, step_mask, steps, learning_rate, *, exit_weights=None, zero=None):
    p = np.array(params, dtype=float)
    mask = np.asarray(step_mask, dtype=bool)
    if zero is not None:
        p[~zero] = 0.0
    for _ in range(int(steps)):
        _, grad = model.loss_and_grad(p, X, y, exit_weights=exit_weights)
        p[mask] -= learning_rate * grad[mask]
    return p


def train_on_arrivals(model, params, X, y, trainable, steps, learning_rate) -> np.ndarray:
    """``steps`` steps of gradient descent on the summed loss of all exits, moving only ``trainable``."""
    return _descend(model, params, X, y, trainable, steps, learning_rate)


def train_on_arrivals_unmasked(model, params, X, y, trainable, steps, learning_rate) -> np.ndarray:
    """Wrong: every parameter moves, whether its block arrived or not."""
    return _descend(model, params, X, y, np.ones(model.n_params, dtype=bool), steps, learning_rate)


def train_on_arrivals_zeroed(model, params, X, y, trainable, steps, learning_rate) -> np.ndarray:
    """Wrong: the parameters of the blocks that never arrive are set to zero instead of kept."""
    return _descend(model, params, X, y, trainable, steps, learning_rate, zero=np.asarray(trainable, bool))


def train_on_arrivals_own_exit(model, params, X, y, trainable, steps, learning_rate) -> np.ndarray:
    """Wrong: the base trained on the first exit's loss alone (exit weights 1, 0, 0, ...)."""
    weights = np.zeros(model.n_exits)
    weights[0] = 1.0
    return _descend(model, params, X, y, trainable, steps, learning_rate, exit_weights=weights)

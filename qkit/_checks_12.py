"""Right and typical wrong answers behind the checks of ``exercises/12_qfl_vs_dqfl.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer
it checks. The right answers call the tested functions of :mod:`qkit.fl` and :mod:`qkit.qnn`;
each wrong answer is one misconception a check names (with :class:`qkit.exercises.Mistake`)
when a learner's function returns exactly what it returns. :data:`MISTAKES` pairs each wrong
answer with its one-line hint, by exercise label, so that the hints stay out of the check cells
too (a hint read before answering gives the answer away).

Three exercises ask for something a kit function already computes (12.1 the thresholds of
``Channel.with_message_bits``, 12.2 ``disk_reception_probability``, 12.4 ``DynamicQNN.forward``).
Their checks run the learner's function through :func:`by_hand`, which switches those functions
off while it runs, so that a one-line call to them does not pass. :func:`near_miss` recognises
12.2's right idea computed too coarsely.
"""

from __future__ import annotations

import contextlib
import sys
import time
from functools import cached_property
from typing import Any, Callable, Iterator

import numpy as np
from scipy import integrate

from qkit._checks_00 import _named_like
from qkit._time_limit import call_with_time_limit
from qkit.exercises import Mistake, default_time_limit
from qkit.fl import clients
from qkit.fl.channel import Channel
from qkit.fl.clients import disk_reception_probability
from qkit.qnn.circuits import run
from qkit.qnn.models import DynamicQNN

__all__ = [
    "message_thresholds", "thresholds_of_parameters", "thresholds_added", "thresholds_boundary_inclusive",
    "cell_reception", "cell_reception_uniform_radius", "cell_reception_at_mean_distance",
    "silent_round_probability", "silent_round_exclusive", "silent_round_not_everybody",
    "exit_scores", "exit_scores_final_state", "exit_scores_sign_flipped", "exit_scores_first_exit_only",
    "exit_scores_bias_first", "exit_scores_amplitudes", "exit_scores_qubits_reversed",
    "exit_scores_states_not_copied",
    "train_on_arrivals", "train_on_arrivals_unmasked", "train_on_arrivals_zeroed",
    "train_on_arrivals_zeroed_each_step", "train_on_arrivals_own_exit",
    "ShortcutSwitchedOff", "by_hand", "near_miss", "NEAR_MISS", "MISTAKES",
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
            reverse=False, flip=False, no_bias=False) -> np.ndarray:
    p = np.asarray(params, dtype=float)
    probs = _layer_probabilities(model, p, X, amplitudes=amplitudes)
    out = []
    for k in range(model.n_layers):
        r = _z_scores(probs[-1 if final_state else k], model.n_classes, reverse=reverse, flip=flip)
        block = p[model.layout[f"exit{0 if first_exit else k}"]]
        scale, bias = block[:model.n_classes], block[model.n_classes:]
        if bias_first:
            scale, bias = bias, scale
        if no_bias:
            bias = 0.0
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


def exit_scores_no_bias(model, params, X) -> np.ndarray:
    """Wrong: the logit is ``a_c r_c`` (the exit's biases left out)."""
    return _logits(model, params, X, no_bias=True)


def exit_scores_amplitudes(model, params, X) -> np.ndarray:
    """Wrong: ``|amplitude|`` in place of the Born probability ``|amplitude|**2``."""
    return _logits(model, params, X, amplitudes=True)


def exit_scores_qubits_reversed(model, params, X) -> np.ndarray:
    """Wrong: qubit c read from the last axes first (qubit 0 taken as the least significant bit)."""
    return _logits(model, params, X, reverse=True)


def exit_scores_states_not_copied(model, params, X) -> np.ndarray:
    """Wrong: ``on_layer`` keeps ``psi`` itself, the simulator's working array, which later layers
    overwrite; the logits are then read from the kept (overwritten) arrays after the run."""
    p = np.asarray(params, dtype=float)
    kept: list[np.ndarray] = []
    run(model.circuit, p, np.asarray(X, dtype=float), lambda k, psi: kept.append(psi))
    out = []
    for k, psi in enumerate(kept):
        r = _z_scores(np.abs(psi) ** 2, model.n_classes)
        block = p[model.layout[f"exit{k}"]]
        out.append(block[:model.n_classes] * r + block[model.n_classes:])
    return np.stack(out)


# -- Exercise 12.5 -----------------------------------------------------------------------------

def _descend(model, params, X, y, step_mask, steps, learning_rate, *, exit_weights=None, zero=None,
             zero_each_step=False):
    p = np.array(params, dtype=float)
    mask = np.asarray(step_mask, dtype=bool)
    if zero is not None:
        p[~zero] = 0.0
    for _ in range(int(steps)):
        _, grad = model.loss_and_grad(p, X, y, exit_weights=exit_weights)
        if zero_each_step:
            p = (p - learning_rate * grad) * mask
        else:
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


def train_on_arrivals_zeroed_each_step(model, params, X, y, trainable, steps, learning_rate) -> np.ndarray:
    """Wrong: ``p = (p - learning_rate * grad) * trainable``, which sets the frozen blocks to zero
    after the first step (the first gradient still sees their values)."""
    return _descend(model, params, X, y, trainable, steps, learning_rate, zero_each_step=True)


def train_on_arrivals_inverted_mask(model, params, X, y, trainable, steps, learning_rate) -> np.ndarray:
    """Wrong: the mask read the other way round: the blocks that arrive stay frozen, the others move."""
    return _descend(model, params, X, y, ~np.asarray(trainable, dtype=bool), steps, learning_rate)


def train_on_arrivals_gradient_once(model, params, X, y, trainable, steps, learning_rate) -> np.ndarray:
    """Wrong: the gradient computed once, at the starting point, and reused for every step."""
    p = np.array(params, dtype=float)
    mask = np.asarray(trainable, dtype=bool)
    _, grad = model.loss_and_grad(p, X, y)
    for _ in range(int(steps)):
        p[mask] -= learning_rate * grad[mask]
    return p


def train_on_arrivals_own_exit(model, params, X, y, trainable, steps, learning_rate) -> np.ndarray:
    """Wrong: the base trained on the first exit's loss alone (exit weights 1, 0, 0, ...)."""
    weights = np.zeros(model.n_exits)
    weights[0] = 1.0
    return _descend(model, params, X, y, trainable, steps, learning_rate, exit_weights=weights)


# -- The kit's shortcuts, switched off while a learner's function runs -------------------------

class ShortcutSwitchedOff(RuntimeError):
    """Raised by a kit function that :func:`by_hand` switched off: the exercise asks for it."""


def _owner(cls: type, name: str) -> type:
    """The class of ``cls``'s method resolution order that defines ``name``."""
    return next(c for c in cls.__mro__ if name in vars(c))


_SHORTCUTS: dict[str, tuple[tuple[Any, str, str], ...]] = {
    "12.1": ((Channel, "with_message_bits", "Channel.with_message_bits"),
             (Channel, "thresholds", "Channel.thresholds")),
    "12.2": ((clients, "disk_reception_probability", "disk_reception_probability"),),
    "12.4": ((_owner(DynamicQNN, "forward"), "forward", "DynamicQNN.forward"),
             (_owner(DynamicQNN, "exit_readouts"), "exit_readouts", "DynamicQNN.exit_readouts"),
             (_owner(DynamicQNN, "readout_matrix"), "readout_matrix", "DynamicQNN.readout_matrix")),
}
"""Per exercise: (owner, attribute, name shown) of each kit function that would be its whole answer."""


def _refusal(label: str, shown: str) -> Callable[..., Any]:
    """A stand-in for the kit function ``shown`` that raises :class:`ShortcutSwitchedOff`."""
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ShortcutSwitchedOff(f"Exercise {label} asks for your own code: the check switches off "
                                  f"{shown} while your function runs")
    return refuse


@contextlib.contextmanager
def _switched_off(label: str, namespace: dict | None) -> Iterator[None]:
    """Replace the shortcuts of ``label`` by refusals (on their class or module, in every ``qkit``
    module, this one included, and in ``namespace``, the learner's globals, that hold the
    function) and restore them. The check computes its reference answers before, never inside."""
    undo: list[tuple[Any, str, Any]] = []        # (object or dict, name, original)
    try:
        for owner, name, shown in _SHORTCUTS.get(label, ()):
            original = vars(owner)[name]
            refuse = _refusal(label, shown)
            is_attribute = isinstance(original, (property, cached_property))
            undo.append((owner, name, original))
            setattr(owner, name, property(refuse) if is_attribute else refuse)
            if isinstance(owner, type):
                continue
            homes = [vars(m) for n, m in list(sys.modules.items()) if n.startswith("qkit") and m is not owner]
            for home in homes + ([namespace] if namespace is not None else []):
                for key, value in list(home.items()):
                    if value is original:
                        undo.append((home, key, original))
                        home[key] = refuse
        yield
    finally:
        for where, name, original in reversed(undo):
            if isinstance(where, dict):
                where[name] = original
            else:
                setattr(where, name, original)


def by_hand(label: str, learner: Any) -> Any:
    """The learner's function, run with the kit's own answer to exercise ``label`` switched off.

    While it runs, calling one of the kit functions that compute the whole answer (see the
    module's docstring) raises :class:`ShortcutSwitchedOff`, which the check reports; they are
    restored as soon as it returns. Anything that is not a function is handed back unchanged, for
    the check to report.
    """
    if not callable(learner):
        return learner
    namespace = getattr(learner, "__globals__", None)

    def learners_own(*args: Any, **kwargs: Any) -> Any:
        with _switched_off(label, namespace if isinstance(namespace, dict) else None):
            return learner(*args, **kwargs)

    return _named_like(learners_own, learner)


NEAR_MISS = 1e-3
"""How far (absolute) from the right probabilities an answer of Exercise 12.2 may be to count as
the right idea integrated too coarsely."""


def near_miss(learner: Any) -> Mistake:
    """The :class:`~qkit.exercises.Mistake` of Exercise 12.2 for a right method with too few points.

    Its wrong answer is the learner's own (run once more per case, through :func:`by_hand`,
    within one check time limit for all the cases together) when it lies within
    :data:`NEAR_MISS` of the right pair, so its hint shows exactly when every failing case is
    such a near miss. A learner's function whose answer changes from call to call (an unseeded
    Monte Carlo estimate) gets no hint.
    """
    own = by_hand("12.2", learner)
    left = [default_time_limit()]                # seconds left for all the repeated calls

    def learners_near_miss(channel, radius_m, scheme="dqfl", power_split=0.8):
        right = np.array(cell_reception(channel, radius_m, scheme, power_split))
        if left[0] <= 0:
            raise RuntimeError("no time left to run the learner's function again")
        start = time.monotonic()
        try:
            got = call_with_time_limit(own, (channel, radius_m, scheme, power_split), {}, left[0])
        except KeyboardInterrupt:
            raise
        except BaseException as exc:             # a time-out or exit(): not a near miss
            raise RuntimeError("the learner's function did not answer") from exc
        finally:
            left[0] -= time.monotonic() - start
        values = np.asarray(got, dtype=float)
        if values.shape != right.shape or not np.all(np.abs(values - right) <= NEAR_MISS):
            raise ValueError("not within NEAR_MISS of the right answer")
        return got

    return Mistake(f"within {NEAR_MISS:g} of the right answer: the idea is right, but integrate more finely "
                   "(the check wants six correct digits)", learners_near_miss)


# -- The hints, by exercise -----------------------------------------------------------------------

MISTAKES: dict[str, list[Mistake]] = {
    "12.1": [
        Mistake("a rate counts bits, not parameters: B = parameters x bits_per_parameter", thresholds_of_parameters),
        Mistake("thresholds do not add, rates do: the whole model needs 2**(R_base + R_enh) - 1", thresholds_added),
        Mistake("a base of `boundary` layers holds layers 0..boundary-1, not 0..boundary",
                thresholds_boundary_inclusive),
    ],
    "12.2": [
        Mistake("uniform over the area is not uniform in r: the ring at r has area 2 pi r dr, density 2r/R^2",
                cell_reception_uniform_radius),
        Mistake("P at the mean distance is not the mean of P: P(r) is not linear in r, average it over r",
                cell_reception_at_mean_distance),
    ],
    "12.3": [
        Mistake("arrivals are not exclusive events: two vehicles can both get through, so P(none) is not 1 - sum p_k",
                silent_round_exclusive),
        Mistake("silent means nobody delivers, not that someone fails to", silent_round_not_everybody),
    ],
    "12.4": [
        Mistake("exit k reads the state right after layer k, not the final state: that is what makes the DQNN "
                "dynamic", exit_scores_final_state),
        Mistake("<Z> = P(0) - P(1): the basis state |0> has eigenvalue +1", exit_scores_sign_flipped),
        Mistake("each exit has its own scales and biases: params[model.layout[f'exit{k}']]",
                exit_scores_first_exit_only),
        Mistake("an exit block holds the n_classes scales first, then the biases", exit_scores_bias_first),
        Mistake("the logit is scale * <Z> + bias: each exit also adds its n_classes biases, the second half of "
                "its block", exit_scores_no_bias),
        Mistake("Born rule: a probability is |amplitude|**2, not |amplitude|", exit_scores_amplitudes),
        Mistake("qubit c is axis c of the state (qubit 0 is the most significant bit of j)",
                exit_scores_qubits_reversed),
        Mistake("psi is the simulator's working array, overwritten by the next layer: keep np.abs(psi)**2 or "
                "psi.copy(), not psi", exit_scores_states_not_copied),
    ],
    "12.5": [
        Mistake("a block that never reaches the server never changes there: move only the `trainable` parameters",
                train_on_arrivals_unmasked),
        Mistake("a block nobody delivers keeps its previous value: freeze it, do not set it to zero",
                train_on_arrivals_zeroed),
        Mistake("multiplying by the mask sets the frozen blocks to zero: a block nobody delivers keeps its value "
                "(update only p[trainable])", train_on_arrivals_zeroed_each_step),
        Mistake("a vehicle trains all exits together: the first layer's gradient includes the deeper exits' losses",
                train_on_arrivals_own_exit),
        Mistake("the parameters that moved are the ones that should stay frozen: update where `trainable` is True, "
                "not where it is False", train_on_arrivals_inverted_mask),
        Mistake("gradient descent recomputes the gradient at every step, at the current parameters, not once at "
                "the start", train_on_arrivals_gradient_once),
    ],
}
"""The typical mistakes of each exercise of chapter 12 (``mistakes=`` of its check), by label.
Exercise 12.2's check adds :func:`near_miss` of the learner's function."""

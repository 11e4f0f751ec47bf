"""Choosing the exit: which layer's readout the fleet should use (Sec. III C of the DQFL paper).

The paper's argument for the dynamic QNN (Sec. III C): "when the state of a wireless channel is
inferior [...] the output quantum data of the first or second layer must be used", so that the
DQNN "can flexibly choose the desired quantum data that can maximize performance". The paper
gives no rule. This module states two small ones and the references to judge them by; all are
pure functions of a :class:`~qkit.fl.rounds.FederatedHistory` (what arrived, the global model
after each round) and, for the validated rule, of a validation set.

What the server knows after round ``r``
---------------------------------------
* **Staleness** of each uplink block (:func:`block_staleness`): the number of rounds since at
  least one vehicle's copy of the block last arrived. In DQFL the enhancement (the deeper layers)
  is decoded only after the base, so on a poor channel the enhancement goes stale first. An exit
  needs every block its layers live in (:func:`exit_blocks`): the first exit of a one-layer-base
  DQNN needs only the base, the deeper exits also need the enhancement.
* **Validation scores** of each exit (:func:`exit_scores`): accuracy and cross-entropy of the
  global model at every exit on plates kept apart from the test set (split the held-out plates
  with :func:`holdout_split`). With a noisy device the accuracy is estimated from finite shots;
  the loss is the exact noisy expectation.

The rules (:func:`choose_exits`)
--------------------------------
An exit is *trusted* in round ``r`` when every block it needs was updated within the last
``max_staleness`` rounds (``None``: every exit is trusted).

* ``"validated"``: among the trusted exits, the one with the best validation score (highest
  accuracy, or lowest loss with ``criterion="loss"``); ties go to the shallower exit (fewer noisy
  layers, less circuit time).
* ``"channel"``: the deepest trusted exit, no validation data needed: a rule from the channel
  state alone (which blocks have been arriving).

If no exit is trusted, both rules fall back to the exit whose blocks are least stale (the
shallowest among equals). The references: always the deepest exit, always the first, and the
**oracle** that picks, each round, the exit best on the *test* set in hindsight (an upper bound no
real rule reaches, since it looks at the data it is scored on).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qkit._validate import require_array, require_choice, require_generator, require_integer
from qkit.fl.rounds import FederatedHistory

__all__ = ["RULES", "CRITERIA", "holdout_split", "exit_blocks", "block_staleness", "exit_scores",
           "choose_exits", "accuracy_of_choice"]

RULES = ("validated", "channel")
"""The exit-choice rules of :func:`choose_exits`."""
CRITERIA = ("accuracy", "loss")
"""Validation criteria of the ``"validated"`` rule."""


def holdout_split(test_set, n_validation: int, rng: np.random.Generator) -> tuple[tuple, tuple]:
    """Split held-out data into a validation set and a (smaller) test set, disjoint.

    Parameters
    ----------
    test_set : (X, y)
        Held-out features ``(n, d)`` and labels ``(n,)``.
    n_validation : int
        Samples for validation, ``1 <= n_validation <= n - 1``; the rest stay for the test.
    rng : numpy.random.Generator
        Draws the random permutation that assigns the samples.

    Returns
    -------
    validation, test : (X, y) tuples
    """
    if not isinstance(test_set, tuple) or len(test_set) != 2:
        raise TypeError(f"test_set must be a tuple (X, y), got {type(test_set).__name__}")
    X, y = np.asarray(test_set[0]), np.asarray(test_set[1])
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"test_set must hold X (n, d) and y (n,), got shapes {X.shape} and {y.shape}")
    n_val = require_integer("n_validation", n_validation, 1, X.shape[0] - 1)
    order = require_generator("rng", rng).permutation(X.shape[0])
    val, test = order[:n_val], order[n_val:]
    return (X[val], y[val]), (X[test], y[test])


def exit_blocks(model: Any, block_of) -> np.ndarray:
    """Which uplink blocks each exit's parameters live in, bool array ``(E, B)``.

    Exit ``e`` reads out after layer ``model.exit_layers[e]`` and uses the parameters
    ``model.prefix_slice(exit_layers[e] + 1)`` (:mod:`qkit.qnn.models`).

    Parameters
    ----------
    model
        A :class:`qkit.qnn.DynamicQNN` or :class:`qkit.qnn.QNN` (``exit_layers``, ``prefix_slice``,
        ``n_params``).
    block_of : int array (P,)
        Block index of every parameter (DQFL: 0 base, 1 enhancement; one-message schemes all 0),
        e.g. ``np.where(base_mask(model, 1), 0, 1)``.
    """
    for attr in ("exit_layers", "prefix_slice", "n_params"):
        if not hasattr(model, attr):
            raise TypeError(f"model must have {attr!r} (a qkit.qnn DynamicQNN or QNN), got {type(model).__name__}")
    blocks = require_array("block_of", block_of, dtype=int, low=0, ndim=1)
    if blocks.shape != (int(model.n_params),):
        raise ValueError(f"block_of must hold one block index per parameter ({int(model.n_params)}), "
                         f"got shape {blocks.shape}")
    out = np.zeros((len(model.exit_layers), int(blocks.max()) + 1), dtype=bool)
    for e, layer in enumerate(model.exit_layers):
        out[e, np.unique(blocks[model.prefix_slice(int(layer) + 1)])] = True
    return out


def block_staleness(history: FederatedHistory) -> np.ndarray:
    """Rounds since each block last arrived, int array ``(R + 1, B)`` (row ``r``: after round ``r``).

    Row 0 (the initial model) is 0; then ``s[r, b] = 0`` if any vehicle's block ``b`` arrived in
    round ``r``, else ``s[r - 1, b] + 1``. A block that never arrived has ``s[r] = r``.

    Parameters
    ----------
    history : FederatedHistory
        Its ``arrived`` (R, K, B) record.

    Returns
    -------
    numpy.ndarray of int, shape (R + 1, B)
        Rounds (a count, >= 0).
    """
    if not isinstance(history, FederatedHistory):
        raise TypeError(f"history must be a qkit.fl.rounds.FederatedHistory, got {type(history).__name__}")
    fresh = history.arrived.any(axis=1)  # (R, B): some vehicle delivered the block
    out = np.zeros((history.rounds + 1, fresh.shape[1]), dtype=int)
    for r in range(history.rounds):
        out[r + 1] = np.where(fresh[r], 0, out[r] + 1)
    return out


def exit_scores(model: Any, history: FederatedHistory, data, rng: np.random.Generator | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and cross-entropy of the global model at every exit after every round.

    Parameters
    ----------
    model
        The model trained (or the same architecture under another noise model,
        ``model.with_noise``): ``accuracy(params, X, y, rng)`` and ``exit_losses``.
    history : FederatedHistory
        Needs ``global_params`` ``(R + 1, P)``.
    data : (X, y)
        Validation (or test) features and labels.
    rng : numpy.random.Generator, optional
        Needed when the model's noise has finite shots (the accuracies are then estimates).

    Returns
    -------
    accuracy, loss : float arrays ``(R + 1, E)``
        Top-1 accuracy (fraction) and mean cross-entropy (nats; exact noisy expectations).
    """
    if not isinstance(history, FederatedHistory) or history.global_params is None:
        raise TypeError("history must be a qkit.fl.rounds.FederatedHistory with global_params, got "
                        f"{type(history).__name__}")
    if not isinstance(data, tuple) or len(data) != 2:
        raise TypeError(f"data must be a tuple (X, y), got {type(data).__name__}")
    for attr in ("accuracy", "exit_losses"):
        if not hasattr(model, attr):
            raise TypeError(f"model must have {attr!r} (a qkit.qnn DynamicQNN or QNN), got {type(model).__name__}")
    if rng is not None:
        require_generator("rng", rng)
    X, y = data
    acc = np.array([model.accuracy(w, X, y, rng) for w in history.global_params], dtype=float)
    loss = np.array([model.exit_losses(w, X, y) for w in history.global_params], dtype=float)
    return acc, loss


def _trusted(staleness: np.ndarray, needs: np.ndarray, max_staleness: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(R + 1, E) bool: exits whose blocks are fresh enough; (R + 1, E): their worst staleness."""
    worst = np.where(needs[None, :, :], staleness[:, None, :], 0).max(axis=2)
    ok = np.ones_like(worst, dtype=bool) if max_staleness is None else worst <= max_staleness
    return ok, worst


def choose_exits(history: FederatedHistory, needs, *, rule: str = "validated", scores=None,
                 criterion: str = "accuracy", max_staleness: int | None = 3) -> np.ndarray:
    """The exit to use after every round, int array ``(R + 1,)`` (see the module docstring).

    Parameters
    ----------
    history : FederatedHistory
        What arrived (``arrived``) in each round.
    needs : bool array (E, B)
        :func:`exit_blocks` of the model.
    rule : {"validated", "channel"}
        Best validation score among trusted exits, or the deepest trusted exit.
    scores : float array (R + 1, E), optional
        Validation accuracy (``criterion="accuracy"``) or loss (``"loss"``) per round and exit
        (:func:`exit_scores`); required by ``"validated"``.
    criterion : {"accuracy", "loss"}
        Higher accuracy or lower loss is better.
    max_staleness : int or None
        An exit is trusted when each of its blocks arrived within this many rounds (>= 0);
        ``None`` trusts every exit (the validated rule then uses the scores alone).

    Returns
    -------
    numpy.ndarray of int, shape (R + 1,)
        The exit (0 = first) to use with the global model after each round; row 0 is the
        initial model.
    """
    rule = require_choice("rule", rule, RULES)
    criterion = require_choice("criterion", criterion, CRITERIA)
    if max_staleness is not None:
        max_staleness = require_integer("max_staleness", max_staleness, 0)
    stale = block_staleness(history)
    needs = require_array("needs", needs, dtype=bool, ndim=2)
    if needs.shape[1] != stale.shape[1] or not needs.any(axis=1).all():
        raise ValueError(f"needs must be (n_exits, {stale.shape[1]}) with a block for every exit, got {needs.shape}")
    ok, worst = _trusted(stale, needs, max_staleness)
    if rule == "channel":
        pick = np.where(ok, np.arange(needs.shape[0])[None, :], -1).max(axis=1)
    else:
        if scores is None:
            raise ValueError("rule 'validated' needs scores: the validation accuracy or loss per round and exit")
        s = require_array("scores", scores, ndim=2)
        if s.shape != ok.shape:
            raise ValueError(f"scores must have shape (rounds + 1, n_exits) = {ok.shape}, got {s.shape}")
        value = s if criterion == "accuracy" else -s
        pick = np.where(ok.any(axis=1), np.argmax(np.where(ok, value, -np.inf), axis=1), -1)
    fallback = np.argmin(worst, axis=1)  # least stale exit, shallowest among equals
    return np.where(pick >= 0, pick, fallback).astype(int)


def accuracy_of_choice(scores, choice) -> np.ndarray:
    """``scores[r, choice[r]]`` for every round: the accuracy the chosen exits deliver, ``(R + 1,)``.

    Parameters
    ----------
    scores : float array (R + 1, E)
        Test accuracy per round and exit.
    choice : int array (R + 1,)
        Exit per round (:func:`choose_exits`), each in ``0 .. E - 1``.
    """
    s = require_array("scores", scores, ndim=2)
    c = require_array("choice", choice, dtype=int, low=0, high=s.shape[1] - 1, ndim=1)
    if c.shape != (s.shape[0],):
        raise ValueError(f"choice must hold one exit per round ({s.shape[0]}), got shape {c.shape}")
    return s[np.arange(s.shape[0]), c.astype(int)]

"""Choosing the exit (qkit.fl.exits): staleness, validation scores and the two rules."""

import numpy as np
import pytest

from qkit.fl.channel import Channel
from qkit.fl.clients import ClientData, LocalTraining, base_mask
from qkit.fl.exits import (accuracy_of_choice, block_staleness, choose_exits, exit_blocks, exit_scores,
                           holdout_split)
from qkit.fl.rounds import FederatedHistory, run_federated
from qkit.qnn import QNN, DynamicQNN, NoiseModel


def _history(arrived, n_params=3):
    """A hand-made record: ``arrived`` (R, K, B), everything else filler."""
    arrived = np.asarray(arrived, dtype=bool)
    r = arrived.shape[0]
    return FederatedHistory(scheme="dqfl", block_names=("base", "enhancement")[:arrived.shape[2]], arrived=arrived,
                            accuracy=np.zeros((r + 1, 3)), test_loss=np.zeros(r + 1), train_loss=np.zeros(r),
                            bits_sent=np.zeros(r), bits_delivered=np.zeros(r), updated=arrived.any(axis=(1, 2)),
                            notes=("",) * r, params=np.zeros(n_params), global_params=np.zeros((r + 1, n_params)))


# rounds 1..4 with two vehicles: (base, enhancement) of each
_ARRIVED = [[[1, 1], [0, 0]],      # round 1: both blocks (vehicle 0)
            [[1, 0], [0, 0]],      # round 2: base only
            [[0, 0], [1, 0]],      # round 3: base only (vehicle 1)
            [[0, 0], [0, 0]]]      # round 4: nothing
_NEEDS = np.array([[True, False], [True, True], [True, True]])   # DQNN, one-layer base


def test_holdout_split_is_disjoint_complete_and_seeded():
    X = np.arange(20.0).reshape(10, 2)
    y = np.arange(10) % 3
    (Xv, yv), (Xt, yt) = holdout_split((X, y), 4, np.random.default_rng(1))
    assert Xv.shape == (4, 2) and Xt.shape == (6, 2)
    np.testing.assert_array_equal(np.sort(np.concatenate([Xv[:, 0], Xt[:, 0]])), X[:, 0])
    np.testing.assert_array_equal(yv, y[(Xv[:, 0] / 2).astype(int)])    # labels travel with their rows
    again = holdout_split((X, y), 4, np.random.default_rng(1))
    np.testing.assert_array_equal(again[0][0], Xv)
    with pytest.raises(ValueError, match="n_validation"):
        holdout_split((X, y), 10, np.random.default_rng(1))


def test_exit_blocks_follow_the_base_boundary():
    model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
    one = exit_blocks(model, np.where(base_mask(model, 1), 0, 1))
    np.testing.assert_array_equal(one, _NEEDS)
    two = exit_blocks(model, np.where(base_mask(model, 2), 0, 1))
    np.testing.assert_array_equal(two, [[True, False], [True, False], [True, True]])
    qnn = QNN(n_qubits=4, n_layers=2, n_classes=4)
    np.testing.assert_array_equal(exit_blocks(qnn, np.zeros(qnn.n_params, dtype=int)), [[True]])
    with pytest.raises(ValueError, match="block_of"):
        exit_blocks(model, np.zeros(5, dtype=int))


def test_block_staleness_counts_rounds_since_the_last_arrival():
    s = block_staleness(_history(_ARRIVED))
    np.testing.assert_array_equal(s, [[0, 0], [0, 0], [0, 1], [0, 2], [1, 3]])
    never = block_staleness(_history(np.zeros((3, 2, 2))))
    np.testing.assert_array_equal(never[:, 1], [0, 1, 2, 3])            # never arrived: s[r] = r


def test_validated_rule_picks_the_best_trusted_exit():
    h = _history(_ARRIVED)
    scores = np.array([[0.3, 0.2, 0.1],
                       [0.5, 0.7, 0.6],
                       [0.5, 0.6, 0.9],
                       [0.6, 0.6, 0.9],
                       [0.4, 0.5, 0.9]])
    # staleness of the enhancement: 0 0 1 2 3 -> with max_staleness 1, exits 1-2 trusted up to row 2
    pick = choose_exits(h, _NEEDS, scores=scores, max_staleness=1)
    np.testing.assert_array_equal(pick, [0, 1, 2, 0, 0])           # row 3: tie 0.6 / 0.6 stale -> exit 0
    np.testing.assert_array_equal(choose_exits(h, _NEEDS, scores=scores, max_staleness=None), [0, 1, 2, 2, 2])
    tie = np.array([[0.5, 0.5, 0.5]] * 5)
    np.testing.assert_array_equal(choose_exits(h, _NEEDS, scores=tie, max_staleness=None), [0] * 5)
    loss = np.array([[1.0, 0.9, 1.2]] * 5)                          # lower is better
    np.testing.assert_array_equal(choose_exits(h, _NEEDS, scores=loss, criterion="loss", max_staleness=None),
                                  [1] * 5)
    with pytest.raises(ValueError, match="scores"):
        choose_exits(h, _NEEDS, max_staleness=1)
    with pytest.raises(ValueError, match="scores"):
        choose_exits(h, _NEEDS, scores=scores[:3], max_staleness=1)


def test_channel_rule_and_the_fallback_when_nothing_is_fresh():
    h = _history(_ARRIVED)
    np.testing.assert_array_equal(choose_exits(h, _NEEDS, rule="channel", max_staleness=1), [2, 2, 2, 0, 0])
    np.testing.assert_array_equal(choose_exits(h, _NEEDS, rule="channel", max_staleness=0), [2, 2, 0, 0, 0])
    # row 4: the base is 1 round stale too, so with max_staleness 0 nothing is trusted: least stale exit = 0
    scores = np.tile([0.1, 0.2, 0.9], (5, 1))
    assert choose_exits(h, _NEEDS, scores=scores, max_staleness=0)[4] == 0
    stale_base = _history([[[0, 0]], [[0, 0]]])
    np.testing.assert_array_equal(choose_exits(stale_base, _NEEDS, rule="channel", max_staleness=0), [2, 0, 0])


def test_accuracy_of_choice_reads_the_chosen_column():
    s = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    np.testing.assert_array_equal(accuracy_of_choice(s, np.array([2, 0])), [0.3, 0.4])
    with pytest.raises(ValueError, match="choice"):
        accuracy_of_choice(s, np.array([3, 0]))


def _tiny_run(model, rounds=3):
    rng = np.random.default_rng(5)
    X = rng.uniform(0, np.pi, (24, 4))
    y = np.arange(24) % 4
    clients = [ClientData(X[k::4], y[k::4]) for k in range(4)]
    h = run_federated(model, clients, (X, y), Channel(), "dqfl", rounds, initial_params=model.init_params(rng),
                      rng=np.random.default_rng(6), training=LocalTraining(epochs=1, batch_size=6),
                      distances=np.array([100.0, 300.0, 600.0, 900.0]), base_mask=base_mask(model, 1),
                      engine="batched")
    return h, (X, y)


def test_exit_scores_match_the_runs_own_record_and_shots_are_seeded():
    model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
    h, data = _tiny_run(model)
    acc, loss = exit_scores(model, h, data)
    assert acc.shape == loss.shape == (h.rounds + 1, 3)
    np.testing.assert_allclose(acc, h.accuracy, atol=1e-12)       # the run scored the same set
    np.testing.assert_allclose(loss[:, 0], [model.exit_losses(w, *data)[0] for w in h.global_params])
    noisy = model.with_noise(NoiseModel(depolarizing=0.1, shots=50))
    a1, l1 = exit_scores(noisy, h, data, np.random.default_rng(2))
    a2, _ = exit_scores(noisy, h, data, np.random.default_rng(2))
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_allclose(l1[-1], noisy.exit_losses(h.params, *data))    # the exact noisy loss
    assert not np.allclose(l1, loss)
    with pytest.raises(ValueError, match="rng"):
        exit_scores(noisy, h, data)

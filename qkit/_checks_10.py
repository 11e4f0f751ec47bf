"""Right and typical wrong answers behind the checks of ``exercises/10_federated_learning.ipynb``.

They live here, not in the learner's notebook, so that a check cell does not print the answer it
checks. The right answers are built from the tested pieces of :mod:`qkit.fl.aggregate` (FedAvg,
the circular mean, the partial rule) and :class:`qkit.qnn.optim.SGD` (plain gradient steps); each
wrong answer is one misconception a check names (with :class:`qkit.exercises.Mistake`) when a
learner's function returns what it returns.

The local model of Exercises 10.4 and 10.5 is a least-squares regression, so a round is fast and
exact: :func:`least_squares_gradient` is the gradient handed to the learner's round.
"""

from __future__ import annotations

import numpy as np

from qkit.exercises import Mistake, strict_mode
from qkit.fl.aggregate import aggregate, circular_mean, fedavg
from qkit.qnn.optim import SGD

__all__ = [
    "least_squares_gradient", "least_squares_fleet",
    "fedavg_weighted", "fedavg_plain_mean", "fedavg_over_vehicle_count",
    "circular_mean_weighted", "circular_mean_linear", "circular_mean_arctan", "circular_mean_unweighted",
    "circular_mean_zero_to_two_pi",
    "partial_fedavg", "partial_missing_as_zeros", "partial_ignoring_arrivals", "partial_plain_mean",
    "partial_nan_when_nobody", "partial_zero_when_nobody",
    "fedavg_round", "fedavg_round_plain_mean", "fedavg_round_missing_as_zeros",
    "fedavg_round_chained", "fedavg_round_full_batch", "fedavg_round_drop_last",
    "client_drift", "client_drift_one_pooled_step", "client_drift_plain_mean", "client_drift_equal_weight_central",
    "stale_round",
    "MISTAKES", "demo_failed",
]


# -- the tiny model of 10.4 and 10.5 -------------------------------------------------------------

def least_squares_gradient(params: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of the mean squared error ``|X w - y|^2 / (2 n)`` over one batch: ``X^T (X w - y) / n``."""
    X = np.asarray(X, dtype=float)
    return X.T @ (X @ np.asarray(params, dtype=float) - np.asarray(y, dtype=float)) / len(y)


def least_squares_fleet(sizes, n_features: int, rng: np.random.Generator, skew: float = 1.0) -> list:
    """A non-IID fleet: vehicle ``k`` has ``sizes[k]`` samples ``y = X w_k + noise`` with its own ``w_k``.

    ``skew`` scales how far each vehicle's true ``w_k`` lies from the shared one (0: IID).
    """
    shared = rng.normal(size=n_features)
    fleet = []
    for n in sizes:
        X = rng.normal(size=(int(n), n_features))
        w_k = shared + skew * rng.normal(size=n_features)
        fleet.append((X, X @ w_k + 0.1 * rng.normal(size=int(n))))
    return fleet


# -- Exercise 10.1 ------------------------------------------------------------------------------

def fedavg_weighted(client_params, sample_counts) -> np.ndarray:
    """FedAvg: ``sum_k n_k w_k / sum_k n_k`` (qkit's :func:`qkit.fl.aggregate.fedavg`)."""
    return fedavg(client_params, sample_counts)


def fedavg_plain_mean(client_params, sample_counts) -> np.ndarray:
    """Wrong: the equal-weight mean of the vehicles' vectors (a vehicle with 5 plates counts as one with 500)."""
    return np.mean(np.asarray(client_params, dtype=float), axis=0)


def fedavg_over_vehicle_count(client_params, sample_counts) -> np.ndarray:
    """Wrong: the count-weighted sum divided by the number of vehicles instead of the number of samples."""
    counts = np.asarray(sample_counts, dtype=float)
    return counts @ np.asarray(client_params, dtype=float) / counts.size


# -- Exercise 10.2 ------------------------------------------------------------------------------

def circular_mean_weighted(angles, weights) -> np.ndarray:
    """The weighted circular mean in ``[-pi, pi)`` (qkit's :func:`qkit.fl.aggregate.circular_mean`)."""
    return circular_mean(angles, weights)


def circular_mean_linear(angles, weights) -> np.ndarray:
    """Wrong: the weighted linear mean of the angles (the mean of +3 and -3 rad is 0, the opposite of both)."""
    w = np.asarray(weights, dtype=float)
    return w @ np.asarray(angles, dtype=float) / w.sum()


def circular_mean_arctan(angles, weights) -> np.ndarray:
    """Wrong: ``arctan(S / C)`` of the resultant, which cannot tell ``(C, S)`` from ``(-C, -S)`` (no arctan2)."""
    resultant = np.asarray(weights, dtype=float) @ np.exp(1j * np.asarray(angles, dtype=float))
    with np.errstate(all="ignore"):
        return np.arctan(resultant.imag / resultant.real)


def circular_mean_unweighted(angles, weights) -> np.ndarray:
    """Wrong: the circular mean with every vehicle weighted equally."""
    return circular_mean(angles, np.ones(np.shape(angles)[0]))


def circular_mean_zero_to_two_pi(angles, weights) -> np.ndarray:
    """Wrong (in form only): the right directions written in ``[0, 2 pi)`` instead of between -pi and pi."""
    return circular_mean(angles, weights) % (2 * np.pi)


# -- Exercise 10.3 ------------------------------------------------------------------------------

def partial_fedavg(global_params, client_params, sample_counts, arrived, block_of) -> np.ndarray:
    """The partial rule: per block, FedAvg over the vehicles whose block arrived; else keep the global value."""
    return aggregate(global_params, client_params, sample_counts, arrived, block_of).params


def partial_missing_as_zeros(global_params, client_params, sample_counts, arrived, block_of) -> np.ndarray:
    """Wrong: a block that did not arrive counted as zeros (divided by every vehicle's samples)."""
    counts = np.asarray(sample_counts, dtype=float)
    weight = np.asarray(arrived, bool)[:, np.asarray(block_of)] * counts[:, None]
    return (weight * np.asarray(client_params, dtype=float)).sum(axis=0) / counts.sum()


def partial_ignoring_arrivals(global_params, client_params, sample_counts, arrived, block_of) -> np.ndarray:
    """Wrong: FedAvg of every vehicle's vector, as if everything had arrived."""
    return fedavg(client_params, sample_counts)


def partial_plain_mean(global_params, client_params, sample_counts, arrived, block_of) -> np.ndarray:
    """Wrong: per block, the equal-weight mean of the vehicles whose block arrived."""
    return partial_fedavg(global_params, client_params, np.ones(len(sample_counts)), arrived, block_of)


def _partial_unguarded(global_params, client_params, sample_counts, arrived, block_of, empty) -> np.ndarray:
    weight = np.asarray(arrived, bool)[:, np.asarray(block_of)] * np.asarray(sample_counts, dtype=float)[:, None]
    total = weight.sum(axis=0)
    with np.errstate(all="ignore"):
        mean = (weight * np.asarray(client_params, dtype=float)).sum(axis=0) / total
    return np.where(total > 0, mean, empty)


def partial_nan_when_nobody(global_params, client_params, sample_counts, arrived, block_of) -> np.ndarray:
    """Wrong: the weighted mean divided by a zero total where no vehicle delivered the block (0/0 = NaN)."""
    return _partial_unguarded(global_params, client_params, sample_counts, arrived, block_of, np.nan)


def partial_zero_when_nobody(global_params, client_params, sample_counts, arrived, block_of) -> np.ndarray:
    """Wrong: 0 (a guarded division with no fallback) where no vehicle delivered the block."""
    return _partial_unguarded(global_params, client_params, sample_counts, arrived, block_of, 0.0)


# -- Exercise 10.4 ------------------------------------------------------------------------------

def _local_sgd(start, X, y, gradient, epochs, batch_size, learning_rate, *, drop_last=False) -> np.ndarray:
    """``epochs`` passes of plain minibatch SGD over ``(X, y)`` in stored order, from ``start``."""
    opt, w, n = SGD(learning_rate), np.array(start, dtype=float), len(y)
    for _ in range(epochs):
        for lo in range(0, n, batch_size):
            if drop_last and lo + batch_size > n:
                break
            w = opt.step(w, gradient(w, X[lo:lo + batch_size], y[lo:lo + batch_size]))
    return w


def _trained(global_params, client_data, gradient, epochs, batch_size, learning_rate, **options) -> np.ndarray:
    return np.array([_local_sgd(global_params, X, y, gradient, epochs, batch_size, learning_rate, **options)
                     for X, y in client_data])


def fedavg_round(global_params, client_data, gradient, epochs, batch_size, learning_rate, arrived,
                 block_of) -> np.ndarray:
    """One FedAvg round: every vehicle runs local SGD from the global vector, then the partial rule."""
    trained = _trained(global_params, client_data, gradient, epochs, batch_size, learning_rate)
    counts = [len(y) for _, y in client_data]
    return partial_fedavg(global_params, trained, counts, arrived, block_of)


def fedavg_round_plain_mean(global_params, client_data, gradient, epochs, batch_size, learning_rate, arrived,
                            block_of) -> np.ndarray:
    """Wrong: the round with every vehicle weighted equally at the server."""
    trained = _trained(global_params, client_data, gradient, epochs, batch_size, learning_rate)
    return partial_fedavg(global_params, trained, np.ones(len(client_data)), arrived, block_of)


def fedavg_round_missing_as_zeros(global_params, client_data, gradient, epochs, batch_size, learning_rate,
                                  arrived, block_of) -> np.ndarray:
    """Wrong: the round with the blocks that did not arrive averaged in as zeros."""
    trained = _trained(global_params, client_data, gradient, epochs, batch_size, learning_rate)
    counts = [len(y) for _, y in client_data]
    return partial_missing_as_zeros(global_params, trained, counts, arrived, block_of)


def fedavg_round_chained(global_params, client_data, gradient, epochs, batch_size, learning_rate, arrived,
                         block_of) -> np.ndarray:
    """Wrong: each vehicle starts from the previous vehicle's trained vector, not from the global one."""
    trained, start = [], np.array(global_params, dtype=float)
    for X, y in client_data:
        start = _local_sgd(start, X, y, gradient, epochs, batch_size, learning_rate)
        trained.append(start)
    counts = [len(y) for _, y in client_data]
    return partial_fedavg(global_params, np.array(trained), counts, arrived, block_of)


def fedavg_round_full_batch(global_params, client_data, gradient, epochs, batch_size, learning_rate, arrived,
                            block_of) -> np.ndarray:
    """Wrong: one full-batch gradient step per epoch (the batch size ignored)."""
    big = max(len(y) for _, y in client_data)
    return fedavg_round(global_params, client_data, gradient, epochs, big, learning_rate, arrived, block_of)


def fedavg_round_drop_last(global_params, client_data, gradient, epochs, batch_size, learning_rate, arrived,
                           block_of) -> np.ndarray:
    """Wrong: the last, shorter batch of every epoch skipped (``range(n // B)`` batches)."""
    trained = _trained(global_params, client_data, gradient, epochs, batch_size, learning_rate, drop_last=True)
    counts = [len(y) for _, y in client_data]
    return partial_fedavg(global_params, trained, counts, arrived, block_of)


# -- Exercise 10.5 ------------------------------------------------------------------------------

def _pooled_descent(global_params, client_data, gradient, steps, learning_rate) -> np.ndarray:
    X = np.concatenate([X for X, _ in client_data])
    y = np.concatenate([y for _, y in client_data])
    return _local_sgd(global_params, X, y, gradient, steps, len(y), learning_rate)


def _full_round(global_params, client_data, gradient, epochs, learning_rate, round_fn=fedavg_round):
    big = max(len(y) for _, y in client_data)
    everything = np.ones((len(client_data), 1), bool)
    block_of = np.zeros(np.size(global_params), int)
    return round_fn(global_params, client_data, gradient, epochs, big, learning_rate, everything, block_of)


def client_drift(global_params, client_data, gradient, epochs, learning_rate) -> float:
    """``|FedAvg round - centralised descent|``: one full-batch round with ``epochs`` local steps against
    ``epochs`` full-batch gradient steps on the pooled data, from the same global vector."""
    fed = _full_round(global_params, client_data, gradient, epochs, learning_rate)
    central = _pooled_descent(global_params, client_data, gradient, epochs, learning_rate)
    return float(np.linalg.norm(fed - central))


def client_drift_one_pooled_step(global_params, client_data, gradient, epochs, learning_rate) -> float:
    """Wrong: the round compared with ONE pooled step, whatever the number of local epochs."""
    fed = _full_round(global_params, client_data, gradient, epochs, learning_rate)
    central = _pooled_descent(global_params, client_data, gradient, 1, learning_rate)
    return float(np.linalg.norm(fed - central))


def client_drift_plain_mean(global_params, client_data, gradient, epochs, learning_rate) -> float:
    """Wrong: the round's server takes the equal-weight mean of the vehicles."""
    fed = _full_round(global_params, client_data, gradient, epochs, learning_rate, fedavg_round_plain_mean)
    central = _pooled_descent(global_params, client_data, gradient, epochs, learning_rate)
    return float(np.linalg.norm(fed - central))


def client_drift_equal_weight_central(global_params, client_data, gradient, epochs, learning_rate) -> float:
    """Wrong: the centralised step uses the equal-weight mean of the vehicles' gradients, not the pooled one."""
    fed = _full_round(global_params, client_data, gradient, epochs, learning_rate)
    central = np.asarray(global_params, dtype=float).copy()
    for _ in range(epochs):
        central = central - learning_rate * np.mean([gradient(central, X, y) for X, y in client_data], axis=0)
    return float(np.linalg.norm(fed - central))


def stale_round(your_round) -> Mistake:
    """The 10.5 mistake of a learner whose own 10.4 round (``your_round``) is still wrong.

    Its answer is the drift computed with ``your_round`` in place of the right round, so it matches
    exactly when the learner's 10.5 is right but leans on a 10.4 that is not.
    """
    def drift_with_your_round(global_params, client_data, gradient, epochs, learning_rate) -> float:
        fed = _full_round(global_params, client_data, gradient, epochs, learning_rate, your_round)
        central = _pooled_descent(global_params, client_data, gradient, epochs, learning_rate)
        return float(np.linalg.norm(np.asarray(fed, dtype=float) - central))

    return Mistake("with E = 1 the gap must vanish; it does not with your fedavg_round (10.4): "
                   "re-run 10.4's check and fix it first", drift_with_your_round)


# -- the hints of the checks --------------------------------------------------------------------

MISTAKES = {
    "10.1": [
        Mistake("that is the equal-weight mean: FedAvg weights each vehicle by its sample count n_k",
                fedavg_plain_mean),
        Mistake("divide by the total number of samples sum n_k, not by the number of vehicles",
                fedavg_over_vehicle_count)],
    "10.2": [
        Mistake("a linear mean of angles: +3 and -3 rad average to 0, the opposite of both; average e^(i theta)",
                circular_mean_linear),
        Mistake("the vehicles' weights are missing: weight each phasor e^(i theta_k) by w_k",
                circular_mean_unweighted),
        Mistake("arctan(S / C) loses the half-plane: (C, S) and (-C, -S) give the same ratio; use arctan2(S, C)",
                circular_mean_arctan),
        Mistake("right directions, wrong range: give them between -pi and pi (as np.angle does), not in [0, 2 pi)",
                circular_mean_zero_to_two_pi)],
    "10.3": [
        Mistake("when no vehicle delivered a block there is nothing to average (0 / 0): keep w_global there",
                partial_nan_when_nobody),
        Mistake("when no vehicle delivered a block, keep w_global there: 0 is not what the server knew",
                partial_zero_when_nobody),
        Mistake("a block that did not arrive is unknown, not zero: average only over the vehicles whose block arrived",
                partial_missing_as_zeros),
        Mistake("lost blocks were used as if they had arrived: only the copies with arrived[k, b(j)] count",
                partial_ignoring_arrivals),
        Mistake("weight the vehicles that delivered a block by their sample counts n_k, not equally",
                partial_plain_mean)],
    "10.4": [
        Mistake("the server weights each delivered block by its vehicle's sample count n_k, not equally",
                fedavg_round_plain_mean),
        Mistake("a block that did not arrive is unknown, not zero: average only over the vehicles that delivered it",
                fedavg_round_missing_as_zeros),
        Mistake("every vehicle starts from the global model w, not from the previous vehicle's trained vector",
                fedavg_round_chained),
        Mistake("one step per batch of B samples, several per epoch: you took one full-batch step per epoch",
                fedavg_round_full_batch),
        Mistake("the last batch of an epoch is shorter when B does not divide n_k, but it still counts: you skipped it",
                fedavg_round_drop_last)],
    "10.5": [
        Mistake("E local epochs must be compared with E pooled steps, not with one step",
                client_drift_one_pooled_step),
        Mistake("with one epoch the gap should vanish: the server must weight vehicles by n_k (sample-weighted FedAvg)",
                client_drift_plain_mean),
        Mistake("the centralised step is one gradient of the loss on ALL plates pooled: concatenate the vehicles' "
                "data (each sample counts once), do not average the vehicles' gradients equally",
                client_drift_equal_weight_central)],
}
"""The typical mistakes of each check, by exercise label (10.5 adds :func:`stale_round`)."""


def demo_failed(exc: Exception, labels: str) -> None:
    """Say, in a demo cell, that a learner's function raised ``exc``; re-raise it in strict mode."""
    if strict_mode():
        raise exc
    print(f"Your answer to Exercise {labels} raised {type(exc).__name__} here ({str(exc)[:120]}): "
          "make its check pass, then run this cell again.")

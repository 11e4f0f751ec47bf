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

from qkit.fl.aggregate import aggregate, circular_mean, fedavg
from qkit.qnn.optim import SGD

__all__ = [
    "least_squares_gradient", "least_squares_fleet",
    "fedavg_weighted", "fedavg_plain_mean", "fedavg_over_vehicle_count",
    "circular_mean_weighted", "circular_mean_linear", "circular_mean_half_open_wrong",
    "circular_mean_unweighted",
    "partial_fedavg", "partial_missing_as_zeros", "partial_ignoring_arrivals", "partial_plain_mean",
    "fedavg_round", "fedavg_round_plain_mean", "fedavg_round_missing_as_zeros",
    "fedavg_round_chained", "fedavg_round_full_batch", "fedavg_round_drop_last",
    "client_drift", "client_drift_one_pooled_step", "client_drift_plain_mean",
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


def circular_mean_half_open_wrong(angles, weights) -> np.ndarray:
    """Wrong: the angle of the resultant in ``(-pi, pi]`` (``np.angle``'s range), +pi not mapped to -pi."""
    return np.angle(np.asarray(weights, dtype=float) @ np.exp(1j * np.asarray(angles, dtype=float)))


def circular_mean_unweighted(angles, weights) -> np.ndarray:
    """Wrong: the circular mean with every vehicle weighted equally."""
    return circular_mean(angles, np.ones(np.shape(angles)[0]))


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

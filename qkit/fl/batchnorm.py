"""FedBN as published: a batch-normalisation input layer kept on each vehicle.

FedBN (Li et al. 2021, arXiv 2102.07623; ref. [24] of the DQFL paper) keeps every
batch-normalisation layer local: its affine parameters *and* its running statistics never leave
the vehicle, and everything else is averaged by FedAvg. Here the QNN has one such layer, in front
of its encoding (the transform of Algorithm 1 of Ioffe and Szegedy 2015, arXiv 1502.03167, per
feature ``i``)::

    x'_i = gamma_i (x_i - mu_i) / sqrt(var_i + eps) + beta_i

* **training** (:meth:`BatchNormQNN.loss_and_grad`): ``mu`` and ``var`` are the minibatch's mean
  and biased variance, and :meth:`BatchNormQNN.update_statistics` moves the running statistics
  towards the batch's, ``r <- (1 - m) r + m r_batch`` (momentum ``m = 0.1``; the running
  variance takes the unbiased batch variance, as in the BN paper's inference step);
  :func:`qkit.fl.clients.local_update` calls it after every step;
* **evaluation** (:meth:`~BatchNormQNN.forward`, ``predict``, ``accuracy``, ``loss``): the
  running statistics.

Parameters are ``[model parameters | gamma (d) | beta (d) | running mean (d) | running var (d)]``
(``d`` features, one per qubit); :meth:`~BatchNormQNN.local_mask` marks the last ``4 d``, so
:func:`qkit.fl.rounds.run_federated` with ``local_mask=model.local_mask()`` averages the quantum
part only. Score each vehicle with its own layer: pass one test set per vehicle, or build the
vectors with :func:`vehicle_params`.

The per-vehicle affine layer without statistics is :class:`qkit.fl.clients.InputNormalisation`
(a personalised input layer, not batch normalisation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qkit._validate import require_array, require_flag, require_real
from qkit.qnn.optim import _check_model

__all__ = ["BatchNormQNN", "vehicle_params", "BN_MOMENTUM", "BN_EPS"]

BN_MOMENTUM = 0.1
"""Default weight of the newest batch in the running statistics (as in common BN layers)."""
BN_EPS = 1e-5
"""Default ``eps`` added to the variance (rad^2: the features' units squared)."""


class BatchNormQNN:
    """A QNN behind a batch-normalisation input layer, the model FedBN federates.

    Gradients (training mode): the quantum part's from ``model.loss_and_grad`` at the normalised
    inputs ``x'``; ``gamma`` and ``beta`` by the chain rule, ``dL/dgamma_i = sum_b dL/dx'_bi
    xhat_bi`` and ``dL/dbeta_i = sum_b dL/dx'_bi``, exact because the batch statistics do not
    depend on ``gamma`` or ``beta`` and ``dL/dx'`` is exact: each feature enters through one
    ``RY(x'_i)``, so ``dz/dx'_i = [z(x'_i + pi/2) - z(x'_i - pi/2)] / 2`` (2 d extra forward
    passes, as in :class:`qkit.fl.clients.InputNormalisation`). The running statistics get a
    zero gradient: they move only through :meth:`update_statistics`.

    Parameters
    ----------
    model
        A :class:`qkit.qnn.QNN` or :class:`~qkit.qnn.DynamicQNN` (angle-encoded features).
    momentum : float
        ``m`` in (0, 1]: weight of the newest batch in the running statistics.
    eps : float
        Added to the variance before the square root (> 0).
    """

    def __init__(self, model: Any, momentum: float = BN_MOMENTUM, eps: float = BN_EPS) -> None:
        _check_model(model, ("n_qubits", "n_params", "layout", "loss_and_grad", "forward", "prefix_slice"))
        self.momentum = require_real("momentum", momentum, 0.0, 1.0, low_inclusive=False)
        self.eps = require_real("eps", eps, 0.0, None, low_inclusive=False)
        self.model = model
        self.n_features = d = int(model.n_qubits)
        m = int(model.n_params)
        self.n_params = m + 4 * d
        for name in ("n_exits", "n_layers", "exit_layers", "circuit", "n_qubits", "n_classes"):
            setattr(self, name, getattr(model, name))
        self.layout = dict(model.layout, bn_gamma=slice(m, m + d), bn_beta=slice(m + d, m + 2 * d),
                           bn_mean=slice(m + 2 * d, m + 3 * d), bn_var=slice(m + 3 * d, m + 4 * d))

    def __repr__(self) -> str:
        return f"BatchNormQNN({self.model!r}, momentum={self.momentum}, eps={self.eps})"

    def prefix_slice(self, depth: int) -> slice:
        """The wrapped model's prefix (the BN layer sits at the end of the vector)."""
        return self.model.prefix_slice(depth)

    def local_mask(self) -> np.ndarray:
        """True for ``gamma``, ``beta`` and the running statistics: FedBN's local entries."""
        mask = np.zeros(self.n_params, dtype=bool)
        mask[self.model.n_params:] = True
        return mask

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """The wrapped model's initial parameters, then ``gamma = 1, beta = 0, mean = 0, var = 1``."""
        d = self.n_features
        return np.concatenate([self.model.init_params(rng), np.ones(d), np.zeros(d), np.zeros(d), np.ones(d)])

    # --- the layer ---------------------------------------------------------------------------

    def _split(self, params, X, name: str = "params") -> tuple[np.ndarray, tuple[np.ndarray, ...], np.ndarray]:
        p = require_array(name, params, shape=(self.n_params,))
        m, d = self.model.n_params, self.n_features
        gamma, beta, mean, var = (p[m + j * d:m + (j + 1) * d] for j in range(4))
        if np.any(var < 0):
            raise ValueError(f"{name}: the running variance (last {d} entries) must be >= 0, got {var}")
        x = require_array("X", X, shape=(None, d))
        return p[:m], (gamma, beta, mean, var), x

    def _inputs(self, params, X, training: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The quantum parameters and the layer's output ``x'``."""
        w, (gamma, beta, mean, var), x = self._split(params, X)
        if require_flag("training", training):
            mean, var = _batch_moments(x)
        return w, gamma * (x - mean) / np.sqrt(var + self.eps) + beta

    def normalise(self, params, X, training: bool = False) -> np.ndarray:
        """The layer's output ``x' = gamma (x - mu) / sqrt(var + eps) + beta``.

        Parameters
        ----------
        params : array, shape (n_params,)
        X : array, shape (n, d)
            Features (encoding angles, rad).
        training : bool
            ``True``: ``mu`` and ``var`` are the batch ``X``'s mean and biased variance.
            ``False``: the running statistics stored in ``params``.

        Returns
        -------
        numpy.ndarray, shape (n, d)
            The angles fed to the encoding (rad).
        """
        return self._inputs(params, X, training)[1]

    def update_statistics(self, params, X, previous=None) -> np.ndarray:
        """``params`` with the running statistics moved towards the batch ``X``'s.

        ``mean <- (1 - m) mean + m mean_batch`` and ``var <- (1 - m) var + m n/(n-1) var_batch``
        (unbiased; a batch of one sample leaves ``var`` as it was).

        Parameters
        ----------
        params : array, shape (n_params,)
            The vector to return with new statistics (e.g. after an optimiser step).
        X : array, shape (n, d)
            The batch (n >= 1).
        previous : array, shape (n_params,), optional
            Whose statistics to start from (default ``params``): the vector from before the
            step, so that the step (or a FedProx term) cannot move the statistics.

        Returns
        -------
        numpy.ndarray, shape (n_params,)
        """
        _, _, x = self._split(params, X)
        _, (_, _, mean, var), _ = self._split(params, X) if previous is None else self._split(previous, X, "previous")
        n, mom = x.shape[0], self.momentum
        if n == 0:
            raise ValueError("X must hold at least one sample to update the running statistics, got 0")
        b_mean, b_var = _batch_moments(x)
        new_var = var if n == 1 else (1 - mom) * var + mom * b_var * n / (n - 1)
        out = np.array(params, dtype=float)
        out[self.layout["bn_mean"]] = (1 - mom) * mean + mom * b_mean
        out[self.layout["bn_var"]] = new_var
        return out

    # --- evaluation: running statistics ------------------------------------------------------

    def forward(self, params, X) -> np.ndarray:
        """Logits at every exit with the running statistics, shape (n_exits, n, n_classes)."""
        return self.model.forward(*self._inputs(params, X))

    def predict(self, params, X, exit: int = -1) -> np.ndarray:
        """Predicted classes at one exit (running statistics)."""
        return self.model.predict(*self._inputs(params, X), exit=exit)

    def accuracy(self, params, X, y) -> np.ndarray:
        """Top-1 accuracy at every exit (running statistics), shape (n_exits,)."""
        return self.model.accuracy(*self._inputs(params, X), y)

    def loss(self, params, X, y, exit_weights=None) -> float:
        """Exit-weighted cross-entropy with the running statistics (evaluation mode)."""
        return self.model.loss(*self._inputs(params, X), y, exit_weights)

    # --- training: batch statistics ----------------------------------------------------------

    def training_loss(self, params, X, y, exit_weights=None) -> float:
        """Exit-weighted cross-entropy with the batch's statistics (what training minimises)."""
        return self.model.loss(*self._inputs(params, X, training=True), y, exit_weights)

    def loss_and_grad(self, params, X, y, exit_weights=None) -> tuple[float, np.ndarray]:
        """:meth:`training_loss` and its gradient (see the class docstring).

        Returns
        -------
        loss : float
        grad : numpy.ndarray, shape (n_params,)
            Exact; zero for the running statistics.
        """
        w, (gamma, beta, _, _), x = self._split(params, X)
        mean, var = _batch_moments(x)
        x_hat = (x - mean) / np.sqrt(var + self.eps)
        xp = gamma * x_hat + beta
        loss, g_model = self.model.loss_and_grad(w, xp, y, exit_weights)
        d_x = _input_gradient(self.model, w, xp, np.asarray(y), exit_weights)
        d = self.n_features
        return loss, np.concatenate([g_model, (d_x * x_hat).sum(axis=0), d_x.sum(axis=0), np.zeros(2 * d)])


def _batch_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and biased variance of a batch (n >= 1)."""
    if x.shape[0] == 0:
        raise ValueError("X must hold at least one sample for batch statistics, got 0")
    mean = x.mean(axis=0)
    return mean, ((x - mean) ** 2).mean(axis=0)


def _input_gradient(model: Any, w: np.ndarray, x: np.ndarray, y: np.ndarray, exit_weights) -> np.ndarray:
    """``dL/dx`` (n, d) of the exit-weighted mean cross-entropy, by the parameter-shift identity."""
    n_exits = int(getattr(model, "n_exits", 1))
    ew = np.ones(n_exits) if exit_weights is None else np.asarray(exit_weights, dtype=float)
    logits = model.forward(w, x)  # (E, B, C)
    soft = np.exp(logits - logits.max(axis=2, keepdims=True))
    soft /= soft.sum(axis=2, keepdims=True)
    soft[:, np.arange(len(y)), y] -= 1.0
    d_logits = soft * ew[:, None, None] / len(y)  # dL/dz
    b, d = x.shape
    shift = np.pi / 2 * np.eye(d)[:, None, :]  # (d, 1, d): feature i moved by pi/2
    moved = np.concatenate([(x[None] + shift).reshape(d * b, d), (x[None] - shift).reshape(d * b, d)])
    z = model.forward(w, moved).reshape(n_exits, 2, d, b, -1)  # all 2d shifted batches at once
    dz = (z[:, 0] - z[:, 1]) / 2  # (E, d, B, C): dz/dx_i
    return np.einsum("ebc,eibc->bi", d_logits, dz)


def vehicle_params(history: Any, local_mask) -> np.ndarray:
    """Each vehicle's model after a FedBN run: the final global vector with its own local entries.

    Parameters
    ----------
    history : qkit.fl.rounds.FederatedHistory
        From :func:`~qkit.fl.rounds.run_federated` with ``local_mask``.
    local_mask : bool array (P,)
        The mask the run used (``model.local_mask()``).

    Returns
    -------
    numpy.ndarray, shape (K, P)
        Row ``k``: vehicle ``k``'s own layer (``gamma``, ``beta``, statistics), the global rest.
    """
    own = getattr(history, "client_local", None)
    if own is None:
        raise ValueError("history has no per-vehicle parts (client_local is None): run_federated needs local_mask")
    mask = require_array("local_mask", local_mask, dtype=bool, shape=(np.asarray(own).shape[1],))
    return np.where(mask, own, history.params)

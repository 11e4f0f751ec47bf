"""From images to rotation angles: PCA to the qubit count, then scaling to [0, pi].

A QNN with ``n_qubits`` qubits and one angle-encoding rotation per qubit (Sec. III-B of the
vehicular paper: "the original input data are used as parameters for the quantum rotation
gates") can take only ``n_qubits`` numbers per image. :class:`PCAAngles` keeps the
``n_components`` directions of largest variance of the *training* images (principal component
analysis by a singular value decomposition in numpy) and maps each projection linearly onto an
angle range, by default ``[0, pi]``. The scaling is fitted on the training data only; test images
use the training mean, directions and ranges, and angles falling outside the range are clipped to
it (so an unusually bright test image cannot wrap round past pi to look like a dark one).

The estimator follows scikit-learn's contract: the constructor only stores its arguments,
:meth:`PCAAngles.fit` returns ``self``, and learned state ends in ``_``.
"""

from __future__ import annotations

import numpy as np

from qkit._validate import require_array, require_integer, require_real

__all__ = ["PCAAngles", "flatten_images"]


def flatten_images(images: np.ndarray) -> np.ndarray:
    """Reshape ``(n, h, w)`` images (or ``(n, d)`` features) into an ``(n, h*w)`` float matrix."""
    arr = require_array("images", images)
    if arr.ndim < 2:
        raise ValueError(f"images must have shape (n, h, w) or (n, d), got shape {arr.shape}")
    return arr.reshape(arr.shape[0], -1)


class PCAAngles:
    """Principal components of the training images, scaled to rotation angles.

    Parameters
    ----------
    n_components : int
        Number of components kept: one per qubit (>= 1).
    angle_range : tuple of float
        ``(low, high)`` angles (radians) that the training range of each component maps to.
    clip_quantile : float
        The training range of each component runs from this quantile to ``1 - clip_quantile``
        (0 = min to max; the default 0.01 keeps a few occluded outliers from squeezing
        everyone else into a small part of the range). Must be in [0, 0.5).

    Attributes
    ----------
    mean_ : numpy.ndarray, shape (d,)
        Mean training image (flattened).
    components_ : numpy.ndarray, shape (n_components, d)
        Orthonormal principal directions, largest variance first (sign fixed so that the largest
        entry of each is positive).
    explained_variance_ratio_ : numpy.ndarray, shape (n_components,)
        Fraction of the total training variance along each kept direction.
    low_, high_ : numpy.ndarray, shape (n_components,)
        Training-range ends of each projection, mapped to ``angle_range[0]`` and ``[1]``.
    """

    def __init__(self, n_components: int, angle_range: tuple[float, float] = (0.0, np.pi),
                 clip_quantile: float = 0.01) -> None:
        self.n_components = n_components
        self.angle_range = angle_range
        self.clip_quantile = clip_quantile
        self._check_parameters()  # refuse bad settings at once, not at the first fit

    def _check_parameters(self, n_max: int | None = None) -> tuple[int, float, float, float]:
        """``(n_components, clip_quantile, low, high)``, checked (``n_max``: the data's limit)."""
        k = require_integer("n_components", self.n_components, 1, n_max)
        q = require_real("clip_quantile", self.clip_quantile, 0.0, 0.5, high_inclusive=False)
        ends = require_array("angle_range", self.angle_range, shape=(2,), unit="radians")
        low, high = float(ends[0]), float(ends[1])
        if not high > low:
            raise ValueError(f"angle_range must be (low, high) with high > low, got {self.angle_range!r}")
        return k, q, low, high

    def fit(self, images: np.ndarray) -> "PCAAngles":
        """Learn the mean, the principal directions and the angle scaling from training images.

        Parameters
        ----------
        images : numpy.ndarray, shape (n, h, w) or (n, d)
            Training images; ``n >= 2``.

        Returns
        -------
        PCAAngles
            ``self``, fitted.
        """
        X = flatten_images(images)
        if X.shape[0] < 2:
            raise ValueError(f"images must hold at least 2 training images, got {X.shape[0]}")
        k, q, _, _ = self._check_parameters(min(X.shape))
        self.mean_ = X.mean(axis=0)
        _, s, vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        # Singular values at the level of rounding errors (e.g. identical images) are zero.
        s = np.where(s > max(X.shape) * np.finfo(float).eps * max(np.abs(X).max(), 1e-300)
                     * np.sqrt(X.shape[0]), s, 0.0)
        comps = vt[:k]
        signs = np.sign(comps[np.arange(k), np.argmax(np.abs(comps), axis=1)])
        self.components_ = comps * signs[:, None]
        total = np.sum(s**2)
        self.explained_variance_ratio_ = s[:k] ** 2 / total if total > 0 else np.zeros(k)
        proj = (X - self.mean_) @ self.components_.T
        self.low_ = np.quantile(proj, q, axis=0)
        self.high_ = np.quantile(proj, 1 - q, axis=0)
        self.high_ = np.where(s[:k] > 0, self.high_, self.low_)  # no spread: middle angle
        return self

    def project(self, images: np.ndarray) -> np.ndarray:
        """Coordinates of images along the principal directions (pixel-brightness units)."""
        self._check_fitted()
        X = flatten_images(images)
        if X.shape[1] != self.mean_.size:
            raise ValueError(f"images must have {self.mean_.size} pixels each (as in training), "
                             f"got {X.shape[1]}")
        return (X - self.mean_) @ self.components_.T

    def transform(self, images: np.ndarray) -> np.ndarray:
        """Rotation angles of images, shape ``(n, n_components)``, clipped to ``angle_range``.

        ``angle = low + (high - low) * (p - low_) / (high_ - low_)`` for each projection ``p``;
        a component with no spread in training (``high_ == low_``) maps to the middle angle.
        """
        proj = self.project(images)
        a, b = (float(v) for v in self.angle_range)
        span = self.high_ - self.low_
        safe = np.where(span > 0, span, 1.0)
        unit = np.where(span > 0, (proj - self.low_) / safe, 0.5)
        return a + (b - a) * np.clip(unit, 0.0, 1.0)

    def fit_transform(self, images: np.ndarray) -> np.ndarray:
        """``fit(images).transform(images)``."""
        return self.fit(images).transform(images)

    def reconstruct(self, angles: np.ndarray) -> np.ndarray:
        """Flattened images rebuilt from angles (inverse of :meth:`transform` inside its range)."""
        self._check_fitted()
        ang = require_array("angles", angles, unit="radians")
        if ang.ndim == 0 or ang.shape[-1] != self.components_.shape[0]:
            raise ValueError(f"angles must have a last axis of n_components = {self.components_.shape[0]} "
                             f"angles, got shape {ang.shape}")
        a, b = (float(v) for v in self.angle_range)
        proj = self.low_ + (ang - a) / (b - a) * (self.high_ - self.low_)
        return self.mean_ + proj @ self.components_

    def _check_fitted(self) -> None:
        if not hasattr(self, "components_"):
            raise ValueError("this PCAAngles is not fitted yet: call fit(training_images) first")

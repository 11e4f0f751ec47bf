"""Non-IID data across vehicles (Sec. IV B 2 of the DQFL paper: "all AVs will be trained
differently from each other as the natures of the data collected ... will be different").

Two kinds of heterogeneity, as in the federated-learning literature:

* **label skew** -- each vehicle sees a different mix of characters. Vehicle ``k``'s class
  probabilities are drawn from a symmetric Dirichlet, ``q_k ~ Dir(alpha, ..., alpha)``
  (Hsu, Qi and Brown, 2019). ``alpha -> inf`` is IID (every vehicle sees the global mix);
  ``alpha = 1`` spreads mixes uniformly over the simplex; ``alpha -> 0`` gives each vehicle a
  single class. :func:`dirichlet_split` is the pool version: it splits an existing labelled
  set class by class (each class's samples divided among vehicles by ``Dir(alpha)`` shares).
* **feature skew** -- each vehicle's camera sees plates differently (night, rain, mud):
  :func:`vehicle_camera_conditions` gives every vehicle its own
  :class:`qkit.data.plates.CameraConditions`.

:func:`label_skew` measures how far the vehicles' label mixes are from the pooled mix.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from qkit._validate import (require_allocation, require_array, require_generator, require_instance,
                            require_integer, require_real)
from qkit.data.features import PCAAngles
from qkit.fl._checks import _check_alpha, _check_classes, _check_labels
from qkit.data.plates import CLEAR_DAY, MUDDY_PLATE, NIGHT, RAIN, CameraConditions, make_plates

__all__ = [
    "dirichlet_class_probabilities",
    "dirichlet_split",
    "check_partition",
    "label_counts",
    "label_skew",
    "vehicle_camera_conditions",
    "DEGRADED_CONDITIONS",
    "FleetPlates",
    "fleet_plates",
    "PlateTask",
    "plate_task",
]

#: The camera conditions a vehicle's camera drifts towards as ``spread`` grows.
DEGRADED_CONDITIONS = (NIGHT, RAIN, MUDDY_PLATE)


def dirichlet_class_probabilities(n_vehicles: int, n_classes: int, alpha: float,
                                  rng: np.random.Generator) -> np.ndarray:
    """Each vehicle's class probabilities, ``q_k ~ Dir(alpha * 1_C)``.

    Parameters
    ----------
    n_vehicles : int
        Number of vehicles ``K >= 1``.
    n_classes : int
        Number of classes ``C >= 1``.
    alpha : float
        Dirichlet concentration ``> 0``; ``numpy.inf`` gives the uniform mix to every vehicle.
    rng : numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape (K, C)
        Rows are probability vectors (sum 1 to rounding), ready for
        ``make_plates(class_probabilities=...)``.
    """
    k = require_integer("n_vehicles", n_vehicles, 1)
    c = require_integer("n_classes", n_classes, 1)
    alpha = _check_alpha(alpha)
    require_generator("rng", rng)
    require_allocation(f"class probabilities of n_vehicles={k} x n_classes={c}", 24.0 * k * c)
    if alpha == np.inf:
        return np.full((k, c), 1.0 / c)
    q = rng.dirichlet(np.full(c, alpha), size=k)
    bad = ~np.isfinite(q).all(axis=1) | (q.sum(axis=1) <= 0)
    if bad.any():  # numpy's small-alpha sampler should never do this; do not pass NaN on
        raise ValueError(f"alpha={alpha:g} is too small for numpy's Dirichlet sampler (got NaN rows)")
    return q / q.sum(axis=1, keepdims=True)


def dirichlet_split(labels, n_vehicles: int, alpha: float, rng: np.random.Generator, *,
                    min_samples: int = 1, max_tries: int = 100) -> list[np.ndarray]:
    """Split a labelled pool among vehicles, class by class, with ``Dir(alpha)`` shares.

    For each class ``c`` a share vector ``p_c ~ Dir(alpha * 1_K)`` is drawn and the class's
    (shuffled) samples are cut in proportion to it. A draw that leaves some vehicle with fewer
    than ``min_samples`` samples is redrawn, at most ``max_tries`` times.

    Parameters
    ----------
    labels : array of int, shape (N,)
        Class label of every sample of the pool.
    n_vehicles : int
        ``K >= 1``.
    alpha : float
        Dirichlet concentration ``> 0`` (``numpy.inf``: equal shares of every class).
    rng : numpy.random.Generator
    min_samples : int
        Fewest samples any vehicle may get (>= 1: a vehicle without data cannot train).
    max_tries : int
        Redraws before giving up.

    Returns
    -------
    list of numpy.ndarray
        ``K`` disjoint, sorted index arrays into ``labels`` covering the whole pool.

    Raises
    ------
    ValueError
        If no draw in ``max_tries`` gives every vehicle ``min_samples``: lower ``n_vehicles``
        or ``min_samples``, or raise ``alpha``.
    """
    y = _check_labels("labels", labels)
    if y.ndim != 1:
        raise ValueError(f"labels must be a 1-d array of integer class labels, got shape {y.shape}")
    k = require_integer("n_vehicles", n_vehicles, 1)
    alpha = _check_alpha(alpha)
    require_generator("rng", rng)
    min_samples = require_integer("min_samples", min_samples, 1)
    max_tries = require_integer("max_tries", max_tries, 1, 10_000)
    if y.size < k * min_samples:
        raise ValueError(f"labels has {y.size} samples, fewer than n_vehicles * min_samples = {k * min_samples}")
    classes = np.unique(y)
    for _ in range(max_tries):
        parts: list[list[np.ndarray]] = [[] for _ in range(k)]
        for c in classes:
            idx = rng.permutation(np.flatnonzero(y == c))
            share = np.full(k, 1.0 / k) if alpha == np.inf else rng.dirichlet(np.full(k, alpha))
            cuts = np.round(np.cumsum(share)[:-1] * idx.size).astype(int)
            for v, piece in enumerate(np.split(idx, cuts)):
                parts[v].append(piece)
        out = [np.sort(np.concatenate(p)) for p in parts]
        if min(o.size for o in out) >= min_samples:
            return out
    raise ValueError(f"dirichlet_split left a vehicle with fewer than min_samples={min_samples} samples "
                     f"in {max_tries} draws (alpha={alpha:g}, n_vehicles={k}, {y.size} samples); "
                     "raise alpha or lower n_vehicles")


def check_partition(parts: Sequence, n_samples: int | None = None) -> list[np.ndarray]:
    """Check that every vehicle has data and (optionally) that the parts split ``range(n_samples)``.

    Raises
    ------
    ValueError
        If there are no parts, a part is empty, or (with ``n_samples``) parts overlap or miss samples.
    """
    if not isinstance(parts, (list, tuple)):
        raise TypeError(f"parts must be a list of index arrays (one per vehicle), got {parts!r:.60}")
    parts = [require_array(f"parts[{v}]", p, dtype=int, low=0, ndim=1) for v, p in enumerate(parts)]
    if len(parts) == 0:
        raise ValueError("parts must hold at least one vehicle's indices, got none")
    for v, p in enumerate(parts):
        if p.size == 0:
            raise ValueError(f"parts[{v}] is empty (vehicle {v} has no data); every vehicle needs >= 1 sample")
    if n_samples is not None:
        n_samples = require_integer("n_samples", n_samples, 1)
        allidx = np.concatenate(parts)
        if allidx.size != n_samples or not np.array_equal(np.sort(allidx), np.arange(n_samples)):
            raise ValueError(f"parts must split range(n_samples={n_samples}) exactly once each")
    return parts


def label_counts(labels_per_vehicle: Sequence, n_classes: int) -> np.ndarray:
    """Class histogram of each vehicle: ``counts[k, c]`` samples of class ``c`` at vehicle ``k``."""
    c = require_integer("n_classes", n_classes, 1)
    if not isinstance(labels_per_vehicle, (list, tuple)):
        raise TypeError(f"labels_per_vehicle must be a list of label arrays, got {labels_per_vehicle!r:.60}")
    out = np.zeros((len(labels_per_vehicle), c), dtype=int)
    for v, lab in enumerate(labels_per_vehicle):
        lab = _check_labels(f"labels_per_vehicle[{v}]", lab).ravel()
        if lab.size and lab.max() >= c:
            raise ValueError(f"labels_per_vehicle[{v}] must lie in 0..{c - 1} (n_classes={c}), got max {lab.max()}")
        out[v] = np.bincount(lab, minlength=c)
    return out


def label_skew(counts) -> float:
    """Mean total-variation distance between each vehicle's label mix and the pooled mix.

    ``(1 / K) sum_k (1/2) sum_c |q_kc - q_c|`` with ``q_kc = n_kc / n_k``, ``q_c = sum_k n_kc / N``.
    0 for identical mixes; approaches ``1 - 1/C`` when each vehicle holds a single class of ``C``
    balanced ones.
    """
    n = require_array("counts", counts, low=0.0)
    if n.ndim != 2 or np.any(n.sum(axis=1) <= 0):
        raise ValueError("counts must be a (vehicles, classes) array of counts with >= 1 sample per vehicle")
    q_k = n / n.sum(axis=1, keepdims=True)
    q = n.sum(axis=0) / n.sum()
    return float(0.5 * np.abs(q_k - q).sum(axis=1).mean())


def vehicle_camera_conditions(n_vehicles: int, spread: float, rng: np.random.Generator, *,
                              base: CameraConditions = CLEAR_DAY,
                              towards: Sequence[CameraConditions] = DEGRADED_CONDITIONS
                              ) -> list[CameraConditions]:
    """Give each vehicle its own camera (feature skew).

    Vehicle ``k`` picks one of ``towards`` at random and a degree ``t_k ~ U(0, spread)``; each
    field of its conditions is ``base + t_k (target - base)``. ``spread = 0`` gives every vehicle
    ``base``; ``spread = 1`` spreads vehicles all the way to night, rain and muddy plates.

    Parameters
    ----------
    n_vehicles : int
    spread : float
        In [0, 1].
    rng : numpy.random.Generator
    base : CameraConditions
        The undegraded camera (default: clear day).
    towards : sequence of CameraConditions
        Degraded conditions to move towards.

    Returns
    -------
    list of CameraConditions, length ``n_vehicles``
    """
    k = require_integer("n_vehicles", n_vehicles, 1)
    require_allocation(f"camera conditions of n_vehicles={k}", 1000.0 * k)
    spread = require_real("spread", spread, 0.0, 1.0)
    require_generator("rng", rng)
    require_instance("base", base, CameraConditions, "CameraConditions")
    if not isinstance(towards, (list, tuple)) or not all(isinstance(t, CameraConditions) for t in towards):
        raise TypeError(f"towards must be a sequence of CameraConditions, got {towards!r:.60}")
    if len(towards) == 0:
        raise ValueError("towards must hold at least one CameraConditions")
    which = rng.integers(0, len(towards), size=k)
    degree = rng.uniform(0.0, spread, size=k)
    names = [f.name for f in dataclasses.fields(CameraConditions)]
    out = []
    for v in range(k):
        target = towards[which[v]]
        values = {n: getattr(base, n) + degree[v] * (getattr(target, n) - getattr(base, n)) for n in names}
        out.append(CameraConditions(**values))
    return out


@dataclass(frozen=True, eq=False)
class FleetPlates:
    """The plates every vehicle captured (label and feature skew together).

    Attributes
    ----------
    images : list of numpy.ndarray, each (n_k, size, size)
        Vehicle ``k``'s training images (brightness, fraction of full scale).
    labels : list of numpy.ndarray, each (n_k,)
        Their class labels (indices into ``classes``).
    class_probabilities : numpy.ndarray, shape (K, C)
        The label mix each vehicle drew from (``Dir(alpha)``).
    conditions : list of CameraConditions
        Each vehicle's camera.
    classes : str
        The characters.
    """

    images: list
    labels: list
    class_probabilities: np.ndarray
    conditions: list
    classes: str

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles ``K``."""
        return len(self.labels)

    def label_counts(self) -> np.ndarray:
        """``(K, C)`` class histogram of the vehicles' data."""
        return label_counts(self.labels, len(self.classes))


def fleet_plates(n_vehicles: int, samples_per_vehicle, *, classes: str = "0123", alpha: float = np.inf,
                 camera_spread: float = 0.0, rng: np.random.Generator, size: int = 16) -> FleetPlates:
    """Let each vehicle capture its own plates: its label mix and its camera differ.

    Vehicle ``k`` draws ``q_k ~ Dir(alpha)`` (:func:`dirichlet_class_probabilities`), gets a
    camera from :func:`vehicle_camera_conditions` with ``camera_spread``, and captures
    ``samples_per_vehicle[k]`` images with :func:`qkit.data.plates.make_plates`.

    Parameters
    ----------
    n_vehicles : int
    samples_per_vehicle : int or sequence of int
        Images per vehicle (>= 1 each: a vehicle without data cannot train).
    classes : str
        Characters to tell apart.
    alpha : float
        Label-skew concentration (``numpy.inf``: IID labels).
    camera_spread : float
        Feature skew in [0, 1] (0: every camera on a clear day).
    rng : numpy.random.Generator
    size : int
        Image side (pixels).

    Returns
    -------
    FleetPlates
    """
    k = require_integer("n_vehicles", n_vehicles, 1)
    n = require_array("samples_per_vehicle", samples_per_vehicle, dtype=int, low=1, ndim=(0, 1))
    if n.ndim == 1 and n.shape != (k,):
        raise ValueError(f"samples_per_vehicle must be one count or one per vehicle ({k}), got shape {n.shape}")
    n = np.broadcast_to(n, (k,))
    _check_classes(classes)
    size = require_integer("size", size, 8, 64)
    alpha = _check_alpha(alpha)
    spread = require_real("camera_spread", camera_spread, 0.0, 1.0)
    require_generator("rng", rng)
    require_allocation(f"samples_per_vehicle={int(n.sum())} images in all of {size} x {size} pixels",
                       16.0 * float(n.sum()) * size * size)
    q = dirichlet_class_probabilities(k, len(classes), alpha, rng)
    conditions = vehicle_camera_conditions(k, spread, rng)
    images, labels = [], []
    for v in range(k):
        img, lab = make_plates(int(n[v]), classes, conditions[v], rng=rng, size=size,
                               class_probabilities=q[v])
        images.append(img)
        labels.append(lab)
    return FleetPlates(images, labels, q, conditions, classes)


@dataclass(frozen=True, eq=False)
class PlateTask:
    """The federated plate-recognition task: a fixed feature map, a held-out set, fleet settings.

    The server fits the feature map once on public clear-day plates and ships it with the model:
    a :class:`qkit.data.features.PCAAngles` (the ``n_features`` leading principal components of the
    pixels, each scaled from its 1st-99th percentile range to ``[0, pi]``, clipped), one encoding
    angle per qubit. Vehicles never share images; they only apply the map to their own.

    Attributes
    ----------
    classes : str
    feature_map : qkit.data.features.PCAAngles
        Fitted on the public plates.
    test_set : (X, y)
        Held-out clear-day plates, as features (rad) and labels.
    alpha, camera_spread, samples_per_vehicle, size
        Fleet settings used by :meth:`clients`.
    """

    classes: str
    feature_map: PCAAngles
    test_set: tuple
    alpha: float
    camera_spread: float
    samples_per_vehicle: int
    size: int

    def features(self, images) -> np.ndarray:
        """Encoding angles ``(n, n_features)`` in ``[0, pi]`` (rad) of images ``(n, size, size)``."""
        return self.feature_map.transform(images)

    def clients(self, n_vehicles: int, rng: np.random.Generator, *, alpha: float | None = None,
                camera_spread: float | None = None, held_out: int = 0):
        """Each vehicle's training data as :class:`qkit.fl.clients.ClientData` (features, labels).

        ``alpha`` and ``camera_spread`` override the task's label skew and camera spread. With
        ``held_out > 0`` every vehicle captures that many extra plates, kept as its own test set
        (drawn from its label mix and camera), and ``(clients, test_sets)`` is returned.
        """
        from qkit.fl.clients import ClientData

        extra = require_integer("held_out", held_out, 0)
        fleet = fleet_plates(n_vehicles, self.samples_per_vehicle + extra, classes=self.classes,
                             alpha=self.alpha if alpha is None else alpha,
                             camera_spread=self.camera_spread if camera_spread is None else camera_spread,
                             rng=rng, size=self.size)
        n = self.samples_per_vehicle
        feats = [self.features(img) for img in fleet.images]
        clients = [ClientData(f[:n], lab[:n]) for f, lab in zip(feats, fleet.labels)]
        if extra == 0:
            return clients
        return clients, [(f[n:], lab[n:]) for f, lab in zip(feats, fleet.labels)]


def plate_task(rng: np.random.Generator, *, classes: str = "0123", n_features: int = 4, alpha: float = 1.0,
               camera_spread: float = 0.3, samples_per_vehicle: int = 40, n_public: int = 2000,
               n_test: int = 400, size: int = 16) -> PlateTask:
    """Build the default federated task (see :class:`PlateTask`).

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the public plates (for the feature map) and the held-out test plates.
    classes : str
        Characters to tell apart.
    n_features : int
        Principal components kept = qubits of the QNN.
    alpha, camera_spread, samples_per_vehicle
        The fleet's label skew, camera spread and plates per vehicle.
    n_public, n_test : int
        Clear-day plates for fitting the feature map, and for the held-out test set.
    size : int
        Image side (pixels).
    """
    require_generator("rng", rng)
    _check_classes(classes)
    size = require_integer("size", size, 8, 64)
    d = require_integer("n_features", n_features, 1, size * size)
    n_public = require_integer("n_public", n_public, d + 1)
    n_test = require_integer("n_test", n_test, 1)
    alpha = _check_alpha(alpha)
    camera_spread = require_real("camera_spread", camera_spread, 0.0, 1.0)
    samples = require_integer("samples_per_vehicle", samples_per_vehicle, 1)
    require_allocation(f"n_public={n_public} + n_test={n_test} images of {size} x {size} pixels",
                       24.0 * (n_public + n_test) * size * size)
    public, _ = make_plates(n_public, classes, CLEAR_DAY, rng=rng, size=size)
    feature_map = PCAAngles(d).fit(public)
    test_images, test_labels = make_plates(n_test, classes, CLEAR_DAY, rng=rng, size=size)
    return PlateTask(classes, feature_map, (feature_map.transform(test_images), test_labels), alpha,
                     camera_spread, samples, size)

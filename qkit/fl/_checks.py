"""Argument checks shared by the modules of :mod:`qkit.fl` (private).

Each raises ``ValueError``/``TypeError`` naming the argument, its value and what is allowed.
Shared by :mod:`qkit.fl.channel`, :mod:`qkit.fl.partition` and :mod:`qkit.fl.rounds`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qkit._validate import require_array, require_choice, require_real
from qkit.data.plates import CHARACTERS

SCHEMES = ("qfl", "dqfl")
_MAX_RATE = 1000.0  # bit/s/Hz: 2**1000 - 1 still fits a float64


def _distances(value, name: str = "distance_m") -> np.ndarray:
    """Distances (m): real, >= 0; ``inf`` is allowed (nothing arrives from infinitely far)."""
    d = require_array(name, value, finite=False, unit="m")
    if np.any(np.isnan(d)) or np.any(d < 0):
        raise ValueError(f"{name} must be >= 0 metres (inf allowed), got {value!r:.80}")
    return d


def _rate(name: str, value) -> np.ndarray:
    return require_array(name, value, unit="bit/s/Hz").astype(float) if np.ndim(value) else \
        np.asarray(require_real(name, value, unit="bit/s/Hz"))


def _check_thresholds(thresholds) -> dict[str, float]:
    """``Channel.thresholds``: a dict with positive finite "base", "enhancement" and "qfl"."""
    if not isinstance(thresholds, dict):
        raise TypeError(f"thresholds must be a dict like Channel().thresholds, got {thresholds!r:.60}")
    missing = [k for k in ("base", "enhancement", "qfl") if k not in thresholds]
    if missing:
        raise ValueError(f"thresholds must have the keys 'base', 'enhancement' and 'qfl' "
                         f"(Channel.thresholds); missing {missing}")
    return {k: require_real(f"thresholds[{k!r}]", thresholds[k], 0.0, None, low_inclusive=False)
            for k in ("base", "enhancement", "qfl")}


def _check_split(scheme: str, power_split: float) -> float:
    """The scheme ("qfl"/"dqfl", case-sensitive) and ``lambda`` in (0, 1); 1.0 for "qfl"."""
    require_choice("scheme", scheme, SCHEMES)
    lam = _power_split(power_split)
    return 1.0 if scheme == "qfl" else lam


def _power_split(power_split) -> float:
    return require_real("power_split", power_split, 0.0, 1.0, low_inclusive=False, high_inclusive=False)


def _gain_snr(gain, mean_snr, gain_name: str = "gain") -> tuple[np.ndarray, np.ndarray]:
    g = require_array(gain_name, gain, low=0.0)
    rho = require_array("mean_snr", mean_snr, low=0.0)
    try:
        np.broadcast_shapes(g.shape, rho.shape)
    except ValueError:
        raise ValueError(f"{gain_name} {g.shape} and mean_snr {rho.shape} must broadcast together") from None
    return g, rho


def _check_channel(channel: Any, needs: tuple[str, ...]) -> Any:
    """A :class:`~qkit.fl.channel.Channel` (or anything with its ``reception`` method)."""
    if not all(callable(getattr(channel, name, None)) for name in needs):
        raise TypeError(f"channel must be a qkit.fl.channel.Channel or None (it needs {', '.join(needs)}), "
                        f"got {channel!r:.60}")
    return channel


def _check_test_sets(test_set) -> list:
    """``(X, y)`` or a list of them, each with as many labels as feature rows."""
    sets = test_set if isinstance(test_set, list) else [test_set]
    for k, item in enumerate(sets):
        if not isinstance(item, tuple) or len(item) != 2:
            raise TypeError(f"test_set must be a pair (X, y) or a list of them, got {item!r:.60}")
        X, y = require_array("test_set X", item[0], ndim=2), np.asarray(item[1])
        if y.shape != (X.shape[0],):
            raise ValueError(f"test_set y must hold one label per row of X ({X.shape[0]}), got shape {y.shape}")
    return sets


def _check_alpha(alpha: float, name: str = "alpha") -> float:
    """Dirichlet concentration: > 0, or ``numpy.inf`` for IID."""
    if isinstance(alpha, (float, np.floating)) and alpha == np.inf:
        return np.inf
    return require_real(name, alpha, 0.0, None, low_inclusive=False, unit="Dirichlet concentration; inf for IID")


def _check_classes(classes) -> str:
    """A non-empty string of distinct plate characters (``qkit.data.plates.CHARACTERS``)."""
    if not isinstance(classes, str):
        raise TypeError(f"classes must be a string of plate characters such as '0123', got {classes!r:.60}")
    if len(classes) < 1 or len(set(classes)) != len(classes) or not set(classes) <= set(CHARACTERS):
        raise ValueError(f"classes must be distinct characters from {CHARACTERS!r}, got {classes!r}")
    return classes


def _check_labels(name: str, labels) -> np.ndarray:
    """Integer class labels >= 0 (whole floats are refused: labels are counts of classes)."""
    arr = require_array(name, labels, dtype=int, low=0)
    if np.asarray(labels).dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class labels, got dtype {np.asarray(labels).dtype}")
    return arr

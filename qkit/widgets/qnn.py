"""Widgets of notebooks 07 (qubits and circuits) and 08 (a quantum classifier).

Each explorer wraps a pure ``*_view`` function defined here on top of the tested cores
(:mod:`qkit.qnn`, :mod:`qkit.data`); the tests call the views directly and drive the explorers
headlessly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_choice, require_in_range, require_integer
from qkit.data.features import PCAAngles, flatten_images
from qkit.data.plates import CLEAR_DAY, CameraConditions, make_plates
from qkit.qnn import gates
from qkit.qnn.noise import NoiseModel
from qkit.plots.qnn import (
    draw_measurement_axis,
    draw_noise_deployment,
    draw_pca,
    draw_plates,
    draw_rotation,
)
from qkit.widgets._explorer import Explorer

__all__ = [
    "STATES",
    "bloch_vector",
    "RotationView",
    "rotation_view",
    "rotation_explorer",
    "MeasurementAxisView",
    "measurement_axis_view",
    "measurement_axis_explorer",
    "PlateView",
    "plate_view",
    "plate_explorer",
    "PCAView",
    "pca_view",
    "pca_explorer",
    "NoiseDeploymentView",
    "noise_deployment_view",
    "noise_deployment_explorer",
]

_STYLE = {"description_width": "initial"}
_R = 1 / np.sqrt(2)

#: Named single-qubit states (amplitudes of |0> and |1>).
STATES = {
    "0": np.array([1, 0], dtype=complex),
    "1": np.array([0, 1], dtype=complex),
    "+": np.array([_R, _R], dtype=complex),
    "-": np.array([_R, -_R], dtype=complex),
    "+i": np.array([_R, 1j * _R], dtype=complex),
    "-i": np.array([_R, -1j * _R], dtype=complex),
}
_ROTATIONS = {"rx": gates.rx, "ry": gates.ry, "rz": gates.rz}
_AXES = {"Z": np.array([0.0, 0.0, 1.0]), "X": np.array([1.0, 0.0, 0.0]), "Y": np.array([0.0, 1.0, 0.0])}


def bloch_vector(state) -> np.ndarray:
    """Bloch vector ``(<X>, <Y>, <Z>)`` of single-qubit states.

    Parameters
    ----------
    state : array of shape (2,) or (2, batch)
        Amplitudes ``(a, b)`` of ``|0>`` and ``|1>``, normalised.

    Returns
    -------
    numpy.ndarray, shape (3,) or (3, batch)
        ``(2 Re(a* b), 2 Im(a* b), |a|^2 - |b|^2)``.
    """
    s = np.asarray(state, dtype=complex)
    if s.shape[:1] != (2,) or s.ndim > 2:
        raise ValueError(f"state must have shape (2,) or (2, batch), got {s.shape}")
    ab = np.conj(s[0]) * s[1]
    return np.stack([2 * ab.real, 2 * ab.imag, np.abs(s[0]) ** 2 - np.abs(s[1]) ** 2])


def _probability_plus(vector: np.ndarray, axis: np.ndarray) -> float:
    """P(+1) of a measurement along unit ``axis`` for Bloch ``vector``: ``(1 + n.r) / 2``."""
    return float(np.clip((1 + axis @ vector) / 2, 0.0, 1.0))


@dataclass(frozen=True, eq=False)
class RotationView:
    """A single-qubit rotation applied to a named state."""

    gate: str
    angle: float
    start_label: str
    matrix: np.ndarray  # (2, 2)
    start: np.ndarray  # Bloch vector (3,)
    end: np.ndarray
    path: np.ndarray  # (steps, 3): Bloch vectors for angles 0 .. angle
    probabilities: dict  # axis name -> P(+1)


def rotation_view(gate: str = "ry", angle: float = np.pi / 2, start: str = "0", steps: int = 61) -> RotationView:
    """``R_gate(angle)|start>`` and the path the Bloch vector takes as the angle grows from 0.

    Parameters
    ----------
    gate : {"rx", "ry", "rz"}
        Rotation about the x, y or z axis, ``exp(-i angle P / 2)``.
    angle : float
        Rotation angle (rad), in [-2 pi, 2 pi].
    start : str
        A key of :data:`STATES`.
    steps : int
        Points on the drawn path (>= 2).
    """
    require_choice("gate", gate, tuple(_ROTATIONS))
    require_choice("start", start, tuple(STATES))
    angle = float(require_in_range("angle", angle, -2 * np.pi, 2 * np.pi, unit="rad"))
    n = require_integer("steps", steps, 2)
    psi = STATES[start]
    matrices = _ROTATIONS[gate](np.linspace(0.0, angle, n))  # (2, 2, steps)
    path = bloch_vector(np.einsum("ijs,j->is", matrices, psi)).T
    matrix = _ROTATIONS[gate](angle)
    end = bloch_vector(matrix @ psi)
    probs = {name: _probability_plus(end, axis) for name, axis in _AXES.items()}
    return RotationView(gate, angle, start, matrix, bloch_vector(psi), end, path, probs)


def rotation_explorer(gate: str = "ry", angle: float = np.pi / 2, start: str = "0") -> Explorer:
    """Pick a rotation, an angle and a starting state; watch the Bloch vector move (notebook 07)."""
    return Explorer(
        {"gate": widgets.Dropdown(options=list(_ROTATIONS), value=gate, description="gate"),
         "angle": widgets.FloatSlider(value=angle, min=-2 * np.pi, max=2 * np.pi, step=0.05,
                                      description="angle (rad)", style=_STYLE),
         "start": widgets.Dropdown(options=list(STATES), value=start, description="start |.>", style=_STYLE)},
        compute=rotation_view, draw=draw_rotation, figsize=(8.5, 4.0),
        describe=lambda v: "Bloch vector (x, y, z) = (" + ", ".join(f"{c:+.3f}" for c in v.end) + ")",
    )


@dataclass(frozen=True, eq=False)
class MeasurementAxisView:
    """What measurements of ``RY(x)|0>`` along one axis reveal about the feature ``x``."""

    feature: float
    axis: np.ndarray  # unit vector (3,)
    features: np.ndarray  # grid over [0, pi]
    curve: np.ndarray  # <sigma_n> over the grid
    reference_curves: dict  # "Z", "X", "Y" -> curve
    probability_plus: float
    shots: int
    estimate: float
    estimate_error: float
    information: str  # "all of x", "x up to x <-> pi - x" style ambiguity, or "nothing"


def measurement_axis_view(feature: float = 1.0, axis_polar: float = 0.0, axis_azimuth: float = 0.0,
                          shots: int = 100, seed: int = 0) -> MeasurementAxisView:
    """Measure the angle-encoded state ``RY(x)|0>`` along the axis ``n(polar, azimuth)``.

    The state's Bloch vector is ``r(x) = (sin x, 0, cos x)``; a measurement along the unit
    vector ``n = (sin t cos f, sin t sin f, cos t)`` gives +1 with probability ``(1 + n.r) / 2``,
    so its mean is ``n.r(x) = sin t cos f sin x + cos t cos x``. Along Z that is ``cos x`` (one
    value per x in [0, pi]: x can be recovered), along X ``sin x`` (x and pi - x look the same)
    and along Y it is 0 for every x (nothing is revealed).

    Parameters
    ----------
    feature : float
        Encoded angle ``x`` (rad), in [0, pi].
    axis_polar, axis_azimuth : float
        Polar angle ``t`` in [0, pi] and azimuth ``f`` in [-pi, pi] of the axis (rad).
    shots : int
        Copies of the state measured (>= 1) for the finite-sample estimate.
    seed : int
        Seed of those shots.
    """
    x = float(require_in_range("feature", feature, 0.0, np.pi, unit="rad"))
    t = float(require_in_range("axis_polar", axis_polar, 0.0, np.pi, unit="rad"))
    f = float(require_in_range("axis_azimuth", axis_azimuth, -np.pi, np.pi, unit="rad"))
    m = require_integer("shots", shots, 1)
    rng = np.random.default_rng(require_integer("seed", seed, 0))
    n = np.array([np.sin(t) * np.cos(f), np.sin(t) * np.sin(f), np.cos(t)])
    grid = np.linspace(0.0, np.pi, 181)
    bloch = np.stack([np.sin(grid), np.zeros_like(grid), np.cos(grid)])
    curve = n @ bloch
    refs = {name: a @ bloch for name, a in _AXES.items()}
    p = _probability_plus(np.array([np.sin(x), 0.0, np.cos(x)]), n)
    estimate = 2 * rng.binomial(m, p) / m - 1
    spread = np.ptp(curve)
    steps = np.diff(curve)
    monotone = np.all(steps <= 1e-12) or np.all(steps >= -1e-12)
    if spread < 1e-9:
        info = "nothing about x (every x gives the same statistics)"
    elif monotone:
        info = "x itself (given enough copies)"
    else:
        info = "x only up to an ambiguity (two angles, same statistics)"
    return MeasurementAxisView(x, n, grid, curve, refs, p, m, float(estimate),
                               float(2 * np.sqrt(p * (1 - p) / m)), info)


def measurement_axis_explorer(feature: float = 1.0) -> Explorer:
    """Move the measurement axis and see what it reveals about an encoded feature (notebook 07)."""
    return Explorer(
        {"feature": widgets.FloatSlider(value=feature, min=0.0, max=np.pi, step=0.05,
                                        description="feature x (rad)", style=_STYLE),
         "axis_polar": widgets.FloatSlider(value=0.0, min=0.0, max=np.pi, step=0.05,
                                           description="axis polar angle (rad)", style=_STYLE),
         "axis_azimuth": widgets.FloatSlider(value=0.0, min=-np.pi, max=np.pi, step=0.05,
                                             description="axis azimuth (rad)", style=_STYLE),
         "shots": widgets.IntSlider(value=100, min=1, max=2000, step=1, description="copies measured",
                                    style=_STYLE)},
        compute=measurement_axis_view, draw=draw_measurement_axis, figsize=(9.0, 4.0),
        describe=lambda v: (f"P(+1) = {v.probability_plus:.3f}; estimate from {v.shots} copies "
                            f"{v.estimate:+.3f} +- {v.estimate_error:.3f}; this axis reveals {v.information}"),
    )


@dataclass(frozen=True, eq=False)
class PlateView:
    """A handful of plate characters seen by one camera."""

    images: np.ndarray
    labels: np.ndarray
    classes: str
    conditions: CameraConditions
    occluded_fraction: float


def plate_view(max_rotation_deg: float = 8.0, blur_sigma: float = 0.5, light_level: float = 1.0,
               noise_sigma: float = 0.03, occlusion_probability: float = 0.0, classes: str = "035689",
               n: int = 16, seed: int = 0) -> PlateView:
    """``n`` plates from :func:`qkit.data.make_plates` under the given camera (see
    :class:`qkit.data.CameraConditions` for the units); other settings as :data:`CLEAR_DAY`."""
    cond = replace(CLEAR_DAY, max_rotation_deg=max_rotation_deg, blur_sigma=blur_sigma,
                   light_level=light_level, noise_sigma=noise_sigma,
                   occlusion_probability=occlusion_probability)
    images, labels = make_plates(n, classes, cond, rng=require_integer("seed", seed, 0))
    clean, _ = make_plates(n, classes, replace(cond, occlusion_probability=0.0, noise_sigma=0.0),
                           rng=seed)
    noiseless, _ = make_plates(n, classes, replace(cond, noise_sigma=0.0), rng=seed)
    occluded = float(np.mean(np.any(np.abs(noiseless - clean) > 1e-12, axis=(1, 2)))) if n else 0.0
    return PlateView(images, labels, str(classes), cond, occluded)


def plate_explorer(classes: str = "035689") -> Explorer:
    """Sliders for a camera's conditions over a grid of plates (notebook 08)."""
    def slider(value, lo, hi, step, text):
        return widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=text, style=_STYLE)

    return Explorer(
        {"max_rotation_deg": slider(8.0, 0.0, 30.0, 1.0, "max rotation (deg)"),
         "blur_sigma": slider(0.5, 0.0, 2.5, 0.1, "blur sigma (px)"),
         "light_level": slider(1.0, 0.0, 1.5, 0.05, "light level"),
         "noise_sigma": slider(0.03, 0.0, 0.3, 0.01, "noise sigma"),
         "occlusion_probability": slider(0.0, 0.0, 1.0, 0.05, "occlusion probability")},
        compute=plate_view, draw=draw_plates, fixed={"classes": classes}, figsize=(8.0, 2.6),
        describe=lambda v: f"mean brightness {v.images.mean():.2f} of full scale",
    )


@dataclass(frozen=True, eq=False)
class PCAView:
    """Images rebuilt from their first principal components."""

    n_components: int
    originals: np.ndarray
    reconstructions: np.ndarray
    cumulative_variance: np.ndarray  # for 1 .. max_components
    variance_kept: float
    mean_squared_error: float  # over all the given images, per pixel


def pca_view(n_components: int, images: np.ndarray, n_show: int = 6, max_components: int = 32) -> PCAView:
    """Fit PCA to ``images`` and rebuild them from ``n_components`` components.

    Parameters
    ----------
    n_components : int
        Components kept, 1 .. ``max_components``.
    images : array of shape (n, h, w)
        Pixel brightness in [0, 1].
    n_show : int
        Images returned for display.
    max_components : int
        Length of the cumulative explained-variance curve.
    """
    arr = np.asarray(images, dtype=float)
    flat = flatten_images(arr)
    kmax = require_integer("max_components", max_components, 1, min(flat.shape))
    k = require_integer("n_components", n_components, 1, kmax)
    pca = PCAAngles(kmax).fit(flat)
    proj = pca.project(flat)[:, :k]
    rebuilt = pca.mean_ + proj @ pca.components_[:k]
    show = require_integer("n_show", n_show, 1, len(arr))
    cum = np.cumsum(pca.explained_variance_ratio_)
    return PCAView(k, arr[:show], np.clip(rebuilt[:show].reshape(arr[:show].shape), 0, 1), cum,
                   float(cum[k - 1]), float(np.mean((rebuilt - flat) ** 2)))


def pca_explorer(images: np.ndarray, n_components: int = 8) -> Explorer:
    """A slider for the number of principal components (= qubits) over rebuilt plates (notebook 08)."""
    return Explorer(
        {"n_components": widgets.IntSlider(value=n_components, min=1, max=32,
                                           description="components (qubits)", style=_STYLE)},
        compute=pca_view, draw=draw_pca, fixed={"images": images}, figsize=(9.0, 3.0),
        describe=lambda v: (f"{v.n_components} components keep {v.variance_kept:.1%} of the pixel "
                            f"variance; mean squared error {v.mean_squared_error:.4f} per pixel"),
    )


@dataclass(frozen=True, eq=False)
class NoiseDeploymentView:
    """A model trained on an ideal simulator, run on a noisy device."""

    depolarizing: float
    readout_error: float
    shots: int | None
    n_classes: int
    ideal: np.ndarray  # (exits,)
    noisy: np.ndarray  # (exits,)
    best_exit: int  # 1-based: layers before the best readout on the noisy device


def noise_deployment_view(model, params, features, labels, depolarizing: float = 0.1,
                          readout_error: float = 0.02, shots: int | None = 100,
                          seed: int = 0) -> NoiseDeploymentView:
    """Test accuracy of every exit of a trained model, ideal and under a :class:`NoiseModel`.

    The parameters are used as trained (no recalibration): this is a model trained on a
    simulator and deployed on a device with per-layer depolarising probability
    ``depolarizing``, bit-flip probability ``readout_error`` and ``shots`` measurements per
    image and exit (``None`` or 0: exact expectations).
    """
    shots = None if shots in (None, 0) else require_integer("shots", shots, 1)
    noise = NoiseModel(depolarizing, readout_error, shots)
    ideal = replace(model, noise=None).accuracy(params, features, labels)
    rng = np.random.default_rng(require_integer("seed", seed, 0))
    noisy = replace(model, noise=noise).accuracy(params, features, labels, rng)
    return NoiseDeploymentView(float(depolarizing), float(readout_error), shots, model.n_classes,
                               ideal, noisy, int(np.argmax(noisy)) + 1)


def noise_deployment_explorer(model, params, features, labels) -> Explorer:
    """Sliders for device noise under a trained model's exit accuracies (notebook 08)."""
    return Explorer(
        {"depolarizing": widgets.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.01,
                                             description="depolarising p per layer", style=_STYLE),
         "readout_error": widgets.FloatSlider(value=0.02, min=0.0, max=0.2, step=0.01,
                                              description="readout flip q", style=_STYLE),
         "shots": widgets.SelectionSlider(options=[("10", 10), ("30", 30), ("100", 100), ("300", 300),
                                                   ("1000", 1000), ("exact", 0)],
                                          value=100, description="shots", style=_STYLE)},
        compute=noise_deployment_view, draw=draw_noise_deployment,
        fixed={"model": model, "params": params, "features": features, "labels": labels},
        figsize=(7.0, 3.8),
        describe=lambda v: ("accuracy per exit on the device: "
                            + ", ".join(f"{a:.2f}" for a in v.noisy) + f"; best exit {v.best_exit}"),
    )

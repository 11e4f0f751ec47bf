"""Widgets of notebooks 08 (qubits and circuits) and 09 (a quantum classifier).

Each explorer wraps a pure ``*_view`` function defined here on top of the tested cores
(:mod:`qkit.qnn`, :mod:`qkit.data`); the tests call the views directly and drive the explorers
headlessly.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import ipywidgets as widgets
import numpy as np

from qkit._validate import require_array, require_choice, require_integer, require_real
from qkit.data.features import PCAAngles, flatten_images
from qkit.data.plates import CLEAR_DAY, CameraConditions, make_plates
from qkit.qnn import gates
from qkit.qnn.models import DynamicQNN
from qkit.qnn.noise import NoiseModel
from qkit.plots.qnn import (
    _copies,
    draw_measurement_axis,
    draw_noise_deployment,
    draw_pca,
    draw_plates,
    draw_rotation,
)
from qkit.plots.qnn_redraw import redraw_measurement_axis, redraw_noise_deployment, redraw_rotation
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
    "QUICK_IMAGES",
]

_STYLE = {"description_width": "initial"}

#: Test images of the noise-deployment explorer's quick first estimate (all of them follow).
QUICK_IMAGES = 200
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
    if state is None or isinstance(state, (str, bytes)):
        raise TypeError(f"state must be an array of amplitudes, got {state!r}")
    try:
        s = np.asarray(state)
    except ValueError:
        raise ValueError("state must be a rectangular array of complex amplitudes") from None
    if s.dtype.kind not in "biufc":
        raise TypeError(f"state must be an array of (complex) numbers, got dtype {s.dtype}")
    s = s.astype(complex)
    if s.shape[:1] != (2,) or s.ndim > 2:
        raise ValueError(f"state must have shape (2,) or (2, batch), got {s.shape}")
    norm = np.sum(np.abs(s) ** 2, axis=0)
    if not np.all(np.isfinite(norm)) or np.any(np.abs(norm - 1.0) > 1e-9):
        raise ValueError(f"state must be normalised (|a|^2 + |b|^2 = 1) and finite, got squared norms {norm}")
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
    angle = require_real("angle", angle, -2 * np.pi, 2 * np.pi, unit="rad")
    n = require_integer("steps", steps, 2, 10_000)
    psi = STATES[start]
    matrices = _ROTATIONS[gate](np.linspace(0.0, angle, n))  # (2, 2, steps)
    path = bloch_vector(np.einsum("ijs,j->is", matrices, psi)).T
    matrix = _ROTATIONS[gate](angle)
    end = bloch_vector(matrix @ psi)
    probs = {name: _probability_plus(end, axis) for name, axis in _AXES.items()}
    return RotationView(gate, angle, start, matrix, bloch_vector(psi), end, path, probs)


def rotation_explorer(gate: str = "ry", angle: float = np.pi / 2, start: str = "0") -> Explorer:
    """Pick a rotation, an angle and a starting state; watch the Bloch vector move (notebook 08)."""
    rotation_view(gate, angle, start, steps=2)  # refuses bad arguments, naming them
    return Explorer(
        {"gate": widgets.Dropdown(options=list(_ROTATIONS), value=gate, description="gate"),
         "angle": widgets.FloatSlider(value=angle, min=-2 * np.pi, max=2 * np.pi, step=0.05,
                                      description="angle (rad)", style=_STYLE),
         "start": widgets.Dropdown(options=list(STATES), value=start, description="start |.>", style=_STYLE)},
        compute=rotation_view, draw=draw_rotation, redraw=redraw_rotation, figsize=(8.5, 4.0),
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
    x = require_real("feature", feature, 0.0, np.pi, unit="rad")
    t = require_real("axis_polar", axis_polar, 0.0, np.pi, unit="rad")
    f = require_real("axis_azimuth", axis_azimuth, -np.pi, np.pi, unit="rad")
    m = require_integer("shots", shots, 1, 10**9)
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
    """Move the measurement axis and see what it reveals about an encoded feature (notebook 08)."""
    feature = require_real("feature", feature, 0.0, np.pi, unit="rad")
    return Explorer(
        {"feature": widgets.FloatSlider(value=feature, min=0.0, max=np.pi, step=0.05,
                                        description="feature x (rad)", style=_STYLE),
         "axis_polar": widgets.FloatSlider(value=0.0, min=0.0, max=np.pi, step=0.05,
                                           description="axis polar angle (rad)", style=_STYLE),
         "axis_azimuth": widgets.FloatSlider(value=0.0, min=-np.pi, max=np.pi, step=0.05,
                                             description="axis azimuth (rad)", style=_STYLE),
         "shots": widgets.IntSlider(value=100, min=1, max=2000, step=1, description="copies measured",
                                    style=_STYLE)},
        compute=measurement_axis_view, draw=draw_measurement_axis, redraw=redraw_measurement_axis,
        figsize=(9.0, 4.0),
        describe=lambda v: (f"P(+1) = {v.probability_plus:.3f}; {_copies(v.shots)}: "
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
    n = require_integer("n", n, 1, 10_000)
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
    """Sliders for a camera's conditions over a grid of plates (notebook 09)."""
    plate_view(classes=classes, n=1)  # refuses bad characters, naming classes
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


class _PCAFit:
    """PCA fitted once to a set of images; :meth:`view` rebuilds them from any number of components.

    The fit does not depend on the slider, so the explorer fits once and each change only
    projects (what keeps the slider quick).
    """

    def __init__(self, images, n_show: int = 6, max_components: int = 32) -> None:
        arr = require_array("images", images, ndim=3, low=0.0, high=1.0)
        if arr.shape[0] < 2:
            raise ValueError(f"images must have shape (n, h, w) with n >= 2, got {arr.shape}")
        flat = flatten_images(arr)
        self.max_components = require_integer("max_components", max_components, 1, min(flat.shape))
        self.n_show = require_integer("n_show", n_show, 1, len(arr))
        self.images = arr
        self.pca = PCAAngles(self.max_components).fit(flat)
        self.flat = flat
        self.projection = self.pca.project(flat)
        self.cumulative = np.cumsum(self.pca.explained_variance_ratio_)

    def view(self, n_components: int) -> PCAView:
        k = require_integer("n_components", n_components, 1, self.max_components)
        rebuilt = self.pca.mean_ + self.projection[:, :k] @ self.pca.components_[:k]
        shown = self.images[: self.n_show]
        return PCAView(k, shown, np.clip(rebuilt[: self.n_show].reshape(shown.shape), 0, 1),
                       self.cumulative, float(self.cumulative[k - 1]),
                       float(np.mean((rebuilt - self.flat) ** 2)))


def pca_view(n_components: int, images: np.ndarray, n_show: int = 6, max_components: int = 32) -> PCAView:
    """Fit PCA to ``images`` and rebuild them from ``n_components`` components.

    Parameters
    ----------
    n_components : int
        Components kept, 1 .. ``max_components``.
    images : array of shape (n, h, w)
        Pixel brightness in [0, 1], n >= 2.
    n_show : int
        Images returned for display.
    max_components : int
        Length of the cumulative explained-variance curve.
    """
    return _PCAFit(images, n_show, max_components).view(n_components)


def pca_explorer(images: np.ndarray, n_components: int = 8) -> Explorer:
    """A slider for the number of principal components (= qubits) over rebuilt plates (notebook 09).

    The PCA is fitted once, when the explorer is built; a change only projects.
    """
    arr = require_array("images", images, ndim=3, low=0.0, high=1.0)
    fit = _PCAFit(arr, min(6, len(arr)), min(32, len(arr), arr[0].size))
    k = require_integer("n_components", n_components, 1, fit.max_components)
    return Explorer(
        {"n_components": widgets.IntSlider(value=k, min=1, max=fit.max_components,
                                           description="components (qubits)")},
        compute=fit.view, draw=draw_pca, figsize=(9.0, 3.0),
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
    n_images: int = 0  # test images the noisy accuracies were measured on
    n_total: int = 0  # test images available (n_images < n_total: a quick estimate)

    @property
    def coarse(self) -> bool:
        """True for a quick estimate on the first ``n_images`` of the ``n_total`` test images."""
        return self.n_images < self.n_total


class _Deployment:
    """A trained model's ideal exit probabilities on a test set, computed once.

    Depolarising noise, readout flips and shots act on the readout probabilities only
    (:mod:`qkit.qnn.noise`), so every device setting reuses the one noiseless statevector run;
    :meth:`view` gives the same numbers as ``model.with_noise(noise).accuracy(...)`` with the
    same seed, in a fraction of the time.
    """

    def __init__(self, model, params, features, labels) -> None:
        if not isinstance(model, DynamicQNN):
            raise TypeError(f"model must be a qkit.qnn.DynamicQNN, got {type(model).__name__}")
        labels = require_array("labels", labels, ndim=1, dtype=int)
        self.model = model.with_noise(None)
        self.params = self.model.circuit.check_params(params)
        self.features = self.model.circuit.check_features(features, "features")
        self.labels = self.model._check_labels(labels, self.features.shape[0])
        self.probs, _ = self.model._exit_probabilities(self.params, self.features)
        self.ideal = self._accuracy(None, None)

    def _accuracy(self, noise: NoiseModel | None, rng, n_images: int | None = None) -> np.ndarray:
        model = self.model.with_noise(noise)
        hits = []
        for pk, k in zip(self.probs, model.exit_layers):
            scores = model._raw_scores(model._measured(pk[:, :n_images], k, rng, True))
            scale, bias = model._scale_bias(self.params, k)
            hits.append(np.mean(np.argmax(scores.T * scale + bias, axis=1) == self.labels[:n_images]))
        return np.array(hits)

    def view(self, depolarizing: float = 0.1, readout_error: float = 0.02, shots: int | None = 100,
             seed: int = 0, n_images: int | None = None) -> NoiseDeploymentView:
        """Accuracies on the device; on the first ``n_images`` test images only, if given."""
        shots = None if shots in (None, 0) else require_integer("shots", shots, 1)
        noise = NoiseModel(depolarizing, readout_error, shots)
        rng = np.random.default_rng(require_integer("seed", seed, 0))
        total = len(self.labels)
        used = total if n_images is None else min(require_integer("n_images", n_images, 1), total)
        noisy = self._accuracy(noise, rng, used)
        return NoiseDeploymentView(float(depolarizing), float(readout_error), shots, self.model.n_classes,
                                   self.ideal, noisy, int(np.argmax(noisy)) + 1, used, total)

    def quick_view(self, depolarizing: float = 0.1, readout_error: float = 0.02,
                   shots: int | None = 100, seed: int = 0) -> NoiseDeploymentView:
        """:meth:`view` on the first :data:`QUICK_IMAGES` test images (the explorer's coarse step)."""
        return self.view(depolarizing, readout_error, shots, seed, QUICK_IMAGES)


def noise_deployment_view(model, params, features, labels, depolarizing: float = 0.1,
                          readout_error: float = 0.02, shots: int | None = 100,
                          seed: int = 0) -> NoiseDeploymentView:
    """Test accuracy of every exit of a trained model, ideal and under a :class:`NoiseModel`.

    The parameters are used as trained (no recalibration): this is a model trained on a
    simulator and deployed on a device with per-layer depolarising probability
    ``depolarizing``, bit-flip probability ``readout_error`` and ``shots`` measurements per
    image and exit (``None`` or 0: exact expectations). Equal to
    ``model.with_noise(NoiseModel(depolarizing, readout_error, shots)).accuracy(params, features,
    labels, numpy.random.default_rng(seed))``.

    Parameters
    ----------
    model : qkit.qnn.DynamicQNN
        The architecture (its own noise model is ignored).
    params : array of shape (model.n_params,)
        Trained parameters.
    features : array of shape (batch, model.n_qubits)
        Encoding angles (rad) of the test images.
    labels : array of shape (batch,)
        Their classes, 0 .. n_classes - 1.
    depolarizing : float
        Depolarising probability per layer, in [0, 1].
    readout_error : float
        Bit-flip probability of each measured qubit, in [0, 0.5].
    shots : int or None
        Measurements per image and exit (>= 1), or None / 0 for exact expectations.
    seed : int
        Seed of the shots.
    """
    return _Deployment(model, params, features, labels).view(depolarizing, readout_error, shots, seed)


def noise_deployment_explorer(model, params, features, labels) -> Explorer:
    """Sliders for device noise under a trained model's exit accuracies (notebook 09).

    The noiseless statevector run happens once, when the explorer is built; a change of the
    sliders only applies the noise to its readout probabilities and draws the shots: at once on
    the first :data:`QUICK_IMAGES` test images (said in the text and the title), then on all of
    them in the background.
    """
    deployment = _Deployment(model, params, features, labels)
    return Explorer(
        {"depolarizing": widgets.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.01,
                                             description="depolarising p per layer"),
         "readout_error": widgets.FloatSlider(value=0.02, min=0.0, max=0.2, step=0.01,
                                              description="readout flip q"),
         "shots": widgets.SelectionSlider(options=[("10", 10), ("30", 30), ("100", 100), ("300", 300),
                                                   ("1000", 1000), ("exact", 0)],
                                          value=100, description="shots")},
        compute=deployment.quick_view, refine=deployment.view, draw=draw_noise_deployment,
        redraw=redraw_noise_deployment,
        figsize=(7.0, 3.8), describe=_describe_deployment,
    )


def _describe_deployment(v: NoiseDeploymentView) -> str:
    text = ("accuracy per exit on the device: " + ", ".join(f"{a:.2f}" for a in v.noisy)
            + f"; best exit {v.best_exit}")
    if v.coarse:
        text += f" (quick estimate from the first {v.n_images} of {v.n_total} test images)"
    return text

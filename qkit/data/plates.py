"""Synthetic licence-plate characters, as a vehicle camera sees them.

The public-safety scenario of the vehicular paper (Sec. IV-A) has every autonomous vehicle
recognise licence-plate characters with its camera and report top-1 accuracy. The paper names no
data set, so qkit renders its own: digits and a few capital letters, drawn from the three font
families matplotlib ships (DejaVu Sans, DejaVu Sans Mono, STIX), then degraded the way a moving
camera degrades them -- small rotations, shifts and changes of distance, blur, low light, sensor
noise and partial occlusion (mud, a tow bar). Each vehicle gets its own
:class:`CameraConditions`, so the federated chapters can give every vehicle a different feature
distribution (non-IID data) as well as a different label mix (``class_probabilities``).

How the glyphs are drawn (no pyplot, no GUI, no downloads)
----------------------------------------------------------
``matplotlib.textpath.TextPath`` turns a character of a TrueType file in matplotlib's own
``mpl-data/fonts/ttf`` folder into outline polygons (curves flattened by matplotlib). Each glyph is
rasterised once, on a fine grid, by an even-odd point-in-polygon test
(``matplotlib.path.Path.contains_points`` on each closed contour, combined by XOR so that the
holes of 0, 8, A, ... stay open), and box-averaged into an anti-aliased coverage map of
``GLYPH_RESOLUTION`` x ``GLYPH_RESOLUTION`` pixels. Matplotlib is imported lazily inside that one
function and only its font and path machinery is used; the glyph bank is cached per process.
Everything after that -- the random geometry, blur, exposure, noise and occlusion of thousands of
images -- is vectorised numpy on the cached bank.

Image model (per image, in this order)
--------------------------------------
1. coverage ``g(x, y)`` in [0, 1]: the glyph (its font's tallest glyph 72 % of the image side),
   rotated by ``U(-max_rotation_deg, +max_rotation_deg)`` (positive = clockwise as displayed),
   scaled by ``U(1 - max_scale_change, 1 + max_scale_change)`` and shifted by
   ``U(-max_shift, +max_shift)`` pixels in x and y (bilinear resampling, 2 x 2 supersampling);
2. reflectance ``r = PLATE_REFLECTANCE - (PLATE_REFLECTANCE - INK_REFLECTANCE) * g``: dark ink on
   a white plate;
3. occlusion: with probability ``occlusion_probability`` a rectangle whose sides are each
   uniform between half of and all of ``max_occlusion_fraction`` of the image side, at a uniform
   position inside the image, is painted with a uniform random reflectance in [0, 1];
4. blur: a Gaussian of standard deviation ``blur_sigma`` pixels (kernel truncated at 4 sigma and
   renormalised at the borders);
5. exposure: ``light_level * r`` (1 = a well-lit plate, 0 = darkness);
6. noise: additive Gaussian read noise of standard deviation ``noise_sigma`` (fraction of full
   scale), then clipping to the sensor's range [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from qkit._validate import (
    require_allocation,
    require_array,
    require_instance,
    require_integer,
    require_real,
)

__all__ = [
    "CameraConditions",
    "IDEAL",
    "CLEAR_DAY",
    "NIGHT",
    "RAIN",
    "MUDDY_PLATE",
    "PRESETS",
    "CHARACTERS",
    "FONTS",
    "GLYPH_RESOLUTION",
    "PLATE_REFLECTANCE",
    "INK_REFLECTANCE",
    "render_glyphs",
    "make_plates",
]

#: Characters the generator can draw: the ten digits and a few capital letters that are used on
#: plates in many countries (letters easily confused with digits, such as O and I, left out).
CHARACTERS = "0123456789ABCEHKMPTX"

#: Font families matplotlib ships, mapped to their TrueType files in ``mpl-data/fonts/ttf``.
FONTS = {
    "DejaVu Sans": "DejaVuSans.ttf",
    "DejaVu Sans Mono": "DejaVuSansMono.ttf",
    "STIX": "STIXGeneral.ttf",
}

#: Side of the cached high-resolution glyph coverage maps (pixels).
GLYPH_RESOLUTION = 48

#: Reflectance of the plate background and of the ink (fractions of full scale at light_level 1).
PLATE_REFLECTANCE = 0.9
INK_REFLECTANCE = 0.1

_GLYPH_HEIGHT = 0.72  # height of the tallest glyph of a font, as a fraction of the image side
_GLYPH_MAX_WIDTH = 0.9  # unless its widest glyph (STIX's M) would then exceed this
_SUPERSAMPLE = 2
_CHUNK = 4096


@dataclass(frozen=True)
class CameraConditions:
    """What one vehicle's camera does to a plate character.

    Parameters
    ----------
    max_rotation_deg : float
        Rotations are uniform in ``[-max_rotation_deg, +max_rotation_deg]`` (degrees, <= 45).
    max_shift : float
        Shifts are uniform in ``[-max_shift, +max_shift]`` in x and in y (output pixels).
    max_scale_change : float
        Scale factors are uniform in ``[1 - max_scale_change, 1 + max_scale_change]``
        (dimensionless, < 1): the plate's distance from the camera varies.
    blur_sigma : float
        Standard deviation of the Gaussian blur (output pixels; 0 = sharp).
    light_level : float
        Exposure relative to a well-lit plate (1); 0 is darkness, values above 1 saturate.
    noise_sigma : float
        Standard deviation of the additive Gaussian sensor noise (fraction of full scale).
    occlusion_probability : float
        Probability that an image has an occluding rectangle.
    max_occlusion_fraction : float
        Each side of the occluder is uniform in ``[max_occlusion_fraction / 2,
        max_occlusion_fraction]`` of the image side.
    """

    max_rotation_deg: float = 8.0
    max_shift: float = 1.0
    max_scale_change: float = 0.08
    blur_sigma: float = 0.5
    light_level: float = 1.0
    noise_sigma: float = 0.03
    occlusion_probability: float = 0.0
    max_occlusion_fraction: float = 0.4

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: store the checked floats once, here
        for name, low, high, unit in (
            ("max_rotation_deg", 0.0, 45.0, "degrees"),
            ("max_shift", 0.0, None, "pixels"),
            ("max_scale_change", 0.0, 1.0, ""),
            ("blur_sigma", 0.0, None, "pixels"),
            ("light_level", 0.0, None, "relative to a well-lit plate"),
            ("noise_sigma", 0.0, None, "fraction of full scale"),
            ("occlusion_probability", 0.0, 1.0, ""),
            ("max_occlusion_fraction", 0.0, 1.0, ""),
        ):
            value = require_real(name, getattr(self, name), low, high, unit=unit,
                                 high_inclusive=name != "max_scale_change")
            set_(self, name, value)


#: No degradation at all: centred, sharp, well-lit, noiseless glyphs (for tests and pictures).
IDEAL = CameraConditions(0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)
#: A good camera on a clear day: the default conditions.
CLEAR_DAY = CameraConditions()
#: Dusk or night: a quarter of the light, so the same read noise weighs four times as much.
NIGHT = CameraConditions(light_level=0.25, noise_sigma=0.05, blur_sigma=0.7)
#: Rain on the lens: strong blur, more jitter, some occlusion by drops and wipers.
RAIN = CameraConditions(max_rotation_deg=12.0, max_shift=1.5, blur_sigma=1.2, light_level=0.6,
                        noise_sigma=0.05, occlusion_probability=0.2, max_occlusion_fraction=0.35)
#: A dirty plate seen up close: frequent large occluders.
MUDDY_PLATE = CameraConditions(occlusion_probability=0.6, max_occlusion_fraction=0.5)

PRESETS = {
    "ideal": IDEAL,
    "clear day": CLEAR_DAY,
    "night": NIGHT,
    "rain": RAIN,
    "muddy plate": MUDDY_PLATE,
}


def _check_text(name: str, values: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    if isinstance(values, bytes) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a string or a sequence of strings, got {values!r}"[:200])
    values = tuple(values)
    if len(values) == 0:
        raise ValueError(f"{name} must not be empty; allowed: {', '.join(map(repr, allowed))}")
    for v in values:
        if not isinstance(v, str):
            raise TypeError(f"{name} must contain strings, one of {', '.join(map(repr, allowed))}; got {v!r}")
        if v not in allowed:
            raise ValueError(f"{name} must contain only {', '.join(map(repr, allowed))}; got {v!r}")
    if len(set(values)) != len(values):
        raise ValueError(f"{name} must not repeat an entry, got {values!r}")
    return values


@lru_cache(maxsize=16)
def _glyph_bank(classes: tuple[str, ...], fonts: tuple[str, ...], resolution: int) -> np.ndarray:
    # Lazy import: only matplotlib's font and path machinery, never pyplot or a backend.
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath

    oversample = 4
    fine = resolution * oversample
    centres = (np.arange(fine) + 0.5) / fine - 0.5  # glyph-box units, y pointing up below
    gx, gy = np.meshgrid(centres, -centres)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    bank = np.zeros((len(fonts), len(classes), resolution, resolution))
    for f, family in enumerate(fonts):
        prop = FontProperties(fname=f"{matplotlib.get_data_path()}/fonts/ttf/{FONTS[family]}")
        paths = [TextPath((0, 0), ch, size=100.0, prop=prop) for ch in classes]
        boxes = [p.get_extents() for p in paths]
        scale = min(_GLYPH_HEIGHT / max(b.height for b in boxes),
                    _GLYPH_MAX_WIDTH / max(b.width for b in boxes))
        for c, (path, box) in enumerate(zip(paths, boxes)):
            inside = np.zeros(len(points), dtype=bool)
            for contour in path.to_polygons():
                xy = (contour - [box.x0 + box.width / 2, box.y0 + box.height / 2]) * scale
                inside ^= Path(xy).contains_points(points)
            cover = inside.reshape(resolution, oversample, resolution, oversample).mean(axis=(1, 3))
            bank[f, c] = cover
    bank.setflags(write=False)
    return bank


def render_glyphs(
    classes: Sequence[str] = CHARACTERS,
    fonts: Sequence[str] = tuple(FONTS),
    resolution: int = GLYPH_RESOLUTION,
) -> np.ndarray:
    """Anti-aliased coverage maps of the clean glyphs (cached per process).

    Parameters
    ----------
    classes : sequence of str
        Characters, each one of :data:`CHARACTERS`.
    fonts : sequence of str
        Font families, each a key of :data:`FONTS`.
    resolution : int
        Side of each map (pixels, 8 to 256).

    Returns
    -------
    numpy.ndarray, shape (len(fonts), len(classes), resolution, resolution)
        Fraction of each pixel covered by ink, in [0, 1]; row 0 is the top. Read-only.
    """
    classes = _check_text("classes", classes, CHARACTERS)
    fonts = _check_text("fonts", fonts, tuple(FONTS))
    resolution = require_integer("resolution", resolution, 8, 256)
    return _glyph_bank(classes, fonts, resolution)


def _resample(bank: np.ndarray, index: np.ndarray, inverse: np.ndarray, shift: np.ndarray,
              size: int) -> np.ndarray:
    """Coverage of each output pixel: inverse affine map into the bank, bilinear, supersampled."""
    res = bank.shape[-1]
    padded = np.pad(bank.reshape(-1, res, res), ((0, 0), (1, 1), (1, 1))).reshape(-1)
    side = res + 2
    fine = size * _SUPERSAMPLE
    u = (np.arange(fine) + 0.5) / fine - 0.5  # image units, x right, y down
    px = u[None, None, :] - shift[:, 0, None, None]
    py = u[None, :, None] - shift[:, 1, None, None]
    qx = inverse[:, 0, 0, None, None] * px + inverse[:, 0, 1, None, None] * py
    qy = inverse[:, 1, 0, None, None] * px + inverse[:, 1, 1, None, None] * py
    sx = np.clip((qx + 0.5) * res - 0.5 + 1, 0, side - 1.000001)  # +1: the zero border
    sy = np.clip((qy + 0.5) * res - 0.5 + 1, 0, side - 1.000001)
    x0, y0 = np.floor(sx).astype(np.intp), np.floor(sy).astype(np.intp)
    wx, wy = sx - x0, sy - y0
    base = index[:, None, None] * side * side
    top = base + y0 * side + x0
    cover = ((1 - wy) * ((1 - wx) * padded[top] + wx * padded[top + 1])
             + wy * ((1 - wx) * padded[top + side] + wx * padded[top + side + 1]))
    return cover.reshape(-1, size, _SUPERSAMPLE, size, _SUPERSAMPLE).mean(axis=(2, 4))


def _blur_matrix(size: int, sigma: float) -> np.ndarray:
    """Row-normalised Gaussian blur matrix (pixels); ``B @ img @ B.T`` blurs an image."""
    if sigma == 0:
        return np.eye(size)
    d = np.arange(size)[:, None] - np.arange(size)[None, :]
    kernel = np.where(np.abs(d) <= 4 * sigma, np.exp(-0.5 * (d / sigma) ** 2), 0.0)
    return kernel / kernel.sum(axis=1, keepdims=True)


def _occlude(scene: np.ndarray, cond: CameraConditions, rng: np.random.Generator) -> None:
    n, size = scene.shape[0], scene.shape[1]
    hit = rng.random(n) < cond.occlusion_probability
    sides = rng.uniform(0.5, 1.0, size=(n, 2)) * cond.max_occlusion_fraction * size
    corner = rng.uniform(0, 1, size=(n, 2)) * (size - sides)
    shade = rng.uniform(0, 1, size=n)
    pix = np.arange(size) + 0.5
    in_x = (pix[None, :] >= corner[:, :1]) & (pix[None, :] < corner[:, :1] + sides[:, :1])
    in_y = (pix[None, :] >= corner[:, 1:]) & (pix[None, :] < corner[:, 1:] + sides[:, 1:])
    mask = hit[:, None, None] & in_y[:, :, None] & in_x[:, None, :]
    scene[mask] = np.broadcast_to(shade[:, None, None], scene.shape)[mask]


def _render_chunk(bank: np.ndarray, labels: np.ndarray, cond: CameraConditions, size: int,
                  rng: np.random.Generator) -> np.ndarray:
    n = labels.size
    n_fonts, n_classes = bank.shape[:2]
    font = rng.integers(0, n_fonts, size=n)
    angle = np.deg2rad(rng.uniform(-cond.max_rotation_deg, cond.max_rotation_deg, size=n))
    scale = rng.uniform(1 - cond.max_scale_change, 1 + cond.max_scale_change, size=n)
    shift = rng.uniform(-cond.max_shift, cond.max_shift, size=(n, 2)) / size
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    inverse = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
    cover = _resample(bank, font * n_classes + labels, inverse, shift, size)
    scene = PLATE_REFLECTANCE - (PLATE_REFLECTANCE - INK_REFLECTANCE) * cover
    if cond.occlusion_probability > 0 and cond.max_occlusion_fraction > 0:
        _occlude(scene, cond, rng)
    blur = _blur_matrix(size, cond.blur_sigma)
    image = cond.light_level * (blur @ scene @ blur.T)
    if cond.noise_sigma > 0:
        image += rng.normal(0.0, cond.noise_sigma, size=image.shape)
    return np.clip(image, 0.0, 1.0)


def make_plates(
    n: int,
    classes: Sequence[str] = "0123",
    conditions: CameraConditions = CLEAR_DAY,
    *,
    rng: np.random.Generator | int,
    size: int = 16,
    fonts: Sequence[str] = tuple(FONTS),
    class_probabilities: Sequence[float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` plate-character images as one vehicle's camera sees them.

    Parameters
    ----------
    n : int
        Number of images (>= 0).
    classes : sequence of str
        The characters to tell apart, each one of :data:`CHARACTERS`; label ``k`` is
        ``classes[k]``. A string such as ``"0123"`` works.
    conditions : CameraConditions
        The vehicle's camera (see the module docstring for the image model).
    rng : numpy.random.Generator or int
        Source of every random draw (an int is used as a seed).
    size : int
        Side of the square images (pixels, 8 to 64).
    fonts : sequence of str
        Font families to draw from (each image picks one uniformly), keys of :data:`FONTS`.
    class_probabilities : sequence of float, optional
        Probability of each class (label skew across vehicles); uniform by default.

    Returns
    -------
    images : numpy.ndarray, shape (n, size, size), float in [0, 1]
        Pixel brightness (fraction of the sensor's full scale); row 0 is the top.
    labels : numpy.ndarray, shape (n,), int
        Index into ``classes`` of each image.

    Examples
    --------
    >>> from qkit.data import make_plates, NIGHT
    >>> images, labels = make_plates(1000, classes="0178", conditions=NIGHT, rng=1)
    >>> images.shape
    (1000, 16, 16)
    >>> sorted(set(labels.tolist()))
    [0, 1, 2, 3]
    """
    n = require_integer("n", n, 0)
    size = require_integer("size", size, 8, 64)
    require_instance("conditions", conditions, CameraConditions, "CameraConditions (e.g. qkit.data.CLEAR_DAY)")
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(require_integer("rng", rng, 0))
    require_allocation(f"n={n} images of {size} x {size} pixels", 8.0 * n * size * size
                       + 64.0 * min(n, _CHUNK) * (size * _SUPERSAMPLE) ** 2)
    n_classes = len(_check_text("classes", classes, CHARACTERS))
    if class_probabilities is None:
        probs = np.full(n_classes, 1.0 / n_classes)
    else:
        probs = require_array("class_probabilities", class_probabilities, low=0.0, high=1.0)
        if probs.shape != (n_classes,) or not np.isclose(probs.sum(), 1.0, rtol=0, atol=1e-9):
            raise ValueError(f"class_probabilities must hold {n_classes} probabilities summing "
                             f"to 1, got {class_probabilities!r}")
    bank = render_glyphs(classes, fonts)
    labels = rng.choice(n_classes, size=n, p=probs / probs.sum())
    images = np.empty((n, size, size))
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        images[start:stop] = _render_chunk(bank, labels[start:stop], conditions, size, rng)
    return images, labels

"""qkit.data: synthetic licence-plate characters and their reduction to rotation angles.

- :mod:`qkit.data.plates` -- :func:`make_plates` renders digits and a few letters from the fonts
  matplotlib ships, as one vehicle's camera sees them (:class:`CameraConditions` and presets).
- :mod:`qkit.data.features` -- :class:`PCAAngles`: PCA to the qubit count, fitted on training
  images only, then scaled to rotation angles in [0, pi].

Importing this package does not import matplotlib: the glyphs are rendered (with matplotlib's
font and path machinery only) on the first call to :func:`make_plates` or :func:`render_glyphs`.
"""

from qkit.data.features import PCAAngles, flatten_images
from qkit.data.plates import (
    CHARACTERS,
    CLEAR_DAY,
    FONTS,
    IDEAL,
    MUDDY_PLATE,
    NIGHT,
    PRESETS,
    RAIN,
    CameraConditions,
    make_plates,
    render_glyphs,
)

__all__ = [
    "CHARACTERS",
    "CLEAR_DAY",
    "FONTS",
    "IDEAL",
    "MUDDY_PLATE",
    "NIGHT",
    "PRESETS",
    "RAIN",
    "CameraConditions",
    "PCAAngles",
    "flatten_images",
    "make_plates",
    "render_glyphs",
]

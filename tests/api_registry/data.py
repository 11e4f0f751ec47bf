"""Registry cases for ``qkit.data`` (plate characters and their PCA angles).

See ``__init__.py`` beside this file for the format.
"""

import numpy as np

from api_registry import Case
from qkit.data import CLEAR_DAY, PCAAngles, make_plates

_IMAGES = make_plates(40, "01", rng=0, size=8)[0]


def _fitted() -> PCAAngles:
    return PCAAngles(3).fit(_IMAGES)


CASES = [
    Case("qkit.data.plates.CameraConditions",
         kwargs=dict(max_rotation_deg=8.0, max_shift=1.0, max_scale_change=0.08, blur_sigma=0.5, light_level=1.0,
                     noise_sigma=0.03, occlusion_probability=0.1, max_occlusion_fraction=0.4),
         bad={"max_rotation_deg": [60.0, -1.0], "max_shift": [-1.0], "max_scale_change": [1.0],
              "blur_sigma": [-0.5], "light_level": [-1.0], "noise_sigma": [-0.1],
              "occlusion_probability": [1.5], "max_occlusion_fraction": [-0.1]}),
    Case("qkit.data.plates.render_glyphs", args=("01", ("DejaVu Sans",), 16),
         bad={"classes": ["0Z", "00", "", [0, 1], None], "fonts": [("Comic Sans",), None, ()],
              "resolution": [4, 512]}),
    Case("qkit.data.plates.make_plates", args=(10, "01", CLEAR_DAY), kwargs=dict(rng=0, size=8),
         bad={"n": [-1, 10**7, 10**12], "classes": ["0Z", [1, 2]], "conditions": ["night", None],
              "rng": [0.5, -1, "seed", None], "size": [4, 65], "class_probabilities": [[0.5, 0.6], [0.5], [True, False]]}),
    # rng: an int seed is as valid as a Generator (the registry's "float" kind is refused: 1.5 is no seed)
    Case("qkit.data.plates.make_plates", id="make_plates with a Generator",
         make=lambda: ((6, "01"), {"rng": np.random.default_rng(1), "size": 8, "class_probabilities": [0.25, 0.75]}),
         bad={"class_probabilities": [[0.5, 0.4], [-0.5, 1.5]]}),
    Case("qkit.data.features.flatten_images", args=(_IMAGES,),
         bad={"images": [np.ones(5), np.full((2, 3, 3), np.nan), np.ones((2, 2), bool)]}),
    Case("qkit.data.features.PCAAngles", args=(3, (0.0, np.pi), 0.01),
         bad={"n_components": [0, 2.5], "angle_range": [(np.pi, 0.0), (0.0,), (0.0, np.inf)],
              "clip_quantile": [0.5, -0.1]}),
    Case("qkit.data.features.PCAAngles.fit", instance=lambda: PCAAngles(3), args=(_IMAGES,),
         bad={"images": [_IMAGES[:1], np.ones(5)]}),
    Case("qkit.data.features.PCAAngles.fit_transform", instance=lambda: PCAAngles(3), args=(_IMAGES,),
         bad={"images": [_IMAGES[:1]]}),
    Case("qkit.data.features.PCAAngles.project", instance=_fitted, args=(_IMAGES[:4],),
         bad={"images": [np.ones((2, 5, 5))]}),
    Case("qkit.data.features.PCAAngles.transform", instance=_fitted, args=(_IMAGES[:4],),
         bad={"images": [np.ones((2, 5, 5))]}),
    Case("qkit.data.features.PCAAngles.reconstruct", instance=_fitted, args=(np.full((2, 3), 1.0),),
         bad={"angles": [np.ones((2, 4)), 1.0]}),
]

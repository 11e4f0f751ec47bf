import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from qkit.data import plates
from qkit.data.plates import (
    CHARACTERS,
    CLEAR_DAY,
    IDEAL,
    INK_REFLECTANCE,
    PLATE_REFLECTANCE,
    PRESETS,
    CameraConditions,
    make_plates,
    render_glyphs,
)


def test_shapes_range_and_labels():
    images, labels = make_plates(300, "0178", CLEAR_DAY, rng=0, size=12)
    assert images.shape == (300, 12, 12) and images.dtype == float
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert labels.shape == (300,) and labels.dtype.kind == "i"
    assert set(np.unique(labels)) == {0, 1, 2, 3}


def test_reproducible_from_seed_or_generator():
    a, la = make_plates(50, "0123", PRESETS["rain"], rng=7)
    b, lb = make_plates(50, "0123", PRESETS["rain"], rng=np.random.default_rng(7))
    c, _ = make_plates(50, "0123", PRESETS["rain"], rng=8)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert not np.allclose(a, c)


def test_glyph_holes_stay_open_and_strokes_are_inked():
    bank = render_glyphs("08", ("DejaVu Sans",), 48)
    assert bank.shape == (1, 2, 48, 48)
    assert bank.min() >= 0.0 and bank.max() <= 1.0
    zero = bank[0, 0]
    assert zero[24, 24] == 0.0  # the counter of the 0 (even-odd fill)
    assert zero[24, :24].max() == 1.0  # its left stroke
    eight = bank[0, 1]
    assert eight[14, 24] == 0.0 and eight[33, 24] == 0.0  # both loops of the 8 are open
    assert eight[24, 24] > 0.5  # the waist is inked
    assert not bank.flags.writeable


def test_all_characters_render_distinct_and_same_height():
    bank = render_glyphs(CHARACTERS)
    flat = bank.reshape(bank.shape[0], bank.shape[1], -1)
    for f in range(bank.shape[0]):
        dist = np.linalg.norm(flat[f, :, None] - flat[f, None, :], axis=-1)
        assert np.all(dist[~np.eye(len(CHARACTERS), dtype=bool)] > 1.0)
    inked_rows = (bank > 0.5).any(axis=3).sum(axis=2)  # glyph height in pixels
    assert inked_rows.max() <= round(0.72 * 48) + 1 and inked_rows.min() >= 0.6 * 48


def test_ideal_camera_is_the_clean_glyph():
    images, labels = make_plates(40, "017", IDEAL, rng=1, size=16, fonts=("DejaVu Sans Mono",))
    for k in range(3):  # no randomness but the label: every image of a class is the same
        same = images[labels == k]
        np.testing.assert_allclose(same, np.broadcast_to(same[0], same.shape), atol=1e-12)
    np.testing.assert_allclose(images[:, 0, 0], PLATE_REFLECTANCE, atol=1e-12)
    assert images.min() < INK_REFLECTANCE + 0.05  # fully inked pixels exist


def test_integer_shift_moves_the_image():
    bank = render_glyphs("4", ("DejaVu Sans",))
    identity = np.eye(2)[None]
    base = plates._resample(bank, np.array([0]), identity, np.zeros((1, 2)), 16)[0]
    moved = plates._resample(bank, np.array([0]), identity, np.array([[2.0, -1.0]]) / 16, 16)[0]
    np.testing.assert_allclose(moved[:-1, 2:], base[1:, :-2], atol=1e-12)  # right 2, up 1


def test_rotation_by_90_degrees_turns_the_pixel_grid_clockwise():
    bank = render_glyphs("7", ("DejaVu Sans",))
    c, s = 0.0, 1.0
    inverse = np.array([[[c, s], [-s, c]]])
    base = plates._resample(bank, np.array([0]), np.eye(2)[None], np.zeros((1, 2)), 16)[0]
    turned = plates._resample(bank, np.array([0]), inverse, np.zeros((1, 2)), 16)[0]
    np.testing.assert_allclose(turned, np.rot90(base, k=-1), atol=1e-9)


def test_blur_matrix_conserves_light():
    b = plates._blur_matrix(16, 1.3)
    np.testing.assert_allclose(b.sum(axis=1), 1.0)
    flat = np.full((16, 16), 0.37)
    np.testing.assert_allclose(b @ flat @ b.T, flat)
    np.testing.assert_array_equal(plates._blur_matrix(5, 0.0), np.eye(5))


def test_blur_smooths_images():
    sharp, _ = make_plates(100, "0123", IDEAL, rng=2)
    soft, _ = make_plates(100, "0123", replace(IDEAL, blur_sigma=1.0), rng=2)
    assert np.abs(np.diff(soft, axis=2)).mean() < 0.7 * np.abs(np.diff(sharp, axis=2)).mean()
    np.testing.assert_allclose(soft.mean(), sharp.mean(), rtol=0.02)


def test_darkness_and_saturation_are_exact():
    dark, _ = make_plates(20, "01", replace(CLEAR_DAY, light_level=0.0, noise_sigma=0.0), rng=3)
    np.testing.assert_array_equal(dark, 0.0)
    bright, _ = make_plates(20, "01", replace(IDEAL, light_level=20.0), rng=3)
    np.testing.assert_array_equal(bright, 1.0)


def test_light_level_scales_the_scene():
    full, _ = make_plates(30, "35", replace(CLEAR_DAY, noise_sigma=0.0), rng=4)
    dim, _ = make_plates(30, "35", replace(CLEAR_DAY, noise_sigma=0.0, light_level=0.25), rng=4)
    np.testing.assert_allclose(dim, 0.25 * full, atol=1e-12)


def test_noise_has_the_stated_standard_deviation():
    sigma = 0.02
    clean, _ = make_plates(2000, "0", IDEAL, rng=5)
    noisy, _ = make_plates(2000, "0", replace(IDEAL, noise_sigma=sigma), rng=5)
    residual = (noisy - clean)[:, :3, :3].ravel()  # plate corner: 0.9 +- 0.06 is never clipped
    se = sigma / np.sqrt(2 * (residual.size - 1))
    assert abs(residual.std() - sigma) < 5 * se
    assert abs(residual.mean()) < 5 * sigma / np.sqrt(residual.size)


def test_occluder_is_one_rectangle():
    base = replace(CLEAR_DAY, noise_sigma=0.0, blur_sigma=0.0)
    clean, _ = make_plates(200, "0123", base, rng=6)
    hidden, _ = make_plates(200, "0123", replace(base, occlusion_probability=1.0,
                                                  max_occlusion_fraction=0.5), rng=6)
    changed = np.abs(hidden - clean) > 1e-12
    assert changed.any(axis=(1, 2)).mean() > 0.8  # nearly every image got an occluder
    for m in changed:
        if m.any():
            rows, cols = np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))
            assert rows.size <= 8 and cols.size <= 8  # sides <= half of 16 pixels
            box = np.zeros_like(m)
            box[rows.min():rows.max() + 1, cols.min():cols.max() + 1] = True
            assert not (m & ~box).any()
    never, _ = make_plates(200, "0123", replace(base, occlusion_probability=0.0), rng=6)
    np.testing.assert_array_equal(never, clean)


def test_label_skew():
    _, only = make_plates(100, "0123", rng=0, class_probabilities=[0, 0, 1, 0])
    np.testing.assert_array_equal(only, 2)
    _, labels = make_plates(20000, "0123", rng=0, class_probabilities=[0.1, 0.2, 0.3, 0.4])
    freq = np.bincount(labels, minlength=4) / labels.size
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=5 * np.sqrt(0.25 / 20000))


def test_zero_images():
    images, labels = make_plates(0, "01", rng=0)
    assert images.shape == (0, 16, 16) and labels.shape == (0,)


def test_many_images_in_chunks_match_shapes():
    images, labels = make_plates(plates._CHUNK + 5, "0123456789", PRESETS["night"], rng=9, size=8)
    assert images.shape == (plates._CHUNK + 5, 8, 8) and np.isfinite(images).all()
    assert images[-5:].std() > 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(max_rotation_deg=60.0), "max_rotation_deg must satisfy 0 <= max_rotation_deg <= 45"),
    (dict(blur_sigma=-1.0), "blur_sigma must satisfy 0 <= blur_sigma"),
    (dict(light_level=float("nan")), "light_level must be finite"),
    (dict(occlusion_probability=1.5), "occlusion_probability must satisfy"),
    (dict(max_scale_change=1.0), "max_scale_change must satisfy"),
])
def test_bad_conditions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        CameraConditions(**kwargs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="classes must contain only"):
        make_plates(5, "0Z", rng=0)
    with pytest.raises(ValueError, match="classes must not repeat"):
        make_plates(5, "00", rng=0)
    with pytest.raises(ValueError, match="fonts must contain only"):
        make_plates(5, "01", rng=0, fonts=("Comic Sans",))
    with pytest.raises(ValueError, match="n must satisfy 0 <= n"):
        make_plates(-1, "01", rng=0)
    with pytest.raises(ValueError, match="size must satisfy 8 <= size <= 64"):
        make_plates(5, "01", rng=0, size=4)
    with pytest.raises(TypeError, match="conditions must be a CameraConditions"):
        make_plates(5, "01", "night", rng=0)
    with pytest.raises(ValueError, match="class_probabilities must hold 2 probabilities"):
        make_plates(5, "01", rng=0, class_probabilities=[0.5, 0.6])
    with pytest.raises(ValueError, match="rng must be a whole number"):
        make_plates(5, "01", rng=0.5)
    with pytest.raises(TypeError):
        make_plates(5, "01")  # no rng: no hidden global randomness


def test_presets_are_frozen_and_named():
    assert set(PRESETS) == {"ideal", "clear day", "night", "rain", "muddy plate"}
    with pytest.raises(AttributeError):
        PRESETS["night"].light_level = 1.0  # type: ignore[misc]


def test_no_pyplot_or_backend_is_imported():
    code = ("import sys, qkit.data as d; assert 'matplotlib' not in sys.modules; "
            "d.make_plates(3, '01', rng=0); "
            "bad = [m for m in sys.modules if m.startswith(('matplotlib.pyplot', "
            "'matplotlib.backends.backend_'))]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)

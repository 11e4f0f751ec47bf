"""Widgets of notebooks 08 and 09 and the pure views under them."""

from dataclasses import replace

import numpy as np
import pytest

from qkit.data import make_plates
from qkit.qnn import DynamicQNN, NoiseModel, gates
from qkit.qnn import statevector as sv
from qkit.widgets.qnn import (
    STATES,
    bloch_vector,
    measurement_axis_explorer,
    measurement_axis_view,
    noise_deployment_explorer,
    noise_deployment_view,
    pca_explorer,
    pca_view,
    plate_explorer,
    plate_view,
    rotation_explorer,
    rotation_view,
)


def test_bloch_vectors_of_the_six_named_states():
    expected = {"0": (0, 0, 1), "1": (0, 0, -1), "+": (1, 0, 0), "-": (-1, 0, 0),
                "+i": (0, 1, 0), "-i": (0, -1, 0)}
    for name, vec in expected.items():
        np.testing.assert_allclose(bloch_vector(STATES[name]), vec, atol=1e-15)
    batch = np.stack([STATES["0"], STATES["+i"]], axis=1)
    np.testing.assert_allclose(bloch_vector(batch), [[0, 0], [0, 1], [1, 0]], atol=1e-15)
    with pytest.raises(ValueError, match="state must have shape"):
        bloch_vector(np.ones(4))


def test_bloch_vector_is_the_pauli_expectation():
    rng = np.random.default_rng(0)
    psi = rng.normal(size=2) + 1j * rng.normal(size=2)
    psi /= np.linalg.norm(psi)
    paulis = (gates.PAULI_X, gates.PAULI_Y, gates.PAULI_Z)
    np.testing.assert_allclose(bloch_vector(psi), [np.real(psi.conj() @ P @ psi) for P in paulis], atol=1e-14)


def test_rotation_view_quarter_turns():
    v = rotation_view("ry", np.pi / 2, "0")
    np.testing.assert_allclose(v.end, [1, 0, 0], atol=1e-12)  # RY(pi/2)|0> = |+>
    assert np.isclose(v.probabilities["Z"], 0.5) and np.isclose(v.probabilities["X"], 1.0)
    v = rotation_view("rx", np.pi / 2, "0")
    np.testing.assert_allclose(v.end, [0, -1, 0], atol=1e-12)  # RX(pi/2)|0> points along -y
    v = rotation_view("rz", 1.3, "0")  # |0> is on the z axis: RZ leaves it there
    np.testing.assert_allclose(v.path, np.tile([0, 0, 1], (v.path.shape[0], 1)), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(rotation_view("rx", 2.0, "+i").path, axis=1), 1.0)
    np.testing.assert_allclose(v.matrix, gates.rz(1.3))
    with pytest.raises(ValueError, match="gate must be one of"):
        rotation_view("h", 1.0)
    with pytest.raises(ValueError, match="angle must satisfy"):
        rotation_view("rx", 10.0)


def test_rotation_explorer_follows_controls():
    ex = rotation_explorer()
    ex.controls["gate"].value = "rx"
    ex.controls["angle"].value = np.pi
    np.testing.assert_allclose(ex.result.end, [0, 0, -1], atol=1e-12)
    assert "-1.000" in ex.text


def test_measurement_axis_view_z_x_y():
    z = measurement_axis_view(1.0, axis_polar=0.0)
    np.testing.assert_allclose(z.curve, np.cos(z.features), atol=1e-12)
    assert np.isclose(z.probability_plus, (1 + np.cos(1.0)) / 2) and z.information.startswith("x itself")
    x = measurement_axis_view(1.0, axis_polar=np.pi / 2, axis_azimuth=0.0)
    np.testing.assert_allclose(x.curve, np.sin(x.features), atol=1e-12)
    assert "ambiguity" in x.information
    y = measurement_axis_view(1.0, axis_polar=np.pi / 2, axis_azimuth=np.pi / 2, shots=4000)
    np.testing.assert_allclose(y.curve, 0.0, atol=1e-12)
    assert y.information.startswith("nothing") and np.isclose(y.probability_plus, 0.5)
    assert abs(y.estimate) < 5 * y.estimate_error  # 4000 fair coins


def test_measurement_axis_estimate_agrees_with_exact():
    v = measurement_axis_view(0.7, axis_polar=0.3, shots=100000, seed=3)
    exact = 2 * v.probability_plus - 1
    assert abs(v.estimate - exact) < 5 * v.estimate_error / 2 + 1e-12
    with pytest.raises(ValueError, match="feature must satisfy 0 <= feature"):
        measurement_axis_view(4.0)


def test_measurement_axis_matches_the_statevector_simulator():
    x = 1.1
    psi = sv.angle_encode(np.array([[x]]))[:, 0]
    t, f = 1.0, 0.4
    n = np.array([np.sin(t) * np.cos(f), np.sin(t) * np.sin(f), np.cos(t)])
    sigma_n = n[0] * gates.PAULI_X + n[1] * gates.PAULI_Y + n[2] * gates.PAULI_Z
    v = measurement_axis_view(x, t, f)
    assert np.isclose(2 * v.probability_plus - 1, np.real(psi.conj() @ sigma_n @ psi))


def test_measurement_axis_explorer():
    ex = measurement_axis_explorer()
    ex.controls["axis_polar"].value = np.pi / 2
    ex.controls["axis_azimuth"].value = 1.55
    assert "nothing" not in ex.text  # azimuth 1.55 is not exactly Y: a sliver of X remains
    np.testing.assert_allclose(ex.result.axis[1], np.sin(1.55))


def test_plate_view_matches_generator_and_counts_occluders():
    v = plate_view(max_rotation_deg=0.0, blur_sigma=0.0, light_level=1.0, noise_sigma=0.0,
                   occlusion_probability=0.0, classes="01", n=8, seed=2)
    assert v.images.shape == (8, 16, 16) and v.occluded_fraction == 0.0
    again, labels = make_plates(8, "01", v.conditions, rng=2)
    np.testing.assert_array_equal(v.images, again)
    np.testing.assert_array_equal(v.labels, labels)
    hidden = plate_view(occlusion_probability=1.0, n=40, seed=1)
    assert hidden.occluded_fraction > 0.8
    dark = plate_view(light_level=0.0, noise_sigma=0.0, n=4)
    np.testing.assert_array_equal(dark.images, 0.0)


def test_plate_explorer_follows_sliders():
    ex = plate_explorer()
    ex.controls["light_level"].value = 0.25
    assert ex.result.conditions.light_level == 0.25
    assert ex.result.images.mean() < 0.3
    (ax,) = ex.figure.axes  # one mosaic of the 16 plates, captioned with their characters
    assert [t.get_text() for t in ax.texts] == [f"'{ex.result.classes[k]}'" for k in ex.result.labels]
    shown = ax.images[0].get_array()
    assert shown.shape == (2 * 16 + 1, 8 * 16 + 7) and np.ma.count_masked(shown) == 33 * 135 - 16 * 256
    np.testing.assert_array_equal(shown[:16, 17:33], ex.result.images[1])


def test_pca_view_reconstruction_improves_with_components():
    images, _ = make_plates(200, "0178", rng=0, size=12)
    errors = [pca_view(k, images, max_components=20).mean_squared_error for k in (1, 4, 12, 20)]
    assert all(a > b for a, b in zip(errors, errors[1:]))
    v = pca_view(4, images, max_components=20)
    assert v.reconstructions.shape == (6, 12, 12) and v.cumulative_variance.shape == (20,)
    assert np.isclose(v.variance_kept, v.cumulative_variance[3])
    # the mean squared error is the variance left out: (1 - kept) * total variance per pixel
    total = images.reshape(200, -1).var(axis=0).sum() / 144
    assert np.isclose(v.mean_squared_error, (1 - v.variance_kept) * total, rtol=1e-9)
    with pytest.raises(ValueError, match="n_components must satisfy 1 <= n_components <= 20"):
        pca_view(25, images, max_components=20)


def test_pca_explorer():
    images, _ = make_plates(100, "0178", rng=0)
    ex = pca_explorer(images)
    ex.controls["n_components"].value = 3
    assert ex.result.n_components == 3 and "3 components keep" in ex.text


@pytest.fixture(scope="module")
def small_model():
    rng = np.random.default_rng(0)
    model = DynamicQNN(n_qubits=3, n_layers=3, n_classes=3)
    params = model.init_params(rng)
    X = rng.uniform(0, np.pi, (60, 3))
    y = rng.integers(0, 3, 60)
    return model, params, X, y


def test_noise_deployment_view_matches_model_accuracy(small_model):
    model, params, X, y = small_model
    v = noise_deployment_view(model, params, X, y, depolarizing=0.0, readout_error=0.0, shots=None)
    np.testing.assert_array_equal(v.ideal, model.accuracy(params, X, y))
    np.testing.assert_array_equal(v.noisy, v.ideal)  # no noise, exact: the same classifier
    v = noise_deployment_view(model, params, X, y, depolarizing=0.2, readout_error=0.05, shots=50, seed=4)
    noisy_model = replace(model, noise=NoiseModel(0.2, 0.05, 50))
    np.testing.assert_array_equal(v.noisy, noisy_model.accuracy(params, X, y, np.random.default_rng(4)))
    assert v.best_exit == int(np.argmax(v.noisy)) + 1


def test_full_depolarisation_gives_a_constant_guess(small_model):
    model, params, X, y = small_model
    v = noise_deployment_view(model, params, X, y, depolarizing=1.0, readout_error=0.0, shots=0)
    # every readout is the maximally mixed state: all <Z> = 0, the logits are the biases (all 0),
    # argmax picks class 0 for every image
    np.testing.assert_allclose(v.noisy, np.mean(y == 0))


def test_noise_deployment_explorer(small_model):
    ex = noise_deployment_explorer(*small_model)
    ex.controls["shots"].value = 0
    assert ex.result.shots is None
    ex.controls["depolarizing"].value = 0.3
    assert ex.result.depolarizing == 0.3 and "best exit" in ex.text


def test_noise_deployment_explorer_is_quick_then_exact(small_model):
    model, params, X, y = small_model
    big_X, big_y = np.tile(X, (5, 1)), np.tile(y, 5)  # 300 images: more than the quick 200
    ex = noise_deployment_explorer(model, params, big_X, big_y)
    assert ex.wait(60)
    ex.controls["depolarizing"].value = 0.25
    quick = ex.result
    assert quick.coarse and quick.n_images == 200 and quick.n_total == 300
    assert "quick estimate from the first 200 of 300" in ex.text
    assert ex.wait(60) and not ex.result.coarse and "quick" not in ex.text
    exact = noise_deployment_view(model, params, big_X, big_y, depolarizing=0.25)
    np.testing.assert_array_equal(ex.result.noisy, exact.noisy)
    np.testing.assert_array_equal(
        quick.noisy, noise_deployment_view(model, params, big_X[:200], big_y[:200], depolarizing=0.25).noisy)


def _rgba(figure) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def _redrawn_equals_fresh(draw, redraw, first, second) -> None:
    """Draw ``first``, move ``second`` onto it in place: same pixels as ``second`` drawn anew."""
    from matplotlib.figure import Figure

    moved, fresh = Figure(figsize=(9.0, 4.0)), Figure(figsize=(9.0, 4.0))
    draw(moved, first)
    assert redraw(moved, second) is True
    draw(fresh, second)
    assert np.array_equal(_rgba(moved), _rgba(fresh))


def test_in_place_redraws_of_notebook_08_equal_fresh_draws():
    from qkit.plots.qnn import draw_measurement_axis, draw_rotation
    from qkit.plots.qnn_redraw import redraw_measurement_axis, redraw_rotation

    _redrawn_equals_fresh(draw_rotation, redraw_rotation, rotation_view("ry", 1.0, "0"),
                          rotation_view("rx", -5.0, "+i"))
    _redrawn_equals_fresh(draw_measurement_axis, redraw_measurement_axis,
                          measurement_axis_view(0.3, 0.0, 0.0, 10, 0),
                          measurement_axis_view(2.9, 1.2, -2.0, 2000, 3))


def test_rotation_redraw_keeps_one_pair_of_arrows_and_refuses_foreign_figures():
    from matplotlib.figure import Figure

    from qkit.plots.qnn_redraw import redraw_measurement_axis, redraw_noise_deployment, redraw_rotation

    ex = rotation_explorer()
    for angle in (0.0, 1.0, -6.0, 6.2):
        ex.controls["angle"].value = angle
    assert len(ex.figure.axes[0].collections) == 2  # the start and end arrows, not one per change
    assert ex.figure.axes[0].get_title() == "RY(6.20 rad) on |0>"
    blank = Figure()
    for redraw, view in ((redraw_rotation, rotation_view()),
                         (redraw_measurement_axis, measurement_axis_view(1.0, 0.0, 0.0, 10, 0))):
        assert redraw(blank, view) is False and not blank.axes
    with pytest.raises(TypeError, match="view"):
        redraw_noise_deployment(blank, object())


def test_move_errorbar_refuses_horizontal_errors():
    from matplotlib.figure import Figure

    from qkit.plots.qnn_redraw import _move_errorbar

    ax = Figure().add_subplot()
    container = ax.errorbar([1.0], [2.0], xerr=[0.5])
    assert _move_errorbar(container, [1.0], [3.0], [0.1]) is False
    assert list(container[0].get_ydata()) == [2.0]
    capped = ax.errorbar([1.0, 2.0], [2.0, 0.5], yerr=[0.5, 0.25], capsize=3)
    assert _move_errorbar(capped, [1.0, 2.0], [1.0, 0.0], [0.25, 0.5]) is True
    assert list(capped[1][0].get_ydata()) == [0.75, -0.5] and list(capped[1][1].get_ydata()) == [1.25, 0.5]

"""Registry cases for ``qkit.widgets`` (the Explorer, chapters 06-13) and the matching
``qkit.plots`` modules (see ``__init__.py`` beside this file)."""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from api_registry import Case
from qkit.data import make_plates
from qkit.fl.channel import Channel
from qkit.qrng.pixel import PIXEL_1
from qkit.qnn.models import DynamicQNN


def _fig():
    return Figure()


def _ax():
    return Figure().add_subplot()


def _slider():
    return {"x": widgets.FloatSlider(value=1.0, min=0.0, max=2.0, description="x")}


def _compute(x):
    return x


def _draw(fig, result):
    fig.add_subplot().set_title(f"{result}")


_IMAGES, _LABELS = make_plates(12, "01", rng=0, size=8)
_STATE = np.array([0.6, 0.8])


def _model():
    return DynamicQNN(2, 2, 2)


def _deployment_args():
    rng = np.random.default_rng(0)
    model = _model()
    return model, model.init_params(rng), rng.uniform(0, np.pi, (6, 2)), np.array([0, 1, 0, 1, 1, 0])


_TRACE = []
_ESTIMATOR = {}


def _estimator(kind):
    """Small estimator views, built once (they run the NIST estimators)."""
    from qkit.widgets import estimators

    if kind not in _ESTIMATOR:
        _ESTIMATOR[kind] = {
            "view": lambda: estimators.estimator_view(625.0, 7000),
            "trend": lambda: estimators.sample_size_trend((7000, 8000)),
            "drift": lambda: estimators.drift_view(625.0, 300.0, 2, 100),
            "perfect": lambda: estimators.perfect_source_estimates((7000, 8000), (1,)),
        }[kind]()
    return _ESTIMATOR[kind]


def _trace():
    if not _TRACE:
        from qkit.fl.scenario import Scenario, simulate

        _TRACE.append(simulate(Scenario(), 3, np.random.default_rng(0)))
    return _TRACE[0]


def _view(name):
    """A view built by its widget function, for the draw functions' cases."""
    from qkit.widgets import fl, fl_channel, fl_scenario, qnn

    builders = {
        "rotation": lambda: qnn.rotation_view("ry", 1.0, "0"),
        "axis": lambda: qnn.measurement_axis_view(1.0),
        "plates": lambda: qnn.plate_view(n=4),
        "pca": lambda: qnn.pca_view(2, _IMAGES, n_show=3, max_components=4),
        "deployment": lambda: qnn.noise_deployment_view(*_deployment_args()),
        "label_mix": lambda: fl.label_mix_view(0.0, n_vehicles=3),
        "angles": lambda: fl.angle_mean_view(2.8, -2.8),
        "reception": lambda: fl.reception_view(0.8, 1),
        "uplink": lambda: fl_channel.uplink_view(400.0, 23.0, 0.8),
        "map": lambda: fl_scenario.map_view(_trace(), 1),
    }
    return builders[name]()


def _draw_case(target, view_name):
    return Case(target, make=lambda: ((_fig(), _view(view_name)), {}))


def _history():
    from qkit.fl.rounds import FederatedHistory

    r, k = 2, 3
    return FederatedHistory(
        scheme="dqfl", block_names=("base", "enhancement"), arrived=np.ones((r, k, 2), bool),
        accuracy=np.full((r + 1, 2), 0.5), test_loss=np.ones(r + 1), train_loss=np.ones(r),
        bits_sent=np.ones(r), bits_delivered=np.ones(r), updated=np.ones(r, bool), notes=("", ""),
        params=np.zeros(4), client_local=None, timings={})


def _fleet():
    from qkit.fl.partition import fleet_plates

    return fleet_plates(3, 4, classes="01", rng=np.random.default_rng(0), size=8)


_ROWS = [("QNN", 40, [0.6, 0.7], "quantum"), ("MLP", 400, [0.8, 0.82], "classical")]

CASES = [
    # --- the Explorer ----------------------------------------------------------------------
    Case("qkit.widgets.Explorer", make=lambda: ((_slider(), _compute, _draw), {"refine": _compute}),
         bad={"controls": [{}, {"x": 3.0}, [widgets.FloatSlider()]], "refine": ["fast"]}),
    Case("qkit.widgets.Explorer.wait", instance=lambda: _explorer_with_refine(), kwargs={"timeout": 5.0},
         bad={"timeout": [-1.0]}),
    # --- chapter 08-09 views and explorers -------------------------------------------------
    Case("qkit.widgets.qnn.bloch_vector", args=(_STATE,), allow={"state": ("complex",)},  # amplitudes are complex
         bad={"state": [np.ones(3), np.array([1.0, 1.0]), np.zeros((2, 2, 2))]}),
    Case("qkit.widgets.qnn.rotation_view", kwargs=dict(gate="rx", angle=1.0, start="+", steps=5),
         bad={"angle": [7.0], "steps": [1]}),
    Case("qkit.widgets.qnn.rotation_explorer", kwargs=dict(gate="rx", angle=1.0, start="+"),
         bad={"angle": [7.0]}),
    Case("qkit.widgets.qnn.measurement_axis_view",
         kwargs=dict(feature=1.0, axis_polar=0.5, axis_azimuth=0.3, shots=10, seed=1),
         bad={"feature": [-0.1, 4.0], "axis_polar": [4.0], "shots": [0]}),
    Case("qkit.widgets.qnn.measurement_axis_explorer", kwargs=dict(feature=1.0), bad={"feature": [4.0]}),
    Case("qkit.widgets.qnn.plate_view",
         kwargs=dict(max_rotation_deg=5.0, blur_sigma=0.5, light_level=1.0, noise_sigma=0.03,
                     occlusion_probability=0.1, classes="01", n=4, seed=0),
         bad={"blur_sigma": [-1.0], "occlusion_probability": [1.5], "n": [0], "classes": [""]}),
    Case("qkit.widgets.qnn.plate_explorer", kwargs=dict(classes="035689"), bad={"classes": ["", "0Z"]},
),
    Case("qkit.widgets.qnn.pca_view", args=(2, _IMAGES), kwargs=dict(n_show=3, max_components=4),
         bad={"n_components": [0, 5], "images": [np.zeros((1, 8, 8)), np.zeros((4, 8))], "n_show": [0, 13]}),
    Case("qkit.widgets.qnn.pca_explorer", args=(_IMAGES,), kwargs=dict(n_components=3),
         bad={"n_components": [0, 99]}),
    Case("qkit.widgets.qnn.noise_deployment_view", make=lambda: (_deployment_args(), dict(
        depolarizing=0.1, readout_error=0.02, shots=10, seed=0)),
         bad={"depolarizing": [1.5], "readout_error": [0.6], "shots": [-3], "labels": [np.array([0, 1, 2, 0, 1, 0])],
              "model": ["qnn"]}),
    Case("qkit.widgets.qnn.noise_deployment_explorer", make=lambda: (_deployment_args(), {}),
         bad={"features": [np.zeros((6, 3))]}),
    # --- chapter 10-13 views and explorers -------------------------------------------------
    Case("qkit.widgets.fl.label_mix_view", args=(0.5,),
         kwargs=dict(n_vehicles=3, seed=1, classes="012", samples_per_vehicle=20),
         allow={"classes": ("unknown",)},  # any distinct characters name classes
         bad={"log10_alpha": [-4.0], "n_vehicles": [0], "classes": ["", "00"], "samples_per_vehicle": [0]}),
    Case("qkit.widgets.fl.label_mix_explorer", kwargs=dict(log10_alpha=0.5, n_vehicles=4),
         bad={"log10_alpha": [5.0], "n_vehicles": [0]}),
    Case("qkit.widgets.fl.angle_mean_view", args=(1.0, -2.0), kwargs=dict(samples_1=2, samples_2=3),
         bad={"theta_1": [4.0], "samples_1": [0], "theta_2": [-1.0 - np.pi]}),
    Case("qkit.widgets.fl.angle_mean_explorer"),
    Case("qkit.widgets.fl.reception_view", args=(0.7, 1),
         kwargs=dict(params_per_layer=(24, 24, 24), exit_params=8, bits_per_parameter=16, max_distance_m=800.0,
                     channel=Channel()),
         bad={"power_split": [0.0, 1.0], "boundary": [0, 3], "params_per_layer": [(24,), (24, -1)],
              "max_distance_m": [5.0]}),
    Case("qkit.widgets.fl.reception_explorer", kwargs=dict(params_per_layer=(24, 24, 24), exit_params=8),
         bad={"params_per_layer": [(24,)], "exit_params": [-1]}),
    Case("qkit.widgets.fl_channel.uplink_view", args=(400.0, 23.0, 0.8),
         kwargs=dict(channel=Channel(), max_distance_m=1000.0),
         bad={"distance_m": [-1.0, 2000.0], "power_split": [0.0, 1.0], "max_distance_m": [0.5]}),
    Case("qkit.widgets.fl_channel.uplink_explorer",
         kwargs=dict(distance_m=400.0, transmit_power_dbm=23.0, power_split=0.8, channel=Channel()),
         bad={"distance_m": [5000.0], "power_split": [0.0], "transmit_power_dbm": [90.0]}),
    Case("qkit.widgets.fl_scenario.map_view", make=lambda: ((_trace(), 1), dict(
        channel=Channel(), power_split=0.8, arrived=np.ones((3, _trace().distances.shape[1], 2), bool),
        sent=np.ones((3, _trace().distances.shape[1]), bool), ring_probabilities=(0.9, 0.5))),
         bad={"round_index": [-1, 3], "arrived": [np.ones((3, 1, 2), bool)], "ring_probabilities": [(1.5,)]},
         timeout=20.0),
    Case("qkit.widgets.fl_scenario.spread_colocated", args=(np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 1.0]]), 2.0),
         bad={"xy": [np.zeros(3)], "radius_m": [-1.0]}),
    Case("qkit.widgets.fl_scenario.uplink_outcome", args=(np.array([[True, False], [True, True]]),),
         kwargs=dict(sent=np.array([True, False])),
         bad={"arrived": [np.ones((2, 3), bool)], "sent": [np.ones(3, bool)]}),
    Case("qkit.widgets.fl_scenario.scenario_explorer", make=lambda: ((_trace(),), dict(
        channel=Channel(), power_split=0.8, arrived=None, sent=None)), timeout=20.0),
    # --- chapter 06: the estimators' widgets and figures (functions of helper A1) ------------
    Case("qkit.widgets.estimators.chip_symbols", args=(625.0, 640), kwargs=dict(seed=1, pixel=PIXEL_1),
         bad={"mean_photoelectrons": [-1.0], "n_samples": [0], "pixel": ["PIXEL_1"]}),
    Case("qkit.widgets.estimators.estimator_view", kwargs=dict(mean_photoelectrons=625.0, n_samples=7000, seed=0,
                                                               pixel=PIXEL_1),
         bad={"mean_photoelectrons": [-5.0], "n_samples": [0]}, timeout=30.0),
    Case("qkit.widgets.estimators.coarse_estimator_view",
         kwargs=dict(mean_photoelectrons=625.0, n_samples=7000, seed=0, pixel=PIXEL_1),
         bad={"mean_photoelectrons": [-5.0], "n_samples": [0]}, timeout=30.0),
    Case("qkit.widgets.estimators.sample_size_trend", kwargs=dict(sizes=(7000, 8000), mean_photoelectrons=625.0,
                                                                  seed=0, pixel=PIXEL_1),
         bad={"sizes": [(0,), ()], "mean_photoelectrons": [-5.0]}, timeout=60.0),
    Case("qkit.widgets.estimators.drift_view", kwargs=dict(start=625.0, stop=300.0, segments=2, frames_per_segment=100,
                                                           seed=0, pixel=PIXEL_1),
         bad={"segments": [0], "frames_per_segment": [10], "start": [-1.0]}, timeout=60.0),
    Case("qkit.widgets.estimators.estimator_explorer", kwargs=dict(n_samples=20_000, mean_photoelectrons=625.0, seed=0),
         bad={"n_samples": [123], "mean_photoelectrons": [626.0], "seed": [10, -1]}, timeout=60.0),
    Case("qkit.widgets.estimators.perfect_source_estimates", kwargs=dict(sizes=(7000, 8000), seeds=(1,)),
         bad={"sizes": [(6000,), ()], "seeds": [(-1,)]}, timeout=30.0),
    Case("qkit.plots.estimators.draw_estimator_bars", make=lambda: ((_fig(), _estimator("view")), {}), timeout=30.0),
    Case("qkit.plots.estimators.redraw_estimator_bars", make=lambda: ((_fig(), _estimator("view")), {}),
         timeout=30.0),  # False: a figure draw_estimator_bars did not draw
    Case("qkit.plots.estimators.draw_sample_size_trend", make=lambda: ((_fig(), _estimator("trend")), {}),
         timeout=60.0),
    Case("qkit.plots.estimators.draw_drift", make=lambda: ((_fig(), _estimator("drift")), {}), timeout=60.0),
    Case("qkit.plots.estimators.draw_perfect_source", make=lambda: ((_fig(), _estimator("perfect")), {}),
         bad={"predicted": [[0.9]]}, timeout=30.0),
    # --- figures ---------------------------------------------------------------------------
    Case("qkit.plots.use_style"),
    Case("qkit.plots.mark_paper_value", make=lambda: ((_ax(), 0.98, "paper: 0.98"), {"axis": "x"}),
         allow={"label": ("unknown",)},  # any legend text is a label
         bad={"axis": ["z"]}),
    Case("qkit.plots.qnn.draw_bloch_sphere", make=lambda: ((Figure().add_subplot(projection="3d"),), {}),
         bad={"ax": [_ax]}),
    _draw_case("qkit.plots.qnn.draw_rotation", "rotation"),
    _draw_case("qkit.plots.qnn.draw_measurement_axis", "axis"),
    _draw_case("qkit.plots.qnn.draw_plates", "plates"),
    _draw_case("qkit.plots.qnn.draw_pca", "pca"),
    _draw_case("qkit.plots.qnn.draw_noise_deployment", "deployment"),
    # in-place updates (each returns False on a figure its draw_* did not draw)
    _draw_case("qkit.plots.qnn_redraw.redraw_rotation", "rotation"),
    _draw_case("qkit.plots.qnn_redraw.redraw_measurement_axis", "axis"),
    _draw_case("qkit.plots.qnn_redraw.redraw_noise_deployment", "deployment"),
    Case("qkit.plots.qnn.plot_plate_grid", make=lambda: ((_fig(), _IMAGES[:4], _LABELS[:4], "01"),
                                                          dict(ncols=2, title="plates")),
         allow={"classes": ("unknown",), "title": ("unknown",)},  # any characters; any title text
         bad={"ncols": [0], "labels": [np.array([0, 1, 2, 0])], "images": [np.zeros((4, 8))]}),
    Case("qkit.plots.qnn.mosaic", args=(_IMAGES[:5], 3), kwargs=dict(gap=1),
         bad={"ncols": [0], "gap": [-1], "images": [np.zeros((0, 8, 8)), np.zeros((4, 8))]}),
    Case("qkit.plots.qnn.plot_exit_accuracy", make=lambda: ((_ax(), np.array([[0.5, 0.6], [0.55, 0.65]])),
                                                             dict(label="QNN", chance=0.5)),
         allow={"label": ("unknown",)},  # any legend text
         bad={"accuracy": [np.array([0.5, 1.5]), np.zeros((2, 0))], "chance": [2.0]}),
    Case("qkit.plots.qnn.plot_parameter_efficiency", make=lambda: ((_ax(), _ROWS), dict(chance=0.5)),
         bad={"rows": [[("QNN", 40, [0.6], "other")], [("QNN", -1, [0.6], "quantum")], []], "chance": [-0.1]}),
    _draw_case("qkit.plots.fl.draw_label_mix", "label_mix"),
    _draw_case("qkit.plots.fl.redraw_label_mix", "label_mix"),  # in place; False on a foreign figure
    _draw_case("qkit.plots.fl.draw_angle_mean", "angles"),
    _draw_case("qkit.plots.fl.redraw_angle_mean", "angles"),  # in place; False on a foreign figure
    _draw_case("qkit.plots.fl.draw_reception", "reception"),
    _draw_case("qkit.plots.fl.redraw_reception", "reception"),  # in place; False on a foreign figure
    Case("qkit.plots.fl.plot_accuracy_curves", make=lambda: ((_ax(), {"QFL": np.array([[0.2, 0.5, 0.6]])}),
                                                              dict(chance=0.25, title="t")),
         allow={"title": ("unknown",)},  # any title text
         bad={"curves": [{}, {"QFL": np.array([[0.2, np.nan]])}], "chance": [1.5]}),
    Case("qkit.plots.fl.plot_arrivals", make=lambda: ((_ax(), _history()), {})),
    Case("qkit.plots.fl.plot_vehicle_plates", make=lambda: ((_fig(), _fleet()), dict(vehicles=(0, 1), per_vehicle=2)),
         bad={"vehicles": [(0, 5), ()], "per_vehicle": [0]}),
    _draw_case("qkit.plots.fl_channel.draw_uplink", "uplink"),
    _draw_case("qkit.plots.fl_channel.redraw_uplink", "uplink"),  # False: a figure draw_uplink did not draw
    Case("qkit.plots.fl_channel.plot_mean_snr", make=lambda: ((_ax(), np.array([10.0, 100.0]),
                                                               {"23 dBm": np.array([30.0, 10.0])}), {}),
         bad={"distances_m": [np.array([0.0, 10.0])], "mean_snr_db": [{"a": np.array([1.0])}, {}]}),
    Case("qkit.plots.fl_channel.plot_fading", make=lambda: ((_ax(), np.random.default_rng(0).exponential(size=200)),
                                                             dict(bins=10)),
         bad={"gains": [np.array([-1.0, 1.0]), np.array([])], "bins": [0]}),
    Case("qkit.plots.fl_channel.plot_decoding", make=lambda: ((_ax(), np.array([0.1, 1.0, 10.0]),
                                                               {"qfl": np.array([0.5, 5.0, 50.0])},
                                                               {"qfl": 1.0}), {}),
         bad={"curves": [{"other": np.ones(3)}, {"qfl": np.ones(2)}], "thresholds": [{}, {"qfl": -1.0}]}),
    Case("qkit.plots.fl_channel.plot_reception_check",
         make=lambda: ((_ax(), np.array([100.0, 200.0]), {"qfl": np.array([0.9, 0.5])},
                        {"qfl": np.array([0.88, 0.52])}, 1000), {}),
         bad={"n_trials": [0], "sampled": [{}], "exact": [{"qfl": np.array([1.5, 0.5])}]}),
    Case("qkit.plots.fl_channel.plot_split_sweep",
         make=lambda: ((_ax(), np.array([0.2, 0.5, 0.8]), np.array([0.0, 0.5, 0.7]), np.array([0.0, 0.3, 0.2]), 0.6),
                       dict(min_feasible=0.3, balanced=0.7, chosen=0.8)),
         bad={"qfl": [1.5], "min_feasible": [1.5], "base": [np.array([0.1, 0.2])]}),
    Case("qkit.plots.fl_scenario.draw_map", make=lambda: ((_ax(), _view("map")), dict(legend=False)), timeout=20.0),
    _draw_case("qkit.plots.fl_scenario.draw_map_view", "map"),
    Case("qkit.plots.fl_scenario.plot_fleet_over_rounds",
         make=lambda: ((_ax(), np.arange(3), {"sensing": np.array([1, 2, 3])}), {}),
         bad={"series": [{"sensing": np.array([1, 2])}, {}], "rounds": [np.array([[0, 1, 2]])]}),
    Case("qkit.plots.fl_scenario.plot_channel_states", make=lambda: ((_ax(), np.zeros((3, 4))), dict(vmin=-5.0, vmax=30.0)),
         bad={"mean_snr_db": [np.zeros(3)], "vmax": [-10.0]}),
    Case("qkit.plots.fl_scenario.plot_camera_samples",
         make=lambda: ((_fig(), {"day": (_IMAGES[:3], _LABELS[:3])}, "01"), {}),
         allow={"classes": ("unknown",)},  # any characters
         bad={"samples": [{}, {"day": (_IMAGES[:3], _LABELS[:2])}], "classes": ["0"]}),
]


def _explorer_with_refine():
    from qkit.widgets import Explorer

    return Explorer(_slider(), _compute, _draw, refine=_compute)


EXEMPT = {
    "qkit.widgets.estimators.EstimatorView": "a result record that only qkit.widgets.estimators.estimator_view builds",
    "qkit.widgets.estimators.SampleSizeTrend": "a result record that only sample_size_trend builds",
    "qkit.widgets.estimators.DriftView": "a result record that only qkit.widgets.estimators.drift_view builds",
    "qkit.widgets.estimators.PerfectSourceEstimates": "a result record that only perfect_source_estimates builds",
    "qkit.widgets.qnn.RotationView": "a result record that only qkit.widgets.qnn.rotation_view builds",
    "qkit.widgets.qnn.MeasurementAxisView": "a result record that only measurement_axis_view builds",
    "qkit.widgets.qnn.PlateView": "a result record that only qkit.widgets.qnn.plate_view builds",
    "qkit.widgets.qnn.PCAView": "a result record that only qkit.widgets.qnn.pca_view builds",
    "qkit.widgets.qnn.NoiseDeploymentView": "a result record that only noise_deployment_view builds",
    "qkit.widgets.fl.LabelMixView": "a result record that only qkit.widgets.fl.label_mix_view builds",
    "qkit.widgets.fl.AngleMeanView": "a result record that only qkit.widgets.fl.angle_mean_view builds",
    "qkit.widgets.fl.ReceptionView": "a result record that only qkit.widgets.fl.reception_view builds",
    "qkit.widgets.fl_channel.UplinkView": "a result record that only qkit.widgets.fl_channel.uplink_view builds",
    "qkit.widgets.fl_scenario.MapView": "a result record that only qkit.widgets.fl_scenario.map_view builds",
}

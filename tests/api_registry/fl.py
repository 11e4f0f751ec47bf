"""Registry cases for ``qkit.fl`` (see ``__init__.py`` beside this file)."""

import numpy as np

from api_registry import Case
from qkit.fl.channel import Channel
from qkit.fl.clients import ClientData, LocalTraining
from qkit.fl.cost import QuantumHardware
from qkit.fl.scenario import RoadMap, Scenario, TaskKind
from qkit.qnn.models import DynamicQNN


def _rng():
    return np.random.default_rng(0)


_STACK = np.array([[0.1, 2.0, -1.0], [0.3, 4.0, 1.0]])
_COUNTS = np.array([10.0, 30.0])
_ARRIVED = np.array([[True, False], [True, True]])
_BLOCKS = np.array([0, 0, 1])
_THRESHOLDS = Channel().thresholds
_X = np.array([[0.3, 1.2], [2.0, 0.1], [1.0, 1.0], [0.5, 2.5]])
_Y = np.array([0, 1, 0, 1])


def _model():
    return DynamicQNN(2, 2, 2)


def _params():
    return _model().init_params(_rng())


def _clients():
    return [ClientData(_X[:2], _Y[:2]), ClientData(_X[2:], _Y[2:])]


def _base_mask():
    from qkit.fl.clients import base_mask

    return base_mask(_model(), 1)


def _exit_history():
    from qkit.fl.rounds import run_federated

    return run_federated(_model(), _clients(), (_X, _Y), Channel(), "dqfl", 2, initial_params=_params(),
                         rng=_rng(), distances=np.array([100.0, 900.0]), base_mask=_base_mask())


def _bn_model():
    from qkit.fl.batchnorm import BatchNormQNN

    return BatchNormQNN(_model())


def _bn_params(var=1.0):
    p = _bn_model().init_params(_rng())
    p[-2:] = var  # the running variances
    return p


def _bn_history():
    from qkit.fl.rounds import run_federated

    model = _bn_model()
    return run_federated(model, _clients(), [(_X[:2], _Y[:2]), (_X[2:], _Y[2:])], None, "qfl", 1,
                         initial_params=_bn_params(), rng=_rng(), local_mask=model.local_mask())


_CHANNEL_FIELDS = dict(transmit_power_dbm=23.0, noise_psd_dbm_per_hz=-174.0, noise_figure_db=5.0,
                       bandwidth_hz=1.0e6, carrier_frequency_hz=5.9e9, path_loss_exponent=3.0,
                       reference_distance_m=1.0, base_rate=1.0, enhancement_rate=1.0, slot_s=1.0e-3)

CASES = [
    # --- aggregate ---------------------------------------------------------------------------
    Case("qkit.fl.aggregate.fedavg", args=(_STACK, _COUNTS),
         bad={"sample_counts": [np.array([0.0, 0.0]), np.array([-1.0, 2.0]), np.array([1.0])],
              "client_params": [np.ones(3), np.ones((0, 3))]}),
    Case("qkit.fl.aggregate.circular_mean", args=(_STACK, _COUNTS),
         kwargs=dict(period=2 * np.pi, reference=np.zeros(3)),
         bad={"period": [0.0, -1.0], "weights": [np.array([0.0, 0.0])], "reference": [np.zeros(2)]}),
    # two equal weights at 0 and pi: the phasors cancel, the mean direction is undefined
    Case("qkit.fl.aggregate.circular_mean", id="circular_mean cancel", args=(np.array([[0.0], [1.0]]), np.ones(2)),
         bad={"angles": [np.array([[0.0], [np.pi]])]}),
    Case("qkit.fl.aggregate.aggregate", args=(np.zeros(3), _STACK, _COUNTS, _ARRIVED, _BLOCKS),
         kwargs=dict(period=np.array([2 * np.pi, np.inf, np.inf]), local=np.array([False, False, True])),
         bad={"arrived": [np.ones((2, 2)), np.ones((2, 1), bool)], "block_of": [np.array([0, 0, -1]), np.array([0, 1])],
              "global_params": [np.zeros(2)], "period": [-1.0, np.ones(2)], "local": [np.ones(2, bool), np.zeros(3)]}),
    Case("qkit.fl.aggregate.blocks_from_slices", args=(5, [slice(0, 2), [slice(2, 4), np.array([4])]]),
         bad={"blocks": [[slice(0, 2)], [slice(0, 3), slice(2, 5)], "x", [1.5]], "n_params": [-1]}),
    # period=inf is documented: a parameter that is not periodic
    Case("qkit.fl.aggregate.proximal_term", args=(np.ones(3), np.zeros(3), 0.1), kwargs=dict(period=2 * np.pi),
         bad={"mu": [-0.1], "global_params": [np.zeros(2)], "period": [-1.0]}, allow={"period": ("inf",)}),
    Case("qkit.fl.aggregate.proximal_gradient", args=(np.ones(3), np.ones(3), np.zeros(3), 0.1),
         kwargs=dict(period=2 * np.pi), bad={"mu": [-0.1], "grad": [np.ones(2)]}, allow={"period": ("inf",)}),
    Case("qkit.fl.aggregate.wrap_periodic", args=(np.array([4.0, -4.0]), 2 * np.pi),
         bad={"period": [-1.0, np.ones(3)], "delta": [None]}, allow={"period": ("inf",)}),
    # --- channel -----------------------------------------------------------------------------
    Case("qkit.fl.channel.Channel", kwargs=dict(_CHANNEL_FIELDS),
         bad={"transmit_power_dbm": ["23", 100.0], "path_loss_exponent": [1.0], "bandwidth_hz": [0.0],
              "base_rate": [0.0, 1e9]}),
    Case("qkit.fl.channel.Channel.reception_probability", instance=Channel,
         args=(np.array([10.0, 500.0]), "dqfl", 0.8),
         bad={"distance_m": [-1.0], "scheme": ["QFL", "bogus"], "power_split": [0.0, 1.0, 1.5]}),
    Case("qkit.fl.channel.Channel.reception", instance=Channel, args=(np.array([10.0, 500.0]), _rng(), "dqfl", 0.8),
         bad={"scheme": ["QFL"], "rng": [0]}),
    Case("qkit.fl.channel.Channel.range_m", instance=Channel, args=(0.5, "dqfl", "base", 0.8),
         bad={"probability": [0.0, 1.0], "message": ["Base"]}),
    # distance_m=inf is documented: nothing arrives from infinitely far (outage probability 1)
    Case("qkit.fl.channel.Channel.outage_probability", instance=Channel, args=(100.0, 2.0), bad={"rate": [0.0]},
         allow={"distance_m": ("inf",)}),
    Case("qkit.fl.channel.Channel.with_message_bits", instance=Channel, args=(1000.0, 2000.0),
         bad={"base_bits": [0.0], "enhancement_bits": [-1.0]}),
    Case("qkit.fl.channel.rate_threshold", args=(1.0,), bad={"rate": [0.0, -1.0, 1e6]}),
    Case("qkit.fl.channel.uplink_bits", args=(100, 32), bad={"n_parameters": [-1], "bits_per_parameter": [0]}),
    Case("qkit.fl.channel.sample_fading", args=((3,), _rng()), bad={"shape": [(-1,), 10**12, (10**6, 10**6)]}),
    Case("qkit.fl.channel.sinr_base", args=(np.array([0.5, 2.0]), np.array([10.0, 10.0]), 0.8),
         bad={"power_split": [1.5, 0.0, -0.5], "gain": [np.array([-1.0, 1.0])], "mean_snr": [np.array([-1.0, 1.0])]}),
    Case("qkit.fl.channel.snr_enhancement", args=(np.array([0.5, 2.0]), np.array([10.0, 10.0]), 0.8),
         bad={"power_split": [1.5, 1.0]}),
    Case("qkit.fl.channel.decode", args=(np.array([0.5, 2.0]), np.array([10.0, 10.0]), "dqfl", 0.8, _THRESHOLDS),
         bad={"thresholds": [{}, {"base": 1.0}, {"base": -1.0, "enhancement": 1.0, "qfl": 3.0}],
              "scheme": ["QFL", "bogus"]}),
    Case("qkit.fl.channel.reception_probability_from_snr", args=(np.array([1.0, 10.0]), "dqfl", 0.8, _THRESHOLDS),
         kwargs=dict(log=False), bad={"thresholds": [{}], "mean_snr": [np.array([-1.0])], "scheme": ["Dqfl"]}),
    Case("qkit.fl.channel.monte_carlo_reception", args=(Channel(), np.array([10.0, 500.0]), 100, _rng(), "dqfl", 0.8),
         bad={"n_trials": [0, 10**12], "channel": ["Channel", None], "distance_m": [-1.0], "scheme": ["QFL"]}),
    # --- clients -----------------------------------------------------------------------------
    Case("qkit.fl.clients.ClientData", args=(_X, _Y),
         bad={"y": [np.array([0.5, 1, 0, 1]), np.array([0, 1]), np.array([-1, 0, 1, 0])], "X": [np.ones(4)]}),
    Case("qkit.fl.clients.LocalTraining",
         kwargs=dict(epochs=1, batch_size=2, learning_rate=0.05, optimizer="adam", proximal_mu=0.0,
                     exit_weights=(1.0, 0.5)),
         bad={"optimizer": ["Adam", "sgd "], "epochs": [0, 10**9], "learning_rate": [0.0],
              "exit_weights": [(0.0, 0.0)]}),
    Case("qkit.fl.clients.LocalTraining",
         kwargs=dict(epochs=2, batch_size=2, learning_rate=0.1, optimizer="sgd", momentum=0.9, persistent_state=True),
         bad={"momentum": [1.0, -0.1], "persistent_state": [1, "yes"]}),
    Case("qkit.fl.clients.local_update",
         make=lambda: ((_model(), _params(), _clients()[0], LocalTraining(), _rng()),
                       dict(global_params=_params(), period=2 * np.pi)),
         bad={"data": [(_X, _Y)], "training": ["adam"], "params": [np.ones(3)], "global_params": [np.ones(3)],
              "model": ["dqnn"]}, allow={"period": ("inf",)}),  # inf: not periodic (documented)
    Case("qkit.fl.clients.local_update",
         make=lambda: ((_model(), _params(), _clients()[0], LocalTraining(persistent_state=True), _rng()),
                       dict(optimizer=LocalTraining().new_optimizer())),
         bad={"optimizer": ["adam", LocalTraining()]}),
    Case("qkit.fl.clients.check_clients", make=lambda: ((_clients(),), {}), bad={"clients": [[], [(_X, _Y)], "x"]}),
    Case("qkit.fl.clients.base_mask", make=lambda: ((_model(), 1), {}), bad={"boundary": [0, 2], "model": ["dqnn"]}),
    Case("qkit.fl.clients.angle_periods", make=lambda: ((_model(),), {}), bad={"model": ["dqnn", 3]}),
    Case("qkit.fl.clients.InputNormalisation", make=lambda: ((_model(),), {}), bad={"model": ["dqnn", 3]}),
    # --- batchnorm (FedBN) --------------------------------------------------------------------
    Case("qkit.fl.batchnorm.BatchNormQNN", make=lambda: ((_model(),), dict(momentum=0.1, eps=1e-5)),
         bad={"model": ["dqnn", 3], "momentum": [0.0, 1.5, -0.1], "eps": [0.0, -1e-5]}),
    Case("qkit.fl.batchnorm.BatchNormQNN.normalise", instance=lambda: _bn_model(),
         make=lambda: ((_bn_params(), _X), dict(training=True)),
         bad={"params": [np.ones(3), _bn_params(var=-1.0)], "X": [np.ones((2, 3)), np.ones(2)]}),
    Case("qkit.fl.batchnorm.BatchNormQNN.update_statistics", instance=lambda: _bn_model(),
         make=lambda: ((_bn_params(), _X), dict(previous=_bn_params())),
         bad={"X": [np.ones((0, 2)), np.ones((2, 3))], "previous": [np.ones(3)]}),
    Case("qkit.fl.batchnorm.BatchNormQNN.loss_and_grad", instance=lambda: _bn_model(),
         make=lambda: ((_bn_params(), _X, _Y), {}), bad={"params": [np.ones(3)], "X": [np.ones((4, 3))]}),
    Case("qkit.fl.batchnorm.vehicle_params", make=lambda: ((_bn_history(), _bn_model().local_mask()), {}),
         bad={"local_mask": [np.ones(3, bool)]}),
    Case("qkit.fl.clients.disk_distances", args=(3, 100.0, _rng(), 2),
         bad={"cell_radius_m": [0.0], "n_vehicles": [0], "rounds": [10**12]}),
    Case("qkit.fl.clients.disk_reception_probability", args=(Channel(), 300.0, "dqfl", 0.8),
         kwargs=dict(tolerance=1e-10), bad={"scheme": ["QFL"], "power_split": [1.5], "channel": ["c"],
                                            "tolerance": [0.0, -1.0]}),
    # --- partition ---------------------------------------------------------------------------
    # alpha=inf is documented: IID labels (the uniform mix for every vehicle)
    Case("qkit.fl.partition.dirichlet_class_probabilities", args=(3, 2, 1.0, _rng()),
         bad={"alpha": [0.0, -1.0, "inf"], "n_vehicles": [0, 10**12]}, allow={"alpha": ("inf",)}),
    Case("qkit.fl.partition.dirichlet_split", args=(np.array([0, 1, 0, 1, 0, 1]), 2, 1.0, _rng()),
         bad={"labels": [np.array([0.5, 1.0]), np.array([-1, 0, 1, 0])], "n_vehicles": [0],
              "max_tries": [0, 10**9]},
         allow={"alpha": ("inf",)}),
    Case("qkit.fl.partition.check_partition", args=([np.array([0, 1]), np.array([2])], 3),
         bad={"parts": [[], [np.array([0, 1]), np.array([1, 2])], [np.array([0.5])]], "n_samples": [4]}),
    Case("qkit.fl.partition.label_counts", args=([np.array([0, 1]), np.array([1])], 2),
         bad={"labels_per_vehicle": [[np.array([0, 2])], [np.array([0.5])]], "n_classes": [0]}),
    Case("qkit.fl.partition.label_skew", args=(np.array([[3.0, 1.0], [0.0, 2.0]]),),
         bad={"counts": [np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[-1.0, 2.0]]), np.ones(3)]}),
    Case("qkit.fl.partition.vehicle_camera_conditions", args=(3, 0.5, _rng()),
         bad={"spread": [1.5, -0.1], "n_vehicles": [0, 10**9]}),
    Case("qkit.fl.partition.fleet_plates", args=(2, 3), kwargs=dict(classes="01", alpha=1.0, camera_spread=0.2,
                                                                   rng=_rng(), size=8),
         bad={"samples_per_vehicle": [0, [1, 2, 3], 10**9], "classes": ["", "0?", "00"], "size": [0]},
         allow={"alpha": ("inf",)}),  # alpha=inf: IID labels (documented)
    Case("qkit.fl.partition.plate_task", args=(_rng(),),
         kwargs=dict(classes="01", n_features=2, alpha=1.0, camera_spread=0.3, samples_per_vehicle=4,
                     n_public=40, n_test=10, size=8),
         bad={"n_features": [0, 100], "n_public": [2, 10**10], "alpha": [0.0]}, timeout=20.0,
         allow={"alpha": ("inf",)}),  # alpha=inf: IID labels (documented)
    # --- rounds ------------------------------------------------------------------------------
    Case("qkit.fl.rounds.message_bits", args=(np.array([0, 0, 1]), 32),
         bad={"block_of": [np.array([0, -1]), np.array([0.5])], "bits_per_parameter": [0]}),
    Case("qkit.fl.rounds.draw_arrivals", args=(Channel(), np.array([10.0, 500.0]), "dqfl", 0.8, _rng()),
         bad={"scheme": ["bogus", "QFL", None], "distances": [np.array([-1.0])], "power_split": [1.5],
              "channel": ["c"]}, allow={"channel": ("none",)}),  # channel=None: an ideal uplink (documented)
    Case("qkit.fl.rounds.training_stream", args=(np.random.SeedSequence(7), 3, 2),
         bad={"seed_sequence": [7, _rng()], "vehicle": [-1], "round_index": [-1]}),
    Case("qkit.fl.rounds.evaluate", make=lambda: ((_model(), _params(), (_X, _Y)), dict(exit_weights=np.ones(2))),
         bad={"test_set": [(_X,), "x", (_X, _Y[:2])], "params": [np.ones(3)], "model": ["dqnn"]}),
    Case("qkit.fl.rounds.run_federated",
         make=lambda: ((_model(), _clients(), (_X, _Y), Channel(), "dqfl", 1),
                       dict(initial_params=_params(), rng=_rng(), training=LocalTraining(),
                            distances=np.array([10.0, 20.0]), power_split=0.8, base_mask=_base_mask(),
                            bits_per_parameter=8, rates_from_bits=True, progress=False, clients_per_round=2,
                            total_bandwidth_hz=2e6, engine="batched", drop_probability=0.25)),
         bad={"scheme": ["QFL", "bogus"], "rounds": [-1, 10**12], "initial_params": [np.ones(3)],
              "distances": [np.array([-1.0, 2.0]), np.ones(3)], "training": ["adam"], "base_mask": [np.ones(3, bool)],
              "clients": [[], [(_X, _Y)]], "period": [-1.0], "local_mask": [np.ones(3, bool)],
              "clients_per_round": [0, 3], "total_bandwidth_hz": [0.0, -1e6], "bits_per_parameter": [1, 33, 64],
              "engine": ["fleet", "Batched"], "drop_probability": [-0.1, 1.5]},
         allow={"channel": ("none",)}, timeout=20.0),  # channel=None: an ideal uplink (documented)
    # --- uplink: scheduling, shared bandwidth, quantised uploads ----------------------------------
    Case("qkit.fl.uplink.schedule_vehicles", args=(10, 3, _rng()),
         bad={"n_vehicles": [0], "clients_per_round": [0, 11]}),
    Case("qkit.fl.uplink.shared_bandwidth_channel", args=(Channel(), 20e6, 4),
         bad={"channel": [None, "wifi"], "total_bandwidth_hz": [0.0, -1.0], "clients_per_round": [0]}),
    Case("qkit.fl.uplink.upload_bits", args=(np.array([0, 0, 1]), 8),
         bad={"block_of": [np.array([0, -1]), np.array([0.5])], "bits_per_parameter": [1, 33]}),
    Case("qkit.fl.uplink.quantise_update", args=(np.array([0.1, -0.2, 0.3]), np.array([0, 0, 1]), 8),
         bad={"block_of": [np.array([0, 1]), np.array([0, -1, 0])], "bits_per_parameter": [1, 33],
              "update": [np.ones((2, 2)), np.array([1.0, np.inf, 0.0])]}),
    # --- hardware cost model -----------------------------------------------------------------
    Case("qkit.fl.cost.QuantumHardware", args=(1000, 4000.0, 0.001),
         bad={"shots": [0, 10**10], "shot_rate_hz": [0.0, -1.0], "circuit_latency_s": [-1.0]}),
    Case("qkit.fl.cost.circuit_executions", make=lambda: ((_model(),), {}), bad={"model": [3, "qnn"]}),
    Case("qkit.fl.cost.seconds_per_sample", make=lambda: ((_model(), QuantumHardware()), {}),
         bad={"hardware": [3], "model": [3]}),
    Case("qkit.fl.cost.classical_seconds_per_sample", args=(96, 1e9),
         bad={"n_params": [0], "flop_rate": [0.0, -1.0]}),
    Case("qkit.fl.cost.samples_in_round", make=lambda: ((_model(), 10.0, QuantumHardware()),
                                                        dict(flop_rate=1e9, epochs=1)),
         bad={"round_s": [0.0, -1.0], "epochs": [0], "flop_rate": [0.0], "hardware": [3]}),
    Case("qkit.fl.channel.coherence_time_s", args=(10.0, 5.9e9),
         bad={"speed_m_s": [0.0, -1.0], "carrier_frequency_hz": [0.0]}),
    # --- references and paired verdicts ------------------------------------------------------
    Case("qkit.fl.reference.federated_steps_per_round", make=lambda: ((_clients(), LocalTraining(batch_size=1)), {}),
         bad={"clients": [[], [(_X, _Y)]], "training": ["adam"]}),
    Case("qkit.fl.reference.centralised_reference",
         make=lambda: ((_model(), _clients(), (_X, _Y), 2),
                       dict(initial_params=_params(), rng=_rng(), training=LocalTraining(), steps_per_round=3,
                            progress=False)),
         bad={"rounds": [-1, 10**12], "initial_params": [np.ones(3)], "training": ["adam"], "model": ["dqnn"],
              "clients": [[], [(_X, _Y)]], "test_set": [[(_X, _Y), (_X, _Y)]], "steps_per_round": [0]},
         timeout=20.0),
    Case("qkit.fl.verdicts.seed_streams", args=(3,), bad={"seed": [-1]}),
    Case("qkit.fl.verdicts.paired_difference", args=(np.array([0.5, 0.6, 0.7]), np.array([0.6, 0.6, 0.9])),
         kwargs=dict(confidence=0.95),
         bad={"a": [np.ones(2), np.ones(1)], "b": [np.ones(4)], "confidence": [0.0, 1.0, 1.5]}),
    Case("qkit.fl.verdicts.iter_intervals", args=({"x": {"y": {"half_width": 0.1, "mean": 0.0}}},),
         bad={"block": [[1.0], "block"]}),
    # --- choosing the exit (qkit.fl.exits) ------------------------------------------------------
    Case("qkit.fl.exits.holdout_split", make=lambda: (((_X, _Y), 2, _rng()), {}),
         bad={"n_validation": [0, 4], "test_set": [(_X, _Y[:3]), [_X, _Y]]}),
    Case("qkit.fl.exits.exit_blocks", make=lambda: ((_model(), np.where(_base_mask(), 0, 1)), {}),
         bad={"block_of": [np.zeros(3, dtype=int), -np.ones(_model().n_params)], "model": ["dqnn"]}),
    Case("qkit.fl.exits.block_staleness", make=lambda: ((_exit_history(),), {}), bad={"history": [np.ones(3)]}),
    Case("qkit.fl.exits.exit_scores", make=lambda: ((_model(), _exit_history(), (_X, _Y)), dict(rng=_rng())),
         bad={"data": [[_X, _Y]], "model": ["dqnn"]}),
    Case("qkit.fl.exits.choose_exits",
         make=lambda: ((_exit_history(), np.array([[True, False], [True, True]])),
                       dict(rule="validated", scores=np.full((3, 2), 0.5), criterion="loss", max_staleness=1)),
         bad={"needs": [np.ones((2, 3), bool), np.array([[False, False], [True, True]])],
              "scores": [np.ones((2, 2))], "max_staleness": [-1]}),
    Case("qkit.fl.exits.accuracy_of_choice", args=(np.array([[0.5, 0.6], [0.7, 0.4]]), np.array([1, 0])),
         bad={"choice": [np.array([0, 2]), np.array([0]), np.array([-1, 0])], "scores": [np.ones(3)]}),
    # --- scenario ----------------------------------------------------------------------------
    Case("qkit.fl.scenario.RoadMap", args=(5, 200.0, (2, 2), 10.0),
         bad={"n_streets": [1, 10**6], "block_m": [0.0], "server_node": [(9, 9), (1,), "a"]}),
    Case("qkit.fl.scenario.RoadMap.distance_to_server", instance=RoadMap,
         args=(np.array([[0.0, 0.0], [200.0, 400.0]]),),
         bad={"xy": [np.ones(3)]}),
    Case("qkit.fl.scenario.TaskKind", args=("report", 2, 2, 10.0),
         bad={"vehicles_needed": [0], "capture_rate": [-1.0], "name": [3, ""]},
         allow={"name": ("unknown",)}),  # the name is free text: any non-empty string
    Case("qkit.fl.scenario.Scenario",
         kwargs=dict(road_map=RoadMap(), n_vehicles=3, speed_m_s=10.0, round_s=10.0, task_rate=1.0,
                     task_kinds=(TaskKind("report", 1, 1, 10.0),), task_weights=(1.0,), patrol_capture_rate=1.0,
                     en_route_capture_rate=5.0, camera_presets=("clear day", "night"), camera_weights=(0.5, 0.5),
                     camera_change_probability=0.05, waypoints_per_route=4),
         bad={"task_weights": [(1.0, 1.0), (-1.0,), (0.0,)], "camera_weights": [(1.0,), (0.5, np.nan)],
              "camera_presets": [("sunny",), ()], "task_kinds": [(), ("report",)], "n_vehicles": [0, 10**9],
              "task_rate": [1e9]}),
    Case("qkit.fl.scenario.move_along_streets",
         args=(np.array([[0.0, 0.0], [200.0, 50.0]]), np.array([[400.0, 200.0], [0.0, 0.0]]), 50.0, 200.0),
         bad={"step_m": [-5.0, np.array([1.0, -1.0])], "block_m": [0.0], "target": [np.ones(3)],
              "xy": [np.ones((2, 3))]}),
    Case("qkit.fl.scenario.simulate", make=lambda: ((Scenario(n_vehicles=3), 2, _rng()), dict(progress=False)),
         bad={"n_rounds": [0, 10**5, 10**7], "scenario": ["city", None]}),
]

EXEMPT = {
    "qkit.fl.aggregate.AggregationResult": "a result record that only qkit.fl.aggregate.aggregate builds",
    "qkit.fl.channel.Reception": "a result record (named tuple) that only qkit.fl.channel.decode builds",
    "qkit.fl.channel.ReceptionProbability": "a result record (named tuple) that only qkit's reception "
                                            "probability functions build",
    "qkit.fl.partition.FleetPlates": "a result record that only qkit.fl.partition.fleet_plates builds",
    "qkit.fl.partition.PlateTask": "a result record that only qkit.fl.partition.plate_task builds",
    "qkit.fl.rounds.FederatedHistory": "a result record that only qkit.fl.rounds.run_federated builds",
    "qkit.fl.uplink.QuantisedUpdate": "a result record (named tuple) that only qkit.fl.uplink.quantise_update builds",
    "qkit.fl.cost.ExecutionCount": "a result record (named tuple) that only qkit.fl.cost.circuit_executions builds",
    "qkit.fl.cost.SampleBudget": "a result record (named tuple) that only qkit.fl.cost.samples_in_round builds",
    "qkit.fl.reference.CentralisedHistory": "a result record that only qkit.fl.reference.centralised_reference builds",
    "qkit.fl.verdicts.PairedDifference": "a result record that only qkit.fl.verdicts.paired_difference builds",
    "qkit.fl.verdicts.write_results": ("writes a file where the caller says: a str and a pathlib.Path are both valid "
                                       "paths, so the registry's str-for-Path bad value does not apply; its bad "
                                       "inputs are tested in tests/test_fl_verdicts.py"),
    "qkit.fl.scenario.ScenarioTrace": "a result record that only qkit.fl.scenario.simulate builds",
}

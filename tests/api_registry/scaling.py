"""Registry cases for chapter 14's figures and explorer (``qkit.plots.scaling``, ``qkit.widgets.scaling``)."""

import numpy as np
from matplotlib.figure import Figure

from api_registry import Case


def _ax():
    return Figure().add_subplot()


def _chunk_view():
    from qkit.widgets.scaling import chunk_view

    return chunk_view(100, 10)


CASES = [
    Case("qkit.plots.scaling.draw_state_stack", make=lambda: ((_ax(), 1000, 20, 4), {}),
         bad={"n_vehicles": [0], "n_samples": [0], "n_qubits": [0, 13]}),
    Case("qkit.plots.scaling.plot_cost_against_fleet",
         make=lambda: ((_ax(), {"loop": (np.array([10.0, 100.0]), np.array([0.1, 1.0]))}),
                       dict(ylabel="seconds per round", title="t")),
         allow={"ylabel": ("unknown",), "title": ("unknown",)},  # any text
         bad={"curves": [{}, {"loop": (np.array([10.0, 100.0]), np.array([0.1]))},
                         {"loop": (np.array([0.0, 100.0]), np.array([0.1, 1.0]))}, {"loop": np.ones(2)}]}),
    Case("qkit.plots.scaling.draw_chunk_view", make=lambda: ((Figure(), _chunk_view()), {}),
         bad={"view": [object()]}),
    Case("qkit.widgets.scaling.chunk_view", args=(1000, 100), kwargs=dict(samples=20, n_qubits=4, n_layers=3),
         bad={"n_vehicles": [0], "chunk_size": [0], "samples": [0], "n_qubits": [0, 13], "n_layers": [0, 9]}),
    Case("qkit.widgets.scaling.chunk_explorer", args=(1000, 100), bad={"n_vehicles": [7], "chunk_size": [3]},
         timeout=20.0),
]

EXEMPT = {"qkit.widgets.scaling.ChunkView": "a result record that only qkit.widgets.scaling.chunk_view builds"}

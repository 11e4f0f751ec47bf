"""The explorer of notebook 14 (scaling out): how many vehicles one sweep holds, and its memory.

:func:`chunk_view` is the pure function under the explorer: for a fleet of ``V`` vehicles trained
in chunks of ``c`` vehicles per sweep (:func:`qkit.fl.fleet_update.fleet_local_update`), the
number of sweeps ``ceil(V / c)`` and the bytes of one sweep's arrays, from the same memory model
the kit uses to choose its chunks (:func:`qkit.qnn.fleet.fleet_chunk_size`).
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from qkit._validate import memory_budget, require_integer
from qkit.plots.scaling import draw_chunk_view
from qkit.qnn import DynamicQNN
from qkit.qnn.fleet import _CHUNK_TARGET, _bytes_per_vehicle
from qkit.widgets._explorer import Explorer

__all__ = ["ChunkView", "chunk_view", "chunk_explorer", "FLEET_SIZES", "CHUNK_SIZES"]

#: Fleet sizes the explorer offers (the benchmark's sweep).
FLEET_SIZES = (10, 100, 1000, 10000)
#: Chunk sizes the explorer offers.
CHUNK_SIZES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


@dataclass(frozen=True)
class ChunkView:
    """A fleet cut into sweeps: what :func:`chunk_view` returns and the explorer draws.

    Attributes
    ----------
    n_vehicles, chunk_size, n_sweeps : int
        ``V``, the vehicles per sweep ``c`` (at most ``V``), and ``ceil(V / c)``.
    chunk_sizes : tuple of int
        The chunk sizes of the curve (1 .. V).
    sweep_bytes : tuple of float
        Bytes of one sweep's arrays at each of ``chunk_sizes``.
    bytes_per_vehicle : float
        One vehicle's share of a sweep (bytes).
    budget_bytes : float
        The memory budget (:func:`qkit.memory_budget`).
    default_chunk : int
        The chunk the kit picks by itself (a working set of about 128 MiB).
    title : str
    """

    n_vehicles: int
    chunk_size: int
    n_sweeps: int
    chunk_sizes: tuple
    sweep_bytes: tuple
    bytes_per_vehicle: float
    budget_bytes: float
    default_chunk: int
    title: str


def chunk_view(n_vehicles: int, chunk_size: int, samples: int = 20, n_qubits: int = 4,
               n_layers: int = 3) -> ChunkView:
    """The sweeps and memory of a fleet's local training in chunks (the dynamic QNN of chapters 12-14).

    Parameters
    ----------
    n_vehicles : int
        ``V`` >= 1.
    chunk_size : int
        Vehicles per sweep ``c`` >= 1 (capped at ``V``).
    samples : int
        Samples per vehicle in one sweep (the minibatch), >= 1.
    n_qubits : int
        Qubits of the dynamic QNN, in [1, 12].
    n_layers : int
        Its layers, in [1, 8].

    Returns
    -------
    ChunkView
    """
    v = require_integer("n_vehicles", n_vehicles, 1, 10**7)
    c = min(require_integer("chunk_size", chunk_size, 1), v)
    b = require_integer("samples", samples, 1, 10**6)
    n = require_integer("n_qubits", n_qubits, 1, 12)
    layers = require_integer("n_layers", n_layers, 1, 8)
    per = _bytes_per_vehicle(DynamicQNN(n_qubits=n, n_layers=layers, n_classes=min(4, 2**n)), b)
    budget = memory_budget()
    sizes = tuple(sorted({int(s) for s in np.unique(np.geomspace(1, v, 40).round())} | {c}))
    sweeps = -(-v // c)
    default = max(1, int(min(_CHUNK_TARGET, budget) // per))
    fits = "fits" if c * per <= budget else "does NOT fit"
    title = (f"{v} vehicles in chunks of {c}: {sweeps} sweep(s) of {c * per / 2**20:.1f} MiB "
             f"({fits} the {budget / 2**30:.0f} GiB budget)")
    return ChunkView(v, c, sweeps, sizes, tuple(s * per for s in sizes), per, budget, default, title)


def chunk_explorer(n_vehicles: int = 1000, chunk_size: int = 100) -> Explorer:
    """Sliders for the fleet size and the chunk size over :func:`chunk_view`'s figure."""
    require_integer("n_vehicles", n_vehicles, 1)
    require_integer("chunk_size", chunk_size, 1)
    if n_vehicles not in FLEET_SIZES:
        raise ValueError(f"n_vehicles must be one of {FLEET_SIZES}, got {n_vehicles!r}")
    if chunk_size not in CHUNK_SIZES:
        raise ValueError(f"chunk_size must be one of {CHUNK_SIZES}, got {chunk_size!r}")
    controls = {
        "n_vehicles": widgets.SelectionSlider(options=FLEET_SIZES, value=n_vehicles, description="vehicles"),
        "chunk_size": widgets.SelectionSlider(options=CHUNK_SIZES, value=chunk_size, description="chunk size"),
    }
    return Explorer(controls, compute=chunk_view, draw=draw_chunk_view, figsize=(7.5, 4.0),
                    describe=lambda view: view.title)

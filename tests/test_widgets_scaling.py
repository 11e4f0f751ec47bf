"""Chapter 14's explorer (qkit.widgets.scaling), driven headlessly, and the numbers under it."""

import numpy as np
import pytest

from qkit.qnn import DynamicQNN
from qkit.qnn.fleet import fleet_chunk_size
from qkit.widgets.scaling import chunk_explorer, chunk_view


def test_sweeps_cover_the_fleet_and_memory_is_linear_in_the_chunk():
    view = chunk_view(1000, 300)
    assert view.n_sweeps == 4 and view.chunk_size == 300       # 300 + 300 + 300 + 100
    sizes, mem = np.array(view.chunk_sizes), np.array(view.sweep_bytes)
    assert sizes[0] == 1 and sizes[-1] == 1000 and 300 in sizes
    assert np.allclose(mem, sizes * view.bytes_per_vehicle)
    assert chunk_view(10, 5000).chunk_size == 10 and chunk_view(10, 5000).n_sweeps == 1


def test_default_chunk_is_the_one_the_kit_picks():
    model = DynamicQNN(n_qubits=4, n_layers=3, n_classes=4)
    assert chunk_view(1000, 10, samples=20).default_chunk == fleet_chunk_size(model, 20)


def test_a_chunk_over_the_budget_says_so():
    import qkit

    qkit.set_memory_budget(0.01)
    try:
        assert "does NOT fit" in chunk_view(10000, 10000).title
        assert "does NOT fit" not in chunk_view(10000, 1).title
    finally:
        qkit.set_memory_budget(None)


def test_explorer_follows_its_sliders():
    ex = chunk_explorer(1000, 100)
    assert ex.result.n_sweeps == 10
    ex.controls["chunk_size"].value = 1000
    assert ex.result.n_sweeps == 1 and "1 sweep(s)" in ex.text
    ex.controls["n_vehicles"].value = 10000
    assert ex.result.n_vehicles == 10000 and ex.result.n_sweeps == 10


def test_explorer_refuses_a_size_it_does_not_offer():
    with pytest.raises(ValueError, match="n_vehicles"):
        chunk_explorer(7, 100)


def test_cost_axis_reads_in_plain_numbers():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from qkit.plots.scaling import plot_cost_against_fleet

    fig, ax = plt.subplots()
    plot_cost_against_fleet(ax, {"batched": ([10, 1000, 10_000], [65.0, 166.0, 876.0])}, ylabel="MiB")
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() + ax.get_yticklabels(minor=True)
              if t.get_text() and 65.0 <= t.get_position()[1] <= 876.0]
    plt.close(fig)
    assert "100" in labels and "600" in labels                 # plain MiB, not 10^2 or 6x10^2
    assert not any("times" in s or "^" in s or "e" in s for s in labels)

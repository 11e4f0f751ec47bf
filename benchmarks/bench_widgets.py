"""How long every explorer of the course takes to follow a control.

Builds each notebook's explorer (with small, seeded stand-ins for the fixtures a notebook
computes first: plate images, a trained model, a scenario trace), sweeps every control over its
minimum, maximum, interior points and every option, and times each update from "control set" to
"figure redrawn" (the PNG the learner sees). With a ``refine`` step, the first (coarse) redraw
and the refined one are timed separately. Prints the worst and median update per explorer.

    .venv/bin/python benchmarks/bench_widgets.py                 # every explorer
    .venv/bin/python benchmarks/bench_widgets.py --only entropy  # names containing "entropy"

The course's bound is 200 ms for the worst update (100 ms aimed for). ``tests/test_explorer_sweep.py``
imports :data:`EXPLORERS` and :func:`sweep_steps` from here: the test and the benchmark sweep
the same explorers the same way.

An explorer older than the coarse/refine framework showed its figure through an ``Output``
widget, rendered by the inline backend in a kernel; for it the benchmark adds a PNG render of
the figure (as the inline backend does: ``bbox_inches="tight"``) so both are timed to the same
point.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

os.environ.setdefault("MPLBACKEND", "Agg")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

CLASSES = "035689"  # notebook 09's characters


# ----------------------------------------------------------------------------- fixtures


@lru_cache(maxsize=None)
def plates_fixture() -> np.ndarray:
    """Notebook 09's 600 training images (seed 0)."""
    from qkit.data import CLEAR_DAY, make_plates

    images, _ = make_plates(600, CLASSES, CLEAR_DAY, rng=np.random.default_rng(0))
    return images


@lru_cache(maxsize=None)
def model_fixture() -> tuple:
    """Notebook 09's 6-layer, 8-qubit DQNN and 1000 test images, trained one short epoch."""
    from qkit.data import CLEAR_DAY, PCAAngles, make_plates
    from qkit.qnn import Adam, DynamicQNN, train

    train_images = plates_fixture()
    _, y_train = make_plates(600, CLASSES, CLEAR_DAY, rng=np.random.default_rng(0))
    test_images, y_test = make_plates(1000, CLASSES, CLEAR_DAY, rng=np.random.default_rng(1))
    encoder = PCAAngles(8).fit(train_images)
    X_train, X_test = encoder.transform(train_images), encoder.transform(test_images)
    model = DynamicQNN(n_qubits=8, n_layers=6, n_classes=len(CLASSES))
    rng = np.random.default_rng(0)
    params, _ = train(model, model.init_params(rng), X_train[:192], y_train[:192], epochs=1,
                      batch_size=32, optimizer=Adam(0.05), rng=rng)
    return model, params, X_test, y_test


@lru_cache(maxsize=None)
def scenario_fixture() -> tuple:
    """Notebook 13's city over 25 rounds (seed 0), its weak link and one run's arrivals."""
    from qkit.fl.channel import Channel, uplink_bits
    from qkit.fl.rounds import draw_arrivals
    from qkit.fl.scenario import Scenario, simulate

    trace = simulate(Scenario(), 25, np.random.default_rng(0))
    link = Channel(transmit_power_dbm=13.0).with_message_bits(uplink_bits(32), uplink_bits(64))
    rng = np.random.default_rng(1)
    arrived = np.stack([draw_arrivals(link, d, "dqfl", 0.8, rng) for d in trace.distances])
    return trace, link, arrived, np.asarray(trace.sensing, dtype=bool)


# ----------------------------------------------------------------------------- the catalogue


def _build(module: str, name: str, *args, **kwargs) -> Callable[[], Any]:
    def build():
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    return build


def _with(fixture: Callable[[], tuple], module: str, name: str, **kwargs) -> Callable[[], Any]:
    def build():
        import importlib

        return getattr(importlib.import_module(module), name)(*fixture(), **kwargs)
    return build


def _scenario() -> Any:
    from qkit.widgets.fl_scenario import scenario_explorer

    trace, link, arrived, sent = scenario_fixture()
    return scenario_explorer(trace, channel=link, arrived=arrived, sent=sent)


def _pca() -> Any:
    from qkit.widgets.qnn import pca_explorer

    return pca_explorer(plates_fixture(), n_components=8)


@dataclass(frozen=True)
class Entry:
    """One explorer as its notebook builds it."""

    name: str
    notebook: str
    build: Callable[[], Any]


#: Every explorer of the course, built as the notebooks build them (``grep _explorer( notebooks``).
EXPLORERS: tuple[Entry, ...] = (
    Entry("poisson", "00", _build("qkit.widgets.basics", "poisson_explorer", mean=4.0)),
    Entry("multimode", "01", _build("qkit.widgets.qrng_char", "multimode_explorer", mean=20.0, log10_modes=0.0)),
    Entry("thinning", "01", _build("qkit.widgets.qrng_char", "thinning_explorer", mean_photons=40.0, efficiency=0.5)),
    Entry("adc", "02", _build("qkit.widgets.qrng_model", "adc_explorer", mean=625.0, gain=0.8192)),
    Entry("dark_fit", "03", _build("qkit.widgets.qrng_char", "dark_fit_explorer")),
    Entry("transfer", "03", _build("qkit.widgets.qrng_char", "transfer_explorer")),
    Entry("correlation", "03", _build("qkit.widgets.qrng_char", "correlation_explorer")),
    Entry("entropy", "04", _build("qkit.widgets.qrng_model", "entropy_explorer", mean=625.0)),
    Entry("frame", "05", _build("qkit.widgets.qrng_model", "frame_explorer")),
    Entry("estimator", "06", _build("qkit.widgets.estimators", "estimator_explorer")),
    Entry("noise_guessing", "07", _build("qkit.widgets.extraction", "noise_guessing_explorer", mean=50.0)),
    Entry("extractor", "07", _build("qkit.widgets.extraction", "extractor_explorer")),
    Entry("rotation", "08", _build("qkit.widgets.qnn", "rotation_explorer", gate="ry", angle=np.pi / 2, start="0")),
    Entry("measurement_axis", "08", _build("qkit.widgets.qnn", "measurement_axis_explorer", feature=1.0)),
    Entry("plate", "09", _build("qkit.widgets.qnn", "plate_explorer", classes=CLASSES)),
    Entry("pca", "09", _pca),
    Entry("noise_deployment", "09", _with(model_fixture, "qkit.widgets.qnn", "noise_deployment_explorer")),
    Entry("angle_mean", "10", _build("qkit.widgets.fl", "angle_mean_explorer")),
    Entry("label_mix", "10", _build("qkit.widgets.fl", "label_mix_explorer", log10_alpha=0.0)),
    Entry("uplink", "11", _build("qkit.widgets.fl_channel", "uplink_explorer", distance_m=400.0,
                                 transmit_power_dbm=23.0, power_split=0.8)),
    Entry("reception", "12", _build("qkit.widgets.fl", "reception_explorer", params_per_layer=(24, 24, 24),
                                    exit_params=8)),
    Entry("scenario", "13", _scenario),
    Entry("chunk", "14", _build("qkit.widgets.scaling", "chunk_explorer", n_vehicles=1000, chunk_size=1000)),
)


# ----------------------------------------------------------------------------- the sweep


def sweep_steps(control: Any, interior: int = 3) -> list[tuple[str, str, Any]]:
    """The settings a sweep visits for one control, as ``(label, attribute, value)``.

    Sliders: minimum, maximum and ``interior`` evenly spaced points in between (on the step
    grid); a log slider the same in its exponent; a selection (dropdown, selection slider,
    toggle buttons): every option (set by ``index``); a checkbox: both states.
    """
    import ipywidgets as widgets

    if isinstance(control, widgets.widgets.widget_selection._Selection):
        return [(f"{label}", "index", i) for i, label in enumerate(control._options_labels)]
    if isinstance(control, (widgets.Checkbox, widgets.ToggleButton)):
        return [(f"{v}", "value", v) for v in (not control.value, bool(control.value))]
    if isinstance(control, widgets.FloatLogSlider):
        exps = np.linspace(control.min, control.max, interior + 2)
        return [(f"{control.base ** e:.4g}", "value", float(control.base ** e)) for e in exps]
    if isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
        lo, hi, step = control.min, control.max, control.step or 1
        points = lo + (hi - lo) * np.linspace(0.0, 1.0, interior + 2)
        points = np.clip(lo + np.round((points - lo) / step) * step, lo, hi)
        cast = int if isinstance(control, widgets.IntSlider) else float
        steps: list[tuple[str, str, Any]] = []
        for p in (points[0], points[-1], *points[1:-1]):
            value = cast(round(float(p), 10))
            if all(value != v for _, _, v in steps):
                steps.append((f"{value:g}", "value", value))
        return steps
    raise TypeError(f"control must be a slider, a selection or a checkbox, got {type(control).__name__}")


def render_if_needed(explorer: Any) -> None:
    """Render the figure like the inline backend when the explorer does not itself (old Output)."""
    if not hasattr(explorer, "image"):
        explorer.figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")


def _settle(explorer: Any) -> None:
    if getattr(explorer, "refine", None) is not None:
        explorer.wait()


#: CPU seconds (this process, all threads) of the last first redraw timed by :func:`timed_update`.
LAST_CPU = [0.0]


def timed_update(explorer: Any, control: Any, attribute: str, value: Any,
                 on_first: Callable[[Any], None] | None = None) -> tuple[float, float | None]:
    """Seconds from a control set to the first redraw, and to the refined one (None: no refine).

    Wall-clock time is what the learner waits; the CPU time this process spent on the first
    redraw is kept in :data:`LAST_CPU` (less sensitive to other load on the machine).
    """
    cpu = time.process_time()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # an old Output explorer displays outside a kernel
        setattr(control, attribute, value)
        render_if_needed(explorer)
    first = time.perf_counter() - start
    LAST_CPU[0] = time.process_time() - cpu
    if getattr(explorer, "refine", None) is None:
        return first, None
    if on_first is not None:  # the test looks at the coarse figure too (off the clock's purpose)
        on_first(explorer)
    explorer.wait()
    return first, time.perf_counter() - start


def sweep(explorer: Any, interior: int = 3, visit: Callable[[str, str, Any], None] | None = None,
          visit_coarse: Callable[[str, str, Any], None] | None = None) -> list[tuple]:
    """Sweep every control of ``explorer`` in turn, the others at their initial values.

    Returns ``(control, value label, first redraw s, refined redraw s or None, CPU s of the
    first redraw)`` per update;
    ``visit(control, label, explorer)`` is called after each (the test checks there), and
    ``visit_coarse`` likewise between a coarse figure and its refinement. A setting
    equal to the control's current one causes no update and is skipped.
    """
    rows = []
    for name, control in explorer.controls.items():
        steps = sweep_steps(control, interior)
        attribute = steps[0][1] if steps else "value"
        initial = getattr(control, attribute)
        for label, attribute, value in steps:
            if getattr(control, attribute) == value:
                continue
            coarse = None if visit_coarse is None else (lambda ex, n=name, lab=label: visit_coarse(n, lab, ex))
            first, refined = timed_update(explorer, control, attribute, value, coarse)
            rows.append((name, label, first, refined, LAST_CPU[0]))
            if visit is not None:
                visit(name, label, explorer)
        if getattr(control, attribute) != initial:
            with contextlib.redirect_stdout(io.StringIO()):
                setattr(control, attribute, initial)
            _settle(explorer)
    return rows


# ----------------------------------------------------------------------------- the table


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{1000 * x:7.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None,
                        help="run only explorers whose name contains this (comma-separated: any of them)")
    parser.add_argument("--interior", type=int, default=3, help="interior points per slider (default 3)")
    args = parser.parse_args(argv)
    from qkit.plots import use_style

    use_style()  # as every notebook's setup cell: dpi 90, constrained layout
    wanted = None if args.only is None else [w.strip() for w in args.only.split(",") if w.strip()]
    chosen = [e for e in EXPLORERS if wanted is None or any(w in e.name for w in wanted)]
    if not chosen:
        print(f"--only {args.only!r} matches none of: {', '.join(e.name for e in EXPLORERS)}")
        return 2
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at start; {os.cpu_count()} cores")
    print("times in ms from a control set to the figure redrawn (PNG ready); cpu: this process's CPU time")
    print(f"{'explorer':18s} {'nb':>3s} {'build':>7s} {'updates':>7s} {'median':>7s} {'worst':>7s} "
          f"{'cpu med':>7s} {'cpu max':>7s}  {'refined median':>14s} {'refined worst':>13s}  worst update")
    over = []
    for entry in chosen:
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            explorer = entry.build()
        _settle(explorer)
        build = time.perf_counter() - start
        rows = sweep(explorer, args.interior)
        firsts = [r[2] for r in rows]
        refined = [r[3] for r in rows if r[3] is not None]
        worst = max(rows, key=lambda r: r[3] if r[3] is not None else r[2])
        worst_first = max(firsts)
        cpus = [r[4] for r in rows]
        print(f"{entry.name:18s} {entry.notebook:>3s} {_ms(build):>7s} {len(rows):7d} "
              f"{_ms(statistics.median(firsts)):>7s} {_ms(worst_first):>7s} "
              f"{_ms(statistics.median(cpus)):>7s} {_ms(max(cpus)):>7s}  "
              f"{_ms(statistics.median(refined) if refined else None):>14s} "
              f"{_ms(max(refined) if refined else None):>13s}  {worst[0]}={worst[1]}", flush=True)
        if worst_first > 0.2:
            over.append(entry.name)
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at end")
    print("first redraw over 200 ms: " + (", ".join(over) if over else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

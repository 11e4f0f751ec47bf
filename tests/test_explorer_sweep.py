"""Every explorer of the course, swept over every control (issue 15, item 4).

The sweep is the one of ``benchmarks/bench_widgets.py`` (same explorers, same fixtures), made
coarse to fit a CI budget: each slider's minimum and maximum (its interior point is the notebook's
value, checked as built) and every option of a menu, the other controls at the notebook's values.
At every setting, and after every refinement:

* nothing raises (a refinement that fails is raised by ``Explorer.wait``);
* the result holds no NaN anywhere, and no infinity outside the fields listed in
  :data:`MAY_BE_INFINITE` (each with the reason the figure shows it in words);
* neither the text under the figure nor any text on the figure says "nan";
* ``explorer.error`` is empty or a plain sentence (:func:`check_plain_sentence`): a learner who
  moves a slider into a bad combination reads what to change, never an exception's insides.

Run one explorer with ``-k NAME`` (e.g. ``-k entropy``). Speed is not asserted here; it is
measured by the benchmark.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest

_BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_widgets.py"
_spec = importlib.util.spec_from_file_location("bench_widgets", _BENCH)
bench = sys.modules.setdefault("bench_widgets", importlib.util.module_from_spec(_spec))
if not hasattr(bench, "EXPLORERS"):
    _spec.loader.exec_module(bench)

#: Result fields allowed to be infinite, per explorer, and why the figure is still honest.
MAY_BE_INFINITE = {
    # alpha = inf is the IID limit; the figure writes "inf (IID)".
    "label_mix": {"alpha"},
    # -inf / +inf dB: the base (enhancement) can never be decoded at that split; the title says so.
    "reception": {"base_gain_db", "enhancement_loss_db"},
}

#: Fragments that betray raw exception text rather than a sentence for a learner.
RAW_EXCEPTION_SIGNS = ("Traceback", 'File "', "<class", "<function", "numpy.", "scipy.", "np.",
                       "site-packages", " object at 0x", "\n")


def check_plain_sentence(message: str) -> None:
    """The rule for ``explorer.error``: empty, or one plain sentence for a learner.

    One line of at most 300 characters, not opening with an exception's class name
    (``"LinAlgError: ..."``), free of the signs in :data:`RAW_EXCEPTION_SIGNS` (tracebacks,
    reprs, module paths of numpy or scipy), and naming what is wrong in words (it contains a
    space and a letter).
    """
    if not message:
        return
    assert len(message) <= 300, f"error text too long for a learner ({len(message)} chars): {message!r}"
    assert not re.match(r"^\w*(Error|Exception|Warning)\b", message), f"raw exception text: {message!r}"
    for sign in RAW_EXCEPTION_SIGNS:
        assert sign not in message, f"error text shows {sign!r}: {message!r}"
    assert " " in message and re.search(r"[A-Za-z]", message), f"not a sentence: {message!r}"


def numeric_leaves(obj, path: str = "result", depth: int = 0):
    """``(path, float array)`` for every number in a result (dataclasses, dicts, sequences)."""
    if depth > 5 or obj is None or isinstance(obj, (str, bytes, bool)):
        return
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for field in dataclasses.fields(obj):
            yield from numeric_leaves(getattr(obj, field.name), f"{path}.{field.name}", depth + 1)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from numeric_leaves(value, f"{path}[{key!r}]", depth + 1)
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from numeric_leaves(value, f"{path}[{i}]", depth + 1)
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind in "iufc":
            yield path, obj.astype(complex if obj.dtype.kind == "c" else float)
        elif obj.dtype.kind == "O":
            for i, value in enumerate(obj.ravel()[:1000]):
                yield from numeric_leaves(value, f"{path}.flat[{i}]", depth + 1)
    elif isinstance(obj, (int, float, complex, np.number)):
        yield path, np.asarray(obj)


def figure_texts(figure) -> list[str]:
    """Every string drawn on a figure: titles, axis labels, texts, legends."""
    texts = [t.get_text() for t in figure.texts]
    if figure._suptitle is not None:
        texts.append(figure._suptitle.get_text())
    for ax in figure.axes:
        texts += [ax.get_title(loc) for loc in ("left", "center", "right")]
        texts += [ax.get_xlabel(), ax.get_ylabel()] + [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return texts


def check_shown(name: str, explorer, where: str) -> None:
    """The checks of the module docstring, for one setting."""
    check_plain_sentence(explorer.error)
    allowed = MAY_BE_INFINITE.get(name, set())
    for path, values in numeric_leaves(explorer.result):
        assert not np.any(np.isnan(values)), f"{where}: NaN in {path}"
        if path.split(".")[-1].split("[")[0] not in allowed:
            assert np.all(np.isfinite(values)), f"{where}: infinity in {path}"
    nan = re.compile(r"\bnan\b", re.IGNORECASE)
    assert not nan.search(explorer.text), f"{where}: the text says nan: {explorer.text!r}"
    for text in figure_texts(explorer.figure):
        assert not nan.search(text), f"{where}: the figure says nan: {text!r}"


@pytest.fixture(scope="module", autouse=True)
def _style():
    from qkit.plots import use_style

    use_style()  # as in the notebooks


@pytest.mark.parametrize("name", [entry.name for entry in bench.EXPLORERS])
def test_sweep_every_control(name):
    entry = next(e for e in bench.EXPLORERS if e.name == name)
    explorer = entry.build()
    if explorer.refine is not None:
        explorer.wait(120)
    check_shown(name, explorer, "as built")
    visited = []

    def visit(control, label, ex):
        visited.append((control, label))
        check_shown(name, ex, f"{control} = {label}")

    def visit_coarse(control, label, ex):
        with ex._lock:  # the refinement may be drawing in its thread: look at one consistent state
            check_shown(name, ex, f"{control} = {label} ({'refined' if ex.refined else 'coarse'} figure)")

    rows = bench.sweep(explorer, interior=0, visit=visit, visit_coarse=visit_coarse)
    assert {control for control, _ in visited} == set(explorer.controls), (
        "every control must move at least once in the sweep")
    assert len(rows) == len(visited)


def test_the_sweep_covers_every_explorer_the_notebooks_build():
    """A new ``*_explorer(`` call in a notebook needs a row in the benchmark's catalogue."""
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    called = set()
    for path in notebooks.glob("*.ipynb"):
        called |= set(re.findall(r"\b(\w+)_explorer\(", path.read_text(encoding="utf-8")))
    assert called, "no explorer found in the notebooks"
    assert called <= {entry.name for entry in bench.EXPLORERS}, called - {e.name for e in bench.EXPLORERS}


@pytest.mark.parametrize("message", [
    "Traceback (most recent call last):",
    "LinAlgError: Singular matrix",
    "x must be > 0, got <function f at 0x7f>",
    "numpy.core._exceptions._ArrayMemoryError: unable to allocate",
    "",  # empty passes
])
def test_the_plain_sentence_rule_rejects_raw_exception_text(message):
    if message:
        with pytest.raises(AssertionError):
            check_plain_sentence(message)
    else:
        check_plain_sentence(message)
    check_plain_sentence("mean_photoelectrons must satisfy 0 <= mean_photoelectrons <= 5000 (electrons), got -1.0")


def _pixels(figure) -> np.ndarray:
    """The figure rendered by the stock Agg canvas, as an RGBA array."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


def check_redraw_matches_a_fresh_draw(explorer, where: str) -> None:
    """The figure updated in place shows, pixel for pixel, what ``draw`` gives on a new figure."""
    from matplotlib.figure import Figure

    fresh = Figure(figsize=explorer.figure.get_size_inches())
    explorer.draw(fresh, explorer.result)
    shown, expected = _pixels(explorer.figure), _pixels(fresh)
    assert shown.shape == expected.shape, f"{where}: figure size changed"
    differing = int(np.any(shown != expected, axis=-1).sum())
    assert differing == 0, f"{where}: the in-place figure differs from a fresh draw in {differing} pixels"


@pytest.mark.parametrize("name", [entry.name for entry in bench.EXPLORERS])
def test_an_in_place_redraw_shows_what_a_fresh_draw_shows(name):
    """Explorers that update their figure in place (``redraw``) must not drift from ``draw``."""
    entry = next(e for e in bench.EXPLORERS if e.name == name)
    explorer = entry.build()
    if explorer.refine is not None:
        explorer.wait(120)
    if explorer.redraw is None:
        pytest.skip(f"{name} draws its figure anew on every change (no redraw)")
    redraws = []
    counted = explorer.redraw

    def redraw(fig, result):
        done = counted(fig, result)
        redraws.append(done)
        return done

    explorer.redraw = redraw

    def visit(control, label, ex):
        with ex._lock:
            check_redraw_matches_a_fresh_draw(ex, f"{control} = {label}")

    bench.sweep(explorer, interior=1, visit=visit, visit_coarse=visit)
    assert any(redraws), f"{name}: redraw never updated the figure in place"


@pytest.mark.parametrize("name", ["reception", "extractor", "noise_deployment", "dark_fit", "label_mix",
                                  "multimode"])
def test_titles_placed_at_y_1_sit_where_matplotlib_would_place_them(name):
    """These figures give their titles ``y=1.0`` (no measuring of the axes on every draw); that
    must stay where matplotlib's automatic placement puts them (no top ticks, no offset text)."""
    entry = next(e for e in bench.EXPLORERS if e.name == name)
    explorer = entry.build()
    if explorer.refine is not None:
        explorer.wait(120)
    axes = [ax for ax in explorer.figure.axes if ax.get_title() and ax._autotitlepos is False]
    assert axes, f"{name}: no title is placed by hand"
    fixed = _pixels(explorer.figure)
    for ax in axes:
        ax._autotitlepos = True
    assert np.array_equal(fixed, _pixels(explorer.figure)), f"{name}: a title moved when placed automatically"

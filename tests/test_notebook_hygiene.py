"""The committed notebooks read cleanly: executed in order, no errors, no warnings, a stated run time.

These tests read the files in ``notebooks/`` and ``solutions/`` as committed (they execute
nothing; nbval and the browser test do that). A learner opening a notebook on a code host or in
JupyterLab sees exactly these outputs, so a stray DeprecationWarning or traceback is a defect.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from qkit.workshop import stated_run_time

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))
WARNING = re.compile(r"\b\w+Warning\b")  # DeprecationWarning, RuntimeWarning, UserWarning, ...
TIMING_KEYS = ("execution", "ExecuteTime")  # nbclient's record_timing, jupyterlab-execute-time
MAX_RUN_TIME = 90.0  # seconds: CONTRIBUTING.md, "every notebook executes in under 90 s"


def _ids(paths):
    return [f"{p.parent.name}/{p.stem}" for p in paths]


@pytest.fixture(params=NOTEBOOKS, ids=_ids(NOTEBOOKS))
def nb(request):
    notebook = nbformat.read(request.param, as_version=4)
    notebook.path = request.param
    return notebook


def _code_cells(nb):
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]


def _output_text(out) -> str:
    if out.output_type == "stream":
        return out.text
    if out.output_type == "error":
        return "\n".join(out.traceback)
    data = out.get("data", {})
    return "\n".join(str(data.get(mime, "")) for mime in ("text/plain", "text/html", "text/markdown"))


def test_there_are_notebooks():
    assert (ROOT / "notebooks" / "00_start_here.ipynb") in NOTEBOOKS


def test_every_code_cell_was_executed_in_order(nb):
    counts = [(i, c.execution_count) for i, c in _code_cells(nb)]
    expected = list(range(1, len(counts) + 1))
    assert [n for _, n in counts] == expected, (
        f"{nb.path.name}: execution counts {[n for _, n in counts]} (cells {[i for i, _ in counts]}); "
        "commit it executed top to bottom in one fresh kernel: python3 course.py execute " + str(nb.path.relative_to(ROOT)))


def test_no_error_stderr_or_warning_in_outputs(nb):
    problems = []
    for index, cell in _code_cells(nb):
        for out in cell.outputs:
            if out.output_type == "error":
                problems.append(f"cell {index}: error {out.ename}: {out.evalue}")
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append(f"cell {index}: stderr {out.text.strip()[:150]!r}")
            else:
                warning = WARNING.search(_output_text(out))
                if warning:
                    problems.append(f"cell {index}: shows {warning.group(0)}")
    assert not problems, f"{nb.path.name}:\n" + "\n".join(problems)


def test_first_markdown_cell_states_the_run_time(nb):
    seconds = stated_run_time(nb)
    assert seconds is not None, (
        f"{nb.path.name}: the first markdown cell must say how long the notebook runs, e.g. 'Run time: about 20 s'")
    assert 0 < seconds <= MAX_RUN_TIME, f"{nb.path.name} states a run time of {seconds:g} s (at most {MAX_RUN_TIME:g} s)"


def test_no_execution_timing_metadata(nb):
    noisy = [f"cell {i}: {key}" for i, c in enumerate(nb.cells) for key in TIMING_KEYS if key in c.metadata]
    assert not noisy, f"{nb.path.name} carries timing metadata that churns every diff: {noisy[:5]}"


def test_the_warning_pattern_catches_what_it_must():
    for text in ("DeprecationWarning: x is deprecated", "/a.py:3: RuntimeWarning: divide by zero",
                 "UserWarning: y", "FutureWarning: z", "MatplotlibDeprecationWarning: w"):
        assert WARNING.search(text), text
    for text in ("mean = 625.000", "a warning light", "Warnings are errors here"):
        assert not WARNING.search(text), text

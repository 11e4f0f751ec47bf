"""exercises/ is generated from solutions/ and behaves as a learner expects."""

import json
import os
from pathlib import Path

import nbformat
import pytest

from qkit.authoring import write_exercises

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))


def _cells(path):
    nb = json.loads(Path(path).read_text())
    return [(c["cell_type"], "".join(c["source"]), c.get("outputs", []), c["metadata"]) for c in nb["cells"]]


def test_every_solution_has_an_exercise_and_no_exercise_is_orphaned():
    assert SOLUTIONS, "solutions/ holds no notebook"
    assert [p.name for p in SOLUTIONS] == [p.name for p in EXERCISES]


def test_solutions_carry_their_nbgrader_metadata():
    from qkit.grading import stamp_nbgrader_metadata

    for path in SOLUTIONS:
        nb = nbformat.read(path, as_version=4)
        assert stamp_nbgrader_metadata(nb, name=path.name) == nb, (
            f"solutions/{path.name} lacks nbgrader's cell metadata: run `python3 course.py exercises`")


def test_exercises_are_exactly_what_the_generator_writes(tmp_path):
    written = write_exercises(ROOT / "solutions", tmp_path)  # nbgrader generate_assignment
    for fresh in written:
        committed = ROOT / "exercises" / fresh.name
        assert _cells(fresh) == _cells(committed), (
            f"exercises/{fresh.name} differs from what solutions/{fresh.name} generates: "
            "run `python3 course.py exercises` and never edit exercises/ by hand"
        )


def test_no_answer_and_no_solution_prose_reaches_an_exercise():
    from qkit.authoring import BEGIN, END, SOLUTIONS_ONLY

    for path in EXERCISES:
        for kind, source, outputs, _ in _cells(path):
            assert BEGIN not in source and END not in source, f"{path.name}: a solution region survived"
            assert SOLUTIONS_ONLY not in " ".join(source.split()), f"{path.name}: prose for solution readers"
            assert outputs == [], f"{path.name}: an output (from the solution run?) survived"


@pytest.mark.parametrize("path", EXERCISES, ids=[p.name for p in EXERCISES])
def test_unfinished_exercise_notebook_runs_with_only_friendly_failures(path, monkeypatch):
    """Run the exercise notebook as a learner would, having written nothing yet."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    monkeypatch.setenv("QKIT_STRICT_CHECKS", "0")  # learners get messages, not exceptions
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3")
    km.kernel_spec.argv[0] = os.sys.executable
    client = NotebookClient(nb, km=km, timeout=600, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)

    checks = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        for error in errors:  # nbgrader's stub raises a bare NotImplementedError()
            assert error.ename == "NotImplementedError", (
                f"{path.name}, cell {index}: unexpected {error.ename}: {error.evalue}"
            )
        if "check_function(" in cell.source:
            checks += 1
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            assert not errors, f"{path.name}, cell {index}: the check cell raised instead of answering"
            assert "is not finished yet" in text, f"{path.name}, cell {index}: no friendly message"
            assert len(text.splitlines()) <= 3, f"{path.name}, cell {index}: the message is too long"
    assert checks, f"{path.name} has no check cell"

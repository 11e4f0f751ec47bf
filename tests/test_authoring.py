"""The exercise generator: nbgrader's metadata stamped from the solutions' markers (qkit.grading,
qkit.authoring). The whole nbgrader round trip is in tests/test_nbgrader.py."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from qkit.authoring import AuthoringError
from qkit.grading import build_course, stamp_nbgrader_metadata

ANSWER = "# Exercise 2.1: the pmf of Z\ndef f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
CHECK = 'check_function("2.1", f, reference=lambda x: x + 1, cases=[(1,)])'


def _chapter(*cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_answer_check_and_setup_cells_get_nbgrader_metadata():
    nb = _chapter(new_markdown_cell("# title"), new_code_cell("import numpy as np"), new_code_cell(ANSWER),
                  new_code_cell(CHECK), new_code_cell("print(f(3))"))
    out = stamp_nbgrader_metadata(nb, name="t.ipynb")
    meta = [c.metadata.get("nbgrader") for c in out.cells]
    assert meta[0] is None and meta[4] is None  # prose and free code cells stay ungraded
    assert meta[1] == {"grade": False, "grade_id": "setup", "locked": True, "schema_version": 3, "solution": False}
    assert meta[2] == {"grade": False, "grade_id": "ex-2_1", "locked": False, "schema_version": 3, "solution": True}
    assert meta[3] == {"grade": True, "grade_id": "check-2_1", "locked": True, "points": 1,
                       "schema_version": 3, "solution": False}
    assert "nbgrader" not in nb.cells[2].metadata, "the notebook given must not be modified"


def test_stamping_is_idempotent_keeps_points_and_drops_stale_metadata():
    nb = stamp_nbgrader_metadata(_chapter(new_code_cell("x = 1"), new_code_cell(ANSWER), new_code_cell(CHECK)))
    nb.cells[2].metadata["nbgrader"]["points"] = 3  # an author's choice
    nb.cells[1].source = "def f(x):\n    return x + 1\n"  # no longer an exercise...
    nb.cells.append(new_code_cell(ANSWER.replace("2.1", "2.2")))
    again = stamp_nbgrader_metadata(nb)
    assert again.cells[2].metadata["nbgrader"]["points"] == 3
    assert "nbgrader" not in again.cells[1].metadata
    assert again.cells[3].metadata["nbgrader"]["grade_id"] == "ex-2_2"
    assert stamp_nbgrader_metadata(again) == again


@pytest.mark.parametrize(
    "source, message",
    [
        ("# Exercise 1\n### BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("# Exercise 1\n### END SOLUTION\n", "without a"),
        ("# Exercise 1\n### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "nested"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "# Exercise <label>"),
        (ANSWER + CHECK, "either an answer or a check"),
    ],
)
def test_bad_markers_give_the_author_a_clear_error(source, message):
    with pytest.raises(AuthoringError, match=message) as info:
        stamp_nbgrader_metadata(_chapter(new_code_cell(source)), name="solutions/x.ipynb")
    assert "solutions/x.ipynb, cell 0" in str(info.value)


def test_a_label_used_twice_and_a_notebook_without_regions_are_refused():
    with pytest.raises(AuthoringError, match="second cell with grade id 'ex-2_1'"):
        stamp_nbgrader_metadata(_chapter(new_code_cell(ANSWER), new_code_cell(ANSWER)))
    with pytest.raises(AuthoringError, match="no '### BEGIN SOLUTION' region"):
        stamp_nbgrader_metadata(_chapter(new_code_cell("x = 1")), name="plain.ipynb")


def test_course_leaves_out_prose_for_solution_readers_and_outputs(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    intro = ("# Title\n\nDo the tasks.\n\n*(This is the solutions notebook: the answers\n"
             "are between the `### BEGIN SOLUTION` markers.)*")
    answer = new_code_cell(ANSWER, execution_count=3,
                           outputs=[nbformat.v4.new_output("stream", name="stdout", text="4\n")])
    nbformat.write(_chapter(new_markdown_cell(intro), answer, new_code_cell(CHECK)), solutions / "01_x.ipynb")
    course = tmp_path / "course"
    course.mkdir()
    assert build_course(solutions, course) == ["01_x"]
    source = nbformat.read(course / "source" / "01_x" / "01_x.ipynb", as_version=4)
    assert source.cells[0].source == "# Title\n\nDo the tasks."
    assert source.cells[1].outputs == [] and source.cells[1].metadata["nbgrader"]["solution"]
    assert "nbgrader_config.py" in {p.name for p in course.iterdir()}
    with pytest.raises(ValueError, match="course_dir must not hold a course yet"):
        build_course(solutions, course)


def test_execute_notebook_reports_problems_and_rewrites_identically(tmp_path):
    from qkit.authoring import execute_notebook

    nb = new_notebook(cells=[
        new_code_cell("import ipywidgets\nipywidgets.IntSlider(3)"),
        new_code_cell("import sys\nprint('to stderr', file=sys.stderr)"),
        new_code_cell("1 / 0"),
    ])
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    problems = execute_notebook(path)
    assert any("stderr: to stderr" in p for p in problems)
    assert any("ZeroDivisionError" in p for p in problems)
    first = path.read_bytes()
    execute_notebook(path)
    assert path.read_bytes() == first, "re-executing an unchanged notebook must not change the file"
    saved = nbformat.read(path, as_version=4)
    assert "widgets" not in saved.metadata
    assert all("execution" not in c.metadata for c in saved.cells)


def _solution_dir(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    nbformat.write(_chapter(new_code_cell("import math"), new_code_cell(ANSWER), new_code_cell(CHECK)),
                   solutions / "01_x.ipynb")
    return solutions


def test_write_exercises_refuses_what_would_lose_work_then_runs_nbgrader(tmp_path):
    from qkit.authoring import write_exercises

    solutions = _solution_dir(tmp_path)
    with pytest.raises(ValueError, match="exercises_dir must differ from solutions_dir"):
        write_exercises(solutions, solutions)  # would overwrite the answers
    with pytest.raises(ValueError, match="exercises_dir must be an existing directory, got '.*nowhere'"):
        write_exercises(solutions, tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"solutions_dir must hold solution notebooks \(\*.ipynb\)"):
        write_exercises(tmp_path / "empty", tmp_path)
    before = (solutions / "01_x.ipynb").read_bytes()
    assert [p.name for p in write_exercises(solutions, tmp_path)] == ["01_x.ipynb"]
    assert (solutions / "01_x.ipynb").read_bytes() == before, "write_exercises only reads the solutions"
    cells = nbformat.read(tmp_path / "01_x.ipynb", as_version=4).cells
    assert cells[1].source == ("# Exercise 2.1: the pmf of Z\ndef f(x):\n    # YOUR CODE HERE\n"
                               "    raise NotImplementedError()\n")
    assert cells[2].metadata["editable"] is False and cells[2].metadata["nbgrader"]["checksum"]


def test_command_line_stamps_the_solutions_and_reports_a_missing_source(tmp_path, capsys):
    from qkit.authoring import main

    solutions = _solution_dir(tmp_path)
    target = tmp_path / "new" / "exercises"
    assert main(["exercises", "--solutions", str(solutions), "--exercises", str(target)]) == 0
    assert (target / "01_x.ipynb").is_file()
    assert nbformat.read(solutions / "01_x.ipynb", as_version=4).cells[1].metadata["nbgrader"]["solution"]
    assert main(["course", str(tmp_path / "course"), "--solutions", str(solutions)]) == 0
    assert (tmp_path / "course" / "source" / "01_x" / "01_x.ipynb").is_file()
    assert main(["exercises", "--solutions", str(tmp_path / "none"), "--exercises", str(target)]) == 1
    assert "solutions_dir must be an existing directory" in capsys.readouterr().err
    assert main(["execute", str(tmp_path / "missing.ipynb")]) == 1
    assert "path must be an existing .ipynb file" in capsys.readouterr().out


def test_run_nbgrader_refuses_a_directory_that_is_no_course(tmp_path):
    from qkit.grading import run_nbgrader

    with pytest.raises(ValueError, match="course_dir must be an nbgrader course"):
        run_nbgrader(tmp_path, "--version")
    with pytest.raises(ValueError, match="course_dir must be an existing directory"):
        run_nbgrader(tmp_path / "nowhere", "--version")
    (tmp_path / "nbgrader_config.py").write_text("")
    with pytest.raises(TypeError, match="args must be a string"):
        run_nbgrader(tmp_path, 3)

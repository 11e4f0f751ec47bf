"""The exercise generator's marker rules (qkit.authoring)."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from qkit.authoring import AuthoringError, make_exercise, strip_solutions


def test_region_replaced_at_its_indentation_with_named_error():
    source = (
        "# Exercise 2.1: the pmf of Z\n"
        "def f(x):\n"
        "    y = 2 * x\n"
        "    ### BEGIN SOLUTION\n"
        "    y = y + 1\n"
        "    return y\n"
        "    ### END SOLUTION\n"
    )
    out, count = strip_solutions(source)
    assert count == 1
    assert out == (
        "# Exercise 2.1: the pmf of Z\n"
        "def f(x):\n"
        "    y = 2 * x\n"
        '    raise NotImplementedError("Exercise 2.1: write your code here")\n'
    )
    compile(out, "<cell>", "exec")  # still valid Python


def test_two_regions_and_a_top_level_one():
    source = (
        "# Exercise 3\n"
        "### BEGIN SOLUTION\n"
        "a = 1\n"
        "### END SOLUTION\n"
        "if True:\n"
        "        ### BEGIN SOLUTION\n"
        "        b = 2\n"
        "        ### END SOLUTION\n"
    )
    out, count = strip_solutions(source)
    assert count == 2
    assert 'raise NotImplementedError("Exercise 3: write your code here")\n' in out
    assert '        raise NotImplementedError("Exercise 3: write your code here")' in out
    assert "a = 1" not in out and "b = 2" not in out


@pytest.mark.parametrize(
    "source, message",
    [
        ("# Exercise 1\n### BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("# Exercise 1\n### END SOLUTION\n", "without a"),
        ("# Exercise 1\n### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "nested"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "# Exercise <label>"),
    ],
)
def test_bad_markers_give_the_author_a_clear_error(source, message):
    with pytest.raises(AuthoringError, match=message) as info:
        strip_solutions(source, where="solutions/x.ipynb, cell 3")
    assert "solutions/x.ipynb, cell 3, line" in str(info.value)


def test_make_exercise_clears_outputs_and_keeps_other_cells():
    cell = new_code_cell("# Exercise 1.1: x\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n",
                         execution_count=4,
                         outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")])
    other = new_code_cell("print(2)", execution_count=5,
                          outputs=[nbformat.v4.new_output("stream", name="stdout", text="2\n")])
    nb = new_notebook(cells=[new_markdown_cell("# title"), cell, other])
    ex = make_exercise(nb, name="t.ipynb")
    assert ex.cells[0].source == "# title"
    assert "x = 1" not in ex.cells[1].source
    assert all(c.outputs == [] and c.execution_count is None for c in ex.cells[1:])
    assert nb.cells[1].outputs, "the solution notebook itself must not be modified"


def test_notebook_without_regions_is_refused():
    with pytest.raises(AuthoringError, match="no '### BEGIN SOLUTION' region"):
        make_exercise(new_notebook(cells=[new_code_cell("x = 1")]), name="plain.ipynb")


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
    cell = new_code_cell("# Exercise 1.1: x\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n")
    nbformat.write(new_notebook(cells=[cell]), solutions / "01_x.ipynb")
    return solutions


def test_write_exercises_refuses_what_would_lose_work(tmp_path):
    from qkit.authoring import write_exercises

    solutions = _solution_dir(tmp_path)
    with pytest.raises(ValueError, match="exercises_dir must differ from solutions_dir"):
        write_exercises(solutions, solutions)  # would overwrite the answers
    with pytest.raises(ValueError, match="exercises_dir must be an existing directory, got '.*nowhere'"):
        write_exercises(solutions, tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"solutions_dir must hold solution notebooks \(\*.ipynb\)"):
        write_exercises(tmp_path / "empty", tmp_path)
    assert [p.name for p in write_exercises(solutions, tmp_path)] == ["01_x.ipynb"]


def test_command_line_makes_the_target_and_reports_a_missing_source(tmp_path, capsys):
    from qkit.authoring import main

    solutions = _solution_dir(tmp_path)
    target = tmp_path / "new" / "exercises"
    assert main(["exercises", "--solutions", str(solutions), "--exercises", str(target)]) == 0
    assert (target / "01_x.ipynb").is_file()
    assert main(["exercises", "--solutions", str(tmp_path / "none"), "--exercises", str(target)]) == 1
    assert "solutions_dir must be an existing directory" in capsys.readouterr().err
    assert main(["execute", str(tmp_path / "missing.ipynb")]) == 1
    assert "path must be an existing .ipynb file" in capsys.readouterr().out


def test_prose_for_the_solutions_stays_out_of_the_exercise():
    import nbformat
    from qkit.authoring import make_exercise

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nDo the tasks.\n\n*(This is the solutions notebook: the answers\nare between markers.)*"),
        nbformat.v4.new_code_cell("# Exercise 1.1: x\ndef f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
    ]
    out = make_exercise(nb)
    assert out.cells[0].source == "# Title\n\nDo the tasks."
    assert "solutions notebook" in nb.cells[0].source  # the solution itself is untouched

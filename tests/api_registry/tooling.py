"""Registry cases for the course's tooling: ``qkit.workshop``, ``qkit.authoring``, ``qkit.grading``.

See ``__init__.py`` beside this file for the format. ``course.py`` (the entry point, standard
library only) has no ``__all__`` and is tested in ``tests/test_course.py``.

Free-text arguments (a check's name and detail, a cell's source, the text of a listing) accept
any string, so the automatic ``unknown`` kind (a string no choice has) is allowed for them: each
``allow`` says so. A kernel name that is not installed is what the check reports as FAIL, not a
bad argument.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from api_registry import Case

ROOT = Path(__file__).resolve().parents[2]
LISTING = ("JupyterLab v4.6.6\n/env/share/jupyter/labextensions\n"
           "        @jupyter-widgets/jupyterlab-manager v5.0.16 enabled OK (python, jupyterlab_widgets)\n")
SOLUTION = "# Exercise 1.1: one\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n"
FREE_TEXT = ("unknown",)  # any string is valid here

# Directories made once per test session for the file-taking cases; the calls only read them
# (execute_notebook rewrites its own copy, made fresh per call).
_TMP = Path(tempfile.mkdtemp(prefix="qkit-registry-tooling-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _notebook(*sources: str) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell("# t\n\nRun time: about 1 s")]
                      + [new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _fresh_notebook_file(*sources: str) -> Path:
    path = Path(tempfile.mkdtemp(dir=_TMP)) / "probe.ipynb"
    nbformat.write(_notebook(*sources), path)
    return path


def _solution_dirs() -> tuple[Path, Path]:
    base = Path(tempfile.mkdtemp(dir=_TMP))
    (base / "solutions").mkdir()
    (base / "exercises").mkdir()
    nbformat.write(_notebook(SOLUTION), base / "solutions" / "01_one.ipynb")
    return base / "solutions", base / "exercises"


def _fresh_dir() -> Path:
    return Path(tempfile.mkdtemp(dir=_TMP))


def _workshop_root() -> Path:
    """A course root with a pyproject.toml and no notebooks (for main --quick)."""
    base = Path(tempfile.mkdtemp(dir=_TMP))
    (base / "pyproject.toml").write_text('[project]\nname = "qkit"\nrequires-python = ">=3.11"\n'
                                        'dependencies = ["numpy>=1.0"]\n')
    return base


def _check_result():
    from qkit.workshop import CheckResult

    return CheckResult("numpy >=1.26", "PASS", "2.4.6", 1.5)


CASES = [
    # -- qkit.workshop ---------------------------------------------------------------------
    Case("qkit.workshop.CheckResult", args=("numpy >=1.26", "PASS", "2.4.6", 1.5),
         bad={"status": ["pass", "OK"], "seconds": [-1.0]},
         allow={"name": FREE_TEXT, "detail": FREE_TEXT}),
    Case("qkit.workshop.LabExtension", args=("@jupyter-widgets/jupyterlab-manager", "5.0.16", True, True),
         bad={"version": ["five", ""], "enabled": [1, "enabled"]},
         allow={"name": FREE_TEXT}),
    Case("qkit.workshop.course_requirements", args=(ROOT, ("lab",)),
         bad={"root": [ROOT / "no-such-directory", ROOT / "README.md"], "extras": ["lab", [3]]}),
    Case("qkit.workshop.check_python", args=(">=3.11", "3.12.1"),
         bad={"requires_python": [">=>3", "3.11"], "version": ["", "three"]}),
    Case("qkit.workshop.check_requirement", args=("numpy>=1.26", lambda name: "2.0.0"),
         bad={"requirement": ["numpy>>1", ""], "installed": ["2.0.0"]},
         # any package name is a valid requirement (one not installed is reported as FAIL)
         allow={"requirement": ("unknown",)}),
    Case("qkit.workshop.parse_labextension_list", args=(LISTING,), bad={"text": [b"bytes"]},
         allow={"text": FREE_TEXT}),
    Case("qkit.workshop.check_widget_extension", args=(LISTING, "8.1.9"),
         bad={"ipywidgets_version": ["", "eight"], "listing": [["a list"]]},
         allow={"listing": FREE_TEXT}),
    Case("qkit.workshop.check_kernel", args=("python3", 60.0), timeout=120.0,
         bad={"timeout": [0.0, -5.0]},
         allow={"kernel_name": ("unknown",)}),  # an uninstalled kernel is the FAIL the check reports
    Case("qkit.workshop.stated_run_time", args=(_notebook("x = 1"),), bad={"nb": [{"cells": "x"}, []]}),
    Case("qkit.workshop.slow_cells_without_progress", args=(_notebook("x = 1"), 15.0),
         bad={"nb": [{}], "threshold": [-1.0]}),
    Case("qkit.workshop.check_notebook", make=lambda: ((_fresh_notebook_file("x = 1 + 1"), 60.0, "python3"), {}),
         timeout=120.0,
         bad={"path": [ROOT / "README.md", ROOT / "notebooks"], "timeout": [0.0, -1.0]},
         allow={"kernel_name": ("unknown",)}),  # an uninstalled kernel is the FAIL the check reports
    Case("qkit.workshop.format_report", args=([_check_result()],),
         bad={"results": [["PASS"], _check_result()]}),
    Case("qkit.workshop.main", timeout=180.0, bad={"argv": ["--quick", [3]]},
         make=lambda: ((["--root", str(_workshop_root()), "--extra", "none", "--quick"],), {})),
    # -- qkit.authoring --------------------------------------------------------------------
    Case("qkit.authoring.execute_notebook", make=lambda: ((_fresh_notebook_file("x = 1 + 1"),), {"timeout": 60}),
         timeout=120.0,
         bad={"path": [ROOT / "README.md"], "timeout": [0, -5, 2.5]}),
    Case("qkit.authoring.main", make=lambda: ((["course", str(_fresh_dir()), "--solutions",
                                                 str(_solution_dirs()[0])],), {}),
         bad={"argv": ["exercises", [None]]}),
    # -- qkit.grading ----------------------------------------------------------------------
    Case("qkit.grading.stamp_nbgrader_metadata", args=(_notebook(SOLUTION),), kwargs={"name": "01_one.ipynb"},
         bad={"solution": [{"cells": None}, []]},
         allow={"name": FREE_TEXT}),
    Case("qkit.grading.stamp_solutions", make=lambda: ((_solution_dirs()[0],), {}),
         bad={"solutions_dir": [ROOT / "no-such-directory", ROOT / "README.md"]}),
    Case("qkit.grading.build_course", make=lambda: ((_solution_dirs()[0], _fresh_dir()), {}),
         bad={"solutions_dir": [ROOT / "no-such-directory"], "course_dir": [ROOT / "README.md"]}),
]

EXEMPT = {
    "qkit.authoring.write_exercises": "its valid call runs nbgrader (several seconds of CPU); "
                                      "tests/test_authoring.py makes it and checks its refusals",
    "qkit.grading.generate_exercises": "what write_exercises runs; see there",
    "qkit.grading.run_nbgrader": "starts nbgrader (several seconds of CPU); tests/test_authoring.py "
                                 "checks its refusals, tests/test_nbgrader.py its real use",
}

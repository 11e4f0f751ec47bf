"""nbgrader as the exercise generator, and a gradeable course (a maintainer's and instructor's tool).

``solutions/*.ipynb`` are the single source of every exercise. This module

1. stamps nbgrader's cell metadata onto a solution notebook from what the notebook already says
   (:func:`stamp_nbgrader_metadata`, idempotent):

   * a code cell with ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` and a line
     ``# Exercise <label>: <title>`` above the region is an *autograded answer*
     (``solution: true``, ``grade_id: "ex-<label>"``);
   * a code cell calling ``check_function("<label>", ...)`` is an *autograder test*
     (``grade: true``, ``locked: true``, ``points``: 1 unless the author set other points,
     ``grade_id: "check-<label>"``), so every exercise scores on its own: partial marks;
   * the first code cell (the imports the checks rely on) is *read-only* (``locked: true``);
2. lays out an nbgrader course, ``source/<chapter>/<chapter>.ipynb`` plus ``nbgrader_config.py``
   (:func:`build_course`), leaving out the markdown meant for solution readers only (a paragraph
   containing :data:`qkit.authoring.SOLUTIONS_ONLY`): nbgrader has no rule for prose one audience
   must not see, so that step stays ours;
3. runs nbgrader's own ``generate_assignment`` and copies its ``release/`` notebooks into
   ``exercises/`` (:func:`generate_exercises`): each region becomes nbgrader's stub
   ``# YOUR CODE HERE`` / ``raise NotImplementedError()``, outputs are cleared.

Under ``nbgrader autograde`` (and ``nbgrader validate``) nbgrader sets ``NBGRADER_EXECUTION`` in
the kernel's environment, and :func:`qkit.exercises.strict_mode` is then on: a check cell raises
on any answer that is not right (an unfinished one included), so its points are lost.

nbgrader is imported only here and only when a course is built (the ``instructor`` extra);
learners never need it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from qkit._tooling import require_notebook, require_path, require_str
from qkit.authoring import BEGIN, END, AuthoringError, _drop_solution_prose

__all__ = ["stamp_nbgrader_metadata", "stamp_solutions", "build_course", "run_nbgrader",
           "generate_exercises", "NBGRADER_CONFIG"]

SCHEMA_VERSION = 3
_LABEL = re.compile(r"^\s*#\s*Exercise\s+([0-9A-Za-z][\w.\-]*)\s*[:.\-]?", re.IGNORECASE)
_CHECK = re.compile(r"""check_function\(\s*["']([^"']+)["']""")

NBGRADER_CONFIG = '''\
"""nbgrader configuration of the qkit course (written by qkit.grading.build_course)."""
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "qkit"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.ClearSolutions.enforce_metadata = True   # a solution region outside a solution cell is an error
c.Execute.timeout = 300                    # seconds per cell under autograde (chapters run < 90 s);
                                           # a failing check costs its points, the rest still runs
'''
"""The ``nbgrader_config.py`` :func:`build_course` writes (instructors add their exchange)."""


def _grade_id(prefix: str, label: str) -> str:
    """nbgrader-safe id: letters, digits, ``_`` and ``-`` only (``"2.1"`` -> ``"ex-2_1"``)."""
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9_\-]", "_", label)


def _solution_label(source: str, where: str) -> str | None:
    """The exercise label of a cell with solution regions (None for a cell without one)."""
    label = None
    begins = ends = 0
    for number, line in enumerate(source.splitlines(), start=1):
        found = _LABEL.match(line)
        if found and label is None and begins == ends:
            label = found.group(1).rstrip(".")
        if BEGIN in line:
            if begins > ends:
                raise AuthoringError(f"{where}, line {number}: '{BEGIN}' inside an open region; "
                                     "regions cannot be nested")
            if label is None:
                raise AuthoringError(f"{where}, line {number}: a solution region needs a line "
                                     f"'# Exercise <label>: <title>' above it in the same cell")
            begins += 1
        elif END in line:
            if ends >= begins:
                raise AuthoringError(f"{where}, line {number}: '{END}' without a '{BEGIN}' before it")
            ends += 1
    if begins > ends:
        raise AuthoringError(f"{where}: '{BEGIN}' is never closed by '{END}'")
    return label if begins else None


def _cell_metadata(kind: str, grade_id: str, points: float | None = None) -> dict:
    meta = {"grade": kind == "test", "grade_id": grade_id, "locked": kind != "solution",
            "schema_version": SCHEMA_VERSION, "solution": kind == "solution"}
    if kind == "test":
        meta["points"] = points
    return meta


def stamp_nbgrader_metadata(solution: nbformat.NotebookNode, *, name: str = "notebook") -> nbformat.NotebookNode:
    """Return a copy of a solution notebook with nbgrader's cell metadata (see the module text).

    Parameters
    ----------
    solution : nbformat.NotebookNode
        A solution notebook as :func:`nbformat.read` returns it (left unchanged).
    name : str
        Where it came from, for error messages.

    Returns
    -------
    nbformat.NotebookNode
        The stamped copy. Stamping a stamped notebook changes nothing, except that the metadata
        of a cell that is no longer an answer, a check or the setup cell is removed. Points an
        author set on a test cell are kept.

    Raises
    ------
    AuthoringError
        For broken markers, an unnamed region, a cell that is both an answer and a check, two
        answers or two checks with the same label, or a notebook without any region.
    """
    require_notebook("solution", solution)
    require_str("name", name)
    nb = nbformat.from_dict(solution)
    seen: set[str] = set()
    setup_done = False
    for index, cell in enumerate(nb.cells):
        old = cell.metadata.pop("nbgrader", None) or {}
        if cell.cell_type != "code":
            continue
        where = f"{name}, cell {index}"
        label = _solution_label(cell.source, where)
        checks = _CHECK.findall(cell.source)
        if label is not None and checks:
            raise AuthoringError(f"{where}: a cell is either an answer or a check, not both; "
                                 "move the check_function call into the next cell")
        if label is not None:
            meta = _cell_metadata("solution", _grade_id("ex", label))
        elif checks:
            points = old.get("points", 1) if old.get("grade") else 1
            meta = _cell_metadata("test", _grade_id("check", "+".join(dict.fromkeys(checks))), points)  # each label once
        elif not setup_done:
            meta = _cell_metadata("readonly", "setup")
        else:
            continue
        setup_done = True
        if meta["grade_id"] in seen:
            raise AuthoringError(f"{where}: a second cell with grade id {meta['grade_id']!r}; "
                                 "each exercise label is used by one answer cell and one check cell")
        seen.add(meta["grade_id"])
        cell.metadata["nbgrader"] = meta
    if not any(i.startswith("ex-") for i in seen):
        raise AuthoringError(f"{name}: no '{BEGIN}' region found; is this a solution notebook?")
    return nb


def stamp_solutions(solutions_dir: Path) -> list[Path]:
    """Stamp every ``solutions_dir/*.ipynb`` in place; return the files that changed.

    ``solutions_dir`` must be an existing directory holding at least one notebook. A file is
    rewritten only when its metadata changes, so a second run returns ``[]``.
    """
    solutions_dir = require_path("solutions_dir", solutions_dir, kind="directory")
    sources = sorted(solutions_dir.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"solutions_dir must hold solution notebooks (*.ipynb), got "
                         f"{str(solutions_dir)!r} with none")
    changed = []
    for path in sources:
        before = nbformat.read(path, as_version=4)
        after = stamp_nbgrader_metadata(before, name=str(path))
        if after != before:
            nbformat.write(after, path)
            changed.append(path)
    return changed


def build_course(solutions_dir: Path, course_dir: Path) -> list[str]:
    """Lay out an nbgrader course from the solutions; return its assignment names.

    Writes ``course_dir/nbgrader_config.py`` (:data:`NBGRADER_CONFIG`) and, for every
    ``solutions_dir/<chapter>.ipynb``, ``course_dir/source/<chapter>/<chapter>.ipynb``: the
    stamped solution without the prose meant for solution readers and without outputs. Both
    directories must exist; ``course_dir`` must not hold a ``source`` folder yet.
    """
    solutions_dir = require_path("solutions_dir", solutions_dir, kind="directory")
    course_dir = require_path("course_dir", course_dir, kind="directory")
    if (course_dir / "source").exists():
        raise ValueError(f"course_dir must not hold a course yet (it would be overwritten), got "
                         f"{str(course_dir)!r} with a source/ folder")
    sources = sorted(solutions_dir.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"solutions_dir must hold solution notebooks (*.ipynb), got "
                         f"{str(solutions_dir)!r} with none")
    (course_dir / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    names = []
    for path in sources:
        nb = stamp_nbgrader_metadata(nbformat.read(path, as_version=4), name=str(path))
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _drop_solution_prose(cell.source)
            elif cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        target = course_dir / "source" / path.stem / path.name
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)
        names.append(path.stem)
    return names


def run_nbgrader(course_dir: Path, *args: str, timeout: float = 1800.0) -> str:
    """Run ``nbgrader <args>`` in ``course_dir`` with this interpreter; return its log.

    Raises ``RuntimeError`` with the end of nbgrader's log when it fails, and ``ValueError``
    when ``course_dir`` holds no ``nbgrader_config.py``.
    """
    course_dir = require_path("course_dir", course_dir, kind="directory")
    if not (course_dir / "nbgrader_config.py").is_file():
        raise ValueError(f"course_dir must be an nbgrader course (with nbgrader_config.py), got {str(course_dir)!r}")
    for arg in args:
        require_str("args", arg)
    # nbgrader runs the ``alembic`` command of its environment: put this environment's scripts first
    scripts = str(Path(sys.executable).parent)
    env = dict(os.environ, PYTHONWARNINGS="ignore", PATH=os.pathsep.join([scripts, os.environ.get("PATH", "")]))
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, capture_output=True,
                          text=True, timeout=timeout, env=env)
    log = done.stdout + done.stderr
    if done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit status {done.returncode}):\n{log[-3000:]}")
    return log


def generate_exercises(solutions_dir: Path, exercises_dir: Path) -> list[Path]:
    """Write ``exercises_dir/X.ipynb`` for every ``solutions_dir/X.ipynb`` with nbgrader.

    A temporary course is built (:func:`build_course`, which stamps a copy of each solution:
    the files in ``solutions_dir`` are only read), ``nbgrader generate_assignment`` writes its
    ``release/`` notebooks, and these are copied (outputs cleared, no execution records) into
    ``exercises_dir``. Both must be existing, different directories. Returns the paths written.
    """
    solutions_dir = require_path("solutions_dir", solutions_dir, kind="directory")
    exercises_dir = require_path("exercises_dir", exercises_dir, kind="directory")
    if exercises_dir.resolve() == solutions_dir.resolve():
        raise ValueError(f"exercises_dir must differ from solutions_dir (it would overwrite the answers), "
                         f"got {str(exercises_dir)!r} for both")
    written = []
    with tempfile.TemporaryDirectory(prefix="qkit-course-") as tmp:
        course = Path(tmp)
        names = build_course(solutions_dir, course)
        run_nbgrader(course, "generate_assignment", "*", "--force")
        for name in names:
            nb = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
            for cell in nb.cells:
                cell.metadata.pop("execution", None)
                if cell.cell_type == "code":
                    cell.outputs, cell.execution_count = [], None
            target = exercises_dir / f"{name}.ipynb"
            nbformat.write(nb, target)
            written.append(target)
    return written

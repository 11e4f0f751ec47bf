"""Write the exercise notebooks from the solution notebooks (a maintainer's tool).

``solutions/*.ipynb`` are the single source of every exercise. In a code cell, the lines between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers) are the answer; the cell
names its exercise on a comment line above the region, ``# Exercise 2.1: the pmf of Z``.
:func:`make_exercise` replaces each region, at the indentation of its ``BEGIN`` marker, by::

    raise NotImplementedError("Exercise 2.1: write your code here")

and clears every output, so ``exercises/*.ipynb`` never carries an answer.

Run ``python3 course.py exercises`` (or ``python -m qkit.authoring exercises``) after editing a
solution, and ``python3 course.py execute NOTEBOOK`` to re-execute a notebook in place.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import time
from pathlib import Path

import nbformat

from qkit._tooling import require_notebook, require_path, require_seconds, require_str

__all__ = [
    "AuthoringError", "strip_solutions", "make_exercise", "write_exercises", "execute_notebook", "main",
]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
SOLUTIONS_ONLY = "This is the solutions notebook"
"""A markdown paragraph containing this phrase speaks to readers of ``solutions/`` only and is
left out of the exercise version."""
_LABEL = re.compile(r"^\s*#\s*Exercise\s+([0-9A-Za-z][\w.\-]*)\s*[:.\-]?", re.IGNORECASE)


class AuthoringError(ValueError):
    """A solution notebook breaks the marker rules (unclosed, nested or unnamed region)."""


def strip_solutions(source: str, *, where: str = "cell") -> tuple[str, int]:
    """Replace every solution region of one cell's source.

    Parameters
    ----------
    source : str
        The code cell's source.
    where : str
        Where the cell is (for error messages), e.g. ``"solutions/00_warmup.ipynb, cell 4"``.

    Returns
    -------
    (str, int)
        The new source and the number of regions replaced.

    Raises
    ------
    AuthoringError
        For an ``END`` without ``BEGIN``, a ``BEGIN`` inside a region, a region never closed,
        or a region with no ``# Exercise <label>`` line above it in the cell.
    """
    require_str("source", source)
    require_str("where", where)
    out: list[str] = []
    label: str | None = None
    region_start: int | None = None
    count = 0
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if region_start is None:
            found = _LABEL.match(line)
            if found:
                label = found.group(1).rstrip(".")
        if stripped.startswith(BEGIN):
            if region_start is not None:
                raise AuthoringError(
                    f"{where}, line {number}: '{BEGIN}' inside the region opened on line "
                    f"{region_start}; regions cannot be nested"
                )
            if label is None:
                raise AuthoringError(
                    f"{where}, line {number}: a solution region needs a line "
                    f"'# Exercise <label>: <title>' above it in the same cell"
                )
            region_start = number
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("Exercise {label}: write your code here")')
            count += 1
        elif stripped.startswith(END):
            if region_start is None:
                raise AuthoringError(f"{where}, line {number}: '{END}' without a '{BEGIN}' before it")
            region_start = None
        elif region_start is None:
            out.append(line)
    if region_start is not None:
        raise AuthoringError(f"{where}, line {region_start}: '{BEGIN}' is never closed by '{END}'")
    text = "\n".join(out)
    if source.endswith("\n"):
        text += "\n"
    return text, count


def make_exercise(solution: nbformat.NotebookNode, *, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the exercise version of a solution notebook (regions replaced, outputs cleared).

    ``solution`` is a notebook as :func:`nbformat.read` returns it; ``name`` says where it came
    from in error messages.
    """
    require_notebook("solution", solution)
    require_str("name", name)
    exercise = nbformat.from_dict(solution)
    total = 0
    for index, cell in enumerate(exercise.cells):
        if cell.cell_type == "markdown":
            cell.source = _drop_solution_prose(cell.source)
        if cell.cell_type != "code":
            continue
        cell.source, count = strip_solutions(cell.source, where=f"{name}, cell {index}")
        total += count
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    if total == 0:
        raise AuthoringError(f"{name}: no '{BEGIN}' region found; is this a solution notebook?")
    return exercise


def _drop_solution_prose(source: str) -> str:
    """Markdown without the paragraphs meant for the solutions notebook (see :data:`SOLUTIONS_ONLY`)."""
    paragraphs = re.split(r"\n\s*\n", source)
    kept = [p for p in paragraphs if SOLUTIONS_ONLY not in " ".join(p.split())]
    return "\n\n".join(kept).rstrip("\n") if len(kept) < len(paragraphs) else source


def write_exercises(solutions_dir: Path, exercises_dir: Path) -> list[Path]:
    """Write ``exercises_dir/X.ipynb`` for every ``solutions_dir/X.ipynb``; return the paths.

    Both must be existing directories, and different; ``solutions_dir`` must hold at least one
    notebook.
    """
    solutions_dir = require_path("solutions_dir", solutions_dir, kind="directory")
    exercises_dir = require_path("exercises_dir", exercises_dir, kind="directory")
    if exercises_dir.resolve() == solutions_dir.resolve():
        raise ValueError(f"exercises_dir must differ from solutions_dir (it would overwrite the answers), "
                         f"got {str(exercises_dir)!r} for both")
    sources = sorted(solutions_dir.glob("*.ipynb"))
    if not sources:
        raise ValueError(f"solutions_dir must hold solution notebooks (*.ipynb), got {str(solutions_dir)!r} "
                         "with none")
    written = []
    for path in sources:
        solution = nbformat.read(path, as_version=4)
        exercise = make_exercise(solution, name=str(path))
        target = exercises_dir / path.name
        nbformat.write(exercise, target)
        written.append(target)
    return written


def execute_notebook(path: Path, *, timeout: int = 900) -> list[str]:
    """Execute a notebook in place with a kernel of this interpreter; return its problems.

    Outputs are saved into the file. The problems listed are error outputs and anything written
    to stderr (warnings included), which committed notebooks must not carry. ``path`` is an
    existing ``.ipynb`` file; ``timeout`` is the whole number of seconds allowed per cell.
    """
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    path = require_path("path", path, suffix=".ipynb")
    if not isinstance(timeout, int) or isinstance(timeout, bool):
        raise TypeError(f"timeout must be a whole number of seconds, got {timeout!r} ({type(timeout).__name__})")
    require_seconds("timeout", timeout)
    nb = nbformat.read(path, as_version=4)
    km = KernelManager(kernel_name="python3")
    km.kernel_spec.argv[0] = sys.executable  # this environment's Python, whatever is registered
    env = dict(os.environ, QKIT_STRICT_CHECKS="1" if "solutions" in path.parts else "0")
    client = NotebookClient(
        nb, km=km, timeout=timeout, record_timing=False, store_widget_state=True,
        allow_errors=True, resources={"metadata": {"path": str(path.parent)}},
    )
    old_env = dict(os.environ)
    os.environ.update(env)
    try:
        client.execute()
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=False)
        os.environ.clear()
        os.environ.update(old_env)
    # Widget models get fresh random ids on every run. Their state is not saved (it would churn
    # every diff), so the views point at nothing; give them stable ids so that re-executing an
    # unchanged notebook rewrites it byte for byte.
    nb.metadata.pop("widgets", None)
    problems = []
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        for number, output in enumerate(cell.get("outputs", [])):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                view["model_id"] = hashlib.sha256(f"{path.name}:{index}:{number}".encode()).hexdigest()[:32]
            if output.output_type == "error":
                problems.append(f"cell {index}: {output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                problems.append(f"cell {index}: stderr: {output.text.strip()[:200]}")
    nbformat.write(nb, path)
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m qkit.authoring exercises`` or ``... execute [NOTEBOOK ...]``.

    ``argv``: the arguments as a list of strings (None: ``sys.argv[1:]``).
    """
    if argv is not None and (not isinstance(argv, (list, tuple)) or not all(isinstance(a, str) for a in argv)):
        raise TypeError(f"argv must be a list of strings such as ['exercises'], got {argv!r:.120}")
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(prog="python -m qkit.authoring")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("exercises", help="regenerate exercises/ from solutions/")
    ex.add_argument("--solutions", type=Path, default=root / "solutions")
    ex.add_argument("--exercises", type=Path, default=root / "exercises")
    run = sub.add_parser("execute", help="execute notebooks in place (default: all notebooks and solutions)")
    run.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.command == "exercises":
        try:
            if args.solutions.is_dir():  # the command line makes the target directory
                args.exercises.mkdir(parents=True, exist_ok=True)
            written = write_exercises(args.solutions, args.exercises)
        except (AuthoringError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        for path in written:
            print(f"wrote {path}")
        return 0
    paths = args.notebooks or sorted((root / "notebooks").glob("*.ipynb")) + sorted(
        (root / "solutions").glob("*.ipynb"))
    failed = False
    for path in paths:
        started = time.perf_counter()
        try:
            problems = execute_notebook(path)
        except ValueError as exc:
            problems = [str(exc)]
        seconds = time.perf_counter() - started
        print(f"{'FAIL' if problems else 'ok  '} {path} ({seconds:.1f} s)")
        for problem in problems:
            print(f"     {problem}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

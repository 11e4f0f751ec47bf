"""Write the exercise notebooks from the solution notebooks (a maintainer's tool).

``solutions/*.ipynb`` are the single source of every exercise. In a code cell, the lines between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers) are the answer; the cell
names its exercise on a comment line above the region, ``# Exercise 2.1: the pmf of Z``.
nbgrader's ``generate_assignment`` replaces each region, at the indentation of its ``BEGIN``
marker, by ``# YOUR CODE HERE`` and ``raise NotImplementedError()``, and clears every output, so
``exercises/*.ipynb`` never carries an answer (:mod:`qkit.grading` drives nbgrader).

What nbgrader has no rule for stays here: a markdown paragraph containing :data:`SOLUTIONS_ONLY`
speaks to solution readers only and is left out of the course nbgrader sees.

Run ``python3 course.py exercises`` (or ``python -m qkit.authoring exercises``) after editing a
solution: it stamps nbgrader's cell metadata onto ``solutions/`` in place, then regenerates
``exercises/``. ``python -m qkit.authoring course DIR`` lays out an nbgrader course for an
instructor, and ``python3 course.py execute NOTEBOOK`` re-executes a notebook in place.
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

from qkit._tooling import require_path, require_seconds

__all__ = ["AuthoringError", "write_exercises", "execute_notebook", "main"]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
SOLUTIONS_ONLY = "This is the solutions notebook"
"""A markdown paragraph containing this phrase speaks to readers of ``solutions/`` only and is
left out of the exercise version."""


class AuthoringError(ValueError):
    """A solution notebook breaks the marker rules (unclosed, nested or unnamed region, ...)."""


def _drop_solution_prose(source: str) -> str:
    """Markdown without the paragraphs meant for the solutions notebook (see :data:`SOLUTIONS_ONLY`)."""
    paragraphs = re.split(r"\n\s*\n", source)
    kept = [p for p in paragraphs if SOLUTIONS_ONLY not in " ".join(p.split())]
    return "\n\n".join(kept).rstrip("\n") if len(kept) < len(paragraphs) else source


def write_exercises(solutions_dir: Path, exercises_dir: Path) -> list[Path]:
    """Write ``exercises_dir/X.ipynb`` for every ``solutions_dir/X.ipynb``; return the paths.

    The work is nbgrader's ``generate_assignment`` (see :func:`qkit.grading.generate_exercises`,
    which also stamps nbgrader's metadata onto the solutions in place). Both must be existing
    directories, and different; ``solutions_dir`` must hold at least one notebook.
    """
    from qkit.grading import generate_exercises

    return generate_exercises(solutions_dir, exercises_dir)


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
    crs = sub.add_parser("course", help="lay out an nbgrader course (source/, nbgrader_config.py) in a new directory")
    crs.add_argument("directory", type=Path)
    crs.add_argument("--solutions", type=Path, default=root / "solutions")
    run = sub.add_parser("execute", help="execute notebooks in place (default: all notebooks and solutions)")
    run.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.command in ("exercises", "course"):
        return _make(args)
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


def _make(args: argparse.Namespace) -> int:
    """The ``exercises`` and ``course`` commands (stamp the solutions, then build)."""
    from qkit.grading import build_course, stamp_solutions

    try:
        if args.solutions.is_dir():  # the command line makes the target directory
            target = args.exercises if args.command == "exercises" else args.directory
            target.mkdir(parents=True, exist_ok=True)
        for path in stamp_solutions(args.solutions):
            print(f"stamped nbgrader metadata onto {path}")
        if args.command == "course":
            names = build_course(args.solutions, args.directory)
            print(f"wrote an nbgrader course in {args.directory} with assignments: {', '.join(names)}")
            return 0
        written = write_exercises(args.solutions, args.exercises)
    except (AuthoringError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

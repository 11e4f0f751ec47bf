"""The workshop check: is this machine ready for a session? (``python3 course.py check``)

It checks, in order, and prints one PASS/FAIL line per item as it goes:

1. Python and every package the course needs (the kit's dependencies and its ``lab`` extra)
   against the lower bounds in ``pyproject.toml``;
2. the JupyterLab front end of the widgets, ``@jupyter-widgets/jupyterlab-manager``: installed,
   enabled, compatible with this JupyterLab, and of the major version this ipywidgets speaks
   (without it a learner sees "Error displaying widget" or a widget's text instead of a slider);
3. that the ``python3`` kernel JupyterLab will start is this environment's Python, starts, runs
   ``1+1`` and imports the kit;
4. that every notebook in ``notebooks/`` executes (errors and warnings fail), timing each
   against the run time the notebook states.

The process exits with 0 when everything passed, 1 otherwise. ``--quick`` skips step 4.

Run it as ``python3 course.py check [--quick] [--notebooks 00 02]`` or, inside the course's
environment, ``python -m qkit.workshop``.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from qkit._tooling import require_path, require_str, require_version
from qkit._workshop_run import (
    CheckResult, check_kernel, check_notebook, slow_cells_without_progress, stated_run_time,
)

__all__ = [
    "CheckResult",
    "LabExtension",
    "MANAGER",
    "check_kernel",
    "check_notebook",
    "check_python",
    "check_requirement",
    "check_widget_extension",
    "slow_cells_without_progress",
    "course_requirements",
    "format_report",
    "parse_labextension_list",
    "stated_run_time",
    "main",
]

#: The JupyterLab extension that renders ipywidgets.
MANAGER = "@jupyter-widgets/jupyterlab-manager"
#: ipywidgets major version -> the major version of the front end that speaks its protocol.
MANAGER_MAJOR_FOR_IPYWIDGETS = {7: 3, 8: 5}
ROOT = Path(__file__).resolve().parent.parent
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# -- versions -------------------------------------------------------------------------------
def course_requirements(root: Path = ROOT, extras: Iterable[str] = ("lab",)) -> tuple[str, list[str]]:
    """``(requires-python, [requirement strings])`` of the kit and its ``extras``.

    Read from ``root/pyproject.toml`` when there is one (a clone of the course), else from the
    installed distribution's metadata. ``root`` must be an existing directory; ``extras`` a list
    (or tuple) of extra names such as ``["lab"]``, not a bare string.
    """
    root = require_path("root", root, kind="directory")
    if isinstance(extras, (str, bytes)) or not isinstance(extras, (list, tuple, set, frozenset)):
        raise TypeError(f"extras must be a list of extra names such as ['lab'], got {extras!r}")
    for extra in extras:
        require_str("extras", extra)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        project = tomllib.loads(pyproject.read_text())["project"]
        lines = list(project.get("dependencies", []))
        for extra in extras:
            lines += project.get("optional-dependencies", {}).get(extra, [])
        return project.get("requires-python", ""), _unique(lines)
    from packaging.requirements import Requirement

    meta = importlib.metadata.metadata("qkit")
    lines = []
    for line in importlib.metadata.requires("qkit") or []:
        marker = Requirement(line).marker
        if marker is None or any(marker.evaluate({"extra": e}) for e in extras):
            lines.append(line.split(";")[0].strip())
    return meta.get("Requires-Python", ""), _unique(lines)


def _unique(lines: list[str]) -> list[str]:
    from packaging.requirements import Requirement

    seen, kept = set(), []
    for line in lines:
        name = Requirement(line).name.lower()
        if name not in seen:
            seen.add(name)
            kept.append(line)
    return kept


def check_python(requires_python: str, version: str | None = None) -> CheckResult:
    """Compare this Python (or ``version``) with the kit's ``requires-python``.

    ``requires_python`` is a specifier such as ``">=3.11"`` (``""``: any); ``version`` a version
    such as ``"3.12.1"`` (None: this interpreter's).
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    require_str("requires_python", requires_python)
    try:
        SpecifierSet(requires_python)
    except InvalidSpecifier:
        raise ValueError(f"requires_python must be a version specifier such as '>=3.11', "
                         f"got {requires_python!r}") from None
    version = platform.python_version() if version is None else require_version("version", version)
    name = f"Python {requires_python}".strip()
    if not requires_python or SpecifierSet(requires_python).contains(version, prereleases=True):
        return CheckResult(name, "PASS", f"{version} ({sys.executable})")
    return CheckResult(name, "FAIL", f"this is Python {version}; install a Python {requires_python}")


def check_requirement(requirement: str, installed: Callable[[str], str | None] | None = None) -> CheckResult:
    """Check one requirement (``"numpy>=1.26"``) against what is installed.

    ``installed(name)`` returns the installed version or None; by default it asks
    :mod:`importlib.metadata`.
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.version import InvalidVersion, Version

    require_str("requirement", requirement)
    if installed is not None and not callable(installed):
        raise TypeError(f"installed must be a function name -> version or None, got {installed!r}")
    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        raise ValueError(f"requirement must be a requirement such as 'numpy>=1.26', got {requirement!r}") from None
    name = f"{req.name} {req.specifier}".strip()
    version = (installed or _installed_version)(req.name)
    if version is None:
        return CheckResult(name, "FAIL", "not installed; run `python3 course.py lab` once to install it")
    try:
        ok = req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return CheckResult(name, "FAIL", f"installed version {version!r} is not a valid version")
    if ok:
        return CheckResult(name, "PASS", version)
    return CheckResult(name, "FAIL", f"{version} is installed; the course needs {req.specifier}")


def _installed_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


# -- the widgets' front end -----------------------------------------------------------------
@dataclass(frozen=True)
class LabExtension:
    """One line of ``jupyter labextension list``."""

    name: str
    version: str
    enabled: bool
    compatible: bool

    def __post_init__(self) -> None:
        require_str("name", self.name)
        require_version("version", self.version)
        for field_name in ("enabled", "compatible"):
            value = getattr(self, field_name)
            if not isinstance(value, bool):
                raise TypeError(f"{field_name} must be True or False, got {value!r}")


def parse_labextension_list(text: str) -> dict[str, LabExtension]:
    """Read the prebuilt extensions out of ``jupyter labextension list`` (colours allowed).

    A line looks like ``@jupyter-widgets/jupyterlab-manager v5.0.16 enabled OK (python, ...)``;
    ``disabled`` or ``X`` (incompatible) in place of ``enabled``/``OK`` are read as such.
    """
    require_str("text", text)
    found = {}
    pattern = re.compile(r"^\s+(\S+)\s+v(\S+)\s+(enabled|disabled)\s+(OK|X)\b")
    for line in _ANSI.sub("", text).splitlines():
        match = pattern.match(line)
        if match:
            name, version, state, compat = match.groups()
            found[name] = LabExtension(name, version, state == "enabled", compat == "OK")
    return found


def check_widget_extension(listing: str, ipywidgets_version: str | None) -> CheckResult:
    """Judge the widget front end from a ``jupyter labextension list`` output.

    ``ipywidgets_version`` is the installed ipywidgets' version (``"8.1.9"``), None if absent.
    """
    require_str("listing", listing)
    if ipywidgets_version is not None:
        require_version("ipywidgets_version", ipywidgets_version)
    name = f"lab extension {MANAGER}"
    ext = parse_labextension_list(listing).get(MANAGER)
    if ext is None:
        return CheckResult(name, "FAIL", "not installed: widgets would show as text or 'Error displaying "
                           "widget'; reinstall with `python3 course.py lab` (package jupyterlab_widgets)")
    if not ext.enabled:
        return CheckResult(name, "FAIL", f"v{ext.version} is disabled; enable it with "
                           f"`jupyter labextension enable {MANAGER}`")
    if not ext.compatible:
        return CheckResult(name, "FAIL", f"v{ext.version} is not compatible with this JupyterLab")
    if ipywidgets_version is None:
        return CheckResult(name, "FAIL", f"v{ext.version} is there but ipywidgets is not installed")
    want = MANAGER_MAJOR_FOR_IPYWIDGETS.get(int(ipywidgets_version.split(".")[0]))
    have = int(ext.version.split(".")[0])
    if want is not None and have != want:
        return CheckResult(name, "FAIL", f"v{ext.version} cannot talk to ipywidgets {ipywidgets_version} "
                           f"(needs v{want}.x): versions disagree")
    return CheckResult(name, "PASS", f"v{ext.version}, enabled, for ipywidgets {ipywidgets_version}")


def labextension_listing() -> str:
    """The output of ``jupyter labextension list`` in this environment (it writes to stderr)."""
    done = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"],
                          capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


# -- report ------------------------------------------------------------------------------------
def format_line(result: CheckResult) -> str:
    """``PASS  numpy >= 1.26 ..... 2.4.0`` with the time, when there is one, at the end."""
    timing = f" [{result.seconds:.1f} s]" if result.seconds is not None else ""
    return f"{result.status:4}  {result.name:<50} {result.detail}{timing}".rstrip()


def format_report(results: list[CheckResult]) -> str:
    """The summary printed after the list: counts, then every failure again."""
    if not isinstance(results, (list, tuple)) or not all(isinstance(r, CheckResult) for r in results):
        raise TypeError(f"results must be a list of CheckResult, got {results!r:.120}")
    failed = [r for r in results if r.failed]
    counts = {s: sum(r.status == s for r in results) for s in ("PASS", "FAIL", "SKIP")}
    head = f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped"
    if not failed:
        return f"{head}\nREADY: this machine can run the workshop."
    lines = [head, "NOT READY: fix these first:"] + [f"  FAIL  {r.name}: {r.detail}" for r in failed]
    return "\n".join(lines)


def _environment_checks(root: Path, extras: list[str]) -> Iterable[CheckResult]:
    requires_python, requirements = course_requirements(root, extras)
    yield check_python(requires_python)
    for requirement in requirements:
        yield check_requirement(requirement)
    try:
        listing = labextension_listing()
    except (OSError, subprocess.SubprocessError) as exc:
        yield CheckResult(f"lab extension {MANAGER}", "FAIL", f"`jupyter labextension list` failed: {exc}")
    else:
        yield check_widget_extension(listing, _installed_version("ipywidgets"))
    yield check_kernel()


def _notebook_checks(root: Path, prefixes: list[str], timeout: float) -> Iterable[CheckResult]:
    paths = sorted((root / "notebooks").glob("*.ipynb"))
    if prefixes:
        paths = [p for p in paths if p.name.startswith(tuple(prefixes))]
    if not paths:
        yield CheckResult("notebooks", "FAIL", f"no notebook in {root / 'notebooks'} matches {prefixes or '*'}")
    for path in paths:
        yield check_notebook(path, timeout)


def main(argv: list[str] | None = None) -> int:
    """Command line; returns the exit status (0: ready, 1: something failed).

    ``argv``: the arguments as a list of strings (None: ``sys.argv[1:]``).
    """
    if argv is not None and (not isinstance(argv, (list, tuple)) or not all(isinstance(a, str) for a in argv)):
        raise TypeError(f"argv must be a list of strings such as ['--quick'], got {argv!r:.120}")
    parser = argparse.ArgumentParser(prog="python3 course.py check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip executing the notebooks (the check's longest part)")
    parser.add_argument("--notebooks", nargs="+", default=[], metavar="PREFIX",
                        help="execute only the notebooks whose names start so (e.g. 00 02)")
    parser.add_argument("--extra", action="append", default=["lab", "flower"],
                        help="also check this extra's packages (chapter 14 needs flower)")
    parser.add_argument("--timeout", type=_positive_seconds, default=300.0, help="seconds allowed per cell (default 300)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    print(f"qkit workshop check: {args.root}", flush=True)
    started = time.monotonic()
    results = []
    sections = [("Environment", _environment_checks(args.root, args.extra))]
    if args.quick:
        sections.append(("Notebooks", iter([CheckResult("notebooks", "SKIP", "--quick: not executed")])))
    else:
        sections.append(("Notebooks (each runs in a fresh kernel)", _notebook_checks(args.root, args.notebooks, args.timeout)))
    for title, checks in sections:
        print(f"\n{title}", flush=True)
        for result in checks:
            results.append(result)
            print("  " + format_line(result), flush=True)
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    print("\n" + format_report(results) + f"\n(the check took {minutes} min {seconds:02d} s)", flush=True)
    return 1 if any(r.failed for r in results) else 0


def _positive_seconds(text: str) -> float:
    """``--timeout``: a number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


if __name__ == "__main__":
    sys.exit(main())

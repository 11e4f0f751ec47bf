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
import queue
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

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
_WARNING = re.compile(r"\b(\w+Warning)\b")


@dataclass(frozen=True)
class CheckResult:
    """One line of the report.

    Attributes
    ----------
    name : str
        What was checked ("numpy >= 1.26", "kernel python3", "notebooks/02_adc.ipynb").
    status : {"PASS", "FAIL", "SKIP"}
        The verdict; only FAIL makes the whole check fail.
    detail : str
        What was found, and for a FAIL what to do about it.
    seconds : float or None
        How long the item took, when that is worth knowing (kernels, notebooks).
    """

    name: str
    status: str
    detail: str = ""
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.status not in ("PASS", "FAIL", "SKIP"):
            raise ValueError(f"status must be one of 'PASS', 'FAIL', 'SKIP'; got {self.status!r}")

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


# -- versions -------------------------------------------------------------------------------
def course_requirements(root: Path = ROOT, extras: Iterable[str] = ("lab",)) -> tuple[str, list[str]]:
    """``(requires-python, [requirement strings])`` of the kit and its ``extras``.

    Read from ``root/pyproject.toml`` when there is one (a clone of the course), else from the
    installed distribution's metadata.
    """
    pyproject = Path(root) / "pyproject.toml"
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
    """Compare this Python (or ``version``) with the kit's ``requires-python``."""
    from packaging.specifiers import SpecifierSet

    version = version or platform.python_version()
    name = f"Python {requires_python}".strip()
    if not requires_python or SpecifierSet(requires_python).contains(version, prereleases=True):
        return CheckResult(name, "PASS", f"{version} ({sys.executable})")
    return CheckResult(name, "FAIL", f"this is Python {version}; install a Python {requires_python}")


def check_requirement(requirement: str, installed: Callable[[str], str | None] | None = None) -> CheckResult:
    """Check one requirement (``"numpy>=1.26"``) against what is installed.

    ``installed(name)`` returns the installed version or None; by default it asks
    :mod:`importlib.metadata`.
    """
    from packaging.requirements import Requirement
    from packaging.version import InvalidVersion, Version

    req = Requirement(requirement)
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


def parse_labextension_list(text: str) -> dict[str, LabExtension]:
    """Read the prebuilt extensions out of ``jupyter labextension list`` (colours allowed).

    A line looks like ``@jupyter-widgets/jupyterlab-manager v5.0.16 enabled OK (python, ...)``;
    ``disabled`` or ``X`` (incompatible) in place of ``enabled``/``OK`` are read as such.
    """
    found = {}
    pattern = re.compile(r"^\s+(\S+)\s+v(\S+)\s+(enabled|disabled)\s+(OK|X)\b")
    for line in _ANSI.sub("", text).splitlines():
        match = pattern.match(line)
        if match:
            name, version, state, compat = match.groups()
            found[name] = LabExtension(name, version, state == "enabled", compat == "OK")
    return found


def check_widget_extension(listing: str, ipywidgets_version: str | None) -> CheckResult:
    """Judge the widget front end from a ``jupyter labextension list`` output."""
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


# -- the kernel -------------------------------------------------------------------------------
_KERNEL_PROBE = "import sys, qkit, ipywidgets; print(sys.prefix); print(qkit.__version__)"


def check_kernel(kernel_name: str = "python3", timeout: float = 60.0) -> CheckResult:
    """Start the kernel JupyterLab would start, run ``1+1`` and import the kit in it."""
    from jupyter_client.manager import start_new_kernel

    name = f"kernel {kernel_name}"
    started = time.monotonic()
    try:
        km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=timeout,
                                  stderr=subprocess.DEVNULL)  # the kernel's own log lines
    except Exception as exc:  # any failure to start is the finding
        return CheckResult(name, "FAIL", f"did not start: {type(exc).__name__}: {exc}")
    try:
        result = _run_in_kernel(kc, "1+1", timeout)
        probe = _run_in_kernel(kc, _KERNEL_PROBE, timeout)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    seconds = time.monotonic() - started
    if result.strip() != "2":
        return CheckResult(name, "FAIL", f"1+1 gave {result.strip()!r}", seconds)
    lines = probe.strip().splitlines()
    if len(lines) != 2 or "Error" in probe:
        return CheckResult(name, "FAIL", f"cannot import qkit and ipywidgets: {probe.strip()[-300:]}", seconds)
    if Path(lines[0]).resolve() != Path(sys.prefix).resolve():
        return CheckResult(name, "FAIL", f"runs the Python in {lines[0]}, not this environment's {sys.prefix}; "
                           "a kernel registered elsewhere (see `jupyter kernelspec list`) shadows it", seconds)
    return CheckResult(name, "PASS", f"started, 1+1 = 2, imports qkit {lines[1]}", seconds)


def _run_in_kernel(kc, code: str, timeout: float) -> str:
    """Run ``code``; return what it printed and its result, or the error's name and value."""
    pieces = []

    def hook(msg: dict) -> None:
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            pieces.append(content["text"])
        elif kind == "execute_result":
            pieces.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            pieces.append(f"{content['ename']}: {content['evalue']}")

    try:
        kc.execute_interactive(code, timeout=timeout, output_hook=hook)
    except (TimeoutError, queue.Empty):
        pieces.append(f"TimeoutError: no answer within {timeout:.0f} s")
    return "".join(pieces)


# -- the notebooks ----------------------------------------------------------------------------
def stated_run_time(nb) -> float | None:
    """The run time in seconds a notebook states in its first markdown cell ("Run time: about 20 s")."""
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is None:
        return None
    match = re.search(r"run time\W*(?:about|~)?\s*(\d+(?:\.\d+)?)\s*(s|sec|seconds?|min|minutes?)\b",
                      first.source, re.I)
    if not match:
        return None
    value = float(match.group(1))
    return value * 60 if match.group(2).lower().startswith("min") else value


def notebook_problems(nb) -> list[str]:
    """Errors, stderr and warnings in an executed notebook's outputs, one line each."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append(f"cell {index}: {out.ename}: {out.evalue or _failing_line(out)}"[:300])
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append(f"cell {index} wrote to stderr: {out.text.strip()[:200]}")
            else:
                text = out.get("text", "") if out.output_type == "stream" else out.get("data", {}).get("text/plain", "")
                warning = _WARNING.search(text if isinstance(text, str) else "".join(text))
                if warning:
                    problems.append(f"cell {index} shows a {warning.group(1)}")
    return problems


def _failing_line(error) -> str:
    """The source line an error's traceback points at (``---> 12 assert ...``), for bare asserts."""
    text = _ANSI.sub("", "\n".join(error.get("traceback", [])))
    arrows = re.findall(r"^-+>\s*\d+\s+(.*)$", text, re.M)
    return arrows[-1].strip() if arrows else ""


def check_notebook(path: Path, timeout: float = 300.0, kernel_name: str = "python3") -> CheckResult:
    """Execute one notebook top to bottom in a fresh kernel; time it; list what went wrong."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    stated = stated_run_time(nb)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            record_timing=True, resources={"metadata": {"path": str(path.parent)}})
    started = time.monotonic()
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's log, not the notebook's outputs
    except (CellExecutionError, CellTimeoutError, RuntimeError, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CheckResult(_rel(path), "FAIL", f"did not finish: {first_line[:300]}", time.monotonic() - started)
    seconds = time.monotonic() - started
    problems = notebook_problems(nb)
    stated_text = f"states about {stated:g} s" if stated is not None else "states no run time"
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        return CheckResult(_rel(path), "FAIL", problems[0] + more, seconds)
    notes = [f"cell {i} ran {t:.0f} s with no progress bar" for i, t in slow_cells_without_progress(nb)]
    if stated is not None and seconds > 2 * stated + 10:
        notes.append("slower than stated on this machine")
    return CheckResult(_rel(path), "PASS", "; ".join([f"executed; {stated_text}", *notes]), seconds)


def slow_cells_without_progress(nb, threshold: float = 15.0) -> list[tuple[int, float]]:
    """``(cell index, seconds)`` of cells that ran longer than ``threshold`` s and showed no
    progress bar (a tqdm bar: its text has ``%|``). Needs nbclient's ``record_timing``."""
    from datetime import datetime

    found = []
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if not (start and end):
            continue
        seconds = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                   - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
        shown = " ".join(str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
                         for out in cell.get("outputs", []))
        if seconds > threshold and "%|" not in shown:
            found.append((index, seconds))
    return found


def _rel(path: Path) -> str:
    return f"{Path(path).parent.name}/{Path(path).name}"


# -- report ------------------------------------------------------------------------------------
def format_line(result: CheckResult) -> str:
    """``PASS  numpy >= 1.26 ..... 2.4.0`` with the time, when there is one, at the end."""
    timing = f" [{result.seconds:.1f} s]" if result.seconds is not None else ""
    return f"{result.status:4}  {result.name:<50} {result.detail}{timing}".rstrip()


def format_report(results: list[CheckResult]) -> str:
    """The summary printed after the list: counts, then every failure again."""
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
    """Command line; returns the exit status (0: ready, 1: something failed)."""
    parser = argparse.ArgumentParser(prog="python3 course.py check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip executing the notebooks (about a minute each)")
    parser.add_argument("--notebooks", nargs="+", default=[], metavar="PREFIX",
                        help="execute only the notebooks whose names start so (e.g. 00 02)")
    parser.add_argument("--extra", action="append", default=["lab"], help="also check this extra's packages")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per cell (default 300)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    print(f"qkit workshop check: {args.root}", flush=True)
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
    print("\n" + format_report(results), flush=True)
    return 1 if any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

"""The workshop check's steps that run code: the kernel, and every notebook (see :mod:`qkit.workshop`).

Kept apart from the version and front-end checks so each module stays small; everything here is
re-exported by :mod:`qkit.workshop`, which is where the course uses it from.
"""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from qkit._tooling import require_notebook, require_path, require_seconds, require_str

__all__ = [
    "CheckResult", "check_kernel", "check_notebook", "notebook_problems", "slow_cells_without_progress",
    "stated_run_time",
]

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
        require_str("name", self.name)
        if self.status not in ("PASS", "FAIL", "SKIP"):
            raise ValueError(f"status must be one of 'PASS', 'FAIL', 'SKIP'; got {self.status!r}")
        require_str("detail", self.detail)
        if self.seconds is not None:
            require_seconds("seconds", self.seconds, allow_zero=True)

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"


# -- the kernel -------------------------------------------------------------------------------
_KERNEL_PROBE = "import sys, qkit, ipywidgets; print(sys.prefix); print(qkit.__version__)"


def check_kernel(kernel_name: str = "python3", timeout: float = 60.0) -> CheckResult:
    """Start the kernel JupyterLab would start, run ``1+1`` and import the kit in it.

    ``timeout`` (s) bounds the start and each request. A kernel name that is not installed is
    the finding (a FAIL), not a bad argument.
    """
    from jupyter_client.manager import start_new_kernel

    require_str("kernel_name", kernel_name)
    timeout = require_seconds("timeout", timeout)
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
    require_notebook("nb", nb)
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
    """Execute one notebook top to bottom in a fresh kernel; time it; list what went wrong.

    ``path`` is an existing ``.ipynb`` file; ``timeout`` (s) is allowed per cell. A kernel name
    that is not installed is reported as a FAIL.
    """
    import nbformat
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = require_path("path", path, suffix=".ipynb")
    timeout = require_seconds("timeout", timeout)
    require_str("kernel_name", kernel_name)
    nb = nbformat.read(path, as_version=4)
    stated = stated_run_time(nb)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            record_timing=True, resources={"metadata": {"path": str(path.parent)}})
    started = time.monotonic()
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's log, not the notebook's outputs
    except (CellExecutionError, CellTimeoutError, NoSuchKernel, RuntimeError, OSError) as exc:
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

    require_notebook("nb", nb)
    threshold = require_seconds("threshold", threshold, allow_zero=True)

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

"""The course's JupyterLab for the browser test, started the way the README says.

:class:`LabServer` runs ``python3 course.py lab`` (plus the address and fresh settings) in its own
process group, with a fresh Jupyter config, data and runtime directory (a fresh machine), reads
the address the command prints for the learner (with the token JupyterLab generated), waits until
``/api/status`` answers with that token, and shuts it down cleanly (``POST /api/shutdown``, then
the process tree as a fallback), also when a test fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

__all__ = ["REPO", "ARTIFACTS", "LabError", "LabServer", "course_lab_command", "free_port", "wait_until"]

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts" / "browser"

# Settings a fresh lab would ask about or act on by itself: no autosave (the test must never
# write the executed notebooks back into the repository) and no news pop-up (it fetches a
# website and covers the page).
_LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


class LabError(AssertionError):
    """JupyterLab or the page did not do what a learner needs; the message says what."""


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Call ``predicate`` until it returns something truthy; raise :class:`LabError` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise LabError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def course_lab_command(port: int, settings_dir: Path, workspaces_dir: Path) -> list[str]:
    """The README's lab command, ``python3 course.py lab``, plus the extra arguments of a test run.

    The extras only choose the address and fresh (temporary) settings and workspaces, so that
    no earlier session's layout or settings leak into the test. The token is JupyterLab's own,
    read from what the command prints, as a learner reads it.
    """
    python3 = shutil.which("python3") or sys.executable
    return [
        python3,
        str(REPO / "course.py"),
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={workspaces_dir}",
        *(["--allow-root"] if os.geteuid() == 0 else []),  # CI containers run as root
    ]


def _process_table() -> dict[int, tuple[int, str]]:
    """``{pid: (parent pid, start time)}`` for every process, from /proc (Linux)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), fields[19])
    return table


def _descendants(root: int) -> dict[int, str]:
    """``{pid: start time}`` of every process below ``root`` (kernels run in their own sessions)."""
    table = _process_table()
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, start) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = start
                frontier.append(pid)
    return found


class LabServer:
    """JupyterLab started by ``python3 course.py lab`` on a free loopback port with a token.

    Use as a context manager: the server is shut down on exit, also when the body fails.
    """

    def __init__(self, command_factory: Callable[..., list[str]] = course_lab_command, *,
                 log_path: Path, start_timeout: float = 900.0, disabled_extensions: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.token = ""  # JupyterLab generates it; read from the printed address
        self.printed_url = ""  # the address the lab command prints for the learner
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.start_timeout = start_timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="qkit-lab-")
        settings_dir = Path(self._tmp.name) / "settings"
        for rel, value in _LAB_SETTINGS.items():
            path = settings_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        if disabled_extensions:  # as `jupyter labextension disable` would, in the fresh config dir
            page_config = Path(self._tmp.name) / "config" / "labconfig" / "page_config.json"
            page_config.parent.mkdir(parents=True)
            page_config.write_text(json.dumps({"disabledExtensions": dict.fromkeys(disabled_extensions, True)}))
        self.command = command_factory(self.port, settings_dir, Path(self._tmp.name) / "workspaces")
        self.runtime_dir = Path(self._tmp.name) / "runtime"
        self.proc: subprocess.Popen | None = None
        self._stopping: list[threading.Thread] = []
        self._log = None
        self.startup_seconds = float("nan")

    # -- life cycle -------------------------------------------------------------------------
    def __enter__(self) -> "LabServer":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Start the command in a new process group and wait until the server answers."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        # A fresh machine: no user-level Jupyter config, data (kernels, trusted notebooks) or
        # runtime files from earlier sessions.
        home = Path(self._tmp.name)
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(self.runtime_dir),
                   JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"))
        for test_only in ("QKIT_STRICT_CHECKS", "MPLBACKEND"):  # set by conftest.py for the suite
            env.pop(test_only, None)
        for preset in ("JUPYTER_TOKEN", "JUPYTER_TOKEN_FILE"):  # a learner's lab generates its token
            env.pop(preset, None)
        started = time.monotonic()
        self.proc = subprocess.Popen(self.command, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, start_new_session=True)

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise LabError(f"`{' '.join(self.command)}` exited with code {self.proc.returncode} "
                               f"before JupyterLab answered; its log ends:\n{self.log_tail()}")
            if not self.printed_url:
                self.printed_url = self._printed_url()
                self.token = parse_qs(urlsplit(self.printed_url).query).get("token", [""])[0]
                if not self.printed_url:
                    return False
            try:
                return self.api("GET", "/api/status", timeout=2).get("started") is not None
            except (OSError, LabError):
                return False

        try:
            wait_until(ready, self.start_timeout, f"the lab command to print {self.base_url}/...?token=... "
                       "and JupyterLab to answer on /api/status with that token", 0.5)
        except LabError as exc:
            raise LabError(f"{exc}\nlab log ({self.log_path}) ends:\n{self.log_tail()}") from None
        self.startup_seconds = time.monotonic() - started

    def stop(self) -> None:
        """POST /api/shutdown; if the process tree is still alive after 20 s, kill it."""
        if self.proc is None:
            self._tmp.cleanup()
            return
        for thread in self._stopping:
            thread.join(timeout=30)
        tree = _descendants(self.proc.pid)
        if self.proc.poll() is None:
            try:
                self.api("POST", "/api/shutdown", timeout=5)
            except (OSError, LabError):
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        self._kill_group_and(tree)
        if self._log is not None:
            self._log.close()
        self._tmp.cleanup()
        self.proc = None

    def _kill_group_and(self, tree: dict[int, str]) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, sig)
                    self.proc.wait(timeout=5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
        # Kernels run in sessions of their own; end those we saw, unless their pid was reused.
        table = _process_table()
        for pid, start in tree.items():
            if table.get(pid, (None, None))[1] == start:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # -- talking to it ----------------------------------------------------------------------
    def api(self, method: str, path: str, timeout: float = 10) -> Any:
        """Call the REST API with the token; return the decoded JSON (or None)."""
        request = urllib.request.Request(self.base_url + path, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        if method in ("POST", "PATCH", "PUT"):
            request.data = b"{}"
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise LabError(f"{method} {path} answered HTTP {exc.code}") from None
        return json.loads(body) if body else None

    def _printed_url(self) -> str:
        """The first ``http://127.0.0.1:<port>/...?token=...`` address in the command's output."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        found = re.search(rf"http://127\.0\.0\.1:{self.port}/\S*\?token=\w+", text)
        return found.group(0) if found else ""

    def kernel_state(self, notebook_path: str) -> str | None:
        """The execution state of the kernel of the session on ``notebook_path`` (None if none)."""
        for session in self.api("GET", "/api/sessions"):
            if session.get("path") == notebook_path and session.get("kernel"):
                return session["kernel"].get("execution_state")
        return None

    def shutdown_sessions(self) -> None:
        """End every session and its kernel, in the background (a kernel takes seconds to stop)."""
        for session in self.api("GET", "/api/sessions"):
            thread = threading.Thread(target=self._delete_quietly, args=(f"/api/sessions/{session['id']}",))
            thread.start()
            self._stopping.append(thread)

    def _delete_quietly(self, path: str) -> None:
        try:
            self.api("DELETE", path, timeout=60)
        except (OSError, LabError):
            pass  # already gone, or the server is stopping; stop() ends what is left

    def saved_paths(self) -> list[str]:
        """Files the lab has written since it started (Jupyter Server logs "Saving file at ...")."""
        text = self.log_path.read_text(errors="replace")
        return re.findall(r"Saving file at (\S+)", text)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

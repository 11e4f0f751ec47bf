"""Helpers for ``tests/test_browser.py``: the course's JupyterLab, driven in headless Chromium.

:class:`LabServer` starts JupyterLab through the README's own command (``python3 course.py lab``)
in its own process group, waits until ``/api/status`` answers with the token, and shuts it
down cleanly (``POST /api/shutdown``, then the process tree as a fallback).

:class:`NotebookPage` drives one notebook the way a learner does: open it, clear the outputs,
Run > Run All Cells, wait until every cell has run, then read what the page shows.
Every wait has a deadline and fails with a message saying what never happened.
"""

from __future__ import annotations

import json
import os
import re
import secrets
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

__all__ = [
    "REPO",
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LabServer",
    "NotebookPage",
    "course_lab_command",
    "free_port",
    "launch_chromium",
    "wait_until",
]

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STDERR_MIME = "application/vnd.jupyter.stderr"
#: What a widget looks like when the front end cannot render it: its Python repr as text.
WIDGET_REPR = re.compile(
    r"^\s*\w*(Slider|Box|Explorer|Dropdown|Output|Button|Text|Progress|HTML|Checkbox|Play)\w*\("
    r"(children|value|layout|description|options|outputs)="
)

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


def course_lab_command(port: int, token: str, settings_dir: Path, workspaces_dir: Path) -> list[str]:
    """The README's lab command, ``python3 course.py lab``, plus the extra arguments of a test run.

    The extras only choose the address, the token and fresh (temporary) settings and
    workspaces, so that no earlier session's layout or settings leak into the test.
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
        f"--IdentityProvider.token={token}",
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
        self.token = secrets.token_hex(16)
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
        self.command = command_factory(self.port, self.token, settings_dir, Path(self._tmp.name) / "workspaces")
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
        started = time.monotonic()
        self.proc = subprocess.Popen(self.command, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env, start_new_session=True)

        def ready() -> bool:
            if self.proc.poll() is not None:
                raise LabError(f"`{' '.join(self.command)}` exited with code {self.proc.returncode} "
                               f"before JupyterLab answered; its log ends:\n{self.log_tail()}")
            try:
                return self.api("GET", "/api/status", timeout=2).get("started") is not None
            except (OSError, LabError):
                return False

        try:
            wait_until(ready, self.start_timeout, f"JupyterLab to answer on {self.base_url}/api/status", 0.5)
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

    def open_file_url(self) -> str:
        """The page the lab command asks the learner's browser to open, as a ``file://`` URL.

        Jupyter Server writes it (``jpserver-file-to-run-<pid>-open.html``, a redirect to the
        notebook given on the command line, with the token) into its runtime directory and hands
        it to the browser; with ``--no-browser`` the test opens it instead.
        """
        pids = {self.proc.pid, *_descendants(self.proc.pid)}
        for runtime in (self.runtime_dir, REPO / ".jupyter-runtime"):
            for path in sorted(runtime.glob("jpserver-file-to-run-*-open.html")):
                if int(path.name.split("-")[-2]) in pids:
                    return path.as_uri()
        raise LabError("the lab command did not ask the browser to open a notebook "
                       "(no jpserver-file-to-run-*-open.html from this server)")

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


def launch_chromium(playwright: Any, user_data_dir: Path) -> Any:
    """A persistent headless context of Debian's Chromium (never a downloaded browser)."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 1000},
    )


# JavaScript run in the page: a summary of every cell the learner sees.
_READ_CELLS_JS = """
() => Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')).map((cell, i) => ({
  index: i,
  kind: cell.classList.contains('jp-CodeCell') ? 'code' : (cell.classList.contains('jp-MarkdownCell') ? 'markdown' : 'raw'),
  prompt: (cell.querySelector('.jp-InputPrompt') || {}).textContent || '',
  source: Array.from(cell.querySelectorAll('.jp-InputArea-editor .cm-line')).map(l => l.textContent).join('\\n'),
  outputs: Array.from(cell.querySelectorAll(':scope .jp-OutputArea-output')).map(o => ({
    // the widget renderer sets no data-mime-type; it puts a .jupyter-widgets node inside
    mime: o.getAttribute('data-mime-type') || (o.querySelector(':scope > .jupyter-widgets') ? '%s' : ''),
    text: (o.textContent || '').slice(0, 400),
    widgets: o.querySelectorAll('.jupyter-widgets').length,
    controls: o.querySelectorAll('.widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-checkbox, .widget-play').length,
  })),
}))
""" % WIDGET_MIME


class NotebookPage:
    """One notebook in JupyterLab, driven through the menus as a learner would."""

    def __init__(self, page: Any, lab: LabServer, path: str, shots: Path) -> None:
        self.page = page
        self.lab = lab
        self.path = path  # relative to the repository, e.g. "notebooks/00_start_here.ipynb"
        self.name = Path(path).name
        self.shots = shots
        self.shots.mkdir(parents=True, exist_ok=True)

    # -- evidence ---------------------------------------------------------------------------
    def screenshot(self, label: str) -> Path:
        path = self.shots / f"{Path(self.name).stem}_{label}.png"
        self.page.screenshot(path=str(path))
        return path

    def fail(self, message: str) -> None:
        """Save a screenshot and the lab log's tail, then fail with ``message``."""
        try:
            shot = self.screenshot("failure")
        except Exception as exc:  # the page itself may be gone
            shot = f"(no screenshot: {exc})"
        raise LabError(f"{self.name}: {message}\nscreenshot: {shot}\nlab log ends:\n{self.lab.log_tail(15)}")

    def wait(self, predicate: Callable[[], Any], timeout: float, what: str) -> Any:
        try:
            return wait_until(predicate, timeout, what)
        except LabError as exc:
            self.fail(str(exc))

    # -- opening ----------------------------------------------------------------------------
    def open(self, url: str | None = None, timeout: float = 120.0) -> None:
        """Open the notebook and wait for an idle kernel and every committed output on the page.

        ``url`` defaults to the notebook in a workspace of its own (a shared workspace would
        reopen, and start kernels for, every notebook opened before).
        """
        workspace = re.sub(r"\W", "-", Path(self.path).stem)
        url = url or f"{self.lab.base_url}/lab/workspaces/{workspace}/tree/{self.path}?token={self.lab.token}"
        self.page.goto(url)
        tab = self.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
        self.wait(lambda: self._dialog() or (tab.count() == 1 and tab.inner_text() == self.name),
                  timeout, f"JupyterLab to show {self.name} in the current tab")
        if self._dialog():
            self.fail(f"a dialog opened instead of the notebook: {self._dialog()!r}")
        self.wait(lambda: self._dialog() or self.lab.kernel_state(self.path) == "idle",
                  timeout, f"the kernel of {self.path} to start and become idle")
        if self._dialog():
            self.fail(f"a dialog opened while the kernel started: {self._dialog()!r}")
        self.wait(self._rendered, timeout, "every cell and committed output to be on the page")

    def _rendered(self) -> bool:
        """Every cell of the file is on the page, and every code cell with saved outputs shows them."""
        committed = json.loads((REPO / self.path).read_text())["cells"]
        shown = self.cells()
        return len(shown) == len(committed) and all(
            bool(c["outputs"]) or not cell.get("outputs") for c, cell in zip(shown, committed))

    def _dialog(self) -> str:
        dialog = self.page.locator(".jp-Dialog")
        return dialog.first.inner_text()[:300] if dialog.count() else ""

    # -- reading ----------------------------------------------------------------------------
    def cells(self) -> list[dict]:
        return self.page.evaluate(_READ_CELLS_JS)

    def problems(self) -> list[str]:
        """Everything on the page a learner should not see, one line per output."""
        found = []
        for cell in self.cells():
            where = f"cell {cell['index']} ({cell['source'][:50]!r})"
            for out in cell["outputs"]:
                text = out["text"].strip()
                if out["mime"] == STDERR_MIME:
                    found.append(f"{where} shows an error or warning: {text[:300]!r}")
                elif "Error displaying widget" in text or "Failed to load model class" in text:
                    found.append(f"{where} shows {text[:120]!r}")
                elif out["mime"] == "text/plain" and WIDGET_REPR.match(text):
                    found.append(f"{where} shows a widget as text instead of controls: {text[:120]!r}")
        if not found and self.page.locator(".jp-Dialog").count():
            found.append(f"a dialog is open: {self._dialog()!r}")
        return found

    def widget_outputs(self) -> int:
        """How many widget outputs rendered with at least one control (slider, dropdown, ...)."""
        return sum(1 for cell in self.cells() for out in cell["outputs"]
                   if out["mime"] == WIDGET_MIME and out["controls"] > 0)

    # -- acting -----------------------------------------------------------------------------
    def menu(self, menu: str, item: str) -> None:
        """Click ``menu`` in the menu bar, then ``item`` in it (e.g. Run > Run All Cells)."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(rf"^{re.escape(menu)}$")).click()
        entry = self.page.locator(".lm-Menu-content .lm-Menu-itemLabel",
                                  has_text=re.compile(rf"^{re.escape(item)}$"))
        self.wait(lambda: entry.count() == 1 and entry.is_visible(), 10, f"the menu item {menu} > {item}")
        entry.click()

    def clear_outputs(self) -> None:
        """Edit > Clear Outputs of All Cells: what is shown next was produced in this browser."""
        self.menu("Edit", "Clear Outputs of All Cells")
        self.wait(lambda: all(not c["outputs"] and "[ ]" in c["prompt"].replace("\xa0", " ")
                              for c in self.cells() if c["kind"] == "code"),
                  20, "every output to be cleared")

    def select_cell(self, index: int) -> None:
        """Click the input prompt of cell ``index`` (command mode, as a learner selects a cell)."""
        cell = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputPrompt").click()
        self.wait(lambda: "jp-mod-active" in (cell.get_attribute("class") or ""), 10, f"cell {index} to be selected")

    def run(self, timeout: float, upto: int | None = None) -> float:
        """Run > Run All Cells, or the cells up to and including cell ``upto``.

        Waits until every code cell in range has an execution count and the kernel is idle;
        returns the wall-clock time in seconds.
        """
        def in_range(cells: list[dict]) -> list[dict]:
            return [c for c in cells if c["kind"] == "code" and c["source"].strip()
                    and (upto is None or c["index"] <= upto)]

        code = in_range(self.cells())
        if not code:
            self.fail("has no code cells to run")
        started = time.monotonic()
        if upto is None:
            self.menu("Run", "Run All Cells")
        else:
            self.select_cell(upto)
            self.menu("Run", "Run All Above Selected Cell")
            self.menu("Run", "Run Selected Cell and Do not Advance")

        def finished() -> bool:
            done = all(re.search(r"\[\d+\]", c["prompt"]) for c in in_range(self.cells()))
            return done and self.lab.kernel_state(self.path) == "idle"

        try:
            wait_until(finished, timeout, "the cells to finish running")
        except LabError:
            pending = [f"cell {c['index']} {c['prompt'].strip()} {c['source'][:40]!r}"
                       for c in in_range(self.cells()) if not re.search(r"\[\d+\]", c["prompt"])]
            self.fail(f"the cells did not finish within {timeout:.0f} s; not run: {pending[:5]}")
        seconds = time.monotonic() - started
        # The last cell's count is the number of cells this kernel ran: nothing ran twice,
        # nothing was skipped, nothing kept a count from the committed file.
        last = int(re.search(r"\[(\d+)\]", self.cells()[code[-1]["index"]]["prompt"]).group(1))
        if last != len(code):
            self.fail(f"the last code cell run shows [{last}] after running {len(code)} code cells")
        self.wait(lambda: not any("Loading widget..." in o["text"] for c in self.cells() for o in c["outputs"]),
                  30, "every widget to finish loading")
        return seconds

    def move_slider(self, cell: int, label: str | None = None, presses: int = 2, timeout: float = 60.0) -> dict:
        """Press the right arrow on a slider's handle; wait for its figure or text to change.

        The slider is in the output of cell ``cell``; ``label`` is its description (``None``:
        the first slider there). Returns the readout, figure source and text of the widget
        before and after.
        """
        output = self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").nth(cell)
        sliders = output.locator(".jp-OutputArea-output .widget-slider")
        if label is not None:
            sliders = sliders.filter(has=self.page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(label)}$")))
        if sliders.count() == 0:
            self.fail(f"cell {cell} shows no slider" + (f" labelled {label!r}" if label else ""))
        slider = sliders.first
        widget = slider.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' jp-OutputArea-output ')][1]")
        slider.scroll_into_view_if_needed()

        def state() -> dict:
            img = widget.locator("img")
            return {
                "readout": slider.locator(".widget-readout").inner_text().strip(),
                "figure": img.first.get_attribute("src") if img.count() else None,
                "text": widget.inner_text(),
            }

        before = state()
        widget.screenshot(path=str(self.shots / f"{Path(self.name).stem}_slider_before.png"))
        handle = slider.locator(".noUi-handle").first
        handle.focus()
        for _ in range(presses):
            handle.press("ArrowRight")
        self.wait(lambda: state()["readout"] != before["readout"], 10,
                  f"the slider's readout to move from {before['readout']!r}")

        def changes(now: dict) -> dict:
            return {"figure_changed": bool(now["figure"]) and now["figure"] != before["figure"],
                    "text_changed": _without(now["text"], now["readout"]) != _without(before["text"], before["readout"])}

        self.wait(lambda: any(changes(state()).values()), timeout,
                  "the figure or the printed value to follow the slider")
        # let the kernel finish every update the presses queued, then record the final state
        self.wait(lambda: self.lab.kernel_state(self.path) == "idle", timeout, "the kernel to finish redrawing")
        time.sleep(0.5)
        after = state()
        widget.screenshot(path=str(self.shots / f"{Path(self.name).stem}_slider_after.png"))
        return {"before": before, "after": after, **changes(after)}


def _without(text: str, readout: str) -> str:
    """A widget's text with the slider's own readout taken out (it changes by itself)."""
    return text.replace(readout, "", 1)

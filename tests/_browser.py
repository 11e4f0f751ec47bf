"""Driving the course's notebooks in headless Chromium, as a learner does.

:class:`NotebookPage` opens one notebook in JupyterLab, clears its outputs, runs it through the
menus (Run > Run All Cells), waits until every cell has run, reads what the page shows and moves
a slider. Every wait has a deadline and fails with a screenshot and a message saying what never
happened. The server side is in ``_lab.py``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any, Callable

from _lab import REPO, LabError, LabServer, wait_until

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "NotebookPage", "launch_chromium"]

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
  // an input opened collapsed (metadata.jupyter.source_hidden) shows a placeholder, no prompt, no editor
  collapsed: !!cell.querySelector('.jp-InputPlaceholder'),
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
        self.wait(lambda: all(not c["outputs"] and (c["collapsed"] or "[ ]" in c["prompt"].replace("\xa0", " "))
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
            return [c for c in cells if c["kind"] == "code" and (c["source"].strip() or c["collapsed"])
                    and (upto is None or c["index"] <= upto)]

        def ran(c: dict) -> bool:  # a collapsed input shows no count: the cells after it vouch for it
            return c["collapsed"] or bool(re.search(r"\[\d+\]", c["prompt"]))

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
            done = all(ran(c) for c in in_range(self.cells()))
            return done and self.lab.kernel_state(self.path) == "idle"

        try:
            wait_until(finished, timeout, "the cells to finish running")
        except LabError:
            pending = [f"cell {c['index']} {c['prompt'].strip()} {c['source'][:40]!r}"
                       for c in in_range(self.cells()) if not ran(c)]
            self.fail(f"the cells did not finish within {timeout:.0f} s; not run: {pending[:5]}")
        seconds = time.monotonic() - started
        # The last cell's count is the number of cells this kernel ran: nothing ran twice,
        # nothing was skipped, nothing kept a count from the committed file.
        k = max(i for i, c in enumerate(code) if not c["collapsed"])  # the last cell that shows its count
        last = int(re.search(r"\[(\d+)\]", self.cells()[code[k]["index"]]["prompt"]).group(1))
        if last != k + 1:
            self.fail(f"code cell {k + 1} of those run shows [{last}]: a cell ran twice, or was skipped")
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

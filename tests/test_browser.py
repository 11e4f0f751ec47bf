"""What a learner sees: the course in JupyterLab, driven in headless Chromium.

A widget that passes under nbval can still show "Error displaying widget", or its Python repr
as text, in a browser whose front end is missing or disagrees with the kernel. These tests start
JupyterLab with the README's own command (``python3 course.py lab``, on a free loopback port with
a token), open it in Debian's Chromium through Playwright, and check that:

* the address the command prints for the learner (with JupyterLab's own token) opens
  00_start_here with a live kernel, not the launcher;

and for each chapter:

* run: Edit > Clear Outputs of All Cells, then Run > Run All Cells (00 and the ADC chapter) or
  the cells up to and including the chapter's main widget (the others: keeps the test short);
  every cell runs, no output is an error or a warning, every widget renders as controls;
* the main widget responds: a keyboard press on its slider changes the readout, and the figure
  (or the printed value under it) follows;
* as opened (recorded on the way, asserted in a test of its own): the committed outputs show no
  error, no warning and no widget as its Python repr;
* the lab never saved a file (autosave is off in the test's fresh settings; the server's log
  would say "Saving file at ...").

A last test starts a second lab with the widget extension disabled and requires the same checks
to report the widgets shown as text: the checks can fail.

Screenshots go to ``artifacts/browser/``; the lab's log to ``artifacts/browser/lab.log``.
``QKIT_BROWSER_RUN_ALL=1`` runs every chapter in full. Without ``/usr/bin/chromium`` (or
Playwright) the tests skip, unless the environment variable ``CI`` is set: then they fail.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from _browser import CHROMIUM, NotebookPage, launch_chromium
from _lab import ARTIFACTS, REPO, LabServer

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

START = "notebooks/00_start_here.ipynb"
RUN_TIMEOUT = 240.0  # seconds for one chapter's cells; the notebooks aim for 30 s


@dataclass(frozen=True)
class Chapter:
    """A notebook and how the test exercises it.

    ``slider``: the description of the main widget's slider to move (None: its first slider).
    ``run_all``: Run All Cells, rather than the cells up to the main widget.
    """

    path: str
    slider: str | None = None
    run_all: bool = False


# One row per chapter; add the new chapter's row when it lands (a missing file is skipped).
CHAPTERS = [
    Chapter(START, slider="mean", run_all=True),
    Chapter("notebooks/01_poisson_photons.ipynb"),
    Chapter("notebooks/02_adc_and_pileup.ipynb", run_all=True),
    Chapter("notebooks/03_characterising_the_chip.ipynb"),
    Chapter("notebooks/04_min_entropy.ipynb"),
    Chapter("notebooks/05_frames_and_failures.ipynb"),
    Chapter("notebooks/06_estimating_entropy.ipynb"),
    Chapter("notebooks/07_random_bits.ipynb"),  # main widget: its first Explorer (qkit.widgets.extraction)
    Chapter("notebooks/08_qubits_and_circuits.ipynb"),
    Chapter("notebooks/09_quantum_classifier.ipynb"),
    Chapter("notebooks/10_federated_learning.ipynb"),
    Chapter("notebooks/11_wireless_uplink.ipynb"),
    Chapter("notebooks/12_qfl_vs_dqfl.ipynb"),
    Chapter("notebooks/13_capstone_public_safety.ipynb"),
    Chapter("notebooks/14_scaling_out.ipynb", slider="chunk size"),  # main widget: qkit.widgets.scaling
]


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (Debian's chromium package: apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (in the test extra)")
    if missing:
        reason = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so this fails instead of skipping", pytrace=False)
        pytest.skip(reason)


def _chapters() -> list:
    params = []
    for chapter in CHAPTERS:
        marks = [] if (REPO / chapter.path).exists() else [pytest.mark.skip(reason=f"{chapter.path} not written yet")]
        params.append(pytest.param(chapter, id=Path(chapter.path).stem[:2], marks=marks))
    return params


#: How an Explorer's committed output begins in its plain-text fallback (qkit.widgets.Explorer).
EXPLORER_TEXT = "Interactive figure (controls:"


def main_widget_cell(path: Path) -> int:
    """Index of the chapter's main widget: the first cell whose committed output is an Explorer."""
    nb = json.loads(path.read_text())
    for index, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data and "".join(
                    data.get("text/plain", "")).startswith(EXPLORER_TEXT):
                return index
    raise AssertionError(f"{path.name} has no committed Explorer output: which widget is its main one?")


# What each chapter looked like as opened, recorded by the run test on its way (so the as-opened
# test costs nothing more), and how long each phase took (written to artifacts/browser/timings.json).
AS_OPENED: dict[str, list[str]] = {}
TIMINGS: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="module")
def lab():
    _require_browser()
    if not (REPO / "course.py").exists():
        pytest.fail("course.py (the README's lab command) is missing")
    with LabServer(log_path=ARTIFACTS / "lab.log") as server:
        TIMINGS["lab startup"] = {"seconds": round(server.startup_seconds, 1)}
        try:
            yield server
        finally:
            (ARTIFACTS / "timings.json").write_text(json.dumps(TIMINGS, indent=1) + "\n")
            saved = server.saved_paths()
            assert not saved, f"the lab saved {saved}: the browser test must never write the course's files"


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="qkit-chromium-") as profile, sync_playwright() as playwright:
        context = launch_chromium(playwright, Path(profile))
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser, lab):
    page = browser.new_page()
    yield page
    page.close()
    lab.shutdown_sessions()  # the next chapter gets a fresh kernel and the CPU to itself


def test_every_chapter_has_a_row():
    """A new notebook gets its row in CHAPTERS (and so its main widget tested in the browser)."""
    listed = {chapter.path for chapter in CHAPTERS}
    present = {f"notebooks/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb")}
    assert present <= listed, f"add a Chapter row to tests/test_browser.py for {sorted(present - listed)}"


def test_lab_command_opens_the_course_on_start_here(lab, page):
    """The address the README's command prints opens 00_start_here with a live kernel.

    A learner on a machine without a display copies that address (with its token) into a
    browser; the test opens exactly what was printed.
    """
    listing = lab.api("GET", "/api/contents/notebooks")
    assert Path(START).name in {item["name"] for item in listing["content"]}, "the lab does not serve the repository"
    assert lab.printed_url.split("?")[0].endswith(f"/lab/tree/{START}"), lab.printed_url
    notebook = NotebookPage(page, lab, START, ARTIFACTS)
    notebook.open(lab.printed_url)
    notebook.screenshot("opened_by_lab_command")
    assert page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").count() > 3
    assert lab.kernel_state(START) == "idle"


@pytest.mark.parametrize("chapter", _chapters())
def test_chapter_runs_and_its_main_widget_responds(lab, page, chapter):
    """Run the chapter in the browser; every widget renders as controls; the slider moves the figure."""
    widget_cell = main_widget_cell(REPO / chapter.path)
    run_all = chapter.run_all or os.environ.get("QKIT_BROWSER_RUN_ALL") == "1"
    notebook = NotebookPage(page, lab, chapter.path, ARTIFACTS)
    clock = _Clock()
    notebook.open()
    clock.lap("open")
    notebook.screenshot("as_opened")
    AS_OPENED[chapter.path] = notebook.problems()
    notebook.clear_outputs()
    notebook.run(RUN_TIMEOUT, upto=None if run_all else widget_cell)
    clock.lap("run all cells" if run_all else f"run cells 0-{widget_cell}")
    notebook.screenshot("ran")
    problems = notebook.problems()
    assert not problems, f"{chapter.path} after running in JupyterLab:\n" + "\n".join(problems)
    assert notebook.widget_outputs() >= 1, f"{chapter.path}: no widget rendered as controls"
    moved = notebook.move_slider(widget_cell, chapter.slider)
    clock.lap("slider")
    assert moved["after"]["readout"] != moved["before"]["readout"]
    assert moved["figure_changed"] or moved["text_changed"], moved
    notebook.screenshot("slider_moved")
    assert not notebook.problems(), "moving the slider produced: " + "\n".join(notebook.problems())
    TIMINGS[chapter.path] = clock.laps


@pytest.mark.parametrize("chapter", _chapters())
def test_chapter_as_opened_shows_no_error_and_no_widget_as_text(lab, page, chapter):
    """Before anything runs, the committed outputs read well: what a learner sees first.

    An untrusted notebook (any notebook a learner did not run) shows a widget output's text
    fallback; if that is the widget's Python repr, the learner reads ``Explorer(children=...``.
    """
    if chapter.path not in AS_OPENED:  # the run test did not get that far here: look now
        notebook = NotebookPage(page, lab, chapter.path, ARTIFACTS)
        notebook.open()
        notebook.screenshot("as_opened")
        AS_OPENED[chapter.path] = notebook.problems()
    problems = AS_OPENED[chapter.path]
    assert not problems, f"{chapter.path} as opened in JupyterLab:\n" + "\n".join(problems)


def test_a_missing_widget_front_end_is_caught(browser):
    """The checks above can fail: with the widget extension disabled, the same run is flagged.

    This is the failure the test exists for (a kernel-side widget that nbval accepts, shown to
    the learner without its controls). A second lab, from the same command, has the extension
    disabled: the learner then sees the explorer's still image and no slider, and the count of
    widgets rendered as controls, which the run test requires to be at least one, is zero.
    """
    with LabServer(log_path=ARTIFACTS / "lab_without_widgets.log",
                   disabled_extensions=("@jupyter-widgets/jupyterlab-manager",)) as broken:
        page = browser.new_page()
        try:
            notebook = NotebookPage(page, broken, START, ARTIFACTS / "without_widgets")
            notebook.open()
            notebook.clear_outputs()
            widget_cell = main_widget_cell(REPO / START)
            notebook.run(RUN_TIMEOUT, upto=widget_cell)
            notebook.screenshot("ran")
            assert notebook.widget_outputs() == 0, "no widget may count as controls without the extension"
            shown = [out["mime"] for cell in notebook.cells() if cell["index"] == widget_cell
                     for out in cell["outputs"]]
            assert shown and "image/png" in shown, f"the explorer's fallback should show, got {shown}"
        finally:
            page.close()


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = round(now - self._last, 1)
        self._last = now

"""The workshop check's pieces: versions, the widget front end, the report, a failing notebook."""

import re
import sys

import nbformat
import pytest

from qkit import workshop as w

GREEN, RED, RESET = "\x1b[32m", "\x1b[31m", "\x1b[0m"
LISTING = f"""JupyterLab v4.6.6
/env/share/jupyter/labextensions
        jupyterlab_pygments v0.3.0 {GREEN}enabled{RESET} {GREEN}OK{RESET} (python, jupyterlab_pygments)
        @jupyter-widgets/jupyterlab-manager v5.0.16 {GREEN}enabled{RESET} {GREEN}OK{RESET} (python, jupyterlab_widgets)

"""


# -- versions -------------------------------------------------------------------------------
@pytest.mark.parametrize("installed, status", [
    ("1.26.0", "PASS"), ("2.4.6", "PASS"), ("1.25.2", "FAIL"), ("1.26.0rc1", "FAIL"), (None, "FAIL"),
])
def test_requirement_against_lower_bound(installed, status):
    result = w.check_requirement("numpy>=1.26", installed=lambda name: installed)
    assert result.status == status
    assert result.name == "numpy >=1.26"
    if installed is None:
        assert "not installed" in result.detail
    elif status == "FAIL":
        assert installed in result.detail and ">=1.26" in result.detail


def test_versions_compare_as_numbers_not_strings():
    # "3.10" < "3.8" as strings; as versions it is newer.
    assert w.check_requirement("matplotlib>=3.8", installed=lambda n: "3.10.1").status == "PASS"
    assert w.check_requirement("matplotlib>=3.10", installed=lambda n: "3.9.4").status == "FAIL"


def test_python_version():
    assert w.check_python(">=3.11", "3.11.0").status == "PASS"
    assert w.check_python(">=3.11", "3.12.4").status == "PASS"
    failed = w.check_python(">=3.11", "3.10.14")
    assert failed.status == "FAIL" and "3.10.14" in failed.detail


def test_course_requirements_read_pyproject_with_the_lab_extra(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "qkit"\nrequires-python = ">=3.11"\ndependencies = ["numpy>=1.26", "tqdm>=4.66"]\n'
        '[project.optional-dependencies]\nlab = ["jupyterlab>=4.1", "numpy>=1.26"]\ntest = ["pytest>=8"]\n')
    requires_python, lines = w.course_requirements(tmp_path, ["lab"])
    assert requires_python == ">=3.11"
    assert lines == ["numpy>=1.26", "tqdm>=4.66", "jupyterlab>=4.1"]  # numpy once
    assert "pytest>=8" in w.course_requirements(tmp_path, ["lab", "test"])[1]


def test_this_repository_lists_the_lab_packages():
    _, lines = w.course_requirements()
    names = {line.split(">")[0].split("=")[0].strip() for line in lines}
    assert {"numpy", "ipywidgets", "jupyterlab", "ipykernel"} <= names


# -- the widget front end -------------------------------------------------------------------
def test_parse_labextension_list_with_colours():
    found = w.parse_labextension_list(LISTING)
    assert set(found) == {"jupyterlab_pygments", w.MANAGER}
    assert found[w.MANAGER] == w.LabExtension(w.MANAGER, "5.0.16", enabled=True, compatible=True)


def test_widget_extension_present_passes():
    result = w.check_widget_extension(LISTING, "8.1.9")
    assert result.status == "PASS" and "5.0.16" in result.detail


def test_missing_widget_extension_fails():
    listing = "\n".join(line for line in LISTING.splitlines() if w.MANAGER not in line)
    result = w.check_widget_extension(listing, "8.1.9")
    assert result.status == "FAIL" and "not installed" in result.detail


def test_disabled_or_incompatible_widget_extension_fails():
    disabled = LISTING.replace(f"v5.0.16 {GREEN}enabled", f"v5.0.16 {RED}disabled")
    assert "disabled" in w.check_widget_extension(disabled, "8.1.9").detail
    incompatible = LISTING.replace(f"v5.0.16 {GREEN}enabled{RESET} {GREEN}OK", f"v5.0.16 {GREEN}enabled{RESET} {RED}X")
    result = w.check_widget_extension(incompatible, "8.1.9")
    assert result.status == "FAIL" and "not compatible" in result.detail


def test_widget_versions_that_disagree_fail():
    old_front_end = LISTING.replace("v5.0.16", "v3.1.4")
    result = w.check_widget_extension(old_front_end, "8.1.9")
    assert result.status == "FAIL" and "versions disagree" in result.detail
    assert w.check_widget_extension(LISTING, None).status == "FAIL"  # no ipywidgets at all


# -- report -----------------------------------------------------------------------------------
def test_report_lists_failures_and_says_not_ready():
    results = [
        w.CheckResult("numpy >=1.26", "PASS", "2.4.6"),
        w.CheckResult("kernel python3", "FAIL", "did not start: boom", 1.25),
        w.CheckResult("notebooks", "SKIP", "--quick"),
    ]
    lines = [w.format_line(r) for r in results]
    assert lines[0].startswith("PASS  numpy >=1.26") and lines[0].endswith("2.4.6")
    assert lines[1].startswith("FAIL  kernel python3") and lines[1].endswith("[1.2 s]")
    report = w.format_report(results)
    assert report.startswith("1 passed, 1 failed, 1 skipped")
    assert "NOT READY" in report and "FAIL  kernel python3: did not start: boom" in report
    assert "READY: this machine" in w.format_report(results[:1])
    with pytest.raises(ValueError, match="status must be one of"):
        w.CheckResult("x", "OK")


def test_stated_run_time():
    def nb(text):
        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    assert w.stated_run_time(nb("# T\n\n**Run time:** about 25 s.")) == 25
    assert w.stated_run_time(nb("Run time: about 2 min")) == 120
    assert w.stated_run_time(nb("# Title only")) is None


# -- kernel and notebooks (real kernels: a few seconds) ------------------------------------------
def _write(tmp_path, name, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# t\n\nRun time: about 1 s")]
                                  + [nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_kernel_starts_and_is_this_python():
    result = w.check_kernel()
    assert result.status == "PASS", result.detail
    assert result.seconds > 0


@pytest.mark.slow
def test_failing_notebooks_are_reported_as_fail(tmp_path):
    good = w.check_notebook(_write(tmp_path, "good.ipynb", "x = 1 + 1", "print(x)"))
    assert good.status == "PASS" and "states about 1 s" in good.detail
    error = w.check_notebook(_write(tmp_path, "error.ipynb", "1 / 0"))
    assert error.status == "FAIL" and "ZeroDivisionError" in error.detail
    warns = w.check_notebook(_write(tmp_path, "warns.ipynb", "import warnings\nwarnings.warn('old', RuntimeWarning)"))
    assert warns.status == "FAIL" and "stderr" in warns.detail and "RuntimeWarning" in warns.detail


@pytest.mark.slow
def test_main_exit_status_and_list(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "qkit"\nrequires-python = ">={sys.version_info.major}.{sys.version_info.minor}"\n'
        'dependencies = ["numpy>=1.0"]\n')
    _write(tmp_path / "notebooks", "00_ok.ipynb", "print('fine')")
    _write(tmp_path / "notebooks", "01_bad.ipynb", "raise RuntimeError('broken on purpose')")
    status = w.main(["--root", str(tmp_path), "--extra", "none"])
    out = capsys.readouterr().out
    assert status == 1
    assert "PASS  notebooks/00_ok.ipynb" in out
    assert "FAIL" in out and "broken on purpose" in out and "NOT READY" in out
    assert re.search(r"\(the check took \d+ min \d\d s\)$", out.strip()), out[-200:]  # what the README quotes
    assert w.main(["--root", str(tmp_path), "--extra", "none", "--notebooks", "00"]) == 0


@pytest.mark.slow
def test_a_bare_assert_is_reported_with_its_line(tmp_path):
    result = w.check_notebook(_write(tmp_path, "checks.ipynb", "x = 2\nassert x == 3"))
    assert result.status == "FAIL"
    assert "AssertionError" in result.detail and "assert x == 3" in result.detail


def test_slow_cells_without_progress_bar_are_noted():
    def cell(seconds, text):
        c = nbformat.v4.new_code_cell("work()")
        c.metadata["execution"] = {"iopub.execute_input": "2026-01-01T10:00:00.000000Z",
                                   "shell.execute_reply": f"2026-01-01T10:00:{seconds:02d}.500000Z"}
        c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        return c
    nb = nbformat.v4.new_notebook(cells=[cell(2, "quick"), cell(20, "done"), cell(30, "fits: 100%|####| 30/30")])
    assert w.slow_cells_without_progress(nb) == [(1, 20.5)]
    assert w.slow_cells_without_progress(nb, threshold=40) == []


# -- bad input ----------------------------------------------------------------------------------
def test_bad_arguments_name_themselves_and_what_is_allowed():
    with pytest.raises(ValueError, match=r"requires_python must be a version specifier such as '>=3.11', got '>=>3'"):
        w.check_python(">=>3")
    with pytest.raises(ValueError, match=r"ipywidgets_version must be a version such as '8.1.9', got 'eight'"):
        w.check_widget_extension(LISTING, "eight")
    with pytest.raises(ValueError, match=r"requirement must be a requirement such as 'numpy>=1.26'"):
        w.check_requirement("numpy>>1")
    with pytest.raises(TypeError, match=r"extras must be a list of extra names"):
        w.course_requirements(extras="lab")  # a bare string would be read as the extras 'l', 'a', 'b'
    with pytest.raises(ValueError, match=r"seconds must satisfy 0 <= seconds \(s\), got -1.0"):
        w.CheckResult("kernel python3", "PASS", "", -1.0)
    with pytest.raises(ValueError, match=r"path must be an existing .ipynb file, got 'no/such.ipynb'"):
        w.check_notebook("no/such.ipynb")
    with pytest.raises(TypeError, match=r"timeout must be a number of seconds, got True"):
        w.check_kernel(timeout=True)


def test_an_unknown_kernel_is_a_fail_not_a_crash(tmp_path):
    """A kernel that is not installed is the finding the check reports, for the kernel and a notebook."""
    result = w.check_kernel("no-such-kernel", timeout=30)
    assert result.status == "FAIL" and "did not start" in result.detail and "no-such-kernel" in result.detail
    notebook = w.check_notebook(_write(tmp_path, "k.ipynb", "x = 1"), kernel_name="no-such-kernel")
    assert notebook.status == "FAIL" and "did not finish" in notebook.detail

"""The README's two commands and the CI script stay what they promise."""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _quickstart_commands():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.strip().splitlines()]


def test_readme_quickstart_is_exactly_two_commands():
    assert _quickstart_commands() == ["python3 course.py lab", "python3 course.py test"]


def test_ci_runs_the_readme_test_command():
    lines = [l.strip() for l in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert "python3 course.py test" in lines


def test_course_help_and_unknown_command():
    done = subprocess.run([sys.executable, str(ROOT / "course.py"), "--help"],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "python3 course.py lab" in done.stdout
    done = subprocess.run([sys.executable, str(ROOT / "course.py"), "frobnicate"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert "unknown command 'frobnicate'" in done.stderr and "lab, test, check" in done.stderr
    done = subprocess.run([sys.executable, str(ROOT / "course.py")], capture_output=True, text=True)
    assert done.returncode == 2 and "no command given" in done.stderr


def _course_module():
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lab_command_serves_the_repository_and_opens_start_here():
    """The URL JupyterLab prints and opens is its default URL: the start notebook, not the launcher.

    (The browser test opens the printed URL itself; this pins the command line.)
    """
    course = _course_module()
    headless = course.lab_command(Path("/env/bin/python"), ["--port", "8890"], display=False)
    assert f"--ServerApp.root_dir={ROOT}" in headless
    assert "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb" in headless
    assert (ROOT / course.START_NOTEBOOK).is_file()
    assert "--no-browser" in headless and headless[-2:] == ["--port", "8890"]
    assert "--no-browser" not in course.lab_command(Path("/env/bin/python"), [], display=True)


def test_install_step_keeps_build_noise_in_the_log(tmp_path, capsys):
    """pip's output (and a build backend's banner) goes to the log, and to the terminal on failure only."""
    course = _course_module()
    log = tmp_path / "install.log"
    noisy = "import sys; print('Successfully installed'); sys.stderr.write('Editable installation. !!\\n')"
    with open(log, "w") as out:
        course.install_step([sys.executable, "-c", noisy], out, log)
    shown = capsys.readouterr()
    assert shown.out == "" and shown.err == ""
    assert "Editable installation" in log.read_text() and "Successfully installed" in log.read_text()
    failing = "import sys; print('ERROR: No matching distribution found for numpy'); sys.exit(3)"
    with open(log, "w") as out, pytest.raises(SystemExit) as info:
        course.install_step([sys.executable, "-c", failing], out, log)
    assert "exit status 3" in str(info.value.code) and str(log) in str(info.value.code)
    assert "No matching distribution found for numpy" in capsys.readouterr().err


def test_course_exercises_command_regenerates_in_this_environment(tmp_path):
    """`course.py exercises` runs the generator (here with this interpreter, installing nothing)."""
    env = {"QKIT_PYTHON": sys.executable, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, str(ROOT / "course.py"), "exercises",
                           "--exercises", str(tmp_path)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "solutions").glob("*.ipynb"))


def test_course_grading_command_lays_out_an_nbgrader_course(tmp_path):
    """`course.py grading DIR` writes source/<chapter>/<chapter>.ipynb and nbgrader_config.py."""
    env = {"QKIT_PYTHON": sys.executable, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, str(ROOT / "course.py"), "grading", str(tmp_path / "course")],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "course" / "nbgrader_config.py").is_file()
    assert sorted(p.name for p in (tmp_path / "course" / "source").glob("*/*.ipynb")) == sorted(
        p.name for p in (ROOT / "solutions").glob("*.ipynb"))

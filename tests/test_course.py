"""The README's two commands and the CI script stay what they promise."""

import re
import subprocess
import sys
from pathlib import Path

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


def test_course_exercises_command_regenerates_in_this_environment(tmp_path):
    """`course.py exercises` runs the generator (here with this interpreter, installing nothing)."""
    env = {"QKIT_PYTHON": sys.executable, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, str(ROOT / "course.py"), "exercises",
                           "--exercises", str(tmp_path)], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == sorted(
        p.name for p in (ROOT / "solutions").glob("*.ipynb"))

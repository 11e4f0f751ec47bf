#!/usr/bin/env python3
"""qkit's one entry point: set up the course's environment and run it.

    python3 course.py lab        open the course in JupyterLab (installs what it needs first)
    python3 course.py test       run the whole test suite (installs what it needs first)
    python3 course.py check      the workshop check: versions, widgets, kernel, every notebook
    python3 course.py exercises  regenerate exercises/ from solutions/ (maintainers)
    python3 course.py execute [NOTEBOOK ...]
                                 re-execute notebooks in place, saving outputs (maintainers)

Only the standard library is used here, so it runs on a fresh machine with Python >= 3.11. The
first run creates a virtual environment in ``.venv`` next to this file and installs the kit into
it (editable, with the extra the command needs); later runs reuse it and reinstall only when
``pyproject.toml`` changed. Extra arguments go to the tool underneath (JupyterLab or pytest).

Environment variables: ``QKIT_VENV`` (another place for the environment),
``QKIT_PYTHON`` (use this interpreter as it is, installing nothing: for maintainers' own envs).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MIN_PYTHON = (3, 11)


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def venv_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment(extras: list[str]) -> Path:
    """Return a Python with the kit and ``extras`` installed, creating ``.venv`` if needed."""
    if os.environ.get("QKIT_PYTHON"):
        return Path(os.environ["QKIT_PYTHON"])
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"qkit needs Python >= {'.'.join(map(str, MIN_PYTHON))}; this is {platform.python_version()}")
    env_dir = Path(os.environ.get("QKIT_VENV", ROOT / ".venv"))
    python = venv_python(env_dir)
    if not python.exists():
        say(f"creating the virtual environment {env_dir} (once)")
        venv.EnvBuilder(with_pip=True, clear=False).create(env_dir)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    stamp = env_dir / ".qkit-installed.json"
    installed: set[str] | None = None  # the extras installed for this pyproject.toml, if any
    try:
        record = json.loads(stamp.read_text())
        if record.get("pyproject") == digest:
            installed = set(record.get("extras", []))
    except (OSError, ValueError, AttributeError):
        pass
    if installed is None or not set(extras) <= installed:
        installed = installed or set()
        wanted = sorted(installed | set(extras))
        target = f"{ROOT}[{','.join(wanted)}]" if wanted else str(ROOT)
        say(f"installing qkit and its dependencies ({', '.join(wanted) or 'base'}) into {env_dir}; "
            "the first time takes a few minutes")
        run([python, "-m", "pip", "install", "--upgrade", "--quiet", "pip"])
        run([python, "-m", "pip", "install", "--quiet", "-e", target])
        stamp.write_text(json.dumps({"pyproject": digest, "extras": wanted}) + "\n")
    return python


def run(command: list, **kwargs) -> None:
    result = subprocess.run([str(c) for c in command], **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def cmd_lab(args: list[str]) -> int:
    python = ensure_environment(["lab"])
    command = [str(python), "-m", "jupyter", "lab", str(ROOT / "notebooks" / "00_start_here.ipynb"),
               f"--ServerApp.root_dir={ROOT}"]
    if not has_display() and "--no-browser" not in args:
        command.append("--no-browser")
        say("no display found: open the http://127.0.0.1:...?token=... URL printed below in a browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        command.append("--allow-root")  # containers and CI machines often run as root
        say("running as root: passing --allow-root to JupyterLab")
    say("starting JupyterLab on the course (stop it with Ctrl+C)")
    return subprocess.call(command + args, cwd=ROOT)


def cmd_test(args: list[str]) -> int:
    # The suite also starts the course's JupyterLab (the browser test), so install both extras.
    python = ensure_environment(["lab", "test"])
    say("running the test suite: " + " ".join(["pytest", *args]))
    return subprocess.call([str(python), "-m", "pytest", *args], cwd=ROOT)


def cmd_check(args: list[str]) -> int:
    python = ensure_environment(["lab"])
    return subprocess.call([str(python), "-m", "qkit.workshop", *args], cwd=ROOT)


def cmd_exercises(args: list[str]) -> int:
    python = ensure_environment(["test"])
    return subprocess.call([str(python), "-m", "qkit.authoring", "exercises", *args], cwd=ROOT)


def cmd_execute(args: list[str]) -> int:
    python = ensure_environment(["test"])
    return subprocess.call([str(python), "-m", "qkit.authoring", "execute", *args], cwd=ROOT)


COMMANDS = {
    "lab": cmd_lab,
    "test": cmd_test,
    "check": cmd_check,
    "exercises": cmd_exercises,
    "execute": cmd_execute,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help") or argv[0] not in COMMANDS:
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help", "help") else 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

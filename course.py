#!/usr/bin/env python3
"""qkit's one entry point: set up the course's environment and run it.

    python3 course.py lab        open the course in JupyterLab (installs what it needs first)
    python3 course.py test       run the whole test suite (installs what it needs first)
    python3 course.py check      the workshop check: versions, widgets, kernel, every notebook
    python3 course.py exercises  stamp nbgrader metadata onto solutions/, regenerate exercises/ with
                                 nbgrader (maintainers; installs the instructor extra)
    python3 course.py grading DIR
                                 lay out an nbgrader course in DIR for instructors (installs the
                                 instructor extra; then run nbgrader's commands in DIR)
    python3 course.py execute [NOTEBOOK ...]
                                 re-execute notebooks in place, saving outputs (maintainers)

Only the standard library is used here, so it runs on a fresh machine with Python >= 3.11. The
first run creates a virtual environment in ``.venv`` next to this file and installs the kit into
it (editable, with the extra the command needs; pip's output goes to ``.venv/qkit-install.log``
and to the terminal only if the installation fails); later runs reuse it and reinstall only when
``pyproject.toml``, ``setup.py`` or a C kernel's source changed (the installation compiles the
estimators' optional C kernels when a C compiler is there). Extra arguments go to the tool underneath (JupyterLab or pytest).

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
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MIN_PYTHON = (3, 11)


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def venv_python(env_dir: Path) -> Path:
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install_digest() -> str:
    """Hash of what the installation builds from: pyproject.toml, setup.py and the C kernels'
    sources (a changed kernel is rebuilt on the next run)."""
    sha = hashlib.sha256()
    for path in [ROOT / "pyproject.toml", ROOT / "setup.py",
                 *sorted((ROOT / "qkit" / "qrng" / "estimators" / "_c").glob("*.c"))]:
        if path.exists():
            sha.update(path.name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()[:16]


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
    digest = install_digest()
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
        log = env_dir / "qkit-install.log"
        say(f"installing qkit and its dependencies ({', '.join(wanted) or 'base'}) into {env_dir}; "
            f"the first time takes a few minutes (pip's output goes to {log})")
        with open(log, "w") as out:
            install_step([python, "-m", "pip", "install", "--upgrade", "pip"], out, log)
            install_step([python, "-m", "pip", "install", "-e", target], out, log)
        stamp.write_text(json.dumps({"pyproject": digest, "extras": wanted}) + "\n")
        say("installed")
    return python


def install_step(command: list, out, log: Path, every: float = 60.0) -> None:
    """Run one pip command with its output in ``log``; say every ``every`` s that it still runs.

    pip's own ``--quiet`` does not silence what a build backend prints (setuptools' "Editable
    installation" banner gets through), so the output goes to the log instead, and to the
    terminal only when the step fails.
    """
    out.write(f"$ {' '.join(map(str, command))}\n")
    out.flush()
    started = time.monotonic()
    proc = subprocess.Popen([str(c) for c in command], stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    try:
        while True:
            try:
                code = proc.wait(timeout=every)
                break
            except subprocess.TimeoutExpired:
                say(f"still installing ({time.monotonic() - started:.0f} s so far)")
    except KeyboardInterrupt:  # pip got the Ctrl+C too; nothing was recorded as installed
        proc.wait()
        sys.exit("[course] installation interrupted; run the same command again to finish it")
    if code != 0:
        out.flush()
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        print(tail, file=sys.stderr)
        sys.exit(f"[course] the installation failed (exit status {code}); pip's full output is in {log}")


def has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


#: The notebook the lab opens on, relative to the repository (README: "Quickstart").
START_NOTEBOOK = "notebooks/00_start_here.ipynb"


def lab_command(python: Path, args: list[str], display: bool) -> list[str]:
    """The JupyterLab command line of ``course.py lab``.

    The lab serves the whole repository and its default URL is the start notebook, so that the
    URL JupyterLab prints (with its token) and the page it opens in a browser both show
    ``notebooks/00_start_here.ipynb``, not the launcher.
    """
    command = [str(python), "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
               f"--LabApp.default_url=/lab/tree/{START_NOTEBOOK}"]
    if not display and "--no-browser" not in args:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        command.append("--allow-root")  # containers and CI machines often run as root
    return command + args


def cmd_lab(args: list[str]) -> int:
    python = ensure_environment(["lab", "flower"])  # chapter 14 runs the fleet on Flower
    display = has_display()
    command = lab_command(python, args, display)
    if not display and "--no-browser" not in args:
        say(f"no display found: open the http://...{START_NOTEBOOK}?token=... address printed below "
            "in a browser")
    if "--allow-root" in command and "--allow-root" not in args:
        say("running as root: passing --allow-root to JupyterLab")
    say("starting JupyterLab on the course (stop it with Ctrl+C)")
    return subprocess.call(command, cwd=ROOT)


def cmd_test(args: list[str]) -> int:
    """The whole suite, in two passes when no arguments are given.

    Pass 1 runs everything except the ``ray`` tests in parallel; pass 2 runs the ``ray`` tests (Flower's
    simulation engine, chapter 14) alone, one at a time: Ray's start fails when the machine is busy
    (its raylet gives up on a dashboard agent that takes over 15 s to start). With arguments, pytest
    runs once with them (``course.py test -k entropy``).
    """
    # The suite also starts the course's JupyterLab (the browser test) and runs chapter 14 and the
    # Flower tests, so install those extras too.
    python = ensure_environment(["lab", "test", "flower"])
    passes = [args] if args else [["-m", "not ray"], ["-m", "ray", "-n", "0"]]
    status = 0
    for number, extra in enumerate(passes, 1):
        label = "" if len(passes) == 1 else f" (pass {number} of {len(passes)})"
        say(f"running the test suite{label}: " + " ".join(["pytest", *extra]))
        code = subprocess.call([str(python), "-m", "pytest", *extra], cwd=ROOT)
        status = status or (0 if code == 5 and extra[:2] == ["-m", "ray"] else code)  # 5: none collected
    return status


def cmd_check(args: list[str]) -> int:
    python = ensure_environment(["lab", "flower"])
    return subprocess.call([str(python), "-m", "qkit.workshop", *args], cwd=ROOT)


def ensure_nbgrader() -> Path:
    """A Python with the kit and nbgrader (the ``instructor`` extra) installed."""
    python = ensure_environment(["instructor"])
    found = subprocess.call([str(python), "-c", "import nbgrader"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if found != 0:  # only with QKIT_PYTHON, which installs nothing
        sys.exit(f"[course] nbgrader is not installed in {python}; run "
                 f"`{python} -m pip install -e \"{ROOT}[instructor]\"` first")
    return python


def cmd_exercises(args: list[str]) -> int:
    python = ensure_nbgrader()
    return subprocess.call([str(python), "-m", "qkit.authoring", "exercises", *args], cwd=ROOT)


def cmd_grading(args: list[str]) -> int:
    python = ensure_nbgrader()
    return subprocess.call([str(python), "-m", "qkit.authoring", "course", *args], cwd=ROOT)


def cmd_execute(args: list[str]) -> int:
    python = ensure_environment(["test"])
    return subprocess.call([str(python), "-m", "qkit.authoring", "execute", *args], cwd=ROOT)


COMMANDS = {
    "lab": cmd_lab,
    "test": cmd_test,
    "check": cmd_check,
    "exercises": cmd_exercises,
    "grading": cmd_grading,
    "execute": cmd_execute,
}


def main(argv: list[str]) -> int:
    if argv and argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    if not argv or argv[0] not in COMMANDS:
        problem = "no command given" if not argv else f"unknown command {argv[0]!r}"
        print(f"course.py: {problem}; the commands are {', '.join(COMMANDS)}\n{__doc__}", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The package versions a notebook ran with, printed at its end.

A result is only reproducible together with the software that produced it, so every chapter
closes with ``qkit.show_versions()``. Versions are read from the installed distributions'
metadata (``importlib.metadata``): nothing heavy is imported to print them.
"""

from __future__ import annotations

import platform

__all__ = ["package_versions", "show_versions"]

#: The distributions the course depends on, in the order they are printed.
PACKAGES = ("qkit", "numpy", "scipy", "matplotlib", "ipywidgets", "tqdm", "pydivsufsort", "pennylane", "jupyterlab",
            "nbval")


def package_versions() -> dict[str, str]:
    """Return ``{name: version}`` for Python and the course's packages.

    A package that is not installed is reported as ``"not installed"`` rather than left out,
    so that two printouts always list the same names.
    """
    from importlib import metadata          # here, not at import: ~30 ms and ~1 MiB for every import of qkit

    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def show_versions() -> None:
    """Print the versions of Python and the course's packages (the whole course environment, not only
    what one notebook imports), one ``name version`` per line."""
    versions = package_versions()
    width = max(len(name) for name in versions)
    print("The course environment this notebook ran in (compare with yours if a result differs):")
    for name, version in versions.items():
        print(f"  {name:<{width}}  {version}")

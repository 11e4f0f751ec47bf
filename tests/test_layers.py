"""Arrows point down only: the computing cores never import plotting or widget code."""

import ast
from pathlib import Path

import pytest

import qkit

PACKAGE = Path(qkit.__file__).resolve().parent
CORES = ["qrng", "qnn", "fl", "data"]
# tqdm (progress bars for long loops) is allowed: it draws nothing a test could miss.
FORBIDDEN = ("matplotlib.pyplot", "ipywidgets", "IPython", "qkit.widgets", "qkit.plots")


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


@pytest.mark.parametrize("core", CORES)
def test_core_modules_import_no_ui(core):
    offenders = []
    for path in sorted((PACKAGE / core).rglob("*.py")):
        for name in _imports(path):
            if name.startswith(FORBIDDEN):
                offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_version():
    assert isinstance(qkit.__version__, str) and qkit.__version__.count(".") == 2

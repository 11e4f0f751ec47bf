"""Test-suite settings shared by unit tests and notebook tests."""

import os

# Unit tests draw figures without a display.
os.environ.setdefault("MPLBACKEND", "Agg")
# Exercise checks raise instead of printing, so a wrong solution fails its notebook test.
# Kernels started by nbval inherit this environment.
os.environ["QKIT_STRICT_CHECKS"] = "1"
# One BLAS thread per process: the suite runs notebooks in parallel on a small machine.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")


# Notebooks that start Ray (Flower's simulation engine) get the ``ray`` marker, like the Ray tests:
# ``course.py test`` runs them alone, after the rest, because Ray's start fails on a busy machine.
RAY_NOTEBOOKS = ("14_scaling_out.ipynb",)


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if os.path.basename(str(item.fspath)) in RAY_NOTEBOOKS and "notebooks" in str(item.fspath):
            item.add_marker(pytest.mark.ray)

"""The optional C kernels of the sequential estimators, and the switch that turns them off.

The predictors (Sec. 6.3.7-6.3.10) and the collision scan are loops over the samples, each
round depending on the last: numpy can only vectorise them with large temporary arrays. The
substring counts (t-Tuple, LRS), the permutation tests' statistics and bzip2's compressed
length (which libbz2's own block sort computes slowly on repetitive text) have kernels too. Their
C kernels (``_c/*.c``, built by ``pip install`` when a C compiler is there) run the loop as
the standard writes it, in at most a few MiB. Every estimator keeps its numpy path, which the tests
check gives the same numbers as the kernel and as the plain reference in :mod:`.reference`.

>>> from qkit.qrng.estimators import compiled_kernels
>>> compiled_kernels()                                     # doctest: +SKIP
{'lag': True, 'multi_mcw': True, 'collision': True, 'multi_mmc': True, 'lz78y': True, 'substrings': True,
 'perm_statistics': True, 'perm_draw': True, 'perm_text': True, 'bzip2_length': True,
 'bzip2_decimal_length': True}

``QKIT_NUMPY_ONLY=1`` in the environment, or ``with numpy_only():``, makes every estimator
take its numpy path.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["kernel", "compiled_kernels", "numpy_only"]

#: Kernel name -> (extension module, function in it).
KERNELS = {
    "lag": ("_cpredict", "lag"),
    "multi_mcw": ("_cpredict", "multi_mcw"),
    "collision": ("_cpredict", "collision_stats"),
    "multi_mmc": ("_cmmc", "multi_mmc"),
    "lz78y": ("_clz78y", "lz78y"),
    "substrings": ("_csuffix", "substring_counts"),
    "perm_statistics": ("_cperm", "statistics"),
    "perm_draw": ("_cperm", "draw"),
    "perm_text": ("_cperm", "decimal_text"),
    "bzip2_length": ("_cbzip2", "bzip2_length"),
    "bzip2_decimal_length": ("_cbzip2", "bzip2_decimal_length"),
}

_enabled = os.environ.get("QKIT_NUMPY_ONLY", "") not in ("1", "true", "yes")


def _load(name: str) -> Callable | None:
    module, function = KERNELS[name]
    try:
        return getattr(importlib.import_module(f".{module}", __package__), function)
    except (ImportError, AttributeError):
        return None


def kernel(name: str) -> Callable | None:
    """The compiled kernel ``name`` (a key of :data:`KERNELS`), or None when it was not built
    or the numpy paths are switched on."""
    if name not in KERNELS:
        raise ValueError(f"name must be one of {sorted(KERNELS)}, got {name!r}")
    return _load(name) if _enabled else None


def compiled_kernels() -> dict[str, bool]:
    """Which kernels the estimators use now (False: not built, or switched off)."""
    return {name: kernel(name) is not None for name in KERNELS}


@contextmanager
def numpy_only() -> Iterator[None]:
    """Within the block, every estimator takes its numpy path (to compare it with the kernels)."""
    global _enabled
    before = _enabled
    _enabled = False
    try:
        yield
    finally:
        _enabled = before

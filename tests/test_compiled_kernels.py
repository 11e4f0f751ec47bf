"""The estimators' optional C kernels: built where a compiler is, and switchable off.

Each kernel's own file (``test_kernel_*.py``) checks it gives the numbers of the numpy path and
of the plain reference. Here: that the installation built every kernel (in CI, where the machine
has a C compiler, a missing kernel is a failure; elsewhere a skip that says how to build them),
and that ``numpy_only`` really switches the estimators to their numpy paths.
"""

import os

import numpy as np
import pytest

from qkit.qrng.estimators import _compiled, compiled_kernels, lag_estimate, numpy_only


def _missing() -> list[str]:
    return [name for name in _compiled.KERNELS if _compiled._load(name) is None]


def test_every_kernel_is_built():
    missing = _missing()
    if missing and not os.environ.get("CI"):
        pytest.skip(f"C kernels not built: {missing}; `pip install -e .` with a C compiler builds them")
    assert missing == [], f"the installation did not build the C kernels {missing}"


def test_numpy_only_switches_every_kernel_off_and_back():
    before = compiled_kernels()
    with numpy_only():
        assert not any(compiled_kernels().values())
        assert all(_compiled.kernel(name) is None for name in _compiled.KERNELS)
    assert compiled_kernels() == before


@pytest.mark.skipif(_compiled._load("lag") is None, reason="the Lag kernel is not built")
def test_dispatch_reaches_the_kernel(monkeypatch):
    calls = []
    real = _compiled._load("lag")

    def spy(symbols, k):
        calls.append((symbols.size, k))
        return real(symbols, k)

    monkeypatch.setattr(_compiled, "_load", lambda name: spy if name == "lag" else None)
    bits = np.random.default_rng(3).integers(0, 2, 5000).astype(np.uint8)
    fast = lag_estimate(bits, 2)
    with numpy_only():
        slow = lag_estimate(bits, 2)
    assert calls == [(5000, 2)]
    assert fast == slow


def test_unknown_kernel_name_is_refused():
    with pytest.raises(ValueError, match="name"):
        _compiled.kernel("Lag")

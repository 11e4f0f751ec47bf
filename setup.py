"""Build the optional C kernels of qkit's SP 800-90B estimators.

Everything else about the package is in ``pyproject.toml``. The kernels are plain C against
CPython's stable buffer interface (no numpy headers). Each one is ``optional``: where no C
compiler is found the installation still succeeds, a warning says which kernel was skipped, and
the estimators run their numpy paths, which give the same numbers more slowly
(``qkit.qrng.estimators.compiled_kernels()`` says which kernels are in use).
"""

from setuptools import Extension, setup

KERNELS = {
    "_cpredict": "predict.c",   # Lag, MultiMCW, Collision
    "_cmmc": "mmc.c",           # MultiMMC
    "_clz78y": "lz78y.c",       # LZ78Y
    "_csuffix": "suffix.c",     # t-Tuple and LRS counts from a suffix array
    "_cperm": "perm.c",         # the IID track's permutation-test statistics
    "_cbzip2": "bzip2.c",       # bzip2's compressed length in linear time (the compression statistic)
}

setup(ext_modules=[
    Extension(f"qkit.qrng.estimators.{name}", [f"qkit/qrng/estimators/_c/{source}"],
              extra_compile_args=["-O2", "-std=c99"], optional=True)
    for name, source in KERNELS.items()
])

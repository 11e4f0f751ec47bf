"""Every public callable refuses bad input clearly (see ``tests/api_registry/__init__.py``).

* ``test_public_callables_have_cases[module]``: every function and class in the ``__all__`` of a
  public qkit module has a :class:`Case` (or an ``EXEMPT`` reason) in ``tests/api_registry/``.
* ``test_case[area:target]``: the valid call succeeds, and every automatic and listed bad value is
  refused with a ``ValueError``/``TypeError`` that names the argument, in time, before allocating.

Select one area or function with ``-k``, e.g. ``-k estimators`` or ``-k poisson_pmf``.
"""

from __future__ import annotations

import importlib
import inspect
import math
import numbers
import pkgutil
import resource
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import qkit
from api_registry import MAX_MESSAGE, Case

REGISTRY_DIR = Path(__file__).parent / "api_registry"
SPARE_ADDRESS_SPACE = 6 * 2**30  # a bad call may map this much more before it counts as a runaway


# --------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------

def _public_modules() -> list[str]:
    names = ["qkit"]
    for info in pkgutil.walk_packages(qkit.__path__, "qkit."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return sorted(names)


def _is_public_callable(obj: Any) -> bool:
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return False
    if not getattr(obj, "__module__", "").startswith("qkit"):
        return False
    return not (inspect.isclass(obj) and issubclass(obj, BaseException))


def _public_callables(module_name: str) -> dict[str, Any]:
    module = importlib.import_module(module_name)
    found = {}
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name, None)
        if _is_public_callable(obj):
            found[f"{module_name}.{name}"] = obj
    return found


def _areas() -> dict[str, Any]:
    areas = {}
    for info in pkgutil.iter_modules([str(REGISTRY_DIR)]):
        if not info.name.startswith("_"):
            areas[info.name] = importlib.import_module(f"api_registry.{info.name}")
    return areas


def _resolve(path: str) -> Any:
    """Import the longest module prefix of ``path`` and walk the rest as attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"cannot import {path}")


AREAS = _areas()
CASES: list[tuple[str, Case]] = [(area, case) for area, mod in AREAS.items() for case in getattr(mod, "CASES", [])]
EXEMPT: dict[str, str] = {name: why for mod in AREAS.values() for name, why in getattr(mod, "EXEMPT", {}).items()}


def _covered_ids() -> set[int]:
    ids = set()
    for _, case in CASES:
        try:
            ids.add(id(_resolve(case.target)))
        except (ImportError, AttributeError):
            pass
    for name in EXEMPT:
        try:
            ids.add(id(_resolve(name)))
        except (ImportError, AttributeError):
            pass
    return ids


@pytest.mark.parametrize("module_name", _public_modules())
def test_public_callables_have_cases(module_name):
    covered = _covered_ids()
    missing = [name for name, obj in _public_callables(module_name).items() if id(obj) not in covered]
    assert not missing, (
        f"public callables of {module_name} with no Case and no EXEMPT entry in tests/api_registry/: "
        + ", ".join(missing)
    )


def test_registry_targets_exist():
    broken = []
    for area, case in CASES:
        try:
            _resolve(case.target)
        except (ImportError, AttributeError) as exc:
            broken.append(f"{area}: {case.target} ({exc})")
    for name in EXEMPT:
        try:
            _resolve(name)
        except (ImportError, AttributeError) as exc:
            broken.append(f"EXEMPT {name} ({exc})")
    assert not broken, "registry entries that name nothing: " + "; ".join(broken)


def test_exemptions_give_reasons():
    assert all(isinstance(why, str) and len(why) >= 10 for why in EXEMPT.values()), EXEMPT


# --------------------------------------------------------------------------------------------
# Automatic bad values
# --------------------------------------------------------------------------------------------

def _numeric_array(value: Any) -> np.ndarray | None:
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (list, tuple)) and value and all(
        isinstance(v, (numbers.Number, np.number, np.bool_, list, tuple, np.ndarray)) for v in value
    ):
        try:
            arr = np.asarray(value)
        except ValueError:
            return None
    else:
        return None
    return arr if arr.dtype.kind in "biuf" and arr.size > 0 else None


def automatic_values(value: Any, param: inspect.Parameter | None) -> list[tuple[str, Any]]:
    """The automatic bad values for one argument, as ``(kind, value)`` pairs."""
    annotation = "" if param is None or param.annotation is inspect.Parameter.empty else str(param.annotation)
    floaty = any(word in annotation for word in ("float", "ArrayLike", "Real"))
    if isinstance(value, (bool, np.bool_)):
        kinds = [("str", "yes")]
    elif isinstance(value, str):
        kinds = [("unknown", "no-such-choice"), ("int", 3)]
    elif isinstance(value, np.random.Generator):
        kinds = [("str", "seed"), ("float", 1.5)]
    elif isinstance(value, (int, np.integer)) and not floaty:
        kinds = [("bool", True), ("fraction", int(value) + 0.5), ("str", str(value)), ("nan", math.nan)]
    elif isinstance(value, (numbers.Real, np.floating, np.integer)):
        kinds = [("bool", True), ("str", str(value)), ("nan", math.nan), ("inf", math.inf),
                 ("complex", complex(float(value), 1.0))]
    elif (arr := _numeric_array(value)) is not None:
        if arr.dtype.kind == "b":
            kinds = [("str", arr.astype(str))]
        else:
            with_nan = arr.astype(float).copy()
            with_nan.flat[0] = math.nan
            kinds = [("nan", with_nan), ("str", arr.astype(str)), ("ragged", [[1.0, 2.0], [3.0]]),
                     ("complex", arr + 1j)]
            if arr.dtype.kind in "iu":
                kinds.append(("fraction", arr + 0.5))
    else:
        kinds = [("str", "x")]
    none_ok = param is not None and (param.default is None or "None" in annotation or "Optional" in annotation)
    if value is not None and not none_ok:
        kinds.append(("none", None))
    return kinds


# --------------------------------------------------------------------------------------------
# Running calls safely
# --------------------------------------------------------------------------------------------

class _TimeLimit(Exception):
    pass


def _raise_time_limit(signum, frame):
    raise _TimeLimit()


def _virtual_memory_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _guarded(call, timeout: float) -> tuple[str, Any]:
    """Run ``call()``; return ``("ok", result)``, ``("raised", exc)`` or ``("timeout", None)``."""
    old_handler = signal.signal(signal.SIGALRM, _raise_time_limit)
    old_limit = resource.getrlimit(resource.RLIMIT_AS)
    limit = _virtual_memory_bytes() + SPARE_ADDRESS_SPACE
    if old_limit[1] != resource.RLIM_INFINITY:
        limit = min(limit, old_limit[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, old_limit[1]))
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return "ok", call()
    except _TimeLimit:
        return "timeout", None
    except Exception as exc:  # noqa: BLE001 - every kind is judged below
        return "raised", exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        resource.setrlimit(resource.RLIMIT_AS, old_limit)


def _callable_for(case: Case):
    target = _resolve(case.target)
    if case.instance is not None:
        return getattr(case.instance(), case.target.rsplit(".", 1)[1])
    return target


def _signature(func) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def _judge(outcome: str, payload: Any, argument: str, label: str) -> str | None:
    """None if the bad value was refused properly, else a line saying what happened."""
    if outcome == "timeout":
        return f"{label}: still running after the time limit (must refuse at once)"
    if outcome == "ok":
        return f"{label}: accepted (returned {type(payload).__name__})"
    exc = payload
    if isinstance(exc, MemoryError):
        return f"{label}: ran out of memory (must refuse before allocating)"
    if not isinstance(exc, (ValueError, TypeError)):
        return f"{label}: raised {type(exc).__name__}: {str(exc)[:120]}"
    message = str(exc)
    if argument not in message:
        return f"{label}: {type(exc).__name__} does not name '{argument}': {message[:160]!r}"
    if len(message) > MAX_MESSAGE:
        return f"{label}: message of {len(message)} characters (at most {MAX_MESSAGE})"
    return None


def _case_id(item: tuple[str, Case]) -> str:
    area, case = item
    return f"{area}:{case.name}"


@pytest.mark.parametrize("area_case", CASES, ids=[_case_id(c) for c in CASES])
def test_case(area_case):
    area, case = area_case
    func = _callable_for(case)
    args, kwargs = case.call_args()
    outcome, payload = _guarded(lambda: func(*args, **kwargs), case.timeout)
    assert outcome == "ok", f"the valid call of {case.target} failed: {outcome} {payload!r}"

    signature = _signature(func)
    bound = signature.bind(*args, **kwargs) if signature is not None else None
    names = list(bound.arguments) if bound is not None else []
    problems = []

    def attempt(argument: str, kind: str, bad: Any) -> None:
        fresh_args, fresh_kwargs = case.call_args()
        fresh = signature.bind(*fresh_args, **fresh_kwargs)
        fresh.arguments[argument] = bad
        label = f"{argument}={kind}" if kind != "listed" else f"{argument}={bad!r}"[:100]
        outcome, payload = _guarded(lambda: func(*fresh.args, **fresh.kwargs), case.timeout)
        verdict = _judge(outcome, payload, argument, label)
        if verdict:
            problems.append(verdict)

    for argument in names:
        param = signature.parameters[argument]
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        allowed = case.allow.get(argument, ())
        if allowed == "*":
            continue
        for kind, bad in automatic_values(bound.arguments[argument], param):
            if kind not in allowed:
                attempt(argument, kind, bad)
    for argument, values in case.bad.items():
        assert signature is not None and argument in signature.parameters, (
            f"{case.target}: bad values listed for '{argument}', which it has no parameter of that name"
        )
        if argument not in names:
            # a listed bad value for an argument the valid call leaves at its default
            for bad in values:
                fresh_args, fresh_kwargs = case.call_args()
                fresh_kwargs[argument] = bad
                label = f"{argument}={bad!r}"[:100]
                outcome, payload = _guarded(lambda: func(*fresh_args, **fresh_kwargs), case.timeout)
                verdict = _judge(outcome, payload, argument, label)
                if verdict:
                    problems.append(verdict)
            continue
        for bad in values:
            attempt(argument, "listed", bad)
    if problems:
        pytest.fail(f"{case.target} does not refuse {len(problems)} bad input(s):\n  " + "\n  ".join(problems),
                    pytrace=False)

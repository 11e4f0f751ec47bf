"""A time limit on one call of a learner's function (used by :mod:`qkit.exercises`).

A learner's loop that never ends must not freeze the check cell. Two ways to stop it:

* **Signal (preferred).** In the main thread of a POSIX process, which is where a Jupyter kernel
  runs a cell, :func:`signal.setitimer` arms a real-time alarm whose handler raises
  :class:`TimeLimitExceeded` inside the learner's code. This stops any pure-Python loop; a
  single long call into compiled code (one huge numpy operation) is stopped when it returns.
* **Thread (fallback).** Where there is no ``setitimer`` (Windows), off the main thread, or when
  another alarm is already armed (e.g. a test-timeout plugin), the call runs in a daemon thread
  and the caller waits at most the limit. On a time-out the caller gets
  :class:`TimeLimitExceeded` at once, and CPython is asked to raise the same exception inside
  the worker (``PyThreadState_SetAsyncExc``), which stops a pure-Python loop soon after; code
  stuck in compiled code finishes in the background.

:class:`TimeLimitExceeded` derives from :class:`BaseException`, so a learner's
``except Exception:`` does not swallow it.
"""

from __future__ import annotations

import ctypes
import math
import signal
import threading
from typing import Any, Callable

__all__ = ["TimeLimitExceeded", "call_with_time_limit", "signal_timer_available"]


class TimeLimitExceeded(BaseException):
    """The learner's function did not return within the time limit."""


def signal_timer_available() -> bool:
    """True when the signal method can be used here (POSIX, main thread, no alarm armed)."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    delay, _ = signal.getitimer(signal.ITIMER_REAL)
    return delay == 0.0


def call_with_time_limit(fn: Callable[..., Any], args: tuple, kwargs: dict, seconds: float | None) -> Any:
    """Return ``fn(*args, **kwargs)``, or raise :class:`TimeLimitExceeded` after ``seconds``.

    ``seconds=None`` (or infinity) calls ``fn`` without a limit. Exceptions of ``fn`` (including
    ``SystemExit`` and ``KeyboardInterrupt``) reach the caller unchanged.
    """
    if seconds is None or math.isinf(seconds):
        return fn(*args, **kwargs)
    if signal_timer_available():
        return _with_signal(fn, args, kwargs, seconds)
    return _with_thread(fn, args, kwargs, seconds)


def _with_signal(fn: Callable[..., Any], args: tuple, kwargs: dict, seconds: float) -> Any:
    armed = [True]

    def on_alarm(signum: int, frame: Any) -> None:
        if armed[0]:
            raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # Re-fire every 0.25 s after the first alarm, in case one raise lands in a `try` that
    # swallows everything; disarmed as soon as the call ends.
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        return fn(*args, **kwargs)
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0.0)
        signal.signal(signal.SIGALRM, previous)


def _with_thread(fn: Callable[..., Any], args: tuple, kwargs: dict, seconds: float) -> Any:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller below, whatever it is
            box["error"] = exc

    worker = threading.Thread(target=target, name="qkit-check", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        _raise_in_thread(worker, TimeLimitExceeded)
        raise TimeLimitExceeded(seconds)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _raise_in_thread(worker: threading.Thread, exc_type: type) -> None:
    """Ask CPython to raise ``exc_type`` in ``worker`` (no effect on other interpreters)."""
    set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async_exc is None or worker.ident is None:
        return
    set_async_exc(ctypes.c_ulong(worker.ident), ctypes.py_object(exc_type))

"""ctypes callbacks the library calls on its dispatcher thread (``pocketdock-callbacks``).

A registration keeps its CFUNCTYPE objects in ``_live`` under an integer token passed as
``user_data`` until the library calls ``free_user_data``: the library may call them after
the Python object that asked for them is gone, and a collected ctypes callback would crash.
Exceptions raised by user callbacks are logged and swallowed (1.2.6 swallowed them too).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from pocketdock._decls import PD_EXIT_CB, PD_FREE_CB, PD_LINE_CB, PD_OUTPUT_CB

log = logging.getLogger("pocketdock")

_live: dict[int, tuple[Any, ...]] = {}
_tokens = itertools.count(1)
_lock = threading.Lock()


# Objects holding registrations (they have a ``_finalizer`` freeing their handle).
owners: weakref.WeakSet[Any] = weakref.WeakSet()


def quiesce(timeout: float = 2.0) -> None:
    """At interpreter exit: frees every handle that holds callbacks and waits (bounded)
    until the library released them all. A ctypes callback entered after finalization
    began would end the dispatcher thread with pthread_exit (Python 3.10-3.13), which
    the library's panic guard turns into an abort of the whole process."""
    for owner in list(owners):
        owner._finalizer()  # noqa: SLF001
    deadline = time.monotonic() + timeout
    while _live and time.monotonic() < deadline:
        time.sleep(0.01)


def _release(user_data: int | None) -> None:
    with _lock:
        _live.pop(user_data or 0, None)


FREE = PD_FREE_CB(_release)


def guarded(fn: Callable[..., object], *args: Any) -> None:
    try:
        fn(*args)
    except Exception:  # a user callback must not break the dispatcher
        log.exception("pocketdock callback %r raised", fn)


def register(
    on_output: Callable[[int, bytes], None] | None = None,
    on_exit: Callable[[Any], None] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> tuple[Any, Any, Any, int]:
    """(output_cb, exit_cb, line_cb, token): pass the token as user_data and ``FREE``."""
    import ctypes  # noqa: PLC0415

    out_cb: Any = None
    exit_cb: Any = None
    line_cb: Any = None
    if on_output is not None:
        out_fn = on_output

        def _out(_ud: int | None, stream: int, data: int | None, n: int) -> None:
            chunk = ctypes.string_at(data, n) if data and n else b""
            guarded(out_fn, stream, chunk)

        out_cb = PD_OUTPUT_CB(_out)
    if on_exit is not None:
        exit_fn = on_exit

        def _exit(_ud: int | None, result: int | None) -> None:
            guarded(exit_fn, result)

        exit_cb = PD_EXIT_CB(_exit)
    if on_line is not None:
        line_fn = on_line

        def _line(_ud: int | None, line: bytes | None) -> None:
            guarded(line_fn, (line or b"").decode("utf-8", "replace"))

        line_cb = PD_LINE_CB(_line)
    token = next(_tokens)
    with _lock:
        _live[token] = (out_cb, exit_cb, line_cb)
    return (
        out_cb or PD_OUTPUT_CB(),
        exit_cb or PD_EXIT_CB(),
        line_cb or PD_LINE_CB(),
        token,
    )

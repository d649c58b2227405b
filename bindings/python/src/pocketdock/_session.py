"""Persistent shell sessions (``Container.session()``), sync."""

from __future__ import annotations

import codecs
import ctypes
import functools
import threading
import weakref
from collections.abc import Callable

from pocketdock import _callbacks
from pocketdock._lib import borrowed_bytes, call, enc, lib, ms, text
from pocketdock._run import take_result
from pocketdock.errors import SessionClosed
from pocketdock.types import ExecResult

Dispatch = Callable[[Callable[[], None]], object]


class Session:
    """A shell (bash, else sh) kept open in the container: ``cd`` and ``export`` persist
    between commands. Close it with ``close()`` (the container's shutdown also ends it)."""

    def __init__(self, handle: ctypes.c_void_p, container: str, default_timeout: float | None) -> None:
        self._handle = handle
        self._container = container
        self._default_timeout = default_timeout
        self._closed = False
        self._callbacks: list[Callable[..., object]] = []
        self._installed = False
        self._lock = threading.Lock()
        self._dispatch: Dispatch = lambda thunk: thunk()
        self._finalizer = weakref.finalize(self, lib.pd_session_free, handle)

    @property
    def id(self) -> str:
        """An identifier of this session (1.2.6: the exec id)."""
        return f"session-{self._handle.value or 0:x}"

    def _check_open(self) -> None:
        if self._closed:
            msg = "session is closed"
            raise SessionClosed(msg)

    def send(self, command: str) -> None:
        """Writes ``command`` and a newline to the shell without waiting."""
        self._check_open()
        call("pd_session_send", self._handle, enc(command), container=self._container)

    def send_and_wait(self, command: str, *, timeout: float | None = None) -> ExecResult:
        """Runs ``command`` in the shell and waits (``timeout`` None: the container's
        default). On timeout the command is interrupted; the session stays usable."""
        self._check_open()
        limit = timeout if timeout is not None else self._default_timeout
        res = ctypes.c_void_p()
        call(
            "pd_session_send_and_wait",
            self._handle,
            enc(command),
            ctypes.c_int64(ms(limit)),
            ctypes.byref(res),
            container=self._container,
        )
        return take_result(res)

    def read(self) -> str:
        """Output not consumed by ``send_and_wait`` (stdout, then stderr), marked read."""
        self._check_open()
        out = ctypes.c_void_p()
        call("pd_session_read", self._handle, ctypes.byref(out), container=self._container)
        try:
            return text(borrowed_bytes("pd_output_stdout", out) + borrowed_bytes("pd_output_stderr", out))
        finally:
            lib.pd_output_free(out)

    def on_output(self, fn: Callable[..., object]) -> None:
        """Calls ``fn(text)`` with the shell's output as it comes."""
        self._check_open()
        with self._lock:
            self._callbacks.append(fn)
            if self._installed:
                return
            self._installed = True
        decoders = {n: codecs.getincrementaldecoder("utf-8")("replace") for n in (1, 2)}

        def on_bytes(stream: int, data: bytes) -> None:
            chunk = decoders[2 if stream != 1 else 1].decode(data)
            for cb in list(self._callbacks):
                self._dispatch(functools.partial(_callbacks.guarded, cb, chunk))

        out_cb, exit_cb, _line, token = _callbacks.register(on_output=on_bytes)
        _callbacks.owners.add(self)
        call(
            "pd_session_set_callbacks",
            self._handle,
            out_cb,
            exit_cb,
            ctypes.c_void_p(token),
            _callbacks.FREE,
            container=self._container,
        )

    def close(self) -> None:
        """Ends the shell. Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            call("pd_session_close", self._handle, container=self._container)
        finally:
            self._finalizer()

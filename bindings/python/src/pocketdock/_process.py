"""Streaming runs (``ExecStream``) and detached processes (``Process``), sync."""

from __future__ import annotations

import codecs
import ctypes
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pocketdock import _callbacks

from pocketdock._decls import PD_ERR_TIMEOUT, PD_OK, PD_STREAM_END
from pocketdock._lib import Err, borrowed_bytes, call, check, lib, take_error, text
from pocketdock._run import take_result
from pocketdock.errors import InvalidState, PocketDockTimeout
from pocketdock.types import BufferSnapshot, ExecResult, StreamChunk

if TYPE_CHECKING:
    from typing_extensions import Self

# Blocking waits are cut in slices so Ctrl-C (KeyboardInterrupt) gets through.
_SLICE_MS = 250
_NAMES = {1: "stdout", 2: "stderr"}


class ExecStream:
    """Iterator over the output of ``run(..., stream=True)``: one ``StreamChunk`` per piece
    of output as it comes. ``result`` is the ``ExecResult`` once iteration ended."""

    def __init__(self, handle: ctypes.c_void_p, container: str) -> None:
        self._handle = handle
        self._container = container
        self._finalizer = weakref.finalize(self, lib.pd_stream_free, handle)
        self._decoders = {n: codecs.getincrementaldecoder("utf-8")("replace") for n in (1, 2)}
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._result: ExecResult | None = None

    def __iter__(self) -> Self:
        return self

    def next_chunk(self, timeout_ms: int = -1) -> StreamChunk | None:
        """The next chunk; None at the end. ``timeout_ms`` >= 0 bounds the wait
        (``PocketDockTimeout``). The async iterator calls this in a thread."""
        if self._result is not None:
            return None
        deadline = None if timeout_ms < 0 else time.monotonic() + timeout_ms / 1000
        while True:
            wait = _SLICE_MS
            if deadline is not None:
                wait = max(0, min(wait, int((deadline - time.monotonic()) * 1000)))
            chunk = ctypes.c_void_p()
            err = Err()
            status = int(lib.pd_stream_next(self._handle, ctypes.c_int64(wait), ctypes.byref(chunk), err.ref))
            if status == PD_OK:
                try:
                    stream = int(lib.pd_chunk_stream(chunk))
                    data = borrowed_bytes("pd_chunk_data", chunk)
                finally:
                    lib.pd_chunk_free(chunk)
                (self._out if stream == 1 else self._err).append(data)
                return StreamChunk(_NAMES.get(stream, "stderr"), self._decoders[stream if stream == 1 else 2].decode(data))
            if status == PD_STREAM_END:
                self._finish()
                return None
            if status == PD_ERR_TIMEOUT:
                if deadline is not None and time.monotonic() >= deadline:
                    check(status, err)
                take_error(err)
                continue
            check(status, err, container=self._container)

    def __next__(self) -> StreamChunk:
        chunk = self.next_chunk()
        if chunk is None:
            raise StopIteration
        return chunk

    def _finish(self) -> None:
        res = ctypes.c_void_p()
        call("pd_stream_result", self._handle, ctypes.byref(res))
        self._result = take_result(res, stdout=b"".join(self._out), stderr=b"".join(self._err))
        self._finalizer()

    @property
    def result(self) -> ExecResult:
        """The result (after iteration ended; ``RuntimeError`` before)."""
        if self._result is None:
            msg = "ExecStream.result is available after iteration completes"
            raise InvalidState(msg)
        return self._result

    def cancel(self) -> None:
        """Kills the command (addition); iteration then ends with what came."""
        if self._finalizer.alive:
            lib.pd_stream_cancel(self._handle)

    def close(self) -> None:
        """Frees the stream, killing the command if it still runs (addition)."""
        self._finalizer()


def _snapshot(fn_name: str, handle: Any) -> tuple[bytes, bytes]:
    out = ctypes.c_void_p()
    call(fn_name, handle, ctypes.byref(out))
    try:
        return borrowed_bytes("pd_output_stdout", out), borrowed_bytes("pd_output_stderr", out)
    finally:
        lib.pd_output_free(out)


class Process:
    """A detached process (``run(..., detach=True)`` or ``Container.attach(id)``). Its output
    is kept in the sandbox (a ring of ``buffer_capacity`` bytes), so it survives this handle."""

    def __init__(self, handle: ctypes.c_void_p, container: str) -> None:
        self._handle = handle
        self._container = container
        self._finalizer = weakref.finalize(self, lib.pd_process_free, handle)

    @property
    def id(self) -> str:
        """The process number inside the sandbox, as a string (1.2.6: the exec id)."""
        return str(self.number)

    @property
    def number(self) -> int:
        """The process number (addition): ``Container.attach(number)`` re-attaches."""
        return int(lib.pd_process_id(self._handle))

    def is_running(self) -> bool:
        """Asks the sandbox whether the process still runs."""
        running = ctypes.c_bool()
        call("pd_process_is_running", self._handle, ctypes.byref(running), container=self._container)
        return bool(running.value)

    def kill(self, signal: int = 15) -> None:
        """Sends ``signal`` to the process and its group inside the sandbox."""
        call("pd_process_kill", self._handle, ctypes.c_int32(signal), container=self._container)

    def read(self) -> BufferSnapshot:
        """Output not read yet, marked read."""
        out, err = _snapshot("pd_process_read", self._handle)
        return BufferSnapshot(text(out), text(err))

    def peek(self) -> BufferSnapshot:
        """Like ``read()``, but leaves the output unread."""
        out, err = _snapshot("pd_process_peek", self._handle)
        return BufferSnapshot(text(out), text(err))

    def wait(self, timeout: float | None = None) -> ExecResult:
        """Waits for the end; the result holds the output not read yet. Raises
        ``TimeoutError`` (``asyncio.TimeoutError``) if it still runs after ``timeout`` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = _SLICE_MS
            if deadline is not None:
                wait = max(0, min(wait, int((deadline - time.monotonic()) * 1000)))
            res = ctypes.c_void_p()
            err = Err()
            status = int(lib.pd_process_wait(self._handle, ctypes.c_int64(wait), ctypes.byref(res), err.ref))
            if status == PD_OK:
                return take_result(res)
            if status == PD_ERR_TIMEOUT and (deadline is None or time.monotonic() < deadline):
                take_error(err)
                continue
            if status == PD_ERR_TIMEOUT:
                take_error(err)
                msg = f"process {self.id} still runs after {timeout} s"
                raise PocketDockTimeout(msg)
            check(status, err, container=self._container)

    @property
    def buffer_size(self) -> int:
        """Bytes of output held and not read yet (stdout + stderr)."""
        out, err = _snapshot("pd_process_peek", self._handle)
        return len(out) + len(err)

    @property
    def buffer_capacity(self) -> int:
        """The ring's size in the sandbox (addition; default 1 MiB)."""
        return int(lib.pd_process_buffer_size(self._handle))

    @property
    def buffer_overflow(self) -> bool:
        """Sticky: output was dropped before this handle read it."""
        return bool(lib.pd_process_buffer_overflow(self._handle))

    def on_output(self, fn: Callable[[str, str], object], on_exit: Callable[[int], object] | None = None) -> None:
        """Addition: ``fn(stream, text)`` ("stdout"/"stderr") with this process's output,
        from the oldest byte still kept, and ``on_exit(exit_code)`` at its end; on the
        library's callback thread."""
        decoders = {n: codecs.getincrementaldecoder("utf-8")("replace") for n in (1, 2)}

        def out(stream: int, data: bytes) -> None:
            key = 1 if stream == 1 else 2
            fn(_NAMES[key], decoders[key].decode(data))

        def ended(result: Any) -> None:
            if on_exit is not None:
                on_exit(int(lib.pd_exec_result_exit_code(result)))

        out_cb, exit_cb, _line, token = _callbacks.register(on_output=out, on_exit=ended)
        _callbacks.owners.add(self)
        call("pd_process_set_callbacks", self._handle, out_cb, exit_cb, ctypes.c_void_p(token), _callbacks.FREE,
             container=self._container)

    def close(self) -> None:
        """Frees the handle now (the process keeps running)."""
        self._finalizer()

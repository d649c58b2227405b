"""``Container``: the sync handle on a sandbox, every method a direct call into the
library (no event loop: blocking calls block this thread only, with the GIL released)."""

from __future__ import annotations

import atexit
import codecs
import contextlib
import ctypes
import functools
import os
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, overload

from pocketdock import _callbacks
from pocketdock._client import Client
from pocketdock._info import to_info
from pocketdock._lib import Err, argv_array, borrowed_bytes, call, cstr, enc, lib, take_error, take_string
from pocketdock._process import ExecStream, Process
from pocketdock._run import DEFAULT_MAX_OUTPUT, read_result, run_opts, take_result
from pocketdock._session import Session
from pocketdock.errors import PocketDockError
from pocketdock._decls import (
    PD_FILE_KIND_DIR,
    PD_FILE_KIND_FILE,
    PD_FILE_KIND_OTHER,
    PD_FILE_KIND_SYMLINK,
    PD_FILE_KIND_UNKNOWN,
)
from pocketdock.types import ContainerInfo, ExecResult, FileEntry, ProcessEntry

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

Command = str | Sequence[str]
Dispatch = Callable[[Callable[[], None]], object]

# Ephemeral sandboxes still open when the interpreter exits are shut down (1.2.6 left them).
_open: weakref.WeakSet[Container] = weakref.WeakSet()


@atexit.register
def _at_exit() -> None:
    for c in list(_open):
        with contextlib.suppress(Exception):
            c.shutdown()
    with contextlib.suppress(Exception):
        from pocketdock._log import set_log_level  # noqa: PLC0415

        set_log_level(None)
    _callbacks.quiesce()


def _direct(thunk: Callable[[], None]) -> None:
    thunk()


class Container:
    """Sync handle to a sandbox. Made by ``create_new_container``, ``resume_container`` or
    ``open_container``; do not instantiate directly."""

    def __init__(self, handle: ctypes.c_void_p, client: Client, *, persist: bool, project: str | None,
                 timeout: float | None = None) -> None:
        self._handle = handle
        self._client = client
        self._persist = persist
        self._project = project or ""
        self._timeout = timeout  # None: the one recorded at creation
        self._name = cstr(lib.pd_container_name(handle))
        self._closed = False
        self._sessions: weakref.WeakSet[Session] = weakref.WeakSet()
        self._stdout_cbs: list[Callable[..., object]] = []
        self._stderr_cbs: list[Callable[..., object]] = []
        self._exit_cbs: list[Callable[..., object]] = []
        self._cb_lock = threading.Lock()
        self._cb_installed = False
        self._cb_owner: object = self
        self._dispatch: Dispatch = _direct
        self._finalizer = weakref.finalize(self, lib.pd_container_free, handle)
        if not persist:
            _open.add(self)

    # -- properties --------------------------------------------------------------------
    @property
    def container_id(self) -> str:
        """The engine's full container id (a fresh reboot changes it)."""
        return cstr(lib.pd_container_id(self._handle))

    @property
    def socket_path(self) -> str:
        """The engine socket this container is reached on."""
        return self._client.engine_info().socket

    @property
    def name(self) -> str:
        """The container's name (also the engine's name for it)."""
        return self._name

    @property
    def persist(self) -> bool:
        return self._persist

    @property
    def project(self) -> str:
        return self._project

    @property
    def data_path(self) -> str:
        """The instance directory of a project's container ("" if none)."""
        out = ctypes.c_void_p()
        err = Err()
        if lib.pd_container_instance_dir(self._handle, ctypes.byref(out), err.ref) != 0:
            take_error(err)
            return ""
        return take_string(out.value)

    @property
    def uses_agent(self) -> bool:
        """Addition: True when runs go through the in-sandbox agent (ms per run)."""
        return bool(lib.pd_container_uses_agent(self._handle))

    @property
    def default_timeout(self) -> float | None:
        """Addition: the default run timeout in seconds (None: no limit)."""
        if self._timeout is not None:
            return self._timeout
        ms = int(lib.pd_container_timeout_ms(self._handle))
        return None if ms < 0 else ms / 1000

    # -- runs ----------------------------------------------------------------------------
    @overload
    def run(self, command: Command, *, stream: Literal[True], detach: Literal[False] = ...,
            timeout: float | None = ..., max_output: int = ..., lang: str | None = ...,
            env: Mapping[str, str] | None = ...,
            workdir: str | None = ..., user: str | None = ..., stdin: bytes | str | None = ...) -> ExecStream: ...
    @overload
    def run(self, command: Command, *, stream: Literal[False] = ..., detach: Literal[True],
            timeout: float | None = ..., max_output: int = ..., lang: str | None = ...,
            env: Mapping[str, str] | None = ...,
            workdir: str | None = ..., user: str | None = ..., stdin: bytes | str | None = ...) -> Process: ...
    @overload
    def run(self, command: Command, *, stream: Literal[False] = ..., detach: Literal[False] = ...,
            timeout: float | None = ..., max_output: int = ..., lang: str | None = ...,
            env: Mapping[str, str] | None = ...,
            workdir: str | None = ..., user: str | None = ..., stdin: bytes | str | None = ...) -> ExecResult: ...
    @overload
    def run(self, command: Command, *, stream: bool = ..., detach: bool = ...,
            timeout: float | None = ..., max_output: int = ..., lang: str | None = ...,
            env: Mapping[str, str] | None = ...,
            workdir: str | None = ..., user: str | None = ..., stdin: bytes | str | None = ...) -> ExecResult | ExecStream | Process: ...

    def run(  # noqa: PLR0913
        self,
        command: Command,
        *,
        stream: bool = False,
        detach: bool = False,
        timeout: float | None = None,
        max_output: int = DEFAULT_MAX_OUTPUT,
        lang: str | None = None,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
        user: str | None = None,
        stdin: bytes | str | None = None,
    ) -> ExecResult | ExecStream | Process:
        """Runs ``command`` (a shell string; a list is an argv run without a shell).

        Blocking (default): the ``ExecResult``; the command is killed at ``timeout``
        seconds (None: the container's default) or when stdout+stderr exceed
        ``max_output`` bytes. ``stream=True``: an ``ExecStream`` of chunks (same limits).
        ``detach=True``: a ``Process`` running in the background (a ``timeout`` is applied
        only if given). ``lang``: "python", "node", "bash" or "sh" (default)."""
        if stream and detach:
            msg = "stream and detach are mutually exclusive"
            raise ValueError(msg)
        limit = timeout if timeout is not None else self._timeout
        with run_opts(
            timeout=limit,
            max_output=None if detach else max_output,
            lang=lang,
            env=env,
            workdir=workdir,
            user=user,
            stdin=stdin,
        ) as opts:
            if detach:
                self._install_callbacks()
                return Process(self._start(("pd_process_spawn", "pd_process_spawn_argv"), command, opts), self._name)
            if stream:
                return ExecStream(self._start(("pd_run_stream", "pd_run_stream_argv"), command, opts), self._name)
            return take_result(self._start(("pd_run", "pd_run_argv"), command, opts))

    def _start(self, fns: tuple[str, str], command: Command, opts: Any) -> ctypes.c_void_p:
        """Calls the shell form (a str) or the argv form (a sequence) of a run entry point."""
        out = ctypes.c_void_p()
        if isinstance(command, str):
            call(fns[0], self._handle, enc(command), opts, ctypes.byref(out), container=self._name)
        else:
            arr, n = argv_array(command)
            call(fns[1], self._handle, arr, ctypes.c_size_t(n), opts, ctypes.byref(out), container=self._name)
        return out

    def attach(self, process_id: int | str) -> Process:
        """Addition: a handle on detached process ``process_id`` (``Process.id``) of this
        sandbox, whoever started it (another handle, another program)."""
        out = ctypes.c_void_p()
        call("pd_process_attach", self._handle, ctypes.c_uint32(int(process_id)), ctypes.byref(out),
             container=self._name)
        return Process(out, self._name)

    def list_processes(self) -> list[ProcessEntry]:
        """Addition: the detached processes (running and recently finished)."""
        out = ctypes.c_void_p()
        call("pd_container_list_processes", self._handle, ctypes.byref(out), container=self._name)
        try:
            n = int(lib.pd_process_list_len(out))
            return [
                ProcessEntry(
                    id=int(lib.pd_process_list_id(out, i)),
                    pid=int(lib.pd_process_list_pid(out, i)),
                    running=bool(lib.pd_process_list_running(out, i)),
                    exit_code=None if lib.pd_process_list_running(out, i) else int(lib.pd_process_list_exit_code(out, i)),
                )
                for i in range(n)
            ]
        finally:
            lib.pd_process_list_free(out)

    # -- callbacks (detached processes) --------------------------------------------------
    def on_stdout(self, fn: Callable[..., object]) -> None:
        """Calls ``fn(container, text)`` with the stdout of detached processes."""
        self._stdout_cbs.append(fn)

    def on_stderr(self, fn: Callable[..., object]) -> None:
        """Calls ``fn(container, text)`` with the stderr of detached processes."""
        self._stderr_cbs.append(fn)

    def on_exit(self, fn: Callable[..., object]) -> None:
        """Calls ``fn(container, exit_code)`` when a detached process ends."""
        self._exit_cbs.append(fn)

    def _install_callbacks(self) -> None:
        """Gives every detached process the trampolines, so callbacks registered later
        still fire (as in 1.2.6). They run on the library's callback thread (sync API)
        or on the event loop (async API)."""
        with self._cb_lock:
            if self._cb_installed:
                return
            self._cb_installed = True
        owner_ref = weakref.ref(self)
        decoders = {n: codecs.getincrementaldecoder("utf-8")("replace") for n in (1, 2)}

        def on_output(stream: int, data: bytes) -> None:
            me = owner_ref()
            if me is None:
                return
            chunk = decoders[1 if stream == 1 else 2].decode(data)
            cbs = me._stdout_cbs if stream == 1 else me._stderr_cbs
            owner = me._cb_owner
            for cb in list(cbs):
                me._dispatch(functools.partial(_callbacks.guarded, cb, owner, chunk))

        def on_exit(result: Any) -> None:
            me = owner_ref()
            if me is None:
                return
            code = int(lib.pd_exec_result_exit_code(result))
            owner = me._cb_owner
            for cb in list(me._exit_cbs):
                me._dispatch(functools.partial(_callbacks.guarded, cb, owner, code))

        out_cb, exit_cb, _line, token = _callbacks.register(on_output=on_output, on_exit=on_exit)
        _callbacks.owners.add(self)
        call("pd_container_set_callbacks", self._handle, out_cb, exit_cb, ctypes.c_void_p(token),
             _callbacks.FREE, container=self._name)

    # -- sessions, files -------------------------------------------------------------------
    def session(self) -> Session:
        """Opens a persistent shell session (bash, else sh)."""
        out = ctypes.c_void_p()
        call("pd_session_open", self._handle, None, ctypes.byref(out), container=self._name)
        s = Session(out, self._name, self.default_timeout)
        self._sessions.add(s)
        return s

    def write_file(self, path: str, content: str | bytes) -> None:
        """Writes ``content`` (str: UTF-8) to ``path``, creating missing parent dirs."""
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        call("pd_file_write", self._handle, enc(path), data, ctypes.c_size_t(len(data)),
             container=self._name, path=path)

    def read_file(self, path: str) -> bytes:
        """The bytes of the file at ``path`` (``FileNotFoundError`` if there is none)."""
        out = ctypes.c_void_p()
        call("pd_file_read", self._handle, enc(path), ctypes.byref(out), container=self._name, path=path)
        try:
            return borrowed_bytes("pd_bytes_data", out)
        finally:
            lib.pd_bytes_free(out)

    def list_files(self, path: str = "/home/sandbox") -> list[str]:
        """Names in the directory ``path`` (with dotfiles, without ``.`` and ``..``)."""
        out = ctypes.c_void_p()
        call("pd_file_list", self._handle, enc(path), ctypes.byref(out), container=self._name, path=path)
        try:
            return [cstr(lib.pd_file_list_name(out, i)) for i in range(int(lib.pd_file_list_len(out)))]
        finally:
            lib.pd_file_list_free(out)

    def list_dir(self, path: str = "/home/sandbox") -> list[FileEntry]:
        """Addition: ``list_files`` with each entry's kind, size and mode."""
        kinds = {PD_FILE_KIND_FILE: "file", PD_FILE_KIND_DIR: "dir", PD_FILE_KIND_SYMLINK: "symlink",
                 PD_FILE_KIND_OTHER: "other", PD_FILE_KIND_UNKNOWN: "unknown"}
        out = ctypes.c_void_p()
        call("pd_file_list", self._handle, enc(path), ctypes.byref(out), container=self._name, path=path)
        try:
            return [
                FileEntry(
                    name=cstr(lib.pd_file_list_name(out, i)),
                    kind=kinds.get(int(lib.pd_file_list_kind(out, i)), "unknown"),
                    size=int(lib.pd_file_list_size(out, i)),
                    mode=int(lib.pd_file_list_mode(out, i)),
                )
                for i in range(int(lib.pd_file_list_len(out)))
            ]
        finally:
            lib.pd_file_list_free(out)

    def push(self, src: str | os.PathLike[str], dest: str) -> None:
        """Copies a host file or directory into the container (``docker cp`` rules)."""
        call("pd_file_push", self._handle, enc(src), enc(dest), container=self._name, path=os.fspath(src))

    def pull(self, src: str, dest: str | os.PathLike[str]) -> None:
        """Copies a container file or directory to the host (``docker cp`` rules)."""
        call("pd_file_pull", self._handle, enc(src), enc(dest), container=self._name, path=src)

    # -- lifecycle --------------------------------------------------------------------------
    def info(self) -> ContainerInfo:
        """A live snapshot of the container's state and resource usage."""
        out = ctypes.c_void_p()
        call("pd_container_info_json", self._handle, ctypes.byref(out), container=self._name)
        return to_info(take_string(out.value))

    def reboot(self, *, fresh: bool = False) -> None:
        """Restarts the container; ``fresh=True`` recreates it from its options."""
        call("pd_container_reboot", self._handle, ctypes.c_bool(fresh), container=self._name)

    def snapshot(self, image_name: str) -> str:
        """Commits the filesystem to image ``image_name`` (``repo[:tag]``); its id."""
        out = ctypes.c_void_p()
        call("pd_container_snapshot", self._handle, enc(image_name), ctypes.byref(out), container=self._name)
        return take_string(out.value)

    def kill_all(self) -> int:
        """Addition: SIGKILLs every process in the sandbox but its init (runs, detached
        processes and sessions end as killed); how many it killed. Through the agent it
        starts no process, so it recovers a sandbox a fork bomb holds at its pids limit."""
        killed = ctypes.c_uint32(0)
        call("pd_container_kill_all", self._handle, ctypes.byref(killed), container=self._name)
        return int(killed.value)

    def shutdown(self, *, force: bool = False) -> None:  # noqa: ARG002 (always immediate)
        """Removes an ephemeral container (stops a persistent one). Idempotent."""
        for s in list(self._sessions):
            with contextlib.suppress(PocketDockError):
                s.close()
        call("pd_container_shutdown", self._handle, container=self._name)
        self._closed = True
        _open.discard(self)

    def close(self) -> None:
        """Addition: frees the handle now without shutting the container down."""
        _open.discard(self)
        self._finalizer()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return f"<Container {self._name}>"



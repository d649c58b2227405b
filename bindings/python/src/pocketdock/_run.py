"""Run options and results: the Python arguments as a ``pd_run_opts``, a
``pd_exec_result`` as an ``ExecResult``."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pocketdock._lib import borrowed_bytes, call, enc, lib, ms, text
from pocketdock.types import ExecResult

DEFAULT_MAX_OUTPUT = 10 * 1024 * 1024
_LANGS = {"sh", "bash", "python", "node"}


@contextmanager
def run_opts(  # noqa: PLR0913
    *,
    timeout: float | None = None,
    max_output: int | None = None,
    lang: str | None = None,
    env: Mapping[str, str] | None = None,
    workdir: str | None = None,
    user: str | None = None,
    stdin: bytes | str | None = None,
    buffer_size: int | None = None,
) -> Iterator[Any]:
    """A ``pd_run_opts`` for one call, freed afterwards. ``timeout`` None: the container's."""
    opts = lib.pd_run_opts_new()
    if not opts:
        raise MemoryError
    try:
        if timeout is not None:
            call("pd_run_opts_set_timeout_ms", opts, ctypes.c_int64(ms(timeout)))
        if max_output is not None:
            call("pd_run_opts_set_max_output", opts, ctypes.c_size_t(max(0, max_output)))
        # 1.2.6 ran every language but "python" with sh -c; unknown ones still do.
        if lang is not None and lang in _LANGS:
            call("pd_run_opts_set_lang", opts, enc(lang))
        for key, value in (env or {}).items():
            call("pd_run_opts_add_env", opts, enc(key), enc(value))
        if workdir is not None:
            call("pd_run_opts_set_workdir", opts, enc(workdir))
        if user is not None:
            call("pd_run_opts_set_user", opts, enc(user))
        if stdin is not None:
            data = stdin.encode() if isinstance(stdin, str) else bytes(stdin)
            call("pd_run_opts_set_stdin", opts, data, ctypes.c_size_t(len(data)))
        if buffer_size is not None:
            call("pd_run_opts_set_buffer_size", opts, ctypes.c_size_t(buffer_size))
        yield opts
    finally:
        lib.pd_run_opts_free(opts)


def _known(value: int) -> int | None:
    return None if value < 0 else value


def read_result(ptr: Any, *, stdout: bytes | None = None, stderr: bytes | None = None) -> ExecResult:
    """An ``ExecResult`` from a borrowed ``pd_exec_result``; ``stdout``/``stderr`` replace
    its (empty) output for streams, whose output came as chunks."""
    out = borrowed_bytes("pd_exec_result_stdout", ptr) if stdout is None else stdout
    err = borrowed_bytes("pd_exec_result_stderr", ptr) if stderr is None else stderr
    return ExecResult(
        exit_code=int(lib.pd_exec_result_exit_code(ptr)),
        stdout=text(out),
        stderr=text(err),
        duration_ms=float(lib.pd_exec_result_duration_ms(ptr)),
        timed_out=bool(lib.pd_exec_result_timed_out(ptr)),
        truncated=bool(lib.pd_exec_result_truncated(ptr)),
        signal=int(lib.pd_exec_result_signal(ptr)),
        oom_killed=bool(lib.pd_exec_result_oom_killed(ptr)),
        cpu_user_us=_known(int(lib.pd_exec_result_cpu_user_us(ptr))),
        cpu_sys_us=_known(int(lib.pd_exec_result_cpu_sys_us(ptr))),
        peak_rss_bytes=_known(int(lib.pd_exec_result_peak_rss_bytes(ptr))),
        stdout_bytes=out,
        stderr_bytes=err,
    )


def take_result(ptr: ctypes.c_void_p, **kw: bytes | None) -> ExecResult:
    """``read_result`` then frees the result."""
    try:
        return read_result(ptr, **kw)
    finally:
        lib.pd_exec_result_free(ptr)

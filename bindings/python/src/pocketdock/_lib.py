"""Loads libpocketdock and holds the helpers every wrapper uses (errors, strings, bytes).

The library is found, in order: next to this module (the wheel bundles it in ``_lib/``),
at ``$POCKETDOCK_LIB``, then in a checkout's ``target/{release,debug}/`` (the newest) when
the package runs from the repository. Every call through ``ctypes.CDLL`` releases the GIL,
so blocking calls (runs, creates, waits) let other Python threads and the event loop run.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pocketdock import _decls
from pocketdock._decls import PD_ABI_VERSION, PD_OK

_LIB_NAME = "libpocketdock.so"


def _candidates() -> list[Path]:
    here = Path(__file__).resolve().parent
    found = [here / "_lib" / _LIB_NAME]
    env = os.environ.get("POCKETDOCK_LIB")
    if env:
        found.append(Path(env))
    # bindings/python/src/pocketdock -> the checkout root.
    root = here.parents[3] if len(here.parents) > 3 else here
    built = [root / "target" / kind / _LIB_NAME for kind in ("release", "debug")]
    found += sorted((p for p in built if p.is_file()), key=lambda p: p.stat().st_mtime, reverse=True)
    return found


def _load() -> ctypes.CDLL:
    tried = []
    for path in _candidates():
        if path.is_file():
            lib = ctypes.CDLL(str(path))
            break
        tried.append(str(path))
    else:
        msg = "libpocketdock.so not found (set POCKETDOCK_LIB); looked at: " + ", ".join(tried)
        raise ImportError(msg)
    for name, (restype, argtypes) in _decls.DECLS.items():
        fn = getattr(lib, name, None)
        if fn is None:  # an older library: the wrapper that needs it reports it when called
            continue
        fn.restype = restype
        fn.argtypes = argtypes
    abi = lib.pd_abi_version()
    if abi != PD_ABI_VERSION:
        msg = f"libpocketdock at {lib._name} has ABI {abi}; this package needs ABI {PD_ABI_VERSION}"
        raise ImportError(msg)
    return lib


lib: Any = _load()
LIB_PATH: str = lib._name


class Err:
    """An out-param for ``pd_error **``; ``raise_for(status)`` turns it into an exception."""

    __slots__ = ("ptr",)

    def __init__(self) -> None:
        self.ptr = ctypes.c_void_p()

    @property
    def ref(self) -> Any:
        return ctypes.byref(self.ptr)


def take_error(err: Err) -> tuple[int, str, int]:
    """(code, message, engine HTTP status) of the error in ``err``, which is freed."""
    if not err.ptr.value:
        return (0, "", 0)
    try:
        code = int(lib.pd_error_code(err.ptr))
        raw = lib.pd_error_message(err.ptr)
        message = raw.decode("utf-8", "replace") if raw else ""
        status = int(lib.pd_error_engine_status(err.ptr))
    finally:
        lib.pd_error_free(err.ptr)
        err.ptr.value = None
    return (code, message, status)


def check(status: int, err: Err, **context: Any) -> None:
    """Raises the exception for a failed call (``status != PD_OK``); ``context`` names
    what the call was about (container, image, path, socket_path) for the message."""
    if status == PD_OK:
        return
    from pocketdock.errors import from_status  # noqa: PLC0415 (errors imports types only)

    code, message, engine_status = take_error(err)
    raise from_status(code or status, message, engine_status, **context)


def call(fn_name: str, *args: Any, **context: Any) -> None:
    """Calls ``fn_name(*args, &err)`` and raises on failure."""
    err = Err()
    check(int(getattr(lib, fn_name)(*args, err.ref)), err, **context)


def enc(s: str | os.PathLike[str] | None) -> bytes | None:
    """A borrowed C string (NULL for None). NUL bytes cannot cross: ValueError."""
    if s is None:
        return None
    text = os.fspath(s)
    if "\x00" in text:
        msg = "strings passed to pocketdock cannot contain NUL characters"
        raise ValueError(msg)
    return text.encode("utf-8", "surrogateescape")


def argv_array(argv: Sequence[str]) -> tuple[Any, int]:
    """A ``const char *const *`` and its length."""
    encoded = [enc(a) for a in argv]
    arr = (ctypes.c_char_p * max(len(encoded), 1))(*encoded)
    return arr, len(encoded)


def take_string(ptr: int | None) -> str:
    """Copies and frees a ``char *`` the library returned."""
    if not ptr:
        return ""
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        lib.pd_string_free(ctypes.c_void_p(ptr))


def borrowed_bytes(fn_name: str, handle: Any, *extra: Any) -> bytes:
    """Copies bytes a ``(handle, [extra...], size_t *len_out)`` accessor lends."""
    n = ctypes.c_size_t(0)
    ptr = getattr(lib, fn_name)(handle, *extra, ctypes.byref(n))
    if not ptr or n.value == 0:
        return b""
    return ctypes.string_at(ptr, n.value)


def text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def cstr(raw: bytes | None) -> str:
    return raw.decode("utf-8", "replace") if raw else ""


def ms(seconds: float | None) -> int:
    """A timeout in seconds as the C ABI's milliseconds (None: no limit)."""
    if seconds is None:
        return -1
    return max(1, round(seconds * 1000))

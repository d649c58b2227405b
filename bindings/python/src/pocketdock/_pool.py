"""``ContainerPool``: pre-warmed sandboxes handed out by the library's pool (docs/pool.md).

The pool lives in the library: it creates ``min_idle`` members in the background, checks
each one alive before handing it out, and (by default) destroys a released member and makes
a fresh one. This class only converts arguments and handles.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pocketdock import _container
from pocketdock._client import Client, get_client
from pocketdock._container import Container
from pocketdock._create import DEFAULT_IMAGE, new_opts
from pocketdock._decls import PdPoolStats
from pocketdock._lib import call, cstr, enc, lib, ms
from pocketdock.errors import InvalidState

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self


@dataclass(frozen=True)
class PoolStats:
    """A pool's counters (``ContainerPool.stats()``)."""

    idle: int
    in_use: int
    creating: int
    created: int
    failed: int
    engines_down: int
    acquire_p50_us: int
    acquire_p95_us: int


class ContainerPool:
    """Addition: a pool of ready sandboxes.

    ``container_options`` are ``create_new_container``'s keywords (image=, labels=, network=,
    ...; not name= or persist=). ``engines``: more clients to spread members over, each
    ``(client, weight, limit)``. ``with ContainerPool(...) as pool`` shuts it down at the end.
    """

    def __init__(  # noqa: PLR0913
        self,
        *,
        min_idle: int = 2,
        max_size: int = 8,
        parallel: int = 2,
        warmup: str | None = None,
        recycle: bool = False,
        health_interval: float | None = 5.0,
        socket_path: str | None = None,
        client: Client | None = None,
        engines: Sequence[tuple[Client, int, int]] = (),
        **container_options: Any,
    ) -> None:
        # The first engine is `client` (or the default one) unless only `engines` are given.
        self._client = client or (None if engines and socket_path is None else get_client(socket_path))
        self._clients = [c for c, _, _ in engines]  # the pool borrows their handles
        copts = new_opts(**container_options)
        popts = lib.pd_pool_opts_new()
        if not popts:
            lib.pd_container_opts_free(copts)
            raise MemoryError
        try:
            call("pd_pool_opts_set_container_opts", popts, copts)
            call("pd_pool_opts_set_min_idle", popts, ctypes.c_size_t(min_idle))
            call("pd_pool_opts_set_max_size", popts, ctypes.c_size_t(max_size))
            call("pd_pool_opts_set_parallel", popts, ctypes.c_size_t(parallel))
            if warmup is not None:
                call("pd_pool_opts_set_warmup", popts, enc(warmup))
            call("pd_pool_opts_set_recycle", popts, ctypes.c_bool(recycle))
            call("pd_pool_opts_set_health_interval_ms", popts, ctypes.c_int64(ms(health_interval)))
            for cl, weight, limit in engines:
                call("pd_pool_opts_add_engine", popts, cl.handle, ctypes.c_uint32(weight), ctypes.c_size_t(limit))
            handle = ctypes.c_void_p()
            call("pd_pool_new", self._client.handle if self._client else None, popts, ctypes.byref(handle))
        finally:
            lib.pd_pool_opts_free(popts)
            lib.pd_container_opts_free(copts)
        self._handle = handle
        self._id = cstr(lib.pd_pool_id(handle))

    @property
    def id(self) -> str:
        """The pool's id: the value of its members' ``pocketdock.pool`` label."""
        return self._id

    def acquire(self, timeout: float | None = 30) -> Container:
        """A ready sandbox; waits up to ``timeout`` seconds (0: do not wait, None: no limit)
        for one. ``PocketDockTimeout`` when none is free in time; give it back with
        ``release``."""
        wait = 0 if timeout == 0 else ms(timeout)
        out = ctypes.c_void_p()
        call("pd_pool_acquire", self._handle, ctypes.c_int64(wait), ctypes.byref(out))
        c = Container(out, self._client or self._clients[0], persist=False, project=None)
        _container._open.discard(c)  # noqa: SLF001 (the pool removes its members, not atexit)
        return c

    def release(self, container: Container) -> None:
        """Gives ``container`` back (destroyed and replaced, or recycled); do not use it
        afterwards."""
        call("pd_pool_release", self._handle, container._handle, container=container.name)  # noqa: SLF001
        container.close()

    def stats(self) -> PoolStats:
        s = PdPoolStats()
        call("pd_pool_get_stats", self._handle, ctypes.byref(s))
        return PoolStats(*(int(getattr(s, f[0])) for f in PdPoolStats._fields_))  # noqa: SLF001

    def shutdown(self) -> None:
        """Stops the pool and removes every member, idle or handed out. Idempotent."""
        call("pd_pool_shutdown", self._handle)

    def close(self) -> None:
        """Frees the handle (a pool not shut down is shut down in the background)."""
        if self._handle:
            lib.pd_pool_free(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.shutdown()
        finally:
            self.close()

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle:
            lib.pd_pool_free(handle)

    def __repr__(self) -> str:
        return f"<ContainerPool {self._id}>"


class EngineSet:
    """Addition: several engines to create single sandboxes on (``pd_engine_set``).

    ``engines``: ``(client, weight, limit)`` tuples, in order (``weight`` >= 1: its share of
    the sandboxes; ``limit``: most running pocketdock containers on it, 0 none). ``create``
    places each sandbox on the least loaded engine that answers. ``with EngineSet(...) as s``
    frees it at the end; sandboxes created on it stay valid.
    """

    def __init__(self, engines: Sequence[tuple[Client, int, int]]) -> None:
        if not engines:
            msg = "an EngineSet needs at least one engine"
            raise ValueError(msg)
        handle = ctypes.c_void_p(lib.pd_engine_set_new())
        if not handle:
            raise MemoryError
        try:
            for cl, weight, limit in engines:
                call("pd_engine_set_add", handle, cl.handle, ctypes.c_uint32(weight), ctypes.c_size_t(limit))
        except BaseException:
            lib.pd_engine_set_free(handle)
            raise
        self._handle = handle
        self._clients = [c for c, _, _ in engines]  # each sandbox's Container names its client

    def create(self, **container_options: Any) -> Container:
        """Creates and starts a sandbox on the least loaded engine (the fewest running
        pocketdock containers per unit of weight, among those under their limit), passing
        over engines that do not answer. Keywords as ``create_new_container``'s (no
        ``persist=True``, no ``socket_path``/``client``)."""
        if not self._handle:
            msg = "the engine set is closed"
            raise InvalidState(msg)
        opts = new_opts(**container_options)
        out = ctypes.c_void_p()
        index = ctypes.c_size_t()
        try:
            call("pd_engine_set_create", self._handle, opts, ctypes.byref(out), ctypes.byref(index),
                 image=container_options.get("image", DEFAULT_IMAGE), name=container_options.get("name"))
        finally:
            lib.pd_container_opts_free(opts)
        return Container(out, self._clients[index.value], persist=False,
                         project=container_options.get("project"))

    def close(self) -> None:
        """Frees the set. Idempotent."""
        if self._handle:
            lib.pd_engine_set_free(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle:
            lib.pd_engine_set_free(handle)

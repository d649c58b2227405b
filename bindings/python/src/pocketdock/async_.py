"""The async API of pocketdock 1.2.6: ``AsyncContainer`` and friends.

Every blocking library call runs in a worker thread (``asyncio.to_thread``), so the event
loop never blocks on the engine; ``asyncio.gather`` over several containers (or several
runs on one) runs them concurrently. Callbacks of detached processes run on the loop that
created the container.

    async with await create_new_container() as c:
        result = await c.run("echo hello")
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, ParamSpec, TypeVar, overload

from pocketdock import _create, persistence, projects
from pocketdock._container import Command, Container
from pocketdock._pool import ContainerPool, EngineSet, PoolStats
from pocketdock._process import ExecStream, Process
from pocketdock._run import DEFAULT_MAX_OUTPUT
from pocketdock._session import Session
from pocketdock.profiles import ProfileInfo, list_profiles, resolve_profile
from pocketdock.projects import find_project_root, init_project
from pocketdock.types import BufferSnapshot, ContainerInfo, ContainerListItem, DoctorReport, ExecResult, ProcessEntry

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

P = ParamSpec("P")
R = TypeVar("R")


def _threaded(fn: Callable[P, R]) -> Callable[P, Any]:
    """An async version of a blocking function (run in a worker thread)."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return await asyncio.to_thread(fn, *args, **kwargs)

    return wrapper


def _on_loop(loop: asyncio.AbstractEventLoop) -> Callable[[Callable[[], None]], object]:
    """Runs callbacks on ``loop``; once the loop is closed they are dropped."""

    def dispatch(thunk: Callable[[], None]) -> None:
        try:
            loop.call_soon_threadsafe(thunk)
        except RuntimeError:  # the loop is closed: nobody is left to call
            pass

    return dispatch


class AsyncExecStream:
    """Async iterator over the chunks of ``run(..., stream=True)``."""

    def __init__(self, stream: ExecStream) -> None:
        self._s = stream

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Any:
        chunk = await asyncio.to_thread(self._s.next_chunk)
        if chunk is None:
            raise StopAsyncIteration
        return chunk

    @property
    def result(self) -> ExecResult:
        return self._s.result

    def cancel(self) -> None:
        self._s.cancel()


class AsyncProcess:
    """A detached process. ``read()``/``peek()`` are plain methods, as in 1.2.6."""

    def __init__(self, process: Process) -> None:
        self._p = process

    @property
    def id(self) -> str:
        return self._p.id

    @property
    def number(self) -> int:
        return self._p.number

    async def is_running(self) -> bool:
        return await asyncio.to_thread(self._p.is_running)

    async def kill(self, signal: int = 15) -> None:
        await asyncio.to_thread(self._p.kill, signal)

    async def wait(self, timeout: float | None = None) -> ExecResult:
        return await asyncio.to_thread(self._p.wait, timeout)

    def read(self) -> BufferSnapshot:
        return self._p.read()

    def peek(self) -> BufferSnapshot:
        return self._p.peek()

    @property
    def buffer_size(self) -> int:
        return self._p.buffer_size

    @property
    def buffer_capacity(self) -> int:
        return self._p.buffer_capacity

    @property
    def buffer_overflow(self) -> bool:
        return self._p.buffer_overflow


class AsyncSession:
    """A persistent shell session; ``on_output`` callbacks run on the event loop."""

    def __init__(self, session: Session, loop: asyncio.AbstractEventLoop) -> None:
        self._s = session
        session._dispatch = _on_loop(loop)  # noqa: SLF001

    @property
    def id(self) -> str:
        return self._s.id

    async def send(self, command: str) -> None:
        await asyncio.to_thread(self._s.send, command)

    async def send_and_wait(self, command: str, *, timeout: float | None = None) -> ExecResult:
        return await asyncio.to_thread(functools.partial(self._s.send_and_wait, command, timeout=timeout))

    def read(self) -> str:
        return self._s.read()

    def on_output(self, fn: Callable[..., object]) -> None:
        self._s.on_output(fn)

    async def close(self) -> None:
        await asyncio.to_thread(self._s.close)


class AsyncContainer:
    """Async handle to a sandbox. ``async with await create_new_container() as c``."""

    def __init__(self, container: Container, loop: asyncio.AbstractEventLoop) -> None:
        self._c = container
        self._loop = loop
        container._cb_owner = self  # noqa: SLF001 (callbacks get this handle, on this loop)
        container._dispatch = _on_loop(loop)  # noqa: SLF001

    @property
    def sync(self) -> Container:
        """Addition: the sync handle on the same container."""
        return self._c

    container_id = property(lambda self: self._c.container_id)
    socket_path = property(lambda self: self._c.socket_path)
    name = property(lambda self: self._c.name)
    persist = property(lambda self: self._c.persist)
    project = property(lambda self: self._c.project)
    data_path = property(lambda self: self._c.data_path)
    uses_agent = property(lambda self: self._c.uses_agent)

    @overload
    async def run(self, command: Command, *, stream: Literal[True], detach: Literal[False] = ...,
                  timeout: float | None = ..., max_output: int = ..., lang: str | None = ...,
                  env: Mapping[str, str] | None = ...,
                  workdir: str | None = ..., user: str | None = ..., stdin: bytes | str | None = ...) -> AsyncExecStream: ...
    @overload
    async def run(self, command: Command, *, stream: Literal[False] = ..., detach: Literal[True],
                  timeout: float | None = ..., max_output: int = ..., lang: str | None = ...,
                  env: Mapping[str, str] | None = ...,
                  workdir: str | None = ..., user: str | None = ..., stdin: bytes | str | None = ...) -> AsyncProcess: ...
    @overload
    async def run(self, command: Command, *, stream: Literal[False] = ..., detach: Literal[False] = ...,
                  timeout: float | None = ..., max_output: int = ..., lang: str | None = ...,
                  env: Mapping[str, str] | None = ...,
                  workdir: str | None = ..., user: str | None = ..., stdin: bytes | str | None = ...) -> ExecResult: ...
    @overload
    async def run(self, command: Command, *, stream: bool = ..., detach: bool = ...,
                  timeout: float | None = ..., max_output: int = ..., lang: str | None = ...,
                  env: Mapping[str, str] | None = ...,
                  workdir: str | None = ..., user: str | None = ..., stdin: bytes | str | None = ...) -> ExecResult | AsyncExecStream | AsyncProcess: ...

    async def run(
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
    ) -> ExecResult | AsyncExecStream | AsyncProcess:
        """See ``Container.run``."""
        out = await asyncio.to_thread(
            functools.partial(self._c.run, command, stream=stream, detach=detach, timeout=timeout,
                              max_output=max_output, lang=lang, env=env, workdir=workdir, user=user,
                              stdin=stdin)
        )
        if isinstance(out, ExecStream):
            return AsyncExecStream(out)
        if isinstance(out, Process):
            return AsyncProcess(out)
        return out

    async def attach(self, process_id: int | str) -> AsyncProcess:
        return AsyncProcess(await asyncio.to_thread(self._c.attach, process_id))

    async def list_processes(self) -> list[ProcessEntry]:
        return await asyncio.to_thread(self._c.list_processes)

    def on_stdout(self, fn: Callable[..., object]) -> None:
        self._c.on_stdout(fn)

    def on_stderr(self, fn: Callable[..., object]) -> None:
        self._c.on_stderr(fn)

    def on_exit(self, fn: Callable[..., object]) -> None:
        self._c.on_exit(fn)

    async def session(self) -> AsyncSession:
        return AsyncSession(await asyncio.to_thread(self._c.session), self._loop)

    async def info(self) -> ContainerInfo:
        return await asyncio.to_thread(self._c.info)

    async def reboot(self, *, fresh: bool = False) -> None:
        await asyncio.to_thread(functools.partial(self._c.reboot, fresh=fresh))

    async def write_file(self, path: str, content: str | bytes) -> None:
        await asyncio.to_thread(self._c.write_file, path, content)

    async def read_file(self, path: str) -> bytes:
        return await asyncio.to_thread(self._c.read_file, path)

    async def list_files(self, path: str = "/home/sandbox") -> list[str]:
        return await asyncio.to_thread(self._c.list_files, path)

    async def push(self, src: str | os.PathLike[str], dest: str) -> None:
        await asyncio.to_thread(self._c.push, src, dest)

    async def pull(self, src: str, dest: str | os.PathLike[str]) -> None:
        await asyncio.to_thread(self._c.pull, src, dest)

    async def snapshot(self, image_name: str) -> str:
        return await asyncio.to_thread(self._c.snapshot, image_name)

    async def kill_all(self) -> int:
        return await asyncio.to_thread(self._c.kill_all)

    async def shutdown(self, *, force: bool = False) -> None:
        await asyncio.to_thread(functools.partial(self._c.shutdown, force=force))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.shutdown()

    def __repr__(self) -> str:
        return f"<AsyncContainer {self.name}>"


async def create_new_container(  # noqa: PLR0913
    *,
    image: str = _create.DEFAULT_IMAGE,
    name: str | None = None,
    timeout: float = _create.DEFAULT_TIMEOUT,
    mem_limit: str | None = None,
    cpu_percent: int | None = None,
    persist: bool = False,
    volumes: Mapping[str, str] | None = None,
    project: str | None = None,
    profile: str | None = None,
    devices: Sequence[str] | None = None,
    ports: Mapping[int, int] | None = None,
    **additions: Any,
) -> AsyncContainer:
    """Creates and starts a sandbox: the arguments of 1.2.6, and (``additions``) those of
    ``pocketdock.create_new_container`` (strict=, network=, labels=, ...)."""
    loop = asyncio.get_running_loop()
    made = await asyncio.to_thread(
        functools.partial(
            _create.create_new_container, image=image, name=name, timeout=timeout, mem_limit=mem_limit,
            cpu_percent=cpu_percent, persist=persist, volumes=volumes, project=project, profile=profile,
            devices=devices, ports=ports, **additions,
        )
    )
    return AsyncContainer(made, loop)


class AsyncEngineSet:
    """Addition: ``EngineSet`` for asyncio; its create() returns an ``AsyncContainer``."""

    def __init__(self, engines: Sequence[tuple[Any, int, int]]) -> None:
        self._set = EngineSet(engines)

    @property
    def sync(self) -> EngineSet:
        return self._set

    async def create(self, **container_options: Any) -> AsyncContainer:
        loop = asyncio.get_running_loop()
        made = await asyncio.to_thread(functools.partial(self._set.create, **container_options))
        return AsyncContainer(made, loop)

    def close(self) -> None:
        self._set.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class AsyncContainerPool:
    """Addition: ``ContainerPool`` for asyncio; its acquire() returns an ``AsyncContainer``.
    ``async with await AsyncContainerPool.start(...) as pool`` (the engine's first connect
    runs in a thread), or ``AsyncContainerPool(...)`` (which may block for that connect;
    members are always made in the background)."""

    def __init__(self, **kwargs: Any) -> None:
        self._pool = ContainerPool(**kwargs)

    @classmethod
    async def start(cls, **kwargs: Any) -> AsyncContainerPool:
        self = cls.__new__(cls)
        self._pool = await asyncio.to_thread(functools.partial(ContainerPool, **kwargs))
        return self

    @property
    def sync(self) -> ContainerPool:
        return self._pool

    @property
    def id(self) -> str:
        return self._pool.id

    async def acquire(self, timeout: float | None = 30) -> AsyncContainer:
        loop = asyncio.get_running_loop()
        return AsyncContainer(await asyncio.to_thread(self._pool.acquire, timeout), loop)

    async def release(self, container: AsyncContainer) -> None:
        await asyncio.to_thread(self._pool.release, container.sync)

    def stats(self) -> PoolStats:
        return self._pool.stats()

    async def shutdown(self) -> None:
        await asyncio.to_thread(self._pool.shutdown)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            await self.shutdown()
        finally:
            self._pool.close()


async def open_container(name_or_id: str, *, socket_path: str | None = None) -> AsyncContainer:
    loop = asyncio.get_running_loop()
    c = await asyncio.to_thread(functools.partial(_create.open_container, name_or_id, socket_path=socket_path))
    return AsyncContainer(c, loop)


async def resume_container(name: str, *, socket_path: str | None = None, timeout: float = 30) -> AsyncContainer:
    loop = asyncio.get_running_loop()
    c = await asyncio.to_thread(
        functools.partial(persistence.resume_container, name, socket_path=socket_path, timeout=timeout))
    return AsyncContainer(c, loop)


async def list_containers(*, socket_path: str | None = None, project: str | None = None) -> list[ContainerListItem]:
    return await asyncio.to_thread(
        functools.partial(persistence.list_containers, socket_path=socket_path, project=project))


async def stop_container(name: str, *, socket_path: str | None = None) -> None:
    await asyncio.to_thread(functools.partial(persistence.stop_container, name, socket_path=socket_path))


async def destroy_container(name: str, *, socket_path: str | None = None) -> None:
    await asyncio.to_thread(functools.partial(persistence.destroy_container, name, socket_path=socket_path))


async def prune(*, socket_path: str | None = None, project: str | None = None) -> int:
    return await asyncio.to_thread(functools.partial(persistence.prune, socket_path=socket_path, project=project))


async def doctor(*, project_root: str | os.PathLike[str] | None = None,
                 socket_path: str | None = None) -> DoctorReport:
    return await asyncio.to_thread(
        functools.partial(projects.doctor, project_root=project_root, socket_path=socket_path))


__all__ = [
    "AsyncContainer",
    "AsyncContainerPool",
    "AsyncEngineSet",
    "AsyncExecStream",
    "AsyncProcess",
    "AsyncSession",
    "ProfileInfo",
    "create_new_container",
    "destroy_container",
    "doctor",
    "find_project_root",
    "init_project",
    "list_containers",
    "list_profiles",
    "open_container",
    "prune",
    "resolve_profile",
    "resume_container",
    "stop_container",
]


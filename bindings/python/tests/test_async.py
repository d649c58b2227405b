"""pocketdock.async_: the same API awaited; the loop is never blocked; gather runs
concurrently (shown with a rendezvous, not timings)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from conftest import LABELS, unique
from pocketdock import async_
from pocketdock.async_ import AsyncContainer, AsyncExecStream, AsyncProcess, create_new_container


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_async_basics() -> None:
    async def main() -> None:
        async with await create_new_container(labels=LABELS) as c:
            assert isinstance(c, AsyncContainer)
            r = await c.run("echo hello")
            assert r.stdout == "hello\n"
            s = await c.run("echo a; echo b >&2", stream=True)
            assert isinstance(s, AsyncExecStream)
            chunks = [ch async for ch in s]
            assert {ch.stream for ch in chunks} == {"stdout", "stderr"}
            assert s.result.exit_code == 0
            await c.write_file("/tmp/f", bytes(range(256)))
            assert await c.read_file("/tmp/f") == bytes(range(256))
            assert "f" in await c.list_files("/tmp")
            info = await c.info()
            assert info.status == "running"
            sess = await c.session()
            await sess.send("cd /tmp")
            assert (await sess.send_and_wait("pwd")).stdout == "/tmp\n"
            await sess.close()

    run(main())


def test_loop_not_blocked_and_gather_concurrent() -> None:
    async def main() -> None:
        async with await create_new_container(labels=LABELS) as c:
            ticks = 0
            stop = asyncio.Event()

            async def ticker() -> None:
                nonlocal ticks
                while not stop.is_set():
                    ticks += 1
                    await asyncio.sleep(0.01)

            t = asyncio.create_task(ticker())
            # The first waits for a file only the second creates: serialised runs would time out.
            waiter = c.run("while [ ! -f /tmp/flag ]; do sleep 0.05; done; echo a", timeout=20)
            maker = c.run("sleep 0.5; touch /tmp/flag; echo b", timeout=20)
            r1, r2 = await asyncio.gather(waiter, maker)
            stop.set()
            await t
            assert (r1.stdout, r2.stdout) == ("a\n", "b\n")
            assert not r1.timed_out
            assert ticks > 5  # the loop kept running while both runs were in flight

    run(main())


def test_two_containers_gather() -> None:
    async def main() -> None:
        async with (
            await create_new_container(labels=LABELS) as c1,
            await create_new_container(labels=LABELS) as c2,
        ):
            r1, r2 = await asyncio.gather(c1.run("echo done-1"), c2.run("echo done-2"))
            assert (r1.stdout, r2.stdout) == ("done-1\n", "done-2\n")

    run(main())


def test_async_detach_callbacks_on_loop() -> None:
    async def main() -> None:
        async with await create_new_container(labels=LABELS) as c:
            loop_thread = threading.get_ident()
            seen: list[tuple[object, str, int]] = []
            exited = asyncio.Event()
            c.on_stdout(lambda cc, data: seen.append((cc, data, threading.get_ident())))
            c.on_exit(lambda cc, code: exited.set())
            p = await c.run("echo hi; sleep 0.2", detach=True)
            assert isinstance(p, AsyncProcess)
            assert await p.is_running() in (True, False)
            await asyncio.wait_for(exited.wait(), 20)
            res = await p.wait(timeout=20)
            assert res.exit_code == 0
            assert seen and seen[0][0] is c and seen[0][1] == "hi\n" and seen[0][2] == loop_thread
            p2 = await c.run("sleep 30", detach=True)
            with pytest.raises(asyncio.TimeoutError):
                await p2.wait(timeout=0.2)
            await p2.kill(signal=9)

    run(main())


def test_async_persistence() -> None:
    async def main() -> None:
        name = unique()
        c = await create_new_container(name=name, persist=True, labels=LABELS)
        await c.write_file("/home/sandbox/x", "y")
        await c.shutdown()
        names = [i.name for i in await async_.list_containers()]
        assert name in names
        c2 = await async_.resume_container(name)
        assert await c2.read_file("/home/sandbox/x") == b"y"
        await async_.stop_container(name)
        await async_.destroy_container(name)
        assert await async_.prune(project=unique("none")) == 0

    run(main())

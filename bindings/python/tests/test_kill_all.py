"""Container.kill_all against the real engine (with and without the agent)."""

from __future__ import annotations

import asyncio
import time


from pocketdock.async_ import AsyncContainer


SLEEPS = "cat /proc/[0-9]*/comm 2>/dev/null | grep -c '^sleep$' || true"


# Without the agent the sweep is one engine exec; it keeps the sandbox's keep-alive.
def test_kill_all_without_the_agent(make) -> None:  # type: ignore[no-untyped-def]
    c = make(agent=False)  # detached processes need the agent: a shell background job here
    before = int(c.run(SLEEPS).stdout)  # the sandbox's init may be a sleep itself
    c.run("nohup sleep 300 >/dev/null 2>&1 &")
    assert int(c.run(SLEEPS).stdout) == before + 1
    assert c.kill_all() >= 1
    assert int(c.run(SLEEPS).stdout) == before


def test_kill_all_ends_a_background_process(make) -> None:  # type: ignore[no-untyped-def]
    c = make()
    before = int(c.run(SLEEPS).stdout)
    p = c.run("sleep 300", detach=True)
    assert p.is_running()
    killed = c.kill_all()
    assert killed >= 1
    deadline = time.monotonic() + 30
    while p.is_running():
        assert time.monotonic() < deadline, "the detached sleep outlived kill_all"
        time.sleep(0.1)
    # The sandbox itself (its init) is still there and usable.
    assert c.run("echo alive").stdout == "alive\n"
    assert int(c.run(SLEEPS).stdout) == before


def test_async_kill_all(make) -> None:  # type: ignore[no-untyped-def]
    c = make()

    async def main() -> int:
        ac = AsyncContainer(c, asyncio.get_running_loop())
        p = await ac.run("sleep 300", detach=True)
        n = await ac.kill_all()
        await p.wait(timeout=30)
        return n

    assert asyncio.run(main()) >= 1

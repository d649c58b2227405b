# docs/guide/async.md and docs/reference/api.md, verbatim (fragments inside async def main).
from pocketdock.async_ import (
    create_new_container,
    resume_container,
    list_containers,
    destroy_container,
    stop_container,
    prune,
    doctor,
    find_project_root,
    init_project,
    resolve_profile,
    list_profiles,
)
from pocketdock.async_ import AsyncContainer, AsyncExecStream, AsyncProcess, AsyncSession

import asyncio
from pocketdock.async_ import create_new_container

async def main():
    async with await create_new_container() as c:
        result = await c.run("echo hello")
        print(result.stdout)

asyncio.run(main())

import asyncio
from pocketdock.async_ import create_new_container

async def main():
    async with (
        await create_new_container() as c1,
        await create_new_container() as c2,
    ):
        r1, r2 = await asyncio.gather(
            c1.run("sleep 2 && echo done-1"),
            c2.run("sleep 2 && echo done-2"),
        )
        # Takes ~2 seconds total, not ~4
        print(r1.stdout)  # "done-1\n"
        print(r2.stdout)  # "done-2\n"

asyncio.run(main())


async def fragments():
    async with await create_new_container() as c:
        async for chunk in await c.run("make all", stream=True):
            print(chunk.data, end="")

    async with await create_new_container() as c:
        proc = await c.run("python server.py", detach=True)
        await asyncio.sleep(1)
        print(await proc.is_running())  # True
        output = proc.peek()
        print(output.stdout)
        await proc.kill()

    async with await create_new_container() as c:
        sess = await c.session()
        await sess.send("cd /tmp")
        result = await sess.send_and_wait("pwd")
        print(result.stdout)  # "/tmp\n"
        await sess.close()

    async with await create_new_container() as c:
        result = await c.run("echo hello")

    async with await create_new_container() as c:
        async for chunk in await c.run("make all", stream=True):
            print(chunk.data, end="")

asyncio.run(fragments())

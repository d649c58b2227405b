"""EngineSet / AsyncEngineSet: a plain create on a set of the engine under test and the other
one (POCKETDOCK_OTHER_SOCKET, else the other of scripts/engine-up's two): the sandbox lands
on one of them and its client is that engine's; bad input refused."""

from __future__ import annotations

import asyncio
import os

import pytest
from conftest import LABELS

import pocketdock
from pocketdock.async_ import AsyncEngineSet


def other_socket() -> str:
    if os.environ.get("POCKETDOCK_OTHER_SOCKET"):
        return os.environ["POCKETDOCK_OTHER_SOCKET"]
    if os.environ.get("POCKETDOCK_SOCKET") == "/run/podman/podman.sock":
        return "/run/pocketdock-docker.sock"
    return "/run/podman/podman.sock"


def test_engine_set_creates_on_one_of_its_engines() -> None:
    mine = pocketdock.Client()
    other = pocketdock.Client(other_socket())
    with pocketdock.EngineSet([(mine, 1, 0), (other, 1, 0)]) as s:
        for _ in range(2):
            c = s.create(labels=LABELS)
            try:
                assert c.socket_path in (mine.engine_info().socket, other.engine_info().socket)
                assert c.run("echo placed").stdout == "placed\n"
            finally:
                c.shutdown()
        kept = s.create(labels=LABELS)
    try:
        assert kept.run("echo still").stdout == "still\n"  # a sandbox outlives its set
    finally:
        kept.shutdown()
    with pytest.raises(pocketdock.errors.InvalidState):
        s.create(labels=LABELS)


def test_engine_set_rejects_bad_input() -> None:
    mine = pocketdock.Client()
    with pytest.raises(ValueError, match="at least one engine"):
        pocketdock.EngineSet([])
    with pytest.raises(pocketdock.errors.InvalidArgument):
        pocketdock.EngineSet([(mine, 0, 0)])
    with pocketdock.EngineSet([(mine, 1, 0)]) as s, pytest.raises(pocketdock.errors.ImageNotFound):
        s.create(image="pocketdock/no-such-image-here", labels=LABELS)


def test_async_engine_set() -> None:
    async def main() -> None:
        with AsyncEngineSet([(pocketdock.Client(), 1, 0)]) as s:
            c = await s.create(labels=LABELS)
            try:
                assert (await c.run("echo async")).stdout == "async\n"
            finally:
                await c.shutdown()

    asyncio.run(main())

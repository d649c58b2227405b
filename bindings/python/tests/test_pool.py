"""ContainerPool / AsyncContainerPool against the real engine: pre-warm, acquire, release
(the member is destroyed), shutdown (nothing left)."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket as socketlib
import time
import urllib.parse

import pytest
from conftest import LABELS, socket

import pocketdock
from pocketdock.async_ import AsyncContainerPool


class _UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self) -> None:
        self.sock = socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM)
        self.sock.connect(self._path)


def members(pool_id: str) -> list[str]:
    """Names of the engine's containers labelled as this pool's members (asked of the engine
    directly, not through pocketdock)."""
    path = socket() or pocketdock.Client().engine_info().socket
    filters = urllib.parse.quote(json.dumps({"label": [f"pocketdock.pool={pool_id}"]}))
    conn = _UnixHTTP(path.removeprefix("unix://"))
    try:
        conn.request("GET", f"/containers/json?all=1&filters={filters}")
        return [c["Names"][0].lstrip("/") for c in json.loads(conn.getresponse().read())]
    finally:
        conn.close()


def wait_for(cond, what: str, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_pool_prewarms_acquires_releases_and_shuts_down() -> None:
    with pocketdock.ContainerPool(min_idle=1, max_size=2, parallel=1, labels=LABELS) as pool:
        assert pool.id
        wait_for(lambda: pool.stats().idle >= 1, "a pre-warmed member")
        assert len(members(pool.id)) >= 1
        c = pool.acquire(timeout=60)
        name = c.name
        assert c.run("echo pooled").stdout == "pooled\n"
        assert pool.stats().in_use == 1
        pool.release(c)
        # Released without recycle: that sandbox is destroyed (and another made).
        wait_for(lambda: name not in members(pool.id), f"{name} removed after release")
        assert pool.stats().in_use == 0
        pool_id = pool.id
    assert members(pool_id) == []


def test_pool_acquire_times_out_when_full() -> None:
    with pocketdock.ContainerPool(min_idle=1, max_size=1, labels=LABELS) as pool:
        c = pool.acquire(timeout=60)
        with pytest.raises(pocketdock.PocketDockTimeout):
            pool.acquire(timeout=0.2)
        pool.release(c)
        pool_id = pool.id
    assert members(pool_id) == []


def test_pool_rejects_bad_options() -> None:
    with pytest.raises(pocketdock.InvalidArgument):
        pocketdock.ContainerPool(max_size=0, labels=LABELS)


def test_async_pool() -> None:
    async def main() -> str:
        async with await AsyncContainerPool.start(min_idle=1, max_size=1, labels=LABELS) as pool:
            c = await pool.acquire(timeout=60)
            assert (await c.run("echo async-pooled")).stdout == "async-pooled\n"
            await pool.release(c)
            assert pool.stats().in_use == 0
            return pool.id

    assert members(asyncio.run(main())) == []

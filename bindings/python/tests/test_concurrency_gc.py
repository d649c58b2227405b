"""Threads on one container, and handles freed by the garbage collector."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pocketdock
from pocketdock import Container


def test_threads_share_a_container(shared: Container) -> None:
    shared.run("rm -f /tmp/go")
    with ThreadPoolExecutor(4) as pool:
        waiters = [pool.submit(shared.run, f"while [ ! -f /tmp/go ]; do sleep 0.05; done; echo {i}", timeout=20)
                   for i in range(3)]
        opener = pool.submit(shared.run, "sleep 0.3; touch /tmp/go")
        results = [w.result() for w in waiters]
        assert opener.result().ok
    assert sorted(r.stdout for r in results) == ["0\n", "1\n", "2\n"]
    assert not any(r.timed_out for r in results)


def test_many_threads_many_runs(shared: Container) -> None:
    with ThreadPoolExecutor(8) as pool:
        outs = list(pool.map(lambda i: shared.run(f"echo {i}").stdout, range(64)))
    assert outs == [f"{i}\n" for i in range(64)]


def test_handles_are_freed_by_gc(make: Callable[..., Container]) -> None:
    c = make()
    p = c.run("echo x", detach=True)
    s = c.run("echo y", stream=True)
    sess = c.session()
    refs = [weakref.ref(o) for o in (p, s, sess)]
    fins = [p._finalizer, s._finalizer, sess._finalizer]  # noqa: SLF001
    del p, s, sess
    gc.collect()
    assert all(r() is None for r in refs)
    assert not any(f.alive for f in fins)
    # A second handle on the container, dropped: the container itself lives on.
    other = pocketdock.open_container(c.name)
    fin = other._finalizer  # noqa: SLF001
    del other
    gc.collect()
    assert not fin.alive
    assert c.run("echo alive").stdout == "alive\n"


def test_dropped_container_with_callbacks(make: Callable[..., Container]) -> None:
    c = make()
    name = c.name
    c.on_stdout(lambda _c, _d: None)
    c.run("sleep 0.3; echo late", detach=True)
    opened = pocketdock.open_container(name)
    fin = c._finalizer  # noqa: SLF001
    c.close()
    del c
    gc.collect()
    assert not fin.alive
    # Output arrives after the Python object is gone: no crash, the sandbox still works.
    import time

    time.sleep(0.6)
    assert opened.run("echo ok").stdout == "ok\n"
    opened.shutdown()

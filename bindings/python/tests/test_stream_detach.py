"""stream=True, detach=True, callbacks, re-attach by id."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from pocketdock import Container, ExecStream, Process, StreamChunk


def test_stream_yields_both_streams(shared: Container) -> None:
    s = shared.run("echo out; echo err >&2; sleep 0.2; echo out2; exit 1", stream=True)
    assert isinstance(s, ExecStream)
    with pytest.raises(RuntimeError):
        _ = s.result
    chunks = list(s)
    assert all(isinstance(c, StreamChunk) for c in chunks)
    out = "".join(c.data for c in chunks if c.stream == "stdout")
    err = "".join(c.data for c in chunks if c.stream == "stderr")
    assert out == "out\nout2\n"
    assert err == "err\n"
    assert s.result.exit_code == 1
    assert s.result.stdout == "out\nout2\n"


def test_stream_timeout_kills(shared: Container) -> None:
    s = shared.run("echo go; sleep 60", stream=True, timeout=1)
    assert [c.data for c in s] == ["go\n"]
    assert s.result.timed_out


def test_detach_peek_read_wait(shared: Container) -> None:
    p = shared.run("echo one; sleep 0.3; echo two >&2; exit 4", detach=True)
    assert isinstance(p, Process)
    assert p.id.isdigit()
    result = p.wait(timeout=20)
    assert result.exit_code == 4
    assert not p.is_running()
    # wait() returned the unread output; peek/read see what is left unread.
    assert result.stdout == "one\n" and result.stderr == "two\n"


def test_detach_read_drains_peek_does_not(shared: Container) -> None:
    p = shared.run("echo a; sleep 30", detach=True)
    deadline = time.monotonic() + 10
    while p.buffer_size == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert p.peek().stdout == "a\n"
    assert p.peek().stdout == "a\n"
    assert p.read().stdout == "a\n"
    assert p.read().stdout == ""
    assert p.is_running()
    p.kill()
    res = p.wait(timeout=20)
    assert res.exit_code != 0
    assert not p.is_running()
    assert not p.buffer_overflow


def test_wait_timeout_raises(shared: Container) -> None:
    p = shared.run("sleep 30", detach=True)
    with pytest.raises(TimeoutError):
        p.wait(timeout=0.3)
    p.kill(signal=9)
    p.wait(timeout=20)


def test_kill_reaches_children(shared: Container) -> None:
    p = shared.run("sh -c 'sleep 45' & sleep 45", detach=True)
    time.sleep(0.3)
    p.kill(signal=9)
    p.wait(timeout=20)
    ps = shared.run("ps -o args | grep -c '^sleep 45' || true")
    assert ps.stdout.strip() == "0"


def test_callbacks_registered_after_detach(shared: Container) -> None:
    got: list[tuple[str, object, object]] = []
    done = threading.Event()
    p = shared.run("sleep 0.5; echo late; echo bad >&2; exit 2", detach=True)
    shared.on_stdout(lambda c, data: got.append(("out", c, data)))
    shared.on_stderr(lambda c, data: got.append(("err", c, data)))

    def on_exit(c: object, code: object) -> None:
        got.append(("exit", c, code))
        done.set()

    shared.on_exit(on_exit)
    assert done.wait(20)
    p.wait(timeout=20)
    kinds = {k: v for k, _c, v in got}
    assert kinds["out"] == "late\n"
    assert kinds["err"] == "bad\n"
    assert kinds["exit"] == 2
    assert all(c is shared for _k, c, _v in got)


def test_callback_exception_is_swallowed(make: Callable[..., Container]) -> None:
    c = make()
    done = threading.Event()

    def boom(_c: object, _d: object) -> None:
        raise RuntimeError("callback failure")

    c.on_stdout(boom)
    c.on_exit(lambda _c, _code: done.set())
    c.run("echo x", detach=True).wait(timeout=20)
    assert done.wait(20)
    assert c.run("echo still").stdout == "still\n"


def test_attach_by_id(shared: Container) -> None:
    p = shared.run("echo attached; sleep 30", detach=True)
    again = shared.attach(p.id)
    assert again.number == p.number
    assert any(e.id == p.number and e.running for e in shared.list_processes())
    # The kill must come after the echo: killed right away, the shell may not have run it
    # yet (seen on Docker once the agent was reached directly).
    deadline = time.monotonic() + 20
    while again.peek().stdout != "attached\n" and time.monotonic() < deadline:
        time.sleep(0.02)
    again.kill(signal=9)
    assert again.wait(timeout=20).stdout == "attached\n"


def test_process_on_output(shared: Container) -> None:
    got: list[tuple[str, str]] = []
    codes: list[int] = []
    done = threading.Event()
    p = shared.run("echo first; sleep 0.3; echo second >&2; exit 5", detach=True)

    def on_exit(code: int) -> None:
        codes.append(code)
        done.set()

    p.on_output(lambda stream, text: got.append((stream, text)), on_exit)
    assert done.wait(20)
    assert ("stdout", "first\n") in got and ("stderr", "second\n") in got
    assert codes == [5]

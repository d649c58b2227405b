"""Sessions: cd and export persist, timeouts, read, callbacks, SessionClosed."""

from __future__ import annotations

import threading
import time

import pytest

from pocketdock import Container, SessionClosed


def test_cd_and_export_persist(shared: Container) -> None:
    s = shared.session()
    try:
        s.send("cd /tmp")
        s.send("export MY_VAR=hello")
        r = s.send_and_wait("pwd; echo $MY_VAR")
        assert r.stdout == "/tmp\nhello\n"
        assert r.exit_code == 0 and r.ok
        assert s.send_and_wait("false").exit_code == 1
    finally:
        s.close()


def test_timeout_keeps_session(shared: Container) -> None:
    s = shared.session()
    try:
        r = s.send_and_wait("sleep 60", timeout=1)
        assert r.timed_out
        assert s.send_and_wait("echo after").stdout == "after\n"
    finally:
        s.close()


def test_read_and_on_output(shared: Container) -> None:
    s = shared.session()
    seen: list[str] = []
    got = threading.Event()

    def on_output(text: str) -> None:
        seen.append(text)
        if "line2" in "".join(seen):
            got.set()

    s.on_output(on_output)
    s.send("echo line1")
    s.send("echo line2")
    assert got.wait(10)
    deadline = time.monotonic() + 10
    out = ""
    while "line2" not in out and time.monotonic() < deadline:
        out += s.read()
        time.sleep(0.05)
    assert out == "line1\nline2\n"
    s.close()
    s.close()  # idempotent


def test_closed_session_raises(shared: Container) -> None:
    s = shared.session()
    s.close()
    with pytest.raises(SessionClosed):
        s.send("echo hello")
    with pytest.raises(SessionClosed):
        s.send_and_wait("echo hello")
    with pytest.raises(SessionClosed):
        s.read()

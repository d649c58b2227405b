"""run(): blocking, timeouts that kill, max_output, lang, argv runs, accounting."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import pocketdock
from pocketdock import Container, ExecResult


def test_echo(shared: Container) -> None:
    r = shared.run("echo hello")
    assert isinstance(r, ExecResult)
    assert r.stdout == "hello\n"
    assert r.stderr == ""
    assert r.exit_code == 0
    assert r.ok
    assert r.duration_ms >= 0
    assert not r.timed_out and not r.truncated


def test_exit_code_and_stderr(shared: Container) -> None:
    r = shared.run("echo oops >&2; exit 3")
    assert r.exit_code == 3
    assert r.stderr == "oops\n"
    assert not r.ok


def test_timeout_kills(shared: Container) -> None:
    r = shared.run("sleep 60", timeout=1)
    assert r.timed_out
    assert r.exit_code == -1
    assert not r.ok
    # 1.2.6 left the command running; here it was killed with everything it started.
    ps = shared.run("ps -o args | grep -c '^sleep 60' || true")
    assert ps.stdout.strip() == "0", ps.stdout


def test_timeout_keeps_partial_output(shared: Container) -> None:
    r = shared.run("echo before; sleep 60", timeout=1)
    assert r.timed_out
    assert r.stdout == "before\n"


def test_max_output_truncates(shared: Container) -> None:
    r = shared.run("head -c 1000000 /dev/zero | tr '\\0' a", max_output=1024)
    assert r.truncated
    assert 0 < len(r.stdout) <= 1024


def test_exact_max_output_not_truncated(shared: Container) -> None:
    r = shared.run("printf abcd", max_output=4)
    assert r.stdout == "abcd"
    assert not r.truncated


def test_lang_python(shared: Container) -> None:
    assert shared.run("print(2 + 2)", lang="python").stdout == "4\n"
    multi = "x = 0\nfor i in range(5):\n    x += i\nprint(x)"
    assert shared.run(multi, lang="python").stdout == "10\n"


def test_argv_run_has_no_shell(shared: Container) -> None:
    r = shared.run(["echo", "$HOME", "a b"])
    assert r.stdout == "$HOME a b\n"


def test_env_workdir_stdin(shared: Container) -> None:
    r = shared.run("echo $GREETING; pwd; cat", env={"GREETING": "hi"}, workdir="/tmp", stdin="from stdin")
    assert r.stdout == "hi\n/tmp\nfrom stdin"


def test_accounting(shared: Container) -> None:
    r = shared.run("true")
    if shared.uses_agent:
        assert r.cpu_user_us is not None and r.cpu_user_us >= 0
        assert r.peak_rss_bytes is not None and r.peak_rss_bytes > 0
    else:
        assert r.cpu_user_us is None


def test_stream_and_detach_exclusive(shared: Container) -> None:
    with pytest.raises(ValueError):
        shared.run("true", stream=True, detach=True)


def test_invalid_utf8_is_replaced(shared: Container) -> None:
    r = shared.run("printf '\\377ok'")
    assert r.stdout == "\ufffdok"
    assert r.stdout_bytes == b"\xffok"


def test_nul_in_command_is_a_value_error(shared: Container) -> None:
    with pytest.raises(ValueError):
        shared.run("echo \x00")


def test_unknown_lang_runs_sh(shared: Container) -> None:
    assert shared.run("echo $0", lang="ruby").stdout.strip() in {"sh", "/bin/sh"}


def test_result_is_frozen() -> None:
    r = ExecResult(exit_code=0)
    with pytest.raises(AttributeError):
        r.exit_code = 1  # type: ignore[misc]
    assert ExecResult(0, "a", "b", 1.0, False, False).ok
    assert not pocketdock.ExecResult(exit_code=0, timed_out=True).ok


def test_engine_exec_path(make: Callable[..., Container]) -> None:
    c = make(agent=False)
    assert not c.uses_agent
    r = c.run("echo exec; exit 2")
    assert (r.stdout, r.exit_code) == ("exec\n", 2)
    assert r.cpu_user_us is None
    assert c.run("sleep 60", timeout=1).timed_out

"""Programs written against pocketdock 1.2.6's documented API (its README and docs examples,
tests/migration/*.py) run unchanged against this package.

The programs run at the same time (each in a fresh interpreter and its own temp dir; most
of their time is waiting on sleeps and timeouts of the docs' examples), except those that
use the same fixed container name ("my-sandbox"), which run one after the other."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import pocketdock

HERE = Path(__file__).parent / "migration"
PROGRAMS = sorted(p.name for p in HERE.glob("*.py"))
# Both create, shut down and destroy a container named "my-sandbox".
WAVES = [[p for p in PROGRAMS if p != "persistence.py"], ["persistence.py"]]

EXPECT = {
    "quickstart.py": ["hello\n", "True\n", "4\n", "Hello from host!"],
    "async_guide.py": ["done-1\n", "done-2\n", "/tmp\n"],
    "commands.py": ["4\n", "hello\n1\n"],
    "sessions.py": ["/tmp\n", "line1\nline2\n", "Session is closed"],
    # `echo I'm back` is a shell syntax error (an open quote), in 1.2.6 as here.
    "persistence.py": ["my-sandbox: running (persist=True)", "Removed "],
    "profiles_projects.py": ["minimal-python: ", "Run init_project() first"],
    "files.py": ["results\n", "print-from-script\n"],
    "containers.py": ["running\n"],
}


def _start(program: str, base: Path) -> tuple[subprocess.Popen[str], Path]:
    cwd = base / program.removesuffix(".py")
    (cwd / "src").mkdir(parents=True)
    (cwd / "local_script.py").write_text("print('print-from-script')\n")
    (cwd / "src" / "main.py").write_text("print('main')\n")
    created = cwd / "created.txt"
    created.touch()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE / "harness"), env.get("PYTHONPATH", "")])
    env["PDPY_CREATED"] = str(created)
    proc = subprocess.Popen([sys.executable, str(HERE / program)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, created


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, tuple[int, str, str]]]:
    results: dict[str, tuple[int, str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for wave in WAVES:
            started = {p: _start(p, Path(tmp)) for p in wave}
            for program, (proc, created) in started.items():
                try:
                    out, err = proc.communicate(timeout=300)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    out, err = proc.communicate()
                    err += "\n(timed out after 300 s)"
                finally:
                    for name in created.read_text().split():
                        try:
                            pocketdock.destroy_container(name)
                        except pocketdock.ContainerNotFound:
                            pass
                results[program] = (proc.returncode, out, err)
        yield results


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_runs_unchanged(program: str, outcomes: dict[str, tuple[int, str, str]]) -> None:
    code, out, err = outcomes[program]
    assert code == 0, out + err
    for expected in EXPECT.get(program, []):
        assert expected in out, (expected, out, err)

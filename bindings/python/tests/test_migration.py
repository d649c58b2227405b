"""Programs written against pocketdock 1.2.6's documented API (its README and docs examples,
tests/migration/*.py) run unchanged against this package.

Each runs in a fresh interpreter and its own temp dir. They run in two lanes at a time (most
of their time is waiting on the docs' sleeps and timeouts); the two that use the same fixed
container name ("my-sandbox") are in the same lane, one after the other. Eight at once was
too many for Podman on a loaded 2-core machine (it stopped answering /_ping for 30 s)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import pocketdock

HERE = Path(__file__).parent / "migration"
PROGRAMS = sorted(p.name for p in HERE.glob("*.py"))
# containers.py and persistence.py both create, shut down and destroy "my-sandbox".
LANES = [
    ["containers.py", "persistence.py", "commands.py", "async_guide.py"],
    ["sessions.py", "profiles_projects.py", "files.py", "quickstart.py"],
]
assert sorted(p for lane in LANES for p in lane) == PROGRAMS

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


def _run(program: str, base: Path) -> tuple[int, str, str]:
    proc, created = _start(program, base)
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
    return (proc.returncode, out, err)


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, tuple[int, str, str]]]:
    results: dict[str, tuple[int, str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(len(LANES)) as pool:

        def lane(programs: list[str]) -> None:
            for program in programs:
                results[program] = _run(program, Path(tmp))

        for f in [pool.submit(lane, programs) for programs in LANES]:
            f.result()
        yield results


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_runs_unchanged(program: str, outcomes: dict[str, tuple[int, str, str]]) -> None:
    code, out, err = outcomes[program]
    assert code == 0, out + err
    for expected in EXPECT.get(program, []):
        assert expected in out, (expected, out, err)

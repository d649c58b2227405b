"""Programs written against pocketdock 1.2.6's documented API (its README and docs examples,
tests/migration/*.py) run unchanged against this package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import pocketdock

HERE = Path(__file__).parent / "migration"
PROGRAMS = sorted(p.name for p in HERE.glob("*.py"))

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


@pytest.mark.parametrize("program", PROGRAMS)
def test_program_runs_unchanged(program: str, tmp_path: Path) -> None:
    (tmp_path / "local_script.py").write_text("print('print-from-script')\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('main')\n")
    created = tmp_path / "created.txt"
    created.touch()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE / "harness"), env.get("PYTHONPATH", "")])
    env["PDPY_CREATED"] = str(created)
    try:
        proc = subprocess.run(
            [sys.executable, str(HERE / program)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    finally:
        for name in created.read_text().split():
            try:
                pocketdock.destroy_container(name)
            except pocketdock.ContainerNotFound:
                pass
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for expected in EXPECT.get(program, []):
        assert expected in proc.stdout, (expected, proc.stdout, proc.stderr)

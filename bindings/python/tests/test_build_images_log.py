"""build_profile (a small context), image helpers, the library's log records."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

import pocketdock
from conftest import unique
from pocketdock import Container


def test_build_profile_and_failure(tmp_path: Path, make: Callable[..., Container]) -> None:
    (tmp_path / "Dockerfile").write_text("FROM pocketdock/minimal-python\nRUN echo built > /tmp/built\n")
    tag = f"localhost/pdpy-build:{unique('t')}"
    lines: list[str] = []
    try:
        image_id = pocketdock.build_profile("minimal-python", context_dir=str(tmp_path), tag=tag,
                                            on_progress=lines.append)
        assert image_id
        assert lines
        assert pocketdock.image_exists(tag)
        c = make(image=tag)
        assert c.read_file("/tmp/built") == b"built\n"
        c.shutdown()
    finally:
        if pocketdock.image_exists(tag):
            pocketdock.remove_image(tag, force=True)
    (tmp_path / "Dockerfile").write_text("FROM pocketdock/minimal-python\nRUN exit 3\n")
    with pytest.raises(pocketdock.BuildFailed):
        pocketdock.build_profile("minimal-python", context_dir=str(tmp_path), tag=tag)
    with pytest.raises(pocketdock.ImageNotFound):
        pocketdock.remove_image(f"localhost/pdpy-none:{unique('t')}")


def test_library_log_records(caplog: pytest.LogCaptureFixture, make: Callable[..., Container]) -> None:
    caplog.set_level(logging.DEBUG, logger="pocketdock.lib")
    pocketdock.set_log_level(logging.DEBUG)
    try:
        c = make()
        c.run("true")
    finally:
        pocketdock.set_log_level(None)
    assert any(r.name == "pocketdock.lib" for r in caplog.records)

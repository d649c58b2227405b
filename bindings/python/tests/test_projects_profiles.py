"""Projects, doctor, profiles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import pocketdock
import pocketdock.projects
from pocketdock import Container, DoctorReport, ProfileInfo, ProjectNotInitialized


@pytest.fixture
def in_dir(tmp_path: Path) -> Iterator[Path]:
    old = os.getcwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


def test_profiles() -> None:
    profiles = pocketdock.list_profiles()
    assert all(isinstance(p, ProfileInfo) for p in profiles)
    names = [p.name for p in profiles]
    assert "minimal-python" in names and "dev" in names
    dev = pocketdock.resolve_profile("dev")
    assert dev.image_tag == "pocketdock/dev"
    assert dev.network_default is True
    assert pocketdock.get_profile("minimal-python").image_tag == "pocketdock/minimal-python"


def test_init_and_find(in_dir: Path) -> None:
    assert pocketdock.find_project_root() is None
    root = pocketdock.init_project(project_name="my-app")
    assert root == in_dir.resolve()
    assert (root / ".pocketdock" / "pocketdock.yaml").is_file()
    nested = in_dir / "a" / "b"
    nested.mkdir(parents=True)
    assert pocketdock.find_project_root(nested) == root
    assert pocketdock.init_project() == root  # idempotent


def test_doctor_needs_project(in_dir: Path) -> None:
    with pytest.raises(ProjectNotInitialized):
        pocketdock.doctor()


def test_persistent_container_in_project(in_dir: Path, make: Callable[..., Container]) -> None:
    pocketdock.init_project(project_name="pdpy-doc")
    c = make(persist=True)
    assert c.project == "pdpy-doc"
    assert c.data_path and Path(c.data_path).is_dir()
    assert c.run("echo logged").ok
    entries = pocketdock.projects.history(c.name)
    assert any("echo logged" in str(e.get("command")) for e in entries), entries
    assert pocketdock.projects.project_config()["project_name"] == "pdpy-doc"
    report = pocketdock.doctor()
    assert isinstance(report, DoctorReport)
    assert report.healthy >= 1
    assert c.name not in report.orphaned_containers
    name, data = c.name, c.data_path
    c.shutdown()
    pocketdock.destroy_container(name)
    assert not Path(data).exists()

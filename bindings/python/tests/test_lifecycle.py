"""info, reboot, snapshot, shutdown, persistence (persist -> resume), list, prune."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

import pocketdock
from conftest import LABELS, unique
from pocketdock import Container, ContainerInfo, ContainerListItem


def test_info(make: Callable[..., Container]) -> None:
    c = make(mem_limit="256m", ports={18000 + (hash(unique()) % 1000): 8000})
    info = c.info()
    assert isinstance(info, ContainerInfo)
    assert info.status == "running"
    assert info.id == c.container_id
    assert info.name == c.name
    assert "pocketdock/minimal-python" in info.image
    assert isinstance(info.created_at, datetime.datetime)
    assert info.uptime is not None
    assert info.memory_limit == "256.0 MB"
    assert info.memory_usage.endswith("B")
    assert list(info.ports.values()) == [8000]
    assert info.pids >= 1


def test_reboot_and_fresh(make: Callable[..., Container]) -> None:
    c = make()
    c.write_file("/tmp/keep", "x")
    old = c.container_id
    c.reboot()
    assert c.container_id == old
    assert c.read_file("/tmp/keep") == b"x"
    c.reboot(fresh=True)
    assert c.container_id != old
    with pytest.raises(FileNotFoundError):
        c.read_file("/tmp/keep")
    assert c.run("echo back").stdout == "back\n"


def test_snapshot(make: Callable[..., Container]) -> None:
    c = make()
    c.write_file("/home/sandbox/state.txt", "snap")
    tag = f"localhost/pdpy-snap:{unique('t')}"
    image_id = c.snapshot(tag)
    assert image_id
    try:
        c2 = make(image=tag)
        assert c2.read_file("/home/sandbox/state.txt") == b"snap"
        c2.shutdown()
    finally:
        pocketdock.remove_image(tag, force=True)
    assert not pocketdock.image_exists(tag)


def test_shutdown_idempotent_and_context_manager() -> None:
    with pocketdock.create_new_container(labels=LABELS) as c:
        name = c.name
        assert c.run("echo hi").ok
    c.shutdown()
    assert name not in {i.name for i in pocketdock.list_containers()}
    with pytest.raises(pocketdock.PocketDockError):
        c.run("echo gone")


def test_context_manager_shuts_down_on_exception() -> None:
    with pytest.raises(KeyError), pocketdock.create_new_container(labels=LABELS) as c:
        name = c.name
        raise KeyError
    assert name not in {i.name for i in pocketdock.list_containers()}


def test_persist_resume_keeps_state(make: Callable[..., Container]) -> None:
    name = unique()
    project = unique("proj")
    c = make(name=name, persist=True, project=project)
    c.write_file("/home/sandbox/state.txt", "kept")
    c.run("mkdir -p /home/sandbox/d && echo 1 > /home/sandbox/d/f")
    c.shutdown()
    items = pocketdock.list_containers(project=project)
    assert [i.name for i in items] == [name]
    assert isinstance(items[0], ContainerListItem)
    assert items[0].persist and items[0].project == project and items[0].status != "running"
    again = pocketdock.resume_container(name)
    try:
        assert again.read_file("/home/sandbox/state.txt") == b"kept"
        assert again.run("cat /home/sandbox/d/f").stdout == "1\n"
        pocketdock.stop_container(name)
        assert pocketdock.list_containers(project=project)[0].status != "running"
    finally:
        pocketdock.destroy_container(name)
    assert pocketdock.list_containers(project=project) == []


def test_prune_by_project(make: Callable[..., Container]) -> None:
    project = unique("proj")
    other = unique("proj")
    stopped = make(persist=True, project=project)
    running = make(project=project)
    kept = make(persist=True, project=other)
    stopped.shutdown()
    kept.shutdown()
    assert pocketdock.prune(project=project) == 1
    names = {i.name for i in pocketdock.list_containers(project=project)}
    assert names == {running.name}
    assert {i.name for i in pocketdock.list_containers(project=other)} == {kept.name}


def test_open_container_by_id(make: Callable[..., Container]) -> None:
    c = make()
    other = pocketdock.open_container(c.container_id)
    assert other.name == c.name
    assert not other.persist
    assert other.run("echo via-id").stdout == "via-id\n"
    other.close()


def test_strict_preset(make: Callable[..., Container]) -> None:
    c = make(strict=True)
    assert c.run("id -u").stdout.strip() != "0"
    assert c.run("touch /etc/x").exit_code != 0
    assert c.run("touch /tmp/x && echo ok").stdout == "ok\n"

"""The error hierarchy and what raises what."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

import pocketdock
from conftest import LABELS, unique
from pocketdock import errors
from pocketdock.errors import (
    ContainerError,
    ContainerNotFound,
    ImageNotFound,
    PocketDockError,
    PodmanNotRunning,
    SocketConnectionError,
    SocketError,
)


def test_hierarchy() -> None:
    assert issubclass(SocketConnectionError, SocketError)
    assert issubclass(PodmanNotRunning, SocketError)
    assert issubclass(errors.SocketCommunicationError, SocketError)
    for cls in (errors.ContainerNotFound, errors.ContainerNotRunning, errors.ContainerGone):
        assert issubclass(cls, ContainerError)
    for cls in (SocketError, ContainerError, ImageNotFound, errors.SessionClosed, errors.ProjectNotInitialized):
        assert issubclass(cls, PocketDockError)
    assert issubclass(errors.InvalidArgument, ValueError)
    assert issubclass(errors.InvalidState, RuntimeError)
    assert issubclass(errors.PocketDockTimeout, asyncio.TimeoutError)
    assert str(ContainerNotFound("abc")) == "Container abc: not found"
    assert str(ImageNotFound("img")) == "Image not found: img"
    assert set(errors.__all__) <= set(pocketdock.__all__)


def test_image_not_found() -> None:
    with pytest.raises(ImageNotFound) as e:
        pocketdock.create_new_container(image="pocketdock/no-such-image:nope", labels=LABELS)
    assert e.value.image == "pocketdock/no-such-image:nope"
    assert e.value.code == pocketdock._decls.PD_ERR_IMAGE_NOT_FOUND


def test_container_not_found() -> None:
    with pytest.raises(ContainerNotFound):
        pocketdock.resume_container(unique("missing"))
    with pytest.raises(ContainerNotFound):
        pocketdock.stop_container(unique("missing"))
    with pytest.raises(ContainerNotFound):
        pocketdock.destroy_container(unique("missing"))
    with pytest.raises(ContainerNotFound):
        pocketdock.open_container(unique("missing"))


def test_value_errors() -> None:
    with pytest.raises(ValueError, match="minimal-python"):
        pocketdock.create_new_container(profile="nope")
    with pytest.raises(ValueError):
        pocketdock.create_new_container(mem_limit="lots", labels=LABELS)
    with pytest.raises(ValueError):
        pocketdock.resolve_profile("nope")


def test_no_engine_at_socket() -> None:
    with pytest.raises(SocketConnectionError) as e:
        pocketdock.list_containers(socket_path="/nonexistent/engine.sock")
    assert e.value.socket_path == "/nonexistent/engine.sock"
    assert isinstance(e.value, SocketError)


def test_name_conflict(make: Callable[..., pocketdock.Container]) -> None:
    c = make()
    with pytest.raises(errors.NameConflict):
        make(name=c.name)


def test_run_after_removal_is_a_container_error(make: Callable[..., pocketdock.Container]) -> None:
    c = make()
    pocketdock.destroy_container(c.name)
    with pytest.raises(ContainerError):
        c.run("echo x")

"""The exception hierarchy of pocketdock 1.2.6, plus the errors this library adds.

Every exception raised for a failed library call carries ``code`` (the C ABI's
``pd_status``), ``engine_status`` (the engine's HTTP status, or 0) and ``detail`` (the
library's message, which says what happened and why).
"""

from __future__ import annotations

import sys
from typing import Any

from pocketdock import _decls as d


class PocketDockError(Exception):
    """Base exception for all pocketdock errors."""

    code: int = 0
    engine_status: int = 0
    detail: str = ""


class SocketError(PocketDockError):
    """Error related to communication with the container engine."""


class SocketConnectionError(SocketError):
    """Cannot connect to the container engine socket."""

    def __init__(self, socket_path: str, detail: str = "") -> None:
        self.socket_path = socket_path
        self.detail = detail
        msg = f"Cannot connect to socket at {socket_path}"
        if detail:
            msg = f"{msg}: {detail}"
        super().__init__(msg)


class SocketCommunicationError(SocketError):
    """The engine answered with an error (or the exchange with it failed)."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        msg = "Socket communication error"
        if detail:
            msg = f"{msg}: {detail}"
        super().__init__(msg)


class PodmanNotRunning(SocketError):
    """No container engine found."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        if sys.platform == "darwin":
            hint = "Try: podman machine start  OR  open Docker Desktop"
        else:
            hint = "Try: systemctl --user start podman.socket"
        msg = f"No container engine socket found. Is Podman or Docker running? {hint}"
        if detail:
            msg = f"{msg}\n{detail}"
        super().__init__(msg)


class ContainerError(PocketDockError):
    """Error related to a specific container."""

    def __init__(self, container_id: str, detail: str = "") -> None:
        self.container_id = container_id
        msg = f"Container {container_id}"
        if detail:
            msg = f"{msg}: {detail}"
        super().__init__(msg)


class ContainerNotFound(ContainerError):
    """The container does not exist."""

    def __init__(self, container_id: str) -> None:
        super().__init__(container_id, "not found")


class ContainerNotRunning(ContainerError):
    """The container exists but is not running."""

    def __init__(self, container_id: str) -> None:
        super().__init__(container_id, "is not running")


class ContainerGone(ContainerError):
    """The container was removed (by someone else) while a handle was open on it."""

    def __init__(self, container_id: str) -> None:
        super().__init__(container_id, "was removed externally")


class ImageNotFound(PocketDockError):
    """The image does not exist locally (pocketdock never pulls)."""

    def __init__(self, image: str) -> None:
        self.image = image
        super().__init__(f"Image not found: {image}")


class SessionClosed(PocketDockError):
    """Operation attempted on a closed session."""


class ProjectNotInitialized(PocketDockError):
    """No .pocketdock/ project directory found."""

    def __init__(self) -> None:
        super().__init__("No .pocketdock/ project directory found. Run `pocketdock init` first.")


# Additions (not in 1.2.6): each also subclasses the builtin a 1.2.6 caller would catch.


class InvalidArgument(PocketDockError, ValueError):
    """An argument the library refused (1.2.6 raised ValueError for these)."""


class InvalidState(PocketDockError, RuntimeError):
    """The call is not possible now (e.g. a concurrent send_and_wait, a forked child)."""


class NameConflict(ContainerError):
    """A container of that name exists already (the name is the engine's name too)."""

    def __init__(self, name: str) -> None:
        super().__init__(name, "name already in use")


class BuildFailed(PocketDockError):
    """An image build step failed (1.2.6 did not notice failures reported in the stream)."""


if sys.version_info >= (3, 11):

    class PocketDockTimeout(PocketDockError, TimeoutError):
        """A wait ran out of time (also an ``asyncio.TimeoutError``)."""

else:  # asyncio.TimeoutError is a class of its own before 3.11: 1.2.6 raised that one
    import asyncio

    class PocketDockTimeout(PocketDockError, TimeoutError, asyncio.TimeoutError):
        """A wait ran out of time (also an ``asyncio.TimeoutError``)."""


class InternalError(PocketDockError):
    """A bug in pocketdock (an internal error or a caught panic)."""


def _named(context: dict[str, Any], *keys: str) -> str:
    for key in keys:
        if context.get(key):
            return str(context[key])
    return ""


def from_status(code: int, message: str, engine_status: int, **context: Any) -> Exception:
    """The exception for a failed call; ``context`` says what it was about."""
    exc: Exception
    container = _named(context, "container", "name")
    if code == d.PD_ERR_ENGINE_NOT_FOUND:
        socket = context.get("socket_path")
        exc = SocketConnectionError(socket, message) if socket else PodmanNotRunning(message)
    elif code == d.PD_ERR_CONTAINER_NOT_FOUND:
        exc = ContainerNotFound(container or message)
    elif code == d.PD_ERR_CONTAINER_NOT_RUNNING:
        exc = ContainerNotRunning(container or message)
    elif code == d.PD_ERR_CONTAINER_GONE:
        exc = ContainerGone(container or message)
    elif code == d.PD_ERR_IMAGE_NOT_FOUND:
        exc = ImageNotFound(_named(context, "image") or message)
    elif code == d.PD_ERR_NAME_CONFLICT:
        exc = NameConflict(container or message)
    elif code == d.PD_ERR_FILE_NOT_FOUND:
        if context.get("project"):
            exc = ProjectNotInitialized()
        else:
            exc = FileNotFoundError(2, message, _named(context, "path") or None)
    elif code == d.PD_ERR_INVALID_ARGUMENT:
        exc = InvalidArgument(message)
    elif code == d.PD_ERR_INVALID_STATE:
        exc = InvalidState(message)
    elif code == d.PD_ERR_TIMEOUT:
        exc = PocketDockTimeout(message)
    elif code == d.PD_ERR_BUILD_FAILED:
        exc = BuildFailed(message)
    elif code in (d.PD_ERR_INTERNAL, d.PD_ERR_PANIC):
        exc = InternalError(message)
    else:  # PD_ERR_ENGINE, PD_ERR_IO and any code a newer library adds
        exc = SocketCommunicationError(message)
    if isinstance(exc, PocketDockError):
        exc.code = code
        exc.engine_status = engine_status
        exc.detail = message
        if message and message not in str(exc):
            exc.args = (f"{exc.args[0]}: {message}" if exc.args else message,)
    return exc


__all__ = [
    "BuildFailed",
    "ContainerError",
    "ContainerGone",
    "ContainerNotFound",
    "ContainerNotRunning",
    "ImageNotFound",
    "InternalError",
    "InvalidArgument",
    "InvalidState",
    "NameConflict",
    "PocketDockError",
    "PocketDockTimeout",
    "PodmanNotRunning",
    "ProjectNotInitialized",
    "SessionClosed",
    "SocketCommunicationError",
    "SocketConnectionError",
    "SocketError",
]

"""pocketdock: container sandboxes over libpocketdock, with the API of pocketdock 1.2.6.

    from pocketdock import create_new_container

    with create_new_container() as c:
        print(c.run("echo hello").stdout)

The async API is ``pocketdock.async_``. Differences from 1.2.6: docs/python-differences.md.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from pocketdock._client import Client, EngineInfo
from pocketdock._container import Container
from pocketdock._create import create_new_container, open_container
from pocketdock._lib import LIB_PATH, cstr, lib
from pocketdock._log import set_log_level
from pocketdock._pool import ContainerPool, EngineSet, PoolStats
from pocketdock._process import ExecStream, Process
from pocketdock._session import Session
from pocketdock.errors import (
    BuildFailed,
    ContainerError,
    ContainerGone,
    ContainerNotFound,
    ContainerNotRunning,
    ImageNotFound,
    InternalError,
    InvalidArgument,
    InvalidState,
    NameConflict,
    PocketDockError,
    PocketDockTimeout,
    PodmanNotRunning,
    ProjectNotInitialized,
    SessionClosed,
    SocketCommunicationError,
    SocketConnectionError,
    SocketError,
)
from pocketdock.images import export_images, image_exists, import_images, remove_image
from pocketdock.persistence import destroy_container, list_containers, prune, resume_container, stop_container
from pocketdock.profiles import ProfileInfo, build_profile, get_profile, list_profiles, resolve_profile
from pocketdock.projects import doctor, find_project_root, init_project
from pocketdock.types import (
    BufferSnapshot,
    ContainerInfo,
    ContainerListItem,
    DoctorReport,
    ExecResult,
    ProcessEntry,
    StreamChunk,
)

try:
    __version__ = _metadata.version("pocketdock")
except _metadata.PackageNotFoundError:  # running from a checkout
    __version__ = cstr(lib.pd_version())

# 1.2.6's names for the sync handles.
SyncExecStream = ExecStream
SyncProcess = Process
SyncSession = Session


def get_version() -> str:
    """The pocketdock package version string."""
    return __version__


def library_version() -> str:
    """Addition: the version of the libpocketdock in use (and ``LIB_PATH``, where it is)."""
    return cstr(lib.pd_version())


__all__ = [
    "LIB_PATH",
    "BufferSnapshot",
    "BuildFailed",
    "Client",
    "Container",
    "ContainerError",
    "ContainerGone",
    "ContainerInfo",
    "ContainerListItem",
    "ContainerNotFound",
    "ContainerPool",
    "EngineSet",
    "ContainerNotRunning",
    "DoctorReport",
    "EngineInfo",
    "ExecResult",
    "ExecStream",
    "ImageNotFound",
    "InternalError",
    "InvalidArgument",
    "InvalidState",
    "NameConflict",
    "PocketDockError",
    "PocketDockTimeout",
    "PodmanNotRunning",
    "PoolStats",
    "Process",
    "ProcessEntry",
    "ProfileInfo",
    "ProjectNotInitialized",
    "Session",
    "SessionClosed",
    "SocketCommunicationError",
    "SocketConnectionError",
    "SocketError",
    "StreamChunk",
    "SyncExecStream",
    "SyncProcess",
    "SyncSession",
    "__version__",
    "build_profile",
    "create_new_container",
    "destroy_container",
    "doctor",
    "export_images",
    "find_project_root",
    "get_profile",
    "get_version",
    "image_exists",
    "import_images",
    "init_project",
    "library_version",
    "list_containers",
    "list_profiles",
    "open_container",
    "prune",
    "remove_image",
    "resolve_profile",
    "resume_container",
    "set_log_level",
    "stop_container",
]

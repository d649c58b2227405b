"""Managing containers by name: resume, stop, destroy, list, prune."""

from __future__ import annotations

import contextlib
import ctypes
import shutil

from pocketdock._client import Client, get_client
from pocketdock._container import Container
from pocketdock._lib import call, cstr, enc, lib
from pocketdock.types import ContainerListItem


def resume_container(name: str, *, socket_path: str | None = None, timeout: float = 30) -> Container:
    """Starts the stopped (persistent) container ``name``, or takes the running one."""
    cl = get_client(socket_path)
    out = ctypes.c_void_p()
    call("pd_container_resume", cl.handle, enc(name), ctypes.byref(out), container=name, socket_path=socket_path)
    project = next((i.project for i in list_containers(socket_path=socket_path) if i.name == name), "")
    return Container(out, cl, persist=True, project=project, timeout=timeout)


def stop_container(name: str, *, socket_path: str | None = None) -> None:
    """Stops container ``name`` and keeps it."""
    call("pd_container_stop_by_name", get_client(socket_path).handle, enc(name), container=name,
         socket_path=socket_path)


def destroy_container(name: str, *, socket_path: str | None = None) -> None:
    """Removes container ``name`` at once, and its instance directory if it has one."""
    cl = get_client(socket_path)
    instance_dir = ""
    with contextlib.suppress(Exception):
        out = ctypes.c_void_p()
        call("pd_container_open", cl.handle, enc(name), ctypes.byref(out), container=name)
        c = Container(out, cl, persist=True, project=None)
        instance_dir = c.data_path
        c.close()
    call("pd_container_destroy", cl.handle, enc(name), container=name, socket_path=socket_path)
    if instance_dir:
        shutil.rmtree(instance_dir, ignore_errors=True)


def list_containers(*, socket_path: str | None = None, project: str | None = None,
                    client: Client | None = None) -> list[ContainerListItem]:
    """pocketdock's containers (running or stopped), only ``project``'s if given."""
    out = ctypes.c_void_p()
    call("pd_container_list", (client or get_client(socket_path)).handle, enc(project), ctypes.byref(out),
         socket_path=socket_path)
    try:
        items = []
        for i in range(int(lib.pd_container_list_len(out))):
            idx = ctypes.c_size_t(i)
            items.append(
                ContainerListItem(
                    id=cstr(lib.pd_container_list_id(out, idx))[:12],
                    name=cstr(lib.pd_container_list_name(out, idx)),
                    status=cstr(lib.pd_container_list_status(out, idx)) or "unknown",
                    image=cstr(lib.pd_container_list_image(out, idx)),
                    created_at=cstr(lib.pd_container_list_created_at(out, idx)),
                    persist=bool(lib.pd_container_list_persist(out, idx)),
                    project=cstr(lib.pd_container_list_project(out, idx)),
                )
            )
        return items
    finally:
        lib.pd_container_list_free(out)


def prune(*, socket_path: str | None = None, project: str | None = None) -> int:
    """Removes every stopped pocketdock container (of ``project`` if given); how many."""
    count = ctypes.c_size_t()
    call("pd_prune", get_client(socket_path).handle, enc(project), ctypes.byref(count), socket_path=socket_path)
    return int(count.value)

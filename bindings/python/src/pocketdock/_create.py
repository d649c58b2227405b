"""``create_new_container`` and ``open_container``: the options builder from 1.2.6's
keyword arguments (plus this library's additions)."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from pocketdock._client import Client, get_client
from pocketdock._container import Container
from pocketdock._lib import call, enc, lib, ms
from pocketdock.profiles import resolve_profile
from pocketdock.projects import find_project_root

DEFAULT_IMAGE = "pocketdock/minimal-python"
DEFAULT_TIMEOUT = 30


def new_opts(  # noqa: PLR0913, PLR0912, C901
    *,
    image: str = DEFAULT_IMAGE,
    name: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    mem_limit: str | None = None,
    cpu_percent: int | None = None,
    persist: bool = False,
    volumes: Mapping[str, str] | None = None,
    project: str | None = None,
    profile: str | None = None,
    devices: Sequence[str] | None = None,
    ports: Mapping[int, int] | None = None,
    # Additions (keyword-only, all optional):
    network: bool | None = None,
    strict: bool = False,
    agent: bool = True,
    read_only: bool | None = None,
    env: Mapping[str, str] | None = None,
    workdir: str | None = None,
    user: str | None = None,
    labels: Mapping[str, str] | None = None,
    ttl: float | None = None,
    tmpfs: Mapping[str, str | None] | None = None,
    cap_drop_all: bool | None = None,
    no_new_privileges: bool | None = None,
    pids_limit: int | None = None,
    root: Path | None = None,
) -> ctypes.c_void_p:
    """A ``pd_container_opts`` filled from ``create_new_container``'s keywords (and the
    project at ``root``); the caller frees it."""
    if profile is not None:
        resolve_profile(profile)  # unknown -> ValueError, as in 1.2.6
    opts = lib.pd_container_opts_new()
    if not opts:
        raise MemoryError
    try:
        # The project's settings first, so the arguments below override them.
        if root is not None:
            call("pd_container_opts_set_project_dir", opts, enc(str(root)))
        if profile is not None:
            call("pd_container_opts_set_profile", opts, enc(profile))
        if image != DEFAULT_IMAGE or (profile is None and root is None):
            call("pd_container_opts_set_image", opts, enc(image))
        if name is not None:
            call("pd_container_opts_set_name", opts, enc(name))
        call("pd_container_opts_set_timeout_ms", opts, ctypes.c_int64(ms(timeout) if timeout else -1))
        if mem_limit is not None:
            call("pd_container_opts_set_mem_limit", opts, enc(str(mem_limit)))
        if cpu_percent is not None:
            call("pd_container_opts_set_cpu_percent", opts, ctypes.c_uint32(int(cpu_percent)))
        call("pd_container_opts_set_persist", opts, ctypes.c_bool(persist))
        if project is not None:
            call("pd_container_opts_set_project", opts, enc(project))
        for host, inside in (volumes or {}).items():
            call("pd_container_opts_add_volume", opts, enc(os.path.abspath(host)), enc(inside), ctypes.c_bool(False))
        for dev in devices or []:
            call("pd_container_opts_add_device", opts, enc(dev))
        for host_port, container_port in (ports or {}).items():
            call("pd_container_opts_add_port", opts, ctypes.c_uint16(int(host_port)),
                 ctypes.c_uint16(int(container_port)), None)
        if strict:
            call("pd_container_opts_use_strict", opts)
        if network is not None:
            call("pd_container_opts_set_network", opts, ctypes.c_bool(network))
        if not agent:
            call("pd_container_opts_set_agent", opts, ctypes.c_bool(False))
        if read_only is not None:
            call("pd_container_opts_set_read_only", opts, ctypes.c_bool(read_only))
        for key, value in (env or {}).items():
            call("pd_container_opts_add_env", opts, enc(key), enc(value))
        if workdir is not None:
            call("pd_container_opts_set_workdir", opts, enc(workdir))
        if user is not None:
            call("pd_container_opts_set_user", opts, enc(user))
        for key, value in (labels or {}).items():
            call("pd_container_opts_add_label", opts, enc(key), enc(value))
        for path, mount_opts in (tmpfs or {}).items():
            call("pd_container_opts_add_tmpfs", opts, enc(path), enc(mount_opts))
        if cap_drop_all is not None:
            call("pd_container_opts_set_cap_drop_all", opts, ctypes.c_bool(cap_drop_all))
        if no_new_privileges is not None:
            call("pd_container_opts_set_no_new_privileges", opts, ctypes.c_bool(no_new_privileges))
        if pids_limit is not None:
            call("pd_container_opts_set_pids_limit", opts, ctypes.c_int64(pids_limit))
        if ttl is not None:
            call("pd_container_opts_set_ttl_ms", opts, ctypes.c_int64(ms(ttl) if ttl > 0 else 0))
    except BaseException:
        lib.pd_container_opts_free(opts)
        raise
    return ctypes.c_void_p(opts)


def create_new_container(  # noqa: PLR0913
    *,
    image: str = DEFAULT_IMAGE,
    name: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    mem_limit: str | None = None,
    cpu_percent: int | None = None,
    persist: bool = False,
    volumes: Mapping[str, str] | None = None,
    project: str | None = None,
    profile: str | None = None,
    devices: Sequence[str] | None = None,
    ports: Mapping[int, int] | None = None,
    # Additions (keyword-only, all optional):
    network: bool | None = None,
    strict: bool = False,
    agent: bool = True,
    read_only: bool | None = None,
    env: Mapping[str, str] | None = None,
    workdir: str | None = None,
    user: str | None = None,
    labels: Mapping[str, str] | None = None,
    ttl: float | None = None,
    tmpfs: Mapping[str, str | None] | None = None,
    cap_drop_all: bool | None = None,
    no_new_privileges: bool | None = None,
    pids_limit: int | None = None,
    socket_path: str | None = None,
    client: Client | None = None,
) -> Container:
    """Creates and starts a sandbox; returns its sync handle. Arguments as in 1.2.6; the
    additions are documented in docs/python.md."""
    cl = client or get_client(socket_path)
    # A persistent sandbox inside a project gets an instance dir.
    root = find_project_root() if persist else None
    opts = new_opts(
        image=image, name=name, timeout=timeout, mem_limit=mem_limit, cpu_percent=cpu_percent,
        persist=persist, volumes=volumes, project=project, profile=profile, devices=devices,
        ports=ports, network=network, strict=strict, agent=agent, read_only=read_only, env=env,
        workdir=workdir, user=user, labels=labels, ttl=ttl, tmpfs=tmpfs, cap_drop_all=cap_drop_all,
        no_new_privileges=no_new_privileges, pids_limit=pids_limit, root=root,
    )
    try:
        out = ctypes.c_void_p()
        call("pd_container_create", cl.handle, opts, ctypes.byref(out), image=image, name=name)
    finally:
        lib.pd_container_opts_free(opts)
    proj = project
    if proj is None and root is not None:
        from pocketdock.projects import get_project_name  # noqa: PLC0415

        proj = get_project_name(Path(root))
    return Container(out, cl, persist=persist, project=proj)


def open_container(name_or_id: str, *, socket_path: str | None = None, client: Client | None = None) -> Container:
    """Addition: a handle on an existing container by name or id (re-attach, e.g. from
    another process), without starting it. ``ContainerNotFound`` if there is none."""
    cl = client or get_client(socket_path)
    out = ctypes.c_void_p()
    call("pd_container_open", cl.handle, enc(name_or_id), ctypes.byref(out), container=name_or_id)
    c = Container(out, cl, persist=True, project=None)  # not shut down at exit: not made here
    from pocketdock.persistence import list_containers  # noqa: PLC0415

    item = next((i for i in list_containers(client=cl) if i.name == c.name), None)
    if item is not None:
        c._persist = item.persist  # noqa: SLF001
        c._project = item.project  # noqa: SLF001
    return c

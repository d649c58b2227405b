"""Projects (``.pocketdock/pocketdock.yaml``) and ``doctor``."""

from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path
from typing import Any

from pocketdock._lib import Err, call, check, enc, lib, take_error, take_string
from pocketdock.types import DoctorReport


def find_project_root(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The nearest directory at or above ``start`` (default: cwd) that is a project."""
    out = ctypes.c_void_p()
    err = Err()
    status = int(lib.pd_project_find_root(enc(os.path.abspath(start or os.getcwd())), ctypes.byref(out), err.ref))
    if status != 0:
        take_error(err)
        return None
    return Path(take_string(out.value))


def init_project(path: str | os.PathLike[str] | None = None, *, project_name: str | None = None) -> Path:
    """Makes ``path`` (default: cwd) a project; an existing config is kept. Its root."""
    out = ctypes.c_void_p()
    call("pd_project_init", enc(os.path.abspath(path or os.getcwd())), enc(project_name), ctypes.byref(out),
         path=str(path))
    return Path(take_string(out.value))


def project_config(start: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Addition: the merged settings of the project at or above ``start``."""
    out = ctypes.c_void_p()
    call("pd_project_config_json", enc(os.path.abspath(start or os.getcwd())), ctypes.byref(out), project=True)
    result: dict[str, Any] = json.loads(take_string(out.value))
    return result


def get_project_name(root: str | os.PathLike[str]) -> str:
    """The project's ``project_name``, else its directory's name."""
    try:
        name = project_config(root).get("project_name")
    except Exception:  # noqa: BLE001 (1.2.6: an unreadable config means the dir name)
        name = None
    return str(name) if name else Path(root).name


def list_instance_dirs(root: str | os.PathLike[str]) -> list[str]:
    """Names of the instance directories of the project at ``root``."""
    base = Path(root) / ".pocketdock" / "instances"
    return sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


def history(instance: str, start: str | os.PathLike[str] | None = None) -> list[dict[str, Any]]:
    """Addition: the run history of ``instance`` in the project at or above ``start``."""
    out = ctypes.c_void_p()
    call("pd_project_history_json", enc(os.path.abspath(start or os.getcwd())), enc(instance),
         ctypes.byref(out), project=True)
    entries: list[dict[str, Any]] = json.loads(take_string(out.value))
    return entries


def doctor_json(project_root: str | os.PathLike[str] | None, *, fix: bool = False,
                socket_path: str | None = None) -> dict[str, Any]:
    """Addition: the library's full report (crashed clients too; ``fix`` repairs)."""
    from pocketdock._client import get_client  # noqa: PLC0415

    out = ctypes.c_void_p()
    err = Err()
    root = enc(os.fspath(project_root)) if project_root is not None else None
    status = int(lib.pd_doctor(get_client(socket_path).handle, root, ctypes.c_bool(fix), ctypes.byref(out), err.ref))
    check(status, err, project=True, socket_path=socket_path)
    report: dict[str, Any] = json.loads(take_string(out.value))
    return report


def doctor(*, project_root: str | os.PathLike[str] | None = None, socket_path: str | None = None) -> DoctorReport:
    """Cross-references the project's instance dirs with its containers (report only).
    ``ProjectNotInitialized`` outside a project."""
    from pocketdock.errors import ProjectNotInitialized  # noqa: PLC0415

    root = Path(project_root) if project_root is not None else find_project_root()
    if root is None or not (root / ".pocketdock" / "pocketdock.yaml").is_file():
        raise ProjectNotInitialized
    report = doctor_json(root, socket_path=socket_path)
    orphans = tuple(sorted(str(o.get("name", "")) for o in report.get("orphans", [])))
    stale = tuple(sorted(str(s.get("name", "")) for s in report.get("stale_dirs", [])))
    healthy = len(set(list_instance_dirs(root)) - set(stale))
    return DoctorReport(orphaned_containers=orphans, stale_instance_dirs=stale, healthy=healthy)

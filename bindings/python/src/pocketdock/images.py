"""Images (additions): export to / import from an archive, remove, exists."""

from __future__ import annotations

import ctypes
import json
import os
from collections.abc import Sequence

from pocketdock._client import get_client
from pocketdock._lib import argv_array, call, enc, take_string


def export_images(images: Sequence[str], file: str | os.PathLike[str], *, socket_path: str | None = None) -> None:
    """Writes ``images`` into one archive at ``file`` (gzip when it ends in .gz)."""
    arr, n = argv_array(list(images))
    call("pd_image_export", get_client(socket_path).handle, arr, ctypes.c_size_t(n), enc(file),
         image=",".join(images))


def import_images(file: str | os.PathLike[str], *, socket_path: str | None = None) -> list[str]:
    """Loads the images of the archive at ``file``; their names."""
    out = ctypes.c_void_p()
    call("pd_image_import", get_client(socket_path).handle, enc(file), ctypes.byref(out), path=os.fspath(file))
    names: list[str] = json.loads(take_string(out.value) or "[]")
    return names


def remove_image(image: str, *, force: bool = False, socket_path: str | None = None) -> None:
    """Removes ``image`` (``ImageNotFound`` if there is none)."""
    call("pd_image_remove", get_client(socket_path).handle, enc(image), ctypes.c_bool(force), image=image)


def image_exists(image: str, *, socket_path: str | None = None) -> bool:
    """Whether ``image`` is present on the engine."""
    found = ctypes.c_bool()
    call("pd_image_exists", get_client(socket_path).handle, enc(image), ctypes.byref(found), image=image)
    return bool(found.value)

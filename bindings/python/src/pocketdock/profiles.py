"""Image profiles: the library's registry, in 1.2.6's ``ProfileInfo`` shape."""

from __future__ import annotations

import ctypes
import dataclasses
from collections.abc import Callable

from pocketdock._lib import Err, call, check, cstr, enc, lib, take_string


@dataclasses.dataclass(frozen=True)
class ProfileInfo:
    """Metadata for a built-in image profile."""

    name: str
    image_tag: str
    dockerfile_dir: str
    network_default: bool
    description: str
    size_estimate: str


def _profile(index: int) -> ProfileInfo:
    name = cstr(lib.pd_profile_name(ctypes.c_size_t(index)))
    return ProfileInfo(
        name=name,
        image_tag=cstr(lib.pd_profile_image(ctypes.c_size_t(index))),
        # The Dockerfiles are compiled into the library (build_profile uses them).
        dockerfile_dir=f"_images/{name}",
        network_default=bool(lib.pd_profile_network(ctypes.c_size_t(index))),
        description=cstr(lib.pd_profile_description(ctypes.c_size_t(index))),
        size_estimate=cstr(lib.pd_profile_size(ctypes.c_size_t(index))),
    )


def list_profiles() -> list[ProfileInfo]:
    """All built-in profiles, in a stable order."""
    return [_profile(i) for i in range(int(lib.pd_profile_count()))]


def resolve_profile(name: str) -> ProfileInfo:
    """The profile called ``name``; ``ValueError`` (InvalidArgument) naming the known ones."""
    index = ctypes.c_size_t()
    err = Err()
    check(int(lib.pd_profile_resolve(enc(name), ctypes.byref(index), err.ref)), err)
    return _profile(index.value)


get_profile = resolve_profile


def build_profile(  # noqa: PLR0913
    name: str,
    *,
    base: str | None = None,
    context_dir: str | None = None,
    tag: str | None = None,
    no_cache: bool = False,
    on_progress: Callable[[str], object] | None = None,
    socket_path: str | None = None,
) -> str:
    """Addition: builds profile ``name``'s image on the engine; returns the image id.
    ``on_progress(line)`` gets each progress line. A failing step raises ``BuildFailed``."""
    from pocketdock import _callbacks  # noqa: PLC0415
    from pocketdock._client import get_client  # noqa: PLC0415

    opts = lib.pd_build_opts_new()
    if not opts:
        raise MemoryError
    try:
        if base is not None:
            call("pd_build_opts_set_base", opts, enc(base))
        if context_dir is not None:
            call("pd_build_opts_set_context_dir", opts, enc(context_dir))
        if tag is not None:
            call("pd_build_opts_set_tag", opts, enc(tag))
        if no_cache:
            call("pd_build_opts_set_no_cache", opts, ctypes.c_bool(True))
        progress = on_progress

        def on_line(line: str) -> None:
            if progress is not None:
                progress(line)

        _out, _exit, line_cb, token = _callbacks.register(on_line=on_line)
        image_id = ctypes.c_void_p()
        call(
            "pd_profile_build",
            get_client(socket_path).handle,
            enc(name),
            opts,
            line_cb,
            ctypes.c_void_p(token),
            _callbacks.FREE,
            ctypes.byref(image_id),
        )
        return take_string(image_id.value)
    finally:
        lib.pd_build_opts_free(opts)


def get_dockerfile_path(name: str) -> str:
    """1.2.6 returned the bundled Dockerfile directory; here the Dockerfiles are compiled
    into the library: this returns ``dockerfile_dir`` (use ``build_profile`` to build)."""
    return resolve_profile(name).dockerfile_dir

"""Engine clients: one ``pd_client`` per engine socket for the whole process.

``pd_client_open`` pings the engine once; every later call reuses the handle. The key is
the socket asked for (``socket_path=``, else ``$POCKETDOCK_SOCKET`` as it is at the call,
else discovery), so a program that points the variable elsewhere gets the other engine.
"""

from __future__ import annotations

import ctypes
import os
import threading
import weakref
from dataclasses import dataclass

from pocketdock._decls import PD_ENGINE_DOCKER, PD_ENGINE_PODMAN, PdEngineInfo
from pocketdock._lib import Err, call, check, cstr, enc, lib


@dataclass(frozen=True)
class EngineInfo:
    """What the engine said about itself (addition)."""

    kind: str  # "podman" | "docker"
    version: str
    api_version: str
    socket: str


class Client:
    """A connection to one engine (addition: ``pocketdock.Client``). The module functions
    use a shared one per socket; create one explicitly to pick the engine per call site."""

    def __init__(self, socket_path: str | None = None, *, connect_timeout: float | None = None,  # noqa: PLR0913
                 project_dir: str | None = None, host: str | None = None, tls_dir: str | None = None,
                 tls_files: tuple[str, str | None, str | None] | None = None,
                 ssh_identity: str | None = None, ssh_known_hosts: str | None = None,
                 request_timeout: float | None = None) -> None:
        """``host``: a remote engine (``tcp://HOST[:PORT]``, ``ssh://[USER@]HOST[:PORT]``) or a
        socket, instead of ``socket_path``; ``tls_dir`` (ca.pem, cert.pem, key.pem) or
        ``tls_files`` ((ca, cert, key), cert and key both or neither) for ``tcp://``;
        ``ssh_identity`` / ``ssh_known_hosts`` for ``ssh://``. Unset, the library honours
        DOCKER_HOST, CONTAINER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, CONTAINER_SSHKEY.
        ``request_timeout`` (seconds, default 120; negative: no limit; 0: ValueError from the
        library's InvalidArgument): how long the engine may stay silent on one request once
        connected; a request that runs out raises ``TimeoutError`` naming it."""
        if host is not None and socket_path is not None:
            msg = "give socket_path or host, not both"
            raise ValueError(msg)
        self.socket_path = socket_path
        self.host = host
        opts = lib.pd_client_opts_new()
        if not opts:
            raise MemoryError
        try:
            if socket_path is not None:
                call("pd_client_opts_set_socket", opts, enc(socket_path), socket_path=socket_path)
            if host is not None:
                call("pd_client_opts_set_host", opts, enc(host), socket_path=host)
            if tls_dir is not None:
                call("pd_client_opts_set_tls_dir", opts, enc(tls_dir))
            if tls_files is not None:
                ca, cert, key = tls_files
                call("pd_client_opts_set_tls_files", opts, enc(ca), enc(cert), enc(key))
            if ssh_identity is not None:
                call("pd_client_opts_set_ssh_identity", opts, enc(ssh_identity))
            if ssh_known_hosts is not None:
                call("pd_client_opts_set_ssh_known_hosts", opts, enc(ssh_known_hosts))
            if project_dir is not None:  # the project's `socket` setting, unless one is given
                call("pd_client_opts_set_project_dir", opts, enc(project_dir), project=True)
            if connect_timeout is not None:
                ms = -1 if connect_timeout < 0 else max(1, round(connect_timeout * 1000))
                call("pd_client_opts_set_connect_timeout_ms", opts, ctypes.c_int64(ms))
            if request_timeout is not None:
                ms = -1 if request_timeout < 0 else 0 if request_timeout == 0 else max(1, round(request_timeout * 1000))
                call("pd_client_opts_set_request_timeout_ms", opts, ctypes.c_int64(ms))
            handle = ctypes.c_void_p()
            err = Err()
            status = lib.pd_client_open(opts, ctypes.byref(handle), err.ref)
            check(status, err, socket_path=socket_path or host)
        finally:
            lib.pd_client_opts_free(opts)
        self._handle = handle
        self._finalizer = weakref.finalize(self, lib.pd_client_free, handle)

    @property
    def handle(self) -> ctypes.c_void_p:
        return self._handle

    def engine_info(self) -> EngineInfo:
        info = PdEngineInfo()
        call("pd_client_engine_info", self._handle, ctypes.byref(info))
        kind = {PD_ENGINE_PODMAN: "podman", PD_ENGINE_DOCKER: "docker"}.get(info.kind, "unknown")
        return EngineInfo(kind, cstr(info.version), cstr(info.api_version), cstr(info.socket))

    def close(self) -> None:
        """Frees the handle now (containers made from it stay usable)."""
        self._finalizer()


_clients: dict[str, Client] = {}
_lock = threading.Lock()


def get_client(socket_path: str | None = None) -> Client:
    """The shared client for ``socket_path`` (None: ``$POCKETDOCK_SOCKET`` or discovery)."""
    key = socket_path or os.environ.get("POCKETDOCK_SOCKET") or ""
    client = _clients.get(key)
    if client is not None:
        return client
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = Client(socket_path)
            _clients[key] = client
        return client

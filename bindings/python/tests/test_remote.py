"""Remote-engine options of Client: validated by the library, and (when scripts/remote-up
runs on this machine) a real TLS and ssh engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import pocketdock

# As the other suites: POCKETDOCK_TEST_REMOTE names scripts/remote-up's env file; scripts/test
# runs remote-up before scripts/test-python, so its default place is used when it is there.
REMOTE_ENV = Path(os.environ.get("POCKETDOCK_TEST_REMOTE") or "/run/pocketdock-remote/env")


def remote() -> dict[str, str]:
    if not REMOTE_ENV.is_file():
        pytest.skip("no remote engine (scripts/remote-up)")
    pairs = (line.split("=", 1) for line in REMOTE_ENV.read_text().splitlines() if "=" in line and line[0] != "#")
    return {k: v for k, v in pairs}


def test_bad_host_is_a_clear_error() -> None:
    with pytest.raises(pocketdock.InvalidArgument, match="ftp"):
        pocketdock.Client(host="ftp://example.com")


def test_tls_files_need_cert_and_key_together() -> None:
    with pytest.raises(pocketdock.InvalidArgument):
        pocketdock.Client(host="tcp://127.0.0.1:1", tls_files=("/nonexistent/ca.pem", "/nonexistent/cert.pem", None))


def test_a_zero_request_timeout_is_refused() -> None:
    with pytest.raises(pocketdock.InvalidArgument, match="request timeout"):
        pocketdock.Client("/run/x.sock", request_timeout=0)


def test_socket_and_host_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        pocketdock.Client("/run/x.sock", host="tcp://127.0.0.1:1")


def test_plain_tcp_to_a_remote_host_needs_tls() -> None:
    env = {k: os.environ.pop(k) for k in ("DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH") if k in os.environ}
    try:
        with pytest.raises(pocketdock.PocketDockError, match="(?i)tls"):
            pocketdock.Client(host="tcp://192.0.2.1:2376", connect_timeout=2)
    finally:
        os.environ.update(env)


def test_missing_tls_dir_is_named() -> None:
    with pytest.raises(pocketdock.PocketDockError, match="/nonexistent/certs"):
        pocketdock.Client(host="tcp://127.0.0.1:1", tls_dir="/nonexistent/certs", connect_timeout=2)


def test_tls_engine() -> None:
    r = remote()
    info = pocketdock.Client(host=r["PD_REMOTE_TLS"], tls_dir=r["PD_REMOTE_CERTS"] + "/good").engine_info()
    assert info.kind == "docker"
    assert info.socket == r["PD_REMOTE_TLS"]
    certs = r["PD_REMOTE_CERTS"]
    files = (f"{certs}/ca/ca.pem", f"{certs}/client.pem", f"{certs}/client-key.pem")
    assert pocketdock.Client(host=r["PD_REMOTE_TLS"], tls_files=files).engine_info().kind == "docker"
    # The engine's certificate checked against another CA: refused.
    with pytest.raises(pocketdock.PocketDockError):
        pocketdock.Client(host=r["PD_REMOTE_TLS"], tls_dir=certs + "/wrong-ca", connect_timeout=5)


def test_ssh_engine() -> None:
    r = remote()
    client = pocketdock.Client(host=r["PD_REMOTE_SSH"], ssh_identity=r["PD_REMOTE_SSH_KEY"],
                               ssh_known_hosts=r["PD_REMOTE_SSH_KNOWN_HOSTS"])
    assert client.engine_info().kind == "docker"

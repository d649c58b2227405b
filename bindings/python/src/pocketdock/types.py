"""Result types (frozen dataclasses), as in pocketdock 1.2.6 plus the fields this library
adds at the end (with defaults, so positional construction stays compatible)."""

from __future__ import annotations

import dataclasses
import datetime


@dataclasses.dataclass(frozen=True)
class ContainerInfo:
    """Live snapshot of a container's state and resource usage."""

    id: str
    name: str
    status: str
    image: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None = None
    uptime: datetime.timedelta | None = None
    memory_usage: str = ""
    memory_limit: str = ""
    memory_percent: float = 0.0
    cpu_percent: float = 0.0
    pids: int = 0
    network: bool = False
    ip_address: str = ""
    ports: dict[int, int] = dataclasses.field(default_factory=dict)
    processes: tuple[dict[str, str], ...] = ()
    # Additions: the raw figures behind the formatted strings.
    memory_usage_bytes: int | None = None
    memory_limit_bytes: int | None = None


@dataclasses.dataclass(frozen=True)
class ExecResult:
    """Result of executing a command inside a container."""

    exit_code: int
    stdout: str = ""
    stderr: str = ""
    duration_ms: float = 0.0
    timed_out: bool = False
    truncated: bool = False
    # Additions: per-run accounting (None when unknown: engine-exec runs).
    signal: int = 0
    oom_killed: bool = False
    cpu_user_us: int | None = None
    cpu_sys_us: int | None = None
    peak_rss_bytes: int | None = None
    stdout_bytes: bytes = dataclasses.field(default=b"", repr=False)
    stderr_bytes: bytes = dataclasses.field(default=b"", repr=False)

    @property
    def ok(self) -> bool:
        """True if the command exited with 0 (and did not time out)."""
        return self.exit_code == 0 and not self.timed_out


@dataclasses.dataclass(frozen=True)
class StreamChunk:
    """A piece of output from a streaming run."""

    stream: str  # "stdout" | "stderr"
    data: str


@dataclasses.dataclass(frozen=True)
class BufferSnapshot:
    """Output of a detached process, as read with ``read()`` or ``peek()``."""

    stdout: str
    stderr: str


@dataclasses.dataclass(frozen=True)
class ContainerListItem:
    """Summary information for a pocketdock managed container."""

    id: str
    name: str
    status: str
    image: str
    created_at: str
    persist: bool
    project: str = ""


@dataclasses.dataclass(frozen=True)
class DoctorReport:
    """Result of ``doctor``: engine containers and instance dirs cross-referenced."""

    orphaned_containers: tuple[str, ...]
    stale_instance_dirs: tuple[str, ...]
    healthy: int


@dataclasses.dataclass(frozen=True)
class ProcessEntry:
    """A detached process of a container (addition: ``Container.list_processes``)."""

    id: int
    pid: int
    running: bool
    exit_code: int | None


@dataclasses.dataclass(frozen=True)
class FileEntry:
    """An entry of ``Container.list_dir`` (addition)."""

    name: str
    kind: str  # "file" | "dir" | "symlink" | "other" | "unknown"
    size: int
    mode: int

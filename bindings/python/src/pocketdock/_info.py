"""``pd_container_info_json`` as a ``ContainerInfo`` (1.2.6's formats for the strings)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from pocketdock.types import ContainerInfo

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def format_bytes(n: int | None) -> str:
    """1.2.6's memory format: "<n> B", then "%.1f KB|MB|GB|TB" (1024-based)."""
    if n is None:
        return ""
    if n < 0:
        return "0 B"
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} TB"


def parse_time(raw: str | None) -> datetime.datetime | None:
    if not raw or raw.startswith("0001-01-01"):
        return None
    s = raw.strip().replace("Z", "+00:00")
    # Engines give nanoseconds; datetime takes microseconds.
    if "." in s:
        head, _, rest = s.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        tz = rest[len(digits) :]
        s = f"{head}.{digits[:6].ljust(6, '0')}{tz}"
    try:
        return datetime.datetime.fromisoformat(s)
    except ValueError:
        return None


def to_info(raw: str) -> ContainerInfo:
    doc: dict[str, Any] = json.loads(raw)
    ports: dict[int, int] = {}
    for p in doc.get("ports") or []:
        if p.get("host_port") and p.get("container_port"):
            ports[int(p["host_port"])] = int(p["container_port"])
    titles = [str(t) for t in doc.get("process_titles") or []]
    processes = tuple(
        {title: str(value) for title, value in zip(titles, row)} for row in doc.get("processes") or []
    )
    uptime_ms = doc.get("uptime_ms")
    running = bool(doc.get("running"))
    return ContainerInfo(
        id=str(doc.get("id", "")),
        name=str(doc.get("name", "")),
        status=str(doc.get("status") or "unknown"),
        image=str(doc.get("image", "")),
        created_at=parse_time(doc.get("created_at")) or _EPOCH,
        started_at=parse_time(doc.get("started_at")),
        uptime=datetime.timedelta(milliseconds=uptime_ms) if running and uptime_ms is not None else None,
        memory_usage=format_bytes(doc.get("memory_usage_bytes")),
        memory_limit=format_bytes(doc.get("memory_limit_bytes")),
        memory_percent=round(float(doc.get("memory_percent") or 0.0), 2),
        cpu_percent=round(float(doc.get("cpu_percent") or 0.0), 2),
        pids=int(doc.get("pids") or 0),
        network=bool(doc.get("network")),
        ip_address=str(doc.get("ip_address") or ""),
        ports=ports,
        processes=processes,
        memory_usage_bytes=doc.get("memory_usage_bytes"),
        memory_limit_bytes=doc.get("memory_limit_bytes"),
    )

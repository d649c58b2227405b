"""Hatchling hook: bundles libpocketdock.so into the wheel and tags it for this platform.

The library comes from $POCKETDOCK_LIB, else the checkout's target/release (scripts/build-c
or `cargo build --release`). The package calls it through ctypes, so one wheel serves every
Python 3 (tag py3-none-<platform>).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root).resolve().parents[1]
        lib = Path(os.environ.get("POCKETDOCK_LIB") or root / "target" / "release" / "libpocketdock.so")
        if not lib.is_file():
            msg = f"{lib} not found: build it first (scripts/build-c) or set POCKETDOCK_LIB"
            raise FileNotFoundError(msg)
        strip = shutil.which("strip")
        if strip:  # release builds carry debug info (tens of MB) a wheel does not need
            stripped = Path(tempfile.mkdtemp(prefix="pocketdock-wheel-")) / lib.name
            subprocess.run([strip, "--strip-debug", "-o", str(stripped), str(lib)], check=True)
            lib = stripped
        build_data["force_include"][str(lib)] = "pocketdock/_lib/libpocketdock.so"
        build_data["pure_python"] = False
        plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        build_data["tag"] = f"py3-none-{plat}"

"""Benchmark: this package against pocketdock 1.2.6 (from PyPI, in its own venv), in the
same run, on each engine: run("echo hello") median and p95, create+start, shutdown.

    python bench/bench.py --ref-python /path/to/ref-venv/bin/python [--runs 200] [--ref-runs 30]
        [--sockets /run/podman/podman.sock,/run/pocketdock-docker.sock]

scripts/bench-python sets up both venvs and runs it. Prints figures and ratios; asserts
nothing. Containers carry the label pocketdock.test=python-bench (the reference's carry its
own labels only; they are shut down by the measurement itself).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

# The measurement, run by each interpreter (this package's and the reference's): prints JSON.
MEASURE = r"""
import json, os, statistics, sys, time
import pocketdock
runs = int(sys.argv[1])
ours = hasattr(pocketdock, "open_container")
kw = {"labels": {"pocketdock.test": "python-bench"}} if ours else {}
t0 = time.perf_counter()
c = pocketdock.create_new_container(**kw)
create_ms = (time.perf_counter() - t0) * 1000
c.run("echo hello")  # warm-up
samples = []
for _ in range(runs):
    t = time.perf_counter()
    r = c.run("echo hello")
    samples.append((time.perf_counter() - t) * 1000)
    assert r.stdout == "hello\n", r
t0 = time.perf_counter()
c.shutdown()
shutdown_ms = (time.perf_counter() - t0) * 1000
print(json.dumps({"version": pocketdock.__version__, "create_ms": create_ms, "shutdown_ms": shutdown_ms,
                  "runs": samples, "agent": getattr(c, "uses_agent", None)}))
"""


def measure(python: str, runs: int, socket: str) -> dict[str, object]:
    env = dict(os.environ, POCKETDOCK_SOCKET=socket)
    proc = subprocess.run([python, "-c", MEASURE, str(runs)], env=env, capture_output=True, text=True,
                          check=False, timeout=900)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def p95(xs: list[float]) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(0.95 * (len(s) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref-python", required=True, help="python of a venv with pocketdock==1.2.6")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--ref-runs", type=int, default=30)
    ap.add_argument("--sockets", default="/run/podman/podman.sock,/run/pocketdock-docker.sock")
    args = ap.parse_args()
    print(f"{'engine':<8} {'package':<22} {'run median':>11} {'run p95':>9} {'create':>9} {'shutdown':>9}")
    for socket in args.sockets.split(","):
        engine = "podman" if "podman" in socket else "docker" if "docker" in socket else socket
        ours = measure(sys.executable, args.runs, socket)
        ref = measure(args.ref_python, args.ref_runs, socket)
        rows = []
        for label, m in ((f"this ({ours.get('version', '?')})", ours), (f"ref ({ref.get('version', '?')})", ref)):
            if "error" in m:
                print(f"{engine:<8} {label:<22} error: {m['error']}")
                rows.append(None)
                continue
            xs = [float(x) for x in m["runs"]]  # type: ignore[attr-defined]
            med, q95 = statistics.median(xs), p95(xs)
            rows.append((med, q95, float(m["create_ms"]), float(m["shutdown_ms"])))  # type: ignore[arg-type]
            print(f"{engine:<8} {label:<22} {med:>9.2f}ms {q95:>7.2f}ms {m['create_ms']:>7.0f}ms "
                  f"{m['shutdown_ms']:>7.0f}ms")
        if rows[0] and rows[1]:
            a, b = rows[0], rows[1]
            print(f"{engine:<8} {'ratio ref/this':<22} {b[0] / a[0]:>10.1f}x {b[1] / a[1]:>8.1f}x "
                  f"{b[2] / a[2]:>8.1f}x {b[3] / a[3]:>8.1f}x   (agent: {ours.get('agent')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Drives `pocketdock mcp` with the official MCP Python SDK (`mcp` from PyPI), over stdio and
over streamable HTTP, against the engine POCKETDOCK_SOCKET names. Run by scripts/test-mcp.

Every server started here has a name of its own (`--name mcptest-...`), which its sandboxes
carry as the label pocketdock.mcp=<name>: the checks of what exists on the engine look at that
label only, so other users of the engine are never touched or counted.
"""
import asyncio, base64, contextlib, json, os, signal, subprocess, sys, time, traceback, urllib.parse, uuid

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

BIN = os.environ["POCKETDOCK_BIN"]
SOCK = os.environ["POCKETDOCK_SOCKET"]
ENGINE = os.environ.get("ENGINE", os.path.basename(SOCK))
LOG_DIR = os.environ.get("MCP_LOG_DIR", "/tmp")
ONLY = os.environ.get("MCP_ONLY", "")

results = []


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def sandboxes(name):
    """Containers on the engine labelled pocketdock.mcp=name (names)."""
    filters = urllib.parse.quote(json.dumps({"label": [f"pocketdock.mcp={name}"]}))
    out = subprocess.run(
        ["curl", "-sf", "--unix-socket", SOCK, f"http://d/containers/json?all=1&filters={filters}"],
        capture_output=True, text=True, check=True).stdout
    return [c["Names"][0].lstrip("/") for c in json.loads(out)]


def new_name():
    return "mcptest-" + uuid.uuid4().hex[:10]


def server_args(name, *extra):
    return ["mcp", "--name", name, "--label", "pocketdock.test=mcp", "--log-file", f"{LOG_DIR}/{name}.log", *extra]


class Conn:
    """A connected SDK client session: `s`, the server's `name`, and for HTTP its `proc`."""

    def __init__(self, name, s, proc=None):
        self.name, self.s, self.proc = name, s, proc


@contextlib.asynccontextmanager
async def stdio(name, *extra):
    params = StdioServerParameters(command=BIN, args=server_args(name, *extra), env={"POCKETDOCK_SOCKET": SOCK})
    async with stdio_client(params) as (r, w), ClientSession(r, w) as s:
        await s.initialize()
        await s.list_tools()
        yield Conn(name, s)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_http(name, *extra):
    port = free_port()
    proc = subprocess.Popen([BIN, *server_args(name, "--http-port", str(port), *extra)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "POCKETDOCK_SOCKET": SOCK})
    line = proc.stderr.readline().decode()
    check("listening on" in line, f"no listening line: {line!r}")
    return proc, f"http://127.0.0.1:{port}/mcp"


@contextlib.asynccontextmanager
async def http(name, *extra, proc_url=None):
    proc, url = proc_url or start_http(name, *extra)
    try:
        async with streamable_http_client(url) as (r, w), ClientSession(r, w) as s:
            await s.initialize()
            await s.list_tools()
            yield Conn(name, s, proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


async def call(c, tool, **args):
    r = await c.s.call_tool(tool, args)
    return r


async def ok(c, tool, **args):
    r = await call(c, tool, **args)
    check(not r.is_error, f"{tool} failed: {r.content[0].text if r.content else r}")
    return r.structured_content


async def err(c, tool, **args):
    r = await call(c, tool, **args)
    check(r.is_error, f"{tool} should have failed: {r.structured_content}")
    return r.content[0].text


# --- the checks ------------------------------------------------------------------------

async def t_schemas(c):
    tools = {t.name: t for t in (await c.s.list_tools()).tools}
    check(set(tools) == {"run_python", "run_shell", "upload_file", "list_artifacts", "read_artifact",
                         "close_session"}, f"tools: {sorted(tools)}")
    rp = tools["run_python"]
    check(rp.input_schema["required"] == ["code"], rp.input_schema)
    check(set(rp.input_schema["properties"]) == {"code", "session_id"}, rp.input_schema)
    check(rp.output_schema and "stdout" in rp.output_schema.get("properties", {}),
          f"run_python output schema: {rp.output_schema}")
    for t in tools.values():
        check(len(t.description or "") > 40, f"{t.name} has no useful description")
        check(t.input_schema["type"] == "object", t.name)
    check(set(tools["upload_file"].input_schema["required"]) == {"session_id", "filename", "content_base64"},
          tools["upload_file"].input_schema)


async def t_state(c):
    r = await ok(c, "run_python", code="x = 41\nimport math\ndef f(n):\n    return n * 2\nprint('hi')")
    sid = r["session_id"]
    check(r["new_session"] and r["stdout"] == "hi\n", r)
    check(r["duration_ms"] > 0 and r["cpu_ms"] >= 0 and r["peak_memory_bytes"] > 1 << 20, r)
    r = await ok(c, "run_python", code="f(x + 1) + math.floor(0.5)", session_id=sid)
    check(r["result"] == "84" and not r["new_session"], r)
    r = await ok(c, "run_python", code="import os, sys\nprint('e', file=sys.stderr)\nos.system('echo child')",
                 session_id=sid)
    check(r["stdout"] == "child\n" and r["stderr"] == "e\n" and r["result"] == "0", r)
    return sid


async def t_exception(c):
    sid = (await ok(c, "run_python", code="y = 5"))["session_id"]
    r = await ok(c, "run_python", code="def g():\n    return 1 / 0\ng()", session_id=sid)
    check(r["exit_code"] == 1 and r["error"]["type"] == "ZeroDivisionError", r)
    tb = r["error"]["traceback"]
    check("line 2, in g" in tb and "driver.py" not in tb, tb)
    r = await ok(c, "run_python", code="y * 2", session_id=sid)
    check(r["result"] == "10", r)
    r = await ok(c, "run_python", code="raise SystemExit(3)", session_id=sid)
    check(r["error"]["type"] == "SystemExit", r)
    r = await ok(c, "run_python", code="y", session_id=sid)
    check(r["result"] == "5", r)


async def t_timeout(c):
    sid = (await ok(c, "run_python", code="z = 1"))["session_id"]
    t0 = time.monotonic()
    r = await ok(c, "run_python", session_id=sid,
                 code="import subprocess, sys\nprint('before', flush=True)\nsubprocess.run(['sleep', '300'])")
    took = time.monotonic() - t0
    check(r["timed_out"] and r["exit_code"] == -1 and took < 20, (took, r))
    check(r["stdout"] == "before\n", r)
    check(any("LOST" in n for n in r["notes"]), r)
    r = await ok(c, "run_shell", session_id=sid, command="ps -eo comm= | grep -cx sleep || true")
    check(r["stdout"].strip() == "0", f"sleep survived the timeout: {r}")
    r = await ok(c, "run_python", code="z", session_id=sid)
    check(r["error"] and r["error"]["type"] == "NameError", r)
    r = await ok(c, "run_python", code="z = 2\nz", session_id=sid)
    check(r["result"] == "2", r)
    r = await ok(c, "run_shell", session_id=sid, command="sleep 300 & sleep 300")
    check(r["timed_out"], r)
    r = await ok(c, "run_shell", session_id=sid, command="ps -eo comm= | grep -cx sleep || true")
    check(r["stdout"].strip() == "0", f"shell sleep survived: {r}")
    r = await ok(c, "run_python", code="z", session_id=sid)
    check(r["result"] == "2", "a shell timeout must not touch the interpreter")


async def t_upload_read(c):
    sid = (await ok(c, "run_shell", command="true"))["session_id"]
    data = b"a,b\n1,2\n3,4\n" + bytes(range(256))
    r = await ok(c, "upload_file", session_id=sid, filename="in/data.bin",
                 content_base64=base64.b64encode(data).decode())
    check(r["path"] == "in/data.bin" and r["size"] == len(data), r)
    r = await ok(c, "read_artifact", session_id=sid, path="in/data.bin")
    check(base64.b64decode(r["content_base64"]) == data, "read back differs")
    csv = b"a,b\n1,2\n3,4\n"
    await ok(c, "upload_file", session_id=sid, filename="t.csv", content_base64=base64.b64encode(csv).decode())
    r = await ok(c, "run_python", session_id=sid, code="import pandas as pd\nint(pd.read_csv('t.csv').b.sum())")
    check(r["result"] == "6", r)
    return sid


async def t_plot(c, *, http=True):
    code = ("import os, matplotlib.pyplot as plt\nos.makedirs('plots', exist_ok=True)\n"
            "plt.plot([1, 2, 3], [1, 4, 9])\nplt.savefig('plots/sq.png')")
    r = await ok(c, "run_python", code=code)
    sid = r["session_id"]
    check(r["files_created"] == ["plots/sq.png"], r)
    r = await ok(c, "list_artifacts", session_id=sid)
    arts = {a["path"]: a for a in r["artifacts"]}
    check("plots/sq.png" in arts, r)
    a = arts["plots/sq.png"]
    check(a["mime_type"] == "image/png" and a["size"] > 1000, a)
    body = base64.b64decode((await ok(c, "read_artifact", session_id=sid, path="plots/sq.png"))["content_base64"])
    check(body.startswith(b"\x89PNG"), "not a PNG")
    if http:
        url = a["download_url"]
        check(url.startswith("http://127.0.0.1:"), url)
        async with httpx2.AsyncClient() as h:
            got = await h.get(url)
            check(got.status_code == 200 and got.headers["content-type"] == "image/png", got)
            check(got.content == body, "downloaded bytes differ")
            check(int(got.headers["content-length"]) == len(body), got.headers)
            parts = url.split("/")
            parts[5] = "0" * len(parts[5])  # .../artifacts/<sid>/<token>/...
            bad = await h.get("/".join(parts))
            check(bad.status_code == 404, f"a wrong token got {bad.status_code}")
            trav = await h.get(url.rsplit("/", 2)[0] + "/..%2F..%2Fetc%2Fpasswd")
            check(trav.status_code in (400, 404), f"traversal got {trav.status_code}")
    return sid


async def t_files_changed(c):
    r = await ok(c, "run_python", code="open('a.txt', 'w').write('1')")
    sid = r["session_id"]
    check(r["files_created"] == ["a.txt"], r)
    r = await ok(c, "run_python", session_id=sid, code="open('a.txt', 'a').write('22')\nopen('b.txt','w')")
    check(r["files_changed"] == ["a.txt"] and r["files_created"] == ["b.txt"], r)
    r = await ok(c, "run_shell", session_id=sid, command="echo x > c.txt; echo yy >> a.txt")
    check(r["files_created"] == ["c.txt"] and r["files_changed"] == ["a.txt"], r)


async def t_busy(c):
    sid = (await ok(c, "run_python", code="import time"))["session_id"]
    slow = asyncio.create_task(call(c, "run_python", session_id=sid, code="time.sleep(3)"))
    await asyncio.sleep(1.0)
    msg = await err(c, "run_python", session_id=sid, code="1")
    check("session busy" in msg, msg)
    msg = await err(c, "run_shell", session_id=sid, command="true")
    check("session busy" in msg, msg)
    r = await slow
    check(not r.is_error, r)
    r = await ok(c, "run_python", session_id=sid, code="2")
    check(r["result"] == "2", r)


async def t_limits(c):
    sid = (await ok(c, "run_shell", command="true"))["session_id"]
    for bad in ["../x", "/etc/passwd", "a/../../x", "a\x00b", ""]:
        msg = await err(c, "upload_file", session_id=sid, filename=bad, content_base64="eA==")
        check("invalid filename" in msg, msg)
    for bad in ["../../etc/passwd", "/etc/passwd"]:
        msg = await err(c, "read_artifact", session_id=sid, path=bad)
        check("invalid path" in msg, msg)
    for bad in ["../x", "s-../../etc", "S-0123"]:
        msg = await err(c, "run_python", session_id=bad, code="1")
        check("invalid session_id" in msg, msg)
    msg = await err(c, "run_python", session_id="s-" + "0" * 24, code="1")
    check("no session" in msg, msg)
    msg = await err(c, "run_python", session_id=sid, code="#" * (64 * 1024 + 1))
    check("limit" in msg, msg)
    msg = await err(c, "upload_file", session_id=sid, filename="big",
                    content_base64=base64.b64encode(b"x" * (128 * 1024 + 1)).decode())
    check("limit" in msg, msg)
    msg = await err(c, "upload_file", session_id=sid, filename="x", content_base64="not base64!")
    check("base64" in msg, msg)
    r = await ok(c, "run_python", session_id=sid, code="print('y' * 100000)")
    check(r["truncated"] and len(r["stdout"]) == 64 * 1024, (r["truncated"], len(r["stdout"])))
    await ok(c, "run_shell", session_id=sid, command="head -c 70000 /dev/zero > big.bin")
    msg = await err(c, "read_artifact", session_id=sid, path="big.bin")
    check("over read_artifact's limit" in msg, msg)


async def t_max_sessions(c):
    ids = [(await ok(c, "run_shell", command="true"))["session_id"] for _ in range(2)]
    msg = await err(c, "run_shell", command="true")
    check("max_sessions" in msg, msg)
    r = await ok(c, "close_session", session_id=ids[0])
    check(r["closed"], r)
    msg = await err(c, "run_shell", session_id=ids[0], command="true")
    check("no session" in msg, msg)
    await ok(c, "run_shell", command="true")


async def t_idle_ttl(c):
    sid = (await ok(c, "run_python", code="1"))["session_id"]
    before = len(sandboxes(c.name))
    await asyncio.sleep(5)
    msg = await err(c, "run_python", session_id=sid, code="1")
    check("no session" in msg, msg)
    deadline = time.monotonic() + 20
    while len(sandboxes(c.name)) >= before and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    check(len(sandboxes(c.name)) < before, f"the expired session's sandbox is still there: {sandboxes(c.name)}")


def wait_gone(name, timeout=30):
    deadline = time.monotonic() + timeout
    while sandboxes(name) and time.monotonic() < deadline:
        time.sleep(0.5)
    return sandboxes(name)


async def t_orphans_after_kill9():
    """kill -9 of a server leaves its sandboxes; the next server of the same name removes them."""
    name = new_name()
    proc, url = start_http(name)
    left = []
    try:
        async with streamable_http_client(url, terminate_on_close=False) as (r, w), ClientSession(r, w) as s:
            await s.initialize()
            await ok(Conn(name, s), "run_python", code="1")
            left = sandboxes(name)
            check(len(left) >= 1, left)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    except BaseException:
        pass  # the client notices its server is gone
    check(left and set(left) <= set(sandboxes(name)), "the sandboxes should outlive a kill -9")
    async with stdio(name, "--warm", "0") as c2:
        await ok(c2, "run_shell", command="true")
        now = sandboxes(name)
        check(not (set(left) & set(now)), f"orphans not removed: {left} in {now}")
    check(not wait_gone(name), "stdin EOF left sandboxes")


async def t_stdout_is_jsonrpc_only():
    """Raw stdio: every line on stdout is a JSON-RPC message, even when code prints."""
    name = new_name()
    p = subprocess.Popen([BIN, *server_args(name, "--warm", "0")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env={**os.environ, "POCKETDOCK_SOCKET": SOCK})
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "run_python", "arguments": {
            "code": "import os, sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n"
                    "os.system('echo child; echo child-err >&2')\nos.write(1, b'raw fd 1\\n')"}}},
    ]
    for m in msgs:
        p.stdin.write((json.dumps(m) + "\n").encode())
    p.stdin.flush()
    lines = []
    while len([l for l in lines if "id" in l]) < 3:
        line = p.stdout.readline()
        check(line, "the server closed stdout early")
        lines.append(json.loads(line))
    p.stdin.close()
    rest = p.stdout.read()
    p.wait(timeout=60)
    for l in lines:
        check(l.get("jsonrpc") == "2.0", l)
    for raw in rest.splitlines():
        check(json.loads(raw).get("jsonrpc") == "2.0", raw)
    out = [l for l in lines if l.get("id") == 3][0]["result"]["structuredContent"]
    check(out["stdout"] == "to stdout\nchild\nraw fd 1\n", out)
    check(out["stderr"] == "to stderr\nchild-err\n", out)
    check(p.returncode == 0, p.returncode)
    check(not wait_gone(name), "stdin EOF left sandboxes")
    log = open(f"{LOG_DIR}/{name}.log").read().splitlines()
    calls = [json.loads(l) for l in log if '"tool_call"' in l]
    check(calls and all(c["span"]["call_id"] for c in calls), calls[:2])


async def with_stdio(fn, *extra):
    name = new_name()
    async with stdio(name, *extra) as c:
        await fn(c)
    check(not wait_gone(name), f"{fn.__name__}: sandboxes left after stdin EOF")


async def with_http(fn, *extra):
    name = new_name()
    proc_url = start_http(name, *extra)
    async with http(name, proc_url=proc_url) as c:
        await fn(c)
    check(not wait_gone(name), f"{fn.__name__}: sandboxes left after SIGTERM")
    out = proc_url[0].stdout.read()
    check(not out, f"HTTP mode wrote to stdout: {out[:200]!r}")


LIMITS = ("--config", os.environ["MCP_TEST_CONFIG"])

CASES = [
    ("stdio: schemas", lambda: with_stdio(t_schemas, "--warm", "0")),
    ("stdio: state persists", lambda: with_stdio(t_state)),
    ("stdio: exception keeps the session", lambda: with_stdio(t_exception)),
    ("stdio: timeout kills and reports", lambda: with_stdio(t_timeout, "--timeout", "3s")),
    ("stdio: upload and read back", lambda: with_stdio(t_upload_read)),
    ("stdio: plot artifact + download URL", lambda: with_stdio(t_plot)),
    ("stdio: files created/changed", lambda: with_stdio(t_files_changed)),
    ("stdio: busy session", lambda: with_stdio(t_busy)),
    ("stdio: traversal and oversize refused", lambda: with_stdio(t_limits, *LIMITS)),
    ("stdio: max_sessions", lambda: with_stdio(t_max_sessions, "--max-sessions", "2", "--warm", "0")),
    ("stdio: idle TTL", lambda: with_stdio(t_idle_ttl, "--idle-ttl", "2s", "--warm", "0")),
    ("stdio: stdout carries JSON-RPC only", t_stdout_is_jsonrpc_only),
    ("http: schemas", lambda: with_http(t_schemas, "--warm", "0")),
    ("http: state persists", lambda: with_http(t_state)),
    ("http: exception keeps the session", lambda: with_http(t_exception)),
    ("http: plot artifact + download URL", lambda: with_http(t_plot)),
    ("http: busy session", lambda: with_http(t_busy)),
    ("orphans removed after kill -9", t_orphans_after_kill9),
]


async def main():
    failed = 0
    for title, fn in CASES:
        if ONLY and ONLY not in title:
            continue
        t0 = time.monotonic()
        try:
            await fn()
            print(f"ok    {ENGINE}: {title} ({time.monotonic() - t0:.1f}s)", flush=True)
        except BaseException as e:
            failed += 1
            print(f"FAIL  {ENGINE}: {title}: {e!r}", flush=True)
            traceback.print_exc()
    print(f"{ENGINE}: {len(CASES) - failed} passed, {failed} failed" if not ONLY else f"{failed} failed")
    sys.exit(1 if failed else 0)


asyncio.run(main())

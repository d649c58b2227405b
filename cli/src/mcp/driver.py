# The persistent interpreter of a `pocketdock mcp` session (cli/src/mcp/interp.rs writes this
# file into the sandbox and starts it). It reads one JSON request per line on stdin and
# answers each with one line on its original stdout: MARKER + JSON. The code's own output
# never reaches that stream: for each call fds 1 and 2 point at files (so the output of
# child processes is caught too, and a code that writes forever fills a file, not a pipe),
# and stdin is /dev/null (the requests stay ours).
import ast, json, os, resource, sys, time, traceback

MARKER = sys.argv[1]
DATA = sys.argv[2]
WORK = sys.argv[3]
SCAN_LIMIT = 10000

proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
null = os.open(os.devnull, os.O_RDONLY)
os.dup2(null, 0)
os.close(null)
OUT = os.path.join(WORK, "out")
ERR = os.path.join(WORK, "err")

# matplotlib's font list is made at image build time (images/datasci); its config dir must
# be writable, and the root is read-only: start from the prepared copy.
mpl = os.environ.get("MPLCONFIGDIR")
if mpl and not os.path.exists(mpl) and os.path.isdir("/opt/pocketdock/matplotlib"):
    import shutil
    try:
        shutil.copytree("/opt/pocketdock/matplotlib", mpl)
    except OSError:
        pass

os.chdir(DATA)
sys.path[0] = DATA
namespace = {"__name__": "__main__", "__builtins__": __builtins__}


def scan():
    """path -> (size, mtime_ns) of the files under DATA, at most SCAN_LIMIT of them."""
    seen = {}
    for root, dirs, files in os.walk(DATA):
        for f in files:
            p = os.path.join(root, f)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            seen[os.path.relpath(p, DATA)] = (st.st_size, st.st_mtime_ns)
            if len(seen) >= SCAN_LIMIT:
                return seen
    return seen


def read_capped(path, cap):
    with open(path, "rb") as f:
        data = f.read(cap + 1)
    return data[:cap].decode("utf-8", "replace"), len(data) > cap


def reset_peak():
    # Writing 5 to clear_refs resets VmHWM, so the peak is this call's own.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_kib():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run(code, cap):
    before = scan()
    out_fd = os.open(OUT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    err_fd = os.open(ERR, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    saved = os.dup(1), os.dup(2)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.close(out_fd)
    os.close(err_fd)
    reset_peak()
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    result = None
    error = None
    try:
        tree = ast.parse(code, "<code>", "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, "<code>", "exec"), namespace)
        if last is not None:
            value = eval(compile(last, "<code>", "eval"), namespace)
            if value is not None:
                result = repr(value)
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: the session lives on
        tb = e.__traceback__
        # Leave out this driver's own frame.
        if tb is not None and tb.tb_frame.f_code is run.__code__:
            tb = tb.tb_next
        error = {
            "type": type(e).__name__,
            "message": str(e),
            "traceback": "".join(traceback.format_exception(type(e), e, tb)),
        }
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
    duration = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    os.dup2(saved[0], 1)
    os.dup2(saved[1], 2)
    os.close(saved[0])
    os.close(saved[1])
    cpu = (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
           + c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime)
    stdout, t1 = read_capped(OUT, cap)
    stderr, t2 = read_capped(ERR, cap)
    truncated = t1 or t2
    if result is not None and len(result) > cap:
        result, truncated = result[:cap], True
    after = scan()
    created = sorted(p for p in after if p not in before)
    changed = sorted(p for p in after if p in before and after[p] != before[p])
    return {
        "stdout": stdout,
        "stderr": stderr,
        "result": result,
        "error": error,
        "exit_code": 1 if error else 0,
        "truncated": truncated,
        "duration_ms": round(duration * 1000, 3),
        "cpu_ms": round(cpu * 1000, 3),
        "peak_memory_bytes": max(peak_kib(), c1.ru_maxrss) * 1024,
        "files_created": created,
        "files_changed": changed,
    }


def main():
    proto_out.write(MARKER + json.dumps({"ready": True}) + "\n")
    proto_out.flush()
    for line in proto_in:
        try:
            req = json.loads(line)
            answer = run(req["code"], int(req.get("max_output", 1 << 20)))
        except Exception as e:  # a malformed request: say so, keep serving
            answer = {"internal_error": repr(e)}
        proto_out.write(MARKER + json.dumps(answer) + "\n")
        proto_out.flush()


main()

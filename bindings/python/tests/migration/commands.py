# docs/guide/commands.md, verbatim (the kill fragment placed before the wait fragment, so
# the server it started ends and wait() returns).
from pocketdock import create_new_container

c = create_new_container()

result = c.run("echo hello")
result.exit_code    # 0
result.stdout       # "hello\n"
result.stderr       # ""
result.ok           # True (exit_code == 0 and not timed_out)
result.duration_ms  # 47.2
result.timed_out    # False
result.truncated    # False

result = c.run("print(2 + 2)", lang="python")
print(result.stdout)  # "4\n"

result = c.run("sleep 60", timeout=5)
result.timed_out  # True
result.ok         # False
assert result.timed_out and not result.ok

result = c.run("cat /dev/urandom | head -c 1000000", max_output=1024)
result.truncated  # True
assert result.truncated

for chunk in c.run("make all 2>&1", stream=True):
    print(chunk.data, end="")
    # chunk.stream is "stdout" or "stderr"

stream = c.run("echo hello && exit 1", stream=True)
for chunk in stream:
    print(chunk.data, end="")
print(stream.result.exit_code)  # 1

proc = c.run("python -m http.server 8080", detach=True)
proc.is_running()  # True

# Consume and clear the buffer
output = proc.read()
print(output.stdout)
print(output.stderr)

# Peek without consuming
output = proc.peek()

proc.buffer_size      # Current bytes in buffer
proc.buffer_overflow  # True if data was evicted

proc.kill()           # Send SIGTERM (default)
proc.kill(signal=9)   # Send SIGKILL

result = proc.wait(timeout=60)  # -> ExecResult
print(result.exit_code)

c.on_stdout(lambda container, data: print(f"[out] {data}", end=""))
c.on_stderr(lambda container, data: print(f"[err] {data}", end=""))
c.on_exit(lambda container, code: print(f"Exited with code {code}"))

proc = c.run("python long_task.py", detach=True)

proc.wait(timeout=30)
c.shutdown()

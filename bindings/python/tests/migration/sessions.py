# docs/guide/sessions.md, verbatim.
from pocketdock import create_new_container

c = create_new_container()

sess = c.session()

result = sess.send_and_wait("echo hello")
result.stdout      # "hello\n"
result.exit_code   # 0
result.ok          # True
result.duration_ms # 12.3
assert result.stdout == "hello\n"

result = sess.send_and_wait("sleep 60", timeout=5)
result.timed_out  # True
assert result.timed_out

sess.send("cd /tmp")
sess.send("export MY_VAR=hello")

sess.send("cd /tmp")
result = sess.send_and_wait("pwd")
print(result.stdout)  # "/tmp\n"

sess.send("echo line1")
sess.send("echo line2")
import time; time.sleep(0.1)

output = sess.read()
print(output)  # "line1\nline2\n"

sess.on_output(lambda data: print(f"[session] {data}", end=""))

sess.close()

from pocketdock import SessionClosed

sess.close()
try:
    sess.send("echo hello")
except SessionClosed:
    print("Session is closed")

c.shutdown()

with create_new_container() as c:
    sess = c.session()
    result = sess.send_and_wait("echo hello")
# Session and container are both cleaned up

# docs/guide/containers.md and docs/reference/api.md, verbatim (volumes and ports left out).
from pocketdock import create_new_container

c = create_new_container()
result = c.run("echo hello")
c.shutdown()

with create_new_container() as c:
    result = c.run("echo hello")
# Automatic cleanup

c = create_new_container(
    image="pocketdock/minimal-python",  # Container image tag
    name=None,                     # Auto-generated if None
    timeout=30,                    # Default exec timeout (seconds)
    mem_limit=None,                # Memory limit ("256m", "1g")
    cpu_percent=None,              # CPU cap (0-100)
    persist=False,                 # Survive shutdown()
    volumes=None,                  # {"/host": "/container"}
    project=None,                  # Project name
    profile=None,                  # Image profile name
    devices=None,                  # ["/dev/ttyUSB0"]
    ports=None,                    # {8080: 80}
)

for chunk in c.run("make all", stream=True):
    print(chunk.data, end="")

info = c.info()

info.status          # "running"
info.image           # "pocketdock/minimal-python"
info.memory_usage    # "42.1 MB"
info.memory_limit    # "256 MB"
info.memory_percent  # 16.4
info.cpu_percent     # 3.2
info.pids            # 2
info.network         # True
info.ip_address      # "172.17.0.2"
info.uptime          # datetime.timedelta(seconds=45)
info.processes       # tuple of process dicts
print(info.status)

c.reboot()

c.reboot(fresh=True)

image_id = c.snapshot("my-image:v1")

c2 = create_new_container(image="my-image:v1")

c.shutdown()           # Graceful stop (SIGTERM, then SIGKILL after timeout)
c.shutdown(force=True) # Immediate SIGKILL
c2.shutdown()

# Memory limit: 256MB
c = create_new_container(mem_limit="256m")

# CPU limit: 50% of one core
c = create_new_container(cpu_percent=50)

# Both
c = create_new_container(mem_limit="1g", cpu_percent=75)

c = create_new_container(persist=True, name="my-sandbox")
c.shutdown()  # Stops, but container can be resumed later

from pocketdock import destroy_container

destroy_container("my-sandbox")

import pocketdock
pocketdock.remove_image("my-image:v1", force=True)  # test cleanup (an addition)

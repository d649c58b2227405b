# docs/guide/persistence.md, verbatim (the socket_path placeholder, volumes and the bare
# prune() left out: see README.md).
from pocketdock import create_new_container

c = create_new_container(persist=True, name="my-sandbox")
c.run("echo setup done")
c.shutdown()  # Stops the container, but does NOT remove it

from pocketdock import resume_container

c = resume_container("my-sandbox")
result = c.run("echo I'm back")
print(result.stdout)  # "I'm back\n"

from pocketdock import list_containers

containers = list_containers()
for item in containers:
    print(f"{item.name}: {item.status} (persist={item.persist})")

containers = list_containers(project="my-project")

from pocketdock import stop_container

stop_container("my-sandbox")

from pocketdock import destroy_container

destroy_container("my-sandbox")

from pocketdock import prune

count = prune(project="my-project")
print(f"Removed {count} containers")

c = create_new_container(persist=True, name="my-sandbox")
c.run("pip install requests")
image_id = c.snapshot("my-sandbox:with-requests")

c2 = create_new_container(image="my-sandbox:with-requests")

c2.shutdown()
destroy_container("my-sandbox")
import pocketdock
pocketdock.remove_image("my-sandbox:with-requests", force=True)  # test cleanup (an addition)

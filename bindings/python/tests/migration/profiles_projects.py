# docs/guide/profiles.md and docs/guide/projects.md, verbatim (run in an empty temp dir).
from pocketdock import create_new_container

with create_new_container(profile="dev") as c:
    result = c.run("python --version")
    print(result.stdout)

with create_new_container(image="pocketdock/agent") as c:
    result = c.run("python -c 'import pandas; print(pandas.__version__)'", lang=None)

from pocketdock import list_profiles, resolve_profile

# List all profiles
profiles = list_profiles()
for p in profiles:
    print(f"{p.name}: {p.description} ({p.size_estimate})")

# Resolve a single profile
info = resolve_profile("dev")
info.name            # "dev"
info.image_tag       # "pocketdock/dev"
info.network_default # True
info.description     # "Development tools, git, curl, ..."
info.size_estimate   # "~250 MB"
info.dockerfile_dir  # path to Dockerfile directory

from pocketdock import ProjectNotInitialized, doctor

try:
    report = doctor()
except ProjectNotInitialized:
    print("Run init_project() first")

from pocketdock import init_project

project_root = init_project()  # Creates .pocketdock/ in the current directory

project_root = init_project(project_name="my-app")

from pocketdock import find_project_root

root = find_project_root()  # Starts from cwd
root = find_project_root("/some/nested/dir")

c = create_new_container(project="my-app", persist=True)
first = c  # test bookkeeping

# Inside a directory with .pocketdock/pocketdock.yaml
c = create_new_container(persist=True)
# project is auto-detected from the nearest .pocketdock/

from pocketdock import doctor

report = doctor()
report.orphaned_containers    # Containers with no instance dir
report.stale_instance_dirs    # Instance dirs with no container
report.healthy                # Count of healthy container-dir pairs
print(report.healthy)

from pocketdock import destroy_container
for x in (first, c):  # test cleanup
    x.shutdown()
    destroy_container(x.name)

# Shared by the project's scripts: engine sockets, the sweep of test containers.
# shellcheck shell=bash

PODMAN_SOCKET=/run/podman/podman.sock
DOCKER_SOCKET=/run/pocketdock-docker.sock
# The engines every suite runs against, in order; override with POCKETDOCK_TEST_SOCKETS.
TEST_SOCKETS=${POCKETDOCK_TEST_SOCKETS:-"$PODMAN_SOCKET $DOCKER_SOCKET"}

# Names of containers on engine $1 carrying label $2 (e.g. pocketdock.test=c).
labelled_containers() {
  local filter
  filter=$(printf '{"label":["%s"]}' "$2" | python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.stdin.read()))')
  curl -sf --unix-socket "$1" "http://d/v1.41/containers/json?all=true&filters=$filter" |
    python3 -c 'import json,sys; [print(c["Id"]) for c in json.load(sys.stdin)]'
}

# Force-removes every container on engine $1 with label $2; prints how many there were.
sweep() {
  local n=0 id
  for id in $(labelled_containers "$1" "$2"); do
    # Say which ones: a leak is easier to trace by name and labels.
    curl -sf --unix-socket "$1" "http://d/v1.41/containers/$id/json" | python3 -c 'import json,sys
d = json.load(sys.stdin); l = d["Config"]["Labels"] or {}
print("left behind:", d["Name"], d["State"]["Status"], "project=" + l.get("pocketdock.project", ""), file=sys.stderr)' || true
    curl -sf --unix-socket "$1" -X DELETE "http://d/v1.41/containers/$id?force=true&v=true" >/dev/null || true
    n=$((n + 1))
  done
  echo "$n"
}

engine_name() {
  case "$1" in
    "$PODMAN_SOCKET") echo podman ;;
    "$DOCKER_SOCKET") echo docker ;;
    *) basename "$1" ;;
  esac
}

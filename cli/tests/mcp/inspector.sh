#!/usr/bin/env bash
# Drives `pocketdock mcp` with the MCP Inspector CLI (npm @modelcontextprotocol/inspector,
# installed by scripts/test-mcp) over stdio and over streamable HTTP, on the engine
# POCKETDOCK_SOCKET names. Each Inspector call is a connection of its own: over HTTP the
# server's sessions outlive them, so state set by one call is read by the next.
# Env: POCKETDOCK_BIN, POCKETDOCK_SOCKET, INSPECTOR (its bin), MCP_LOG_DIR.
set -euo pipefail
name=mcptest-insp-$$
common=(--name "$name" --label pocketdock.test=mcp --log-file "$MCP_LOG_DIR/$name.log")
export MCP_CATALOG_PATH="$MCP_LOG_DIR/inspector-catalog.json"
fail() { echo "inspector: FAIL: $*" >&2; exit 1; }
# The Inspector prints JSON on stdout (and schema-format warnings on stderr).
inspect() { timeout 120 "$INSPECTOR" --cli "$@" 2>>"$MCP_LOG_DIR/inspector.stderr"; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }

# stdio: the Inspector starts the server itself.
tools=$(inspect -e "POCKETDOCK_SOCKET=$POCKETDOCK_SOCKET" --method tools/list -- \
  "$POCKETDOCK_BIN" mcp "${common[@]}" --warm 0 | field '" ".join(sorted(t["name"] for t in d["tools"]))')
[[ $tools == "close_session list_artifacts read_artifact run_python run_shell upload_file" ]] || fail "stdio tools/list: $tools"
out=$(inspect -e "POCKETDOCK_SOCKET=$POCKETDOCK_SOCKET" --method tools/call --tool-name run_python \
  --tool-arg 'code=import numpy as np; int(np.arange(10).sum())' -- \
  "$POCKETDOCK_BIN" mcp "${common[@]}" --warm 0 | field 'd["structuredContent"]["result"]')
[[ $out == 45 ]] || fail "stdio run_python: $out"
echo "ok    inspector stdio: tools/list, tools/call run_python"

# HTTP: one server, several Inspector connections.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$POCKETDOCK_BIN" mcp "${common[@]}" --http-port "$port" --warm 0 2>"$MCP_LOG_DIR/$name.stderr" >"$MCP_LOG_DIR/$name.stdout" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$MCP_LOG_DIR/$name.stderr" && break; sleep 0.1; done
url="http://127.0.0.1:$port/mcp"
n=$(inspect --method tools/list --transport http --server-url "$url" | field 'len(d["tools"])')
[[ $n == 6 ]] || fail "http tools/list: $n tools"
sid=$(inspect --method tools/call --tool-name run_python --tool-arg 'code=x = 20' --transport http --server-url "$url" | field 'd["structuredContent"]["session_id"]')
got=$(inspect --method tools/call --tool-name run_python --tool-arg 'code=x * 2 + 2' "session_id=$sid" --transport http --server-url "$url" | field 'd["structuredContent"]["result"]')
[[ $got == 42 ]] || fail "http: state across connections: $got"
# A tool error: the result with isError (or, from some versions, {"error": {"code": "tool_is_error"}}
# and a non-zero exit).
err=$(inspect --method tools/call --tool-name read_artifact --tool-arg "session_id=$sid" 'path=../../etc/passwd' \
  --transport http --server-url "$url" || true)
[[ $(field 'd.get("isError") or d.get("error", {}).get("code") == "tool_is_error"' <<<"$err") == True ]] || fail "http: traversal accepted: $err"
kill -TERM $pid
wait $pid || fail "the server exited with $?"
trap - EXIT
[[ ! -s $MCP_LOG_DIR/$name.stdout ]] || fail "HTTP mode wrote to stdout"
echo "ok    inspector http: tools/list, state across connections, traversal refused, SIGTERM"

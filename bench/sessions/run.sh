#!/usr/bin/env bash
# bench/sessions/run.sh - what sessions cost (not part of `swift test`): run by hand, read the table.
#
# For each case a fresh server (--max-sessions SESSIONS) is started and warmed (one session made and deleted),
# its RSS read from /proc, then SESSIONS sessions are made with POST /__mockruns/sessions by one keep-alive
# Python client (timed: sessions made per second, the client's own time included), RSS read again:
#   default      sessions with no body: each plays the server's scenario (the embedded default)
#   bundled      body {"scenario": "wes-slow"}: each reads and validates a bundled file
#   large        the server started on a generated scenario of LARGE_RUNS scripted runs per API; sessions with no
#                body (each holds its own state of every scripted run)
# Idle memory per session = (RSS after - RSS before) / SESSIONS. Then, on the last server, one WES status poll
# per session (so every session has a run read and a journal entry) and RSS again: "after one poll each".
#
# Environment: MOCKRUNS_BIN (a prebuilt binary; default: a release build of this checkout), SESSIONS (1000),
#   LARGE_RUNS (100). Needs python3. Loopback only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/bench/lib.sh"
SESSIONS=${SESSIONS:-1000}
LARGE_RUNS=${LARGE_RUNS:-100}
for n in SESSIONS LARGE_RUNS; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || { echo "$n must be a positive whole number, got '${!n}'" >&2; exit 64; }
done
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }
OUT=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$OUT"
}
trap cleanup EXIT

if [ -z "${MOCKRUNS_BIN:-}" ]; then
  (cd "$ROOT" && source scripts/lib/release.sh && build_release)
  MOCKRUNS_BIN="$(cd "$ROOT" && source scripts/lib/release.sh && release_binary)"
fi

# A scenario with LARGE_RUNS scripted runs in each of WES and workspace (ids the engine holds from the start).
python3 - "$OUT/large.json" "$LARGE_RUNS" <<'PY'
import json, sys, uuid
path, n = sys.argv[1], int(sys.argv[2])
timeline = [{"state": "RUNNING", "polls": 3}, {"state": "COMPLETE"}]
wes = [{"id": str(uuid.UUID(int=i + 1)), "timeline": timeline} for i in range(n)]
ws = [{"id": str(uuid.UUID(int=10**6 + i)), "timeline": [{"state": "running", "polls": 3}, {"state": "succeeded"}]} for i in range(n)]
json.dump({"description": f"{n} scripted runs in WES and workspace", "apis": {"wes": {"runs": wes}, "workspace": {"runs": ws}}},
          open(path, "w"))
PY

# start ARGS...: starts the binary, sets PID and PORT.
start() {
  local ready=$OUT/ready
  : >"$ready"
  "$MOCKRUNS_BIN" --port 0 --log-level warning --max-sessions "$SESSIONS" "$@" >"$ready" 2>>"$OUT/stderr" &
  PID=$!
  PIDS+=("$PID")
  local i
  for ((i = 0; i < 200; i++)); do
    grep -q '"event":"ready"' "$ready" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || { cat "$OUT/stderr" >&2; exit 1; }
    sleep 0.05
  done
  PORT=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$ready")
  [[ -n $PORT ]] || { echo "no ready line" >&2; exit 1; }
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# client PORT N BODY: makes N sessions with BODY (after one made and deleted, for warm-up); prints seconds taken.
client() {
  python3 - "$@" <<'PY'
import http.client, sys, time
port, n, body = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
headers = {"Content-Type": "application/json"} if body else {}
def call(method, path, b=None, h=None):
    c.request(method, path, body=b, headers=h or {})
    r = c.getresponse(); data = r.read()
    return r.status, data
status, data = call("POST", "/__mockruns/sessions", body or None, headers)
assert status == 201, (status, data)
import json
call("DELETE", "/__mockruns/sessions/" + json.loads(data)["name"])
sys.stdout.write("warm\n"); sys.stdout.flush()
sys.stdin.readline()  # the caller reads RSS, then lets us go
start = time.perf_counter()
for i in range(n):
    status, data = call("POST", "/__mockruns/sessions", body or None, headers)
    if status != 201: sys.exit(f"session {i}: {status} {data[:200]!r}")
print(f"{time.perf_counter() - start:.4f}")
PY
}

# measure LABEL BODY SERVER-ARGS...: one row.
measure() {
  local label=$1 body=$2
  shift 2
  start "$@"
  local fifo=$OUT/go
  rm -f "$fifo" && mkfifo "$fifo"
  client "$PORT" "$SESSIONS" "$body" <"$fifo" >"$OUT/client" &
  local cpid=$!
  exec 7>"$fifo"
  until grep -q warm "$OUT/client" 2>/dev/null; do kill -0 "$cpid" || exit 1; sleep 0.02; done
  local before after seconds
  before=$(rss_kib "$PID")
  echo >&7
  exec 7>&-
  wait "$cpid"
  seconds=$(tail -1 "$OUT/client")
  after=$(rss_kib "$PID")
  printf '| %-8s | %6d | %9s | %9s | %14s | %12s |\n' "$label" "$SESSIONS" "$((before / 1024)) MiB" "$((after / 1024)) MiB" \
    "$(awk -v a="$after" -v b="$before" -v n="$SESSIONS" 'BEGIN { printf "%.1f KiB", (a - b) / n }')" \
    "$(awk -v s="$seconds" -v n="$SESSIONS" 'BEGIN { printf "%.0f/s", n / s }')"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); binary: $MOCKRUNS_BIN"
echo
echo "| case     | sessions | RSS before | RSS after | per idle session | made |"
echo "|---|---:|---:|---:|---:|---:|"
measure default ""
stop_server "$PID"
measure bundled '{"scenario": "wes-slow"}'
stop_server "$PID"
measure large "" --scenario "$OUT/large.json"

# One WES status poll of a scripted run in every session of the large case.
before=$(rss_kib "$PID")
python3 - "$PORT" "$SESSIONS" <<'PY'
import http.client, sys, json
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
c.request("GET", "/__mockruns/sessions"); names = [s["name"] for s in json.loads(c.getresponse().read())["sessions"]][1:]
assert len(names) == n, len(names)
for name in names:
    c.request("GET", f"/__sessions/{name}/ga4gh/wes/v1/runs/00000000-0000-0000-0000-000000000001/status", headers={"X-SBG-Auth-Token": "t"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
after=$(rss_kib "$PID")
echo
echo "large, after one WES status poll in each session: RSS $((before / 1024)) -> $((after / 1024)) MiB" \
  "($(awk -v a="$after" -v b="$before" -v n="$SESSIONS" 'BEGIN { printf "%.1f KiB", (a - b) / n }') more per session)"
stop_server "$PID"

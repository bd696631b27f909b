#!/usr/bin/env bash
# bench/record/run.sh - what `mockruns record` costs in front of a service (not part of `swift test`): run by
# hand, report.
#
#   1. WES status polls (wrk -t1 -c32, keep-alive, 5 s) straight to a mockruns, and through a recorder in front
#      of it (which opens one upstream connection per request); ROUNDS rounds, medians of req/s and p99.
#   2. overload: 256 connections through a recorder with --workers 1 --queue 8: how many answers are its 503
#      (a full queue answers at once instead of growing).
#   3. memory: the recorder's RSS idle and after REQUESTS forwarded polls (what it keeps is bounded).
#
# Environment: BIN (default .build/release/mockruns), ROUNDS (3), REQUESTS (200000).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-.build/release/mockruns}
ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no $BIN: build it with build_release from scripts/lib/release.sh" >&2; exit 1; }
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$OUT"' EXIT
status="/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status"
echo 'wrk.headers["X-SBG-Auth-Token"] = "tok"' > "$OUT/poll.lua"

# start NAME ARGS...: runs BIN with ARGS, waits for its ready line, sets NAME_pid and NAME_port.
start() {
  local name=$1; shift
  "$BIN" "$@" --port 0 --log-level warning > "$OUT/$name.ready" 2>"$OUT/$name.log" &
  local pid=$!
  PIDS+=("$pid")
  until grep -q '"event":"ready"' "$OUT/$name.ready" 2>/dev/null; do kill -0 "$pid"; sleep 0.05; done
  printf -v "${name}_pid" %s "$pid"
  printf -v "${name}_port" %s "$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$OUT/$name.ready")"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
source bench/lib.sh # median
# p99 in ms from wrk --latency output.
p99() { awk '$1 == "99%" { v=$2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; print v }'; }

start up
for _ in $(seq 1 "$ROUNDS"); do
  wrk -t1 -c32 -d5s --latency -s "$OUT/poll.lua" "http://127.0.0.1:$up_port$status" > "$OUT/direct.txt"
  awk '/Requests\/sec/ {print $2}' "$OUT/direct.txt" >> "$OUT/direct.rps"; p99 < "$OUT/direct.txt" >> "$OUT/direct.p99"
  start rec record --api wes --upstream "http://127.0.0.1:$up_port" --out "$OUT/rec.json"
  wrk -t1 -c32 -d5s --latency -s "$OUT/poll.lua" "http://127.0.0.1:$rec_port$status" > "$OUT/proxied.txt"
  awk '/Requests\/sec/ {print $2}' "$OUT/proxied.txt" >> "$OUT/proxied.rps"; p99 < "$OUT/proxied.txt" >> "$OUT/proxied.p99"
  stop "$rec_pid"
done
echo "machine: $(nproc) cores; wrk on the same cores; $ROUNDS rounds, medians"
echo "1. WES status polls: direct $(median < "$OUT/direct.rps") req/s (p99 $(median < "$OUT/direct.p99") ms); through mockruns record $(median < "$OUT/proxied.rps") req/s (p99 $(median < "$OUT/proxied.p99") ms)"

start rec record --api wes --upstream "http://127.0.0.1:$up_port" --out "$OUT/rec.json" --workers 1 --queue 8
wrk -t1 -c256 -d5s -s "$OUT/poll.lua" "http://127.0.0.1:$rec_port$status" > "$OUT/overload.txt"
total=$(awk '/requests in/ {print $1}' "$OUT/overload.txt")
refused=$(awk '/Non-2xx/ {print $5}' "$OUT/overload.txt"); refused=${refused:-0}
echo "2. overload (256 connections, --workers 1 --queue 8): $total answers in 5 s, $refused of them 503 (queue full)"
stop "$rec_pid"

start rec record --api wes --upstream "http://127.0.0.1:$up_port" --out "$OUT/rec.json"
idle=$(awk '/VmRSS/ {print $2}' "/proc/$rec_pid/status")
sent=0
while [ "$sent" -lt "$REQUESTS" ]; do
  n=$(wrk -t1 -c32 -d10s -s "$OUT/poll.lua" "http://127.0.0.1:$rec_port$status" | awk '/requests in/ {print $1}')
  sent=$((sent + n))
done
echo "3. recorder RSS: idle ${idle} kB; after $sent forwarded polls $(awk '/VmRSS/ {print $2}' "/proc/$rec_pid/status") kB"
stop "$rec_pid"
echo "   scenario written: $(wc -c < "$OUT/rec.json") bytes"

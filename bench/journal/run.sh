#!/usr/bin/env bash
# bench/journal/run.sh - what the client-judging journal costs (not part of `swift test`): run by hand, report.
#
#   1. throughput: WES status polls (wrk -t1 -c32, keep-alive, 5 s) on BASE_BIN (a build without the rich
#      journal) and NEW_BIN, taking turns for ROUNDS rounds; medians and their ratio (target: within 5 %).
#   2. memory: NEW_BIN's RSS when idle, after the journal is full (its capacity), and after 1,000,000 requests;
#      the journal's bytes per entry from the first two.
#
# Environment: BASE_BIN, NEW_BIN (release binaries, e.g. built with `swift build -c release --static-swift-stdlib`
# at two commits), ROUNDS (5), REQUESTS (1000000).
set -euo pipefail
ROUNDS=${ROUNDS:-5}
REQUESTS=${REQUESTS:-1000000}
: "${BASE_BIN:?set BASE_BIN}" "${NEW_BIN:?set NEW_BIN}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
OUT=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$OUT"' EXIT
status="/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status"
echo 'wrk.headers["X-SBG-Auth-Token"] = "tok"' > "$OUT/poll.lua"

start() {
  "$1" --port 0 --log-level warning > "$OUT/ready" 2>/dev/null &
  pid=$!
  until grep -q '"event":"ready"' "$OUT/ready" 2>/dev/null; do kill -0 "$pid"; sleep 0.05; done
  port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$OUT/ready")
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; : > "$OUT/ready"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
source "$(dirname "$0")/../lib.sh" # median

for _ in $(seq 1 "$ROUNDS"); do
  for which in BASE NEW; do
    bin=BASE_BIN; [ "$which" = NEW ] && bin=NEW_BIN
    start "${!bin}"
    wrk -t1 -c32 -d5s -s "$OUT/poll.lua" "http://127.0.0.1:$port$status" | awk '/Requests\/sec/ {print $2}' >> "$OUT/$which"
    stop
  done
done
base=$(median < "$OUT/BASE"); new=$(median < "$OUT/NEW")
echo "machine: $(nproc) cores; $ROUNDS rounds, medians"
echo "1. status polls: base $base req/s, with the rich journal $new req/s, ratio $(python3 -c "print(round($new / $base, 3))")"

start "$NEW_BIN"
idle=$(rss)
capacity=$(curl -s "http://127.0.0.1:$port/__mockruns/journal?limit=0" | sed -n 's/.*"capacity":\([0-9]*\).*/\1/p')
wrk -t1 -c8 -d3s -s "$OUT/poll.lua" "http://127.0.0.1:$port$status" > /dev/null
full=$(rss)
sent=0
while [ "$sent" -lt "$REQUESTS" ]; do
  n=$(wrk -t1 -c32 -d10s -s "$OUT/poll.lua" "http://127.0.0.1:$port$status" | awk '/requests in/ {print $1}')
  sent=$((sent + n))
done
echo "2. RSS: idle ${idle} kB; journal full ($capacity entries) ${full} kB => ~$(( (full - idle) * 1024 / capacity )) bytes per entry; after $sent requests $(rss) kB"

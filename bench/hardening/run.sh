#!/usr/bin/env bash
# bench/hardening/run.sh - the hardening figures (not part of `swift test`): run by hand, report the numbers.
#
#   1. freeze:  a 1 MiB JSON body with ~96k keys POSTed to /dashboard/run (parsed before auth): how long it takes,
#               and the slowest of the health checks another client makes meanwhile.
#   2. ids:     WES status-poll throughput (wrk -t1 -c32, keep-alive) with 1 run asked about, then again after
#               100,000 distinct unknown run ids were asked about.
#   3. oauth:   server RSS before and after 300 POST /oauth/token with a 1 MB scope (each now refused), and after a reset.
#   4. slow:    4,200 connections sending one header byte a second, while a normal client checks health.
#   5. pauses:  205,000 workspace JSON submits one after another on one keep-alive connection (past the 100,000-run
#               bound and the 200,000th, where the old run table compacted), then as many health checks: the
#               slowest answers of each and which request they were (health shows the machine's own hiccups).
#               Any request held for tens of milliseconds shows here. SUBMITS sets the count.
#
# Environment: MOCKRUNS_BIN (a prebuilt binary; default: build release like scripts/serve), DURATION (5 s per wrk run).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DURATION=${DURATION:-5}
OUT=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$OUT"' EXIT

if [ -z "${MOCKRUNS_BIN:-}" ]; then
  (cd "$ROOT" && source scripts/lib/release.sh && build_release)
  MOCKRUNS_BIN="$(cd "$ROOT" && source scripts/lib/release.sh && release_binary)"
fi
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

"$MOCKRUNS_BIN" --port 0 --log-level warning > "$OUT/ready" 2> "$OUT/stderr" &
pid=$!
until grep -q '"event":"ready"' "$OUT/ready" 2>/dev/null; do kill -0 "$pid"; sleep 0.05; done
port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$OUT/ready")
base="http://127.0.0.1:$port"
rss() { awk '/VmRSS/ {print $2 " kB"}' "/proc/$pid/status"; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); binary: $MOCKRUNS_BIN"

# 1. freeze
python3 - "$OUT/body.json" <<'PY'
import sys
keys = []
size = 2
i = 0
while size < 1_048_000:
    k = '"k%d":1' % i
    keys.append(k); size += len(k) + 1; i += 1
open(sys.argv[1], "w").write("{" + ",".join(keys) + "}")
print("body: %d bytes, %d keys" % (size, i))
PY
( for _ in $(seq 1 40); do curl -s -o /dev/null -w '%{time_total}\n' "$base/__mockruns/health"; sleep 0.01; done ) > "$OUT/health" &
probe=$!
post=$(curl -s -o /dev/null -w '%{http_code} in %{time_total} s' -H 'Content-Type: application/json' --data-binary @"$OUT/body.json" "$base/dashboard/run")
wait "$probe"
echo "1. many-key body: POST /dashboard/run -> $post; slowest concurrent health check: $(sort -n "$OUT/health" | tail -1) s"

# 2. ids
status="/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status"
cat > "$OUT/poll.lua" <<'LUA'
wrk.headers["X-SBG-Auth-Token"] = "tok"
LUA
before=$(wrk -t1 -c32 -d"${DURATION}s" -s "$OUT/poll.lua" "$base$status" | awk '/Requests\/sec/ {print $2}')
cat > "$OUT/unknown.lua" <<'LUA'
local n = 0
wrk.headers["X-SBG-Auth-Token"] = "tok"
request = function()
  n = n + 1
  return wrk.format("GET", string.format("/ga4gh/wes/v1/runs/unknown-%d/status", n))
end
LUA
# One connection: the ids are then exactly 1..N; run until 100,000 distinct ones were sent.
asked=0
while [ "$asked" -lt 100000 ]; do
  sent=$(wrk -t1 -c1 -d5s -s "$OUT/unknown.lua" "$base/" | awk '/requests in/ {print $1}')
  asked=$((asked + sent))
  sed -i "s/^local n = .*/local n = $asked/" "$OUT/unknown.lua"
done
after=$(wrk -t1 -c32 -d"${DURATION}s" -s "$OUT/poll.lua" "$base$status" | awk '/Requests\/sec/ {print $2}')
echo "2. WES status polls: $before req/s with 1 run asked about; $after req/s after $asked distinct unknown ids (RSS $(rss))"

# 3. oauth
curl -s -o /dev/null -X POST "$base/__mockruns/reset"
start=$(rss)
python3 -c 'print("grant_type=client_credentials&client_id=a&client_secret=b&scope=" + "s" * 1000000)' > "$OUT/scope"
codes=$(for _ in $(seq 1 300); do curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @"$OUT/scope" "$base/oauth/token"; done | sort | uniq -c | tr -s ' ' | tr '\n' ';')
mid=$(rss)
curl -s -o /dev/null -X POST "$base/__mockruns/reset"
echo "3. 300 x 1 MB scope -> status counts:$codes RSS $start before, $mid after, $(rss) after a reset"

# 4. slow clients: 4,200 connections each sending one header byte per second (more than the 4,096 connection
#    limit), while a normal client asks for /__mockruns/health every 0.2 s for 12 s.
python3 - "$port" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
conns = []
for _ in range(4200):
    try:
        s = socket.socket(); s.setblocking(False); s.connect_ex(("127.0.0.1", port)); conns.append(s)
    except OSError:
        break
request = b"GET /__mockruns/health HTTP/1.1\r\nHost: x\r\n"
for i in range(12):
    for s in conns:
        try: s.send(request[i % len(request):i % len(request) + 1])
        except OSError: pass
    time.sleep(1)
PY
slow=$!
sleep 1
worst=0; failed=0
for _ in $(seq 1 55); do
  t=$(curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}' "$base/__mockruns/health" || true)
  [ "${t%% *}" = "200" ] || failed=$((failed + 1))
  worst=$(python3 -c "print(max($worst, float('${t##* }' or 0)))")
  sleep 0.2
done
wait "$slow" || true
echo "4. 4,200 slow-header clients: normal health checks: $((55 - failed))/55 answered 200, slowest $worst s"

# 5. pauses: one client, one request at a time, so a slow answer is the server's (or the machine's) pause alone.
curl -s -o /dev/null -X POST "$base/__mockruns/reset"
python3 - "$port" "${SUBMITS:-205000}" <<'PY'
import http.client, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
workspace = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"
body = b'{"inputDocumentId":"c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33","options":{"operation":"process"}}'
headers = {"X-API-Key": "bench-key", "Content-Type": "application/json"}
for label, method, path, payload in [
    ("workspace submits", "POST", "/api/v1/workspaces/%s/runs" % workspace, body),
    ("health checks", "GET", "/__mockruns/health", None),
]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for i in range(n):
        start = time.perf_counter()
        conn.request(method, path, payload, headers if payload else {})
        answer = conn.getresponse()
        answer.read()
        if answer.status >= 300:
            sys.exit("%s: request %d answered %d" % (label, i, answer.status))
        times.append((time.perf_counter() - start, i))
    times.sort()
    slowest = ", ".join("%.1f ms (#%d)" % (t * 1000, i) for t, i in reversed(times[-5:]))
    print("5. %d %s: median %.3f ms, p99.9 %.2f ms, slowest %s" % (
        n, label, times[n // 2][0] * 1000, times[int(n * 0.999)][0] * 1000, slowest))
PY

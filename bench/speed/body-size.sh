#!/usr/bin/env bash
# bench/speed/body-size.sh - what an answer's size costs the floor itself (not part of `swift test`): the fixed-answer
# C server of bench/speed/run.sh (bench/host/c_server.c) answering a body of each size in SIZES, side by side.
#
# bench/speed/run.sh sets every row against the floor's 15-byte {"status":"ok"}. A workspace run is 1,139 bytes and
# a WES status 68 (the bench scenario's), and on a loopback the kernel copies every byte of an answer: a row whose
# answer is larger pays for that in system time, beside the floor's small one, whatever the server does. This
# measures that part alone, so a row's ratio can be read against a floor that sends as much.
#
# Each round serves every size in turn (the order rotating by round): wrk -t1 -c32, keep-alive, 1 s warm-up, then
# DURATION s. Per size: median req/s, the median of the rounds' own ratios to the first size's run of that round,
# the server's CPU per request (user + system µs, /proc/PID/stat) and p99.
#
# Environment: SIZES (body bytes, "15 68 1139"; the first is the reference), ROUNDS (3), DURATION (5 s),
#   OUT (work dir, default ${TMPDIR:-/tmp}/mockruns-body-size).
# Needs wrk, cc, pkg-config and libmicrohttpd-dev. Loopback only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-${TMPDIR:-/tmp}/mockruns-body-size}
SIZES=${SIZES:-15 68 1139}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNECTIONS=32
source "$ROOT/bench/lib.sh"

die() { echo "bench/speed/body-size: $*" >&2; exit 1; }
for n in ROUNDS DURATION; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || { echo "$n must be a positive whole number, got '${!n}'" >&2; exit 64; }
done
read -r -a sizes <<<"$SIZES"
((${#sizes[@]})) || { echo "SIZES must name at least one body size" >&2; exit 64; }
for size in "${sizes[@]}"; do
  [[ $size =~ ^[0-9]+$ ]] && ((size >= 2 && size <= 1048576)) ||
    { echo "SIZES: each size must be a whole number of bytes from 2 to 1048576, got '$size'" >&2; exit 64; }
done
for tool in wrk cc pkg-config; do
  command -v "$tool" >/dev/null || { echo "needs $tool (wrk: apt-get install wrk)" >&2; exit 1; }
done
mkdir -p "$OUT"
RES=$OUT/results
rm -rf "$RES" && mkdir -p "$RES"

PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

cc -O2 -Wall -o "$OUT/c_server" "$ROOT/bench/host/c_server.c" $(pkg-config --cflags --libs libmicrohttpd) ||
  die "cannot build bench/host/c_server.c (needs libmicrohttpd-dev)"

# serve SIZE: the floor answering SIZE bytes, measured; appends req/s, p99 (µs) and CPU per request.
serve() {
  local size=$1 port pid i before after wout=$OUT/wrk.out requests rps p99
  port=$(random_port)
  "$OUT/c_server" "$port" "$size" >/dev/null 2>>"$OUT/server.log" &
  pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 200; i++)); do probe "$port" / && break; sleep 0.05; done
  probe "$port" / || die "the floor did not answer 200 on port $port (see $OUT/server.log)"
  wrk -t1 -c"$CONNECTIONS" -d1s "http://127.0.0.1:$port/" >/dev/null
  before=$(cpu_ticks "$pid")
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/" >"$wout"
  after=$(cpu_ticks "$pid")
  stop_server "$pid"
  requests=$(awk '/ requests in / { print $1 }' "$wout")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$wout")
  p99=$(awk '$1 == "99%" { print $2 }' "$wout")
  [[ -n $rps && -n $p99 && -n $requests ]] || die "wrk gave no figures for $size bytes: $(cat "$wout")"
  echo "$rps" >>"$RES/$size.rps"
  p99=$(to_us "$p99") || die "wrk's p99 for $size bytes is in a unit not known here: $p99"
  echo "$p99" >>"$RES/$size.p99"
  cpu_per_request "$before" "$after" "$requests" >>"$RES/$size.cpu"
  printf '   %8s bytes %10.0f req/s  p99 %8s us  CPU per request: %s us user, %s us system\n' "$size" "$rps" "$p99" \
    $(tail -1 "$RES/$size.cpu") >&2
}

echo "== the floor at ${#sizes[@]} body sizes, $ROUNDS rounds (wrk -t1 -c$CONNECTIONS, ${DURATION} s)" >&2
for ((round = 0; round < ROUNDS; round++)); do
  echo "-- round $((round + 1))/$ROUNDS" >&2
  n=${#sizes[@]}
  for ((i = 0; i < n; i++)); do serve "${sizes[(i + round) % n]}"; done
done

machine="$(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
echo
echo "the floor (bench/host/c_server.c) answering bodies of each size; ratio: to the ${sizes[0]}-byte body, median of the rounds' own"
echo "machine: $machine; load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; wrk -t1 -c$CONNECTIONS, $ROUNDS rounds of ${DURATION} s"
printf '%12s %12s %7s %9s %22s\n' "body bytes" "req/s" "ratio" "p99 us" "CPU/req us (user+sys)"
for size in "${sizes[@]}"; do
  # The ratio: each round's to the reference size's run of that round (paired_ratio, bench/lib.sh).
  printf '%12s %12.0f %7s %9.0f %22s\n' "$size" "$(median <"$RES/$size.rps")" \
    "$(paired_ratio "$RES/$size.rps" "$RES/${sizes[0]}.rps")" "$(median <"$RES/$size.p99")" "$(cpu_median "$RES/$size.cpu")"
done

#!/usr/bin/env bash
# bench/host/run.sh - host overhead benchmark (not part of `swift test`).
#
# Compares the real `mockruns` binary (GET /__mockruns/health) with a fixed-answer C libmicrohttpd server
# (bench/host/c_server.c, same daemon flags) on:
#   startup    exec -> first HTTP 200, median of $RUNS runs (bash /dev/tcp poll loop, no forks while polling)
#   throughput keep-alive requests/s with `wrk -t1 -c32 -d${DURATION}s`
# Targets: startup <= 1.5x C, throughput >= 0.85x C.
#
# Environment: RUNS (20), ROUNDS (5: the servers take turns this many times; medians are reported), DURATION (5), SKIP_SWIFT=1 (C side only), MOCKRUNS_BIN (a prebuilt binary: no build),
#              MOCKRUNS_ARGS (extra CLI arguments; default "--log-level warning"),
#              SWIFT_BUILD_FLAGS (default "--static-swift-stdlib", as scripts/serve builds: it starts several ms faster),
#              STRICT=1 (exit 1 when a target is missed), BENCH_DIR (build output, default $TMPDIR/mockruns-bench).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${BENCH_DIR:-${TMPDIR:-/tmp}/mockruns-bench}
RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
CONNECTIONS=32
# Per-request logging (info level) writes a line to stderr per request: measure the host and router without it.
MOCKRUNS_ARGS=${MOCKRUNS_ARGS---log-level warning}
SWIFT_BUILD_FLAGS=${SWIFT_BUILD_FLAGS---static-swift-stdlib}
mkdir -p "$OUT"
: >"$OUT/server-stderr.log"

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT


# random_port and probe: bench/lib.sh
source "$ROOT/bench/lib.sh"

# wait_ready PORT PATH PID: polls until 200 (at most ~20000 attempts / 10 s). Prints nothing; fails on timeout.
wait_ready() {
  local i deadline=$(( ${EPOCHREALTIME/./} + 10000000 ))
  for ((i = 0; i < 20000; i++)); do
    probe "$1" "$2" && return 0
    kill -0 "$3" 2>/dev/null || { echo "server exited before answering" >&2; return 1; }
    (( ${EPOCHREALTIME/./} < deadline )) || break
  done
  echo "server on port $1 did not answer 200 on $2 in time" >&2
  return 1
}

# stop_server PID: bench/lib.sh

# startup NAME PATH CMD...: median microseconds from exec to the first 200 over $RUNS runs ("{port}" in CMD is replaced).
startup() {
  local path=$1; shift
  local samples=() run port start pid args
  local failures=0
  for ((run = 0; run < RUNS; run++)); do
    port=$(random_port)
    args=("${@//\{port\}/$port}")
    start=${EPOCHREALTIME/./}
    "${args[@]}" >/dev/null 2>>"$OUT/server-stderr.log" &
    pid=$!
    PIDS+=("$pid")
    if ! wait_ready "$port" "$path" "$pid"; then
      stop_server "$pid"
      # A port taken between the check and the bind: try again with another, a few times at most.
      if ((++failures > 3)); then return 1; fi
      ((run--))
      continue
    fi
    samples+=($(( ${EPOCHREALTIME/./} - start )))
    stop_server "$pid"
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

# throughput PATH CMD...: requests/s from wrk (1 s warm-up first).
throughput() {
  local path=$1; shift
  local port pid args rps
  port=$(random_port)
  args=("${@//\{port\}/$port}")
  "${args[@]}" >/dev/null 2>>"$OUT/server-stderr.log" &
  pid=$!
  PIDS+=("$pid")
  wait_ready "$port" "$path" "$pid" || { stop_server "$pid"; return 1; }
  wrk -t1 -c"$CONNECTIONS" -d1s "http://127.0.0.1:$port$path" >/dev/null
  rps=$(wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$port$path" | awk '/^Requests\/sec:/ { print $2 }')
  stop_server "$pid"
  [[ -n $rps ]] || { echo "wrk gave no Requests/sec" >&2; return 1; }
  echo "$rps"
}

command -v wrk >/dev/null || { echo "wrk is not installed" >&2; exit 1; }

echo "== building the C baseline"
cc -O2 -Wall -o "$OUT/c_server" "$ROOT/bench/host/c_server.c" $(pkg-config --cflags --libs libmicrohttpd)

SWIFT_BIN=${MOCKRUNS_BIN:-}
if [[ -z $SWIFT_BIN && ${SKIP_SWIFT:-0} != 1 ]]; then
  echo "== building mockruns (release)"
  # A few attempts: a source file edited mid-build makes SwiftPM give up.
  for attempt in 1 2 3; do
    # shellcheck disable=SC2086 # SWIFT_BUILD_FLAGS is a list of words
    if swift build -c release --product mockruns --package-path "$ROOT" --scratch-path "$OUT/swift" $SWIFT_BUILD_FLAGS \
      >"$OUT/swift-build.log" 2>&1; then
      # shellcheck disable=SC2086
      SWIFT_BIN=$(swift build -c release --product mockruns --package-path "$ROOT" --scratch-path "$OUT/swift" $SWIFT_BUILD_FLAGS --show-bin-path)/mockruns
      break
    fi
    echo "   swift build attempt $attempt failed (see $OUT/swift-build.log)" >&2
  done
  [[ -n $SWIFT_BIN ]] || echo "   measuring the C side only" >&2
fi

echo "== $ROUNDS rounds, servers taking turns; startup: median of $RUNS runs a round; throughput: wrk -t1 -c$CONNECTIONS -d${DURATION}s; medians over the rounds; mockruns args: $MOCKRUNS_ARGS"
# median: bench/lib.sh

# The two servers take turns, ROUNDS times, and each figure is the median of its rounds: on a shared 2-core
# machine one 5 s wrk run swings by 30 %, and turns keep a slow patch from landing on one side only.
C_STARTS=() C_RPSS=() S_STARTS=() S_RPSS=()
for ((round = 1; round <= ROUNDS; round++)); do
  C_STARTS+=("$(startup / "$OUT/c_server" "{port}")")
  C_RPSS+=("$(throughput / "$OUT/c_server" "{port}")")
  if [[ -n $SWIFT_BIN ]]; then
    # shellcheck disable=SC2086 # MOCKRUNS_ARGS is a list of words
    if S_STARTS+=("$(startup /__mockruns/health "$SWIFT_BIN" --port "{port}" $MOCKRUNS_ARGS)") \
      && S_RPSS+=("$(throughput /__mockruns/health "$SWIFT_BIN" --port "{port}" $MOCKRUNS_ARGS)"); then
      :
    else
      echo "   mockruns did not serve GET /__mockruns/health with 200; Swift side skipped (server stderr: $OUT/server-stderr.log)" >&2
      SWIFT_BIN=""
      S_STARTS=() S_RPSS=()
    fi
  fi
  # (An empty array has no last element: SKIP_SWIFT=1, or a Swift side skipped, made this line fail.)
  S_LAST=n/a
  ((${#S_RPSS[@]} == 0)) || S_LAST=${S_RPSS[-1]}
  echo "   round $round: C ${C_RPSS[-1]} req/s, mockruns $S_LAST req/s" >&2
done
C_START=$(printf '%s\n' "${C_STARTS[@]}" | median)
C_RPS=$(printf '%s\n' "${C_RPSS[@]}" | median)
S_START="" S_RPS=""
if ((${#S_RPSS[@]} > 0)); then
  S_START=$(printf '%s\n' "${S_STARTS[@]}" | median)
  S_RPS=$(printf '%s\n' "${S_RPSS[@]}" | median)
fi

echo
printf '%-22s %14s %16s\n' "server" "startup (ms)" "requests/s"
printf '%-22s %14.2f %16.0f\n' "C libmicrohttpd" "$(awk "BEGIN { print $C_START / 1000 }")" "$C_RPS"
status=0
if [[ -n $S_START && -n $S_RPS ]]; then
  printf '%-22s %14.2f %16.0f\n' "mockruns (Swift)" "$(awk "BEGIN { print $S_START / 1000 }")" "$S_RPS"
  START_RATIO=$(awk "BEGIN { printf \"%.2f\", $S_START / $C_START }")
  RPS_RATIO=$(awk "BEGIN { printf \"%.2f\", $S_RPS / $C_RPS }")
  START_OK=$(awk "BEGIN { print ($START_RATIO <= 1.5) ? \"ok\" : \"MISSED\" }")
  RPS_OK=$(awk "BEGIN { print ($RPS_RATIO >= 0.85) ? \"ok\" : \"MISSED\" }")
  echo
  echo "startup ratio    swift/C = $START_RATIO  (target <= 1.5)   $START_OK"
  echo "throughput ratio swift/C = $RPS_RATIO  (target >= 0.85)  $RPS_OK"
  if [[ $START_OK != ok || $RPS_OK != ok ]]; then status=1; fi
else
  echo "mockruns (Swift)       not measured"
fi
if [[ ${STRICT:-0} == 1 ]]; then exit "$status"; fi
exit 0

#!/usr/bin/env bash
# bench/sessions/root-poll-ab.sh BASELINE_BIN [CANDIDATE_BIN] - is the root's WES status poll slower in CANDIDATE?
#
# Both binaries serve bench/speed/scenario.json at once and are polled at the same time (one wrk -t1 -c32 each,
# keep-alive, 1 s warm-up, DURATION s), so load from other builds on a shared machine hits both alike. Per round:
# each side's req/s, candidate/baseline, and each server's CPU time per request (utime+stime from /proc).
# With SESSION=1 the candidate is polled under /__sessions/ab/ instead (a session made first): the cost of the
# prefix. CANDIDATE_BIN defaults to a release build of this checkout. Environment: ROUNDS (5), DURATION (5 s).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/bench/lib.sh"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
[[ $# -ge 1 && -x $1 ]] || { echo "usage: $0 BASELINE_BIN [CANDIDATE_BIN] (executables)" >&2; exit 64; }
BASE_BIN=$1
CAND_BIN=${2:-}
if [ -z "$CAND_BIN" ]; then
  (cd "$ROOT" && source scripts/lib/release.sh && build_release)
  CAND_BIN="$(cd "$ROOT" && source scripts/lib/release.sh && release_binary)"
fi
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
OUT=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$OUT"' EXIT
POLL=/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status
HZ=$(getconf CLK_TCK)

# serve NAME BIN: sets NAME_PID and NAME_PORT.
serve() {
  "$2" --port 0 --log-level warning --scenario "$ROOT/bench/speed/scenario.json" >"$OUT/$1.ready" 2>>"$OUT/stderr" &
  local pid=$! i
  PIDS+=("$pid")
  for ((i = 0; i < 200; i++)); do grep -q '"event":"ready"' "$OUT/$1.ready" 2>/dev/null && break; sleep 0.05; done
  printf -v "$1_PID" %s "$pid"
  printf -v "$1_PORT" %s "$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$OUT/$1.ready")"
}
serve base "$BASE_BIN"
serve cand "$CAND_BIN"
base_url=http://127.0.0.1:$base_PORT$POLL
cand_url=http://127.0.0.1:$cand_PORT$POLL
if [[ ${SESSION:-0} == 1 ]]; then
  curl -sf -X POST "http://127.0.0.1:$cand_PORT/__mockruns/sessions" -H 'Content-Type: application/json' -d '{"name": "ab"}' >/dev/null
  cand_url=http://127.0.0.1:$cand_PORT/__sessions/ab$POLL
fi
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
both() { # both SECONDS: the two wrk runs at once, into base.out and cand.out
  wrk -t1 -c32 -d"$1"s -H 'X-SBG-Auth-Token: tok' "$base_url" >"$OUT/base.out" &
  local pid=$!
  wrk -t1 -c32 -d"$1"s -H 'X-SBG-Auth-Token: tok' "$cand_url" >"$OUT/cand.out"
  wait "$pid"  # not a bare wait: the servers are this shell's children too
}
echo "baseline: $BASE_BIN; candidate: $CAND_BIN$([[ ${SESSION:-0} == 1 ]] && echo ' (under /__sessions/ab/)')"
echo "| round | baseline req/s | candidate req/s | ratio | baseline CPU/request | candidate CPU/request |"
echo "|---:|---:|---:|---:|---:|---:|"
for ((r = 1; r <= ROUNDS; r++)); do
  both 1
  b0=$(ticks "$base_PID") c0=$(ticks "$cand_PID")
  both "$DURATION"
  b1=$(ticks "$base_PID") c1=$(ticks "$cand_PID")
  if grep -q Non-2xx "$OUT/base.out" "$OUT/cand.out"; then echo "non-2xx answers: not a benchmark" >&2; exit 1; fi
  nb=$(awk '/requests in/ {print $1}' "$OUT/base.out") nc=$(awk '/requests in/ {print $1}' "$OUT/cand.out")
  awk -v r="$r" -v nb="$nb" -v nc="$nc" -v d="$DURATION" -v cb=$((b1 - b0)) -v cc=$((c1 - c0)) -v hz="$HZ" 'BEGIN {
    printf "| %d | %.0f | %.0f | %.3f | %.2f µs | %.2f µs |\n", r, nb / d, nc / d, nc / nb, cb / hz * 1e6 / nb, cc / hz * 1e6 / nc }'
done

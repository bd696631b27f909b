#!/usr/bin/env bash
# bench/speed/instructions.sh - instructions the server's threads spend per request, counted by callgrind (not
# part of `swift test`): repeatable to a few instructions on a shared, noisy machine, where req/s is not. Each kind
# is served twice under valgrind (bench/speed/scenario.json), once for 1,000 requests and once for 1,000 + REQUESTS
# over one keep-alive connection (bench/speed/poll.py); the difference over REQUESTS leaves out start-up, setup and
# shutdown. libmicrohttpd's own work is in the figure: about 33,000 a request here, ~25,000 of it the memset of
# mockruns' 16 KiB per-connection memory (HTTPServer.defaultHeaderMemoryBytes; --max-header-bytes sets it); the
# fixed-answer C floor of bench/speed/run.sh keeps the library's default 32 KiB and executes ~57,900 a request,
# ~49,000 of them that memset.
#
# usage: bench/speed/instructions.sh [KIND...]   kinds: wes workspace foundry controller solvexia health submit-wes
#   submit-workspace (default: all). Environment: MOCKRUNS_BIN (default .build/release/mockruns), REQUESTS (10000). Needs valgrind.
# Compare two builds: MOCKRUNS_BIN=/tmp/old bench/speed/instructions.sh wes; then the new one.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${MOCKRUNS_BIN:-$ROOT/.build/release/mockruns}
REQUESTS=${REQUESTS:-10000}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/mockruns-instructions.XXXXXX")
[[ -x $BIN ]] || { echo "no mockruns binary at $BIN (scripts/lib/release.sh: source it, then build_release)" >&2; exit 1; }
[[ $REQUESTS =~ ^[1-9][0-9]*$ ]] || { echo "REQUESTS must be a positive whole number, got '$REQUESTS'" >&2; exit 64; }
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
source "$ROOT/bench/lib.sh"

PID=""
trap '[[ -n $PID ]] && kill "$PID" 2>/dev/null; rm -rf "$OUT"' EXIT

# count KIND N: sets COUNT to the server threads' instructions (inclusive, start_thread) for N requests of KIND.
# (Not run in a $(...) subshell, so the EXIT trap sees PID and stops a valgrind left by an interruption.)
count() {
  local kind=$1 n=$2 port file=$OUT/$1.$2 ready=$OUT/ready i
  port=$(random_port)
  : >"$ready"
  valgrind --tool=callgrind --callgrind-out-file="$file" "$BIN" --scenario "$ROOT/bench/speed/scenario.json" \
    --port "$port" --host 127.0.0.1 --log-level warning >"$ready" 2>"$OUT/valgrind.log" &
  PID=$!
  for ((i = 0; i < 600; i++)); do grep -q '"event":"ready"' "$ready" && break; sleep 0.05; done
  grep -q '"event":"ready"' "$ready" || { echo "$kind: mockruns under valgrind printed no ready line in 30 s" >&2; exit 1; }
  python3 "$ROOT/bench/speed/poll.py" "$port" "$kind" "$n" || exit 1
  kill -TERM "$PID"
  wait "$PID" 2>/dev/null || true
  PID=""
  # awk reads to the end: leaving early would stop callgrind_annotate with SIGPIPE, a failure under pipefail.
  COUNT=$(callgrind_annotate --inclusive=yes "$file" 2>/dev/null |
    awk '/pthread_create.c:start_thread/ && !done { gsub(",", "", $1); print $1; done = 1 }')
}

kinds=("$@")
((${#kinds[@]})) || kinds=(wes workspace foundry controller solvexia health submit-wes submit-workspace)
echo "instructions per request on the server's threads (callgrind; $BIN)"
for kind in "${kinds[@]}"; do
  count "$kind" 1000
  a=$COUNT
  count "$kind" $((1000 + REQUESTS))
  b=$COUNT
  [[ -n $a && -n $b ]] || { echo "$kind: callgrind gave no count" >&2; exit 1; }
  printf '  %-12s %8d\n' "$kind" $(((b - a) / REQUESTS))
done

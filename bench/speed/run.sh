#!/usr/bin/env bash
# bench/speed/run.sh - mockruns side by side with the floor (not part of `swift test`): run by hand, read the table.
#
# The floor is bench/host/c_server.c: a fixed-answer C libmicrohttpd server with mockruns' daemon flags, answering
# every request 200 {"status":"ok"}. Both servers run at once and take turns request kind by request kind, ROUNDS
# times (who goes first alternates); each figure is the median over the rounds, each ratio the median of the
# rounds' own ratios. wrk -t1 -c32, keep-alive, 1 s warm-up, then DURATION s with --latency (p99). Measured:
#   status polls  every API's status read on the default scenario's seed runs (bench/speed/scenario.json: the
#                 embedded default, kept answering 200 to repeated polls), and GET /__mockruns/health
#   10,000 live   the same polls after LIVE_RUNS runs were created in every API (bench/speed/create.lua)
#   submit        WES POST /ga4gh/wes/v1/runs (multipart) and workspace POST .../runs (JSON) (bench/speed/submit.lua)
#   startup       exec -> first 200 on /__mockruns/health (embedded default scenario) vs the floor's first 200,
#                 median of RUNS starts a round, the two taking turns (bench/host/run.sh's /dev/tcp probe)
#   --threads 2   the polls and health again, as their own rows, when the binary has that option
# Beside req/s, each row shows the server's CPU time per request (user + system, from /proc/PID/stat around the
# wrk run): the server thread is the bottleneck here, so this says how much of a request is mockruns' own work
# (user) and how much the kernel's TCP (system), which no server on this host can take out.
# Every measured request is checked first with curl (its first answer must be 200/201), and a wrk run with any
# non-2xx answer fails the benchmark: a fast 404 is not a benchmark.
# Targets (mockruns / floor): status polls >= 0.85x req/s, health >= 0.95x, submit >= 0.5x, every p99 <= 1.2x the
# floor's, startup <= 1.5x.
#
# Environment: MOCKRUNS_BIN (a prebuilt binary; else a release build of this checkout, as bench/host does),
#   ROUNDS (3), DURATION (5 s), RUNS (20 starts per server a round), LIVE_RUNS (10000 per API),
#   STRICT=1 (exit 1 when a target is missed), OUT (work dir, default ${TMPDIR:-/tmp}/mockruns-speed).
# Needs wrk (apt-get install wrk), curl, python3, cc, pkg-config and libmicrohttpd-dev. Loopback only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/speed
OUT=${OUT:-${TMPDIR:-/tmp}/mockruns-speed}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
RUNS=${RUNS:-20}
LIVE_RUNS=${LIVE_RUNS:-10000}
CONNECTIONS=32
CREATE_TIMEOUT=300 # seconds at most to create LIVE_RUNS runs of one API
SCENARIO=$HERE/scenario.json
WORKSPACE=3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10 # the workspace seed page's ids (docs/apis/workspace.md)
DOCUMENT=c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33
MOCKRUNS_ARGS=(--log-level warning) # info logs a line per request

for n in ROUNDS DURATION RUNS LIVE_RUNS; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || { echo "$n must be a positive whole number, got '${!n}'" >&2; exit 64; }
done
for tool in wrk curl python3 cc pkg-config; do
  command -v "$tool" >/dev/null || { echo "needs $tool (wrk: apt-get install wrk)" >&2; exit 1; }
done
mkdir -p "$OUT"
RES=$OUT/results
rm -rf "$RES" && mkdir -p "$RES"
LOG=$OUT/servers.log
: >"$LOG"

PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do [[ -n $pid ]] && kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench/speed: $*" >&2; exit 1; }
# median: bench/lib.sh

# ---------------------------------------------------------------------------------------------------- servers

# start_server VAR CMD...: starts CMD (which prints a {"event":"ready",...,"port":N} line), waits for that line
# (at most 10 s) and sets VAR_PID and VAR_PORT.
start_server() {
  local var=$1 pid port i ready=$OUT/$1.ready
  shift
  : >"$ready"
  "$@" >"$ready" 2>>"$LOG" &
  pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 200; i++)); do
    grep -q '"event":"ready"' "$ready" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || die "$* exited before its ready line (see $LOG)"
    sleep 0.05
  done
  port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$ready")
  [[ -n $port ]] || die "$* printed no ready line in 10 s (see $LOG)"
  printf -v "${var}_PID" %s "$pid"
  printf -v "${var}_PORT" %s "$port"
}

# stop_server PID: bench/lib.sh

# ------------------------------------------------------------------------------ startup (as bench/host/run.sh)

# random_port and probe: bench/lib.sh
source "$ROOT/bench/lib.sh"
source "$ROOT/scripts/lib/release.sh" # build_release, release_binary: the flags ./scripts/serve builds with

# start_once PATH CMD... ("{port}" in CMD is replaced): microseconds from exec to the first 200 on PATH (at most
# 20000 probes / 10 s).
start_once() {
  local path=$1 port start pid i took=""
  shift
  port=$(random_port)
  start=${EPOCHREALTIME/./}
  "${@//\{port\}/$port}" >/dev/null 2>>"$LOG" &
  pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 20000; i++)); do
    if probe "$port" "$path"; then took=$((${EPOCHREALTIME/./} - start)); break; fi
    kill -0 "$pid" 2>/dev/null || break
    ((${EPOCHREALTIME/./} - start < 10000000)) || break
  done
  stop_server "$pid"
  [[ -n $took ]] || return 1
  echo "$took"
}

# startup_round: RUNS starts of each server, taking turns; appends each one's median (µs) to its results.
startup_round() {
  local run m f tries ms=() fs=()
  for ((run = 0; run < RUNS; run++)); do
    # A port taken between the check and the bind: another port, three times at most.
    for tries in 1 2 3 4; do f=$(start_once / "$OUT/c_server" "{port}") && break; f=""; done
    for tries in 1 2 3 4; do m=$(start_once /__mockruns/health "$MOCKRUNS_BIN" --port "{port}" "${MOCKRUNS_ARGS[@]}") && break; m=""; done
    [[ -n $f ]] || die "the floor server did not answer 200 on / after starting (see $LOG)"
    [[ -n $m ]] || die "mockruns did not answer 200 on /__mockruns/health after starting (see $LOG)"
    fs+=("$f") ms+=("$m")
  done
  printf '%s\n' "${fs[@]}" | median >>"$RES/startup.F.rps"
  printf '%s\n' "${ms[@]}" | median >>"$RES/startup.M.rps"
}

# ------------------------------------------------------------------------------------------------ the requests

# A row: ID|API|endpoint|kind (poll, health, submit)|method path (path for GETs)|header ("" for none)
# The Solvexia token and the workspace run id are filled in per mockruns server: @TOKEN@, @WSRUN@.
POLL_ROWS=(
  "foundry|Foundry|GET /dashboard/run_status?...|poll|/dashboard/run_status?apiKey=k&sourceID=SCR_017041-1&status2Match=error&stepName=transform|"
  "controller|Controller|GET /controller/run_status?...|poll|/controller/run_status?api_key=k&resourceID=SCR_017041|"
  "wes|WES|GET /ga4gh/wes/v1/runs/{id}/status|poll|/ga4gh/wes/v1/runs/40a9c1a6-9263-4982-a574-e494f7c4b621/status|X-SBG-Auth-Token: tok"
  "solvexia|Solvexia|GET /api/v1/processruns/{id}/runstatus|poll|/api/v1/processruns/pr-263/runstatus|Authorization: Bearer @TOKEN@"
  "workspace|workspace|GET /api/v1/workspaces/{id}/runs/{runId}|poll|/api/v1/workspaces/$WORKSPACE/runs/@WSRUN@|X-API-Key: bench-key"
)
HEALTH_ROW="health|admin|GET /__mockruns/health|health|/__mockruns/health|"
SUBMIT_ROWS=(
  "submit-wes|WES|POST /ga4gh/wes/v1/runs (multipart)|submit|wes|"
  "submit-workspace|workspace|POST /api/v1/workspaces/{id}/runs (JSON)|submit|workspace|"
)

TOKEN="" WSRUN=""
fill() { local s=${1//@TOKEN@/$TOKEN}; echo "${s//@WSRUN@/$WSRUN}"; }

# check_first PORT WHAT ROW: the request's first answer (with curl) must be 2xx (200 for GETs); else the body is
# shown and the benchmark stops.
check_first() {
  local port=$1 what=$2 id kind target header code body=$OUT/check.body
  IFS='|' read -r id _ _ kind target header <<<"$3"
  target=$(fill "$target") header=$(fill "$header")
  local args=(-sS -m 10 -o "$body" -w '%{http_code}')
  [[ -n $header ]] && args+=(-H "$header")
  if [[ $kind == submit && $target == wes ]]; then
    code=$(curl "${args[@]}" -H 'X-SBG-Auth-Token: tok' -F workflow_url=https://cavatica.sbgenomics.com/u/example/project/apps/fastqc/1 \
      -F workflow_type=CWL -F workflow_type_version=v1.0 \
      -F 'workflow_params={"input_file": {"class": "File", "path": "s3://example-bucket/sample.fastq"}}' \
      "http://127.0.0.1:$port/ga4gh/wes/v1/runs") || code=000
  elif [[ $kind == submit ]]; then
    code=$(curl "${args[@]}" -H 'X-API-Key: bench-key' -H 'Content-Type: application/json' \
      -d "{\"inputDocumentId\":\"$DOCUMENT\",\"options\":{\"operation\":\"process\"}}" \
      "http://127.0.0.1:$port/api/v1/workspaces/$WORKSPACE/runs") || code=000
  else
    code=$(curl "${args[@]}" "http://127.0.0.1:$port$target") || code=000
  fi
  if [[ $code != 2?? || ($kind != submit && $code != 200) ]]; then
    die "$what: the first answer to $id is $code, not 200: $(head -c 300 "$body" 2>/dev/null)"
  fi
}

# to_us VALUE, cpu_ticks PID, TICK_US and cpu_per_request: bench/lib.sh

# measure SIDE(M|F|T) PORT ROW: 1 s warm-up, then DURATION s; appends req/s, p99 (µs) and the server's CPU per
# request (user and system µs: where a request's time goes, beside the floor's) to the row's results.
# Any non-2xx answer fails the benchmark; socket errors are reported.
measure() {
  local side=$1 port=$2 id kind target header wout=$OUT/wrk.out rps p99 non2xx errs pid before after requests
  IFS='|' read -r id _ _ kind target header <<<"$3"
  target=$(fill "$target") header=$(fill "$header")
  local args=(-t1 -c"$CONNECTIONS" --latency)
  [[ -n $header ]] && args+=(-H "$header")
  local url=http://127.0.0.1:$port$target
  if [[ $kind == submit ]]; then
    url=http://127.0.0.1:$port
    args+=(-s "$HERE/submit.lua")
  fi
  local rest=()
  [[ $kind == submit ]] && rest=(-- "$target" "$WORKSPACE")
  pid=$MOCK_PID; [[ $side == F ]] && pid=$FLOOR_PID
  wrk "${args[@]}" -d1s "$url" "${rest[@]}" >/dev/null
  before=$(cpu_ticks "$pid")
  wrk "${args[@]}" -d"${DURATION}s" "$url" "${rest[@]}" >"$wout"
  after=$(cpu_ticks "$pid")
  requests=$(awk '/ requests in / { print $1 }' "$wout")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$wout")
  p99=$(awk '$1 == "99%" { print $2 }' "$wout")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$wout")
  errs=$(sed -n 's/^ *Socket errors: //p' "$wout")
  [[ -n $rps && -n $p99 ]] || die "wrk gave no Requests/sec or p99 for $id ($side): $(cat "$wout")"
  [[ -z $non2xx || $non2xx == 0 ]] || die "$id ($side): $non2xx answers were not 2xx during the run: $(cat "$wout")"
  [[ -z $errs ]] || echo "   $id ($side): socket errors: $errs" >&2
  echo "$rps" >>"$RES/$id.$side.rps"
  to_us "$p99" >>"$RES/$id.$side.p99"
  cpu_per_request "$before" "$after" "$requests" >>"$RES/$id.$side.cpu"
  printf '   %-22s %-3s %10.0f req/s  p99 %-9s server CPU per request: %s us user, %s us system\n' "$id" "$side" "$rps" "$p99" \
    $(tail -1 "$RES/$id.$side.cpu") >&2
}

# turns ROUND MPORT FPORT SUFFIX ROW...: each row on both servers, who goes first alternating by round.
turns() {
  local round=$1 mport=$2 fport=$3 suffix=$4 row id rest
  shift 4
  for row in "$@"; do
    id=${row%%|*} rest=${row#*|}
    row="$id$suffix|$rest"
    if ((round % 2)); then
      measure M "$mport" "$row"; measure F "$fport" "$row"
    else
      measure F "$fport" "$row"; measure M "$mport" "$row"
    fi
  done
}

# prepare PORT: what the polls need on a fresh mockruns: a Solvexia token, Foundry's and the Controller's runs
# started, one workspace run; then every poll's first answer checked.
prepare() {
  local port=$1 u=http://127.0.0.1:$1 code
  TOKEN=$(curl -sS -m 10 -d grant_type=client_credentials -d client_id=bench -d client_secret=bench "$u/oauth/token" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])') || die "POST /oauth/token gave no access_token"
  code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -d apiKey=k -d sourceID=SCR_017041-1 -d status2Match=error \
    -d stepName=transform "$u/dashboard/run")
  [[ $code == 200 ]] || die "POST /dashboard/run answered $code"
  code=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' -X POST "$u/controller/run?api_key=k&resourceID=SCR_017041")
  [[ $code == 200 ]] || die "POST /controller/run answered $code"
  WSRUN=$(curl -sS -m 10 -H 'X-API-Key: bench-key' -H 'Content-Type: application/json' \
    -d "{\"inputDocumentId\":\"$DOCUMENT\",\"options\":{\"operation\":\"process\"}}" "$u/api/v1/workspaces/$WORKSPACE/runs" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])') || die "POST workspace run gave no id"
}

# populate PORT: LIVE_RUNS runs created in every API (bench/speed/create.lua). Every creation must answer 2xx, and the
# server must then hold at least 99 % of LIVE_RUNS runs of the API (fewer is reported: Solvexia draws its created
# run ids from six random digits, so of 10,000 some collide).
populate() {
  local port=$1 api w i start took held out=$OUT/create.out
  for api in wes workspace foundry controller solvexia; do
    start=${EPOCHREALTIME/./}
    : >"$out"
    wrk -t1 -c"$CONNECTIONS" -d"${CREATE_TIMEOUT}s" -s "$HERE/create.lua" "http://127.0.0.1:$port" -- \
      "$api" "$LIVE_RUNS" "$TOKEN" "$WORKSPACE" >"$out" 2>&1 &
    w=$!
    PIDS+=("$w")
    # wrk waits for its whole -d after create.lua stopped sending: stop it once the line is there.
    for ((i = 0; i < CREATE_TIMEOUT * 20; i++)); do
      grep -q '^created:' "$out" && break
      kill -0 "$w" 2>/dev/null || break
      sleep 0.05
    done
    took=$(((${EPOCHREALTIME/./} - start) / 1000))
    sleep 0.2 # the creations still in flight
    stop_server "$w"
    grep -q '^created: [0-9]*, non-2xx: 0$' "$out" || die "creating $LIVE_RUNS $api runs failed or took over ${CREATE_TIMEOUT}s: $(cat "$out")"
    held=$(curl -sS -m 60 "http://127.0.0.1:$port/__mockruns/runs?api=$api" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["runs"]))')
    ((held * 100 >= LIVE_RUNS * 99)) || die "after creating $LIVE_RUNS $api runs the server holds $held"
    ((held >= LIVE_RUNS)) || echo "   $api: $(sed -n 's/^created: \([0-9]*\),.*/\1/p' "$out")+ creations answered 2xx, but the server holds $held runs" >&2
    echo "$took" >>"$RES/create-$api.ms"
    echo "$held" >>"$RES/create-$api.held"
    printf '   created %d %s runs (%d held) in %d ms\n' "$LIVE_RUNS" "$api" "$held" "$took" >&2
  done
}

# ---------------------------------------------------------------------------------------------------- build

echo "== building the floor (bench/host/c_server.c)" >&2
# shellcheck disable=SC2046 # pkg-config prints a list of flags
cc -O2 -Wall -o "$OUT/c_server" "$ROOT/bench/host/c_server.c" $(pkg-config --cflags --libs libmicrohttpd)

COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
COMMIT+=" (Sources last changed in $(git -C "$ROOT" log -1 --format=%h -- Sources Package.swift 2>/dev/null || echo '?'))"
[[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no -- Sources Package.swift 2>/dev/null) ]] && COMMIT+=" with uncommitted changes"
if [[ -n ${MOCKRUNS_BIN:-} ]]; then
  [[ -x $MOCKRUNS_BIN ]] || die "MOCKRUNS_BIN=$MOCKRUNS_BIN is not an executable"
  BUILT="MOCKRUNS_BIN=$MOCKRUNS_BIN (prebuilt; this checkout is at $COMMIT)"
else
  echo "== building mockruns (release, scripts/lib/release.sh) in $OUT/swift" >&2
  for attempt in 1 2 3; do # a source file edited mid-build makes SwiftPM give up
    if build_release --package-path "$ROOT" --scratch-path "$OUT/swift" 2>"$OUT/swift-build.log"; then
      MOCKRUNS_BIN=$(release_binary --package-path "$ROOT" --scratch-path "$OUT/swift")
      break
    fi
    echo "   swift build attempt $attempt failed (see $OUT/swift-build.log)" >&2
  done
  [[ -n ${MOCKRUNS_BIN:-} ]] || die "could not build mockruns (see $OUT/swift-build.log)"
  BUILT="release build of $COMMIT ($MOCKRUNS_BIN)"
fi
"$MOCKRUNS_BIN" validate "$SCENARIO" >/dev/null || die "$SCENARIO does not validate"
THREADS=0
# Read whole, then searched: `grep -q` in a pipe stops reading early, the help writer dies of SIGPIPE, and
# pipefail then counted the option as missing.
HELP=$("$MOCKRUNS_BIN" serve --help 2>&1 || true)
[[ $HELP == *--threads* ]] && THREADS=1

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== $ROUNDS rounds of wrk -t1 -c$CONNECTIONS -d${DURATION}s, servers taking turns; $RUNS starts a round" >&2

# ---------------------------------------------------------------------------------------------------- rounds

for ((round = 1; round <= ROUNDS; round++)); do
  echo "-- round $round/$ROUNDS" >&2
  start_server FLOOR "$OUT/c_server" 0
  start_server MOCK "$MOCKRUNS_BIN" --scenario "$SCENARIO" --port 0 "${MOCKRUNS_ARGS[@]}"
  prepare "$MOCK_PORT"
  for row in "${POLL_ROWS[@]}" "$HEALTH_ROW"; do
    check_first "$MOCK_PORT" mockruns "$row"; check_first "$FLOOR_PORT" floor "$row"
  done
  turns "$round" "$MOCK_PORT" "$FLOOR_PORT" "" "${POLL_ROWS[@]}" "$HEALTH_ROW"

  populate "$MOCK_PORT"
  for row in "${POLL_ROWS[@]}"; do check_first "$MOCK_PORT" mockruns "$row"; done
  turns "$round" "$MOCK_PORT" "$FLOOR_PORT" "-live" "${POLL_ROWS[@]}"

  for row in "${SUBMIT_ROWS[@]}"; do
    check_first "$MOCK_PORT" mockruns "$row"; check_first "$FLOOR_PORT" floor "$row"
  done
  turns "$round" "$MOCK_PORT" "$FLOOR_PORT" "" "${SUBMIT_ROWS[@]}"
  stop_server "$MOCK_PID"

  if ((THREADS)); then
    start_server MOCK "$MOCKRUNS_BIN" --scenario "$SCENARIO" --port 0 --threads 2 "${MOCKRUNS_ARGS[@]}"
    prepare "$MOCK_PORT"
    for row in "${POLL_ROWS[@]}" "$HEALTH_ROW"; do check_first "$MOCK_PORT" "mockruns --threads 2" "$row"; done
    turns "$round" "$MOCK_PORT" "$FLOOR_PORT" "-threads" "${POLL_ROWS[@]}" "$HEALTH_ROW"
    stop_server "$MOCK_PID"
  fi
  stop_server "$FLOOR_PID"

  startup_round
  printf '   startup: floor %s us, mockruns %s us (medians of %d)\n' "$(tail -1 "$RES/startup.F.rps")" "$(tail -1 "$RES/startup.M.rps")" "$RUNS" >&2
done

# ---------------------------------------------------------------------------------------------------- table

verdict() { # verdict VALUE OP LIMIT: "ok" or "MISSED"
  if awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { exit !((op == ">=") ? v >= l : v <= l) }'; then echo ok; else echo MISSED; fi
}
fmt_us() { awk -v v="$1" 'BEGIN { if (v >= 1000) printf "%.2f ms", v / 1000; else printf "%.0f us", v }'; }

line() { printf '%-10s %-58s %14s %11s %6s %12s %10s %9s %17s %15s  %s\n' "$@"; }

# cpu_median FILE and paired_ratio M_FILE F_FILE (mockruns over the floor): bench/lib.sh

# row_line ID API ENDPOINT RPS_TARGET
row_line() {
  local id=$1 api=$2 endpoint=$3 target=$4 m f mp fp ratio pratio
  m=$(median <"$RES/$id.M.rps") f=$(median <"$RES/$id.F.rps")
  mp=$(median <"$RES/$id.M.p99") fp=$(median <"$RES/$id.F.p99")
  ratio=$(paired_ratio "$RES/$id.M.rps" "$RES/$id.F.rps")
  pratio=$(paired_ratio "$RES/$id.M.p99" "$RES/$id.F.p99")
  line "$api" "$endpoint" "$(printf '%.0f' "$m")" "$(printf '%.0f' "$f")" "$ratio" "$(fmt_us "$mp")" "$(fmt_us "$fp")" "$pratio" \
    "$(cpu_median "$RES/$id.M.cpu")" "$(cpu_median "$RES/$id.F.cpu")" "req/s >=${target}x $(verdict "$ratio" ">=" "$target"), p99 <=1.2x $(verdict "$pratio" "<=" 1.2)"
}

row_parts() { IFS='|' read -r R_ID R_API R_ENDPOINT R_KIND _ <<<"$1"; }

{
echo
echo "mockruns vs the floor (bench/host/c_server.c: fixed-answer C libmicrohttpd, same daemon flags)"
echo "machine:  $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r), load average $LOAD_BEFORE at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
echo "mockruns: $BUILT, $("$MOCKRUNS_BIN" --version 2>/dev/null | head -1); libmicrohttpd $(pkg-config --modversion libmicrohttpd)"
echo "method:   wrk -t1 -c$CONNECTIONS keep-alive, ${DURATION} s after 1 s warm-up; $ROUNDS rounds, the servers taking turns; medians over the rounds"
echo "          (a ratio is the median of the rounds' own ratios, each of two runs back to back)"
echo "          mockruns ${MOCKRUNS_ARGS[*]} --scenario bench/speed/scenario.json (the default's seed runs, kept 200)"
echo "          CPU/req: the server process's CPU time per answered request, µs (user+system, /proc/PID/stat); the"
echo "          system part is the kernel's TCP work, which the floor pays too: only the user part is mockruns' own"
echo
line "API" "endpoint" "mockruns req/s" "floor req/s" "ratio" "mockruns p99" "floor p99" "p99 ratio" "mockruns CPU/req" "floor CPU/req" "targets"
line "---" "--------" "--------------" "-----------" "-----" "------------" "---------" "---------" "----------------" "-------------" "-------"
for row in "${POLL_ROWS[@]}" "$HEALTH_ROW"; do
  row_parts "$row"
  target=0.85; [[ $R_KIND == health ]] && target=0.95
  row_line "$R_ID" "$R_API" "$R_ENDPOINT" "$target"
done
for row in "${POLL_ROWS[@]}"; do
  row_parts "$row"
  row_line "$R_ID-live" "$R_API" "$R_ENDPOINT [+$LIVE_RUNS runs/API]" 0.85
done
for row in "${SUBMIT_ROWS[@]}"; do
  row_parts "$row"
  row_line "$R_ID" "$R_API" "$R_ENDPOINT" 0.5
done
if ((THREADS)); then
  for row in "${POLL_ROWS[@]}" "$HEALTH_ROW"; do
    row_parts "$row"
    target=0.85; [[ $R_KIND == health ]] && target=0.95
    row_line "$R_ID-threads" "$R_API" "$R_ENDPOINT [--threads 2]" "$target"
  done
fi
SM=$(median <"$RES/startup.M.rps") SF=$(median <"$RES/startup.F.rps")
SR=$(paired_ratio "$RES/startup.M.rps" "$RES/startup.F.rps")
line "startup" "exec -> first 200 (embedded default; time, not req/s)" "$(fmt_us "$SM")" "$(fmt_us "$SF")" "$SR" "-" "-" "-" "-" "-" \
  "time <=1.5x $(verdict "$SR" "<=" 1.5)"
echo
((THREADS)) || echo "--threads: this binary has no such option (mockruns serve --help); no --threads rows."
printf 'setup (not against the floor): creating %d runs per API took (median ms, runs then held incl. scripted ones):\n ' "$LIVE_RUNS"
for api in wes workspace foundry controller solvexia; do
  printf ' %s %s (%s held)' "$api" "$(median <"$RES/create-$api.ms")" "$(median <"$RES/create-$api.held")"
done
echo
} | tee "$OUT/table.txt"
MISSED=$(grep -o MISSED "$OUT/table.txt" | wc -l)
echo "$MISSED target(s) missed. Raw figures: $RES; the table: $OUT/table.txt"
if [[ ${STRICT:-0} == 1 && $MISSED -gt 0 ]]; then exit 1; fi
exit 0

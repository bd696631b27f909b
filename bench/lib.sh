# bench/lib.sh - helpers the benchmarks share (sourced, not run).

# A free port in 20000-32767 (below Linux's ephemeral range 32768-60999, which outgoing connections use; bounded
# attempts; "free" = nothing answers a connect).
random_port() {
  local port i
  for ((i = 0; i < 50; i++)); do
    port=$((20000 + RANDOM % 12768))
    if ! { exec 9<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then echo "$port"; return 0; fi
    exec 9<&- 9>&-
  done
  echo "no free port found" >&2; return 1
}

# probe PORT PATH: succeeds when GET PATH answers 200 (bash /dev/tcp: no forks while polling).
probe() {
  local line
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3 2>/dev/null || { exec 3<&- 3>&-; return 1; }
  if ! IFS= read -r -t 2 line <&3; then exec 3<&- 3>&-; return 1; fi
  exec 3<&- 3>&-
  [[ $line == HTTP/1.?" 200"* ]]
}

# stop_server PID: SIGTERM, then SIGKILL if it is still there after 2 s (a server that loses the signal must not
# hang the benchmark); drops PID from the caller's PIDS array (the servers its cleanup trap stops).
stop_server() {
  local i
  kill "$1" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    kill -0 "$1" 2>/dev/null || break
    sleep 0.01
  done
  kill -0 "$1" 2>/dev/null && { echo "   pid $1 ignored SIGTERM for 2 s; killing it" >&2; kill -KILL "$1" 2>/dev/null || true; }
  wait "$1" 2>/dev/null || true
  local kept=() p
  for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

# median: the median of the numbers on stdin, one a line (empty for none).
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# to_us VALUE: wrk's latency (e.g. 812.00us, 1.23ms, 2.01s) in microseconds.
to_us() {
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000; else if (u == "m") f = 60000000; else { print "?"; exit 1 }
    printf "%.1f\n", n * f }'
}

# cpu_ticks PID: the process's user and system CPU time so far, in clock ticks (TICK_US µs each): /proc/PID/stat
# fields 14 and 15, read after the ')' that ends the command name (which may hold spaces); fails when it is gone.
cpu_ticks() {
  local stat fields
  stat=$(<"/proc/$1/stat") || { echo "cannot read /proc/$1/stat" >&2; return 1; }
  stat=${stat##*) }
  read -r -a fields <<<"$stat"
  echo "${fields[11]} ${fields[12]}"
}
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# cpu_per_request BEFORE AFTER REQUESTS: user and system µs per request ("u k", as cpu_ticks gave them before and
# after a run of REQUESTS requests).
cpu_per_request() {
  # shellcheck disable=SC2086 # two numbers each
  set -- $1 $2 "$3"
  awk -v u=$(($3 - $1)) -v k=$(($4 - $2)) -v n="$5" -v t="$TICK_US" 'BEGIN { printf "%.2f %.2f\n", u * t / n, k * t / n }'
}

# cpu_median FILE: "total (user+system)" µs per request, each the median over the lines cpu_per_request wrote.
cpu_median() {
  local u k
  u=$(cut -d' ' -f1 "$1" | median) k=$(cut -d' ' -f2 "$1" | median)
  awk -v u="$u" -v k="$k" 'BEGIN { printf "%.1f (%.1f+%.1f)", u + k, u, k }'
}

# paired_ratio A_FILE B_FILE: the median over the rounds of each round's A/B ratio (line N of one file against line
# N of the other: the two runs of a round are back to back, so a host busier in one round than in another moves
# both). A ratio of the two columns' medians would set a quiet round's B against a busy round's A.
paired_ratio() {
  paste -d' ' "$1" "$2" | awk '{ print $1 / $2 }' | median | awk '{ printf "%.2f", $1 }'
}

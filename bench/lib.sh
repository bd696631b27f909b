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

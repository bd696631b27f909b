#!/usr/bin/env bash
# Micro-benchmark: how long loading (parsing + validating) a 1,000-run scenario takes. Target: <= 50 ms.
# Builds release, writes a scenario with 1,000 scripted runs, then times `mockruns validate` on it and on an
# empty scenario with hyperfine; the difference is the load cost (process start-up cancels out).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
swift build -c release --product mockruns >&2
bin="$(swift build -c release --show-bin-path)/mockruns"
out=$(mktemp -d)
python3 - "$out/big.json" <<'PY'
import json, sys
runs = []
for i in range(1000):
    runs.append({
        "id": f"run-{i:04d}",
        "fields": {"request": {"workflow_url": f"https://example.org/wf/{i}.cwl"}},
        "timeline": [
            {"state": "QUEUED", "polls": 1},
            {"state": "INITIALIZING", "polls": 1},
            {"state": "RUNNING", "polls": 3, "log": [f"run {i} step {s}" for s in range(3)]},
            {"state": "COMPLETE", "fields": {"outputs": {"out": f"s3://bucket/{i}.txt"}}},
        ],
        "on": {"cancel": {"timeline": [{"state": "CANCELING", "polls": 1}, {"state": "CANCELED"}]}},
    })
json.dump({"description": "1,000 scripted WES runs", "seed": 3, "apis": {"wes": {"runs": runs}}}, open(sys.argv[1], "w"), indent=1)
PY
echo '{}' > "$out/empty.json"
echo "scenario file: $(wc -c < "$out/big.json") bytes, 1,000 runs" >&2
hyperfine --warmup 3 --runs 30 --export-json "$out/times.json" \
  "$bin validate $out/empty.json" "$bin validate $out/big.json" >&2
python3 - "$out/times.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
empty, big = r[0]["mean"] * 1000, r[1]["mean"] * 1000
load = big - empty
print(f"validate empty: {empty:.1f} ms, validate 1,000 runs: {big:.1f} ms, load cost: {load:.1f} ms (target <= 50 ms): {'PASS' if load <= 50 else 'FAIL'}")
PY

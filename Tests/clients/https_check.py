"""Python `requests` against a mockruns serving HTTPS, trusting only the certificate it made.

Usage: https_check.py PORT CERT_FILE WES_RUN_ID

Prints one line per check and exits 1 when any fails:
  health <url> <status> <body>      GET /__mockruns/health with verify=CERT_FILE, on 127.0.0.1, localhost and [::1]
  wes-status <status> <run_id> <state>
  wes-log-url <stdout url>          the run log's stdout URL (https, like the server)
  untrusted <exception class>       the same health check with the system's certificates: must fail to verify
  plain-http <exception class> <seconds>   plain http to the https port: must fail, not hang
  after <status>                    and the server still answers
"""
import sys
import time

import requests

port, cert, run_id = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"https://127.0.0.1:{port}"
headers = {"X-SBG-Auth-Token": "python-token"}
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


for host in ("127.0.0.1", "localhost", "[::1]"):
    url = f"https://{host}:{port}/__mockruns/health"
    response = requests.get(url, verify=cert, timeout=10)
    print("health", url, response.status_code, response.text)
    check(response.status_code == 200 and response.json() == {"status": "ok"}, f"health on {host}")

status = requests.get(f"{base}/ga4gh/wes/v1/runs/{run_id}/status", headers=headers, verify=cert, timeout=10)
body = status.json()
print("wes-status", status.status_code, body.get("run_id"), body.get("state"))
check(status.status_code == 200 and body.get("run_id") == run_id and body.get("state"), "wes status")

log = requests.get(f"{base}/ga4gh/wes/v1/runs/{run_id}", headers=headers, verify=cert, timeout=10)
stdout = (log.json().get("run_log") or {}).get("stdout", "")
print("wes-log-url", stdout)
check(stdout.startswith(f"{base}/ga4gh/wes/v1/runs/"), "https log url")

try:
    requests.get(f"{base}/__mockruns/health", timeout=10)
    print("untrusted none")
    failures.append("an untrusted certificate was accepted")
except requests.exceptions.SSLError as error:
    print("untrusted", type(error).__name__)

started = time.monotonic()
try:
    requests.get(f"http://127.0.0.1:{port}/__mockruns/health", timeout=10)
    print("plain-http none")
    failures.append("plain http got an answer")
except requests.exceptions.Timeout as error:
    print("plain-http", type(error).__name__, round(time.monotonic() - started, 2))
    failures.append("plain http hung")
except requests.exceptions.ConnectionError as error:
    print("plain-http", type(error).__name__, round(time.monotonic() - started, 2))

after = requests.get(f"{base}/__mockruns/health", verify=cert, timeout=10)
print("after", after.status_code)
check(after.status_code == 200, "answers after plain http")

for failure in failures:
    print("FAILED", failure)
sys.exit(1 if failures else 0)

"""bench/speed/instructions.sh's client: KIND requests over one keep-alive connection, after the setup every
kind needs (a workspace run, Foundry's and the Controller's runs started, a Solvexia token). Any answer but
200/201 stops it with exit 1: a fast error is not a measurement."""
import http.client
import json
import sys

port, kind, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
WORKSPACE = "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"  # the workspace seed page's ids (docs/apis/workspace.md)
DOCUMENT = "c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33"
WES_RUN = "40a9c1a6-9263-4982-a574-e494f7c4b621"
FOUNDRY = "apiKey=k&sourceID=SCR_017041-1&status2Match=error&stepName=transform"
connection = http.client.HTTPConnection("127.0.0.1", port)


def send(method, path, body=None, headers=None):
    connection.request(method, path, body=body, headers=headers or {})
    answer = connection.getresponse()
    data = answer.read()
    if answer.status not in (200, 201):
        sys.exit(f"{kind}: {method} {path} answered {answer.status}: {data[:200]!r}")
    return data


run = json.loads(send("POST", f"/api/v1/workspaces/{WORKSPACE}/runs",
                      json.dumps({"inputDocumentId": DOCUMENT, "options": {"operation": "process"}}),
                      {"X-API-Key": "bench-key", "Content-Type": "application/json"}))["id"]
send("POST", "/dashboard/run", FOUNDRY, {"Content-Type": "application/x-www-form-urlencoded"})
send("POST", "/controller/run?api_key=k&resourceID=SCR_017041")
token = json.loads(send("POST", "/oauth/token", "grant_type=client_credentials&client_id=bench&client_secret=bench",
                        {"Content-Type": "application/x-www-form-urlencoded"}))["access_token"]
boundary = "----mockrunsbench7MA4YWxkTrZu0gW"
fields = [("workflow_url", "https://cavatica.sbgenomics.com/u/example/project/apps/fastqc/1"), ("workflow_type", "CWL"),
          ("workflow_type_version", "v1.0"),
          ("workflow_params", '{"input_file": {"class": "File", "path": "s3://example-bucket/sample.fastq"}}')]
multipart = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields)
multipart += f"--{boundary}--\r\n"

requests = {
    "wes": ("GET", f"/ga4gh/wes/v1/runs/{WES_RUN}/status", None, {"X-SBG-Auth-Token": "tok"}),
    "workspace": ("GET", f"/api/v1/workspaces/{WORKSPACE}/runs/{run}", None, {"X-API-Key": "bench-key"}),
    "foundry": ("GET", "/dashboard/run_status?" + FOUNDRY, None, {}),
    "controller": ("GET", "/controller/run_status?api_key=k&resourceID=SCR_017041", None, {}),
    "solvexia": ("GET", "/api/v1/processruns/pr-263/runstatus", None, {"Authorization": "Bearer " + token}),
    "health": ("GET", "/__mockruns/health", None, {}),
    "submit-wes": ("POST", "/ga4gh/wes/v1/runs", multipart,
                   {"X-SBG-Auth-Token": "tok", "Content-Type": "multipart/form-data; boundary=" + boundary}),
    "submit-workspace": ("POST", f"/api/v1/workspaces/{WORKSPACE}/runs",
                         json.dumps({"inputDocumentId": DOCUMENT, "options": {"operation": "process"}}, separators=(",", ":")),
                         {"X-API-Key": "bench-key", "Content-Type": "application/json"}),
}
if kind not in requests:
    sys.exit(f"unknown kind {kind}; one of: {', '.join(requests)}")
for _ in range(count):
    send(*requests[kind])

"""The seed page's Python snippets ("Create and Monitor Runs via API"), run unchanged against a server.

Usage: python workspace_seed_snippets.py BASE_URL   (or set BASE_URL; API_KEY, WORKSPACE_ID and DOCUMENT_ID
default to values any mockruns scenario accepts). Needs the `requests` package. Prints one line per step and
exits non-zero if any step fails.
"""
import os
import sys
import time

if len(sys.argv) > 1:
    os.environ["BASE_URL"] = sys.argv[1]
os.environ.setdefault("API_KEY", "seed-snippet-key")
os.environ.setdefault("WORKSPACE_ID", "3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10")
os.environ.setdefault("DOCUMENT_ID", "c7e1b5a0-2d94-4f6b-b3c8-9e0a1f2d4c33")

# --- Before You Start (verbatim) ---
BASE_URL = os.environ["BASE_URL"]
API_KEY = os.environ["API_KEY"]
WORKSPACE_ID = os.environ["WORKSPACE_ID"]
DOCUMENT_ID = os.environ["DOCUMENT_ID"]

# --- 1. Create a run (verbatim) ---
import requests

headers = {"X-API-Key": API_KEY, "Content-Type": "application/json"}
payload = {
    "inputDocumentId": DOCUMENT_ID,
    "options": {"operation": "process"},
}
response = requests.post(
    f"{BASE_URL}/api/v1/workspaces/{WORKSPACE_ID}/runs",
    headers=headers,
    json=payload,
    timeout=30,
)
response.raise_for_status()
run = response.json()
print(run["id"])
assert response.status_code == 201, response.status_code

# --- 2. Poll run status (the snippet, with RUN_ID from step 1, repeated until terminal) ---
RUN_ID = run["id"]
statuses = []
for _ in range(50):
    response = requests.get(
        f"{BASE_URL}/api/v1/workspaces/{WORKSPACE_ID}/runs/{RUN_ID}",
        headers={"X-API-Key": API_KEY},
        timeout=30,
    )
    response.raise_for_status()
    print(response.json()["status"])
    statuses.append(response.json()["status"])
    if statuses[-1] in ("succeeded", "failed", "cancelled"):
        break
    time.sleep(0.01)
assert statuses[-1] == "succeeded", statuses

# --- 3. Read output metadata (verbatim) ---
response = requests.get(
    f"{BASE_URL}/api/v1/workspaces/{WORKSPACE_ID}/runs/{RUN_ID}/output",
    headers={"X-API-Key": API_KEY},
    timeout=30,
)
response.raise_for_status()
print(response.json())

# --- Verify (the page's checklist) ---
assert response.json()["ready"] is True, response.json()
assert "X-Request-Id" in response.headers
print("seed snippets OK")

"""The example suite's one helper: a requests session that keeps every answer it got, so the plugin's own tests can
compare what each test saw across repeated parallel runs (byte for byte, the session's base URL aside)."""

import hashlib
import json
import os
import re

import pytest
import requests


class RecordingSession(requests.Session):
    def __init__(self, base):
        super().__init__()
        self.trust_env = False  # the server is on this machine
        self.base = base
        self.seen = []

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", (5, 30))
        response = super().request(method, self.base + url, *args, **kwargs)
        self.seen.append((method, url, response.status_code, response.content))
        return response


@pytest.fixture
def http(request, mockruns):
    """requests against this test's session: `http.get("/ga4gh/wes/v1/service-info")`."""
    session = RecordingSession(mockruns.url)
    yield session
    folder = os.environ.get("MOCKRUNS_EXAMPLE_DIGESTS")
    if folder:
        digest = hashlib.sha256()
        for method, url, status, body in session.seen:
            digest.update(f"{method} {url} {status}\n".encode())
            digest.update(body.replace(mockruns.url.encode(), b"{base}"))
        record = {"test": request.node.nodeid, "server": mockruns.url.split("/__sessions/")[0],
                  "session": mockruns.name, "worker": os.environ.get("PYTEST_XDIST_WORKER"), "answers": len(session.seen), "sha256": digest.hexdigest()}
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", request.node.nodeid)
        with open(os.path.join(folder, name + ".json"), "w") as file:
            json.dump(record, file)

"""A mockruns process and its sessions, steered through the admin API (no pytest in here)."""

from __future__ import annotations

import ctypes
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Union

#: A scenario: a bundled name ("wes-slow"), a whole scenario document (a dict), or a path to a scenario file.
Scenario = Union[str, Mapping[str, Any], os.PathLike]


class MockrunsError(Exception):
    """The server refused a call (its admin error message and status), or could not be found or started."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


class VerificationFailed(AssertionError):
    """A verification rule failed: the client under test misbehaved (polled past the end, ignored Retry-After...)."""

    def __init__(self, session: str, report: Mapping[str, Any]):
        self.report = report
        failed = [r for r in report.get("results", []) if r.get("verdict") == "fail"]
        lines = [f"mockruns verification failed in session {session}:"]
        for result in failed:
            run = f" [{result['run']}]" if result.get("run") else ""
            lines.append(f"  FAIL {result.get('api')} {result.get('rule')}{run}: {result.get('message')}")
        lines.append("(opt out with @pytest.mark.mockruns_verify(False), or loosen a rule with "
                     "@pytest.mark.mockruns_verify(rules={...}))")
        super().__init__("\n".join(lines))


def find_binary(explicit: Optional[str] = None, checkout: Optional[str] = None) -> str:
    """The mockruns binary: `explicit`, else $MOCKRUNS_BIN, else `mockruns` on PATH, else .build/release/mockruns
    of `checkout` (or $MOCKRUNS_CHECKOUT). Raises MockrunsError naming every place it looked."""
    tried = []
    for label, candidate in (("--mockruns-bin", explicit), ("$MOCKRUNS_BIN", os.environ.get("MOCKRUNS_BIN"))):
        if candidate:
            if os.access(candidate, os.X_OK) and os.path.isfile(candidate):
                return candidate
            tried.append(f"{label}={candidate} (not an executable file)")
    on_path = shutil.which("mockruns")
    if on_path:
        return on_path
    tried.append("mockruns on PATH (not found)")
    checkout = checkout or os.environ.get("MOCKRUNS_CHECKOUT")
    if checkout:
        built = Path(checkout) / ".build" / "release" / "mockruns"
        if os.access(built, os.X_OK):
            return str(built)
        tried.append(f"{built} (not built: run swift build -c release in {checkout})")
    else:
        tried.append("a checkout's .build/release/mockruns (set --mockruns-checkout or $MOCKRUNS_CHECKOUT)")
    raise MockrunsError("cannot find the mockruns binary; tried " + "; ".join(tried))


def _die_with_parent() -> None:
    """In the child before exec: the kernel sends SIGTERM when the test process dies, however it dies (even
    SIGKILL), so no server is ever left behind."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class _Admin:
    """JSON calls to one mockruns' admin API."""

    def __init__(self, url: str, token: Optional[str] = None):
        self.url = url.rstrip("/")
        self.token = token if token is not None else os.environ.get("MOCKRUNS_ADMIN_TOKEN")

    def call(self, method: str, path: str, body: Any = None, query: Optional[Mapping[str, Any]] = None,
             ok: Iterable[int] = (200, 201)) -> Any:
        url = self.url + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except urllib.error.URLError as error:
            raise MockrunsError(f"cannot reach mockruns at {self.url}: {error.reason}") from None
        try:
            answer = json.loads(raw) if raw else {}
        except ValueError:
            raise MockrunsError(f"{method} {path} answered {status} without JSON: {raw[:200]!r}", status) from None
        if status not in ok:
            raise MockrunsError(f"{method} {path}: {answer.get('error', answer)}", status)
        return answer


class MockrunsSession:
    """One test's own state on a shared server: every API under `url`, its own scenario, runs, clock and journal."""

    def __init__(self, admin: _Admin, answer: Mapping[str, Any]):
        self.name: str = answer["name"]
        #: The base URL to give the client under test: `url + "/ga4gh/wes/v1"`, `url + "/dashboard/run"`, ...
        self.url: str = answer["url"].rstrip("/")
        self._admin = admin
        self._path = "/__mockruns/sessions/" + urllib.parse.quote(self.name, safe="")
        #: Judge the client when the test ends (set by the mockruns_verify marker, or `skip_verify()`).
        self.verify_at_teardown = True
        #: Expectations for that verification (the body of POST /__mockruns/verify), or None for the defaults.
        self.expectations: Optional[Mapping[str, Any]] = None

    def __repr__(self) -> str:
        return f"MockrunsSession({self.name!r}, url={self.url!r})"

    def load(self, scenario: Scenario) -> Mapping[str, Any]:
        """Plays another scenario from its start: a bundled name, a scenario document (dict) or a file path."""
        kind, value = _scenario_value(scenario)
        if kind == "name":
            return self._admin.call("POST", self._path + "/scenario", query={"name": value})
        return self._admin.call("PUT", self._path + "/scenario", body=value)

    def reset(self) -> Mapping[str, Any]:
        """Starts the scenario over: no runs, counters and clock at their start, an empty journal."""
        return self._admin.call("POST", self._path + "/reset")

    def advance(self, seconds: float) -> Mapping[str, Any]:
        """Moves the session's scenario clock forward."""
        return self._admin.call("POST", self._path + "/clock/advance", body={"seconds": seconds})

    def clock(self) -> Mapping[str, Any]:
        return self._admin.call("GET", self._path + "/clock")

    def runs(self, api: Optional[str] = None) -> list:
        """The runs this session holds (every API's, or one API's: wes, workspace, foundry, controller, solvexia),
        read page by page (the server answers 1,000 a page)."""
        runs: list = []
        offset: Optional[int] = 0
        while offset is not None:
            page = self._admin.call("GET", self._path + "/runs", query={"api": api, "offset": offset})
            runs += page["runs"]
            offset = page.get("next")
        return runs

    def journal(self, **filters: Any) -> list:
        """What the client sent and was answered, oldest first. Filters: api, endpoint, run, status, since, limit."""
        return self._admin.call("GET", self._path + "/journal", query=filters)["requests"]

    def verify(self, rules: Optional[Mapping[str, Any]] = None, api: Optional[str] = None,
               run: Optional[str] = None) -> Mapping[str, Any]:
        """The verification report (every rule's verdict); it does not raise when a rule fails."""
        expectations = {k: v for k, v in (("rules", rules), ("api", api), ("run", run)) if v is not None}
        if expectations:
            return self._admin.call("POST", self._path + "/verify", body=expectations, ok=(200, 409))
        return self._admin.call("GET", self._path + "/verify", ok=(200, 409))

    def check(self) -> Mapping[str, Any]:
        """Verifies with `expectations` and raises VerificationFailed when a rule fails."""
        report = self.verify(**(self.expectations or {}))
        if any(r.get("verdict") == "fail" for r in report.get("results", [])):
            raise VerificationFailed(self.name, report)
        return report

    def skip_verify(self) -> None:
        """No verification when this test ends."""
        self.verify_at_teardown = False

    def close(self) -> None:
        """Ends the session on the server (its runs and journal are gone)."""
        self._admin.call("DELETE", self._path, ok=(200, 404))


def _scenario_value(scenario: Scenario):
    if isinstance(scenario, Mapping):
        return "document", dict(scenario)
    if isinstance(scenario, os.PathLike) or (isinstance(scenario, str) and scenario.endswith(".json")):
        path = Path(scenario)
        try:
            return "document", json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise MockrunsError(f"cannot read the scenario file {path}: {error}") from None
    if isinstance(scenario, str):
        return "name", scenario
    raise MockrunsError(f"a scenario is a bundled name, a dict or a path, not {type(scenario).__name__}")


class MockrunsServer:
    """A mockruns server: started here (`start`) and stopped with SIGTERM, or one already running (`attach`)."""

    def __init__(self, url: str, process: Optional[subprocess.Popen] = None, log: Optional[Path] = None):
        self.url = url.rstrip("/")
        self.process = process
        self.log = log
        self._admin = _Admin(self.url)
        self._lock = threading.Lock()

    @classmethod
    def attach(cls, url: str) -> "MockrunsServer":
        server = cls(url)
        server._admin.call("GET", "/__mockruns/health")
        return server

    @classmethod
    def start(cls, binary: str, arguments: Iterable[str] = (), timeout: float = 30) -> "MockrunsServer":
        """Starts `binary --port 0 --host 127.0.0.1 ARGUMENTS` and waits for its ready line."""
        log = Path(tempfile.mkstemp(prefix="mockruns-", suffix=".log")[1])
        command = [binary, "--port", "0", "--host", "127.0.0.1", *arguments]
        with open(log, "wb") as stderr:
            try:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                                           preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
            except OSError as error:
                raise MockrunsError(f"cannot start {binary}: {error}") from None
        line = cls._ready_line(process, timeout)
        if line is None:
            process.kill()
            process.wait()
            raise MockrunsError(f"{' '.join(command)} did not get ready (exit {process.returncode}): "
                                f"{log.read_text(errors='replace').strip()[-2000:]}")
        # Anything it prints later must not fill the pipe and stall it.
        threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()
        return cls(json.loads(line)["url"], process, log)

    @staticmethod
    def _ready_line(process: subprocess.Popen, timeout: float) -> Optional[str]:
        deadline = time.monotonic() + timeout
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while b"\n" not in buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(process.stdout.fileno(), 4096)
                if not chunk:
                    return None
                buffer += chunk
        line = buffer.split(b"\n", 1)[0].decode()
        return line if '"event":"ready"' in line else None

    def session(self, name: Optional[str] = None, scenario: Optional[Scenario] = None) -> MockrunsSession:
        """A new session (POST /__mockruns/sessions); 409 when `name` is taken."""
        body: dict = {}
        if name is not None:
            body["name"] = name
        if scenario is not None:
            body["scenario"] = _scenario_value(scenario)[1]
        return MockrunsSession(self._admin, self._admin.call("POST", "/__mockruns/sessions", body=body))

    def sessions(self) -> list:
        return self._admin.call("GET", "/__mockruns/sessions")["sessions"]

    def stop(self, timeout: float = 10) -> Optional[int]:
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit status (None for an attached server)."""
        with self._lock:
            process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

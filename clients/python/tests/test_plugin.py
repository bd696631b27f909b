"""The plugin's own tests: real pytest runs (in subprocesses, with pytest-xdist) against a real mockruns binary
($MOCKRUNS_BIN, as ./scripts/test sets it)."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"


def pytest_run(*arguments, cwd, env=None, timeout=300):
    environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=timeout)


def refuses_connections(url, wait=10.0):
    """True once nothing listens at url's host and port any more."""
    parts = urlsplit(url)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            socket.create_connection((parts.hostname, parts.port), timeout=1).close()
        except OSError:
            return True
        time.sleep(0.1)
    return False


def test_example_suite_in_parallel_on_one_server_is_deterministic(tmp_path):
    """The example suite, 3 times with -n 4: one mockruns process per run, each test in its own session, each test
    seeing the same answers every time."""
    runs = []
    for attempt in range(3):
        digests = tmp_path / f"run{attempt}"
        digests.mkdir()
        result = pytest_run("-n", "4", "-q", str(EXAMPLES), cwd=tmp_path,
                            env={"MOCKRUNS_EXAMPLE_DIGESTS": str(digests)})
        assert result.returncode == 0, result.stdout + result.stderr
        records = [json.loads(p.read_text()) for p in digests.iterdir()]
        assert len(records) >= 20, result.stdout
        servers = {r["server"] for r in records}
        assert len(servers) == 1, f"expected one mockruns process for the whole run, saw {servers}"
        assert len({r["session"] for r in records}) == len(records), "two tests shared a session"
        assert refuses_connections(servers.pop()), "the server was left running after the test run"
        workers = {r["worker"] for r in records}
        assert len(workers) > 1 and workers <= {"gw0", "gw1", "gw2", "gw3"}, f"not run by 4 xdist workers: {workers}"
        runs.append({r["test"]: r["sha256"] for r in records})
    assert runs[0] == runs[1] == runs[2]


def write_suite(folder, source):
    (folder / "test_inner.py").write_text(textwrap.dedent(source))


POLL_PAST_THE_END = """
    import requests
    WES = "/ga4gh/wes/v1"
    H = {"X-SBG-Auth-Token": "t"}

    def poll_past_the_end(mockruns):
        s = requests.Session()
        s.trust_env = False
        form = {"workflow_url": (None, "https://example.org/w.cwl"), "workflow_type": (None, "CWL"), "workflow_type_version": (None, "v1.0")}
        run = s.post(mockruns.url + WES + "/runs", files=form, headers=H).json()["run_id"]
        while s.get(f"{mockruns.url}{WES}/runs/{run}/status", headers=H).json()["state"] != "COMPLETE":
            pass
        s.get(f"{mockruns.url}{WES}/runs/{run}/status", headers=H)
"""


def test_a_failed_rule_fails_the_test_and_opting_out_passes(tmp_path):
    write_suite(tmp_path, POLL_PAST_THE_END + """
    import pytest

    def test_misbehaves(mockruns):
        poll_past_the_end(mockruns)

    @pytest.mark.mockruns_verify(False)
    def test_misbehaves_knowingly(mockruns):
        poll_past_the_end(mockruns)

    def test_misbehaves_and_opts_out_at_run_time(mockruns):
        poll_past_the_end(mockruns)
        mockruns.skip_verify()
    """)
    result = pytest_run("-q", "-rA", cwd=tmp_path)
    out = result.stdout
    assert result.returncode == 1, out
    assert "1 failed, 2 passed" in out, out
    assert "FAILED test_inner.py::test_misbehaves" in out, out
    assert "error" not in out.splitlines()[-1], "a failed rule must fail the test, not error it: " + out
    assert "FAIL wes poll-after-terminal" in out, out


def test_ini_switch_turns_verification_off(tmp_path):
    write_suite(tmp_path, POLL_PAST_THE_END + """
    def test_misbehaves(mockruns):
        poll_past_the_end(mockruns)
    """)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmockruns_verify = false\n")
    result = pytest_run("-q", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_a_missing_binary_says_where_it_looked(tmp_path):
    write_suite(tmp_path, """
    def test_needs_it(mockruns):
        pass

    def test_does_not(tmp_path):
        pass
    """)
    result = pytest_run("-q", cwd=tmp_path, env={"MOCKRUNS_BIN": str(tmp_path / "nope"), "PATH": "/usr/bin:/bin",
                                                  "MOCKRUNS_CHECKOUT": ""})
    assert result.returncode == 1, result.stdout
    # A fixture that cannot be set up is a test error in pytest's terms; the test that does not use it passes.
    assert "1 passed, 1 error" in result.stdout, result.stdout
    assert "cannot find the mockruns binary" in result.stdout and "nope (not an executable file)" in result.stdout
    assert "During handling" not in result.stdout, result.stdout


def test_bad_scenarios_fail_with_the_servers_message(tmp_path):
    write_suite(tmp_path, """
    import pytest

    @pytest.mark.mockruns_scenario("no-such-scenario")
    def test_unknown(mockruns):
        pass

    @pytest.mark.mockruns_scenario({"apis": {"wes": {"defaultRun": {"timeline": 3}}}})
    def test_broken(mockruns):
        pass
    """)
    result = pytest_run("-q", "-rA", cwd=tmp_path)
    assert "2 errors" in result.stdout, result.stdout
    assert 'no bundled scenario "no-such-scenario"; bundled: ' in result.stdout, result.stdout
    assert "scenario.apis.wes.defaultRun.timeline: expected an array of phases" in result.stdout, result.stdout


def test_sessions_keep_tests_apart(tmp_path):
    write_suite(tmp_path, """
    import requests

    def test_one(mockruns, mockruns_server):
        other = mockruns_server.session(scenario="wes-happy")
        form = {"workflow_url": (None, "https://example.org/w.cwl"), "workflow_type": (None, "CWL"), "workflow_type_version": (None, "v1.0")}
        s = requests.Session(); s.trust_env = False
        s.post(other.url + "/ga4gh/wes/v1/runs", files=form, headers={"X-SBG-Auth-Token": "t"})
        assert len(other.journal()) == 1
        assert mockruns.journal() == []
        assert mockruns.url.endswith("/__sessions/" + mockruns.name) and mockruns.url != other.url
        other.close()
    """)
    result = pytest_run("-q", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def interruptible():
    """As a terminal starts pytest: SIGINT handled and not blocked (a test runner may start us with it ignored or
    blocked, and a child inherits both; Python then never raises KeyboardInterrupt)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_an_interrupted_run_leaves_no_server_behind(tmp_path, how):
    url_file = tmp_path / "url"
    write_suite(tmp_path, f"""
    import time

    def test_waits(mockruns):
        open({str(url_file)!r}, "w").write(mockruns.url)
        time.sleep(60)
    """)
    environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    inner = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path,
                             env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             preexec_fn=interruptible)
    try:
        deadline = time.monotonic() + 30
        while not url_file.exists() or not url_file.read_text():
            assert time.monotonic() < deadline and inner.poll() is None, inner.stdout.read() if inner.poll() else "slow"
            time.sleep(0.05)
        url = url_file.read_text()
        assert not refuses_connections(url, wait=0.5)
        inner.send_signal(how)
        inner.wait(30)
        assert refuses_connections(url), f"mockruns still serves {url} after pytest got {how.name}"
    finally:
        if inner.poll() is None:
            inner.kill()
            inner.wait()


def test_a_taken_session_name_takes_the_next(tmp_path):
    """Two test runs sharing one server ($MOCKRUNS_URL) ask for the same names: the second gets NAME-2."""
    write_suite(tmp_path, """
    import pytest
    from pytest_mockruns.plugin import _session_name

    @pytest.fixture
    def squatter(request, mockruns_server):
        taken = mockruns_server.session(_session_name(request.node.nodeid, request.node.name))
        yield taken
        taken.close()

    def test_x(squatter, mockruns):
        assert mockruns.name == squatter.name + "-2"
    """)
    result = pytest_run("-q", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

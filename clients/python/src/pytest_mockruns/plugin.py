"""The pytest side: one mockruns for the whole run (the xdist controller starts it and hands its URL to every
worker), a session per test, the client judged when the test body ends."""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shlex
from typing import Optional

import pytest

from .client import MockrunsError, MockrunsServer, MockrunsSession, find_binary


def pytest_addoption(parser):
    group = parser.getgroup("mockruns")
    group.addoption("--mockruns-bin", help="the mockruns binary (else $MOCKRUNS_BIN, mockruns on PATH, a checkout's build)")
    group.addoption("--mockruns-checkout", help="a mockruns checkout whose .build/release/mockruns to run")
    group.addoption("--mockruns-args", help="more arguments for the server, e.g. '--strict' (shell words)")
    parser.addini("mockruns_args", "more arguments for the mockruns server (shell words)", default="")
    parser.addini("mockruns_verify", "judge the client at the end of every test that uses mockruns", type="bool",
                  default=True)


class _Run:
    """The server of this test run: started on first need by the process that owns it, stopped at the end."""

    def __init__(self, config):
        self.config = config
        self.server: Optional[MockrunsServer] = None
        self.error: Optional[str] = None
        self.owner = not hasattr(config, "workerinput")
        if not self.owner:  # an xdist worker: the controller started it (or said why it could not)
            self.error = config.workerinput.get("mockruns_error")
            url = config.workerinput.get("mockruns_url")
            if url:
                self.server = MockrunsServer(url)

    def ensure(self) -> MockrunsServer:
        if self.server is None and self.error is None:
            try:
                url = os.environ.get("MOCKRUNS_URL")
                if url:
                    self.server = MockrunsServer.attach(url)
                else:
                    opt = self.config.getoption
                    binary = find_binary(opt("mockruns_bin"), opt("mockruns_checkout"))
                    arguments = shlex.split(self.config.getini("mockruns_args")) + shlex.split(opt("mockruns_args") or "")
                    self.server = MockrunsServer.start(binary, arguments)
                    atexit.register(self.stop)
            except MockrunsError as error:
                self.error = str(error)
        if self.error is not None:
            raise MockrunsError(self.error)
        return self.server

    def stop(self):
        if self.owner and self.server is not None:
            self.server.stop()


_RUN = pytest.StashKey[_Run]()


class _XdistController:
    def __init__(self, run: _Run):
        self.run = run

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        """Before a worker starts: one server for all of them."""
        try:
            node.workerinput["mockruns_url"] = self.run.ensure().url
        except MockrunsError as error:
            node.workerinput["mockruns_error"] = str(error)


def pytest_configure(config):
    config.addinivalue_line("markers", "mockruns_scenario(scenario): the scenario the test's mockruns session plays "
                                       "(a bundled name, a dict, or a path to a scenario file)")
    config.addinivalue_line("markers", "mockruns_verify(enabled=True, rules=None, api=None, run=None): judge the "
                                       "client at the end of the test (False: do not), with these expectations")
    run = _Run(config)
    config.stash[_RUN] = run
    if run.owner and config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistController(run), "mockruns-xdist-controller")


def pytest_unconfigure(config):
    run = config.stash.get(_RUN, None)
    if run is not None:
        run.stop()


@pytest.fixture(scope="session")
def mockruns_server(pytestconfig) -> MockrunsServer:
    """The run's one mockruns server (its `url` is the root session, `default`)."""
    try:
        return pytestconfig.stash[_RUN].ensure()
    except MockrunsError as error:
        problem = str(error)
    pytest.fail(f"mockruns: {problem}", pytrace=False)  # outside the except: no "during handling" chain


def _session_name(nodeid: str, name: str) -> str:
    """Stable across runs and workers (answers carry the session's URL, so they stay byte for byte the same)."""
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:40] or "test"
    return f"{readable}-{hashlib.sha256(nodeid.encode()).hexdigest()[:10]}"


@pytest.fixture
def mockruns(request, mockruns_server) -> MockrunsSession:
    """This test's own mockruns session: `mockruns.url` is the base URL for the client under test."""
    marker = request.node.get_closest_marker("mockruns_scenario")
    scenario = None
    if marker is not None:
        if len(marker.args) != 1:
            pytest.fail("mockruns_scenario takes one scenario: a bundled name, a dict or a path", pytrace=False)
        scenario = marker.args[0]
    name = _session_name(request.node.nodeid, request.node.name)
    session, problem = None, ""
    for attempt in range(1, 6):
        try:
            # Taken only when another run shares the server ($MOCKRUNS_URL): the next name, still deterministic.
            session = mockruns_server.session(name if attempt == 1 else f"{name}-{attempt}", scenario)
            break
        except MockrunsError as error:
            problem = str(error)
            if error.status != 409:
                break
    if session is None:
        pytest.fail(f"mockruns: {problem}", pytrace=False)
    session.verify_at_teardown = request.config.getini("mockruns_verify")
    verify = request.node.get_closest_marker("mockruns_verify")
    if verify is not None:
        if verify.args:
            session.verify_at_teardown = bool(verify.args[0])
        expectations = {k: verify.kwargs[k] for k in ("rules", "api", "run") if k in verify.kwargs}
        session.expectations = expectations or None
    yield session
    try:
        session.close()
    except MockrunsError:
        pass  # the server is gone already; the run's end reports that


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a test body passed: its session's verification, failing the test (not erroring it) when a rule fails."""
    result = yield
    session = getattr(item, "funcargs", {}).get("mockruns")
    if isinstance(session, MockrunsSession) and session.verify_at_teardown:
        session.check()
    return result

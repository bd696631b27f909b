"""An example suite as a client project would write it: small `requests` clients of the five APIs, each test on its
own mockruns session (so `pytest -n 4` runs them in parallel against one server), judged at the end of each test."""

import pytest

WES = "/ga4gh/wes/v1"
WES_TOKEN = {"X-SBG-Auth-Token": "client-token"}
WORKSPACE = "/api/v1/workspaces/3f0c9a52-6c1e-4b8e-9d27-1a5e4c7b2f10"
DOCUMENT = "c7e1b5a0-2d4f-4e8a-9b3c-6a1f0e2d4b57"
WORKSPACE_KEY = {"X-API-Key": "admin-key"}
FOUNDRY = {"apiKey": "k", "sourceID": "SCR_017041-1", "status2Match": "error", "stepName": "transform"}


# ---- clients under test ----------------------------------------------------------------------------------------

def wes_submit(http, workflow_url="https://example.org/wf.cwl", token=WES_TOKEN):
    form = {"workflow_url": (None, workflow_url), "workflow_type": (None, "CWL"),
            "workflow_type_version": (None, "v1.0"), "workflow_params": (None, '{"message": "hi"}')}
    return http.post(WES + "/runs", files=form, headers=token)


def wes_wait(http, run_id, most=20):
    """Polls until the run ends; the states it saw."""
    states = []
    for _ in range(most):
        state = http.get(f"{WES}/runs/{run_id}/status", headers=WES_TOKEN).json()["state"]
        states.append(state)
        if state in ("COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED"):
            return states
    raise AssertionError(f"run {run_id} never ended: {states}")


def workspace_create(http, key=WORKSPACE_KEY):
    return http.post(WORKSPACE + "/runs", json={"inputDocumentId": DOCUMENT, "options": {"operation": "process"}},
                     headers=key)


def workspace_wait(http, run_id, most=20, last=None):
    """Polls until the run ends; the states it saw (and the last answer in `last`, when given a list)."""
    states = []
    for _ in range(most):
        run = http.get(f"{WORKSPACE}/runs/{run_id}", headers=WORKSPACE_KEY).json()
        states.append(run["status"])
        if run["status"] in ("succeeded", "failed", "cancelled"):
            if last is not None:
                last.append(run)
            return states
    raise AssertionError(f"run {run_id} never ended: {states}")


def foundry_wait(http, most=20, last=None):
    answer = http.post("/dashboard/run", data=FOUNDRY).json()
    states = [answer["status"]]
    while states[-1] == "RUNNING" and len(states) < most:
        answer = http.get("/dashboard/run_status", params=FOUNDRY).json()
        states.append(answer["status"])
    if last is not None:
        last.append(answer)
    return states


# ---- WES ---------------------------------------------------------------------------------------------------------

@pytest.mark.mockruns_scenario("wes-happy")
def test_wes_run_completes_with_outputs(http):
    run_id = wes_submit(http).json()["run_id"]
    assert wes_wait(http, run_id) == ["QUEUED", "INITIALIZING", "RUNNING", "RUNNING", "COMPLETE"]
    log = http.get(f"{WES}/runs/{run_id}", headers=WES_TOKEN).json()
    assert log["outputs"]["sorted_bam"]["location"] == "s3://mock-bucket/sorted.bam"
    assert [task["name"] for task in log["task_logs"]] == ["bwa_mem", "samtools_sort"]


@pytest.mark.mockruns_scenario("wes-happy")
def test_wes_two_runs_get_different_ids(http, mockruns):
    first = wes_submit(http, workflow_url="https://example.org/a.cwl").json()["run_id"]
    second = wes_submit(http, workflow_url="https://example.org/b.cwl").json()["run_id"]  # the same twice is a duplicate
    assert first != second
    assert {run["id"] for run in mockruns.runs(api="wes")} >= {first, second}


@pytest.mark.mockruns_scenario("wes-executor-error")
def test_wes_executor_error_is_reported(http):
    run_id = wes_submit(http).json()["run_id"]
    assert wes_wait(http, run_id)[-1] == "EXECUTOR_ERROR"
    log = http.get(f"{WES}/runs/{run_id}", headers=WES_TOKEN).json()
    assert any(task.get("exit_code") == 137 for task in log["task_logs"])


@pytest.mark.mockruns_scenario("wes-cancel-mid-run")
def test_wes_cancel_mid_run(http):
    run_id = wes_submit(http).json()["run_id"]
    for _ in range(3):
        http.get(f"{WES}/runs/{run_id}/status", headers=WES_TOKEN)
    assert http.post(f"{WES}/runs/{run_id}/cancel", headers=WES_TOKEN).json() == {"run_id": run_id}
    assert wes_wait(http, run_id) == ["CANCELING", "CANCELED"]


@pytest.mark.mockruns_scenario("wes-403")
def test_wes_reader_token_cannot_submit(http):
    refused = wes_submit(http, token={"X-SBG-Auth-Token": "reader-token"})
    assert refused.status_code == 403
    assert set(refused.json()) == {"msg", "status_code"}
    assert wes_submit(http, token={"X-SBG-Auth-Token": "full-token"}).status_code == 200


@pytest.mark.mockruns_scenario("wes-slow")
def test_wes_slow_run_moves_with_the_clock(http, mockruns):
    run_id = wes_submit(http).json()["run_id"]
    assert http.get(f"{WES}/runs/{run_id}/status", headers=WES_TOKEN).json()["state"] == "QUEUED"
    mockruns.advance(60)
    assert http.get(f"{WES}/runs/{run_id}/status", headers=WES_TOKEN).json()["state"] == "INITIALIZING"


def test_wes_service_info(http):
    info = http.get(WES + "/service-info", headers=WES_TOKEN).json()
    assert "CWL" in info["workflow_type_versions"]


@pytest.mark.mockruns_verify(rules={"poll-unknown-run": False})  # reading an unknown id is the point here
def test_wes_unknown_run_is_404(http):
    answer = http.get(WES + "/runs/no-such-run/status", headers=WES_TOKEN)
    assert answer.status_code == 404
    assert answer.json()["status_code"] == 404


# ---- workspace ---------------------------------------------------------------------------------------------------

@pytest.mark.mockruns_scenario("workspace-happy")
def test_workspace_run_succeeds_and_output_downloads(http):
    created = workspace_create(http)
    assert created.status_code == 201
    run_id = created.json()["id"]
    assert workspace_wait(http, run_id) == ["queued", "running", "running", "succeeded"]
    download = http.get(f"{WORKSPACE}/runs/{run_id}/output/download", headers=WORKSPACE_KEY)
    assert download.status_code == 200
    assert download.text == "sheet,rows\nSheet1,42\n"


@pytest.mark.mockruns_scenario("workspace-failed")
def test_workspace_retryable_failure_then_failed(http):
    run_id = workspace_create(http).json()["id"]
    last = []
    states = workspace_wait(http, run_id, last=last)
    assert "queued" in states[1:] and states[-1] == "failed"
    assert last[0]["exit_code"] == 2


@pytest.mark.mockruns_scenario("workspace-cancel-mid-run")
def test_workspace_cancel_twice_is_fine(http):
    run_id = workspace_create(http).json()["id"]
    http.get(f"{WORKSPACE}/runs/{run_id}", headers=WORKSPACE_KEY)
    for _ in range(2):
        answer = http.post(f"{WORKSPACE}/runs/{run_id}/cancel", headers=WORKSPACE_KEY)
        assert answer.status_code == 200 and answer.json()["status"] == "cancelled"


@pytest.mark.mockruns_scenario("workspace-output-not-ready")
def test_workspace_output_not_ready_then_ready(http, mockruns):
    run_id = workspace_create(http).json()["id"]
    assert workspace_wait(http, run_id)[-1] == "succeeded"
    early = http.get(f"{WORKSPACE}/runs/{run_id}/output/download", headers=WORKSPACE_KEY)
    assert early.status_code == 409
    mockruns.advance(10)
    assert http.get(f"{WORKSPACE}/runs/{run_id}/output", headers=WORKSPACE_KEY).json()["ready"] is True


@pytest.mark.mockruns_scenario("workspace-auth")
def test_workspace_read_key_cannot_create(http):
    assert workspace_create(http, key={"X-API-Key": "read-key"}).status_code == 403
    assert workspace_create(http, key={"X-API-Key": "nobody"}).status_code == 401


def test_workspace_links_keep_the_session_prefix(http, mockruns):
    run = workspace_create(http).json()
    assert run["links"]["self"] == f"/__sessions/{mockruns.name}{WORKSPACE}/runs/{run['id']}"


# ---- Foundry and Controller --------------------------------------------------------------------------------------

def test_foundry_default_run_finishes(http):
    assert foundry_wait(http) == ["RUNNING", "RUNNING", "RUNNING", "FINISHED"]


@pytest.mark.mockruns_scenario("foundry-error")
def test_foundry_error_has_a_message(http):
    last = []
    assert foundry_wait(http, last=last)[-1] == "ERROR"
    assert last[0]["errMessage"]


@pytest.mark.mockruns_scenario("foundry-virtual-clock")
def test_foundry_virtual_clock(http, mockruns):
    assert http.post("/dashboard/run", data=FOUNDRY).json()["status"] == "RUNNING"
    mockruns.advance(600)
    assert http.get("/dashboard/run_status", params=FOUNDRY).json()["status"] == "FINISHED"


@pytest.mark.mockruns_scenario("controller-happy")
def test_controller_run_finishes(http):
    params = {"api_key": "k", "resourceID": "SCR_017041"}
    assert http.post("/controller/run", params=params).json() == {"message": "Your Request started"}
    states = [http.get("/controller/run_status", params=params).json()["status"] for _ in range(3)]
    assert states == ["Running", "Running", "Finished"]


# ---- Solvexia ----------------------------------------------------------------------------------------------------

@pytest.mark.mockruns_scenario("solvexia-happy")
def test_solvexia_run_finishes(http):
    token = http.post("/oauth/token", data={"grant_type": "client_credentials", "client_id": "c",
                                            "client_secret": "s"}).json()["access_token"]
    bearer = {"Authorization": "Bearer " + token}
    assert http.post("/api/v1/processruns/pr-114278/start", headers=bearer).json()["status"] == "Scheduled"
    states = []
    while not states or states[-1] not in ("Finished", "Cancelled", "TimedOut"):
        states.append(http.get("/api/v1/processruns/pr-114278/runstatus", headers=bearer).json()["status"])
        assert len(states) < 20
    assert states[0] == "Scheduled" and states[-1] == "Finished"


# ---- the plugin's own steering ------------------------------------------------------------------------------------

@pytest.mark.mockruns_scenario({"apis": {"wes": {"defaultRun": {"timeline": [
    {"state": "RUNNING", "polls": 1}, {"state": "COMPLETE"}]}}}})
def test_inline_scenario_document(http):
    run_id = wes_submit(http).json()["run_id"]
    assert wes_wait(http, run_id) == ["RUNNING", "COMPLETE"]


def test_load_and_reset(http, mockruns):
    mockruns.load("wes-executor-error")
    run_id = wes_submit(http).json()["run_id"]
    assert wes_wait(http, run_id)[-1] == "EXECUTOR_ERROR"
    mockruns.reset()
    assert mockruns.runs(api="wes") == [] or all(run["id"] != run_id for run in mockruns.runs(api="wes"))
    assert mockruns.journal() == []


def test_journal_shows_what_the_client_sent(http, mockruns):
    wes_submit(http)
    entries = mockruns.journal(api="wes")
    assert [(e["method"], e["endpoint"], e["status"]) for e in entries] == [("POST", "run_workflow", 200)]


@pytest.mark.mockruns_verify(False)
def test_polling_past_the_end_with_verification_off(http, mockruns):
    run_id = wes_submit(http).json()["run_id"]
    wes_wait(http, run_id)
    http.get(f"{WES}/runs/{run_id}/status", headers=WES_TOKEN)
    failed = [r["rule"] for r in mockruns.verify()["results"] if r["verdict"] == "fail"]
    assert failed == ["poll-after-terminal"]


@pytest.mark.mockruns_verify(rules={"poll-after-terminal": {"allow": 1}})
def test_one_extra_poll_allowed_by_expectations(http):
    run_id = wes_submit(http).json()["run_id"]
    wes_wait(http, run_id)
    http.get(f"{WES}/runs/{run_id}/status", headers=WES_TOKEN)

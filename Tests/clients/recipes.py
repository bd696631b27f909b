#!/usr/bin/env python3
"""Plays the recipes of docs/scenarios.md ("Recipes") as a polling client would, with `requests`.

    recipes.py BASE_URL RECIPE [BASE_URL RECIPE ...]

RECIPE is a fixture's name (recipe-403-mid-poll, ...); the server at BASE_URL must be serving that fixture. Prints
one line per answer and `OK RECIPE` when every answer is the one the recipe promises; exits 1 with `FAIL: ...` at
the first that is not.
"""

import email.utils
import sys

import requests

TOKEN = {"X-SBG-Auth-Token": "client-token"}


class Player:
    def __init__(self, base):
        self.base = base.rstrip("/") + "/ga4gh/wes/v1"
        self.session = requests.Session()
        self.session.trust_env = False  # the server is on this machine

    def submit(self, workflow_url="https://example.org/wf.cwl"):
        form = {
            "workflow_url": (None, workflow_url),
            "workflow_type": (None, "CWL"),
            "workflow_type_version": (None, "v1.0"),
        }
        response = self.session.post(self.base + "/runs", files=form, headers=TOKEN, timeout=(5, 10))
        expect(response.status_code == 200, "submit answered %d: %s" % (response.status_code, response.text))
        return response.json()["run_id"]

    def status(self, run_id, timeout=10):
        response = self.session.get(self.base + "/runs/%s/status" % run_id, headers=TOKEN, timeout=(5, timeout))
        state = response.json().get("state") if response.status_code == 200 else None
        print(response.status_code, state or response.text.strip(), flush=True)
        return response


def expect(condition, message):
    if not condition:
        print("FAIL: " + message, flush=True)
        sys.exit(1)


def codes(player, run_id, n):
    return [player.status(run_id).status_code for _ in range(n)]


def recipe_403_mid_poll(player):
    run_id = player.submit()
    got = codes(player, run_id, 5)
    expect(got == [200, 200, 403, 403, 403], "status codes %s" % got)


def recipe_503_twice(player):
    run_id = player.submit()
    got = codes(player, run_id, 4)
    expect(got == [503, 503, 200, 200], "status codes %s" % got)
    expect(player.status(run_id).json()["state"] == "COMPLETE", "the run did not read COMPLETE after the 503s")


def recipe_second_run_fails(player):
    finals = []
    for _ in range(2):
        run_id = player.submit()
        states = [player.status(run_id).json()["state"] for _ in range(2)]
        expect(states[0] == "RUNNING", "first read %s" % states)
        finals.append(states[1])
    expect(finals == ["COMPLETE", "EXECUTOR_ERROR"], "final states %s" % finals)


def recipe_hanging_read(player):
    run_id = player.submit()
    expect(player.status(run_id).status_code == 200, "the 1st read failed")
    try:
        response = player.status(run_id, timeout=0.5)
        expect(False, "the 2nd read was answered: %d" % response.status_code)
    except requests.exceptions.ReadTimeout:
        print("read timeout", flush=True)
    states = [player.status(run_id).json()["state"] for _ in range(2)]
    expect(states == ["RUNNING", "COMPLETE"], "after the timeout: %s" % states)


def recipe_429_retry_after(player):
    run_id = player.submit()
    expect(player.status(run_id).status_code == 200, "the 1st read failed")
    seconds = player.status(run_id)
    expect(seconds.status_code == 429 and seconds.headers.get("Retry-After") == "2",
           "2nd read: %d Retry-After %r" % (seconds.status_code, seconds.headers.get("Retry-After")))
    dated = player.status(run_id)
    retry = email.utils.parsedate_to_datetime(dated.headers.get("Retry-After", ""))
    now = email.utils.parsedate_to_datetime(dated.headers["Date"])
    expect(dated.status_code == 429 and (retry - now).total_seconds() == 2,
           "3rd read: %d Retry-After %r Date %r" % (dated.status_code, dated.headers.get("Retry-After"), dated.headers["Date"]))
    expect(player.status(run_id).status_code == 200, "the 4th read failed")


def recipe_second_run_errors(player):
    runs = [player.submit() for _ in range(3)]
    got = [[player.status(run_id).status_code for _ in range(2)] for run_id in runs]
    expect(got == [[200, 200], [500, 500], [200, 200]], "status codes per run %s" % got)


def recipe_run_own_faults(player):
    plain = player.submit()
    flaky = player.submit("https://example.org/flaky.cwl")
    expect([player.status(plain).status_code for _ in range(3)] == [200, 200, 200], "the plain run was hit")
    expect(player.status(flaky).status_code == 200, "the flaky run's 1st read failed")
    try:
        response = player.status(flaky)
        expect(False, "the flaky run's 2nd read was answered: %d" % response.status_code)
    except requests.exceptions.ConnectionError as error:
        print("connection error: %s" % type(error).__name__, flush=True)
    expect(player.status(flaky).status_code == 200, "the flaky run's 3rd read failed")


def recipe_token_revoked_403(player):
    run_id = player.submit()
    answers = [player.status(run_id) for _ in range(4)]
    got = [(a.status_code, a.json().get("state")) for a in answers]
    expect(got[:2] == [(200, "QUEUED"), (200, "RUNNING")], "before revocation: %s" % got)
    expect([code for code, _ in got[2:]] == [403, 403], "after revocation: %s" % got)


RECIPES = {name[len("recipe_"):].replace("_", "-"): f for name, f in globals().items() if name.startswith("recipe_")}

if __name__ == "__main__":
    # Pairs of BASE_URL RECIPE: one process plays them all (starting Python once per recipe costs more than the
    # recipes themselves).
    arguments = sys.argv[1:]
    expect(arguments and len(arguments) % 2 == 0, "usage: recipes.py BASE_URL RECIPE [BASE_URL RECIPE ...]")
    for base, name in zip(arguments[0::2], arguments[1::2]):
        print("== " + name, flush=True)
        play = RECIPES.get(name[len("recipe-"):])
        expect(play is not None, "no recipe %s; known: %s" % (name, ", ".join(sorted(RECIPES))))
        play(Player(base))
        print("OK " + name, flush=True)

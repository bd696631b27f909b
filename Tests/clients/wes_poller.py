#!/usr/bin/env python3
"""A small WES client written with `requests`, as a team would write one, with a --behaviour switch that
gives it one classic bug at a time. mockruns' verification rules must catch each bug and pass the good client.

    wes_poller.py --url http://127.0.0.1:PORT --behaviour good

It submits one run (multipart/form-data, X-SBG-Auth-Token), polls GET /runs/{id}/status until a terminal
state, prints one line per answer it acted on and `final STATE` (or `gave up: ...`), and exits 0 when the run
ended COMPLETE, 1 otherwise.

good                  exponential backoff from 150 ms (x2, capped at 1.2 s); honours Retry-After (seconds or an
                      HTTP date); retries a 5xx or a dropped connection at most 3 times, then gives up; sends
                      the token on every request; stops at the first terminal state; 10 s read timeout.
polls-after-complete  as good, but reads the status 3 more times after the run ended ("to be sure").
no-backoff            polls every 50 ms, whatever the server says.
ignores-retry-after   retries a 5xx after its own short backoff, never reading Retry-After.
retries-forever       retries a 5xx without a bound (stopped after 12 retries here, so the test ends).
drops-token           sends the token on the submission only; its status reads go without it.
hangs-up              a 0.5 s read timeout; a submission that times out is sent again (and again).
"""

import argparse
import email.utils
import json
import sys
import time

import requests

TERMINAL = {"COMPLETE", "EXECUTOR_ERROR", "SYSTEM_ERROR", "CANCELED", "PREEMPTED"}
BEHAVIOURS = ["good", "polls-after-complete", "no-backoff", "ignores-retry-after", "retries-forever",
              "drops-token", "hangs-up"]


class GaveUp(Exception):
    pass


class Client:
    def __init__(self, base, token, behaviour):
        self.base = base.rstrip("/") + "/ga4gh/wes/v1"
        self.token = token
        self.behaviour = behaviour
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment: the server is on this machine
        self.read_timeout = 0.5 if behaviour == "hangs-up" else 10.0
        if behaviour == "retries-forever":
            self.max_retries = 12  # "forever", cut short so the test ends
        else:
            self.max_retries = 3

    def log(self, text):
        print(text, flush=True)

    def headers(self, polling):
        if polling and self.behaviour == "drops-token":
            return {}
        return {"X-SBG-Auth-Token": self.token}

    @staticmethod
    def backoff(attempt):
        """150 ms, 300 ms, 600 ms, 1.2 s, 1.2 s, ..."""
        return min(0.15 * (2 ** attempt), 1.2)

    def retry_after(self, response):
        """Seconds the answer asks to wait, or None."""
        text = response.headers.get("Retry-After")
        if text is None:
            return None
        text = text.strip()
        if text.isdigit():
            return float(text)
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        # Against the server's own Date when it sent one (its clock may not be ours).
        now = None
        if "Date" in response.headers:
            try:
                now = email.utils.parsedate_to_datetime(response.headers["Date"]).timestamp()
            except (TypeError, ValueError):
                now = None
        if now is None:
            now = time.time()
        return max(0.0, when.timestamp() - now)

    def send(self, name, make):
        """One logical request, retried after a 5xx, a dropped connection or a timeout as the behaviour says."""
        retries = 0
        while True:
            try:
                response = make()
            except (requests.ConnectionError, requests.Timeout) as error:
                self.log(f"{name}: {type(error).__name__}")
                wait = self.backoff(retries)
            else:
                if response.status_code < 500:
                    return response
                self.log(f"{name}: {response.status_code}")
                wait = self.backoff(retries)
                if self.behaviour == "retries-forever":
                    wait = 0.05
                elif self.behaviour != "ignores-retry-after":
                    asked = self.retry_after(response)
                    if asked is not None:
                        wait = max(wait, asked)
            if retries >= self.max_retries:
                raise GaveUp(f"{name} failed {retries + 1} times")
            retries += 1
            time.sleep(wait)

    def submit(self):
        form = {
            "workflow_url": (None, "https://example.org/wf.cwl"),
            "workflow_type": (None, "CWL"),
            "workflow_type_version": (None, "v1.0"),
            "workflow_params": (None, json.dumps({"message": "hello"})),
        }
        response = self.send("submit", lambda: self.session.post(
            self.base + "/runs", files=form, headers=self.headers(polling=False), timeout=(5, self.read_timeout)))
        response.raise_for_status()
        run_id = response.json()["run_id"]
        self.log(f"run {run_id}")
        return run_id

    def status(self, run_id):
        response = self.send("status", lambda: self.session.get(
            f"{self.base}/runs/{run_id}/status", headers=self.headers(polling=True), timeout=(5, self.read_timeout)))
        response.raise_for_status()
        state = response.json()["state"]
        self.log(f"state {state}")
        return state

    def wait(self, run_id):
        attempt = 0
        while True:
            state = self.status(run_id)
            if state in TERMINAL:
                break
            if self.behaviour == "no-backoff":
                time.sleep(0.05)
            else:
                time.sleep(self.backoff(attempt))
                attempt += 1
        if self.behaviour == "polls-after-complete":
            for _ in range(3):
                time.sleep(0.15)
                self.status(run_id)
        return state


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the mockruns server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--token", default="client-token")
    parser.add_argument("--behaviour", choices=BEHAVIOURS, default="good")
    args = parser.parse_args()
    client = Client(args.url, args.token, args.behaviour)
    try:
        state = client.wait(client.submit())
    except GaveUp as error:
        client.log(f"gave up: {error}")
        return 1
    except requests.HTTPError as error:
        client.log(f"gave up: {error.response.status_code} from {error.request.method} {error.request.path_url}")
        return 1
    client.log(f"final {state}")
    return 0 if state == "COMPLETE" else 1


if __name__ == "__main__":
    sys.exit(main())

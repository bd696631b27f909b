#!/usr/bin/env python3
"""Validates a JUnit XML report as CI systems read it (Jenkins, GitLab, GitHub test reporters), with the
standard library's xml.etree, and prints its test cases as JSON:

    junit_check.py report.xml
    {"suites": 1, "cases": [{"suite": "wes", "classname": "mockruns.wes", "name": "...", "outcome": "failure",
                             "message": "..."}]}

Checked: the root is <testsuites> (or a lone <testsuite>); each <testsuite> has name, tests, failures and skipped
attributes (and errors, when present) equal to what its <testcase> children hold, and the root's totals equal
the suites' sums; each <testcase> has a non-empty classname and name, a numeric time when it has one, and at most
one of <failure>, <error>, <skipped>; a <failure> or <error> has a message attribute. Exit 1 with the reason
when anything is wrong.
"""

import json
import sys
import xml.etree.ElementTree as ET

OUTCOMES = ("failure", "error", "skipped")


def fail(reason):
    print(f"invalid JUnit XML: {reason}")
    sys.exit(1)


def count_attr(element, name, required=True):
    value = element.get(name)
    if value is None:
        if required:
            fail(f"<{element.tag} name={element.get('name')!r}> has no {name} attribute")
        return None
    try:
        return int(value)
    except ValueError:
        fail(f"<{element.tag}> {name}={value!r} is not a whole number")


def main(path):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        fail(f"not well-formed XML: {error}")
    if root.tag == "testsuites":
        suites = list(root)
        if any(s.tag != "testsuite" for s in suites):
            fail("<testsuites> holds something other than <testsuite>")
    elif root.tag == "testsuite":
        suites = [root]
    else:
        fail(f"root element is <{root.tag}>, not <testsuites> or <testsuite>")

    cases = []
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        if not suite.get("name"):
            fail("a <testsuite> without a name")
        found = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in suite:
            if case.tag in ("properties", "system-out", "system-err"):
                continue
            if case.tag != "testcase":
                fail(f"<testsuite> holds <{case.tag}>")
            if not case.get("classname") or not case.get("name"):
                fail(f"a <testcase> without classname or name: {case.attrib}")
            if case.get("time") is not None:
                try:
                    float(case.get("time"))
                except ValueError:
                    fail(f"testcase time={case.get('time')!r} is not a number")
            marks = [child for child in case if child.tag in OUTCOMES]
            others = [child.tag for child in case if child.tag not in OUTCOMES + ("system-out", "system-err")]
            if others:
                fail(f"<testcase> holds {others}")
            if len(marks) > 1:
                fail(f"<testcase name={case.get('name')!r}> has more than one outcome")
            outcome = marks[0].tag if marks else "pass"
            message = marks[0].get("message") if marks else None
            if outcome in ("failure", "error") and message is None:
                fail(f"<{outcome}> of {case.get('name')!r} has no message attribute")
            found["tests"] += 1
            found[{"failure": "failures", "error": "errors", "skipped": "skipped", "pass": "tests"}[outcome]] += (
                0 if outcome == "pass" else 1)
            cases.append({"suite": suite.get("name"), "classname": case.get("classname"), "name": case.get("name"),
                          "outcome": outcome, "message": message})
        for name in ("tests", "failures", "skipped", "errors"):
            declared = count_attr(suite, name, required=(name != "errors"))
            if declared is not None and declared != found[name]:
                fail(f"<testsuite name={suite.get('name')!r}> says {name}={declared}, its test cases hold {found[name]}")
            totals[name] += found[name]
    if root.tag == "testsuites":
        for name in totals:
            declared = count_attr(root, name, required=False)
            if declared is not None and declared != totals[name]:
                fail(f"<testsuites> says {name}={declared}, its suites hold {totals[name]}")
    print(json.dumps({"suites": len(suites), "cases": cases}))


if __name__ == "__main__":
    main(sys.argv[1])

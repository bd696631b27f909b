"""Compares mockruns' exported WES document with the official GA4GH definitions, field by field.

usage: wes_spec_check.py OURS.json SPEC_DIR

SPEC_DIR holds the official files (never copied into this repository): the 1.0.0 Swagger 2.0 definition and the
1.1.0 OpenAPI 3 one with its service-info schema. Every difference is printed; those listed in DEVIATIONS (what
Cavatica does differently, as docs/apis/wes.md says) are allowed, any other makes the exit status 1.
"""
import json
import os
import sys

import yaml

BASE = "/ga4gh/wes/v1"

# Documented Cavatica (or mockruns) differences from the GA4GH definitions: (version, where) -> why.
DEVIATIONS = {
    ("1.1.0", "GET /runs 200: runs[].tags missing"): "Cavatica lists runs as {run_id, state}",
    ("1.1.0", "GET /runs 200: runs[].start_time missing"): "Cavatica lists runs as {run_id, state}",
    ("1.1.0", "GET /runs 200: runs[].end_time missing"): "Cavatica lists runs as {run_id, state}",
    ("1.1.0", "GET /service-info: status 400 not documented"): "service-info takes no input the fake could refuse",
    ("1.0.0", "GET /service-info: status 400 not documented"): "service-info takes no input the fake could refuse",
    ("1.0.0", "GET /service-info 200: workflow_engine_versions.* is object, spec string"):
        "the 1.1.0 shape ({workflow_engine_version: [...]}) is served; supported_wes_versions names both",
    ("1.1.0", "POST /runs/{run_id}/cancel: status 400 extra"): "Cavatica refuses to cancel a finished run with 400",
    ("1.0.0", "POST /runs/{run_id}/cancel: status 400 extra"): "Cavatica refuses to cancel a finished run with 400",
    ("1.1.0", "POST /runs: status 413 extra"): "a body over --max-body-bytes",
    ("1.0.0", "POST /runs: status 413 extra"): "a body over --max-body-bytes",
    ("1.1.0", "GET /runs/{run_id}/tasks: status 400 extra"): "a malformed page_size or page_token",
    ("1.1.0", "GET /runs/{run_id}/logs/{stream}: extra path"): "mockruns serves the stdout/stderr URLs it writes",
    ("1.1.0", "GET /runs/{run_id}/tasks/{task_id}/logs/{stream}: extra path"): "mockruns serves the stdout/stderr URLs it writes",
    ("1.0.0", "GET /runs/{run_id}/logs/{stream}: extra path"): "mockruns serves the stdout/stderr URLs it writes",
    ("1.0.0", "GET /runs/{run_id}/tasks/{task_id}/logs/{stream}: extra path"): "mockruns serves the stdout/stderr URLs it writes",
    ("1.0.0", "GET /runs/{run_id}/tasks: extra path"): "the WES 1.1 task endpoints",
    ("1.0.0", "GET /runs/{run_id}/tasks/{task_id}: extra path"): "the WES 1.1 task endpoints",
    ("1.0.0", "POST /runs: form field workflow_engine extra"): "WES 1.1's RunRequest fields",
    ("1.0.0", "POST /runs: form field workflow_engine_version extra"): "WES 1.1's RunRequest fields",
    ("1.0.0", "GET /runs/{run_id} 200: request.workflow_engine extra"): "WES 1.1's RunRequest fields",
    ("1.0.0", "GET /runs/{run_id} 200: request.workflow_engine_version extra"): "WES 1.1's RunRequest fields",
    ("1.0.0", "GET /runs/{run_id} 200: task_logs_url extra"): "WES 1.1's RunLog field",
    ("1.0.0", "GET /runs/{run_id} 200: run_log.system_logs extra"): "WES 1.1's Log field",
    ("1.0.0", "GET /runs/{run_id} 200: task_logs[].system_logs extra"): "WES 1.1's Log field",
    ("1.0.0", "GET /runs/{run_id} 200: task_logs[].id extra"): "WES 1.1's TaskLog fields",
    ("1.0.0", "GET /runs/{run_id} 200: task_logs[].tes_uri extra"): "WES 1.1's TaskLog fields",
    ("1.0.0", "GET /runs/{run_id} 200: state enum differs"): "WES 1.1 adds PREEMPTED",
    ("1.0.0", "GET /runs/{run_id}/status 200: state enum differs"): "WES 1.1 adds PREEMPTED",
    ("1.0.0", "GET /runs 200: runs[].state enum differs"): "WES 1.1 adds PREEMPTED",
}
# Members of ours that no definition has: allowed when listed.
EXTRA_MEMBERS = {
    "GET /service-info 200: contact_info_url": "WES 1.0.0's field, kept beside 1.1's contactUrl",
}


class Doc:
    def __init__(self, path):
        self.dir = os.path.dirname(path)
        with open(path) as f:
            self.root = yaml.safe_load(f)
        self.others = {}

    def load(self, ref, current):
        target, _, pointer = ref.partition("#")
        doc = current
        if target:
            if target not in self.others:
                with open(os.path.join(self.dir, target)) as f:
                    self.others[target] = yaml.safe_load(f)
            doc = self.others[target]
        node = doc
        for part in pointer.strip("/").split("/"):
            if part:
                node = node[part]
        return node, doc


def flatten(spec, schema, doc=None, depth=0):
    """A schema with $ref followed and allOf merged: {type, properties, required, items, enum, additional}."""
    doc = doc if doc is not None else spec.root
    if depth > 30 or schema is None:
        return {}
    if "$ref" in schema:
        target, where = spec.load(schema["$ref"], doc)
        return flatten(spec, target, where, depth + 1)
    out = {k: v for k, v in schema.items() if k not in ("allOf", "properties", "items", "additionalProperties", "anyOf")}
    props = {}
    required = list(schema.get("required", []))
    for part in schema.get("allOf", []):
        flat = flatten(spec, part, doc, depth + 1)
        props.update(flat.get("properties", {}))
        required += flat.get("required", [])
        for key in ("type",):
            if key in flat:
                out.setdefault(key, flat[key])
    for name, sub in (schema.get("properties") or {}).items():
        props[name] = flatten(spec, sub, doc, depth + 1)
    if props:
        out["properties"] = props
        out.setdefault("type", "object")
    out["required"] = required
    if "items" in schema:
        items = schema["items"]
        if "anyOf" in items:  # 1.1 task_logs: Log or TaskLog; TaskLog is the wider one
            items = items["anyOf"][-1]
        out["items"] = flatten(spec, items, doc, depth + 1)
    if isinstance(schema.get("additionalProperties"), dict):
        out["additional"] = flatten(spec, schema["additionalProperties"], doc, depth + 1)
    return out


def types(schema):
    t = schema.get("type")
    if t is None:
        return set()
    return set(t) if isinstance(t, list) else {t}


def compare(theirs, ours, where, diffs, extras):
    their_types, our_types = types(theirs), types(ours)
    if their_types and our_types and not (their_types & our_types):
        diffs.append("%s is %s, spec %s" % (where, "/".join(sorted(our_types)), "/".join(sorted(their_types))))
        return
    if "null" in our_types and "null" not in their_types and their_types:
        diffs.append("%s may be null, spec %s" % (where, "/".join(sorted(their_types))))
    if "enum" in theirs and sorted(map(str, theirs["enum"])) != sorted(map(str, ours.get("enum", []))):
        diffs.append("%s enum differs" % where)
    their_props, our_props = theirs.get("properties", {}), ours.get("properties", {})
    prefix = where + ("." if not where.endswith(": ") else "")
    for name, sub in their_props.items():
        if name not in our_props:
            diffs.append("%s%s missing" % (prefix, name))
        else:
            compare(sub, our_props[name], prefix + name, diffs, extras)
    if their_props:
        for name in our_props:
            if name not in their_props:
                extras.append("%s%s" % (prefix, name))
    for name in theirs.get("required", []):
        if name in our_props and name not in ours.get("required", []):
            diffs.append("%s%s required by the spec, optional here" % (prefix, name))
    if "items" in theirs:
        compare(theirs["items"], ours.get("items", {}), where.rstrip(": ").rstrip(".") + "[]", diffs, extras)
    if "additional" in theirs and "additional" in ours:
        compare(theirs["additional"], ours["additional"], prefix + "*", diffs, extras)


def official_operations(spec, version):
    """(METHOD, path) -> {params, responses: {status: schema}, form: [fields]} of a definition."""
    ops = {}
    for path, item in spec.root["paths"].items():
        for method, op in item.items():
            if method not in ("get", "post"):
                continue
            params, form = {}, []
            for p in op.get("parameters", []):
                if p.get("in") == "formData":
                    form.append(p["name"])
                else:
                    params[(p["name"], p["in"])] = p.get("required", False)
            body = (op.get("requestBody") or {}).get("content", {})
            for media in body.values():
                form += list(flatten(spec, media.get("schema", {})).get("properties", {}))
            responses = {}
            for status, response in op["responses"].items():
                if version == "1.0.0":
                    schema = response.get("schema")
                else:
                    schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
                responses[str(status)] = flatten(spec, schema) if schema else None
            ops[(method.upper(), path)] = {"params": params, "responses": responses, "form": sorted(set(form))}
    return ops


def our_operations(doc):
    ops = {}
    for path, item in doc["paths"].items():
        if not path.startswith(BASE):
            continue
        for method, op in item.items():
            if method.startswith("x-"):
                continue
            params = {(p["name"], p["in"]): p.get("required", False) for p in op.get("parameters", [])}
            form = []
            for media in ((op.get("requestBody") or {}).get("content") or {}).values():
                form += list(media["schema"].get("properties", {}))
            responses = {}
            for status, response in op["responses"].items():
                content = response.get("content") or {}
                media = content.get("application/json")
                responses[status] = media["schema"] if media else None
            ops[(method.upper(), path[len(BASE):])] = {"params": params, "responses": responses, "form": sorted(set(form))}
    return ops


def check(ours_path, spec_dir):
    with open(ours_path) as f:
        ours_doc = json.load(f)

    class Ours:
        root = ours_doc

        def load(self, ref, current):
            node = ours_doc
            for part in ref.partition("#")[2].strip("/").split("/"):
                node = node[part]
            return node, ours_doc

    ours_spec = Ours()
    ours = our_operations(ours_doc)
    failures, allowed = [], []
    for version, name in (("1.1.0", "workflow_execution_service-1.1.0.openapi.local.yaml"),
                          ("1.0.0", "workflow_execution_service-1.0.0.swagger.yaml")):
        spec = Doc(os.path.join(spec_dir, name))
        theirs = official_operations(spec, version)
        diffs, extras = [], []
        for key, op in theirs.items():
            label = "%s %s" % key
            if key not in ours:
                diffs.append("%s: path missing" % label)
                continue
            mine = ours[key]
            for param, required in op["params"].items():
                if param not in mine["params"]:
                    diffs.append("%s: parameter %s in %s missing" % (label, param[0], param[1]))
                elif bool(mine["params"][param]) != bool(required):
                    diffs.append("%s: parameter %s required %s, spec %s" % (label, param[0], mine["params"][param], required))
            for field in op["form"]:
                if field not in mine["form"]:
                    diffs.append("%s: form field %s missing" % (label, field))
            for field in mine["form"]:
                if op["form"] and field not in op["form"]:
                    diffs.append("%s: form field %s extra" % (label, field))
            for status, schema in op["responses"].items():
                if status not in mine["responses"]:
                    diffs.append("%s: status %s not documented" % (label, status))
                    continue
                if schema is None:
                    continue
                our_schema = flatten(ours_spec, mine["responses"][status] or {}, ours_doc)
                compare(schema, our_schema, "%s %s: " % (label, status) if status == "200" else "%s %s ErrorResponse: " % (label, status), diffs, extras)
            for status in mine["responses"]:
                if status not in op["responses"]:
                    diffs.append("%s: status %s extra" % (label, status))
        for key in ours:
            if key not in theirs:
                diffs.append("%s %s: extra path" % key)
        for extra in sorted(set(extras)):
            if extra in EXTRA_MEMBERS:
                allowed.append("%s %s extra: %s" % (version, extra, EXTRA_MEMBERS[extra]))
            elif version == "1.0.0" and (version, extra + " extra") in DEVIATIONS:
                allowed.append("%s %s extra: %s" % (version, extra, DEVIATIONS[(version, extra + " extra")]))
            elif version == "1.1.0" or not any(extra.startswith(p) for p in ("GET /service-info 200: ",)):
                diffs.append(extra + " extra")
            else:
                allowed.append("%s %s extra: a 1.1.0 service-info field" % (version, extra))
        for diff in sorted(set(diffs)):
            reason = DEVIATIONS.get((version, diff))
            if reason:
                allowed.append("%s %s: %s" % (version, diff, reason))
            else:
                failures.append("%s %s" % (version, diff))
    for line in allowed:
        print("allowed:", line)
    for line in failures:
        print("DIFFERS:", line)
    print("%d differences allowed, %d not" % (len(allowed), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(check(sys.argv[1], sys.argv[2]))

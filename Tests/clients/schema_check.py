"""Validates scenario files against the JSON Schema `mockruns schema` prints, with the jsonschema package (a real
Draft 2020-12 validator, what editors and CI linters use). usage: schema_check.py SCHEMA --valid A.json ... --invalid
B.json ...: every --valid file must pass and every --invalid file must fail; prints one line per file that does not."""
import json
import sys

from jsonschema import Draft202012Validator

schema_path, rest = sys.argv[1], sys.argv[2:]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
Draft202012Validator.check_schema(schema)
validator = Draft202012Validator(schema)

wrong = 0
checked = 0
expect_valid = True
for argument in rest:
    if argument in ("--valid", "--invalid"):
        expect_valid = argument == "--valid"
        continue
    with open(argument, encoding="utf-8") as f:
        document = json.load(f)
    errors = list(validator.iter_errors(document))
    checked += 1
    if expect_valid and errors:
        wrong += 1
        print("%s: should pass, fails at %s: %s" % (argument, errors[0].json_path, errors[0].message[:300]))
    elif not expect_valid and not errors:
        wrong += 1
        print("%s: should fail, passes" % argument)
print("%d of %d files judged wrongly" % (wrong, checked))
sys.exit(1 if wrong or checked == 0 else 0)

"""Reads each YAML file with PyYAML (YAML 1.1, what most OpenAPI tools use) and ruamel.yaml (YAML 1.2) and checks
both give exactly the JSON file beside it. usage: yaml_roundtrip.py A.yaml A.json [B.yaml B.json ...]"""
import json
import sys

import yaml
from ruamel.yaml import YAML

failed = 0
for yaml_path, json_path in zip(sys.argv[1::2], sys.argv[2::2]):
    with open(json_path, encoding="utf-8") as f:
        expected = json.load(f)
    with open(yaml_path, encoding="utf-8") as f:
        text = f.read()
    readers = {"PyYAML": lambda: list(yaml.safe_load_all(text)), "ruamel": lambda: list(YAML(typ="safe", pure=True).load_all(text))}
    for name, read in readers.items():
        try:
            documents = read()
        except Exception as error:  # a reader refusing the text is a failure too
            print("%s: %s cannot read it: %s" % (yaml_path, name, error))
            failed += 1
            continue
        if documents != [expected]:
            got = json.dumps(documents, ensure_ascii=False)[:400]
            print("%s: %s reads %s" % (yaml_path, name, got))
            failed += 1
print("%d of %d readings differ" % (failed, len(sys.argv[1:]) // 2 * 2))
sys.exit(1 if failed else 0)

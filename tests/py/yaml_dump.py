"""Dump each JSON document from stdin exactly as MLflow's write_yaml does; print a JSON list."""
import json
import sys

import yaml

Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
docs = json.load(sys.stdin)
out = [
    yaml.dump(d, default_flow_style=False, allow_unicode=True, sort_keys=True, Dumper=Dumper)
    for d in docs
]
json.dump({"libyaml": Dumper is not yaml.SafeDumper, "dumps": out}, sys.stdout)

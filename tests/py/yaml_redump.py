"""For each YAML file given, check that MLflow's write_yaml would write the same bytes for the
values it holds (load with CSafeLoader, dump with CSafeDumper). Print the files that differ."""
import json
import sys

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
diffs = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    again = yaml.dump(
        yaml.load(text, Loader=Loader),
        default_flow_style=False, allow_unicode=True, sort_keys=True, Dumper=Dumper,
    )
    if again != text:
        diffs.append({"path": path, "written": text, "pyyaml": again})
json.dump(diffs, sys.stdout, ensure_ascii=False)

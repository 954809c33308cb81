"""Drive MLflow's model registry on a file store, for the interop tests.

Usage:
  registry.py record STORE OUT_JSON [FILTER ...]
      What MlflowClient answers about every registered model and version (JSON, like
      fixtures/record.py): get_registered_model, get_latest_versions (all stages and each
      stage), get_model_version (incl. deleted versions, which fail), get_model_version_by_alias,
      get_model_version_download_uri, search_registered_models (all, and with each FILTER),
      search_model_versions (all, and per model).
  registry.py apply STORE OPS_JSON
      Apply registry operations with MLflow (fluent register_model, MlflowClient for the rest).
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "fixtures"))

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from record import err, jsonable, paged  # noqa: E402


def client_for(store):
    uri = "file://" + os.path.abspath(store)
    # 3.x reads a version's LoggedModel through the global tracking URI (docs/format/registry.md).
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def attempt(fn, *args):
    try:
        return {"ok": jsonable(fn(*args))}
    except Exception as e:  # noqa: BLE001
        return {"error": err(e)}


def record(store, out, filters):
    client = client_for(store)
    models = paged(client.search_registered_models, max_results=1000)
    rec = {
        "search_registered_models": [jsonable(dict(m)) for m in models],
        "search_model_versions": [
            jsonable(dict(v)) for v in paged(client.search_model_versions, max_results=10000)
        ],
        "filters": {},
        "models": {},
    }
    for f in filters:
        found = attempt(lambda: [m.name for m in paged(client.search_registered_models,
                                                         filter_string=f, max_results=1000)])
        rec["filters"][f] = found
    models_dir = os.path.join(store, "models")
    for name in sorted(os.listdir(models_dir)):
        m = {"get": attempt(lambda: dict(client.get_registered_model(name)))}
        m["latest"] = attempt(lambda: [dict(v) for v in client.get_latest_versions(name)])
        m["latest_by_stage"] = {
            s: attempt(lambda: [dict(v) for v in client.get_latest_versions(name, [s])])
            for s in ["None", "Staging", "Production", "Archived"]
        }
        m["search_versions"] = attempt(lambda: [
            dict(v) for v in paged(client.search_model_versions,
                                   filter_string=f"name = '{name}'", max_results=10000)
        ])
        versions = {}
        mdir = os.path.join(models_dir, name)
        for entry in sorted(os.listdir(mdir)):
            if entry.startswith("version-"):
                n = entry[len("version-"):]
                versions[n] = {
                    "get": attempt(lambda: dict(client.get_model_version(name, n))),
                    "download_uri": attempt(client.get_model_version_download_uri, name, n),
                }
        m["versions"] = versions
        aliases = {}
        got = m["get"].get("ok")
        for alias in sorted((got or {}).get("aliases", {})):
            aliases[alias] = attempt(lambda: dict(client.get_model_version_by_alias(name, alias)))
        m["by_alias"] = aliases
        rec["models"][name] = m
    with open(out, "w", encoding="utf-8") as f:
        json.dump(rec, f, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)


def apply(store, ops_file):
    client = client_for(store)
    with open(ops_file, encoding="utf-8") as f:
        ops = json.load(f)
    for op in ops:
        kind = op["op"]
        if kind == "register":
            mv = mlflow.register_model(f"runs:/{op['run']}/{op['path']}", op["name"],
                                       tags=op.get("tags"))
            if op.get("description"):
                client.update_model_version(op["name"], mv.version, op["description"])
        elif kind == "transition":
            client.transition_model_version_stage(op["name"], op["version"], op["stage"],
                                                  archive_existing_versions=op.get("archive", False))
        elif kind == "set_alias":
            client.set_registered_model_alias(op["name"], op["alias"], op["version"])
        elif kind == "delete_alias":
            client.delete_registered_model_alias(op["name"], op["alias"])
        elif kind == "model_tag":
            client.set_registered_model_tag(op["name"], op["key"], op["value"])
        elif kind == "delete_model_tag":
            client.delete_registered_model_tag(op["name"], op["key"])
        elif kind == "version_tag":
            client.set_model_version_tag(op["name"], op["version"], op["key"], op["value"])
        elif kind == "delete_version_tag":
            client.delete_model_version_tag(op["name"], op["version"], op["key"])
        elif kind == "delete_version":
            client.delete_model_version(op["name"], op["version"])
        elif kind == "delete_model":
            client.delete_registered_model(op["name"])
        else:
            sys.exit(f"unknown op {kind}")


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "record":
        record(os.path.abspath(sys.argv[2]), sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 4 and sys.argv[1] == "apply":
        apply(os.path.abspath(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

"""Answer search cases with real MLflow, for the differential tests of `mlrs search` and
`mlrs experiments list --filter`.

Usage:  <venv>/bin/python search_cases.py STORE_DIR CASES_JSON > answers.json

Input: a JSON list of cases, each one of
  {"kind": "runs", "experiment_ids": [...], "filter": str, "order_by": [str],
   "view": "ACTIVE_ONLY|DELETED_ONLY|ALL", "max_results": int}
  {"kind": "experiments", "filter": str, "order_by": [str], "view": ..., "max_results": int}
Every key but "kind" is optional. Output: a JSON list, one answer per case, in order:
  {"ids": [run or experiment ids in MLflow's order]} or {"error": "<exception type>: <message>"}.

All cases go through one `MlflowClient` in one process (Python and MLflow start-up cost about
a second, so the tests send every case in one call). The store does not change while the cases
are answered, so each experiment's run list and each run are read from disk once: MLflow's
`_search_runs` reads every run in scope for every search (about 0.1 s per search in 3.17.2 on the
reference store); its filtering, sorting and paging code answers every case.
"""

import json
import os
import sys

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402

VIEWS = {"ACTIVE_ONLY": ViewType.ACTIVE_ONLY, "DELETED_ONLY": ViewType.DELETED_ONLY, "ALL": ViewType.ALL}


def answer(client, case):
    view = VIEWS[case.get("view", "ACTIVE_ONLY")]
    kwargs = {
        "filter_string": case.get("filter", ""),
        "order_by": case.get("order_by") or None,
        "max_results": case.get("max_results", 50000),
    }
    try:
        if case["kind"] == "runs":
            runs = client.search_runs(case["experiment_ids"], run_view_type=view, **kwargs)
            return {"ids": [r.info.run_id for r in runs]}
        exps = client.search_experiments(view_type=view, **kwargs)
        return {"ids": [e.experiment_id for e in exps]}
    except Exception as e:  # every failure is an answer to compare, not a crash
        return {"error": f"{type(e).__name__}: {e}"}


def once(read, key):
    """`read`, remembering each answer (the store does not change while cases run)."""
    seen = {}

    def cached(*args):
        k = key(*args)
        if k not in seen:
            seen[k] = read(*args)
        return seen[k]

    return cached


def main():
    store = sys.argv[1]
    client = MlflowClient(tracking_uri="file://" + os.path.abspath(store))
    file_store = client._tracking_client.store
    file_store._list_run_infos = once(file_store._list_run_infos, lambda exp, view: (exp, view))
    file_store._get_run_from_info = once(file_store._get_run_from_info, lambda info: info.run_id)
    with open(sys.argv[2], encoding="utf-8") as f:
        cases = json.load(f)
    json.dump([answer(client, c) for c in cases], sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()

"""What MLflow sees in a store, and every warning it logs while looking: each experiment
(active and deleted) with its runs (all views), each run read whole with get_run.

    python mlflow_sees.py ROOT

Prints JSON: {"experiments": {id: [run ids, sorted]}, "warnings": [...], "errors": [...]}.
"""
import json
import logging
import sys
import warnings

from mlflow import MlflowClient
from mlflow.entities import ViewType

seen = []


class Collect(logging.Handler):
    def emit(self, record):
        seen.append(record.getMessage())


logging.getLogger().addHandler(Collect(level=logging.WARNING))
warnings.simplefilter("ignore", FutureWarning)
client = MlflowClient("file://" + sys.argv[1])
experiments, errors = {}, []
for exp in client.search_experiments(view_type=ViewType.ALL, max_results=50000):
    runs = client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL, max_results=50000)
    experiments[exp.experiment_id] = sorted(r.info.run_id for r in runs)
    for r in runs:
        try:
            client.get_run(r.info.run_id)
        except Exception as e:  # noqa: BLE001 - reported to the test
            errors.append(f"{r.info.run_id}: {type(e).__name__}: {e}")
json.dump({"experiments": experiments, "warnings": seen, "errors": errors}, sys.stdout)

#!/usr/bin/env python
"""Read whole file stores with real MLflow, as a user would list them.

Usage:  <venv>/bin/python read_stores.py STORE_DIR...
Output: a JSON object {store: error} for every store MLflow failed to read (experiments of
every view, the runs of each with their data, registered models and their versions).
"""

import json
import os
import sys

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402

errors = {}
for store in sys.argv[1:]:
    uri = "file://" + os.path.abspath(store)
    try:
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        for exp in client.search_experiments(view_type=ViewType.ALL):
            for run in client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL):
                for key in run.data.metrics:
                    client.get_metric_history(run.info.run_id, key)
        for model in client.search_registered_models():
            client.search_model_versions(f"name = '{model.name}'")
    except Exception as e:  # noqa: BLE001 - any failure is what we report
        errors[store] = f"{type(e).__name__}: {e}"[:500]
print(json.dumps(errors))

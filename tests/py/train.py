"""A training script as users write them: continues the run mlrs started (MLFLOW_RUN_ID)."""
import os
import sys

import mlflow

expected = os.environ["MLFLOW_RUN_ID"]  # start_run() removes it from the environment
with mlflow.start_run() as run:
    assert run.info.run_id == expected, "mlflow did not continue mlrs's run"
    mlflow.log_param("py_param", "from-python")
    mlflow.log_metric("py_metric", 1.5, step=2)
    print("trained", run.info.run_id)
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)

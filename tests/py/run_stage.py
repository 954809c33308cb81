"""The lifecycle stage MLflow reads for a run.

    python run_stage.py RUN_ID

Prints `active` or `deleted`.
"""
import sys

from mlflow import MlflowClient

print(MlflowClient().get_run(sys.argv[1]).info.lifecycle_stage)

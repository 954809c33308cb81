"""What MLflow reads of a run: its lifecycle stage, or one tag.

    python run_stage.py RUN_ID          prints `active` or `deleted`
    python run_stage.py RUN_ID TAG      prints the tag's value, or `<none>`
"""
import sys

from mlflow import MlflowClient

run = MlflowClient().get_run(sys.argv[1])
if len(sys.argv) > 2:
    print(run.data.tags.get(sys.argv[2], "<none>"))
else:
    print(run.info.lifecycle_stage)

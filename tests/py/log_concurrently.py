"""Log N metric lines into one run with MLflow's client (for the mixed-writers test)."""
import sys

import mlflow

run_id, key, n, worker = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = mlflow.MlflowClient()
for i in range(n):
    client.log_metric(run_id, key, worker * 100000 + i, timestamp=1795239971000 + i, step=i)

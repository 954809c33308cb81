#!/usr/bin/env python3
"""Benchmark (issue 2): `mlrs runs list` over every experiment of a synthetic 10k-run store
(20 params, 10 metrics, 10 tags per run), warm cache, against `mlflow runs list` (one call per
experiment, as its CLI requires) and MLflow's `search_runs` over all experiments.

    python3 bench/runs_list.py [--runs 10000] [--dir /tmp/mlrs-bench]
"""
import glob
import os

from common import MLFLOW_CLI, MLRS, ENV, bench_store, measure, python_timed, report


def main():
    a, store = bench_store(__doc__)
    exp_ids = sorted(os.path.basename(d) for d in glob.glob(os.path.join(store, "[0-9]*")))
    measure([MLRS, "--store", store, "runs", "list", "-f", "tsv"], repeat=1)  # warm the cache
    mlrs_t, mlrs_mem = measure([MLRS, "--store", store, "runs", "list", "-f", "tsv"], repeat=5)
    mlrs_table_t, _ = measure([MLRS, "--store", store, "runs", "list", "-f", "table"], repeat=5)
    cli_total, cli_mem = 0.0, 0.0
    for exp in exp_ids:
        t, m = measure([MLFLOW_CLI, "runs", "list", "--experiment-id", exp], repeat=1,
                       env=dict(ENV, MLFLOW_TRACKING_URI=f"file://{store}"))
        cli_total += t
        cli_mem = max(cli_mem, m)
    search = python_timed(f"""
import time, mlflow
c = mlflow.MlflowClient("file://{store}")
ids = [e.experiment_id for e in c.search_experiments()]
t = time.perf_counter()
runs = c.search_runs(ids, max_results=50000)
assert len(runs) == {a.runs}, len(runs)
print(time.perf_counter() - t)
""")
    report(f"runs list, {a.runs} runs in {len(exp_ids)} experiments (warm cache, 2 cores)", [
        ("`mlrs runs list -f tsv`", mlrs_t, mlrs_mem),
        ("`mlrs runs list -f table`", mlrs_table_t, None),
        (f"`mlflow runs list` × {len(exp_ids)} experiments", cli_total, cli_mem),
        ("MLflow `search_runs` (the call alone, in-process)", search, None),
    ])


if __name__ == "__main__":
    main()

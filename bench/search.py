#!/usr/bin/env python3
"""Benchmark (issue 4): `mlrs search 'metrics.rmse < 5 and params.model = "xgboost"' --order-by
'metrics.rmse ASC'` over every experiment of a synthetic 10k-run store (20 params, 10 metrics, 10
tags per run), warm cache, against MLflow 3.17.2's `search_runs` with the same filter and order,
and against the floor: `cat` of just the files the query needs (each run's meta.yaml,
metrics/rmse, params/model). Then mlrs's peak memory on a 100k-run store.

    python3 bench/search.py [--runs 10000] [--memory-runs 100000] [--dir /tmp/mlrs-bench]

The 100k-run store has 2 params, 2 metrics and 2 tags per run (a full one is 4.6M files): the
query reads meta.yaml, params/model and metrics/rmse whatever else a run holds, so its memory
does not depend on the files it never opens.
"""
import argparse
import glob
import os
import subprocess

from common import MLRS, build_mlrs, measure, python_timed, report, synth_store

FILTER = 'metrics.rmse < 5 and params.model = "xgboost"'
ORDER = "metrics.rmse ASC"


def needed_files(store, out):
    """The files the query reads, one per line, for the `cat` floor."""
    with open(out, "w") as f:
        for run in glob.glob(os.path.join(store, "[0-9]*", "*", "meta.yaml")):
            run_dir = os.path.dirname(run)
            for name in ("meta.yaml", "metrics/rmse", "params/model"):
                f.write(os.path.join(run_dir, name) + "\n")
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--memory-runs", type=int, default=100000)
    p.add_argument("--dir", default="/tmp/mlrs-bench")
    a = p.parse_args()
    build_mlrs()
    store = synth_store(os.path.join(a.dir, f"store-{a.runs}"), a.runs)
    search = [MLRS, "--store", store, "search", FILTER, "--order-by", ORDER, "-f", "tsv"]
    measure(search, repeat=1)  # warm the cache
    mlrs_t, mlrs_mem = measure(search, repeat=5)
    table_t, _ = measure(search[:-1] + ["table"], repeat=5)
    files = needed_files(store, os.path.join(a.dir, f"needed-{a.runs}.txt"))
    floor_t, _ = measure(["sh", "-c", f"xargs -a {files} cat > /dev/null"], repeat=5)
    floor2_t, _ = measure(["sh", "-c", f"xargs -a {files} -P 2 -n 2000 cat > /dev/null"], repeat=5)
    out = subprocess.run(search, check=True, capture_output=True, text=True).stdout
    mlrs_ids = [line.split("\t")[0] for line in out.splitlines()[1:]]
    mlflow_t = python_timed(f"""
import time, mlflow
c = mlflow.MlflowClient("file://{store}")
ids = [e.experiment_id for e in c.search_experiments()]
c.search_runs(ids, max_results=1)  # imports and first-call set-up are not timed
t = time.perf_counter()
runs = c.search_runs(ids, {FILTER!r}, order_by=[{ORDER!r}], max_results=50000)
elapsed = time.perf_counter() - t
assert [r.info.run_id for r in runs] == {mlrs_ids!r}, "mlrs and MLflow disagree"
print(elapsed)
""")
    count = len(mlrs_ids)
    report(f"search, {a.runs} runs, {count} matches (warm cache, 2 cores)", [
        ("`mlrs search … -f tsv`", mlrs_t, mlrs_mem),
        ("`mlrs search … -f table`", table_t, None),
        ("`cat` of meta.yaml, metrics/rmse, params/model (floor)", floor_t, None),
        ("the same `cat`s, two at a time (`xargs -P 2`)", floor2_t, None),
        ("MLflow 3.17.2 `search_runs` (the call alone, in-process)", mlflow_t, None),
    ])
    big = synth_store(os.path.join(a.dir, f"store-{a.memory_runs}-small"), a.memory_runs,
                      params=2, metrics=2, tags=2, steps=1)
    search[2] = big
    measure(search, repeat=1)
    big_t, big_mem = measure(search, repeat=3)
    report(f"search, {a.memory_runs} runs (2 params, 2 metrics, 2 tags each)", [
        ("`mlrs search … -f tsv`", big_t, big_mem),
    ])


if __name__ == "__main__":
    main()

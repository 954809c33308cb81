#!/usr/bin/env python3
"""Benchmark (issue 3): the wall time of one `mlrs log RUN --metric loss=…` process (median over
200 calls; starting
`true` the same way is the floor) against one `python -c 'import mlflow; …log_metric…'` process, and the throughput of
`mlrs log --batch` for 100k metric lines against MLflow's `log_batch` (in-process, 1000 metrics
a call: its limit) on the same run.

    python3 bench/log.py [--calls 200] [--python-calls 20] [--lines 100000] [--dir /tmp/mlrs-bench]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import time

from common import ENV, MLFLOW_PY, MLRS, build_mlrs, measure, python_timed


def wall(cmd, env=ENV):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def start_run(store, name):
    out = subprocess.run([MLRS, "--store", store, "runs", "start", "-e", "bench", "--name", name,
                          "--create-experiment"], check=True, capture_output=True, text=True, env=ENV)
    return out.stdout.strip()


def metric_lines(store, run, key):
    exp = next(e for e in os.listdir(store) if os.path.isdir(os.path.join(store, e, run)))
    with open(os.path.join(store, exp, run, "metrics", key)) as f:
        return sum(1 for _ in f)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--python-calls", type=int, default=20)
    p.add_argument("--lines", type=int, default=100000)
    p.add_argument("--dir", default="/tmp/mlrs-bench")
    a = p.parse_args()
    build_mlrs()
    store = os.path.join(a.dir, "log-store")
    shutil.rmtree(store, ignore_errors=True)
    os.makedirs(a.dir, exist_ok=True)

    run = start_run(store, "single")
    singles = [wall([MLRS, "--store", store, "log", run, "--metric", f"loss={1 / (i + 1)!r}@{i}"])
               for i in range(a.calls)]
    assert metric_lines(store, run, "loss") == a.calls
    floor = [wall(["true"]) for _ in range(a.calls)]
    _, single_mem = measure([MLRS, "--store", store, "log", run, "--metric", "loss=0.5@0"], repeat=3)
    py = [wall([MLFLOW_PY, "-c", "import mlflow; mlflow.MlflowClient().log_metric("
                f"'{run}', 'py_loss', {1 / (i + 1)!r}, step={i})"],
               env=dict(ENV, MLFLOW_TRACKING_URI=f"file://{store}"))
          for i in range(a.python_calls)]
    assert metric_lines(store, run, "py_loss") == a.python_calls

    batch = os.path.join(a.dir, "batch.jsonl")
    with open(batch, "w") as f:
        for i in range(a.lines):
            f.write(json.dumps({"metric": "loss", "value": 1 / (i + 1), "step": i}) + "\n")
    times, batch_mem = [], 0.0
    for rep in range(3):
        batch_run = start_run(store, f"batch-{rep}")
        t, m = measure([MLRS, "--store", store, "log", batch_run, "--batch", batch], repeat=1)
        assert metric_lines(store, batch_run, "loss") == a.lines
        times.append(t)
        batch_mem = max(batch_mem, m)
    py_batch_run = start_run(store, "python-batch")
    py_batch = python_timed(f"""
import time, mlflow
from mlflow.entities import Metric
c = mlflow.MlflowClient("file://{store}")
now = int(time.time() * 1000)
metrics = [Metric("loss", 1 / (i + 1), now, i) for i in range({a.lines})]
t = time.perf_counter()
for i in range(0, len(metrics), 1000):
    c.log_batch("{py_batch_run}", metrics=metrics[i:i + 1000])
print(time.perf_counter() - t)
""")
    assert metric_lines(store, py_batch_run, "loss") == a.lines

    single_med, py_med = statistics.median(singles), statistics.median(py)
    batch_best = min(times)
    print(f"\n## log: one metric per process, and a batch of {a.lines} lines (2 cores)\n")
    print("| what | time | peak memory | vs mlrs |")
    print("| --- | --- | --- | --- |")
    print(f"| `mlrs log RUN --metric loss=…` (median of {a.calls} processes) | {single_med * 1000:.2f} ms "
          f"| {single_mem:.0f} MB | 1.0× |")
    print(f"| floor: starting `true` (median of {a.calls}) | {statistics.median(floor) * 1000:.2f} ms | - | - |")
    print(f"| `python -c 'import mlflow; …log_metric…'` (median of {a.python_calls}) | {py_med * 1000:.0f} ms "
          f"| - | {py_med / single_med:.0f}× |")
    print(f"| `mlrs log RUN --batch FILE`, {a.lines} metric lines (best of 3) | {batch_best:.3f} s "
          f"| {batch_mem:.0f} MB | 1.0× ({a.lines / batch_best / 1e6:.2f} M lines/s) |")
    print(f"| MLflow `log_batch` × {a.lines // 1000} calls of 1000, in-process | {py_batch:.3f} s "
          f"| - | {py_batch / batch_best:.0f}× |")


if __name__ == "__main__":
    main()

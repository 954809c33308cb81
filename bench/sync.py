#!/usr/bin/env python3
"""Benchmark (issue 15): `mlrs sync` of the synthetic store (default 10k runs: 20 params,
10 metrics x 3 steps, 10 tags each) into a local `mlflow server` (SQLite backend,
--serve-artifacts, started here on 127.0.0.1), against a Python script that creates each run
with MlflowClient and sends its data with one `log_batch` per run; then the rerun with nothing
new (no request per run). Each side gets a fresh server.

    python3 bench/sync.py [--runs 10000] [--dir /tmp/mlrs-bench] [-j 4] [--no-python]
        [--python-runs 1000]

The Python side sends the first --python-runs runs (it does about 3.5 runs a second, so all
10k would take most of an hour) and its time is scaled to the whole store; each figure is
printed as soon as it is known.

Needs the server venv scripts/test makes (~/.cache/mlrs/venvs/mlflow-server-3.17.2).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request

from common import ENV, MLRS, build_mlrs, report, synth_store

# Where scripts/test keeps the venvs (outside the clone).
VENVS = os.environ.get("MLRS_MLFLOW_VENVS") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mlrs", "venvs")
SERVER = os.path.join(VENVS, "mlflow-server-3.17.2", "bin")

PYTHON_SYNC = r"""
import os, sys, time
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
store, url, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
sent = 0
local = MlflowClient("file://" + store)
server = MlflowClient(url)
start = time.perf_counter()
for exp in local.search_experiments():
    remote = server.get_experiment_by_name(exp.name)
    eid = remote.experiment_id if remote else server.create_experiment(exp.name)
    for run in local.search_runs([exp.experiment_id], max_results=50000):
        if sent == limit:
            break
        sent += 1
        new = server.create_run(eid, start_time=run.info.start_time, run_name=run.info.run_name)
        rid = new.info.run_id
        metrics = [m for k in run.data.metrics for m in local.get_metric_history(run.info.run_id, k)]
        params = [Param(k, v) for k, v in run.data.params.items()]
        tags = [RunTag(k, v) for k, v in run.data.tags.items()]
        for i in range(0, max(len(metrics), 1), 1000):
            server.log_batch(rid, metrics=metrics[i:i + 1000], params=params if i == 0 else [],
                             tags=tags if i == 0 else [])
        server.set_terminated(rid, run.info.status, run.info.end_time)
print(sent, time.perf_counter() - start)
"""


class Server:
    def __init__(self, workdir):
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(ENV, MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false")
        self.proc = subprocess.Popen(
            [os.path.join(SERVER, "mlflow"), "server", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", "4", "--serve-artifacts",
             "--backend-store-uri", f"sqlite:///{workdir}/mlflow.db",
             "--artifacts-destination", f"{workdir}/artifacts"],
            cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        for _ in range(1200):
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                return
            except OSError:
                time.sleep(0.5)
        raise SystemExit("mlflow server did not start")

    def stop(self):
        os.killpg(self.proc.pid, 15)
        self.proc.wait()


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--dir", default="/tmp/mlrs-bench")
    p.add_argument("-j", type=int, default=4)
    p.add_argument("--no-python", action="store_true")
    p.add_argument("--python-runs", type=int, default=1000)
    a = p.parse_args()
    build_mlrs()
    store = synth_store(os.path.join(a.dir, f"store-{a.runs}"), a.runs)
    # sync writes only its state folder into the store: removing it gives a fresh start
    # without copying 400k files.
    work = store
    shutil.rmtree(os.path.join(work, ".mlrs-sync.trash"), ignore_errors=True)
    rows = []
    server = Server(os.path.join(a.dir, "sync-server"))
    try:
        rows.append((f"mlrs sync -j {a.j}", timed([MLRS, "-s", work, "sync", "--to", server.url, "-j", str(a.j)]), None))
        print(f"{rows[-1][0]}: {rows[-1][1]:.1f} s", flush=True)
        rows.append(("mlrs sync (rerun, nothing new)", timed([MLRS, "-s", work, "sync", "--to", server.url]), None))
        print(f"{rows[-1][0]}: {rows[-1][1]:.2f} s", flush=True)
        again = subprocess.run([MLRS, "-s", work, "sync", "--to", server.url, "--format", "json"],
                               check=True, capture_output=True, text=True, env=ENV)
        summary = json.loads(again.stdout)
        print(f"rerun: {summary['runs_unchanged']} runs unchanged, {summary['requests']} requests to the server")
    finally:
        server.stop()
    if not a.no_python:
        server = Server(os.path.join(a.dir, "sync-server-py"))
        try:
            out = subprocess.run([os.path.join(SERVER, "python"), "-c", PYTHON_SYNC, work, server.url,
                                  str(min(a.python_runs, a.runs))],
                                 check=True, capture_output=True, text=True, env=ENV)
            sent, secs = out.stdout.split()[-2:]
            sent, secs = int(sent), float(secs)
            rows.append((f"Python MlflowClient.log_batch per run ({sent} runs sent, time scaled to "
                         f"{a.runs})", secs * a.runs / max(sent, 1), None))
            print(f"{rows[-1][0]}: {rows[-1][1]:.1f} s", flush=True)
        finally:
            server.stop()
    report(f"sync of {a.runs} runs into mlflow server (SQLite)", rows)


if __name__ == "__main__":
    main()

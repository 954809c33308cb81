#!/usr/bin/env python3
"""Benchmark (issue 6): `mlrs gc --yes` of 10k soft-deleted runs in a synthetic store (20 params,
10 metrics x 3 steps, 10 tags per run: 410k files), wall time and peak memory, against MLflow
3.17.2's `mlflow gc` (one call, which removes at most 1000 runs) and against the floor, `rm -rf`,
each on a fresh copy of the same store; also the plan alone (`--dry-run`). Removal is bound by
the disk: times move with the disk and its other users, so each copy is synced before it is
timed.

    python3 bench/gc.py [--runs 10000] [--dir /tmp/mlrs-bench] [--no-mlflow]
"""
import argparse
import glob
import os
import shutil
import subprocess

from common import ENV, MLFLOW_CLI, MLRS, build_mlrs, measure, report, synth_store


def disk_bytes(path):
    out = subprocess.run(["du", "-s", "--block-size=1", path], check=True, capture_output=True, text=True).stdout
    return int(out.split()[0])


def fresh_copy(store, dest):
    shutil.rmtree(dest, ignore_errors=True)
    # A copy that fills the disk leaves every other program on the machine failing to write;
    # refuse up front, with room to spare for block rounding.
    need, free = disk_bytes(store) * 1.2, shutil.disk_usage(os.path.dirname(dest)).free
    if need > free:
        raise SystemExit(f"gc.py: copying {store} needs about {need / 1e9:.1f} GB, "
                         f"and {free / 1e9:.1f} GB is free; free some space first")
    subprocess.run(["cp", "-a", store, dest], check=True)
    subprocess.run(["sync"], check=True)
    return dest


def runs_left(store):
    return len(glob.glob(os.path.join(store, "[0-9]*", "*", "meta.yaml")))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--dir", default="/tmp/mlrs-bench")
    p.add_argument("--no-mlflow", action="store_true", help="skip mlflow gc (minutes at 10k runs)")
    a = p.parse_args()
    build_mlrs()
    store = synth_store(os.path.join(a.dir, f"store-{a.runs}-deleted"), a.runs, deleted=a.runs)
    work = os.path.join(a.dir, "gc-copy")

    copy = fresh_copy(store, work)
    plan = measure([MLRS, "--store", copy, "gc", "--dry-run", "-f", "json"], repeat=1)
    gc = measure([MLRS, "--store", copy, "gc", "--yes", "-f", "json"], repeat=1)
    assert runs_left(copy) == 0, "mlrs gc left runs behind"
    rows = [("mlrs gc --yes", *gc), ("mlrs gc --dry-run (the plan only)", *plan)]
    if not a.no_mlflow:
        # One call: `mlflow gc` removes at most 1000 runs per call (its `_get_deleted_runs`
        # reads one page of `search_runs`), and each call reads the whole store again.
        copy = fresh_copy(store, work)
        uri = f"file://{copy}"
        mlflow = measure([MLFLOW_CLI, "gc", "--backend-store-uri", uri], repeat=1,
                         env=dict(ENV, MLFLOW_TRACKING_URI=uri))
        removed = a.runs - runs_left(copy)
        rows.append((f"mlflow gc (3.17.2), one call: removed {removed} of {a.runs} runs", *mlflow))
    copy = fresh_copy(store, work)
    rows.append(("rm -rf of the store (the floor)", *measure(["rm", "-rf", copy], repeat=1)))
    report(f"gc of {a.runs} deleted runs ({a.runs * 41} files)", rows)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write a synthetic MLflow file store directly (no MLflow needed, fast), in the exact layout
MLflow 3.x writes: experiments with meta.yaml, runs with meta.yaml, params/, metrics/ (one line
per step), tags/, artifacts/. MLflow reads it like any store; the benchmarks time mlrs and
MLflow on it.

    python3 bench/synth_store.py OUT --runs 10000 [--experiments 10] [--params 20]
        [--metrics 10] [--tags 10] [--steps 3] [--deleted 0] [--seed 1]
"""
import argparse
import os
import random

BASE_MS = 1_790_000_000_000
MODELS = ["xgboost", "lightgbm", "random_forest", "linear", "mlp"]


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def experiment_meta(root, exp_id, name, t):
    return (
        f"artifact_location: file://{root}/{exp_id}\n"
        f"creation_time: {t}\n"
        "effective_trace_archival_retention: null\n"
        f"experiment_id: '{exp_id}'\n"
        f"last_update_time: {t}\n"
        "lifecycle_stage: active\n"
        f"name: {name}\n"
        "trace_location: null\n"
        "workspace: default\n"
    )


def run_meta(root, exp_id, run_id, name, start, deleted_time):
    lines = [
        f"artifact_uri: file://{root}/{exp_id}/{run_id}/artifacts",
        f"end_time: {start + 60_000}",
        "entry_point_name: ''",
        f"experiment_id: '{exp_id}'",
        f"lifecycle_stage: {'deleted' if deleted_time else 'active'}",
        f"run_id: {run_id}",
        f"run_name: {name}",
        "source_name: ''",
        "source_type: 4",
        "source_version: ''",
        f"start_time: {start}",
        "status: 3",
        "tags: []",
        "user_id: bench",
    ]
    if deleted_time:
        lines.insert(1, f"deleted_time: {deleted_time}")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--experiments", type=int, default=10)
    p.add_argument("--params", type=int, default=20)
    p.add_argument("--metrics", type=int, default=10)
    p.add_argument("--tags", type=int, default=10)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--deleted", type=int, default=0, help="how many runs are soft-deleted")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = random.Random(a.seed)
    root = os.path.abspath(a.out)
    os.makedirs(os.path.join(root, ".trash"), exist_ok=True)
    exp_ids = ["0"] + [str(100000000000000000 + i) for i in range(1, a.experiments)]
    for i, exp_id in enumerate(exp_ids):
        os.makedirs(os.path.join(root, exp_id), exist_ok=True)
        name = "Default" if exp_id == "0" else f"bench-{i}"
        write(os.path.join(root, exp_id, "meta.yaml"), experiment_meta(root, exp_id, name, BASE_MS + i))
    deleted = set(rng.sample(range(a.runs), a.deleted)) if a.deleted else set()
    for n in range(a.runs):
        exp_id = exp_ids[n % len(exp_ids)]
        run_id = "%032x" % rng.getrandbits(128)
        run_dir = os.path.join(root, exp_id, run_id)
        for sub in ("params", "metrics", "tags", "artifacts"):
            os.makedirs(os.path.join(run_dir, sub))
        start = BASE_MS + n * 1000
        name = f"run-{n}"
        write(os.path.join(run_dir, "meta.yaml"),
              run_meta(root, exp_id, run_id, name, start, start + 120_000 if n in deleted else None))
        for k in range(a.params):
            value = rng.choice(MODELS) if k == 0 else str(rng.randint(1, 1000))
            write(os.path.join(run_dir, "params", "model" if k == 0 else f"p{k}"), value)
        for k in range(a.metrics):
            key = "rmse" if k == 0 else f"m{k}"
            lines = "".join(
                f"{start + s * 1000} {rng.uniform(0, 20)!r} {s}\n" for s in range(a.steps)
            )
            write(os.path.join(run_dir, "metrics", key), lines)
        write(os.path.join(run_dir, "tags", "mlflow.runName"), name)
        write(os.path.join(run_dir, "tags", "mlflow.user"), "bench")
        for k in range(max(0, a.tags - 2)):
            write(os.path.join(run_dir, "tags", f"t{k}"), f"value-{rng.randint(1, 50)}")
    print(root)


if __name__ == "__main__":
    main()

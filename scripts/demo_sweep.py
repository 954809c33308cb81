#!/usr/bin/env python3
"""Write a small, realistic sweep into a store with the mlrs binary itself: 12 boosting runs of
the course's NYC taxi model (params max_depth, learning_rate, min_samples_leaf), each logging
validation-rmse and train-rmse for up to 88 rounds, an artifact, and the best run registered
with an alias. Deterministic (fixed seed and clock). Used for the README pictures and by the
browser test of `mlrs report`.

    python3 scripts/demo_sweep.py MLRS_BINARY STORE
"""
import json
import math
import os
import random
import subprocess
import sys
import tempfile

T0 = 1_790_000_000_000


def main():
    mlrs, store = sys.argv[1], sys.argv[2]
    rng = random.Random(7)
    env = dict(os.environ, MLRS_NOW_MS=str(T0))

    def call(*args, stdin=None):
        done = subprocess.run([mlrs, "--store", store, *args], input=stdin, env=env, check=True,
                              capture_output=True, text=True)
        return done.stdout.strip()

    call("experiments", "create", "nyc-taxi-duration")
    results = []
    for n in range(12):
        depth = rng.choice([4, 6, 8, 10, 20])
        lr = rng.choice([0.05, 0.1, 0.3])
        leaf = rng.choice([1, 2, 4, 8])
        model = "xgboost" if n % 4 else "random_forest"
        run = call("runs", "start", "-e", "nyc-taxi-duration", "--name", f"{model}-{n:02d}",
                   "--param", f"max_depth={depth}", "--param", f"learning_rate={lr}",
                   "--param", f"min_samples_leaf={leaf}", "--param", f"model={model}",
                   "--tag", "course=mlops-zoomcamp", "--source", "train.py")
        floor = 5.2 + 0.08 * abs(depth - 8) + 0.3 * (leaf == 8) + rng.uniform(0, 0.25)
        rounds = 88 if lr < 0.3 else 40
        lines, t = [], T0 + n * 600_000
        for step in range(rounds):
            t += rng.randint(900, 1300)
            val = floor + 6.0 * math.exp(-step * lr * 0.9) + rng.gauss(0, 0.04)
            train = val - 0.15 - 0.01 * step * lr + rng.gauss(0, 0.02)
            lines.append({"metric": "validation-rmse", "value": round(val, 5), "step": step, "timestamp": t})
            lines.append({"metric": "train-rmse", "value": round(train, 5), "step": step, "timestamp": t})
        lines.append({"metric": "r2", "value": round(1 - floor / 12, 4), "step": 0, "timestamp": t})
        call("log", run, "--batch", "-", stdin="".join(json.dumps(x) + "\n" for x in lines))
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "MLmodel"), "w") as f:
                f.write(f"flavors:\n  {model}: {{}}\n")
            with open(os.path.join(tmp, "preprocessor.b"), "wb") as f:
                f.write(bytes(rng.randrange(256) for _ in range(2048)))
            call("log", run, "--artifact", f"{tmp}=model")
        call("runs", "end", run)
        results.append((lines[-3]["value"], run))
    best = min(results)[1]
    call("register", best, "--name", "nyc-taxi-regressor")
    call("transition", "nyc-taxi-regressor", "1", "Staging", "--alias", "champion")
    print(store)


if __name__ == "__main__":
    main()

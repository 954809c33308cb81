#!/usr/bin/env python3
"""Benchmark (issue 13): `mlrs plot rmse` of 10 runs × 100,000 steps (release build, warm cache),
drawn at 200×50 to a pipe and written as SVG. The budget is 200 ms; the time includes reading
and parsing the 1,000,000 metric lines.

    python3 bench/plot.py [--runs 10] [--steps 100000] [--dir /tmp/mlrs-bench]
"""
import argparse
import os

from common import MLRS, build_mlrs, measure, report, synth_store


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--steps", type=int, default=100_000)
    p.add_argument("--dir", default="/tmp/mlrs-bench")
    a = p.parse_args()
    build_mlrs()
    store = synth_store(os.path.join(a.dir, f"plot-{a.runs}x{a.steps}"), a.runs, experiments=1,
                        params=2, metrics=1, tags=2, steps=a.steps)
    base = [MLRS, "--store", store, "plot", "rmse", "--width", "200", "--height", "50"]
    rows = []
    for label, extra in [("terminal, 200×50", []), ("terminal, --smooth 0.9", ["--smooth", "0.9"]),
                         ("SVG file", ["--output", os.path.join(a.dir, "plot.svg")])]:
        seconds, mb = measure(base + extra, repeat=5)
        rows.append((f"mlrs plot rmse ({label})", seconds, mb))
    report(f"{a.runs} runs × {a.steps:,} steps of rmse", rows)


if __name__ == "__main__":
    main()

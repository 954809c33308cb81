#!/usr/bin/env python3
"""Benchmark (issue 7): latency of dynamic completion on a synthetic 10k-run store, as the
shell runs it (a fresh `mlrs` process in completion mode per TAB). Target: under 100 ms.

    python3 bench/completion.py [--runs 10000] [--dir /tmp/mlrs-bench]
"""
import os

from common import ENV, MLRS, bench_store, measure, report


def completion(store, words):
    line = ["mlrs", "--store", store] + words
    env = dict(ENV, _MLRS_COMPLETE="bash", _CLAP_COMPLETE_INDEX=str(len(line) - 1), _CLAP_COMPLETE_COMP_TYPE="9",
               _CLAP_COMPLETE_SPACE="true", _CLAP_IFS="\n")
    return [MLRS, "--", *line], env


def main():
    a, store = bench_store(__doc__)
    some_run = next(d for d in sorted(os.listdir(os.path.join(store, "0"))) if len(d) == 32)
    cases = [
        ("run id, 1 character typed (≈1/16 of the runs, ids only)", ["runs", "describe", some_run[:1]]),
        ("run id, 4 characters typed (with run names)", ["runs", "describe", some_run[:4]]),
        ("experiment name after -e", ["runs", "list", "-e", "bench-"]),
        ("metric key after --metric", ["log", some_run, "--metric", "m"]),
        ("key after --order-by", ["search", "--order-by", "metrics."]),
    ]
    rows = []
    for label, words in cases:
        cmd, env = completion(store, words)
        measure(cmd, repeat=1, env=env)  # warm
        secs, mem = measure(cmd, repeat=10, env=env)
        rows.append((label, secs, mem))
    report(f"completion latency, {a.runs}-run store (best of 10, warm cache)", rows)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmark (issue 14): `mlrs ui` on a synthetic 10k-run store (20 params, 10 metrics, 10 tags
per run), warm cache, in a real terminal (tmux 200x50): time to the first screen with runs,
time until every run's data is loaded, and the time the screen takes to answer keys (sort,
filter, scroll, open a run, mark and chart 10 runs), each read by polling the screen, so the
figures include up to a few ms of tmux round trips.

    python3 bench/ui.py [--runs 10000] [--dir /tmp/mlrs-bench]
"""
import subprocess
import time

from common import MLRS, bench_store

SOCKET = "mlrs-bench-ui"


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCKET, *args], check=True, capture_output=True,
                          text=True).stdout


def screen():
    return tmux("capture-pane", "-p")


def until(pred, timeout=60.0):
    """Seconds until the screen satisfies `pred`."""
    start = time.perf_counter()
    while True:
        text = screen()
        if pred(text):
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"timed out; the screen shows:\n{text}")
        time.sleep(0.002)


def key(keys, pred):
    """Seconds from sending `keys` until the screen satisfies `pred`."""
    tmux("send-keys", keys)
    return until(pred)


def main():
    a, store = bench_store(__doc__)
    subprocess.run([MLRS, "--store", store, "runs", "list", "-f", "tsv"], check=True,
                   stdout=subprocess.DEVNULL)  # warm the cache
    rows = []
    try:
        tmux("-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50",
             f"env NO_COLOR=1 {MLRS} --store {store} ui; sleep 60")
        start = time.perf_counter()
        until(lambda s: f"Runs {a.runs}" in s)
        rows.append(("first screen with runs", time.perf_counter() - start))
        until(lambda s: "loading" not in s and f"Runs {a.runs}" in s)
        rows.append(("every run's data loaded", time.perf_counter() - start))
        rows.append(("`s` sort by name", key("s", lambda s: "sorted by" in s)))
        before = screen()
        rows.append(("`G` to the last row", key("G", lambda s: s != before)))
        tmux("send-keys", "/")
        until(lambda s: "█" in s)
        tmux("send-keys", "-l", "metrics.rmse < 5")
        rows.append(("filter `metrics.rmse < 5` (Enter)",
                     key("Enter", lambda s: f"Runs {a.runs} " not in s)))
        rows.append(("open a run (Enter)", key("Enter", lambda s: "Metrics (latest" in s)))
        tmux("send-keys", "Escape")
        until(lambda s: "Runs" in s)
        tmux("send-keys", "g", *(["Space"] * 10))
        until(lambda s: "10 marked" in s)
        rows.append(("chart 10 marked runs (`v`)", key("v", lambda s: "x:step" in s)))
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], check=False)
    print(f"\n## mlrs ui, {a.runs} runs (warm cache, 2 cores, screen polled through tmux)\n")
    print("| step | time |")
    print("| --- | --- |")
    for label, secs in rows:
        print(f"| {label} | {secs * 1000:.0f} ms |")


if __name__ == "__main__":
    main()

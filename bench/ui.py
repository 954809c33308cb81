#!/usr/bin/env python3
"""Benchmark (issue 14): `mlrs ui` on a synthetic store (10k runs, 20 params, 10 metrics, 10 tags
per run), warm cache, in a real terminal (tmux 200x50): time to the first screen with runs,
time until every run's data is loaded, peak memory, the time the screen takes to answer keys
(sort, filter, scroll, open a run, mark and chart 10 runs), each read by polling the screen (so
the figures include a few ms of tmux round trips), the CPU an idle UI uses over 10 s, and, on
a small store of its own, the CPU and delay while a run logs 100 points a second.

    python3 bench/ui.py [--runs 10000] [--dir /tmp/mlrs-bench]
    python3 bench/ui.py --runs 100000 --small    # 2 params, 2 metrics, 2 tags a run (the
                                                 # store bench/search.py makes for memory)
"""
import os
import re
import shutil
import subprocess
import tempfile
import time

from common import MLRS, build_mlrs, synth_store

SOCKET = f"mlrs-bench-ui-{os.getpid()}"
HZ = os.sysconf("SC_CLK_TCK")


def tmux(*args):
    return subprocess.run(["tmux", "-L", SOCKET, *args], check=True, capture_output=True,
                          text=True).stdout


def screen():
    return tmux("capture-pane", "-p")


def until(pred, timeout=120.0):
    """Seconds until the screen satisfies `pred`. The screen is read often at first (a few ms
    apart, for the keys' figures) and less often as the wait goes on: every read starts a tmux
    process, and reading every 2 ms for seconds would take the CPU the UI is measured on."""
    start = time.perf_counter()
    pause = 0.002
    while True:
        text = screen()
        if pred(text):
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"timed out; the screen shows:\n{text}")
        time.sleep(pause)
        pause = min(pause * 1.25, 0.05)


def key(keys, pred):
    """Seconds from sending `keys` until the screen satisfies `pred`."""
    tmux("send-keys", keys)
    return until(pred)


def open_ui(store, *args):
    """Start `mlrs ui` in a fresh tmux server; answers its pid."""
    quoted = " ".join(f"'{a}'" for a in args)
    tmux("-f", "/dev/null", "new-session", "-d", "-x", "200", "-y", "50",
         f"env NO_COLOR=1 timeout --foreground 600 {MLRS} --store {store} ui {quoted}; sleep 60")
    shell = int(tmux("list-panes", "-F", "#{pane_pid}").strip())
    for _ in range(500):
        for pid in descendants(shell):
            if open(f"/proc/{pid}/comm").read().strip() == "mlrs":
                return pid
        time.sleep(0.01)
    raise SystemExit("mlrs ui did not start")


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            children = open(f"/proc/{p}/task/{p}/children").read().split()
        except OSError:
            continue
        out += [int(c) for c in children]
        todo += [int(c) for c in children]
    return out


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def cpu_share(pid, seconds):
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def peak_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def live(rows, *ui_args):
    """A run logging 100 points a second for 3 s, charted: CPU and the delay of its last point
    (the chart's cursor, moved to the right end, reads x = 300 once the last point is drawn)."""
    tmp = tempfile.mkdtemp()
    store = os.path.join(tmp, "mlruns")
    try:
        run = subprocess.run([MLRS, "--store", store, "runs", "start", "-e", "live",
                              "--create-experiment", "--name", "live"], check=True,
                             capture_output=True, text=True).stdout.strip()
        subprocess.run([MLRS, "--store", store, "log", run, "--metric", "loss=1@0"], check=True)
        path = subprocess.run(["find", store, "-path", f"*{run}/metrics/loss"], check=True,
                              capture_output=True, text=True).stdout.strip()
        pid = open_ui(store, *ui_args)
        until(lambda s: "Runs 1" in s)
        tmux("send-keys", "v")
        until(lambda s: "x:step" in s)
        tmux("send-keys", *(["."] * 50))
        until(lambda s: "loss @0 " in s)
        before = cpu_seconds(pid)
        start = time.perf_counter()
        with open(path, "a") as f:
            for step in range(1, 301):
                time.sleep(max(0.0, start + step / 100 - time.perf_counter()))
                f.write(f"{int(time.time() * 1000)} {1 / step} {step}\n")
                f.flush()
        written = time.perf_counter()
        share = (cpu_seconds(pid) - before) / (written - start)
        until(lambda s: "loss @300 " in s, timeout=10)
        how = " (--poll)" if ui_args else ""
        rows.append((f"live{how}: CPU while a run logs 100 points/s (3 s)",
                     f"{share * 100:.1f}% of a core"))
        rows.append((f"live{how}: last point on screen after",
                     f"{(time.perf_counter() - written) * 1000:.0f} ms"))
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], check=False)
        shutil.rmtree(tmp)


def main():
    import argparse
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=10000)
    p.add_argument("--dir", default="/tmp/mlrs-bench")
    p.add_argument("--small", action="store_true")
    a = p.parse_args()
    build_mlrs()
    if a.small:
        store = synth_store(os.path.join(a.dir, f"store-{a.runs}-small"), a.runs,
                            params=2, metrics=2, tags=2, steps=1)
    else:
        store = synth_store(os.path.join(a.dir, f"store-{a.runs}"), a.runs)
    # Warm the cache with every file the table reads (meta.yaml, params, metrics, tags).
    subprocess.run([MLRS, "--store", store, "search", "-f", "tsv"], check=True,
                   stdout=subprocess.DEVNULL)
    rows = []
    ms = lambda secs: f"{secs * 1000:.0f} ms"
    try:
        start = time.perf_counter()
        pid = open_ui(store)
        # The first runs read show at once; the rest fill in (`loading N/M` in the title).
        until(lambda s: re.search(r"Runs [1-9]", s))
        rows.append(("first screen with runs", ms(time.perf_counter() - start)))
        until(lambda s: "loading" not in s and f"Runs {a.runs}" in s)
        rows.append(("every run's data loaded", ms(time.perf_counter() - start)))
        rows.append(("peak memory", f"{peak_mb(pid):.0f} MB"))
        rows.append(("idle CPU over 10 s", f"{cpu_share(pid, 10) * 100:.2f}% of a core"))
        rows.append(("`s` sort by name", ms(key("s", lambda s: re.search(r"sorted by \S+ ASC", s)))))
        tmux("send-keys", "l", "l", "l")  # the first metric column
        time.sleep(0.5)
        rows.append(("`s` sort by a metric", ms(key("s", lambda s: re.search(r"sorted by \S+ DESC", s)))))
        rows.append(("`s` again: reversed", ms(key("s", lambda s: re.search(r"sorted by \S+ ASC", s)))))
        tmux("send-keys", "g")  # the sort may have kept the cursor on the last row
        time.sleep(0.5)
        before = screen()
        rows.append(("`G` to the last row", ms(key("G", lambda s: s != before))))
        tmux("send-keys", "/")
        until(lambda s: "█" in s)
        tmux("send-keys", "-l", "metrics.rmse < 5")
        rows.append(("filter `metrics.rmse < 5` (Enter)",
                     ms(key("Enter", lambda s: f"Runs {a.runs} " not in s))))
        rows.append(("open a run (Enter)", ms(key("Enter", lambda s: "Metrics (latest" in s))))
        tmux("send-keys", "Escape")
        until(lambda s: "Runs" in s)
        tmux("send-keys", "g", *(["Space"] * 10))
        until(lambda s: "10 marked" in s)
        rows.append(("chart 10 marked runs (`v`)", ms(key("v", lambda s: "x:step" in s))))
        rows.append(("peak memory after all that", f"{peak_mb(pid):.0f} MB"))
    except SystemExit as stuck:  # keep the figures measured before the step that failed
        rows.append(("(stopped)", str(stuck).splitlines()[0]))
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], check=False)
    if not a.small:
        for ui_args in [(), ("--poll",)]:
            try:
                live(rows, *ui_args)
            except SystemExit as stuck:
                rows.append(("(live part stopped)", str(stuck).splitlines()[0]))
    kind = " (2 params, 2 metrics, 2 tags each)" if a.small else ""
    print(f"\n## mlrs ui, {a.runs} runs{kind} (warm cache, 2 cores, screen polled through tmux)\n")
    print("| step | figure |")
    print("| --- | --- |")
    for label, figure in rows:
        print(f"| {label} | {figure} |")


if __name__ == "__main__":
    main()

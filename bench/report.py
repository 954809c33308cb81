#!/usr/bin/env python3
"""Benchmark (issue 13): `mlrs report` of a synthetic 10k-run store whose runs log 100-step
histories (20 params, 10 metrics, 10 tags each): time to write the page (warm cache, release
build), the file's size, and in headless Chromium the time until the table answers and until
the first chart is drawn (milliseconds since navigation start, from the page itself). For
scale, two floors: reading every file of the store (two `cat`s in parallel, as many as the
machine's 2 cores), and `bench/read_floor.c`, which lists and reads only what the report reads,
on two threads, parsing nothing. Then 10 runs × 100,000 steps, whose whole histories the page
holds behind its "Draw every logged point" button.

    python3 bench/report.py [--runs 10000] [--dir /tmp/mlrs-bench]

The browser part needs the Selenium venv `scripts/test` creates ($MLRS_MLFLOW_VENVS/selenium-4.27.1).
"""
import os
import shutil
import subprocess

from common import MLRS, REPO, VENVS, bench_store, measure, synth_store

DRIVER = r'''
import sys, tempfile, time
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for f in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--user-data-dir=" + tempfile.mkdtemp(), "--window-size=1400,1800"]:
    opts.add_argument(f)
d = webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))
try:
    d.get("file://" + sys.argv[1])
    end = time.time() + 60
    while time.time() < end and not d.execute_script("return document.body.dataset.chartsMs"):
        time.sleep(0.05)
    print(d.execute_script("return document.body.dataset.readyMs"),
          d.execute_script("return document.body.dataset.chartsMs"))
finally:
    d.quit()
'''


def main():
    a, store = bench_store(__doc__.splitlines()[0], steps=100)
    out = os.path.join(a.dir, f"report-{a.runs}.html")
    cmd = [MLRS, "--store", store, "report", "-o", out]
    measure(cmd, repeat=1)  # warm the cache
    secs, mem = measure(cmd, repeat=3)
    size = os.path.getsize(out) / 1e6
    print(f"\n## mlrs report, {a.runs} runs x 10 metrics x 100 steps\n")
    print("| what | figure |\n| --- | --- |")
    print(f"| write the page | {secs:.2f} s (peak {mem:.0f} MB) |")
    print(f"| file size | {size:.1f} MB |")
    floor, _ = measure(["sh", "-c", f"find {store} -type f -print0 | xargs -0 -P 2 -n 5000 cat >/dev/null"],
                       repeat=3)
    print(f"| floor: read every file of the store | {floor:.2f} s |")
    if shutil.which("cc"):
        floor_bin = os.path.join(a.dir, "read_floor")
        subprocess.run(["cc", "-O2", "-pthread", os.path.join(REPO, "bench", "read_floor.c"), "-o",
                        floor_bin], check=True)
        c_floor, _ = measure([floor_bin, store], repeat=3)
        print(f"| floor: list and read what the report reads, in C, 2 threads, no parsing "
              f"(`bench/read_floor.c`) | {c_floor:.2f} s |")
    long = synth_store(os.path.join(a.dir, "plot-10x100000"), 10, experiments=1, params=2, metrics=1,
                       tags=2, steps=100_000)
    long_out = os.path.join(a.dir, "report-10x100000.html")
    secs_long, mem_long = measure([MLRS, "--store", long, "report", "-o", long_out], repeat=3)
    print(f"| 10 runs × 100,000 steps (every point held) | {secs_long:.2f} s (peak {mem_long:.0f} MB), "
          f"{os.path.getsize(long_out) / 1e6:.1f} MB |")
    py = os.path.join(VENVS, "selenium-4.27.1", "bin", "python")
    if os.path.exists(py):
        ready, charts = subprocess.run([py, "-c", DRIVER, out], check=True, capture_output=True,
                                       text=True, cwd=REPO).stdout.split()
        print(f"| browser: table interactive | {int(ready) / 1000:.2f} s after navigation start |")
        print(f"| browser: first chart drawn | {int(charts) / 1000:.2f} s after navigation start |")
    else:
        print(f"| browser | skipped: no {py} (run scripts/test) |")


if __name__ == "__main__":
    main()

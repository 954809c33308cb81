"""Shared helpers for the benchmarks: synthetic stores, timing of commands, peak memory."""
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLRS = os.path.join(REPO, "target", "release", "mlrs")
# Where scripts/test keeps the venvs, so benchmarks reuse them.
VENVS = os.environ.get("MLRS_MLFLOW_VENVS") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mlrs", "venvs")
MLFLOW_PY = os.path.join(VENVS, "mlflow-3.17.2", "bin", "python")
MLFLOW_CLI = os.path.join(VENVS, "mlflow-3.17.2", "bin", "mlflow")
ENV = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true", MLFLOW_DISABLE_TELEMETRY="true", DO_NOT_TRACK="true")


def bench_store(description, default_runs=10000, **synth):
    """Parse the usual --runs/--dir arguments, build mlrs (release) and the synthetic store."""
    import argparse
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--runs", type=int, default=default_runs)
    p.add_argument("--dir", default="/tmp/mlrs-bench")
    a = p.parse_args()
    build_mlrs()
    suffix = "".join(f"-{k}{v}" for k, v in sorted(synth.items()))
    return a, synth_store(os.path.join(a.dir, f"store-{a.runs}{suffix}"), a.runs, **synth)


def build_mlrs():
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)


def synth_store(path, runs, **kw):
    """Create (once) a synthetic store of `runs` runs at `path`."""
    marker = os.path.join(path, ".bench-complete")
    if os.path.exists(marker):
        return path
    if os.path.exists(path):  # left half-built by an interrupted run
        import shutil
        shutil.rmtree(path)
    args = [sys.executable, os.path.join(REPO, "bench", "synth_store.py"), path, "--runs", str(runs)]
    for k, v in kw.items():
        args += [f"--{k}", str(v)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    open(marker, "w").close()
    return path


def measure(cmd, repeat=3, **kw):
    """Best wall time (s) of `repeat` runs, and the largest peak RSS (MB) among them."""
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], check=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, env=kw.get("env", ENV))
        best = min(best, time.perf_counter() - start)
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]) / 1024.0)
    return best, peak


def python_timed(code, repeat=1):
    """Run `code` in the MLflow venv; it prints the seconds of the timed part."""
    out = subprocess.run([MLFLOW_PY, "-c", code], check=True, capture_output=True, text=True, env=ENV)
    return float(out.stdout.strip().splitlines()[-1])


def report(title, rows):
    """rows: (label, seconds, peak MB or None); ratios against the first row."""
    print(f"\n## {title}\n")
    print("| command | time | peak memory | vs mlrs |")
    print("| --- | --- | --- | --- |")
    base = rows[0][1]
    for label, secs, mem in rows:
        mem_s = f"{mem:.0f} MB" if mem else "-"
        print(f"| {label} | {secs:.3f} s | {mem_s} | {secs / base:.1f}× |")

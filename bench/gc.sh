#!/bin/sh
# Benchmark (not a test): `mlrs gc` of N soft-deleted runs in a synthetic store
# (bench/synth_store.py: 20 params, 10 metrics x 3 steps, 10 tags per run), wall time and
# peak memory from /usr/bin/time -v. With --mlflow VENV, the same for `mlflow gc` on a second
# copy (slow: expect minutes for 10k runs).
#
#   cargo build --release && bench/gc.sh [N] [--mlflow .venvs/mlflow-3.17.2]
set -eu
cd "$(dirname "$0")/.."
n=${1:-10000}
venv=""
if [ "${2:-}" = "--mlflow" ]; then venv=${3:?--mlflow needs a venv folder}; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 bench/synth_store.py "$work/mlruns" --runs "$n" --deleted "$n" >/dev/null
sync # time the removal, not the write-back of the new store
files=$(find "$work/mlruns" -type f | wc -l)
size=$(du -sh "$work/mlruns" | cut -f1)
echo "store: $n deleted runs, $files files, $size"

report() { # label, time -v output
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$2")
    user=$(sed -n 's/.*User time (seconds): //p' "$2")
    sys=$(sed -n 's/.*System time (seconds): //p' "$2")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$2")
    echo "$1: wall $wall (user ${user}s, sys ${sys}s), peak RSS $((rss / 1024)) MiB"
}

if [ -n "$venv" ]; then
    cp -a "$work/mlruns" "$work/mlflow-copy"
    sync
    MLFLOW_ALLOW_FILE_STORE=true MLFLOW_TRACKING_URI="file://$work/mlflow-copy" \
        /usr/bin/time -v -o "$work/mlflow.time" "$venv/bin/mlflow" gc \
        --backend-store-uri "file://$work/mlflow-copy" >/dev/null 2>&1
    report "mlflow gc ($(basename "$venv"))" "$work/mlflow.time"
fi

/usr/bin/time -v -o "$work/plan.time" target/release/mlrs --store "$work/mlruns" gc --dry-run \
    --format json >/dev/null 2>&1
report "mlrs gc --dry-run (plan only)" "$work/plan.time"
/usr/bin/time -v -o "$work/gc.time" target/release/mlrs --store "$work/mlruns" gc --yes \
    --format json >/dev/null 2>&1
report "mlrs gc --yes" "$work/gc.time"
left=$(find "$work/mlruns" -mindepth 2 -maxdepth 2 -type d | wc -l)
echo "run folders left: $left"
# The floor: removing the same tree with rm -rf (no plan, no checks).
python3 bench/synth_store.py "$work/floor" --runs "$n" --deleted "$n" >/dev/null
sync
/usr/bin/time -v -o "$work/rm.time" rm -rf "$work/floor"
report "rm -rf of the same store" "$work/rm.time"

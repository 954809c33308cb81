#!/usr/bin/env bash
# Every benchmark in one sitting, so the ratios in a note come from one machine state: run it on
# a quiet machine (nothing else compiling), it takes about half an hour. Results are appended to
# the file given (default /tmp/bench-results.md), one markdown table per benchmark, then a line
# `=== done HH:MM:SS`.
#
#     bench/all.sh [RESULTS] [--quick]     # --quick: skip the MLflow sides that take minutes
#                                          # (mlflow gc, the Python sync) and the 100k ui run
set -uo pipefail
cd "$(dirname "$0")"
out=${1:-/tmp/bench-results.md}
quick=false
[[ ${2:-} == --quick || ${1:-} == --quick ]] && quick=true
[[ $out == --quick ]] && out=/tmp/bench-results.md
cargo build --release --quiet --manifest-path ../Cargo.toml
{
    echo "# mlrs benchmarks $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
    echo "commit $(git rev-parse --short HEAD)"
} >>"$out"
run() {
    echo "=== $* ($(date +%T))" >>"$out"
    python3 "$@" >>"$out" 2>&1 || echo "(exit $?)" >>"$out"
}
run search.py
run runs_list.py
run log.py
run completion.py
run plot.py
run report.py
run ui.py
if $quick; then
    run sync.py --no-python
    run gc.py --no-mlflow
else
    run ui.py --runs 100000 --small
    run sync.py
    run gc.py
fi
echo "=== done $(date +%T)" >>"$out"

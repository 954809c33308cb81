#!/usr/bin/env bash
# The full fault-injection run: every write command of tests/testsuite/faults.rs killed at every
# one of its file-changing system calls (CI tries a few per command). Prints the table of
# trials, survived and failed per area; exits non-zero when any trial failed.
set -euo pipefail
cd "$(dirname "$0")/.."
MLRS_FAULTS=all cargo test --locked --test testsuite faults:: -- --nocapture

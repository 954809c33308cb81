#!/usr/bin/env bash
# Regenerates the README's pictures from a demo store written by mlrs itself
# (scripts/demo_sweep.py): `scripts/report-picture.sh` → docs/pictures/report.png, a headless
# Chromium screenshot of `mlrs report` (Chromium from Debian: apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

what=report
cargo build --release --quiet
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 scripts/demo_sweep.py target/release/mlrs "$tmp/mlruns" >/dev/null
mkdir -p docs/pictures

case "$what" in
  report)
    TZ=UTC target/release/mlrs --store "$tmp/mlruns" report -e nyc-taxi-duration \
      --title "nyc-taxi-duration: boosting sweep" -o "$tmp/report.html"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$tmp/profile" --hide-scrollbars --window-size=1280,1150 \
      --virtual-time-budget=5000 --screenshot="$PWD/docs/pictures/report.png" \
      "file://$tmp/report.html" 2>/dev/null
    echo "docs/pictures/report.png"
    ;;
  *)
    echo "usage: scripts/report-picture.sh" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Regenerates the pictures in docs/pictures/ from real mlrs output: a small store of four
# boosting runs logging validation-rmse over 88 rounds (written by mlrs itself, deterministic),
# plotted as SVG, and the same chart as the terminal shows it (text, for the README).
#   scripts/pictures.sh            # builds mlrs (debug) first
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet
MLRS="$PWD/target/debug/mlrs"
OUT="$PWD/docs/pictures"
STORE="$(mktemp -d)/mlruns"
trap 'rm -rf "$(dirname "$STORE")"' EXIT
export MLRS_NOW_MS=1795500000000 TZ=UTC

for spec in "0.3 6 5.9" "0.1 6 5.4" "0.05 8 5.2" "0.5 10 6.3"; do
  read -r lr depth floor <<<"$spec"
  run=$("$MLRS" -s "$STORE" runs start -e nyc-taxi-duration --create-experiment \
    --name "xgb-lr$lr-d$depth" --param "learning_rate=$lr" --param "max_depth=$depth")
  # A boosting curve: fast fall, a floor, a little deterministic wobble.
  awk -v lr="$lr" -v floor="$floor" 'BEGIN {
    for (s = 0; s < 88; s++) {
      v = floor + 6.5 * exp(-s * lr / 2) + 0.08 * sin(s * 1.7 + lr * 10)
      printf "{\"metric\": \"validation-rmse\", \"value\": %.4f, \"step\": %d}\n", v, s
    }
  }' | "$MLRS" -s "$STORE" log "$run" --batch -
  "$MLRS" -s "$STORE" runs end "$run"
done

"$MLRS" -s "$STORE" plot validation-rmse --width 100 --height 24 --output "$OUT/plot.svg"
"$MLRS" -s "$STORE" --color never plot validation-rmse --width 80 --height 20 > "$OUT/plot.txt"
"$MLRS" -s "$STORE" --color never plot --scatter params.max_depth metrics.validation-rmse \
  --color-by params.learning_rate --width 80 --height 16 > "$OUT/scatter.txt"
echo "wrote $OUT/plot.svg, plot.txt, scatter.txt" >&2

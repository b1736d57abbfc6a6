#!/usr/bin/env bash
# The full default pipeline, resumable stage by stage (each stage skips or resumes finished work):
# render -> autoencoder -> latents -> supervised generator -> adversarial generator started from its
# weights (the shipped recipe) -> export -> evaluate -> benchmark -> ship.
# Usage: scripts/pipeline.sh [config] [run-dir]; logs in <run-dir>/.
# GEN_INIT_DIR=<dir>: start the supervised generator from <dir>/generator_supervised.pt (the shipped
# model's was first trained at another t_f; see its model card). The card's baseline also got as many
# more L1 steps as the adversarial stage took: resume the supervised run for that to compare alike.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-${BANDMATE_ML_CACHE:-$HOME/.cache/bandmate-ml}/venv/bin/python}"
CFG="${1:-configs/default.yaml}"
RUN="${2:-runs/default}"
N="nice -n 19"
mkdir -p "$RUN"
log() { echo "[$(date +%T)] $*"; }

log render;      $N "$PY" scripts/render_dataset.py --config "$CFG" > "$RUN/render.log" 2>&1
log autoencoder; $N "$PY" scripts/train_autoencoder.py --config "$CFG" --run-dir "$RUN" --resume >> "$RUN/autoencoder.log" 2>&1
log latents
$N "$PY" scripts/encode_latents.py --config "$CFG" --run-dir "$RUN" --shard 0/2 > "$RUN/encode0.log" 2>&1 &
$N "$PY" scripts/encode_latents.py --config "$CFG" --run-dir "$RUN" --shard 1/2 > "$RUN/encode1.log" 2>&1 &
wait
log generators
init=(); [ -n "${GEN_INIT_DIR:-}" ] && init=(--init-from "$GEN_INIT_DIR/generator_supervised.pt")
$N "$PY" scripts/train_generator.py --config "$CFG" --mode supervised --run-dir "$RUN" --resume "${init[@]}" >> "$RUN/generator_supervised.log" 2>&1
$N "$PY" scripts/train_generator.py --config "$CFG" --mode adversarial --run-dir "$RUN" --resume \
  --init-from "$RUN/generator_supervised.pt" >> "$RUN/generator_adversarial.log" 2>&1
log export
for mode in adversarial supervised; do
  "$PY" scripts/export.py --config "$CFG" --mode $mode --run-dir "$RUN" > "$RUN/export_$mode.log" 2>&1
  "$PY" scripts/validate_model.py "$RUN/export_$mode"
done
"$PY" scripts/export.py --config "$CFG" --mode adversarial --run-dir "$RUN" --frames 4 --out "$RUN/export_adversarial_k4" > "$RUN/export_k4.log" 2>&1
log evaluate;  $N "$PY" scripts/evaluate.py --config "$CFG" --run-dir "$RUN" > "$RUN/evaluate.log" 2>&1
log benchmark
"$PY" scripts/benchmark.py "$RUN/export_adversarial" --json "$RUN/benchmark.json" > "$RUN/benchmark.log" 2>&1
"$PY" scripts/benchmark.py "$RUN/export_adversarial" --generator-file generator.int8.onnx --json "$RUN/benchmark_int8.json" >> "$RUN/benchmark.log" 2>&1
"$PY" scripts/benchmark.py "$RUN/export_adversarial_k4" --json "$RUN/benchmark_k4.json" >> "$RUN/benchmark.log" 2>&1
log parity; "$PY" scripts/parity.py "$RUN/export_adversarial" --run-dir "$RUN" --json "$RUN/parity.json" > "$RUN/parity.log" 2>&1
log done: now review "$RUN/eval.md", then: $PY scripts/ship.py --run-dir $RUN

#!/usr/bin/env bash
# The structured accompanist's pipeline (the shipped default model), resumable stage by stage:
# render songs -> supervised generator -> adversarial generator from its weights -> export ->
# evaluate -> ship. CPU only; about 3 hours on 2 cores (render ~30 min on one core, supervised 60 min,
# adversarial 30 min, evaluation ~15 min). Usage: scripts/pipeline_structured.sh [config] [run-dir]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-${BANDMATE_ML_CACHE:-$HOME/.cache/bandmate-ml}/venv/bin/python}"
CFG="${1:-configs/structured.yaml}"
RUN="${2:-runs/structured}"
N="nice -n 19"
mkdir -p "$RUN"
log() { echo "[$(date +%T)] $*"; }

log "render: held-out, hand-written, then training songs (two processes)"
$N "$PY" scripts/build_control_data.py --config "$CFG" --split valid > "$RUN/build_valid.log" 2>&1
$N "$PY" scripts/build_control_data.py --config "$CFG" --split handwritten > "$RUN/build_handwritten.log" 2>&1
$N "$PY" scripts/build_control_data.py --config "$CFG" --split tune > "$RUN/build_tune.log" 2>&1
$N "$PY" scripts/build_control_data.py --config "$CFG" --split train --shard 0/2 > "$RUN/build_train0.log" 2>&1 &
$N "$PY" scripts/build_control_data.py --config "$CFG" --split train --shard 1/2 > "$RUN/build_train1.log" 2>&1 &
wait
log "supervised"
$N "$PY" scripts/train_control.py --config "$CFG" --mode supervised --run-dir "$RUN" --resume >> "$RUN/supervised.log" 2>&1
log "adversarial (from the supervised weights)"
$N "$PY" scripts/train_control.py --config "$CFG" --mode adversarial --run-dir "$RUN" --resume \
  --init-from "$RUN/control_supervised.pt" >> "$RUN/adversarial.log" 2>&1
log "decoder sweep on the tuning songs (set decode.* in the config from $RUN/tune.log, then export)"
$N "$PY" scripts/tune_decode.py --config "$CFG" --checkpoint "$RUN/control_adversarial.pt" --pc 0.0 > "$RUN/tune.log" 2>&1
log "export (each checks onnxruntime streamed = torch)"
"$PY" scripts/export_control.py --config "$CFG" --checkpoint "$RUN/control_adversarial.pt" --out "$RUN/export" > "$RUN/export.log" 2>&1
"$PY" scripts/export_control.py --config "$CFG" --checkpoint "$RUN/control_supervised.pt" --out "$RUN/export_supervised" >> "$RUN/export.log" 2>&1
log "evaluate (adversarial with every baseline; the supervised rows alone)"
$N "$PY" scripts/evaluate_control.py --config "$CFG" --run-dir "$RUN" --checkpoint control_adversarial.pt \
  --audio-latent-model ../models/audio-latent > "$RUN/evaluate.log" 2>&1
cp "$RUN/control_eval.md" "$RUN/control_eval_adversarial.md"; cp "$RUN/control_eval.json" "$RUN/control_eval_adversarial.json"
$N "$PY" scripts/evaluate_control.py --config "$CFG" --run-dir "$RUN" --checkpoint control_supervised.pt > "$RUN/evaluate_supervised.log" 2>&1
cp "$RUN/control_eval.md" "$RUN/control_eval_supervised.md"; cp "$RUN/control_eval.json" "$RUN/control_eval_supervised.json"
log "done: review $RUN/control_eval_*.md, then ship with"
log "  $PY scripts/ship_control.py --export $RUN/export --eval adversarial=$RUN/control_eval_adversarial.json supervised=$RUN/control_eval_supervised.json"
log "update ../models/default/MODEL_CARD.md from the tables and run npm run bench:engine"

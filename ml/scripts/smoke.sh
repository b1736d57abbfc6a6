#!/usr/bin/env bash
# End-to-end smoke test of the ML pipeline on a tiny configuration (CI entry point, a few minutes on
# 2 cores): render 2 short songs (+1 held out) -> a few autoencoder steps (and a resume) -> latents ->
# a few steps of each generator -> export -> validate model.json (Python mirror + the engine's zod
# schema) -> load the export in the Node engine and check torch = onnxruntime = Node engine step by
# step -> the `bandmate accompany` CLI on a rendered song -> a tiny evaluation -> pytest.
# Exit code 0 only if every stage succeeds.
#
# Needs (apt): fluidsynth fluid-soundfont-gm python3-venv (python3 >= 3.11), and node >= 20.9. Python
# packages come from ml/requirements.txt into a venv under $BANDMATE_ML_CACHE (default
# ~/.cache/bandmate-ml), rebuilt only when requirements.txt changes; set PIP_INDEX_URL / PIP_FIND_LINKS
# for your mirror. Node packages: the repo's node_modules (`npm ci`, as .ci/run does first); installed
# here with `npm ci` when missing.
set -euo pipefail

ML_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$ML_DIR/.." && pwd)"
CACHE="${BANDMATE_ML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bandmate-ml}"
VENV="$CACHE/venv"
PY="${PYTHON:-python3}"
T0=$(date +%s)

fail() { echo "smoke.sh: FAILED: $*" >&2; exit 1; }
stage() { echo; echo "=== smoke: $* (+$(( $(date +%s) - T0 )) s)"; }

command -v fluidsynth >/dev/null || fail "fluidsynth not installed (apt-get install -y fluidsynth fluid-soundfont-gm)"
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || fail "soundfont missing (apt-get install -y fluid-soundfont-gm)"
command -v node >/dev/null || fail "node not found (>= 20.9 needed for the engine stages)"

stage "python environment ($VENV)"
REQ_HASH="$(sha256sum "$ML_DIR/requirements.txt" | cut -c1-16)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements-hash" 2>/dev/null)" != "$REQ_HASH" ]; then
  mkdir -p "$CACHE"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" || fail "could not create a venv with $PY (need python3 >= 3.11 + python3-venv)"
  "$VENV/bin/pip" install --retries 0 --timeout 5 -q -r "$ML_DIR/requirements.txt" \
    || { rm -rf "$VENV"; fail "pip install -r ml/requirements.txt failed (is the wheel mirror reachable?)"; }
  echo "$REQ_HASH" > "$VENV/.requirements-hash"
else
  echo "reusing venv"
fi
VPY="$VENV/bin/python"

stage "node packages"
if [ ! -e "$REPO/node_modules/tsx" ] || [ ! -e "$REPO/node_modules/onnxruntime-node" ]; then
  (cd "$REPO" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit) || fail "npm ci"
else
  echo "reusing node_modules"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bandmate-smoke.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CFG="$ML_DIR/configs/smoke.yaml"
RUN="$WORK/run"
cd "$ML_DIR"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

stage "render 2 songs + 1 held-out song"
"$VPY" scripts/render_dataset.py --config "$CFG" --out-root "$WORK/data" || fail "render"
stage "train autoencoder (3 steps, then resume to 4)"
"$VPY" scripts/train_autoencoder.py --config "$CFG" --data-root "$WORK/data/train" --run-dir "$RUN" || fail "train autoencoder"
"$VPY" scripts/train_autoencoder.py --config "$CFG" --data-root "$WORK/data/train" --run-dir "$RUN" --resume --max-steps 4 || fail "resume autoencoder"
stage "encode latents"
"$VPY" scripts/encode_latents.py --config "$CFG" --data-root "$WORK/data/train" --run-dir "$RUN" || fail "encode latents"
for mode in adversarial supervised; do
  stage "train generator: $mode (3 steps, then resume to 4; t_f from the config)"
  "$VPY" scripts/train_generator.py --config "$CFG" --mode $mode --run-dir "$RUN" || fail "train generator $mode"
  "$VPY" scripts/train_generator.py --config "$CFG" --mode $mode --run-dir "$RUN" --resume --max-steps 4 || fail "resume generator $mode"
  stage "export $mode + validate (Python mirror, the engine's zod schema)"
  "$VPY" scripts/export.py --config "$CFG" --mode $mode --run-dir "$RUN" || fail "export $mode"
  "$VPY" scripts/validate_model.py "$RUN/export_$mode" || fail "model.json / graphs of $mode"
  (cd "$REPO" && node --import tsx ml/scripts/check_contract.ts "$RUN/export_$mode/model.json") || fail "zod contract ($mode)"
done

stage "Node engine: torch = onnxruntime (Python) = engine, step by step (10 s)"
"$VPY" scripts/parity.py "$RUN/export_adversarial" --run-dir "$RUN" --generator "$RUN/generator_adversarial.pt" \
  --seconds 10 --instrument drums --json "$WORK/parity.json" || fail "parity"

stage "bandmate accompany CLI (the engine's command line) on a held-out song"
"$VPY" - "$WORK/data/valid" "$WORK/mix.wav" <<'EOF' || fail "write the CLI's input wav"
import sys
from pathlib import Path
import numpy as np, soundfile as sf
track = sorted(Path(sys.argv[1]).glob("Track*"))[0]
audio, sr = sf.read(track / "mix.flac", dtype="float32", always_2d=True)
sf.write(sys.argv[2], audio.mean(1)[: 6 * sr], sr, subtype="PCM_16")
EOF
TF="$("$VPY" -c "import json,sys; print(json.load(open(sys.argv[1]))['trainedTf']['max'])" "$RUN/export_adversarial/model.json")"
(cd "$REPO" && npx --no-install bandmate accompany --input "$WORK/mix.wav" --output "$WORK/part.wav" \
  --model "$RUN/export_adversarial" --tf "$TF" --k 0.04 --seed 3) || fail "bandmate accompany"
"$VPY" - "$WORK/mix.wav" "$WORK/part.wav" <<'EOF' || fail "CLI output"
import sys
import numpy as np, soundfile as sf
x, sx = sf.read(sys.argv[1], dtype="float32", always_2d=True)
y, sy = sf.read(sys.argv[2], dtype="float32", always_2d=True)
assert sy == 48000 and abs(len(y) / sy - len(x) / sx) < 0.01, (sy, len(y), len(x))
assert np.isfinite(y).all() and np.abs(y).max() > 0, "silent or non-finite output"
print(f"CLI output: {len(y) / sy:.2f} s at {sy} Hz, peak {np.abs(y).max():.3f}")
EOF

stage "structured: 2 songs + 1 held-out song (features, notes, audio)"
SCFG="$ML_DIR/configs/structured_smoke.yaml"
SRUN="$WORK/structured"
"$VPY" scripts/build_control_data.py --config "$SCFG" --out-root "$WORK/sdata" --split valid || fail "structured data (valid)"
"$VPY" scripts/build_control_data.py --config "$SCFG" --out-root "$WORK/sdata" --split train || fail "structured data (train)"
stage "structured: supervised (3 steps, then resume to 4), adversarial from it (2 steps)"
"$VPY" scripts/train_control.py --config "$SCFG" --data "$WORK/sdata/train" --run-dir "$SRUN" --max-steps 3 || fail "structured supervised"
"$VPY" scripts/train_control.py --config "$SCFG" --data "$WORK/sdata/train" --run-dir "$SRUN" --resume --max-steps 4 || fail "structured resume"
"$VPY" scripts/train_control.py --config "$SCFG" --mode adversarial --data "$WORK/sdata/train" --run-dir "$SRUN" \
  --init-from "$SRUN/control_supervised.pt" --max-steps 2 || fail "structured adversarial"
stage "structured: export (onnxruntime streamed = torch), the engine's zod schema, the CLI for drums, bass and keys"
SONG="$(ls "$WORK/sdata/valid"/*.npz | head -n 1)"
"$VPY" scripts/export_control.py --config "$SCFG" --checkpoint "$SRUN/control_adversarial.pt" --out "$SRUN/export" \
  --check-song "$SONG" --check-seconds 4 || fail "structured export"
(cd "$REPO" && node --import tsx ml/scripts/check_contract.ts "$SRUN/export/model.json") || fail "zod contract (structured)"
"$VPY" -c "import sys, numpy as np, soundfile as sf; s = np.load(sys.argv[1]); sf.write(sys.argv[2], s['mix_bass'].astype(np.float32) / 32767, 24000, subtype='PCM_16')" \
  "$SONG" "$WORK/smix.wav" || fail "write the structured CLI's input wav"
for inst in drums bass keys; do
  (cd "$REPO" && npx --no-install bandmate accompany --input "$WORK/smix.wav" --output "$WORK/s_$inst.wav" \
    --model "$SRUN/export" --instrument $inst --tf -0.12 --bpm 120 --seed 2) || fail "bandmate accompany ($inst, structured)"
  "$VPY" - "$WORK/smix.wav" "$WORK/s_$inst.wav" <<'EOF' || fail "structured CLI output ($inst)"
import sys
import numpy as np, soundfile as sf
x, sx = sf.read(sys.argv[1], dtype="float32", always_2d=True)
y, sy = sf.read(sys.argv[2], dtype="float32", always_2d=True)
assert sy == 48000 and abs(len(y) / sy - len(x) / sx) < 0.05, (sy, len(y), len(x))
assert np.isfinite(y).all(), "non-finite output"
print(f"structured CLI output: {len(y) / sy:.2f} s, peak {np.abs(y).max():.3f}")
EOF
done
stage "structured: evaluate (1 song, 1 seed)"
"$VPY" scripts/evaluate_control.py --config "$SCFG" --run-dir "$SRUN" --checkpoint control_adversarial.pt \
  --data-root "$WORK/sdata" --seeds 1 || fail "structured evaluate"

stage "evaluate (1 song)"
"$VPY" scripts/evaluate.py --config "$CFG" --run-dir "$RUN" --data-root "$WORK/data/valid" || fail "evaluate"
stage "pytest"
"$VPY" -m pytest -q -p no:cacheprovider "$ML_DIR/tests" || fail "pytest"
echo; echo "smoke.sh: OK in $(( $(date +%s) - T0 )) s"

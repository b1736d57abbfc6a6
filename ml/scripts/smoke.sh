#!/usr/bin/env bash
# End-to-end smoke test of the ML pipeline on a tiny configuration (CI entry point).
# render 2 short songs -> a few AE steps -> latents -> a few steps of each generator -> export ->
# validate model.json -> tiny evaluation -> pytest. Exit code 0 only if every stage succeeds.
#
# Needs: python3.11 with venv, fluidsynth + fluid-soundfont-gm (apt). Python packages come from
# ml/requirements.txt into a venv under $BANDMATE_ML_CACHE (default ~/.cache/bandmate-ml), reused
# while requirements.txt is unchanged. Set PIP_INDEX_URL / PIP_FIND_LINKS for your mirror.
set -euo pipefail

ML_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${BANDMATE_ML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bandmate-ml}"
VENV="$CACHE/venv"
PY="${PYTHON:-python3}"

fail() { echo "smoke.sh: FAILED: $*" >&2; exit 1; }
stage() { echo; echo "=== smoke: $* ($(date +%T))"; }

command -v fluidsynth >/dev/null || fail "fluidsynth not installed (apt-get install fluidsynth fluid-soundfont-gm)"
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || fail "soundfont missing (apt-get install fluid-soundfont-gm)"

stage "python environment ($VENV)"
REQ_HASH="$(sha256sum "$ML_DIR/requirements.txt" | cut -c1-16)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.requirements-hash" 2>/dev/null)" != "$REQ_HASH" ]; then
  mkdir -p "$CACHE"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV" || fail "could not create a venv with $PY (need python3.11 + python3-venv)"
  "$VENV/bin/pip" install --retries 0 --timeout 5 -q -r "$ML_DIR/requirements.txt" \
    || { rm -rf "$VENV"; fail "pip install -r ml/requirements.txt failed (is the wheel mirror reachable?)"; }
  echo "$REQ_HASH" > "$VENV/.requirements-hash"
else
  echo "reusing venv"
fi
VPY="$VENV/bin/python"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bandmate-smoke.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CFG="$ML_DIR/configs/smoke.yaml"
RUN="$WORK/run"
cd "$ML_DIR"
export OMP_NUM_THREADS=1

stage "render 2 songs + 1 held-out song"
"$VPY" scripts/render_dataset.py --config "$CFG" --out-root "$WORK/data" || fail "render"
stage "train autoencoder (3 steps)"
"$VPY" scripts/train_autoencoder.py --config "$CFG" --data-root "$WORK/data/train" --run-dir "$RUN" || fail "train autoencoder"
"$VPY" scripts/train_autoencoder.py --config "$CFG" --data-root "$WORK/data/train" --run-dir "$RUN" --resume --max-steps 4 || fail "resume autoencoder"
stage "encode latents"
"$VPY" scripts/encode_latents.py --config "$CFG" --data-root "$WORK/data/train" --run-dir "$RUN" || fail "encode latents"
for mode in adversarial supervised; do
  stage "train generator: $mode (3 steps)"
  "$VPY" scripts/train_generator.py --config "$CFG" --mode $mode --run-dir "$RUN" || fail "train generator $mode"
  stage "export $mode"
  "$VPY" scripts/export.py --config "$CFG" --mode $mode --run-dir "$RUN" || fail "export $mode"
  "$VPY" scripts/validate_model.py "$RUN/export_$mode" || fail "model.json / graphs of $mode"
  if [ -x "$ML_DIR/../node_modules/.bin/tsx" ]; then  # the engine's own zod schema, when node_modules is installed
    (cd "$ML_DIR/.." && node_modules/.bin/tsx ml/scripts/check_contract.ts "$RUN/export_$mode/model.json") || fail "zod contract ($mode)"
  fi
done
stage "evaluate (1 song)"
"$VPY" scripts/evaluate.py --config "$CFG" --run-dir "$RUN" --data-root "$WORK/data/valid" || fail "evaluate"
stage "pytest"
"$VPY" -m pytest -q "$ML_DIR/tests" || fail "pytest"
echo; echo "smoke.sh: OK"

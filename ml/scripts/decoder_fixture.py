"""Writes the Node engine's parity fixture for control models: control frames with the events the
Python decoder makes of them, and conditioning rows as training computes them.

  $PY scripts/decoder_fixture.py [--out ../apps/inference/test/fixtures/decoder-cases.json]

apps/inference/test/control-decoder.test.ts replays every case through the TypeScript port and
expects the same events and rows. Rerun after changing control_decoder.py or the conditioning.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bandmate_ml.data.control_decoder import KEYS_RANGE, Thresholds, decode  # noqa: E402
from bandmate_ml.data.control_frames import BASS_LOW, COND_SIZE, CONTROL_SIZE, DRUM_LANES, LAYOUT, N_LANES, block  # noqa: E402
from bandmate_ml.data.control_pairs import conditioning  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "apps/inference/test/fixtures/decoder-cases.json"


def _halves() -> np.ndarray:
    out = []
    for k in range(1, 126):
        v = np.float32((k + 0.5) / 127)
        for _ in range(4):
            if v * np.float32(127) == np.float32(k + 0.5):
                out.append(v)
                break
            v = np.nextafter(v, np.float32(1 if v * np.float32(127) < k + 0.5 else 0))
    return np.array(out, np.float32)


HALVES = _halves()


def frames(rng: np.random.Generator, n: int, thresholds: Thresholds) -> np.ndarray:
    """Random control frames with values at and around the thresholds and the offset bounds, so every
    comparison and clamp is exercised (values exactly at a threshold test the float32 comparison)."""
    # Logits at 3 decimals keep the file small; offsets and velocities keep full float32 precision.
    c = np.round(rng.normal(0, 1.5, (n, CONTROL_SIZE)), 3).astype(np.float32)
    for name, t in (("drums_onset", thresholds.onset), ("bass_onset", thresholds.onset), ("keys_onset", thresholds.onset),
                    ("bass_held", thresholds.held), ("keys_held", thresholds.held), ("keys_pc", thresholds.pc)):
        sl = block(name)
        c[:, sl][rng.random((n, sl.stop - sl.start)) < 0.15] = np.float32(t)
    for name in ("drums_offset", "bass_offset", "keys_offset"):
        sl = block(name)
        c[:, sl] = rng.uniform(-0.2, 1.2, (n, sl.stop - sl.start)).astype(np.float32)
        edge = rng.random((n, sl.stop - sl.start))
        c[:, sl][edge < 0.05] = np.float32(0.999)
        c[:, sl][(edge >= 0.05) & (edge < 0.1)] = np.float32(0.0)
        # On a sample boundary: float32 and float64 products can floor to different samples.
        grid = (edge >= 0.1) & (edge < 0.4)
        c[:, sl][grid] = (rng.integers(1, 960, grid.sum()) / rng.choice([960, 1920], grid.sum())).astype(np.float32)
    for name in ("drums_velocity", "bass_velocity", "keys_velocity"):
        sl = block(name)
        v = rng.uniform(-0.1, 1.1, (n, sl.stop - sl.start))
        c[:, sl] = v.astype(np.float32)
        halves = rng.random(v.shape) < 0.2
        c[:, sl][halves] = rng.choice(HALVES, halves.sum())  # v·127 = k + ½ in float32: Python rounds to even
    pitch = block("bass_pitch")
    ties = rng.random(n) < 0.1
    c[ties, pitch.start + 3] = c[ties, pitch.start + 7] = np.float32(9.0)  # argmax keeps the first
    pcs = block("keys_pc")
    c[ties, pcs.start:pcs.stop] = np.float32(1.0)  # equal logits: order by pitch class
    return c


COLUMNS = {i: [j for name, (a, b) in LAYOUT.items() if name.startswith(i) for j in range(a, b)] for i in ("drums", "bass", "keys")}


def cond_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    """cond rows as the decoder reads them (grid on, beat phase, beats per frame x 10): some without
    a grid, phases on and just off an eighth, tempi from 40 to 300 BPM at 40 ms frames."""
    c = np.zeros((n, COND_SIZE), np.float32)
    c[:, 1] = rng.random(n) < 0.8
    c[:, 2] = rng.random(n)
    c[rng.random(n) < 0.15, 2] = 0.0
    c[rng.random(n) < 0.15, 2] = 0.5
    c[:, 5] = rng.uniform(0.27, 2.0, n)
    c[rng.random(n) < 0.3, 5] = 0.8  # 120 BPM
    return c


def events(controls: np.ndarray, instrument: str, spf: int, thresholds: Thresholds, cond: np.ndarray | None = None) -> list[list[int]]:
    """[sample, on (1/0), key, velocity] per event."""
    return [[e.sample, int(e.on), e.key, e.velocity] for e in decode(controls, instrument, spf, thresholds, cond)]


def f32(v) -> float:
    """The shortest decimal that reads back as the same float32 (JSON stays small and exact)."""
    return float(np.format_float_positional(np.float32(v), unique=True, trim="-"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    rng = np.random.default_rng(20261203)
    cases = []
    for thresholds in (Thresholds(), Thresholds(onset=0.3, held=-0.2, pc=0.7), Thresholds(revoice_frames=1), Thresholds(held=-0.5, revoice_frames=2)):
        for instrument in ("drums", "bass", "keys"):
            c = frames(rng, 150, thresholds)
            cols = COLUMNS[instrument]
            c_used = np.zeros_like(c)
            c_used[:, cols] = c[:, cols]  # the decoder reads only its instrument's blocks
            cond = cond_rows(rng, len(c)) if thresholds.revoice_frames else None
            cases.append({"instrument": instrument,
                          "thresholds": {"onset": thresholds.onset, "held": thresholds.held, "pc": thresholds.pc,
                                         "revoiceFrames": thresholds.revoice_frames},
                          "columns": cols, "controls": [[f32(v) for v in row[cols]] for row in c_used],
                          **({"cond": [[f32(v) for v in row] for row in cond]} if cond is not None else {}),
                          "events": {str(spf): events(c_used, instrument, spf, thresholds, cond) for spf in (960, 1920)}})
    grids = []
    for tf, bpm, meter, first_beat, grid_on in ((-0.1, 120.0, 4, 0.5, True), (-0.12, 97.0, 3, 0.013, True),
                                                (-0.2, 174.5, 7, 2.31, True), (-0.08, 120.0, 4, 0.0, False)):
        n = 200
        beat_times = first_beat + np.arange(int(n * 0.04 * bpm / 60) + 8) * 60.0 / bpm
        rows = conditioning(tf, beat_times, meter, n, grid_on)
        grids.append({"tf": tf, "bpm": bpm, "beatsPerBar": meter, "firstBeat": first_beat, "gridOn": grid_on,
                      "rows": [[f32(v) for v in row] for row in rows]})
    spec = {"layout": {k: list(v) for k, v in LAYOUT.items()}, "drumKeys": [k for k, _ in DRUM_LANES],
            "bassLowKey": BASS_LOW, "keysRange": list(KEYS_RANGE), "controlSize": CONTROL_SIZE, "lanes": N_LANES}
    args.out.write_text(json.dumps({"generatedBy": "ml/scripts/decoder_fixture.py", "control": spec, "cases": cases,
                                    "conditioning": grids}, separators=(",", ":")) + "\n")
    print(f"{args.out}: {len(cases)} decoder cases, {sum(len(e) for c in cases for e in c['events'].values())} events, {len(grids)} grids")


if __name__ == "__main__":
    main()

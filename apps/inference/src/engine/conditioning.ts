import { CONTROL_COND_SIZE } from '@bandmate/shared';
import type { BeatTracker } from './beat-tracker.ts';

/** The room's metronome as the AI follows it. */
export interface BeatGrid {
  bpm: number;
  beatsPerBar: number;
  /** Room-rate sample, on the stream's output timeline, at which a downbeat falls (any one: past or future). */
  firstBeatSample: number;
}

/** Look-back is given to the model scaled by this (training drew t_f from about −0.2…0 s). */
const TF_SCALE = 0.2;

/**
 * Writes the cond rows of control-model frames [firstFrame, firstFrame + frames) into `out`,
 * as ml/bandmate_ml/data/control_pairs.py `conditioning()` computes them for training:
 * the per-frame look-back, then the beat grid at each frame's start (zeros without a grid).
 * A constant tempo makes the training code's interpolated beat index a straight line, so the
 * index here is the time since the downbeat times the beat rate.
 */
export function writeConditioning(
  out: Float32Array,
  firstFrame: number,
  frames: number,
  frameLookBack: number,
  grid: BeatGrid | null,
  /** Output (room-rate) samples per frame and the room rate. */
  frameSamples: number,
  roomRate: number,
  /** Without a grid: the beat the tracker hears, if the model has one. */
  tracker: BeatTracker | null = null,
): Float32Array {
  const frameSeconds = frameSamples / roomRate;
  for (let f = 0; f < frames; f++) {
    const row = out.subarray(f * CONTROL_COND_SIZE, (f + 1) * CONTROL_COND_SIZE);
    row.fill(0);
    row[0] = frameLookBack / TF_SCALE;
    if (!grid) {
      const heard = tracker?.grid(firstFrame + f);
      if (heard) writeGrid(row, heard.phase, heard.beatsPerFrame, heard.barPhase, heard.beatsPerBar);
      continue;
    }
    const beatsPerSecond = grid.bpm / 60;
    const index = (((firstFrame + f) * frameSamples - grid.firstBeatSample) / roomRate) * beatsPerSecond;
    const barIndex = index / grid.beatsPerBar;
    writeGrid(row, index - Math.floor(index), beatsPerSecond * frameSeconds, barIndex - Math.floor(barIndex), grid.beatsPerBar);
  }
  return out;
}

function writeGrid(row: Float32Array, phase: number, beatsPerFrame: number, bar: number, beatsPerBar: number): void {
  row[1] = 1;
  row[2] = phase;
  row[3] = Math.sin(2 * Math.PI * phase);
  row[4] = Math.cos(2 * Math.PI * phase);
  row[5] = beatsPerFrame * 10;
  row[6] = bar;
  row[7] = Math.sin(2 * Math.PI * bar);
  row[8] = Math.cos(2 * Math.PI * bar);
  row[9] = beatsPerBar / 8;
}

export function checkBeatGrid(grid: BeatGrid): void {
  const { bpm, beatsPerBar, firstBeatSample } = grid;
  if (!(bpm > 0 && bpm <= 1000)) throw new RangeError(`bpm must be in (0, 1000], got ${bpm}`);
  if (!Number.isInteger(beatsPerBar) || beatsPerBar < 1 || beatsPerBar > 32) throw new RangeError(`beatsPerBar must be an integer in 1–32, got ${beatsPerBar}`);
  if (!Number.isFinite(firstBeatSample)) throw new RangeError(`firstBeatSample must be a finite sample index, got ${firstBeatSample}`);
}

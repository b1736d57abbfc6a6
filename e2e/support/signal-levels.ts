import { rmsDb } from '../../packages/synth/test/signal.ts';

export { rmsDb };

/**
 * When a listener starts or stops hearing a part, and when its sound changes: levels and the
 * low-frequency share of short windows of a recording.
 */

const WINDOW_S = 0.01;

/** Start (s) of each 10 ms window of x with its level. */
function windows(x: Float32Array, sampleRate: number, windowS = WINDOW_S): Array<{ t: number; db: number; from: number; to: number }> {
  const n = Math.round(windowS * sampleRate);
  const out = [];
  for (let from = 0; from + n <= x.length; from += n) out.push({ t: from / sampleRate, db: rmsDb(x, from, from + n), from, to: from + n });
  return out;
}

/** The first 10 ms window at or after `fromS` at `thresholdDb` or louder: its start (s), or null. */
export function firstLoudS(x: Float32Array, sampleRate: number, thresholdDb: number, fromS = 0): number | null {
  return windows(x, sampleRate).find((w) => w.t >= fromS && w.db >= thresholdDb)?.t ?? null;
}

/** The end (s) of the last 10 ms window at `thresholdDb` or louder, or null. */
export function lastLoudS(x: Float32Array, sampleRate: number, thresholdDb: number): number | null {
  const w = windows(x, sampleRate).findLast((v) => v.db >= thresholdDb);
  return w ? w.t + WINDOW_S : null;
}

/** x through a second-order Butterworth low-pass (RBJ biquad). */
export function lowPass(x: Float32Array, sampleRate: number, cutoffHz: number): Float32Array {
  const w = (2 * Math.PI * cutoffHz) / sampleRate;
  const alpha = Math.sin(w) / Math.SQRT2;
  const cos = Math.cos(w);
  const a0 = 1 + alpha;
  const [b0, b1, b2] = [(1 - cos) / 2 / a0, (1 - cos) / a0, (1 - cos) / 2 / a0];
  const [a1, a2] = [(-2 * cos) / a0, (1 - alpha) / a0];
  const y = new Float32Array(x.length);
  let [x1, x2, y1, y2] = [0, 0, 0, 0];
  for (let i = 0; i < x.length; i++) {
    const v = b0 * x[i]! + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    [x2, x1, y2, y1] = [x1, x[i]!, y1, v];
    y[i] = v;
  }
  return y;
}

/**
 * When a part's sound changed after `fromS` (e.g. bass to keys): each audible 50 ms window's
 * share of energy below `cutoffHz` is compared with the typical share before `fromS` and after
 * `settledS`; the change is the first audible window after `fromS` from which on at least 80 % of
 * the audible windows are nearer the "after" share. Returns its start (s), with the two shares;
 * null when the shares do not differ by `minDifference` (nothing audible changed).
 */
export function soundChangeS(
  x: Float32Array,
  sampleRate: number,
  options: { fromS: number; settledS: number; cutoffHz?: number; audibleDb?: number; minDifference?: number },
): { atS: number | null; before: number; after: number } {
  // A bass becoming keys moves the share below 200 Hz from 0.36–0.41 to 0.09–0.10 (five CI runs,
  // depending on the notes the AI plays): 0.3 sat on the edge of that.
  const { fromS, settledS, cutoffHz = 200, audibleDb = -40, minDifference = 0.2 } = options;
  const low = lowPass(x, sampleRate, cutoffHz);
  const audible = windows(x, sampleRate, 0.05)
    .filter((w) => w.db >= audibleDb)
    .map((w) => ({ t: w.t, share: 10 ** ((rmsDb(low, w.from, w.to) - w.db) / 10) }));
  const typical = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
  const before = typical(audible.filter((w) => w.t + 0.05 <= fromS).map((w) => w.share));
  const after = typical(audible.filter((w) => w.t >= settledS).map((w) => w.share));
  if (!(Math.abs(after - before) >= minDifference)) return { atS: null, before, after };
  const likeAfter = audible.filter((w) => w.t >= fromS).map((w) => ({ t: w.t, after: Math.abs(w.share - after) < Math.abs(w.share - before) }));
  for (let i = 0; i < likeAfter.length; i++) {
    if (!likeAfter[i]!.after) continue;
    const rest = likeAfter.slice(i);
    if (rest.filter((w) => w.after).length >= 0.8 * rest.length) return { atS: likeAfter[i]!.t, before, after };
  }
  return { atS: null, before, after };
}

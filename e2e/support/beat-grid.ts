/**
 * Where notes start and how they sit on a beat grid, measured on what a listener received: an
 * onset detector on the energy envelope, the onsets' phase on a grid period (circular mean and
 * median deviation from it), and where a known loop starts in a recording of it.
 */

const HOP_S = 0.002;
const WINDOW_S = 0.005;
/** Onsets: a period of a low bass note, so its cycles do not read as onsets. */
const ONSET_WINDOW_S = 0.01;

/** Energy (dB) of `windowS` windows every `hopS`: frame k starts at sample k·hop. */
export function energyEnvelopeDb(x: Float32Array, sampleRate: number, hopS = HOP_S, windowS = WINDOW_S): Float64Array {
  const hop = Math.round(hopS * sampleRate);
  const win = Math.round(windowS * sampleRate);
  const frames = Math.max(0, Math.floor((x.length - win) / hop) + 1);
  const out = new Float64Array(frames);
  for (let k = 0; k < frames; k++) {
    let e = 0;
    for (let i = k * hop; i < k * hop + win; i++) e += x[i]! * x[i]!;
    out[k] = 10 * Math.log10(e / win + 1e-12);
  }
  return out;
}

export interface OnsetOptions {
  /** Rise over the mean energy of the preceding `lookBackS` that starts a note. */
  riseDb?: number;
  lookBackS?: number;
  /** Below this many dB under the recording's loudest window nothing counts. */
  floorDb?: number;
  /** Two onsets at least this far apart. */
  minGapS?: number;
  /** Energy window: about a period of the lowest note, or its cycles read as onsets. */
  windowS?: number;
}

/**
 * Note starts (s from the first sample): where the 10 ms energy jumps `riseDb` over the mean of
 * the preceding `lookBackS`, at the end of the first window of that jump. The mean, not the loudest, of what
 * came before: a bass note struck again on the same pitch rises only a few dB over the ripple of
 * the one it ends. Consistent rather than exact: a grid's phase is measured from many onsets found
 * alike (a soft attack reads some ms later than a drum's).
 */
export function onsetTimes(x: Float32Array, sampleRate: number, options: OnsetOptions = {}): number[] {
  const { riseDb = 5, lookBackS = 0.06, floorDb = 30, minGapS = 0.06, windowS = ONSET_WINDOW_S } = options;
  const env = energyEnvelopeDb(x, sampleRate, HOP_S, windowS);
  const frameS = Math.round(HOP_S * sampleRate) / sampleRate;
  const back = Math.round(lookBackS / HOP_S);
  // Windows just before this one overlap it; the reference ends where they stop overlapping.
  const gap = Math.ceil(windowS / HOP_S);
  let loudest = -Infinity;
  for (const v of env) loudest = Math.max(loudest, v);
  const floor = loudest - floorDb;
  const found: number[] = [];
  let last = -Infinity;
  for (let k = back + gap; k < env.length; k++) {
    if (env[k]! < floor) continue;
    let energy = 0;
    for (let j = k - gap - back; j < k - gap; j++) energy += 10 ** (env[j]! / 10);
    const reference = 10 * Math.log10(energy / back);
    // A note entering the window lifts it at once: the window's end is where the note began.
    const t = k * frameS + windowS;
    if (env[k]! - reference >= riseDb && t - last >= minGapS) {
      found.push(t);
      last = t;
    }
  }
  return found;
}

export interface GridPhase {
  /**
   * The grid's phase the onsets fit best, s in [0, period): where the median distance from each
   * onset to its nearest grid line is smallest. Not their mean: a part whose hits come in two
   * groups (most on the line, a few late) sits on the line its most hits are on.
   */
  phaseS: number;
  /** That median distance, s. */
  madS: number;
  count: number;
}

/** The nearest equivalent of `d` within ±period/2. */
export const wrapS = (d: number, periodS: number) => d - periodS * Math.round(d / periodS);

/** How tightly onsets sit on a grid of `periodS` (the beat, or its eighths). */
export function gridPhase(onsetsS: number[], periodS: number): GridPhase {
  const n = onsetsS.length;
  if (n === 0) return { phaseS: 0, madS: Number.NaN, count: 0 };
  const phases = onsetsS.map((t) => ((t % periodS) + periodS) % periodS).sort((a, b) => a - b);
  const deviation = (p: number) => median(onsetsS.map((t) => Math.abs(wrapS(t - p, periodS))).sort((a, b) => a - b));
  // The best phase is the middle of the shortest arc holding half the onsets (or one of them).
  const half = Math.floor(n / 2) + 1;
  const candidates = [...phases];
  for (let i = 0; i < n; i++) {
    const j = i + half - 1;
    const end = j < n ? phases[j]! : phases[j - n]! + periodS;
    candidates.push((((phases[i]! + end) / 2) % periodS + periodS) % periodS);
  }
  let phaseS = candidates[0]!;
  let madS = deviation(phaseS);
  for (const p of candidates) {
    const d = deviation(p);
    if (d < madS) [phaseS, madS] = [p, d];
  }
  return { phaseS, madS, count: n };
}

export function median(sorted: number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}

/** Positive energy steps of an envelope: where notes start, for lining two recordings up. */
function onsetStrength(env: Float64Array): Float64Array {
  const out = new Float64Array(env.length);
  for (let k = 1; k < env.length; k++) out[k] = Math.max(0, env[k]! - Math.max(env[k - 1]!, -80));
  return out;
}

/**
 * Where the loop (mono, played round and round) starts in a recording of it: the time (s from the
 * recording's first sample, in [0, loop length)) at which the loop's first sample is heard, found by
 * circular cross-correlation of the two onset envelopes. `score` is the peak's correlation
 * coefficient (about 0 for a recording of something else).
 */
export function loopStart(recording: Float32Array, loop: Float32Array, sampleRate: number): { startS: number; score: number } {
  const rec = onsetStrength(energyEnvelopeDb(recording, sampleRate));
  // The loop's envelope wraps round: its last windows take in its first samples.
  const hop = Math.round(HOP_S * sampleRate);
  const n = Math.round(loop.length / hop);
  const looped = new Float32Array(loop.length + Math.round(WINDOW_S * sampleRate));
  looped.set(loop);
  looped.set(loop.subarray(0, looped.length - loop.length), loop.length);
  const ref = onsetStrength(energyEnvelopeDb(looped, sampleRate).subarray(0, n));
  const len = Math.min(rec.length, n);
  const centre = (v: Float64Array, count: number) => {
    let mean = 0;
    for (let i = 0; i < count; i++) mean += v[i]!;
    mean /= count;
    let norm = 0;
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      out[i] = v[i]! - mean;
      if (i < count) norm += out[i]! * out[i]!;
    }
    return { out, norm: Math.sqrt(norm) };
  };
  const r = centre(rec, len);
  const l = centre(ref, n);
  // The recording's frame i is loop frame (i − lag) mod n.
  const scores = new Float64Array(n);
  for (let lag = 0; lag < n; lag++) {
    let acc = 0;
    for (let i = 0; i < len; i++) acc += r.out[i]! * l.out[(((i - lag) % n) + n) % n]!;
    scores[lag] = acc;
  }
  let best = 0;
  for (let lag = 1; lag < n; lag++) if (scores[lag]! > scores[best]!) best = lag;
  // Parabolic interpolation between the neighbouring lags.
  const [a, b, c] = [scores[(best - 1 + n) % n]!, scores[best]!, scores[(best + 1) % n]!];
  const shift = a - 2 * b + c < 0 ? (0.5 * (a - c)) / (a - 2 * b + c) : 0;
  const loopS = loop.length / sampleRate;
  const startS = ((((best + shift) * hop) / sampleRate) % loopS + loopS) % loopS;
  return { startS, score: b / (r.norm * l.norm * Math.sqrt(len / n) + 1e-12) };
}

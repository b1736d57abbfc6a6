import type { ControlInstrument, ControlSpec } from '@bandmate/shared';

/**
 * Control frames → note events: a line-by-line port of ml/bandmate_ml/data/control_decoder.py,
 * which the evaluation used, so the engine plays what was measured. Keep the two in step;
 * apps/inference/test/control-decoder.test.ts replays the Python decoder's own output.
 *
 * Causal and deterministic: frame i's events depend only on frames ≤ i. An onset fires when its
 * logit passes the threshold and did not fire in the previous frame; a note starts `offset` of the
 * way into its frame. Drums are one-shots (no note-off). Bass is monophonic: a new onset ends the
 * old note; the note ends when the held logit drops. Keys play the pitch classes above threshold
 * (at least the top three, at most five), voiced in keysRange closest to the previous chord. With
 * revoiceFrames > 0, a held part whose pitch has moved for that many frames in a row is struck
 * again on the new notes, as a player who hears a chord change late moves to it on the next eighth
 * note of the beat grid (at once without one).
 *
 * Python compares float32 controls with its float thresholds, and multiplies them by ints, in
 * float32 (NumPy 2 promotion): Math.fround below reproduces that to the bit.
 */
export interface DecodedNote {
  /** Sample index at the rate `samplesPerFrame` counts in, from the first decoded frame. */
  sample: number;
  on: boolean;
  key: number;
  velocity: number;
}

const KEYS_CENTER = 66.0;
const MAX_OFFSET = 0.999;

export class ControlDecoder {
  private frame = 0;
  private fired: boolean[];
  private sounding: number[] = [];
  private velocity = 0;
  /** Frames in a row the held part's pitch has differed from what sounds (see revoiceFrames). */
  private moved = 0;
  private readonly thresholds: { onset: number; held: number; pc: number; revoiceFrames: number };
  private readonly at: (name: string) => number;

  constructor(
    readonly instrument: ControlInstrument,
    private readonly spec: ControlSpec,
    /** Samples per frame at the rate the events are rendered at. */
    private readonly samplesPerFrame: number,
  ) {
    const t = spec.thresholds;
    this.thresholds = { onset: Math.fround(t.onset), held: Math.fround(t.held), pc: Math.fround(t.pc), revoiceFrames: t.revoiceFrames ?? 0 };
    this.fired = new Array<boolean>(spec.drumKeys.length).fill(false);
    this.at = (name) => {
      const block = spec.layout[name];
      if (!block) throw new Error(`control layout has no block ${name}`);
      return block[0];
    };
  }

  /**
   * Events of the next frame, given its control vector and the cond row the generator was given
   * for it (where a moved note may start; without one, at the frame's start).
   */
  step(c: Float32Array, cond?: Float32Array): DecodedNote[] {
    const t = this.thresholds;
    const events: DecodedNote[] = [];
    const start = this.frame * this.samplesPerFrame;
    if (this.instrument === 'drums') {
      const lanes = this.spec.drumKeys.length;
      const [on0, off0, vel0] = [this.at('drums_onset'), this.at('drums_offset'), this.at('drums_velocity')];
      const fire = Array.from({ length: lanes }, (_, l) => c[on0 + l]! > t.onset);
      const hits: Array<[number, number]> = [];
      for (let l = 0; l < lanes; l++) if (fire[l] && !this.fired[l]) hits.push([this.sampleAt(c[off0 + l]!), l]);
      hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const [at, l] of hits) events.push({ sample: at, on: true, key: this.spec.drumKeys[l]!, velocity: velocity(c[vel0 + l]!) });
      this.fired = fire;
    } else {
      const name = this.instrument;
      const [onset, held, offset, vel] = ['onset', 'held', 'offset', 'velocity'].map((k) => this.at(`${name}_${k}`)) as [number, number, number, number];
      const fire = c[onset]! > t.onset;
      if (fire && !this.fired[0]) {
        events.push(...this.strike(this.sampleAt(c[offset]!), this.pitch(c), velocity(c[vel]!)));
        this.moved = 0;
      } else if (this.sounding.length && !(c[held]! > t.held)) {
        for (const k of this.sounding) events.push({ sample: start, on: false, key: k, velocity: 0 });
        this.sounding = [];
        this.moved = 0;
      } else if (this.sounding.length && t.revoiceFrames > 0) {
        const pitch = this.pitch(c);
        this.moved = this.hasMoved(pitch) ? this.moved + 1 : 0;
        const at = this.moved >= t.revoiceFrames ? this.eighthInFrame(cond) : null;
        if (at !== null) {
          events.push(...this.strike(at, pitch, this.velocity));
          this.moved = 0;
        }
      }
      this.fired[0] = fire;
    }
    this.frame++;
    return events;
  }

  /** Bass: the one pitch; keys: the pitch classes above threshold (at least the top three, at most five). */
  private pitch(c: Float32Array): number[] {
    if (this.instrument === 'bass') {
      const [a, b] = this.spec.layout.bass_pitch!;
      return [this.spec.bassLowKey + argmax(c.subarray(a, b))];
    }
    const [a] = this.spec.layout.keys_pc!;
    const logits = c.subarray(a, a + 12);
    const order = Array.from({ length: 12 }, (_, k) => k).sort((x, y) => logits[y]! - logits[x]! || x - y);
    const chosen = order.filter((k) => logits[k]! > this.thresholds.pc).slice(0, 5);
    return chosen.length >= 3 ? chosen : order.slice(0, 3);
  }

  /** Bass: another pitch class; keys: a chord sharing fewer than two pitch classes with the sounding one. */
  private hasMoved(pitch: number[]): boolean {
    if (this.instrument === 'bass') return pitch[0]! % 12 !== this.sounding[0]! % 12;
    const sounding = new Set(this.sounding.map((p) => p % 12));
    return pitch.filter((pc) => sounding.has(pc)).length < 2;
  }

  /**
   * The sample of the first eighth note of the generator's beat grid (cond: grid on, beat phase at
   * the frame's start, beats per frame × 10) that starts in this frame; the frame's start without
   * a grid; null if no eighth starts in it. Float64 from the float32 row, as the Python decoder.
   */
  private eighthInFrame(cond: Float32Array | undefined): number | null {
    const start = this.frame * this.samplesPerFrame;
    if (!cond || !(cond[1]! > 0.5) || !(cond[5]! > 0)) return start;
    const phase = (2 * cond[2]!) % 1;
    const eighths = (2 * cond[5]!) / 10;
    const toNext = phase === 0 ? 0 : (1 - phase) / eighths;
    return toNext >= 1 ? null : start + Math.floor(toNext * this.samplesPerFrame);
  }

  private strike(at: number, pitch: number[], vel: number): DecodedNote[] {
    const next = this.instrument === 'bass' ? pitch : voiceChord(pitch, this.sounding, this.spec.keysRange);
    const events: DecodedNote[] = this.sounding.map((k) => ({ sample: at, on: false, key: k, velocity: 0 }));
    for (const k of next) events.push({ sample: at, on: true, key: k, velocity: vel });
    this.sounding = next;
    this.velocity = vel;
    return events;
  }

  /** Keys still sounding (to release them when the stream stops). */
  get soundingKeys(): readonly number[] {
    return this.sounding;
  }

  private sampleAt(offset: number): number {
    // Python's min/max compare in float32 and return the bound as a float64 when they clamp.
    const within = offset > Math.fround(MAX_OFFSET) ? MAX_OFFSET * this.samplesPerFrame : offset < 0 ? 0 : Math.fround(offset * this.samplesPerFrame);
    return this.frame * this.samplesPerFrame + Math.floor(within);
  }
}

function velocity(v: number): number {
  return Math.min(127, Math.max(1, roundHalfEven(Math.fround(v * 127))));
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** First index of the largest value, as numpy.argmax. */
function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
}

export function voiceChord(pcs: number[], previous: readonly number[], [lo, hi]: readonly [number, number]): number[] {
  const center = previous.length ? previous.reduce((a, b) => a + b, 0) / previous.length : KEYS_CENTER;
  const notes = new Set<number>();
  for (const pc of [...pcs].sort((a, b) => a - b)) {
    let best = -1;
    for (let p = lo; p < hi; p++) {
      if (p % 12 !== pc) continue;
      if (best < 0 || Math.abs(p - center) < Math.abs(best - center)) best = p;
    }
    notes.add(best);
  }
  return [...notes].sort((a, b) => a - b);
}

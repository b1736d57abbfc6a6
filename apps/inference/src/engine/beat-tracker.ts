import type { BeatTrackerSpec } from '@bandmate/shared';

/** The grid the tracker hears at a frame's start. */
export interface TrackedBeat {
  /** Beat phase in [0, 1). */
  phase: number;
  beatsPerFrame: number;
  /** Bar phase in [0, 1) (its downbeat is a guess: the tracker counts beats from its lock). */
  barPhase: number;
  beatsPerBar: number;
}

/**
 * Finds the beat by listening, for a control model when the room's metronome is off: the port
 * of ml/bandmate_ml/features/beat_tracker.py (same float64 arithmetic; parity cases in
 * test/fixtures/beat-tracker-cases.json). Input: each 10 ms hop's onset strength (the mix
 * features' summed band flux). Each frame it re-estimates the beat period (autocorrelation of
 * the last few seconds, its second harmonic reinforcing, under a tempo prior) and the last beat
 * (a comb over the recent onsets), and follows them with a phase-locked loop; a new tempo must
 * persist `switchFrames` frames to be adopted. Silence or no periodicity: no grid.
 */
export class BeatTracker {
  private readonly buf: Float64Array;
  private filled = 0;
  private heard = 0;
  private period: number | null = null;
  private beat = 0;
  private beatCount = 0;
  private candidate: number | null = null;
  private disagree = 0;
  private confident = false;
  private readonly lags: number[];
  private readonly prior: Float64Array;
  private readonly ac: Float64Array;

  /** `leadHops`: how far the heard mix trails the output timeline (the engine's look-back, in hops). */
  constructor(
    private readonly spec: BeatTrackerSpec,
    private readonly leadHops: number,
  ) {
    this.buf = new Float64Array(spec.windowHops);
    const lo = Math.floor(6000 / spec.maxBpm);
    const hi = Math.ceil(6000 / spec.minBpm);
    this.lags = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    this.prior = Float64Array.from(this.lags, (l) => Math.exp(-0.5 * (Math.log2((l * spec.priorBpm) / 6000) / spec.priorOctaves) ** 2));
    this.ac = new Float64Array(2 * hi + 1);
  }

  push(onsets: ArrayLike<number>): void {
    const w = this.spec.windowHops;
    for (let i = 0; i < onsets.length; i++) {
      if (this.filled < w) this.buf[this.filled++] = onsets[i]!;
      else {
        this.buf.copyWithin(0, 1);
        this.buf[w - 1] = onsets[i]!;
      }
    }
    this.heard += onsets.length;
    if (this.heard < this.spec.warmupHops) return;
    const est = this.estimate();
    this.confident = est !== null;
    if (!est) return;
    if (this.period === null) {
      [this.period, this.beat, this.beatCount] = [est.period, est.beat, 0];
      return;
    }
    this.follow(est.period, est.beat);
  }

  grid(frame: number): TrackedBeat | null {
    if (this.period === null || !this.confident) return null;
    const index = (this.spec.hopsPerFrame * frame - this.beat) / this.period;
    const bar = (index + this.beatCount) / this.spec.beatsPerBar;
    return { phase: index - Math.floor(index), beatsPerFrame: this.spec.hopsPerFrame / this.period, barPhase: bar - Math.floor(bar), beatsPerBar: this.spec.beatsPerBar };
  }

  private estimate(): { period: number; beat: number } | null {
    const s = this.spec;
    const n = this.filled;
    const x = this.buf.subarray(0, n);
    let loudest = 0;
    let recent = 0;
    for (let t = 0; t < n; t++) {
      loudest = Math.max(loudest, x[t]!);
      if (t >= n - s.quietHops) recent = Math.max(recent, x[t]!);
    }
    if (recent < s.quietRatio * loudest) return null; // the band stopped
    // The onsets above their local mean (25 hops, zero beyond the buffer), centred.
    const d = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      let sum = 0;
      for (let m = Math.max(0, t - 12); m <= Math.min(n - 1, t + 12); m++) sum += x[m]!;
      d[t] = Math.max(x[t]! - sum / 25, 0);
    }
    let mean = 0;
    for (let t = 0; t < n; t++) mean += d[t]!;
    mean /= n;
    let energy = 0;
    for (let t = 0; t < n; t++) {
      d[t] = d[t]! - mean;
      energy += d[t]! * d[t]!;
    }
    energy /= n;
    if (energy <= 1e-12) return null;
    const ac = this.ac.fill(0);
    const m = Math.min(ac.length, n - 1);
    for (let lag = 0; lag < m; lag++) {
      let sum = 0;
      for (let t = lag; t < n; t++) sum += d[t]! * d[t - lag]!;
      ac[lag] = sum / (n - lag);
    }
    // The prior picks the peak; the peak's own shape places it between lags.
    const raw = this.lags.map((l) => ac[l]! + s.harmonic * ac[2 * l]!);
    let k = 0;
    let best = -Infinity;
    raw.forEach((v, i) => {
      if (v * this.prior[i]! > best) [best, k] = [v * this.prior[i]!, i];
    });
    if (ac[this.lags[k]!]! / energy < s.minConfidence) return null;
    let period = this.lags[k]!;
    if (k > 0 && k < this.lags.length - 1) {
      const [a, b, c] = [raw[k - 1]!, raw[k]!, raw[k + 1]!];
      const den = a - 2 * b + c;
      if (den < 0) period += (0.5 * (a - c)) / den;
    }
    // The last beat: the phase whose comb over the recent onsets is strongest.
    let bestComb = -1;
    let bestPhi = 0;
    for (let phi = 0; phi < Math.floor(period); phi++) {
      let sum = 0;
      for (let b = 0; b < s.combBeats; b++) {
        const idx = n - 1 - phi - roundHalfEven(b * period);
        if (idx >= 0) sum += Math.max(x[idx]!, 0) * s.combDecay ** b;
      }
      if (sum > bestComb) [bestComb, bestPhi] = [sum, phi];
    }
    return { period, beat: this.heard - 1 - bestPhi - this.leadHops };
  }

  private follow(period: number, beat: number): void {
    const s = this.spec;
    const current = this.period!;
    if (Math.abs(period / current - 1) > s.tempoTolerance) {
      const same = this.candidate !== null && Math.abs(period / this.candidate - 1) <= s.tempoTolerance;
      this.candidate = period;
      this.disagree = same ? this.disagree + 1 : 1;
      if (this.disagree < s.switchFrames) return;
      [this.period, this.beat, this.beatCount, this.candidate, this.disagree] = [period, beat, 0, null, 0];
      return;
    }
    [this.candidate, this.disagree] = [null, 0];
    const beats = (beat - this.beat) / current;
    const whole = roundHalfEven(beats);
    this.beat += (whole + s.phaseGain * (beats - whole)) * current;
    this.beatCount += whole;
    this.period = current + s.tempoGain * (period - current);
  }
}

/** numpy's rounding (half to even), so both ports pick the same comb taps and beat counts. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

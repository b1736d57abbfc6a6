/**
 * Keeps an AI part at the room's level: the part's gain follows the ratio of the mix's RMS to
 * the part's own RMS, each measured over a few seconds, so a model that plays quietly (or loud)
 * sits with the musicians. The host's volume multiplies on top. The gain is bounded, moves at
 * most SLEW_DB_PER_S, and is interpolated across each frame, so it never clicks.
 */
export interface LevelFollowerOptions {
  /** Window of the RMS measurements (time constant of their exponential average). */
  windowSeconds?: number;
  /** Frame length in seconds (one call of `apply`). */
  frameSeconds?: number;
  minGainDb?: number;
  maxGainDb?: number;
  slewDbPerSecond?: number;
}

/** Below this mean square (−80 dBFS RMS) a frame counts as silence. */
const SILENT_MS = 1e-8;
/**
 * Silence within this long of sound is measured (the gaps between a drummer's hits are part of
 * its level); a longer rest is not, so a part or a room that pauses comes back at its old gain.
 */
const REST_SECONDS = 1;

export class LevelFollower {
  private readonly windowFrames: number;
  private readonly minGain: number;
  private readonly maxGain: number;
  private readonly maxStep: number;
  private mixMs = 0;
  private partMs = 0;
  private mixFrames = 0;
  private partFrames = 0;
  private current = 1;
  private readonly restFrames: number;
  private mixQuietFor = Infinity;
  private partQuietFor = Infinity;

  constructor(options: LevelFollowerOptions = {}) {
    const frameSeconds = options.frameSeconds ?? 0.01;
    this.windowFrames = Math.max(1, Math.round((options.windowSeconds ?? 3) / frameSeconds));
    this.minGain = dbToGain(options.minGainDb ?? -20);
    this.maxGain = dbToGain(options.maxGainDb ?? 30);
    this.maxStep = dbToGain((options.slewDbPerSecond ?? 12) * frameSeconds);
    this.restFrames = Math.round(REST_SECONDS / frameSeconds);
  }

  /** The gain now (linear), without the host's volume. */
  get gain(): number {
    return this.current;
  }

  get gainDb(): number {
    return 20 * Math.log10(this.current);
  }

  /** One frame of what the part hears (the room's mix). */
  hearMix(frame: Float32Array): void {
    const ms = meanSquare(frame);
    this.mixQuietFor = ms > SILENT_MS ? 0 : this.mixQuietFor + 1;
    if (this.mixQuietFor <= this.restFrames) this.mixMs = average(this.mixMs, ms, ++this.mixFrames, this.windowFrames);
  }

  /**
   * Scales one frame of the part in place by the followed gain times `volume`, ramping from the
   * previous frame's gain; silence in, silence out.
   */
  apply(frame: Float32Array, volume: number): Float32Array {
    const ms = meanSquare(frame);
    this.partQuietFor = ms > SILENT_MS ? 0 : this.partQuietFor + 1;
    if (this.partQuietFor <= this.restFrames) this.partMs = average(this.partMs, ms, ++this.partFrames, this.windowFrames);
    const from = this.current;
    // The gain moves only while both sound: a rest of either is no news about their balance.
    if (ms > SILENT_MS && this.mixQuietFor === 0 && this.partMs > SILENT_MS && this.mixMs > SILENT_MS) {
      const target = clamp(Math.sqrt(this.mixMs / this.partMs), this.minGain, this.maxGain);
      this.current = clamp(target, from / this.maxStep, from * this.maxStep);
    }
    const n = frame.length;
    for (let i = 0; i < n; i++) frame[i]! *= (from + ((this.current - from) * (i + 1)) / n) * volume;
    return frame;
  }

  /** A new part (another instrument): its own level is measured afresh; the gain moves on from where it is. */
  resetPart(): void {
    this.partMs = 0;
    this.partFrames = 0;
    this.partQuietFor = Infinity;
  }
}

/** A running mean for the first window (so the first seconds are measured, not assumed), then an exponential average. */
function average(previous: number, value: number, count: number, window: number): number {
  return previous + (value - previous) / Math.min(count, window);
}

function meanSquare(frame: Float32Array): number {
  let sum = 0;
  for (const x of frame) sum += x * x;
  return frame.length ? sum / frame.length : 0;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

export function dbToGain(db: number): number {
  return 10 ** (db / 20);
}

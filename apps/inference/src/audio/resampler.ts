import { SampleQueue } from './sample-queue.ts';

/**
 * Streaming, causal windowed-sinc resampler between any two rates. Causal so the
 * offline CLI and the live path see the same past-only dependency: it delays the
 * signal by `delaySeconds` (half the filter) instead of peeking ahead.
 */
export class Resampler {
  readonly ratio: number;
  private readonly halfTaps: number;
  private readonly cutoff: number;
  /** Input history, including `2 * halfTaps` samples of left context. */
  private readonly history: SampleQueue;
  /**
   * Position of the next output sample in input samples, relative to history[0]:
   * base + phase / up, kept exact as a rational so the filter's phases repeat.
   */
  private base: number;
  private phase = 0;
  private readonly up: number;
  private readonly down: number;
  /**
   * Filter taps per phase. Computing the windowed sinc per tap per sample cost ~1.7 ms per 40 ms
   * of audio each way (two trigonometric calls per tap), more than the model's own step.
   */
  private readonly taps: Float64Array | null;
  private readonly scratch: Float64Array;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
    halfTaps = 16,
  ) {
    if (!Number.isInteger(inRate) || !Number.isInteger(outRate) || inRate <= 0 || outRate <= 0) {
      throw new RangeError(`sample rates must be positive integers (got ${inRate} → ${outRate} Hz)`);
    }
    this.ratio = outRate / inRate;
    this.cutoff = Math.min(1, this.ratio) * 0.95;
    // Downsampling widens the filter in input samples to keep its length in output samples.
    this.halfTaps = Math.ceil(halfTaps / Math.min(1, this.ratio));
    this.history = new SampleQueue(2 * this.halfTaps, 4 * this.halfTaps + 4096); // zeros: silence before the start
    this.base = this.halfTaps;
    const g = gcd(inRate, outRate);
    this.up = outRate / g;
    this.down = inRate / g;
    const width = 2 * this.halfTaps;
    this.scratch = new Float64Array(width);
    // Unusual rate pairs have many phases: past a megabyte of table, taps are computed per sample.
    this.taps = this.up * width <= 1 << 17 ? new Float64Array(this.up * width) : null;
    for (let phase = 0; this.taps && phase < this.up; phase++) this.fillTaps(phase, this.taps.subarray(phase * width, (phase + 1) * width));
  }

  get isIdentity(): boolean {
    return this.inRate === this.outRate;
  }

  get delaySeconds(): number {
    return this.isIdentity ? 0 : this.halfTaps / this.inRate;
  }

  process(input: Float32Array): Float32Array {
    if (this.isIdentity) return input.slice();
    this.history.push(input);
    const history = this.history.buffer;
    const lastUsable = this.history.length - this.halfTaps - 1;
    const width = 2 * this.halfTaps;
    const out = new Float32Array(Math.max(0, Math.ceil(((lastUsable - this.base + 1) * this.up) / this.down) + 1));
    let count = 0;
    while (this.base < lastUsable || (this.base === lastUsable && this.phase === 0)) {
      const taps = this.taps ? this.taps.subarray(this.phase * width, (this.phase + 1) * width) : this.fillTaps(this.phase, this.scratch);
      const first = this.base - this.halfTaps + 1;
      let acc = 0;
      for (let j = 0; j < width; j++) acc += history[first + j]! * taps[j]!;
      out[count++] = acc;
      this.phase += this.down;
      this.base += Math.floor(this.phase / this.up);
      this.phase %= this.up;
    }
    this.discardConsumed();
    return out.subarray(0, count);
  }

  /** The windowed-sinc taps for output samples `phase / up` past an input sample. */
  private fillTaps(phase: number, taps: Float64Array): Float64Array {
    const h = this.halfTaps;
    const fc = this.cutoff;
    const frac = phase / this.up;
    for (let j = -h + 1; j <= h; j++) {
      const x = j - frac;
      const w = 0.5 + 0.5 * Math.cos((Math.PI * x) / h); // Hann window
      const s = x === 0 ? fc : Math.sin(Math.PI * fc * x) / (Math.PI * x);
      taps[j + h - 1] = s * w;
    }
    return taps;
  }

  private discardConsumed(): void {
    const drop = this.base - this.halfTaps;
    if (drop <= 0) return;
    this.history.drop(drop);
    this.base -= drop;
  }
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

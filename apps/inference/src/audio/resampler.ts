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
  /** Position of the next output sample in input samples, relative to history[0]. */
  private position: number;

  constructor(
    readonly inRate: number,
    readonly outRate: number,
    halfTaps = 16,
  ) {
    this.ratio = outRate / inRate;
    this.cutoff = Math.min(1, this.ratio) * 0.95;
    // Downsampling widens the filter in input samples to keep its length in output samples.
    this.halfTaps = Math.ceil(halfTaps / Math.min(1, this.ratio));
    this.history = new SampleQueue(2 * this.halfTaps, 4 * this.halfTaps + 4096); // zeros: silence before the start
    this.position = this.halfTaps;
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
    const step = 1 / this.ratio;
    const lastUsable = this.history.length - this.halfTaps - 1;
    const count = Math.max(0, Math.floor((lastUsable - this.position) / step) + 1);
    const out = new Float32Array(count);
    const h = this.halfTaps;
    const fc = this.cutoff;
    for (let n = 0; n < count; n++) {
      const p = this.position + n * step;
      const center = Math.floor(p);
      const frac = p - center;
      let acc = 0;
      for (let j = -h + 1; j <= h; j++) {
        const x = j - frac;
        const w = 0.5 + 0.5 * Math.cos((Math.PI * x) / h); // Hann window
        const s = x === 0 ? fc : Math.sin(Math.PI * fc * x) / (Math.PI * x);
        acc += history[center + j]! * s * w;
      }
      out[n] = acc;
    }
    this.position += count * step;
    this.discardConsumed();
    return out;
  }

  private discardConsumed(): void {
    const drop = Math.floor(this.position) - this.halfTaps;
    if (drop <= 0) return;
    this.history.drop(drop);
    this.position -= drop;
  }
}

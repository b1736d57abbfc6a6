/**
 * A FIFO of float samples in one growable buffer: append at the end, drop from the
 * front. Shared by the resampler's history and the engine's pending mix.
 */
export class SampleQueue {
  private data: Float32Array;
  length: number;

  constructor(initialLength = 0, capacity = 4096) {
    this.data = new Float32Array(Math.max(capacity, initialLength));
    this.length = initialLength; // starts as zeros: silence
  }

  /** The backing buffer; valid up to `length` until the next push. */
  get buffer(): Float32Array {
    return this.data;
  }

  push(samples: Float32Array): void {
    if (this.length + samples.length > this.data.length) {
      const grown = new Float32Array((this.length + samples.length) * 2);
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(samples, this.length);
    this.length += samples.length;
  }

  drop(count: number): void {
    if (count <= 0) return;
    this.data.copyWithin(0, count, this.length);
    this.length -= count;
  }
}

export function concatSamples(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Forms the room's mix for the AI from what has already been heard: each source
 * contributes the frame it has for the current room frame, or a concealment of it,
 * so a slow musician never holds the mix back.
 */
export interface MixSource {
  /** The source's next frame (interleaved stereo or mono, `frameSamples` per channel), or null when missing. */
  nextFrame(): Float32Array | null;
  gain: number;
}

export class CausalMixer {
  /** Last good frame of each source, faded to conceal missing ones. */
  private readonly lastFrame = new Map<MixSource, { frame: Float32Array; missing: number }>();
  readonly stats = { frames: 0, concealed: 0 };

  constructor(
    readonly frameSamples = 480,
    readonly channels = 2,
    /** Missing frames concealed by fading the last one, before the source counts as silent. */
    readonly maxConcealFrames = 5,
  ) {}

  /** One frame of the mono mix from every source. */
  mix(sources: MixSource[]): Float32Array {
    const out = new Float32Array(this.frameSamples);
    for (const source of sources) {
      const frame = this.frameOf(source);
      if (!frame) continue;
      for (let i = 0; i < this.frameSamples; i++) {
        let sum = 0;
        for (let c = 0; c < this.channels; c++) sum += frame[i * this.channels + c]!;
        out[i]! += (sum / this.channels) * source.gain;
      }
    }
    this.stats.frames++;
    // A soft limit keeps a loud room from clipping the model's input.
    for (let i = 0; i < out.length; i++) out[i] = Math.tanh(out[i]!);
    return out;
  }

  forget(source: MixSource): void {
    this.lastFrame.delete(source);
  }

  private frameOf(source: MixSource): Float32Array | null {
    const frame = source.nextFrame();
    if (frame) {
      this.lastFrame.set(source, { frame, missing: 0 });
      return frame;
    }
    const last = this.lastFrame.get(source);
    if (!last || last.missing >= this.maxConcealFrames) return null;
    last.missing++;
    this.stats.concealed++;
    const fade = 0.5 ** last.missing;
    return last.frame.map((v) => v * fade);
  }
}

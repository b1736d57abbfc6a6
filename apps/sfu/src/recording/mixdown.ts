import { WavFileReader } from './wav-file-reader.ts';
import { WavFileWriter, type WavFormat } from './wav-file-writer.ts';

/** The mixdown peaks at −1 dBFS at most: headroom for lossy re-encoding and inter-sample peaks. */
export const MIX_CEILING = 10 ** (-1 / 20);
/** Frames read per step: one second keeps memory small and the event loop free. */
const BLOCK_FRAMES = 48_000;

/** A waveform preview: the peak level of each of `points` equal slices of a file. */
export class PeakMeter {
  private readonly values: Float32Array;

  constructor(
    private readonly totalFrames: number,
    points: number,
  ) {
    this.values = new Float32Array(totalFrames > 0 ? Math.min(points, totalFrames) : 0);
  }

  /** Interleaved samples starting at frame `start`. */
  add(start: number, samples: Float32Array, channels: number): void {
    const n = this.values.length;
    if (n === 0) return;
    const frames = Math.floor(samples.length / channels);
    for (let i = 0; i < frames; i++) {
      const frame = start + i;
      if (frame >= this.totalFrames) break;
      let v = 0;
      for (let c = 0; c < channels; c++) v = Math.max(v, Math.abs(samples[i * channels + c]!));
      const bucket = Math.floor((frame * n) / this.totalFrames);
      if (v > this.values[bucket]!) this.values[bucket] = v;
    }
  }

  /** Rounded to 3 decimals, in [0, 1]: ~3 kB of JSON for 500 points. */
  toArray(): number[] {
    return Array.from(this.values, (v) => Math.min(1, Math.round(v * 1000) / 1000));
  }
}

export interface MixdownResult {
  /** Waveform preview of each stem, in the order given. */
  stemPeaks: number[][];
  mixPeaks: number[];
  /** Peak of the plain sum of the stems (may exceed 1). */
  sumPeak: number;
  /** Gain applied to the sum: 1, or less when the sum would have gone past the ceiling. */
  gain: number;
  frames: number;
}

/**
 * Sums the stems into one file, streaming from disk in two passes. The first finds the peak of
 * the sum; the second writes the sum scaled so that peak sits at the ceiling (never boosted).
 * One gain for the whole file keeps the balance and dynamics the band played, with no limiter
 * pumping; the result cannot clip. Waveform previews of the stems and the mix come for free.
 */
export async function mixdown(
  stemFiles: string[],
  outFile: string,
  options: { totalFrames: number; points: number; format: WavFormat; ceiling?: number },
): Promise<MixdownResult> {
  const { totalFrames, points, format } = options;
  const ceiling = options.ceiling ?? MIX_CEILING;
  const readers: WavFileReader[] = [];
  try {
    for (const file of stemFiles) readers.push(await WavFileReader.open(file));
    for (const r of readers) {
      if (r.format.channels !== format.channels || r.format.sampleRate !== format.sampleRate) {
        throw new Error(`stem format ${r.format.channels} ch / ${r.format.sampleRate} Hz does not match the mix`);
      }
    }
    const channels = format.channels;
    const stemMeters = readers.map(() => new PeakMeter(totalFrames, points));
    const sum = new Float32Array(BLOCK_FRAMES * channels);
    const block = new Float32Array(BLOCK_FRAMES * channels);

    const sumBlock = async (start: number, count: number, meters?: PeakMeter[]): Promise<Float32Array> => {
      const out = sum.subarray(0, count * channels);
      out.fill(0);
      for (let s = 0; s < readers.length; s++) {
        const part = await readers[s]!.read(start, count, block.subarray(0, count * channels));
        meters?.[s]!.add(start, part, channels);
        for (let i = 0; i < part.length; i++) out[i]! += part[i]!;
      }
      return out;
    };

    let sumPeak = 0;
    for (let start = 0; start < totalFrames; start += BLOCK_FRAMES) {
      const mixed = await sumBlock(start, Math.min(BLOCK_FRAMES, totalFrames - start), stemMeters);
      for (let i = 0; i < mixed.length; i++) {
        const v = Math.abs(mixed[i]!);
        if (v > sumPeak) sumPeak = v;
      }
    }
    const gain = sumPeak > ceiling ? ceiling / sumPeak : 1;

    const mixMeter = new PeakMeter(totalFrames, points);
    const writer = await WavFileWriter.create(outFile, format);
    try {
      for (let start = 0; start < totalFrames; start += BLOCK_FRAMES) {
        const mixed = await sumBlock(start, Math.min(BLOCK_FRAMES, totalFrames - start));
        if (gain !== 1) for (let i = 0; i < mixed.length; i++) mixed[i]! *= gain;
        mixMeter.add(start, mixed, channels);
        writer.writeFloat(mixed);
        // Back-pressure: never more than a block ahead of the disk.
        await writer.flush();
        if (writer.failed) throw writer.failed;
      }
      const { frames } = await writer.close();
      return { stemPeaks: stemMeters.map((m) => m.toArray()), mixPeaks: mixMeter.toArray(), sumPeak, gain, frames };
    } catch (err) {
      await writer.discard();
      throw err;
    }
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

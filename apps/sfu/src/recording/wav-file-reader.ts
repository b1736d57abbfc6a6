import { open, type FileHandle } from 'node:fs/promises';
import type { BitsPerSample, WavFormat } from './wav-file-writer.ts';

/**
 * Reads a PCM WAV file as the recorder writes them (16/24-bit, the data chunk last) a block at a
 * time, so a long recording is mixed and measured without being loaded whole.
 */
export class WavFileReader {
  private scratch = Buffer.alloc(0);
  private constructor(
    private readonly handle: FileHandle,
    readonly format: WavFormat,
    private readonly dataOffset: number,
    /** Frames in the file (samples per channel). */
    readonly frames: number,
  ) {}

  static async open(file: string): Promise<WavFileReader> {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const head = Buffer.alloc(Math.min(size, 4096));
      await handle.read(head, 0, head.length, 0);
      if (head.length < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
        throw new Error(`${file} is not a WAV file`);
      }
      let format: WavFormat | undefined;
      let offset = 12;
      while (offset + 8 <= head.length) {
        const id = head.toString('ascii', offset, offset + 4);
        const chunk = head.readUInt32LE(offset + 4);
        const body = offset + 8;
        if (id === 'fmt ' && body + 16 <= head.length) {
          const bits = head.readUInt16LE(body + 14);
          if (head.readUInt16LE(body) !== 1 || (bits !== 16 && bits !== 24)) throw new Error(`${file}: not 16/24-bit PCM`);
          format = { channels: head.readUInt16LE(body + 2), sampleRate: head.readUInt32LE(body + 4), bitsPerSample: bits as BitsPerSample };
        } else if (id === 'data') {
          if (!format) throw new Error(`${file}: data before fmt`);
          const blockAlign = format.channels * (format.bitsPerSample / 8);
          // The recorder's files end with their data chunk, and a header not fixed up yet (a crash
          // mid-recording) understates it: the file's size is the truth.
          const bytes = Math.max(0, size - body);
          return new WavFileReader(handle, format, body, Math.floor(bytes / blockAlign));
        }
        offset = body + chunk + (chunk % 2);
      }
      throw new Error(`${file}: no data chunk`);
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
  }

  /**
   * `count` frames from frame `start` as interleaved floats in [-1, 1); frames past the end read
   * as silence, so files of different lengths can be summed block by block.
   */
  async read(start: number, count: number, out = new Float32Array(count * this.format.channels)): Promise<Float32Array> {
    out.fill(0);
    const available = Math.max(0, Math.min(count, this.frames - start));
    if (available === 0) return out;
    const bytesPer = this.format.bitsPerSample / 8;
    const blockAlign = this.format.channels * bytesPer;
    // One buffer per reader, grown when needed: a mixdown reads thousands of blocks.
    if (this.scratch.length < available * blockAlign) this.scratch = Buffer.alloc(available * blockAlign);
    const buf = this.scratch.subarray(0, available * blockAlign);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await this.handle.read(buf, got, buf.length - got, this.dataOffset + start * blockAlign + got);
      if (bytesRead <= 0) break;
      got += bytesRead;
    }
    const samples = Math.floor(got / bytesPer);
    if (bytesPer === 2) for (let i = 0; i < samples; i++) out[i] = buf.readInt16LE(2 * i) / 32768;
    else for (let i = 0; i < samples; i++) out[i] = buf.readIntLE(3 * i, 3) / 8388608;
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => {});
  }
}

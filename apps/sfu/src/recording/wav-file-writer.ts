import { open, unlink, type FileHandle } from 'node:fs/promises';
import os from 'node:os';

export type BitsPerSample = 16 | 24;

export interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: BitsPerSample;
}

export const WAV_HEADER_BYTES = 44;
/** RIFF sizes are 32-bit: a WAV file holds at most this many bytes of audio. */
export const WAV_MAX_DATA_BYTES = 0xffff_ffff - (WAV_HEADER_BYTES - 8);

/** Bytes gathered before one write to disk (~0.34 s of 48 kHz 16-bit stereo). */
const STAGING_BYTES = 64 * 1024;
/** Writes the disk has not taken yet; past this the disk is too slow for live audio. */
const MAX_PENDING_BYTES = 32 * 1024 * 1024;
/** The header is fixed up this often, so a file cut short by a crash still plays up to there. */
const HEADER_EVERY_BYTES = 4 * 1024 * 1024;
const LITTLE_ENDIAN = os.endianness() === 'LE';

export class WavWriteError extends Error {
  override name = 'WavWriteError';
}

/**
 * A PCM WAV file written as audio arrives: nothing but a 64 kB staging buffer is held in memory.
 * Writes are queued in order on one file handle; the header's sizes are fixed up every few MB and
 * at close. Errors (disk full, too slow) stop the writer and surface at close().
 */
export class WavFileWriter {
  private staging: Buffer;
  private staged = 0;
  private pendingBytes = 0;
  private dataBytes = 0;
  private headerAt = 0;
  /** Data bytes known to be on disk: the end of the last chunk written. */
  private durable = 0;
  private tail: Promise<void> = Promise.resolve();
  private error: Error | undefined;
  private closed = false;
  readonly blockAlign: number;

  private constructor(
    readonly file: string,
    readonly format: WavFormat,
    private readonly handle: FileHandle,
  ) {
    this.blockAlign = format.channels * (format.bitsPerSample / 8);
    this.staging = Buffer.alloc(STAGING_BYTES - (STAGING_BYTES % this.blockAlign));
  }

  /** Creates the file (refusing to overwrite one) with a header for an empty file. */
  static async create(file: string, format: WavFormat): Promise<WavFileWriter> {
    if (![16, 24].includes(format.bitsPerSample)) throw new RangeError('WAV writer: 16 or 24 bits per sample');
    if (!Number.isInteger(format.channels) || format.channels < 1 || format.channels > 8) throw new RangeError('WAV writer: 1–8 channels');
    const handle = await open(file, 'wx');
    const writer = new WavFileWriter(file, format, handle);
    try {
      await handle.write(wavHeader(format, 0), 0, WAV_HEADER_BYTES, 0);
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
    return writer;
  }

  /** Frames (samples per channel) accepted so far. */
  get frames(): number {
    return (this.dataBytes + this.staged) / this.blockAlign;
  }

  get failed(): Error | undefined {
    return this.error;
  }

  /** Interleaved 16-bit samples (a whole number of frames). */
  writeInt16(samples: Int16Array): void {
    const bytesPer = this.format.bitsPerSample / 8;
    this.reserve(samples.length * bytesPer, (buf, offset, first, count) => {
      if (bytesPer === 2 && LITTLE_ENDIAN) {
        // The hot path (every stem): the samples' bytes are already the file's bytes.
        Buffer.from(samples.buffer, samples.byteOffset + 2 * first, 2 * count).copy(buf, offset);
        return;
      }
      for (let i = 0; i < count; i++) {
        const v = samples[first + i]!;
        if (bytesPer === 2) buf.writeInt16LE(v, offset + 2 * i);
        else buf.writeIntLE(v * 256, offset + 3 * i, 3);
      }
    });
  }

  /** Interleaved float samples in [-1, 1] (clamped), a whole number of frames. */
  writeFloat(samples: Float32Array): void {
    const bytesPer = this.format.bitsPerSample / 8;
    const full = bytesPer === 2 ? 32767 : 8388607;
    this.reserve(samples.length * bytesPer, (buf, offset, first, count) => {
      for (let i = 0; i < count; i++) {
        const x = samples[first + i]!;
        const v = Math.round((x > 1 ? 1 : x < -1 ? -1 : x) * full);
        if (bytesPer === 2) buf.writeInt16LE(v, offset + 2 * i);
        else buf.writeIntLE(v, offset + 3 * i, 3);
      }
    });
  }

  /**
   * `frames` frames of digital silence. A long stretch is not written at all: the file position
   * moves on and the file system's hole reads back as zeros (and takes no disk space), so an
   * hour of leading silence for a late joiner costs nothing.
   */
  writeSilence(frames: number): void {
    if (frames <= 0 || this.closed || this.error) return;
    const bytes = frames * this.blockAlign;
    if (bytes <= this.staging.length - this.staged) {
      this.reserve(bytes, (buf, offset, _first, count) => {
        buf.fill(0, offset, offset + count * (this.format.bitsPerSample / 8));
      });
      return;
    }
    if (this.dataBytes + this.staged + bytes > WAV_MAX_DATA_BYTES) {
      this.fail(new WavWriteError(`${this.file} would exceed the 4 GB WAV limit`));
      return;
    }
    this.flushStaging();
    this.dataBytes += bytes;
  }

  /** Drops everything after `frames` frames (used when a stream ran past the end of the timeline). */
  async truncate(frames: number): Promise<void> {
    await this.flush();
    const keep = Math.min(this.dataBytes, Math.max(0, frames) * this.blockAlign);
    if (keep === this.dataBytes) return;
    this.dataBytes = keep;
    this.enqueue(0, () => this.handle.truncate(WAV_HEADER_BYTES + keep));
    await this.tail;
  }

  /** Writes what is staged and waits for the disk. */
  async flush(): Promise<void> {
    this.flushStaging();
    await this.tail;
  }

  /**
   * Finishes the file: final header, handle closed. Rejects with the first write error, if any;
   * with `keepWritten`, a file whose writes failed (the disk filled up) ends instead after the
   * audio that reached the disk (cutting back frees space, the header is rewritten in place), and
   * the frames kept are returned (`failed` still tells why it is short).
   */
  async close(options: { keepWritten?: boolean } = {}): Promise<{ frames: number; bytes: number }> {
    if (this.closed) throw new WavWriteError(`${this.file} is already closed`);
    this.flushStaging();
    this.closed = true;
    let data = this.dataBytes;
    // Trailing silence left as a hole: extend the file to its full length (zeros).
    this.enqueue(0, () => this.handle.truncate(WAV_HEADER_BYTES + data));
    this.enqueue(0, () => this.handle.write(wavHeader(this.format, data), 0, WAV_HEADER_BYTES, 0).then(() => {}));
    await this.tail;
    try {
      if (this.error && options.keepWritten) {
        data = this.durable - (this.durable % this.blockAlign);
        await this.handle.truncate(WAV_HEADER_BYTES + data);
        await this.handle.write(wavHeader(this.format, data), 0, WAV_HEADER_BYTES, 0);
      } else if (this.error) {
        throw this.error;
      }
    } finally {
      await this.handle.close().catch(() => {});
    }
    return { frames: data / this.blockAlign, bytes: WAV_HEADER_BYTES + data };
  }

  /** Closes and deletes the file (a recording that failed). */
  async discard(): Promise<void> {
    this.closed = true;
    this.staged = 0;
    await this.tail.catch(() => {});
    await this.handle.close().catch(() => {});
    await unlink(this.file).catch(() => {});
  }

  /** Copies `bytes` into the staging buffer through `fill`, in pieces that fit, writing when full. */
  private reserve(bytes: number, fill: (buf: Buffer, offset: number, firstSample: number, count: number) => void): void {
    if (this.closed || this.error || bytes <= 0) return;
    if (bytes % this.blockAlign !== 0) throw new RangeError('WAV writer: write whole frames');
    if (this.dataBytes + this.staged + bytes > WAV_MAX_DATA_BYTES) {
      this.fail(new WavWriteError(`${this.file} would exceed the 4 GB WAV limit`));
      return;
    }
    const bytesPer = this.format.bitsPerSample / 8;
    let done = 0;
    while (done < bytes) {
      const room = this.staging.length - this.staged;
      const take = Math.min(room, bytes - done);
      fill(this.staging, this.staged, done / bytesPer, take / bytesPer);
      this.staged += take;
      done += take;
      if (this.staged === this.staging.length) this.flushStaging();
    }
  }

  private flushStaging(): void {
    if (this.staged === 0 || this.error) return;
    const chunk = this.staging.subarray(0, this.staged);
    // The next bytes go into a fresh buffer: this one belongs to the queued write now.
    this.staging = Buffer.alloc(this.staging.length);
    const position = WAV_HEADER_BYTES + this.dataBytes;
    this.dataBytes += this.staged;
    this.staged = 0;
    this.enqueue(chunk.length, async () => {
      let written = 0;
      while (written < chunk.length) {
        const { bytesWritten } = await this.handle.write(chunk, written, chunk.length - written, position + written);
        if (bytesWritten <= 0) throw new WavWriteError(`could not write to ${this.file}`);
        written += bytesWritten;
      }
      this.durable = Math.max(this.durable, position - WAV_HEADER_BYTES + chunk.length);
    });
    if (this.dataBytes - this.headerAt >= HEADER_EVERY_BYTES) {
      this.headerAt = this.dataBytes;
      const data = this.dataBytes;
      this.enqueue(0, () => this.handle.write(wavHeader(this.format, data), 0, WAV_HEADER_BYTES, 0).then(() => {}));
    }
  }

  private enqueue(bytes: number, op: () => Promise<void>): void {
    this.pendingBytes += bytes;
    if (this.pendingBytes > MAX_PENDING_BYTES) {
      this.fail(new WavWriteError(`the disk is too slow for ${this.file} (${this.pendingBytes} bytes waiting)`));
      return;
    }
    this.tail = this.tail.then(async () => {
      if (this.error && bytes > 0) return;
      try {
        await op();
      } catch (err) {
        this.fail(err instanceof Error ? err : new WavWriteError(String(err)));
      } finally {
        this.pendingBytes -= bytes;
      }
    });
  }

  private fail(err: Error): void {
    this.error ??= err;
  }
}

/** The canonical 44-byte PCM header for `dataBytes` bytes of audio. */
export function wavHeader(format: WavFormat, dataBytes: number): Buffer {
  const blockAlign = format.channels * (format.bitsPerSample / 8);
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(format.channels, 22);
  h.writeUInt32LE(format.sampleRate, 24);
  h.writeUInt32LE(format.sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(format.bitsPerSample, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

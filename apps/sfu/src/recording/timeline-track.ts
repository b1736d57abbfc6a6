import { WavFileWriter, type WavFormat } from './wav-file-writer.ts';

/**
 * One stream's file on the recording's timeline: frame 0 of the file is the recording's start.
 * Audio is placed at the timeline position it belongs to: a gap before it (a late joiner, lost
 * packets, a paused producer) becomes silence of exactly that length, and audio overlapping
 * what is already written (a stream re-anchored after a timestamp jump) is cut, so the file
 * never drifts from the timeline.
 */
export class TimelineTrack {
  /** Frames placed on the timeline so far (the file's length). */
  private written = 0;
  private finished = false;
  /** Frames of audio (not silence) written. */
  audioFrames = 0;
  /** Frames of audio dropped because they overlapped what was already written. */
  overlapFrames = 0;

  private constructor(
    private readonly writer: WavFileWriter,
    /** The timeline's length limit (the recording's maximum duration). */
    readonly maxFrames: number,
  ) {}

  static async create(file: string, format: WavFormat, maxFrames: number): Promise<TimelineTrack> {
    return new TimelineTrack(await WavFileWriter.create(file, format), maxFrames);
  }

  get file(): string {
    return this.writer.file;
  }

  get format(): WavFormat {
    return this.writer.format;
  }

  get frames(): number {
    return this.written;
  }

  get failed(): Error | undefined {
    return this.writer.failed;
  }

  /** Places interleaved 16-bit audio at timeline frame `position`. */
  writeAt(position: number, samples: Int16Array): void {
    if (this.finished) return;
    const channels = this.writer.format.channels;
    let start = Math.round(position);
    let pcm = samples;
    let frames = Math.floor(pcm.length / channels);
    if (start < this.written) {
      const skip = Math.min(frames, this.written - start);
      this.overlapFrames += skip;
      pcm = pcm.subarray(skip * channels);
      frames -= skip;
      start = this.written;
    }
    if (start >= this.maxFrames) return;
    frames = Math.min(frames, this.maxFrames - start);
    if (frames <= 0) return;
    this.silenceTo(start);
    this.writer.writeInt16(pcm.subarray(0, frames * channels));
    this.written += frames;
    this.audioFrames += frames;
  }

  /**
   * Ends the file at exactly `totalFrames` (the recording's length): silence after the last
   * audio, or the tail cut when the stream ran past the end; shorter when a write failed (a full
   * disk: `failed` says so). Returns the file's frames.
   */
  async finish(totalFrames: number): Promise<number> {
    if (this.finished) throw new Error(`${this.file} is finished already`);
    this.finished = true;
    const total = Math.max(0, Math.min(Math.round(totalFrames), this.maxFrames));
    // After a failed write (the disk filled up) nothing is padded: the file keeps what reached the disk.
    if (!this.writer.failed) {
      if (this.written > total) {
        await this.writer.truncate(total);
        this.written = total;
      } else {
        this.silenceTo(total);
      }
    }
    const { frames } = await this.writer.close({ keepWritten: true });
    return frames;
  }

  async discard(): Promise<void> {
    this.finished = true;
    await this.writer.discard();
  }

  private silenceTo(position: number): void {
    if (position <= this.written) return;
    this.writer.writeSilence(position - this.written);
    this.written = position;
  }
}

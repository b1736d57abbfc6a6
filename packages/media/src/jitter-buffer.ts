/**
 * Receive-side jitter buffer for one musician's Opus stream (10 ms packets at 48 kHz).
 * Packets are placed on the stream's own timeline by RTP timestamp; the causal mixer
 * pulls frames by room time and never waits: a frame that has not arrived by its
 * deadline is concealed, and arrives "late" if it comes afterwards (then it is dropped).
 *
 * A frame is due `targetDelayMs` after the arrival it would have had with the least
 * network delay seen (the minimum transit over the last window of packets), not after
 * the first packet's arrival: a first packet that happened to be delayed (a busy event
 * loop at start, a burst after a consumer resumes) would otherwise shift the stream late
 * for its whole life. Windows also follow clock drift between sender and room clock.
 */
export interface RtpAudioPacket {
  sequenceNumber: number;
  /** 32-bit RTP timestamp, 48 kHz clock. */
  timestamp: number;
  payload: Uint8Array;
}

export interface JitterStats {
  received: number;
  late: number;
  duplicate: number;
  overflow: number;
  /** Frames passed over to catch up when the least delay seen dropped. */
  skipped: number;
  /** Packets far off the stream's timeline (dropped), and restarts on a new timeline. */
  strays: number;
  resyncs: number;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
}

const BASE_STEP_MS = 1;
const DRIFT_ALLOWANCE_MS = 5;
/** A packet this many frames (3 s) from the playing position is on another timeline. */
const STRAY_FRAMES = 300;

export class JitterBuffer {
  private readonly frames = new Map<number, Uint8Array>();
  /** Unwrapped timestamp of the first packet: frame 0 of this stream. */
  private originTimestamp: number | undefined;
  /** Local time of frame 0 at the least delay seen: min(arrival − media time) over a window. */
  private baseMs: number | undefined;
  private windowMin = Infinity;
  private windowCount = 0;
  private lastTimestamp: number | undefined;
  private nextFrame = 0;
  private transit: number | undefined;
  /** The latest run of packets off the timeline: where it is and how long it is. */
  private strayRun: { frame: number; length: number } | undefined;
  readonly stats: JitterStats = { received: 0, late: 0, duplicate: 0, overflow: 0, skipped: 0, strays: 0, resyncs: 0, jitterMs: 0 };

  constructor(
    readonly frameSamples = 480,
    readonly clockRate = 48000,
    /** Delay added after the first packet's arrival before its frame is due. */
    readonly targetDelayMs = 40,
    /** Frames held at most (bounds memory against a flood). */
    readonly capacity = 200,
    /** Packets per window over which the least delay is taken (100 = 1 s of 10 ms packets). */
    readonly window = 100,
    /**
     * With n > 0, a packet more than 3 s off the playing position is dropped (one stray packet, a
     * forged timestamp, must not move the stream), and n such packets in a row on one timeline of
     * their own restart the stream there (a sender that restarted its clock). 0: never.
     */
    readonly resyncRun = 0,
  ) {}

  push(packet: RtpAudioPacket, arrivalMs: number): void {
    let ts = this.unwrap(packet.timestamp);
    this.originTimestamp ??= ts;
    let frame = Math.round((ts - this.originTimestamp) / this.frameSamples);
    if (this.resyncRun > 0) {
      if (Math.abs(frame - this.nextFrame) > STRAY_FRAMES) {
        const run = this.strayRun;
        const length = run && frame > run.frame && frame - run.frame <= 3 ? run.length + 1 : 1;
        this.strayRun = { frame, length };
        if (length < this.resyncRun) {
          this.stats.strays++;
          return;
        }
        this.restart();
        ts = this.unwrap(packet.timestamp);
        this.originTimestamp = ts;
        frame = 0;
      } else this.strayRun = undefined;
    }
    this.updateJitter(ts, arrivalMs);
    this.updateBase(arrivalMs - this.mediaMs(frame));
    if (frame < this.nextFrame) {
      this.stats.late++;
      return;
    }
    if (this.frames.has(frame)) {
      this.stats.duplicate++;
      return;
    }
    if (this.frames.size >= this.capacity) {
      this.stats.overflow++;
      return;
    }
    this.frames.set(frame, packet.payload);
    this.stats.received++;
  }

  /** Local time (ms) at which the stream's frame `frame` is due. */
  dueAtMs(frame: number): number | undefined {
    if (this.baseMs === undefined) return undefined;
    return this.baseMs + this.targetDelayMs + this.mediaMs(frame);
  }

  /**
   * Takes the next frame of this stream if it is due by `nowMs`: its payload, or
   * null when it is due but missing (conceal it). Undefined when nothing is due yet.
   */
  pull(nowMs: number): Uint8Array | null | undefined {
    const due = this.dueAtMs(this.nextFrame);
    if (due === undefined || due > nowMs) return undefined;
    // When the reference moved earlier, skip to the latest due frame rather than stay behind.
    while (this.dueAtMs(this.nextFrame + 1)! <= nowMs) {
      this.frames.delete(this.nextFrame);
      this.nextFrame++;
      this.stats.skipped++;
    }
    const payload = this.frames.get(this.nextFrame) ?? null;
    this.frames.delete(this.nextFrame);
    this.nextFrame++;
    return payload;
  }

  /** Starts over on a new timeline: what is held goes, the next packet is frame 0 again. */
  private restart(): void {
    this.frames.clear();
    this.originTimestamp = undefined;
    this.baseMs = undefined;
    this.windowMin = Infinity;
    this.windowCount = 0;
    this.lastTimestamp = undefined;
    this.transit = undefined;
    this.nextFrame = 0;
    this.strayRun = undefined;
    this.stats.resyncs++;
  }

  get buffered(): number {
    return this.frames.size;
  }

  private mediaMs(frame: number): number {
    return (frame * this.frameSamples * 1000) / this.clockRate;
  }

  private updateBase(transitMs: number): void {
    this.windowMin = Math.min(this.windowMin, transitMs);
    // Every move of the reference can cost a skipped or a concealed frame, so it moves
    // only by amounts that matter: earlier at once (less delay seen), later when a whole
    // window's least delay has grown past the drift allowance (sender clock slower than ours).
    if (this.baseMs === undefined || transitMs < this.baseMs - BASE_STEP_MS) this.baseMs = transitMs;
    if (++this.windowCount >= this.window) {
      if (this.windowMin > this.baseMs + DRIFT_ALLOWANCE_MS) this.baseMs = this.windowMin;
      this.windowMin = Infinity;
      this.windowCount = 0;
    }
  }

  private unwrap(timestamp: number): number {
    if (this.lastTimestamp === undefined) {
      this.lastTimestamp = timestamp;
      return timestamp;
    }
    const base = this.lastTimestamp - (this.lastTimestamp % 2 ** 32);
    let candidate = base + timestamp;
    if (candidate - this.lastTimestamp > 2 ** 31) candidate -= 2 ** 32;
    else if (this.lastTimestamp - candidate > 2 ** 31) candidate += 2 ** 32;
    if (candidate > this.lastTimestamp) this.lastTimestamp = candidate;
    return candidate;
  }

  private updateJitter(ts: number, arrivalMs: number): void {
    const transit = arrivalMs - (ts * 1000) / this.clockRate;
    if (this.transit !== undefined) this.stats.jitterMs += (Math.abs(transit - this.transit) - this.stats.jitterMs) / 16;
    this.transit = transit;
  }
}

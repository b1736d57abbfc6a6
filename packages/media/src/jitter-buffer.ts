/**
 * Receive-side jitter buffer for one musician's Opus stream (10 ms packets at 48 kHz).
 * Packets are placed on the stream's own timeline by RTP timestamp; the causal mixer
 * pulls frames by room time and never waits: a frame that has not arrived by its
 * deadline is concealed, and arrives "late" if it comes afterwards (then it is dropped).
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
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
}

export class JitterBuffer {
  private readonly frames = new Map<number, Uint8Array>();
  /** Unwrapped timestamp of the first packet, and its arrival on the local clock (ms). */
  private origin: { timestamp: number; arrivalMs: number } | undefined;
  private lastTimestamp: number | undefined;
  private nextFrame = 0;
  private transit: number | undefined;
  readonly stats: JitterStats = { received: 0, late: 0, duplicate: 0, overflow: 0, jitterMs: 0 };

  constructor(
    readonly frameSamples = 480,
    readonly clockRate = 48000,
    /** Delay added after the first packet's arrival before its frame is due. */
    readonly targetDelayMs = 40,
    /** Frames held at most (bounds memory against a flood). */
    readonly capacity = 200,
  ) {}

  push(packet: RtpAudioPacket, arrivalMs: number): void {
    const ts = this.unwrap(packet.timestamp);
    if (!this.origin) this.origin = { timestamp: ts, arrivalMs };
    const frame = Math.round((ts - this.origin.timestamp) / this.frameSamples);
    this.updateJitter(ts, arrivalMs);
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
    if (!this.origin) return undefined;
    return this.origin.arrivalMs + this.targetDelayMs + (frame * this.frameSamples * 1000) / this.clockRate;
  }

  /**
   * Takes the next frame of this stream if it is due by `nowMs`: its payload, or
   * null when it is due but missing (conceal it). Undefined when nothing is due yet.
   */
  pull(nowMs: number): Uint8Array | null | undefined {
    const due = this.dueAtMs(this.nextFrame);
    if (due === undefined || due > nowMs) return undefined;
    const payload = this.frames.get(this.nextFrame) ?? null;
    this.frames.delete(this.nextFrame);
    this.nextFrame++;
    return payload;
  }

  get buffered(): number {
    return this.frames.size;
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

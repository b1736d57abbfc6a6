import type { types } from 'mediasoup';

/**
 * How late a sender's packets reach the SFU, measured as the listeners' jitter buffers measure it
 * (apps/web/media/playout/playout-buffer.ts): a packet's transit is its arrival less its RTP time,
 * the least transit of the last one to two 100-packet blocks is the stream's no-jitter path, and a
 * packet's lateness is its transit above that. Lateness seen here comes from the sender's side (its
 * audio threads, encoder, network, and this SFU's own scheduling), before any listener's path: a
 * listener's buffer must cover it whatever it does. Kept for the last minute of 10 ms packets.
 */
export class ArrivalLateness {
  static readonly BLOCK = 100;
  static readonly KEEP = 6000;
  /** A transit this far from the least is a new timeline (the sender restarted), not lateness. */
  static readonly TIMELINE_JUMP_MS = 1000;

  private readonly recent = new Float32Array(ArrivalLateness.KEEP);
  private count = 0;
  private minPrev = Infinity;
  private minCur = Infinity;
  private inBlock = 0;
  private lastTimestamp: number | undefined;
  private mediaMs = 0;

  constructor(private readonly clockRate: number) {}

  /** One packet: when it arrived (ms) and its RTP timestamp (32 bits, wrapping). */
  push(arrivalMs: number, rtpTimestamp: number): void {
    if (this.lastTimestamp !== undefined) this.mediaMs += ((rtpTimestamp - this.lastTimestamp) | 0) / (this.clockRate / 1000);
    this.lastTimestamp = rtpTimestamp;
    const transit = arrivalMs - this.mediaMs;
    if (Math.abs(transit - Math.min(this.minPrev, this.minCur)) > ArrivalLateness.TIMELINE_JUMP_MS) {
      // The first packet, or a new timeline: the least transit starts again from here.
      this.minPrev = Infinity;
      this.minCur = Infinity;
      this.inBlock = 0;
    }
    if (transit < this.minCur) this.minCur = transit;
    if (++this.inBlock >= ArrivalLateness.BLOCK) {
      this.minPrev = this.minCur;
      this.minCur = Infinity;
      this.inBlock = 0;
    }
    this.recent[this.count++ % ArrivalLateness.KEEP] = Math.max(0, transit - Math.min(this.minPrev, this.minCur));
  }

  /** The 99th percentile and the most of the last minute's lateness, ms; null before any. */
  stats(): { p99Ms: number; maxMs: number; packets: number } | null {
    const n = Math.min(this.count, ArrivalLateness.KEEP);
    if (n === 0) return null;
    const sorted = this.recent.slice(0, n).sort();
    return { p99Ms: sorted[Math.floor(n * 0.99)]!, maxMs: sorted[n - 1]!, packets: n };
  }
}

/**
 * Follows a producer's packets as they arrive (mediasoup's per-packet `rtp` trace: one
 * notification per packet from the worker, which is why it is off unless SFU_ARRIVAL_STATS is set).
 */
export function followArrivals(producer: types.Producer): ArrivalLateness {
  const lateness = new ArrivalLateness(producer.rtpParameters.codecs[0]?.clockRate ?? 48000);
  producer.on('trace', (trace) => {
    if (trace.type !== 'rtp' || trace.direction !== 'in') return;
    const info = trace.info as { rtpPacket?: { timestamp?: number }; isRtx?: boolean };
    if (info.isRtx || typeof info.rtpPacket?.timestamp !== 'number') return;
    lateness.push(trace.timestamp, info.rtpPacket.timestamp);
  });
  // A producer closed meanwhile refuses it; nothing to measure then.
  producer.enableTraceEvent(['rtp']).catch(() => undefined);
  return lateness;
}

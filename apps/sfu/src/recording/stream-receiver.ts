import { JitterBuffer } from '@bandmate/media/jitter-buffer';
import { FRAME_SAMPLES, OpusFrameDecoder } from '@bandmate/media/opus-codec';
import type { RtpPacket } from '@bandmate/media/rtp';
import type { TimelineTrack } from './timeline-track.ts';

/** Timestamps that move this far against the arrival clock are a discontinuity, not jitter. */
const JUMP_MS = 1000;
/**
 * Packets this late for this long mean the sender's clock stood still (re-anchor). Generous: an
 * overloaded SFU that lags for seconds looks the same, and must not be taken for it.
 */
const STUCK_LATE_MS = 5000;
const STUCK_FOR_MS = 5000;
/** Once writing has begun, the start moves earlier only for an improvement at least this big. */
const SETTLED_STEP_MS = 3;

export interface StreamReceiverOptions {
  /** Local clock (ms, the clock arrivals are measured on) of the timeline's frame 0. */
  originMs: number;
  sampleRate: number;
  /** A frame is written once the stream is this far past it: time for late packets to slot in. */
  reorderDelayMs: number;
  /**
   * Nothing is written until this long (local clock) after a run's first packet, so its start is
   * judged on packets that came after any backlog (a busy moment just as the stream began).
   */
  settleMs: number;
}

export interface StreamStats {
  packets: number;
  /** 10 ms slots with no packet, followed by audio (losses, or covered by a longer packet). */
  missing: number;
  /** Packets that came after their slot was written. */
  late: number;
  resyncs: number;
  decodeErrors: number;
}

/** A run of consistent timestamps: where its first timestamp goes, and its packets in order. */
interface Segment {
  /** Ordered on the stream's own clock: a packet's "arrival" is its media time (frame k is taken k-th). */
  jitter: JitterBuffer;
  firstTimestamp: number;
  /** Timeline ms of the first timestamp: the least delay seen, min(arrival − media time). */
  startMs: number;
  firstArrivalMs: number;
  maxMediaMs: number;
  pulled: number;
  /** Empty slots since the last packet: counted as missing once audio follows them. */
  empty: number;
  lateSinceMs: number | undefined;
}

/**
 * One producer's RTP on its way to a timeline file: packets are put in order by the jitter
 * buffer, decoded, and written where their RTP timestamp puts them.
 *
 * The timestamp says where a packet goes relative to the stream's first packet; the arrival
 * clock says where the stream sits on the room's timeline. Packets can only be delayed (by the
 * network, or by this process being busy), never early, so the stream's start is the smallest
 * arrival − media time seen so far: one late burst never moves it. From there on only
 * timestamps count: a lost packet or a paused producer leaves silence of exactly its length, and
 * 32-bit wrap-around is handled by signed differences.
 *
 * Frames are released by the stream's own progress, not by the local clock: a slot is declared
 * empty only once a packet `reorderDelayMs` further on has arrived. So a stall of the event loop, after
 * which the socket's backlog is read all at once, loses nothing. When timestamps and arrivals
 * stop agreeing for good (a sender that restarted its clock), the stream is re-anchored.
 */
export class StreamReceiver {
  private segment: Segment | undefined;
  private readonly decoder: OpusFrameDecoder;
  readonly stats: StreamStats = { packets: 0, missing: 0, late: 0, resyncs: 0, decodeErrors: 0 };

  constructor(
    readonly track: TimelineTrack,
    private readonly options: StreamReceiverOptions,
    decoder?: OpusFrameDecoder,
  ) {
    this.decoder = decoder ?? new OpusFrameDecoder();
  }

  /** Takes a packet and writes every frame the stream has moved past. */
  push(packet: RtpPacket, arrivalMs: number): void {
    this.stats.packets++;
    let seg = this.segment;
    if (seg) {
      const mediaMs = this.mediaMsOf(seg, packet.timestamp);
      const slotMs = arrivalMs - this.options.originMs - mediaMs;
      // > 0: later than the least-delayed packet so far; < 0: a better (earlier) start.
      const lateness = slotMs - seg.startMs;
      seg.lateSinceMs = lateness > STUCK_LATE_MS ? (seg.lateSinceMs ?? arrivalMs) : undefined;
      // Before anything is written, any earlier start is simply better; after, a big one is a jump.
      const jumped = (lateness < -JUMP_MS && seg.pulled > 0) || mediaMs < seg.maxMediaMs - JUMP_MS;
      const stuck = seg.lateSinceMs !== undefined && arrivalMs - seg.lateSinceMs >= STUCK_FOR_MS;
      if (jumped || stuck) {
        this.flush();
        this.stats.resyncs++;
        seg = undefined;
      } else if (lateness < (seg.pulled > 0 ? -SETTLED_STEP_MS : 0)) {
        seg.startMs = slotMs;
      }
    }
    seg ??= this.startSegment(packet.timestamp, arrivalMs);
    const mediaMs = this.mediaMsOf(seg, packet.timestamp);
    if (mediaMs > seg.maxMediaMs) seg.maxMediaMs = mediaMs;
    const lateBefore = seg.jitter.stats.late;
    seg.jitter.push({ sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp, payload: packet.payload }, mediaMs);
    this.stats.late += seg.jitter.stats.late - lateBefore;
    if (arrivalMs - seg.firstArrivalMs >= this.options.settleMs) this.drain(seg);
  }

  /** Writes everything still buffered (stop, a closed producer, a re-anchor). */
  flush(): void {
    const seg = this.segment;
    while (seg && seg.jitter.buffered > 0) this.takeNext(seg);
  }

  /**
   * On the media clock a frame is due `reorderDelayMs` after its own time, i.e. once the stream
   * has got that far. Frames are taken one at a time, each exactly at its due time: the jitter
   * buffer never has a reason to skip one (it would, for a live mix, when several are due).
   */
  private drain(seg: Segment): void {
    for (let due = seg.jitter.dueAtMs(seg.pulled); due !== undefined && due <= seg.maxMediaMs; due = seg.jitter.dueAtMs(seg.pulled)) {
      this.takeNext(seg);
    }
  }

  private takeNext(seg: Segment): void {
    const skippedBefore = seg.jitter.stats.skipped;
    const frame = seg.jitter.pull(seg.jitter.dueAtMs(seg.pulled) ?? 0);
    seg.pulled += seg.jitter.stats.skipped - skippedBefore;
    if (frame === undefined) throw new Error('jitter buffer: frame not due at its own due time');
    this.place(seg, frame);
  }

  private startSegment(firstTimestamp: number, arrivalMs: number): Segment {
    const seg: Segment = {
      jitter: new JitterBuffer(FRAME_SAMPLES, this.options.sampleRate, this.options.reorderDelayMs),
      firstTimestamp,
      startMs: arrivalMs - this.options.originMs,
      firstArrivalMs: arrivalMs,
      maxMediaMs: 0,
      pulled: 0,
      empty: 0,
      lateSinceMs: undefined,
    };
    this.segment = seg;
    return seg;
  }

  /** Media time of a timestamp from the segment's first one: a signed 32-bit difference, right across the wrap. */
  private mediaMsOf(seg: Segment, timestamp: number): number {
    return (((timestamp - seg.firstTimestamp) | 0) * 1000) / this.options.sampleRate;
  }

  private place(seg: Segment, payload: Uint8Array | null): void {
    const k = seg.pulled++;
    if (payload === null) {
      // Nothing to write: the track fills the gap with silence when the next audio comes.
      seg.empty++;
      return;
    }
    this.stats.missing += seg.empty;
    seg.empty = 0;
    let pcm: Int16Array;
    try {
      pcm = this.decoder.decodePcm(payload);
    } catch {
      this.stats.decodeErrors++;
      return;
    }
    const startFrames = Math.round((seg.startMs * this.options.sampleRate) / 1000);
    this.track.writeAt(startFrames + k * FRAME_SAMPLES, pcm);
  }
}

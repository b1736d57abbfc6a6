import { JitterBuffer } from '@bandmate/media/jitter-buffer';
import { FRAME_SAMPLES, OpusFrameDecoder } from '@bandmate/media/opus-codec';
import type { RtpPacket } from '@bandmate/media/rtp';
import { StreamAnchor } from './stream-anchor.ts';
import type { TimelineTrack } from './timeline-track.ts';

/**
 * A drift correction is spread over sounding frames, each stretched or squeezed by at most 2
 * samples (0.4%: a pitch wobble of 7 cents for 10 ms, enough to follow clocks 4000 ppm apart);
 * in a silent frame (below −60 dBFS) or a gap it is taken whole, where nobody can hear it.
 */
const MAX_NUDGE_PER_FRAME = 2;
const SILENT_PEAK = 32;
/** Stereo, as the decoder gives it. */
const CHANNELS = 2;

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
  /** Samples inserted (+) or taken out (−) to follow the sender's clock drift against ours. */
  driftSamples: number;
}

/** A run of consistent timestamps and its place on the timeline. */
interface Segment {
  /** Ordered on the stream's own clock: a packet's "arrival" is its media time (frame k is taken k-th). */
  jitter: JitterBuffer;
  anchor: StreamAnchor;
  firstTimestamp: number;
  firstArrivalMs: number;
  maxMediaMs: number;
  pulled: number;
  /** Empty slots since the last packet: counted as missing once audio follows them. */
  empty: number;
  /** Timeline frame of frame 0 when writing began, and the drift corrections applied since. */
  baseFrames: number | undefined;
  shiftFrames: number;
}

/**
 * One producer's RTP on its way to a timeline file: packets are put in order by the jitter
 * buffer, decoded, and written where their RTP timestamp puts them.
 *
 * The timestamp says where a packet goes relative to the stream's first packet; the arrival
 * clock says where the stream sits on the room's timeline (StreamAnchor: the least-delayed
 * packet, never the first one that happened to come). Within a run only timestamps count: a
 * lost packet or a paused producer leaves silence of exactly its length, and 32-bit wrap-around
 * is handled by signed differences. A sender whose clock runs fast or slow against ours is nudged
 * back (2 samples per 10 ms frame, or all at once in silence or a gap), so every stream stays
 * within a few ms of the room's clock for hours.
 *
 * Frames are released by the stream's own progress, not by the local clock: a slot is declared
 * empty only once a packet `reorderDelayMs` further on has arrived. So a stall of the event loop,
 * after which the socket's backlog is read all at once, loses nothing.
 */
export class StreamReceiver {
  private segment: Segment | undefined;
  private readonly decoder: OpusFrameDecoder;
  readonly stats: StreamStats = { packets: 0, missing: 0, late: 0, resyncs: 0, decodeErrors: 0, driftSamples: 0 };

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
      if (seg.anchor.observe(slotMs, arrivalMs, seg.maxMediaMs - mediaMs)) {
        this.flush();
        this.stats.resyncs++;
        seg = undefined;
      }
    }
    seg ??= this.startSegment(packet.timestamp, arrivalMs);
    const mediaMs = this.mediaMsOf(seg, packet.timestamp);
    if (mediaMs > seg.maxMediaMs) seg.maxMediaMs = mediaMs;
    const lateBefore = seg.jitter.stats.late;
    seg.jitter.push({ sequenceNumber: packet.sequenceNumber, timestamp: packet.timestamp, payload: packet.payload }, mediaMs);
    this.stats.late += seg.jitter.stats.late - lateBefore;
    if (arrivalMs - seg.firstArrivalMs >= this.options.settleMs) {
      seg.anchor.beginWriting(arrivalMs);
      this.drain(seg);
    }
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
      // Room for everything held back: the settling time plus the reorder window, and a margin.
      jitter: new JitterBuffer(
        FRAME_SAMPLES,
        this.options.sampleRate,
        this.options.reorderDelayMs,
        Math.ceil(((this.options.settleMs + this.options.reorderDelayMs) * 1.5) / 10) + 20,
      ),
      anchor: new StreamAnchor(arrivalMs - this.options.originMs),
      firstTimestamp,
      firstArrivalMs: arrivalMs,
      maxMediaMs: 0,
      pulled: 0,
      empty: 0,
      baseFrames: undefined,
      shiftFrames: 0,
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
    const target = Math.round((seg.anchor.startMs * this.options.sampleRate) / 1000);
    seg.baseFrames ??= target;
    const pending = target - seg.baseFrames - seg.shiftFrames;
    if (payload === null) {
      // Nothing to write: the track fills the gap with silence when the next audio comes, and a
      // drift correction due now is taken whole, inside the gap, where nobody hears it.
      this.nudge(seg, pending);
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
    const position = seg.baseFrames + k * FRAME_SAMPLES + seg.shiftFrames;
    const frames = pcm.length / CHANNELS;
    const limit = isSilent(pcm) ? frames - 1 : MAX_NUDGE_PER_FRAME;
    const nudge = Math.max(-limit, Math.min(limit, pending));
    if (nudge !== 0) {
      pcm = stretch(pcm, frames + nudge);
      this.nudge(seg, nudge);
    }
    this.track.writeAt(position, pcm);
  }

  private nudge(seg: Segment, frames: number): void {
    seg.shiftFrames += frames;
    this.stats.driftSamples += frames;
  }
}

function isSilent(pcm: Int16Array): boolean {
  for (let i = 0; i < pcm.length; i++) if (pcm[i]! > SILENT_PEAK || pcm[i]! < -SILENT_PEAK) return false;
  return true;
}

/** Interleaved stereo resampled to `frames` frames by linear interpolation (ends kept). */
export function stretch(pcm: Int16Array, frames: number): Int16Array {
  const inFrames = pcm.length / CHANNELS;
  const out = new Int16Array(frames * CHANNELS);
  const step = frames > 1 ? (inFrames - 1) / (frames - 1) : 0;
  for (let j = 0; j < frames; j++) {
    const x = j * step;
    const i = Math.floor(x);
    const f = x - i;
    const next = Math.min(i + 1, inFrames - 1);
    for (let c = 0; c < CHANNELS; c++) {
      const a = pcm[i * CHANNELS + c]!;
      out[j * CHANNELS + c] = Math.round(a + (pcm[next * CHANNELS + c]! - a) * f);
    }
  }
  return out;
}

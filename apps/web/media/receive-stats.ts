import type { types } from 'mediasoup-client';
import type { PlayoutPath } from './playout/low-latency-receiver.ts';
import type { PlayoutStats } from './playout/playout-buffer.ts';

/**
 * The sender's part of mouth-to-ear latency, which this page cannot measure: WebRTC captures in
 * 10 ms chunks, Opus frames 10 ms and looks 6.5 ms ahead. An estimate, the same for every stream.
 */
export const SENDER_ESTIMATE_MS = 10 + 10 + 6.5;

export interface ReceiveStats {
  path: PlayoutPath;
  /** Why this stream plays on the browser's path although ours runs (our path gave it up). */
  passedOn?: string;
  /** Round-trip time to the SFU halved, ms (network part of the latency). */
  networkMs: number | null;
  /** Time audio waits in the receive buffer: ours (its measured delay) or the browser's (average), ms. */
  bufferMs: number | null;
  /** What the buffer aims for: our automatic or set depth; null on the browser's path. */
  bufferTargetMs: number | null;
  /** What this stream alone would need (auto): under the target when another stream set the room's depth. */
  bufferOwnTargetMs: number | null;
  /** 'auto' or 'fixed' on our path; null on the browser's. */
  bufferMode: 'auto' | 'fixed' | null;
  /** The AudioContext's output latency (device and WebAudio), ms. */
  outputMs: number | null;
  /** Packet arrival jitter as RTCP defines it, ms. */
  jitterMs: number | null;
  /** Share of packets lost since the consumer started, %. */
  lossPercent: number | null;
  /** Concealed gaps in running audio per minute (ours counts episodes; the browser's, concealment events). */
  dropoutsPerMinute: number | null;
  /** The counts behind it: gaps so far, over this many seconds of playing. */
  dropouts: number | null;
  playingSeconds: number | null;
  /** Mouth to ear: the sender's estimate + network + buffer + output, ms. */
  latencyMs: number | null;
}

/** The stream plays at the room's shared depth because another stream needs more (by over a millisecond). */
export function roomDepthAbove(s: ReceiveStats): boolean {
  return s.bufferMode === 'auto' && s.bufferTargetMs != null && s.bufferOwnTargetMs != null && s.bufferTargetMs - s.bufferOwnTargetMs > 1;
}

type StatsRecord = Record<string, unknown> & { type: string };

/** Reads what getStats (and, on our path, the playout node) knows about one received stream. */
export async function receiveStats(
  consumer: types.Consumer,
  context: { path: PlayoutPath; playout?: PlayoutStats; outputMs: number | null; passedOn?: string },
): Promise<ReceiveStats> {
  const report = await consumer.getStats();
  let inbound: StatsRecord | undefined;
  let pair: StatsRecord | undefined;
  report.forEach((s: StatsRecord) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') inbound = s;
    if (s.type === 'candidate-pair' && (s.nominated || s.state === 'succeeded') && typeof s.currentRoundTripTime === 'number') pair = s;
  });
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const rtt = num(pair?.currentRoundTripTime);
  const received = num(inbound?.packetsReceived) ?? 0;
  const lost = num(inbound?.packetsLost) ?? 0;
  const networkMs = rtt === null ? null : (rtt * 1000) / 2;
  const jitter = num(inbound?.jitter);
  const playout = context.path === 'low-latency' ? context.playout : undefined;
  let bufferMs: number | null;
  let dropouts: number | null;
  let playingSeconds: number | null;
  if (playout) {
    bufferMs = playout.delayMs;
    dropouts = playout.dropouts;
    playingSeconds = playout.playingSeconds;
  } else {
    const delay = num(inbound?.jitterBufferDelay);
    const emitted = num(inbound?.jitterBufferEmittedCount);
    bufferMs = delay !== null && emitted ? (delay / emitted) * 1000 : null;
    dropouts = num(inbound?.concealmentEvents);
    playingSeconds = num(inbound?.totalSamplesDuration);
  }
  const dropoutsPerMinute = dropouts !== null && playingSeconds ? dropouts / (playingSeconds / 60) : null;
  return {
    path: context.path,
    ...(context.passedOn ? { passedOn: context.passedOn } : {}),
    networkMs,
    bufferMs,
    bufferTargetMs: playout ? playout.targetMs : null,
    bufferOwnTargetMs: playout ? playout.ownTargetMs : null,
    bufferMode: playout ? playout.mode : null,
    outputMs: context.outputMs,
    jitterMs: playout ? playout.jitterMs : jitter === null ? null : jitter * 1000,
    lossPercent: received + lost > 0 ? (100 * Math.max(0, lost)) / (received + Math.max(0, lost)) : null,
    dropoutsPerMinute,
    dropouts,
    playingSeconds,
    latencyMs: networkMs !== null && bufferMs !== null ? SENDER_ESTIMATE_MS + networkMs + bufferMs + (context.outputMs ?? 0) : null,
  };
}

import type { types } from 'mediasoup-client';

export interface ReceiveStats {
  /** Round-trip time to the SFU halved, ms (network part of the latency). */
  networkMs: number | null;
  /** Average time a sample waited in the jitter buffer, ms. */
  jitterBufferMs: number | null;
  /** Packet arrival jitter as RTCP defines it, ms. */
  jitterMs: number | null;
  /** Share of packets lost since the consumer started, %. */
  lossPercent: number | null;
  /** network + jitter buffer + one packet: the part of mouth-to-ear latency this page sees. */
  latencyMs: number | null;
}

type StatsRecord = Record<string, unknown> & { type: string };

/** Reads what getStats knows about one received stream. */
export async function receiveStats(consumer: types.Consumer, packetMs: number): Promise<ReceiveStats> {
  const report = await consumer.getStats();
  let inbound: StatsRecord | undefined;
  let pair: StatsRecord | undefined;
  report.forEach((s: StatsRecord) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') inbound = s;
    if (s.type === 'candidate-pair' && (s.nominated || s.state === 'succeeded') && typeof s.currentRoundTripTime === 'number') pair = s;
  });
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const rtt = num(pair?.currentRoundTripTime);
  const delay = num(inbound?.jitterBufferDelay);
  const emitted = num(inbound?.jitterBufferEmittedCount);
  const received = num(inbound?.packetsReceived) ?? 0;
  const lost = num(inbound?.packetsLost) ?? 0;
  const networkMs = rtt === null ? null : (rtt * 1000) / 2;
  const jitterBufferMs = delay !== null && emitted ? (delay / emitted) * 1000 : null;
  const jitter = num(inbound?.jitter);
  return {
    networkMs,
    jitterBufferMs,
    jitterMs: jitter === null ? null : jitter * 1000,
    lossPercent: received + lost > 0 ? (100 * Math.max(0, lost)) / (received + Math.max(0, lost)) : null,
    latencyMs: networkMs !== null && jitterBufferMs !== null ? networkMs + jitterBufferMs + packetMs : null,
  };
}

import { createSocket, type Socket } from 'node:dgram';
import { parentPort } from 'node:worker_threads';
import { serializeRtp } from './rtp.ts';
import type { FromPacer, PacedTrack, ToPacer } from './rtp-pacer-protocol.ts';

/**
 * The pacer thread: sends every track's packets at their slot times, one packet per slot, from
 * frames the main thread hands over ahead of time (or a loop it gave once). It does nothing else,
 * so a busy main thread (model steps, synth, mixing, signalling) no longer decides when packets
 * leave: a listener's jitter buffer sees a steady stream and does not grow, then drain, and shift
 * the part against the band.
 */
interface Track extends PacedTrack {
  socket: Socket;
  slot: number;
  frames: Map<number, Uint8Array>;
  sent: number;
  late: number;
  started: boolean;
}

const STATS_EVERY_MS = 250;
const tracks = new Map<string, Track>();
let timer: ReturnType<typeof setTimeout> | undefined;
const port = parentPort!;

const nowEpoch = () => performance.timeOrigin + performance.now();

port.on('message', (m: ToPacer) => {
  if (m.type === 'open') {
    const socket = createSocket('udp4');
    socket.on('error', () => {}); // an unreachable SFU is the main thread's to report
    socket.bind(0, m.track.listenIp);
    // A track opened after its start (a thread still starting) begins at the current slot, not
    // with a burst of the slots it missed.
    const slot = Math.max(0, Math.floor((nowEpoch() - m.track.startEpochMs) / m.track.frameMs));
    tracks.set(m.track.id, { ...m.track, socket, slot, frames: new Map(), sent: 0, late: 0, started: false });
    schedule();
  } else if (m.type === 'frame') {
    const t = tracks.get(m.id);
    if (t && m.slot >= t.slot) t.frames.set(m.slot, m.payload);
  } else if (m.type === 'close') {
    const t = tracks.get(m.id);
    if (!t) return;
    tracks.delete(m.id);
    t.socket.close();
  }
});

function sendDue(t: Track, now: number): void {
  while (t.startEpochMs + t.slot * t.frameMs <= now) {
    const payload = t.frames.get(t.slot) ?? t.loop?.[t.slot % t.loop.length];
    t.frames.delete(t.slot);
    if (payload) t.started = true;
    else if (t.started) t.late++;
    const packet = serializeRtp({
      payloadType: t.payloadType,
      sequenceNumber: (t.sequence + t.slot) & 0xffff,
      timestamp: (t.timestampBase + t.slot * t.frameSamples) >>> 0,
      ssrc: t.ssrc,
      marker: t.slot === 0,
      payload: payload ?? t.silence,
    });
    t.socket.send(packet, t.sendTo.port, t.sendTo.ip);
    t.slot++;
    t.sent++;
  }
  for (const slot of t.frames.keys()) if (slot < t.slot) t.frames.delete(slot);
}

function schedule(): void {
  clearTimeout(timer);
  const now = nowEpoch();
  let next = Infinity;
  for (const t of tracks.values()) {
    sendDue(t, now);
    next = Math.min(next, t.startEpochMs + t.slot * t.frameMs);
  }
  if (next < Infinity) timer = setTimeout(schedule, Math.max(0, next - nowEpoch()));
}

port.postMessage({ type: 'ready' } satisfies FromPacer);

setInterval(() => {
  for (const t of tracks.values()) {
    const m: FromPacer = { type: 'stats', id: t.id, stats: { sent: t.sent, late: t.late, queued: t.frames.size } };
    port.postMessage(m);
  }
}, STATS_EVERY_MS);

// The two sides of the SFU benchmark's load, each run in a thread of its own so neither waits on
// the other or on the main thread's mediasoup calls: senders (one real Opus stream per simulated
// musician, 10 ms packets) and receivers (every consumer's packets, counted and timed).
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

/** Send times are kept for this many packets per stream (10 s): enough for any delay we measure. */
export const SEND_SLOTS = 1024;
/** Delay histogram: 0.1 ms bins up to 500 ms (the last bin holds everything later). */
export const DELAY_BIN_MS = 0.1;
export const DELAY_BINS = 5000;

/** What the thread is started with: its role and the memory it shares with the main thread. */
export type LoadThreadData =
  | { role: 'sender'; payloads: Uint8Array[]; sendTimes: SharedArrayBuffer; sent: SharedArrayBuffer }
  | { role: 'receiver'; sockets: number; sendTimes: SharedArrayBuffer };

/** Main thread → a load thread. */
export type LoadCommand =
  | { type: 'streams'; streams: { index: number; ssrc: number; port: number }[] }
  | { type: 'consumers'; consumers: { ssrc: number; stream: number }[] }
  | { type: 'window' }
  | { type: 'report' }
  | { type: 'stop' };

/** A load thread → the main thread. */
export type LoadReport =
  | { type: 'ready'; ports?: number[] }
  | { type: 'report'; received: number; unknown: number; histogram: Uint32Array; lateMs: number };

/** The sender's timer: twice per packet time, so a packet leaves at most this late when the thread keeps up. */
const TICK_MS = 5;

const now = () => performance.timeOrigin + performance.now();

/** Every stream's packet `seq` goes out when due on a real clock (a late timer sends what it owes at once). */
function runSender(data: Extract<LoadThreadData, { role: 'sender' }>): void {
  const socket = createSocket('udp4');
  const sendTimes = new Float64Array(data.sendTimes);
  const sent = new Int32Array(data.sent);
  const streams: { index: number; ssrc: number; port: number }[] = [];
  const started = now();
  let seq = 0;
  let lateMs = 0;
  let lastTick = now();
  const tick = () => {
    const t = now();
    lateMs = Math.max(lateMs, t - lastTick - TICK_MS);
    lastTick = t;
    const due = Math.floor((t - started) / 10);
    for (; seq <= due; seq++) {
      const payload = data.payloads[seq % data.payloads.length]!;
      const timestamp = (seq * 480) >>> 0;
      for (const s of streams) {
        const packet = Buffer.allocUnsafe(12 + payload.length);
        packet[0] = 0x80;
        packet[1] = 111;
        packet.writeUInt16BE(seq & 0xffff, 2);
        packet.writeUInt32BE(timestamp, 4);
        packet.writeUInt32BE(s.ssrc, 8);
        packet.set(payload, 12);
        sendTimes[s.index * SEND_SLOTS + (seq % SEND_SLOTS)] = now();
        socket.send(packet, s.port, '127.0.0.1');
        Atomics.add(sent, s.index, 1);
      }
    }
  };
  const timer = setInterval(tick, TICK_MS);
  parentPort!.on('message', (cmd: LoadCommand) => {
    if (cmd.type === 'streams') streams.push(...cmd.streams);
    else if (cmd.type === 'window') lateMs = 0;
    else if (cmd.type === 'report') parentPort!.postMessage({ type: 'report', received: 0, unknown: 0, histogram: new Uint32Array(0), lateMs } satisfies LoadReport);
    else if (cmd.type === 'stop') {
      clearInterval(timer);
      socket.close();
      parentPort!.close();
    }
  });
  parentPort!.postMessage({ type: 'ready' } satisfies LoadReport);
}

/**
 * Consumers' packets, from every receiving transport: counted, and each one's delay through the
 * SFU taken from the send time of the same stream's packet with the same RTP timestamp (mediasoup
 * rewrites a consumer's sequence numbers and SSRC, not its timestamps).
 */
async function runReceiver(data: Extract<LoadThreadData, { role: 'receiver' }>): Promise<void> {
  const sendTimes = new Float64Array(data.sendTimes);
  const streamOf = new Map<number, number>();
  let histogram = new Uint32Array(DELAY_BINS);
  let received = 0;
  let unknown = 0;
  const onPacket = (msg: Buffer) => {
    const arrived = now();
    if (msg.length < 12) return;
    const stream = streamOf.get(msg.readUInt32BE(8));
    if (stream === undefined) {
      unknown++;
      return;
    }
    received++;
    const slot = Math.round(msg.readUInt32BE(4) / 480) % SEND_SLOTS;
    const delay = arrived - sendTimes[stream * SEND_SLOTS + slot]!;
    histogram[Math.max(0, Math.min(DELAY_BINS - 1, Math.floor(delay / DELAY_BIN_MS)))]!++;
  };
  const sockets: Socket[] = [];
  for (let i = 0; i < data.sockets; i++) {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    socket.on('message', onPacket);
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    sockets.push(socket);
  }
  parentPort!.on('message', (cmd: LoadCommand) => {
    if (cmd.type === 'consumers') for (const c of cmd.consumers) streamOf.set(c.ssrc, c.stream);
    else if (cmd.type === 'window') {
      histogram = new Uint32Array(DELAY_BINS);
      received = 0;
      unknown = 0;
    } else if (cmd.type === 'report') parentPort!.postMessage({ type: 'report', received, unknown, histogram, lateMs: 0 } satisfies LoadReport);
    else if (cmd.type === 'stop') {
      for (const s of sockets) s.close();
      parentPort!.close();
    }
  });
  parentPort!.postMessage({ type: 'ready', ports: sockets.map((s) => s.address().port) } satisfies LoadReport);
}

if (parentPort && workerData) {
  const data = workerData as LoadThreadData;
  if (data.role === 'sender') runSender(data);
  else void runReceiver(data);
}

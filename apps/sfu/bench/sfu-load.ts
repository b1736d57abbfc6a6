// The SFU benchmark's load against one mediasoup worker: rooms of simulated musicians (each a
// plain-RTP producer of real Opus) and listeners, every receiving peer with one transport that
// consumes the room's streams, as a browser's does (SRTP-encrypted, as to a browser, by default). The send and receive sides run in threads.
import { Worker as Thread } from 'node:worker_threads';
import type { types } from 'mediasoup';
import { OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { mediaCodecs } from '../src/media/codecs.ts';
import { DELAY_BIN_MS, SEND_SLOTS, type LoadCommand, type LoadReport, type LoadThreadData } from './rtp-load.ts';

export interface RoomShape {
  musicians: number;
  listeners: number;
}

export interface WindowFigures {
  /** Consumers forwarding a stream (what the SFU sends), and producers feeding them. */
  forwarded: number;
  producers: number;
  seconds: number;
  /** The mediasoup worker's CPU time over the window's wall time (1 = one core). */
  workerCores: number;
  /** This process's CPU (the load threads and the main thread), same unit. */
  harnessCores: number;
  expected: number;
  received: number;
  lossPercent: number;
  /** Delay through the SFU (send to receive on loopback), ms. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** How late the sender's timer ran at worst (a harness that cannot keep up shows here). */
  senderLateMs: number;
}

const MAX_STREAMS = 4096;
/** The receivers' SRTP (what the SFU encrypts with; the harness never decrypts). */
const SRTP = { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const, keyBase64: Buffer.alloc(30, 7).toString('base64') };
const RECEIVE_SOCKETS = 4;

/** Real Opus: one second of a chord, encoded once and looped (the SFU does not look inside). */
function opusPayloads(): Uint8Array[] {
  const enc = new OpusFrameEncoder();
  return Array.from({ length: 100 }, (_, k) =>
    enc.encodeMono(Float32Array.from({ length: 480 }, (_, j) => {
      const t = (k * 480 + j) / 48000;
      return 0.2 * (Math.sin(2 * Math.PI * 220 * t) + Math.sin(2 * Math.PI * 277 * t) + Math.sin(2 * Math.PI * 330 * t));
    })),
  );
}

function startThread(data: LoadThreadData): Promise<{ thread: Thread; ports: number[] }> {
  const thread = new Thread(new URL('./rtp-load-entry.mjs', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    thread.once('error', reject);
    thread.once('message', (m: LoadReport) => resolve({ thread, ports: m.type === 'ready' ? (m.ports ?? []) : [] }));
  });
}

function ask(thread: Thread, command: LoadCommand): Promise<Extract<LoadReport, { type: 'report' }>> {
  return new Promise((resolve) => {
    thread.once('message', (m: LoadReport) => m.type === 'report' && resolve(m));
    thread.postMessage(command);
  });
}

function percentile(histogram: Uint32Array, binMs: number, q: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= q * total) return (i + 1) * binMs;
  }
  return histogram.length * binMs;
}

export class SfuLoad {
  private readonly producers: { index: number; fanout: number }[] = [];
  private readonly transports: types.Transport[] = [];
  private forwarded = 0;
  private nextSsrc = 1000;
  private nextSink = 0;

  private constructor(
    private readonly router: types.Router,
    private readonly sender: Thread,
    private readonly receiver: Thread,
    private readonly sinkPorts: number[],
    private readonly sent: SharedArrayBuffer,
    private readonly srtp: boolean,
  ) {}

  static async start(worker: types.Worker, options: { srtp: boolean }): Promise<SfuLoad> {
    const router = await worker.createRouter({ mediaCodecs });
    const sendTimes = new SharedArrayBuffer(MAX_STREAMS * SEND_SLOTS * 8);
    const sent = new SharedArrayBuffer(MAX_STREAMS * 4);
    const sender = await startThread({ role: 'sender', payloads: opusPayloads(), sendTimes, sent });
    const receiver = await startThread({ role: 'receiver', sockets: RECEIVE_SOCKETS, sendTimes });
    return new SfuLoad(router, sender.thread, receiver.thread, receiver.ports, sent, options.srtp);
  }

  get streams(): { producers: number; forwarded: number } {
    return { producers: this.producers.length, forwarded: this.forwarded };
  }

  /** One more room: its musicians start sending at once; everyone else in it receives them. */
  async addRoom(shape: RoomShape): Promise<void> {
    const listen = { listenInfo: { protocol: 'udp' as const, ip: '127.0.0.1' }, rtcpMux: true };
    const room: { producer: types.Producer; index: number }[] = [];
    const starts: { index: number; ssrc: number; port: number }[] = [];
    for (let m = 0; m < shape.musicians; m++) {
      const transport = await this.router.createPlainTransport({ ...listen, comedia: true });
      this.transports.push(transport);
      const ssrc = this.nextSsrc++;
      const producer = await transport.produce({
        kind: 'audio',
        rtpParameters: { codecs: [{ mimeType: 'audio/opus', clockRate: 48000, payloadType: 111, channels: 2, parameters: { 'sprop-stereo': 1 } }], encodings: [{ ssrc }] },
      });
      const index = this.producers.length;
      if (index >= MAX_STREAMS) throw new Error(`more than ${MAX_STREAMS} producers`);
      this.producers.push({ index, fanout: 0 });
      room.push({ producer, index });
      starts.push({ index, ssrc, port: transport.tuple.localPort });
    }
    const consumers: { ssrc: number; stream: number }[] = [];
    for (let r = 0; r < shape.musicians + shape.listeners; r++) {
      // Encrypted like a browser's transport unless asked not to (SRTP keeps the RTP header readable).
      const transport = await this.router.createPlainTransport({ ...listen, comedia: false, ...(this.srtp ? { enableSrtp: true, srtpCryptoSuite: SRTP.cryptoSuite } : {}) });
      this.transports.push(transport);
      const port = this.sinkPorts[this.nextSink++ % this.sinkPorts.length]!;
      await transport.connect({ ip: '127.0.0.1', port, ...(this.srtp ? { srtpParameters: SRTP } : {}) });
      for (const [m, { producer, index }] of room.entries()) {
        if (m === r) continue; // a musician does not receive their own stream
        const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: this.router.rtpCapabilities });
        consumers.push({ ssrc: consumer.rtpParameters.encodings![0]!.ssrc!, stream: index });
        this.producers[index]!.fanout++;
        this.forwarded++;
      }
    }
    this.receiver.postMessage({ type: 'consumers', consumers } satisfies LoadCommand);
    this.sender.postMessage({ type: 'streams', streams: starts } satisfies LoadCommand);
  }

  /** Measures `seconds` of the load as it stands. */
  async measure(worker: types.Worker, seconds: number): Promise<WindowFigures> {
    const sent = new Int32Array(this.sent);
    const cpu = async () => {
      const u = await worker.getResourceUsage();
      return (u.ru_utime + u.ru_stime) / 1000;
    };
    this.sender.postMessage({ type: 'window' } satisfies LoadCommand);
    this.receiver.postMessage({ type: 'window' } satisfies LoadCommand);
    const sentBefore = this.producers.map((p) => Atomics.load(sent, p.index));
    const workerBefore = await cpu();
    const harnessBefore = process.cpuUsage();
    const wallBefore = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const wall = (performance.now() - wallBefore) / 1000;
    const harness = process.cpuUsage(harnessBefore);
    const workerCpu = (await cpu()) - workerBefore;
    // Packets sent in the window, each expected once per consumer of its stream; the ones still
    // in flight at the end are a few of the last 10 ms, well under the loss we would report.
    const expected = this.producers.reduce((sum, p, i) => sum + (Atomics.load(sent, p.index) - sentBefore[i]!) * p.fanout, 0);
    const report = await ask(this.receiver, { type: 'report' });
    const senderReport = await ask(this.sender, { type: 'report' });
    return {
      forwarded: this.forwarded,
      producers: this.producers.length,
      seconds: wall,
      workerCores: workerCpu / wall,
      harnessCores: (harness.user + harness.system) / 1e6 / wall,
      expected,
      received: report.received,
      lossPercent: expected > 0 ? Math.max(0, (100 * (expected - report.received)) / expected) : 0,
      delayP50Ms: percentile(report.histogram, DELAY_BIN_MS, 0.5),
      delayP99Ms: percentile(report.histogram, DELAY_BIN_MS, 0.99),
      delayMaxMs: percentile(report.histogram, DELAY_BIN_MS, 1),
      senderLateMs: senderReport.lateMs,
    };
  }

  async close(): Promise<void> {
    this.sender.postMessage({ type: 'stop' } satisfies LoadCommand);
    this.receiver.postMessage({ type: 'stop' } satisfies LoadCommand);
    for (const t of this.transports) t.close();
    this.router.close();
    await Promise.all([this.sender.terminate(), this.receiver.terminate()]);
  }
}

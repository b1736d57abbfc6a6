// The load a soak puts on the platform: simulated musicians sending real Opus, a host per room on
// the signalling API, and the churn of a real evening (people coming and going, the host locking,
// changing tempo, chatting, the AI players switched, a recording stopped and started again).
import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { io, type Socket } from 'socket.io-client';
import type { Ack, AiRoomState } from '@bandmate/shared';
import { FRAME_SAMPLES, OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { serializeRtp } from '@bandmate/media/rtp';
import { synthesiseLoop } from '../src/demo/loop-synth.ts';

/** The demo loop as 10 ms Opus packets, encoded once: every simulated musician cycles through them. */
export function encodedLoop(): Uint8Array[] {
  const loop = synthesiseLoop();
  const encoder = new OpusFrameEncoder();
  const frame = new Float32Array(FRAME_SAMPLES * 2);
  const packets: Uint8Array[] = [];
  for (let start = 0; start + FRAME_SAMPLES <= loop.frames; start += FRAME_SAMPLES) {
    frame.set(loop.samples.subarray(2 * start, 2 * (start + FRAME_SAMPLES)));
    packets.push(encoder.encodeStereo(frame));
  }
  return packets;
}

/** Sends one musician's stream: a packet per 10 ms on the process clock, catching up after a late timer. */
export class RtpSender {
  private readonly socket: UdpSocket = createSocket('udp4');
  private readonly startMs = performance.now();
  private tick = 0;
  /** Random first sequence number and timestamp, as a browser picks them (RFC 3550). */
  private readonly firstSequence = randomInt(0, 0x8000);
  private readonly firstTimestamp = randomInt(0, 2 ** 31);
  private timer: ReturnType<typeof setTimeout> | undefined;
  sent = 0;

  constructor(
    private readonly loop: Uint8Array[],
    private readonly target: { port: number; ssrc: number; payloadType: number },
  ) {
    this.pump();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.socket.close();
  }

  private pump(): void {
    const now = performance.now();
    while (this.startMs + this.tick * 10 <= now) {
      const { port, ssrc, payloadType } = this.target;
      const payload = this.loop[this.tick % this.loop.length]!;
      this.socket.send(serializeRtp({ payloadType, sequenceNumber: (this.firstSequence + this.tick) & 0xffff, timestamp: (this.firstTimestamp + this.tick * FRAME_SAMPLES) >>> 0, ssrc, marker: this.tick === 0, payload }), port, '127.0.0.1');
      this.tick++;
      this.sent++;
    }
    this.timer = setTimeout(() => this.pump(), Math.max(1, this.startMs + this.tick * 10 - performance.now()));
  }
}

/** A signalling client (a browser without media): joins, asks, listens for the room's AI state. */
export class SignalClient {
  readonly socket: Socket;
  ai: AiRoomState | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('aiState', (state: AiRoomState) => (this.ai = state));
  }

  static async connect(url: string): Promise<SignalClient> {
    const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    return new SignalClient(socket);
  }

  async ask<T = unknown>(event: string, payload: unknown): Promise<T> {
    const reply = (await this.socket.timeout(10_000).emitWithAck(event, payload)) as Ack<T>;
    if (!reply.ok) throw new Error(`${event}: ${reply.error.code} ${reply.error.message}`);
    return reply.data;
  }

  async join(roomId: string, displayName: string, role: 'musician' | 'listener'): Promise<{ peerId: string; ai: AiRoomState }> {
    const { routerRtpCapabilities } = await this.ask<{ routerRtpCapabilities: unknown }>('getRouterRtpCapabilities', { roomId });
    const joined = await this.ask<{ peerId: string; ai: AiRoomState }>('join', { roomId, displayName, role, rtpCapabilities: routerRtpCapabilities });
    this.ai = joined.ai;
    return joined;
  }

  close(): void {
    this.socket.close();
  }
}

export async function createRoom(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  if (res.status !== 201) throw new Error(`creating a room: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

import { randomInt, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { types } from 'mediasoup';
import { FRAME_SAMPLES, OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { serializeRtp } from '@bandmate/media/rtp';
import { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import type { Loop } from './loop-synth.ts';

const PAYLOAD_TYPE = 100;
const FRAME_MS = 10;

/**
 * A server-side participant that plays a loop into a room, so one visitor without a band
 * can hear the AI play along. It is a musician like any other to the room (the AI hears it,
 * everyone can mix it), sent as real Opus RTP into a plain-transport producer.
 */
export class VirtualMusician {
  private readonly encoder = new OpusFrameEncoder();
  private readonly frame = new Float32Array(FRAME_SAMPLES * 2);
  private readonly startMs = performance.now();
  private tick = 0;
  private position = 0;
  private sequence = randomInt(0, 0xffff);
  private readonly timestampBase = randomInt(0, 2 ** 31);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  private constructor(
    private readonly room: Room,
    readonly peer: Peer,
    private readonly transport: types.PlainTransport,
    private readonly socket: Socket,
    private readonly ssrc: number,
    private readonly loop: Loop,
  ) {}

  static async join(room: Room, options: { listenIp: string; displayName: string; loop: Loop }): Promise<VirtualMusician> {
    const transport = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: options.listenIp }, rtcpMux: true, comedia: true });
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, options.listenIp, resolve));
    const ssrc = randomInt(1, 2 ** 31);
    const peer = new Peer(`demo-${randomUUID()}`, options.displayName, 'musician', room.rtpCapabilities, true);
    room.join(peer);
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [
          {
            mimeType: 'audio/opus',
            clockRate: 48000,
            payloadType: PAYLOAD_TYPE,
            channels: 2,
            parameters: { 'sprop-stereo': 1, useinbandfec: 0, usedtx: 0 },
            rtcpFeedback: [],
          },
        ],
        encodings: [{ ssrc }],
      },
      appData: { source: 'mic' },
    });
    room.adopt(peer, producer);
    const musician = new VirtualMusician(room, peer, transport, socket, ssrc, options.loop);
    musician.pump();
    return musician;
  }

  /** Server time (serverNow's clock) at which the loop's first sample was sent: its beat 0. */
  get loopStartServerMs(): number {
    return performance.timeOrigin + this.startMs;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.socket.close();
    if (this.room.peers.has(this.peer.id)) this.room.leave(this.peer.id);
    this.transport.close();
  }

  /** One packet per 10 ms of the process clock; a late timer catches up instead of drifting. */
  private pump(): void {
    if (this.closed) return;
    const now = performance.now();
    while (this.startMs + this.tick * FRAME_MS <= now) this.send();
    this.timer = setTimeout(() => this.pump(), Math.max(1, this.startMs + this.tick * FRAME_MS - performance.now()));
  }

  private send(): void {
    const { samples, frames } = this.loop;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const n = (this.position + i) % frames;
      this.frame[2 * i] = samples[2 * n]!;
      this.frame[2 * i + 1] = samples[2 * n + 1]!;
    }
    this.position = (this.position + FRAME_SAMPLES) % frames;
    const packet = serializeRtp({
      payloadType: PAYLOAD_TYPE,
      sequenceNumber: this.sequence++ & 0xffff,
      timestamp: (this.timestampBase + this.tick * FRAME_SAMPLES) >>> 0,
      ssrc: this.ssrc,
      marker: this.tick === 0,
      payload: this.encoder.encodeStereo(this.frame),
    });
    this.tick++;
    this.socket.send(packet, this.transport.tuple.localPort, this.transport.tuple.localAddress);
  }
}

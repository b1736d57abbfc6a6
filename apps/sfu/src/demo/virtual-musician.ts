import { randomInt, randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import { FRAME_SAMPLES, OpusFrameEncoder } from '@bandmate/media/opus-codec';
import type { RtpPacer } from '@bandmate/media/rtp-pacer';
import { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';
import type { Loop } from './loop-synth.ts';

const PAYLOAD_TYPE = 100;
const FRAME_MS = 10;
/** The first packet is due this long after joining: the pacer thread has the track by then. */
const START_AHEAD_MS = 20;

/**
 * A server-side participant that plays a loop into a room, so one visitor without a band
 * can hear the AI play along. It is a musician like any other to the room (the AI hears it,
 * everyone can mix it), sent as real Opus RTP into a plain-transport producer. The loop is
 * encoded once (encodedLoop) and sent by the process's pacer thread, one packet per 10 ms on
 * the room clock, so a busy SFU main thread does not send it in bursts (which a listener's
 * jitter buffer would cover by growing, then drain by playing faster: the band would move
 * against the AI players that follow it).
 */
export class VirtualMusician {
  private readonly startMs = performance.now() + START_AHEAD_MS;
  private readonly trackId = `demo-${randomUUID()}`;
  private closed = false;

  private constructor(
    private readonly room: Room,
    readonly peer: Peer,
    private readonly transport: types.PlainTransport,
    private readonly pacer: RtpPacer,
  ) {}

  static async join(room: Room, options: { listenIp: string; displayName: string; loop: EncodedLoop; pacer: RtpPacer }): Promise<VirtualMusician> {
    const transport = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: options.listenIp }, rtcpMux: true, comedia: true });
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
    const musician = new VirtualMusician(room, peer, transport, options.pacer);
    options.pacer.open({
      id: musician.trackId,
      sendTo: { ip: transport.tuple.localAddress, port: transport.tuple.localPort },
      listenIp: options.listenIp,
      ssrc,
      payloadType: PAYLOAD_TYPE,
      startEpochMs: musician.loopStartServerMs,
      frameMs: FRAME_MS,
      frameSamples: FRAME_SAMPLES,
      sequence: randomInt(0, 0xffff),
      timestampBase: randomInt(0, 2 ** 31),
      silence: options.loop.silence,
      loop: options.loop.packets,
    });
    return musician;
  }

  /** Server time (serverNow's clock) at which the loop's first sample is sent: its beat 0. */
  get loopStartServerMs(): number {
    return performance.timeOrigin + this.startMs;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pacer.closeTrack(this.trackId);
    if (this.room.peers.has(this.peer.id)) this.room.leave(this.peer.id);
    this.transport.close();
  }
}

export interface EncodedLoop {
  /** One Opus packet per 10 ms of the loop, in order; the last runs seamlessly into the first. */
  packets: Uint8Array[];
  silence: Uint8Array;
}

/**
 * The loop as Opus packets, 10 ms each. It is encoded twice through and the second pass kept,
 * so the encoder's state at the loop's start is what its end left: the wrap is as seamless as
 * any other packet boundary.
 */
export function encodeLoop(loop: Loop): EncodedLoop {
  // Slot n plays packet n mod count: a loop of whole packets keeps the metronome on its beat.
  if (loop.frames % FRAME_SAMPLES !== 0) throw new RangeError(`a loop of ${loop.frames} samples is not whole 10 ms packets`);
  const encoder = new OpusFrameEncoder();
  const frame = new Float32Array(FRAME_SAMPLES * 2);
  const count = loop.frames / FRAME_SAMPLES;
  const packets: Uint8Array[] = [];
  for (let pass = 0; pass < 2; pass++) {
    for (let p = 0; p < count; p++) {
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const n = (p * FRAME_SAMPLES + i) % loop.frames;
        frame[2 * i] = loop.samples[2 * n]!;
        frame[2 * i + 1] = loop.samples[2 * n + 1]!;
      }
      const payload = encoder.encodeStereo(frame).slice();
      if (pass === 1) packets.push(payload);
    }
  }
  return { packets, silence: new OpusFrameEncoder().encodeStereo(new Float32Array(FRAME_SAMPLES * 2)).slice() };
}

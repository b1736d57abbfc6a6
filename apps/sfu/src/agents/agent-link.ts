import { randomInt, randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { ProducerInfo } from '@bandmate/shared';
import type { Logger } from '../logger.ts';
import { Peer } from '../rooms/peer.ts';
import type { Room } from '../rooms/room.ts';

/** Where the inference worker listens for the room's RTP, and what it should expect. */
export interface AgentEndpoint {
  ip: string;
  port: number;
}

export interface MusicianStream {
  peerId: string;
  producerId: string;
  ssrc: number;
  payloadType: number;
}

/** Opus as the AI sends it: stereo, no FEC, no DTX; consumers learn it is stereo from sprop-stereo. */
const AI_PAYLOAD_TYPE = 100;

/**
 * The SFU side of the AI band member: plain-RTP transports between a room's router and
 * the inference worker. Every musician's producer is consumed towards the worker; the
 * worker's accompaniment comes back as a producer of a virtual peer, which every
 * participant consumes like another musician.
 */
export class AgentLink {
  private readonly out: types.PlainTransport;
  private readonly back: types.PlainTransport;
  private readonly consumers = new Map<string, { consumer: types.Consumer; stream: MusicianStream }>();
  readonly aiPeer: Peer;
  private aiProducer?: types.Producer;
  private closed = false;
  private detach = () => {};

  private constructor(
    private readonly room: Room,
    out: types.PlainTransport,
    back: types.PlainTransport,
    displayName: string,
    private readonly logger: Logger,
    private readonly onStreams: (streams: MusicianStream[]) => void,
  ) {
    this.out = out;
    this.back = back;
    this.aiPeer = new Peer(`ai-${randomUUID()}`, displayName, 'musician', room.rtpCapabilities, true);
  }

  static async open(options: {
    room: Room;
    agent: AgentEndpoint;
    listenIp: string;
    displayName: string;
    logger: Logger;
    onStreams: (streams: MusicianStream[]) => void;
  }): Promise<AgentLink> {
    const { room } = options;
    const listenInfo = { protocol: 'udp' as const, ip: options.listenIp };
    // Towards the worker: we know its address, so no comedia; RTCP muxed on one port.
    const out = await room.router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
    await out.connect({ ip: options.agent.ip, port: options.agent.port });
    // From the worker: comedia latches onto wherever its packets come from.
    const back = await room.router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
    const link = new AgentLink(room, out, back, options.displayName, options.logger.child({ agent: true }), options.onStreams);
    const onNew = (p: ProducerInfo) => void link.follow(p);
    const onClosed = (p: ProducerInfo) => link.unfollow(p.producerId);
    room.on('newProducer', onNew);
    room.on('producerClosed', onClosed);
    link.detach = () => {
      room.off('newProducer', onNew);
      room.off('producerClosed', onClosed);
    };
    for (const p of room.producerInfos()) await link.follow(p);
    return link;
  }

  /** Where the worker sends its RTP. */
  get returnPort(): number {
    return this.back.tuple.localPort;
  }

  get streams(): MusicianStream[] {
    return [...this.consumers.values()].map((c) => c.stream);
  }

  /** Publishes the AI track into the room once the worker is about to send. */
  async publish(ssrc = randomInt(1, 2 ** 31)): Promise<{ ssrc: number; payloadType: number }> {
    if (this.aiProducer) return { ssrc: this.aiProducer.rtpParameters.encodings![0]!.ssrc!, payloadType: AI_PAYLOAD_TYPE };
    this.room.join(this.aiPeer);
    this.aiProducer = await this.back.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [
          {
            mimeType: 'audio/opus',
            clockRate: 48000,
            payloadType: AI_PAYLOAD_TYPE,
            channels: 2,
            parameters: { 'sprop-stereo': 1, useinbandfec: 0, usedtx: 0 },
            rtcpFeedback: [],
          },
        ],
        encodings: [{ ssrc }],
      },
      appData: { source: 'ai' },
    });
    this.room.adopt(this.aiPeer, this.aiProducer);
    return { ssrc, payloadType: AI_PAYLOAD_TYPE };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    if (this.room.peers.has(this.aiPeer.id)) this.room.leave(this.aiPeer.id);
    this.out.close();
    this.back.close();
  }

  /**
   * Players hear the room's musicians (the demo band included), not the AI players: a part that
   * heard the others' level-followed output would chase its own loudness through them.
   */
  private async follow({ producerId, peerId, source }: ProducerInfo): Promise<void> {
    if (this.closed || source === 'ai' || peerId === this.aiPeer.id || this.consumers.has(producerId)) return;
    try {
      const consumer = await this.out.consume({ producerId, rtpCapabilities: this.room.rtpCapabilities, paused: false });
      const codec = consumer.rtpParameters.codecs[0]!;
      const stream = { peerId, producerId, ssrc: consumer.rtpParameters.encodings![0]!.ssrc!, payloadType: codec.payloadType };
      this.consumers.set(producerId, { consumer, stream });
      consumer.on('producerclose', () => this.unfollow(producerId));
      this.onStreams(this.streams);
    } catch (err) {
      this.logger.error({ err, producerId }, 'could not route a musician to the AI');
    }
  }

  private unfollow(producerId: string): void {
    const entry = this.consumers.get(producerId);
    if (!entry) return;
    entry.consumer.close();
    this.consumers.delete(producerId);
    this.onStreams(this.streams);
  }
}

// A musician without a browser: a peer in a live room whose microphone is a plain-RTP producer
// fed with real Opus packets from this process (what a browser's stream looks like to the SFU).
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { OpusFrameDecoder, OpusFrameEncoder } from '@bandmate/media/opus-codec';
import { parseRtp, serializeRtp } from '@bandmate/media/rtp';
import { Peer } from '../src/rooms/peer.ts';
import type { Room } from '../src/rooms/room.ts';

/** A plain-RTP Opus producer of `peer` in `room`: send RTP with `ssrc` to `port`. */
export async function plainProducer(room: Room, peer: Peer, ssrc: number, source: string): Promise<{ port: number; close: () => void }> {
  const transport = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  const producer = await transport.produce({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', clockRate: 48000, payloadType: 111, channels: 2, parameters: { 'sprop-stereo': 1 } }],
      encodings: [{ ssrc }],
    },
    appData: { source },
  });
  room.adopt(peer, producer);
  return { port: transport.tuple.localPort, close: () => transport.close() };
}

/**
 * Joins a musician to `room` playing a steady sine (`stop` silences it and takes it out) at `hz` (10 ms Opus packets, level 0.5).
 * `isAgent` keeps it out of the host role and the room's people (it is the test's, not a person).
 */
export async function plainMusician(room: Room, options: { name?: string; ssrc: number; hz?: number; isAgent?: boolean }): Promise<{ peer: Peer; stop: () => void }> {
  const peer = new Peer(`${(options.name ?? 'mia').toLowerCase()}-${options.ssrc}-${Date.now()}`, options.name ?? 'Mia', 'musician', room.rtpCapabilities, options.isAgent ?? true);
  room.join(peer);
  const input = await plainProducer(room, peer, options.ssrc, 'mic');
  const socket = createSocket('udp4');
  const enc = new OpusFrameEncoder();
  const hz = options.hz ?? 440;
  let seq = 0;
  const started = performance.now();
  // Every packet due by now, as a real sender's clock does: a late timer must not slow the
  // stream down (the SFU's recorder would follow the slower clock and bend the pitch).
  const timer = setInterval(() => {
    for (const due = Math.floor((performance.now() - started) / 10); seq <= due; seq++) {
      const frame = Float32Array.from({ length: 480 }, (_, j) => 0.5 * Math.sin((2 * Math.PI * hz * (seq * 480 + j)) / 48000));
      socket.send(serializeRtp({ payloadType: 111, sequenceNumber: seq & 0xffff, timestamp: (seq * 480) >>> 0, ssrc: options.ssrc, marker: false, payload: enc.encodeMono(frame) }), input.port, '127.0.0.1');
    }
  }, 10);
  let stopped = false;
  return {
    peer,
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      socket.close();
      input.close();
      room.leave(peer.id);
    },
  };
}

/** What a participant hears of a producer: the peak level of each packet, as it arrives (a plain consumer in the room). */
export async function plainEar(room: Room, producerId: string): Promise<{ levels: number[]; close: () => void }> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const levels: number[] = [];
  const decoder = new OpusFrameDecoder();
  socket.on('message', (m) => {
    const p = parseRtp(m);
    if (p) levels.push(Math.max(...decoder.decode(p.payload).map(Math.abs)));
  });
  const transport = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await transport.connect({ ip: '127.0.0.1', port: socket.address().port });
  await transport.consume({ producerId, rtpCapabilities: room.rtpCapabilities });
  return {
    levels,
    close: () => {
      transport.close();
      socket.close();
    },
  };
}

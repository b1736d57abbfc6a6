import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { AgentLink, type MusicianStream } from '../src/agents/agent-link.ts';
import { createLogger } from '../src/logger.ts';
import { Peer } from '../src/rooms/peer.ts';
import { askOk, connect, createRoom, joinRoom, startHarness, type Harness, waitFor } from './harness.ts';
import { plainProducer } from './plain-musician.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

function rtp(ssrc: number, seq: number, payloadType = 111): Buffer {
  const b = Buffer.alloc(12 + 20);
  b[0] = 0x80;
  b[1] = payloadType;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 480) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  b.fill(seq & 0xff, 12);
  return b;
}

async function udp(): Promise<UdpSocket & { packets: Buffer[] }> {
  const s = createSocket('udp4') as UdpSocket & { packets: Buffer[] };
  s.packets = [];
  s.on('message', (m) => s.packets.push(m));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return s;
}

test('musicians reach the inference worker over plain RTP and the AI track reaches the room', async () => {
  const { id } = await createRoom(h.sfu, 'With AI');
  const listener = await connect(h.sfu);
  await joinRoom(listener, id, 'Lou', 'listener');
  const room = h.sfu.registry.get(id)!;

  // A musician whose microphone is a plain RTP producer fed from a local socket.
  const musician = new Peer('m1', 'Mia', 'musician', room.rtpCapabilities);
  room.join(musician);
  const micIn = await plainProducer(room, musician, 4242, 'mic');

  const agent = await udp();
  const seen: MusicianStream[][] = [];
  const link = await AgentLink.open({
    room,
    agent: { ip: '127.0.0.1', port: agent.address().port },
    listenIp: '127.0.0.1',
    displayName: 'AI · bass',
    logger: createLogger('silent'),
    onStreams: (s) => seen.push(s),
  });
  assert.equal(link.streams.length, 1);
  const stream = link.streams[0]!;
  assert.equal(stream.peerId, 'm1');

  const micOut = await udp();
  for (let i = 0; i < 20; i++) micOut.send(rtp(4242, i), micIn.port, '127.0.0.1');
  await waitFor(() => agent.packets.length >= 15, 3000);
  const first = agent.packets[0]!;
  assert.equal(first.readUInt32BE(8), stream.ssrc, 'the worker can tell the musician by SSRC');
  assert.equal(first[1]! & 0x7f, stream.payloadType);

  // The AI publishes; a participant is told and can consume it like a musician.
  const announced = new Promise<{ peerId: string; source: string; producerId: string }>((r) => listener.once('newProducer', r));
  const { ssrc, payloadType } = await link.publish();
  const ai = await announced;
  assert.equal(ai.source, 'ai');
  assert.equal(ai.peerId, link.aiPeer.id);
  await askOk(listener, 'createWebRtcTransport', { direction: 'recv' });
  const consumed = await askOk<{ rtpParameters: { codecs: { channels: number; parameters: Record<string, unknown> }[] } }>(
    listener,
    'consume',
    { producerId: ai.producerId },
  );
  assert.equal(consumed.rtpParameters.codecs[0]!.parameters['sprop-stereo'], 1, 'listeners decode the AI in stereo');

  // Packets the worker sends come into the AI producer.
  for (let i = 0; i < 30; i++) agent.send(rtp(ssrc, i, payloadType), link.returnPort, '127.0.0.1');
  await waitFor(async () => ((await room.peers.get(link.aiPeer.id)!.producers.values().next().value!.getStats())[0]?.packetCount ?? 0) >= 20, 3000);

  // Switching the AI off takes its track away from everyone.
  const gone = new Promise<{ peerId: string }>((r) => listener.once('peerLeft', r));
  link.close();
  assert.equal((await gone).peerId, link.aiPeer.id);
  assert.ok(seen.length >= 1);
  agent.close();
  micOut.close();
  listener.close();
});


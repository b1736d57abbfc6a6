// A room spanning SFU nodes (issue 11): an edge node's router fed from the room's node over a
// network PipeTransport (SRTP). The room's node here is a real SFU; the edge is a second
// mediasoup worker of this process with EdgeRoom, as another node runs it. Media is real Opus.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { io, type Socket } from 'socket.io-client';
import { EdgeRoom } from '../src/edge/edge-room.ts';
import { createLogger } from '../src/logger.ts';
import type { Room } from '../src/rooms/room.ts';
import { RELAY_TOKEN_HEADER } from '../src/auth/relay-tokens.ts';
import { ask, createRoom, replyCode, startHarness, waitFor, type Harness } from './harness.ts';
import { plainEar, plainMusician } from './plain-musician.ts';

const EDGE_RTC = { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', minPort: 46000, maxPort: 46099 };
let h: Harness;
let worker: types.Worker;

before(async () => {
  h = await startHarness();
  worker = await mediasoup.createWorker({ logLevel: 'warn', rtcMinPort: EDGE_RTC.minPort, rtcMaxPort: EDGE_RTC.maxPort });
});
after(async () => {
  worker.close();
  await h.close();
});

const openEdge = (roomId: string) =>
  EdgeRoom.open({ roomId, homeUrl: h.sfu.url, linkToken: () => h.sfu.access.nodeLinkToken('edge-test'), worker, rtc: EDGE_RTC, pipeIp: '127.0.0.1', logger: createLogger('silent') });

const pipesOpen = async () => Number(/^bandmate_pipes (\S+)$/m.exec(await (await fetch(`${h.sfu.url}/metrics`)).text())?.[1]);

function link(auth: unknown): Promise<Socket> {
  const socket = io(`${h.sfu.url}/nodes`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: auth as Record<string, unknown> });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

test('a stream piped to an edge node plays there at its level, once however many listen; its pause, its end and the room’s end reach the edge', async () => {
  const { id: roomId } = await createRoom(h.sfu);
  const room = await h.sfu.registry.open(roomId);
  const mia = await plainMusician(room, { name: 'Mia', ssrc: 4101, hz: 440 });
  // Leo counts as a person: the room stays open while he is in it.
  const leo = await plainMusician(room, { name: 'Leo', ssrc: 4102, hz: 660, isAgent: false });
  const edge = await openEdge(roomId);
  try {
    assert.equal(await pipesOpen(), 1);
    const miaProducer = [...mia.peer.producers.keys()][0]!;
    const piped = await edge.stream(miaProducer);
    assert.equal(piped.producer.id, miaProducer, 'the stream keeps its id at the edge');
    assert.equal(piped.peerId, mia.peer.id);
    assert.equal(await edge.stream(miaProducer), piped, 'piped once');
    // Two listeners at the edge, as plain consumers of the edge's router.
    const edgeAsRoom = { router: edge.router, rtpCapabilities: edge.router.rtpCapabilities } as unknown as Room;
    const ears = [await plainEar(edgeAsRoom, miaProducer), await plainEar(edgeAsRoom, miaProducer)];
    await new Promise((r) => setTimeout(r, 1500));
    for (const ear of ears) {
      const heard = ear.levels.slice(20);
      assert.ok(heard.length >= 80, `packets at the edge: ${heard.length} in ~1.3 s`);
      const sorted = [...heard].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      assert.ok(median > 0.4 && median < 0.6, `level at the edge ${median.toFixed(3)} (sent 0.5)`);
    }
    assert.equal(edge.streamCount, 1);
    const leoProducer = [...leo.peer.producers.keys()][0]!;
    const leoAtEdge = await edge.stream(leoProducer);
    assert.equal(edge.streamCount, 2);
    // The host mutes Leo at the room's node (his producer paused there): his copy at the edge follows, and back.
    const leoAtHome = leo.peer.producers.get(leoProducer)!;
    await leoAtHome.pause();
    await waitFor(() => leoAtEdge.producer.paused, 3000);
    await leoAtHome.resume();
    await waitFor(() => !leoAtEdge.producer.paused, 3000);
    // Mia stops: her stream ends at the edge too (its listeners' consumers close with it).
    mia.stop();
    await waitFor(() => edge.streamCount === 1, 3000);
    for (const ear of ears) ear.close();
    // The last person leaves, the room closes: the edge's pipe ends.
    leo.stop();
    assert.ok(room.isClosed);
    await waitFor(() => edge.isClosed, 3000);
    await waitFor(async () => (await pipesOpen()) === 0, 3000);
  } finally {
    edge.close();
    mia.stop();
    leo.stop();
  }
});

test('the /nodes link admits SFU nodes of the deployment only, and answers bad requests with typed errors', async () => {
  await assert.rejects(link({}), /not an SFU node/);
  await assert.rejects(link({ token: 'a'.repeat(40) }), /not an SFU node/);
  // A relay token (for a browser's address) is not a node-link token.
  const relayToken = h.sfu.access.relayHeaders('edge-test', '10.0.0.9')[RELAY_TOKEN_HEADER]!;
  await assert.rejects(link({ token: relayToken }), /not an SFU node/);
  const socket = await link({ token: h.sfu.access.nodeLinkToken('edge-test') });
  try {
    const srtp = { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: 'ZpZJ1Zb4fPMa+6IhL/0pMNX5yXLqDiQrzeUBDQMhZ3H+oIh3TtyJS0vp2AU' };
    assert.equal(replyCode(await ask(socket, 'pipeOpen', { roomId: 'nowhere1', ip: '127.0.0.1', port: 40000, srtpParameters: srtp })), 'not_found');
    assert.equal(replyCode(await ask(socket, 'pipeOpen', { roomId: 'nowhere1', ip: 'evil host', port: 40000, srtpParameters: srtp })), 'bad_request');
    assert.equal(replyCode(await ask(socket, 'pipeOpen', { roomId: 'nowhere1', ip: '127.0.0.1', port: 70000, srtpParameters: srtp })), 'bad_request');
    assert.equal(replyCode(await ask(socket, 'pipeConsume', { roomId: 'nowhere1', producerId: 'x' })), 'not_found');
    assert.equal(replyCode(await ask(socket, 'pipeConsume', { roomId: 'nowhere1', producerId: 'x'.repeat(5000) })), 'bad_request');
    // Still answering.
    assert.equal(replyCode(await ask(socket, 'pipeConsume', { roomId: 'nowhere1', producerId: 'x' })), 'not_found');
  } finally {
    socket.close();
  }
});

test('the room’s pipe opens when the link connects before the edge’s router is made (a loaded edge)', async () => {
  const { id: roomId } = await createRoom(h.sfu);
  const room = await h.sfu.registry.open(roomId);
  const mia = await plainMusician(room, { name: 'Mia', ssrc: 4103, hz: 440, isAgent: false });
  // The router comes after the loopback link has connected, as on a busy node.
  const slowWorker = new Proxy(worker, {
    get: (target, key) =>
      key === 'createRouter'
        ? async (options: types.RouterOptions) => {
            await new Promise((r) => setTimeout(r, 400));
            return target.createRouter(options);
          }
        : Reflect.get(target, key, target),
  });
  const opening = EdgeRoom.open({ roomId, homeUrl: h.sfu.url, linkToken: () => h.sfu.access.nodeLinkToken('edge-test'), worker: slowWorker, rtc: EDGE_RTC, pipeIp: '127.0.0.1', logger: createLogger('silent') });
  const gaveUp = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the pipe did not open in 5 s')), 5000).unref());
  const edge = await Promise.race([opening, gaveUp]);
  try {
    assert.equal(await pipesOpen(), 1);
    const piped = await edge.stream([...mia.peer.producers.keys()][0]!);
    assert.equal(piped.peerId, mia.peer.id);
  } finally {
    edge.close();
    mia.stop();
  }
});

// Listeners placed on edge nodes on purpose (issue 11; edge/edge-placement.ts, edge/placed-here.ts):
// a listener whose page reached the room's node is served by a less loaded node, which pipes the
// room from the room's node; the room's node keeps the listener's membership and signalling. Two
// SFU nodes in this process on one database, each with its own mediasoup worker and port range;
// the room's musician sends real Opus.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Socket } from 'socket.io-client';
import { askOk, connect, createRoom, freePort, joinRoom, nextEvent, startHarness, waitFor, type Harness } from './harness.ts';
import { plainMusician } from './plain-musician.ts';
import { openDatabase } from '../src/db/index.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-placement-'));
const harnesses: Harness[] = [];
const sockets: Socket[] = [];
after(async () => {
  for (const s of sockets) s.close();
  for (const h of harnesses.reverse()) await h.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function node(id: string, ports: [number, number]): Promise<Harness> {
  const port = await freePort();
  const h = await startHarness({
    DATABASE_URL: `file:${path.join(dir, 'nodes.db')}`,
    SFU_NODE_ID: id,
    SFU_PORT: String(port),
    SFU_NODE_URL: `http://127.0.0.1:${port}`,
    SFU_NODE_LEASE_MS: '3000',
    SFU_PLACEMENT_MARGIN: '2',
    SFU_RTC_MIN_PORT: String(ports[0]),
    SFU_RTC_MAX_PORT: String(ports[1]),
    INVITE_SECRET_FILE: path.join(dir, 'invite-secret'),
  }, { migrate: harnesses.length === 0 });
  harnesses.push(h);
  return h;
}

const gauge = async (h: Harness, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(await (await fetch(`${h.sfu.url}/metrics`)).text())?.[1]);
const A_PORTS: [number, number] = [47900, 47949];
const B_PORTS: [number, number] = [47950, 47999];
const within = (ports: [number, number]) => (t: { iceCandidates: Array<{ port: number }> }) => t.iceCandidates.length > 0 && t.iceCandidates.every((c) => c.port >= ports[0] && c.port <= ports[1]);

async function listen(h: Harness, roomId: string, name: string) {
  const socket = await connect(h.sfu);
  sockets.push(socket);
  await joinRoom(socket, roomId, name, 'listener');
  const transport = await askOk<{ id: string; iceCandidates: Array<{ port: number }> }>(socket, 'createWebRtcTransport', { direction: 'recv' });
  return { socket, transport };
}

test('a listener joining at a busy room node is served by a less loaded node; the room keeps them; the edge’s loss sends them back', async () => {
  const a = await node('place-a', A_PORTS);
  const b = await node('place-b', B_PORTS);
  const { id: roomId } = await createRoom(a.sfu);
  const room = await a.sfu.registry.open(roomId);
  const mia = await plainMusician(room, { name: 'Mia', ssrc: 5101, hz: 440, isAgent: false });
  try {
    const miaProducer = [...mia.peer.producers.keys()][0]!;
    // Both nodes' heartbeats are in the database before anyone is placed.
    await waitFor(async () => (await gauge(b, 'bandmate_rooms')) === 0 && (await gauge(a, 'bandmate_rooms')) === 1, 5000);

    // A carries Mia and Leo, B nothing: Leo's media goes to B (margin 2), his membership stays on A.
    const leo = await listen(a, roomId, 'Leo');
    assert.ok(within(B_PORTS)(leo.transport), `Leo's transport on B: ${JSON.stringify(leo.transport.iceCandidates)}`);
    const consumed = await askOk<{ consumerId: string; producerId: string; peerId: string }>(leo.socket, 'consume', { producerId: miaProducer });
    assert.equal(consumed.peerId, mia.peer.id, 'Mia’s stream, named as in the room');
    await askOk(leo.socket, 'resumeConsumer', { consumerId: consumed.consumerId });
    assert.equal(await gauge(a, 'bandmate_placed_listeners'), 1);
    assert.equal(await gauge(a, 'bandmate_pipes'), 1, 'one pipe from A');
    assert.equal(await gauge(b, 'bandmate_edge_listeners'), 1);
    assert.equal(await gauge(b, 'bandmate_edge_consumers'), 1, 'B forwards Mia to Leo');
    assert.equal(await gauge(b, 'bandmate_rooms'), 0, 'the room stays on A');
    assert.equal(room.peers.size, 2, 'Leo is a member on A');
    // Chat and presence are A's as for anyone there.
    const chat = nextEvent<{ body: string }>(leo.socket, 'chatMessage');
    const ola = await connect(a.sfu);
    sockets.push(ola);
    await joinRoom(ola, roomId, 'Ola', 'musician');
    await askOk(ola, 'sendChat', { body: 'hello Leo' });
    assert.equal((await chat).body, 'hello Leo');
    // A musician is never placed: both her transports are A's.
    assert.ok(within(A_PORTS)(await askOk(ola, 'createWebRtcTransport', { direction: 'recv' })), 'a musician’s media on A');

    // A forwards to Mia, Ola and Nia (Leo is B's), B to Leo, counted once whether or not B's
    // heartbeat has yet: A carries 2 more, so Nia goes to B too. Once B's heartbeat counts both, A
    // with Zoe (Mia, Ola, Zoe) is not 2 more loaded than B: Zoe is served on A.
    const db = await openDatabase(a.databaseUrl);
    const bCounts = (peers: number) => waitFor(async () => (await db.liveNodes(3000)).find((n) => n.id === 'place-b')?.peers === peers, 5000);
    try {
      await bCounts(1);
      const nia = await listen(a, roomId, 'Nia');
      assert.ok(within(B_PORTS)(nia.transport), `Nia on B: ${JSON.stringify(nia.transport.iceCandidates)}`);
      await bCounts(2);
      const zoe = await listen(a, roomId, 'Zoe');
      assert.ok(within(A_PORTS)(zoe.transport), `Zoe on A: ${JSON.stringify(zoe.transport.iceCandidates)}`);
      // Nia leaves: B serves Leo alone again.
      await askOk(nia.socket, 'leave', {});
      await waitFor(async () => (await gauge(b, 'bandmate_edge_listeners')) === 1, 3000);
    } finally {
      await db.close();
    }

    // A listener whose page reached B is served by B as before (relayed), and removed by the host,
    // B lets her media go with her membership.
    const pia = await listen(b, roomId, 'Pia');
    assert.ok(within(B_PORTS)(pia.transport), 'Pia, relayed through B, served by B');
    await waitFor(async () => (await gauge(b, 'bandmate_edge_listeners')) === 2, 3000);
    const piaRemoved = nextEvent(pia.socket, 'removed');
    room.remove([...room.peers.values()].find((p) => p.displayName === 'Pia')!.id, 'removed by the host');
    await piaRemoved;
    await waitFor(async () => (await gauge(b, 'bandmate_edge_listeners')) === 1, 3000);

    // Leo leaves: B lets his media and the room's pipe go.
    await askOk(leo.socket, 'leave', {});
    await waitFor(async () => (await gauge(b, 'bandmate_edge_listeners')) === 0 && (await gauge(a, 'bandmate_pipes')) === 0, 3000);
    assert.equal(await gauge(a, 'bandmate_placed_listeners'), 0);

    // Placed again and removed by the host (his page stays open): his media at B goes too.
    await joinRoom(leo.socket, roomId, 'Leo', 'listener');
    assert.ok(within(B_PORTS)(await askOk(leo.socket, 'createWebRtcTransport', { direction: 'recv' })), 'placed on B again');
    const removed = nextEvent(leo.socket, 'removed');
    room.remove([...room.peers.values()].find((p) => p.displayName === 'Leo')!.id, 'removed by the host');
    await removed;
    await waitFor(async () => (await gauge(b, 'bandmate_edge_listeners')) === 0 && (await gauge(a, 'bandmate_placed_listeners')) === 0, 3000);

    // Placed again, then B goes away: A tells Leo's page to join again, and his join is served on A.
    await joinRoom(leo.socket, roomId, 'Leo', 'listener');
    const again = await askOk<{ iceCandidates: Array<{ port: number }> }>(leo.socket, 'createWebRtcTransport', { direction: 'recv' });
    assert.ok(within(B_PORTS)(again), 'placed on B again');
    const restart = nextEvent<{ reason: string }>(leo.socket, 'mediaRestart', 10_000);
    await b.close();
    harnesses.splice(harnesses.indexOf(b), 1);
    assert.match((await restart).reason, /the SFU node serving your audio stopped/);
    await waitFor(() => room.peers.size === 3, 3000); // Mia, Ola, Zoe: Leo's membership ended with his media
    await joinRoom(leo.socket, roomId, 'Leo', 'listener');
    assert.ok(within(A_PORTS)(await askOk(leo.socket, 'createWebRtcTransport', { direction: 'recv' })), 'served on A once the edge is gone');
  } finally {
    mia.stop();
  }
});

// The lobby's live feed (apps/sfu/src/lobby): lobby pages hear when the listed rooms change, and
// with several SFU nodes on PostgreSQL the `/lobby` namespace runs on the shared bus (socket.io's
// PostgreSQL adapter), so a room filling up on one node reaches a lobby page connected to another.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { LOBBY_NAMESPACE } from '@bandmate/shared';
import { askOk, createRoom, joinRoom, startHarness, waitFor, type Harness } from './harness.ts';

const PG = process.env.TEST_DATABASE_URL_PG;

async function lobbyOf(url: string): Promise<Socket & { heard: number[] }> {
  const socket = io(`${url}${LOBBY_NAMESPACE}`, { transports: ['websocket'], reconnection: false, forceNew: true }) as Socket & { heard: number[] };
  socket.heard = [];
  socket.on('roomsChanged', () => socket.heard.push(Date.now()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** The time of the first change heard after `since`, or null when none came within `ms`. */
async function heardAfter(lobby: { heard: number[] }, since: number, ms = 3000): Promise<number | null> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const at = lobby.heard.find((t) => t >= since);
    if (at !== undefined) return at;
    await new Promise((r) => setTimeout(r, 20));
  }
  return null;
}

const participantsAt = async (url: string, roomId: string) =>
  ((await (await fetch(`${url}/api/rooms`)).json()) as { rooms: Array<{ id: string; participants: number }> }).rooms.find((r) => r.id === roomId)?.participants;

describe('the lobby on one node (SQLite, no bus)', () => {
  const sockets: Socket[] = [];
  let h: Harness;
  after(async () => {
    for (const s of sockets) s.close();
    await h?.close();
  });

  test('a lobby page hears a room made, someone joining and leaving, and the list it asks for then has them', async () => {
    h = await startHarness({ SFU_MAX_CONNECTIONS_PER_IP: '3' });
    const lobby = await lobbyOf(h.sfu.url);
    sockets.push(lobby);
    let since = Date.now();
    const { id } = await createRoom(h.sfu);
    assert.ok(await heardAfter(lobby, since), 'heard the room made');

    const ana = await h.client();
    since = Date.now();
    await joinRoom(ana, id, 'Ana');
    assert.ok(await heardAfter(lobby, since), 'heard Ana join');
    assert.equal(await participantsAt(h.sfu.url, id), 1, 'the list asked for after the change counts her');
    // One join (the room opening, her stay written) is told once, not once per write.
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(lobby.heard.filter((t) => t >= since).length, 1, `told ${lobby.heard.filter((t) => t >= since).length} times for one join`);

    since = Date.now();
    await askOk(ana, 'leave', {});
    assert.ok(await heardAfter(lobby, since), 'heard Ana leave');
    assert.equal(await participantsAt(h.sfu.url, id), undefined, 'the empty room closed and left the list');
  });

  test('lobby sockets count toward the connections one address may open, and a lobby page that sends is cut off', async () => {
    // Three per address here: a room socket and a lobby socket are open; one more lobby socket fits, the next is refused.
    const extra = await lobbyOf(h.sfu.url);
    sockets.push(extra);
    await assert.rejects(lobbyOf(h.sfu.url), /too many connections from your address/);
    const cut = new Promise<string>((resolve) => extra.once('disconnect', (reason) => resolve(reason)));
    for (let i = 0; i < 25; i++) extra.emit('createRoom', { name: 'x'.repeat(100) });
    assert.equal(await cut, 'io server disconnect');
    // The room's signalling is untouched.
    const ana = await h.client();
    assert.ok((await askOk<{ routerRtpCapabilities: unknown }>(ana, 'getRouterRtpCapabilities', { roomId: (await createRoom(h.sfu)).id })).routerRtpCapabilities);
  });
});

describe('the lobby across two SFU nodes on PostgreSQL', { skip: PG ? false : 'TEST_DATABASE_URL_PG is not set' }, () => {
  const sockets: Socket[] = [];
  const harnesses: Harness[] = [];
  after(async () => {
    for (const s of sockets) s.close();
    for (const h of harnesses) await h.close();
  });
  const node = async (id: string, env: Record<string, string> = {}) => {
    const h = await startHarness({ DATABASE_URL: PG!, SFU_NODE_ID: id, ...env });
    harnesses.push(h);
    return h;
  };

  test('a join on node A reaches a lobby page on node B over the bus; with the bus off it does not', async () => {
    const a = await node('lobby-a');
    const b = await node('lobby-b');
    const atA = await lobbyOf(a.sfu.url);
    const atB = await lobbyOf(b.sfu.url);
    sockets.push(atA, atB);
    const { id } = await createRoom(a.sfu);
    const ana = await a.client();
    const since = Date.now();
    await joinRoom(ana, id, 'Ana');
    const heardAtB = await heardAfter(atB, since);
    assert.ok(heardAtB, 'the lobby page on B heard the join on A');
    console.log(`# join on A heard by a lobby page on B ${heardAtB - since} ms after its join was answered (the feed gathers changes for 250 ms)`);
    assert.equal(await participantsAt(b.sfu.url, id), 1, 'and B lists her');

    // Without the bus each node's lobby hears only its own rooms: the bus is what carried it.
    const c = await node('lobby-c', { SFU_BUS: 'off' });
    const d = await node('lobby-d', { SFU_BUS: 'off' });
    const atC = await lobbyOf(c.sfu.url);
    const atD = await lobbyOf(d.sfu.url);
    sockets.push(atC, atD);
    const { id: other } = await createRoom(c.sfu);
    const ben = await c.client();
    const sinceOff = Date.now();
    await joinRoom(ben, other, 'Ben');
    assert.ok(await heardAfter(atC, sinceOff), 'C heard its own room');
    assert.equal(await heardAfter(atD, sinceOff, 1500), null, 'D heard nothing of a room on C');
  });

  test('the database cuts the bus’s connections, again and again: the nodes carry on, and the bus comes back by itself each time', { timeout: 60_000 }, async () => {
    const [a, b] = harnesses as [Harness, Harness];
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    const listening = async () => (await admin.query(`SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`)).rowCount ?? 0;
    try {
      // More cuts than the bus's pool has connections (3): a connection lost and never given back
      // would leave it none.
      for (let cut = 1; cut <= 4; cut++) {
        await waitFor(async () => (await listening()) >= 2, 8000);
        const ended = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`);
        assert.ok(ended.rowCount! >= 2, `cut ${cut}: the LISTEN connections of A and B cut (${ended.rowCount})`);
        for (const h of [a, b]) assert.equal((await fetch(`${h.sfu.url}/health`)).status, 200, `cut ${cut}: both nodes answer`);
      }
      await waitFor(async () => (await listening()) >= 2, 8000);
    } finally {
      await admin.end();
    }
    const atB = await lobbyOf(b.sfu.url);
    sockets.push(atB);
    const { id } = await createRoom(a.sfu);
    const cat = await a.client();
    const since = Date.now();
    await joinRoom(cat, id, 'Cat');
    assert.ok(await heardAfter(atB, since), 'B’s lobby hears A again');
  });
});

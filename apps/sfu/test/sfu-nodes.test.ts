// Two SFU nodes on one database (issue 11; room-nodes.ts, node-lease.ts, node-relay.ts), each its
// own process as `npm start` runs it: a room runs on the node it opened on; a browser that reaches
// the other node is relayed to it (signalling through the node it reached, media straight to the
// room's node); when that node dies (SIGKILL) the live one takes the room over after its lease, with
// its people: they join it there again as the same peers, locked, host kept.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import type { BandmateDatabase } from '../src/db/index.ts';
import { ask, askOk, BrowserClient, connect, createRoom, HARNESS_DATABASES, joinRoom, nextEvent, replyCode, suiteDatabase, waitFor } from './harness.ts';
import { NodeProcesses, tryJoin } from './node-processes.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-nodes-'));
const nodes = new NodeProcesses(dir);
const LEASE_MS = nodes.leaseMs;
after(() => {
  nodes.killAll();
  rmSync(dir, { recursive: true, force: true });
});
const startNode = (id: string, dbUrl: string, rtcPorts: [number, number]) => nodes.start(id, dbUrl, rtcPorts, { SFU_PLACEMENT_MARGIN: '1' });

async function twoNodes(dbUrl: string, db: BandmateDatabase) {
  const a = await startNode('node-a', dbUrl, [47600, 47699]);
  const { id } = await createRoom({ url: a.url }, 'Homed on A');
  const ana = await connect({ url: a.url });
  const first = (await joinRoom(ana, id, 'Ana')) as unknown as { peerId: string; isHost: boolean; rejoinToken: string };
  assert.equal(first.isHost, true);
  // A records the room while B starts: B leaves A's recording alone (it used to take it for one a
  // crash left unfinished, and marked it failed).
  const recording = await askOk<{ recordingId: string }>(ana, 'startRecording', {});
  const b = await startNode('node-b', dbUrl, [47700, 47799]);
  // Each says which node it is (an operator behind a proxy needs to know).
  for (const n of [a, b]) assert.equal(((await (await fetch(`${n.url}/health`)).json()) as { node: string }).node, n.id);
  assert.deepEqual((await db.listUnfinishedRecordings()).map((r) => r.id), [recording.recordingId], 'still recording on A');
  await askOk(ana, 'stopRecording', {});

  // Placement by load: a room nobody runs, asked of A (Ana inside) while B is empty, opens on B
  // (margin 1 here), and A relays the page there.
  const { id: fresh } = await createRoom({ url: a.url }, 'Placed by load');
  const pia = await connect({ url: a.url });
  assert.ok((await tryJoin(pia, fresh, 'Pia')).ok);
  const placed = await askOk<{ iceCandidates: Array<{ port: number }> }>(pia, 'createWebRtcTransport', { direction: 'recv' });
  assert.ok(placed.iceCandidates.every((c) => c.port >= 47700 && c.port <= 47799), `opened on B: ${JSON.stringify(placed.iceCandidates)}`);
  pia.close();

  // Ben reaches B (a load balancer's pick): B relays his signalling to A, where the room runs.
  const ben = await connect({ url: b.url });
  const benJoined = nextEvent<{ displayName: string }>(ana, 'peerJoined');
  const inRoom = await tryJoin(ben, id, 'Ben');
  assert.ok(inRoom.ok, `Ben's join at B: ${replyCode(inRoom)}`);
  assert.deepEqual(inRoom.data.peers.map((p) => p.displayName), ['Ana'], 'in the same room as Ana');
  assert.equal((await benJoined).displayName, 'Ben');
  // His media goes to A: the transport B hands him is A's (A's port range).
  const transport = await askOk<{ iceCandidates: Array<{ port: number }> }>(ben, 'createWebRtcTransport', { direction: 'recv' });
  assert.ok(transport.iceCandidates.length > 0 && transport.iceCandidates.every((c) => c.port >= 47600 && c.port <= 47699), `ICE on A: ${JSON.stringify(transport.iceCandidates)}`);
  // B's lobby API counts the people of a room A runs (from their stays in the database, written
  // just after a join is answered: the count follows within moments).
  const countedAtB = async () => {
    const room = (await (await fetch(`${b.url}/api/rooms/${id}`)).json()) as { participants: number };
    const listed = (await (await fetch(`${b.url}/api/rooms`)).json()) as { rooms: Array<{ id: string; participants: number }> };
    return [room.participants, listed.rooms.find((r) => r.id === id)?.participants];
  };
  await waitFor(async () => (await countedAtB()).every((n) => n === 2), 3000).catch(() => undefined);
  assert.deepEqual(await countedAtB(), [2, 2], 'Ana and Ben, counted at B (room and lobby)');
  // Events come back through B.
  const chat = nextEvent<{ body: string; displayName: string }>(ben, 'chatMessage');
  await askOk(ana, 'sendChat', { body: 'hi Ben' });
  assert.deepEqual(await chat.then((m) => [m.displayName, m.body]), ['Ana', 'hi Ben']);
  // B still checks what it relays.
  assert.equal(replyCode(await ask(ben, 'sendChat', { body: 'x'.repeat(100_000) })), 'too_large');
  // A leave ends the relay; the next join of a room B runs is B's own.
  const benLeft = nextEvent(ana, 'peerLeft');
  await askOk(ben, 'leave', {});
  await benLeft;
  const { id: onB } = await createRoom({ url: b.url }, 'Homed on B');
  assert.ok((await tryJoin(ben, onB, 'Ben')).ok);
  const transportOnB = await askOk<{ iceCandidates: Array<{ port: number }> }>(ben, 'createWebRtcTransport', { direction: 'recv' });
  assert.ok(transportOnB.iceCandidates.every((c) => c.port >= 47700 && c.port <= 47799), 'a room of B: B\'s transports');
  await askOk(ben, 'leave', {});
  // The browser going away from B is a leave at A.
  assert.ok((await tryJoin(ben, id, 'Ben')).ok);
  const gone = nextEvent(ana, 'peerLeft');
  ben.close();
  await gone;
  const benAtB = await connect({ url: b.url });
  const benAgain = await tryJoin(benAtB, id, 'Ben');
  assert.ok(benAgain.ok, `Ben back via B: ${replyCode(benAgain)}`);
  const benFirst = benAgain.data as unknown as { peerId: string; rejoinToken: string };
  await askOk(ana, 'lockRoom', { locked: true });
  // A's rules hold for relayed joins: the lock keeps a newcomer at B out.
  const carlAtB = await connect({ url: b.url });
  assert.equal(replyCode(await tryJoin(carlAtB, id, 'Carl')), 'room_locked');
  carlAtB.close();
  const relayCut = new Promise<string>((resolve) => benAtB.once('disconnect', (reason) => resolve(reason)));

  // A private room on A, joined through B with an invite: B carries the page's session cookie
  // (a guest's, made at B), without which A asks the page to sign in or join as a guest.
  const olga = new BrowserClient({ url: a.url, mailOutbox: path.join(dir, 'outbox') });
  assert.equal((await olga.signUp({ email: `olga-${process.pid}-${Date.now()}@example.com`, password: 'a long password', displayName: 'Olga' })).status, 201);
  const lesson = (await olga.api('POST', '/api/rooms', { name: 'Lesson', visibility: 'private' })).body as { id: string };
  const invite = (await olga.api('POST', `/api/rooms/${lesson.id}/invites`, { role: 'musician' })).body as { token: string };
  assert.equal(replyCode((await olga.join(lesson.id, { name: 'Olga' })).reply), 'ok');
  const mel = new BrowserClient({ url: b.url });
  assert.equal(replyCode((await mel.join(lesson.id, { name: 'Mel', invite: invite.token })).reply), 'auth_required');
  assert.equal((await mel.api('POST', '/api/auth/guest', { roomId: lesson.id, invite: invite.token, displayName: 'Mel' })).status, 201);
  assert.equal(replyCode((await mel.join(lesson.id, { name: 'Mel', invite: invite.token })).reply), 'ok');
  mel.close();
  olga.close();

  // A dies while recording the room. B takes the room over once A's lease has run out (at B's next
  // heartbeat), with its people expected back: Ana, at B, joins again with her rejoin token as the
  // same peer, locked, host. A's recording ends with A: its files are on A's disk, so B marks it
  // failed rather than leaving it 'recording' for ever.
  const cutShort = await askOk<{ recordingId: string }>(ana, 'startRecording', {});
  const killedAt = Date.now();
  a.child.kill('SIGKILL');
  ana.close();
  // B's relay tells Ben's page at once: its socket closes, and the page joins again.
  // Cut as a network would cut it, which a page reconnects after (a server's disconnect is final to socket.io).
  assert.equal(await relayCut, 'transport close');
  const cutMs = Date.now() - killedAt;
  benAtB.close();
  const anaAtB = await connect({ url: b.url });
  let back: Awaited<ReturnType<typeof tryJoin>>;
  for (;;) {
    back = await tryJoin(anaAtB, id, 'Ana', first.rejoinToken);
    // `unavailable`: A's lease ran out between the join's check and its claim; the page tries again.
    if (!['room_elsewhere', 'unavailable'].includes(replyCode(back))) break;
    assert.ok(Date.now() - killedAt < LEASE_MS * 3, 'B never took the room over');
    await new Promise((r) => setTimeout(r, 100));
  }
  const takenMs = Date.now() - killedAt;
  assert.ok(back.ok, `Ana's rejoin at B: ${replyCode(back)}`);
  assert.deepEqual([back.data.peerId, back.data.isHost, back.data.locked], [first.peerId, true, true], 'same peer, host, still locked');
  // A's last heartbeat was up to a third of the lease before the kill.
  assert.ok(takenMs >= (LEASE_MS * 2) / 3 - 200, `taken over ${takenMs} ms after the kill, before A's ${LEASE_MS} ms lease ran out`);
  const row = await db.getRoom(id);
  assert.equal(row?.status, 'open');
  await waitFor(async () => (await db.getRecording(cutShort.recordingId))?.status === 'failed', 5000);
  assert.deepEqual(await db.listUnfinishedRecordings(), []);
  // A newcomer is kept out by the lock B kept.
  const carl = await connect({ url: b.url });
  assert.equal(replyCode(await tryJoin(carl, id, 'Carl')), 'room_locked');
  carl.close();
  console.log(`# ${dbUrl.split(':')[0]}: node A killed; node B took its room over and Ana was back in it ${takenMs} ms later (lease ${LEASE_MS} ms); Ben's page, relayed by B, was cut ${cutMs} ms after the kill`);

  // A starts again: the room stays on B (B is alive); a join reaching A is relayed to B, where the lock holds.
  const a2 = await startNode('node-a', dbUrl, [47600, 47699]);
  const dan = await connect({ url: a2.url });
  assert.equal(replyCode(await tryJoin(dan, id, 'Dan')), 'room_locked');
  dan.close();
  // Ben, back through A2 with his token, is relayed into the room on B as the same peer.
  const benAtA2 = await connect({ url: a2.url });
  const benRelayed = await tryJoin(benAtA2, id, 'Ben', benFirst.rejoinToken);
  assert.ok(benRelayed.ok && benRelayed.data.peerId === benFirst.peerId, `Ben via A2: ${replyCode(benRelayed)}`);
  const onB2 = await askOk<{ iceCandidates: Array<{ port: number }> }>(benAtA2, 'createWebRtcTransport', { direction: 'recv' });
  assert.ok(onB2.iceCandidates.every((c) => c.port >= 47700 && c.port <= 47799), 'his media goes to B');
  benAtA2.close();
  await askOk(anaAtB, 'leave', {});
  anaAtB.close();
  for (const n of [a2, b]) n.child.kill('SIGTERM');
}

/**
 * Fencing: A stalls (SIGSTOP) past its lease with Ana inside; B takes the room over; A wakes up
 * (SIGCONT). A must not go on running the room beside B: at its next heartbeat it tells Ana to join
 * again, and her join, still on her connection to A, is relayed to B, where she is expected back.
 */
async function stalledNode(dbUrl: string, db: BandmateDatabase) {
  const a = await startNode('stall-a', dbUrl, [47600, 47699]);
  const b = await startNode('stall-b', dbUrl, [47700, 47799]);
  const { id } = await createRoom({ url: a.url }, 'Stalled node');
  const ana = await connect({ url: a.url });
  const first = (await joinRoom(ana, id, 'Ana')) as unknown as { peerId: string; rejoinToken: string };
  const told = nextEvent<{ reason: string }>(ana, 'mediaRestart', nodes.leaseMs * 6);
  // Her stay is written after her join is answered: stopped before it, A would leave nobody inside
  // to take over (and stopped in the middle of it, SQLite's write lock with it).
  while ((await db.openStayCounts([id])).get(id) !== 1) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  a.child.kill('SIGSTOP');
  const stoppedAt = Date.now();
  try {
    // B takes the room over once A's lease has run out, at its next heartbeat.
    for (;;) {
      const text = await (await fetch(`${b.url}/metrics`)).text();
      if (/^bandmate_rooms 1$/m.test(text)) break;
      assert.ok(Date.now() - stoppedAt < nodes.leaseMs * 4, 'B never took the stalled node’s room');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    a.child.kill('SIGCONT');
  }
  const wokeAt = Date.now();
  assert.match((await told).reason, /another SFU node/);
  const toldMs = Date.now() - wokeAt;
  const back = await tryJoin(ana, id, 'Ana', first.rejoinToken);
  assert.ok(back.ok && back.data.peerId === first.peerId, `Ana back as the same peer: ${replyCode(back)}`);
  const transport = await askOk<{ iceCandidates: Array<{ port: number }> }>(ana, 'createWebRtcTransport', { direction: 'recv' });
  assert.ok(transport.iceCandidates.every((c) => c.port >= 47700 && c.port <= 47799), 'in the room on B (relayed by A)');
  assert.match(await (await fetch(`${a.url}/metrics`)).text(), /^bandmate_rooms 0$/m, 'A runs the room no more');
  console.log(`# ${dbUrl.split(':')[0]}: node A stalled ${wokeAt - stoppedAt} ms, B took its room; A woke and handed it over ${toldMs} ms later, Ana back in it on B`);
  ana.close();
  for (const n of [a, b]) n.child.kill('SIGTERM');
}

for (const database of HARNESS_DATABASES) {
  describe(`two SFU nodes on ${database.name}`, { skip: database.skip }, () => {
    const { url, db } = suiteDatabase(database, path.join(dir, 'nodes.db'));

    // A failed test's nodes must not linger into the next (same ids and port ranges).
    afterEach(() => nodes.stopRunning());
    test('a room runs on one node; a browser reaching the other is relayed to it; that node dies and the other takes it over with its people', { timeout: 90_000 }, () => twoNodes(url(), db()));
    test('a node that stalled past its lease hands the rooms taken from it over when it wakes', { timeout: 60_000 }, () => stalledNode(url(), db()));
  });
}

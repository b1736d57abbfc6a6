// SFU nodes sharing one database (room-nodes.ts) on real databases: SQLite always, PostgreSQL
// when TEST_DATABASE_URL_PG is set. A room runs on one node; a dead node's rooms are taken once.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RoomNotFoundError, type BandmateDatabase } from '../../apps/sfu/src/db/index.ts';
import { onEachDatabase, type DatabaseName } from './databases.ts';

const LEASE = 15_000;
const at = (ms: number) => new Date(Date.UTC(2030, 0, 1) + ms);

function nodesSuite(name: DatabaseName, db: () => BandmateDatabase) {
  it(`${name}: a room runs on one node while that node is alive; a dead node's room may be claimed`, async () => {
    const a = { nodeId: `a-${name}`, leaseMs: LEASE };
    const b = { nodeId: `b-${name}`, leaseMs: LEASE };
    await db().registerNode({ id: a.nodeId, url: 'http://a.example:4000' }, at(0));
    await db().registerNode({ id: b.nodeId, url: null }, at(0));
    const room = await db().createRoom({ name: 'One home' });
    assert.equal(await db().claimRoom(room.id, a, at(1000)), null, 'nobody held it');
    assert.equal(await db().claimRoom(room.id, a, at(2000)), null, 'its own node claims it again');
    assert.deepEqual(await db().claimRoom(room.id, b, at(3000)), { nodeId: a.nodeId, url: 'http://a.example:4000', alive: true }, 'a live node keeps it');
    assert.deepEqual(await db().roomNode(room.id, LEASE, at(3000)), { nodeId: a.nodeId, url: 'http://a.example:4000', alive: true }, 'the read names the holder and where');
    assert.deepEqual(await db().roomNode(room.id, LEASE, at(16_000)), { nodeId: a.nodeId, url: 'http://a.example:4000', alive: false }, 'silent past its lease');
    assert.equal(await db().roomNode('doesNotExi', LEASE, at(3000)), null);
    assert.deepEqual(await db().roomsNotHeldBy(a.nodeId, [room.id]), [], 'A holds it');
    assert.deepEqual(await db().roomsNotHeldBy(b.nodeId, [room.id, 'doesNotExi']), [room.id], 'B does not (fencing)');
    // A keeps beating; B still cannot have it. A falls silent past its lease: B can.
    await db().heartbeat(a.nodeId, { rooms: 1, peers: 3 }, at(10_000));
    assert.notEqual(await db().claimRoom(room.id, b, at(20_000)), null, 'renewed at 10 s, A holds it to 25 s');
    const live = await db().liveNodes(LEASE, at(20_000));
    assert.deepEqual(live.map((n) => [n.id, n.rooms, n.peers]), [[a.nodeId, 1, 3]], 'B has not beaten since 0 s');
    await db().heartbeat(b.nodeId, { rooms: 0, peers: 0 }, at(26_000));
    // Not as a new session while A's session has someone inside: that is taken over with them.
    const ana = await db().recordJoin({ roomId: room.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    assert.deepEqual(await db().claimRoom(room.id, b, at(26_000)), { nodeId: a.nodeId, url: null, alive: false }, 'A is dead with Ana inside');
    await db().recordLeave(ana.id);
    assert.equal(await db().claimRoom(room.id, b, at(26_000)), null, 'once nobody is inside (Ana left, the session closed), B takes it');
    assert.notEqual(await db().claimRoom(room.id, a, at(26_500)), null, 'and A, back, does not take it back');
    // Closing the session frees the room for any node.
    await db().closeRoom(room.id);
    assert.equal(await db().roomNode(room.id, LEASE, at(27_000)), null, 'a closed session has no node');
    assert.deepEqual(await db().roomsNotHeldBy(b.nodeId, [room.id]), [room.id], 'nor does anyone once its session closed');
    assert.equal(await db().claimRoom(room.id, a, at(27_000)), null);
    // A node that stops gives its lease up at once.
    await db().heartbeat(a.nodeId, { rooms: 1, peers: 1 }, at(28_000));
    await db().releaseNode(a.nodeId);
    assert.equal(await db().claimRoom(room.id, b, at(28_500)), null, 'released: no need to wait for the lease');
    await assert.rejects(db().claimRoom('doesNotExi', a, at(29_000)), RoomNotFoundError);
  });

  it(`${name}: a room moving to another media worker keeps its session and node while its people leave and come back`, async () => {
    const a = { nodeId: `move-a-${name}`, leaseMs: LEASE };
    await db().registerNode({ id: a.nodeId, url: null });
    const room = await db().createRoom({ name: 'Moving' });
    assert.equal(await db().claimRoom(room.id, a), null);
    await db().setRoomLocked(room.id, true);
    const ana = await db().recordJoin({ roomId: room.id, displayName: 'Ana', role: 'musician', peerId: 'pm-a' });
    const ben = await db().recordJoin({ roomId: room.id, displayName: 'Ben', role: 'musician', peerId: 'pm-b' });
    await db().recordLeave(ana.id, { keepSession: true });
    const last = await db().recordLeave(ben.id, { keepSession: true });
    assert.equal(last.remaining, 0);
    assert.equal(last.endedSession, null, 'the session goes on');
    assert.equal(last.roomClosed, false);
    assert.deepEqual(await db().roomsNotHeldBy(a.nodeId, [room.id]), [], 'still A’s: its fencing keeps the room');
    const stored = await db().getRoom(room.id);
    assert.equal(stored?.status, 'open');
    assert.equal(await db().isRoomLocked(room.id), true, 'the lock stays');
    // Without the flag the last leave ends it (the check above can fail).
    const back = await db().recordJoin({ roomId: room.id, displayName: 'Ana', role: 'musician', peerId: 'pm-a' });
    const ended = await db().recordLeave(back.id);
    assert.notEqual(ended.endedSession, null);
    assert.deepEqual(await db().roomsNotHeldBy(a.nodeId, [room.id]), [room.id]);
  });

  it(`${name}: the interrupted rooms of a dead node are taken once, by one node; a live node's are left alone`, async () => {
    const now = Date.now();
    const a = { nodeId: `sweep-a-${name}`, leaseMs: LEASE };
    const b = { nodeId: `sweep-b-${name}`, leaseMs: LEASE };
    const c = { nodeId: `sweep-c-${name}`, leaseMs: LEASE };
    // Rooms other tests of this database left open would be taken too: take them first.
    await db().takeInterruptedRooms();
    for (const n of [a, b, c]) await db().registerNode({ id: n.nodeId, url: null });
    const onA = await db().createRoom({ name: 'On A' });
    const onB = await db().createRoom({ name: 'On B' });
    for (const [room, node] of [[onA, a], [onB, b]] as const) {
      assert.equal(await db().claimRoom(room.id, node), null);
      await db().recordJoin({ roomId: room.id, displayName: 'Ana', role: 'musician', peerId: `p-${room.id}` });
    }
    // All alive: a sweep by C (not its own rooms) takes nothing, and closes nobody's stay.
    assert.deepEqual(await db().takeInterruptedRooms({ ...c, own: false }), []);
    assert.equal((await db().listParticipants(onA.id, { activeOnly: true })).length, 1);
    // A room whose record names no node, but which C runs now (skip), is not taken either.
    const bare = await db().createRoom({ name: 'Running on C' });
    const cy = await db().recordJoin({ roomId: bare.id, displayName: 'Cy', role: 'musician', peerId: 'p-bare' });
    assert.deepEqual(await db().takeInterruptedRooms({ ...c, own: false, skip: [bare.id] }), []);
    assert.equal((await db().listParticipants(bare.id, { activeOnly: true })).length, 1, 'Cy is still in');
    await db().recordLeave(cy.id);
    // A dies (its last heartbeat 20 s ago): B and C sweep at once; exactly one takes A's room.
    await db().heartbeat(a.nodeId, { rooms: 1, peers: 1 }, new Date(now - 20_000));
    assert.deepEqual(await db().takeInterruptedRooms({ ...c, own: false, only: onB.id }), [], 'asked for one room (B’s, alive), it takes no other');
    const [byB, byC] = await Promise.all([db().takeInterruptedRooms({ ...b, own: false }), db().takeInterruptedRooms({ ...c, own: false })]);
    const taken = [...byB, ...byC];
    assert.deepEqual(taken.map((t) => [t.roomId, t.people.map((p) => p.peerId)]), [[onA.id, [`p-${onA.id}`]]], 'A’s room, once, with its people');
    const winner = byB.length ? b : c;
    assert.notEqual(await db().claimRoom(onA.id, winner === b ? c : b), null, 'it runs on the node that took it');
    assert.equal((await db().listParticipants(onB.id, { activeOnly: true })).length, 1, 'B’s live room was left alone');
    // A restarted process of B (same node id) takes its own node's rooms back.
    const own = await db().takeInterruptedRooms({ ...b, own: true });
    assert.ok(own.some((t) => t.roomId === onB.id));
  });
}

onEachDatabase('SFU nodes and room leases', nodesSuite);

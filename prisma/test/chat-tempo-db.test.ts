// Repository tests of room chat (apps/sfu/src/db/chat.ts) and the stored tempo
// (apps/sfu/src/db/tempo.ts) against real databases: SQLite in a temp dir (always) and
// PostgreSQL at TEST_DATABASE_URL_PG (skipped when unset; `npm run test:unit` starts a
// throwaway server, or: node scripts/test/postgres.mjs -- node --import tsx --test prisma/test/chat-tempo-db().test.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { NoOpenSessionError, RoomNotFoundError, type BandmateDatabase } from '../../apps/sfu/src/db/index.ts';
import { onEachDatabase, type DatabaseName } from './databases.ts';

const peer = () => `peer-${randomUUID()}`;

function chatTempoSuite(name: DatabaseName, db: () => BandmateDatabase) {
  it(`${name}: chat lines are kept with the open session, listed oldest first, and a new session starts empty`, async () => {
    const room = await db().createRoom({ name: 'Chatty' });
    await assert.rejects(
      db().addChatMessage({ roomId: room.id, peerId: peer(), displayName: 'Ana', body: 'anyone?' }),
      NoOpenSessionError,
      'no session before anyone joined',
    );
    assert.deepEqual(await db().listChatMessages(room.id), []);

    const anaPeer = peer();
    const ana = await db().recordJoin({ roomId: room.id, displayName: 'Ana', role: 'musician', peerId: anaPeer });
    const [session] = await db().listSessions(room.id);
    const first = await db().addChatMessage({ roomId: room.id, peerId: anaPeer, displayName: 'Ana', body: '<b>hi</b> ünïcødé 🎸' });
    assert.equal(first.sessionId, session!.id);
    assert.equal(first.body, '<b>hi</b> ünïcødé 🎸', 'stored verbatim; rendering escapes it');
    assert.equal(first.userId, null);
    assert.ok(first.createdAt instanceof Date);
    for (let i = 0; i < 5; i++) {
      await db().addChatMessage({ roomId: room.id, peerId: anaPeer, displayName: 'Ana', body: `line ${i}` });
      await new Promise((r) => setTimeout(r, 3)); // distinct timestamps: order is by time
    }
    const all = await db().listChatMessages(room.id);
    assert.deepEqual(all.map((m) => m.body), ['<b>hi</b> ünïcødé 🎸', 'line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    const lastTwo = await db().listChatMessages(room.id, { limit: 2 });
    assert.deepEqual(lastTwo.map((m) => m.body), ['line 3', 'line 4'], 'the newest `limit`, oldest first');

    await assert.rejects(db().addChatMessage({ roomId: room.id, peerId: anaPeer, displayName: 'Ana', body: '   ' }), TypeError);
    await assert.rejects(db().addChatMessage({ roomId: room.id, peerId: anaPeer, displayName: 'Ana', body: 'x'.repeat(2001) }), TypeError);

    // The last one leaves: the session ends, its messages stay with it.
    await db().recordLeave(ana.id);
    assert.deepEqual(await db().listChatMessages(room.id), []);
    assert.equal((await db().listChatMessages(room.id, { sessionId: session!.id })).length, 6);
    await db().recordJoin({ roomId: room.id, displayName: 'Ben', role: 'listener', peerId: peer() });
    assert.deepEqual(await db().listChatMessages(room.id), [], 'a new session has its own history');
    const other = await db().createRoom({ name: 'Other' });
    assert.deepEqual(await db().listChatMessages(other.id, { sessionId: session!.id }), [], 'never another room’s lines');
  });

  it(`${name}: the tempo is stored on the room, with the schema's defaults and limits`, async () => {
    const room = await db().createRoom({ name: 'In time' });
    assert.deepEqual(await db().getRoomTempo(room.id), { bpm: 100, beatsPerBar: 4 });
    assert.deepEqual(await db().setRoomTempo(room.id, { bpm: 172, beatsPerBar: 7 }), { bpm: 172, beatsPerBar: 7 });
    assert.deepEqual(await db().getRoomTempo(room.id), { bpm: 172, beatsPerBar: 7 });
    await assert.rejects(db().setRoomTempo(room.id, { bpm: 301, beatsPerBar: 4 }), RangeError);
    await assert.rejects(db().setRoomTempo(room.id, { bpm: 120, beatsPerBar: 0 }), RangeError);
    await assert.rejects(db().setRoomTempo('doesNotExi', { bpm: 120, beatsPerBar: 4 }), RoomNotFoundError);
    assert.equal(await db().getRoomTempo('doesNotExi'), null);
    assert.deepEqual(await db().getRoomTempo(room.id), { bpm: 172, beatsPerBar: 7 });
  });
}

onEachDatabase('chat and tempo', chatTempoSuite);

// What survives the SFU process (room-resume.ts) on real databases: SQLite always, PostgreSQL
// when TEST_DATABASE_URL_PG is set (npm run test:unit starts a throwaway server for it).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RoomNotFoundError, type BandmateDatabase } from '../../apps/sfu/src/db/index.ts';
import { onEachDatabase, type DatabaseName } from './databases.ts';

function resumeSuite(name: DatabaseName, db: () => BandmateDatabase) {
  it(`${name}: the host is recorded as it moves, and cleared when the room closes`, async () => {
    const room = await db().createRoom({ name: 'Band' });
    assert.equal(await db().roomHost(room.id), null);
    await db().setRoomHost(room.id, 'peer-a');
    assert.equal(await db().roomHost(room.id), 'peer-a');
    await db().setRoomHost(room.id, null);
    assert.equal(await db().roomHost(room.id), null);
    await db().setRoomHost(room.id, 'peer-b');
    await db().closeRoom(room.id);
    assert.equal(await db().roomHost(room.id), null, 'a closed session has no host');
    await assert.rejects(db().setRoomHost('doesNotExi', 'x'), RoomNotFoundError);
    await assert.rejects(db().setRoomHost(room.id, 'x'.repeat(65)), TypeError);
  });

  it(`${name}: a session ends in one write: whoever reads the room closed reads it unlocked, with no host`, async () => {
    const room = await db().createRoom({ name: 'Locked lesson' });
    const ana = await db().recordJoin({ roomId: room.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    await db().setRoomLocked(room.id, true);
    await db().setRoomHost(room.id, 'pa');
    await db().setRoomAiLineup(room.id, [{ instrument: 'drums', volume: 1 }]);
    // The last person leaving closes the room.
    const left = await db().recordLeave(ana.id);
    assert.equal(left.roomClosed, true);
    assert.equal((await db().getRoom(room.id))?.status, 'closed');
    assert.equal(await db().isRoomLocked(room.id), false, 'the lock ends with the session');
    assert.equal(await db().roomHost(room.id), null);
    // So does closing it from the SFU, and starting a new session.
    await db().setRoomLocked(room.id, true);
    await db().closeRoom(room.id);
    assert.equal(await db().isRoomLocked(room.id), false);
    await db().setRoomLocked(room.id, true);
    await db().setRoomHost(room.id, 'pa');
    await db().clearSessionRecord(room.id);
    assert.deepEqual([await db().isRoomLocked(room.id), await db().roomHost(room.id)], [false, null]);
  });

  it(`${name}: the AI players are recorded with the session, come back with an interrupted one, and go when the room closes`, async () => {
    await db().takeInterruptedRooms();
    const band = await db().createRoom({ name: 'With a drummer' });
    await db().recordJoin({ roomId: band.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    const lineup = [{ instrument: 'drums', volume: 1 }, { instrument: 'bass', volume: 0.5 }];
    await db().setRoomAiLineup(band.id, lineup);
    const [taken] = await db().takeInterruptedRooms();
    assert.deepEqual(taken?.aiLineup, lineup, 'in order, with their volumes');
    await assert.rejects(db().setRoomAiLineup(band.id, [{ instrument: 'drums', volume: 9 }]), TypeError);
    await assert.rejects(db().setRoomAiLineup(band.id, Array.from({ length: 5 }, () => ({ instrument: 'drums', volume: 1 }))), TypeError);
    await assert.rejects(db().setRoomAiLineup('doesNotExi', []), RoomNotFoundError);
    await db().recordJoin({ roomId: band.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    await db().setRoomAiLineup(band.id, []);
    assert.deepEqual((await db().takeInterruptedRooms())[0]?.aiLineup, [], 'none left');
    await db().setRoomAiLineup(band.id, lineup);
    await db().closeRoom(band.id);
    await db().recordJoin({ roomId: band.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    assert.deepEqual((await db().takeInterruptedRooms())[0]?.aiLineup, [], 'a closed session keeps no AI players');
  });

  it(`${name}: the host's decisions about people are kept with the session and cleared with it`, async () => {
    await db().takeInterruptedRooms();
    const band = await db().createRoom({ name: 'Strict host' });
    await db().recordJoin({ roomId: band.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    const standing = { 'peer:pb': { removed: true }, 'user:u-cy': { listenOnly: true, muted: true } };
    await db().setRoomStanding(band.id, standing);
    await db().setRoomAiLineup(band.id, [{ instrument: 'drums', volume: 1 }]);
    assert.deepEqual((await db().takeInterruptedRooms())[0]?.standing, standing);
    await assert.rejects(db().setRoomStanding(band.id, { 'connection:abc': { removed: true } }), TypeError, 'connections do not outlive a process');
    await assert.rejects(db().setRoomStanding('doesNotExi', {}), RoomNotFoundError);
    // A new session starts clean.
    await db().clearSessionRecord(band.id);
    await db().recordJoin({ roomId: band.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    const [again] = await db().takeInterruptedRooms();
    assert.deepEqual([again?.standing, again?.aiLineup], [{}, []]);
    await db().setRoomStanding(band.id, standing);
    await db().closeRoom(band.id);
    await db().recordJoin({ roomId: band.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    assert.deepEqual((await db().takeInterruptedRooms())[0]?.standing, {}, 'a closed session keeps no decisions');
  });

  it(`${name}: the rooms a process left with people inside are taken once, their stays closed but not their session`, async () => {
    // Rooms other tests of this database left open would be taken too: take them first.
    await db().takeInterruptedRooms();
    const band = await db().createRoom({ name: 'Interrupted' });
    const empty = await db().createRoom({ name: 'Left properly' });
    await db().recordJoin({ roomId: band.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    await db().recordJoin({ roomId: band.id, displayName: 'Ben', role: 'listener', peerId: 'pb' });
    const gone = await db().recordJoin({ roomId: empty.id, displayName: 'Cy', role: 'musician', peerId: 'pc' });
    await db().recordLeave(gone.id);
    await db().setRoomLocked(band.id, true);
    await db().setRoomHost(band.id, 'pa');

    const taken = await db().takeInterruptedRooms();
    assert.deepEqual(taken, [{ roomId: band.id, locked: true, hostPeerId: 'pa', people: [{ peerId: 'pa', userId: null }, { peerId: 'pb', userId: null }], aiLineup: [], standing: {} }]);
    assert.deepEqual(await db().takeInterruptedRooms(), [], 'taken once');
    assert.equal((await db().listParticipants(band.id, { activeOnly: true })).length, 0, 'the seats are free again');
    const sessions = await db().listSessions(band.id);
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]!.endedAt, null, 'the session goes on');
    // A returning person continues it.
    await db().recordJoin({ roomId: band.id, displayName: 'Ana', role: 'musician', peerId: 'pa' });
    assert.equal((await db().listSessions(band.id)).length, 1);
  });
}

onEachDatabase('room resume', resumeSuite);

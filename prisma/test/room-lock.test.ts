// Room.locked (the host's lock control) on real databases: SQLite always, PostgreSQL when
// TEST_DATABASE_URL_PG is set (npm run test:unit starts a throwaway server for it).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { RoomNotFoundError, type BandmateDatabase } from '../../apps/sfu/src/db/index.ts';
import { onEachDatabase, type DatabaseName } from './databases.ts';

function lockSuite(name: DatabaseName, db: () => BandmateDatabase) {
  it(`${name}: a room starts unlocked, locks and unlocks, and only that room changes`, async () => {
    const room = await db().createRoom({ name: 'Lesson' });
    const other = await db().createRoom({ name: 'Other' });
    assert.equal(await db().isRoomLocked(room.id), false);
    await db().setRoomLocked(room.id, true);
    assert.equal(await db().isRoomLocked(room.id), true);
    assert.equal(await db().isRoomLocked(other.id), false);
    await db().setRoomLocked(room.id, true); // idempotent
    assert.equal(await db().isRoomLocked(room.id), true);
    await db().setRoomLocked(room.id, false);
    assert.equal(await db().isRoomLocked(room.id), false);
  });

  it(`${name}: an unknown room or a non-boolean is refused`, async () => {
    await assert.rejects(db().setRoomLocked('doesNotExi', true), RoomNotFoundError);
    await assert.rejects(db().isRoomLocked('doesNotExi'), RoomNotFoundError);
    const room = await db().createRoom({ name: 'Typed' });
    await assert.rejects(db().setRoomLocked(room.id, 'yes' as unknown as boolean), TypeError);
    assert.equal(await db().isRoomLocked(room.id), false);
  });
}

onEachDatabase('room lock', lockSuite);

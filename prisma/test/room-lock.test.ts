// Room.locked (the host's lock control) on real databases: SQLite always, PostgreSQL when
// TEST_DATABASE_URL_PG is set (npm run test:unit starts a throwaway server for it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase, RoomNotFoundError, type BandmateDatabase } from '../../apps/sfu/src/db/index.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PG_URL = process.env.TEST_DATABASE_URL_PG;

function lockSuite(name: string, getUrl: () => string) {
  let db: BandmateDatabase;
  before(async () => {
    const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/install/database.mjs'), '--migrate-only'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: getUrl() },
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, `migration failed:\n${res.stdout}\n${res.stderr}`);
    db = await openDatabase(getUrl());
  });
  after(async () => {
    await db?.close();
  });

  it(`${name}: a room starts unlocked, locks and unlocks, and only that room changes`, async () => {
    const room = await db.createRoom({ name: 'Lesson' });
    const other = await db.createRoom({ name: 'Other' });
    assert.equal(await db.isRoomLocked(room.id), false);
    await db.setRoomLocked(room.id, true);
    assert.equal(await db.isRoomLocked(room.id), true);
    assert.equal(await db.isRoomLocked(other.id), false);
    await db.setRoomLocked(room.id, true); // idempotent
    assert.equal(await db.isRoomLocked(room.id), true);
    await db.setRoomLocked(room.id, false);
    assert.equal(await db.isRoomLocked(room.id), false);
  });

  it(`${name}: an unknown room or a non-boolean is refused`, async () => {
    await assert.rejects(db.setRoomLocked('doesNotExi', true), RoomNotFoundError);
    await assert.rejects(db.isRoomLocked('doesNotExi'), RoomNotFoundError);
    const room = await db.createRoom({ name: 'Typed' });
    await assert.rejects(db.setRoomLocked(room.id, 'yes' as unknown as boolean), TypeError);
    assert.equal(await db.isRoomLocked(room.id), false);
  });
}

describe('room lock on SQLite (temp file)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-lock-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  lockSuite('sqlite', () => `file:${path.join(dir, 'test.db')}`);
});

describe('room lock on PostgreSQL (TEST_DATABASE_URL_PG)', { skip: PG_URL ? false : 'TEST_DATABASE_URL_PG is not set' }, () => {
  lockSuite('postgresql', () => PG_URL!);
});

// Recordings do not pile up forever: finished ones older than RECORDINGS_RETENTION_DAYS are
// deleted (row and files) at start and every hour; running ones and newer ones stay; 0 keeps all.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { loadRecordingConfig } from '../src/recording/recording-config.ts';
import { RecordingRemoval } from '../src/recording/recording-removal.ts';
import { setUpRecordings } from '../src/recording/room-recordings.ts';
import { createRoom, startHarness, type Harness } from './harness.ts';
import { storeRecording } from './stored-recordings.ts';

const DAY = 86_400_000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-rec-retention-'));
const logger = createLogger('silent');
let h: Harness;
let db: BandmateDatabase;

before(async () => {
  h = await startHarness({ RECORDINGS_DIR: dir });
  db = await openDatabase(h.databaseUrl);
});
after(async () => {
  await db.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

test('retention: 30 days by default, 0 keeps recordings forever', () => {
  assert.equal(loadRecordingConfig({}).retentionMs, 30 * DAY);
  assert.equal(loadRecordingConfig({ RECORDINGS_RETENTION_DAYS: '0' }).retentionMs, 0);
  assert.equal(loadRecordingConfig({}).maxStoredPerRoom, 50);
  assert.throws(() => loadRecordingConfig({ RECORDINGS_RETENTION_DAYS: '-1' }), /RECORDINGS_RETENTION_DAYS/);
  assert.throws(() => loadRecordingConfig({ RECORDINGS_MAX_PER_ROOM: '51' }), /RECORDINGS_MAX_PER_ROOM/);
});

test('a sweep deletes the finished recordings older than the retention, rows and files, and nothing else', async () => {
  const { id: roomId } = await createRoom(h.sfu, 'Old jams');
  const now = Date.now();
  const old = await storeRecording(db, dir, roomId, { startedAt: new Date(now - 31 * DAY) });
  const oldFailed = await storeRecording(db, dir, roomId, { startedAt: new Date(now - 40 * DAY), status: 'failed' });
  const recent = await storeRecording(db, dir, roomId, { startedAt: new Date(now - 29 * DAY) });
  const stillRunning = await storeRecording(db, dir, roomId, { startedAt: new Date(now - 31 * DAY), status: 'recording' });

  const forever = new RecordingRemoval(db, dir, 0, logger);
  assert.equal(await forever.sweep(), 0, 'a retention of 0 keeps everything');

  const removal = new RecordingRemoval(db, dir, 30 * DAY, logger, () => now);
  const deleted: string[] = [];
  removal.on('deleted', (_room, id) => deleted.push(id));
  assert.equal(await removal.sweep(), 2);
  assert.deepEqual(new Set(deleted), new Set([old.id, oldFailed.id]));
  for (const gone of [old, oldFailed]) {
    assert.equal(await db.getRecording(gone.id), null);
    assert.equal(existsSync(gone.folder), false);
  }
  for (const kept of [recent, stillRunning]) {
    assert.ok(await db.getRecording(kept.id));
    assert.ok(existsSync(kept.folder));
  }
  assert.equal(await removal.sweep(), 0, 'nothing left to sweep');
});

test('the SFU sweeps as its recordings start up', async () => {
  const { id: roomId } = await createRoom(h.sfu, 'Forgotten');
  const old = await storeRecording(db, dir, roomId, { startedAt: new Date(Date.now() - 365 * DAY) });
  const recordings = setUpRecordings({ settings: loadRecordingConfig({ RECORDINGS_DIR: dir }), store: db, logger });
  try {
    const deadline = Date.now() + 5000;
    // Its row goes first, then its folder.
    while (existsSync(old.folder) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await db.getRecording(old.id), null);
    assert.equal(existsSync(old.folder), false);
  } finally {
    await recordings.close();
  }
});

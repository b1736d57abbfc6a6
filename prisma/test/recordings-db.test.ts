// Repository tests of recordings and their tracks (apps/sfu/src/db/recordings.ts) against real
// databases: SQLite in a temp dir (always) and PostgreSQL at TEST_DATABASE_URL_PG (skipped when
// unset; `npm run test:unit` starts a throwaway server, or:
//   node scripts/test/postgres.mjs -- node --import tsx --test prisma/test/recordings-db().test.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { RecordingNotFoundError, type BandmateDatabase, type NewRecordingTrack } from '../../apps/sfu/src/db/index.ts';
import { onEachDatabase, type DatabaseName } from './databases.ts';

const stem = (label: string, file: string, kind: NewRecordingTrack['kind'] = 'participant'): NewRecordingTrack => ({
  kind,
  label,
  file,
  sampleRate: 48000,
  channels: 2,
  durationMs: 5000,
  peaks: [0, 0.25, 0.5, 1],
});

function recordingSuite(name: DatabaseName, db: () => BandmateDatabase) {
  it(`${name}: a recording is created, finished with its tracks, listed newest first with the host's name`, async () => {
    const room = await db().createRoom({ name: 'Recorded jam' });
    const peerId = `peer-${randomUUID()}`;
    await db().recordJoin({ roomId: room.id, displayName: 'Hana', role: 'musician', peerId });
    const id = randomUUID();
    const startedAt = new Date(Date.now() - 5000);
    const created = await db().createRecording({ id, roomId: room.id, startedById: peerId, startedAt });
    assert.deepEqual([created.id, created.status, created.endedAt, created.tracks], [id, 'recording', null, []]);
    assert.equal(created.startedAt.getTime(), startedAt.getTime());

    const endedAt = new Date();
    const exactStart = new Date(startedAt.getTime() + 37);
    const done = await db().finishRecording(id, {
      status: 'ready',
      startedAt: exactStart,
      endedAt,
      durationMs: 5000.4,
      // Out of order on purpose: the mixdown is listed last, stems in file order.
      tracks: [stem('Mixdown', 'mix.wav', 'mix'), stem('Ben', '02-participant.wav'), stem('AI · mirror', '03-ai.wav', 'ai'), stem('Hana', '01-participant.wav')],
    });
    assert.equal(done.status, 'ready');
    assert.equal(done.durationMs, 5000);
    assert.equal(done.endedAt?.getTime(), endedAt.getTime());
    assert.equal(done.startedAt.getTime(), exactStart.getTime(), 'the exact start replaces the provisional one');
    assert.deepEqual(done.tracks.map((t) => [t.label, t.kind]), [['Hana', 'participant'], ['Ben', 'participant'], ['AI · mirror', 'ai'], ['Mixdown', 'mix']]);
    assert.deepEqual(done.tracks[0]!.peaks, [0, 0.25, 0.5, 1]);
    assert.equal(done.tracks[0]!.offsetMs, 0);

    const older = await db().createRecording({ roomId: room.id, startedById: null, startedAt: new Date(Date.now() - 60_000) });
    const list = await db().listRecordings(room.id);
    assert.deepEqual(list.map((r) => r.id), [id, older.id]);
    assert.equal(list[0]!.startedBy, 'Hana');
    assert.equal(list[1]!.startedBy, null);
    assert.deepEqual(await db().listRecordings(room.id, { limit: 1 }).then((l) => l.map((r) => r.id)), [id]);
    assert.deepEqual(await db().listRecordings('noSuchRoom'), []);

    const track = done.tracks[1]!;
    const found = await db().getRecordingTrack(id, track.id);
    assert.deepEqual([found?.track.file, found?.roomId, found?.status], ['02-participant.wav', room.id, 'ready']);
    assert.equal(await db().getRecordingTrack(older.id, track.id), null, 'a track is only found under its own recording');
    assert.equal((await db().getRecording(id))?.tracks.length, 4);
  });

  it(`${name}: bad tracks are refused; unknown recordings throw; unfinished ones are failed after a restart`, async () => {
    const room = await db().createRoom({ name: 'Crash' });
    const rec = await db().createRecording({ roomId: room.id });
    for (const bad of [stem('x', '../etc/passwd'), stem('x', 'a.mp3'), { ...stem('x', 'ok.wav'), peaks: [2] }, { ...stem('x', 'ok.wav'), kind: 'video' as 'mix' }]) {
      await assert.rejects(db().finishRecording(rec.id, { status: 'ready', endedAt: new Date(), durationMs: 1, tracks: [bad] }), TypeError);
    }
    assert.equal((await db().getRecording(rec.id))?.status, 'recording', 'a refused finish changes nothing');
    await assert.rejects(db().finishRecording(randomUUID(), { status: 'failed', endedAt: new Date(), durationMs: null, tracks: [] }), RecordingNotFoundError);

    assert.ok((await db().failUnfinishedRecordings()) >= 1);
    const failed = await db().getRecording(rec.id);
    assert.equal(failed?.status, 'failed');
    assert.ok(failed?.endedAt instanceof Date);
  });

  it(`${name}: recordings are counted per room, found by age when finished, and deleted with their tracks`, async () => {
    const room = await db().createRoom({ name: 'Shelf' });
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000);
    const finished = async (daysAgo: number, status: 'ready' | 'failed' = 'ready') => {
      const rec = await db().createRecording({ roomId: room.id, startedAt: at(daysAgo) });
      await db().finishRecording(rec.id, { status, endedAt: new Date(), durationMs: 10, tracks: status === 'ready' ? [stem('A', '01-participant.wav')] : [] });
      return rec.id;
    };
    const old = await finished(40);
    const oldFailed = await finished(35, 'failed');
    const recent = await finished(1);
    const running = (await db().createRecording({ roomId: room.id, startedAt: at(50) })).id;
    assert.equal(await db().countRecordings(room.id), 4);
    assert.equal(await db().countRecordings('noSuchRoom'), 0);

    const before = at(30);
    const due = (await db().listRecordingsStartedBefore(before, 100)).filter((r) => r.roomId === room.id);
    assert.deepEqual(due.map((r) => r.id), [old, oldFailed], 'finished ones only, oldest first');
    assert.ok(!due.some((r) => r.id === recent || r.id === running));
    assert.equal((await db().listRecordingsStartedBefore(before, 1)).length, 1);

    const track = (await db().getRecording(old))!.tracks[0]!;
    assert.equal(await db().deleteRecording(old), true);
    assert.equal(await db().deleteRecording(old), false, 'once');
    assert.equal(await db().getRecording(old), null);
    assert.equal(await db().getRecordingTrack(old, track.id), null, 'its tracks went with it');
    assert.equal(await db().countRecordings(room.id), 3);
  });

  it(`${name}: recordings go with their room`, async () => {
    const room = await db().createRoom({ name: 'Deleted' });
    const rec = await db().createRecording({ roomId: room.id });
    await db().finishRecording(rec.id, { status: 'ready', endedAt: new Date(), durationMs: 10, tracks: [stem('A', '01-participant.wav')] });
    await assert.rejects(db().createRecording({ roomId: 'noSuchRoom' }));
    assert.equal((await db().listRecordings(room.id)).length, 1);
  });
}

onEachDatabase('recordings', recordingSuite);

// A recording is finished once (fencing, issue 11): a node that stalled past its lease while another
// node took its room over must not finish the recording again when it wakes, nor may the node that
// took over delete what the woken one saved. Both databases.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { RecordingAlreadyFinishedError } from '../src/db/types.ts';
import { createLogger } from '../src/logger.ts';
import { STREAMS_MANIFEST } from '../src/recording/room-recorder.ts';
import { RecordingService, type RecordingSettings } from '../src/recording/recording-service.ts';
import { wavHeader } from '../src/recording/wav-file-writer.ts';
import { HARNESS_DATABASES, suiteDatabase } from './harness.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-finish-once-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const track = { kind: 'participant' as const, label: 'Ana', file: '01-participant.wav', sampleRate: 48000, channels: 2, offsetMs: 0, durationMs: 1000, peaks: [] };

for (const database of HARNESS_DATABASES) {
  describe(`finishing a recording on ${database.name}`, { skip: database.skip }, () => {
    const { db } = suiteDatabase(database, path.join(dir, 'finish.db'));

    test('two nodes finishing one recording at once: one outcome stands, the other is refused and changes nothing', async () => {
      const room = await db().createRoom({ name: 'Fenced' });
      const rec = await db().createRecording({ roomId: room.id });
      const endedAt = new Date();
      const outcomes = await Promise.allSettled([
        db().finishRecording(rec.id, { status: 'ready', endedAt, durationMs: 1000, tracks: [track] }),
        db().finishRecording(rec.id, { status: 'failed', endedAt, durationMs: null, tracks: [] }),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      assert.equal(won.length, 1, JSON.stringify(outcomes.map((o) => o.status)));
      assert.ok(refused[0]!.reason instanceof RecordingAlreadyFinishedError, String(refused[0]!.reason));
      const row = await db().getRecording(rec.id);
      const winner = (won[0] as PromiseFulfilledResult<{ status: string }>).value.status;
      assert.equal(row?.status, winner);
      assert.equal(row?.tracks.length, winner === 'ready' ? 1 : 0, 'no tracks added by the refused finish');
      // And later, once finished, again refused.
      await assert.rejects(db().finishRecording(rec.id, { status: 'ready', endedAt, durationMs: 5, tracks: [track] }), RecordingAlreadyFinishedError);
      assert.equal((await db().getRecording(rec.id))?.tracks.length, winner === 'ready' ? 1 : 0);
    });

    test('a node salvaging a recording its stalled node woke and saved meanwhile leaves it, files and all', async () => {
      const recordings = path.join(dir, `recordings-${database.name}`);
      const room = await db().createRoom({ name: 'Taken over' });
      const id = randomUUID();
      const folder = path.join(recordings, id);
      mkdirSync(folder, { recursive: true });
      // Stems on the shared volume as the woken node left them (one second of a tone, headers done).
      const frames = 48000;
      const data = Buffer.alloc(frames * 4);
      for (let i = 0; i < frames; i++) data.writeInt16LE(Math.round(9000 * Math.sin((2 * Math.PI * 440 * i) / 48000)), 4 * i);
      writeFileSync(path.join(folder, track.file), Buffer.concat([wavHeader({ sampleRate: 48000, channels: 2, bitsPerSample: 16 }, data.length), data]));
      writeFileSync(path.join(folder, STREAMS_MANIFEST), JSON.stringify([{ file: track.file, kind: 'participant', label: 'Ana' }]));
      const rec = await db().createRecording({ id, roomId: room.id });
      // The taking-over node lists the room's unfinished recordings; then the woken node saves it.
      const listed = await db().listUnfinishedRecordings();
      await db().finishRecording(id, { status: 'ready', endedAt: new Date(), durationMs: 1000, tracks: [track] });
      const store = { ...db(), listUnfinishedRecordings: async () => listed };
      const service = new RecordingService(store, { dir: recordings } as RecordingSettings, createLogger('silent'));
      const counts = await service.recoverUnfinished({ only: room.id });
      assert.deepEqual(counts, { saved: 0, failed: 0 });
      assert.ok(existsSync(path.join(folder, track.file)), 'the saved recording’s stem was deleted');
      const row = await db().getRecording(rec.id);
      assert.deepEqual([row?.status, row?.tracks.length], ['ready', 1]);
    });
  });
}

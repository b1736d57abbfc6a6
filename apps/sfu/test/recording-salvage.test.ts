// A recording cut short by a crash of the SFU (issue 12: "a running recording ends as saved or
// failed, never half-written"): its folder as the recorder leaves it when the process dies (stems
// whose headers were never fixed up, a partial last frame, a half-made mixdown), then the SFU
// starts on the same database and folder. It must be saved up to where it stopped, with the
// labels noted as the streams started and a new mixdown that holds every stem; a recording that
// wrote nothing playable is marked failed and its folder deleted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../src/db/index.ts';
import { STREAMS_MANIFEST } from '../src/recording/room-recorder.ts';
import { WavFileReader } from '../src/recording/wav-file-reader.ts';
import { wavHeader, type WavFormat } from '../src/recording/wav-file-writer.ts';
import { HARNESS_DATABASES, startHarness } from './harness.ts';
import { toneAmplitude } from './tone.ts';
// @ts-expect-error plain ESM script without types
import { migrateDatabase } from '../../../scripts/install/database.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-salvage-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const STEM: WavFormat = { sampleRate: 48000, channels: 2, bitsPerSample: 16 };

/** A stem as a crashed writer leaves it: the header still says 0 bytes, the last frame cut in half. */
function crashedStem(file: string, seconds: number, hz: number): void {
  const frames = Math.round(seconds * STEM.sampleRate);
  const data = Buffer.alloc(frames * 4 + 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(0.3 * 32767 * Math.sin((2 * Math.PI * hz * i) / STEM.sampleRate));
    data.writeInt16LE(v, 4 * i);
    data.writeInt16LE(v, 4 * i + 2);
  }
  writeFileSync(file, Buffer.concat([wavHeader(STEM, 0), data]));
}

for (const database of HARNESS_DATABASES) test(`on ${database.name}: a recording cut short by a crash is saved at the next start; one that wrote nothing is failed and deleted`, { skip: database.skip, timeout: 60_000 }, async () => {
  const url = database.env.DATABASE_URL ?? `file:${path.join(dir, 'salvage.db')}`;
  const recordings = path.join(dir, `recordings-${database.name}`);
  await migrateDatabase(url, { quiet: true, log: () => {} });
  const db = await openDatabase(url);
  const room = await db.createRoom({ name: 'Crashed session' });
  const startedAt = new Date(Date.now() - 60_000);

  const cut = randomUUID();
  const cutDir = path.join(recordings, cut);
  mkdirSync(cutDir, { recursive: true });
  crashedStem(path.join(cutDir, '01-participant.wav'), 2.5, 440);
  crashedStem(path.join(cutDir, '02-ai.wav'), 1.5, 660);
  writeFileSync(path.join(cutDir, STREAMS_MANIFEST), JSON.stringify([{ file: '01-participant.wav', kind: 'participant', label: 'Ana' }, { file: '02-ai.wav', kind: 'ai', label: 'AI bass' }]));
  writeFileSync(path.join(cutDir, 'mix.wav'), wavHeader(STEM, 0).subarray(0, 30));
  await db.createRecording({ id: cut, roomId: room.id, startedAt });

  const empty = randomUUID();
  mkdirSync(path.join(recordings, empty), { recursive: true });
  await db.createRecording({ id: empty, roomId: room.id, startedAt });
  await db.close();

  const h = await startHarness({ DATABASE_URL: url, RECORDINGS_DIR: recordings });
  try {
    const again = await openDatabase(url);
    const saved = await again.getRecording(cut);
    const failed = await again.getRecording(empty);
    await again.close();
    assert.equal(saved?.status, 'ready', 'the cut-short recording is saved');
    assert.ok(Math.abs(saved!.durationMs! - 2500) <= 1, `its length is what was written (${saved!.durationMs} ms)`);
    assert.equal(saved!.endedAt?.getTime(), startedAt.getTime() + saved!.durationMs!);
    const byFile = new Map(saved!.tracks.map((t) => [t.file, t]));
    assert.equal(byFile.get('01-participant.wav')?.label, 'Ana');
    assert.equal(byFile.get('02-ai.wav')?.label, 'AI bass');
    assert.equal(byFile.get('02-ai.wav')?.durationMs, 1500);
    assert.equal(byFile.get('mix.wav')?.kind, 'mix');

    // The stems' headers now say what they hold (a player that trusts the header plays it all).
    const stem = readFileSync(path.join(cutDir, '01-participant.wav'));
    assert.equal(stem.readUInt32LE(40), stem.length - 44, 'data size fixed');
    assert.equal(stem.readUInt32LE(4), stem.length - 8, 'RIFF size fixed');
    assert.equal((stem.length - 44) % 4, 0, 'the partial last frame is cut');

    // The new mixdown holds both players where they played.
    const mix = await WavFileReader.open(path.join(cutDir, 'mix.wav'));
    const audio = await mix.read(0, mix.frames);
    await mix.close();
    assert.equal(mix.frames, 2.5 * 48000);
    const at = (s: number, hz: number) => toneAmplitude(audio, s * 48000, (s + 0.5) * 48000, hz, 48000, 2);
    assert.ok(at(0.5, 440) > 0.2 && at(0.5, 660) > 0.2, `both in the first second (${at(0.5, 440).toFixed(2)}, ${at(0.5, 660).toFixed(2)})`);
    assert.ok(at(1.8, 440) > 0.2 && at(1.8, 660) < 0.01, 'only the longer stem after the shorter one ends');

    assert.equal(failed?.status, 'failed', 'nothing playable: failed');
    assert.equal(existsSync(path.join(recordings, empty)), false, 'and its folder is gone');
  } finally {
    await h.close();
  }
});

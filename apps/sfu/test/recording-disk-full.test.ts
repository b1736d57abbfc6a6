// The disk filling up during a recording (issue 12's fault list), on a real file system that
// really fills: the recordings folder is a 2 MB tmpfs mounted in a private mount namespace
// (`unshare`), and two musicians' stems (~190 kB/s each) fill it in a few seconds. The recording
// must stop by itself at once ('disk_full', told to the room), keep every stem up to where the
// disk stopped taking it (saved, not lost), leave the room and the server playing on, and record
// again once space is freed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RecordingSaved, RecordingState } from '@bandmate/shared';
import { openDatabase } from '../src/db/index.ts';
import { WavFileReader } from '../src/recording/wav-file-reader.ts';
import { askOk, connect, createRoom, HARNESS_DATABASES, joinRoom, nextEvent, startHarness } from './harness.ts';
import { plainMusician } from './plain-musician.ts';
import { toneAmplitude } from './tone.ts';

const TMPFS_BYTES = 2 * 1024 * 1024;
const inNamespace = process.env.BANDMATE_DISK_FULL_DIR;

if (!inNamespace) {
  const unshare = spawnSync('unshare', ['-rm', 'true']);
  test('the disk fills up during a recording (in a private mount namespace)', { skip: unshare.status === 0 ? false : 'unshare -rm is not available here', timeout: 120_000 }, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-diskfull-'));
    try {
      const self = fileURLToPath(import.meta.url);
      const run = spawnSync(
        'unshare',
        ['-rm', 'sh', '-c', `mount -t tmpfs -o size=${TMPFS_BYTES} tmpfs "$BANDMATE_DISK_FULL_DIR" && exec "${process.execPath}" --import tsx --test --test-reporter=spec "${self}"`],
        // Without the runner's NODE_TEST_CONTEXT: the inner run is a test run of its own.
        { env: { ...withoutTestContext(process.env), BANDMATE_DISK_FULL_DIR: dir }, encoding: 'utf8', timeout: 110_000 },
      );
      process.stdout.write(run.stdout.split('\n').filter((l) => l.startsWith('#') || /✔|✖|not ok|ok \d/.test(l)).map((l) => `  ${l}\n`).join(''));
      assert.equal(run.status, 0, `the scenario failed:\n${run.stdout}\n${run.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
} else {
  for (const database of HARNESS_DATABASES) test(`scenario on ${database.name}: two musicians recorded onto a 2 MB disk`, { skip: database.skip, timeout: 90_000 }, async () => {
    const recordings = inNamespace;
    for (const name of readdirSync(recordings)) rmSync(path.join(recordings, name), { recursive: true, force: true });
    const h = await startHarness({ RECORDINGS_DIR: recordings, RECORDINGS_MIN_FREE_MB: '0', ...database.env });
    const stops: Array<() => void> = [];
    try {
      const { id } = await createRoom(h.sfu, 'Full disk');
      const host = await connect(h.sfu);
      await joinRoom(host, id, 'Hana');
      const room = h.sfu.registry.get(id)!;
      for (const [ssrc, hz] of [[1111, 440], [2222, 660]] as const) stops.push((await plainMusician(room, { name: `Mia${hz}`, ssrc, hz })).stop);
      await new Promise((r) => setTimeout(r, 300));

      const startedAt = Date.now();
      const stopped = new Promise<RecordingState>((resolve) => {
        const on = (s: RecordingState) => {
          if (!s.active && s.stoppedReason) {
            host.off('recordingState', on);
            resolve(s);
          }
        };
        host.on('recordingState', on);
      });
      const saved = nextEvent<RecordingSaved>(host, 'recordingSaved', 60_000);
      const started = await askOk<RecordingState>(host, 'startRecording', {});
      const state = await stopped;
      const stopMs = Date.now() - startedAt;
      assert.equal(state.stoppedReason, 'disk_full', `stopped because the disk is full (${state.message})`);
      const done = await saved;
      assert.equal(done.status, 'ready', `saved, not failed: ${done.message}`);
      assert.match(done.message ?? '', /disk/, 'the room is told the disk cut it short');

      const db = await openDatabase(h.databaseUrl);
      const rec = (await db.getRecording(started.recordingId!))!;
      await db.close();
      const stems = rec.tracks.filter((t) => t.kind !== 'mix');
      assert.equal(stems.length, 2, `both stems kept: ${JSON.stringify(rec.tracks.map((t) => [t.file, t.durationMs]))}, ${done.message}`);
      const folder = path.join(recordings, rec.id);
      for (const [i, hz] of [440, 660].entries()) {
        const reader = await WavFileReader.open(path.join(folder, stems[i]!.file));
        const audio = await reader.read(0, reader.frames);
        await reader.close();
        assert.ok(reader.frames > 48_000, `stem ${i} kept ${reader.frames} frames`);
        assert.equal(stems[i]!.durationMs, Math.round(reader.frames / 48));
        // The tone up to near the end: a stream's last packets still in flight when the disk stopped
        // the recording end as silence on the common timeline (up to a few hundred ms on a loaded
        // machine), so the last 100 ms block holding the tone is looked for within the last second.
        // A loaded machine can also stall a sender for a few hundred ms (silence on the timeline,
        // rightly): so the tone is asked of most blocks, not of every one.
        const block = 4800;
        const toned = (from: number) => toneAmplitude(audio, from, from + block, hz, 48000, 2) > 0.2;
        let last = reader.frames - block;
        while (last > reader.frames - 48_000 && !toned(last)) last -= block;
        assert.ok(toned(last), `stem ${i} holds its ${hz} Hz tone up to within 1 s of its end`);
        const blocks = Math.floor(last / block);
        let withTone = 0;
        for (let b = 0; b < blocks; b++) if (toned(b * block)) withTone++;
        assert.ok(withTone >= 0.8 * blocks, `stem ${i}: its ${hz} Hz tone in ${withTone} of its ${blocks} 100 ms blocks up to the last one with it (${((reader.frames - last - block) / 48).toFixed(0)} ms before the end)`);
      }
      console.log(`# disk full: the recording stopped ${stopMs} ms after it started, saved ${rec.durationMs} ms in ${rec.tracks.length} tracks (${rec.tracks.some((t) => t.kind === 'mix') ? 'with' : 'without'} a mixdown)`);

      // The room and the server play on; with space freed, the host records again.
      assert.ok(h.sfu.registry.get(id), 'the room is still open');
      const other = await connect(h.sfu);
      await joinRoom(other, id, 'Otto');
      for (const name of readdirSync(recordings)) rmSync(path.join(recordings, name), { recursive: true, force: true });
      const savedAgain = nextEvent<RecordingSaved>(host, 'recordingSaved', 30_000);
      await askOk(host, 'startRecording', {});
      await new Promise((r) => setTimeout(r, 1000));
      await askOk(host, 'stopRecording', {});
      const again = await savedAgain;
      assert.equal(again.status, 'ready', 'recording works again once there is room');
      assert.equal(again.message, undefined, 'and is whole');
      host.close();
      other.close();
    } finally {
      for (const stop of stops) stop();
      await h.close();
    }
  });
}

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...rest } = env;
  return rest;
}

// Names others see (display names, room names) and the file names made from them: cleaned like
// chat of bidi overrides, control characters and line breaks, at the door and on the way out.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { ask, nextEvent, replyCode, startHarness, type Harness } from './harness.ts';

const RLO = '\u202E';
/** Everything a name must not carry: bidi override and isolate, newline, tab, BEL, DEL, a C1 control. */
const DIRTY = `Ev${RLO}il\u2066 \nName\u0007\t\u007F\u0085`;
const CLEAN = 'Evil Name';

let h: Harness;
let db: BandmateDatabase;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-names-'));
const client = () => h.browser();
const code = replyCode;

before(async () => {
  h = await startHarness({ RECORDINGS_DIR: dir, RECORDINGS_MIN_FREE_MB: '0' });
  db = await openDatabase(h.databaseUrl);
});
after(async () => {
  await new Promise((r) => setTimeout(r, 500));
  await db.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a display name is broadcast, answered and used in chat cleaned; one of junk only is refused', async () => {
  const room = (await client().api('POST', '/api/rooms', { name: 'Names' })).body as { id: string };
  const first = await client().join(room.id, { name: 'Ann' });
  assert.equal(code(first.reply), 'ok');
  const told = nextEvent<{ displayName: string }>(first.socket, 'peerJoined');
  const dirty = await client().join(room.id, { name: DIRTY });
  assert.equal(code(dirty.reply), 'ok');
  assert.equal((dirty.reply as unknown as { ok: true; data: { self: { displayName: string } } }).data.self.displayName, CLEAN);
  assert.equal((await told).displayName, CLEAN);
  const said = await ask<{ displayName: string }>(dirty.socket, 'sendChat', { body: 'hi' });
  assert.equal(said.ok && said.data.displayName, CLEAN);

  const junk = await client().join(room.id, { name: `${RLO}\n\u0007 ` });
  assert.equal(code(junk.reply), 'bad_request');
  for (const s of [first.socket, dirty.socket]) await ask(s, 'leave', {});
});

test('room names are cleaned before they are stored and listed in the lobby', async () => {
  const made = await client().api('POST', '/api/rooms', { name: `Jam${RLO}exe.txt\r\nNext line\u0001` });
  assert.equal(made.status, 201);
  assert.equal(made.body.name, 'Jamexe.txt Next line');
  const lobby = (await client().api('GET', '/api/rooms')).body.rooms as Array<{ id: string; name: string }>;
  assert.equal(lobby.find((r) => r.id === made.body.id)?.name, 'Jamexe.txt Next line');
  assert.equal((await db.getRoom(made.body.id))?.name, 'Jamexe.txt Next line');
  assert.equal((await client().api('POST', '/api/rooms', { name: `\u2067\n` })).status, 400);
});

test('account and guest display names are cleaned too', async () => {
  const user = client();
  const up = await user.signUp({ email: `names-${process.pid}@example.com`, password: 'a long password', displayName: DIRTY });
  assert.equal(up.body.user.displayName, CLEAN);
  const room = (await user.api('POST', '/api/rooms', { name: 'Private', visibility: 'private' })).body as { id: string };
  const invite = (await user.api('POST', `/api/rooms/${room.id}/invites`, {})).body.token as string;
  const guest = await client().api('POST', '/api/auth/guest', { roomId: room.id, invite, displayName: DIRTY });
  assert.equal(guest.body.user.displayName, CLEAN);
});

test("a track's download file name is made from the cleaned label, even one stored before names were cleaned", async () => {
  const owner = client();
  await owner.signUp({ email: `rec-${process.pid}@example.com`, password: 'a long password', displayName: 'Olga' });
  const room = (await owner.api('POST', '/api/rooms', { name: 'Recorded', visibility: 'private' })).body as { id: string };
  const recording = await db.createRecording({ roomId: room.id, startedAt: new Date('2026-11-21T15:30:00Z') });
  mkdirSync(path.join(dir, recording.id), { recursive: true });
  writeFileSync(path.join(dir, recording.id, '01-participant.wav'), Buffer.alloc(64));
  const done = await db.finishRecording(recording.id, {
    status: 'ready',
    endedAt: new Date('2026-11-21T15:31:00Z'),
    durationMs: 60_000,
    tracks: [{ kind: 'participant', label: `Mal${RLO}vaw.exe\r\nX\u0007`, file: '01-participant.wav', sampleRate: 48000, channels: 2, durationMs: 60_000 }],
  });
  const head = await fetch(`${h.sfu.url}/api/rooms/${room.id}/recordings/${recording.id}/tracks/${done.tracks[0]!.id}/file`, {
    method: 'HEAD',
    headers: { cookie: `bandmate_session=${owner.cookie}` },
  });
  assert.equal(head.status, 200);
  const disposition = head.headers.get('content-disposition')!;
  assert.equal(disposition, `attachment; filename="bandmate-2026-11-21-1530-Malvaw.exe X.wav"; filename*=UTF-8''bandmate-2026-11-21-1530-Malvaw.exe%20X.wav`);
});

// Recordings hold people's playing and fill the disk: the room's owner deletes them (nobody else:
// not strangers, not members, not another site with the owner's cookie), and a room keeps at
// most RECORDINGS_MAX_PER_ROOM of them.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { recordingPath, recordingTrackPath } from '@bandmate/shared';
import { SESSION_COOKIE } from '../src/auth/sessions.ts';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { ask, createRoom, nextEvent, replyCode, startHarness, type BrowserClient, type Harness } from './harness.ts';
import { storeRecording } from './stored-recordings.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-rec-delete-'));
let h: Harness;
let db: BandmateDatabase;
let seq = 0;

before(async () => {
  h = await startHarness({ RECORDINGS_DIR: dir, RECORDINGS_MIN_FREE_MB: '0', RECORDINGS_MAX_PER_ROOM: '2' });
  db = await openDatabase(h.databaseUrl);
});
after(async () => {
  await new Promise((r) => setTimeout(r, 300));
  await db.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function signedUp(name: string): Promise<BrowserClient> {
  const browser = h.browser();
  const res = await browser.signUp({ email: `${name}-${process.pid}-${++seq}@example.com`, password: 'a long password', displayName: name });
  assert.equal(res.status, 201);
  return browser;
}

/** The owner's cookie sent from `origin` (none: a non-browser client). */
async function deleteWithCookie(owner: BrowserClient, url: string, origin?: string) {
  const res = await fetch(`${h.sfu.url}${url}`, {
    method: 'DELETE',
    headers: { cookie: `${SESSION_COOKIE}=${owner.cookie}`, ...(origin ? { origin } : {}) },
  });
  await res.arrayBuffer();
  return res.status;
}

test("only the room's owner deletes a recording: row and files go and the room is told; nobody else can", async () => {
  const owner = await signedUp('Owner');
  const room = (await owner.api('POST', '/api/rooms', { name: 'Rehearsals' })).body as { id: string };
  const rec = await storeRecording(db, dir, room.id);
  const url = recordingPath(room.id, rec.id);

  assert.equal((await h.browser().api('DELETE', url)).status, 401, 'an anonymous visitor');
  const member = await signedUp('Member');
  const memberIn = await member.join(room.id, { name: 'Member' });
  assert.equal(replyCode(memberIn.reply), 'ok');
  assert.equal((await member.api('DELETE', url)).status, 403, 'a member who is not the owner');
  assert.equal(await deleteWithCookie(owner, url, 'https://evil.example'), 403, "another site with the owner's cookie");
  assert.equal(await deleteWithCookie(owner, url), 403, "the owner's cookie without an Origin");
  assert.equal((await owner.api('GET', url)).status, 405);
  assert.ok(await db.getRecording(rec.id), 'still there');
  assert.ok(existsSync(rec.folder));

  // The web app's page asks first (the SFU is another origin): DELETE is allowed to it.
  const preflight = await fetch(`${h.sfu.url}${url}`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'DELETE' } });
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /DELETE/);

  const told = nextEvent<{ recordingId: string }>(memberIn.socket, 'recordingDeleted');
  const deleted = await owner.api('DELETE', url);
  assert.deepEqual([deleted.status, deleted.body], [200, { recordingId: rec.id }]);
  assert.deepEqual(await told, { recordingId: rec.id });
  assert.equal(await db.getRecording(rec.id), null);
  assert.equal(existsSync(rec.folder), false, 'its files are gone');
  assert.equal((await owner.api('GET', recordingTrackPath(room.id, rec.id, rec.trackId!))).status, 404);
  assert.equal((await owner.api('DELETE', url)).status, 404, 'once');

  // Another room's recording is not this room's to delete; a running one cannot be deleted.
  const elsewhere = await storeRecording(db, dir, (await createRoom(h.sfu, 'Elsewhere')).id);
  assert.equal((await owner.api('DELETE', recordingPath(room.id, elsewhere.id))).status, 404);
  assert.ok(await db.getRecording(elsewhere.id));
  const running = await storeRecording(db, dir, room.id, { status: 'recording' });
  assert.equal((await owner.api('DELETE', recordingPath(room.id, running.id))).status, 409);
  assert.ok(existsSync(running.folder));
  await db.failUnfinishedRecordings();
  assert.equal((await owner.api('DELETE', recordingPath(room.id, running.id))).status, 200, 'once it has ended');
  memberIn.socket.close();
});

test('a room keeps at most RECORDINGS_MAX_PER_ROOM recordings: no new one starts until the owner deletes one', async () => {
  const owner = await signedUp('Keeper');
  const room = (await owner.api('POST', '/api/rooms', { name: 'Full shelf' })).body as { id: string };
  const kept = [await storeRecording(db, dir, room.id), await storeRecording(db, dir, room.id, { status: 'failed' })];
  const host = await owner.join(room.id, { name: 'Keeper' });
  assert.equal(replyCode(host.reply), 'ok');

  const refused = await ask(host.socket, 'startRecording', {});
  assert.equal(replyCode(refused), 'recordings_full');
  assert.match(!refused.ok ? refused.error.message : '', /owner can delete some, or wait: recordings are deleted after 30 days/);

  assert.equal((await owner.api('DELETE', recordingPath(room.id, kept[1]!.id))).status, 200);
  assert.equal(replyCode(await ask(host.socket, 'startRecording', {})), 'ok');
  assert.equal(replyCode(await ask(host.socket, 'stopRecording', {})), 'ok');
  host.socket.close();
});

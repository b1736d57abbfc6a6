// The owner ends a member's membership of a private room: their seat, their way back in, their
// access to the recordings by cookie and the recordings pass they hold all end with it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { ask, nextEvent, replyCode, startHarness, type Harness, waitFor } from './harness.ts';

let h: Harness;
let db: BandmateDatabase;
const client = () => h.browser();
const code = replyCode;

before(async () => {
  h = await startHarness();
  db = await openDatabase(h.databaseUrl);
});
after(async () => {
  await new Promise((r) => setTimeout(r, 500));
  await db.close();
  await h.close();
});

test('the owner removes an invited member: out now, no way back without a new invite, no recordings, no pass', async () => {
  const owner = client();
  const signedUp = await owner.signUp({ email: `owner-${process.pid}@example.com`, password: 'a long password', displayName: 'Olga' });
  assert.equal(signedUp.status, 201);
  const room = (await owner.api('POST', '/api/rooms', { name: 'Lesson', visibility: 'private' })).body as { id: string };
  const invite = (await owner.api('POST', `/api/rooms/${room.id}/invites`, { role: 'musician' })).body as { id: string; token: string };

  const member = client();
  const guest = (await member.api('POST', '/api/auth/guest', { roomId: room.id, invite: invite.token, displayName: 'Mel' })).body.user as { id: string };
  const ownerIn = await owner.join(room.id, { name: 'Olga' });
  assert.equal(code(ownerIn.reply), 'ok');
  const memberIn = await member.join(room.id, { name: 'Mel', invite: invite.token });
  assert.equal(code(memberIn.reply), 'ok');
  const pass = await ask<{ token: string }>(memberIn.socket, 'recordingsAccess', {});
  assert.ok(pass.ok);
  const recordings = `/api/rooms/${room.id}/recordings`;
  assert.equal((await member.api('GET', recordings)).status, 200, 'a member lists the recordings by cookie');
  assert.equal((await fetch(`${h.sfu.url}${recordings}?access=${pass.data.token}`)).status, 200, 'and with the pass');

  // Only the owner sees and removes members.
  const members = await owner.api('GET', `/api/rooms/${room.id}/members`);
  assert.equal(members.status, 200);
  assert.deepEqual(
    (members.body.members as Array<{ userId: string; displayName: string; guest: boolean; musician: boolean }>).map((m) => [m.userId, m.displayName, m.guest, m.musician]),
    [[guest.id, 'Mel', true, true]],
  );
  assert.equal((await member.api('GET', `/api/rooms/${room.id}/members`)).status, 403);
  assert.equal((await member.api('POST', `/api/rooms/${room.id}/members/${guest.id}/remove`)).status, 403);

  const told = nextEvent<{ reason: string }>(memberIn.socket, 'removed');
  const removed = await owner.api('POST', `/api/rooms/${room.id}/members/${guest.id}/remove`);
  assert.deepEqual([removed.status, removed.body.removed], [200, true]);
  assert.match((await told).reason, /owner removed you/);
  assert.equal((await owner.api('POST', `/api/rooms/${room.id}/invites/${invite.id}/revoke`)).status, 200);

  assert.equal((await member.api('GET', recordings)).status, 403, 'the cookie no longer lists the recordings');
  assert.equal((await fetch(`${h.sfu.url}${recordings}?access=${pass.data.token}`)).status, 403, 'the pass they hold is dead');
  assert.deepEqual((await owner.api('GET', `/api/rooms/${room.id}/members`)).body.members, []);
  assert.equal((await member.api('GET', `/api/rooms/${room.id}`)).body.error?.code, 'invite_required', 'not even the room’s details');
  // This session: refused even with a valid invite.
  const fresh = (await owner.api('POST', `/api/rooms/${room.id}/invites`, { role: 'musician' })).body.token as string;
  assert.equal(code((await member.join(room.id, { name: 'Mel', invite: fresh })).reply), 'removed');

  // The session ends (everyone leaves); with no invite, or the revoked one, they stay out.
  assert.ok((await ask(ownerIn.socket, 'leave', {})).ok);
  await waitFor(async () => (await db.listSessions(room.id)).every((s) => s.endedAt !== null) && !h.sfu.registry.get(room.id));
  assert.equal(code((await member.join(room.id, { name: 'Mel' })).reply), 'invite_required');
  assert.equal(code((await member.join(room.id, { name: 'Mel', invite: invite.token })).reply), 'invite_revoked');
  // Only a link the owner hands out again lets them back.
  const back = await member.join(room.id, { name: 'Mel', invite: fresh });
  assert.equal(code(back.reply), 'ok');
  assert.ok((await ask(back.socket, 'leave', {})).ok);
});

test('the owner cannot remove themselves; strangers get 401/403', async () => {
  const owner = client();
  const me = (await owner.signUp({ email: `self-${process.pid}@example.com`, password: 'a long password', displayName: 'Sam' })).body.user as { id: string };
  const room = (await owner.api('POST', '/api/rooms', { name: 'Mine', visibility: 'private' })).body as { id: string };
  const self = await owner.api('POST', `/api/rooms/${room.id}/members/${me.id}/remove`);
  assert.deepEqual([self.status, self.body.error.code], [400, 'bad_request']);
  assert.equal((await client().api('POST', `/api/rooms/${room.id}/members/${me.id}/remove`)).status, 401);
});


// Accounts, sessions, private rooms, invites, the join rules and the access rate limits against a
// real SFU (real mediasoup worker, real SQLite file), over its HTTP API and its signalling, with
// cookies carried by hand the way a browser would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Socket } from 'socket.io-client';
import type { Ack } from '@bandmate/shared';
import { hashSessionToken } from '../src/auth/sessions.ts';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { ask, BrowserClient as Client, startHarness, type Harness, waitFor } from './harness.ts';

const code = (reply: Ack<unknown>) => (reply.ok ? 'ok' : reply.error.code);
let seq = 0;
const email = (who: string) => `${who}-${process.pid}-${++seq}@Example.com`;

async function signUp(client: Client, who: string) {
  const res = await client.signUp({ email: email(who), password: 'a long password', displayName: who });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.user as { id: string; email: string; displayName: string; guest: boolean };
}

describe('accounts, private rooms and invites', () => {
  let h: Harness;
  let db: BandmateDatabase;
  const clients: Client[] = [];
  const client = () => {
    const c = new Client(h.sfu);
    clients.push(c);
    return c;
  };

  before(async () => {
    h = await startHarness();
    db = await openDatabase(h.databaseUrl);
  });
  after(async () => {
    for (const c of clients) c.close();
    // Let the disconnects' leaves reach the database before it closes (PostgreSQL waits for them).
    await new Promise((r) => setTimeout(r, 500));
    await db.close();
    await h.close();
  });

  test('sign up, who am I, sign out, sign in; wrong passwords and duplicates are refused', async () => {
    const ana = client();
    const address = email('ana');
    const up = await ana.signUp({ email: `  ${address} `, password: 'correct horse', displayName: 'Ana' });
    assert.equal(up.status, 201);
    assert.deepEqual(Object.keys(up.body.user).sort(), ['displayName', 'email', 'guest', 'id']);
    assert.equal(up.body.user.email, address.toLowerCase());
    assert.equal(up.body.user.guest, false);
    const setCookie = up.headers.getSetCookie().join('\n');
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']) assert.ok(setCookie.includes(attr), attr);
    assert.match(setCookie, /Max-Age=259(1[89]\d\d|2000);/, 'thirty days');

    // Stored: an argon2id hash and the session token's SHA-256, never the secrets themselves.
    const stored = await db.findUserByEmail(address);
    assert.match(stored!.passwordHash!, /^\$argon2id\$/);
    const session = await db.findAuthSession(hashSessionToken(ana.cookie!));
    assert.equal(session?.user.id, up.body.user.id);
    assert.equal(await db.findAuthSession(ana.cookie!), null, 'the raw token is not a key');

    assert.equal((await ana.api('GET', '/api/auth/me')).body.user.displayName, 'Ana');
    assert.equal((await client().api('GET', '/api/auth/me')).body.user, null, 'no cookie, nobody');

    // A second sign-up with the email is answered like any other (202, a mail) and changes nothing.
    const eve = client();
    const dup = await eve.api('POST', '/api/auth/signup', { email: address.toUpperCase(), password: 'another one', displayName: 'Eve' });
    assert.deepEqual([dup.status, dup.body], [202, { mailSent: true, email: address.toLowerCase() }]);
    assert.equal(eve.cookie, undefined);
    assert.equal((await client().api('POST', '/api/auth/signin', { email: address, password: 'another one' })).status, 401);
    const weak = await client().signUp({ email: email('weak'), password: 'short', displayName: 'W' });
    assert.deepEqual([weak.status, weak.body.error.code], [400, 'bad_request']);
    assert.match(weak.body.error.message, /at least 8/);
    const notJson = await fetch(`${h.sfu.url}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    assert.equal(notJson.status, 415);

    const old = ana.cookie;
    const out = await ana.api('POST', '/api/auth/signout');
    assert.equal(out.status, 200);
    assert.match(out.headers.getSetCookie()[0]!, /Max-Age=0/);
    assert.equal(ana.cookie, undefined);
    ana.cookie = old;
    assert.equal((await ana.api('GET', '/api/auth/me')).body.user, null, 'the old cookie is dead on the server');

    const wrong = await ana.api('POST', '/api/auth/signin', { email: address, password: 'wrong horse' });
    assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'invalid_credentials']);
    const nobody = await ana.api('POST', '/api/auth/signin', { email: email('nobody'), password: 'wrong horse' });
    assert.deepEqual([nobody.status, nobody.body.error], [401, wrong.body.error], 'unknown emails look the same');
    const signIn = await ana.api('POST', '/api/auth/signin', { email: address.toUpperCase(), password: 'correct horse' });
    assert.equal(signIn.status, 200);
    assert.notEqual(ana.cookie, old, 'a new session');
    assert.equal((await ana.api('GET', '/api/auth/me')).body.user.id, up.body.user.id);
  });

  test('private rooms need an account, stay out of the lobby and out of strangers’ sight', async () => {
    const owner = client();
    const user = await signUp(owner, 'Olga');
    const anonymous = client();
    const refused = await anonymous.api('POST', '/api/rooms', { name: 'Secret', visibility: 'private' });
    assert.deepEqual([refused.status, refused.body.error.code], [401, 'auth_required']);
    const publicByAnyone = await anonymous.api('POST', '/api/rooms', { name: 'Open jam' });
    assert.deepEqual([publicByAnyone.status, publicByAnyone.body.visibility, publicByAnyone.body.isOwner], [201, 'public', false]);

    const created = await owner.api('POST', '/api/rooms', { name: 'Lesson', visibility: 'private' });
    assert.equal(created.status, 201);
    assert.equal(created.body.visibility, 'private');
    assert.equal(created.body.isOwner, true);
    assert.equal((await db.getRoom(created.body.id))?.ownerId, user.id);

    const lobby = await anonymous.api('GET', '/api/rooms');
    const ids = (lobby.body.rooms as Array<{ id: string }>).map((r) => r.id);
    assert.ok(ids.includes(publicByAnyone.body.id));
    assert.ok(!ids.includes(created.body.id), 'private rooms are not listed');
    const stranger = await anonymous.api('GET', `/api/rooms/${created.body.id}`);
    assert.deepEqual([stranger.status, stranger.body.error.code], [403, 'invite_required']);
    assert.ok(!JSON.stringify(stranger.body).includes('Lesson'), 'not even its name');
    const mine = await owner.api('GET', `/api/rooms/${created.body.id}`);
    assert.deepEqual([mine.status, mine.body.name, mine.body.isOwner], [200, 'Lesson', true]);
  });

  test('invites: owner only; a guest joins with one; revoked, expired, forged and foreign ones fail', async () => {
    const owner = client();
    await signUp(owner, 'Teo');
    const room = (await owner.api('POST', '/api/rooms', { name: 'Class', visibility: 'private' })).body as { id: string };
    const other = (await owner.api('POST', '/api/rooms', { name: 'Other class', visibility: 'private' })).body as { id: string };

    const stranger = client();
    assert.equal((await stranger.api('GET', `/api/rooms/${room.id}/invites`)).body.error.code, 'auth_required');
    await signUp(stranger, 'Sid');
    const notOwner = await stranger.api('POST', `/api/rooms/${room.id}/invites`, {});
    assert.deepEqual([notOwner.status, notOwner.body.error.code], [403, 'forbidden']);
    assert.equal((await stranger.api('GET', `/api/rooms/${room.id}/invites`)).status, 403);

    const made = await owner.api('POST', `/api/rooms/${room.id}/invites`, { role: 'musician' });
    assert.equal(made.status, 201);
    assert.equal(made.body.status, 'active');
    assert.equal(made.body.expiresAt, null);
    assert.equal(made.body.path, `/room/${room.id}?invite=${made.body.token}`);
    const token = made.body.token as string;
    const foreign = (await owner.api('POST', `/api/rooms/${other.id}/invites`, {})).body.token as string;

    // Straight on the signalling API: no invite, a forged one, another room's one.
    assert.equal(code((await stranger.join(room.id)).reply), 'invite_required');
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    assert.equal(code((await stranger.join(room.id, { invite: forged })).reply), 'invite_invalid');
    assert.equal(code((await stranger.join(room.id, { invite: foreign })).reply), 'invite_invalid');
    assert.equal(code((await stranger.join(room.id, { invite: 'not-a-token' })).reply), 'bad_request');
    // The owner needs no invite.
    const ownerIn = await owner.join(room.id, { name: 'Teo' });
    assert.equal(code(ownerIn.reply), 'ok');

    // A visitor without an account: the invite alone is not an identity; a guest account is.
    const guest = client();
    assert.equal(code((await guest.join(room.id, { invite: token })).reply), 'auth_required');
    const view = await guest.api('GET', `/api/rooms/${room.id}?invite=${token}`);
    assert.deepEqual([view.status, view.body.name, view.body.inviteRole, view.body.isOwner], [200, 'Class', 'musician', false]);
    const became = await guest.api('POST', '/api/auth/guest', { roomId: room.id, invite: token, displayName: 'Gus' });
    assert.equal(became.status, 201);
    assert.deepEqual([became.body.user.guest, became.body.user.email, became.body.user.displayName], [true, null, 'Gus']);
    assert.ok(guest.cookie);
    const guestIn = await guest.join(room.id, { name: 'Gus', invite: token });
    assert.equal(code(guestIn.reply), 'ok');
    assert.equal(guestIn.reply.ok && guestIn.reply.data.roomName, 'Class');
    // Participant.userId is recorded (written just after the join answer).
    await waitFor(async () => (await db.listParticipants(room.id)).some((p) => p.userId === became.body.user.id));
    assert.equal(await h.sfu.access.isRoomMember(became.body.user.id, room.id), true);
    assert.equal(await h.sfu.access.isRoomMember((await stranger.api('GET', '/api/auth/me')).body.user.id, room.id), false);
    assert.equal(await h.sfu.access.isRoomOwner(became.body.user.id, room.id), false);

    // The host revokes the link: nobody new gets in with it, the guest already let in still can.
    const listed = (await owner.api('GET', `/api/rooms/${room.id}/invites`)).body.invites as Array<{ id: string; token: string }>;
    assert.equal(listed.find((i) => i.id === made.body.id)?.token, token, 'the link can be copied again later');
    const revoked = await owner.api('POST', `/api/rooms/${room.id}/invites/${made.body.id}/revoke`);
    assert.deepEqual([revoked.status, revoked.body.status], [200, 'revoked']);
    assert.equal(code((await stranger.join(room.id, { invite: token })).reply), 'invite_revoked');
    const late = client();
    const lateGuest = await late.api('POST', '/api/auth/guest', { roomId: room.id, invite: token, displayName: 'Late' });
    assert.deepEqual([lateGuest.status, lateGuest.body.error.code], [403, 'invite_revoked']);
    assert.equal((await late.api('GET', `/api/rooms/${room.id}?invite=${token}`)).body.error.code, 'invite_revoked');
    await askOkLeave(guestIn.socket);
    assert.equal(code((await guest.join(room.id, { name: 'Gus', invite: token })).reply), 'ok', 'admitted before: still a member');

    // An invite that expires in a second.
    const short = await owner.api('POST', `/api/rooms/${room.id}/invites`, { expiresInSeconds: 1 });
    assert.ok(short.body.expiresAt);
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(code((await stranger.join(room.id, { invite: short.body.token })).reply), 'invite_expired');
    assert.equal((await owner.api('GET', `/api/rooms/${room.id}/invites`)).body.invites.find((i: { id: string }) => i.id === short.body.id).status, 'expired');

    // A listener invite admits listeners only.
    const listen = (await owner.api('POST', `/api/rooms/${room.id}/invites`, { role: 'listener' })).body.token as string;
    assert.equal(code((await stranger.join(room.id, { invite: listen, role: 'musician' })).reply), 'forbidden');
    const listenerIn = await stranger.join(room.id, { invite: listen, role: 'listener', name: 'Sid' });
    assert.equal(code(listenerIn.reply), 'ok');
    await askOkLeave(listenerIn.socket);
    assert.equal(code((await stranger.join(room.id, { role: 'musician' })).reply), 'forbidden', 'let in as a listener only');
    await askOkLeave(ownerIn.socket);
  });

  test('a guest who signs up keeps their account and memberships', async () => {
    const owner = client();
    await signUp(owner, 'Una');
    const room = (await owner.api('POST', '/api/rooms', { name: 'Upgrade', visibility: 'private' })).body as { id: string };
    const token = (await owner.api('POST', `/api/rooms/${room.id}/invites`, {})).body.token as string;
    const guest = client();
    const g = (await guest.api('POST', '/api/auth/guest', { roomId: room.id, invite: token, displayName: 'Val' })).body.user;
    const joined = await guest.join(room.id, { invite: token, name: 'Val' });
    assert.equal(code(joined.reply), 'ok');
    await waitFor(() => h.sfu.access.isRoomMember(g.id, room.id));
    const up = await guest.signUp({ email: email('val'), password: 'now a member', displayName: 'Val' });
    assert.equal(up.status, 201);
    assert.deepEqual([up.body.user.id, up.body.user.guest], [g.id, false]);
    assert.equal(await h.sfu.access.isRoomMember(g.id, room.id), true);
    await askOkLeave(joined.socket);
  });

  test('a locked room refuses newcomers, not its owner or people who were in this session', async () => {
    const owner = client();
    await signUp(owner, 'Lou');
    const room = (await owner.api('POST', '/api/rooms', { name: 'Lockable' })).body as { id: string };
    const ownerIn = await owner.join(room.id, { name: 'Lou' });
    assert.equal(code(ownerIn.reply), 'ok');
    const member = client();
    await signUp(member, 'Mo');
    const memberIn = await member.join(room.id, { name: 'Mo' });
    assert.equal(code(memberIn.reply), 'ok');
    await waitFor(async () => (await db.listParticipants(room.id)).length === 2);

    const live = h.sfu.registry.get(room.id)!;
    await h.sfu.registry.setLocked(live, true);
    const newcomer = client();
    assert.equal(code((await newcomer.join(room.id)).reply), 'room_locked');
    await signUp(newcomer, 'New');
    assert.equal(code((await newcomer.join(room.id)).reply), 'room_locked');
    // Mo drops out and comes back (a reconnect): still admitted.
    await askOkLeave(memberIn.socket);
    assert.equal(code((await member.join(room.id, { name: 'Mo' })).reply), 'ok');
    await h.sfu.registry.setLocked(live, false);
    assert.equal(code((await newcomer.join(room.id)).reply), 'ok');
    await askOkLeave(ownerIn.socket);
  });

  test('a stale or foreign session cookie is simply nobody', async () => {
    const c = client();
    c.cookie = 'A'.repeat(43);
    assert.equal((await c.api('GET', '/api/auth/me')).body.user, null);
    const room = (await client().api('POST', '/api/rooms', { name: 'Public' })).body as { id: string };
    const joined = await c.join(room.id);
    assert.equal(code(joined.reply), 'ok', 'a public room still admits them');
    await askOkLeave(joined.socket);
  });
});

describe('access rate limits', () => {
  let h: Harness;
  const clients: Client[] = [];
  before(async () => {
    h = await startHarness({
      SFU_LIMIT_SIGNIN_ACCOUNT: '3/1',
      SFU_LIMIT_AUTH_IP: '8/1',
      SFU_LIMIT_ROOM_CREATE_IP: '4/1',
      SFU_LIMIT_ROOM_CREATE_ACCOUNT: '2/1',
      SFU_LIMIT_JOIN_IP: '3/1',
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await new Promise((r) => setTimeout(r, 500));
    await h.close();
  });

  test('room creation per account, then per address; joins per address', async () => {
    const owner = new Client(h.sfu);
    const anonymous = new Client(h.sfu);
    clients.push(owner, anonymous);
    await signUp(owner, 'Busy');
    const mine: number[] = [];
    for (let i = 0; i < 3; i++) mine.push((await owner.api('POST', '/api/rooms', { name: `Mine ${i}` })).status);
    assert.deepEqual(mine, [201, 201, 429], 'two per account');
    // The address's bucket (4) paid for the account's two rooms, not for its refusal.
    const theirs: number[] = [];
    for (let i = 0; i < 3; i++) theirs.push((await anonymous.api('POST', '/api/rooms', { name: `Anon ${i}` })).status);
    assert.deepEqual(theirs, [201, 201, 429]);
    const refused = await anonymous.api('POST', '/api/rooms', { name: 'again' });
    assert.deepEqual([refused.body.error.code, refused.headers.get('retry-after')], ['rate_limited', '60']);

    const rooms = (await anonymous.api('GET', '/api/rooms')).body.rooms as Array<{ id: string }>;
    const replies: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { socket, reply } = await anonymous.join(rooms[0]!.id, { name: `J${i}` });
      replies.push(code(reply));
      if (reply.ok) await askOkLeave(socket);
    }
    assert.deepEqual(replies, ['ok', 'ok', 'ok', 'rate_limited']);
  });

  test('sign-in per account, then per address; 429 with Retry-After', async () => {
    const c = new Client(h.sfu);
    clients.push(c);
    // The address has 7 of its 8 auth tokens left (one sign-up above).
    const target = email('target');
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await c.api('POST', '/api/auth/signin', { email: target, password: `guess ${i}` })).status);
    assert.deepEqual(codes, [401, 401, 401, 429, 429], 'three per account');
    const limited = await c.api('POST', '/api/auth/signin', { email: target, password: 'x' });
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.equal(limited.headers.get('retry-after'), '60');
    // Refusals on that account cost the address nothing: another account still gets through…
    assert.equal((await c.api('POST', '/api/auth/signin', { email: email('other'), password: 'x' })).status, 401);
    // …until the address's own bucket runs dry (2 left: the sign-up in the test above took two, asking
    // and finishing): sign-ups share it.
    const more: number[] = [];
    for (let i = 0; i < 5; i++) more.push((await c.api('POST', '/api/auth/signup', { email: email(`s${i}`), password: 'long enough', displayName: 'S' })).status);
    assert.deepEqual(more, [202, 202, 429, 429, 429]);
  });
});

async function askOkLeave(socket: Socket) {
  const reply = await ask(socket, 'leave', {});
  assert.ok(reply.ok);
}


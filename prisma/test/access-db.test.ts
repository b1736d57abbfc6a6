// Repository tests of accounts, sign-in sessions, invites and room access (apps/sfu/src/db/access.ts)
// against real databases: SQLite in a temp dir (always) and PostgreSQL at TEST_DATABASE_URL_PG
// (skipped when unset; `npm run test:unit` starts a throwaway server, or:
//   node scripts/test/postgres.mjs -- node --import tsx --test prisma/test/access-db().test.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { EmailTakenError, type BandmateDatabase } from '../../apps/sfu/src/db/index.ts';
import { onEachDatabase, type DatabaseName } from './databases.ts';

const unique = (who: string) => `${who}-${randomUUID().slice(0, 8)}@Example.org`;

function accessSuite(name: DatabaseName, db: () => BandmateDatabase) {
  it(`${name}: users: lower-cased unique emails, guests without email, a guest upgrades in place`, async () => {
    const email = unique('Ana');
    const ana = await db().createUser({ email, passwordHash: '$argon2id$fake', displayName: ' Ana ' });
    assert.equal(ana.email, email.toLowerCase());
    assert.equal(ana.displayName, 'Ana');
    assert.equal(ana.guest, false);
    assert.ok(!('passwordHash' in ana), 'the hash is not handed around');
    assert.deepEqual(await db().getUser(ana.id), ana);
    const found = await db().findUserByEmail(`  ${email.toUpperCase()} `);
    assert.equal(found?.id, ana.id);
    assert.equal(found?.passwordHash, '$argon2id$fake');
    await assert.rejects(db().createUser({ email: email.toUpperCase(), passwordHash: 'x', displayName: 'Eve' }), EmailTakenError);
    await assert.rejects(db().createUser({ email: 'not an email', passwordHash: 'x', displayName: 'E' }), TypeError);
    assert.equal(await db().findUserByEmail(unique('nobody')), null);

    const guest = await db().createGuestUser({ displayName: 'Gus' });
    assert.deepEqual([guest.guest, guest.email], [true, null]);
    await assert.rejects(db().upgradeGuest(guest.id, { email, passwordHash: 'y', displayName: 'Gus' }), EmailTakenError);
    const upgraded = await db().upgradeGuest(guest.id, { email: unique('gus'), passwordHash: 'y', displayName: 'Gustav' });
    assert.deepEqual([upgraded.id, upgraded.guest, upgraded.displayName], [guest.id, false, 'Gustav']);
  });

  it(`${name}: auth sessions: found by token hash until they expire, touched, deleted, pruned`, async () => {
    const user = await db().createUser({ email: unique('s'), passwordHash: 'h', displayName: 'S' });
    const now = new Date();
    const liveHash = `live-${randomUUID()}`;
    const deadHash = `dead-${randomUUID()}`;
    const live = await db().createAuthSession({ userId: user.id, tokenHash: liveHash, expiresAt: new Date(now.getTime() + 60_000) });
    await db().createAuthSession({ userId: user.id, tokenHash: deadHash, expiresAt: new Date(now.getTime() - 1000) });
    const hit = await db().findAuthSession(liveHash);
    assert.equal(hit?.user.id, user.id);
    assert.equal(hit?.session.id, live.id);
    assert.equal(hit?.user.email, user.email);
    assert.equal(await db().findAuthSession(liveHash.slice(0, -1)), null, 'only the exact hash');
    assert.equal(await db().findAuthSession(deadHash), null, 'expired');
    assert.equal(await db().findAuthSession(liveHash, new Date(now.getTime() + 120_000)), null, 'expired later');
    await assert.rejects(db().createAuthSession({ userId: user.id, tokenHash: liveHash, expiresAt: now }), 'token hashes are unique');
    const later = new Date(now.getTime() + 5000);
    await db().touchAuthSession(live.id, later);
    assert.equal((await db().findAuthSession(liveHash))?.session.lastSeenAt.getTime(), later.getTime());
    assert.ok((await db().deleteExpiredAuthSessions(now)) >= 1);
    assert.notEqual(await db().findAuthSession(liveHash), null, 'the live one stays');
    await db().deleteAuthSession(liveHash);
    assert.equal(await db().findAuthSession(liveHash), null);
    await db().deleteAuthSession(liveHash); // twice: no error
  });

  it(`${name}: rooms: visibility, owner, the lobby lists public rooms only`, async () => {
    const owner = await db().createUser({ email: unique('o'), passwordHash: 'h', displayName: 'O' });
    const priv = await db().createRoom({ name: 'Private lesson', visibility: 'private', ownerId: owner.id });
    const pub = await db().createRoom({ name: 'Open jam' });
    assert.deepEqual([priv.visibility, priv.ownerId], ['private', owner.id]);
    assert.deepEqual([pub.visibility, pub.ownerId], ['public', null]);
    const lobby = (await db().listOpenRooms()).map((r) => r.id);
    assert.ok(lobby.includes(pub.id));
    assert.ok(!lobby.includes(priv.id));
    assert.deepEqual(await db().getRoomAccess(priv.id), { id: priv.id, visibility: 'private', locked: false, ownerId: owner.id });
    assert.equal(await db().getRoomAccess('nosuchroom'), null);
    await assert.rejects(db().createRoom({ name: 'x', visibility: 'secret' as 'private' }), TypeError);
  });

  it(`${name}: invites: expiry in whole seconds, listed newest first, revoked once, scoped to their room`, async () => {
    const owner = await db().createUser({ email: unique('i'), passwordHash: 'h', displayName: 'I' });
    const room = await db().createRoom({ name: 'Invites', visibility: 'private', ownerId: owner.id });
    const other = await db().createRoom({ name: 'Other', visibility: 'private', ownerId: owner.id });
    const forever = await db().createInvite({ roomId: room.id, createdById: owner.id, expiresAt: null, role: 'musician' });
    await new Promise((r) => setTimeout(r, 5));
    const soon = await db().createInvite({ roomId: room.id, createdById: owner.id, expiresAt: new Date(Date.now() + 90_500), role: 'listener' });
    assert.equal(soon.expiresAt!.getMilliseconds(), 0, 'whole seconds, as signed in the link');
    assert.deepEqual(await db().getInvite(forever.id), forever);
    assert.deepEqual((await db().listInvites(room.id)).map((i) => i.id), [soon.id, forever.id]);
    assert.deepEqual(await db().listInvites(other.id), []);
    assert.equal(await db().revokeInvite(other.id, forever.id), null, 'not that room’s invite');
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const revoked = await db().revokeInvite(room.id, forever.id, at);
    assert.equal(revoked?.revokedAt?.getTime(), at.getTime());
    const again = await db().revokeInvite(room.id, forever.id, new Date(at.getTime() + 60_000));
    assert.equal(again?.revokedAt?.getTime(), at.getTime(), 'the first revocation time is kept');
    await assert.rejects(db().createInvite({ roomId: room.id, createdById: null, expiresAt: null, role: 'host' as 'musician' }), TypeError);
  });

  it(`${name}: membership: owner, admitted before (and as what), in the current session; Participant.userId`, async () => {
    const owner = await db().createUser({ email: unique('m'), passwordHash: 'h', displayName: 'M' });
    const guest = await db().createGuestUser({ displayName: 'G' });
    const room = await db().createRoom({ name: 'Members', visibility: 'private', ownerId: owner.id });
    const none = { isOwner: false, admittedBefore: false, admittedAsMusician: false, inCurrentSession: false };
    assert.deepEqual(await db().roomMembership(guest.id, room.id), none);
    assert.deepEqual(await db().roomMembership(owner.id, room.id), { ...none, isOwner: true });

    const ownerStay = await db().recordJoin({ roomId: room.id, displayName: 'M', role: 'musician', peerId: 'p-owner', userId: owner.id });
    const stay = await db().recordJoin({ roomId: room.id, displayName: 'G', role: 'listener', peerId: 'p-guest', userId: guest.id });
    assert.equal(stay.userId, guest.id);
    assert.equal((await db().listParticipants(room.id)).find((p) => p.peerId === 'p-guest')?.userId, guest.id);
    assert.deepEqual(await db().roomMembership(guest.id, room.id), { ...none, admittedBefore: true, inCurrentSession: true });
    await db().recordLeave(stay.id);
    await db().recordLeave(ownerStay.id); // the session ends
    assert.deepEqual(await db().roomMembership(guest.id, room.id), { ...none, admittedBefore: true });
    const anon = await db().recordJoin({ roomId: room.id, displayName: 'A', role: 'musician', peerId: 'p-anon' });
    assert.equal(anon.userId, null);
    await db().recordJoin({ roomId: room.id, displayName: 'G', role: 'musician', peerId: 'p-guest-2', userId: guest.id });
    assert.deepEqual(await db().roomMembership(guest.id, room.id), { ...none, admittedBefore: true, admittedAsMusician: true, inCurrentSession: true });
  });
}

onEachDatabase('accounts, sessions, invites and room access', accessSuite);

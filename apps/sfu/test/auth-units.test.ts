// Unit tests of the access building blocks: password hashing, session cookies, invite tokens,
// the invite secret file and the keyed rate limiter.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { KeyedRateLimiter, clientAddress } from '../src/auth/access-limits.ts';
import { loadAuthConfig } from '../src/auth/auth-config.ts';
import { loadInviteSecret } from '../src/auth/invite-secret.ts';
import { signInviteToken, verifyInviteToken } from '../src/auth/invite-tokens.ts';
import { InviteBook, type InviteStore } from '../src/auth/invites.ts';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../src/auth/passwords.ts';
import {
  SESSION_COOKIE,
  SessionService,
  clearedSessionCookie,
  hashSessionToken,
  newSessionToken,
  readCookie,
  sessionCookie,
  type SessionStore,
} from '../src/auth/sessions.ts';
import type { Invite } from '../src/db/types.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bandmate-auth-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('passwords (argon2id)', () => {
  test('hashes are salted argon2id PHC strings that verify only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(a, b, 'a fresh salt each time');
    assert.equal(await verifyPassword(a, 'correct horse battery'), true);
    assert.equal(await verifyPassword(b, 'correct horse battery'), true);
    assert.equal(await verifyPassword(a, 'correct horse batterY'), false);
    assert.equal(await verifyPassword('not a hash', 'x'), false, 'a broken stored value is a failed check, not a crash');
  });

  test('an unknown account costs as much time as a known one', async () => {
    const stored = await hashPassword('pw-for-timing');
    await verifyAgainstDummy('warm up');
    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      for (let i = 0; i < 3; i++) await f();
      return (performance.now() - t) / 3;
    };
    const known = await time(() => verifyPassword(stored, 'wrong'));
    const unknown = await time(() => verifyAgainstDummy('wrong'));
    console.log(`argon2id verify: known account ${known.toFixed(1)} ms, unknown ${unknown.toFixed(1)} ms`);
    assert.ok(known > 5, `argon2id should take real work (${known} ms)`);
    assert.ok(unknown > known / 4 && unknown < known * 4, `known ${known} ms vs unknown ${unknown} ms`);
  });
});

describe('session cookies', () => {
  test('the cookie is HttpOnly, Secure, SameSite=Lax, Path=/ with an expiry; only the hash is stored', async () => {
    const token = newSessionToken();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(newSessionToken(), token);
    const expires = new Date(Date.now() + 3600_000);
    const cookie = sessionCookie(token, expires);
    assert.match(cookie, new RegExp(`^${SESSION_COOKIE}=${token}; `));
    for (const attr of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax', `Expires=${expires.toUTCString()}`]) {
      assert.ok(cookie.split('; ').includes(attr), `${attr} in ${cookie}`);
    }
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
    assert.ok(maxAge >= 3598 && maxAge <= 3600);
    assert.match(clearedSessionCookie(), /Max-Age=0/);
    assert.equal(hashSessionToken(token).length, 64);

    const rows: Array<{ id: string; userId: string; tokenHash: string; expiresAt: Date; lastSeenAt: Date }> = [];
    const user = { id: 'u1', email: 'a@b.c', displayName: 'Ana', guest: false, createdAt: new Date() };
    const store: SessionStore = {
      async createAuthSession(s) {
        const row = { id: `s${rows.length}`, createdAt: new Date(), lastSeenAt: new Date(), ...s };
        rows.push(row);
        return row;
      },
      async findAuthSession(tokenHash, now = new Date()) {
        const row = rows.find((r) => r.tokenHash === tokenHash && r.expiresAt > now);
        return row ? { session: { ...row, createdAt: new Date() }, user } : null;
      },
      async touchAuthSession() {},
      async deleteAuthSession(tokenHash) {
        rows.splice(rows.findIndex((r) => r.tokenHash === tokenHash) >>> 0, 1);
      },
      async deleteExpiredAuthSessions() {
        return 0;
      },
    };
    let now = new Date('2026-11-21T12:00:00Z');
    const sessions = new SessionService(store, 24 * 3600_000, () => now);
    const started = await sessions.start('u1');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.tokenHash, hashSessionToken(started.token));
    assert.ok(!JSON.stringify(rows).includes(started.token), 'the token itself is never stored');
    const header = `other=1; ${SESSION_COOKIE}=${started.token}; x=y`;
    assert.equal(readCookie(header, SESSION_COOKIE), started.token);
    assert.equal((await sessions.resolve(header))?.user.id, 'u1');
    assert.equal(await sessions.resolve(`${SESSION_COOKIE}=${newSessionToken()}`), null, 'unknown token');
    assert.equal(await sessions.resolve(`${SESSION_COOKIE}=garbage`), null, 'malformed token');
    assert.equal(await sessions.resolve(undefined), null);
    now = new Date(now.getTime() + 25 * 3600_000);
    assert.equal(await sessions.resolve(header), null, 'expired');
    await sessions.end(header);
    assert.equal(rows.length, 0);
  });
});

describe('invite tokens', () => {
  const secret = Buffer.from('0123456789abcdef0123456789abcdef');
  const inviteId = '6f1c2a9e-6a53-4d1b-9a39-0f7b8f3c1d2e';

  test('a token verifies for its room only, and any edit breaks it', () => {
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const token = signInviteToken(secret, 'RoomA12345', { inviteId, expiresAt });
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(verifyInviteToken(secret, 'RoomA12345', token), { ok: true, claims: { inviteId, expiresAt } });
    assert.deepEqual(verifyInviteToken(secret, 'RoomB12345', token), { ok: false, reason: 'bad_signature' });
    assert.deepEqual(verifyInviteToken(Buffer.from('another secret, 32 bytes long!!!'), 'RoomA12345', token), {
      ok: false,
      reason: 'bad_signature',
    });
    // Stretching the expiry in the payload keeps the old signature: refused.
    const [, sig] = token.split('.');
    const stretched = `${Buffer.from(`${inviteId}.${expiresAt.getTime() / 1000 + 3600}`).toString('base64url')}.${sig}`;
    assert.deepEqual(verifyInviteToken(secret, 'RoomA12345', stretched), { ok: false, reason: 'bad_signature' });
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    assert.equal(verifyInviteToken(secret, 'RoomA12345', flipped).ok, false);
    for (const bad of ['', 'x', 'a.b.c', `${Buffer.from('nope').toString('base64url')}.${sig}`]) {
      assert.deepEqual(verifyInviteToken(secret, 'RoomA12345', bad), { ok: false, reason: 'malformed' }, bad);
    }
    const forever = signInviteToken(secret, 'RoomA12345', { inviteId, expiresAt: null });
    assert.deepEqual(verifyInviteToken(secret, 'RoomA12345', forever), { ok: true, claims: { inviteId, expiresAt: null } });
  });

  test('InviteBook checks the row: revoked, expired, unknown, another room', async () => {
    const rows = new Map<string, Invite>();
    let n = 0;
    const store: InviteStore = {
      async createInvite(i) {
        const row: Invite = { id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, createdAt: new Date(), revokedAt: null, ...i };
        rows.set(row.id, row);
        return row;
      },
      async getInvite(id) {
        return rows.get(id) ?? null;
      },
      async listInvites(roomId) {
        return [...rows.values()].filter((r) => r.roomId === roomId);
      },
      async revokeInvite(roomId, id, at) {
        const row = rows.get(id);
        if (!row || row.roomId !== roomId) return null;
        row.revokedAt ??= at ?? new Date();
        return row;
      },
    };
    let now = new Date('2026-11-21T12:00:00Z');
    const book = new InviteBook(store, secret, () => now);
    const forever = await book.create('RoomA12345', { createdById: 'u1', role: 'musician' });
    const hour = await book.create('RoomA12345', { createdById: 'u1', role: 'listener', expiresInSeconds: 3600 });
    assert.equal(forever.status, 'active');
    assert.equal(forever.path, `/room/RoomA12345?invite=${forever.token}`);
    assert.equal((await book.check('RoomA12345', forever.token)).id, forever.id);
    assert.equal((await book.check('RoomA12345', hour.token)).role, 'listener');
    await assert.rejects(book.check('RoomB12345', forever.token), { code: 'invite_invalid' });
    // Signed by us but without a row (deleted room, another database): invalid.
    const orphan = signInviteToken(secret, 'RoomA12345', { inviteId: '00000000-0000-4000-8000-999999999999', expiresAt: null });
    await assert.rejects(book.check('RoomA12345', orphan), { code: 'invite_invalid' });
    now = new Date(now.getTime() + 3601_000);
    await assert.rejects(book.check('RoomA12345', hour.token), { code: 'invite_expired' });
    assert.equal((await book.list('RoomA12345')).find((i) => i.id === hour.id)?.status, 'expired');
    const revoked = await book.revoke('RoomA12345', forever.id);
    assert.equal(revoked?.status, 'revoked');
    await assert.rejects(book.check('RoomA12345', forever.token), { code: 'invite_revoked' });
    assert.equal(await book.revoke('RoomB12345', forever.id), null, 'not that room’s invite');
  });
});

describe('invite secret', () => {
  test('generated once, kept in a 0600 file, reused; INVITE_SECRET wins', () => {
    const file = path.join(tmp, 'nested', 'invite-secret');
    const first = loadInviteSecret({ file });
    assert.equal(first.source, file);
    assert.equal(first.key.length, 64, '32 random bytes, hex');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadInviteSecret({ file }).key, first.key, 'the same key after a restart');
    assert.equal(loadInviteSecret({ file, secret: 'x'.repeat(32) }).source, 'INVITE_SECRET');
    const sqliteDir = path.join(tmp, 'db');
    const fromDb = loadInviteSecret({ databaseUrl: `file:${path.join(sqliteDir, 'bandmate.db')}` });
    assert.equal(fromDb.source, path.join(sqliteDir, 'invite-secret'), 'next to the SQLite file');
    assert.equal(readFileSync(fromDb.source, 'utf8').trim(), fromDb.key.toString());
    const short = path.join(tmp, 'short-secret');
    writeFileSync(short, 'too short');
    assert.throws(() => loadInviteSecret({ file: short }), /shorter than 32 bytes/);
    assert.throws(() => loadAuthConfig({ INVITE_SECRET: 'short' }), /INVITE_SECRET must be at least 32 characters/);
  });
});

describe('keyed rate limiter', () => {
  test('a bucket per key: burst, then the sustained rate; keys are independent; memory is bounded', () => {
    let t = 0;
    const limiter = new KeyedRateLimiter({ burst: 3, perMinute: 6 }, 100, () => t);
    assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a')), [true, true, true, false]);
    assert.equal(limiter.take('b'), true, 'another key has its own bucket');
    assert.equal(limiter.retryAfterSeconds, 10);
    t += 9_000;
    assert.equal(limiter.take('a'), false, 'not yet a whole token after 9 s at 6/min');
    t += 1_100;
    assert.equal(limiter.take('a'), true);
    for (let i = 0; i < 1000; i++) limiter.take(`flood-${i}`);
    assert.equal(limiter.size, 100);
  });

  test('client address: the socket peer, or X-Forwarded-For only behind a trusted proxy', () => {
    assert.equal(clientAddress('::ffff:10.0.0.7', '1.2.3.4', false), '10.0.0.7');
    assert.equal(clientAddress('127.0.0.1', '1.2.3.4', true), '1.2.3.4');
    assert.equal(clientAddress('127.0.0.1', undefined, true), '127.0.0.1');
  });
});

// Repository tests against real databases:
//   SQLite: a file in a temp dir (always).
//   PostgreSQL: TEST_DATABASE_URL_PG (skipped when unset). A throwaway server for it:
//     node scripts/test/postgres.mjs -- node --import tsx --test prisma/test/*.test.ts
// Each database is migrated the way install/start do it: `node scripts/install/database.mjs --migrate-only`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DatabaseNotReadyError,
  isRoomId,
  openDatabase,
  ParticipantNotFoundError,
  RoomFullError,
  RoomNotFoundError,
  resolveDatabaseUrl,
  type BandmateDatabase,
} from '../../apps/sfu/src/db/index.ts';
import { migrate, PG_SKIP, PG_URL, REPO_ROOT } from './databases.ts';

const INSTALL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'install', 'database.mjs');

let peerSeq = 0;
const peer = () => `peer-${process.pid}-${++peerSeq}`;

function backendSuite(name: string, getUrl: () => string) {
  let db: BandmateDatabase;

  before(async () => {
    migrate(getUrl());
    db = await openDatabase(getUrl());
  });
  after(async () => {
    await db?.close();
  });

  it(`${name}: createRoom returns a short url-safe id and the room is readable`, async () => {
    const room = await db.createRoom({ name: '  Friday jam  ', maxParticipants: 4 });
    assert.ok(isRoomId(room.id), `bad id ${room.id}`);
    assert.match(room.id, /^[A-Za-z0-9]{10}$/);
    assert.equal(room.name, 'Friday jam');
    assert.equal(room.status, 'open');
    assert.equal(room.closedAt, null);
    assert.equal(room.maxParticipants, 4);
    assert.ok(room.createdAt instanceof Date && Math.abs(room.createdAt.getTime() - Date.now()) < 60_000);
    assert.deepEqual(await db.getRoom(room.id), room);
    assert.ok((await db.listOpenRooms()).some((r) => r.id === room.id));
    const noMax = await db.createRoom({ name: 'No limit' });
    assert.equal(noMax.maxParticipants, null);
    assert.notEqual(noMax.id, room.id);
    assert.equal(await db.getRoom('doesNotExi'), null);
    await assert.rejects(db.createRoom({ name: '   ' }), TypeError);
    await assert.rejects(db.createRoom({ name: 'x', maxParticipants: 0 }), TypeError);
  });

  it(`${name}: sessions open on first join and end on last leave; room closes and persists`, async () => {
    const room = await db.createRoom({ name: 'Lifecycle' });
    assert.deepEqual(await db.listSessions(room.id), [], 'no session before anyone joins');

    const ana = await db.recordJoin({ roomId: room.id, displayName: 'Ana', role: 'musician', peerId: peer() });
    assert.equal(ana.roomId, room.id);
    assert.equal(ana.role, 'musician');
    assert.equal(ana.leftAt, null);
    const firstSessions = await db.listSessions(room.id);
    assert.equal(firstSessions.length, 1);
    assert.equal(firstSessions[0]!.endedAt, null);

    const ben = await db.recordJoin({ roomId: room.id, displayName: 'Ben', role: 'listener', peerId: peer() });
    assert.equal((await db.listSessions(room.id)).length, 1, 'second join reuses the open session');
    assert.equal((await db.listParticipants(room.id, { activeOnly: true })).length, 2);

    const leaveAna = await db.recordLeave(ana.id);
    assert.ok(leaveAna.participant.leftAt instanceof Date);
    assert.equal(leaveAna.remaining, 1);
    assert.equal(leaveAna.endedSession, null);
    assert.equal(leaveAna.roomClosed, false);
    assert.equal((await db.listSessions(room.id))[0]!.endedAt, null, 'session stays open while Ben is there');
    assert.equal((await db.getRoom(room.id))!.status, 'open');

    const leaveBen = await db.recordLeave(ben.id);
    assert.equal(leaveBen.remaining, 0);
    assert.equal(leaveBen.roomClosed, true);
    assert.ok(leaveBen.endedSession);
    const afterLastLeave = await db.listSessions(room.id);
    assert.equal(afterLastLeave.length, 1);
    const ended = afterLastLeave[0]!;
    assert.ok(ended.endedAt instanceof Date, 'last leave ends the session');
    assert.equal(ended.endedAt.getTime(), leaveBen.participant.leftAt!.getTime());
    assert.ok(ended.endedAt.getTime() >= ended.startedAt.getTime());

    const closed = await db.getRoom(room.id);
    assert.ok(closed, 'room record stays after it closes');
    assert.equal(closed.status, 'closed');
    assert.ok(closed.closedAt instanceof Date);
    assert.ok(!(await db.listOpenRooms()).some((r) => r.id === room.id));
    const everyone = await db.listParticipants(room.id);
    assert.deepEqual(everyone.map((p) => p.displayName), ['Ana', 'Ben']);
    assert.ok(everyone.every((p) => p.leftAt instanceof Date), 'every participant has leftAt');
    assert.equal((await db.listParticipants(room.id, { activeOnly: true })).length, 0);

    // Rejoining through the link reopens the room with a new session.
    const cleo = await db.recordJoin({ roomId: room.id, displayName: 'Cleo', role: 'musician', peerId: peer() });
    const reopened = await db.getRoom(room.id);
    assert.equal(reopened!.status, 'open');
    assert.equal(reopened!.closedAt, null);
    const [first, second, ...rest] = await db.listSessions(room.id);
    assert.equal(rest.length, 0);
    assert.ok(first?.endedAt instanceof Date);
    assert.ok(second);
    assert.equal(second.endedAt, null, 'rejoin opens a new session');
    assert.ok(second.startedAt.getTime() >= first.endedAt.getTime());
    await db.recordLeave(cleo.id);
    assert.ok((await db.listSessions(room.id)).every((s) => s.endedAt instanceof Date));
  });

  it(`${name}: closeRoom ends the session, sets leftAt of those still in, keeps the record`, async () => {
    const room = await db.createRoom({ name: 'Close me' });
    const a = await db.recordJoin({ roomId: room.id, displayName: 'A', role: 'musician', peerId: peer() });
    const b = await db.recordJoin({ roomId: room.id, displayName: 'B', role: 'listener', peerId: peer() });
    const closed = await db.closeRoom(room.id);
    assert.equal(closed.status, 'closed');
    assert.ok(closed.closedAt instanceof Date);
    assert.deepEqual(await db.getRoom(room.id), closed);
    assert.ok(!(await db.listOpenRooms()).some((r) => r.id === room.id));
    const sessions = await db.listSessions(room.id);
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]!.endedAt!.getTime(), closed.closedAt!.getTime());
    const ps = await db.listParticipants(room.id);
    assert.deepEqual(ps.map((p) => p.id).sort(), [a.id, b.id].sort());
    assert.ok(ps.every((p) => p.leftAt?.getTime() === closed.closedAt!.getTime()));

    // Idempotent: a second close keeps the first closedAt; a late leave changes nothing.
    const again = await db.closeRoom(room.id);
    assert.equal(again.closedAt!.getTime(), closed.closedAt!.getTime());
    const late = await db.recordLeave(a.id);
    assert.equal(late.participant.leftAt!.getTime(), closed.closedAt!.getTime());
    assert.equal(late.endedSession, null);
    assert.equal(late.roomClosed, false);

    // An empty, never-used room can be closed too.
    const empty = await db.createRoom({ name: 'Empty' });
    assert.equal((await db.closeRoom(empty.id)).status, 'closed');
    assert.deepEqual(await db.listSessions(empty.id), []);
  });

  it(`${name}: errors for unknown ids, full rooms and bad input`, async () => {
    await assert.rejects(
      db.recordJoin({ roomId: 'missing000', displayName: 'X', role: 'musician', peerId: peer() }),
      RoomNotFoundError,
    );
    await assert.rejects(db.recordLeave('00000000-0000-0000-0000-000000000000'), ParticipantNotFoundError);
    await assert.rejects(db.closeRoom('missing000'), RoomNotFoundError);

    const duo = await db.createRoom({ name: 'Duo', maxParticipants: 2 });
    const p1 = await db.recordJoin({ roomId: duo.id, displayName: 'One', role: 'musician', peerId: peer() });
    await db.recordJoin({ roomId: duo.id, displayName: 'Two', role: 'musician', peerId: peer() });
    await assert.rejects(
      db.recordJoin({ roomId: duo.id, displayName: 'Three', role: 'listener', peerId: peer() }),
      RoomFullError,
    );
    assert.equal((await db.listParticipants(duo.id)).length, 2, 'rejected join left no row');
    await db.recordLeave(p1.id);
    await db.recordJoin({ roomId: duo.id, displayName: 'Three', role: 'listener', peerId: peer() });

    await assert.rejects(
      // @ts-expect-error: invalid role on purpose
      db.recordJoin({ roomId: duo.id, displayName: 'Bad', role: 'drummer', peerId: peer() }),
      TypeError,
    );
    await assert.rejects(db.recordJoin({ roomId: duo.id, displayName: ' ', role: 'musician', peerId: peer() }), TypeError);
  });

  it(`${name}: concurrent joins open one session; concurrent leaves end it once`, async () => {
    const room = await db.createRoom({ name: 'Crowd' });
    const joined = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        db.recordJoin({ roomId: room.id, displayName: `M${i}`, role: 'musician', peerId: peer() }),
      ),
    );
    const sessionsWhileFull = await db.listSessions(room.id);
    assert.equal(sessionsWhileFull.length, 1, 'exactly one session for simultaneous first joins');
    const leaves = await Promise.all(joined.map((p) => db.recordLeave(p.id)));
    assert.equal(leaves.filter((l) => l.endedSession).length, 1, 'exactly one leave ends the session');
    assert.equal(leaves.filter((l) => l.roomClosed).length, 1);
    const sessionsAfter = await db.listSessions(room.id);
    assert.equal(sessionsAfter.length, 1);
    assert.ok(sessionsAfter[0]!.endedAt instanceof Date);
    assert.equal((await db.getRoom(room.id))!.status, 'closed');
  });

  it(`${name}: data persists across connections; closeRoomWhenEmpty=false keeps the room open`, async () => {
    const room = await db.createRoom({ name: 'Persisted' });
    const p = await db.recordJoin({ roomId: room.id, displayName: 'P', role: 'musician', peerId: peer() });
    await db.closeRoom(room.id);

    const db2 = await openDatabase(getUrl(), { closeRoomWhenEmpty: false });
    try {
      const again = await db2.getRoom(room.id);
      assert.equal(again?.status, 'closed');
      assert.ok(again?.closedAt instanceof Date);
      assert.ok((await db2.listParticipants(room.id))[0]!.leftAt instanceof Date);
      assert.equal((await db2.listParticipants(room.id))[0]!.id, p.id);

      const lounge = await db2.createRoom({ name: 'Lounge' });
      const q = await db2.recordJoin({ roomId: lounge.id, displayName: 'Q', role: 'listener', peerId: peer() });
      const res = await db2.recordLeave(q.id);
      assert.ok(res.endedSession, 'session still ends when the room empties');
      assert.equal(res.roomClosed, false);
      const l = await db2.getRoom(lounge.id);
      assert.equal(l?.status, 'open');
      assert.equal(l?.closedAt, null);
    } finally {
      await db2.close();
    }
  });
}

describe('SQLite (temp file)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-db-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  backendSuite('sqlite', () => `file:${path.join(dir, 'test.db')}`);

  it('sqlite: an unmigrated database gives a clear error', async () => {
    await assert.rejects(openDatabase(`file:${path.join(dir, 'never-migrated.db')}`), (err: unknown) => {
      assert.ok(err instanceof DatabaseNotReadyError);
      assert.match(err.message, /database\.mjs/);
      return true;
    });
  });
});

describe(
  'PostgreSQL (TEST_DATABASE_URL_PG)',
  { skip: PG_SKIP },
  () => {
    backendSuite('postgresql', () => PG_URL!);
  },
);

describe('DATABASE_URL convention and migration layout', () => {
  it('runtime resolveDatabaseUrl matches scripts/install/database.mjs', async () => {
    const scriptPath: string = INSTALL_SCRIPT;
    const script = (await import(scriptPath)) as {
      resolveDatabaseUrl: (u?: string) => { provider: string; url: string; filePath?: string };
      DEFAULT_DATABASE_URL: string;
    };
    const inputs = [
      undefined,
      '',
      'file:./data/bandmate.db',
      'file:data/other.db',
      'file:/var/tmp/x.db',
      'file:///var/tmp/y.db',
      'file:./data/q.db?connection_limit=1',
      'postgresql://u:p@h:5432/db',
      'postgres://u@h/db?sslmode=disable',
    ];
    for (const input of inputs) {
      assert.deepEqual(resolveDatabaseUrl(input), script.resolveDatabaseUrl(input), String(input));
    }
    assert.equal(script.DEFAULT_DATABASE_URL, 'file:./data/bandmate.db');
    assert.equal(resolveDatabaseUrl().filePath, path.join(REPO_ROOT, 'data', 'bandmate.db'));
    assert.throws(() => resolveDatabaseUrl('mysql://h/db'), /Unsupported DATABASE_URL/);
    assert.throws(() => script.resolveDatabaseUrl('mysql://h/db'), /Unsupported DATABASE_URL/);
  });

  it('each provider has migration_lock.toml and <timestamp>_<name>/migration.sql', () => {
    for (const provider of ['sqlite', 'postgresql']) {
      const dir = path.join(REPO_ROOT, 'prisma', provider, 'migrations');
      assert.match(readFileSync(path.join(dir, 'migration_lock.toml'), 'utf8'), new RegExp(`provider = "${provider}"`));
      const migrations = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());
      assert.ok(migrations.length >= 1);
      for (const m of migrations) {
        assert.match(m.name, /^\d{14}_\w+$/);
        assert.match(readFileSync(path.join(dir, m.name, 'migration.sql'), 'utf8'), /CREATE TABLE "|ALTER TABLE "/);
      }
      const first = migrations.map((m) => m.name).sort()[0]!;
      assert.match(readFileSync(path.join(dir, first, 'migration.sql'), 'utf8'), /CREATE TABLE "Room"/);
      // Both providers carry the same migration names, so a schema change is never half-applied.
      assert.deepEqual(migrations.map((m) => m.name).sort(), readdirSync(path.join(REPO_ROOT, 'prisma', 'sqlite', 'migrations'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort());
    }
    // The two schemas must declare the same models.
    const models = (p: string) =>
      readFileSync(path.join(REPO_ROOT, 'prisma', p, 'schema.prisma'), 'utf8').replace(/^[\s\S]*?(?=\n\/\/\/|\nmodel )/, '');
    assert.equal(models('sqlite'), models('postgresql'));
  });
});

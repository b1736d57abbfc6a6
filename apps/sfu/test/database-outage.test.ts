// The database unreachable for a while (issue 12's fault list), on SQLite and on PostgreSQL, with a
// room live throughout. While it is out, what needs it is refused at once as `unavailable` (not a
// hang, a driver's message, `internal` or `bad_request`); the SFU keeps answering and its event
// loop keeps moving; the people in the room stay in it and their audio keeps flowing. Once it is
// back, everything works again without a restart: the time from its return to the first join and
// the first room created is measured.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import type { Socket } from 'socket.io-client';
import type { Room } from '../src/rooms/room.ts';
import { ask, askOk, createRoom, joinRoom, replyCode, startHarness, waitFor, type Harness } from './harness.ts';
import { plainMusician } from './plain-musician.ts';
// @ts-expect-error plain ESM script without types
import { startPostgres } from '../../../scripts/test/postgres.mjs';

/** Longest the SFU's event loop may stand still meanwhile (SQLite's busy wait blocks it). */
const LOOP_STALL_MS = 1500;

/** How a test takes a database away and gives it back. */
interface Outage {
  /** Whether reads still work while it is out (only writes are locked out of a SQLite file). */
  readsWork: boolean;
  /** Longest a request may take to be refused (a hang would run into the client's 5 s timeout). */
  answerWithinMs: number;
  /** Whether the requests arrive together (many people at once) or one after another. */
  together: boolean;
  begin(): Promise<void>;
  end(): Promise<void>;
}

type LockingConnection = { exec(sql: string): unknown; close(): unknown };
const SqliteConnection = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => LockingConnection;

/**
 * A file database has no server to go away, and the SFU keeps its file open (a file made unreadable
 * or removed under it still works through the open descriptor). What does lock it out is another
 * process holding the write lock: a backup or VACUUM, a migration, an operator's sqlite3 shell left
 * in a transaction. Here a second connection holds BEGIN EXCLUSIVE; in WAL mode readers carry on.
 */
function sqliteOutage(h: Harness): Outage {
  let holder: LockingConnection | undefined;
  return {
    readsWork: true,
    answerWithinMs: 2000,
    // One after another: each write blocks the event loop for up to SQLite's busy timeout, and the
    // stalls of writes queued together add up (db/index.ts, SQLITE_BUSY_TIMEOUT_MS).
    together: false,
    async begin() {
      holder = new SqliteConnection(h.databaseUrl.slice('file:'.length));
      holder.exec('BEGIN EXCLUSIVE');
    },
    async end() {
      holder?.exec('ROLLBACK');
      holder?.close();
      holder = undefined;
    },
  };
}

type ThrowawayPostgres = { url: string; pause(): Promise<void>; resume(): Promise<void>; freeze(): void; thaw(): void; stop(): Promise<void> };

/** The server stopped as a crash or a restart stops it (open connections cut), then started on the same port. */
function postgresStopped(pg: ThrowawayPostgres): Outage {
  return { readsWork: false, answerWithinMs: 2000, together: true, begin: () => pg.pause(), end: () => pg.resume() };
}

/**
 * The server hanging, as one cut off by the network (or a paused VM) does: connections stay open
 * and nothing answers, so only the SFU's own bound on the wait (db/index.ts, PG_WAIT_MS) ends a request.
 */
function postgresFrozen(pg: ThrowawayPostgres): Outage {
  return { readsWork: false, answerWithinMs: 4500, together: true, begin: async () => pg.freeze(), end: async () => pg.thaw() };
}

/** Counts the RTP packets of `producerId` that reach a listener's plain transport. */
async function listen(room: Room, producerId: string): Promise<{ packets: () => number; close: () => void }> {
  const udp = createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  let packets = 0;
  udp.on('message', () => packets++);
  const out = await room.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: true, comedia: false });
  await out.connect({ ip: '127.0.0.1', port: udp.address().port });
  await out.consume({ producerId, rtpCapabilities: room.rtpCapabilities });
  return { packets: () => packets, close: () => (out.close(), udp.close()) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A JSON API answer as '<status> ok' or '<status> <refusal's code>'. */
async function httpAnswer(h: Harness, method: string, path: string, body?: unknown): Promise<string> {
  const { status, body: answer } = await h.browser().api<{ error?: { code: string } }>(method, path, body);
  return `${status} ${answer.error?.code ?? 'ok'}`;
}

/** Retries `attempt` until it answers 'ok': when (ms from `since`), and after how many tries. */
async function firstSuccess(since: number, attempt: () => Promise<string>): Promise<string> {
  const end = Date.now() + 20_000;
  let last = '';
  for (let tries = 1; Date.now() < end; tries++) {
    last = await attempt();
    if (last === 'ok' || last.endsWith(' ok')) return `${Math.round(performance.now() - since)} ms (try ${tries})`;
    await sleep(20);
  }
  throw new Error(`still failing 20 s after the database came back: ${last}`);
}

async function outageScenario(name: string, h: Harness, outage: Outage): Promise<void> {
  const { id: liveId } = await createRoom(h.sfu, 'Live through the outage');
  const { id: spareId } = await createRoom(h.sfu, 'Nobody in it yet');
  const ana = await h.client();
  assert.equal(((await joinRoom(ana, liveId, 'Ana')) as unknown as { isHost: boolean }).isHost, true);
  await askOk(ana, 'sendChat', { body: 'before the outage' });
  const room = h.sfu.registry.get(liveId)!;
  const anaPeer = [...room.peers.values()].find((p) => p.displayName === 'Ana')!;
  const mia = await plainMusician(room, { ssrc: 0x5eed });
  const ear = await listen(room, [...mia.peer.producers.keys()][0]!);
  const join = (socket: Socket, roomId: string, displayName: string) =>
    ask(socket, 'join', { roomId, displayName, role: 'musician', rtpCapabilities: room.rtpCapabilities }).then(replyCode);
  const ben = await h.client();
  const cy = await h.client();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    await waitFor(() => ear.packets() > 20);
    loop.enable();
    await outage.begin();
    const heardAtStart = ear.packets();

    // Each request that needs the database, timed: refused at once with the typed code.
    const answers: Record<string, string> = {};
    const times: Record<string, number> = {};
    const timed = async (what: string, request: () => Promise<string>) => {
      const t0 = performance.now();
      answers[what] = await request();
      times[what] = Math.round(performance.now() - t0);
    };
    const requests: Array<[string, () => Promise<string>]> = [
      ['create a room', () => httpAnswer(h, 'POST', '/api/rooms', { name: 'During the outage' })],
      ['list the lobby', () => httpAnswer(h, 'GET', '/api/rooms')],
      ['sign in', () => httpAnswer(h, 'POST', '/api/auth/signin', { email: 'nobody@example.com', password: 'a long enough password' })],
      ['join a room nobody is in', () => join(ben, spareId, 'Ben')],
      ['join the live room', () => join(cy, liveId, 'Cy')],
      ['chat', () => ask(ana, 'sendChat', { body: 'during the outage' }).then(replyCode)],
      ['lock the room', () => ask(ana, 'lockRoom', { locked: true }).then(replyCode)],
      ['health', () => httpAnswer(h, 'GET', '/health')],
    ];
    if (outage.together) await Promise.all(requests.map(([what, request]) => timed(what, request)));
    else for (const [what, request] of requests) await timed(what, request);
    if (answers['join the live room'] === 'ok') await timed('leave the live room', () => ask(cy, 'leave', {}).then(replyCode));
    const reads = outage.readsWork;
    assert.deepEqual(answers, {
      'create a room': '503 unavailable',
      'list the lobby': reads ? '200 ok' : '503 unavailable',
      'sign in': reads ? '401 invalid_credentials' : '503 unavailable',
      'join a room nobody is in': 'unavailable',
      // Admission reads; only the stay's bookkeeping writes, and its failure is logged, not the joiner's.
      'join the live room': reads ? 'ok' : 'unavailable',
      ...(reads ? { 'leave the live room': 'ok' } : {}),
      chat: 'unavailable',
      'lock the room': 'unavailable',
      health: '200 ok',
    });
    for (const [what, ms] of Object.entries(times)) assert.ok(ms < outage.answerWithinMs, `${what} took ${ms} ms to be answered`);
    assert.equal(room.locked, false, 'a lock that could not be stored is not announced either');

    // Out for a while: the room, its people and their audio carry on.
    await sleep(1500);
    assert.equal(h.sfu.registry.get(liveId), room, 'the same live room');
    assert.ok(ana.connected && room.peers.get(anaPeer.id) === anaPeer, 'Ana is still in the room');
    const heardDuring = ear.packets() - heardAtStart;
    assert.ok(heardDuring > 100, `Mia's audio reached the listener during the outage (${heardDuring} packets)`);
    loop.disable();
    const stallMs = Math.round(loop.max / 1e6);
    assert.ok(stallMs < LOOP_STALL_MS, `the SFU's event loop stood still for ${stallMs} ms`);

    // Back: the first join and the first room created, without restarting anything.
    await outage.end();
    const backAt = performance.now();
    const [firstJoin, firstCreate] = await Promise.all([
      firstSuccess(backAt, () => join(ben, spareId, 'Ben')),
      firstSuccess(backAt, () => httpAnswer(h, 'POST', '/api/rooms', { name: 'After the outage' })),
    ]);
    assert.equal(await join(cy, liveId, 'Cy'), 'ok');
    const said = await askOk<{ body: string }>(ana, 'sendChat', { body: 'after the outage' });
    assert.equal(said.body, 'after the outage');
    const history = await askOk<{ messages: Array<{ body: string }> }>(ana, 'chatHistory', {});
    assert.deepEqual(history.messages.map((m) => m.body), ['before the outage', 'after the outage']);
    await askOk(ana, 'lockRoom', { locked: true });
    assert.equal(await httpAnswer(h, 'GET', '/api/rooms'), '200 ok');
    assert.ok(ear.packets() > heardAtStart + heardDuring, 'the audio still flows');
    console.log(
      `# database out on ${name}: refused in ${Math.max(...Object.values(times))} ms at most (${JSON.stringify(times)}), ` +
        `event loop stalled ${stallMs} ms at most; back: first join after ${firstJoin}, first room created after ${firstCreate}`,
    );
  } finally {
    loop.disable();
    await outage.end();
    // Left before the harness closes: a leave that closing the room starts is not awaited by the
    // SFU's close, and PostgreSQL's pool then never ends (Prisma's disconnect mid-transaction).
    for (const socket of [ana, ben, cy]) await ask(socket, 'leave', {}).catch(() => {});
    mia.stop();
    ear.close();
  }
}

describe('the database unreachable for a while', () => {
  test('on SQLite: its file locked by another process', { timeout: 60_000 }, async () => {
    const h = await startHarness();
    try {
      await outageScenario('SQLite', h, sqliteOutage(h));
    } finally {
      await h.close();
    }
  });

  // Its own throwaway server: the one `npm run test:unit` shares between files must stay up.
  let pg: ThrowawayPostgres | undefined;
  let noServer: string | undefined;
  before(async () => {
    if (process.env.UNIT_PG === 'off') return void (noServer = 'UNIT_PG=off');
    try {
      pg = await startPostgres();
    } catch (err) {
      noServer = `no PostgreSQL here: ${(err as Error).message.split('\n')[0]}`;
    }
  });
  after(() => pg?.stop());

  for (const [how, outage] of [
    ['its server stopped and started again', postgresStopped],
    ['its server hanging (every process stopped with SIGSTOP), then going on', postgresFrozen],
  ] as const) {
    test(`on PostgreSQL: ${how}`, { timeout: 60_000 }, async (t) => {
      if (!pg) return t.skip(noServer);
      const h = await startHarness({ DATABASE_URL: pg.url });
      try {
        await outageScenario(`PostgreSQL (${outage === postgresStopped ? 'stopped' : 'hanging'})`, h, outage(pg));
      } finally {
        await h.close();
      }
    });
  }
});

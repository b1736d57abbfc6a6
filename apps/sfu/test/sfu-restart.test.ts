// The SFU process restarted (issue 12's fault list), killed (SIGKILL, a crash) and stopped
// (SIGTERM, a deploy): the pages, reconnecting as the browser's RoomSession does, are back in the
// room by themselves with the same peer ids, the room still locked (a newcomer and a forged
// token refused) and the host taking the role back; the time from the stop is measured.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { Ack, AiRoomState } from '@bandmate/shared';
import { writeFixtureModel } from '../../inference/test/fixtures/build-fixture-models.ts';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { ask, askOk, connect, createRoom, freePort, HARNESS_DATABASES, joinRoom, nextEvent, replyCode, untilAiRoomState } from './harness.ts';
// @ts-expect-error plain ESM script without types
import { migrateDatabase } from '../../../scripts/install/database.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-restart-'));
let dbUrl: string;
let port: number;
let url: string;
let db: BandmateDatabase;
const children: ChildProcess[] = [];
const AGENT_SECRET = 'the-sfu-restart-test-secret';

before(async () => {
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
});
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** The SFU as `npm start` runs it: its own process, apps/sfu/src/main.ts, always on the same port, database and secret. */
async function startSfu(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/sfu/src/main.ts'], {
    env: {
      ...process.env,
      SFU_PORT: String(port),
      SFU_HOST: '127.0.0.1',
      SFU_WORKERS: '1',
      SFU_RTC_LISTEN_IP: '127.0.0.1',
      SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
      SFU_RTC_MIN_PORT: '47000',
      SFU_RTC_MAX_PORT: '47499',
      DATABASE_URL: dbUrl,
      INVITE_SECRET_FILE: path.join(dir, 'invite-secret'),
      RECORDINGS_DIR: path.join(dir, 'recordings'),
      SFU_MAIL_OUTBOX: path.join(dir, 'outbox'),
      AGENT_SECRET,
      LOG_LEVEL: process.env.RESTART_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', process.env.RESTART_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  children.push(child);
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the SFU exited with ${child.exitCode}`);
    const up = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (up) return child;
    if (Date.now() > end) throw new Error('the SFU did not come up');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopped(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

interface Joined {
  peerId: string;
  isHost: boolean;
  hostId: string | null;
  locked: boolean;
  rejoinToken?: string;
}

/**
 * A page as apps/web/media/room-session.ts behaves: socket.io reconnects on its own (0.5–2 s
 * apart) and, on connecting again, joins the same room with its rejoin token. `before` holds a
 * page back (so the test can choose who returns first).
 */
class Page {
  readonly socket: Socket;
  joined?: Joined;
  private backWaiters: Array<(j: Joined) => void> = [];

  constructor(
    readonly name: string,
    private readonly roomId: string,
    private readonly before: () => Promise<unknown> = async () => {},
  ) {
    this.socket = io(url, { transports: ['websocket'], reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 2000, forceNew: true });
    this.socket.io.on('reconnect', () => void this.rejoin());
  }

  async join(): Promise<Joined> {
    await new Promise<void>((resolve) => (this.socket.connected ? resolve() : this.socket.once('connect', () => resolve())));
    this.joined = (await joinRoom(this.socket, this.roomId, this.name)) as unknown as Joined;
    return this.joined;
  }

  /** Resolves with the join made after the next reconnect. */
  back(): Promise<Joined> {
    return new Promise((resolve) => this.backWaiters.push(resolve));
  }

  private async rejoin(): Promise<void> {
    await this.before();
    const { routerRtpCapabilities } = await askOk<{ routerRtpCapabilities: unknown }>(this.socket, 'getRouterRtpCapabilities', { roomId: this.roomId });
    const joined = await askOk<Joined>(this.socket, 'join', {
      roomId: this.roomId,
      displayName: this.name,
      role: 'musician',
      rtpCapabilities: routerRtpCapabilities,
      rejoin: this.joined?.rejoinToken,
    });
    this.joined = joined;
    for (const w of this.backWaiters.splice(0)) w(joined);
  }

  close(): void {
    this.socket.close();
  }
}

async function restartCase(signal: 'SIGKILL' | 'SIGTERM') {
  let sfu = await startSfu();
  const { id } = await createRoom({ url }, `Restart ${signal}`);
  // Ana's page holds back until Ben is in again: the host returns second.
  let benIsBack: () => void = () => {};
  const benBack = new Promise<void>((r) => (benIsBack = r));
  const ana = new Page('Ana', id, () => benBack);
  const ben = new Page('Ben', id);
  const anaFirst = await ana.join();
  const benFirst = await ben.join();
  assert.equal(anaFirst.isHost, true, 'Ana, first in, hosts');
  assert.ok(anaFirst.rejoinToken && benFirst.rejoinToken, 'each join hands out a rejoin token');
  await askOk(ana.socket, 'lockRoom', { locked: true });
  // The host role is written as it moves; give the write a moment before pulling the plug.
  await until(async () => (await db.getRoom(id)) && (await roomRow(id)).hostPeerId === anaFirst.peerId);

  const benReturn = ben.back().then((j) => {
    benIsBack();
    return j;
  });
  const anaReturn = ana.back();
  const stoppedAt = Date.now();
  sfu.kill(signal);
  await stopped(sfu);
  const downMs = Date.now() - stoppedAt;
  sfu = await startSfu();
  const upMs = Date.now() - stoppedAt;

  const benAgain = await benReturn;
  const benMs = Date.now() - stoppedAt;
  assert.equal(benAgain.peerId, benFirst.peerId, 'Ben is back as the same peer');
  assert.equal(benAgain.locked, true, 'the room is still locked');
  const hostBack = nextEvent<{ peerId: string }>(ben.socket, 'hostChanged', 10_000);
  const anaAgain = await anaReturn;
  const anaMs = Date.now() - stoppedAt;
  assert.equal(anaAgain.peerId, anaFirst.peerId, 'Ana is back as the same peer');
  assert.equal(anaAgain.isHost, true, 'Ana, the host before, holds the role again although Ben was back first');
  assert.equal((await hostBack).peerId, anaFirst.peerId, 'Ben is told Ana hosts');

  // The lock holds for everyone else: a newcomer, a forged token, and Ben's token while Ben is inside.
  const carl = await connect({ url });
  const refused = async (rejoin?: string) => {
    const { routerRtpCapabilities } = await askOk<{ routerRtpCapabilities: unknown }>(carl, 'getRouterRtpCapabilities', { roomId: id });
    return replyCode(await ask(carl, 'join', { roomId: id, displayName: 'Carl', role: 'musician', rtpCapabilities: routerRtpCapabilities, ...(rejoin && { rejoin }) }));
  };
  assert.equal(await refused(), 'room_locked');
  assert.equal(await refused(forge(benFirst.rejoinToken!)), 'room_locked');
  assert.equal(await refused(benAgain.rejoinToken), 'room_locked');
  // The room's media works in the new process: a transport is made on its new router.
  const t = await ask<{ id: string }>(ana.socket, 'createWebRtcTransport', { direction: 'send' });
  assert.equal(replyCode(t as Ack<unknown>), 'ok');
  console.log(
    `# SFU ${signal} on ${dbUrl.split(':')[0]}: down after ${downMs} ms, up again ${upMs} ms after the stop; Ben back in the room ${benMs} ms, the host ${anaMs} ms after it (same peers, still locked, host kept)`,
  );

  // Everyone leaves: the session ends for good, unlocked, with nobody holding the role.
  carl.close();
  await askOk(ana.socket, 'leave', {});
  await askOk(ben.socket, 'leave', {});
  await until(async () => (await db.getRoom(id))?.status === 'closed');
  const row = await roomRow(id);
  assert.equal(row.locked, false);
  assert.equal(row.hostPeerId, null);
  ana.close();
  ben.close();
  sfu.kill('SIGTERM');
  await stopped(sfu);
}

for (const database of HARNESS_DATABASES) {
  describe(`on ${database.name}`, { skip: database.skip }, () => {
    before(async () => {
      dbUrl = database.env.DATABASE_URL ?? `file:${path.join(dir, 'restart.db')}`;
      await migrateDatabase(dbUrl, { quiet: true, log: () => {} });
      db = await openDatabase(dbUrl);
    });
    after(() => db.close());

    test('the SFU process killed (SIGKILL) and started again: the pages rejoin by themselves, same peers, lock and host kept', { timeout: 90_000 }, async () => {
      await restartCase('SIGKILL');
    });

    test('the SFU process stopped (SIGTERM, a deploy) and started again: the same', { timeout: 90_000 }, async () => {
      await restartCase('SIGTERM');
    });

    test('nobody comes back after a restart: the room closes after the grace, unlocked', { timeout: 60_000 }, nobodyBack);

    test('the AI players come back with the session: same instruments and volumes, playing again', { timeout: 90_000 }, aiBack);

    test("the host's decisions about people outlive a restart: a muted guest comes back muted", { timeout: 60_000 }, decisionsKept);
  });
}

async function nobodyBack() {
  let sfu = await startSfu();
  const { id } = await createRoom({ url }, 'Nobody back');
  const ana = await connect({ url });
  await joinRoom(ana, id, 'Ana');
  await askOk(ana, 'lockRoom', { locked: true });
  sfu.kill('SIGKILL');
  await stopped(sfu);
  ana.close();
  process.env.SFU_RETURN_GRACE_MS = '1500';
  try {
    sfu = await startSfu();
  } finally {
    delete process.env.SFU_RETURN_GRACE_MS;
  }
  assert.equal((await roomRow(id)).locked, true, 'locked while its people may come back');
  await until(async () => (await db.getRoom(id))?.status === 'closed', 10_000);
  assert.equal((await roomRow(id)).locked, false, 'unlocked once the grace is over');
  // A new session starts open to anyone.
  const dan = await connect({ url });
  await joinRoom(dan, id, 'Dan');
  dan.close();
  sfu.kill('SIGTERM');
  await stopped(sfu);
}

/** The inference worker as `npm start` runs it, on the identity fixture model: it reconnects to a restarted SFU by itself. */
function startWorker(modelDir: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/inference/src/main.ts'], {
    env: { ...process.env, SFU_AGENT_URL: url, AGENT_SECRET, BANDMATE_MODEL_DIR: modelDir, LOG_LEVEL: 'warn', INFERENCE_METRICS_PORT: '0', BANDMATE_TF: '-0.1', BANDMATE_K: '0.01' },
    stdio: 'ignore',
  });
  children.push(child);
  return child;
}

/** Waits for what was just recorded to reach the database, kills the SFU (a crash) and starts it again. */
async function crashAndRestart(sfu: ChildProcess): Promise<{ sfu: ChildProcess; killedAt: number }> {
  await new Promise((r) => setTimeout(r, 300));
  const killedAt = Date.now();
  sfu.kill('SIGKILL');
  await stopped(sfu);
  return { sfu: await startSfu(), killedAt };
}

async function aiBack() {
  const modelDir = writeFixtureModel('identity', path.join(dir, 'identity'));
  const [first, second] = (JSON.parse(readFileSync(path.join(modelDir, 'model.json'), 'utf8')) as { instruments: string[] }).instruments.concat('', '');
  let sfu = await startSfu();
  const worker = startWorker(modelDir);
  const { id } = await createRoom({ url }, 'AI back');
  const ana = new Page('Ana', id);
  await ana.join();
  const lineup = [{ instrument: first!, volume: 0.5 }, { instrument: second || first!, volume: 1.5 }];
  await until(async () => replyCode(await ask(ana.socket, 'addAiPlayer', lineup[0])) === 'ok', 30_000);
  await askOk(ana.socket, 'addAiPlayer', lineup[1]);
  const playing = (s: AiRoomState) => s.players.length === 2 && s.players.every((p) => p.state === 'playing');
  await untilAiRoomState(ana.socket, playing, 20_000);

  // The lineup is written as it changes: the restart waits a moment for the writes.
  const anaReturn = ana.back();
  const restart = await crashAndRestart(sfu);
  sfu = restart.sfu;
  await anaReturn;
  const state = await untilAiRoomState(ana.socket, playing, 30_000);
  const backMs = Date.now() - restart.killedAt;
  assert.deepEqual(state.players.map((p) => ({ instrument: p.instrument, volume: p.volume })), lineup, 'the same players, in order, at their volumes');
  console.log(`# SFU killed with 2 AI players on ${dbUrl.split(':')[0]}: both playing again ${backMs} ms after the kill`);

  // Removed, a player stays removed after the next restart; the session's end takes the rest.
  await askOk(ana.socket, 'removeAiPlayer', { playerId: state.players[1]!.id });
  const again = ana.back();
  ({ sfu } = await crashAndRestart(sfu));
  await again;
  const one = await untilAiRoomState(ana.socket, (s) => s.players.length === 1 && s.players[0]!.state === 'playing', 30_000);
  assert.deepEqual(one.players.map((p) => ({ instrument: p.instrument, volume: p.volume })), [lineup[0]]);
  await askOk(ana.socket, 'leave', {});
  await until(async () => (await db.getRoom(id))?.status === 'closed');
  ana.close();
  worker.kill('SIGKILL');
  sfu.kill('SIGTERM');
  await stopped(sfu);
}

async function decisionsKept() {
  let sfu = await startSfu();
  try {
    const { id } = await createRoom({ url }, 'Decisions kept');
    const ana = new Page('Ana', id);
    const ben = new Page('Ben', id);
    await ana.join();
    const benFirst = await ben.join();
    await askOk(ana.socket, 'muteParticipant', { peerId: benFirst.peerId, muted: true });
    // The decision is written as it is made: the restart waits a moment for the write.
    const benReturn = ben.back();
    const anaReturn = ana.back();
    ({ sfu } = await crashAndRestart(sfu));
    const benAgain = (await benReturn) as Joined & { self?: { hostMuted?: boolean } };
    await anaReturn;
    assert.equal(benAgain.peerId, benFirst.peerId, 'Ben is back as the same peer (his rejoin token)');
    assert.equal(benAgain.self?.hostMuted, true, 'and still muted by the host');
    // The session's end clears the decision: Ben in a new session is not muted.
    await askOk(ana.socket, 'leave', {});
    await askOk(ben.socket, 'leave', {});
    await until(async () => (await db.getRoom(id))?.status === 'closed');
    ana.close();
    ben.close();
    const dan = await connect({ url });
    const fresh = (await joinRoom(dan, id, 'Ben')) as unknown as { self?: { hostMuted?: boolean } };
    assert.equal(fresh.self?.hostMuted, false, "a new session starts without the last one's decisions");
    dan.close();
  } finally {
    sfu.kill('SIGTERM');
    await stopped(sfu);
  }
}

/** The token with its signature's last character changed. */
function forge(token: string): string {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  return token.slice(0, -1) + last;
}

async function roomRow(id: string): Promise<{ locked: boolean; hostPeerId: string | null }> {
  return { locked: await db.isRoomLocked(id), hostPeerId: await db.roomHost(id) };
}

async function until(check: () => Promise<unknown>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

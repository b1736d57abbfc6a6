// Two SFU nodes on one database (issue 11; room-nodes.ts, node-lease.ts), each its own process as
// `npm start` runs it: a room runs on the node it opened on, the other refuses it saying where it
// runs (`room_elsewhere`), and when that node dies (SIGKILL) the live one takes the room over after
// its lease, with its people: they join it there again as the same peers, locked, host kept.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Socket } from 'socket.io-client';
import { openDatabase, type BandmateDatabase } from '../src/db/index.ts';
import { ask, askOk, connect, createRoom, freePort, HARNESS_DATABASES, joinRoom, replyCode } from './harness.ts';
// @ts-expect-error plain ESM script without types
import { migrateDatabase } from '../../../scripts/install/database.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-nodes-'));
const children: ChildProcess[] = [];
const LEASE_MS = 3000;
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Node {
  id: string;
  url: string;
  child: ChildProcess;
}

async function startNode(id: string, dbUrl: string, rtcPorts: [number, number]): Promise<Node> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/sfu/src/main.ts'], {
    env: {
      ...process.env,
      SFU_NODE_ID: id,
      SFU_PUBLIC_URL: url,
      SFU_NODE_LEASE_MS: String(LEASE_MS),
      SFU_PORT: String(port),
      SFU_HOST: '127.0.0.1',
      SFU_WORKERS: '1',
      SFU_RTC_LISTEN_IP: '127.0.0.1',
      SFU_ANNOUNCED_ADDRESS: '127.0.0.1',
      SFU_RTC_MIN_PORT: String(rtcPorts[0]),
      SFU_RTC_MAX_PORT: String(rtcPorts[1]),
      DATABASE_URL: dbUrl,
      // Shared by the nodes, as a deployment shares it: a rejoin token one node signed, another accepts.
      INVITE_SECRET_FILE: path.join(dir, 'invite-secret'),
      RECORDINGS_DIR: path.join(dir, `recordings-${id}`),
      SFU_MAIL_OUTBOX: path.join(dir, 'outbox'),
      DEMO_MAX_ROOMS: '0',
      LOG_LEVEL: process.env.NODES_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', process.env.NODES_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  children.push(child);
  const end = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`SFU node ${id} exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return { id, url, child };
    if (Date.now() > end) throw new Error(`SFU node ${id} did not come up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function tryJoin(socket: Socket, roomId: string, displayName: string, rejoin?: string) {
  const caps = await ask<{ routerRtpCapabilities: unknown }>(socket, 'getRouterRtpCapabilities', { roomId });
  if (!caps.ok) return caps;
  return ask<{ peerId: string; isHost: boolean; locked: boolean; rejoinToken?: string; peers: Array<{ displayName: string }> }>(socket, 'join', {
    roomId,
    displayName,
    role: 'musician',
    rtpCapabilities: caps.data.routerRtpCapabilities,
    ...(rejoin && { rejoin }),
  });
}

async function twoNodes(dbUrl: string, db: BandmateDatabase) {
  const a = await startNode('node-a', dbUrl, [47600, 47699]);
  const b = await startNode('node-b', dbUrl, [47700, 47799]);
  // Each says which node it is (an operator behind a proxy needs to know).
  for (const n of [a, b]) assert.equal(((await (await fetch(`${n.url}/health`)).json()) as { node: string }).node, n.id);
  const { id } = await createRoom({ url: b.url }, 'Homed on A');
  const ana = await connect({ url: a.url });
  const first = (await joinRoom(ana, id, 'Ana')) as unknown as { peerId: string; isHost: boolean; rejoinToken: string };
  assert.equal(first.isHost, true);
  await askOk(ana, 'lockRoom', { locked: true });

  // Asked of B, the room is refused, saying which node runs it and where.
  const ben = await connect({ url: b.url });
  const refused = await tryJoin(ben, id, 'Ben');
  assert.equal(replyCode(refused), 'room_elsewhere');
  assert.ok(!refused.ok && refused.error.message.includes('node-a') && refused.error.message.includes(a.url), `message: ${!refused.ok && refused.error.message}`);
  ben.close();

  // A dies. B takes the room over once A's lease has run out (at B's next heartbeat), with its
  // people expected back: Ana, at B, joins again with her rejoin token as the same peer, locked, host.
  const killedAt = Date.now();
  a.child.kill('SIGKILL');
  ana.close();
  const anaAtB = await connect({ url: b.url });
  let back: Awaited<ReturnType<typeof tryJoin>>;
  for (;;) {
    back = await tryJoin(anaAtB, id, 'Ana', first.rejoinToken);
    // `unavailable`: A's lease ran out between the join's check and its claim; the page tries again.
    if (!['room_elsewhere', 'unavailable'].includes(replyCode(back))) break;
    assert.ok(Date.now() - killedAt < LEASE_MS * 3, 'B never took the room over');
    await new Promise((r) => setTimeout(r, 100));
  }
  const takenMs = Date.now() - killedAt;
  assert.ok(back.ok, `Ana's rejoin at B: ${replyCode(back)}`);
  assert.deepEqual([back.data.peerId, back.data.isHost, back.data.locked], [first.peerId, true, true], 'same peer, host, still locked');
  // A's last heartbeat was up to a third of the lease before the kill.
  assert.ok(takenMs >= (LEASE_MS * 2) / 3 - 200, `taken over ${takenMs} ms after the kill, before A's ${LEASE_MS} ms lease ran out`);
  const row = await db.getRoom(id);
  assert.equal(row?.status, 'open');
  // A newcomer is kept out by the lock B kept.
  const carl = await connect({ url: b.url });
  assert.equal(replyCode(await tryJoin(carl, id, 'Carl')), 'room_locked');
  carl.close();
  console.log(`# ${dbUrl.split(':')[0]}: node A killed; node B took its room over and Ana was back in it ${takenMs} ms later (lease ${LEASE_MS} ms)`);

  // A starts again: the room stays on B (B is alive), and A says so.
  const a2 = await startNode('node-a', dbUrl, [47600, 47699]);
  const dan = await connect({ url: a2.url });
  const elsewhere = await tryJoin(dan, id, 'Dan');
  assert.equal(replyCode(elsewhere), 'room_elsewhere');
  assert.ok(!elsewhere.ok && elsewhere.error.message.includes(b.url));
  dan.close();
  await askOk(anaAtB, 'leave', {});
  anaAtB.close();
  for (const n of [a2, b]) n.child.kill('SIGTERM');
}

for (const database of HARNESS_DATABASES) {
  describe(`two SFU nodes on ${database.name}`, { skip: database.skip }, () => {
    let dbUrl: string;
    let db: BandmateDatabase;
    before(async () => {
      dbUrl = database.env.DATABASE_URL ?? `file:${path.join(dir, 'nodes.db')}`;
      await migrateDatabase(dbUrl, { quiet: true, log: () => {} });
      db = await openDatabase(dbUrl);
    });
    after(() => db.close());

    test('a room runs on one node; the other refuses it, then takes it over with its people when that node dies', { timeout: 90_000 }, () => twoNodes(dbUrl, db));
  });
}

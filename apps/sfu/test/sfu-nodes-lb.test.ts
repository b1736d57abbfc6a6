// Two SFU nodes behind one signalling address (issue 11): the deployment's HAProxy configuration
// (deploy/haproxy/haproxy.cfg, as docker-compose.nodes.yml runs it) in front of two node processes
// on one database. Pages that reach different nodes play in one room (the node without the room
// relays to the one with it); the room's node killed, both pages come back through the same
// address, into the room taken over by the live node, as the same peers, no reload. Each node has
// its own inference worker process: the room's AI player comes back on the live node's worker.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Socket } from 'socket.io-client';
import type { AiRoomState } from '@bandmate/shared';
import { writeFixtureModel } from '../../inference/test/fixtures/build-fixture-models.ts';
import { askOk, connect, createRoom, freePort, HARNESS_DATABASES, nextEvent, replyCode, suiteDatabase, untilAiRoomState, waitFor } from './harness.ts';
import { startInferenceWorker } from './inference-worker-process.ts';
import { NodeProcesses, tryJoin, type Joined, type NodeProcess } from './node-processes.ts';

const haproxy = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
const noHaproxy = haproxy.status === 0 ? false : 'haproxy is not installed (apt-get install haproxy; .ci/run does)';
const config = path.resolve(import.meta.dirname, '../../../deploy/haproxy/haproxy.cfg');
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-lb-'));
const nodes = new NodeProcesses(dir);
const stops: Array<() => void> = [];
const AGENT_SECRET = 'the-nodes-behind-a-balancer-secret';
after(() => {
  nodes.killAll();
  for (const stop of stops) stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startBalancer(port: number, a: NodeProcess, b: NodeProcess): Promise<string> {
  const url = `http://127.0.0.1:${port}`;
  const hostPort = (u: string) => new URL(u).host;
  const child = spawn('haproxy', ['-db', '-f', config], {
    env: { ...process.env, BANDMATE_LB_BIND: `127.0.0.1:${port}`, BANDMATE_SFU_1: hostPort(a.url), BANDMATE_SFU_2: hostPort(b.url) },
    stdio: ['ignore', 'ignore', process.env.NODES_LOG_LEVEL ? 'inherit' : 'ignore'],
  });
  stops.push(() => child.kill('SIGKILL'));
  // Ready once both nodes have passed their health checks: each is answered by now.
  const seen = new Set<string>();
  const end = Date.now() + 20_000;
  while (seen.size < 2) {
    const health = await fetch(`${url}/health`).then((r) => (r.ok ? (r.json() as Promise<{ node: string }>) : null), () => null);
    if (health) seen.add(health.node);
    assert.ok(Date.now() < end, `the balancer did not reach both nodes (saw ${[...seen].join(', ') || 'none'})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return url;
}

async function gauge(node: NodeProcess, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
}

/** What a page does after its connection drops: connect again (same address) and join with its token until the room takes it back. */
async function rejoin(lb: string, roomId: string, name: string, token: string, deadline: number): Promise<{ socket: Socket; joined: Joined }> {
  for (;;) {
    assert.ok(Date.now() < deadline, `${name} never got back in`);
    const socket = await connect({ url: lb }).catch(() => null);
    if (socket) {
      const back = await tryJoin(socket, roomId, name, token).catch(() => null);
      if (back?.ok) return { socket, joined: back.data };
      socket.close();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const database of HARNESS_DATABASES) {
  describe(`two SFU nodes behind HAProxy on ${database.name}`, { skip: database.skip || noHaproxy }, () => {
    const { url } = suiteDatabase(database, path.join(dir, 'lb.db'));

    test('pages on different nodes share a room; the room’s node killed, both are back in it through the same address', { timeout: 90_000 }, async () => {
      const lbPort = await freePort();
      const behind = { SFU_PUBLIC_URL: `http://127.0.0.1:${lbPort}`, SFU_TRUST_PROXY: '1', AGENT_SECRET };
      const a = await nodes.start('lb-node-a', url(), [47800, 47849], behind);
      const b = await nodes.start('lb-node-b', url(), [47850, 47899], behind);
      const lb = await startBalancer(lbPort, a, b);
      // An inference worker per node, as docker-compose.nodes.yml runs them.
      const modelDir = writeFixtureModel('identity', path.join(dir, `identity-${database.name}`));
      for (const node of [a, b]) {
        const worker = startInferenceWorker({ sfuUrl: node.url, secret: AGENT_SECRET, modelDir, maxPlayers: 2 });
        stops.push(() => worker.kill('SIGKILL'));
      }
      for (const node of [a, b]) await waitFor(async () => (await gauge(node, 'bandmate_ai_workers')) === 1, 30_000);
      const { id } = await createRoom({ url: lb }, 'Behind one address');

      // Least connections: Ana's open socket sends Ben to the other node.
      const ana = await connect({ url: lb });
      const anaIn = await tryJoin(ana, id, 'Ana');
      assert.ok(anaIn.ok, `Ana: ${replyCode(anaIn)}`);
      const ben = await connect({ url: lb });
      const benJoined = nextEvent<{ displayName: string }>(ana, 'peerJoined');
      const benIn = await tryJoin(ben, id, 'Ben');
      assert.ok(benIn.ok, `Ben: ${replyCode(benIn)}`);
      assert.deepEqual(benIn.data.peers.map((p) => p.displayName), ['Ana']);
      assert.equal((await benJoined).displayName, 'Ben');
      const [roomsA, roomsB, relayedA, relayedB] = await Promise.all([gauge(a, 'bandmate_rooms'), gauge(b, 'bandmate_rooms'), gauge(a, 'bandmate_relayed_connections'), gauge(b, 'bandmate_relayed_connections')]);
      assert.deepEqual([roomsA + roomsB, relayedA + relayedB], [1, 1], `one room on one node, one page relayed from the other (rooms ${roomsA}/${roomsB}, relayed ${relayedA}/${relayedB})`);
      const [home, other] = roomsA === 1 ? [a, b] : [b, a];
      assert.equal(await gauge(other, 'bandmate_relayed_connections'), 1, 'the page relayed is on the node without the room');
      const chat = nextEvent<{ body: string }>(ben, 'chatMessage');
      await askOk(ana, 'sendChat', { body: 'one room' });
      assert.equal((await chat).body, 'one room');
      // Ana (the host) adds an AI player: it plays on the room's node's worker.
      const playing = (s: AiRoomState) => s.players.length === 1 && s.players[0]!.state === 'playing';
      const aiPlaying = untilAiRoomState(ana, playing, 30_000);
      const { players } = await askOk<AiRoomState>(ana, 'addAiPlayer', { instrument: 'mirror' }); // the fixture model's instrument
      await aiPlaying;
      assert.equal(await gauge(home, 'bandmate_ai_pool_players'), 1, 'the AI player runs on the room node’s worker');

      // The room's node dies. Both pages lose their connection (the relayed one too: its relay is
      // cut), come back through the balancer, and rejoin the room on the live node.
      const killedAt = Date.now();
      home.child.kill('SIGKILL');
      await Promise.all([ana, ben].map((s) => new Promise<void>((resolve) => (s.connected ? s.once('disconnect', () => resolve()) : resolve()))));
      ana.close();
      ben.close();
      const deadline = killedAt + nodes.leaseMs * 5;
      const [anaBack, benBack] = await Promise.all([
        rejoin(lb, id, 'Ana', anaIn.data.rejoinToken, deadline),
        rejoin(lb, id, 'Ben', benIn.data.rejoinToken, deadline),
      ]);
      const backMs = Date.now() - killedAt;
      assert.deepEqual([anaBack.joined.peerId, anaBack.joined.isHost], [anaIn.data.peerId, true], 'Ana: same peer, host');
      assert.equal(benBack.joined.peerId, benIn.data.peerId, 'Ben: same peer');
      assert.equal(await gauge(other, 'bandmate_rooms'), 1, 'the live node runs the room now');
      // The room's AI player came along and plays again, on the live node's worker.
      const aiBack = playing(anaBack.joined.ai) ? anaBack.joined.ai : await untilAiRoomState(anaBack.socket, playing, 30_000);
      assert.deepEqual(aiBack.players.map((p) => p.instrument), [players[0]!.instrument], 'the room’s AI lineup');
      assert.equal(await gauge(other, 'bandmate_ai_pool_players'), 1, 'on the live node’s worker');
      const aiBackMs = Date.now() - killedAt;
      console.log(`# ${database.name}: pages on two nodes behind HAProxy in one room; its node killed, both back in it on the other ${backMs} ms later, its AI player playing on that node's worker at ${aiBackMs} ms (lease ${nodes.leaseMs} ms)`);
      anaBack.socket.close();
      benBack.socket.close();
      other.child.kill('SIGTERM');
    });
  });
}

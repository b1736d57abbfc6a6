import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { AiRoomState } from '@bandmate/shared';
import { writeFixtureModel } from '../../inference/test/fixtures/build-fixture-models.ts';
import type { Room } from '../src/rooms/room.ts';
import { ask, askOk, connect, createRoom, joinRoom, startHarness, untilAiRoomState, type Harness, waitFor } from './harness.ts';
import { plainEar, plainMusician } from './plain-musician.ts';
import { startInferenceWorker } from './inference-worker-process.ts';

/**
 * The inference pool (issue 11): two worker processes, as `npm start` runs one, connect to one SFU.
 * The room's AI players are spread over them (least loaded first), each worker at most
 * INFERENCE_MAX_PLAYERS; a worker killed (SIGKILL) has its player moved to the other, which plays
 * the musician's tone back into the room again; a full pool refuses a new player with ai_pool_full.
 */
const AGENT_SECRET = 'the-inference-pool-test-secret';
const dir = mkdtempSync(path.join(os.tmpdir(), 'bandmate-pool-'));
const children: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
let h: Harness;

before(async () => {
  h = await startHarness({ AGENT_SECRET });
});
after(async () => {
  for (const c of cleanups.reverse()) c();
  for (const child of children) child.kill('SIGKILL');
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

function startWorker(modelDir: string, maxPlayers: number): ChildProcess {
  const child = startInferenceWorker({ sfuUrl: h.sfu.url, secret: AGENT_SECRET, modelDir, maxPlayers });
  children.push(child);
  return child;
}

async function ear(room: Room, producerId: string): Promise<number[]> {
  const listener = await plainEar(room, producerId);
  cleanups.push(() => listener.close());
  return listener.levels;
}

const aiProducer = (room: Room, peerId: string) => [...(room.peers.get(peerId)?.producers.values() ?? [])][0]?.id;

test('AI players spread over two workers; a killed worker’s player moves to the other and plays again; a full pool refuses', { timeout: 120_000 }, async () => {
  const modelDir = writeFixtureModel('identity', path.join(dir, 'identity'));
  const first = startWorker(modelDir, 2);
  await waitFor(() => h.sfu.agents.load().workers === 1, 30_000);
  const second = startWorker(modelDir, 2);
  await waitFor(() => h.sfu.agents.load().workers === 2, 30_000);
  assert.deepEqual(h.sfu.agents.load(), { workers: 2, players: 0, capacity: 4 });
  const instrument = h.sfu.agents.info!.instruments[0]!;

  const { id } = await createRoom(h.sfu, 'Pooled band');
  const host = await connect(h.sfu);
  cleanups.push(() => host.close());
  await joinRoom(host, id, 'Hana');
  const room = h.sfu.registry.get(id)!;
  // A musician playing a tone, on a clock that does not drift: what every AI player hears and,
  // with the identity model, plays back.
  const mia = await plainMusician(room, { ssrc: 6161, isAgent: false });
  cleanups.push(() => mia.stop());

  // Two players: one on each worker (the least loaded takes the next).
  const allPlaying = (n: number) => (s: AiRoomState) => s.players.length === n && s.players.every((p) => p.state === 'playing');
  const playing = untilAiRoomState(host, allPlaying(2), 30_000);
  await askOk<AiRoomState>(host, 'addAiPlayer', { instrument });
  await askOk<AiRoomState>(host, 'addAiPlayer', { instrument });
  const state = await playing;
  const placed = h.sfu.agents.workers();
  assert.deepEqual(placed.map((w) => w.players).sort(), [1, 1], 'one player on each worker');

  // Which player runs on the second worker (it connected second): that one moves when it is killed.
  const [a, b] = state.players;
  const onSecond = placed.find((w) => w.order === 1)!;
  const moving = onSecond.keys[0] === `${id}/${a!.id}` ? a! : b!;
  const staying = moving === a ? b! : a!;
  const stayingLevels = await ear(room, aiProducer(room, staying.peerId!)!);

  const killedAt = Date.now();
  second.kill('SIGKILL');
  const back = await untilAiRoomState(
    host,
    (s) => s.players.find((p) => p.id === moving.id)?.state === 'playing' && s.players.find((p) => p.id === moving.id)?.peerId !== moving.peerId,
    20_000,
  );
  const movedMs = Date.now() - killedAt;
  const moved = back.players.find((p) => p.id === moving.id)!;
  assert.equal(h.sfu.agents.load().workers, 1);
  assert.deepEqual(h.sfu.agents.workers().map((w) => w.players), [2], 'both players on the worker left');
  // Its new track carries the musician's tone again (the identity model: tanh(0.5) ≈ 0.46 peak).
  const movedLevels = await ear(room, aiProducer(room, moved.peerId!)!);
  await waitFor(() => movedLevels.filter((l) => l > 0.3).length > 20, 20_000);
  const heardMs = Date.now() - killedAt;
  // The other player never left: same peer, still playing, its tone uninterrupted.
  const now = back.players.find((p) => p.id === staying.id)!;
  assert.equal(now.peerId, staying.peerId);
  assert.equal(now.state, 'playing');
  // Heard before and after the kill: loud packets in most of the time since (a pause would show as quiet ones).
  const since = stayingLevels.length;
  await new Promise((r) => setTimeout(r, 1000));
  const lastSecond = stayingLevels.slice(since);
  assert.ok(lastSecond.length >= 80 && lastSecond.filter((l) => l > 0.3).length >= 0.8 * lastSecond.length, `the staying player: ${lastSecond.filter((l) => l > 0.3).length} loud of ${lastSecond.length} packets in the last second`);
  assert.ok(stayingLevels.filter((l) => l > 0.3).length > 0.8 * stayingLevels.length, `the staying player: ${stayingLevels.filter((l) => l > 0.3).length} loud of ${stayingLevels.length} packets since the kill`);
  console.log(`# inference pool: a worker killed (SIGKILL); its AI player playing on the other worker ${movedMs} ms later, its tone heard at ${heardMs} ms`);

  // The one worker left is full (2 of 2): a third player is refused, and nothing is added.
  const refused = await ask(host, 'addAiPlayer', { instrument });
  assert.equal(!refused.ok && refused.error.code, 'ai_pool_full');
  assert.equal(h.sfu.agents.load().players, 2);

  // A third worker with one seat takes a third player. Then the first worker dies with two players
  // and no free seat anywhere: both wait, saying so; when the host removes the third player its seat
  // goes to one of them.
  const third = startWorker(modelDir, 1);
  await waitFor(() => h.sfu.agents.load().workers === 2, 30_000);
  const withThird = await askOk<AiRoomState>(host, 'addAiPlayer', { instrument });
  const p3 = withThird.players.find((p) => p.id !== moving.id && p.id !== staying.id)!;
  await untilAiRoomState(host, allPlaying(3), 30_000);
  first.kill('SIGKILL');
  const waiting = await untilAiRoomState(host, (s) => s.players.filter((p) => p.state === 'error' && /seat frees/.test(p.message ?? '')).length === 2, 10_000);
  assert.deepEqual(waiting.players.filter((p) => p.state === 'error').map((p) => p.id).sort(), [moving.id, staying.id].sort());
  assert.deepEqual(h.sfu.agents.load(), { workers: 1, players: 1, capacity: 1 });
  const freedAt = Date.now();
  await askOk(host, 'removeAiPlayer', { playerId: p3.id });
  const seated = await untilAiRoomState(host, (s) => s.players.length === 2 && s.players.some((p) => p.state === 'playing'), 20_000);
  console.log(`# inference pool: a player waiting for a seat was playing ${Date.now() - freedAt} ms after the host freed one`);
  assert.equal(seated.players.filter((p) => p.state === 'playing').length, 1, 'one seat, one player');
  assert.ok(seated.players.some((p) => p.state === 'error' && /seat frees/.test(p.message ?? '')), 'the other still waits, saying why');
  third.kill('SIGTERM');

  // The room ends: its players leave the pool.
  room.close();
  await waitFor(() => h.sfu.agents.load().players === 0, 10_000);
});
